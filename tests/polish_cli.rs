//! Regression tests for what a fresh user of the `cabin` binary ran into: repeated error
//! causes, `cabin compare` overwriting `cuts.json`, owner-only output files, `cabin eval`
//! ignoring the fixed-point table. Fast: 200 hand-made events.

use std::path::Path;
use std::process::{Command, Output};

/// 200 events: `a = i / 4` in [0, 49.75], `b` in [-5, 4.95], label alternating.
fn write_events(path: &Path) {
    let mut s = String::from("a,b,label\n");
    for i in 0..200u32 {
        let b = -5.0 + f64::from((i * 37) % 200) * 0.05;
        s.push_str(&format!("{},{b},{}\n", f64::from(i) * 0.25, i % 2));
    }
    std::fs::write(path, s).unwrap();
}

/// Two working points on `a > t` and `b < t`, trained (by hand) on `events.csv`.
fn write_cuts(path: &Path) {
    let text = r#"{
  "schema": "cabin.cuts/1",
  "generator": "hand-written test file",
  "features": [
    {"name": "a", "direction": ">", "mean": 25.0, "scale": 14.0},
    {"name": "b", "direction": "<", "mean": 0.0, "scale": 2.9}
  ],
  "working_points": [
    {"target": 0.5, "cuts": [{"feature": "a", "op": ">", "value": 20.1},
                             {"feature": "b", "op": "<", "value": 1.03}],
     "train": {"eff_sig": 0.5, "eff_bkg": 0.3}, "test": {"eff_sig": 0.5, "eff_bkg": 0.3}},
    {"target": 0.9, "cuts": [{"feature": "a", "op": ">", "value": 3.3},
                             {"feature": "b", "op": "<", "value": 4.0}],
     "train": {"eff_sig": 0.9, "eff_bkg": 0.8}, "test": {"eff_sig": 0.9, "eff_bkg": 0.8}}
  ],
  "config": {"test_fraction": 0.25, "seed": 7},
  "inputs": [{"role": "data", "path": "events.csv", "entries": 200, "sha256": ""}]
}
"#;
    std::fs::write(path, text).unwrap();
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_events(&dir.path().join("events.csv"));
    write_cuts(&dir.path().join("cuts.json"));
    dir
}

