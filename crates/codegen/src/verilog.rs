//! Verilog-2001: one synthesizable module, a self-checking testbench and its vector files.
//!
//! The module interface is stable (test benches are written against it):
//!
//! | port | direction | width | meaning |
//! |---|---|---|---|
//! | `ap_clk` | in | 1 | clock, rising edge |
//! | `ap_rst` | in | 1 | synchronous reset, active high: clears `out_valid` and `sel` |
//! | `in_valid` | in | 1 | the inputs hold an event this clock |
//! | `x_<feature>` | in | `W` | raw input, `signed` when its format is signed |
//! | `out_valid` | out (reg) | 1 | `sel` holds the result of the event given `1 + pipeline` clocks ago |
//! | `sel` | out (reg) | `P` | bit `p` set = the event passes every cut of working point `p` |
//!
//! One event per clock, latency `1 + pipeline` clocks. Thresholds are `localparam`s declared
//! with the input's signedness and width, so every comparison is a signed comparison exactly
//! when the input is signed. Constant cuts (a threshold outside the format) are `1'b1` or
//! `1'b0` wires.

use askama::Template;

use crate::design::{clean, Design};
use crate::{comment_block, vectors, Error, GeneratedFile, Options};
use cabin_infer::{Decision, Format};

/// The Verilog literal of raw value `v` in `format`: `16'sd5`, `-16'sd5`, `12'd40`, and the
/// most negative value as its bit pattern (`16'sh8000`), which has no positive counterpart.
pub fn literal(format: Format, v: i64) -> String {
    let w = format.width;
    if !format.signed {
        format!("{w}'d{v}")
    } else if v == format.min_raw() {
        format!("{w}'sh{:x}", 1u64 << (w - 1))
    } else if v < 0 {
        format!("-{w}'sd{}", v.unsigned_abs())
    } else {
        format!("{w}'sd{v}")
    }
}

/// `[W-1:0]` with `signed` in front when the format is signed.
fn range(format: Format) -> String {
    let sign = if format.signed { "signed " } else { "" };
    format!("{sign}[{}:0]", format.width - 1)
}

struct Param {
    decl: String,
    comment: String,
}

struct Point {
    comment: String,
    cuts: Vec<String>,
    assign: String,
}

#[derive(Template)]
#[template(path = "verilog/module.v", escape = "none")]
struct ModuleTpl<'a> {
    header: &'a str,
    name: &'a str,
    ports: Vec<String>,
    sel_range: String,
    params: Vec<Param>,
    points: Vec<Point>,
    unused: Vec<String>,
    latency: u32,
    stages: Vec<(String, String)>,
    resets: Vec<String>,
    shifts: Vec<String>,
}

#[derive(Template)]
#[template(path = "verilog/tb.v", escape = "none")]
struct TbTpl<'a> {
    header: &'a str,
    name: &'a str,
    vectors: usize,
    latency: u32,
    vec_msb: usize,
    in_msb: usize,
    sel_range: String,
    regs: Vec<String>,
    concat: String,
    connections: Vec<String>,
    zero: Vec<String>,
}

