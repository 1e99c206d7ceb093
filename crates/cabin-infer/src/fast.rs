//! A prepared fixed-point evaluator: the same masks as [`FixedTable::mask_raw`], many times
//! faster, for hosts and microcontrollers.
//!
//! Preparation turns every cut into one strict comparison `s * X > T` on 32-bit lanes, with
//! `s = +1` for `>`/`>=` and `s = -1` for `<`/`<=`:
//!
//! | cut             | lane threshold `T` |
//! |-----------------|--------------------|
//! | `X > t`         | `t`                |
//! | `X >= t`        | `t - 1`            |
//! | `X < t`         | `-t`               |
//! | `X <= t`        | `-t - 1`           |
//! | always pass     | `min - 1` (`-(max + 1)` for `<`, `<=`) |
//! | always fail     | `max` (`-min` for `<`, `<=`)           |
//!
//! The thresholds of one slot for up to [`LANES`] working points sit in one padded array, so
//! evaluating a slot is a broadcast of `s * X`, one vector compare and an AND; the mask bits are
//! extracted once per event and block of working points. Padding lanes have an always-pass
//! threshold and are cleared at the end.
//!
//! Exactness: for every raw input inside its format's range (what [`Format::quantize`]
//! produces) the mask equals [`FixedTable::mask_raw`]; this is property-tested. Raw values
//! outside their format give some mask, never a panic. Formats must be at most 31 bits wide so
//! that `min - 2`, `max + 2` and the negations fit in an `i32`: signed formats up to 31 bits,
//! unsigned up to 30; wider formats are rejected with [`PrepareError::Width`] (use
//! [`FixedTable`] for them).

use core::fmt;

use heapless::Vec;

use crate::cut::{check_events, TableError};
use crate::fixed::{Decision, FixedTable, Format, Rounding};

/// Working points per block: one block holds one slot's thresholds for up to 16 points.
pub const LANES: usize = 16;

/// One slot's thresholds for one block of working points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Block {
    /// Index of the input read.
    input: u16,
    /// 0 for a lower bound (`s = +1`), -1 for an upper bound (`s = -1`): `s * x = (x ^ neg) -
    /// neg`.
    neg: i32,
    /// `T` per lane.
    t: [i32; LANES],
}

/// Why a table could not be prepared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrepareError {
    /// The table needs more blocks (slots times blocks of [`LANES`] points) than the evaluator
    /// holds.
    Capacity {
        /// Blocks needed.
        needed: usize,
        /// The evaluator's capacity `N`.
        capacity: usize,
    },
    /// An input's format is wider than the 32-bit lanes support (signed 31, unsigned 30 bits).
    Width {
        /// Input index.
        input: usize,
        /// Its format.
        format: Format,
    },
}

impl fmt::Display for PrepareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            PrepareError::Capacity { needed, capacity } => write!(
                f,
                "cut table needs {needed} evaluator blocks, the evaluator holds {capacity}"
            ),
            PrepareError::Width { input, format } => write!(
                f,
                "input {input} has format {format}, the prepared evaluator supports at most s31 and u30"
            ),
        }
    }
}

/// A [`FixedTable`] prepared for fast evaluation, in `N` blocks of inline storage (no
/// allocation); a table needs `slots * ceil(points / 16)` blocks (68 bytes each) and at most
/// `N` inputs.
///
/// The default `N = 64` holds, for example, 64 slots at up to 16 working points.
#[derive(Clone, Debug)]
pub struct Evaluator<const N: usize = 64> {
    inputs: usize,
    points: usize,
    slots: usize,
    /// Blocks, block-of-points major: `blocks[c * slots + s]`.
    blocks: Vec<Block, N>,
    /// Rounding used by the float entry points.
    rounding: Rounding,
    formats: Vec<Format, N>,
}

impl<const N: usize> Evaluator<N> {
    /// Prepares `table`; `rounding` is what the float entry points quantise with.
    pub fn new(table: &FixedTable<'_>, rounding: Rounding) -> Result<Self, PrepareError> {
        let slots = table.slots();
        let points = table.points();
        let chunks = points.div_ceil(LANES);
        let needed = chunks * slots.len();
        let capacity_err = PrepareError::Capacity { needed, capacity: N };
        if needed > N || table.inputs() > N {
            return Err(capacity_err);
        }
        let mut formats = Vec::new();
        for (input, &format) in table.formats().iter().enumerate() {
            if format.min_raw() < -(1 << 30) || format.max_raw() >= (1 << 30) {
                return Err(PrepareError::Width { input, format });
            }
            formats.push(format).map_err(|_| capacity_err)?;
        }

        let mut blocks = Vec::new();
        for c in 0..chunks {
            for (s, slot) in slots.iter().enumerate() {
                let format = table.formats()[slot.input as usize];
                let (lo, hi) = (format.min_raw() as i32, format.max_raw() as i32);
                let lower = slot.op.is_lower_bound();
                // Padding lanes always pass; their bits are masked off in `finish`.
                let pass = if lower { lo - 1 } else { -(hi + 1) };
                let mut t = [pass; LANES];
                for (lane, tl) in t.iter_mut().enumerate() {
                    let p = c * LANES + lane;
                    if p >= points {
                        break;
                    }
                    let cut = table.cuts()[p * slots.len() + s];
                    *tl = lane_threshold(cut.op, cut.decision, lo, hi);
                }
                let block = Block { input: slot.input, neg: if lower { 0 } else { -1 }, t };
                blocks.push(block).map_err(|_| capacity_err)?;
            }
        }
        Ok(Evaluator {
            inputs: table.inputs(),
            points,
            slots: slots.len(),
            blocks,
            rounding,
            formats,
        })
    }

