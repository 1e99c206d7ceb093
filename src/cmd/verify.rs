//! `cabin verify`: simulate the generated hardware and compare it bit for bit with
//! `cabin-infer`.
//!
//! The command only parses, loads and reports; the vectors, simulations, comparison and proof
//! live in `codegen::verify`. Exit codes: 0 every simulator matched, 1 a mismatch (a differing
//! mask, a wrong number of valid outputs, undefined output bits, ports or HLS types that do not
//! fit the table, a failed proof), 2 anything else, including a `--require`d tool that is not installed. A simulator
//! that is not installed and not required is reported as skipped (never a silent pass); if no
//! simulator at all could run, that is an error.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use cabin_infer::doc::{CutsFile, OwnedFixedTable};
use cabin_train::data::{self, LoadOptions, Source, SourceSpec};
use codegen::verify::{compare, formal, hls, rtl, set, SetOptions, SimRun, Tool, VerifyError};
use codegen::{Design, Options, Provenance, Target};

use super::Mismatch;

/// Which generated code to verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TargetArg {
    /// The Verilog module, with Icarus Verilog and Verilator.
    Verilog,
    /// The HLS C++ project, with g++ (C simulation).
    Hls,
    /// Both.
    All,
}

/// Options of `cabin verify`.
#[derive(clap::Args)]
pub struct Args {
    /// Quantised cut file (`cabin.cuts/1` with a `quantization` section).
    pub cuts: PathBuf,
    /// What to verify.
    #[arg(long, value_enum, default_value = "all")]
    pub target: TargetArg,
    /// Folder written by `cabin export --target verilog`; without it the Verilog is generated
    /// into a temporary folder.
    #[arg(long, value_name = "DIR")]
    pub rtl: Option<PathBuf>,
    /// Folder written by `cabin export --target hls`; without it the project is generated into
    /// a temporary folder.
    #[arg(long, value_name = "DIR")]
    pub hls: Option<PathBuf>,
    /// Module and top-function name used at export.
    #[arg(long, default_value = "cabin_cuts")]
    pub name: String,
    /// Extra register stages when generating the Verilog here (as `cabin export --pipeline`).
    #[arg(long, default_value_t = 0)]
    pub pipeline: u32,
    /// Real events to add: a ROOT file (its signal and background trees are found by name), a
    /// CSV with a label column, or given twice, `FILE:TREE` for signal then background.
    #[arg(long, value_name = "FILE[:TREE]", num_args = 1..=2)]
    pub data: Vec<String>,
    /// Label column of a single CSV `--data` file.
    #[arg(long, default_value = "label")]
    pub label: String,
    /// At most this many data events, evenly spread over the file (0 = all).
    #[arg(long, default_value_t = 10_000)]
    pub data_events: usize,
    /// Random vectors: half uniform, half near thresholds with the working point's other cuts
    /// passing. At most 10 million.
    #[arg(long, default_value_t = 10_000, value_parser = super::vector_count)]
    pub vectors: usize,
    /// Seed of the random vectors.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Tools that must run: a missing one is an error instead of a skip
    /// (iverilog, verilator, gxx, yosys).
    #[arg(long, value_delimiter = ',', value_name = "TOOLS")]
    pub require: Vec<String>,
    /// Run only these simulators (iverilog, verilator, gxx); default: every installed one.
    #[arg(long, value_delimiter = ',', value_name = "TOOLS")]
    pub tools: Vec<String>,
    /// Folder with the `ap_types` headers (else `$XILINX_HLS/include`, else
    /// `$HOME/.cache/cabin/ap_types`).
    #[arg(long, value_name = "DIR")]
    pub ap_include: Option<PathBuf>,
    /// Also prove the Verilog equal to an independent reference with Yosys (SAT induction).
    #[arg(long)]
    pub formal: bool,
    /// Mismatches explained in full per simulator.
    #[arg(long, default_value_t = 5)]
    pub show: usize,
}

