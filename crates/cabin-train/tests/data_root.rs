//! ROOT loading on the bundled sample (`data/Higgs_data.root`) and the shared files.
//!
//! Reference values were read with uproot 5.7.7 (`tree.arrays(library="np")`), an independent
//! ROOT reader, from the same files.

use std::path::PathBuf;

use cabin_train::data::{load, LoadOptions, Source, SourceSpec};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn higgs() -> String {
    repo().join("data/Higgs_data.root").display().to_string()
}

/// A file of `../shared/data`, or `None` (after saying so) when it is absent.
fn shared(name: &str) -> Option<String> {
    let p = repo().join("../shared/data").join(name);
    if p.is_file() {
        Some(p.display().to_string())
    } else {
        println!("skipped: ../shared not found");
        None
    }
}

fn separate(file: &str, sig: &str, bkg: &str) -> Source {
    Source::Separate {
        signal: SourceSpec::parse(&format!("{file}:{sig}")),
        background: SourceSpec::parse(&format!("{file}:{bkg}")),
    }
}

fn all() -> LoadOptions {
    LoadOptions::default()
}

fn err(source: &Source, opts: &LoadOptions) -> String {
    load(source, opts).unwrap_err().to_string()
}

#[test]
fn higgs_default_features_drop_the_type_flag() {
    let ds = load(&separate(&higgs(), "sig_tree", "bkg_tree"), &all()).unwrap();
    assert_eq!(ds.len(), 20_000);
    assert_eq!(ds.counts(), (10_000, 10_000));
    // 29 branches minus `Type`, which is 1 in sig_tree and 0 in bkg_tree.
    assert_eq!(ds.features.len(), 28);
    assert!(!ds.features.iter().any(|f| f == "Type"));
    assert_eq!(ds.features[0], "lepton_pT");
    assert_eq!(ds.features[27], "m_wwbb");
    assert!(ds.features.iter().any(|f| f == "jet1_b-tag"));
    assert!(ds.weights.iter().all(|&w| w == 1.0));
    assert_eq!(ds.dropped_nonfinite, 0);

    // Signal rows first, then background, each in entry order.
    let pt = &ds.columns[0];
    assert_eq!(pt[0], 0.869293212890625);
    assert_eq!(pt[9_999], 1.2874689102172852);
    assert_eq!(pt[10_000], 1.344384789466858);
    assert_eq!(pt[19_999], 0.44269901514053345);
    let sig_sum: f64 = pt[..10_000].iter().sum();
    assert!((sig_sum - 9714.690168738365).abs() < 1e-6, "{sig_sum}");
    assert!(ds.is_signal[9_999] && !ds.is_signal[10_000]);

    // Inputs: role, tree, entries and the file's checksum.
    assert_eq!(ds.inputs.len(), 2);
    assert_eq!(ds.inputs[0].role, "signal");
    assert_eq!(ds.inputs[1].role, "background");
    assert_eq!(ds.inputs[0].tree.as_deref(), Some("sig_tree"));
    assert_eq!(ds.inputs[1].tree.as_deref(), Some("bkg_tree"));
    assert_eq!(ds.inputs[0].entries, 10_000);
    assert_eq!(
        ds.inputs[0].sha256,
        "028d39d3c5ae82ce2569505471fb6d6cf8492f04b4ed40de3ddb3d5a1f2fe2c0"
    );
}

#[test]
fn higgs_explicit_features_keep_order_and_allow_type() {
    let opts = LoadOptions {
        features: Some(vec!["m_wwbb".into(), "lepton_pT".into(), "Type".into()]),
        ..all()
    };
    let ds = load(&separate(&higgs(), "sig_tree", "bkg_tree"), &opts).unwrap();
    assert_eq!(ds.features, ["m_wwbb", "lepton_pT", "Type"]);
    assert_eq!(ds.row(0), [0.8766783475875854, 0.869293212890625, 1.0]);
    let mut buf = [0.0; 3];
    ds.fill_row(19_999, &mut buf);
    assert_eq!(buf, [0.9247270226478577, 0.44269901514053345, 0.0]);
}

