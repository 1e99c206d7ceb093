//! The CABIN loss as candle tensor operations on top of the fused sums.
//!
//! With `E` working points (targets `t_e`, sorted), `m` features, biases `b` (`E x m`), cuts
//! `c = -b / s` (`s_k = +/-1` the direction) and the kernel's sums (see [`crate::op`]):
//!
//! ```text
//! eff_sig_e = sig_e / W_sig          eff_bkg_e = bkg_e / W_bkg       BCE_e = bce_e / W
//! effic  = alpha * sum_e (t_e - eff_sig_e)^2
//! backg  = beta  * sum_e eff_bkg_e
//! cutsz  = gamma / m * sum_{e,k} b_ek^2
//! bce    = delta * sum_e BCE_e
//! smooth = eps * R
//! total  = effic + backg + cutsz + bce + smooth
//! ```
//!
//! `W_sig`, `W_bkg`, `W` are the class and total weight sums, so with weighted events every
//! mean (the efficiencies and the BCE) is a weighted mean; the reference is unweighted, where
//! this is the plain mean of PyTorch's `BCELoss`. The smoothness `R` over the inner targets
//! `i = 1..E-2` ([`Smoothness`]):
//!
//! - `paper`: `sum_{i,k} (c_i - (c_{i+1} + c_{i-1}) / 2)^2 / ((c_{i+1} - c_{i-1})^2 + rho)`
//!   divided by `(E - 2) * m`;
//! - `wheel` (cabin 0.3.3): the numerator uses the linear interpolation of the neighbours at
//!   `t_i` instead of their mean, and the sum is divided by `E`.
//!
//! With fewer than three targets `R = 0`.

use std::sync::Arc;

use candle_core::{DType, Tensor};
use serde::{Deserialize, Serialize};

use crate::kernel::{Precision, Prepared};
use crate::op::CabinSums;

/// Which smoothness term.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Smoothness {
    /// The paper's form (default).
    #[default]
    Paper,
    /// The cabin 0.3.3 form (compatibility option).
    Wheel,
}

/// The loss weights.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LossWeights {
    /// Weight of the squared miss of the target efficiency.
    pub alpha: f64,
    /// Weight of the background efficiency.
    pub beta: f64,
    /// Weight of the cut-size term.
    pub gamma: f64,
    /// Weight of the BCE term.
    pub delta: f64,
    /// Weight of the smoothness term.
    pub eps: f64,
    /// Regulariser of the smoothness denominator.
    pub rho: f64,
    /// Which smoothness term.
    pub smoothness: Smoothness,
}

impl Default for LossWeights {
    fn default() -> Self {
        LossWeights {
            alpha: 10.0,
            beta: 0.1,
            gamma: 1e-5,
            delta: 1e-3,
            eps: 1.0,
            rho: 0.1,
            smoothness: Smoothness::Paper,
        }
    }
}

/// The loss and its parts as scalar tensors, plus the soft efficiencies (`E`-vectors).
#[derive(Debug, Clone)]
pub struct LossParts {
    /// The total (backpropagate this).
    pub total: Tensor,
    /// `alpha * sum (t - eff_sig)^2`.
    pub effic: Tensor,
    /// `beta * sum eff_bkg`.
    pub backg: Tensor,
    /// `gamma / m * sum b^2`.
    pub cutsz: Tensor,
    /// `delta * sum BCE`.
    pub bce: Tensor,
    /// `eps * R`.
    pub smooth: Tensor,
    /// Soft signal efficiency per working point.
    pub eff_sig: Tensor,
    /// Soft background efficiency per working point.
    pub eff_bkg: Tensor,
}

impl LossParts {
    /// The parts as numbers: `[total, effic, backg, cutsz, smooth, bce]`.
    pub fn values(&self) -> candle_core::Result<[f64; 6]> {
        let v = |t: &Tensor| t.to_dtype(DType::F64)?.to_scalar::<f64>();
        Ok([
            v(&self.total)?,
            v(&self.effic)?,
            v(&self.backg)?,
            v(&self.cutsz)?,
            v(&self.smooth)?,
            v(&self.bce)?,
        ])
    }
}

