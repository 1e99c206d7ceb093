//! The simple linear network of the CABIN paper (section 4.2): trainable weights, no bias.
//!
//! Inputs are standardised with the training split's mean and standard deviation, `z = (x -
//! mean) / scale`; the score of an event is `sigmoid(w . z)`. The weights start at zero and are
//! trained full batch with Adam on the weighted mean binary cross-entropy, written in the stable
//! form `relu(t) - y t + ln(1 + exp(-|t|))` with `t = w . z`, so no logarithm of 0 is taken. The
//! gradient comes from candle's autograd (float64, CPU). Without a bias the score's threshold
//! is free, which is all a ROC curve needs.

use std::time::Instant;

use candle_core::{DType, Device, Tensor, Var};

use super::{standardisation, BaselineError, Samples};

/// Training settings of the linear network.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinearConfig {
    /// Full-batch Adam steps.
    pub epochs: usize,
    /// Adam step size.
    pub learning_rate: f64,
    /// Adam first-moment decay.
    pub beta1: f64,
    /// Adam second-moment decay.
    pub beta2: f64,
}

impl Default for LinearConfig {
    /// 150 steps at 0.05, betas 0.9 / 0.999. On an 80,000-event, 7-feature set the loss after
    /// 150 steps is within 1e-7 of its value after 300 (measured); each step costs about 50 ms
    /// of CPU there, most of it in candle's element-wise operations.
    fn default() -> Self {
        LinearConfig { epochs: 150, learning_rate: 0.05, beta1: 0.9, beta2: 0.999 }
    }
}

/// A trained linear network.
#[derive(Clone, Debug, PartialEq)]
pub struct LinearModel {
    /// Standardisation offsets (training mean), one per feature.
    pub mean: Vec<f64>,
    /// Standardisation scales (training standard deviation), one per feature.
    pub scale: Vec<f64>,
    /// The weights on standardised inputs.
    pub weights: Vec<f64>,
    /// Weighted mean BCE on the training split after each step.
    pub loss_history: Vec<f64>,
    /// Wall-clock training time in seconds.
    pub train_seconds: f64,
}

fn standardised(s: &Samples, mean: &[f64], scale: &[f64]) -> Vec<f64> {
    let mut z = Vec::with_capacity(s.x().len());
    for i in 0..s.len() {
        z.extend(s.row(i).iter().zip(mean).zip(scale).map(|((v, m), sd)| (v - m) / sd));
    }
    z
}

/// Trains the linear network on `train`.
pub fn train_linear(train: &Samples, cfg: &LinearConfig) -> Result<LinearModel, BaselineError> {
    train.require_both_classes()?;
    let start = Instant::now();
    let (mean, scale) = standardisation(train);
    let (n, m) = (train.len(), train.features());
    let dev = Device::Cpu;

    let x = Tensor::from_vec(standardised(train, &mean, &scale), (n, m), &dev)?;
    let y = Tensor::from_vec(
        train.labels().iter().map(|&l| if l { 1.0 } else { 0.0 }).collect::<Vec<f64>>(),
        (n, 1),
        &dev,
    )?;
    let total: f64 = train.weights().iter().sum();
    let ev_w = Tensor::from_vec(
        train.weights().iter().map(|w| w / total).collect::<Vec<f64>>(),
        (n, 1),
        &dev,
    )?;

    let w = Var::zeros((m, 1), DType::F64, &dev)?;
    let mut m1 = Tensor::zeros((m, 1), DType::F64, &dev)?;
    let mut m2 = Tensor::zeros((m, 1), DType::F64, &dev)?;
    let mut loss_history = Vec::with_capacity(cfg.epochs);
    for step in 1..=cfg.epochs {
        let t = x.matmul(w.as_tensor())?;
        let soft = t.abs()?.neg()?.exp()?.affine(1.0, 1.0)?.log()?;
        let bce = ((t.relu()? - (&t * &y)?)? + soft)?;
        let loss = (bce * &ev_w)?.sum_all()?;
        loss_history.push(loss.to_scalar::<f64>()?);

        let grads = loss.backward()?;
        let Some(g) = grads.get(w.as_tensor()) else {
            break;
        };
        m1 = ((&m1 * cfg.beta1)? + (g * (1.0 - cfg.beta1))?)?;
        m2 = ((&m2 * cfg.beta2)? + (g.sqr()? * (1.0 - cfg.beta2))?)?;
        let c1 = 1.0 - cfg.beta1.powi(step as i32);
        let c2 = 1.0 - cfg.beta2.powi(step as i32);
        let denom = ((&m2 / c2)?.sqrt()? + 1e-8)?;
        let update = ((&m1 / c1)? / denom)?;
        w.set(&(w.as_tensor() - (update * cfg.learning_rate)?)?)?;
    }
    let weights = w.as_tensor().flatten_all()?.to_vec1::<f64>()?;
    log::debug!("linear baseline: weights {weights:?}, final loss {:?}", loss_history.last());
    Ok(LinearModel {
        mean,
        scale,
        weights,
        loss_history,
        train_seconds: start.elapsed().as_secs_f64(),
    })
}

