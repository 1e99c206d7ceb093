//! `cabin train`: learn a scan of working points and write a `cabin.cuts/1` file.
//!
//! Options start from a recipe (`--recipe default`, `paper` or `genetic`, see
//! `cabin_train::pipeline::TrainConfig`); every hyperparameter given explicitly overrides it.
//! The work is done by `cabin_train::pipeline::train`; this command parses, shows progress,
//! writes the file atomically and prints a table of the test-split efficiencies.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use cabin_infer::doc::CutsFile;
use cabin_infer::Op;
use cabin_train::binned::BinSpec;
use cabin_train::data::{Dataset, Split};
use cabin_train::hard::GeneticOptions;
use cabin_train::kernel::Precision;
use cabin_train::loss::Smoothness;
use cabin_train::optim::OptimizerKind;
use cabin_train::pipeline::{self, Init, Progress, Recipe, TrainConfig};
use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::beyond_args::TrainBeyond;
use super::data_args::{DataArgs, FEW_EVENTS};
use crate::output::write_atomic;

/// Named recipe.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum RecipeArg {
    /// cabin's default: quantile start, Adam, hard-cut refinement, recalibration.
    Default,
    /// Exactly the paper: zero start, SGD lr 0.5, 200 epochs.
    Paper,
    /// No gradient training: a genetic search per working point (the TMVA-style peer).
    Genetic,
}

/// Optimiser.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum OptimizerArg {
    /// Full-batch gradient descent.
    Sgd,
    /// Adam.
    Adam,
}

/// Smoothness term.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SmoothnessArg {
    /// The paper's form.
    Paper,
    /// cabin 0.3.3's form.
    Wheel,
}

/// Bias initialisation.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum InitArg {
    /// All cuts at the training mean.
    Zero,
    /// Per-feature signal quantiles.
    Quantile,
}

/// Kernel arithmetic.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PrecisionArg {
    /// f32 vectorised kernel.
    Fast,
    /// f64 reference kernel (slow).
    Exact,
}

/// Options of `cabin train`.
#[derive(clap::Args)]
pub struct Args {
    /// The input data and its split.
    #[command(flatten)]
    pub data: DataArgs,

    /// Output cut file.
    #[arg(short, long, default_value = "cuts.json", help_heading = "Output")]
    pub output: PathBuf,

