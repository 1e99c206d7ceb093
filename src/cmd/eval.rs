//! `cabin eval`: recompute the hard-cut efficiencies, ROC, AUC and smoothness of a cut file on
//! a data file, print them and optionally write the cut file with an `evaluation` section.
//!
//! Without data options the inputs recorded in the cut file are reloaded
//! (`cabin_train::data::recorded`; their checksums must still match) and split with the
//! recorded seed and test fraction; the test split is evaluated. With data options, all of their events are evaluated unless `--rows` says
//! otherwise. The features are always the cut file's, in its order.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use cabin_infer::binned::{file_binning, FileBinning};
use cabin_infer::doc::CutsFile;
use cabin_infer::Rounding;
use cabin_train::binned::evaluate_binned;
use cabin_train::data::{self, Dataset, Split, DEFAULT_SEED, DEFAULT_TEST_FRACTION};
use cabin_train::eval::{auc, evaluate, paired, Area, Evaluation, PairedPoint, RocPoint};
use cabin_train::hard::Events;
use cabin_train::quantize::{self, Effect};
use cabin_train::significance::{best_point, SignificanceSettings};
use serde_json::json;

use super::beyond_args::{recorded_settings, YieldArgs};
use super::data_args::DataArgs;
use crate::output::write_atomic;

/// Which events of the data to evaluate.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rows {
    /// Every event.
    All,
    /// The training split (`--test-fraction`, `--seed`).
    Train,
    /// The test split.
    Test,
}

impl Rows {
    fn name(self) -> &'static str {
        match self {
            Rows::All => "all",
            Rows::Train => "train",
            Rows::Test => "test",
        }
    }
}

/// Options of `cabin eval`.
#[derive(clap::Args)]
pub struct Args {
    /// The cut file (`cabin.cuts/1`) to evaluate; it is never modified (-o may not name it).
    #[arg(value_name = "CUTS.json")]
    pub cuts: PathBuf,

    /// The data to evaluate on [default: the inputs recorded in the cut file, test split].
    #[command(flatten)]
    pub data: DataArgs,

    /// Which events to evaluate [default: `test` for the recorded inputs, `all` for data
    /// given here].
    #[arg(long, value_enum, help_heading = "Evaluation")]
    pub rows: Option<Rows>,

    /// Yields and formula for the significance column [default: as recorded at training,
    /// else lumi 1, no uncertainty, minimum background 1].
    #[command(flatten)]
    pub yields: YieldArgs,

    /// Also name the working point with the largest Z among those whose signal yield is at
    /// least this.
    #[arg(
        long,
        value_name = "S",
        default_value_t = 0.0,
        allow_hyphen_values = true,
        help_heading = "Significance"
    )]
    pub min_signal: f64,

    /// Compare with another cut file of the same features and targets on the same events:
    /// per working point the difference of both efficiencies and its paired standard
    /// deviation (only events one selection passes and the other fails carry it).
    #[arg(long, value_name = "OTHER.json", help_heading = "Evaluation")]
    pub paired: Option<PathBuf>,

    /// Write the cut file with an `evaluation` section here (atomically) [default: only
    /// print the table].
    #[arg(short, long, value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
}

