//! `cabin plot` on a small hand-made cut file and data set: every figure is written as a real
//! PNG and an SVG, the folder appears whole, and bad input exits with code 2.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

fn cabin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cabin"))
}

/// 400 events: signal has larger `a` and smaller `b` than background.
fn write_csv(path: &Path) {
    let mut s = String::from("a,b,label\n");
    for i in 0..400u32 {
        let sig = i % 2 == 0;
        // A deterministic spread: a low-discrepancy sequence in [0, 1).
        let u = f64::from(i).mul_add(0.618_033_988_75, 0.0).fract();
        let v = f64::from(i).mul_add(0.414_213_562_37, 0.0).fract();
        let (a, b) =
            if sig { (40.0 + 30.0 * u, 1.0 + 2.0 * v) } else { (10.0 + 40.0 * u, 2.0 + 3.0 * v) };
        writeln!(s, "{a},{b},{}", u8::from(sig)).unwrap();
    }
    std::fs::write(path, s).unwrap();
}

/// A three-point cut file recording `csv` as its labelled input, with a short history.
fn cut_file(csv: &Path, with_history: bool, baselines: bool) -> String {
    let wp = |t: f64, a: f64, b: f64, es: f64, eb: f64| {
        format!(
            r#"{{"target": {t}, "cuts": [{{"feature": "a", "op": ">", "value": {a}}},
                {{"feature": "b", "op": "<", "value": {b}}}],
              "train": {{"eff_sig": {es}, "eff_bkg": {eb}}},
              "test": {{"eff_sig": {es}, "eff_bkg": {eb}}}}}"#
        )
    };
    let epoch = |e: u32, x: f64| {
        format!(
            r#"{{"epoch": {e}, "train": {{"total": {x}, "effic": {}, "backg": {}, "cutsz": 0.0001,
                "smooth": 0.0, "bce": 0.0}},
              "test": {{"total": {}, "effic": {}, "backg": {}, "cutsz": 0.0001, "smooth": 0.0,
                "bce": 0.0}}}}"#,
            x * 0.6,
            x * 0.4,
            x * 1.1,
            x * 0.7,
            x * 0.4
        )
    };
    let history = if with_history {
        (0..20).map(|e| epoch(e, 1.0 / f64::from(e + 1))).collect::<Vec<_>>().join(",")
    } else {
        String::new()
    };
    let base = if baselines {
        r#", "baselines": [{"method": "bdt", "auc": 0.9, "train_seconds": 0.1,
            "eff_bkg_at": [{"eff_sig": 0.5, "eff_bkg": 0.05}],
            "roc": [{"eff_sig": 0.0, "eff_bkg": 0.0}, {"eff_sig": 0.5, "eff_bkg": 0.05},
                    {"eff_sig": 0.9, "eff_bkg": 0.3}, {"eff_sig": 1.0, "eff_bkg": 1.0}]}]"#
    } else {
        ""
    };
    format!(
        r#"{{"schema": "cabin.cuts/1", "generator": "test",
          "features": [{{"name": "a", "direction": ">", "mean": 35.0, "scale": 12.0}},
                       {{"name": "b", "direction": "<", "mean": 2.8, "scale": 1.0}}],
          "working_points": [{}, {}, {}],
          "config": {{"label": "label"}},
          "inputs": [{{"role": "data", "path": "{}", "entries": 400, "sha256": "00"}}],
          "history": [{history}]{base}}}"#,
        wp(0.3, 60.0, 2.0, 0.31, 0.01),
        wp(0.5, 52.0, 2.5, 0.52, 0.04),
        wp(0.8, 45.0, 2.9, 0.79, 0.2),
        csv.display()
    )
}

fn check_png(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(bytes.len() > 1000, "{} is only {} bytes", path.display(), bytes.len());
    assert_eq!(bytes[..8], PNG_SIGNATURE, "{} is not a PNG", path.display());
}

fn check_svg(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(text.contains("<svg"), "{} has no <svg element", path.display());
    assert!(text.trim_end().ends_with("</svg>"), "{} is not closed", path.display());
    assert!(text.contains("<text"), "{} has no text (labels missing)", path.display());
}

#[test]
fn writes_every_figure_as_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("events.csv");
    write_csv(&csv);
    let cuts = dir.path().join("cuts.json");
    std::fs::write(&cuts, cut_file(&csv, true, true)).unwrap();
    let out = dir.path().join("figs");

    let run = cabin()
        .arg("plot")
        .arg(&cuts)
        .arg("-o")
        .arg(&out)
        .args(["--point", "0.5"])
        .output()
        .unwrap();
    assert!(run.status.success(), "stderr: {}", String::from_utf8_lossy(&run.stderr));
    for name in ["cuts", "roc", "loss", "distributions"] {
        check_png(&out.join(format!("{name}.png")));
        check_svg(&out.join(format!("{name}.svg")));
    }
    // The baseline overlaid on the ROC is named in the SVG's legend.
    let roc = std::fs::read_to_string(out.join("roc.svg")).unwrap();
    assert!(roc.contains("bdt (AUC 0.900)"), "baseline legend missing");

    // Nothing but the figures, and no staging folder left behind.
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".cabin-output")
        .collect();
    names.sort();
    assert_eq!(names.len(), 8, "{names:?}");
    assert!(out.join(".cabin-output").is_file(), "the folder is marked as cabin's");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".cabin"))
        .collect();
    assert!(leftovers.is_empty(), "staging left: {leftovers:?}");
}