#[test]
fn trees_chosen_by_name_when_not_given() {
    let h = higgs();
    let src = Source::Separate { signal: SourceSpec::parse(&h), background: SourceSpec::parse(&h) };
    let ds = load(&src, &all()).unwrap();
    assert_eq!(ds.inputs[0].tree.as_deref(), Some("sig_tree"));
    assert_eq!(ds.inputs[1].tree.as_deref(), Some("bkg_tree"));
}

#[test]
fn missing_tree_column_and_file_list_alternatives() {
    let e = err(&separate(&higgs(), "sig_tree", "nope"), &all());
    assert!(e.contains("tree 'nope' not found in"), "{e}");
    assert!(e.contains("(have: sig_tree, bkg_tree)"), "{e}");

    let opts = LoadOptions { features: Some(vec!["met".into()]), ..all() };
    let e = err(&separate(&higgs(), "sig_tree", "bkg_tree"), &opts);
    assert!(e.starts_with("column 'met' not found in '"), "{e}");
    assert!(e.contains("Higgs_data.root:sig_tree' (have: Type, lepton_pT, lepton_eta,"), "{e}");

    let src = separate("no/such/file.root", "a", "b");
    let e = err(&src, &all());
    assert!(e.starts_with("cannot read 'no/such/file.root'"), "{e}");
}

#[test]
fn labelled_root_tree_needs_its_label_column() {
    let src = Source::Labelled { data: SourceSpec::parse(&higgs()), label: "label".into() };
    // Two trees and the `data` role: the loader cannot pick one.
    let e = err(&src, &all());
    assert!(e.contains("cannot choose the data tree"), "{e}");
    assert!(e.contains("(trees: sig_tree, bkg_tree)"), "{e}");

    // The sig tree labelled by `Type` has no background (Type is always 1 there).
    let src = Source::Labelled {
        data: SourceSpec::parse(&format!("{}:sig_tree", higgs())),
        label: "Type".into(),
    };
    let e = err(&src, &all());
    assert!(e.starts_with("no background events in '"), "{e}");
    assert!(e.contains("(no row has Type = 0)"), "{e}");
}

#[test]
fn tmva_weights_only_in_background() {
    let Some(f) = shared("tmva_class_example.root") else { return };
    let opts = LoadOptions { weight: Some("weight".into()), ..all() };
    let ds = load(&separate(&f, "TreeS", "TreeB"), &opts).unwrap();
    assert_eq!(ds.counts(), (6_000, 6_000));
    assert_eq!(ds.features, ["var1", "var2", "var3", "var4"]);
    assert_eq!(ds.columns[0][0], -1.1436108350753784);
    // TreeS has no weight branch: weight 1; TreeB's weights as stored.
    assert!(ds.weights[..6_000].iter().all(|&w| w == 1.0));
    assert_eq!(ds.weights[6_000], 0.10676071792840958);
    let bkg: f64 = ds.weights[6_000..].iter().sum();
    assert!((bkg - 2158.3825280393194).abs() < 1e-6, "{bkg}");

    // Without --weight, the background-only `weight` branch is not a default feature either.
    let ds = load(&separate(&f, "TreeS", "TreeB"), &all()).unwrap();
    assert_eq!(ds.features, ["var1", "var2", "var3", "var4"]);

    let opts = LoadOptions { weight: Some("w".into()), ..all() };
    let e = err(&separate(&f, "TreeS", "TreeB"), &opts);
    assert!(e.starts_with("column 'w' not found in '"), "{e}");
}

#[test]
fn tmva_category_toy_trees_detected() {
    let Some(f) = shared("toy_sigbkg_categ_offset.root") else { return };
    let src = Source::Separate { signal: SourceSpec::parse(&f), background: SourceSpec::parse(&f) };
    let ds = load(&src, &all()).unwrap();
    assert_eq!(ds.counts(), (10_000, 10_000));
    assert_eq!(ds.features, ["var1", "var2", "var3", "var4", "eta"]);
    assert_eq!(ds.inputs[0].tree.as_deref(), Some("TreeS"));
}

