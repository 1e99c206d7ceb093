//! Reference classifiers trained on the same split as cabin's scan, to judge its cuts against.
//!
//! - [`linear`]: score `sigmoid(w . z)` on standardised inputs `z`, no bias, trained with
//!   weighted binary cross-entropy (full batch, Adam, candle autograd): the simple linear network
//!   of the CABIN paper (section 4.2).
//! - [`bdt`]: a gradient-boosted decision tree from the `forust-ml` crate, the practical ceiling
//!   of what a free-form classifier reaches on the same inputs.
//!
//! Each model gives a score per event; [`roc::Roc::from_scores`] turns it into a curve and
//! [`Summary::from_roc`] into the figures `cabin compare` prints (AUC, background efficiency at
//! signal efficiency 0.5, 0.8 and 0.9).
//! - [`cabin_net`]: the BCE-trained one-to-one CABIN network, trained with cabin's own
//!   pipeline, scored with its soft product of sigmoids.

pub mod bdt;
pub mod cabin_net;
pub mod linear;
pub mod roc;

use serde::{Deserialize, Serialize};

use roc::{Roc, RocError, RocPoint};

/// The signal efficiencies at which [`Summary`] reads the background efficiency.
pub const SUMMARY_EFFS: [f64; 3] = [0.5, 0.8, 0.9];

/// Why a baseline could not be trained or evaluated.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// A baseline setting outside what it can use.
    #[error("{what} {value} out of range, expected {expected}")]
    Setting {
        /// The setting, as the command line names it.
        what: &'static str,
        /// The value given.
        value: usize,
        /// The accepted range.
        expected: &'static str,
    },
    /// The event matrix does not have `events * features` values.
    #[error(
        "event matrix has {values} values, expected {events} events x {features} features = {}",
        events * features
    )]
    Shape {
        /// Values given.
        values: usize,
        /// Events (labels) given.
        events: usize,
        /// Features per event.
        features: usize,
    },
    /// Labels and weights differ in length.
    #[error("{labels} labels but {weights} weights, expected one weight per event")]
    Weights {
        /// Labels given.
        labels: usize,
        /// Weights given.
        weights: usize,
    },
    /// No features.
    #[error("no features, expected at least one")]
    NoFeatures,
    /// Train and test sets have different numbers of features.
    #[error("model was trained on {trained} features, data has {given}")]
    FeatureCount {
        /// Features at training.
        trained: usize,
        /// Features now.
        given: usize,
    },
    /// One class is missing from the training set.
    #[error("training set has no {class} events, expected both signal and background")]
    MissingClass {
        /// `signal` or `background`.
        class: &'static str,
    },
    /// A value is NaN or infinite.
    #[error("event {event} feature {feature} is {value}, expected a finite number")]
    NotFinite {
        /// Event index.
        event: usize,
        /// Feature index.
        feature: usize,
        /// The value.
        value: f64,
    },
    /// A tensor operation failed.
    #[error("tensor computation failed: {0}")]
    Tensor(candle_core::Error),
    /// The boosting library refused the data or settings.
    #[error("gradient boosting failed: {0}")]
    Boosting(String),
    /// The ROC curve could not be computed.
    #[error(transparent)]
    Roc(#[from] RocError),
    /// cabin's own training failed (the one-to-one network).
    #[error("training the one-to-one network failed: {0}")]
    Train(crate::pipeline::TrainError),
}

// The variants above embed their cause in the message, so they do not also return it as the
// error's source (a chain printer such as anyhow's `{:#}` would print it twice).
impl From<candle_core::Error> for BaselineError {
    fn from(e: candle_core::Error) -> Self {
        BaselineError::Tensor(e)
    }
}

impl From<crate::pipeline::TrainError> for BaselineError {
    fn from(e: crate::pipeline::TrainError) -> Self {
        BaselineError::Train(e)
    }
}