    /// Values per event.
    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// Number of working points.
    pub fn points(&self) -> usize {
        self.points
    }

    /// The mask of one raw event (`inputs` values, each inside its format).
    pub fn mask<T: Copy + Into<i32>>(&self, event: &[T]) -> Result<u64, TableError> {
        if event.len() != self.inputs {
            return Err(TableError::InputLength { expected: self.inputs, got: event.len() });
        }
        Ok(self.mask_unchecked_len(event))
    }

    /// Masks for a row-major slice of raw events into `out`.
    pub fn mask_slice<T: Copy + Into<i32>>(
        &self,
        events: &[T],
        out: &mut [u64],
    ) -> Result<(), TableError> {
        check_events(events.len(), self.inputs, out.len())?;
        for (m, event) in out.iter_mut().zip(events.chunks_exact(self.inputs)) {
            *m = self.mask_unchecked_len(event);
        }
        Ok(())
    }

    /// The mask of one float event, each input quantised with the evaluator's rounding first
    /// (equals [`FixedTable::mask_float`]).
    pub fn mask_float(&self, event: &[f64]) -> Result<u64, TableError> {
        if event.len() != self.inputs {
            return Err(TableError::InputLength { expected: self.inputs, got: event.len() });
        }
        let mut raw = [0i32; N];
        for ((r, &x), f) in raw.iter_mut().zip(event).zip(&self.formats) {
            // In range of i32: the format is at most 31 bits wide.
            *r = f.quantize(x, self.rounding) as i32;
        }
        Ok(self.mask_unchecked_len(&raw[..self.inputs]))
    }

    /// Masks for a row-major slice of float events into `out` (see [`Evaluator::mask_float`]).
    pub fn mask_float_slice(&self, events: &[f64], out: &mut [u64]) -> Result<(), TableError> {
        check_events(events.len(), self.inputs, out.len())?;
        for (m, event) in out.iter_mut().zip(events.chunks_exact(self.inputs)) {
            *m = self.mask_float(event)?;
        }
        Ok(())
    }

    /// The mask of an event whose length was checked.
    #[inline]
    fn mask_unchecked_len<T: Copy + Into<i32>>(&self, event: &[T]) -> u64 {
        let mut mask = 0u64;
        for (c, blocks) in self.blocks.chunks(self.slots.max(1)).enumerate() {
            let bits = block_mask(blocks, event);
            mask |= (bits as u64) << (c * LANES);
        }
        // Clear the padding lanes of the last block.
        if self.points < 64 {
            mask &= (1u64 << self.points) - 1;
        }
        mask
    }
}

/// The strict lane threshold `T` of one cut (table in the module docs).
fn lane_threshold(op: crate::cut::Op, decision: Decision, lo: i32, hi: i32) -> i32 {
    use crate::cut::Op;
    let lower = op.is_lower_bound();
    match decision {
        // Raw thresholds from `FixedCut::new` lie in [lo, hi]; clamp ones read from elsewhere
        // so the arithmetic cannot overflow (a clamped threshold keeps its answer on every
        // in-range input).
        Decision::Compare(t) => {
            let t = t.clamp(lo as i64 - 1, hi as i64 + 1) as i32;
            match op {
                Op::Gt => t,
                Op::Ge => t - 1,
                Op::Lt => -t,
                Op::Le => -t - 1,
            }
        }
        Decision::AlwaysPass if lower => lo - 1,
        Decision::AlwaysPass => -(hi + 1),
        Decision::AlwaysFail if lower => hi,
        Decision::AlwaysFail => -lo,
    }
}

/// The 16 mask bits of one block of working points: AND over slots of `s * x > T`.
///
/// Lane answers stay all-ones/all-zeros `i32` words (what a vector compare produces), so each
/// slot compiles to a broadcast, vector compares and ANDs; the bits are gathered once at the
/// end by masking each lane with its weight `1 << lane` and OR-reducing.
#[inline]
fn block_mask<T: Copy + Into<i32>>(blocks: &[Block], event: &[T]) -> u16 {
    let mut acc = [-1i32; LANES];
    for b in blocks {
        let x = match event.get(b.input as usize) {
            Some(&v) => v.into(),
            None => 0,
        };
        let sx = (x ^ b.neg).wrapping_sub(b.neg);
        for (a, &t) in acc.iter_mut().zip(&b.t) {
            *a &= -((sx > t) as i32);
        }
    }
    let mut bits = 0i32;
    for (lane, a) in acc.iter().enumerate() {
        bits |= a & (1 << lane);
    }
    bits as u16
}
