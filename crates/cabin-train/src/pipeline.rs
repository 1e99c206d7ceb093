//! The training pipeline: a dataset and its split in, a `cabin.cuts/1` document out.
//!
//! Steps of [`train`]:
//! 1. fit the [`Scaler`] on the training rows, choose each feature's direction (given, or
//!    [`auto_directions`] from the class means, then flipped where a quick hard-cut fit of the
//!    scan says the other side is better: [`crate::direction`]), standardise both splits and
//!    lay them out for the fused kernel;
//! 2. initialise the biases: zero (the paper) or, per working point, each feature's cut at the
//!    signal quantile that keeps `t^(1/m)` of the signal on its own ([`Init::Quantile`]);
//! 3. full-batch gradient descent on the CABIN loss ([`crate::loss`]) with the biases as a
//!    candle `Var`, SGD or Adam, recording every loss component per epoch;
//! 4. optionally the hard-cut stage of [`crate::hard`] on the training split: refinement
//!    (bagged, see below), optionally nesting ([`hard::nest`]), and recalibration onto the
//!    targets;
//! 5. hard-cut weighted efficiencies on both splits through `cabin-infer`.
//!
//! Two recipes: [`TrainConfig::paper`] is exactly the paper's (zero start, SGD lr 0.5, 200
//! epochs, nothing after the gradient stage); [`TrainConfig::default`] is cabin's (quantile
//! start, Adam lr 0.05 with beta2 0.99 for 1000 epochs, bagged refinement with neighbour
//! restarts, recalibration).
//!
//! ## Bagged refinement and cross-fitted recalibration
//!
//! The exact hard-cut search fits the events it sees: on the SUSY-like sample its training
//! background at signal 0.8 drops from .145 (gradient stage) to .134 while the test background
//! only moves from .157 to .155. It is a high-variance procedure, so it is bagged
//! ([`TrainConfig::refine_bags`] = `K`, default 4): the training split is cut into `K`
//! class-stratified folds (deterministic for the seed), the search runs `K` times from the same
//! gradient solution, each time without one fold, and every threshold becomes the mean of the
//! `K` results. Averaging removes the part of each result that follows one subsample's
//! fluctuations. It only does so among results in the same valley: per working point, the
//! mean takes the bags whose cuts, judged on the whole training split at the target, come
//! close to the best bag's background ([`hard::agreeing_mean`]; the bags kept are recorded
//! as `refine_bags_kept`).
//!
//! Each bag's result is also measured on the fold it did not see. The mean over bags of
//! `eff_sig(own events) - eff_sig(held-out fold)` per working point is the optimism of the
//! search's signal efficiency; with [`TrainConfig::recal_crossfit`] the recalibration aims at
//! `target + optimism` on the training split, so that new data land on the target on average
//! instead of below it. A negative estimate (the held-out folds did better) can only be noise
//! of the folds and is not used: the training efficiency never ends below the target. The
//! estimate is recorded per working point as `signal_optimism`. It is off by default: on the
//! SUSY-like sample it changed the test target miss by less than the test counting error
//! (largest miss .0095 -> .0091), and on small samples (a few hundred signal events per fold)
//! the estimate itself is noisier than the miss it corrects.

use std::sync::Arc;
use std::time::Instant;

use cabin_infer::doc::{
    Cut, CutsFile, Efficiency, Epoch, Feature, Losses, OwnedTable, WorkingPoint, SCHEMA,
};
use cabin_infer::{Op, Slot};
use candle_core::{DType, Device, Var};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::data::{auto_directions, DataError, Dataset, Scaler, Split, SplitMix64};
use crate::hard::{self, Eff, Events, HardError, RecalOptions, RefineOptions};
use crate::kernel::{KernelError, Precision, Prepared};
use crate::layout::{window_inputs, Layout, LayoutError};
use crate::loss::{loss, LossParts, LossWeights};
use crate::optim::{Optimizer, OptimizerKind};
use crate::significance::{
    significance_loss, ObjectiveKind, SignificanceError, SignificanceSettings,
};

/// The default scan of target signal efficiencies (13 working points).
pub const DEFAULT_TARGETS: [f64; 13] =
    [0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.93, 0.95];

/// Which named recipe a configuration started from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Recipe {
    /// The paper's recipe.
    Paper,
    /// cabin's default.
    Default,
    /// No gradient stage: a genetic search for each working point's cuts
    /// ([`hard::genetic`]), the peer cabin is judged against.
    Genetic,
}

