//! Helpers shared by the command-line tests; a test file uses them with `mod common;`.
#![allow(dead_code)] // each test file uses its own subset

use std::path::Path;
use std::process::{Command, Output};

/// Runs the `cabin` binary with `args` in `dir`.
pub fn cabin(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cabin")).args(args).current_dir(dir).output().unwrap()
}

/// Whether `tool` is on the PATH; if not, prints why the caller skips (the Debian package
/// that provides it has the same name).
pub fn on_path(tool: &str) -> bool {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
        .unwrap_or(false);
    if !found {
        println!("skipped: {tool} not installed (Debian package {tool})");
    }
    found
}

/// A seeded stream of uniform numbers in (0, 1) (64-bit LCG, top 53 bits), so generated test
/// files are the same on every run and machine.
pub fn uniform(seed: u64) -> impl FnMut() -> f64 {
    let mut s = seed;
    move || {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
}
