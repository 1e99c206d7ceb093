//! `cabin export`: a quantised cut file to Verilog, HLS C++, Rust or C, written as one folder.
//!
//! The cut file must carry a `quantization` section (`cabin quantize` writes it); export never
//! quantises on its own, so the exported table is always the one that was evaluated.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use codegen::{report, Design, Options, Provenance, Target};

use crate::output::write_dir_atomic;

/// The output language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TargetArg {
    /// Verilog-2001 module, self-checking testbench and vector files.
    Verilog,
    /// hls4ml-like HLS C++ project (firmware/, testbench, tb_data/, build_prj.tcl).
    Hls,
    /// Rust module of const items for cabin-infer.
    Rust,
    /// C99 header with an inline evaluation function.
    C,
}

impl TargetArg {
    fn target(self) -> Target {
        match self {
            TargetArg::Verilog => Target::Verilog,
            TargetArg::Hls => Target::Hls,
            TargetArg::Rust => Target::Rust,
            TargetArg::C => Target::C,
        }
    }

    fn name(self) -> &'static str {
        match self {
            TargetArg::Verilog => "verilog",
            TargetArg::Hls => "hls",
            TargetArg::Rust => "rust",
            TargetArg::C => "c",
        }
    }
}

/// Options of `cabin export`.
#[derive(clap::Args)]
pub struct Args {
    /// Quantised cut file (`cabin.cuts/1` with a `quantization` section).
    pub cuts: PathBuf,
    /// Output language.
    #[arg(long, value_enum)]
    pub target: TargetArg,
    /// Output folder; replaced as a whole, only once every file is written.
    #[arg(short, long)]
    pub out: PathBuf,
    /// Module, function and file name: a plain identifier, not a keyword.
    #[arg(long, default_value = "cabin_cuts")]
    pub name: String,
    /// Extra register stages in the Verilog module (latency 1 + N clocks).
    #[arg(long, default_value_t = 0)]
    pub pipeline: u32,
    /// FPGA part written into the HLS project's build_prj.tcl.
    #[arg(long, default_value = "xcvu9p-flga2104-2L-e")]
    pub part: String,
    /// Clock period in ns for the HLS project.
    #[arg(long, default_value_t = 5.0)]
    pub clock_ns: f64,
    /// Random test vectors added to the boundary vectors of the testbenches (at most 10 million).
    #[arg(long, default_value_t = 256, value_parser = super::vector_count)]
    pub vectors: usize,
    /// Seed of the random test vectors.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Synthesise the Verilog with Yosys (synth and synth_xilinx) and print cells, LUTs,
    /// flip-flops and latency next to the minimal-LUT estimate.
    #[arg(long)]
    pub report: bool,
}

/// The command line that regenerates this output.
fn command_line(a: &Args) -> String {
    let mut c = format!(
        "cabin export {} --target {} -o {}",
        a.cuts.display(),
        a.target.name(),
        a.out.display()
    );
    if a.name != "cabin_cuts" {
        c += &format!(" --name {}", a.name);
    }
    if a.pipeline != 0 {
        c += &format!(" --pipeline {}", a.pipeline);
    }
    if a.target == TargetArg::Hls {
        c += &format!(" --part {} --clock-ns {}", a.part, a.clock_ns);
    }
    if matches!(a.target, TargetArg::Verilog | TargetArg::Hls) {
        c += &format!(" --vectors {} --seed {}", a.vectors, a.seed);
    }
    c
}

/// Runs `cabin export`.
pub fn run(args: Args) -> Result<()> {
    let (file, bytes) = super::read_cuts(&args.cuts)?;
    if file.quantization.is_none() {
        anyhow::bail!(
            "cut file '{}' has no fixed-point table; run `cabin quantize {} -o <file>` first",
            args.cuts.display(),
            args.cuts.display()
        );
    }
    let prov = Provenance::new(&args.cuts.display().to_string(), &bytes, &command_line(&args));
    let design = Design::from_file(&args.name, &file, &prov)
        .with_context(|| format!("cannot export '{}'", args.cuts.display()))?;
    let options = Options {
        pipeline: args.pipeline,
        part: args.part.clone(),
        clock_ns: args.clock_ns,
        random_vectors: args.vectors,
        seed: args.seed,
        extra_vectors: Vec::new(),
    };
    let files = codegen::generate(args.target.target(), &design, &options)?;
    write_dir_atomic(&args.out, |dir| {
        for f in &files {
            let path = dir.join(&f.path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create '{}'", parent.display()))?;
            }
            std::fs::write(&path, &f.contents)
                .with_context(|| format!("cannot write '{}'", path.display()))?;
        }
        Ok(())
    })?;
    outln!(
        "{}: {} in '{}' ({}, {}{})",
        args.target.name(),
        super::count(files.len(), "file"),
        args.out.display(),
        super::count(design.inputs.len(), "input"),
        super::count(design.points(), "working point"),
        if args.target == TargetArg::Verilog {
            format!(", latency {} clock(s)", 1 + args.pipeline)
        } else {
            String::new()
        }
    );
    if args.report {
        synth_report(&design, &options)?;
    }
    Ok(())
}

fn synth_report(design: &Design, options: &Options) -> Result<()> {
    let est = report::estimate(design, options.pipeline);
    let tmp = tempfile::tempdir().context("cannot create a temporary folder for yosys")?;
    let module = codegen::generate(Target::Verilog, design, options)?
        .into_iter()
        .find(|f| f.path == format!("{}.v", design.name))
        .context("the Verilog target produced no module")?;
    let path: &Path = &tmp.path().join(&module.path);
    std::fs::write(path, &module.contents)
        .with_context(|| format!("cannot write '{}'", path.display()))?;
    outln!("latency: {} clock(s), one event per clock", 1 + options.pipeline);
    outln!(
        "estimate: {} LUT6 ({} distinct comparators: {} LUTs, AND trees: {} LUTs), {} flip-flops",
        est.luts(),
        est.comparators,
        est.comparator_luts,
        est.and_luts,
        est.flip_flops
    );
    for flow in ["synth", "synth_xilinx"] {
        match report::run_yosys(path, &design.name, flow) {
            Ok(s) => {
                let luts = if flow == "synth_xilinx" {
                    format!(
                        ", {} LUTs ({:+.0}% vs estimate), {} MUXF/CARRY",
                        s.luts,
                        100.0 * (s.luts as f64 - est.luts() as f64) / est.luts().max(1) as f64,
                        s.muxes_carries
                    )
                } else {
                    String::new()
                };
                outln!(
                    "yosys {flow}: {}{luts}, {}",
                    super::count(s.cells, "cell"),
                    super::count(s.flip_flops, "flip-flop")
                );
            }
            Err(report::ReportError::Spawn(e)) => {
                outln!("yosys {flow}: skipped, yosys not available ({e})");
                break;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
