//! Giving the test split as rows (`--test-rows`): training uses every other row, the rows
//! file is recorded with its checksum and honoured by `eval`, a changed or malformed file is a
//! clear error, and output into a closed pipe is dropped while the run still writes its files.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

mod common;
use common::{cabin, uniform};

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// 1000 events, signal every other row, two features shifted by class.
fn write_csv(dir: &Path) {
    let mut uni = uniform(5);
    let mut s = String::from("x,y,label\n");
    for i in 0..1000 {
        let sig = i % 2 == 0;
        let shift = if sig { 0.6 } else { 0.0 };
        s.push_str(&format!("{:.5},{:.5},{}\n", uni() + shift, uni() - shift, sig as u8));
    }
    std::fs::write(dir.join("d.csv"), s).unwrap();
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn given_test_rows_are_the_test_split_of_train_and_eval() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_csv(dir);
    // Rows 0..300 held out: 150 signal, 150 background.
    let rows: String = (0..300).map(|r| format!("{r}\n")).collect();
    std::fs::write(dir.join("rows.txt"), format!("# first 300 rows\n{rows}")).unwrap();
    let args = ["train", "d.csv", "--test-rows", "rows.txt", "--epochs", "50", "--targets", "0.5"];
    let o = cabin(&args, dir);
    assert!(o.status.success(), "{}", text(&o));
    let doc = json(&dir.join("cuts.json"));
    let wp = &doc["working_points"][0];
    assert_eq!(wp["test"]["n_sig"], 150);
    assert_eq!(wp["test"]["n_bkg"], 150);
    assert_eq!(wp["train"]["n_sig"], 350);
    assert_eq!(doc["config"]["test_rows"]["rows"], 300);
    assert_eq!(doc["config"]["test_rows"]["path"], "rows.txt");
    assert_eq!(doc["config"]["test_fraction"], 0.3);

    // eval reloads the same split: its test efficiencies are training's test efficiencies.
    let o = cabin(&["eval", "cuts.json", "-o", "ev.json"], dir);
    assert!(o.status.success(), "{}", text(&o));
    let ev = json(&dir.join("ev.json"));
    let e = &ev["evaluation"]["working_points"][0];
    assert_eq!(e["eff_sig"], wp["test"]["eff_sig"], "{e}");
    assert_eq!(e["eff_bkg"], wp["test"]["eff_bkg"]);
    assert_eq!(ev["evaluation"]["data"]["events"], 300);

    // A changed rows file no longer names the held-out events.
    std::fs::write(dir.join("rows.txt"), "0 1 2 3\n").unwrap();
    let o = cabin(&["eval", "cuts.json"], dir);
    let t = text(&o);
    assert!(
        !o.status.success() && t.contains("test rows 'rows.txt' changed since training"),
        "{t}"
    );
    assert!(!t.contains("panicked"), "{t}");
}

#[test]
fn bad_test_rows_are_errors_that_name_the_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_csv(dir);
    let cases = [
        ("1 2\nthree\n", "rows.txt:2: 'three' is not a row number"),
        ("1 2 1000\n", "test row 1000 is past the last row (the data have 1000 events"),
        ("4 4\n", "test row 4 is given twice"),
        ("0 2 4\n", "the test split would hold no background events"),
        ("# none\n", "rows.txt: holds no row numbers"),
    ];
    for (content, want) in cases {
        std::fs::write(dir.join("rows.txt"), content).unwrap();
        let o = cabin(&["train", "d.csv", "--test-rows", "rows.txt", "--epochs", "5"], dir);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(2), "{content:?}: {t}");
        assert!(t.contains(want), "{content:?}: {t}");
        assert!(!dir.join("cuts.json").exists(), "nothing written on {content:?}");
    }
    let o = cabin(&["train", "d.csv", "--test-rows", "nope.txt"], dir);
    let t = text(&o);
    assert!(t.contains("--test-rows file") && t.contains("cannot read 'nope.txt'"), "{t}");
    // The rows file is an input: no output may replace it.
    std::fs::write(dir.join("rows.txt"), "0 1 2 3\n").unwrap();
    let o = cabin(&["train", "d.csv", "--test-rows", "rows.txt", "-o", "rows.txt"], dir);
    assert!(text(&o).contains("is an input of this run"), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(dir.join("rows.txt")).unwrap(), "0 1 2 3\n");
    let o = cabin(&["train", "d.csv", "--test-rows", "rows.txt", "--drop-nonfinite"], dir);
    assert!(text(&o).contains("cannot be used with"), "{}", text(&o));
    let both = ["train", "d.csv", "--test-rows", "rows.txt", "--test-fraction", "0.3"];
    let o = cabin(&both, dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("cannot be used with"), "{}", text(&o));
}

#[test]
fn output_into_a_closed_pipe_is_dropped_and_the_files_are_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_csv(dir);
    let o = cabin(&["train", "d.csv", "--epochs", "20", "--targets", "0.3,0.5,0.7"], dir);
    assert!(o.status.success(), "{}", text(&o));
    let mut child = Command::new(env!("CARGO_BIN_EXE_cabin"))
        .args(["eval", "cuts.json", "-o", "ev.json"])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away before anything is printed
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    child.wait().unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert!(dir.join("ev.json").exists(), "the file is written before the report is printed");

    // Both streams closed while training still has warnings to print (a tiny split): the run
    // goes on and writes its file.
    let tiny: String = (0..40).map(|i| format!("{},{},{}\n", i % 7, i % 5, i % 2)).collect();
    std::fs::write(dir.join("tiny.csv"), format!("x,y,label\n{tiny}")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cabin"))
        .args(["train", "tiny.csv", "--epochs", "20", "-o", "tiny.json"])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(dir.join("tiny.json").exists(), "the cut file is written");
}
