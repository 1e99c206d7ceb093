//! Figures of merit of a scan of working points: ROC points, the area under the ROC curve and
//! how smoothly each cut moves across the scan.
//!
//! - ROC: one point per working point, `(eff_sig, eff_bkg)` of its hard cuts on some events.
//! - AUC ([`auc`]): the polyline `(0,0)` → the points sorted by signal efficiency → `(1,1)` in
//!   the (eff_sig, eff_bkg) plane; `bkg_area` = trapezoid integral of eff_bkg d(eff_sig) along
//!   it (0 is perfect, 0.5 is random), and `auc = 1 - bkg_area`, the usual area under signal
//!   efficiency versus background efficiency when the polyline is monotone (1 perfect). The
//!   straight segments to the endpoints make it a lower bound of what a denser scan would give
//!   at the ends, so compare AUCs only between scans with the same targets.
//! - Smoothness ([`smoothness`]): per cut slot, over working points sorted by target, the total
//!   variation `sum |c[p+1] - c[p]|` (physical units, and divided by the feature's scale), the
//!   number of direction reversals (sign changes between consecutive non-zero steps) and the
//!   number of order violations (steps that tighten the cut while the target rises, which make
//!   the selections of neighbouring working points not nested).
//! - Paired comparison ([`paired`]): two tables judged on the same events. Their efficiencies
//!   share most events, so the error of their difference is far below the error of either:
//!   only events that one selection passes and the other fails carry it,
//!   `sd(A - B) = sqrt(sum of w^2 over those events) / (total weight of the class)`
//!   (McNemar's argument; for unit weights `sqrt(n_A_only + n_B_only) / n`).

use cabin_infer::doc::OwnedTable;
use cabin_infer::Op;
use serde::Serialize;

use crate::hard::{efficiencies, Eff, Events, HardError};

/// One point of a ROC scan.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct RocPoint {
    /// Target signal efficiency of the working point.
    pub target: f64,
    /// Measured signal efficiency.
    pub eff_sig: f64,
    /// Measured background efficiency.
    pub eff_bkg: f64,
}

/// ROC points of a scan: one per working point, sorted by target.
pub fn roc(targets: &[f64], effs: &[Eff]) -> Vec<RocPoint> {
    let mut pts: Vec<RocPoint> = targets
        .iter()
        .zip(effs)
        .map(|(&target, e)| RocPoint { target, eff_sig: e.eff_sig, eff_bkg: e.eff_bkg })
        .collect();
    pts.sort_by(|a, b| a.target.total_cmp(&b.target));
    pts
}

/// Area figures of a ROC scan (see the module documentation for the construction).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Area {
    /// `1 - bkg_area`: 1 for perfect separation, 0.5 for none.
    pub auc: f64,
    /// Trapezoid integral of eff_bkg over eff_sig from (0,0) to (1,1): 0 perfect, 0.5 random.
    pub bkg_area: f64,
}

/// Area under the ROC polyline `(0,0)` → points sorted by (eff_sig, eff_bkg) → `(1,1)`.
///
/// Points with a non-finite coordinate are skipped.
pub fn auc(points: &[RocPoint]) -> Area {
    let mut xy: Vec<(f64, f64)> = points
        .iter()
        .filter(|p| p.eff_sig.is_finite() && p.eff_bkg.is_finite())
        .map(|p| (p.eff_sig, p.eff_bkg))
        .collect();
    xy.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut area = 0.0;
    let mut prev = (0.0, 0.0);
    for &q in xy.iter().chain(std::iter::once(&(1.0, 1.0))) {
        area += (q.0 - prev.0) * (q.1 + prev.1) / 2.0;
        prev = q;
    }
    Area { auc: 1.0 - area, bkg_area: area }
}

/// How one cut slot moves across the scan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SlotSmoothness {
    /// Slot index in the table.
    pub slot: usize,
    /// Feature name.
    pub feature: String,
    /// The comparison.
    pub op: Op,
    /// `sum |c[p+1] - c[p]|` over working points sorted by target, physical units.
    pub total_variation: f64,
    /// `total_variation / scale` (in standard deviations), when a scale is known.
    pub relative_variation: Option<f64>,
    /// Sign changes between consecutive non-zero steps.
    pub reversals: usize,
    /// Steps that tighten the cut while the target rises.
    pub order_violations: usize,
}

