//! Features beyond the paper through the binary: window cuts from training to every export
//! target and the simulators, the significance objective and `Z` in `eval`, and cuts binned in
//! eta on the category toy, where they must beat unbinned cuts at equal signal efficiency.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

mod common;
use common::{cabin, on_path, uniform};

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn ok(args: &[&str], dir: &Path) -> String {
    let o = cabin(args, dir);
    let t = text(&o);
    assert!(o.status.success(), "cabin {args:?}: {t}");
    assert!(!t.contains("panicked"), "{t}");
    t
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Writes `dir/name` with `header` and the rows `row(i)` for event `i` in `0..n`.
fn csv_file(
    dir: &Path,
    name: &str,
    header: &str,
    n: usize,
    row: impl FnMut(usize) -> String,
) -> PathBuf {
    let csv: String = std::iter::once(format!("{header}\n")).chain((0..n).map(row)).collect();
    let p = dir.join(name);
    std::fs::write(&p, csv).unwrap();
    p
}

/// 3000 events: signal mass ~ N(125, 4) and `pt` ~ 40 + exp; background mass uniform on
/// [60, 200] and `pt` ~ 20 + exp. Deterministic (a fixed LCG), written as CSV with a label.
fn mass_csv(dir: &Path) -> PathBuf {
    let mut uni = uniform(12345);
    csv_file(dir, "mass.csv", "mass,pt,label", 3000, |i| {
        let sig = i % 3 == 0;
        let (u1, u2, u3) = (uni(), uni(), uni());
        let gauss = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        let mass = if sig { 125.0 + 4.0 * gauss } else { 60.0 + 140.0 * u1 };
        let pt = if sig { 40.0 } else { 20.0 } - 15.0 * u3.ln();
        format!("{mass:.4},{pt:.4},{}\n", sig as u8)
    })
}

#[test]
fn window_cut_is_learned_and_survives_quantisation_export_and_simulation() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    mass_csv(dir);
    let common = ["train", "mass.csv", "--epochs", "150", "--targets", "0.5,0.8"];
    ok(&[&common[..], &["--window", "mass", "-o", "win.json"]].concat(), dir);
    ok(&[&common[..], &["-o", "one.json"]].concat(), dir);
    let win = json(&dir.join("win.json"));
    let one = json(&dir.join("one.json"));
    for (wp, wp1) in win["working_points"]
        .as_array()
        .unwrap()
        .iter()
        .zip(one["working_points"].as_array().unwrap())
    {
        let cuts = wp["cuts"].as_array().unwrap();
        let on = |op: &str| {
            cuts.iter()
                .find(|c| c["feature"] == "mass" && c["op"] == op)
                .map(|c| c["value"].as_f64().unwrap())
                .unwrap_or_else(|| panic!("no 'mass {op}' cut in {cuts:?}"))
        };
        let (lo, hi) = (on(">"), on("<"));
        assert!(lo < 125.0 && 125.0 < hi && hi - lo < 40.0, "window [{lo}, {hi}]");
        // A window around the peak removes far more background than a one-sided mass cut.
        let (b2, b1) =
            (wp["test"]["eff_bkg"].as_f64().unwrap(), wp1["test"]["eff_bkg"].as_f64().unwrap());
        assert!(b2 < 0.6 * b1, "window bkg {b2} vs one-sided {b1}");
    }

    ok(&["quantize", "win.json", "--auto", "--bits", "16", "-o", "win_q.json"], dir);
    for target in ["verilog", "hls", "rust", "c"] {
        ok(&["export", "win_q.json", "--target", target, "-o", target], dir);
    }
    let v = std::fs::read_to_string(dir.join("verilog/cabin_cuts.v")).unwrap();
    assert!(v.contains("x_mass >") || v.contains("x_mass >="), "{v}");
    assert!(v.contains("x_mass <"), "{v}");
    if on_path("iverilog") {
        let t = ok(&["verify", "win_q.json", "--target", "verilog", "--vectors", "500"], dir);
        assert!(t.contains("OK: "), "{t}");
    }
}

