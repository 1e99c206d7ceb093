//! `cabin compare` (being built).

/// Options of `cabin compare`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `cabin compare`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`cabin compare` is not built yet")
}
