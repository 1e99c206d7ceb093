//! Cut tables and their evaluation, in floating point and in fixed point.
//!
//! `cabin-infer` is the one definition of what a learned cut *means*. The trainer's hard-cut
//! evaluation, every firmware export and the hardware verifier go through the types here, so the
//! software reference and the hardware cannot drift apart.
//!
//! Guarantees, for every build:
//! - `#![no_std]`, no allocation in the evaluation paths (the optional `alloc` and `doc`
//!   features add owned tables and the JSON document model for host tools);
//! - no panics on any input: bad shapes are reported as [`TableError`] values;
//! - fixed-point thresholds are exact on the format's grid: the integer comparison on the raw
//!   input equals the float cut applied to the quantised input (see [`fixed`]).
//!
//! Modules: [`cut`] (operators, float tables), [`fixed`] (formats, quantisation, fixed-point
//! tables), [`fast`] (a prepared evaluator with the same answers, for speed), [`fit`] (choosing
//! a format from a value range) and, with the `doc` feature, `doc` (the `cabin.cuts/1` file).
//!
//! A *table* has `S` cut slots (a slot is one input and one comparison) and `P` working points;
//! each working point has one threshold per slot. Evaluating an event gives a `P`-bit mask
//! (bit `p` set = the event passes every cut of working point `p`), so `P` is at most
//! [`MAX_POINTS`].
#![no_std]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

#[cfg(feature = "alloc")]
extern crate alloc;

pub mod binned;
pub mod cut;
#[cfg(feature = "doc")]
pub mod doc;
pub mod fast;
pub mod fit;
pub mod fixed;

pub use cut::{CutTable, Op, Slot, TableError, MAX_POINTS};
pub use fast::{Evaluator, PrepareError};
pub use fit::{fit_format, fit_format_signed, FitError};
pub use fixed::{Decision, FixedCut, FixedTable, Format, FormatError, ParseFormatError, Rounding};

// The error types implement `core::error::Error` so host tools can wrap them with context.
impl core::error::Error for TableError {}
impl core::error::Error for FormatError {}
impl core::error::Error for ParseFormatError {}
impl core::error::Error for PrepareError {}
impl core::error::Error for FitError {}
#[cfg(feature = "doc")]
impl core::error::Error for doc::DocError {}
