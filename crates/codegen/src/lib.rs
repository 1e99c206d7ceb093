//! Firmware and microcontroller code from cabin's fixed-point cut tables.
//!
//! Every number in the generated code (raw thresholds, widths, names, comments) is computed
//! here in Rust from `cabin-infer`'s [`OwnedFixedTable`](cabin_infer::doc::OwnedFixedTable);
//! the askama templates in the top-level `templates/` folder only lay them out. The generated
//! hardware computes exactly [`FixedTable::mask_raw`](cabin_infer::FixedTable::mask_raw) of
//! the raw inputs, one mask bit per working point.
//!
//! - [`vectors`]: boundary and random test vectors, their expected masks, hex files;
//! - [`names`]: feature names made safe for every target language;
//! - [`design`]: the checked, named table all targets are generated from;
//! - [`verilog`], [`hls`], [`rust`], [`c`]: one module per target;
//! - [`report`]: Yosys synthesis figures and the minimal-LUT estimate they are compared with.
//! - [`verify`]: bit-for-bit checks of generated hardware against the reference.
#![deny(missing_docs)]

pub mod c;
pub mod design;
pub mod hls;
pub mod names;
pub mod report;
pub mod rust;
pub mod vectors;
pub mod verify;
pub mod verilog;

pub use design::{Design, Provenance};

/// Why code could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The design name is not usable.
    #[error("{0}")]
    Name(String),
    /// The table is not usable.
    #[error("cut table: {0}")]
    Table(String),
    /// An option is out of range.
    #[error("{0}")]
    Option(String),
    /// Test vectors could not be built.
    #[error("test vectors: {0}")]
    Vectors(vectors::VectorError),
    /// A template failed to render.
    #[error("template: {0}")]
    Template(askama::Error),
}

// Both variants embed their cause in the message, so they do not also return it as the
// error's source (a chain printer such as anyhow's `{:#}` would print it twice).
impl From<vectors::VectorError> for Error {
    fn from(e: vectors::VectorError) -> Self {
        Error::Vectors(e)
    }
}

impl From<askama::Error> for Error {
    fn from(e: askama::Error) -> Self {
        Error::Template(e)
    }
}

/// The output languages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// Verilog-2001 module, testbench and vectors.
    Verilog,
    /// hls4ml-like HLS C++ project.
    Hls,
    /// Rust module of `const` items for `cabin-infer`.
    Rust,
    /// C99 header with an inline evaluation function.
    C,
}

/// Options shared by the targets; [`Options::default`] gives the documented defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// Extra register stages after the output register (Verilog): latency `1 + pipeline`.
    pub pipeline: u32,
    /// FPGA part for the HLS project.
    pub part: String,
    /// Clock period in nanoseconds for the HLS project.
    pub clock_ns: f64,
    /// Random test vectors added to the boundary vectors.
    pub random_vectors: usize,
    /// Seed of the random test vectors.
    pub seed: u64,
    /// Raw events added to the test vectors.
    pub extra_vectors: Vec<Vec<i64>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            pipeline: 0,
            part: "xcvu9p-flga2104-2L-e".to_string(),
            clock_ns: 5.0,
            random_vectors: 256,
            seed: 1,
            extra_vectors: Vec::new(),
        }
    }
}

/// The largest `--pipeline` accepted.
pub const MAX_PIPELINE: u32 = 16;

/// One generated file, its path relative to the output folder (`/`-separated).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Relative path, e.g. `firmware/cabin_cuts.cpp`.
    pub path: String,
    /// File content.
    pub contents: String,
}

impl GeneratedFile {
    pub(crate) fn new(path: impl Into<String>, contents: impl Into<String>) -> Self {
        GeneratedFile { path: path.into(), contents: contents.into() }
    }
}

/// Generates every file of `target` for `design`.
pub fn generate(
    target: Target,
    design: &Design,
    options: &Options,
) -> Result<Vec<GeneratedFile>, Error> {
    if options.pipeline > MAX_PIPELINE {
        return Err(Error::Option(format!(
            "pipeline depth {} too large, expected 0..={MAX_PIPELINE}",
            options.pipeline
        )));
    }
    if !(options.clock_ns.is_finite() && options.clock_ns > 0.0) {
        return Err(Error::Option(format!(
            "clock period {} ns is not a positive number",
            options.clock_ns
        )));
    }
    match target {
        Target::Verilog => verilog::generate(design, options),
        Target::Hls => hls::generate(design, options),
        Target::Rust => rust::generate(design),
        Target::C => c::generate(design),
    }
}

/// The standard vector set of `design` with `options` (boundary, extreme, random, extra) and
/// its expected masks.
pub fn test_vectors(
    design: &Design,
    options: &Options,
) -> Result<(Vec<Vec<i64>>, Vec<u64>), Error> {
    let view = design.view()?;
    let events =
        vectors::standard_set(&view, options.random_vectors, options.seed, &options.extra_vectors)?;
    let masks = vectors::expected(&view, &events)?;
    Ok((events, masks))
}

/// `lines` as `prefix`-commented lines, each ending with a newline.
pub(crate) fn comment_block(prefix: &str, lines: &[String]) -> String {
    lines.iter().map(|l| format!("{prefix} {l}\n")).collect()
}
