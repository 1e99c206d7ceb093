//! `cabin export` end to end: folders written atomically, output equal to the golden files,
//! clear errors on unusable input, and the Yosys report.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/codegen/tests/golden/basic")
}

fn cabin(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cabin")).args(args).current_dir(dir).output().unwrap()
}

/// The file without the two header lines that name the input path and the command.
fn body(text: &str) -> String {
    text.lines()
        .filter(|l| !l.contains("Input: ") && !l.contains("Regenerate: "))
        .collect::<Vec<_>>()
        .join("\n")
}

fn setup() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(golden().join("cuts_q.json"), tmp.path().join("cuts_q.json")).unwrap();
    tmp
}

#[test]
fn every_target_matches_its_golden_files() {
    let tmp = setup();
    for (target, files) in [
        ("verilog", &["cabin_cuts.v", "cabin_cuts_tb.v", "tb_data/inputs.hex"][..]),
        ("hls", &["firmware/cabin_cuts.cpp", "firmware/parameters.h", "build_prj.tcl"][..]),
        ("rust", &["cabin_cuts.rs"][..]),
        ("c", &["cabin_cuts.h"][..]),
    ] {
        let out = cabin(
            &[
                "export",
                "cuts_q.json",
                "--target",
                target,
                "-o",
                target,
                "--vectors",
                "48",
                "--seed",
                "7",
            ],
            tmp.path(),
        );
        assert!(out.status.success(), "{target}: {}", String::from_utf8_lossy(&out.stderr));
        for f in files {
            let got = std::fs::read_to_string(tmp.path().join(target).join(f)).unwrap();
            let want = std::fs::read_to_string(golden().join(target).join(f)).unwrap();
            assert_eq!(body(&got), body(&want), "{target}/{f}");
            if f.ends_with(".v") || f.ends_with(".h") || f.ends_with(".rs") {
                assert!(got
                    .contains(&format!("Regenerate: cabin export cuts_q.json --target {target}")));
            }
        }
    }
}

#[test]
fn unquantised_file_is_a_clear_error_and_nothing_is_written() {
    let tmp = setup();
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("cuts_q.json")).unwrap())
            .unwrap();
    json.as_object_mut().unwrap().remove("quantization");
    std::fs::write(tmp.path().join("cuts.json"), json.to_string()).unwrap();
    let out = cabin(&["export", "cuts.json", "--target", "verilog", "-o", "v"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cabin quantize"), "{err}");
    assert!(!tmp.path().join("v").exists());
}

#[test]
fn a_failed_export_leaves_the_old_folder_and_the_input_untouched() {
    let tmp = setup();
    let before = std::fs::read(tmp.path().join("cuts_q.json")).unwrap();
    let ok = cabin(&["export", "cuts_q.json", "--target", "c", "-o", "out"], tmp.path());
    assert!(ok.status.success());
    let header = std::fs::read_to_string(tmp.path().join("out/cabin_cuts.h")).unwrap();
    let bad = cabin(
        &["export", "cuts_q.json", "--target", "c", "-o", "out", "--name", "module"],
        tmp.path(),
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("'module' is a keyword"));
    assert_eq!(std::fs::read_to_string(tmp.path().join("out/cabin_cuts.h")).unwrap(), header);
    let deep = cabin(
        &["export", "cuts_q.json", "--target", "verilog", "-o", "out", "--pipeline", "99"],
        tmp.path(),
    );
    assert_eq!(deep.status.code(), Some(2));
    assert_eq!(std::fs::read(tmp.path().join("cuts_q.json")).unwrap(), before);
    // a second good export replaces the folder as a whole
    let again = cabin(&["export", "cuts_q.json", "--target", "rust", "-o", "out"], tmp.path());
    assert!(again.status.success());
    assert!(!tmp.path().join("out/cabin_cuts.h").exists());
    assert!(tmp.path().join("out/cabin_cuts.rs").exists());
}

#[test]
fn report_prints_yosys_figures_and_the_estimate() {
    if Command::new("yosys").arg("-V").output().is_err() {
        println!("skipped: yosys not installed");
        return;
    }
    let tmp = setup();
    let out = cabin(
        &["export", "cuts_q.json", "--target", "verilog", "-o", "v", "--pipeline", "2", "--report"],
        tmp.path(),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("latency: 3 clock(s)"), "{text}");
    assert!(text.contains("yosys synth_xilinx:") && text.contains("LUTs"), "{text}");
    // per stage: 3 live mask bits (working point 0 is constant 0) + valid, three stages
    assert!(text.contains("estimate: 23 LUT6") && text.contains(", 12 flip-flops"), "{text}");
}