/// How the biases start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Init {
    /// All biases zero: every cut at the training mean.
    Zero,
    /// Per-feature signal quantiles giving the target efficiency if features were independent.
    Quantile,
}

/// Every setting of a training run; serialised into the cut file's `config`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// The recipe the other fields started from (informational).
    pub recipe: Recipe,
    /// Loss weights and the smoothness form.
    #[serde(flatten)]
    pub loss: LossWeights,
    /// Sigmoid steepness `n`.
    pub steepness: f64,
    /// Gradient epochs (full batch).
    pub epochs: usize,
    /// Learning rate.
    pub lr: f64,
    /// Optimiser.
    pub optimizer: OptimizerKind,
    /// Adam's first-moment decay.
    pub adam_beta1: f64,
    /// Adam's second-moment decay.
    pub adam_beta2: f64,
    /// Target signal efficiencies, each in (0, 1); sorted before training.
    pub targets: Vec<f64>,
    /// Directions given by name; features not listed get [`auto_directions`].
    pub directions: Vec<(String, Op)>,
    /// Bias initialisation.
    pub init: Init,
    /// Run the hard-cut refinement after the gradient stage.
    pub refine: bool,
    /// Restart the refinement from neighbouring working points.
    pub refine_restarts: bool,
    /// Run the refinement's pair stage (every pair of cuts moved to its exact joint optimum;
    /// see [`hard::refine`]).
    #[serde(default = "yes")]
    pub refine_pairs: bool,
    /// Refinement passes; each later pass restarts from the previous pass's refined
    /// neighbours, so a good working point can spread along the scan.
    pub refine_passes: usize,
    /// Bagged refinement: with `K >= 2`, the training split is cut into `K` class-stratified
    /// folds, the refinement runs `K` times (each time on the training split without one fold)
    /// and every threshold is the mean of the `K` refined thresholds; 0 or 1 refines once on
    /// the whole training split.
    #[serde(default)]
    pub refine_bags: usize,
    /// With bagging, average per working point only the bags whose cuts, judged on the whole
    /// training split at the target, come close to the best bag's background
    /// ([`hard::agreeing_mean`]); false averages every bag.
    #[serde(default = "yes")]
    pub bag_agree: bool,
    /// After the refinement, make the selections nested across working points (every cut
    /// loosens as the target rises; [`hard::nest`]). Off by default: as a projection after
    /// the search it costs background efficiency at high targets (see the crate README).
    #[serde(default)]
    pub nested: bool,
    /// Recalibrate each working point onto its target afterwards.
    pub recalibrate: bool,
    /// With bagging, recalibrate onto the target plus the cross-fitted optimism of the signal
    /// efficiency (how much higher each bag's refined cuts pass signal on their own events
    /// than on the held-out fold, averaged over the bags).
    #[serde(default)]
    pub recal_crossfit: bool,
    /// Try the other direction of every feature whose direction is not given, and keep it
    /// where a quick hard-cut fit of the scan gets better ([`crate::direction`]).
    #[serde(default)]
    pub direction_search: bool,
    /// Kernel arithmetic.
    pub precision: Precision,
    /// Record test-split losses every this many epochs (and at the last one); 0 = never.
    pub test_every: usize,
    /// The split seed, recorded for reproducibility (the split itself is an input).
    pub seed: u64,
    /// The test fraction of the split, recorded.
    pub test_fraction: f64,
    /// Threads used (recorded; the caller runs [`train`] in a pool of this size).
    pub threads: usize,
    /// Features with a window (two-sided) cut: a `>` and a `<` slot (see [`crate::layout`]).
    #[serde(default)]
    pub windows: Vec<String>,
    /// What the loss rewards besides each target: `beta * eff_bkg` or `-beta * ln Z`
    /// (see [`crate::significance`]).
    #[serde(default)]
    pub objective: ObjectiveKind,
    /// Yields and formula of the significance objective (also used to report `Z`).
    #[serde(default)]
    pub significance: SignificanceSettings,
    /// Replace the gradient solution by a genetic search's cuts before the hard-cut stage
    /// ([`Recipe::Genetic`]; the search starts from nothing, so set `epochs` to 0 with it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genetic: Option<hard::GeneticOptions>,
    /// Learn the weights (cut directions and steepness) with the biases, bounded as given
    /// (see [`crate::learned`]); `None` keeps them fixed at `+1`/`-1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learn_weights: Option<crate::learned::WeightBound>,
}

