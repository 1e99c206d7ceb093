//! The train/test split, the scaler and the automatic cut directions.

use cabin_infer::Op;
use cabin_train::data::{auto_directions, split, DataError, Dataset, Scaler};

/// `n_sig` signal then `n_bkg` background events; feature 0 is the row index, feature 1 is
/// higher for signal, feature 2 lower for signal.
fn toy(n_sig: usize, n_bkg: usize) -> Dataset {
    let n = n_sig + n_bkg;
    let is_signal: Vec<bool> = (0..n).map(|i| i < n_sig).collect();
    let idx: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let up: Vec<f64> =
        (0..n).map(|i| if is_signal[i] { 2.0 } else { 1.0 } + (i % 3) as f64).collect();
    let down: Vec<f64> = up.iter().map(|v| -v).collect();
    Dataset {
        features: vec!["idx".into(), "up".into(), "down".into()],
        columns: vec![idx, up, down],
        is_signal,
        weights: vec![1.0; n],
        inputs: Vec::new(),
        dropped_nonfinite: 0,
    }
}

#[test]
fn split_is_stratified_sorted_disjoint_and_complete() {
    let ds = toy(700, 300);
    let s = split(&ds, 0.2, 42).unwrap();
    assert_eq!(s.test.len(), 200);
    assert_eq!(s.train.len(), 800);
    let sig_test = s.test.iter().filter(|&&i| ds.is_signal[i]).count();
    assert_eq!(sig_test, 140, "20% of each class");
    assert!(s.train.windows(2).all(|w| w[0] < w[1]));
    assert!(s.test.windows(2).all(|w| w[0] < w[1]));
    let mut all: Vec<usize> = s.train.iter().chain(&s.test).copied().collect();
    all.sort_unstable();
    assert_eq!(all, (0..1000).collect::<Vec<_>>());
}

#[test]
fn split_is_reproducible_and_seed_dependent() {
    let ds = toy(500, 500);
    let a = split(&ds, 0.3, 7).unwrap();
    assert_eq!(a, split(&ds, 0.3, 7).unwrap());
    assert_ne!(a.test, split(&ds, 0.3, 8).unwrap().test);
    // Pinned: the first test rows for seed 7 on this toy, so a change of PRNG or procedure
    // (which would silently change every published number) fails here.
    assert_eq!(&a.test[..6], &PINNED_SEED7);
}

/// The procedure of the split module doc (SplitMix64, partial Fisher-Yates per class, class
/// salts) transcribed independently into Python gives the same rows.
const PINNED_SEED7: [usize; 6] = [1, 2, 6, 10, 14, 15];

#[test]
fn split_rejects_bad_fractions_and_tiny_classes() {
    let ds = toy(10, 10);
    for f in [0.0, 1.0, -0.1, f64::NAN] {
        let e = split(&ds, f, 1).unwrap_err();
        assert!(matches!(e, DataError::TestFraction { .. }), "{e}");
    }
    let e = split(&ds, 1.5, 1).unwrap_err().to_string();
    assert_eq!(e, "test fraction 1.5 is out of range (expected a number strictly between 0 and 1)");
    let e = split(&toy(1, 10), 0.2, 1).unwrap_err().to_string();
    assert_eq!(e, "only 1 signal events: at least 2 are needed to fill both train and test");
    // Both splits get at least one event of each class even when the fraction rounds to 0.
    let s = split(&toy(3, 3), 0.01, 1).unwrap();
    assert_eq!(s.test.len(), 2);
}

#[test]
fn scaler_fits_given_rows_only() {
    let ds = toy(4, 4);
    let rows = [0, 1, 2, 3];
    let sc = Scaler::fit(&ds, &rows).unwrap();
    // idx on rows 0..4: mean 1.5, population std sqrt(1.25).
    assert_eq!(sc.mean[0], 1.5);
    assert!((sc.scale[0] - 1.25f64.sqrt()).abs() < 1e-15);
    for x in [-3.0, 0.0, 2.5, 1e6] {
        let z = sc.transform(0, x);
        assert!((sc.inverse(0, z) - x).abs() < 1e-9 * x.abs().max(1.0));
    }
    assert_eq!(sc.transform(0, 1.5), 0.0);
    assert_eq!(sc.inverse(0, 1.0), 1.5 + 1.25f64.sqrt());
}

#[test]
fn scaler_errors() {
    let mut ds = toy(4, 4);
    ds.columns[1] = vec![0.1; 8];
    let e = Scaler::fit(&ds, &[0, 1, 2]).unwrap_err().to_string();
    assert!(e.starts_with("feature 'up' is constant (0.1) on the training rows"), "{e}");
    let ds = toy(4, 4);
    assert!(matches!(Scaler::fit(&ds, &[]), Err(DataError::NoRows)));
    let e = Scaler::fit(&ds, &[0, 8]).unwrap_err().to_string();
    assert_eq!(e, "row 8 is out of range (the data set has 8 rows)");
}

#[test]
fn directions_follow_weighted_class_means() {
    let ds = toy(30, 30);
    let all: Vec<usize> = (0..60).collect();
    // idx: signal rows come first, so the signal mean is lower.
    assert_eq!(auto_directions(&ds, &all), [Op::Lt, Op::Gt, Op::Lt]);

    // Signal x = 0, 12 (mean 6), background x = 5, 6 (mean 5.5). A heavy weight on the
    // signal event at 0 flips the direction.
    let mut ds = toy(2, 2);
    ds.columns = vec![vec![0.0, 12.0, 5.0, 6.0]];
    ds.features = vec!["x".into()];
    assert_eq!(auto_directions(&ds, &[0, 1, 2, 3]), [Op::Gt]);
    ds.weights = vec![10.0, 1.0, 1.0, 1.0];
    assert_eq!(auto_directions(&ds, &[0, 1, 2, 3]), [Op::Lt]);
    // Only the given rows count.
    assert_eq!(auto_directions(&ds, &[1, 2]), [Op::Gt]);
}
