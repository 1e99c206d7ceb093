//! `codegen::verify` against hand-written Verilog: a correct module passes on both simulators,
//! and two deliberately broken ones (a threshold one LSB off; an unsigned comparison where a
//! signed one is needed) are caught with the right working point and feature named.
//!
//! Each test prints `skipped: ...` and returns when its simulator is not installed.

use std::path::Path;

use cabin_infer::doc::OwnedFixedTable;
use cabin_infer::{FixedCut, Format, Op, Rounding, Slot};
use codegen::verify::{compare, rtl, set, Comparison, SetOptions, Tool};

/// Two inputs, two working points:
/// point 0: `a > -1.0` (raw -4 at 2 fractional bits) and `b < 40`;
/// point 1: `a > -5.0` (raw -20) and `b < 100` (always passes in 6 unsigned bits).
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

/// The module with `p0` and `p1` as the two pass expressions.
fn module(p0: &str, p1: &str) -> String {
    format!(
        "module cabin_cuts (
    input wire ap_clk, input wire ap_rst, input wire in_valid,
    input wire signed [7:0] x_a, input wire [5:0] x_b,
    output reg out_valid, output reg [1:0] sel);
    wire [1:0] pass;
    assign pass[0] = {p0};
    assign pass[1] = {p1};
    reg [1:0] sel_d;
    reg valid_d;
    always @(posedge ap_clk) begin
        if (ap_rst) begin
            valid_d <= 1'b0; out_valid <= 1'b0; sel_d <= 2'b0; sel <= 2'b0;
        end else begin
            valid_d <= in_valid; sel_d <= pass; out_valid <= valid_d; sel <= sel_d;
        end
    end
endmodule
"
    )
}

const GOOD0: &str = "(x_a > -8'sd4) & (x_b < 6'd40)";
const GOOD1: &str = "(x_a > -8'sd20)";

fn available(tool: Tool) -> bool {
    match tool.locate() {
        Ok(_) => true,
        Err(e) => {
            println!("skipped: {e}");
            false
        }
    }
}

fn run(tool: Tool, src: &str, random: usize) -> Comparison {
    let dir = tempfile::tempdir().unwrap();
    let rtl_dir = dir.path().join("rtl");
    std::fs::create_dir(&rtl_dir).unwrap();
    std::fs::write(rtl_dir.join("cabin_cuts.v"), src).unwrap();
    let t = table();
    let design = rtl::load(&rtl_dir, rtl::MODULE, &t).unwrap();
    let s = set::build(&t, &[0.3, 12.0, -4.6, 39.0], SetOptions { random, seed: 5 }).unwrap();
    let work = dir.path().join(tool.name());
    let sim = rtl::simulate(tool, &design, &t, &s, Path::new(&work)).unwrap();
    assert_eq!(sim.latency, Some(2), "two register stages");
    compare(&t, &s, &sim.outputs, 4).unwrap()
}

#[test]
fn a_correct_module_matches_on_icarus() {
    if !available(Tool::Iverilog) {
        return;
    }
    let c = run(Tool::Iverilog, &module(GOOD0, GOOD1), 400);
    assert!(c.passed(), "{}", compare::render(&table(), "iverilog", &c));
}

#[test]
fn a_correct_module_matches_on_verilator() {
    if !available(Tool::Verilator) {
        return;
    }
    let c = run(Tool::Verilator, &module(GOOD0, GOOD1), 400);
    assert!(c.passed(), "{}", compare::render(&table(), "verilator", &c));
}

#[test]
fn threshold_one_lsb_off_is_caught_and_named() {
    if !available(Tool::Iverilog) {
        return;
    }
    // -3 instead of -4: `a > -1.0` wrongly fails at a = -0.75.
    let c = run(Tool::Iverilog, &module("(x_a > -8'sd3) & (x_b < 6'd40)", GOOD1), 0);
    assert!(!c.passed());
    assert_eq!(c.per_point[1], 0, "only working point 0 is wrong");
    let top = &c.suspects[0];
    assert_eq!((top.point, top.feature.as_str()), (0, "a"));
    let text = compare::render(&table(), "iverilog", &c);
    println!("{text}");
    assert!(text.contains("boundary of working point 0, cut 0, threshold +1 LSB"), "{text}");
}