#[test]
fn significance_objective_records_its_settings_and_eval_reports_z() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    mass_csv(dir);
    let args = [
        "train",
        "mass.csv",
        "--window",
        "mass",
        "--epochs",
        "100",
        "--targets",
        "0.3,0.6,0.9",
        "--objective",
        "significance",
        "--lumi",
        "2",
        "--bkg-uncertainty",
        "0.1",
        "-o",
        "z.json",
    ];
    ok(&args, dir);
    let doc = json(&dir.join("z.json"));
    assert_eq!(doc["config"]["objective"], "significance");
    assert_eq!(doc["config"]["significance"]["yields"]["lumi"], 2.0);
    for wp in doc["working_points"].as_array().unwrap() {
        let z = wp["significance"]["test"]["z"].as_f64().unwrap();
        assert!(z.is_finite() && z > 0.0, "{wp}");
    }
    // eval prints a Z column with the recorded settings, and picks the best point above a
    // minimum signal yield.
    let t = ok(&["eval", "z.json", "--min-signal", "10"], dir);
    assert!(t.contains("Z") && t.contains("best Z"), "{t}");
    let t = ok(&["eval", "z.json", "--min-signal", "1e9"], dir);
    assert!(t.contains("no working point has a signal yield of at least"), "{t}");
    let bad = cabin(&["eval", "z.json", "--lumi", "-1"], dir);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
}

/// A category toy like ROOT's `toy_sigbkg_categ_offset.root`: var1..var4 Gaussian, signal
/// mean +0.5 (var4 +0.8), background -0.5 (var4 -0.8), every variable of both classes offset
/// by +1.5 where |eta| > 1.3, eta uniform on [-2.5, 2.5]; 2 x 4000 events, fixed LCG.
///
/// Generated so that this test, which goes on through every export target, needs no
/// `../shared`; `tests/binned_root.rs` trains on the real ROOT file through the loader.
fn category_csv(dir: &Path) -> PathBuf {
    let mut uni = uniform(99);
    csv_file(dir, "categ.csv", "var1,var2,var3,var4,eta,label", 8000, |i| {
        let sig = i % 2 == 0;
        let eta = 5.0 * uni() - 2.5;
        let offset = if eta.abs() > 1.3 { 1.5 } else { 0.0 };
        let mut row = String::new();
        for k in 0..4 {
            let (u1, u2) = (uni(), uni());
            let g = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
            let mu = if k == 3 { 0.8 } else { 0.5 };
            let x = g + offset + if sig { mu } else { -mu };
            row.push_str(&format!("{x:.5},"));
        }
        format!("{row}{eta:.5},{}\n", sig as u8)
    })
}

