//! Expected discovery significance of a selection, in plain numbers and as a candle loss term.
//!
//! Yields: `s = lumi * xsec_sig * W_sig * eff_sig` and `b = lumi * xsec_bkg * W_bkg * eff_bkg`,
//! where `W_sig`, `W_bkg` are the class weight totals of the *whole* sample (both splits), so a
//! yield does not depend on which split it was measured on; `xsec_*` is a per-sample factor on
//! the event weights (cross-section over generated events, 1 when the weights are already
//! yields). With `r = sigma_b / b` the relative background uncertainty (`--bkg-uncertainty`):
//!
//! ```text
//! Z0 = sqrt(2 ((s + b) ln(1 + s/b) - s))                                       r = 0
//! Z  = sqrt(2 [(s + b) ln((s + b)(b + sigma^2) / (b^2 + (s + b) sigma^2))
//!              - (b^2 / sigma^2) ln(1 + sigma^2 s / (b (b + sigma^2)))])        sigma = r b
//! ```
//!
//! With `sigma = r b`, `x = s / b`, `u = r^2 s / (1 + r^2 b)` and `K = (1 + r^2 b) / r^2` the
//! second form is `Z^2 / 2 = F = b h(x) - K h(u)` with `h(x) = (1 + x) ln(1 + x) - x` (and
//! `F = b h(x)` for `r = 0`, the Asimov `Z0`); the derivatives are `dF/ds = ln(1 + x) - ln(1 +
//! u)` and `dF/db = m(x) - m(u)`, `m(x) = ln(1 + x) - x`. `h` and `m` use their Taylor series
//! for `|x| < 0.01`, so small signals over large backgrounds do not cancel: `Z` agrees with
//! the issue's formula to 1e-9 relative where that formula is itself accurate, and `dZ/ds`,
//! `dZ/db` agree with central finite differences to 1e-6 relative (tests below).
//!
//! Guards: a negative `s` (negative event weights) counts as 0 (then `Z = 0`); `b` is raised to
//! [`Significance::min_bkg`] (default [`DEFAULT_MIN_BKG`] = 1 expected event), because the
//! asymptotic formulas diverge as `b -> 0` and are not trustworthy below about one background
//! event; below the floor `dZ/db = 0`, so a tighter cut is never rewarded for removing
//! background that is already under one event.
//!
//! The training term is `-beta * sum_e ln Z_e` ([`significance_loss`]): the logarithm makes
//! the gradient independent of the luminosity in the large-`b` limit (`Z0 ~ s / sqrt(b)` scales
//! as `sqrt(lumi)`), so the same `beta` works for any `--lumi`. It replaces the `beta * eff_bkg`
//! term of [`crate::loss`]; the target term still pins each working point's signal efficiency.

use std::sync::Arc;

use candle_core::{DType, Tensor};

use crate::kernel::{Precision, Prepared};
use crate::loss::{loss_from_sums, LossParts, LossWeights};
use crate::op::CabinSums;

/// The default floor on the background yield: one expected event.
pub const DEFAULT_MIN_BKG: f64 = 1.0;

/// Why significance settings were rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SignificanceError {
    /// A setting outside its range.
    #[error("invalid significance setting {name} = {value}: expected {expected}")]
    Setting {
        /// The setting.
        name: &'static str,
        /// Its value.
        value: f64,
        /// What was expected.
        expected: &'static str,
    },
}

fn setting(
    name: &'static str,
    value: f64,
    ok: bool,
    expected: &'static str,
) -> Result<(), SignificanceError> {
    if ok {
        Ok(())
    } else {
        Err(SignificanceError::Setting { name, value, expected })
    }
}

/// What the training loss rewards besides hitting each target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ObjectiveKind {
    /// `beta * eff_bkg` (the paper).
    #[default]
    Efficiency,
    /// `-beta * ln Z` ([`significance_loss`]).
    Significance,
}

/// Every significance setting of a run, as recorded in the cut file's `config`.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SignificanceSettings {
    /// The formula and its guards.
    pub formula: Significance,
    /// How yields are formed.
    pub yields: Yields,
}

impl SignificanceSettings {
    /// Checks both parts.
    pub fn validate(self) -> Result<SignificanceSettings, SignificanceError> {
        Ok(SignificanceSettings {
            formula: self.formula.validate()?,
            yields: self.yields.validate()?,
        })
    }

    /// The loss's [`Objective`] for samples with whole-sample weight totals `w_sig`, `w_bkg`.
    pub fn objective(&self, w_sig: f64, w_bkg: f64) -> Objective {
        let (sig_norm, bkg_norm) = self.yields.of(1.0, 1.0, w_sig, w_bkg);
        Objective { significance: self.formula, sig_norm, bkg_norm }
    }
}

