//! `cabin compare` on a small generated CSV: prints one table row per method, writes a cut
//! file whose `baselines` section `cabin plot` can overlay, and every method beats random on
//! this easy set. Sizes are kept small so the test stays fast in debug builds.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

fn cabin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cabin"))
}

/// Runs `cabin compare` on a fresh copy of the test CSV with `args`; returns the output and
/// the cut file written.
fn compare(dir: &Path, args: &[&str]) -> (std::process::Output, std::path::PathBuf) {
    let csv = dir.join("events.csv");
    write_csv(&csv);
    let out = dir.join("compare.json");
    let run = cabin()
        .arg("compare")
        .arg("--data")
        .arg(&csv)
        .args(["--label", "label"])
        .args(args)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    (run, out)
}

/// 800 events, half signal: `x` higher and `y` lower for signal, `z` noise. The spread comes
/// from a fixed low-discrepancy sequence, so the file is the same on every run.
fn write_csv(path: &Path) {
    let mut s = String::from("x,y,z,label\n");
    for i in 0..800u32 {
        let sig = i % 2 == 1;
        let u = (f64::from(i) * 0.618_033_988_75).fract();
        let v = (f64::from(i) * 0.414_213_562_37).fract();
        let t = (f64::from(i) * 0.732_050_807_57).fract();
        let (x, y) = if sig { (1.0 + 2.0 * u, 2.0 * v) } else { (2.0 * u, 1.0 + 2.0 * v) };
        writeln!(s, "{x:.5},{y:.5},{t:.5},{}", u8::from(sig)).unwrap();
    }
    std::fs::write(path, s).unwrap();
}

#[test]
fn compares_all_methods_on_one_split() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--epochs", "40", "--targets", "0.3,0.5,0.8,0.9", "--bdt-trees", "20"];
    let (run, out) =
        compare(dir.path(), &[&args[..], &["--linear-epochs", "60", "--threads", "1"]].concat());
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "stderr: {}", String::from_utf8_lossy(&run.stderr));

    // One header and four method rows.
    for method in ["cabin cuts", "BCE one-to-one net", "linear net (no bias)", "BDT (forust-ml)"] {
        assert!(stdout.lines().any(|l| l.starts_with(method)), "no row for {method}:\n{stdout}");
    }
    assert!(stdout.starts_with("method"), "{stdout}");

    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(doc["schema"], "cabin.cuts/1");
    let base = doc["baselines"].as_array().expect("a baselines list");
    assert_eq!(base.len(), 3);
    for b in base {
        let auc = b["auc"].as_f64().unwrap();
        assert!(auc > 0.6, "{} has AUC {auc}", b["method"]);
        let roc = b["roc"].as_array().unwrap();
        assert!(roc.len() >= 3, "{} ROC has {} points", b["method"], roc.len());
        assert_eq!(b["eff_bkg_at"].as_array().unwrap().len(), 3);
    }
    let scan_auc = doc["cabin_summary"]["auc"].as_f64().unwrap();
    assert!(scan_auc > 0.6, "scan AUC {scan_auc}");

    // The output is a cut file `cabin plot` can draw with the baselines overlaid.
    let figs = dir.path().join("figs");
    let plot = cabin().arg("plot").arg(&out).arg("-o").arg(&figs).output().unwrap();
    assert!(plot.status.success(), "stderr: {}", String::from_utf8_lossy(&plot.stderr));
    let roc = std::fs::read_to_string(figs.join("roc.svg")).unwrap();
    assert!(roc.contains("BDT (forust-ml)"), "the BDT is not in the ROC legend");
    assert!(figs.join("distributions.png").is_file(), "events were not reloaded from the cut file");
}

#[test]
fn missing_input_exits_with_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let run = cabin()
        .arg("compare")
        .arg("--data")
        .arg(dir.path().join("none.csv"))
        .arg("-o")
        .arg(dir.path().join("c.json"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(!dir.path().join("c.json").exists());
}

#[test]
fn genetic_flag_adds_the_genetic_search_row() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--epochs", "20", "--targets", "0.5,0.8", "--genetic", "--bdt-trees", "5"];
    let (run, out) =
        compare(dir.path(), &[&args[..], &["--linear-epochs", "10", "--refine", "false"]].concat());
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "stderr: {}", String::from_utf8_lossy(&run.stderr));
    assert!(stdout.lines().any(|l| l.starts_with("genetic cut search")), "{stdout}");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let base = doc["baselines"].as_array().expect("a baselines list");
    let ga = base.iter().find(|b| b["method"] == "genetic cut search").expect("a genetic row");
    assert!(ga["auc"].as_f64().unwrap() > 0.6, "{ga}");
}

#[test]
fn binned_cuts_are_refused_rather_than_trained_flat() {
    let dir = tempfile::tempdir().unwrap();
    let (run, out) = compare(dir.path(), &["--bin-by", "x:0,1,3"]);
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("does not train binned cuts"), "{err}");
    assert!(!out.exists());
}
