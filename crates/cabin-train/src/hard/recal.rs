//! Recalibration: move each working point's cuts together until its hard signal efficiency on
//! the given (training) events equals the target.
//!
//! Soft (sigmoid) efficiencies are not the hard ones, so a trained working point misses its
//! target by up to a few points. Shifting every cut of the working point by the same `delta`
//! standard deviations in its loosening direction passes exactly the events whose margin
//! `min_k s_k (x_k - c_k) / scale_k` is above `-delta` (`s_k = +1` for `>`/`>=`, `-1` for
//! `<`/`<=`), so the signal efficiency as a function of `delta` is a weighted distribution of
//! margins and the right `delta` is one of its quantiles: exact and `O(n log n)`.
//!
//! The shift is placed halfway between the margin of the last signal event kept and the next
//! one, so nearby test events are not decided by rounding. Events with equal margins (inputs on
//! a grid) pass or fail together; when such a tie group overshoots the target, single cuts are
//! then tightened one at a time to the threshold that comes closest to the target from above.
//!
//! Accuracy: the reached efficiency is at or above the target (up to `1e-12` relative rounding)
//! and, unless every cut's input is tied at the boundary, above it by less than the weight of
//! one signal event over the total signal weight.

use cabin_infer::doc::OwnedTable;
use serde::Serialize;

use super::refine::Search;
use super::work::Work;
use super::{efficiencies, Eff, Events, HardError};
use crate::eval::smoothness;

/// Options of [`recalibrate`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecalOptions {
    /// Scale (standard deviation) of each input, the unit of the common shift; by default the
    /// standard deviation of each input over the events (the trainer's scaler gives the same).
    pub scales: Option<Vec<f64>>,
}

/// One working point before and after recalibration (efficiencies on the given events).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct RecalPoint {
    /// Target signal efficiency.
    pub target: f64,
    /// Before.
    pub before: Eff,
    /// After.
    pub after: Eff,
    /// The common shift applied, in scales (positive = looser); 0 if none.
    pub delta: f64,
    /// False if no shift reaches the target (signal events with NaN inputs fail every cut);
    /// the cuts of such a working point are left as they were.
    pub reached: bool,
}

/// What [`recalibrate`] did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RecalReport {
    /// Per working point, in table order.
    pub points: Vec<RecalPoint>,
    /// Steps between neighbouring working points that tighten a cut as the target rises,
    /// summed over slots, before.
    pub order_violations_before: usize,
    /// The same after.
    pub order_violations_after: usize,
}

/// Shifts each working point's cuts together so that its hard signal efficiency on `ev` is the
/// smallest value at or above `targets[p]` (see the module documentation).
///
/// # Errors
/// [`HardError`] for malformed tables or events, a target outside `[0, 1]`, a count of targets
/// other than the table's working points, or a bad scale.
pub fn recalibrate(
    table: &mut OwnedTable,
    targets: &[f64],
    ev: &Events,
    opts: &RecalOptions,
) -> Result<RecalReport, HardError> {
    let view = table.view()?;
    let points = view.points();
    check_targets(targets, points)?;
    let before = efficiencies(&view, ev)?;
    let work = Work::new(view.inputs(), ev, opts.scales.as_deref())?;
    let violations_before = violations(table, &work.scales);

    let s = table.slots.len();
    let mut deltas = vec![0.0; points];
    let mut reached = vec![true; points];
    let slots = table.slots.clone();
    let mut search = Search::new(&work, &slots);
    for p in 0..points {
        let th = &table.thresholds[p * s..(p + 1) * s];
        match work.shift_to_target(&slots, th, targets[p]) {
            Some((delta, t)) => {
                deltas[p] = delta;
                search.load(&t);
                let t = search.trim(work.need(targets[p]));
                table.thresholds[p * s..(p + 1) * s].copy_from_slice(&t);
            }
            None => reached[p] = false,
        }
        log::debug!("recalibrate: point {p} target {} shift {:+.5} sd", targets[p], deltas[p]);
    }

    let after = efficiencies(&table.view()?, ev)?;
    let points = (0..points)
        .map(|p| RecalPoint {
            target: targets[p],
            before: before[p],
            after: after[p],
            delta: deltas[p],
            reached: reached[p],
        })
        .collect();
    let order_violations_after = violations(table, &work.scales);
    Ok(RecalReport { points, order_violations_before: violations_before, order_violations_after })
}

/// Checks one target per working point, each in `[0, 1]`.
pub(crate) fn check_targets(targets: &[f64], points: usize) -> Result<(), HardError> {
    if targets.len() != points {
        return Err(HardError::TargetCount { targets: targets.len(), points });
    }
    if let Some((point, &target)) =
        targets.iter().enumerate().find(|(_, t)| !(**t >= 0.0 && **t <= 1.0))
    {
        return Err(HardError::BadTarget { point, target });
    }
    Ok(())
}

/// Total order violations of a table, over all slots.
fn violations(table: &OwnedTable, scales: &[f64]) -> usize {
    smoothness(table, Some(scales)).iter().map(|s| s.order_violations).sum()
}