#[test]
fn unsigned_comparison_of_a_signed_input_is_caught_and_named() {
    if !available(Tool::Iverilog) {
        return;
    }
    // Negative a read as large positive numbers: `a > -5.0` passes or fails at random.
    let c = run(Tool::Iverilog, &module(GOOD0, "($unsigned(x_a) > $unsigned(-8'sd20))"), 0);
    assert!(!c.passed());
    assert_eq!(c.per_point[0], 0, "only working point 1 is wrong");
    let top = &c.suspects[0];
    assert_eq!((top.point, top.feature.as_str()), (1, "a"));
}

#[test]
fn a_dropped_valid_is_a_count_mismatch() {
    if !available(Tool::Iverilog) {
        return;
    }
    let src =
        module(GOOD0, GOOD1).replace("out_valid <= valid_d;", "out_valid <= valid_d & sel_d[0];");
    let c = run(Tool::Iverilog, &src, 50);
    assert!(!c.passed());
    assert!(c.received < c.sent);
}

#[test]
fn wrong_port_width_is_an_interface_error() {
    let dir = tempfile::tempdir().unwrap();
    let src = module(GOOD0, GOOD1).replace("[5:0] x_b", "[6:0] x_b");
    std::fs::write(dir.path().join("cabin_cuts.v"), src).unwrap();
    let e = rtl::load(dir.path(), rtl::MODULE, &table()).unwrap_err().to_string();
    assert!(e.contains("'x_b'") && e.contains("7 bits, expected 6"), "{e}");
}

fn prove(src: &str) -> Option<codegen::verify::formal::FormalResult> {
    if !available(Tool::Yosys) {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cabin_cuts.v"), src).unwrap();
    let t = table();
    let design = rtl::load(dir.path(), rtl::MODULE, &t).unwrap();
    let r = codegen::verify::formal::prove(&design, &t, 2, &dir.path().join("formal")).unwrap();
    println!("proved: {}\n{}", r.proved, r.log_tail);
    Some(r)
}

#[test]
fn formal_proves_the_correct_module_and_refutes_the_broken_ones() {
    let Some(good) = prove(&module(GOOD0, GOOD1)) else { return };
    assert!(good.proved, "{}", good.log_tail);
    let off = prove(&module("(x_a > -8'sd3) & (x_b < 6'd40)", GOOD1)).unwrap();
    assert!(!off.proved, "{}", off.log_tail);
    let uns = prove(&module(GOOD0, "($unsigned(x_a) > $unsigned(-8'sd20))")).unwrap();
    assert!(!uns.proved, "{}", uns.log_tail);
    // A wrong latency is a failed proof too, not a pass.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cabin_cuts.v"), module(GOOD0, GOOD1)).unwrap();
    let t = table();
    let design = rtl::load(dir.path(), rtl::MODULE, &t).unwrap();
    let r = codegen::verify::formal::prove(&design, &t, 1, &dir.path().join("f")).unwrap();
    assert!(!r.proved);
}

#[test]
fn undefined_output_bits_are_named() {
    if !available(Tool::Iverilog) {
        return;
    }
    // sel bit 1 is never assigned: x while out_valid is high.
    let src = module(GOOD0, GOOD1).replace("assign pass[1] = (x_a > -8'sd20);", "");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cabin_cuts.v"), src).unwrap();
    let t = table();
    let design = rtl::load(dir.path(), rtl::MODULE, &t).unwrap();
    let s = set::build(&t, &[], SetOptions { random: 5, seed: 1 }).unwrap();
    let e = rtl::simulate(Tool::Iverilog, &design, &t, &s, &dir.path().join("w")).unwrap_err();
    assert!(matches!(e, codegen::verify::VerifyError::Undefined { .. }), "{e}");
}
