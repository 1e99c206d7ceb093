//! Hard cuts on real events: weighted pass/fail efficiencies, the hard-cut refinement search
//! and the recalibration of each working point onto its target.
//!
//! Everything here works in physical units on a [`CutTable`] or an [`OwnedTable`], and every
//! pass/fail decision is made by `cabin-infer` ([`CutTable::mask`] for whole events,
//! [`cabin_infer::Op::passes`] for one cut), so these numbers are the ones the firmware gives.
//!
//! Efficiency of a class = (sum of the weights of its events passing every cut) / (sum of the
//! weights of all its events). Weights may be negative; a class whose weights sum to zero (or to
//! a non-finite value) has no efficiency and is an error.
//!
//! - [`efficiencies`]: one [`Eff`] per working point, `O(events * points * slots)`, one mask per
//!   event.
//! - [`refine`]: per working point, minimise the training background efficiency subject to the
//!   signal efficiency staying at or above the target (coordinate search; see [`refine()`]).
//! - [`nest`]: make the selections nested across working points (every cut loosens as the
//!   target rises) by isotonic regression of each cut over the targets.
//! - [`genetic`]: the peer cabin is judged against: a genetic search for each working point's
//!   cuts, in the style of TMVA's `MethodCuts` with `FitMethod=GA` (see [`genetic()`]).
//! - [`agreeing_mean`]: combine the bags of a bagged refinement, averaging only the bags
//!   that found the best bag's valley.
//! - [`recalibrate`]: per working point, move all cuts together so that the hard training signal
//!   efficiency equals the target (an exact weighted quantile; see [`recalibrate()`]).
//!
//! [`OwnedTable`]: cabin_infer::doc::OwnedTable

use cabin_infer::{CutTable, TableError};
use serde::Serialize;

mod bags;
mod genetic;
mod nest;
mod pair;
mod recal;
mod refine;
mod work;

pub use bags::{agreeing_mean, BagMean};
pub use genetic::{genetic, GeneticOptions, GeneticPoint};
pub use nest::nest;
pub use recal::{recalibrate, RecalOptions, RecalPoint, RecalReport};
pub use refine::{refine, RefineOptions, RefinePoint, RefineReport, Start};

/// A set of events in column storage, and which of them to use.
///
/// `columns[k][i]` is feature `k` of event `i` in the table's input order; `is_signal[i]` and
/// `weights[i]` describe event `i`; only the events listed in `rows` (e.g. a split's training
/// rows) are used. Every column, `is_signal` and `weights` must have the same length.
#[derive(Clone, Copy, Debug)]
pub struct Events<'a> {
    /// One column per input, all of the same length.
    pub columns: &'a [Vec<f64>],
    /// Class of each event: `true` for signal.
    pub is_signal: &'a [bool],
    /// Weight of each event (may be negative).
    pub weights: &'a [f64],
    /// The events to use, as indices into the columns.
    pub rows: &'a [usize],
}

/// Hard-cut efficiencies of one working point.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Eff {
    /// Passing signal weight over total signal weight.
    pub eff_sig: f64,
    /// Passing background weight over total background weight.
    pub eff_bkg: f64,
    /// Total signal weight of the events (the denominator of `eff_sig`).
    pub sum_sig: f64,
    /// Total background weight of the events (the denominator of `eff_bkg`).
    pub sum_bkg: f64,
    /// Number of signal events used.
    pub n_sig: usize,
    /// Number of background events used.
    pub n_bkg: usize,
}

/// Which class an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Signal events.
    Signal,
    /// Background events.
    Background,
}

impl std::fmt::Display for Class {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Class::Signal => "signal",
            Class::Background => "background",
        })
    }
}

