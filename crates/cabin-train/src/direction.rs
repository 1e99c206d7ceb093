//! Choosing each feature's cut direction by trying both.
//!
//! The automatic direction ([`crate::data::auto_directions`]) compares the class means of
//! one feature at a time. A cut works together with the others, and the better side of a
//! feature can be the other one once they are in place. On the Higgs sample (seven masses)
//! `m_wbb` has the lower mean in signal, yet with the other cuts applied a *lower* bound on it
//! keeps the signal peak and removes the background tail: at signal 0.3 the test background
//! falls from .17 to .08.
//!
//! So each feature without a given direction is flipped on its own, the best flip is kept if
//! the whole scan gets better, and the rest are tried again against it (best first; a flipped
//! feature is not tried again). A scan is judged by a cheap hard-cut fit, cross-fitted on two
//! halves of (a subsample of) the training split: on each half a quantile start
//! ([`Layout::initial_biases`]) and one refinement pass without restarts, Lagrangian or pair
//! stage, or smoothing ([`hard::refine`]: the constrained coordinate search alone), counted on
//! the other half. The score is the geometric mean over working points of that held-out
//! background efficiency, each floored at one event. A flip is kept when it lowers the score
//! by more than [`MIN_GAIN`]. Judged on the events it was fitted on, a flip can win by fitting
//! a few background events at the low working points (seen on the SUSY-like sample: an 11 %
//! gain that made every test point worse); held out, it cannot. Below [`MIN_CLASS_EVENTS`]
//! events of a class per half the search does not run. With `m` features this costs at most
//! `m (m + 1) / 2 + 1` such fits, usually about `2m`: about 1 s for the Higgs sample's seven
//! features.

use cabin_infer::doc::OwnedTable;
use cabin_infer::Op;
use serde::Serialize;

use crate::data::{Dataset, Scaler};
use crate::hard::{self, Events, RefineOptions};
use crate::layout::Layout;
use crate::pipeline::{standardised, TrainError};

/// Most training events the search uses (two halves of at most 20,000); larger splits are
/// thinned per class.
pub const SEARCH_EVENTS: usize = 40_000;

/// Fewest events of each class per half for the search to run at all.
pub const MIN_CLASS_EVENTS: usize = 20;

/// Relative gain in the score (geometric-mean held-out background) a flip must bring (2 %).
pub const MIN_GAIN: f64 = 0.02;

/// One trial of the search: one feature flipped against the directions chosen so far.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DirectionTrial {
    /// Round of the search (0 first): each round tries every feature not yet flipped.
    pub round: usize,
    /// Feature name.
    pub feature: String,
    /// Its direction before the trial.
    pub from: Op,
    /// The direction tried.
    pub tried: Op,
    /// Score (geometric-mean held-out background) of the directions before the trial.
    pub score_from: f64,
    /// The score with `tried`.
    pub score_tried: f64,
    /// Whether the flip was kept (the best of its round, gaining more than [`MIN_GAIN`]).
    pub kept: bool,
}

