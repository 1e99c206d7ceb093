//! `cabin`: learn rectangular cuts by gradient descent and turn them into firmware.
//!
//! The binary parses arguments, calls the libraries and reports; each subcommand lives in
//! `cmd/`. Exit codes: 0 success, 1 a verification mismatch, 2 bad input or any other error.

/// `println!` that drops a failed write (a closed pipe) instead of panicking.
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

/// `print!` that drops a failed write.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($t)*);
    }};
}

/// `eprintln!` that drops a failed write.
macro_rules! errln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

/// `eprint!` that drops a failed write.
macro_rules! errout {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($t)*);
    }};
}

mod cmd;
mod output;
mod plot;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Learn rectangular selection cuts by gradient descent and turn them into trigger firmware.
#[derive(Parser)]
#[command(name = "cabin", version, about, long_about = None)]
struct Cli {
    /// More log output (-v info, -vv debug, -vvv trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Learn cuts for a scan of target signal efficiencies and write a cut table.
    Train(cmd::train::Args),
    /// Turn a cut table into a fixed-point table.
    Quantize(cmd::quantize::Args),
    /// Generate Verilog, HLS C++, Rust or C from a fixed-point table.
    Export(cmd::export::Args),
    /// Simulate the generated hardware and compare it bit for bit with the software reference.
    Verify(cmd::verify::Args),
    /// Recompute efficiencies, ROC and smoothness of a cut table on a data file.
    Eval(cmd::eval::Args),
    /// Plot cuts, ROC curves, loss history and feature distributions.
    Plot(cmd::plot::Args),
    /// Train cabin's scan and the baselines on the same split and print one table.
    Compare(cmd::compare::Args),
}

fn main() -> ExitCode {
    // When the reader of the output goes away (`cabin train ... 2>&1 | head -1`), writes to
    // the pipe fail instead of killing the process, and the printing macros below drop them:
    // the run goes on and still writes its files.
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any other thread exists; SIG_IGN is a valid
    // disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    let cli = Cli::parse();
    let level = match cli.verbose {
        0 => log::LevelFilter::Warn,
        1 => log::LevelFilter::Info,
        2 => log::LevelFilter::Debug,
        _ => log::LevelFilter::Trace,
    };
    env_logger::Builder::new().filter_level(level).format_timestamp(None).init();

    let result = match cli.command {
        Command::Train(a) => cmd::train::run(a),
        Command::Quantize(a) => cmd::quantize::run(a),
        Command::Export(a) => cmd::export::run(a),
        Command::Verify(a) => cmd::verify::run(a),
        Command::Eval(a) => cmd::eval::run(a),
        Command::Plot(a) => cmd::plot::run(a),
        Command::Compare(a) => cmd::compare::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            errln!("error: {e:#}");
            if e.downcast_ref::<cmd::Mismatch>().is_some() {
                ExitCode::from(1)
            } else {
                ExitCode::from(2)
            }
        }
    }
}
