//! ROC curves: signal efficiency against background efficiency, from a score or from a scan.
//!
//! A point is `(eff_sig, eff_bkg)`, the weighted fractions of signal and background that pass.
//! From a score, the threshold is lowered through every distinct score value (events with equal
//! scores pass or fail together), so the curve runs from `(0, 0)` to `(1, 1)` and is monotone in
//! both coordinates. The AUC is the trapezoid integral of `eff_sig` over `eff_bkg`: 0.5 for a
//! random score, 1 for a perfect one. Reading `eff_bkg` at a given `eff_sig` interpolates
//! linearly between the two neighbouring points, which is the efficiency a randomised choice
//! between the two thresholds would reach; it is exact on the points.
//!
//! Weights are summed as given. Negative event weights are allowed (as in the loader), but
//! then a running efficiency can leave `[0, 1]`; it is clamped there, and the curve may not be
//! monotone, so its AUC is only indicative.

use serde::{Deserialize, Serialize};

/// One point of a ROC curve.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct RocPoint {
    /// Weighted fraction of signal passing.
    pub eff_sig: f64,
    /// Weighted fraction of background passing.
    pub eff_bkg: f64,
}

/// Why a ROC curve could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RocError {
    /// Scores, labels and weights differ in length.
    #[error("roc inputs differ in length: {scores} scores, {labels} labels, {weights} weights")]
    Length {
        /// Number of scores.
        scores: usize,
        /// Number of labels.
        labels: usize,
        /// Number of weights.
        weights: usize,
    },
    /// A score or weight is NaN or infinite.
    #[error("event {index} has a non-finite {what} ({value}), expected a finite number")]
    NotFinite {
        /// Event index.
        index: usize,
        /// `score` or `weight`.
        what: &'static str,
        /// The value found.
        value: f64,
    },
    /// One class has no positive total weight.
    #[error("total {class} weight is {total}, expected a positive sum")]
    EmptyClass {
        /// `signal` or `background`.
        class: &'static str,
        /// The total weight found.
        total: f64,
    },
}

/// A ROC curve, sorted by `eff_sig` then `eff_bkg`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Roc {
    /// The points, in path order.
    pub points: Vec<RocPoint>,
}

impl Roc {
    /// The curve of a score where higher means more signal-like (`labels[i]` true = signal).
    pub fn from_scores(scores: &[f64], labels: &[bool], weights: &[f64]) -> Result<Roc, RocError> {
        if scores.len() != labels.len() || scores.len() != weights.len() {
            return Err(RocError::Length {
                scores: scores.len(),
                labels: labels.len(),
                weights: weights.len(),
            });
        }
        for (i, (&s, &w)) in scores.iter().zip(weights).enumerate() {
            if !s.is_finite() {
                return Err(RocError::NotFinite { index: i, what: "score", value: s });
            }
            if !w.is_finite() {
                return Err(RocError::NotFinite { index: i, what: "weight", value: w });
            }
        }
        let (mut total_s, mut total_b) = (0.0, 0.0);
        for (&l, &w) in labels.iter().zip(weights) {
            if l {
                total_s += w;
            } else {
                total_b += w;
            }
        }
        if total_s <= 0.0 {
            return Err(RocError::EmptyClass { class: "signal", total: total_s });
        }
        if total_b <= 0.0 {
            return Err(RocError::EmptyClass { class: "background", total: total_b });
        }

        // Highest score first; each distinct score value is one threshold.
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
        let mut points = Vec::with_capacity(order.len() / 4 + 2);
        points.push(RocPoint { eff_sig: 0.0, eff_bkg: 0.0 });
        let (mut pass_s, mut pass_b) = (0.0, 0.0);
        for (k, &i) in order.iter().enumerate() {
            if labels[i] {
                pass_s += weights[i];
            } else {
                pass_b += weights[i];
            }
            let last_of_value = order.get(k + 1).is_none_or(|&j| scores[j] != scores[i]);
            if last_of_value {
                points.push(RocPoint {
                    eff_sig: (pass_s / total_s).clamp(0.0, 1.0),
                    eff_bkg: (pass_b / total_b).clamp(0.0, 1.0),
                });
            }
        }
        // Rounding in the running sums must not leave the curve short of (1, 1).
        if let Some(last) = points.last_mut() {
            *last = RocPoint { eff_sig: 1.0, eff_bkg: 1.0 };
        }
        Ok(Roc { points })
    }