/// Events for a baseline: a row-major `events x features` matrix, labels (true = signal) and
/// per-event weights, all borrowed.
#[derive(Clone, Copy, Debug)]
pub struct Samples<'a> {
    x: &'a [f64],
    features: usize,
    labels: &'a [bool],
    weights: &'a [f64],
}

impl<'a> Samples<'a> {
    /// Checks the shapes and that every value is finite.
    pub fn new(
        x: &'a [f64],
        features: usize,
        labels: &'a [bool],
        weights: &'a [f64],
    ) -> Result<Samples<'a>, BaselineError> {
        if features == 0 {
            return Err(BaselineError::NoFeatures);
        }
        if x.len() != labels.len() * features {
            return Err(BaselineError::Shape { values: x.len(), events: labels.len(), features });
        }
        if weights.len() != labels.len() {
            return Err(BaselineError::Weights { labels: labels.len(), weights: weights.len() });
        }
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            return Err(BaselineError::NotFinite {
                event: i / features,
                feature: i % features,
                value: x[i],
            });
        }
        Ok(Samples { x, features, labels, weights })
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no events.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Number of features.
    pub fn features(&self) -> usize {
        self.features
    }

    /// The row-major values.
    pub fn x(&self) -> &'a [f64] {
        self.x
    }

    /// Event `i`'s values.
    pub fn row(&self, i: usize) -> &'a [f64] {
        &self.x[i * self.features..(i + 1) * self.features]
    }

    /// Labels, true = signal.
    pub fn labels(&self) -> &'a [bool] {
        self.labels
    }

    /// Weights.
    pub fn weights(&self) -> &'a [f64] {
        self.weights
    }

    /// The ROC curve of `scores` (one per event, higher = more signal-like) on these events.
    pub fn roc(&self, scores: &[f64]) -> Result<Roc, RocError> {
        Roc::from_scores(scores, self.labels, self.weights)
    }

    pub(crate) fn require_both_classes(&self) -> Result<(), BaselineError> {
        if !self.labels.iter().any(|&l| l) {
            return Err(BaselineError::MissingClass { class: "signal" });
        }
        if self.labels.iter().all(|&l| l) {
            return Err(BaselineError::MissingClass { class: "background" });
        }
        Ok(())
    }
}

/// Background efficiency read at one signal efficiency.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BkgAt {
    /// Signal efficiency.
    pub eff_sig: f64,
    /// Background efficiency there; `None` when the curve does not reach it.
    pub eff_bkg: Option<f64>,
}

/// One method's result on the test split: what `cabin compare` prints and stores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Method name, e.g. `bdt`.
    pub method: String,
    /// Area under the ROC curve (0.5 random, 1 perfect); `None` for fewer than two points.
    pub auc: Option<f64>,
    /// Background efficiency at each of [`SUMMARY_EFFS`].
    pub eff_bkg_at: Vec<BkgAt>,
    /// Wall-clock training time in seconds.
    pub train_seconds: f64,
    /// The ROC curve, thinned for storage.
    pub roc: Vec<RocPoint>,
}

impl Summary {
    /// Summarises a full curve; it is stored thinned to about 500 steps per axis.
    pub fn from_roc(method: &str, roc: &Roc, train_seconds: f64) -> Summary {
        Summary {
            method: method.to_string(),
            auc: roc.auc(),
            eff_bkg_at: SUMMARY_EFFS
                .iter()
                .map(|&s| BkgAt { eff_sig: s, eff_bkg: roc.eff_bkg_at(s) })
                .collect(),
            train_seconds,
            roc: roc.thinned(500).points,
        }
    }

    /// The background efficiency stored for `eff_sig`, if it was read there and reached.
    pub fn bkg_at(&self, eff_sig: f64) -> Option<f64> {
        self.eff_bkg_at.iter().find(|b| b.eff_sig == eff_sig).and_then(|b| b.eff_bkg)
    }
}

