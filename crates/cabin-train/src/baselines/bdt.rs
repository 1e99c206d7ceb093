//! A boosted-decision-tree ceiling, from the `forust-ml` gradient-boosting crate.
//!
//! forust-ml is pure Rust, builds on stable, and implements XGBoost-style histogram boosting
//! with a log-loss objective and per-event weights. (`perpetual`, the better-maintained crate,
//! needs a nightly compiler in every published version; `gbdt` has had no release for years.)
//! The score is the booster's log-odds output; its ROC is what a free-form classifier reaches
//! on the same inputs, the ceiling that rectangular cuts are measured against.

use std::time::Instant;

use forust_ml::{GradientBooster, Matrix};

use super::{BaselineError, Samples};

/// Boosting settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BdtConfig {
    /// Number of trees.
    pub trees: usize,
    /// Shrinkage per tree.
    pub learning_rate: f32,
    /// Maximum depth of each tree.
    pub max_depth: usize,
    /// Histogram bins per feature.
    pub bins: u16,
    /// Seed of the booster's sampling.
    pub seed: u64,
}

impl Default for BdtConfig {
    /// 200 trees of depth 5 at learning rate 0.1: a common, unexciting starting point.
    fn default() -> Self {
        BdtConfig { trees: 200, learning_rate: 0.1, max_depth: 5, bins: 256, seed: 0 }
    }
}

/// A trained booster.
pub struct BdtModel {
    booster: GradientBooster,
    features: usize,
    /// Wall-clock training time in seconds.
    pub train_seconds: f64,
}

impl std::fmt::Debug for BdtModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BdtModel")
            .field("trees", &self.booster.trees.len())
            .field("features", &self.features)
            .finish()
    }
}

/// forust-ml wants the matrix column-major.
fn column_major(s: &Samples) -> Vec<f64> {
    let (n, m) = (s.len(), s.features());
    let x = s.x();
    let mut out = Vec::with_capacity(n * m);
    for k in 0..m {
        out.extend((0..n).map(|i| x[i * m + k]));
    }
    out
}

/// Trains the booster on `train`.
pub fn train_bdt(train: &Samples, cfg: &BdtConfig) -> Result<BdtModel, BaselineError> {
    // Zero trees is no model at all, and a hundred million are a typo that would run for hours.
    if !(1..=100_000).contains(&cfg.trees) {
        let expected = "1..=100000";
        return Err(BaselineError::Setting { what: "--bdt-trees", value: cfg.trees, expected });
    }
    if !(1..=32).contains(&cfg.max_depth) {
        let expected = "1..=32";
        return Err(BaselineError::Setting { what: "--bdt-depth", value: cfg.max_depth, expected });
    }
    train.require_both_classes()?;
    let start = Instant::now();
    let data = column_major(train);
    let matrix = Matrix::new(&data, train.len(), train.features());
    let y: Vec<f64> = train.labels().iter().map(|&l| if l { 1.0 } else { 0.0 }).collect();
    let mut booster = GradientBooster::default()
        .set_iterations(cfg.trees)
        .set_learning_rate(cfg.learning_rate)
        .set_max_depth(cfg.max_depth)
        .set_nbins(cfg.bins)
        .set_seed(cfg.seed)
        .set_initialize_base_score(true);
    booster
        .fit(&matrix, &y, train.weights(), None)
        .map_err(|e| BaselineError::Boosting(e.to_string()))?;
    log::debug!("bdt baseline: {} trees", booster.trees.len());
    Ok(BdtModel {
        booster,
        features: train.features(),
        train_seconds: start.elapsed().as_secs_f64(),
    })
}

impl BdtModel {
    /// The log-odds score of every event.
    pub fn score(&self, s: &Samples) -> Result<Vec<f64>, BaselineError> {
        if s.features() != self.features {
            return Err(BaselineError::FeatureCount {
                trained: self.features,
                given: s.features(),
            });
        }
        let data = column_major(s);
        let matrix = Matrix::new(&data, s.len(), s.features());
        Ok(self.booster.predict(&matrix, true))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testdata::blobs;
    use super::*;

    #[test]
    fn beats_random_on_held_out_events() {
        let (x, y, w) = blobs(2000, 3);
        let s = Samples::new(&x, 3, &y, &w).unwrap();
        let model = train_bdt(&s, &BdtConfig { trees: 30, ..Default::default() }).unwrap();
        let (xt, yt, wt) = blobs(2000, 4);
        let test = Samples::new(&xt, 3, &yt, &wt).unwrap();
        let auc = test.roc(&model.score(&test).unwrap()).unwrap().auc().unwrap();
        assert!(auc > 0.8, "test AUC {auc}");
    }

    #[test]
    fn zero_or_absurd_tree_counts_are_errors() {
        // Regression: `--bdt-trees 0` was reported as a BDT row with AUC 0.5.
        let (x, y, w) = blobs(50, 3);
        let s = Samples::new(&x, 3, &y, &w).unwrap();
        for cfg in [
            BdtConfig { trees: 0, ..Default::default() },
            BdtConfig { trees: 100_000_000, ..Default::default() },
            BdtConfig { max_depth: 0, ..Default::default() },
        ] {
            let e = train_bdt(&s, &cfg).unwrap_err().to_string();
            assert!(e.contains("out of range"), "{e}");
        }
    }

    #[test]
    fn column_major_transposes() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let s = Samples::new(&x, 3, &[true, false], &[1.0, 1.0]).unwrap();
        assert_eq!(column_major(&s), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    }
}
