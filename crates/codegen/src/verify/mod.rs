//! Bit-for-bit verification of generated hardware against the software reference.
//!
//! `cabin verify` builds a labelled vector set ([`set`]), simulates the generated Verilog with
//! Icarus Verilog and Verilator ([`rtl`]) and the HLS C++ with g++ against the `ap_types`
//! headers ([`hls`]), and compares every output mask with [`cabin_infer::FixedTable::mask_raw`]
//! ([`compare`]). A mismatch is explained in the user's terms: the vector's origin, every input
//! raw and physical, the expected and actual masks, and for each differing working point which
//! of its cuts the reference says pass or fail. [`formal`] adds an optional Yosys SAT proof
//! that the generated module equals an independently written combinational reference.
//!
//! Nothing here silently passes: a missing tool is a [`VerifyError::ToolMissing`] naming the
//! Debian package to install, and the caller decides whether that is fatal.

pub mod compare;
pub mod formal;
pub mod hls;
pub mod rtl;
pub mod set;
pub mod tools;

use std::path::PathBuf;

pub use compare::{compare, Comparison, CutCheck, MismatchDetail, PointDiff, Suspect};
pub use set::{build, build_indexed, Origin, SetOptions, Vector, VectorSet};
pub use tools::Tool;

/// Why a verification could not be carried out (a mismatch is not an error: see
/// [`Comparison`]).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The fixed-point table is unusable.
    #[error("cut table: {0}")]
    Table(String),
    /// Data values are not a whole number of events.
    #[error("data has {values} values, not a multiple of the table's {inputs} inputs")]
    DataShape {
        /// Values given.
        values: usize,
        /// Inputs per event.
        inputs: usize,
    },
    /// A file could not be read or written.
    #[error("cannot access '{path}': {cause}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause (already in the message, so not also returned as the error's source).
        cause: std::io::Error,
    },
    /// The generated design is not where it should be.
    #[error("{0}")]
    Design(String),
    /// The design's ports do not fit the table.
    #[error("interface of module '{module}' does not fit the cut table: {detail}")]
    Interface {
        /// Module name.
        module: String,
        /// What differs, expected against found.
        detail: String,
    },
    /// A tool is not installed.
    #[error(
        "{tool} not found on PATH; install the Debian package '{package}' (or run .ci/tools.sh)"
    )]
    ToolMissing {
        /// Program name.
        tool: String,
        /// Debian package that provides it.
        package: String,
    },
    /// The `ap_types` headers are not found.
    #[error(
        "ap_types headers (ap_fixed.h) not found in {searched}; pass --ap-include DIR, set \
         XILINX_HLS, or run .ci/tools.sh to fill the default cache"
    )]
    ApTypesMissing {
        /// The folders looked in.
        searched: String,
    },
    /// A tool ran and failed.
    #[error("{tool} failed ({status}): {output}")]
    ToolFailed {
        /// What ran.
        tool: String,
        /// Exit status.
        status: String,
        /// The end of its output.
        output: String,
    },
    /// A simulation's output could not be read.
    #[error("{tool} output line {line}: {detail}")]
    SimOutput {
        /// Which simulator.
        tool: String,
        /// 1-based line of the output file.
        line: usize,
        /// What is wrong, with the text found.
        detail: String,
    },
    /// The design drove undefined (`x`/`z`) bits on `sel` while `out_valid` was high.
    #[error(
        "{tool} output line {line}: sel = {value} has undefined (x/z) bits while out_valid is high"
    )]
    Undefined {
        /// Which simulator.
        tool: String,
        /// 1-based line of the output file.
        line: usize,
        /// The value printed.
        value: String,
    },
    /// Inconsistent inputs inside the verifier (a bug in cabin, not in the design).
    #[error("internal error: {0}")]
    Internal(String),
}

impl VerifyError {
    pub(crate) fn io(path: impl Into<PathBuf>, cause: std::io::Error) -> VerifyError {
        VerifyError::Io { path: path.into(), cause }
    }
}

/// What one simulator produced.
#[derive(Clone, Debug, PartialEq)]
pub struct SimRun {
    /// The simulator.
    pub tool: Tool,
    /// Its version line.
    pub version: String,
    /// One mask per valid output, in order.
    pub outputs: Vec<u64>,
    /// Cycles from the first valid input to the first valid output (RTL only).
    pub latency: Option<u64>,
    /// Wall time of build and run, in seconds.
    pub seconds: f64,
}

/// Keeps the last `n` characters of a tool's output for an error message.
pub(crate) fn tail(text: &str, n: usize) -> String {
    let t = text.trim();
    let start = t.char_indices().rev().nth(n).map_or(0, |(i, _)| i);
    t[start..].to_string()
}
