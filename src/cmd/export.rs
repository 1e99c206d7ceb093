//! `cabin export` (being built).

/// Options of `cabin export`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `cabin export`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`cabin export` is not built yet")
}
