//! Combining the results of a bagged refinement: the mean of the bags that found the same
//! valley.
//!
//! The refinement of one working point can end in different local optima on different
//! subsamples. On the SUSY-like sample at signal 0.7, one family of cuts keeps `mt` tight and
//! `met` loose (training background about .05), another drops the `mt` cut and tightens
//! `met` instead (about .08–.10). When three bags find the first and one the second, the mean
//! of the four thresholds lies between the valleys, on a ridge worse than either (seen: .10 at
//! split seed 5). Averaging only helps among results that differ by subsample noise.
//!
//! So each bag's cuts are judged on all the events (the whole training split), after a common
//! shift onto the target ([`recalibrate`]) so that every bag is compared at the same signal
//! efficiency. A bag joins the mean when its background efficiency `b` is within
//! `b_best * (1 + RELATIVE) + SDS * sqrt(q (1 - q) / n)` of the best bag's, with `n` the number
//! of background events and `q = max(b_best, 1/n)`: a counting allowance for the low working
//! points (a handful of events; three events when the best bag passes none) and a relative one
//! for the high ones. Bags whose cuts do not reach the target
//! even after the shift never join unless no bag does.

use cabin_infer::doc::OwnedTable;

use super::{efficiencies, recalibrate, Events, HardError, RecalOptions};

/// Relative background allowance over the best bag.
pub const RELATIVE: f64 = 0.10;
/// Counting allowance, in binomial standard deviations of the best bag's background.
pub const SDS: f64 = 3.0;

/// The agreeing mean of a bagged refinement.
#[derive(Clone, Debug, PartialEq)]
pub struct BagMean {
    /// Thresholds in the table's layout (working point major).
    pub thresholds: Vec<f64>,
    /// Per working point, the bags (indices into the input) that joined the mean.
    pub kept: Vec<Vec<usize>>,
}

/// The mean, per working point, of the bags in `bags` (thresholds laid out like
/// `template.thresholds`) that agree with the best of them on `ev`; see the module
/// documentation. With `agree` false every bag joins (the plain mean).
///
/// # Errors
/// [`HardError`] for a bag of the wrong length, malformed events or targets, or a bad scale.
pub fn agreeing_mean(
    template: &OwnedTable,
    bags: &[Vec<f64>],
    targets: &[f64],
    ev: &Events,
    opts: &RecalOptions,
    agree: bool,
) -> Result<BagMean, HardError> {
    let len = template.thresholds.len();
    let s = template.slots.len();
    let points = len.checked_div(s).unwrap_or(0);
    if let Some(b) = bags.iter().find(|b| b.len() != len) {
        return Err(HardError::BagShape { got: b.len(), expected: len });
    }
    let all: Vec<usize> = (0..bags.len()).collect();
    let mut kept = vec![all.clone(); points];
    if agree && bags.len() > 1 {
        // Each bag on the whole events, shifted onto the targets.
        let mut judged = Vec::with_capacity(bags.len());
        for b in bags {
            let mut t = template.clone();
            t.thresholds.clone_from(b);
            let rep = recalibrate(&mut t, targets, ev, opts)?;
            let eff = efficiencies(&t.view()?, ev)?;
            let reached: Vec<bool> = rep.points.iter().map(|p| p.reached).collect();
            judged.push((eff, reached));
        }
        for (p, k) in kept.iter_mut().enumerate() {
            let reach: Vec<usize> = all.iter().copied().filter(|&f| judged[f].1[p]).collect();
            let Some(best) = reach.iter().map(|&f| judged[f].0[p].eff_bkg).reduce(f64::min) else {
                continue;
            };
            let n = judged[reach[0]].0[p].n_bkg.max(1) as f64;
            // At least one event's worth, so that a best bag passing no background still
            // leaves room for the counting noise of the others.
            let q = best.clamp(1.0 / n, 1.0);
            let cap = best + RELATIVE * best.abs() + SDS * (q * (1.0 - q) / n).sqrt();
            *k = reach.into_iter().filter(|&f| judged[f].0[p].eff_bkg <= cap).collect();
        }
    }
    let mut thresholds = vec![0.0; len];
    for (p, k) in kept.iter().enumerate() {
        for j in 0..s {
            let i = p * s + j;
            thresholds[i] = k.iter().map(|&f| bags[f][i]).sum::<f64>() / k.len().max(1) as f64;
        }
    }
    if bags.is_empty() {
        thresholds.clone_from(&template.thresholds);
    }
    Ok(BagMean { thresholds, kept })
}

#[cfg(test)]
mod tests {
    use super::*;
    use cabin_infer::{Op, Slot};

    /// Two inputs, both cut from below; signal high in both, background high in input 1 only.
    fn events() -> (Vec<Vec<f64>>, Vec<bool>, Vec<f64>) {
        let mut x0 = Vec::new();
        let mut x1 = Vec::new();
        let mut sig = Vec::new();
        for i in 0..400 {
            let u = (i % 20) as f64 / 20.0;
            let v = (i / 20) as f64 / 20.0;
            let s = i % 2 == 0;
            x0.push(if s { 0.5 + u / 2.0 } else { u });
            x1.push(v);
            sig.push(s);
        }
        (vec![x0, x1], sig, vec![1.0; 400])
    }

    fn table(th: Vec<f64>) -> OwnedTable {
        OwnedTable {
            names: vec!["a".into(), "b".into()],
            targets: vec![0.5],
            slots: vec![Slot { input: 0, op: Op::Gt }, Slot { input: 1, op: Op::Gt }],
            thresholds: th,
        }
    }

    #[test]
    fn a_bag_in_another_valley_is_left_out_and_agreeing_bags_are_averaged() {
        let (cols, sig, w) = events();
        let rows: Vec<usize> = (0..400).collect();
        let ev = Events { columns: &cols, is_signal: &sig, weights: &w, rows: &rows };
        // Cutting input 0 separates; cutting input 1 only throws signal away with background.
        let good_a = vec![0.70, -1.0];
        let good_b = vec![0.72, -1.0];
        let bad = vec![-1.0, 0.49];
        let t = table(vec![0.0, 0.0]);
        let bags = vec![good_a.clone(), bad.clone(), good_b.clone()];
        let opts = RecalOptions::default();
        let m = agreeing_mean(&t, &bags, &[0.5], &ev, &opts, true).unwrap();
        assert_eq!(m.kept, vec![vec![0, 2]]);
        assert!((m.thresholds[0] - 0.71).abs() < 1e-12 && m.thresholds[1] == -1.0);
        let plain = agreeing_mean(&t, &bags, &[0.5], &ev, &opts, false).unwrap();
        assert_eq!(plain.kept, vec![vec![0, 1, 2]]);
        assert!((plain.thresholds[1] - (-1.51 / 3.0)).abs() < 1e-12);
        // Bags that agree all join.
        let same = vec![good_a.clone(), good_b.clone()];
        assert_eq!(
            agreeing_mean(&t, &same, &[0.5], &ev, &opts, true).unwrap().kept,
            vec![vec![0, 1]]
        );
    }

    #[test]
    fn a_bag_of_the_wrong_length_is_an_error() {
        let (cols, sig, w) = events();
        let rows: Vec<usize> = (0..400).collect();
        let ev = Events { columns: &cols, is_signal: &sig, weights: &w, rows: &rows };
        let t = table(vec![0.0, 0.0]);
        let r = agreeing_mean(&t, &[vec![0.0]], &[0.5], &ev, &RecalOptions::default(), true);
        assert!(matches!(r, Err(HardError::BagShape { got: 1, expected: 2 })));
    }
}