#[test]
fn binned_cuts_beat_unbinned_cuts_on_a_category_toy_and_export() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    category_csv(dir);
    let base = ["train", "categ.csv", "--epochs", "150", "--targets", "0.5,0.7,0.9"];
    ok(&[&base[..], &["--features", "var1,var2,var3,var4", "-o", "flat.json"]].concat(), dir);
    let t =
        ok(&[&base[..], &["--bin-by", "eta:-2.5,-1.3,1.3,2.5", "-o", "bin.json"]].concat(), dir);
    assert!(t.contains("bin eta in [-1.3, 1.3)") && t.contains("all bins"), "{t}");
    let flat = json(&dir.join("flat.json"));
    let bin = json(&dir.join("bin.json"));
    assert_eq!(bin["working_points"].as_array().unwrap().len(), 9, "3 bins x 3 targets, flat");
    let combined = bin["binning"]["combined"].as_array().unwrap();
    for (c, f) in combined.iter().zip(flat["working_points"].as_array().unwrap()) {
        let num = |v: &Value| v.as_f64().unwrap();
        let (bs, bb) = (num(&c["test"]["eff_sig"]), num(&c["test"]["eff_bkg"]));
        let (fs, fb) = (num(&f["test"]["eff_sig"]), num(&f["test"]["eff_bkg"]));
        // Equal signal efficiency (both recalibrated onto the target on the training split),
        // clearly less background.
        assert!((bs - fs).abs() < 0.04, "signal {bs} vs {fs}");
        assert!(bb < 0.85 * fb, "target {}: binned bkg {bb} vs unbinned {fb}", c["target"]);
    }

    // eval folds the bins back into working points and agrees with the training record.
    let t = ok(&["eval", "bin.json"], dir);
    assert!(t.contains("binned in eta: 3 bins"), "{t}");
    let e = ok(&["eval", "bin.json", "-o", "bin_e.json"], dir);
    assert!(e.contains("wrote"), "{e}");
    let ev = json(&dir.join("bin_e.json"));
    for (p, c) in ev["evaluation"]["working_points"].as_array().unwrap().iter().zip(combined) {
        assert_eq!(p["eff_bkg"], c["test"]["eff_bkg"], "{p} vs {c}");
    }
    // The flat table goes through quantisation, every export target and the simulator.
    let q = ok(&["quantize", "bin.json", "--auto", "--bits", "16", "-o", "bin_q.json"], dir);
    assert!(q.contains("per working point over all 3 bins of eta"), "{q}");
    let rows = q.lines().skip_while(|l| !l.trim_start().starts_with("target")).skip(1);
    let targets: Vec<&str> = rows
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(targets[..3], ["0.500", "0.700", "0.900"], "{q}");
    assert!(!targets[3].starts_with("0."), "more rows than working points: {q}");
    // eval of the quantised binned file folds the fixed-point rows too: 3 working points.
    ok(&["eval", "bin_q.json", "-o", "bin_qe.json"], dir);
    let fixed = &json(&dir.join("bin_qe.json"))["evaluation"]["fixed_point"];
    let rows = fixed["working_points"].as_array().unwrap_or_else(|| panic!("{fixed}"));
    assert_eq!(rows.len(), 3, "{fixed}");
    for (r, c) in rows.iter().zip(combined) {
        let d = r["fixed_eff_bkg"].as_f64().unwrap() - c["test"]["eff_bkg"].as_f64().unwrap();
        assert!(d.abs() < 0.01, "16-bit quantisation moved bkg by {d}: {r}");
    }
    for target in ["verilog", "hls", "rust", "c"] {
        ok(&["export", "bin_q.json", "--target", target, "-o", target], dir);
    }
    let c = std::fs::read_to_string(dir.join("c/cabin_cuts.h")).unwrap();
    assert!(c.contains("Binned in 'eta'"), "{c}");
    if on_path("iverilog") {
        let t = ok(&["verify", "bin_q.json", "--target", "verilog", "--vectors", "500"], dir);
        assert!(t.contains("OK: "), "{t}");
    }
}

#[test]
fn bad_beyond_options_exit_2_naming_the_problem_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    mass_csv(dir);
    let cases: [(&[&str], &str); 7] = [
        (&["--window", "masss"], "window requested on 'masss', which is not a feature"),
        (&["--window", "mass", "--directions", "mass:>"], "a feature without a window cut"),
        (&["--bin-by", "eta:0,1"], "one of the loaded features"),
        (&["--bin-by", "pt:3,1"], "strictly increasing"),
        (&["--bin-by", "pt:0,50,1000", "--objective", "significance"], "when cuts are binned"),
        (&["--objective", "significance", "--bkg-uncertainty", "-0.3"], "bkg_uncertainty"),
        (&["--objective", "significance", "--min-bkg", "0"], "min_bkg"),
    ];
    for (extra, want) in cases {
        let args = [&["train", "mass.csv", "--epochs", "2", "-o", "x.json"][..], extra].concat();
        let o = cabin(&args, dir);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {t}");
        assert!(t.contains(want) && !t.contains("panicked"), "{extra:?}: {t}");
        assert!(!dir.join("x.json").exists(), "{extra:?} wrote output");
    }
}

#[test]
fn binning_warns_about_events_outside_its_edges_and_sparse_bins() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    category_csv(dir);
    // eta is uniform in [-2.5, 2.5): about half of the events are outside [-1.3, 1.3), and the
    // bin [1.25, 1.3) holds about 1 % of the 6,400 training events.
    let args = ["train", "categ.csv", "--epochs", "20", "--targets", "0.5", "--refine", "false"];
    let t = ok(&[&args[..], &["--bin-by", "eta:-1.3,1.25,1.3"]].concat(), dir);
    assert!(t.contains("events have eta outside the bin edges [-1.3, 1.3)"), "{t}");
    assert!(t.contains("bin 1 [1.25, 1.3) of eta has only"), "{t}");
    assert!(!t.contains("bin 0 [-1.3, 1.25) of eta has only"), "{t}");
    let t = ok(&[&args[..], &["--bin-by", "eta:-2.5,0,2.5"]].concat(), dir);
    assert!(!t.contains("warning"), "{t}");
}

