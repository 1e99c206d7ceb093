//! `cabin eval` (being built).

/// Options of `cabin eval`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `cabin eval`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`cabin eval` is not built yet")
}