/// Runs `cabin eval`.
pub fn run(args: Args) -> Result<()> {
    let (mut doc, _) = super::read_cuts(&args.cuts)?;
    let table = doc.table().with_context(|| format!("cannot use '{}'", args.cuts.display()))?;
    let names: Vec<String> = doc.features.iter().map(|f| f.name.clone()).collect();

    let recorded = no_data_given(&args.data);
    let mut data = args.data.clone();
    if let Some(f) = &data.features {
        if f != &names {
            bail!(
                "--features {} differs from the cut file's features {}",
                f.join(","),
                names.join(",")
            );
        }
    }
    data.features = Some(names.clone());
    let rows = args.rows.unwrap_or(if recorded { Rows::Test } else { Rows::All });

    if recorded && data.test_rows.is_some() {
        bail!(
            "--test-rows splits data given here; the cut file's recorded inputs are evaluated \
             with their recorded split (give the data to evaluate another split)"
        );
    }
    if recorded && (data.seed != DEFAULT_SEED || data.test_fraction != DEFAULT_TEST_FRACTION) {
        errln!(
            "warning: --seed and --test-fraction split data given here; the cut file's recorded \
             inputs are evaluated with their recorded split"
        );
    }
    let (ds, split, seed, test_fraction) = if recorded {
        let rec = data::recorded(&doc, &args.cuts)?;
        let ds = data::load(&rec.source, &rec.options)
            .context("cannot reload the inputs recorded in the cut file")?;
        super::note_inputs(&ds);
        // The test split is only held out if these are the very files the cuts learned from.
        if let Some(c) = rec.changed(&ds).first() {
            bail!("{c}; give the data explicitly to evaluate on it anyway");
        }
        super::note_test_rows(&rec);
        let split = rec.split(&ds).context("cannot split the data into train and test")?;
        super::data_args::warn_small_split(&ds, &split);
        (ds, split, rec.seed, rec.test_fraction)
    } else {
        let (ds, split) = data.load()?;
        (ds, split, data.seed, data.test_fraction)
    };
    let chosen = select(&ds, &split, rows);
    let ev = Events {
        columns: &ds.columns,
        is_signal: &ds.is_signal,
        weights: &ds.weights,
        rows: &chosen,
    };
    let scales: Vec<f64> = doc.features.iter().map(|f| f.scale).collect();
    let binning =
        file_binning(&doc).with_context(|| format!("cannot use '{}'", args.cuts.display()))?;
    let result = match &binning {
        Some(b) => evaluate_binned(&table, b, &ev, Some(&scales)),
        None => evaluate(&table, &ev, Some(&scales)),
    }
    .context("cannot evaluate the cuts")?;
    let settings = args.yields.settings(recorded_settings(&doc.config))?;
    let z = significance(&ds, &result, &settings);
    if !(args.min_signal.is_finite() && args.min_signal >= 0.0) {
        bail!("--min-signal {} is not a finite yield >= 0", args.min_signal);
    }

    // Checked before anything is printed, so a refused pairing is one error line.
    let pairs = match &args.paired {
        Some(other) => Some(compare_paired(&doc, &names, binning.is_some(), other, &ev, rows)?),
        None => None,
    };
    let fixed = fixed_effect(&doc, binning.as_ref(), &ds, &chosen)?;
    let fixed_auc = fixed.as_deref().map(fixed_area);

    // The file first: output cut short (`| head`) never loses it.
    if let Some(out) = &args.output {
        let section = json!({
            "data": {
                "inputs": ds.inputs,
                "rows": rows.name(),
                "events": chosen.len(),
                "seed": seed,
                "test_fraction": test_fraction,
                "recorded_inputs": recorded,
            },
            "auc": result.area.auc,
            "bkg_area": result.area.bkg_area,
            "working_points": result.working_points,
            "roc": result.roc,
            "smoothness": result.smoothness,
            "significance": {
                "settings": settings,
                "working_points": z
                    .iter()
                    .map(|&(s, b, z)| json!({"s": s, "b": b, "z": z}))
                    .collect::<Vec<_>>(),
            },
        });
        let mut section = section;
        if let (Some(f), Some(a)) = (&fixed, &fixed_auc) {
            section["fixed_point"] = json!({
                "auc": a.auc,
                "bkg_area": a.bkg_area,
                "working_points": f,
            });
        }
        if let (Some(p), Some(other)) = (&pairs, &args.paired) {
            section["paired"] =
                json!({ "other": other.display().to_string(), "working_points": p });
        }
        doc.extra.insert("evaluation".into(), section);
        write_atomic(out, doc.to_json().as_bytes())?;
    }
    if let Some(b) = &binning {
        outln!(
            "binned in {}: {}, edges {:?}; figures are per working point over all bins",
            b.feature,
            super::count(b.bins.bins, "bin"),
            b.edges
        );
    }
    out!("{}", report(&result, &z));
    out!("{}", best(&z, &settings, args.min_signal));
    if let (Some(p), Some(other)) = (&pairs, &args.paired) {
        out!("{}", paired_report(p, &args.cuts, other));
    }
    if let (Some(f), Some(a), Some(q)) = (&fixed, &fixed_auc, &doc.quantization) {
        out!("{}", fixed_report(f, a, q.rounding));
    }
    if let Some(out) = &args.output {
        outln!("wrote {}", out.display());
    }
    Ok(())
}