/// The loss for `biases` (`E x m`, a candle `Var` or any tensor) on `events`, with `targets`
/// sorted ascending (length `E`).
pub fn loss(
    events: &Arc<Prepared>,
    precision: Precision,
    biases: &Tensor,
    targets: &[f64],
    w: &LossWeights,
) -> candle_core::Result<LossParts> {
    let sums = CabinSums::new(events.clone(), precision).apply(biases)?;
    let totals = [events.sum_sig(), events.sum_bkg(), events.sum_sig() + events.sum_bkg()];
    loss_from_sums(&sums, biases, targets, events.directions(), totals, w)
}

/// The loss from the `(E, 3)` sums tensor (see [`crate::op`]); `totals` are
/// `(W_sig, W_bkg, W)`. Shared by the fused op and the unfused reference.
pub fn loss_from_sums(
    sums: &Tensor,
    biases: &Tensor,
    targets: &[f64],
    directions: &[f64],
    totals: [f64; 3],
    w: &LossWeights,
) -> candle_core::Result<LossParts> {
    let (points, m) = biases.dims2()?;
    let dev = biases.device();
    let dt = biases.dtype();
    if targets.len() != points || directions.len() != m {
        return Err(candle_core::Error::Msg(format!(
            "loss: {} targets and {} directions for biases of shape ({points}, {m})",
            targets.len(),
            directions.len()
        )));
    }
    let eff_sig = sums.narrow(1, 0, 1)?.squeeze(1)?.affine(1.0 / totals[0], 0.0)?;
    let eff_bkg = sums.narrow(1, 1, 1)?.squeeze(1)?.affine(1.0 / totals[1], 0.0)?;
    let bce_mean = sums.narrow(1, 2, 1)?.squeeze(1)?.affine(1.0 / totals[2], 0.0)?;
    let t = Tensor::from_vec(targets.to_vec(), points, dev)?.to_dtype(dt)?;

    let effic = (t - &eff_sig)?.sqr()?.sum_all()?.affine(w.alpha, 0.0)?;
    let backg = eff_bkg.sum_all()?.affine(w.beta, 0.0)?;
    let cutsz = biases.sqr()?.sum_all()?.affine(w.gamma / m as f64, 0.0)?;
    let bce = bce_mean.sum_all()?.affine(w.delta, 0.0)?;
    let smooth = smoothness(biases, targets, directions, w)?.affine(w.eps, 0.0)?;
    let total = ((((&effic + &backg)? + &cutsz)? + &bce)? + &smooth)?;
    Ok(LossParts { total, effic, backg, cutsz, bce, smooth, eff_sig, eff_bkg })
}

/// The smoothness term `R` (without `eps`), a scalar tensor.
pub fn smoothness(
    biases: &Tensor,
    targets: &[f64],
    directions: &[f64],
    w: &LossWeights,
) -> candle_core::Result<Tensor> {
    let (points, m) = biases.dims2()?;
    let dev = biases.device();
    let dt = biases.dtype();
    if points < 3 {
        return Tensor::zeros((), dt, dev);
    }
    let inner = points - 2;
    // c = -b / s = -b * s for s = +/-1.
    let neg_s: Vec<f64> = directions.iter().map(|s| -s).collect();
    let neg_s = Tensor::from_vec(neg_s, (1, m), dev)?.to_dtype(dt)?;
    let c = biases.broadcast_mul(&neg_s)?;
    let prev = c.narrow(0, 0, inner)?;
    let mid = c.narrow(0, 1, inner)?;
    let next = c.narrow(0, 2, inner)?;
    let span = (&next - &prev)?;
    let (centre, norm) = match w.smoothness {
        Smoothness::Paper => (((&next + &prev)? * 0.5)?, (inner * m) as f64),
        Smoothness::Wheel => {
            let lam: Vec<f64> = (1..points - 1)
                .map(|i| (targets[i] - targets[i - 1]) / (targets[i + 1] - targets[i - 1]))
                .collect();
            let lam = Tensor::from_vec(lam, (inner, 1), dev)?.to_dtype(dt)?;
            ((&prev + span.broadcast_mul(&lam)?)?, points as f64)
        }
    };
    let num = (mid - centre)?.sqr()?;
    let den = span.sqr()?.affine(1.0, w.rho)?;
    (num / den)?.sum_all()?.affine(1.0 / norm, 0.0)
}