/// Smoothness of every slot of `table` across its working points (sorted by target).
///
/// `scales[k]` is the scale (standard deviation) of input `k`; without it, or for a scale that
/// is not positive and finite, `relative_variation` is `None`.
pub fn smoothness(table: &OwnedTable, scales: Option<&[f64]>) -> Vec<SlotSmoothness> {
    let s = table.slots.len();
    let points = table.thresholds.len().checked_div(s).unwrap_or(0);
    let mut order: Vec<usize> = (0..points.min(table.targets.len())).collect();
    order.sort_by(|&a, &b| table.targets[a].total_cmp(&table.targets[b]));
    table
        .slots
        .iter()
        .enumerate()
        .map(|(j, slot)| {
            let cuts: Vec<f64> = order.iter().map(|&p| table.thresholds[p * s + j]).collect();
            let (mut tv, mut reversals, mut violations, mut last_sign) = (0.0, 0, 0, 0i8);
            for w in cuts.windows(2) {
                let d = w[1] - w[0];
                tv += d.abs();
                let sign = if d > 0.0 {
                    1
                } else if d < 0.0 {
                    -1
                } else {
                    0
                };
                if sign != 0 {
                    if last_sign != 0 && sign != last_sign {
                        reversals += 1;
                    }
                    last_sign = sign;
                }
                // A lower bound tightens when it rises, an upper bound when it falls.
                let tightens = if slot.op.is_lower_bound() { sign > 0 } else { sign < 0 };
                violations += tightens as usize;
            }
            let input = slot.input as usize;
            let scale = scales.and_then(|sc| sc.get(input)).copied();
            let relative_variation = scale.filter(|v| v.is_finite() && *v > 0.0).map(|v| tv / v);
            SlotSmoothness {
                slot: j,
                feature: table.names.get(input).cloned().unwrap_or_default(),
                op: slot.op,
                total_variation: tv,
                relative_variation,
                reversals,
                order_violations: violations,
            }
        })
        .collect()
}

/// One [`PointEval`] per target, from the hard-cut efficiencies in the same order.
pub(crate) fn point_evals(targets: &[f64], effs: &[Eff]) -> Vec<PointEval> {
    targets
        .iter()
        .zip(effs)
        .map(|(&target, e)| PointEval {
            target,
            eff_sig: e.eff_sig,
            eff_bkg: e.eff_bkg,
            n_sig: e.n_sig,
            n_bkg: e.n_bkg,
            sum_sig: e.sum_sig,
            sum_bkg: e.sum_bkg,
        })
        .collect()
}

/// Efficiencies of one working point in an [`Evaluation`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PointEval {
    /// Target signal efficiency.
    pub target: f64,
    /// Weighted signal efficiency.
    pub eff_sig: f64,
    /// Weighted background efficiency.
    pub eff_bkg: f64,
    /// Signal events used.
    pub n_sig: usize,
    /// Background events used.
    pub n_bkg: usize,
    /// Total signal weight.
    pub sum_sig: f64,
    /// Total background weight.
    pub sum_bkg: f64,
}

/// Everything `cabin eval` reports about a table on a set of events.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    /// Per working point, in table order.
    pub working_points: Vec<PointEval>,
    /// ROC points sorted by target.
    pub roc: Vec<RocPoint>,
    /// Area figures of `roc`.
    pub area: Area,
    /// Per cut slot.
    pub smoothness: Vec<SlotSmoothness>,
}

/// Evaluates `table` on `ev`: hard efficiencies, ROC, AUC and smoothness.
///
/// # Errors
/// [`HardError`] as for [`efficiencies`], and [`HardError::TargetCount`] if the table has a
/// different number of targets and working points.
pub fn evaluate(
    table: &OwnedTable,
    ev: &Events,
    scales: Option<&[f64]>,
) -> Result<Evaluation, HardError> {
    let view = table.view()?;
    if table.targets.len() != view.points() {
        let (targets, points) = (table.targets.len(), view.points());
        return Err(HardError::TargetCount { targets, points });
    }
    let effs = efficiencies(&view, ev)?;
    let working_points = point_evals(&table.targets, &effs);
    let roc = roc(&table.targets, &effs);
    let area = auc(&roc);
    Ok(Evaluation { working_points, roc, area, smoothness: smoothness(table, scales) })
}