/// Runs `cabin verify`.
pub fn run(args: Args) -> Result<()> {
    let required = parse_require(&args.require)?;
    let chosen = parse_require(&args.tools)?;
    if let Some(t) = required.iter().find(|t| !chosen.is_empty() && !chosen.contains(t)) {
        bail!("--require {} contradicts --tools {}", t.name(), args.tools.join(","));
    }
    let (file, bytes) = super::read_cuts(&args.cuts)?;
    let table =
        file.fixed_table().with_context(|| format!("cannot verify '{}'", args.cuts.display()))?;

    let (rows, index) = load_data(&args, &table)?;
    let options = SetOptions { random: args.vectors, seed: args.seed };
    let mut set = set::build_indexed(&table, &rows, Some(&index), options)?;
    let repeats = drop_repeats(&mut set);
    outln!(
        "cabin verify: '{}', {}, {}",
        args.cuts.display(),
        super::count(table.formats.len(), "input"),
        super::count(table.targets.len(), "working point")
    );
    let random = set.len() - set.boundary_count() - set.data_count();
    outln!(
        "vectors: {} ({} boundary, {} from data, {} random, seed {}){}",
        set.len(),
        set.boundary_count(),
        set.data_count(),
        random,
        args.seed,
        match repeats {
            0 => String::new(),
            n => format!("; {} dropped", super::count(n, "exact repeat")),
        }
    );

    let tmp = tempfile::tempdir().context("cannot create a temporary folder")?;
    let mut report = Report::default();
    let verilog = matches!(args.target, TargetArg::Verilog | TargetArg::All);
    let hls_too = matches!(args.target, TargetArg::Hls | TargetArg::All);
    if verilog {
        verify_verilog(
            &args,
            &file,
            &bytes,
            &table,
            &set,
            tmp.path(),
            &required,
            &chosen,
            &mut report,
        )?;
    } else if args.formal {
        bail!("--formal checks the Verilog module: use --target verilog or all");
    }
    if hls_too {
        if chosen.is_empty() || chosen.contains(&Tool::Gxx) {
            verify_hls(&args, &file, &bytes, &table, &set, tmp.path(), &required, &mut report)?;
        } else {
            outln!("  {}: not run (--tools)", Tool::Gxx);
        }
    }

    if !report.failures.is_empty() {
        return Err(Mismatch(format!(
            "hardware differs from the software reference: {}",
            report.failures.join("; ")
        ))
        .into());
    }
    if report.ran.is_empty() {
        bail!(
            "no simulator could run ({}); install them (.ci/tools.sh) to verify anything",
            report.skipped.join("; ")
        );
    }
    outln!(
        "OK: {} vectors ({} boundary) bit-identical to cabin-infer on {}",
        set.len(),
        set.boundary_count(),
        report.ran.join(", ")
    );
    Ok(())
}

/// Drops every vector that repeats an earlier one exactly (the same raw inputs and the same
/// physical values, bit for bit), keeping the first of each in order, so that the counts
/// printed are of distinct tests: a data event on a threshold repeats its boundary vector, and
/// two working points sharing a threshold give the same boundary vectors. Returns how many
/// were dropped.
fn drop_repeats(set: &mut set::VectorSet) -> usize {
    let before = set.vectors.len();
    let mut seen = std::collections::HashSet::with_capacity(before);
    let mut keep = Vec::with_capacity(before);
    for v in &set.vectors {
        let bits: Vec<u64> = v.physical.iter().map(|x| x.to_bits()).collect();
        keep.push(seen.insert((v.raw.clone(), bits)));
    }
    let mut flags = keep.iter();
    set.vectors.retain(|_| flags.next().copied().unwrap_or(true));
    let mut flags = keep.iter();
    set.expected.retain(|_| flags.next().copied().unwrap_or(true));
    before - set.vectors.len()
}

/// What ran, what was skipped, what failed.
#[derive(Default)]
struct Report {
    ran: Vec<String>,
    skipped: Vec<String>,
    failures: Vec<String>,
}

impl Report {
    /// A tool that is not installed: an error when required, otherwise a printed skip.
    fn missing(&mut self, tool: Tool, err: VerifyError, required: &[Tool]) -> Result<()> {
        if required.contains(&tool) {
            return Err(err).with_context(|| format!("{} is required (--require)", tool.name()));
        }
        errln!("skipped: {tool}: {err}");
        self.skipped.push(format!("{tool}: {err}"));
        Ok(())
    }
}

/// Tool names of `--require` and `--tools`.
fn parse_require(names: &[String]) -> Result<Vec<Tool>> {
    names
        .iter()
        .filter(|n| !n.trim().is_empty())
        .map(|n| {
            Tool::from_name(n).with_context(|| {
                format!("unknown tool '{n}', expected iverilog, verilator, gxx or yosys")
            })
        })
        .collect()
}