    /// Starting recipe; the options below override it.
    #[arg(long, value_enum, default_value = "default", help_heading = "Training")]
    pub recipe: RecipeArg,
    /// Weight of the squared target miss (default 10).
    #[arg(long, allow_negative_numbers = true, help_heading = "Training")]
    pub alpha: Option<f64>,
    /// Weight of the background efficiency (default 0.1).
    #[arg(long, allow_negative_numbers = true, help_heading = "Training")]
    pub beta: Option<f64>,
    /// Weight of the cut-size term (default 1e-5).
    #[arg(long, allow_negative_numbers = true, help_heading = "Training")]
    pub gamma: Option<f64>,
    /// Weight of the BCE term (default 1e-3).
    #[arg(long, allow_negative_numbers = true, help_heading = "Training")]
    pub delta: Option<f64>,
    /// Weight of the smoothness term (default 1).
    #[arg(long, allow_negative_numbers = true, help_heading = "Training")]
    pub eps: Option<f64>,
    /// Smoothness denominator regulariser (default 0.1).
    #[arg(long, allow_negative_numbers = true, help_heading = "Training")]
    pub rho: Option<f64>,
    /// Sigmoid steepness n (default 15).
    #[arg(long, allow_negative_numbers = true, help_heading = "Training")]
    pub steepness: Option<f64>,
    /// Gradient epochs (default 1000; paper 200).
    #[arg(long, help_heading = "Training")]
    pub epochs: Option<usize>,
    /// Learning rate (default 0.05; paper 0.5).
    #[arg(long, allow_negative_numbers = true, help_heading = "Training")]
    pub lr: Option<f64>,
    /// Optimiser (default adam; paper sgd).
    #[arg(long, value_enum, help_heading = "Training")]
    pub optimizer: Option<OptimizerArg>,
    /// Adam's second-moment decay (default 0.99).
    #[arg(long, allow_negative_numbers = true, help_heading = "Training")]
    pub adam_beta2: Option<f64>,
    /// Smoothness term (default paper).
    #[arg(long, value_enum, help_heading = "Training")]
    pub smoothness: Option<SmoothnessArg>,
    /// Target signal efficiencies, e.g. `0.1,0.5,0.9` (default 0.01,0.05,0.1,0.2,...,0.9,0.93,0.95).
    #[arg(
        long,
        allow_hyphen_values = true,
        value_delimiter = ',',
        action = clap::ArgAction::Set,
        help_heading = "Training"
    )]
    pub targets: Option<Vec<f64>>,
    /// Cut directions by feature, e.g. `met:>,dphi:<`; unlisted features are automatic.
    #[arg(long, value_delimiter = ',', value_name = "FEATURE:OP", help_heading = "Training")]
    pub directions: Vec<String>,
    /// Bias initialisation (default quantile; paper zero).
    #[arg(long, value_enum, help_heading = "Training")]
    pub init: Option<InitArg>,
    /// Hard-cut refinement on the training split (default true; paper false).
    #[arg(long, help_heading = "Training")]
    pub refine: Option<bool>,
    /// Restart the refinement from neighbouring working points (default true).
    #[arg(long, help_heading = "Training")]
    pub restarts: Option<bool>,
    /// The refinement's pair stage: every pair of cuts moves to its exact joint optimum
    /// (default true).
    #[arg(long, help_heading = "Training")]
    pub pairs: Option<bool>,
    /// Refinement passes, each restarting from the previous pass's neighbours (default 3).
    #[arg(long, help_heading = "Training")]
    pub refine_passes: Option<usize>,
    /// Bagged refinement: refine on this many leave-one-fold-out parts of the training split and
    /// average the cuts (default 4; 0 or 1 = refine once on the whole split; paper 0).
    #[arg(long, help_heading = "Training")]
    pub refine_bags: Option<usize>,
    /// With bagging, average only the bags that found the best bag's valley at each working
    /// point (default true; false averages every bag).
    #[arg(long, help_heading = "Training")]
    pub bag_agree: Option<bool>,
    /// With bagging, recalibrate onto the target plus the signal efficiency's cross-fitted
    /// optimism (default false).
    #[arg(long, help_heading = "Training")]
    pub recal_crossfit: Option<bool>,
    /// Try the other direction of every feature not in --directions and keep it where a quick
    /// hard-cut fit of the scan gets better (default true; paper false).
    #[arg(long, help_heading = "Training")]
    pub direction_search: Option<bool>,
    /// Make the selections nested: every cut loosens as the target rises (default false; it
    /// costs background at high targets).
    #[arg(long, help_heading = "Training")]
    pub nested: Option<bool>,
    /// Recalibrate each working point onto its target (default true; paper false).
    #[arg(long, help_heading = "Training")]
    pub recalibrate: Option<bool>,
    /// Kernel arithmetic.
    #[arg(long, value_enum, default_value = "fast", help_heading = "Training")]
    pub precision: PrecisionArg,
    /// Threads for the kernel (0 = all cores).
    #[arg(long, default_value_t = 0, help_heading = "Training")]
    pub threads: usize,
    /// Genetic search: genomes per generation (default 200; with `--recipe genetic`, or `cabin compare --genetic`).
    #[arg(long, allow_hyphen_values = true, help_heading = "Training")]
    pub ga_population: Option<usize>,
    /// Genetic search: generations without improvement that end a cycle (default 10; at most 500, the generation limit of a cycle).
    #[arg(long, allow_hyphen_values = true, help_heading = "Training")]
    pub ga_steps: Option<usize>,
    /// Genetic search: independent cycles per working point (default 5; at most 1000).
    #[arg(long, allow_hyphen_values = true, help_heading = "Training")]
    pub ga_cycles: Option<usize>,

    /// Window cuts, the significance objective, binned cuts.
    #[command(flatten)]
    pub beyond: TrainBeyond,
}