/// Working point `p` of two tables on the same events: efficiencies and their paired difference.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct PairedPoint {
    /// Target of the working point (the same in both tables).
    pub target: f64,
    /// Signal efficiency of A and of B.
    pub eff_sig: [f64; 2],
    /// Background efficiency of A and of B.
    pub eff_bkg: [f64; 2],
    /// `eff_sig(A) - eff_sig(B)` and its standard deviation.
    pub d_sig: [f64; 2],
    /// `eff_bkg(A) - eff_bkg(B)` and its standard deviation.
    pub d_bkg: [f64; 2],
    /// Background events that pass A only, and B only.
    pub bkg_only: [usize; 2],
}

/// Compares tables `a` and `b` working point by working point on the same events `ev` (see
/// the module documentation for the error of the difference).
///
/// # Errors
/// [`HardError::TargetCount`] if the tables have different working points (number or
/// targets), [`HardError::InputCount`] if they read different numbers of inputs, and
/// [`HardError`] as for [`efficiencies`] for malformed events.
pub fn paired(a: &OwnedTable, b: &OwnedTable, ev: &Events) -> Result<Vec<PairedPoint>, HardError> {
    let (va, vb) = (a.view()?, b.view()?);
    if va.inputs() != vb.inputs() {
        return Err(HardError::InputCount { table: va.inputs(), columns: vb.inputs() });
    }
    let same = a.targets.len() == b.targets.len()
        && a.targets.iter().zip(&b.targets).all(|(x, y)| (x - y).abs() < 1e-12);
    if !same || va.points() != a.targets.len() || vb.points() != b.targets.len() {
        return Err(HardError::TargetCount { targets: b.targets.len(), points: va.points() });
    }
    let totals = crate::hard::check_events(va.inputs(), ev)?;
    let points = va.points();
    // Per point and class: passing weight of A, of B, and the sum of w^2 where they disagree.
    let mut pass = vec![[[0.0f64; 2]; 2]; points];
    let mut var = vec![[0.0f64; 2]; points];
    let mut only = vec![[0usize; 2]; points];
    let mut event = vec![0.0f64; va.inputs()];
    for &r in ev.rows {
        for (v, c) in event.iter_mut().zip(ev.columns) {
            *v = c[r];
        }
        let (ma, mb) = (va.mask(&event)?, vb.mask(&event)?);
        let (class, w) = (usize::from(!ev.is_signal[r]), ev.weights[r]);
        for p in 0..points {
            let (pa, pb) = (ma >> p & 1 == 1, mb >> p & 1 == 1);
            pass[p][class][0] += if pa { w } else { 0.0 };
            pass[p][class][1] += if pb { w } else { 0.0 };
            if pa != pb {
                var[p][class] += w * w;
                if class == 1 {
                    only[p][usize::from(pb)] += 1;
                }
            }
        }
    }
    let sums = [totals.sum_sig, totals.sum_bkg];
    Ok((0..points)
        .map(|p| {
            let eff = |class: usize, t: usize| pass[p][class][t] / sums[class];
            let diff = |class: usize| {
                [eff(class, 0) - eff(class, 1), var[p][class].sqrt() / sums[class].abs()]
            };
            PairedPoint {
                target: a.targets[p],
                eff_sig: [eff(0, 0), eff(0, 1)],
                eff_bkg: [eff(1, 0), eff(1, 1)],
                d_sig: diff(0),
                d_bkg: diff(1),
                bkg_only: only[p],
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cabin_infer::Slot;

    fn pt(eff_sig: f64, eff_bkg: f64) -> RocPoint {
        RocPoint { target: eff_sig, eff_sig, eff_bkg }
    }

    #[test]
    fn paired_difference_counts_only_disagreeing_events() {
        let one = |t: f64, target: f64| OwnedTable {
            names: vec!["x".into()],
            targets: vec![target],
            slots: vec![Slot { input: 0, op: Op::Gt }],
            thresholds: vec![t],
        };
        let cols = vec![vec![1.0, 2.0, 1.0, 0.0, 2.0]];
        let sig = [true, true, false, false, false];
        let w = [1.0, 1.0, 1.0, 1.0, 2.0];
        let rows: Vec<usize> = (0..5).collect();
        let ev = Events { columns: &cols, is_signal: &sig, weights: &w, rows: &rows };
        let p = paired(&one(0.5, 0.5), &one(1.5, 0.5), &ev).unwrap()[0];
        assert_eq!(p.eff_sig, [1.0, 0.5]);
        assert_eq!(p.eff_bkg, [0.75, 0.5]);
        assert_eq!(p.d_sig, [0.5, 0.5]);
        // Only the background event at x = 1 (weight 1 of 4) disagrees.
        assert_eq!(p.d_bkg, [0.25, 0.25]);
        assert_eq!(p.bkg_only, [1, 0]);
        // A table against itself: no difference, no error.
        let q = paired(&one(0.5, 0.5), &one(0.5, 0.5), &ev).unwrap()[0];
        assert_eq!((q.d_bkg, q.d_sig), ([0.0, 0.0], [0.0, 0.0]));
        let err = paired(&one(0.5, 0.5), &one(0.5, 0.6), &ev).unwrap_err();
        assert!(matches!(err, HardError::TargetCount { .. }), "{err}");
    }

    #[test]
    fn auc_of_known_curves() {
        // No points: the diagonal, no separation.
        assert!((auc(&[]).auc - 0.5).abs() < 1e-15);
        // Perfect: full signal at zero background.
        assert!((auc(&[pt(1.0, 0.0)]).auc - 1.0).abs() < 1e-15);
        // One point (0.5, 0.1): trapezoids 0.5*0.05 + 0.5*0.55 = 0.3 below, auc 0.7.
        let a = auc(&[pt(0.5, 0.1)]);
        assert!((a.bkg_area - 0.3).abs() < 1e-15, "{a:?}");
        assert!((a.auc - 0.7).abs() < 1e-15);
        // Order of the points does not matter.
        let b = auc(&[pt(0.8, 0.3), pt(0.2, 0.0), pt(0.5, 0.1)]);
        let c = auc(&[pt(0.2, 0.0), pt(0.5, 0.1), pt(0.8, 0.3)]);
        // 0.3*0.05 + 0.3*0.2 + 0.2*0.65 = 0.015 + 0.06 + 0.13
        assert!((c.bkg_area - 0.205).abs() < 1e-15, "{c:?}");
        assert_eq!(b, c);
    }

    #[test]
    fn smoothness_counts_variation_reversals_and_order() {
        let table = OwnedTable {
            names: vec!["a".into(), "b".into()],
            // Targets out of order on purpose: sorted they are 0.2, 0.5, 0.8, 0.9.
            targets: vec![0.5, 0.2, 0.9, 0.8],
            slots: vec![Slot { input: 0, op: Op::Gt }, Slot { input: 1, op: Op::Lt }],
            // Sorted by target: a = 3, 2, 2.5, 1 ; b = 1, 2, 3, 4.
            thresholds: vec![2.0, 2.0, 3.0, 1.0, 1.0, 4.0, 2.5, 3.0],
        };
        let s = smoothness(&table, Some(&[2.0, 0.0]));
        assert_eq!(s.len(), 2);
        assert!((s[0].total_variation - 3.0).abs() < 1e-15, "{s:?}");
        assert_eq!(s[0].relative_variation, Some(1.5));
        assert_eq!(s[0].reversals, 2);
        assert_eq!(s[0].order_violations, 1);
        assert!((s[1].total_variation - 3.0).abs() < 1e-15);
        assert_eq!(s[1].relative_variation, None);
        assert_eq!((s[1].reversals, s[1].order_violations), (0, 0));
        assert_eq!(s[1].feature, "b");
    }
}