fn yes() -> bool {
    true
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            recipe: Recipe::Default,
            loss: LossWeights::default(),
            steepness: 15.0,
            epochs: 1000,
            lr: 0.05,
            optimizer: OptimizerKind::Adam,
            adam_beta1: 0.9,
            adam_beta2: 0.99,
            targets: DEFAULT_TARGETS.to_vec(),
            directions: Vec::new(),
            init: Init::Quantile,
            refine: true,
            refine_restarts: true,
            refine_pairs: true,
            refine_passes: 3,
            refine_bags: 4,
            bag_agree: true,
            nested: false,
            recalibrate: true,
            recal_crossfit: false,
            direction_search: true,
            precision: Precision::Fast,
            test_every: 10,
            seed: 42,
            test_fraction: 0.2,
            threads: 1,
            windows: Vec::new(),
            objective: ObjectiveKind::Efficiency,
            significance: SignificanceSettings::default(),
            genetic: None,
            learn_weights: None,
        }
    }
}

impl TrainConfig {
    /// The paper's recipe: zero start, SGD lr 0.5, 200 epochs, no hard-cut stage.
    pub fn paper() -> TrainConfig {
        TrainConfig {
            recipe: Recipe::Paper,
            epochs: 200,
            lr: 0.5,
            optimizer: OptimizerKind::Sgd,
            init: Init::Zero,
            refine: false,
            refine_restarts: false,
            refine_passes: 1,
            refine_bags: 0,
            nested: false,
            recalibrate: false,
            recal_crossfit: false,
            direction_search: false,
            ..TrainConfig::default()
        }
    }

    /// The genetic search alone: no gradient stage, no refinement, no recalibration.
    pub fn genetic() -> TrainConfig {
        TrainConfig {
            recipe: Recipe::Genetic,
            epochs: 0,
            refine: false,
            refine_restarts: false,
            refine_passes: 1,
            refine_bags: 0,
            recalibrate: false,
            genetic: Some(hard::GeneticOptions::default()),
            ..TrainConfig::default()
        }
    }

    /// The configuration of a named recipe.
    pub fn recipe(r: Recipe) -> TrainConfig {
        match r {
            Recipe::Paper => TrainConfig::paper(),
            Recipe::Default => TrainConfig::default(),
            Recipe::Genetic => TrainConfig::genetic(),
        }
    }
}

