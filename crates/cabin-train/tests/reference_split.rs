//! The SUSY-like sample on the split of the public Python reference
//! (`tests/data/susy_reference_split.txt`: scikit-learn's `train_test_split`, random state
//! 42, 20 % not stratified; 5,915 test background events).
//!
//! - The paper recipe, with the ten targets of the optimisation issue, reproduces the issue's
//!   Python-reference column (200 epochs) on this split at the first five targets, which is
//!   how the split was identified. (Further up the SGD run is at its stability limit and small
//!   rounding differences decide where it ends.)
//! - The default recipe's test background is at or below the genetic-search column at
//!   every one of its ten signal efficiencies. That column was measured on yet another split:
//!   every one of its figures is a count out of 6,000 test background events (20 % of each
//!   class) and four of them (.0055, .0160, .0520, .3578) cannot be a count out of 5,915, so
//!   its events are those of the search program's own random split, which is not available
//!   here. The comparison is therefore across test samples, as on cabin's own splits.

use std::path::PathBuf;

use cabin_train::data::{read_test_rows, split_rows};
use cabin_train::pipeline::{train, TrainConfig};

mod common;
use common::{bkg_at, susy, GA};

/// The Python-reference column (200 epochs): (test signal, test background).
const PYTHON_200: [(f64, f64); 5] =
    [(0.110, 0.0), (0.205, 0.0010), (0.310, 0.0093), (0.418, 0.0247), (0.494, 0.0365)];

#[test]
fn paper_recipe_reproduces_the_reference_and_the_default_is_below_the_genetic_column() {
    let Some(ds) = susy() else { return };
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/susy_reference_split.txt");
    let rows = read_test_rows(&path).expect("the split file reads");
    let sp = split_rows(&ds, &rows, &path).expect("the split fits the sample");
    assert_eq!((sp.test.len(), sp.train.len()), (20_000, 80_000));
    let bkg_test = sp.test.iter().filter(|&&r| !ds.is_signal[r]).count();
    assert_eq!(bkg_test, 5_915);

    let ten = vec![0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95];
    let paper = TrainConfig { targets: ten, test_every: 0, ..TrainConfig::paper() };
    let p = train(&ds, &sp, &paper, &mut |_| {}).expect("paper recipe trains");
    println!("target  paper here      Python reference");
    for (w, (s, b)) in p.working_points.iter().zip(PYTHON_200) {
        println!("{:.2}    {:.4}/{:.4}   {s:.3}/{b:.4}", w.target, w.test.eff_sig, w.test.eff_bkg);
        assert!((w.test.eff_sig - s).abs() < 0.006, "target {}: signal {}", w.target, s);
        assert!((w.test.eff_bkg - b).abs() < 0.0015, "target {}: background {}", w.target, b);
    }

    let def =
        train(&ds, &sp, &TrainConfig { test_every: 0, ..TrainConfig::default() }, &mut |_| {})
            .expect("default trains");
    println!("signal  genetic  default");
    for (s, ga) in GA {
        let d = bkg_at(&def, s);
        println!("{s:.3}   {ga:.4}   {d:.5}");
        // The column is printed to four decimals: it is known to within 0.00005.
        assert!(d < ga + 5e-5, "at signal {s}: default {d:.5} above the genetic search's {ga:.4}");
    }
}
