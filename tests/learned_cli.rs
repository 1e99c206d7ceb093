//! `cabin train --learn-weights` through the binary: the learned file (directions from the
//! sign of the weights) goes through quantize, every export target and verify.

use std::path::Path;

use serde_json::Value;

mod common;
use common::{cabin, on_path, uniform};

fn ok(args: &[&str], dir: &Path) -> String {
    let o = cabin(args, dir);
    let t = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "cabin {args:?}: {t}");
    assert!(!t.contains("panicked"), "{t}");
    t
}

/// 2000 events: `pt` higher for signal, `iso` lower for signal, `noise` the same for both.
fn write_csv(dir: &Path) {
    let mut uni = uniform(99);
    let mut csv = String::from("pt,iso,noise,label\n");
    for i in 0..2000 {
        let sig = i % 2 == 0;
        let pt = if sig { 40.0 } else { 20.0 } - 15.0 * uni().ln();
        let iso = if sig { 0.5 } else { 2.0 } * -uni().ln();
        let noise = 100.0 * uni();
        csv.push_str(&format!("{pt:.4},{iso:.4},{noise:.4},{}\n", sig as u8));
    }
    std::fs::write(dir.join("toy.csv"), csv).unwrap();
}

#[test]
fn learned_weights_file_quantises_exports_and_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_csv(dir);
    let train = ["train", "toy.csv", "--epochs", "200", "--targets", "0.5,0.8"];
    ok(&[&train[..], &["--learn-weights", "-o", "lw.json"]].concat(), dir);
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("lw.json")).unwrap()).unwrap();
    let r = &doc["learned_weights"];
    assert_eq!(r["bound"], "tanh", "{r}");
    let weights = r["weights"].as_array().unwrap();
    for (w, f) in weights.iter().zip(doc["features"].as_array().unwrap()) {
        let w = w["weight"].as_f64().unwrap();
        assert!(w.abs() < 1.0, "{r}");
        let want = if w < 0.0 { "<" } else { ">" };
        assert_eq!(f["direction"], want, "the direction is the sign of w: {r}");
    }
    assert_eq!(doc["features"][1]["direction"], "<", "iso is lower for signal: {r}");
    assert_eq!(doc["config"]["learn_weights"], "tanh");
    for wp in doc["working_points"].as_array().unwrap() {
        let (t, s) = (wp["target"].as_f64().unwrap(), wp["train"]["eff_sig"].as_f64().unwrap());
        assert!((t - s).abs() < 0.02, "{wp}");
    }

    ok(&["quantize", "lw.json", "--auto", "--bits", "16", "-o", "lw_q.json"], dir);
    for target in ["verilog", "hls", "rust", "c"] {
        ok(&["export", "lw_q.json", "--target", target, "-o", target], dir);
    }
    if on_path("iverilog") {
        let t = ok(&["verify", "lw_q.json", "--target", "verilog", "--vectors", "300"], dir);
        assert!(t.contains("OK: "), "{t}");
    }

    // The unbounded parametrisation is accepted (for comparison) and recorded.
    let o = ok(&[&train[..], &["--learn-weights=unbounded", "-o", "u.json"]].concat(), dir);
    assert!(o.contains("target"), "{o}");
    // Binned cuts do not combine with learned weights: an error, exit code 2.
    let o = cabin(
        &[&train[..], &["--learn-weights", "--bin-by", "pt:0,50,1000", "-o", "b.json"]].concat(),
        dir,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--bin-by"));
}