/// The same sums as the fused op, computed with plain candle tensor operations (no custom op):
/// the reference the op's gradient is tested against. `x` is `(n, m)` standardised, `y` and
/// `weights` `(n,)`, all of the bias dtype. Uses `ln(sigmoid)` sums for the scores' logs, so
/// it matches the fused op where no BCE log clamp is active.
pub fn unfused_sums(
    x: &Tensor,
    y: &Tensor,
    weights: &Tensor,
    biases: &Tensor,
    directions: &[f64],
    steepness: f64,
) -> candle_core::Result<Tensor> {
    let (_, m) = x.dims2()?;
    let (points, _) = biases.dims2()?;
    let s = Tensor::from_vec(directions.to_vec(), (1, m), x.device())?.to_dtype(x.dtype())?;
    let xs = x.broadcast_mul(&s)?; // (n, m)
    let mut rows = Vec::with_capacity(points);
    for e in 0..points {
        let b = biases.narrow(0, e, 1)?; // (1, m)
        let z = xs.broadcast_add(&b)?.affine(steepness, 0.0)?; // (n, m)
                                                               // sigmoid(z) = 1 / (1 + exp(-z))
        let sig = (z.neg()?.exp()? + 1.0)?.recip()?;
        let score = sig.log()?.sum(1)?.exp()?; // (n,)
        let ws = (&score * weights)?;
        let sig_sum = (&ws * y)?.sum_all()?;
        let bkg_sum = (&ws - (&ws * y)?)?.sum_all()?;
        let l_sig = score.log()?.neg()?;
        let l_bkg = score.neg()?.affine(1.0, 1.0)?.log()?.neg()?;
        let l = ((&l_sig * y)? + (l_bkg * y.neg()?.affine(1.0, 1.0)?)?)?;
        let bce = (l * weights)?.sum_all()?;
        rows.push(Tensor::stack(&[sig_sum, bkg_sum, bce], 0)?);
    }
    Tensor::stack(&rows, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    /// A small problem where no score gets near the BCE clamps.
    fn problem() -> (Vec<Vec<f64>>, Vec<bool>, Vec<f64>, Vec<f64>) {
        let n = 200;
        let mut s = 11u64;
        let mut next = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 11) as f64) / ((1u64 << 53) as f64)
        };
        let y: Vec<bool> = (0..n).map(|i| i % 3 != 0).collect();
        let cols = (0..3)
            .map(|k| {
                (0..n).map(|i| next() - 0.5 + if y[i] { 0.1 * k as f64 } else { 0.0 }).collect()
            })
            .collect();
        let w = (0..n).map(|_| 0.5 + next()).collect();
        (cols, y, w, vec![1.0, -1.0, 1.0])
    }

    fn grads(dt: DType, precision: Precision, fused: bool) -> Vec<f64> {
        let (cols, y, w, dirs) = problem();
        let steep = 3.0;
        let events = Arc::new(Prepared::new(&cols, &y, &w, &dirs, steep).unwrap());
        let targets = [0.2, 0.5, 0.7, 0.9];
        let b0: Vec<f64> = (0..12).map(|i| 0.05 * i as f64 - 0.2).collect();
        let dev = Device::Cpu;
        let b = Var::from_vec(b0, (4, 3), &dev).unwrap();
        let b = Var::from_tensor(&b.as_tensor().to_dtype(dt).unwrap()).unwrap();
        let lw = LossWeights { delta: 0.5, ..LossWeights::default() };
        let parts = if fused {
            loss(&events, precision, b.as_tensor(), &targets, &lw).unwrap()
        } else {
            let n = y.len();
            let flat: Vec<f64> = (0..n).flat_map(|i| cols.iter().map(move |c| c[i])).collect();
            let x = Tensor::from_vec(flat, (n, 3), &dev).unwrap().to_dtype(dt).unwrap();
            let yt: Vec<f64> = y.iter().map(|&s| if s { 1.0 } else { 0.0 }).collect();
            let yt = Tensor::from_vec(yt, n, &dev).unwrap().to_dtype(dt).unwrap();
            let wt = Tensor::from_vec(w.clone(), n, &dev).unwrap().to_dtype(dt).unwrap();
            let sums = unfused_sums(&x, &yt, &wt, b.as_tensor(), &dirs, steep).unwrap();
            let ws: f64 = w.iter().zip(&y).filter(|(_, s)| **s).map(|(w, _)| w).sum();
            let wb: f64 = w.iter().zip(&y).filter(|(_, s)| !**s).map(|(w, _)| w).sum();
            loss_from_sums(&sums, b.as_tensor(), &targets, &dirs, [ws, wb, ws + wb], &lw).unwrap()
        };
        let g = parts.total.backward().unwrap();
        let g = g.get(b.as_tensor()).unwrap().to_dtype(DType::F64).unwrap();
        g.flatten_all().unwrap().to_vec1().unwrap()
    }

    fn max_rel(a: &[f64], b: &[f64]) -> f64 {
        let scale = b.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        a.iter().zip(b).map(|(x, y)| (x - y).abs() / scale).fold(0.0, f64::max)
    }

    #[test]
    fn fused_op_gradient_matches_plain_candle_autograd_f64() {
        let fused = grads(DType::F64, Precision::Exact, true);
        let plain = grads(DType::F64, Precision::Exact, false);
        let err = max_rel(&fused, &plain);
        assert!(err < 1e-10, "f64 fused vs unfused gradient: {err:e}");
    }

    #[test]
    fn fast_op_gradient_matches_plain_candle_autograd_f32() {
        let fused = grads(DType::F32, Precision::Fast, true);
        let plain = grads(DType::F64, Precision::Exact, false);
        let err = max_rel(&fused, &plain);
        assert!(err < 1e-6, "f32 fast fused vs unfused gradient: {err:e}");
    }

    #[test]
    fn smoothness_is_zero_for_straight_cuts() {
        let dev = Device::Cpu;
        // Cuts on a straight line in target for both features: wheel R = 0; evenly spaced
        // targets make the paper form 0 too.
        let b = Tensor::from_vec(vec![0.1, -0.2, 0.2, -0.4, 0.3, -0.6], (3, 2), &dev).unwrap();
        for sm in [Smoothness::Paper, Smoothness::Wheel] {
            let lw = LossWeights { smoothness: sm, ..LossWeights::default() };
            let r = smoothness(&b, &[0.1, 0.2, 0.3], &[1.0, -1.0], &lw).unwrap();
            assert!(r.to_scalar::<f64>().unwrap().abs() < 1e-15);
        }
        let bent = Tensor::from_vec(vec![0.1, 0.0, 0.5, 0.0, 0.3, 0.0], (3, 2), &dev).unwrap();
        let r = smoothness(&bent, &[0.1, 0.2, 0.3], &[1.0, 1.0], &LossWeights::default()).unwrap();
        // (0.5 - 0.2)^2 / (0.2^2 + 0.1) / (1 * 2)
        let want = 0.09 / 0.14 / 2.0;
        assert!((r.to_scalar::<f64>().unwrap() - want).abs() < 1e-12);
    }
}