/// How yields are formed from weighted efficiencies.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Yields {
    /// Integrated luminosity multiplying every event weight.
    pub lumi: f64,
    /// Per-event weight factor of the signal sample (cross-section / generated events).
    pub xsec_sig: f64,
    /// Per-event weight factor of the background sample.
    pub xsec_bkg: f64,
}

impl Default for Yields {
    fn default() -> Self {
        Yields { lumi: 1.0, xsec_sig: 1.0, xsec_bkg: 1.0 }
    }
}

impl Yields {
    /// Checks every factor is positive and finite.
    pub fn validate(self) -> Result<Yields, SignificanceError> {
        for (name, v) in
            [("lumi", self.lumi), ("xsec_sig", self.xsec_sig), ("xsec_bkg", self.xsec_bkg)]
        {
            setting(name, v, v.is_finite() && v > 0.0, "a positive finite number")?;
        }
        Ok(self)
    }

    /// `(s, b)` for efficiencies `(eff_sig, eff_bkg)` of samples with total weights
    /// `(w_sig, w_bkg)`.
    pub fn of(&self, eff_sig: f64, eff_bkg: f64, w_sig: f64, w_bkg: f64) -> (f64, f64) {
        (self.lumi * self.xsec_sig * w_sig * eff_sig, self.lumi * self.xsec_bkg * w_bkg * eff_bkg)
    }
}

/// The significance formula and its guards.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Significance {
    /// Relative background uncertainty `r = sigma_b / b` (0 = Asimov `Z0`).
    pub bkg_uncertainty: f64,
    /// Background yields below this are raised to it.
    pub min_bkg: f64,
}

impl Default for Significance {
    fn default() -> Self {
        Significance { bkg_uncertainty: 0.0, min_bkg: DEFAULT_MIN_BKG }
    }
}

/// `Z` and its partial derivatives.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ZGrad {
    /// The significance.
    pub z: f64,
    /// `dZ/ds`.
    pub dz_ds: f64,
    /// `dZ/db` (0 below the background floor).
    pub dz_db: f64,
}

impl Significance {
    /// Checks `r >= 0` and the floor positive, both finite.
    pub fn validate(self) -> Result<Significance, SignificanceError> {
        let r = self.bkg_uncertainty;
        setting("bkg_uncertainty", r, r.is_finite() && r >= 0.0, "a finite fraction >= 0")?;
        let m = self.min_bkg;
        setting("min_bkg", m, m.is_finite() && m > 0.0, "a positive finite yield")?;
        Ok(self)
    }

    /// `Z` for signal yield `s` and background yield `b` (guards applied).
    pub fn z(&self, s: f64, b: f64) -> f64 {
        self.z_grad(s, b).z
    }

    /// `Z`, `dZ/ds` and `dZ/db` (guards applied; see the module documentation).
    pub fn z_grad(&self, s: f64, b: f64) -> ZGrad {
        let floored = b.is_nan() || b < self.min_bkg;
        let b = if floored { self.min_bkg } else { b };
        if !s.is_finite() || s <= 0.0 {
            return ZGrad { z: 0.0, dz_ds: 0.0, dz_db: 0.0 };
        }
        // x = s / b, u = r^2 s / (1 + r^2 b), K = (1 + r^2 b) / r^2 (so K u = s):
        // F = b h(x) - K h(u), dF/ds = ln(1 + x) - ln(1 + u), dF/db = m(x) - m(u), with
        // h(x) = (1 + x) ln(1 + x) - x and m(x) = ln(1 + x) - x; r = 0 drops the u terms.
        let r2 = self.bkg_uncertainty * self.bkg_uncertainty;
        let x = s / b;
        let (f, df_ds, df_db) = if r2 == 0.0 {
            (b * h(x), x.ln_1p(), m(x))
        } else {
            let k = (1.0 + r2 * b) / r2;
            let u = s / k;
            (b * h(x) - k * h(u), x.ln_1p() - u.ln_1p(), m(x) - m(u))
        };
        let z = (2.0 * f).max(0.0).sqrt();
        if !z.is_finite() || z <= 0.0 {
            return ZGrad { z: 0.0, dz_ds: 0.0, dz_db: 0.0 };
        }
        ZGrad { z, dz_ds: df_ds / z, dz_db: if floored { 0.0 } else { df_db / z } }
    }
}

