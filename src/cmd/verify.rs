//! `cabin verify` (being built).

/// Options of `cabin verify`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `cabin verify`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`cabin verify` is not built yet")
}
