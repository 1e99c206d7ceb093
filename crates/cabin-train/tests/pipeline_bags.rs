//! The default training recipe (bagged refinement, recalibration) on a small subset of
//! `../shared/data/susy_like_synthetic.csv`: deterministic for a seed, every working point on
//! its target on the training split, and bagging really changes the cuts.
//!
//! The full-size comparison with the genetic search is `benches/ablation.sh` (release build).

use cabin_train::data::{split, Dataset, Split};
use cabin_train::pipeline::{train, TrainConfig};

mod common;
use common::susy;

/// Every 25th row of the seed-42 split: about 3,200 training and 800 test events.
fn small_split(ds: &Dataset) -> Split {
    let s = split(ds, 0.2, 42).expect("split");
    let thin = |r: &[usize]| r.iter().copied().step_by(25).collect();
    Split { train: thin(&s.train), test: thin(&s.test) }
}

fn config(bags: usize) -> TrainConfig {
    TrainConfig {
        epochs: 150,
        targets: vec![0.3, 0.5, 0.7, 0.8, 0.9],
        refine_bags: bags,
        test_every: 0,
        ..TrainConfig::default()
    }
}

#[test]
fn bagged_default_is_deterministic_and_on_target() {
    let Some(ds) = susy() else { return };
    let sp = small_split(&ds);
    assert_eq!(TrainConfig::default().refine_bags, 4, "bagging is the default");
    let cfg = TrainConfig { recal_crossfit: true, ..config(4) };
    let a = train(&ds, &sp, &cfg, &mut |_| {}).expect("training runs");
    let b = train(&ds, &sp, &cfg, &mut |_| {}).expect("training runs");
    let cuts = |d: &cabin_infer::doc::CutsFile| -> Vec<f64> {
        d.working_points.iter().flat_map(|w| w.cuts.iter().map(|c| c.value)).collect()
    };
    assert_eq!(cuts(&a), cuts(&b), "same seed, same cuts");
    for w in &a.working_points {
        let s = w.train.eff_sig;
        let o = w.extra.get("signal_optimism").and_then(|v| v.as_f64()).expect("recorded");
        assert!(o.abs() < 0.05, "target {}: optimism {o}", w.target);
        // Recalibration lands at or just above target + max(optimism, 0) (one event is 1/2,240
        // of the signal).
        let aim = w.target + o.max(0.0);
        assert!(s >= aim - 1e-9 && s < aim + 2e-3, "target {}: aim {aim}, got {s}", w.target);
        assert!(w.test.eff_bkg.is_finite() && w.test.eff_bkg < 1.0);
    }
    let plain = config(4);
    let p = train(&ds, &sp, &plain, &mut |_| {}).expect("training runs");
    for w in &p.working_points {
        let s = w.train.eff_sig;
        assert!(s >= w.target - 1e-9 && s < w.target + 2e-3, "target {}: {s}", w.target);
    }
    for w in &p.working_points {
        let kept = w.extra["refine_bags_kept"].as_array().expect("bags kept are recorded");
        assert!(!kept.is_empty() && kept.iter().all(|k| k.as_u64().is_some_and(|k| k < 4)));
    }
    let every = TrainConfig { bag_agree: false, ..config(4) };
    let e = train(&ds, &sp, &every, &mut |_| {}).expect("training runs");
    for w in &e.working_points {
        assert_eq!(w.extra["refine_bags_kept"], serde_json::json!([0, 1, 2, 3]));
    }
    let single = train(&ds, &sp, &config(1), &mut |_| {}).expect("training runs");
    assert_ne!(cuts(&a), cuts(&single), "bagging changes the cuts");
    assert!(single.working_points.iter().all(|w| !w.extra.contains_key("signal_optimism")));
    assert!(single.working_points.iter().all(|w| !w.extra.contains_key("refine_bags_kept")));
}