    /// A curve through given points (e.g. the working points of a cut scan), sorted into path
    /// order; non-finite points are dropped. No end points are added: see [`Roc::with_ends`].
    pub fn from_points(points: impl IntoIterator<Item = RocPoint>) -> Roc {
        let mut points: Vec<RocPoint> =
            points.into_iter().filter(|p| p.eff_sig.is_finite() && p.eff_bkg.is_finite()).collect();
        points
            .sort_by(|a, b| a.eff_sig.total_cmp(&b.eff_sig).then(a.eff_bkg.total_cmp(&b.eff_bkg)));
        Roc { points }
    }

    /// The same curve closed with `(0, 0)` (reject everything) and `(1, 1)` (accept
    /// everything), which any selection can reach; used to give a scan an AUC.
    pub fn with_ends(&self) -> Roc {
        let mut pts = Vec::with_capacity(self.points.len() + 2);
        pts.push(RocPoint { eff_sig: 0.0, eff_bkg: 0.0 });
        pts.extend_from_slice(&self.points);
        pts.push(RocPoint { eff_sig: 1.0, eff_bkg: 1.0 });
        Roc::from_points(pts)
    }

    /// Area under the curve, `integral of eff_sig d(eff_bkg)` by trapezoids over the points as
    /// they are (0.5 = random, 1 = perfect for a curve from `(0, 0)` to `(1, 1)`); `None` with
    /// fewer than two points.
    pub fn auc(&self) -> Option<f64> {
        if self.points.len() < 2 {
            return None;
        }
        Some(
            self.points
                .windows(2)
                .map(|w| (w[1].eff_bkg - w[0].eff_bkg) * (w[1].eff_sig + w[0].eff_sig) / 2.0)
                .sum(),
        )
    }

    /// Background efficiency at a signal efficiency, interpolated linearly along the path;
    /// `None` when `eff_sig` is outside the curve's range.
    pub fn eff_bkg_at(&self, eff_sig: f64) -> Option<f64> {
        interpolate_bkg(&self.points, eff_sig)
    }

    /// A copy with at most about `max_steps` steps per axis plus every doubling of `eff_bkg`,
    /// for storing and plotting: the first and last points are always kept.
    pub fn thinned(&self, max_steps: usize) -> Roc {
        let step = 1.0 / max_steps.max(1) as f64;
        let mut out: Vec<RocPoint> = Vec::new();
        let n = self.points.len();
        for (i, p) in self.points.iter().enumerate() {
            let keep = match out.last() {
                None => true,
                Some(_) if i + 1 == n => true,
                Some(q) => {
                    p.eff_sig - q.eff_sig >= step
                        || p.eff_bkg - q.eff_bkg >= step
                        || (q.eff_bkg > 0.0 && p.eff_bkg >= 2.0 * q.eff_bkg)
                        || (q.eff_bkg == 0.0 && p.eff_bkg > 0.0)
                }
            };
            if keep {
                out.push(*p);
            }
        }
        Roc { points: out }
    }
}