/// The paired comparison of `doc` with the cut file `other` on `ev` (rows `rows` of the data).
///
/// Warns when `other` records another split or other inputs than `doc` while a split is
/// evaluated: then some of these events trained `other`, and its figures here are optimistic.
fn compare_paired(
    doc: &CutsFile,
    names: &[String],
    binned: bool,
    other: &std::path::Path,
    ev: &Events,
    rows: Rows,
) -> Result<Vec<PairedPoint>> {
    let (b, _) = super::read_cuts(other)?;
    let b_names: Vec<String> = b.features.iter().map(|f| f.name.clone()).collect();
    if b_names != names {
        bail!(
            "--paired {} has features {}, expected the same as the cut file's: {}",
            other.display(),
            b_names.join(","),
            names.join(",")
        );
    }
    let b_binned = file_binning(&b).map(|x| x.is_some()).unwrap_or(true);
    if binned || b_binned {
        bail!("--paired compares flat cut files only (a binned file's points span several rows)");
    }
    let (ta, tb) = (doc.table()?, b.table()?);
    if ta.targets != tb.targets {
        bail!(
            "--paired {} has targets {:?}, expected the same as the cut file's: {:?}",
            other.display(),
            tb.targets,
            ta.targets
        );
    }
    if rows != Rows::All {
        let key = |d: &CutsFile, k: &str| d.config.get(k).map(|v| v.to_string());
        let rows_sha = |d: &CutsFile| {
            d.config.get("test_rows").and_then(|t| t.get("sha256")).map(|v| v.to_string())
        };
        let split_of = |d: &CutsFile| (key(d, "seed"), key(d, "test_fraction"), rows_sha(d));
        let inputs = |d: &CutsFile| serde_json::to_string(&d.inputs).unwrap_or_default();
        if split_of(doc) != split_of(&b) || inputs(doc) != inputs(&b) {
            errln!(
                "warning: {} was trained on other inputs or another split (seed, test fraction \
                 or test rows) than the cut file: some of these events may be in its training \
                 split, so its figures here can be optimistic",
                other.display()
            );
        }
    }
    paired(&ta, &tb, ev).with_context(|| format!("cannot compare with {}", other.display()))
}

/// The printed paired comparison.
fn paired_report(pairs: &[PairedPoint], a: &std::path::Path, b: &std::path::Path) -> String {
    let mut s = format!("paired on the same events: A = {}, B = {}\n", a.display(), b.display());
    s.push_str(&format!(
        "{:>7}  {:>15}  {:>20}  {:>15}  {:>22}\n",
        "target", "sig A / B", "sig A-B", "bkg A / B", "bkg A-B"
    ));
    for p in pairs {
        let z = if p.d_bkg[1] > 0.0 { p.d_bkg[0] / p.d_bkg[1] } else { 0.0 };
        s.push_str(&format!(
            "{:>7.3}  {:.4} / {:.4}  {:+.4} +- {:.4}  {:.4} / {:.4}  {:+.4} +- {:.4} ({:+.1} sd)\n",
            p.target,
            p.eff_sig[0],
            p.eff_sig[1],
            p.d_sig[0],
            p.d_sig[1],
            p.eff_bkg[0],
            p.eff_bkg[1],
            p.d_bkg[0],
            p.d_bkg[1],
            z
        ));
    }
    s
}

/// The float and fixed-point efficiencies per working point of a quantised file on rows `rows`
/// of `ds` (`None` for a file without a `quantization` section): the file is judged as the
/// hardware selects, inputs rounded onto each format's grid and integer comparisons
/// (cabin-infer's `FixedTable::mask_float` through `quantize::effect`); a binned file's figures
/// are folded over its disjoint bins. `cabin plot` draws the same figures.
pub fn fixed_effect(
    doc: &CutsFile,
    binning: Option<&FileBinning>,
    ds: &Dataset,
    rows: &[usize],
) -> Result<Option<Vec<Effect>>> {
    if doc.quantization.is_none() {
        return Ok(None);
    }
    let flat = quantize::effect(doc, ds, rows).context("cannot evaluate the fixed-point cuts")?;
    Ok(Some(fold_over_bins(flat, binning)))
}

/// `quantize::effect`'s rows as working points: a binned file's (bin, point) rows folded over
/// its disjoint bins, a flat file's unchanged.
pub fn fold_over_bins(flat: Vec<Effect>, binning: Option<&FileBinning>) -> Vec<Effect> {
    match binning {
        Some(b) => cabin_train::binned::fold_effects(&flat, b.bins.bins, b.bins.points),
        None => flat,
    }
}

/// Area figures of the fixed-point ROC points.
fn fixed_area(effect: &[Effect]) -> Area {
    let points: Vec<RocPoint> = effect
        .iter()
        .map(|e| RocPoint { target: e.target, eff_sig: e.fixed_eff_sig, eff_bkg: e.fixed_eff_bkg })
        .collect();
    auc(&points)
}

