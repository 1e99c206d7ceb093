//! `cabin plot` (being built).

/// Options of `cabin plot`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `cabin plot`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`cabin plot` is not built yet")
}
