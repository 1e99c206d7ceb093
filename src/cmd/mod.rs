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

/// Hardware output differed from the software reference: exit code 1 rather than 2.
#[derive(Debug)]
pub struct Mismatch(pub String);

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Mismatch {}