/// Flips the directions in `ops` (one per feature of `ds`) of every feature in `inputs` (the
/// features that get cuts) not marked in `fixed` and not in `windows` where that improves the
/// scan over `targets` (see the module documentation). Returns every trial, round by round.
///
/// # Errors
/// [`TrainError`] from the hard-cut fit (a class without weight among the rows).
#[allow(clippy::too_many_arguments)]
pub fn search(
    ds: &Dataset,
    rows: &[usize],
    scaler: &Scaler,
    inputs: &[usize],
    ops: &mut [Op],
    fixed: &[bool],
    windows: &[usize],
    targets: &[f64],
) -> Result<Vec<DirectionTrial>, TrainError> {
    let halves = halves(ds, &thin(ds, rows, SEARCH_EVENTS));
    let small = halves.iter().any(|h| {
        let sig = h.iter().filter(|&&r| ds.is_signal[r]).count();
        sig.min(h.len() - sig) < MIN_CLASS_EVENTS
    });
    if small {
        log::warn!(
            "direction search skipped: fewer than {MIN_CLASS_EVENTS} training events of a class \
             in each half; the directions are the class means'"
        );
        return Ok(Vec::new());
    }
    let evs: Vec<Events> = halves
        .iter()
        .map(|h| Events {
            columns: &ds.columns,
            is_signal: &ds.is_signal,
            weights: &ds.weights,
            rows: h,
        })
        .collect();
    let opts = RefineOptions {
        restarts: false,
        lagrange: false,
        pairs: false,
        smooth_rounds: 0,
        scales: Some(scaler.scale.clone()),
        ..RefineOptions::default()
    };
    let starts: Vec<_> = halves.iter().map(|h| standardised(ds, scaler, h)).collect();
    // Fitted on one half, counted on the other, both ways round.
    let score = |ops: &[Op]| -> Result<f64, TrainError> {
        let layout = Layout::new(inputs, ops, windows);
        let mut held_out = vec![0.0; targets.len()];
        for (fit, count) in [(0, 1), (1, 0)] {
            let (std_cols, y, w) = &starts[fit];
            let b0 = layout.initial_biases(targets, std_cols, y, w);
            let mut table = OwnedTable {
                names: ds.features.clone(),
                targets: targets.to_vec(),
                slots: layout.slots.clone(),
                thresholds: layout.thresholds(&b0, scaler),
            };
            hard::refine(&mut table, targets, &evs[fit], &opts)?;
            let view = table.view().map_err(hard::HardError::from)?;
            let eff = hard::efficiencies(&view, &evs[count])?;
            for (h, e) in held_out.iter_mut().zip(&eff) {
                *h += 0.5 * (e.eff_bkg.max(0.0) + 1.0 / e.n_bkg.max(1) as f64);
            }
        }
        let logs: Vec<f64> = held_out.iter().map(|h| h.ln()).collect();
        Ok((logs.iter().sum::<f64>() / logs.len().max(1) as f64).exp())
    };
    let flip = |op: Op| if op.is_lower_bound() { Op::Lt } else { Op::Gt };
    let mut open: Vec<usize> = inputs
        .iter()
        .copied()
        .filter(|&k| !fixed.get(k).copied().unwrap_or(false) && !windows.contains(&k))
        .collect();
    let mut current = score(ops)?;
    let mut trials = Vec::new();
    // Best first: every open feature flipped on its own, the best flip kept, again.
    while !open.is_empty() {
        let mut round = Vec::with_capacity(open.len());
        for &k in &open {
            let mut trial: Vec<Op> = ops.to_vec();
            trial[k] = flip(ops[k]);
            round.push((k, score(&trial)?));
        }
        let &(k, s) = round.iter().min_by(|a, b| a.1.total_cmp(&b.1)).expect("open features");
        let keep = s < current * (1.0 - MIN_GAIN);
        let number = trials.last().map_or(0, |t: &DirectionTrial| t.round + 1);
        for &(j, sj) in &round {
            let kept = keep && j == k;
            log::info!(
                "direction of {}: {} gives {current:.4}, {} gives {sj:.4} (geometric-mean \
                 held-out background){}",
                ds.features[j],
                ops[j],
                flip(ops[j]),
                if kept { "; flipped" } else { "" }
            );
            trials.push(DirectionTrial {
                round: number,
                feature: ds.features[j].clone(),
                from: ops[j],
                tried: flip(ops[j]),
                score_from: current,
                score_tried: sj,
                kept,
            });
        }
        if !keep {
            break;
        }
        ops[k] = flip(ops[k]);
        current = s;
        open.retain(|&j| j != k);
    }
    Ok(trials)
}

/// `rows` cut in two, alternating within each class.
fn halves(ds: &Dataset, rows: &[usize]) -> [Vec<usize>; 2] {
    let mut out = [Vec::new(), Vec::new()];
    for class in [true, false] {
        for (i, &r) in rows.iter().filter(|&&r| ds.is_signal[r] == class).enumerate() {
            out[i % 2].push(r);
        }
    }
    out.iter_mut().for_each(|h| h.sort_unstable());
    out
}