/// Why training failed.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// Reading, splitting or scaling the data.
    #[error(transparent)]
    Data(#[from] DataError),
    /// Laying out events for the kernel.
    #[error(transparent)]
    Kernel(#[from] KernelError),
    /// A hard-cut step.
    #[error(transparent)]
    Hard(#[from] HardError),
    /// A tensor operation.
    #[error("tensor operation failed: {0}")]
    Tensor(String),
    /// A setting out of range.
    #[error("invalid setting {name} = {value}: expected {expected}")]
    Config {
        /// The setting.
        name: &'static str,
        /// Its value.
        value: String,
        /// What was expected.
        expected: String,
    },
    /// A direction given for a feature that is not used.
    #[error("direction given for feature '{feature}', which is not a feature (have: {have})")]
    UnknownDirection {
        /// The name given.
        feature: String,
        /// The features.
        have: String,
    },
    /// A window setting.
    #[error(transparent)]
    Layout(#[from] LayoutError),
    /// A significance setting.
    #[error(transparent)]
    Significance(#[from] SignificanceError),
    /// The loss became NaN or infinite.
    #[error("the loss became {value} at epoch {epoch}; lower the learning rate")]
    Diverged {
        /// Epoch.
        epoch: usize,
        /// The value.
        value: f64,
    },
}

impl From<candle_core::Error> for TrainError {
    fn from(e: candle_core::Error) -> Self {
        TrainError::Tensor(e.to_string())
    }
}

/// What [`train`] reports while it runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Progress {
    /// A gradient epoch finished.
    Epoch {
        /// Epochs done.
        done: usize,
        /// Epochs in total.
        total: usize,
        /// Training loss.
        loss: f64,
    },
    /// The hard-cut stage started.
    Refining,
}

fn bad(name: &'static str, value: impl ToString, expected: &str) -> TrainError {
    TrainError::Config { name, value: value.to_string(), expected: expected.to_string() }
}

pub(crate) fn check(cfg: &TrainConfig) -> Result<(), TrainError> {
    if let Some((name, _)) = cfg.directions.iter().find(|(n, _)| cfg.windows.contains(n)) {
        let what = "a feature without a window cut (a window cuts from both sides)";
        return Err(bad("directions", name, what));
    }
    let positive = [("steepness", cfg.steepness), ("lr", cfg.lr)];
    for (name, v) in positive {
        if !(v.is_finite() && v > 0.0) {
            return Err(bad(name, v, "a positive finite number"));
        }
    }
    let w = &cfg.loss;
    let nonneg = [
        ("alpha", w.alpha),
        ("beta", w.beta),
        ("gamma", w.gamma),
        ("delta", w.delta),
        ("eps", w.eps),
        ("rho", w.rho),
    ];
    for (name, v) in nonneg {
        if !(v.is_finite() && v >= 0.0) {
            return Err(bad(name, v, "a finite number >= 0"));
        }
    }
    if w.rho == 0.0 {
        return Err(bad("rho", 0, "a positive number (it keeps the smoothness finite)"));
    }
    for (name, v) in [("adam_beta1", cfg.adam_beta1), ("adam_beta2", cfg.adam_beta2)] {
        if !(0.0..1.0).contains(&v) {
            return Err(bad(name, v, "a number in [0, 1)"));
        }
    }
    if cfg.targets.is_empty() || cfg.targets.len() > cabin_infer::cut::MAX_POINTS {
        let max = cabin_infer::cut::MAX_POINTS;
        return Err(bad("targets", cfg.targets.len(), &format!("1 to {max} targets")));
    }
    for &t in &cfg.targets {
        if !(t > 0.0 && t < 1.0) {
            return Err(bad("targets", t, "every target strictly between 0 and 1"));
        }
    }
    let mut sorted = cfg.targets.clone();
    sorted.sort_by(f64::total_cmp);
    if sorted.windows(2).any(|p| p[0] == p[1]) {
        return Err(bad("targets", format!("{:?}", cfg.targets), "distinct targets"));
    }
    cfg.significance.validate()?;
    crate::learned::check(cfg)?;
    if let Some(g) = &cfg.genetic {
        g.check()?;
        if cfg.epochs > 0 {
            let what = "0 with a genetic search (it replaces the gradient stage)";
            return Err(bad("epochs", cfg.epochs, what));
        }
        if cfg.objective != ObjectiveKind::Efficiency {
            let what = "the efficiency objective with a genetic search (it minimises the \
                        background efficiency)";
            return Err(bad("objective", "significance", what));
        }
        if cfg.learn_weights.is_some() {
            let what = "off with a genetic search (the search sets the cuts itself)";
            return Err(bad("learn_weights", "on", what));
        }
    }
    Ok(())
}

/// Each feature's direction: given ones by name, the rest automatic, then (with
/// [`TrainConfig::direction_search`]) the automatic ones flipped where the scan gets better
/// ([`crate::direction::search`]) among the features in `inputs` (those that get cuts), with
/// the window features `windows` and the sorted `targets` of the run.
/// Returns the directions and the search's trials.
pub(crate) fn directions(
    ds: &Dataset,
    rows: &[usize],
    scaler: &Scaler,
    inputs: &[usize],
    windows: &[usize],
    targets: &[f64],
    cfg: &TrainConfig,
) -> Result<(Vec<Op>, Vec<crate::direction::DirectionTrial>), TrainError> {
    let mut dirs = auto_directions(ds, rows);
    let mut fixed = vec![false; dirs.len()];
    for (name, op) in &cfg.directions {
        let Some(k) = ds.features.iter().position(|f| f == name) else {
            let have = ds.features.join(", ");
            return Err(TrainError::UnknownDirection { feature: name.clone(), have });
        };
        dirs[k] = *op;
        fixed[k] = true;
    }
    let mut trials = Vec::new();
    if cfg.direction_search {
        trials = crate::direction::search(
            ds, rows, scaler, inputs, &mut dirs, &fixed, windows, targets,
        )?;
    }
    Ok((dirs, trials))
}

/// Standardised columns of `rows`, with their labels and weights.
pub(crate) fn standardised(
    ds: &Dataset,
    sc: &Scaler,
    rows: &[usize],
) -> (Vec<Vec<f64>>, Vec<bool>, Vec<f64>) {
    let cols = ds
        .columns
        .iter()
        .enumerate()
        .map(|(k, c)| rows.iter().map(|&r| sc.transform(k, c[r])).collect())
        .collect();
    let y = rows.iter().map(|&r| ds.is_signal[r]).collect();
    let w = rows.iter().map(|&r| ds.weights[r]).collect();
    (cols, y, w)
}

pub(crate) fn losses(v: [f64; 6]) -> Losses {
    Losses { total: v[0], effic: v[1], backg: v[2], cutsz: v[3], smooth: v[4], bce: v[5] }
}

pub(crate) fn efficiency(e: &Eff) -> Efficiency {
    let mut extra = Map::new();
    extra.insert("n_sig".into(), json!(e.n_sig));
    extra.insert("n_bkg".into(), json!(e.n_bkg));
    Efficiency { eff_sig: e.eff_sig, eff_bkg: e.eff_bkg, extra }
}

/// Runs `passes` refinement passes of `table` on `ev`; returns the last pass's starts.
fn refine_passes(
    table: &mut OwnedTable,
    targets: &[f64],
    ev: &Events,
    opts: &RefineOptions,
    passes: usize,
) -> Result<Vec<hard::Start>, TrainError> {
    let mut starts = Vec::new();
    for pass in 0..passes {
        let rep = hard::refine(table, targets, ev, opts)?;
        let bkg: Vec<f64> = rep.points.iter().map(|p| p.after.eff_bkg).collect();
        log::debug!("refinement pass {pass}: training eff_bkg {bkg:?}");
        starts = rep.points.iter().map(|p| p.start).collect();
    }
    Ok(starts)
}

/// `rows` cut into `k` folds of nearly equal size, separately per class so that every fold
/// has both classes in the proportions of `rows`; deterministic for a seed.
fn folds(rows: &[usize], is_signal: &[bool], k: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut rng = SplitMix64::new(seed ^ 0xC0FF_EE00_F01D_5EED);
    let mut out = vec![Vec::new(); k];
    for class in [true, false] {
        let mut r: Vec<usize> = rows.iter().copied().filter(|&i| is_signal[i] == class).collect();
        // Fisher-Yates shuffle.
        for i in (1..r.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            r.swap(i, j);
        }
        for (n, i) in r.into_iter().enumerate() {
            out[n % k].push(i);
        }
    }
    out.iter_mut().for_each(|f| f.sort_unstable());
    out
}

/// Trains a scan of working points on `split.train` of `ds` and evaluates it on both splits.
///
/// `progress` is called after every epoch and when the hard-cut stage starts. Runs on the
/// current rayon pool (use `ThreadPool::install` to choose the thread count).
///
/// # Errors
/// [`TrainError`] for invalid settings, unusable data (a constant feature, a class without
/// weight), a direction for an unknown feature, or a diverging loss.
pub fn train(
    ds: &Dataset,
    split: &Split,
    cfg: &TrainConfig,
    progress: &mut dyn FnMut(&Progress),
) -> Result<CutsFile, TrainError> {
    check(cfg)?;
    let start = Instant::now();
    let mut targets = cfg.targets.clone();
    targets.sort_by(f64::total_cmp);
    let points = targets.len();

    // 1. Scaler, directions, kernel layouts.
    // One kernel column per cut slot: a window feature is two columns (see crate::layout).
    let scaler = Scaler::fit(ds, &split.train)?;
    let inputs: Vec<usize> = (0..ds.features.len()).collect();
    let windows = window_inputs(&ds.features, &cfg.windows)?;
    let (ops, direction_trials) =
        directions(ds, &split.train, &scaler, &inputs, &windows, &targets, cfg)?;
    let layout = Layout::new(&inputs, &ops, &windows);
    let sign = layout.sign.clone();
    let m = layout.len();
    let (std_cols, y, w) = standardised(ds, &scaler, &split.train);
    let cols = layout.columns(&std_cols);
    let train_ev = Arc::new(Prepared::new(&cols, &y, &w, &sign, cfg.steepness)?);
    let test_ev = if cfg.test_every > 0 && !split.test.is_empty() {
        let (tc, ty, tw) = standardised(ds, &scaler, &split.test);
        Prepared::new(&layout.columns(&tc), &ty, &tw, &sign, cfg.steepness).ok().map(Arc::new)
    } else {
        None
    };
    // Yields are whole-sample: s = lumi * xsec_sig * W_sig(all events) * eff_sig.
    let class_weight = |sig: bool| -> f64 {
        ds.weights.iter().zip(&ds.is_signal).filter(|(_, &s)| s == sig).map(|(w, _)| w).sum()
    };
    let objective = cfg.significance.objective(class_weight(true), class_weight(false));
    let loss_of = |ev: &Arc<Prepared>,
                   b: &candle_core::Tensor,
                   precision|
     -> candle_core::Result<LossParts> {
        match cfg.objective {
            ObjectiveKind::Efficiency => loss(ev, precision, b, &targets, &cfg.loss),
            ObjectiveKind::Significance => {
                significance_loss(ev, precision, b, &targets, &cfg.loss, &objective)
            }
        }
    };

    // 2. Start.
    let b0 = match cfg.init {
        Init::Zero => vec![0.0; points * m],
        Init::Quantile => layout.initial_biases(&targets, &std_cols, &y, &w),
    };
    drop((cols, std_cols, y, w));
    // Learned weights: their own gradient stage (crate::learned) instead of the fused one.
    let learned = match cfg.learn_weights {
        Some(_) => {
            Some(crate::learned::fit(ds, &scaler, split, &ops, &b0, &targets, cfg, progress)?)
        }
        None => None,
    };
    let fused_epochs = if learned.is_some() { 0 } else { cfg.epochs };
    let bias = Var::from_vec(b0, (points, m), &Device::Cpu)?;

    // 3. Gradient stage.
    let mut opt = Optimizer::new(cfg.optimizer, cfg.lr, cfg.adam_beta1, cfg.adam_beta2);
    let mut history = Vec::with_capacity(cfg.epochs);
    let grad_start = Instant::now();
    for epoch in 0..fused_epochs {
        let parts = loss_of(&train_ev, bias.as_tensor(), cfg.precision)?;
        let values = parts.values()?;
        if !values[0].is_finite() {
            return Err(TrainError::Diverged { epoch, value: values[0] });
        }
        let last = epoch + 1 == cfg.epochs;
        let test = match &test_ev {
            Some(t) if epoch % cfg.test_every == 0 || last => {
                let p = loss_of(t, bias.as_tensor(), cfg.precision)?;
                Some(losses(p.values()?))
            }
            _ => None,
        };
        history.push(Epoch { epoch: epoch as u32, train: losses(values), test });
        let grads = parts.total.backward()?;
        let g = grads
            .get(bias.as_tensor())
            .ok_or_else(|| TrainError::Tensor("no gradient for the biases".into()))?;
        opt.step(&bias, g)?;
        progress(&Progress::Epoch { done: epoch + 1, total: cfg.epochs, loss: values[0] });
    }
    let grad_seconds = grad_start.elapsed().as_secs_f64();
    let b: Vec<f64> = bias.as_tensor().to_dtype(DType::F64)?.flatten_all()?.to_vec1()?;
    let soft = loss_of(&train_ev, bias.as_tensor(), Precision::Exact)?;
    let soft_sig: Vec<f64> = soft.eff_sig.to_vec1()?;
    let soft_bkg: Vec<f64> = soft.eff_bkg.to_vec1()?;
    let learned_report = learned.as_ref().map(|l| l.report.clone());
    let (layout, ops, b, soft_sig, soft_bkg, history, grad_seconds) = match learned {
        Some(l) => (l.layout, l.ops, l.biases, l.soft_sig, l.soft_bkg, l.history, l.seconds),
        None => (layout, ops, b, soft_sig, soft_bkg, history, grad_seconds),
    };

    // Cuts in physical units: c = -b / s standardised, x = mean + scale * c.
    let slots: Vec<Slot> = layout.slots.clone();
    let thresholds = layout.thresholds(&b, &scaler);
    let mut table =
        OwnedTable { names: ds.features.clone(), targets: targets.clone(), slots, thresholds };

    // 4. Hard-cut stage on the training split.
    let train_events = Events {
        columns: &ds.columns,
        is_signal: &ds.is_signal,
        weights: &ds.weights,
        rows: &split.train,
    };
    let hard_start = Instant::now();
    let mut refine_starts: Option<Vec<hard::Start>> = None;
    let mut bags_kept: Option<Vec<Vec<usize>>> = None;
    let mut recal_delta: Option<Vec<f64>> = None;
    // Per working point: mean over bags of (signal efficiency on the bag - on its held-out fold).
    let mut optimism: Option<Vec<f64>> = None;
    if cfg.refine || cfg.recalibrate || cfg.genetic.is_some() {
        progress(&Progress::Refining);
    }
    let mut genetic_report = None;
    if let Some(g) = &cfg.genetic {
        genetic_report = Some(hard::genetic(&mut table, &targets, &train_events, g)?);
    }
    if cfg.refine {
        let opts = RefineOptions {
            restarts: cfg.refine_restarts,
            pairs: cfg.refine_pairs,
            scales: Some(scaler.scale.clone()),
            ..RefineOptions::default()
        };
        let passes = cfg.refine_passes.max(1);
        if cfg.refine_bags >= 2 {
            let folds = folds(&split.train, &ds.is_signal, cfg.refine_bags, cfg.seed);
            let start = table.thresholds.clone();
            let mut bags = Vec::with_capacity(folds.len());
            for f in 0..folds.len() {
                let rows: Vec<usize> = folds
                    .iter()
                    .enumerate()
                    .filter(|(g, _)| *g != f)
                    .flat_map(|(_, r)| r.iter().copied())
                    .collect();
                let bag = Events { rows: &rows, ..train_events };
                table.thresholds.clone_from(&start);
                let starts = refine_passes(&mut table, &targets, &bag, &opts, passes)?;
                if f == 0 {
                    refine_starts = Some(starts);
                }
                bags.push(table.thresholds.clone());
                let view = table.view().map_err(HardError::from)?;
                let fit = hard::efficiencies(&view, &bag)?;
                let out = hard::efficiencies(&view, &Events { rows: &folds[f], ..train_events })?;
                let k = folds.len() as f64;
                let o = optimism.get_or_insert_with(|| vec![0.0; points]);
                for ((o, a), b) in o.iter_mut().zip(&fit).zip(&out) {
                    *o += (a.eff_sig - b.eff_sig) / k;
                }
            }
            let opts = RecalOptions { scales: Some(scaler.scale.clone()) };
            let mean =
                hard::agreeing_mean(&table, &bags, &targets, &train_events, &opts, cfg.bag_agree)?;
            table.thresholds = mean.thresholds;
            bags_kept = Some(mean.kept);
        } else {
            refine_starts =
                Some(refine_passes(&mut table, &targets, &train_events, &opts, passes)?);
        }
    }
    if cfg.nested {
        let moved = hard::nest(&mut table, &targets)?;
        log::debug!("nesting moved {moved} thresholds");
    }
    if cfg.recalibrate {
        let opts = RecalOptions { scales: Some(scaler.scale.clone()) };
        let aim: Vec<f64> = match (&optimism, cfg.recal_crossfit) {
            (Some(o), true) => {
                targets.iter().zip(o).map(|(t, o)| (t + o.max(0.0)).min(1.0)).collect()
            }
            _ => targets.clone(),
        };
        let rep = hard::recalibrate(&mut table, &aim, &train_events, &opts)?;
        recal_delta = Some(rep.points.iter().map(|p| p.delta).collect());
    }
    let hard_seconds = hard_start.elapsed().as_secs_f64();

    // 5. Hard efficiencies on both splits.
    let view = table.view().map_err(HardError::from)?;
    let eff_train = hard::efficiencies(&view, &train_events)?;
    let test_events = Events { rows: &split.test, ..train_events };
    let eff_test = hard::efficiencies(&view, &test_events)?;

    let working_points = (0..points)
        .map(|e| {
            let cuts = (0..m)
                .map(|j| Cut {
                    feature: ds.features[layout.slots[j].input as usize].clone(),
                    op: layout.slots[j].op,
                    value: table.thresholds[e * m + j],
                })
                .collect();
            let mut extra = Map::new();
            if cfg.epochs > 0 {
                extra.insert(
                    "soft_train".into(),
                    json!({ "eff_sig": soft_sig[e], "eff_bkg": soft_bkg[e] }),
                );
            }
            if let Some(g) = genetic_report.as_ref().and_then(|r| r.get(e)) {
                extra.insert("genetic_evaluations".into(), json!(g.evaluations));
            }
            if let Some(s) = &refine_starts {
                extra.insert("refine_start".into(), json!(s[e]));
            }
            if let Some(k) = &bags_kept {
                extra.insert("refine_bags_kept".into(), json!(k[e]));
            }
            if let Some(o) = &optimism {
                extra.insert("signal_optimism".into(), json!(o[e]));
            }
            if let Some(d) = &recal_delta {
                extra.insert("recal_shift".into(), json!(d[e]));
            }
            if cfg.objective == ObjectiveKind::Significance {
                let z = |eff: &Eff| {
                    let (s, b) =
                        (objective.sig_norm * eff.eff_sig, objective.bkg_norm * eff.eff_bkg);
                    json!({"s": s, "b": b, "z": objective.significance.z(s, b)})
                };
                extra.insert(
                    "significance".into(),
                    json!({"train": z(&eff_train[e]), "test": z(&eff_test[e])}),
                );
            }
            WorkingPoint {
                target: targets[e],
                cuts,
                train: efficiency(&eff_train[e]),
                test: efficiency(&eff_test[e]),
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
    let config = match serde_json::to_value(cfg) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    let mut extra = Map::new();
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
    if let Some(r) = learned_report {
        extra.insert("learned_weights".into(), r);
    }
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

/// Most threads [`with_threads`] accepts.
pub const MAX_THREADS: usize = 256;

/// Runs `f` on a rayon pool of `threads` threads (0 = one per core), passing the count.
///
/// # Errors
/// [`TrainError::Config`] if `threads` is above [`MAX_THREADS`] or the pool cannot be built,
/// or whatever `f` returns.
pub fn with_threads<R: Send>(
    threads: usize,
    f: impl FnOnce(usize) -> Result<R, TrainError> + Send,
) -> Result<R, TrainError> {
    // Thousands of threads only thrash (100000 made `cabin train` hang for minutes).
    if threads > MAX_THREADS {
        return Err(bad("threads", threads, &format!("at most {MAX_THREADS} (0 = one per core)")));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| bad("threads", threads, &format!("a usable thread count ({e})")))?;
    let n = pool.current_num_threads();
    pool.install(|| f(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_thread_counts_are_refused() {
        // Regression: `--threads 100000` hung training for minutes spawning threads.
        let e = with_threads(MAX_THREADS + 1, |_| Ok(())).unwrap_err().to_string();
        assert!(e.contains("at most 256"), "{e}");
        assert_eq!(with_threads(1, Ok).unwrap(), 1);
    }

    #[test]
    fn weighted_quantile_picks_the_level() {
        let v = [5.0, 1.0, 3.0, 2.0, 4.0];
        let w = [1.0; 5];
        let q = crate::layout::weighted_quantile;
        assert_eq!(q(&v, &w, 0.4), 2.0);
        assert_eq!(q(&v, &w, 1.0), 5.0);
        assert_eq!(q(&v, &[0.0, 0.0, 0.0, 0.0, 1.0], 0.1), 4.0);
    }

    #[test]
    fn folds_partition_each_class_evenly_and_repeat_for_a_seed() {
        let is_signal: Vec<bool> = (0..103).map(|i| i % 3 != 0).collect();
        let rows: Vec<usize> = (0..103).filter(|i| i % 10 != 7).collect();
        let f = folds(&rows, &is_signal, 4, 42);
        assert_eq!(f.len(), 4);
        let mut all: Vec<usize> = f.iter().flatten().copied().collect();
        all.sort_unstable();
        assert_eq!(all, rows, "every row in exactly one fold");
        for class in [true, false] {
            let n: Vec<usize> =
                f.iter().map(|g| g.iter().filter(|&&i| is_signal[i] == class).count()).collect();
            let (lo, hi) = (n.iter().min().unwrap(), n.iter().max().unwrap());
            assert!(hi - lo <= 1, "class {class} fold sizes {n:?}");
        }
        assert_eq!(f, folds(&rows, &is_signal, 4, 42));
        assert_ne!(f, folds(&rows, &is_signal, 4, 43), "the seed changes the folds");
    }

    #[test]
    fn rejects_bad_settings() {
        let c = TrainConfig { targets: vec![0.5, 1.2], ..TrainConfig::default() };
        assert!(matches!(check(&c), Err(TrainError::Config { name: "targets", .. })));
        let mut c = TrainConfig::paper();
        c.lr = -1.0;
        assert!(matches!(check(&c), Err(TrainError::Config { name: "lr", .. })));
        let c = TrainConfig { targets: vec![0.5, 0.5], ..TrainConfig::default() };
        assert!(check(&c).is_err());
        assert!(check(&TrainConfig::default()).is_ok());
    }
}
