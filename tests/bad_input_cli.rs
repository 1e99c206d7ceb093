//! Bad input that used to be accepted silently or answered confusingly: a negative number as a
//! separate argument, a nameless CSV column, a feature named twice in a per-feature list, a
//! split with a handful of events, and repeated verification vectors. Fast: at most 400
//! hand-made events.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output};

use cabin_infer::doc::CutsFile;
use cabin_infer::{Format, Rounding};

fn cabin(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cabin")).current_dir(dir).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `n` events, half signal, with two features `a` (higher for signal) and `b`.
fn write_events(path: &Path, n: u32) {
    let mut s = String::from("a,b,label\n");
    for i in 0..n {
        let sig = i % 2 == 0;
        let u = f64::from(i).mul_add(0.618_033_988_75, 0.0).fract();
        let a = if sig { 5.0 + 4.0 * u } else { 1.0 + 6.0 * u };
        writeln!(s, "{a},{},{}", 3.0 * u, u8::from(sig)).unwrap();
    }
    std::fs::write(path, s).unwrap();
}

/// Two working points with the same cuts, so their boundary vectors repeat each other.
const TWIN_POINTS: &str = r#"{
  "schema": "cabin.cuts/1",
  "generator": "hand-written test file",
  "features": [
    {"name": "a", "direction": ">", "mean": 0.0, "scale": 1.0},
    {"name": "b", "direction": "<", "mean": 0.0, "scale": 1.0}
  ],
  "working_points": [
    {"target": 0.5, "cuts": [{"feature": "a", "op": ">", "value": 1.3},
                             {"feature": "b", "op": "<", "value": 2.1}],
     "train": {"eff_sig": 0.5, "eff_bkg": 0.1}, "test": {"eff_sig": 0.5, "eff_bkg": 0.1}},
    {"target": 0.6, "cuts": [{"feature": "a", "op": ">", "value": 1.3},
                             {"feature": "b", "op": "<", "value": 2.1}],
     "train": {"eff_sig": 0.6, "eff_bkg": 0.2}, "test": {"eff_sig": 0.6, "eff_bkg": 0.2}}
  ]
}"#;

#[test]
fn negative_number_as_a_separate_argument_reaches_the_range_check() {
    let dir = tempfile::tempdir().unwrap();
    write_events(&dir.path().join("e.csv"), 400);
    // Before: clap's "unexpected argument '-1' found".
    let o = cabin(dir.path(), &["train", "e.csv", "--alpha", "-10", "--epochs", "2"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(!e.contains("unexpected argument"), "{e}");
    assert!(e.contains("alpha = -10: expected a finite number >= 0"), "{e}");

    let o = cabin(dir.path(), &["train", "e.csv", "--targets", "-0.2,0.5"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("targets = -0.2"), "{}", stderr(&o));

    let o = cabin(dir.path(), &["train", "e.csv", "--test-fraction", "-0.2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("test fraction -0.2 is out of range"), "{}", stderr(&o));
}

#[test]
fn nameless_csv_column_is_refused_by_position() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("e.csv"), "a,,label\n1,2,1\n3,4,0\n").unwrap();
    let o = cabin(dir.path(), &["train", "e.csv"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("column 2 of the header has no name"), "{e}");
    assert!(!dir.path().join("cuts.json").exists());
}

#[test]
fn a_feature_named_twice_in_a_per_feature_list_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write_events(&dir.path().join("e.csv"), 400);
    let o = cabin(dir.path(), &["train", "e.csv", "--directions", "a:>,a:<"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--directions names feature 'a' twice"), "{}", stderr(&o));

    let o = cabin(dir.path(), &["train", "e.csv", "--window", "a,b,a"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--window names feature 'a' twice"), "{}", stderr(&o));

    std::fs::write(dir.path().join("cuts.json"), TWIN_POINTS).unwrap();
    let o = cabin(
        dir.path(),
        &["quantize", "cuts.json", "--format", "a:s8.4,b:u8.4", "--format", "a:s8.3", "-o", "q"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--format names feature 'a' twice"), "{}", stderr(&o));
    assert!(!dir.path().join("q").exists());
}

#[test]
fn a_split_with_few_events_of_a_class_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    // 60 events: 12 in the test split, 6 per class; 24 per class in training.
    write_events(&dir.path().join("e.csv"), 60);
    let o = cabin(dir.path(), &["train", "e.csv", "--epochs", "5", "--refine", "false"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("warning: the test split has only 6 signal events")
            && e.contains("binomial error 0.204 at efficiency 0.5"),
        "{e}"
    );
    assert!(e.contains("the training split has only 24 background events"), "{e}");

    // Enough events: no warning.
    write_events(&dir.path().join("big.csv"), 1200);
    let o = cabin(dir.path(), &["train", "big.csv", "--epochs", "5", "--refine", "false"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("statistical errors"), "{}", stderr(&o));
}

#[test]
fn verify_counts_repeated_vectors_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut file = CutsFile::from_json(TWIN_POINTS).unwrap();
    let formats = [Format::new(true, 8, 4).unwrap(), Format::new(false, 8, 4).unwrap()];
    file.quantization = Some(file.quantize_cuts(&formats, Rounding::Truncate).unwrap());
    std::fs::write(dir.path().join("q.json"), file.to_json()).unwrap();
    // The simulators may be missing: the vector line is printed before any of them runs.
    let o = cabin(dir.path(), &["verify", "q.json", "--vectors", "0", "--target", "hls"]);
    let out = stdout(&o);
    let line = out.lines().find(|l| l.starts_with("vectors: ")).unwrap_or_else(|| panic!("{out}"));
    // The second working point repeats the first one's base and boundary vectors exactly.
    assert!(line.contains("exact repeats dropped"), "{line}");
    let n: usize = line["vectors: ".len()..].split(' ').next().unwrap().parse().unwrap();
    let dropped: usize =
        line.rsplit("; ").next().unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!(dropped >= 7, "base + 6 boundary vectors of point 1 repeat point 0's: {line}");
    if o.status.success() {
        assert!(out.contains(&format!("OK: {n} vectors")), "{out}");
    }
}

#[test]
fn targets_given_twice_is_an_error_not_a_merge() {
    let tmp = tempfile::tempdir().unwrap();
    write_events(&tmp.path().join("e.csv"), 400);
    let o = cabin(tmp.path(), &["train", "e.csv", "--targets", "0.5", "--targets", "0.5,0.9"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("'--targets <TARGETS>' cannot be used multiple times"), "{o:?}");
    assert!(!tmp.path().join("cuts.json").exists());
}