#[test]
fn plot_of_a_binned_file_draws_one_line_per_bin_and_the_combined_roc() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    category_csv(dir);
    let args = ["train", "categ.csv", "--epochs", "20", "--targets", "0.5,0.9", "--refine"];
    ok(&[&args[..], &["false", "--bin-by", "eta:-2.5,-1.3,1.3,2.5", "-o", "b.json"]].concat(), dir);
    ok(&["plot", "b.json", "-o", "figs", "--no-data"], dir);
    let cuts = std::fs::read_to_string(dir.join("figs/cuts.svg")).unwrap();
    assert!(cuts.contains("one line per bin of eta"), "title");
    for bin in ["eta in [-2.5, -1.3)", "eta in [-1.3, 1.3)", "eta in [1.3, 2.5)"] {
        assert!(cuts.contains(&format!("keep var1 &gt; cut, {bin}")), "no line for {bin}");
    }
    assert!(!cuts.contains("keep eta"), "the bin variable is drawn as a cut");
    // The ROC is the working points' (all bins together): signal efficiencies near the
    // targets, not the per-bin rows' fractions of all events.
    let doc = json(&dir.join("b.json"));
    let combined = doc["binning"]["combined"].as_array().unwrap();
    let sig = combined[1]["test"]["eff_sig"].as_f64().unwrap();
    assert!((sig - 0.9).abs() < 0.05, "{sig}");
    let roc = std::fs::read_to_string(dir.join("figs/roc.svg")).unwrap();
    assert!(roc.contains("cabin cuts, test"), "ROC legend");
}

/// 4000 events: signal `peak` mostly in [3, 3.4] near the top of the background's range
/// ([-1, 5]), with 15 % far below at -20 that pull its mean under the background's; `pt` as in
/// [`mass_csv`].
fn peak_csv(dir: &Path) -> PathBuf {
    let mut uni = uniform(777);
    csv_file(dir, "peak.csv", "peak,pt,label", 4000, |i| {
        let sig = i % 2 == 0;
        let (u1, u2, u3) = (uni(), uni(), uni());
        let peak = match (sig, u1 < 0.15) {
            (true, true) => -20.0 + u2,
            (true, false) => 3.0 + 0.4 * u2,
            (false, _) => -1.0 + 6.0 * u2,
        };
        let pt = if sig { 40.0 } else { 20.0 } - 15.0 * u3.ln();
        format!("{peak:.4},{pt:.4},{}\n", sig as u8)
    })
}

#[test]
fn direction_search_flips_a_feature_whose_class_means_mislead_unless_told_not_to() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let data = peak_csv(dir);
    let d = data.to_str().unwrap();
    let base =
        ["train", "--data", d, "--label", "label", "--epochs", "100", "--targets", "0.3,0.5,0.7"];
    let run = |extra: &[&str], out: &str| -> (String, Value) {
        let args: Vec<&str> = base.iter().chain(extra).copied().chain(["-o", out]).collect();
        let t = ok(&args, dir);
        (t, json(&dir.join(out)))
    };
    let direction = |v: &Value| v["features"][0]["direction"].as_str().unwrap().to_string();
    let bkg_at_half = |v: &Value| v["working_points"][1]["test"]["eff_bkg"].as_f64().unwrap();

    let (t, searched) = run(&[], "searched.json");
    assert!(t.contains("direction search flipped peak < -> >"), "{t}");
    assert_eq!(direction(&searched), ">");
    let trials = searched["direction_search"].as_array().expect("trials recorded");
    assert!(
        trials.iter().any(|x| x["feature"] == "peak" && x["tried"] == ">" && x["kept"] == true),
        "{trials:?}"
    );

    let (t, means) = run(&["--direction-search", "false"], "means.json");
    assert!(!t.contains("direction search"), "{t}");
    assert_eq!(direction(&means), "<");
    assert!(means.get("direction_search").is_none());
    assert!(
        bkg_at_half(&searched) < 0.7 * bkg_at_half(&means),
        "flipped {} vs class means {}",
        bkg_at_half(&searched),
        bkg_at_half(&means)
    );

    let (t, given) = run(&["--directions", "peak:<"], "given.json");
    assert!(!t.contains("flipped peak"), "{t}");
    assert_eq!(direction(&given), "<", "a given direction is kept");
}