#[test]
fn mlp_higgs_zlib_reads() {
    let Some(f) = shared("mlpHiggs_zlib.root") else { return };
    let src = Source::Separate { signal: SourceSpec::parse(&f), background: SourceSpec::parse(&f) };
    let ds = load(&src, &all()).unwrap();
    assert_eq!(ds.counts(), (608, 1350));
    assert_eq!(ds.inputs[1].tree.as_deref(), Some("bg_filtered"));
    let k = ds.features.iter().position(|f| f == "nch").unwrap();
    assert_eq!(ds.columns[k][608], 17.0);
    let sum: f64 = ds.columns[k][608..].iter().sum();
    assert_eq!(sum, 23625.0);
}

/// Regression: oxyroot panics on the legacy "CS" compression of mlpHiggs.root; the loader must
/// return an error naming the file and tree instead of aborting.
#[test]
fn legacy_compression_is_an_error_not_a_panic() {
    let Some(f) = shared("mlpHiggs.root") else { return };
    let e = err(&separate(&f, "sig_filtered", "bg_filtered"), &all());
    assert!(e.starts_with("cannot decode '"), "{e}");
    assert!(e.contains("mlpHiggs.root:sig_filtered'"), "{e}");
    assert!(e.contains("the ROOT reader failed"), "{e}");
}

/// Writes a ROOT file with two trees of mixed branch types through oxyroot's writer.
fn write_fixture(path: &std::path::Path, names: [&str; 2]) {
    let mut file = oxyroot::RootFile::create(path).unwrap();
    for (t, name) in names.iter().enumerate() {
        let n = 50;
        let off = t as i32 * 100;
        let mut tree = oxyroot::WriterTree::new(*name);
        tree.new_branch("i32", (0..n).map(move |i| i + off));
        tree.new_branch("i64", (0..n).map(move |i| i64::from(i + off) * 1_000_000_000));
        tree.new_branch("u8", (0..n).map(|i| (i % 7) as u8));
        tree.new_branch("flag", (0..n).map(|i| i % 2 == 0));
        tree.new_branch("f64", (0..n).map(|i| f64::from(i) * 0.25));
        tree.new_branch("vec", (0..n).map(|i| vec![i as f32; 2]));
        tree.write(&mut file).unwrap();
    }
    file.close().unwrap();
}

#[test]
fn integer_bool_and_vector_branches() {
    let dir = std::env::temp_dir().join(format!("cabin-data-root-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("mixed.root");
    write_fixture(&f, ["sig", "bkg"]);
    let f = f.display().to_string();
    let ds = load(&separate(&f, "sig", "bkg"), &all()).unwrap();
    // The vector branch is not a default feature; the numeric ones are widened to f64.
    assert_eq!(ds.features, ["i32", "i64", "u8", "flag", "f64"]);
    assert_eq!(ds.counts(), (50, 50));
    assert_eq!(ds.row(51), [101.0, 101e9, 1.0, 0.0, 0.25]);
    assert_eq!(ds.row(2), [2.0, 2e9, 2.0, 1.0, 0.5]);

    let opts = LoadOptions { features: Some(vec!["vec".into()]), ..all() };
    let e = err(&separate(&f, "sig", "bkg"), &opts);
    assert!(e.starts_with("column 'vec' in '"), "{e}");
    assert!(e.contains("mixed.root:sig' has type 'Vec<f32>'"), "{e}");

    // Tree names that say nothing about the class.
    let g = dir.join("plain.root");
    write_fixture(&g, ["first", "second"]);
    let g = g.display().to_string();
    let src = Source::Separate { signal: SourceSpec::parse(&g), background: SourceSpec::parse(&g) };
    let e = err(&src, &all());
    assert!(e.contains("cannot choose the signal tree of '"), "{e}");
    assert!(e.contains("no tree name looks like signal (trees: first, second)"), "{e}");

    // A file without any tree.
    let h = dir.join("empty.root");
    oxyroot::RootFile::create(&h).unwrap().close().unwrap();
    let h = h.display().to_string();
    let e = err(&separate(&h, "a", "b"), &all());
    assert!(e.starts_with("no TTree in ROOT file '"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}