fn cabin(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cabin")).current_dir(dir).args(args).output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Stderr without the warnings about the data (200 events make small splits).
fn errors(out: &Output) -> String {
    stderr(out).lines().filter(|l| !l.starts_with("warning: ")).map(|l| format!("{l}\n")).collect()
}

#[test]
fn missing_input_error_names_its_cause_once() {
    let dir = setup();
    let out = cabin(dir.path(), &["train", "nope.root", "-o", "x.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out), "error: cannot read 'nope.root': no such file\n");
    let out = cabin(dir.path(), &["train", "--data", "nope.csv", "-o", "x.json"]);
    let err = stderr(&out);
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
    assert!(err.starts_with("error: cannot load 'nope.csv' (label column 'label'): "), "{err}");
}

#[test]
fn quantize_width_and_frac_errors_are_not_repeated() {
    let dir = setup();
    let out = cabin(dir.path(), &["quantize", "cuts.json", "--bits", "40", "-o", "q.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        errors(&out),
        "error: cannot quantise the cuts: feature 'a': unsigned fixed-point width 40 out of \
         range, expected 1..=32 bits\n"
    );
    let out = cabin(dir.path(), &["quantize", "cuts.json", "--frac", "40", "-o", "q.json"]);
    assert_eq!(
        errors(&out),
        "error: cannot quantise the cuts: feature 'a': fixed-point fractional bits 40 out of \
         range, expected -32..=32\n"
    );
}

#[test]
fn compare_does_not_default_to_the_training_output() {
    let dir = setup();
    let out = cabin(dir.path(), &["compare", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("[default: compare.json]"), "{help}");
    assert!(!help.contains("[default: cuts.json]"), "{help}");
    let out = cabin(dir.path(), &["train", "--help"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("[default: cuts.json]"));
}

#[cfg(unix)]
#[test]
fn json_outputs_are_world_readable_like_other_files() {
    use std::os::unix::fs::PermissionsExt;

    let dir = setup();
    let run = |umask: &str, out: &str| {
        let bin = env!("CARGO_BIN_EXE_cabin");
        let script = format!("umask {umask} && exec '{bin}' quantize cuts.json -o {out}");
        let o = Command::new("sh").arg("-c").arg(script).current_dir(dir.path()).output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
    };
    let mode =
        |name: &str| std::fs::metadata(dir.path().join(name)).unwrap().permissions().mode() & 0o777;
    // A new file: 0644 minus the umask (it used to be 0600 whatever the umask).
    run("022", "q.json");
    assert_eq!(mode("q.json"), 0o644);
    run("077", "q77.json");
    assert_eq!(mode("q77.json"), 0o600);
    // A replaced file keeps the permissions it had.
    std::fs::set_permissions(dir.path().join("q.json"), std::fs::Permissions::from_mode(0o640))
        .unwrap();
    run("022", "q.json");
    assert_eq!(mode("q.json"), 0o640);
}

#[test]
fn eval_quantize_and_plot_find_the_recorded_data_next_to_a_moved_cut_file() {
    // The three commands each rebuilt the recorded data their own way; plot did not look
    // next to the cut file at all.
    let dir = setup();
    let sub = dir.path().join("moved");
    std::fs::create_dir(&sub).unwrap();
    for f in ["events.csv", "cuts.json"] {
        std::fs::rename(dir.path().join(f), sub.join(f)).unwrap();
    }
    for args in [
        &["eval", "moved/cuts.json"][..],
        &["quantize", "moved/cuts.json", "-o", "q.json"],
        &["plot", "moved/cuts.json", "-o", "plots"],
    ] {
        let out = cabin(dir.path(), args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    assert!(dir.path().join("plots/distributions.png").is_file());
}

#[test]
fn eval_of_a_quantised_file_reports_what_the_hardware_selects() {
    // `cabin eval q.json` printed only the float efficiencies although quantize reported a
    // different fixed-point result.
    let dir = setup();
    let out = cabin(dir.path(), &["quantize", "cuts.json", "--bits", "4", "-o", "q.json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = cabin(dir.path(), &["eval", "q.json", "-o", "e.json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("fixed point (what the hardware selects"), "{text}");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("e.json")).unwrap()).unwrap();
    let q = &doc["quantization"]["effect"];
    let e = &doc["evaluation"]["fixed_point"]["working_points"];
    // Both measure the recorded test split, so they must agree exactly.
    for p in 0..2 {
        for key in ["fixed_eff_sig", "fixed_eff_bkg", "float_eff_sig"] {
            assert_eq!(e[p][key], q[p][key], "point {p} {key}: {e} vs {q}");
        }
    }
    assert!(e[0]["fixed_eff_sig"] != e[0]["float_eff_sig"], "4 bits should change point 0: {e}");
    assert!(doc["evaluation"]["fixed_point"]["auc"].is_f64());

    // A float-only file has no fixed-point section.
    let out = cabin(dir.path(), &["eval", "cuts.json"]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("fixed point"));
}

#[test]
fn quantisation_that_moves_an_efficiency_warns_on_stderr() {
    // `--bits 4` moved point 0's signal efficiency by 0.08 with nothing but a table row.
    let dir = setup();
    let out = cabin(dir.path(), &["quantize", "cuts.json", "--bits", "4", "-o", "q.json"]);
    let err = stderr(&out);
    assert!(
        err.contains("warning: quantisation changes working point 0 (target 0.500): signal efficiency 0.4000 -> 0.3200"),
        "{err}"
    );
    assert!(!err.contains("working point 1"), "{err}");
    let out = cabin(dir.path(), &["quantize", "cuts.json", "--bits", "16", "-o", "q16.json"]);
    assert!(!stderr(&out).contains("quantisation changes"), "{}", stderr(&out));
}
