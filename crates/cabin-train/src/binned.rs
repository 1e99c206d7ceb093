//! Cuts binned in one kinematic variable (`--bin-by eta:0,0.8,1.37,1.52,2.47`): one set of
//! cuts per bin and per target, learned together with a contractive term between neighbouring
//! bins.
//!
//! Training ([`train_binned`]): the events of each bin (half-open `[e_j, e_{j+1})`; events
//! outside every bin are not used and fail every cut) get their own kernel layout, and the
//! biases of all bins are one `(B * E) x S` candle `Var` (bin `j`'s working points are rows
//! `j E .. (j + 1) E`). The loss is
//!
//! ```text
//! L = sum_j L_CABIN(bin j's events, b_j)  +  lambda / (E S) * sum_{j, e, k} (b_{j+1,e,k} - b_{j,e,k})^2
//! ```
//!
//! where each `L_CABIN` is the ordinary loss of [`crate::loss`] with efficiencies measured
//! inside the bin (so every bin is pulled onto the same target and the combined signal
//! efficiency is that target too), and `lambda` is `--bin-smoothness`: since `c = -b s` with
//! `s = +/-1`, the second term is the squared difference of neighbouring bins' cuts in
//! standardised units (the standardisation is shared by all bins). The optional hard-cut
//! refinement and recalibration then run per bin on the bin's training events.
//!
//! The cut file stores the flat form of `cabin_infer::binned` (`B x E` rows, selection slots
//! first) plus a `binning` section with the edges, per-bin efficiencies inside each bin and the
//! combined efficiencies; [`evaluate_binned`] folds any flat evaluation back per working point.
//! Limits: `B * E <= 64`; windows and one-sided cuts work per bin as unbinned; the significance
//! objective is not available with bins (an error says so).

use std::sync::Arc;
use std::time::Instant;

use cabin_infer::binned::{Bins, FileBinning};
use cabin_infer::doc::{Cut, CutsFile, Epoch, Feature, OwnedTable, WorkingPoint, SCHEMA};
use cabin_infer::Slot;
use candle_core::{DType, Device, Tensor, Var};
use serde_json::{json, Map, Value};

use crate::data::{Dataset, Scaler, Split};
use crate::eval::{auc, point_evals, roc, smoothness, Evaluation};
use crate::hard::{self, Eff, Events, HardError, RecalOptions, RefineOptions};
use crate::kernel::Prepared;
use crate::layout::Layout;
use crate::loss::loss;
use crate::optim::Optimizer;
use crate::pipeline::{self, Progress, TrainConfig, TrainError};

/// A binning: the variable and its `B + 1` increasing edges.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BinSpec {
    /// The binned feature (loaded as an input, never cut on).
    pub feature: String,
    /// Edges, strictly increasing and finite; bins are `[e_j, e_{j+1})`.
    pub edges: Vec<f64>,
}

/// Why a `--bin-by` value could not be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BinSpecError {
    /// Not `NAME:EDGE,EDGE,...`.
    #[error("binning '{0}' is not NAME:EDGE,EDGE,... (e.g. eta:0,0.8,1.37,1.52,2.47)")]
    Syntax(String),
    /// An edge is not a number.
    #[error("binning edge '{0}' is not a number")]
    Edge(String),
    /// Fewer than two edges, or not strictly increasing and finite.
    #[error("binning edges {0:?} must be at least two finite, strictly increasing numbers")]
    Order(Vec<f64>),
}

impl BinSpec {
    /// Parses `NAME:EDGE,EDGE,...`.
    pub fn parse(s: &str) -> Result<BinSpec, BinSpecError> {
        let Some((name, list)) = s.rsplit_once(':') else {
            return Err(BinSpecError::Syntax(s.to_string()));
        };
        let name = name.trim();
        if name.is_empty() {
            return Err(BinSpecError::Syntax(s.to_string()));
        }
        let edges = list
            .split(',')
            .map(|e| e.trim().parse::<f64>().map_err(|_| BinSpecError::Edge(e.trim().to_string())))
            .collect::<Result<Vec<f64>, _>>()?;
        let spec = BinSpec { feature: name.to_string(), edges };
        spec.validate()?;
        Ok(spec)
    }