/// The printed table of the fixed-point efficiencies next to the float ones.
fn fixed_report(effect: &[Effect], area: &Area, rounding: Rounding) -> String {
    let rounding = match rounding {
        Rounding::Truncate => "truncated",
        Rounding::Round => "rounded",
    };
    let mut s = format!(
        "fixed point (what the hardware selects: inputs {rounding} onto the quantization \
         formats):\n{:>7}  {:>9}  {:>9}  {:>9}  {:>9}  {:>8}\n",
        "target", "eff sig", "d sig", "eff bkg", "d bkg", "flipped"
    );
    for e in effect {
        s.push_str(&format!(
            "{:>7.3}  {:>9.4}  {:>+9.4}  {:>9.5}  {:>+9.5}  {:>8}\n",
            e.target,
            e.fixed_eff_sig,
            e.delta_eff_sig,
            e.fixed_eff_bkg,
            e.delta_eff_bkg,
            e.flipped_events
        ));
    }
    s.push_str(&format!("fixed-point AUC {:.4}\n", area.auc));
    s
}

/// True when none of the input options was given.
fn no_data_given(d: &DataArgs) -> bool {
    d.input.is_none() && d.data.is_none() && d.signal.is_none() && d.background.is_none()
}

fn select(ds: &Dataset, split: &Split, rows: Rows) -> Vec<usize> {
    match rows {
        Rows::All => (0..ds.len()).collect(),
        Rows::Train => split.train.clone(),
        Rows::Test => split.test.clone(),
    }
}

/// `(s, b, Z)` per working point: yields from the efficiencies and the whole sample's class
/// weights (so they do not depend on which rows were evaluated).
fn significance(ds: &Dataset, e: &Evaluation, set: &SignificanceSettings) -> Vec<(f64, f64, f64)> {
    let total = |sig: bool| -> f64 {
        ds.weights.iter().zip(&ds.is_signal).filter(|(_, &s)| s == sig).map(|(w, _)| w).sum()
    };
    let (ws, wb) = (total(true), total(false));
    e.working_points
        .iter()
        .map(|p| {
            let (s, b) = set.yields.of(p.eff_sig, p.eff_bkg, ws, wb);
            (s, b, set.formula.z(s, b))
        })
        .collect()
}

/// The line naming the best working point by Z above a minimum signal yield.
fn best(z: &[(f64, f64, f64)], set: &SignificanceSettings, min_signal: f64) -> String {
    let yields: Vec<(f64, f64)> = z.iter().map(|&(s, b, _)| (s, b)).collect();
    match best_point(&yields, &set.formula, min_signal) {
        Some((p, v)) => format!(
            "best Z {v:.4} at working point {p} (s {:.4}, b {:.4}; signal yield >= {min_signal})\n",
            yields[p].0, yields[p].1
        ),
        None => format!("no working point has a signal yield of at least {min_signal}\n"),
    }
}

/// The printed table.
fn report(e: &Evaluation, z: &[(f64, f64, f64)]) -> String {
    let mut s = format!(
        "{:>7}  {:>9}  {:>9}  {:>8}  {:>8}  {:>10}  {:>10}  {:>8}\n",
        "target", "eff sig", "eff bkg", "n sig", "n bkg", "s", "b", "Z"
    );
    for (p, &(ys, yb, zv)) in e.working_points.iter().zip(z) {
        s.push_str(&format!(
            "{:>7.3}  {:>9.4}  {:>9.5}  {:>8}  {:>8}  {:>10.4}  {:>10.4}  {:>8.4}\n",
            p.target, p.eff_sig, p.eff_bkg, p.n_sig, p.n_bkg, ys, yb, zv
        ));
    }
    s.push_str(
        "s, b: expected yields, lumi x cross-section weight x the class's total weight in the \
         whole data (all splits) x eff\n",
    );
    s.push_str(&format!("AUC {:.4} (trapezoid through (0,0) and (1,1))\n", e.area.auc));
    s.push_str("cut smoothness: total variation (in sd), reversals, order violations\n");
    for c in &e.smoothness {
        let rel = c.relative_variation.map_or("-".to_string(), |v| format!("{v:.3}"));
        s.push_str(&format!(
            "  {} {}: {rel}, {}, {}\n",
            c.feature, c.op, c.reversals, c.order_violations
        ));
    }
    s
}