/// `h(x) = (1 + x) ln(1 + x) - x`, by its series `sum_{k>=2} (-x)^k / (k (k - 1))` for small
/// `x` (where the direct form cancels).
fn h(x: f64) -> f64 {
    if x.abs() < 1e-2 {
        series(x, 2)
    } else {
        (1.0 + x) * x.ln_1p() - x
    }
}

/// `m(x) = ln(1 + x) - x`, by its series `-sum_{k>=2} (-x)^k / k` for small `x`.
fn m(x: f64) -> f64 {
    if x.abs() < 1e-2 {
        series(x, 1)
    } else {
        x.ln_1p() - x
    }
}

/// `kind = 2`: `sum_{k>=2} (-x)^k / (k (k - 1))`; `kind = 1`: `-sum_{k>=2} (-x)^k / k`. Eight
/// terms are exact to f64 for `|x| < 1e-2`.
fn series(x: f64, kind: u8) -> f64 {
    let mut p = x * x;
    let mut acc = 0.0;
    for k in 2..10 {
        let kf = k as f64;
        acc += if kind == 2 { p / (kf * (kf - 1.0)) } else { -p / kf };
        p *= -x;
    }
    acc
}

/// The working point with the largest `Z` among those whose signal yield is at least
/// `min_signal`: `(index, Z)`, or `None` if no point qualifies. `yields[p] = (s, b)`.
pub fn best_point(
    yields: &[(f64, f64)],
    sig: &Significance,
    min_signal: f64,
) -> Option<(usize, f64)> {
    yields
        .iter()
        .enumerate()
        .filter(|(_, (s, _))| *s >= min_signal)
        .map(|(p, &(s, b))| (p, sig.z(s, b)))
        .filter(|(_, z)| z.is_finite())
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// The significance objective's settings as the loss needs them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Objective {
    /// The formula and guards.
    pub significance: Significance,
    /// `lumi * xsec_sig * W_sig` of the whole sample: `s = sig_norm * eff_sig`.
    pub sig_norm: f64,
    /// `lumi * xsec_bkg * W_bkg` of the whole sample: `b = bkg_norm * eff_bkg`.
    pub bkg_norm: f64,
}

/// The CABIN loss with `-beta * sum_e ln Z_e` in place of `beta * sum_e eff_bkg`.
///
/// Every other term is [`crate::loss::loss_from_sums`]'s; the returned `backg` part is the
/// significance term (negative: a larger `Z` lowers the loss).
pub fn significance_loss(
    events: &Arc<Prepared>,
    precision: Precision,
    biases: &Tensor,
    targets: &[f64],
    w: &LossWeights,
    obj: &Objective,
) -> candle_core::Result<LossParts> {
    let sums = CabinSums::new(events.clone(), precision).apply(biases)?;
    let totals = [events.sum_sig(), events.sum_bkg(), events.sum_sig() + events.sum_bkg()];
    let no_bkg = LossWeights { beta: 0.0, ..*w };
    let mut parts = loss_from_sums(&sums, biases, targets, events.directions(), totals, &no_bkg)?;
    let z = z_term(&parts.eff_sig, &parts.eff_bkg, w.beta, obj)?;
    parts.total = (&parts.total - &parts.backg)?.add(&z)?;
    parts.backg = z;
    Ok(parts)
}

/// `Z` below this counts as this in `ln Z`, with no gradient (a working point that lost all its
/// signal is pulled back by the target term alone).
pub const Z_FLOOR: f64 = 1e-6;

/// `-beta * sum_e ln Z_e` from soft efficiency tensors (`E`-vectors), for autograd.
///
/// The value and first derivatives are the exact ones of [`Significance::z_grad`] (f64, with the
/// cancellation-free series); the tensor is their linearisation at the current efficiencies,
/// `sum_e (g_e * eff_sig_e + k_e * eff_bkg_e) + const`, so candle's backward gives exactly the
/// analytic gradient while the value is the exact `-beta * sum ln Z`.
pub fn z_term(
    eff_sig: &Tensor,
    eff_bkg: &Tensor,
    beta: f64,
    obj: &Objective,
) -> candle_core::Result<Tensor> {
    let es: Vec<f64> = eff_sig.to_dtype(DType::F64)?.to_vec1()?;
    let eb: Vec<f64> = eff_bkg.to_dtype(DType::F64)?.to_vec1()?;
    let (mut gs, mut gb, mut constant) = (Vec::new(), Vec::new(), 0.0);
    for (&a, &c) in es.iter().zip(&eb) {
        let g = obj.significance.z_grad(obj.sig_norm * a, obj.bkg_norm * c);
        let (lnz, ds, db) = if g.z > Z_FLOOR {
            (g.z.ln(), g.dz_ds / g.z * obj.sig_norm, g.dz_db / g.z * obj.bkg_norm)
        } else {
            (Z_FLOOR.ln(), 0.0, 0.0)
        };
        let (ds, db) = (-beta * ds, -beta * db);
        constant += -beta * lnz - ds * a - db * c;
        gs.push(ds);
        gb.push(db);
    }
    let (dev, dt, n) = (eff_sig.device(), eff_sig.dtype(), es.len());
    let gs = Tensor::from_vec(gs, n, dev)?.to_dtype(dt)?;
    let gb = Tensor::from_vec(gb, n, dev)?.to_dtype(dt)?;
    let lin = ((eff_sig * gs)?.sum_all()? + (eff_bkg * gb)?.sum_all()?)?;
    lin.affine(1.0, constant)
}