    /// Checks the edges.
    pub fn validate(&self) -> Result<(), BinSpecError> {
        let e = &self.edges;
        if e.len() < 2 || e.iter().any(|x| !x.is_finite()) || e.windows(2).any(|w| w[0] >= w[1]) {
            return Err(BinSpecError::Order(e.clone()));
        }
        Ok(())
    }

    /// Number of bins.
    pub fn bins(&self) -> usize {
        self.edges.len() - 1
    }

    /// The bin of value `x`, if inside the edges.
    pub fn bin_of(&self, x: f64) -> Option<usize> {
        self.edges.windows(2).position(|w| x >= w[0] && x < w[1])
    }
}

fn bad(name: &'static str, value: impl ToString, expected: &str) -> TrainError {
    TrainError::Config { name, value: value.to_string(), expected: expected.to_string() }
}

/// Trains one scan of working points per bin of `spec` on `split.train` of `ds`, with the
/// contractive term of strength `lambda` between neighbouring bins (see the module docs).
///
/// # Errors
/// [`TrainError`] for invalid settings (also: the bin feature missing from the data, a bin
/// without training signal or background, more than 64 rows, `lambda` negative), unusable
/// data, or a diverging loss.
pub fn train_binned(
    ds: &Dataset,
    split: &Split,
    cfg: &TrainConfig,
    spec: &BinSpec,
    lambda: f64,
    progress: &mut dyn FnMut(&Progress),
) -> Result<CutsFile, TrainError> {
    pipeline::check(cfg)?;
    spec.validate().map_err(|e| bad("bin_by", e, "valid edges"))?;
    if !(lambda.is_finite() && lambda >= 0.0) {
        return Err(bad("bin_smoothness", lambda, "a finite number >= 0"));
    }
    if cfg.objective != crate::significance::ObjectiveKind::Efficiency {
        return Err(bad("objective", "significance", "efficiency when cuts are binned"));
    }
    if cfg.genetic.is_some() {
        return Err(bad("recipe", "genetic", "a gradient recipe when cuts are binned"));
    }
    let start = Instant::now();
    let Some(kb) = ds.features.iter().position(|f| f == &spec.feature) else {
        let have = ds.features.join(", ");
        return Err(bad("bin_by", &spec.feature, &format!("one of the loaded features ({have})")));
    };
    let mut targets = cfg.targets.clone();
    targets.sort_by(f64::total_cmp);
    let (nb, points) = (spec.bins(), targets.len());
    let bins =
        Bins::new(kb as u16, nb, points).map_err(|e| bad("bin_by", e, "bins x targets <= 64"))?;

    // Layout over every feature but the bin variable.
    let scaler = Scaler::fit(ds, &split.train)?;
    let inputs: Vec<usize> = (0..ds.features.len()).filter(|&k| k != kb).collect();
    let windows = crate::layout::window_inputs(&ds.features, &cfg.windows)?;
    if windows.contains(&kb) {
        return Err(bad("window", &spec.feature, "a feature other than the bin variable"));
    }
    let (ops, direction_trials) =
        pipeline::directions(ds, &split.train, &scaler, &inputs, &windows, &targets, cfg)?;
    let layout = Layout::new(&inputs, &ops, &windows);
    let s = layout.len();
    let in_bin = |rows: &[usize], j: usize| -> Vec<usize> {
        rows.iter().copied().filter(|&r| spec.bin_of(ds.columns[kb][r]) == Some(j)).collect()
    };
    let train_rows: Vec<Vec<usize>> = (0..nb).map(|j| in_bin(&split.train, j)).collect();
    let test_rows: Vec<Vec<usize>> = (0..nb).map(|j| in_bin(&split.test, j)).collect();

    // Per-bin kernel layouts and starts.
    let mut prepared = Vec::with_capacity(nb);
    let mut b0 = Vec::with_capacity(nb * points * s);
    for (j, rows) in train_rows.iter().enumerate() {
        let (std_cols, y, w) = pipeline::standardised(ds, &scaler, rows);
        let (ns, nbk) = (y.iter().filter(|&&v| v).count(), y.iter().filter(|&&v| !v).count());
        if ns == 0 || nbk == 0 {
            let what = format!("bin {j} [{}, {}) ", spec.edges[j], spec.edges[j + 1]);
            return Err(bad(
                "bin_by",
                format!("{what}with {ns} signal and {nbk} background training events"),
                "both classes in every bin",
            ));
        }
        b0.extend(layout.initial_biases(&targets, &std_cols, &y, &w));
        let cols = layout.columns(&std_cols);
        prepared.push(Arc::new(Prepared::new(&cols, &y, &w, &layout.sign, cfg.steepness)?));
    }
    let bias = Var::from_vec(b0, (nb * points, s), &Device::Cpu)?;

    // Gradient stage over all bins at once.
    let mut opt = Optimizer::new(cfg.optimizer, cfg.lr, cfg.adam_beta1, cfg.adam_beta2);
    let mut history = Vec::with_capacity(cfg.epochs);
    let grad_start = Instant::now();
    for epoch in 0..cfg.epochs {
        let mut total: Option<Tensor> = None;
        let mut sums = [0.0f64; 6];
        for (j, ev) in prepared.iter().enumerate() {
            let b = bias.as_tensor().narrow(0, j * points, points)?;
            let parts = loss(ev, cfg.precision, &b, &targets, &cfg.loss)?;
            for (acc, v) in sums.iter_mut().zip(parts.values()?) {
                *acc += v;
            }
            total = Some(match total {
                Some(t) => (t + parts.total)?,
                None => parts.total,
            });
        }
        let contraction = contraction(bias.as_tensor(), nb, points, lambda)?;
        let c = contraction.to_dtype(DType::F64)?.to_scalar::<f64>()?;
        sums[0] += c;
        sums[4] += c;
        if !sums[0].is_finite() {
            return Err(TrainError::Diverged { epoch, value: sums[0] });
        }
        history.push(Epoch { epoch: epoch as u32, train: pipeline::losses(sums), test: None });
        let Some(total) = total else { break };
        let total = (total + contraction)?;
        let grads = total.backward()?;
        let g = grads
            .get(bias.as_tensor())
            .ok_or_else(|| TrainError::Tensor("no gradient for the biases".into()))?;
        opt.step(&bias, g)?;
        progress(&Progress::Epoch { done: epoch + 1, total: cfg.epochs, loss: sums[0] });
    }
    let grad_seconds = grad_start.elapsed().as_secs_f64();
    let b: Vec<f64> = bias.as_tensor().to_dtype(DType::F64)?.flatten_all()?.to_vec1()?;

    // Per-bin tables, hard stage per bin.
    if cfg.refine || cfg.recalibrate {
        progress(&Progress::Refining);
    }
    let hard_start = Instant::now();
    let mut tables = Vec::with_capacity(nb);
    for j in 0..nb {
        let rows = &b[j * points * s..(j + 1) * points * s];
        let mut table = OwnedTable {
            names: ds.features.clone(),
            targets: targets.clone(),
            slots: layout.slots.clone(),
            thresholds: layout.thresholds(rows, &scaler),
        };
        let ev = events(ds, &train_rows[j]);
        if cfg.refine {
            let opts = RefineOptions {
                restarts: cfg.refine_restarts,
                pairs: cfg.refine_pairs,
                scales: Some(scaler.scale.clone()),
                ..RefineOptions::default()
            };
            for _ in 0..cfg.refine_passes.max(1) {
                hard::refine(&mut table, &targets, &ev, &opts)?;
            }
        }
        if cfg.recalibrate {
            let opts = RecalOptions { scales: Some(scaler.scale.clone()) };
            hard::recalibrate(&mut table, &targets, &ev, &opts)?;
        }
        tables.push(table);
    }
    let hard_seconds = hard_start.elapsed().as_secs_f64();

    // Flat table: selection slots first.
    let mut slots: Vec<Slot> = bins.selection_slots().to_vec();
    slots.extend(&layout.slots);
    let mut thresholds = Vec::with_capacity(nb * points * (s + 2));
    for (j, t) in tables.iter().enumerate() {
        for p in 0..points {
            thresholds.push(spec.edges[j]);
            thresholds.push(spec.edges[j + 1]);
            thresholds.extend_from_slice(&t.thresholds[p * s..(p + 1) * s]);
        }
    }
    let flat_targets: Vec<f64> = (0..nb).flat_map(|_| targets.iter().copied()).collect();
    let flat = OwnedTable {
        names: ds.features.clone(),
        targets: flat_targets.clone(),
        slots: slots.clone(),
        thresholds,
    };
    let view = flat.view().map_err(HardError::from)?;
    let eff_train = hard::efficiencies(&view, &events(ds, &split.train))?;
    let eff_test = hard::efficiencies(&view, &events(ds, &split.test))?;

    // Per-bin efficiencies inside their bin (a bin without test events reports null).
    let mut bin_sections = Vec::with_capacity(nb);
    for (j, t) in tables.iter().enumerate() {
        let tv = t.view().map_err(HardError::from)?;
        let inside = |rows: &[usize]| -> Option<Vec<Eff>> {
            hard::efficiencies(&tv, &events(ds, rows)).ok()
        };
        let (tr, te) = (inside(&train_rows[j]), inside(&test_rows[j]));
        let pts: Vec<Value> = (0..points)
            .map(|p| {
                let cuts: Vec<Value> = layout
                    .slots
                    .iter()
                    .enumerate()
                    .map(|(k, sl)| {
                        json!({"feature": ds.features[sl.input as usize], "op": sl.op,
                               "value": t.thresholds[p * s + k]})
                    })
                    .collect();
                json!({
                    "target": targets[p],
                    "cuts": cuts,
                    "train": tr.as_ref().map(|e| eff_json(&e[p])),
                    "test": te.as_ref().map(|e| eff_json(&e[p])),
                })
            })
            .collect();
        bin_sections.push(json!({
            "lo": spec.edges[j],
            "hi": spec.edges[j + 1],
            "train_events": train_rows[j].len(),
            "test_events": test_rows[j].len(),
            "working_points": pts,
        }));
    }
    let combined: Vec<Value> = (0..points)
        .map(|p| {
            json!({
                "target": targets[p],
                "train": eff_json(&fold_effs(&eff_train, nb, points)[p]),
                "test": eff_json(&fold_effs(&eff_test, nb, points)[p]),
            })
        })
        .collect();

    let working_points = (0..nb * points)
        .map(|row| {
            let cuts = slots
                .iter()
                .enumerate()
                .map(|(k, sl)| Cut {
                    feature: ds.features[sl.input as usize].clone(),
                    op: sl.op,
                    value: flat.thresholds[row * slots.len() + k],
                })
                .collect();
            let mut extra = Map::new();
            extra.insert("bin".into(), json!(row / points));
            WorkingPoint {
                target: flat_targets[row],
                cuts,
                train: pipeline::efficiency(&eff_train[row]),
                test: pipeline::efficiency(&eff_test[row]),
                extra,
            }
        })
        .collect();
    let features = (0..ds.features.len())
        .map(|k| Feature {
            name: ds.features[k].clone(),
            direction: ops[k],
            mean: scaler.mean[k],
            scale: scaler.scale[k],
        })
        .collect();
    let mut config = match serde_json::to_value(cfg) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    config.insert("bin_by".into(), json!(spec));
    config.insert("bin_smoothness".into(), json!(lambda));
    let mut extra = Map::new();
    extra.insert(
        "binning".into(),
        json!({
            "feature": spec.feature,
            "edges": spec.edges,
            "points": points,
            "smoothness": lambda,
            "bins": bin_sections,
            "combined": combined,
        }),
    );
    extra.insert(
        "timing".into(),
        json!({
            "total_seconds": start.elapsed().as_secs_f64(),
            "gradient_seconds": grad_seconds,
            "ms_per_epoch": if cfg.epochs > 0 { 1e3 * grad_seconds / cfg.epochs as f64 } else { 0.0 },
            "hard_seconds": hard_seconds,
            "train_events": split.train.len(),
            "test_events": split.test.len(),
        }),
    );
    if !direction_trials.is_empty() {
        extra.insert("direction_search".into(), json!(direction_trials));
    }
    Ok(CutsFile {
        schema: SCHEMA.to_string(),
        generator: format!("cabin {}", env!("CARGO_PKG_VERSION")),
        features,
        working_points,
        config,
        inputs: ds.inputs.clone(),
        history,
        quantization: None,
        extra,
    })
}