/// The data events in the table's feature order, row-major, physical units, and the index of
/// each in the loaded data (signal events first, then background, as the loader orders them).
fn load_data(args: &Args, table: &OwnedFixedTable) -> Result<(Vec<f64>, Vec<usize>)> {
    if args.data.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let specs: Vec<SourceSpec> = args.data.iter().map(|s| SourceSpec::parse(s)).collect();
    let source = match specs.as_slice() {
        [one] if one.path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) => {
            Source::Labelled { data: one.clone(), label: args.label.clone() }
        }
        [one] if one.tree.is_some() => bail!(
            "--data {}: one tree holds one class; give the signal and the background tree \
             (--data FILE:SIG --data FILE:BKG) or the file alone",
            one.origin()
        ),
        [one] => Source::Separate { signal: one.clone(), background: one.clone() },
        [sig, bkg] => Source::Separate { signal: sig.clone(), background: bkg.clone() },
        _ => bail!("--data takes one or two files"),
    };
    let opts = LoadOptions {
        features: Some(table.names.clone()),
        weight: None,
        // Hardware never sees NaN; rows with one are dropped and counted.
        drop_nonfinite: true,
    };
    let ds = data::load(&source, &opts)
        .with_context(|| format!("cannot read data {}", args.data.join(", ")))?;
    let n = ds.len();
    let take = if args.data_events == 0 { n } else { n.min(args.data_events) };
    let mut rows = Vec::with_capacity(take * table.names.len());
    let mut index = Vec::with_capacity(take);
    let mut row = vec![0.0; table.names.len()];
    for j in 0..take {
        // Evenly spread, so both classes of a signal-then-background file are covered.
        let i = j * n / take.max(1);
        ds.fill_row(i, &mut row);
        rows.extend_from_slice(&row);
        index.push(i);
    }
    if ds.dropped_nonfinite > 0 {
        outln!(
            "data: {} with non-finite values dropped",
            super::count(ds.dropped_nonfinite, "row")
        );
    }
    Ok((rows, index))
}

/// The export folder given, or the target generated into `tmp/<sub>`.
fn source_dir(
    given: Option<&Path>,
    target: Target,
    args: &Args,
    file: &CutsFile,
    bytes: &[u8],
    tmp: &Path,
    sub: &str,
) -> Result<PathBuf> {
    if let Some(d) = given {
        return Ok(d.to_path_buf());
    }
    let prov = Provenance::new(&args.cuts.display().to_string(), bytes, "cabin verify");
    let design = Design::from_file(&args.name, file, &prov)
        .with_context(|| format!("cannot generate code for '{}'", args.cuts.display()))?;
    let options = Options { pipeline: args.pipeline, random_vectors: 0, ..Options::default() };
    let dir = tmp.join(sub);
    for f in codegen::generate(target, &design, &options)? {
        let path = dir.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create '{}'", parent.display()))?;
        }
        std::fs::write(&path, &f.contents)
            .with_context(|| format!("cannot write '{}'", path.display()))?;
    }
    outln!("{sub}: generated from the cut file (no --{sub} folder given)");
    Ok(dir)
}

