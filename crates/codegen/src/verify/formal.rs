//! Optional formal check: a Yosys SAT proof that the generated module equals an independent
//! combinational reference, for every input sequence.
//!
//! The reference (template `templates/verify/ref.v`) is written from the table by this module,
//! not by the exporter: each input is widened to 34-bit signed by its format and compared with
//! a 34-bit signed constant. A miter (template `templates/verify/equiv.v`) delays the reference
//! by the design's latency and asserts, once a reset has been applied, that `out_valid` equals
//! the delayed `in_valid` and that `sel` equals the delayed reference mask whenever it is
//! valid. `sat -tempinduct -prove-asserts` proves the assertions by temporal induction; a
//! failure is reported with Yosys' counterexample.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use askama::Template;
use cabin_infer::doc::OwnedFixedTable;
use cabin_infer::{Decision, Op};

use super::rtl::{write, Design};
use super::tools::{run, Tool};
use super::VerifyError;

/// Widest input the reference handles (the widening is to 34 bits signed).
const WIDE: u32 = 34;

struct RefInput {
    port: String,
    width: u32,
    extend: String,
}

#[derive(Template)]
#[template(path = "verify/ref.v", escape = "none")]
struct RefTpl<'a> {
    generator: &'a str,
    inputs: &'a [RefInput],
    points: usize,
    rows: Vec<String>,
}

#[derive(Template)]
#[template(path = "verify/equiv.v", escape = "none")]
struct EquivTpl<'a> {
    generator: &'a str,
    module: &'a str,
    inputs: &'a [RefInput],
    points: u64,
    latency: u64,
}

const GENERATOR: &str = concat!("cabin ", env!("CARGO_PKG_VERSION"));

fn ref_inputs(design: &Design, table: &OwnedFixedTable) -> Vec<RefInput> {
    design
        .interface
        .features
        .iter()
        .zip(&table.formats)
        .map(|(p, f)| {
            let w = u32::from(f.width);
            let fill = if f.signed { format!("{}[{}]", p.name, w - 1) } else { "1'b0".into() };
            RefInput {
                port: p.name.clone(),
                width: w,
                extend: format!("{{{{{}{{{fill}}}}}, {}}}", WIDE - w, p.name),
            }
        })
        .collect()
}

/// The reference module `cabin_cuts_ref` for `table`, with the port names of `design`.
pub fn reference(design: &Design, table: &OwnedFixedTable) -> Result<String, VerifyError> {
    let inputs = ref_inputs(design, table);
    let s = table.slots.len();
    let rows = (0..table.targets.len())
        .map(|p| {
            let terms: Vec<String> = table.cuts[p * s..(p + 1) * s]
                .iter()
                .zip(&table.slots)
                .map(|(c, slot)| match c.decision {
                    Decision::AlwaysPass => "1'b1".to_string(),
                    Decision::AlwaysFail => "1'b0".to_string(),
                    Decision::Compare(t) => {
                        let lit = if t < 0 {
                            format!("-{WIDE}'sd{}", t.unsigned_abs())
                        } else {
                            format!("{WIDE}'sd{t}")
                        };
                        let op = match c.op {
                            Op::Gt => ">",
                            Op::Ge => ">=",
                            Op::Lt => "<",
                            Op::Le => "<=",
                        };
                        format!("(v{} {op} {lit})", slot.input)
                    }
                })
                .collect();
            terms.join(" && ")
        })
        .collect();
    RefTpl { generator: GENERATOR, inputs: &inputs, points: table.targets.len(), rows }
        .render()
        .map_err(|e| VerifyError::Internal(format!("reference template: {e}")))
}

/// The outcome of the proof.
#[derive(Clone, Debug, PartialEq)]
pub struct FormalResult {
    /// Yosys' version line.
    pub version: String,
    /// `true` when the induction proof succeeded.
    pub proved: bool,
    /// The end of Yosys' output (the counterexample when not proved).
    pub log_tail: String,
    /// Wall time, in seconds.
    pub seconds: f64,
}

/// Proves `design` (with `latency` clocks from input to output, as measured by simulation)
/// equal to the reference of `table`, in the empty folder `work`.
pub fn prove(
    design: &Design,
    table: &OwnedFixedTable,
    latency: u64,
    work: &Path,
) -> Result<FormalResult, VerifyError> {
    let version = Tool::Yosys.version()?;
    if latency == 0 {
        return Err(VerifyError::Design(
            "the formal check needs a registered design (latency 0 measured)".into(),
        ));
    }
    let started = Instant::now();
    fs::create_dir_all(work).map_err(|e| VerifyError::io(work, e))?;
    let inputs = ref_inputs(design, table);
    write(&work.join("cabin_cuts_ref.v"), &reference(design, table)?)?;
    let miter = EquivTpl {
        generator: GENERATOR,
        module: &design.module,
        inputs: &inputs,
        points: table.targets.len() as u64,
        latency,
    }
    .render()
    .map_err(|e| VerifyError::Internal(format!("miter template: {e}")))?;
    write(&work.join("cabin_equiv.v"), &miter)?;
    let dut = fs::canonicalize(&design.source).map_err(|e| VerifyError::io(&design.source, e))?;
    let script = format!(
        "read_verilog -formal cabin_cuts_ref.v\n\
         read_verilog -formal cabin_equiv.v\n\
         read_verilog {}\n\
         prep -top cabin_equiv\n\
         flatten\n\
         opt_clean\n\
         sat -tempinduct -prove-asserts -set-init-zero -maxsteps {} -show-inputs\n",
        yosys_path(&dut),
        latency + 4
    );
    write(&work.join("cabin_equiv.ys"), &script)?;
    let log = run(
        "yosys",
        Command::new("yosys").current_dir(work).args([
            "-q",
            "-l",
            "yosys.log",
            "-s",
            "cabin_equiv.ys",
        ]),
    )
    .and_then(|_| {
        let p = work.join("yosys.log");
        fs::read_to_string(&p).map_err(|e| VerifyError::io(&p, e))
    })?;
    let proved = log.contains("Induction step proven: SUCCESS!");
    Ok(FormalResult {
        version,
        proved,
        log_tail: super::tail(&summary(&log), 4000),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The verdict and the counterexample table of a `sat` log, without Yosys' banners.
fn summary(log: &str) -> String {
    let from = log.rfind("Solving problem").unwrap_or(0);
    log[from..]
        .lines()
        .map(str::trim_end)
        .take_while(|l| !l.starts_with("End of script"))
        .filter(|l| {
            let t = l.trim_start();
            t.starts_with("Solving")
                || t.contains("SUCCESS")
                || t.contains("FAIL")
                || t.starts_with("Time ")
                || t.starts_with("----")
                || t.starts_with("init ")
                || t.chars().next().is_some_and(|c| c.is_ascii_digit())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A path for a Yosys script line (quoted when it has spaces).
fn yosys_path(p: &Path) -> String {
    let s = p.display().to_string();
    if s.contains(char::is_whitespace) {
        format!("\"{s}\"")
    } else {
        s
    }
}
