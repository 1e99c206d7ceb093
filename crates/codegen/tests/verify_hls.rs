//! `codegen::verify::hls` against a hand-written HLS project: a correct one passes, a
//! threshold one LSB off is caught, and an input type with the wrong rounding mode is caught
//! by the quantisation check. Prints `skipped: ...` when g++ or the ap_types headers are absent.

use cabin_infer::doc::OwnedFixedTable;
use cabin_infer::{FixedCut, Format, Op, Rounding, Slot};
use codegen::verify::{compare, hls, set, SetOptions, Tool};

fn table() -> OwnedFixedTable {
    let s8 = Format { signed: true, width: 8, frac: 2 };
    let u6 = Format { signed: false, width: 6, frac: 0 };
    OwnedFixedTable {
        names: vec!["a".into(), "b".into()],
        targets: vec![0.5, 0.9],
        rounding: Rounding::Truncate,
        formats: vec![s8, u6],
        slots: vec![Slot { input: 0, op: Op::Gt }, Slot { input: 1, op: Op::Lt }],
        cuts: vec![
            FixedCut::new(Op::Gt, -1.0, s8),
            FixedCut::new(Op::Lt, 40.0, u6),
            FixedCut::new(Op::Gt, -5.0, s8),
            FixedCut::new(Op::Lt, 100.0, u6),
        ],
    }
}

fn project(dir: &std::path::Path, quant: &str, t0: &str) {
    let fw = dir.join("firmware");
    std::fs::create_dir_all(&fw).unwrap();
    std::fs::write(
        fw.join("cabin_cuts.h"),
        format!(
            "#include \"ap_fixed.h\"\n#include \"ap_int.h\"\n\
             typedef ap_fixed<8, 6, {quant}, AP_SAT> x_a_t;\n\
             typedef ap_ufixed<6, 6, AP_TRN, AP_SAT> x_b_t;\n\
             typedef ap_uint<2> sel_t;\n\
             void cabin_cuts(x_a_t x_a, x_b_t x_b, sel_t &sel);\n"
        ),
    )
    .unwrap();
    std::fs::write(
        fw.join("cabin_cuts.cpp"),
        format!(
            "#include \"cabin_cuts.h\"\n\
             void cabin_cuts(x_a_t x_a, x_b_t x_b, sel_t &sel) {{\n\
             sel_t s = 0;\n\
             s[0] = (x_a > x_a_t({t0})) && (x_b < x_b_t(40));\n\
             s[1] = (x_a > x_a_t(-5.0));\n\
             sel = s;\n}}\n"
        ),
    )
    .unwrap();
}

fn run(quant: &str, t0: &str) -> Option<(compare::Comparison, hls::HlsRun)> {
    if let Err(e) = Tool::Gxx.locate() {
        println!("skipped: {e}");
        return None;
    }
    let ap = match hls::find_ap_include(None) {
        Ok(p) => p,
        Err(e) => {
            println!("skipped: {e}");
            return None;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    project(&dir.path().join("hls"), quant, t0);
    let t = table();
    let p = hls::load(&dir.path().join("hls"), "cabin_cuts", &t).unwrap();
    // Data events between grid points exercise the input types' rounding.
    let data = [0.3, 12.0, -4.6, 39.0, -1.1, 7.0, 2.13, 0.0];
    let s = set::build(&t, &data, SetOptions { random: 200, seed: 3 }).unwrap();
    let r = hls::simulate(&p, &t, &s, &ap, &dir.path().join("work")).unwrap();
    let c = compare::compare(&t, &s, &r.sim.outputs, 4).unwrap();
    Some((c, r))
}

#[test]
fn a_correct_hls_project_matches_and_quantises_like_the_reference() {
    let Some((c, r)) = run("AP_TRN", "-1.0") else { return };
    assert!(c.passed(), "{}", compare::render(&table(), "g++", &c));
    assert!(r.quant_checked > 100);
    assert_eq!(r.quant_mismatch_count, 0, "{:?}", r.quant_mismatches);
}

#[test]
fn hls_threshold_one_lsb_off_is_caught() {
    let Some((c, _)) = run("AP_TRN", "-0.75") else { return };
    assert!(!c.passed());
    assert_eq!((c.suspects[0].point, c.suspects[0].feature.as_str()), (0, "a"));
}

#[test]
fn hls_rounding_mode_differing_from_the_table_is_caught() {
    let Some((c, r)) = run("AP_RND", "-1.0") else { return };
    // Raw inputs are set bit for bit, so the masks still agree; the conversion does not.
    assert!(c.passed());
    assert!(r.quant_mismatch_count > 0);
    assert!(r.quant_mismatches.iter().all(|q| q.feature == "a"));
}