#[allow(clippy::too_many_arguments)]
fn verify_verilog(
    args: &Args,
    file: &CutsFile,
    bytes: &[u8],
    table: &OwnedFixedTable,
    set: &set::VectorSet,
    tmp: &Path,
    required: &[Tool],
    chosen: &[Tool],
    report: &mut Report,
) -> Result<()> {
    let dir = source_dir(args.rtl.as_deref(), Target::Verilog, args, file, bytes, tmp, "rtl")?;
    let design = rtl::load(&dir, &args.name, table).map_err(hardware)?;
    for w in &design.interface.warnings {
        errln!("warning: {w}");
    }
    let mut latency = None;
    for tool in [Tool::Iverilog, Tool::Verilator] {
        if !chosen.is_empty() && !chosen.contains(&tool) {
            outln!("  {tool}: not run (--tools)");
            continue;
        }
        if let Err(e) = tool.locate() {
            report.missing(tool, e, required)?;
            continue;
        }
        let sim = rtl::simulate(tool, &design, table, set, &tmp.join(tool.name()))
            .map_err(hardware)
            .with_context(|| format!("{tool} could not simulate '{}'", design.source.display()))?;
        latency = latency.or(sim.latency);
        judge(table, set, &sim, None, args.show, report)?;
    }
    if args.formal {
        if let Err(e) = Tool::Yosys.locate() {
            return report.missing(Tool::Yosys, e, required);
        }
        let Some(latency) = latency else {
            bail!("--formal needs the latency measured by a Verilog simulation, and none ran");
        };
        let r = formal::prove(&design, table, latency, &tmp.join("formal"))?;
        if r.proved {
            outln!(
                "  Yosys ({}): proved equal to the reference for every input sequence \
                 (induction, latency {latency}), {:.1} s",
                r.version,
                r.seconds
            );
            report.ran.push("Yosys (formal)".into());
        } else {
            errln!("Yosys: the equivalence proof failed; counterexample:\n{}", r.log_tail);
            report.failures.push("Yosys found a counterexample".into());
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn verify_hls(
    args: &Args,
    file: &CutsFile,
    bytes: &[u8],
    table: &OwnedFixedTable,
    set: &set::VectorSet,
    tmp: &Path,
    required: &[Tool],
    report: &mut Report,
) -> Result<()> {
    if let Err(e) = Tool::Gxx.locate() {
        return report.missing(Tool::Gxx, e, required);
    }
    let ap = match hls::find_ap_include(args.ap_include.as_deref()) {
        Ok(p) => p,
        Err(e) => return report.missing(Tool::Gxx, e, required),
    };
    let dir = source_dir(args.hls.as_deref(), Target::Hls, args, file, bytes, tmp, "hls")?;
    let project = hls::load(&dir, &args.name, table).map_err(hardware)?;
    let r = hls::simulate(&project, table, set, &ap, &tmp.join("gxx"))
        .map_err(hardware)
        .with_context(|| format!("the HLS C simulation of '{}' failed", dir.display()))?;
    judge(table, set, &r.sim, Some(&r), args.show, report)
}

/// Errors that show the hardware disagreeing with the table (ports or types that do not fit
/// it, undefined output bits) become a [`Mismatch`] (exit code 1); the rest stay errors.
fn hardware(e: VerifyError) -> anyhow::Error {
    match &e {
        VerifyError::Interface { .. } | VerifyError::Undefined { .. } => {
            Mismatch(e.to_string()).into()
        }
        _ => e.into(),
    }
}

/// Compares one run, prints its line, records a failure.
fn judge(
    table: &OwnedFixedTable,
    set: &set::VectorSet,
    sim: &SimRun,
    hls_run: Option<&hls::HlsRun>,
    show: usize,
    report: &mut Report,
) -> Result<()> {
    let c = compare::compare(table, set, &sim.outputs, show)?;
    let latency = sim.latency.map(|l| format!(", latency {l}")).unwrap_or_default();
    let mut ok = c.passed();
    if ok {
        outln!(
            "  {} ({}): {} of {} vectors match{latency}, {:.1} s",
            sim.tool,
            sim.version,
            c.compared,
            c.sent,
            sim.seconds
        );
    } else {
        errout!("{}", compare::render(table, sim.tool.name(), &c));
        report
            .failures
            .push(format!("{}: {} of {} vectors differ", sim.tool, c.mismatches, c.sent));
    }
    if let Some(h) = hls_run {
        if h.quant_mismatch_count == 0 {
            outln!(
                "  {}: the input types quantise {} physical values exactly as cabin-infer",
                sim.tool,
                h.quant_checked
            );
        } else {
            ok = false;
            errln!(
                "{}: the HLS input types quantise {} of {} physical values differently from the \
                 table's {:?} rounding:",
                sim.tool,
                h.quant_mismatch_count,
                h.quant_checked,
                table.rounding
            );
            for q in h.quant_mismatches.iter().take(show.max(1)) {
                errln!(
                    "  vector {} ({}): {} = {} -> raw {} in HLS, {} in cabin-infer",
                    q.index,
                    set.vectors.get(q.index).map(|v| v.origin.describe()).unwrap_or_default(),
                    q.feature,
                    q.physical,
                    q.actual,
                    q.expected
                );
            }
            report.failures.push(format!("{}: input quantisation differs", sim.tool));
        }
    }
    if ok {
        report.ran.push(sim.tool.to_string());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use set::{Origin, Vector, VectorSet};

    fn vector(raw: &[i64], physical: &[f64], origin: Origin) -> Vector {
        Vector { raw: raw.to_vec(), physical: physical.to_vec(), origin }
    }

    #[test]
    fn exact_repeats_are_dropped_in_order() {
        let mut set = VectorSet {
            vectors: vec![
                vector(&[3, 1], &[3.0, 1.0], Origin::Base { point: 0 }),
                vector(&[4, 1], &[4.0, 1.0], Origin::Boundary { point: 0, slot: 0, delta: 1 }),
                // The same boundary from a second working point sharing the threshold.
                vector(&[4, 1], &[4.0, 1.0], Origin::Boundary { point: 1, slot: 0, delta: 1 }),
                // Same raw inputs but another physical value: HLS quantises it itself, so it
                // is a different test and stays.
                vector(&[4, 1], &[4.25, 1.0], Origin::Data { event: 7 }),
                vector(&[3, 1], &[3.0, 1.0], Origin::Random { index: 0 }),
                vector(&[5, 0], &[5.0, 0.0], Origin::Random { index: 1 }),
            ],
            expected: vec![10, 11, 11, 12, 10, 13],
        };
        assert_eq!(drop_repeats(&mut set), 2);
        let origins: Vec<String> = set.vectors.iter().map(|v| v.origin.describe()).collect();
        assert_eq!(
            origins,
            [
                "base event of working point 0",
                "boundary of working point 0, cut 0, threshold +1 LSB",
                "data event 7",
                "random vector #1",
            ]
        );
        assert_eq!(set.expected, [10, 11, 12, 13], "masks stay with their vectors");
        assert_eq!(drop_repeats(&mut set), 0);
    }
}
