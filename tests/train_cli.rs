//! `cabin train` end to end on a small generated CSV (fast in debug builds): the cut file's
//! schema fields, sorted working points, efficiencies, atomic output and exit codes.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// 800 events, 3 features; signal sits higher in `a` and `c`, lower in `b`.
fn write_csv(path: &Path) {
    let mut s = String::from("a,b,c,label\n");
    let mut state = 12345u64;
    let mut u = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((state >> 11) as f64) / ((1u64 << 53) as f64)
    };
    for i in 0..800 {
        let sig = i % 2 == 0;
        let shift = if sig { 1.0 } else { 0.0 };
        let a = u() * 3.0 + shift;
        let b = u() * 3.0 - shift;
        let c = u() * 2.0 + 0.5 * shift;
        s.push_str(&format!("{a:.5},{b:.5},{c:.5},{}\n", sig as u8));
    }
    std::fs::write(path, s).unwrap();
}

fn cabin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cabin"))
}

#[test]
fn writes_a_complete_sorted_cut_file() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("toy.csv");
    write_csv(&csv);
    let out = dir.path().join("cuts.json");
    let run = cabin()
        .args(["train", "--data"])
        .arg(&csv)
        .args(["--label", "label", "--epochs", "40", "--targets", "0.8,0.3,0.5"])
        .args(["--directions", "b:<", "--threads", "1", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "stderr: {}", String::from_utf8_lossy(&run.stderr));
    assert!(stdout.contains("target") && stdout.contains("test bkg"), "table: {stdout}");

    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(doc["schema"], "cabin.cuts/1");
    let feats = doc["features"].as_array().unwrap();
    let names: Vec<&str> = feats.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    let dirs: Vec<&str> = feats.iter().map(|f| f["direction"].as_str().unwrap()).collect();
    assert_eq!(dirs, [">", "<", ">"], "automatic a, c and the given b");
    for f in feats {
        assert!(f["scale"].as_f64().unwrap() > 0.0 && f["mean"].as_f64().is_some());
    }

    let wps = doc["working_points"].as_array().unwrap();
    let targets: Vec<f64> = wps.iter().map(|w| w["target"].as_f64().unwrap()).collect();
    assert_eq!(targets, [0.3, 0.5, 0.8]);
    let mut last = (0.0, 0.0);
    for wp in wps {
        let cuts = wp["cuts"].as_array().unwrap();
        assert_eq!(cuts.len(), 3);
        assert_eq!(cuts[1]["feature"], "b");
        assert_eq!(cuts[1]["op"], "<");
        assert!(cuts.iter().all(|c| c["value"].as_f64().is_some()));
        let (s, b) =
            (wp["test"]["eff_sig"].as_f64().unwrap(), wp["test"]["eff_bkg"].as_f64().unwrap());
        assert!(s >= last.0 && b >= last.1, "efficiencies not sorted: {s} {b} after {last:?}");
        last = (s, b);
        // Recalibrated onto the target on the training split.
        let ts = wp["train"]["eff_sig"].as_f64().unwrap();
        let t = wp["target"].as_f64().unwrap();
        assert!(ts >= t - 1e-12 && ts < t + 0.02, "train eff_sig {ts} for target {t}");
        assert!(wp["soft_train"]["eff_sig"].as_f64().is_some());
    }
    let cfg = &doc["config"];
    for key in ["alpha", "beta", "gamma", "delta", "eps", "rho", "steepness", "epochs", "lr"] {
        assert!(cfg[key].is_number(), "config lacks {key}");
    }
    assert_eq!(cfg["seed"], 42);
    assert_eq!(cfg["optimizer"], "adam");
    assert_eq!(doc["history"].as_array().unwrap().len(), 40);
    assert!(doc["history"][0]["train"]["total"].is_number());
    assert!(doc["history"][0]["test"]["total"].is_number());
    assert_eq!(doc["inputs"][0]["role"], "data");

    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".cabin-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
}

#[test]
fn paper_recipe_runs_and_bad_input_leaves_output_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("toy.csv");
    write_csv(&csv);
    let out = dir.path().join("cuts.json");
    let run = cabin()
        .args(["train", "--recipe", "paper", "--epochs", "5", "--targets", "0.5,0.9", "--data"])
        .arg(&csv)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "stderr: {}", String::from_utf8_lossy(&run.stderr));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(doc["config"]["optimizer"], "sgd");
    assert_eq!(doc["config"]["recipe"], "paper");
    let before = std::fs::read(&out).unwrap();

    // An unknown feature in --directions and a target of 1.5: exit code 2, file unchanged.
    for bad in [["--directions", "nope:>"], ["--targets", "0.5,1.5"]] {
        let run = cabin()
            .args(["train", "--epochs", "2", "--data"])
            .arg(&csv)
            .args(bad)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(2), "{bad:?}");
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(err.contains("error:"), "{err}");
        assert_eq!(std::fs::read(&out).unwrap(), before, "output changed by a failed run");
    }
}
