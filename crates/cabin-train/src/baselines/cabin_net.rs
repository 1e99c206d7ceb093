//! The BCE-trained one-to-one network: the CABIN network itself with only the BCE term.
//!
//! As in the paper, the network is cabin's (`x'_k = w_k z_k + b_k`, `w_k = +-1` the cut
//! direction, score `prod_k sigmoid(n x'_k)`) trained by [`crate::pipeline::train`] with
//! `delta = 1` and `alpha = beta = gamma = eps = 0`, for a single working point, from zero
//! biases, with no hard-cut stage. Its ROC comes from scanning a threshold on the soft score,
//! so it shows what the soft product of sigmoids separates when trained as a classifier rather
//! than as a set of cuts. The score is evaluated as `sum_k ln sigmoid(n w_k (z_k - c_k))`, the
//! logarithm of the product, which orders events identically but does not underflow to 0 far
//! outside the cuts.

use std::time::Instant;

use cabin_infer::doc::CutsFile;

use super::{BaselineError, Samples};
use crate::data::{Dataset, Split};
use crate::pipeline::{train, Init, TrainConfig};

/// `ln sigmoid(t)`, stable for large `|t|`.
fn ln_sigmoid(t: f64) -> f64 {
    -((-t).max(0.0) + (-t.abs()).exp().ln_1p())
}

/// `base` turned into the BCE-only one-to-one recipe (see the module doc); the optimiser,
/// epochs, learning rate, steepness and directions are kept.
pub fn bce_config(base: &TrainConfig) -> TrainConfig {
    let mut c = base.clone();
    c.loss.alpha = 0.0;
    c.loss.beta = 0.0;
    c.loss.gamma = 0.0;
    c.loss.eps = 0.0;
    c.loss.delta = 1.0;
    c.targets = vec![0.5];
    c.init = Init::Zero;
    c.refine = false;
    c.refine_restarts = false;
    c.recalibrate = false;
    c.test_every = 0;
    c
}

/// A trained one-to-one network.
#[derive(Clone, Debug)]
pub struct CabinNet {
    /// The cut file of its single working point.
    pub doc: CutsFile,
    /// Sigmoid steepness `n` it was trained with.
    pub steepness: f64,
    /// Wall-clock training time in seconds.
    pub train_seconds: f64,
}

/// Trains the one-to-one network on `split.train` with [`bce_config`] of `base`.
pub fn train_bce_net(
    ds: &Dataset,
    split: &Split,
    base: &TrainConfig,
) -> Result<CabinNet, BaselineError> {
    let start = Instant::now();
    let cfg = bce_config(base);
    let doc = train(ds, split, &cfg, &mut |_| {})?;
    Ok(CabinNet { doc, steepness: cfg.steepness, train_seconds: start.elapsed().as_secs_f64() })
}

impl CabinNet {
    /// `ln` of the soft score of every event (rows in the network's feature order).
    pub fn score(&self, s: &Samples) -> Result<Vec<f64>, BaselineError> {
        let feats = &self.doc.features;
        if s.features() != feats.len() {
            return Err(BaselineError::FeatureCount { trained: feats.len(), given: s.features() });
        }
        let Some(wp) = self.doc.working_points.first() else {
            return Err(BaselineError::NoFeatures);
        };
        // Per cut: feature index, sign (+1 keeps above), standardised threshold.
        let mut terms = Vec::with_capacity(wp.cuts.len());
        for c in &wp.cuts {
            let Some(k) = self.doc.feature_index(&c.feature) else {
                return Err(BaselineError::FeatureCount {
                    trained: feats.len(),
                    given: s.features(),
                });
            };
            let f = &feats[k];
            let sign = if c.op.is_lower_bound() { 1.0 } else { -1.0 };
            terms.push((k, sign, (c.value - f.mean) / f.scale));
        }
        let n = self.steepness;
        Ok((0..s.len())
            .map(|i| {
                let row = s.row(i);
                terms
                    .iter()
                    .map(|&(k, sign, zc)| {
                        let z = (row[k] - feats[k].mean) / feats[k].scale;
                        ln_sigmoid(n * sign * (z - zc))
                    })
                    .sum()
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_sigmoid_is_exact_and_finite_in_the_tails() {
        assert!((ln_sigmoid(0.0) - 0.5f64.ln()).abs() < 1e-15);
        assert!((ln_sigmoid(2.0) - (1.0 / (1.0 + (-2.0f64).exp())).ln()).abs() < 1e-15);
        assert!((ln_sigmoid(-800.0) + 800.0).abs() < 1e-9);
        assert!(ln_sigmoid(800.0) <= 0.0 && ln_sigmoid(800.0) > -1e-300);
    }

    #[test]
    fn bce_config_keeps_only_the_bce_term() {
        let c = bce_config(&TrainConfig::default());
        assert_eq!((c.loss.alpha, c.loss.beta, c.loss.gamma, c.loss.eps), (0.0, 0.0, 0.0, 0.0));
        assert_eq!(c.loss.delta, 1.0);
        assert_eq!(c.targets, vec![0.5]);
        assert!(!c.refine && !c.recalibrate);
        assert_eq!(c.epochs, TrainConfig::default().epochs);
    }
}

#[cfg(test)]
mod training {
    use super::super::testdata::blobs;
    use super::*;

    #[test]
    fn beats_random_on_held_out_events() {
        let (x, y, w) = blobs(1200, 11);
        let columns: Vec<Vec<f64>> =
            (0..3).map(|k| x.iter().skip(k).step_by(3).copied().collect()).collect();
        let ds = Dataset {
            features: vec!["a".into(), "b".into(), "c".into()],
            columns,
            is_signal: y.clone(),
            weights: w.clone(),
            inputs: Vec::new(),
            dropped_nonfinite: 0,
        };
        let split = Split { train: (0..800).collect(), test: (800..1200).collect() };
        let base = TrainConfig { epochs: 150, ..TrainConfig::default() };
        let net = train_bce_net(&ds, &split, &base).unwrap();
        assert_eq!(net.doc.working_points.len(), 1);
        let test = Samples::new(&x[800 * 3..], 3, &y[800..], &w[800..]).unwrap();
        let auc = test.roc(&net.score(&test).unwrap()).unwrap().auc().unwrap();
        assert!(auc > 0.75, "test AUC {auc}");
    }
}
