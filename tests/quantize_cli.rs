//! `cabin quantize` end to end on a small hand-made cut file and CSV (fast: 200 events).

use std::path::Path;
use std::process::{Command, Output};

use cabin_infer::doc::CutsFile;
use cabin_infer::{Decision, Format};

/// 200 events: `a = i / 4` in [0, 49.75] (>= 0, so unsigned), `b` in [-5, 4.95] (signed),
/// label alternating.
fn write_events(path: &Path) {
    let mut s = String::from("a,b,label\n");
    for i in 0..200u32 {
        let b = -5.0 + f64::from((i * 37) % 200) * 0.05;
        s.push_str(&format!("{},{b},{}\n", f64::from(i) * 0.25, i % 2));
    }
    std::fs::write(path, s).unwrap();
}

/// Two working points on `a > t` and `b < t`; the second has `b < 100`, above any 16-bit
/// format chosen for b's range, so it becomes an always-pass cut.
fn write_cuts(path: &Path, data: &str) {
    let text = format!(
        r#"{{
  "schema": "cabin.cuts/1",
  "generator": "hand-written test file",
  "features": [
    {{"name": "a", "direction": ">", "mean": 25.0, "scale": 14.0}},
    {{"name": "b", "direction": "<", "mean": 0.0, "scale": 2.9}}
  ],
  "working_points": [
    {{"target": 0.5, "cuts": [{{"feature": "a", "op": ">", "value": 20.1}},
                              {{"feature": "b", "op": "<", "value": 1.03}}],
      "train": {{"eff_sig": 0.5, "eff_bkg": 0.3}}, "test": {{"eff_sig": 0.5, "eff_bkg": 0.3}}}},
    {{"target": 0.9, "cuts": [{{"feature": "a", "op": ">", "value": 3.3}},
                              {{"feature": "b", "op": "<", "value": 100.0}}],
      "train": {{"eff_sig": 0.9, "eff_bkg": 0.8}}, "test": {{"eff_sig": 0.9, "eff_bkg": 0.8}}}}
  ],
  "config": {{"test_fraction": 0.25, "seed": 7}},
  "inputs": [{{"role": "data", "path": "{data}", "entries": 200, "sha256": ""}}]
}}
"#
    );
    std::fs::write(path, text).unwrap();
}

fn cabin(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cabin")).current_dir(dir).args(args).output().unwrap()
}

fn read(path: &Path) -> CutsFile {
    CutsFile::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn auto_formats_from_the_recorded_inputs() {
    let dir = tempfile::tempdir().unwrap();
    write_events(&dir.path().join("events.csv"));
    write_cuts(&dir.path().join("cuts.json"), "events.csv");
    let out = cabin(dir.path(), &["quantize", "cuts.json", "--bits", "16", "-o", "q.json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}\n{}", stdout, String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("efficiency change from quantisation"), "{stdout}");
    assert!(stdout.contains("always passes"), "{stdout}");

    let q = read(&dir.path().join("q.json"));
    let t = q.fixed_table().unwrap();
    // a's training maximum is at most 49.75: u16 with 49.75 * 2^10 = 50944 <= 65535 (2^11 is
    // too many); b spans about [-5, 4.95]: s16 with 5 * 2^12 = 20480 (2^13 gives 40960).
    assert_eq!(
        t.formats,
        [Format::new(false, 16, 10).unwrap(), Format::new(true, 16, 12).unwrap()]
    );
    // a > 20.1: floor(20.1 * 1024) = floor(20582.4) = 20582.
    assert_eq!(t.cuts[0].decision, Decision::Compare(20582));
    // b < 1.03: ceil(1.03 * 4096) = ceil(4218.88) = 4219.
    assert_eq!(t.cuts[1].decision, Decision::Compare(4219));
    assert_eq!(t.cuts[3].decision, Decision::AlwaysPass);
    let extra = &q.quantization.as_ref().unwrap().extra;
    assert_eq!(extra["effect"].as_array().unwrap().len(), 2);
    assert_eq!(extra["constant_cuts"][0]["feature"], "b");
    // The input file is left as it was.
    assert!(read(&dir.path().join("cuts.json")).quantization.is_none());
}

#[test]
fn fixed_frac_override_rounding_and_explicit_data() {
    let dir = tempfile::tempdir().unwrap();
    write_events(&dir.path().join("events.csv"));
    // The recorded path is wrong: the explicit --data option must be used instead.
    write_cuts(&dir.path().join("cuts.json"), "moved/events.csv");
    let out = cabin(
        dir.path(),
        &[
            "quantize",
            "cuts.json",
            "--bits",
            "12",
            "--frac",
            "4",
            "--format",
            "b:s8.-1",
            "--rounding",
            "round",
            "--data",
            "events.csv",
            "-o",
            "q.json",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let t = read(&dir.path().join("q.json")).fixed_table().unwrap();
    assert_eq!(t.formats, [Format::new(false, 12, 4).unwrap(), Format::new(true, 8, -1).unwrap()]);
    assert_eq!(t.rounding, cabin_infer::Rounding::Round);
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write_events(&dir.path().join("events.csv"));
    write_cuts(&dir.path().join("cuts.json"), "events.csv");
    for args in [
        &["quantize", "missing.json", "-o", "q.json"][..],
        &["quantize", "cuts.json", "--format", "a:u40.1", "-o", "q.json"],
        &["quantize", "cuts.json", "--format", "zz:u8.1", "-o", "q.json"],
        &["quantize", "cuts.json", "--bits", "1", "-o", "q.json"],
        &["quantize", "cuts.json", "--max-saturation", "2", "-o", "q.json"],
    ] {
        let out = cabin(dir.path(), args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!dir.path().join("q.json").exists(), "{args:?} left an output file");
    }
    let out = cabin(dir.path(), &["quantize", "cuts.json", "--format", "zz:u8.1", "-o", "q.json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("'zz'") && err.contains("have: a, b"), "{err}");
}
