//! `cabin verify` end to end through the binary: a clean export passes on every installed
//! simulator; a Verilog export with one threshold one LSB off, or with a signed input made
//! unsigned, fails with exit code 1 and names the working point and the feature; a required
//! tool that is missing is exit code 2 naming its Debian package.
//!
//! Tests that need a simulator print `skipped: ...` and return when it is not installed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cabin_infer::doc::CutsFile;
use cabin_infer::{Format, Rounding};

mod common;
use common::on_path;

const CABIN: &str = env!("CARGO_BIN_EXE_cabin");

/// Three features (a signed, b unsigned, c signed), three working points; cuts chosen by hand
/// so that `a` has negative thresholds (the signed/unsigned bug shows there).
const CUTS: &str = r#"{
  "schema": "cabin.cuts/1",
  "generator": "hand-written test table",
  "features": [
    {"name": "a", "direction": ">", "mean": 0.0, "scale": 1.0},
    {"name": "b", "direction": "<", "mean": 50.0, "scale": 20.0},
    {"name": "c", "direction": ">", "mean": 0.0, "scale": 3.0}
  ],
  "working_points": [
    {"target": 0.5, "cuts": [
      {"feature": "a", "op": ">", "value": -1.3},
      {"feature": "b", "op": "<", "value": 61.7},
      {"feature": "c", "op": ">", "value": 0.4}],
     "train": {"eff_sig": 0.5, "eff_bkg": 0.1}, "test": {"eff_sig": 0.5, "eff_bkg": 0.1}},
    {"target": 0.7, "cuts": [
      {"feature": "a", "op": ">", "value": -2.2},
      {"feature": "b", "op": "<", "value": 80.1},
      {"feature": "c", "op": ">", "value": -0.9}],
     "train": {"eff_sig": 0.7, "eff_bkg": 0.2}, "test": {"eff_sig": 0.7, "eff_bkg": 0.2}},
    {"target": 0.9, "cuts": [
      {"feature": "a", "op": ">", "value": -3.05},
      {"feature": "b", "op": "<", "value": 97.0},
      {"feature": "c", "op": ">", "value": -2.6}],
     "train": {"eff_sig": 0.9, "eff_bkg": 0.4}, "test": {"eff_sig": 0.9, "eff_bkg": 0.4}}
  ]
}"#;

/// Writes the quantised table (12-bit formats) into `dir`; returns its path.
fn quantised(dir: &Path) -> PathBuf {
    let mut file = CutsFile::from_json(CUTS).unwrap();
    let formats = [
        Format::new(true, 12, 8).unwrap(),  // a: -8 .. 8, LSB 1/256
        Format::new(false, 12, 5).unwrap(), // b: 0 .. 128, LSB 1/32
        Format::new(true, 12, 7).unwrap(),  // c: -16 .. 16, LSB 1/128
    ];
    file.quantization = Some(file.quantize_cuts(&formats, Rounding::Truncate).unwrap());
    let path = dir.join("cuts_q.json");
    std::fs::write(&path, file.to_json()).unwrap();
    path
}