/// `lambda / (E S) * sum (b_{j+1} - b_j)^2` over neighbouring bins (0 for one bin).
fn contraction(
    bias: &Tensor,
    bins: usize,
    points: usize,
    lambda: f64,
) -> candle_core::Result<Tensor> {
    let (_, s) = bias.dims2()?;
    if bins < 2 || lambda == 0.0 {
        return Tensor::zeros((), bias.dtype(), bias.device());
    }
    let rows = (bins - 1) * points;
    let lower = bias.narrow(0, 0, rows)?;
    let upper = bias.narrow(0, points, rows)?;
    (upper - lower)?.sqr()?.sum_all()?.affine(lambda / (points * s) as f64, 0.0)
}

fn events<'a>(ds: &'a Dataset, rows: &'a [usize]) -> Events<'a> {
    Events { columns: &ds.columns, is_signal: &ds.is_signal, weights: &ds.weights, rows }
}

fn eff_json(e: &Eff) -> Value {
    json!({"eff_sig": e.eff_sig, "eff_bkg": e.eff_bkg, "n_sig": e.n_sig, "n_bkg": e.n_bkg})
}

/// Per working point, the sum over bins of the flat rows' efficiencies: the bins are disjoint
/// and every flat row has the same denominators, so this is the folded mask's efficiency.
pub fn fold_effs(flat: &[Eff], bins: usize, points: usize) -> Vec<Eff> {
    (0..points)
        .map(|p| {
            let mut e = flat[p];
            for j in 1..bins {
                e.eff_sig += flat[j * points + p].eff_sig;
                e.eff_bkg += flat[j * points + p].eff_bkg;
            }
            e
        })
        .collect()
}