/// Why a hard-cut computation was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HardError {
    /// The table reads a different number of inputs than there are columns.
    #[error("cut table reads {table} inputs, but the events have {columns} columns")]
    InputCount {
        /// Inputs of the table.
        table: usize,
        /// Columns given.
        columns: usize,
    },
    /// A column, the labels or the weights have a different length from column 0.
    #[error("{what} has {got} entries, expected {expected} (the length of column 0)")]
    Length {
        /// Which array.
        what: String,
        /// Its length.
        got: usize,
        /// Length of column 0.
        expected: usize,
    },
    /// A row index past the end of the columns.
    #[error("row {row} is out of range (the events have {events} entries)")]
    RowOutOfRange {
        /// The row index.
        row: usize,
        /// Number of events.
        events: usize,
    },
    /// A weight is NaN or infinite.
    #[error("weight of event {row} is {weight}, expected a finite number")]
    BadWeight {
        /// The row index.
        row: usize,
        /// The weight.
        weight: f64,
    },
    /// A class has no events among the rows, or its weights sum to zero.
    #[error("{class} weights sum to {sum} over {events} events, expected a non-zero total")]
    ZeroWeight {
        /// The class.
        class: Class,
        /// The sum of its weights.
        sum: f64,
        /// Its number of events.
        events: usize,
    },
    /// The targets do not match the table's working points.
    #[error("{targets} targets for a table with {points} working points")]
    TargetCount {
        /// Targets given.
        targets: usize,
        /// Working points of the table.
        points: usize,
    },
    /// A target efficiency outside `[0, 1]`.
    #[error("target efficiency {target} of working point {point} is outside [0, 1]")]
    BadTarget {
        /// Working point index.
        point: usize,
        /// The target.
        target: f64,
    },
    /// A feature scale that is not a positive finite number, or the wrong number of scales.
    #[error("feature scale {scale} of input {input} is not a positive finite number")]
    BadScale {
        /// Input index (or the number of scales given when their count is wrong).
        input: usize,
        /// The scale.
        scale: f64,
    },
    /// A search setting that cannot be used.
    #[error("{what} = {value}: expected {expected}")]
    Setting {
        /// The setting.
        what: &'static str,
        /// Its value.
        value: String,
        /// What is accepted.
        expected: String,
    },
    /// A bag of refined thresholds whose length is not the table's.
    #[error("a bag has {got} thresholds, expected {expected} (working points x slots)")]
    BagShape {
        /// Thresholds in the bag.
        got: usize,
        /// Thresholds of the table.
        expected: usize,
    },
    /// The cut table is malformed.
    #[error("{0}")]
    Table(TableError),
}

impl From<TableError> for HardError {
    fn from(e: TableError) -> Self {
        HardError::Table(e)
    }
}

/// The class totals of a validated event set.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Totals {
    pub sum_sig: f64,
    pub sum_bkg: f64,
    pub n_sig: usize,
    pub n_bkg: usize,
}

/// Checks the shapes of `ev` against a table with `inputs` inputs and returns the class totals.
pub(crate) fn check_events(inputs: usize, ev: &Events) -> Result<Totals, HardError> {
    if ev.columns.len() != inputs {
        return Err(HardError::InputCount { table: inputs, columns: ev.columns.len() });
    }
    let n = ev.columns.first().map_or(ev.is_signal.len(), Vec::len);
    for (k, c) in ev.columns.iter().enumerate() {
        if c.len() != n {
            let what = format!("column {k}");
            return Err(HardError::Length { what, got: c.len(), expected: n });
        }
    }
    if ev.is_signal.len() != n {
        let (what, got) = ("the label array".to_string(), ev.is_signal.len());
        return Err(HardError::Length { what, got, expected: n });
    }
    if ev.weights.len() != n {
        let (what, got) = ("the weight array".to_string(), ev.weights.len());
        return Err(HardError::Length { what, got, expected: n });
    }
    let mut t = Totals { sum_sig: 0.0, sum_bkg: 0.0, n_sig: 0, n_bkg: 0 };
    for &r in ev.rows {
        if r >= n {
            return Err(HardError::RowOutOfRange { row: r, events: n });
        }
        let w = ev.weights[r];
        if !w.is_finite() {
            return Err(HardError::BadWeight { row: r, weight: w });
        }
        if ev.is_signal[r] {
            t.sum_sig += w;
            t.n_sig += 1;
        } else {
            t.sum_bkg += w;
            t.n_bkg += 1;
        }
    }
    for (class, sum, events) in
        [(Class::Signal, t.sum_sig, t.n_sig), (Class::Background, t.sum_bkg, t.n_bkg)]
    {
        if sum == 0.0 || !sum.is_finite() {
            return Err(HardError::ZeroWeight { class, sum, events });
        }
    }
    Ok(t)
}