/// `eff_bkg` at `eff_sig` on a path sorted by (`eff_sig`, `eff_bkg`): the lowest `eff_bkg` of a
/// point exactly at `eff_sig`, else linear between the last point below and the first above.
pub fn interpolate_bkg(points: &[RocPoint], eff_sig: f64) -> Option<f64> {
    if !eff_sig.is_finite() {
        return None;
    }
    let j = points.iter().position(|p| p.eff_sig >= eff_sig)?;
    let hi = points[j];
    if hi.eff_sig == eff_sig {
        return Some(hi.eff_bkg);
    }
    if j == 0 {
        return None;
    }
    let lo = points[j - 1];
    let t = (eff_sig - lo.eff_sig) / (hi.eff_sig - lo.eff_sig);
    Some(lo.eff_bkg + t * (hi.eff_bkg - lo.eff_bkg))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(eff_sig: f64, eff_bkg: f64) -> RocPoint {
        RocPoint { eff_sig, eff_bkg }
    }

    #[test]
    fn perfect_score_has_auc_one() {
        let roc = Roc::from_scores(&[0.9, 0.8, 0.2, 0.1], &[true, true, false, false], &[1.0; 4])
            .unwrap();
        assert_eq!(roc.points.first(), Some(&pt(0.0, 0.0)));
        assert_eq!(roc.points.last(), Some(&pt(1.0, 1.0)));
        assert!((roc.auc().unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(roc.eff_bkg_at(0.5), Some(0.0));
    }

    #[test]
    fn reversed_score_has_auc_zero() {
        let roc = Roc::from_scores(&[0.1, 0.2, 0.8, 0.9], &[true, true, false, false], &[1.0; 4])
            .unwrap();
        assert!(roc.auc().unwrap().abs() < 1e-12);
    }

    #[test]
    fn equal_scores_pass_together_and_give_the_diagonal() {
        let roc = Roc::from_scores(&[0.5; 6], &[true, false, true, false, true, false], &[1.0; 6])
            .unwrap();
        assert_eq!(roc.points, vec![pt(0.0, 0.0), pt(1.0, 1.0)]);
        assert!((roc.auc().unwrap() - 0.5).abs() < 1e-12);
        assert!((roc.eff_bkg_at(0.3).unwrap() - 0.3).abs() < 1e-12);
    }

    #[test]
    fn weights_count_in_the_efficiencies() {
        // Signal at 0.9 carries 3 of the 4 signal weight units.
        let roc = Roc::from_scores(
            &[0.9, 0.6, 0.5, 0.1],
            &[true, false, true, false],
            &[3.0, 1.0, 1.0, 1.0],
        )
        .unwrap();
        assert_eq!(
            roc.points,
            vec![pt(0.0, 0.0), pt(0.75, 0.0), pt(0.75, 0.5), pt(1.0, 0.5), pt(1.0, 1.0)]
        );
        // 0.75 * 0.5 + 1.0 * 0.5
        assert!((roc.auc().unwrap() - 0.875).abs() < 1e-12);
    }

    #[test]
    fn interpolation_is_linear_between_neighbours_and_exact_on_points() {
        let roc = Roc::from_points([pt(0.2, 0.01), pt(0.6, 0.05), pt(1.0, 0.5)]);
        assert_eq!(roc.eff_bkg_at(0.6), Some(0.05));
        assert!((roc.eff_bkg_at(0.5).unwrap() - 0.04).abs() < 1e-12);
        assert!((roc.eff_bkg_at(0.8).unwrap() - 0.275).abs() < 1e-12);
        assert!((roc.eff_bkg_at(0.9).unwrap() - 0.3875).abs() < 1e-12);
        assert_eq!(roc.eff_bkg_at(0.1), None);
        assert_eq!(roc.eff_bkg_at(f64::NAN), None);
    }

    #[test]
    fn interpolation_takes_the_lowest_background_at_a_vertical_step() {
        let roc = Roc::from_points([pt(0.5, 0.3), pt(0.5, 0.1), pt(0.0, 0.0), pt(1.0, 1.0)]);
        assert_eq!(roc.eff_bkg_at(0.5), Some(0.1));
        // Between (0.5, 0.3), the last point of the step, and (1, 1).
        assert!((roc.eff_bkg_at(0.75).unwrap() - 0.65).abs() < 1e-12);
    }

    #[test]
    fn interpolation_outside_a_scan_is_none_until_ends_are_added() {
        let scan = Roc::from_points([pt(0.3, 0.02), pt(0.7, 0.1)]);
        assert_eq!(scan.eff_bkg_at(0.9), None);
        let closed = scan.with_ends();
        assert!((closed.eff_bkg_at(0.85).unwrap() - 0.55).abs() < 1e-12);
        assert!(closed.auc().unwrap() > 0.5);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(matches!(
            Roc::from_scores(&[0.1], &[true, false], &[1.0, 1.0]),
            Err(RocError::Length { .. })
        ));
        assert!(matches!(
            Roc::from_scores(&[f64::NAN, 0.1], &[true, false], &[1.0, 1.0]),
            Err(RocError::NotFinite { what: "score", .. })
        ));
        assert!(matches!(
            Roc::from_scores(&[0.2, 0.1], &[true, true], &[1.0, 1.0]),
            Err(RocError::EmptyClass { class: "background", .. })
        ));
    }

    #[test]
    fn thinning_keeps_ends_and_shape() {
        let n = 10_000;
        let scores: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let labels: Vec<bool> = (0..n).map(|i| i % 3 != 0).collect();
        let roc = Roc::from_scores(&scores, &labels, &vec![1.0; n]).unwrap();
        let thin = roc.thinned(200);
        assert!(thin.points.len() < 1000, "{} points", thin.points.len());
        assert_eq!(thin.points.first(), roc.points.first());
        assert_eq!(thin.points.last(), roc.points.last());
        assert!((thin.auc().unwrap() - roc.auc().unwrap()).abs() < 0.01);
    }
}
