//! C99: a header with the table as an inline evaluation function, for microcontrollers.
//!
//! `static inline uint64_t <name>_eval(const <name>_raw_t x[<NAME>_N_INPUTS])` returns the
//! mask (bit `p` = working point `p`) of one event of raw integers, each inside its input's
//! format. `<name>_raw_t` is `int32_t`, or `int64_t` when an input is unsigned and 32 bits
//! wide (its raw values do not fit an `int32_t`). No allocation, no library calls.

use askama::Template;

use crate::design::{clean, Design};
use crate::verilog::with_newline;
use crate::{comment_block, Error, GeneratedFile};
use cabin_infer::Decision;

/// The C literal of a raw value for the raw type (`wide` = `int64_t`).
pub fn literal(v: i64, wide: bool) -> String {
    if wide {
        if v == i64::MIN {
            "INT64_MIN".to_string()
        } else {
            format!("INT64_C({v})")
        }
    } else if v == i64::from(i32::MIN) {
        // -2147483648 would be the negation of a constant that does not fit an int.
        "(-2147483647 - 1)".to_string()
    } else {
        format!("{v}")
    }
}

struct Define {
    name: String,
    value: String,
    comment: String,
}

struct Point {
    comment: String,
    cond: String,
    bit: usize,
}

#[derive(Template)]
#[template(path = "c/table.h", escape = "none")]
struct CTpl<'a> {
    header: &'a str,
    name: &'a str,
    upper: String,
    raw_t: &'a str,
    defines: Vec<Define>,
    targets: Vec<String>,
    points: Vec<Point>,
}

/// The header, `<name>.h`.
pub fn generate(design: &Design) -> Result<Vec<GeneratedFile>, Error> {
    let header = comment_block("//", &design.header);
    let upper = design.name.to_ascii_uppercase();
    let wide = design.inputs.iter().any(|i| !i.format.signed && i.format.width >= 32);
    let defines = design
        .inputs
        .iter()
        .enumerate()
        .map(|(k, i)| Define {
            name: format!("{upper}_IN_{}", i.name.to_ascii_uppercase()),
            value: k.to_string(),
            comment: format!(
                "{}: raw {}..={}, value = raw * 2^{}",
                i.name,
                i.format.min_raw(),
                i.format.max_raw(),
                -i32::from(i.format.frac)
            ),
        })
        .collect();
    let points = (0..design.points())
        .map(|p| {
            let terms: Vec<String> = design
                .point_cuts(p)
                .iter()
                .map(|c| match c.decision {
                    Decision::Compare(raw) => {
                        format!("x[{}] {} {}", c.input, c.op, literal(raw, wide))
                    }
                    Decision::AlwaysPass => "1".to_string(),
                    Decision::AlwaysFail => "0".to_string(),
                })
                .collect();
            let notes: Vec<String> =
                design.point_cuts(p).iter().map(|c| clean(&c.describe(design))).collect();
            Point {
                comment: format!(
                    "working point {p}, target {}: {}",
                    design.targets[p],
                    notes.join("; ")
                ),
                cond: terms.join(" && "),
                bit: p,
            }
        })
        .collect();
    let tpl = CTpl {
        header: &header,
        name: &design.name,
        upper,
        raw_t: if wide { "int64_t" } else { "int32_t" },
        defines,
        targets: design.targets.iter().map(|t| format!("{t:?}")).collect(),
        points,
    };
    Ok(vec![GeneratedFile::new(format!("{}.h", design.name), with_newline(tpl.render()?))])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_fit_their_type() {
        assert_eq!(literal(-2147483648, false), "(-2147483647 - 1)");
        assert_eq!(literal(-5, false), "-5");
        assert_eq!(literal(4294967295, true), "INT64_C(4294967295)");
    }
}
