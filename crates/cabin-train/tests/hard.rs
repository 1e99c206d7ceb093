//! Refinement and recalibration on small synthetic samples: the guarantees of
//! `cabin_train::hard` checked against exact recounts through `efficiencies`.

use cabin_infer::doc::OwnedTable;
use cabin_infer::{Op, Slot};
use cabin_train::hard::{
    efficiencies, recalibrate, refine, Events, HardError, RecalOptions, RefineOptions,
};

/// Deterministic normal deviates (LCG + Box-Muller), so the tests need no RNG crate.
struct Normal(u64);

impl Normal {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    fn next(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// Three features: signal high in f0 and f1, low in f2; background the other way.
struct Sample {
    columns: Vec<Vec<f64>>,
    is_signal: Vec<bool>,
    weights: Vec<f64>,
    rows: Vec<usize>,
}

impl Sample {
    fn new(n: usize, seed: u64, weighted: bool) -> Sample {
        let mut g = Normal(seed);
        let mut columns: Vec<Vec<f64>> = (0..3).map(|_| Vec::with_capacity(n)).collect();
        let (mut is_signal, mut weights) = (Vec::new(), Vec::new());
        for i in 0..n {
            let sig = i % 2 == 0;
            let sh = if sig { 1.0 } else { 0.0 };
            columns[0].push(10.0 + 3.0 * (g.next() + sh));
            columns[1].push(g.next() + 0.7 * sh);
            // A coarse grid: many ties, as in integer-valued physics inputs.
            columns[2].push((2.0 * (g.next() - 0.8 * sh)).round());
            is_signal.push(sig);
            let w = if !weighted {
                1.0
            } else if i % 11 == 0 {
                -0.3
            } else {
                0.5 + g.uniform()
            };
            weights.push(w);
        }
        Sample { columns, is_signal, weights, rows: (0..n).collect() }
    }

    fn events(&self) -> Events<'_> {
        Events {
            columns: &self.columns,
            is_signal: &self.is_signal,
            weights: &self.weights,
            rows: &self.rows,
        }
    }
}

const TARGETS: [f64; 5] = [0.2, 0.4, 0.6, 0.8, 0.95];

fn slots() -> Vec<Slot> {
    vec![
        Slot { input: 0, op: Op::Gt },
        Slot { input: 1, op: Op::Ge },
        Slot { input: 2, op: Op::Le },
    ]
}

/// A deliberately poor start: the same, loose cuts for every working point.
fn loose_table() -> OwnedTable {
    let one = [8.0, -1.5, 3.0];
    OwnedTable {
        names: vec!["a".into(), "b".into(), "c".into()],
        targets: TARGETS.to_vec(),
        slots: slots(),
        thresholds: TARGETS.iter().flat_map(|_| one).collect(),
    }
}

#[test]
fn recalibration_hits_the_target_up_to_one_event() {
    for weighted in [false, true] {
        let s = Sample::new(4000, 7, weighted);
        let ev = s.events();
        let mut table = loose_table();
        let report = recalibrate(&mut table, &TARGETS, &ev, &RecalOptions::default()).unwrap();
        let eff = efficiencies(&table.view().unwrap(), &ev).unwrap();
        let sum_sig = eff[0].sum_sig;
        let max_w = (0..s.rows.len())
            .filter(|&i| s.is_signal[i])
            .map(|i| s.weights[i].abs())
            .fold(0.0, f64::max);
        for (p, (r, e)) in report.points.iter().zip(&eff).enumerate() {
            assert!(r.reached, "point {p}");
            assert_eq!(r.after, *e);
            assert!(e.eff_sig >= TARGETS[p] - 1e-12, "point {p}: {} < target", e.eff_sig);
            // Ties of the gridded input are broken by the continuous ones: one event at most.
            let slack = max_w / sum_sig + 1e-12;
            assert!(e.eff_sig - TARGETS[p] <= slack, "point {p}: {} vs {}", e.eff_sig, TARGETS[p]);
        }
        // A point above its target tightens (negative shift), one below loosens.
        for r in &report.points {
            assert_eq!(r.delta < 0.0, r.before.eff_sig > r.target, "{r:?}");
        }
    }
}

#[test]
fn refinement_keeps_the_target_and_never_raises_background() {
    for weighted in [false, true] {
        let s = Sample::new(3000, 11, weighted);
        let ev = s.events();
        // Only the first input cuts: the search has to bring in the other two.
        let mut table = loose_table();
        for p in 0..TARGETS.len() {
            table.thresholds[p * 3 + 1] = -10.0;
            table.thresholds[p * 3 + 2] = 10.0;
        }
        recalibrate(&mut table, &TARGETS, &ev, &RecalOptions::default()).unwrap();
        let start = efficiencies(&table.view().unwrap(), &ev).unwrap();
        let opts = RefineOptions { smooth_slack: 0.0, ..RefineOptions::default() };
        let report = refine(&mut table, &TARGETS, &ev, &opts).unwrap();
        let end = efficiencies(&table.view().unwrap(), &ev).unwrap();
        let mut gained = 0.0;
        for p in 0..TARGETS.len() {
            assert!(report.points[p].reached);
            assert_eq!(report.points[p].after, end[p]);
            assert!(end[p].eff_sig >= TARGETS[p] - 1e-12, "point {p}: {:?}", end[p]);
            assert!(end[p].eff_bkg <= start[p].eff_bkg + 1e-12, "{p}: {:?} {:?}", start[p], end[p]);
            gained += start[p].eff_bkg - end[p].eff_bkg;
        }
        // A common shift of one loose start is far from optimal: the search must find better.
        assert!(gained > 0.05, "background gained only {gained}");
    }
}

#[test]
fn the_pair_stage_only_lowers_background_and_is_skipped_for_negative_weights() {
    for weighted in [false, true] {
        let s = Sample::new(3000, 5, weighted);
        let ev = s.events();
        let base = RefineOptions { restarts: false, smooth_rounds: 0, ..RefineOptions::default() };
        let mut with = loose_table();
        let mut without = loose_table();
        refine(&mut with, &TARGETS, &ev, &base).unwrap();
        refine(&mut without, &TARGETS, &ev, &RefineOptions { pairs: false, ..base }).unwrap();
        let a = efficiencies(&with.view().unwrap(), &ev).unwrap();
        let b = efficiencies(&without.view().unwrap(), &ev).unwrap();
        if weighted {
            // Some weights are negative: a quantile of them is not monotone, no pair stage.
            assert_eq!(with.thresholds, without.thresholds);
            continue;
        }
        let mut gained = 0.0;
        for p in 0..TARGETS.len() {
            assert!(a[p].eff_sig >= TARGETS[p] - 1e-12, "point {p}: {:?}", a[p]);
            assert!(a[p].eff_bkg <= b[p].eff_bkg + 1e-12, "point {p}: {:?} {:?}", a[p], b[p]);
            gained += b[p].eff_bkg - a[p].eff_bkg;
        }
        assert!(gained > 0.0, "the pair stage found nothing on this sample");
    }
}

#[test]
fn refinement_finds_the_exact_optimum_of_a_single_cut() {
    // One feature, one cut: the best cut keeps the highest-valued signal events, so for 30%
    // signal efficiency on 1000 signal events it passes exactly the top 300.
    let s = Sample::new(2000, 3, false);
    let ev = s.events();
    let mut table = OwnedTable {
        names: vec!["a".into(), "b".into(), "c".into()],
        targets: vec![0.3],
        slots: vec![Slot { input: 0, op: Op::Gt }],
        thresholds: vec![0.0],
    };
    refine(&mut table, &[0.3], &ev, &RefineOptions::default()).unwrap();
    let mut sig: Vec<f64> =
        (0..2000).filter(|&i| s.is_signal[i]).map(|i| s.columns[0][i]).collect();
    sig.sort_by(|a, b| b.total_cmp(a));
    let t = table.thresholds[0];
    assert!(t < sig[299] && t > sig[300], "cut {t} not between {} and {}", sig[300], sig[299]);
    // No background event lies between the cut and the 300th signal event either way: the
    // cut sits halfway between the two neighbouring events that pass the other cuts.
    let e = efficiencies(&table.view().unwrap(), &ev).unwrap();
    assert!((e[0].eff_sig - 0.3).abs() < 1e-12);
}

#[test]
fn refinement_smoothing_does_not_break_the_guarantees() {
    let s = Sample::new(3000, 5, false);
    let ev = s.events();
    let mut table = loose_table();
    recalibrate(&mut table, &TARGETS, &ev, &RecalOptions::default()).unwrap();
    let mut rough = table.clone();
    let no_smooth = RefineOptions { smooth_rounds: 0, ..RefineOptions::default() };
    let r0 = refine(&mut rough, &TARGETS, &ev, &no_smooth).unwrap();
    let opts = RefineOptions::default();
    let r1 = refine(&mut table, &TARGETS, &ev, &opts).unwrap();
    let tv = |r: &[cabin_train::eval::SlotSmoothness]| -> f64 {
        r.iter().filter_map(|s| s.relative_variation).sum()
    };
    for (p, &t) in TARGETS.iter().enumerate() {
        let (a, b) = (r0.points[p].after, r1.points[p].after);
        assert!(b.eff_sig >= t - 1e-12);
        assert!(b.eff_bkg <= a.eff_bkg * (1.0 + opts.smooth_slack) + 1e-12, "{a:?} {b:?}");
    }
    assert!(tv(&r1.smooth_after) <= tv(&r0.smooth_after) + 1e-9);
}

#[test]
fn bad_targets_are_errors() {
    let s = Sample::new(100, 1, false);
    let ev = s.events();
    let mut table = loose_table();
    let e = refine(&mut table, &[0.5], &ev, &RefineOptions::default()).unwrap_err();
    assert_eq!(e, HardError::TargetCount { targets: 1, points: 5 });
    let bad = [0.2, 0.4, 1.5, 0.8, 0.9];
    let e = recalibrate(&mut table, &bad, &ev, &RecalOptions::default()).unwrap_err();
    assert!(e.to_string().contains("target efficiency 1.5 of working point 2"), "{e}");
    let opts = RecalOptions { scales: Some(vec![1.0, 0.0, 1.0]) };
    let e = recalibrate(&mut table, &TARGETS, &ev, &opts).unwrap_err();
    assert!(matches!(e, HardError::BadScale { input: 1, .. }), "{e}");
    assert_eq!(table, loose_table(), "a failed call must leave the table alone");
}
