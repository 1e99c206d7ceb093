//! `cabin eval` end to end: efficiencies equal a direct count, the evaluation section is
//! written only where -o says, recorded inputs are reloaded and checked, bad input exits 2.

use std::path::Path;
use std::process::{Command, Output};

use cabin_infer::doc::CutsFile;
use serde_json::{json, Value};

fn cabin(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cabin")).args(args).current_dir(dir).output().unwrap()
}

/// 400 events on a grid: a in 0..20, b in 0..10; signal when (13 i + i / 7) % 10 < 6.
fn events() -> Vec<(f64, f64, bool)> {
    (0..400)
        .map(|i| {
            let (a, b) = ((i * 7 % 20) as f64, (i * 3 % 10) as f64);
            (a, b, (i * 13 + i / 7) % 10 < 6)
        })
        .collect()
}

fn write_csv(dir: &Path) {
    let mut s = String::from("a,b,label\n");
    for (a, b, sig) in events() {
        s.push_str(&format!("{a},{b},{}\n", sig as u8));
    }
    std::fs::write(dir.join("d.csv"), s).unwrap();
}

/// Two working points: a > 5 and b < 7; a > 9.5 and b < 4.
fn cut_file(inputs: Value) -> String {
    let wp = |target: f64, a: f64, b: f64| {
        json!({
            "target": target,
            "cuts": [
                {"feature": "a", "op": ">", "value": a},
                {"feature": "b", "op": "<", "value": b}
            ],
            "train": {"eff_sig": 0.0, "eff_bkg": 0.0},
            "test": {"eff_sig": 0.0, "eff_bkg": 0.0}
        })
    };
    let doc = json!({
        "schema": "cabin.cuts/1",
        "generator": "test",
        "features": [
            {"name": "a", "direction": ">", "mean": 9.5, "scale": 5.8},
            {"name": "b", "direction": "<", "mean": 4.5, "scale": 2.9}
        ],
        "working_points": [wp(0.3, 9.5, 4.0), wp(0.7, 5.0, 7.0)],
        "config": {"seed": 42, "test_fraction": 0.25},
        "inputs": inputs
    });
    serde_json::to_string_pretty(&doc).unwrap()
}

/// Direct count over the given rows (all when `None`).
fn count(a_cut: f64, b_cut: f64, rows: Option<&[usize]>) -> (f64, f64) {
    let ev = events();
    let all: Vec<usize> = (0..ev.len()).collect();
    let rows = rows.unwrap_or(&all);
    let (mut ps, mut ts, mut pb, mut tb) = (0.0, 0.0, 0.0, 0.0);
    for &r in rows {
        let (a, b, sig) = ev[r];
        let pass = (a > a_cut && b < b_cut) as u8 as f64;
        if sig {
            ts += 1.0;
            ps += pass;
        } else {
            tb += 1.0;
            pb += pass;
        }
    }
    (ps / ts, pb / tb)
}

#[test]
fn eval_on_given_data_matches_a_direct_count_and_writes_only_with_o() {
    let tmp = tempfile::tempdir().unwrap();
    write_csv(tmp.path());
    let original = cut_file(json!([]));
    std::fs::write(tmp.path().join("cuts.json"), &original).unwrap();

    let out = cabin(&["eval", "cuts.json", "--data", "d.csv"], tmp.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("AUC "), "{stdout}");
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 2, "nothing written without -o");

    let out = cabin(&["eval", "cuts.json", "d.csv", "-o", "eval.json"], tmp.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(tmp.path().join("cuts.json")).unwrap(), original);
    let text = std::fs::read_to_string(tmp.path().join("eval.json")).unwrap();
    let doc = CutsFile::from_json(&text).unwrap();
    let e = &doc.extra["evaluation"];
    assert_eq!(e["data"]["rows"], "all");
    assert_eq!(e["data"]["events"], 400);
    for (p, (a, b)) in [(9.5, 4.0), (5.0, 7.0)].into_iter().enumerate() {
        let (s, bk) = count(a, b, None);
        let wp = &e["working_points"][p];
        assert!((wp["eff_sig"].as_f64().unwrap() - s).abs() < 1e-12, "{wp}");
        assert!((wp["eff_bkg"].as_f64().unwrap() - bk).abs() < 1e-12, "{wp}");
    }
    // ROC is sorted by target; the AUC is the trapezoid through both ends.
    assert_eq!(e["roc"][0]["target"], 0.3);
    let pts: Vec<(f64, f64)> = (0..2)
        .map(|i| {
            (e["roc"][i]["eff_sig"].as_f64().unwrap(), e["roc"][i]["eff_bkg"].as_f64().unwrap())
        })
        .collect();
    let mut area = 0.0;
    let mut prev = (0.0, 0.0);
    let mut sorted = pts.clone();
    sorted.sort_by(|x, y| x.0.total_cmp(&y.0));
    for q in sorted.into_iter().chain([(1.0, 1.0)]) {
        area += (q.0 - prev.0) * (q.1 + prev.1) / 2.0;
        prev = q;
    }
    assert!((e["auc"].as_f64().unwrap() - (1.0 - area)).abs() < 1e-12);
    // Cut a goes 9.5 -> 5 and b 4 -> 7 as the target rises: both loosen, no violation.
    assert_eq!(e["smoothness"][0]["total_variation"], 4.5);
    assert_eq!(e["smoothness"][1]["order_violations"], 0);
}

