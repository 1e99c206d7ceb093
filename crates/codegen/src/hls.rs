//! HLS C++: an hls4ml-like project with `ap_fixed` inputs and a one-event-per-clock top.
//!
//! Files: `firmware/parameters.h` (types and thresholds), `firmware/<name>.h`,
//! `firmware/<name>.cpp` (the top function `void <name>(x_<f>_t x_<f>, ..., sel_t &sel)`),
//! `<name>_test.cpp` (C simulation testbench), `tb_data/` (vectors), `build_prj.tcl` and a
//! README. Each input type is `ap_fixed<W, W-F, Q, AP_SAT>` (or `ap_ufixed`) with `Q` the
//! table's rounding; thresholds are constants of the input's own type written as their exact
//! grid value (a decimal that a C++ compiler converts to the same `double`, exactly, because
//! grid values have at most 33 significant bits), so comparisons are exact fixed-point ones.

use askama::Template;

use crate::design::{clean, Design};
use crate::verilog::with_newline;
use crate::{comment_block, vectors, Error, GeneratedFile, Options};
use cabin_infer::{Decision, Format};

/// The C++ type of an input format, e.g. `ap_fixed<16, 12, AP_TRN, AP_SAT>`.
pub fn ap_type(format: Format, rounding: &str) -> String {
    let kind = if format.signed { "ap_fixed" } else { "ap_ufixed" };
    let int_bits = i32::from(format.width) - i32::from(format.frac);
    format!("{kind}<{}, {int_bits}, {rounding}, AP_SAT>", format.width)
}

struct Input {
    name: String,
    ty: String,
    width: u8,
    used: bool,
    comment: String,
}

struct Threshold {
    decl: String,
    comment: String,
}

struct Point {
    comment: String,
    expr: String,
}

#[derive(Template)]
#[template(path = "hls/parameters.h", escape = "none")]
struct ParamsTpl<'a> {
    header: &'a str,
    guard: String,
    inputs: &'a [Input],
    points: usize,
    thresholds: Vec<Threshold>,
}

#[derive(Template)]
#[template(path = "hls/top.h", escape = "none")]
struct TopHTpl<'a> {
    header: &'a str,
    name: &'a str,
    guard: String,
    args: String,
}

#[derive(Template)]
#[template(path = "hls/top.cpp", escape = "none")]
struct TopTpl<'a> {
    header: &'a str,
    name: &'a str,
    args: String,
    inputs: &'a [Input],
    points: Vec<Point>,
}

#[derive(Template)]
#[template(path = "hls/test.cpp", escape = "none")]
struct TestTpl<'a> {
    header: &'a str,
    name: &'a str,
    inputs: &'a [Input],
    call: String,
    digits: usize,
}

#[derive(Template)]
#[template(path = "hls/build_prj.tcl", escape = "none")]
struct TclTpl<'a> {
    header: &'a str,
    name: &'a str,
    part: String,
    clock: String,
}

#[derive(Template)]
#[template(path = "hls/README.md", escape = "none")]
struct ReadmeTpl<'a> {
    header: &'a str,
    name: &'a str,
    inputs: &'a [Input],
    points: usize,
    part: String,
    clock: String,
    vectors: usize,
}

