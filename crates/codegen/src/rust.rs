//! Rust: the table as `const` items for `cabin-infer`, for microcontrollers (`no_std`, no
//! allocation).
//!
//! The generated file is a module body: save it as `<name>.rs` and declare `mod <name>;`, or
//! `include!` it inside a `mod` block. It needs `cabin-infer` (no features) and defines
//! `NAMES`, `TARGETS`, `ROUNDING`, `FORMATS`, `SLOTS`, `CUTS`, `table()` and `mask()`.

use askama::Template;

use crate::design::{clean, Design};
use crate::verilog::with_newline;
use crate::{comment_block, Error, GeneratedFile};
use cabin_infer::{Decision, Op, Rounding};

fn op_path(op: Op) -> &'static str {
    match op {
        Op::Gt => "Op::Gt",
        Op::Ge => "Op::Ge",
        Op::Lt => "Op::Lt",
        Op::Le => "Op::Le",
    }
}

struct Line {
    code: String,
    comment: String,
}

#[derive(Template)]
#[template(path = "rust/table.rs", escape = "none")]
struct RustTpl<'a> {
    header: &'a str,
    name: &'a str,
    inputs: usize,
    points: usize,
    cells: usize,
    names: Vec<String>,
    targets: Vec<String>,
    rounding: &'a str,
    formats: Vec<Line>,
    slots: Vec<Line>,
    cuts: Vec<Line>,
}

/// The Rust module, `<name>.rs`.
pub fn generate(design: &Design) -> Result<Vec<GeneratedFile>, Error> {
    let header = comment_block("//", &design.header);
    let t = &design.table;
    let tpl = RustTpl {
        header: &header,
        name: &design.name,
        inputs: design.inputs.len(),
        points: design.points(),
        cells: design.cuts.len(),
        // Debug formatting of a str is a valid, fully escaped Rust string literal.
        names: design.inputs.iter().map(|i| format!("{:?}", i.original)).collect(),
        targets: design.targets.iter().map(|x| format!("{x:?}")).collect(),
        rounding: match t.rounding {
            Rounding::Truncate => "Rounding::Truncate",
            Rounding::Round => "Rounding::Round",
        },
        formats: design
            .inputs
            .iter()
            .map(|i| Line {
                code: format!(
                    "Format {{ signed: {}, width: {}, frac: {} }},",
                    i.format.signed, i.format.width, i.format.frac
                ),
                comment: i.name.clone(),
            })
            .collect(),
        slots: t
            .slots
            .iter()
            .enumerate()
            .map(|(s, sl)| Line {
                code: format!("Slot {{ input: {}, op: {} }},", sl.input, op_path(sl.op)),
                comment: format!("slot {s}: {} {}", design.inputs[sl.input as usize].name, sl.op),
            })
            .collect(),
        cuts: design
            .cuts
            .iter()
            .map(|c| {
                let decision = match c.decision {
                    Decision::Compare(raw) => format!("Decision::Compare({raw})"),
                    Decision::AlwaysPass => "Decision::AlwaysPass".to_string(),
                    Decision::AlwaysFail => "Decision::AlwaysFail".to_string(),
                };
                Line {
                    code: format!("FixedCut {{ op: {}, decision: {decision} }},", op_path(c.op)),
                    comment: format!("p{} s{}: {}", c.point, c.slot, clean(&c.describe(design))),
                }
            })
            .collect(),
    };
    Ok(vec![GeneratedFile::new(format!("{}.rs", design.name), with_newline(tpl.render()?))])
}