/// The module, testbench and vector files.
pub fn generate(design: &Design, options: &Options) -> Result<Vec<GeneratedFile>, Error> {
    let header = comment_block("//", &design.header);
    let name = design.name.as_str();
    let p = design.points();
    let sel_range = format!("[{}:0]", p - 1);

    let ports: Vec<String> = design
        .inputs
        .iter()
        .map(|i| format!("input  wire {} x_{}", range(i.format), i.name))
        .collect();

    let mut params = Vec::new();
    let mut points = Vec::new();
    for pt in 0..p {
        let mut cuts = Vec::new();
        let mut terms = Vec::new();
        for c in design.point_cuts(pt) {
            let input = &design.inputs[c.input];
            let wire = format!("c_p{}_s{}", c.point, c.slot);
            let line = match c.decision {
                Decision::Compare(raw) => {
                    let t = format!("T_P{}_S{}", c.point, c.slot);
                    params.push(Param {
                        decl: format!(
                            "localparam {} {t} = {};",
                            range(input.format),
                            literal(input.format, raw)
                        ),
                        comment: clean(&c.describe(design)),
                    });
                    format!("wire {wire} = (x_{} {} {t});", input.name, c.op)
                }
                Decision::AlwaysPass => {
                    format!("wire {wire} = 1'b1; // {}", clean(&c.describe(design)))
                }
                Decision::AlwaysFail => {
                    format!("wire {wire} = 1'b0; // {}", clean(&c.describe(design)))
                }
            };
            cuts.push(line);
            terms.push(wire);
        }
        points.push(Point {
            comment: format!("working point {pt}: target signal efficiency {}", design.targets[pt]),
            cuts,
            assign: format!("assign pass[{pt}] = {};", terms.join(" & ")),
        });
    }
    let unused: Vec<String> =
        design.inputs.iter().filter(|i| !i.used).map(|i| format!("x_{}", i.name)).collect();

    // Stage 1 is the output register itself; each extra stage delays pass/in_valid by one.
    let latency = 1 + options.pipeline;
    let mut stages = Vec::new();
    let mut resets = Vec::new();
    let mut shifts = Vec::new();
    let (mut prev_sel, mut prev_valid) = ("pass".to_string(), "in_valid".to_string());
    for k in 1..=options.pipeline {
        let (s, v) = (format!("sel_d{k}"), format!("valid_d{k}"));
        stages.push((format!("reg {sel_range} {s};"), format!("reg {v};")));
        resets.push(format!("{s} <= {{{p}{{1'b0}}}};"));
        resets.push(format!("{v} <= 1'b0;"));
        shifts.push(format!("{s} <= {prev_sel};"));
        shifts.push(format!("{v} <= {prev_valid};"));
        prev_sel = s;
        prev_valid = v;
    }
    resets.push(format!("sel <= {{{p}{{1'b0}}}};"));
    resets.push("out_valid <= 1'b0;".to_string());
    shifts.push(format!("sel <= {prev_sel};"));
    shifts.push(format!("out_valid <= {prev_valid};"));

    let module = ModuleTpl {
        header: &header,
        name,
        ports,
        sel_range: sel_range.clone(),
        params,
        points,
        unused,
        latency,
        stages,
        resets,
        shifts,
    }
    .render()?;

    let (events, masks) = crate::test_vectors(design, options)?;
    let formats: Vec<Format> = design.inputs.iter().map(|i| i.format).collect();
    let digits = vectors::input_hex_digits(&formats);
    let tb = TbTpl {
        header: &header,
        name,
        vectors: events.len(),
        latency,
        vec_msb: digits * 4 - 1,
        in_msb: design.input_bits() - 1,
        sel_range,
        regs: design
            .inputs
            .iter()
            .map(|i| format!("reg {} x_{};", range(i.format), i.name))
            .collect(),
        concat: design
            .inputs
            .iter()
            .map(|i| format!("x_{}", i.name))
            .collect::<Vec<_>>()
            .join(", "),
        connections: design.inputs.iter().map(|i| format!(".x_{0}(x_{0})", i.name)).collect(),
        zero: design.inputs.iter().map(|i| format!("x_{} = 0;", i.name)).collect(),
    }
    .render()?;

    Ok(vec![
        GeneratedFile::new(format!("{name}.v"), with_newline(module)),
        GeneratedFile::new(format!("{name}_tb.v"), with_newline(tb)),
        GeneratedFile::new("tb_data/inputs.hex", vectors::inputs_hex(&formats, &events)?),
        GeneratedFile::new("tb_data/expected.hex", vectors::masks_hex(p, &masks)),
    ])
}

pub(crate) fn with_newline(mut s: String) -> String {
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_keep_sign_and_width() {
        let s = Format { signed: true, width: 16, frac: 0 };
        let u = Format { signed: false, width: 12, frac: 0 };
        assert_eq!(literal(s, 5), "16'sd5");
        assert_eq!(literal(s, -5), "-16'sd5");
        assert_eq!(literal(s, -32768), "16'sh8000");
        assert_eq!(literal(u, 4095), "12'd4095");
        assert_eq!(range(s), "signed [15:0]");
        assert_eq!(range(u), "[11:0]");
    }
}