/// `Z` per working point from soft efficiency tensors, as numbers.
pub fn z_values(
    eff_sig: &Tensor,
    eff_bkg: &Tensor,
    obj: &Objective,
) -> candle_core::Result<Vec<f64>> {
    let s: Vec<f64> = eff_sig.to_dtype(DType::F64)?.to_vec1()?;
    let b: Vec<f64> = eff_bkg.to_dtype(DType::F64)?.to_vec1()?;
    Ok(s.iter()
        .zip(&b)
        .map(|(&s, &b)| obj.significance.z(obj.sig_norm * s, obj.bkg_norm * b))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Var};

    /// The issue's formula written out without simplification.
    fn z_issue(s: f64, b: f64, r: f64) -> f64 {
        let sg2 = (r * b) * (r * b);
        let a = (s + b) * ((s + b) * (b + sg2) / (b * b + (s + b) * sg2)).ln();
        let c = (b * b / sg2) * (1.0 + sg2 * s / (b * (b + sg2))).ln();
        (2.0 * (a - c)).sqrt()
    }

    fn sig(r: f64) -> Significance {
        Significance { bkg_uncertainty: r, min_bkg: 1e-3 }
    }

    #[test]
    fn z0_matches_hand_computed_values() {
        // s = 10, b = 100: 2 (110 ln 1.1 - 10) = 0.968239558..., sqrt = 0.983991644...
        let z = sig(0.0).z(10.0, 100.0);
        assert!((z - 0.983_991_644_8).abs() < 1e-9, "{z}");
        // s = 5, b = 1: 2 (6 ln 6 - 5) = 11.501114..., sqrt = 3.391329...
        let z = sig(0.0).z(5.0, 1.0);
        assert!((z - 3.391_329_2).abs() < 1e-6, "{z}");
        // large b: Z0 -> s / sqrt(b)
        let z = sig(0.0).z(10.0, 1e8);
        assert!((z - 1e-3).abs() < 1e-9, "{z}");
    }

    #[test]
    fn z_with_uncertainty_matches_the_issue_formula_and_hand_values() {
        for &(s, b, r) in &[(10.0, 100.0, 0.1), (3.0, 7.0, 0.3), (50.0, 2.0, 0.5), (1.0, 1e4, 0.05)]
        {
            let want = z_issue(s, b, r);
            let got = sig(r).z(s, b);
            assert!(
                (got - want).abs() < 1e-9 * want.max(1.0),
                "s={s} b={b} r={r}: {got} vs {want}"
            );
        }
        // s = 10, b = 100, sigma = 10: 2 [110 ln(110*200/(10000+11000)) - 100 ln(1 + 1000/20000)]
        // = 2 [110 * 0.0465200156 - 100 * 0.0487901642] = 0.4763702..., sqrt = 0.6901961...
        let z = sig(0.1).z(10.0, 100.0);
        assert!((z - 0.690_196_1).abs() < 1e-6, "{z}");
        // r -> 0 tends to Z0; uncertainty always lowers Z.
        let z0 = sig(0.0).z(10.0, 100.0);
        assert!((sig(1e-4).z(10.0, 100.0) - z0).abs() < 1e-6);
        assert!(sig(0.3).z(10.0, 100.0) < sig(0.1).z(10.0, 100.0));
    }

    #[test]
    fn gradient_matches_finite_differences() {
        for r in [0.0, 0.1, 0.3] {
            for &(s, b) in &[(10.0, 100.0), (3.0, 7.0), (50.0, 2.0), (0.5, 300.0)] {
                let g = sig(r).z_grad(s, b);
                let h = 1e-5;
                let ds = (sig(r).z(s + h, b) - sig(r).z(s - h, b)) / (2.0 * h);
                let db = (sig(r).z(s, b + h) - sig(r).z(s, b - h)) / (2.0 * h);
                assert!((g.dz_ds - ds).abs() < 1e-6 * ds.abs().max(1e-3), "r={r} s={s} b={b}");
                assert!((g.dz_db - db).abs() < 1e-6 * db.abs().max(1e-3), "r={r} s={s} b={b}");
                assert!(g.dz_ds > 0.0 && g.dz_db < 0.0);
            }
        }
    }

    #[test]
    fn background_floor_and_negative_signal_are_guarded() {
        let s = Significance { bkg_uncertainty: 0.2, min_bkg: 1.0 };
        // b below the floor counts as the floor, and gives no reward for lowering b further.
        assert_eq!(s.z(4.0, 0.0), s.z(4.0, 1.0));
        assert_eq!(s.z(4.0, 1e-30), s.z(4.0, 1.0));
        assert_eq!(s.z_grad(4.0, 0.5).dz_db, 0.0);
        assert!(s.z(4.0, 0.0).is_finite());
        assert_eq!(s.z(-3.0, 10.0), 0.0);
        assert_eq!(s.z(0.0, 10.0), 0.0);
        assert!(s.z(f64::NAN, 10.0) == 0.0);
        assert!(Significance { bkg_uncertainty: -0.1, min_bkg: 1.0 }.validate().is_err());
        assert!(Significance { bkg_uncertainty: 0.1, min_bkg: 0.0 }.validate().is_err());
        assert!(Yields { lumi: 0.0, ..Yields::default() }.validate().is_err());
    }

    #[test]
    fn z_term_value_and_autograd_match_the_scalar_form() {
        let dev = Device::Cpu;
        let es = vec![0.1, 0.5, 0.9, 1e-9];
        let eb = vec![0.001, 0.02, 0.3, 0.5];
        for r in [0.0, 0.2] {
            let obj = Objective {
                significance: Significance { bkg_uncertainty: r, min_bkg: 1.0 },
                sig_norm: 200.0,
                bkg_norm: 5000.0,
            };
            let beta = 0.7;
            let total = |es: &[f64], eb: &[f64]| -> f64 {
                es.iter()
                    .zip(eb)
                    .map(|(&a, &c)| {
                        let z = obj.significance.z(obj.sig_norm * a, obj.bkg_norm * c);
                        -beta * z.max(Z_FLOOR).ln()
                    })
                    .sum()
            };
            let s = Var::from_vec(es.clone(), 4, &dev).unwrap();
            let b = Var::from_vec(eb.clone(), 4, &dev).unwrap();
            let t = z_term(s.as_tensor(), b.as_tensor(), beta, &obj).unwrap();
            let v = t.to_scalar::<f64>().unwrap();
            assert!((v - total(&es, &eb)).abs() < 1e-12, "r={r}: {v}");
            let grads = t.backward().unwrap();
            let gs: Vec<f64> = grads.get(s.as_tensor()).unwrap().to_vec1().unwrap();
            let gb: Vec<f64> = grads.get(b.as_tensor()).unwrap().to_vec1().unwrap();
            // Finite differences of the scalar form (the last point is below Z_FLOOR: 0).
            for i in 0..4 {
                let h = 1e-7;
                let bump = |v: &[f64], d: f64| -> Vec<f64> {
                    let mut v = v.to_vec();
                    v[i] += d;
                    v
                };
                let fs = (total(&bump(&es, h), &eb) - total(&bump(&es, -h), &eb)) / (2.0 * h);
                let fb = (total(&es, &bump(&eb, h)) - total(&es, &bump(&eb, -h))) / (2.0 * h);
                assert!(
                    (gs[i] - fs).abs() < 1e-5 * fs.abs().max(1.0),
                    "r={r} i={i}: {} {fs}",
                    gs[i]
                );
                assert!(
                    (gb[i] - fb).abs() < 1e-5 * fb.abs().max(1.0),
                    "r={r} i={i}: {} {fb}",
                    gb[i]
                );
            }
            assert_eq!((gs[3], gb[3]), (0.0, 0.0));
        }
    }

    #[test]
    fn best_point_respects_the_minimum_signal_yield() {
        let sig = Significance { bkg_uncertainty: 0.0, min_bkg: 1.0 };
        let yields = [(2.0, 1.0), (10.0, 20.0), (30.0, 400.0)];
        // Z = 1.61, 2.08, 1.48: the middle point wins without a minimum.
        assert_eq!(best_point(&yields, &sig, 0.0).map(|p| p.0), Some(1));
        assert_eq!(best_point(&yields, &sig, 20.0).map(|p| p.0), Some(2));
        assert_eq!(best_point(&yields, &sig, 100.0), None);
    }
}
