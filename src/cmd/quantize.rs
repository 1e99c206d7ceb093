//! `cabin quantize` (being built).

/// Options of `cabin quantize`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `cabin quantize`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`cabin quantize` is not built yet")
}