/// [`crate::quantize::effect`]'s rows folded per working point like [`fold_effs`]: efficiencies,
/// their changes and the flipped events add over the bins (an event can only pass the rows of
/// its own bin, so a flip of the folded answer is a flip of exactly one row).
pub fn fold_effects(
    flat: &[crate::quantize::Effect],
    bins: usize,
    points: usize,
) -> Vec<crate::quantize::Effect> {
    (0..points.min(flat.len()))
        .map(|p| {
            let mut e = flat[p].clone();
            for r in (1..bins).filter_map(|j| flat.get(j * points + p)) {
                e.float_eff_sig += r.float_eff_sig;
                e.float_eff_bkg += r.float_eff_bkg;
                e.fixed_eff_sig += r.fixed_eff_sig;
                e.fixed_eff_bkg += r.fixed_eff_bkg;
                e.delta_eff_sig += r.delta_eff_sig;
                e.delta_eff_bkg += r.delta_eff_bkg;
                e.flipped_events += r.flipped_events;
            }
            e
        })
        .collect()
}

/// [`crate::eval::evaluate`] for a flat binned table: figures per working point of the folded
/// masks; the smoothness is per bin (feature names carry a `[bin j]` suffix) across targets.
pub fn evaluate_binned(
    table: &OwnedTable,
    binning: &FileBinning,
    ev: &Events,
    scales: Option<&[f64]>,
) -> Result<Evaluation, HardError> {
    let view = table.view()?;
    let (nb, points) = (binning.bins.bins, binning.bins.points);
    let effs = fold_effs(&hard::efficiencies(&view, ev)?, nb, points);
    let targets = &table.targets[..points];
    let working_points = point_evals(targets, &effs);
    let roc = roc(targets, &effs);
    let area = auc(&roc);
    let s = table.slots.len();
    let mut smooth = Vec::new();
    for j in 0..nb {
        let rows = &table.thresholds[j * points * s..(j + 1) * points * s];
        let bin = OwnedTable {
            names: table.names.clone(),
            targets: targets.to_vec(),
            slots: table.slots[2..].to_vec(),
            thresholds: rows.chunks(s).flat_map(|r| r[2..].to_vec()).collect(),
        };
        for mut sm in smoothness(&bin, scales) {
            sm.feature = format!("{}[bin {j}]", sm.feature);
            smooth.push(sm);
        }
    }
    Ok(Evaluation { working_points, roc, area, smoothness: smooth })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bin_spec_parses_and_checks_edges() {
        let b = BinSpec::parse("eta:0,0.8,1.37,1.52,2.47").unwrap();
        assert_eq!(b.feature, "eta");
        assert_eq!(b.bins(), 4);
        assert_eq!(b.bin_of(0.0), Some(0));
        assert_eq!(b.bin_of(0.8), Some(1));
        assert_eq!(b.bin_of(2.47), None);
        assert_eq!(b.bin_of(f64::NAN), None);
        assert!(matches!(BinSpec::parse("eta"), Err(BinSpecError::Syntax(_))));
        assert!(matches!(BinSpec::parse("eta:0,x"), Err(BinSpecError::Edge(_))));
        assert!(matches!(BinSpec::parse("eta:1,0"), Err(BinSpecError::Order(_))));
        assert!(matches!(BinSpec::parse("eta:1"), Err(BinSpecError::Order(_))));
    }

    #[test]
    fn folded_efficiencies_add_the_disjoint_bins() {
        let e = |s: f64, b: f64| Eff {
            eff_sig: s,
            eff_bkg: b,
            sum_sig: 10.0,
            sum_bkg: 20.0,
            n_sig: 10,
            n_bkg: 20,
        };
        // 2 bins x 2 points, rows (bin, point): (0,0) (0,1) (1,0) (1,1)
        let flat = [e(0.1, 0.01), e(0.3, 0.05), e(0.2, 0.02), e(0.4, 0.1)];
        let f = fold_effs(&flat, 2, 2);
        assert!((f[0].eff_sig - 0.3).abs() < 1e-15 && (f[0].eff_bkg - 0.03).abs() < 1e-15);
        assert!((f[1].eff_sig - 0.7).abs() < 1e-15 && (f[1].eff_bkg - 0.15).abs() < 1e-15);
        assert_eq!((f[1].sum_sig, f[1].n_bkg), (10.0, 20));
    }

    #[test]
    fn contraction_is_the_scaled_squared_difference_of_neighbouring_bins() {
        let dev = Device::Cpu;
        // 3 bins x 1 point x 2 slots
        let b = Tensor::from_vec(vec![0.0, 1.0, 1.0, 1.0, 3.0, 1.0], (3, 2), &dev).unwrap();
        let c = contraction(&b, 3, 1, 0.5).unwrap().to_scalar::<f64>().unwrap();
        // (1 - 0)^2 + 0 + (3 - 1)^2 + 0 = 5, times 0.5 / 2
        assert!((c - 1.25).abs() < 1e-15);
        assert_eq!(contraction(&b, 1, 3, 0.5).unwrap().to_scalar::<f64>().unwrap(), 0.0);
    }
}