/// `FEATURE:OP` pairs.
fn parse_directions(list: &[String]) -> Result<Vec<(String, Op)>> {
    let mut out = Vec::new();
    for item in list.iter().filter(|s| !s.is_empty()) {
        let Some((name, op)) = item.rsplit_once(':') else {
            bail!("direction '{item}' is not FEATURE:OP (e.g. met:>)");
        };
        let Some(op) = Op::from_symbol(op.trim()) else {
            bail!("direction '{item}': operator '{op}' is not one of >, >=, <, <=");
        };
        out.push((name.trim().to_string(), op));
    }
    super::data_args::refuse_duplicates("--directions", out.iter().map(|(n, _)| n.as_str()))?;
    Ok(out)
}

/// The `--ga-*` options as given.
fn ga_flags(a: &Args) -> [(&'static str, Option<usize>); 3] {
    [("--ga-population", a.ga_population), ("--ga-steps", a.ga_steps), ("--ga-cycles", a.ga_cycles)]
}

/// The directions the direction search flipped, as one line; `None` if it flipped none.
fn flipped_directions(doc: &cabin_infer::doc::CutsFile) -> Option<String> {
    let trials = doc.extra.get("direction_search")?.as_array()?;
    let kept: Vec<&serde_json::Value> = trials.iter().filter(|t| t["kept"] == true).collect();
    let flips: Vec<String> = kept
        .iter()
        .filter_map(|t| {
            let (f, a, b) = (t["feature"].as_str()?, t["from"].as_str()?, t["tried"].as_str()?);
            Some(format!("{f} {a} -> {b}"))
        })
        .collect();
    let first = trials.first()?["score_from"].as_f64()?;
    let last = kept.last()?["score_tried"].as_f64()?;
    Some(format!(
        "direction search flipped {} (geometric-mean held-out background {first:.4} -> \
         {last:.4}; --direction-search false keeps the class-mean directions)",
        flips.join(", ")
    ))
}

/// The genetic search the `--ga-*` options ask for, seeded with the split's seed.
pub fn genetic_options(a: &Args) -> GeneticOptions {
    let d = GeneticOptions::default();
    GeneticOptions {
        population: a.ga_population.unwrap_or(d.population),
        steps: a.ga_steps.unwrap_or(d.steps),
        cycles: a.ga_cycles.unwrap_or(d.cycles),
        seed: a.data.seed,
        ..d
    }
}

/// The configuration the options ask for.
pub fn config(a: &Args) -> Result<TrainConfig> {
    config_for(a, false)
}

/// [`config`]; with `ga_elsewhere` the `--ga-*` options are allowed without `--recipe
/// genetic` because another genetic search uses them (`cabin compare --genetic`).
pub fn config_for(a: &Args, ga_elsewhere: bool) -> Result<TrainConfig> {
    let mut c = TrainConfig::recipe(match a.recipe {
        RecipeArg::Default => Recipe::Default,
        RecipeArg::Paper => Recipe::Paper,
        RecipeArg::Genetic => Recipe::Genetic,
    });
    let set = |dst: &mut f64, v: Option<f64>| {
        if let Some(v) = v {
            *dst = v;
        }
    };
    set(&mut c.loss.alpha, a.alpha);
    set(&mut c.loss.beta, a.beta);
    set(&mut c.loss.gamma, a.gamma);
    set(&mut c.loss.delta, a.delta);
    set(&mut c.loss.eps, a.eps);
    set(&mut c.loss.rho, a.rho);
    set(&mut c.steepness, a.steepness);
    set(&mut c.lr, a.lr);
    set(&mut c.adam_beta2, a.adam_beta2);
    if let Some(e) = a.epochs {
        c.epochs = e;
    }
    if let Some(o) = a.optimizer {
        c.optimizer = match o {
            OptimizerArg::Sgd => OptimizerKind::Sgd,
            OptimizerArg::Adam => OptimizerKind::Adam,
        };
    }
    if let Some(s) = a.smoothness {
        c.loss.smoothness = match s {
            SmoothnessArg::Paper => Smoothness::Paper,
            SmoothnessArg::Wheel => Smoothness::Wheel,
        };
    }
    if let Some(t) = &a.targets {
        c.targets = t.clone();
    }
    if let Some(i) = a.init {
        c.init = match i {
            InitArg::Zero => Init::Zero,
            InitArg::Quantile => Init::Quantile,
        };
    }
    if let Some(r) = a.refine {
        c.refine = r;
    }
    if let Some(r) = a.restarts {
        c.refine_restarts = r;
    }
    if let Some(p) = a.pairs {
        c.refine_pairs = p;
    }
    if let Some(p) = a.refine_passes {
        c.refine_passes = p;
    }
    if let Some(b) = a.refine_bags {
        c.refine_bags = b;
    }
    if let Some(b) = a.bag_agree {
        c.bag_agree = b;
    }
    if let Some(r) = a.recal_crossfit {
        c.recal_crossfit = r;
    }
    if let Some(d) = a.direction_search {
        c.direction_search = d;
    }
    if let Some(n) = a.nested {
        c.nested = n;
    }
    if let Some(r) = a.recalibrate {
        c.recalibrate = r;
    }
    match c.genetic.as_mut() {
        Some(g) => *g = genetic_options(a),
        None if !ga_elsewhere => {
            if let Some((flag, v)) = ga_flags(a).into_iter().find_map(|(f, v)| Some((f, v?))) {
                bail!("{flag} {v} needs --recipe genetic (no genetic search runs otherwise)");
            }
        }
        None => {}
    }
    c.precision = match a.precision {
        PrecisionArg::Fast => Precision::Fast,
        PrecisionArg::Exact => Precision::Exact,
    };
    c.directions = parse_directions(&a.directions)?;
    c.seed = a.data.seed;
    c.test_fraction = a.data.test_fraction;
    super::data_args::refuse_duplicates("--window", a.beyond.window.iter().map(|n| n.as_str()))?;
    c.windows = a.beyond.window.clone();
    c.objective = a.beyond.objective();
    c.significance = a.beyond.yields.settings(c.significance)?;
    c.learn_weights = a.beyond.learn_weights.map(|b| b.bound());
    Ok(c)
}

/// Warnings about a binning: events outside the edges (they fail every working point) and
/// bins with fewer than `FEW_EVENTS` training events of a class. Nothing if the variable is
/// not loaded (training then fails with its own error).
fn bin_warnings(ds: &Dataset, split: &Split, spec: &BinSpec) -> Vec<String> {
    let Some(k) = ds.features.iter().position(|f| f == &spec.feature) else { return Vec::new() };
    let (lo, hi) = (spec.edges[0], spec.edges[spec.edges.len() - 1]);
    let col = &ds.columns[k];
    let mut out = Vec::new();
    let outside = col.iter().filter(|&&v| spec.bin_of(v).is_none()).count();
    if outside > 0 {
        out.push(format!(
            "{outside} of {} events have {} outside the bin edges [{lo}, {hi}): they fail every \
             working point",
            col.len(),
            spec.feature
        ));
    }
    let mut counts = vec![[0usize; 2]; spec.bins()];
    for &r in &split.train {
        if let Some(b) = spec.bin_of(col[r]) {
            counts[b][usize::from(!ds.is_signal[r])] += 1;
        }
    }
    for (b, c) in counts.iter().enumerate() {
        for (class, n) in [("signal", c[0]), ("background", c[1])] {
            if n < FEW_EVENTS {
                out.push(format!(
                    "bin {b} [{}, {}) of {} has only {} in the training split: its cuts are \
                     fitted to few events",
                    spec.edges[b],
                    spec.edges[b + 1],
                    spec.feature,
                    super::count(n, &format!("{class} event"))
                ));
            }
        }
    }
    out
}

/// The result table: target, test efficiencies, cuts.
pub fn table(doc: &CutsFile) -> String {
    let mut s = format!("{:>7}  {:>9}  {:>9}  cuts\n", "target", "test sig", "test bkg");
    for wp in &doc.working_points {
        let cuts: Vec<String> =
            wp.cuts.iter().map(|c| format!("{} {} {:.6}", c.feature, c.op, c.value)).collect();
        s.push_str(&format!(
            "{:>7.3}  {:>9.4}  {:>9.5}  {}\n",
            wp.target,
            wp.test.eff_sig,
            wp.test.eff_bkg,
            cuts.join(", ")
        ));
    }
    s
}

/// The result table of a binned run: per bin the test efficiencies inside the bin and the
/// cuts, then the combined test efficiencies per working point.
pub fn binned_table(b: &serde_json::Value) -> String {
    let num = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN);
    let feature = b["feature"].as_str().unwrap_or("?");
    let mut s = String::new();
    for bin in b["bins"].as_array().into_iter().flatten() {
        s.push_str(&format!(
            "bin {feature} in [{}, {}): {} training events\n",
            num(&bin["lo"]),
            num(&bin["hi"]),
            bin["train_events"]
        ));
        s.push_str(&format!("{:>7}  {:>9}  {:>9}  cuts\n", "target", "test sig", "test bkg"));
        for wp in bin["working_points"].as_array().into_iter().flatten() {
            let cuts: Vec<String> = wp["cuts"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| {
                    let (f, op) =
                        (c["feature"].as_str().unwrap_or("?"), c["op"].as_str().unwrap_or("?"));
                    format!("{f} {op} {:.6}", num(&c["value"]))
                })
                .collect();
            s.push_str(&format!(
                "{:>7.3}  {:>9.4}  {:>9.5}  {}\n",
                num(&wp["target"]),
                num(&wp["test"]["eff_sig"]),
                num(&wp["test"]["eff_bkg"]),
                cuts.join(", ")
            ));
        }
    }
    s.push_str(&format!("all bins\n{:>7}  {:>9}  {:>9}\n", "target", "test sig", "test bkg"));
    for c in b["combined"].as_array().into_iter().flatten() {
        s.push_str(&format!(
            "{:>7.3}  {:>9.4}  {:>9.5}\n",
            num(&c["target"]),
            num(&c["test"]["eff_sig"]),
            num(&c["test"]["eff_bkg"])
        ));
    }
    s
}

