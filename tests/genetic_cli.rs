//! `cabin train --recipe genetic` through the binary: the peer search writes an ordinary cut
//! file that reaches its targets on the training split, and its settings are checked.

use std::path::Path;

use serde_json::Value;

mod common;
use common::{cabin, uniform};

/// 3000 events: `pt` higher for signal, `iso` lower for signal.
fn write_csv(dir: &Path) {
    let mut uni = uniform(5);
    let mut csv = String::from("pt,iso,label\n");
    for i in 0..3000 {
        let sig = i % 2 == 0;
        let pt = if sig { 40.0 } else { 20.0 } - 15.0 * uni().ln();
        let iso = if sig { 0.5 } else { 2.0 } * -uni().ln();
        csv.push_str(&format!("{pt:.4},{iso:.4},{}\n", sig as u8));
    }
    std::fs::write(dir.join("toy.csv"), csv).unwrap();
}

#[test]
fn genetic_recipe_writes_cuts_that_reach_their_targets() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_csv(dir);
    let args = [
        "train",
        "toy.csv",
        "--recipe",
        "genetic",
        "--targets",
        "0.3,0.6,0.9",
        "--ga-population",
        "30",
        "--ga-cycles",
        "2",
        "-o",
        "ga.json",
    ];
    let o = cabin(&args, dir);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("ga.json")).unwrap()).unwrap();
    assert_eq!(doc["config"]["recipe"], "genetic");
    assert_eq!(doc["config"]["genetic"]["population"], 30);
    assert!(doc["history"].as_array().unwrap().is_empty(), "no gradient epochs");
    let mut last_bkg = -1.0;
    for wp in doc["working_points"].as_array().unwrap() {
        let target = wp["target"].as_f64().unwrap();
        let train = &wp["train"];
        assert!(train["eff_sig"].as_f64().unwrap() >= target - 1e-9, "{wp}");
        let bkg = train["eff_bkg"].as_f64().unwrap();
        // Two separating features: a real search keeps well below the signal efficiency.
        assert!(bkg < 0.8 * target, "{wp}");
        assert!(bkg >= last_bkg, "background rises along the scan: {wp}");
        last_bkg = bkg;
        assert!(wp["genetic_evaluations"].as_u64().unwrap() >= 60, "{wp}");
    }
    // The file is an ordinary cut table for every other tool.
    let o = cabin(&["eval", "ga.json"], dir);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn genetic_settings_are_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_csv(dir);
    let o = cabin(&["train", "toy.csv", "--ga-population", "50"], dir);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--ga-population 50 needs --recipe genetic"), "{err}");
    let cases: [(&[&str], &str); 5] = [
        (&["--ga-population", "2"], "population = 2: expected 4 to 100000"),
        (&["--ga-cycles", "1000000000"], "cycles = 1000000000: expected 1 to 1000"),
        (&["--ga-steps", "0"], "steps = 0: expected 1 to 500"),
        (&["--ga-steps", "-1"], "invalid value '-1' for '--ga-steps"),
        (&["--epochs", "5"], "epochs = 5: expected 0 with a genetic search"),
    ];
    for (extra, expected) in cases {
        let args = [&["train", "toy.csv", "--recipe", "genetic"][..], extra].concat();
        let o = cabin(&args, dir);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    assert!(!dir.join("cuts.json").exists(), "no output on a refused setting");
    // `cabin compare --genetic` takes the --ga-* options for its genetic row.
    let o = cabin(&["compare", "toy.csv", "--genetic", "--ga-cycles", "0"], dir);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("cycles = 0: expected 1 to 1000"), "{err}");
}

#[test]
fn genetic_search_refuses_what_it_cannot_do() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_csv(dir);
    let cases: [(&[&str], &str); 3] = [
        (&["--objective", "significance"], "efficiency objective"),
        (&["--bin-by", "iso:0,1,100", "--features", "pt,iso"], "gradient recipe"),
        (&["--learn-weights"], "genetic search"),
    ];
    for (extra, expected) in cases {
        let args = [&["train", "toy.csv", "--recipe", "genetic"][..], extra].concat();
        let o = cabin(&args, dir);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(!dir.join("cuts.json").exists(), "{args:?} wrote output");
    }
}
