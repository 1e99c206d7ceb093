//! CSV loading: both source modes, feature selection, weights and every bad-input error.

use std::path::PathBuf;

use cabin_train::data::{load, load_excluding, DataError, LoadOptions, Source, SourceSpec};

/// A directory for this test's fixtures, removed when dropped.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let p = std::env::temp_dir().join(format!("cabin-data-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&p).unwrap();
        Dir(p)
    }

    fn file(&self, name: &str, text: &str) -> String {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn labelled(path: &str) -> Source {
    Source::Labelled { data: SourceSpec::parse(path), label: "label".into() }
}

fn opts() -> LoadOptions {
    LoadOptions::default()
}

fn features(f: &[&str]) -> LoadOptions {
    LoadOptions { features: Some(f.iter().map(|s| s.to_string()).collect()), ..opts() }
}

const SMALL: &str = "\
met,name,jet1_pt,label,w
10,a,100,1,0.5
20,b,200,0,1.5
30,c,300,1,-0.25
40,d,400,0,2
";

#[test]
fn labelled_defaults_skip_label_weight_and_text() {
    let d = Dir::new("defaults");
    let f = d.file("s.csv", SMALL);
    let ds = load(&labelled(&f), &opts()).unwrap();
    // `name` is text, `label` the label; `w` is a feature unless it is the weight.
    assert_eq!(ds.features, ["met", "jet1_pt", "w"]);
    assert_eq!(ds.is_signal, [true, false, true, false]);
    assert_eq!(ds.row(2), [30.0, 300.0, -0.25]);
    assert_eq!(ds.weights, [1.0; 4]);
    assert_eq!(ds.inputs.len(), 1);
    assert_eq!(ds.inputs[0].role, "data");
    assert_eq!(ds.inputs[0].tree, None);
    assert_eq!(ds.inputs[0].entries, 4);
    assert_eq!(ds.inputs[0].sha256.len(), 64);

    let o = LoadOptions { weight: Some("w".into()), ..opts() };
    let ds = load(&labelled(&f), &o).unwrap();
    assert_eq!(ds.features, ["met", "jet1_pt"]);
    assert_eq!(ds.weights, [0.5, 1.5, -0.25, 2.0]);
}

#[test]
fn explicit_features_in_given_order() {
    let d = Dir::new("explicit");
    let f = d.file("s.csv", SMALL);
    let ds = load(&labelled(&f), &features(&["jet1_pt", "met"])).unwrap();
    assert_eq!(ds.features, ["jet1_pt", "met"]);
    assert_eq!(ds.columns[1], [10.0, 20.0, 30.0, 40.0]);
}

#[test]
fn separate_csv_files() {
    let d = Dir::new("separate");
    let s = d.file("sig.csv", "a,b,flag\n1,5,1\n2,6,1\n");
    let b = d.file("bkg.csv", "b,a,flag,extra\n7,3,0,9\n8,4,0,9\n9,5,0,9\n");
    let src = Source::Separate { signal: SourceSpec::parse(&s), background: SourceSpec::parse(&b) };
    let ds = load(&src, &opts()).unwrap();
    // Signal column order; `flag` encodes the class; `extra` only exists in the background.
    assert_eq!(ds.features, ["a", "b"]);
    assert_eq!(ds.columns[0], [1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!(ds.columns[1], [5.0, 6.0, 7.0, 8.0, 9.0]);
    assert_eq!(ds.counts(), (2, 3));
    assert_eq!(ds.inputs[1].role, "background");

    let same =
        Source::Separate { signal: SourceSpec::parse(&s), background: SourceSpec::parse(&s) };
    let e = load(&same, &opts()).unwrap_err().to_string();
    assert!(e.starts_with("signal and background are both '"), "{e}");

    let ds = load_excluding(&src, &opts(), &["b"]).unwrap();
    assert_eq!(ds.features, ["a"]);

    let e = load(&src, &features(&["a", "extra"])).unwrap_err().to_string();
    assert!(e.starts_with("column 'extra' not found in '"), "{e}");
    assert!(e.contains("sig.csv' (have: a, b, flag)"), "{e}");
}

#[test]
fn the_shared_susy_csv() {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    let f = p.join("susy_like_synthetic.csv");
    if !f.is_file() {
        println!("skipped: ../shared not found");
        return;
    }
    let ds = load(&labelled(&f.display().to_string()), &opts()).unwrap();
    assert_eq!(ds.features, ["met", "jet1_pt", "dphi_j1_met", "dphi_j2_met", "mt", "mt2", "dr_lj"]);
    assert_eq!(ds.counts(), (70_000, 30_000));
    assert_eq!(ds.row(0), [133.197, 131.444, 0.658422, 1.79869, 67.4948, 105.328, 2.99053]);
    assert_eq!(ds.row(99_999)[6], 0.4);
    assert!(ds.is_signal[99_999] && !ds.is_signal[0]);
    assert_eq!(
        ds.inputs[0].sha256,
        "251182fd6cc95d743d50baa39c248d15dc6f2c1c347b33f1c4e81de7adff93f9"
    );
}

#[test]
fn non_finite_and_non_numeric_values() {
    let d = Dir::new("nonfinite");
    let f = d.file("n.csv", "a,b,label\n1,2,1\nnan,3,0\n2,x,1\n3,inf,0\n4,5,0\n6,7,1\n");
    let e = load(&labelled(&f), &opts()).unwrap_err();
    let m = e.to_string();
    // The first offending row is line 3 (a = nan); column a has 1 bad row.
    assert!(m.starts_with("column 'a' in '"), "{m}");
    assert!(m.contains("has 1 rows with a non-numeric, NaN or infinite value"), "{m}");
    assert!(m.contains("(first at line 3: 'NaN')"), "{m}");
    assert!(m.contains("--drop-nonfinite"), "{m}");

    let e = load(&labelled(&f), &features(&["b"])).unwrap_err().to_string();
    assert!(e.contains("column 'b'"), "{e}");
    assert!(e.contains("has 2 rows"), "{e}");
    assert!(e.contains("(first at line 4: 'x')"), "{e}");

    let o = LoadOptions { drop_nonfinite: true, ..opts() };
    let ds = load(&labelled(&f), &o).unwrap();
    assert_eq!(ds.dropped_nonfinite, 3);
    assert_eq!(ds.columns[0], [1.0, 4.0, 6.0]);
    assert_eq!(ds.is_signal, [true, false, true]);
    assert_eq!(ds.inputs[0].entries, 6);
}

#[test]
fn non_finite_weight() {
    let d = Dir::new("badweight");
    let f = d.file("w.csv", "a,label,w\n1,1,1\n2,0,-inf\n3,0,1\n");
    let o = LoadOptions { weight: Some("w".into()), ..opts() };
    let e = load(&labelled(&f), &o).unwrap_err().to_string();
    assert!(e.starts_with("column 'w' in '"), "{e}");
    assert!(e.contains("(first at line 3: '-inf')"), "{e}");
}

#[test]
fn bad_labels_name_the_values() {
    let d = Dir::new("labels");
    let f = d.file("l.csv", "a,label\n1,1\n2,2\n3,0\n4,-1\n5,2\n6,yes\n");
    let e = load(&labelled(&f), &opts()).unwrap_err();
    assert!(matches!(e, DataError::BadLabel { rows: 4, .. }), "{e:?}");
    let m = e.to_string();
    assert!(m.starts_with("label column 'label' in '"), "{m}");
    assert!(m.contains("must be 0 or 1, but 4 rows have other values"), "{m}");
    assert!(m.contains("(first at line 3; values found: 2, -1, yes)"), "{m}");

    let e = load(&Source::Labelled { data: SourceSpec::parse(&f), label: "class".into() }, &opts())
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("column 'class' not found in '"), "{e}");
    assert!(e.ends_with("(have: a, label)"), "{e}");
}

#[test]
fn a_class_without_events() {
    let d = Dir::new("oneclass");
    let f = d.file("o.csv", "a,label\n1,1\n2,1\n");
    let e = load(&labelled(&f), &opts()).unwrap_err().to_string();
    assert!(e.starts_with("no background events in '"), "{e}");
    assert!(e.ends_with("(no row has label = 0)"), "{e}");

    // All background rows dropped.
    let f = d.file("p.csv", "a,label\n1,1\nnan,0\n");
    let o = LoadOptions { drop_nonfinite: true, ..opts() };
    let e = load(&labelled(&f), &o).unwrap_err().to_string();
    assert!(e.ends_with("after dropping 1 rows with non-finite values"), "{e}");
}

#[test]
fn weights_must_sum_positive_per_class() {
    let d = Dir::new("wsum");
    let f = d.file("w.csv", "a,label,w\n1,1,1\n2,0,-1\n3,0,0.5\n");
    let o = LoadOptions { weight: Some("w".into()), ..opts() };
    let e = load(&labelled(&f), &o).unwrap_err().to_string();
    assert_eq!(e, "background weights in 'w' sum to -0.5 (expected a positive total)");
}

#[test]
fn feature_list_errors() {
    let d = Dir::new("flist");
    let f = d.file("s.csv", SMALL);
    let e = load(&labelled(&f), &features(&["met", "met"])).unwrap_err().to_string();
    assert_eq!(e, "feature 'met' is listed twice");
    let e = load(&labelled(&f), &features(&["met", "label"])).unwrap_err().to_string();
    assert_eq!(e, "column 'label' is the label and cannot also be a feature");
    let e = load(&labelled(&f), &features(&["name"])).unwrap_err().to_string();
    assert!(e.starts_with("column 'name' in '"), "{e}");
    assert!(e.ends_with("is not numeric (first value: 'a')"), "{e}");
    let e = load(&labelled(&f), &features(&["mett"])).unwrap_err().to_string();
    assert!(e.ends_with("(have: met, name, jet1_pt, label, w)"), "{e}");

    let g = d.file("t.csv", "name,label\na,1\nb,0\n");
    let e = load(&labelled(&g), &opts()).unwrap_err().to_string();
    assert!(e.starts_with("no numeric feature columns in '"), "{e}");
}

#[test]
fn file_errors() {
    let d = Dir::new("files");
    let e = load(&labelled("missing.csv"), &opts()).unwrap_err().to_string();
    assert!(e.starts_with("cannot read 'missing.csv'"), "{e}");
    let e = load(&labelled("x.parquet"), &opts()).unwrap_err().to_string();
    assert_eq!(e, "unsupported file type 'x.parquet' (expected a .root or .csv file)");
    let f = d.file("s.csv", SMALL);
    let src = Source::Labelled {
        data: cabin_train::data::SourceSpec { path: f.clone().into(), tree: Some("t".into()) },
        label: "label".into(),
    };
    let e = load(&src, &opts()).unwrap_err().to_string();
    assert!(e.ends_with("is a CSV file but a tree 't' was given (trees exist only in ROOT files)"));
    let g = d.file("r.csv", "a,label\n1,1\n2\n");
    let e = load(&labelled(&g), &opts()).unwrap_err().to_string();
    assert!(e.starts_with("cannot parse CSV '"), "{e}");
}