fn cabin(args: &[&str]) -> Output {
    Command::new(CABIN).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Exports the Verilog of the test table into `dir/rtl` and returns the module's text.
fn export_verilog(dir: &Path, cuts: &Path) -> (PathBuf, String) {
    let rtl = dir.join("rtl");
    let o = cabin(&[
        "export",
        cuts.to_str().unwrap(),
        "--target",
        "verilog",
        "-o",
        rtl.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let module = rtl.join("cabin_cuts.v");
    let src = std::fs::read_to_string(&module).unwrap();
    (module, src)
}

#[test]
fn a_clean_table_verifies_on_every_installed_simulator() {
    if !on_path("iverilog") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cuts = quantised(dir.path());
    let o = cabin(&["verify", cuts.to_str().unwrap(), "--target", "all", "--vectors", "300"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains("OK: ") && t.contains("Icarus Verilog"), "{t}");
    assert!(t.contains("boundary"), "{t}");
}

#[test]
fn threshold_one_lsb_off_exits_1_naming_point_and_feature() {
    if !on_path("iverilog") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cuts = quantised(dir.path());
    let (module, src) = export_verilog(dir.path(), &cuts);
    // Working point 1, cut 2 (c > -0.9): raw threshold floor(-0.9 * 128) = -116; make it -115.
    let broken = src.replace("T_P1_S2 = -12'sd116;", "T_P1_S2 = -12'sd115;");
    assert_ne!(broken, src, "the exporter's threshold line changed; update this test");
    std::fs::write(&module, broken).unwrap();
    let o = cabin(&[
        "verify",
        cuts.to_str().unwrap(),
        "--target",
        "verilog",
        "--rtl",
        module.parent().unwrap().to_str().unwrap(),
        "--vectors",
        "0",
        "--tools",
        "iverilog",
    ]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("most likely wrong: working point 1, feature 'c'"), "{t}");
    assert!(t.contains("cut 2 c: raw -115 > -116 -> reference pass"), "{t}");
}

#[test]
fn unsigned_comparison_of_a_signed_input_exits_1_naming_feature() {
    if !on_path("iverilog") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cuts = quantised(dir.path());
    let (module, src) = export_verilog(dir.path(), &cuts);
    // Declare input a and its thresholds unsigned: every comparison on a becomes unsigned.
    let mut broken = src.replace("wire signed [11:0] x_a", "wire [11:0] x_a");
    for p in 0..3 {
        broken = broken.replace(&format!("signed [11:0] T_P{p}_S0"), &format!("[11:0] T_P{p}_S0"));
    }
    assert_eq!(broken.matches("T_P").count(), src.matches("T_P").count());
    assert_ne!(broken, src, "the exporter's declarations changed; update this test");
    std::fs::write(&module, broken).unwrap();
    let o = cabin(&[
        "verify",
        cuts.to_str().unwrap(),
        "--target",
        "verilog",
        "--rtl",
        module.parent().unwrap().to_str().unwrap(),
        "--vectors",
        "200",
        "--tools",
        "iverilog",
    ]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("feature 'a'"), "{t}");
    assert!(t.contains("warning: input 'x_a' for feature 'a' is declared unsigned"), "{t}");
}

#[test]
fn a_required_tool_that_is_missing_exits_2_naming_the_package() {
    let dir = tempfile::tempdir().unwrap();
    let cuts = quantised(dir.path());
    let empty = dir.path().join("no-tools");
    std::fs::create_dir(&empty).unwrap();
    let o = Command::new(CABIN)
        .args(["verify", cuts.to_str().unwrap(), "--target", "verilog"])
        .args(["--require", "iverilog,verilator", "--vectors", "10"])
        .env("PATH", &empty)
        .output()
        .unwrap();
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains("install the Debian package 'iverilog'"), "{t}");

    // Not required: skipped loudly, and with nothing left to run it is still an error.
    let o = Command::new(CABIN)
        .args(["verify", cuts.to_str().unwrap(), "--target", "all", "--vectors", "10"])
        .env("PATH", &empty)
        .output()
        .unwrap();
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains("skipped: Icarus Verilog") && t.contains("no simulator could run"), "{t}");
}

#[test]
fn an_unquantised_file_is_exit_2_pointing_at_quantize() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cuts.json");
    std::fs::write(&path, CUTS).unwrap();
    let o = cabin(&["verify", path.to_str().unwrap()]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains("cabin quantize"), "{t}");
}

#[test]
fn csv_data_events_are_quantised_and_simulated() {
    if !on_path("iverilog") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cuts = quantised(dir.path());
    let csv = dir.path().join("events.csv");
    let mut body = String::from("a,b,c,label\n");
    for i in 0..40 {
        let x = f64::from(i);
        body += &format!("{},{},{},{}\n", x / 5.0 - 4.0, 3.0 * x, 1.5 - x / 7.0, i % 2);
    }
    std::fs::write(&csv, body).unwrap();
    let o = cabin(&[
        "verify",
        cuts.to_str().unwrap(),
        "--target",
        "verilog",
        "--tools",
        "iverilog",
        "--data",
        csv.to_str().unwrap(),
        "--vectors",
        "50",
    ]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(0), "{t}");
    assert!(t.contains("40 from data") && t.contains("Verilator: not run (--tools)"), "{t}");
}
