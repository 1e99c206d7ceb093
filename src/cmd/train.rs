//! `cabin train` (being built).

/// Options of `cabin train`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `cabin train`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`cabin train` is not built yet")
}
