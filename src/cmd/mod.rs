//! One module per subcommand: each has an `Args` (clap) and a `run`.

pub mod beyond_args;
pub mod compare;
pub mod data_args;
pub mod eval;
pub mod export;
pub mod plot;
pub mod quantize;
pub mod train;
pub mod verify;

/// Reads and checks a cut file, and records it as an input of this run so no output can
/// replace it. Returns the document and the file's bytes (for checksums).
pub fn read_cuts(path: &std::path::Path) -> anyhow::Result<(cabin_infer::doc::CutsFile, Vec<u8>)> {
    use anyhow::Context;
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read cut file '{}'", path.display()))?;
    crate::output::note_input(path);
    let text = std::str::from_utf8(&bytes)
        .with_context(|| format!("cut file '{}' is not UTF-8 text", path.display()))?;
    let file = cabin_infer::doc::CutsFile::from_json(text)
        .with_context(|| format!("cannot use cut file '{}'", path.display()))?;
    Ok((file, bytes))
}

/// Records every file a dataset was read from as an input of this run (see [`read_cuts`]).
/// Records the test-rows file a cut file names, if any, as an input of this run.
pub fn note_test_rows(rec: &cabin_train::data::Recorded) {
    if let Some((path, _)) = &rec.test_rows {
        crate::output::note_input(path);
    }
}

pub fn note_inputs(ds: &cabin_train::data::Dataset) {
    for input in &ds.inputs {
        crate::output::note_input(std::path::Path::new(&input.path));
    }
}

/// Most random vectors `export` and `verify` accept: 10 million vectors are already ~200 MB of
/// vector files and minutes of simulation; more is a typo, not a test plan.
pub const MAX_VECTORS: usize = 10_000_000;

/// Parses a vector count, refusing more than [`MAX_VECTORS`].
pub fn vector_count(s: &str) -> Result<usize, String> {
    let n: usize = s.parse().map_err(|_| format!("'{s}' is not a count of vectors"))?;
    if n > MAX_VECTORS {
        return Err(format!("{n} vectors is more than the {MAX_VECTORS} supported"));
    }
    Ok(n)
}

/// `n` and the noun, plural unless `n` is 1: `count(1, "file")` is `1 file`, `count(3, "file")`
/// is `3 files` (every noun the commands count takes an `s`).
pub fn count<N: std::fmt::Display + PartialEq + From<u8>>(n: N, noun: &str) -> String {
    if n == N::from(1) {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Hardware output differed from the software reference: exit code 1 rather than 2.
#[derive(Debug)]
pub struct Mismatch(pub String);

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Mismatch {}