#[test]
fn log_y_and_no_data_leave_out_what_they_must() {
    let dir = tempfile::tempdir().unwrap();
    let cuts = dir.path().join("cuts.json");
    // The recorded input does not exist: only --no-data can plot this file.
    std::fs::write(&cuts, cut_file(&dir.path().join("gone.csv"), false, false)).unwrap();
    let out = dir.path().join("figs");

    let run = cabin().arg("plot").arg(&cuts).arg("-o").arg(&out).output().unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("--no-data"));
    assert!(!out.exists(), "a failed run must not leave an output folder");

    let run = cabin()
        .arg("plot")
        .arg(&cuts)
        .arg("-o")
        .arg(&out)
        .args(["--no-data", "--log-y"])
        .output()
        .unwrap();
    assert!(run.status.success(), "stderr: {}", String::from_utf8_lossy(&run.stderr));
    check_png(&out.join("cuts.png"));
    check_png(&out.join("roc.png"));
    assert!(!out.join("loss.png").exists(), "no history, no loss figure");
    assert!(!out.join("distributions.png").exists());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("skipped loss"), "{err}");
}

#[test]
fn bad_cut_files_exit_with_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let cuts = dir.path().join("cuts.json");
    std::fs::write(&cuts, "{\"schema\": \"other/1\"}").unwrap();
    let run = cabin().arg("plot").arg(&cuts).arg("-o").arg(dir.path().join("o")).output().unwrap();
    assert_eq!(run.status.code(), Some(2));

    let run = cabin()
        .arg("plot")
        .arg(dir.path().join("missing.json"))
        .arg("-o")
        .arg(dir.path().join("o"))
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("missing.json"));
}

/// Issue 6: the ROC of a quantised cut file showed only the float efficiencies, not what the
/// hardware selects. The fixed-point series must be in the ROC's legend (and only for a
/// quantised file), and the cuts figure must mark the fixed-point thresholds that moved.
#[test]
fn quantised_file_overlays_the_fixed_point_efficiencies() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("events.csv");
    write_csv(&csv);
    let cuts = dir.path().join("cuts.json");
    std::fs::write(&cuts, cut_file(&csv, false, false)).unwrap();
    // 4 bits: a grid of about 4 units on `a`, so the thresholds move visibly.
    let quantised = dir.path().join("cuts_q.json");
    let run = cabin()
        .arg("quantize")
        .arg(&cuts)
        .args(["--bits", "4", "-o"])
        .arg(&quantised)
        .output()
        .unwrap();
    assert!(run.status.success(), "stderr: {}", String::from_utf8_lossy(&run.stderr));

    let plot = |file: &Path, out: &Path| {
        let run = cabin().arg("plot").arg(file).arg("-o").arg(out).output().unwrap();
        assert!(run.status.success(), "stderr: {}", String::from_utf8_lossy(&run.stderr));
        let roc = std::fs::read_to_string(out.join("roc.svg")).unwrap();
        let cuts = std::fs::read_to_string(out.join("cuts.svg")).unwrap();
        (roc, cuts)
    };
    let (roc, cut_fig) = plot(&quantised, &dir.path().join("q"));
    assert!(
        roc.contains("cabin cuts, fixed point (hardware), test (AUC "),
        "no fixed-point series"
    );
    assert!(roc.contains("cabin cuts, float, test (AUC "), "no float series");
    assert!(roc.contains("float and fixed point"), "the title does not say what is shown");
    assert!(cut_fig.contains("fixed-point threshold"), "no fixed-point thresholds marked");

    let (roc, cut_fig) = plot(&cuts, &dir.path().join("f"));
    assert!(!roc.contains("fixed point"), "a float file has no fixed-point series");
    assert!(!cut_fig.contains("fixed-point"), "a float file has no fixed-point thresholds");

    // Without events the overlay cannot be measured: said so, the rest is drawn.
    let out = dir.path().join("n");
    let run =
        cabin().arg("plot").arg(&quantised).arg("-o").arg(&out).arg("--no-data").output().unwrap();
    assert!(run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("skipped fixed-point ROC points"), "{err}");
    let roc = std::fs::read_to_string(out.join("roc.svg")).unwrap();
    assert!(!roc.contains("fixed point (hardware)"));
}