/// Mean and standard deviation of each feature (unweighted); a constant feature gets scale 1
/// so standardising it gives zeros rather than NaN.
pub fn standardisation(s: &Samples) -> (Vec<f64>, Vec<f64>) {
    let m = s.features();
    let n = s.len().max(1) as f64;
    let mut mean = vec![0.0; m];
    for i in 0..s.len() {
        for (acc, v) in mean.iter_mut().zip(s.row(i)) {
            *acc += v;
        }
    }
    mean.iter_mut().for_each(|v| *v /= n);
    let mut var = vec![0.0; m];
    for i in 0..s.len() {
        for ((acc, v), mu) in var.iter_mut().zip(s.row(i)).zip(&mean) {
            *acc += (v - mu) * (v - mu);
        }
    }
    let scale =
        var.iter().map(|v| (v / n).sqrt()).map(|sd| if sd > 0.0 { sd } else { 1.0 }).collect();
    (mean, scale)
}

#[cfg(test)]
pub(crate) mod testdata {
    //! An easy synthetic set for the baseline tests: two Gaussian blobs in three features,
    //! shifted by 1.5 standard deviations in the first two, the third pure noise.

    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    /// (x row-major, labels, weights) for `n` events, half signal.
    pub fn blobs(n: usize, seed: u64) -> (Vec<f64>, Vec<bool>, Vec<f64>) {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut gauss = move || {
            // Box-Muller from two uniforms in (0, 1].
            let u1: f64 = 1.0 - rng.random::<f64>();
            let u2: f64 = rng.random::<f64>();
            (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
        };
        let mut x = Vec::with_capacity(n * 3);
        let mut labels = Vec::with_capacity(n);
        for i in 0..n {
            let sig = i % 2 == 0;
            let shift = if sig { 1.5 } else { 0.0 };
            x.push(10.0 + 4.0 * (gauss() + shift));
            x.push(-3.0 + 0.5 * (gauss() - shift));
            x.push(gauss());
            labels.push(sig);
        }
        (x, labels, vec![1.0; n])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_reject_bad_shapes_and_values() {
        let x = [1.0, 2.0, 3.0];
        assert!(matches!(
            Samples::new(&x, 2, &[true, false], &[1.0, 1.0]),
            Err(BaselineError::Shape { values: 3, events: 2, features: 2 })
        ));
        assert!(matches!(
            Samples::new(&x[..2], 1, &[true, false], &[1.0]),
            Err(BaselineError::Weights { .. })
        ));
        assert!(matches!(
            Samples::new(&[1.0, f64::NAN], 1, &[true, false], &[1.0, 1.0]),
            Err(BaselineError::NotFinite { event: 1, feature: 0, .. })
        ));
        let e = Samples::new(&x, 2, &[true, false], &[1.0, 1.0]).unwrap_err().to_string();
        assert_eq!(e, "event matrix has 3 values, expected 2 events x 2 features = 4");
    }

    #[test]
    fn summary_reads_the_three_efficiencies() {
        let roc = Roc::from_points([
            RocPoint { eff_sig: 0.0, eff_bkg: 0.0 },
            RocPoint { eff_sig: 0.5, eff_bkg: 0.1 },
            RocPoint { eff_sig: 1.0, eff_bkg: 1.0 },
        ]);
        let s = Summary::from_roc("x", &roc, 1.5);
        assert_eq!(s.bkg_at(0.5), Some(0.1));
        assert!((s.bkg_at(0.8).unwrap() - 0.64).abs() < 1e-12);
        assert!((s.bkg_at(0.9).unwrap() - 0.82).abs() < 1e-12);
        assert_eq!(s.bkg_at(0.7), None);
    }

    #[test]
    fn standardisation_of_a_constant_feature_is_finite() {
        let x = [1.0, 5.0, 3.0, 5.0];
        let s = Samples::new(&x, 2, &[true, false], &[1.0, 1.0]).unwrap();
        let (mean, scale) = standardisation(&s);
        assert_eq!(mean, vec![2.0, 5.0]);
        assert_eq!(scale, vec![1.0, 1.0]);
    }
}
