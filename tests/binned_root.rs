//! Binned against unbinned cuts straight from ROOT's category toy
//! (`../shared/data/toy_sigbkg_categ_offset.root`), read through cabin's ROOT loader.
//!
//! Regression: the loader returned the toy's `eta` one event off var1..var4 (oxyroot yields
//! the basket embedded in the TTree first, and `eta`'s basket boundary differs by one entry),
//! so cuts binned in eta were no better than unbinned ones. With entries in order, binning
//! removes about half of the background at signal efficiency 0.5 and 0.7 (full training:
//! 0.0615 vs 0.128 and 0.146 vs 0.284, see `crates/cabin-train/README.md`).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn toy() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/toy_sigbkg_categ_offset.root");
    if p.is_file() {
        Some(p)
    } else {
        println!("skipped: ../shared not found");
        None
    }
}

fn train(args: &[&str], dir: &Path) {
    let o = Command::new(env!("CARGO_BIN_EXE_cabin"))
        .arg("train")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    let t = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "cabin train {args:?}: {t}");
}

/// (target, test signal efficiency, test background efficiency) of each working point.
fn points(rows: &Value) -> Vec<(f64, f64, f64)> {
    let num = |v: &Value| v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"));
    rows.as_array()
        .unwrap_or_else(|| panic!("not a list: {rows}"))
        .iter()
        .map(|r| (num(&r["target"]), num(&r["test"]["eff_sig"]), num(&r["test"]["eff_bkg"])))
        .collect()
}

#[test]
fn binned_cuts_beat_unbinned_cuts_on_the_root_category_toy() {
    let Some(toy) = toy() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let file = toy.display().to_string();
    let fast = ["--epochs", "150", "--refine-bags", "1", "--targets", "0.5,0.7"];
    let flat = [&[file.as_str()][..], &fast, &["--features", "var1,var2,var3,var4"]].concat();
    train(&[&flat[..], &["-o", "flat.json"]].concat(), dir);
    let binned = [
        &[file.as_str()][..],
        &fast,
        &["--features", "var1,var2,var3,var4,eta", "--bin-by", "eta:-10,-1.3,1.3,10"],
    ]
    .concat();
    train(&[&binned[..], &["-o", "bin.json"]].concat(), dir);

    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
    };
    let flat = points(&read("flat.json")["working_points"]);
    let bin = points(&read("bin.json")["binning"]["combined"]);
    assert_eq!(flat.len(), 2);
    assert_eq!(bin.len(), 2);
    for ((target, fs, fb), (_, bs, bb)) in flat.into_iter().zip(bin) {
        // Equal signal efficiency, clearly less background.
        assert!((bs - fs).abs() < 0.04, "target {target}: signal {bs} binned vs {fs}");
        assert!(bb < 0.7 * fb, "target {target}: background {bb} binned vs {fb} unbinned");
    }
}