/// Every file of the HLS project.
pub fn generate(design: &Design, options: &Options) -> Result<Vec<GeneratedFile>, Error> {
    let name = design.name.as_str();
    let cpp_header = comment_block("//", &design.header);
    let rounding = design.table.rounding.hls_name();
    let inputs: Vec<Input> = design
        .inputs
        .iter()
        .map(|i| Input {
            name: format!("x_{}", i.name),
            ty: ap_type(i.format, rounding),
            width: i.format.width,
            used: i.used,
            comment: format!(
                "{}: raw {}..={}, LSB 2^{}",
                i.name,
                i.format.min_raw(),
                i.format.max_raw(),
                -i32::from(i.format.frac)
            ),
        })
        .collect();

    let mut thresholds = Vec::new();
    let mut points = Vec::new();
    for p in 0..design.points() {
        let mut terms = Vec::new();
        for c in design.point_cuts(p) {
            let input = &inputs[c.input];
            match (c.decision, &c.grid) {
                (Decision::Compare(raw), Some(grid)) => {
                    let t = format!("T_P{}_S{}", c.point, c.slot);
                    thresholds.push(Threshold {
                        decl: format!("static const {}_t {t} = {grid}; // raw {raw}", input.name),
                        comment: clean(&c.describe(design)),
                    });
                    terms.push(format!("({} {} {t})", input.name, c.op));
                }
                (Decision::AlwaysPass, _) => {
                    terms.push(format!("true /* {} always passes */", input.name))
                }
                _ => terms.push(format!("false /* {} never passes */", input.name)),
            }
        }
        points.push(Point {
            comment: format!("working point {p}: target signal efficiency {}", design.targets[p]),
            expr: format!("s[{p}] = {};", terms.join(" && ")),
        });
    }

    let args = inputs
        .iter()
        .map(|i| format!("{}_t {}", i.name, i.name))
        .chain(["sel_t &sel".to_string()])
        .collect::<Vec<_>>()
        .join(", ");
    let guard = design.name.to_ascii_uppercase();
    let (events, masks) = crate::test_vectors(design, options)?;
    let formats: Vec<Format> = design.inputs.iter().map(|i| i.format).collect();
    let part = clean(&options.part);
    if part.contains(['"', '\\', '[', ']', '$', '{', '}', ';']) || part.is_empty() {
        return Err(Error::Option(format!(
            "FPGA part '{part}' has characters Tcl would interpret, expected a part name"
        )));
    }
    let clock = format!("{}", options.clock_ns);

    let files = vec![
        GeneratedFile::new(
            "firmware/parameters.h",
            ParamsTpl {
                header: &cpp_header,
                guard: format!("{guard}_PARAMETERS_H"),
                inputs: &inputs,
                points: design.points(),
                thresholds,
            }
            .render()?,
        ),
        GeneratedFile::new(
            format!("firmware/{name}.h"),
            TopHTpl { header: &cpp_header, name, guard: format!("{guard}_H"), args: args.clone() }
                .render()?,
        ),
        GeneratedFile::new(
            format!("firmware/{name}.cpp"),
            TopTpl { header: &cpp_header, name, args, inputs: &inputs, points }.render()?,
        ),
        GeneratedFile::new(
            format!("{name}_test.cpp"),
            TestTpl {
                header: &cpp_header,
                name,
                inputs: &inputs,
                call: inputs.iter().map(|i| i.name.clone()).collect::<Vec<_>>().join(", "),
                digits: vectors::mask_hex_digits(design.points()),
            }
            .render()?,
        ),
        GeneratedFile::new(
            "build_prj.tcl",
            TclTpl {
                header: &comment_block("#", &design.header),
                name,
                part: part.clone(),
                clock: clock.clone(),
            }
            .render()?,
        ),
        GeneratedFile::new(
            "README.md",
            ReadmeTpl {
                header: &design.header.join("\n"),
                name,
                inputs: &inputs,
                points: design.points(),
                part,
                clock,
                vectors: events.len(),
            }
            .render()?,
        ),
        GeneratedFile::new("tb_data/tb_input_raw.dat", vectors::inputs_dec(&formats, &events)?),
        GeneratedFile::new(
            "tb_data/tb_output_expected.dat",
            vectors::masks_hex(design.points(), &masks),
        ),
    ];
    Ok(files
        .into_iter()
        .map(|f| GeneratedFile { contents: with_newline(f.contents), ..f })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ap_types_carry_integer_bits_and_modes() {
        let f = Format { signed: true, width: 16, frac: 4 };
        assert_eq!(ap_type(f, "AP_TRN"), "ap_fixed<16, 12, AP_TRN, AP_SAT>");
        let u = Format { signed: false, width: 8, frac: 10 };
        assert_eq!(ap_type(u, "AP_RND"), "ap_ufixed<8, -2, AP_RND, AP_SAT>");
    }
}