/// Weighted hard-cut efficiencies of every working point of `table` on the events `ev.rows`.
///
/// Each event is evaluated once through [`CutTable::mask`] (all working points at once), so
/// the cost is one pass over the events. Returns one [`Eff`] per working point, in table order.
///
/// # Errors
/// [`HardError`] if the shapes disagree, a row is out of range, a weight is not finite or a
/// class has zero total weight.
pub fn efficiencies(table: &CutTable, ev: &Events) -> Result<Vec<Eff>, HardError> {
    let totals = check_events(table.inputs(), ev)?;
    let points = table.points();
    let mut pass_sig = vec![0.0f64; points];
    let mut pass_bkg = vec![0.0f64; points];
    let mut event = vec![0.0f64; table.inputs()];
    for &r in ev.rows {
        for (v, c) in event.iter_mut().zip(ev.columns) {
            *v = c[r];
        }
        let mut mask = table.mask(&event)?;
        let acc = if ev.is_signal[r] { &mut pass_sig } else { &mut pass_bkg };
        let w = ev.weights[r];
        while mask != 0 {
            let p = mask.trailing_zeros() as usize;
            acc[p] += w;
            mask &= mask - 1;
        }
    }
    Ok(pass_sig
        .iter()
        .zip(&pass_bkg)
        .map(|(&s, &b)| Eff {
            eff_sig: s / totals.sum_sig,
            eff_bkg: b / totals.sum_bkg,
            sum_sig: totals.sum_sig,
            sum_bkg: totals.sum_bkg,
            n_sig: totals.n_sig,
            n_bkg: totals.n_bkg,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use cabin_infer::{Op, Slot};

    fn brute(slots: &[Slot], th: &[f64], ev: &Events) -> Vec<(f64, f64)> {
        let s = slots.len();
        (0..th.len() / s)
            .map(|p| {
                let (mut ps, mut ts, mut pb, mut tb) = (0.0, 0.0, 0.0, 0.0);
                for &r in ev.rows {
                    let pass = slots.iter().enumerate().all(|(j, sl)| {
                        let x = ev.columns[sl.input as usize][r];
                        let t = th[p * s + j];
                        match sl.op {
                            Op::Gt => x > t,
                            Op::Ge => x >= t,
                            Op::Lt => x < t,
                            Op::Le => x <= t,
                        }
                    });
                    let w = ev.weights[r];
                    if ev.is_signal[r] {
                        ts += w;
                        if pass {
                            ps += w;
                        }
                    } else {
                        tb += w;
                        if pass {
                            pb += w;
                        }
                    }
                }
                (ps / ts, pb / tb)
            })
            .collect()
    }

    #[test]
    fn efficiencies_match_a_brute_force_count() {
        // Values on a coarse grid so that ties with the thresholds occur for >= and <=.
        let n = 500;
        let mut state = 12345u64;
        let mut next = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 33) as f64 / (1u64 << 31) as f64
        };
        let mut columns = vec![Vec::new(), Vec::new()];
        let mut is_signal = Vec::new();
        let mut weights = Vec::new();
        for i in 0..n {
            columns[0].push((next() * 10.0).floor());
            columns[1].push((next() * 10.0).floor());
            is_signal.push(i % 3 != 0);
            weights.push(if i % 7 == 0 { -0.5 } else { 1.0 + next() });
        }
        let rows: Vec<usize> = (0..n).filter(|i| i % 5 != 0).collect();
        let ev =
            Events { columns: &columns, is_signal: &is_signal, weights: &weights, rows: &rows };
        let slots = [
            Slot { input: 0, op: Op::Ge },
            Slot { input: 1, op: Op::Lt },
            Slot { input: 1, op: Op::Gt },
        ];
        let th = [3.0, 8.0, 1.0, 5.0, 9.0, 0.0, -1.0, 100.0, -1.0, 9.0, 9.0, 9.0];
        let table = CutTable::new(2, &slots, &th).unwrap();
        let got = efficiencies(&table, &ev).unwrap();
        let want = brute(&slots, &th, &ev);
        assert_eq!(got.len(), 4);
        for (g, w) in got.iter().zip(&want) {
            assert!((g.eff_sig - w.0).abs() < 1e-12, "{g:?} vs {w:?}");
            assert!((g.eff_bkg - w.1).abs() < 1e-12, "{g:?} vs {w:?}");
        }
        assert_eq!(got[2].eff_sig, 1.0);
        assert_eq!(got[3].eff_sig, 0.0);
        assert_eq!(got[0].n_sig + got[0].n_bkg, rows.len());
    }

    #[test]
    fn bad_inputs_are_errors() {
        let columns = vec![vec![1.0, 2.0], vec![1.0, 2.0]];
        let slots = [Slot { input: 0, op: Op::Gt }];
        let th = [1.5];
        let table = CutTable::new(2, &slots, &th).unwrap();
        let ev = |l: &'static [bool], w: &'static [f64], r: &'static [usize]| Events {
            columns: Box::leak(Box::new(columns.clone())),
            is_signal: l,
            weights: w,
            rows: r,
        };
        let e = efficiencies(&table, &ev(&[true, false], &[1.0, 1.0], &[0, 1, 2])).unwrap_err();
        assert_eq!(e, HardError::RowOutOfRange { row: 2, events: 2 });
        let e = efficiencies(&table, &ev(&[true, true], &[1.0, 1.0], &[0, 1])).unwrap_err();
        assert!(matches!(e, HardError::ZeroWeight { class: Class::Background, .. }), "{e}");
        let e = efficiencies(&table, &ev(&[true, false], &[1.0, f64::NAN], &[0, 1])).unwrap_err();
        assert!(matches!(e, HardError::BadWeight { row: 1, .. }), "{e}");
        let e = efficiencies(&table, &ev(&[true], &[1.0, 1.0], &[0])).unwrap_err();
        assert!(e.to_string().contains("label array has 1 entries, expected 2"), "{e}");
        let one = vec![vec![1.0, 2.0]];
        let ev1 =
            Events { columns: &one, is_signal: &[true, false], weights: &[1.0; 2], rows: &[0] };
        assert!(matches!(efficiencies(&table, &ev1), Err(HardError::InputCount { .. })));
    }
}