/// Runs `cabin train`.
pub fn run(args: Args) -> Result<()> {
    let mut cfg = config(&args)?;
    crate::output::check_file_destination(&args.output)?;
    let (ds, split) = args.data.load()?;
    if args.data.test_rows.is_some() {
        // Recorded as what the given rows amount to (the rows themselves are in `test_rows`).
        cfg.test_fraction = split.test.len() as f64 / ds.len().max(1) as f64;
    }

    let bar = ProgressBar::new(cfg.epochs as u64);
    if std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} epochs  {msg}") {
            bar.set_style(style);
        }
    } else {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    let mut report = |p: &Progress| match *p {
        Progress::Epoch { done, loss, .. } => {
            bar.set_position(done as u64);
            if done % 10 == 0 {
                bar.set_message(format!("loss {loss:.5}"));
            }
        }
        Progress::Refining => bar.set_message("hard-cut refinement"),
    };
    let binning = args.beyond.binning()?;
    if let Some(spec) = &binning {
        for w in bin_warnings(&ds, &split, spec) {
            errln!("warning: {w}");
        }
    }
    if binning.is_some() && cfg.learn_weights.is_some() {
        anyhow::bail!("--learn-weights does not combine with --bin-by (binned cuts)");
    }
    let doc = pipeline::with_threads(args.threads, |threads| {
        cfg.threads = threads;
        match &binning {
            Some(spec) => cabin_train::binned::train_binned(
                &ds,
                &split,
                &cfg,
                spec,
                args.beyond.bin_smoothness,
                &mut report,
            ),
            None => pipeline::train(&ds, &split, &cfg, &mut report),
        }
    })
    .context("training failed")?;
    bar.finish_and_clear();
    let mut doc = doc;
    args.data.record(&mut doc.config)?;

    write_atomic(&args.output, doc.to_json().as_bytes())?;
    match doc.extra.get("binning") {
        Some(b) => out!("{}", binned_table(b)),
        None => out!("{}", table(&doc)),
    }
    if let Some(line) = flipped_directions(&doc) {
        outln!("{line}");
    }
    if let Some(t) = doc.extra.get("timing") {
        let ms = t.get("ms_per_epoch").and_then(|v| v.as_f64()).unwrap_or(0.0);
        let total = t.get("total_seconds").and_then(|v| v.as_f64()).unwrap_or(0.0);
        let stage = match (&cfg.genetic, cfg.epochs) {
            (Some(_), _) => "genetic search".to_string(),
            (None, n) => format!("{}, {ms:.2} ms per epoch", super::count(n, "epoch")),
        };
        outln!("{stage}, {total:.1} s in total; wrote {}", args.output.display());
    }
    Ok(())
}