#[test]
fn eval_reloads_recorded_inputs_and_uses_their_test_split() {
    let tmp = tempfile::tempdir().unwrap();
    write_csv(tmp.path());
    let sha = cabin_train::data::sha256_file(&tmp.path().join("d.csv")).unwrap();
    let inputs = json!([{"role": "data", "path": "d.csv", "entries": 400, "sha256": sha}]);
    std::fs::write(tmp.path().join("cuts.json"), cut_file(inputs)).unwrap();

    let out = cabin(&["eval", "cuts.json", "-o", "eval.json"], tmp.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("eval.json")).unwrap())
            .unwrap();
    let e = &doc["evaluation"];
    assert_eq!(e["data"]["rows"], "test");
    assert_eq!(e["data"]["test_fraction"], 0.25);
    assert_eq!(e["data"]["events"], 100);

    // The test split of the same seed and fraction, as cabin-train's loader makes it.
    let ds = cabin_train::data::load(
        &cabin_train::data::Source::Labelled {
            data: cabin_train::data::SourceSpec::parse(&tmp.path().join("d.csv").to_string_lossy()),
            label: "label".into(),
        },
        &Default::default(),
    )
    .unwrap();
    let split = cabin_train::data::split(&ds, 0.25, 42).unwrap();
    let (s, b) = count(5.0, 7.0, Some(&split.test));
    let wp = &e["working_points"][1];
    assert!((wp["eff_sig"].as_f64().unwrap() - s).abs() < 1e-12, "{wp}");
    assert!((wp["eff_bkg"].as_f64().unwrap() - b).abs() < 1e-12, "{wp}");

    // The cut file from a subfolder: the recorded relative path is found next to it.
    std::fs::create_dir(tmp.path().join("sub")).unwrap();
    let out = cabin(&["eval", "../cuts.json", "--rows", "train"], &tmp.path().join("sub"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // Split options given for the recorded inputs do not apply to them, and say so.
    let out = cabin(&["eval", "cuts.json", "--seed", "5"], tmp.path());
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("evaluated with their recorded split"), "{err}");

    // A changed input is refused.
    std::fs::write(tmp.path().join("d.csv"), "a,b,label\n1,2,1\n3,4,0\n5,6,1\n7,8,0\n").unwrap();
    let out = cabin(&["eval", "cuts.json"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("input 'd.csv' has changed since training"), "{err}");
}

#[test]
fn eval_rejects_bad_input_with_exit_code_2() {
    let tmp = tempfile::tempdir().unwrap();
    write_csv(tmp.path());
    std::fs::write(tmp.path().join("cuts.json"), cut_file(json!([]))).unwrap();
    std::fs::write(tmp.path().join("bad.json"), "{\"schema\": \"other\"}").unwrap();

    let cases: [(&[&str], &str); 4] = [
        (&["eval", "missing.json", "d.csv"], "cannot read cut file 'missing.json'"),
        (&["eval", "bad.json", "d.csv"], "cannot use cut file 'bad.json'"),
        (&["eval", "cuts.json"], "records no inputs; give the data to evaluate on"),
        (&["eval", "cuts.json", "d.csv", "--features", "b,a"], "differs from the cut file's"),
    ];
    for (args, want) in cases {
        let out = cabin(args, tmp.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

#[test]
fn paired_comparison_counts_the_events_only_one_file_selects() {
    let tmp = tempfile::tempdir().unwrap();
    write_csv(tmp.path());
    std::fs::write(tmp.path().join("a.json"), cut_file(json!([]))).unwrap();
    // B: the first working point's cut on a loosened from 9.5 to 7.5.
    let mut b: Value = serde_json::from_str(&cut_file(json!([]))).unwrap();
    b["working_points"][0]["cuts"][0]["value"] = json!(7.5);
    std::fs::write(tmp.path().join("b.json"), b.to_string()).unwrap();

    let args = ["eval", "a.json", "--data", "d.csv", "--paired", "b.json", "-o", "e.json"];
    let out = cabin(&args, tmp.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("paired on the same events"), "{stdout}");
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("e.json")).unwrap()).unwrap();
    let p = &doc["evaluation"]["paired"]["working_points"];
    // Background events with 7.5 < a <= 9.5 and b < 4 pass B only.
    let ev = events();
    let n_bkg = ev.iter().filter(|e| !e.2).count() as f64;
    let only_b = ev.iter().filter(|e| !e.2 && e.0 > 7.5 && e.0 <= 9.5 && e.1 < 4.0).count();
    assert!(only_b > 0);
    assert_eq!(p[0]["bkg_only"], json!([0, only_b]));
    let d = p[0]["d_bkg"].as_array().unwrap();
    assert!((d[0].as_f64().unwrap() + only_b as f64 / n_bkg).abs() < 1e-12, "{d:?}");
    assert!((d[1].as_f64().unwrap() - (only_b as f64).sqrt() / n_bkg).abs() < 1e-12, "{d:?}");
    // The second working point is the same in both files.
    assert_eq!(p[1]["d_bkg"], json!([0.0, 0.0]));

    // Files that cannot be paired are refused.
    let mut c = b.clone();
    c["working_points"][1]["target"] = json!(0.8);
    std::fs::write(tmp.path().join("c.json"), c.to_string()).unwrap();
    let out = cabin(&["eval", "a.json", "--data", "d.csv", "--paired", "c.json"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("has targets [0.3, 0.8], expected the same"), "{err}");
    assert!(out.stdout.is_empty(), "a refused pairing prints no table");

    // A file trained on another split: its training events may be among the test rows.
    let mut d = b.clone();
    d["config"]["seed"] = json!(7);
    std::fs::write(tmp.path().join("d.json"), d.to_string()).unwrap();
    let args = ["eval", "a.json", "--data", "d.csv", "--rows", "test", "--paired", "d.json"];
    let out = cabin(&args, tmp.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("another split"), "{err}");
    let out = cabin(&["eval", "a.json", "--data", "d.csv", "--paired", "b.json"], tmp.path());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("another split"));
}