/// At most about `most` of `rows`, every `step`-th row of each class (the same step for both,
/// so the class proportions stay).
fn thin(ds: &Dataset, rows: &[usize], most: usize) -> Vec<usize> {
    let step = rows.len().div_ceil(most.max(1)).max(1);
    let mut out = Vec::with_capacity(rows.len() / step + 2);
    for class in [true, false] {
        out.extend(rows.iter().copied().filter(|&r| ds.is_signal[r] == class).step_by(step));
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Dataset;

    /// Signal: a narrow peak of `a` near the top of the background's range, plus a few far
    /// low outliers that pull its mean below the background's; `b` lower in signal. The
    /// means say `a <`, but a lower bound under the peak is far better.
    fn sample() -> Dataset {
        let mut s = 99u64;
        let mut u = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        let (mut a, mut b, mut sig) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..6000 {
            let is = i % 2 == 0;
            let (x, y) = if is {
                let x = if u() < 0.15 { -20.0 + u() } else { 3.0 + 0.4 * u() };
                (x, 0.5 * u())
            } else {
                (-1.0 + 6.0 * u(), u())
            };
            a.push(x);
            b.push(y);
            sig.push(is);
        }
        Dataset {
            features: vec!["a".into(), "b".into()],
            columns: vec![a, b],
            is_signal: sig,
            weights: vec![1.0; 6000],
            inputs: Vec::new(),
            dropped_nonfinite: 0,
        }
    }

    #[test]
    fn a_feature_whose_mean_misleads_is_flipped_and_a_given_one_is_not() {
        let ds = sample();
        let rows: Vec<usize> = (0..ds.columns[0].len()).collect();
        let scaler = Scaler::fit(&ds, &rows).unwrap();
        let mut ops = crate::data::auto_directions(&ds, &rows);
        assert_eq!(ops, vec![Op::Lt, Op::Lt], "the means point the wrong way for a");
        let targets = [0.3, 0.5, 0.7, 0.8];
        let trials =
            search(&ds, &rows, &scaler, &[0, 1], &mut ops, &[false, false], &[], &targets).unwrap();
        assert_eq!(ops, vec![Op::Gt, Op::Lt], "{trials:?}");
        // Round 0 tries both, keeps a; round 1 tries b again and keeps nothing.
        let kept: Vec<&str> =
            trials.iter().filter(|t| t.kept).map(|t| t.feature.as_str()).collect();
        assert_eq!(kept, vec!["a"], "{trials:?}");
        assert_eq!(trials.len(), 3, "{trials:?}");
        let a = trials.iter().find(|t| t.kept).unwrap();
        assert!(a.score_tried < 0.7 * a.score_from && a.tried == Op::Gt, "{trials:?}");
        assert_eq!((trials[2].round, trials[2].feature.as_str()), (1, "b"));
        let mut kept = crate::data::auto_directions(&ds, &rows);
        let t =
            search(&ds, &rows, &scaler, &[0, 1], &mut kept, &[true, false], &[], &targets).unwrap();
        assert_eq!(kept, vec![Op::Lt, Op::Lt]);
        assert_eq!(t.len(), 1, "a given direction is not tried");
        let mut w = crate::data::auto_directions(&ds, &rows);
        assert!(search(&ds, &rows, &scaler, &[0, 1], &mut w, &[false, false], &[0], &targets)
            .unwrap()
            .iter()
            .all(|t| t.feature != "a"));
    }

    #[test]
    fn thinning_keeps_both_classes_in_proportion() {
        let ds = sample();
        let rows: Vec<usize> = (0..6000).collect();
        let t = thin(&ds, &rows, 1000);
        let s = t.iter().filter(|&&r| ds.is_signal[r]).count();
        assert!(t.len() <= 1002 && t.len() >= 990, "{}", t.len());
        assert!((s as f64 / t.len() as f64 - 0.5).abs() < 0.01);
        assert_eq!(thin(&ds, &rows, 100_000).len(), 6000);
    }
}