impl LinearModel {
    /// The score `sigmoid(w . z)` of every event.
    pub fn score(&self, s: &Samples) -> Result<Vec<f64>, BaselineError> {
        if s.features() != self.weights.len() {
            return Err(BaselineError::FeatureCount {
                trained: self.weights.len(),
                given: s.features(),
            });
        }
        Ok((0..s.len())
            .map(|i| {
                let t: f64 = s
                    .row(i)
                    .iter()
                    .zip(&self.mean)
                    .zip(&self.scale)
                    .zip(&self.weights)
                    .map(|(((v, m), sd), w)| w * (v - m) / sd)
                    .sum();
                1.0 / (1.0 + (-t).exp())
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testdata::blobs;
    use super::*;

    #[test]
    fn beats_random_and_learns_the_directions() {
        let (x, y, w) = blobs(2000, 7);
        let s = Samples::new(&x, 3, &y, &w).unwrap();
        let model = train_linear(&s, &LinearConfig { epochs: 150, ..Default::default() }).unwrap();
        // Signal sits higher in feature 0 and lower in feature 1; feature 2 is noise.
        assert!(model.weights[0] > 0.3, "{:?}", model.weights);
        assert!(model.weights[1] < -0.3, "{:?}", model.weights);
        assert!(model.weights[2].abs() < 0.2, "{:?}", model.weights);
        let first = model.loss_history[0];
        let last = *model.loss_history.last().unwrap();
        assert!((first - std::f64::consts::LN_2).abs() < 1e-12, "BCE at w = 0 is ln 2");
        assert!(last < first - 0.1, "loss {first} -> {last}");

        let (xt, yt, wt) = blobs(2000, 8);
        let test = Samples::new(&xt, 3, &yt, &wt).unwrap();
        let auc = test.roc(&model.score(&test).unwrap()).unwrap().auc().unwrap();
        assert!(auc > 0.8, "test AUC {auc}");
    }

    #[test]
    fn one_class_only_is_an_error() {
        let s = Samples::new(&[1.0, 2.0], 1, &[true, true], &[1.0, 1.0]).unwrap();
        let e = train_linear(&s, &LinearConfig::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "training set has no background events, expected both signal and background"
        );
    }

    #[test]
    fn scoring_other_feature_count_is_an_error() {
        let (x, y, w) = blobs(100, 1);
        let s = Samples::new(&x, 3, &y, &w).unwrap();
        let model = train_linear(&s, &LinearConfig { epochs: 2, ..Default::default() }).unwrap();
        let other = Samples::new(&x[..200], 2, &y, &w).unwrap();
        assert!(matches!(model.score(&other), Err(BaselineError::FeatureCount { .. })));
    }
}
