//! Simulating the generated Verilog with Icarus Verilog and Verilator.
//!
//! The design under test is the module `cabin_cuts` (ports `ap_clk`, `ap_rst`, `in_valid`, one
//! `x_<feature>` input per feature in feature order, `out_valid`, `sel[P-1:0]`). Its ports are
//! read from the source and checked against the table (count, widths, signedness) before
//! anything runs. One testbench (template `templates/verify/tb.v`) serves both simulators: it
//! streams the vectors with bubbles, collects `sel` whenever `out_valid` is high and so needs no
//! knowledge of the pipeline depth; the measured latency is reported.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use askama::Template;
use cabin_infer::doc::OwnedFixedTable;

use super::set::VectorSet;
use super::tools::{run, Tool};
use super::{SimRun, VerifyError};
use crate::vectors;

/// The module name `cabin export --target verilog` generates.
pub const MODULE: &str = "cabin_cuts";

/// Idle cycles after reset and after the last vector: longer than any pipeline cabin makes.
const DRAIN: usize = 256;

/// One port of a Verilog module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Port {
    /// `true` for `input`, `false` for `output`.
    pub input: bool,
    /// Declared `signed`.
    pub signed: bool,
    /// Bits.
    pub width: u32,
    /// Name.
    pub name: String,
}

/// The Verilog file under `dir` (searched recursively, sorted) that defines `module`.
pub fn find_module(dir: &Path, module: &str) -> Result<PathBuf, VerifyError> {
    let mut files = Vec::new();
    collect_sources(dir, &mut files)?;
    files.sort();
    for f in &files {
        let text = fs::read_to_string(f).map_err(|e| VerifyError::io(f, e))?;
        if tokens(&strip_comments(&text)).windows(2).any(|w| w[0] == "module" && w[1] == module) {
            return Ok(f.clone());
        }
    }
    Err(VerifyError::Design(format!(
        "no Verilog file under '{}' defines module '{module}' (looked at {} .v/.sv files)",
        dir.display(),
        files.len()
    )))
}

fn collect_sources(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), VerifyError> {
    let rd = fs::read_dir(dir).map_err(|e| VerifyError::io(dir, e))?;
    for entry in rd {
        let p = entry.map_err(|e| VerifyError::io(dir, e))?.path();
        if p.is_dir() {
            collect_sources(&p, out)?;
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("v" | "sv")) {
            out.push(p);
        }
    }
    Ok(())
}

/// Removes `//` and `/* */` comments (string literals in port lists do not occur).
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("//") {
            rest = r.find('\n').map_or("", |i| &r[i..]);
        } else if let Some(r) = rest.strip_prefix("/*") {
            rest = r.find("*/").map_or("", |i| &r[i + 2..]);
            out.push(' ');
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Identifiers/numbers as words, every other non-space character alone.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '\'' {
            word.push(c);
        } else {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            if !c.is_whitespace() {
                out.push(c.to_string());
            }
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// The ports of `module` in `text`, in declaration order (ANSI or non-ANSI style).
pub fn parse_ports(text: &str, module: &str) -> Result<Vec<Port>, VerifyError> {
    let toks = tokens(&strip_comments(text));
    let bad = |detail: String| VerifyError::Design(format!("module '{module}': {detail}"));
    let start = toks
        .windows(2)
        .position(|w| w[0] == "module" && w[1] == module)
        .ok_or_else(|| bad("not defined".into()))?;
    let end = toks[start..].iter().position(|t| t == "endmodule").map_or(toks.len(), |e| start + e);
    let body = &toks[start + 2..end];
    let mut ports = Vec::new();
    let mut i = 0;
    while i < body.len() {
        let dir = body[i].as_str();
        if dir != "input" && dir != "output" {
            i += 1;
            continue;
        }
        i += 1;
        let mut signed = false;
        let mut width = 1u32;
        while i < body.len() {
            match body[i].as_str() {
                "wire" | "reg" | "logic" => i += 1,
                "signed" => {
                    signed = true;
                    i += 1;
                }
                "unsigned" => i += 1,
                "[" => {
                    let close = body[i..]
                        .iter()
                        .position(|t| t == "]")
                        .ok_or_else(|| bad("unclosed '[' in a port declaration".into()))?;
                    width = range_width(&body[i + 1..i + close]).ok_or_else(|| {
                        bad(format!("cannot read the range [{}]", body[i + 1..i + close].join("")))
                    })?;
                    i += close + 1;
                }
                _ => break,
            }
        }
        // Names until the next direction keyword, ')' or ';'.
        while i < body.len() {
            let t = body[i].as_str();
            if matches!(t, "input" | "output" | "inout" | ")" | ";") {
                break;
            }
            if t != "," {
                // A non-ANSI port re-declared: keep the first and richest declaration.
                if let Some(p) = ports.iter_mut().find(|p: &&mut Port| p.name == t) {
                    p.signed |= signed;
                    p.width = p.width.max(width);
                } else {
                    ports.push(Port { input: dir == "input", signed, width, name: t.to_string() });
                }
            }
            i += 1;
        }
    }
    Ok(ports)
}

/// Width of `hi : lo` where both sides are integers or `a - b` / `a + b` of integers.
fn range_width(toks: &[String]) -> Option<u32> {
    let colon = toks.iter().position(|t| t == ":")?;
    let hi = eval(&toks[..colon])?;
    let lo = eval(&toks[colon + 1..])?;
    u32::try_from((hi - lo).abs() + 1).ok()
}

fn eval(toks: &[String]) -> Option<i64> {
    let mut total = 0i64;
    let mut sign = 1i64;
    let mut expect_num = true;
    for t in toks {
        match (t.as_str(), expect_num) {
            ("-", true) => sign = -sign,
            ("-", false) => {
                sign = -1;
                expect_num = true;
            }
            ("+", _) => {
                sign = 1;
                expect_num = true;
            }
            (n, true) => {
                total += sign * n.parse::<i64>().ok()?;
                expect_num = false;
            }
            _ => return None,
        }
    }
    (!expect_num).then_some(total)
}

/// The feature ports of a design, checked against the table.
#[derive(Clone, Debug, PartialEq)]
pub struct Interface {
    /// The `x_` input ports, one per feature, in feature order.
    pub features: Vec<Port>,
    /// Width of `sel`.
    pub sel_width: u32,
    /// Differences that do not stop the simulation (e.g. signedness), for the report.
    pub warnings: Vec<String>,
}

/// Checks the ports of the design against `table`: control ports present, one `x_` input per
/// feature with its format's width, `sel` as wide as there are working points.
pub fn check_interface(
    module: &str,
    table: &OwnedFixedTable,
    ports: &[Port],
) -> Result<Interface, VerifyError> {
    let bad = |detail: String| VerifyError::Interface { module: module.into(), detail };
    let names: Vec<&str> = ports.iter().map(|p| p.name.as_str()).collect();
    for (name, input) in
        [("ap_clk", true), ("ap_rst", true), ("in_valid", true), ("out_valid", false)]
    {
        match ports.iter().find(|p| p.name == name) {
            Some(p) if p.input == input && p.width == 1 => {}
            Some(p) => {
                return Err(bad(format!(
                    "port '{name}' should be a 1-bit {}, found a {}-bit {}",
                    dir(input),
                    p.width,
                    dir(p.input)
                )))
            }
            None => return Err(bad(format!("no port '{name}' (have: {})", names.join(", ")))),
        }
    }
    let points = table.targets.len() as u32;
    let sel = ports
        .iter()
        .find(|p| p.name == "sel" && !p.input)
        .ok_or_else(|| bad(format!("no output 'sel' (have: {})", names.join(", "))))?;
    if sel.width != points {
        return Err(bad(format!(
            "output 'sel' is {} bits, expected {points} (one per working point)",
            sel.width
        )));
    }
    let xs: Vec<Port> =
        ports.iter().filter(|p| p.input && p.name.starts_with("x_")).cloned().collect();
    if xs.len() != table.formats.len() {
        return Err(bad(format!(
            "{} feature inputs x_* ({}), expected {} ({})",
            xs.len(),
            xs.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", "),
            table.formats.len(),
            table.names.join(", ")
        )));
    }
    let mut warnings = Vec::new();
    for ((p, f), name) in xs.iter().zip(&table.formats).zip(&table.names) {
        if p.width != u32::from(f.width) {
            return Err(bad(format!(
                "input '{}' for feature '{name}' is {} bits, expected {}",
                p.name, p.width, f.width
            )));
        }
        if p.signed != f.signed {
            warnings.push(format!(
                "input '{}' for feature '{name}' is declared {}, the format is {}",
                p.name,
                if p.signed { "signed" } else { "unsigned" },
                if f.signed { "signed" } else { "unsigned" }
            ));
        }
    }
    Ok(Interface { features: xs, sel_width: sel.width, warnings })
}

fn dir(input: bool) -> &'static str {
    if input {
        "input"
    } else {
        "output"
    }
}

/// A port's slice of the input word, for the testbench.
struct TbPort {
    name: String,
    hi: usize,
    lo: usize,
}

#[derive(Template)]
#[template(path = "verify/tb.v", escape = "none")]
struct Testbench<'a> {
    generator: &'a str,
    module: &'a str,
    count: usize,
    input_width: usize,
    points: usize,
    drain: usize,
    ports: Vec<TbPort>,
}

/// The testbench source for `module` with `iface` and `count` vectors.
pub fn testbench(module: &str, iface: &Interface, count: usize) -> Result<String, VerifyError> {
    let total: usize = iface.features.iter().map(|p| p.width as usize).sum();
    let mut hi = total;
    let ports = iface
        .features
        .iter()
        .map(|p| {
            let w = p.width as usize;
            let port = TbPort { name: p.name.clone(), hi: hi - 1, lo: hi - w };
            hi -= w;
            port
        })
        .collect();
    Testbench {
        generator: concat!("cabin ", env!("CARGO_PKG_VERSION")),
        module,
        count: count.max(1),
        input_width: total,
        points: iface.sel_width as usize,
        drain: DRAIN,
        ports,
    }
    .render()
    .map_err(|e| VerifyError::Internal(format!("testbench template: {e}")))
}

/// A design read and checked, ready to simulate.
#[derive(Clone, Debug)]
pub struct Design {
    /// The module name.
    pub module: String,
    /// The file defining it.
    pub source: PathBuf,
    /// Its checked interface.
    pub interface: Interface,
}

/// Finds `module` (normally [`MODULE`]) under `dir` and checks its ports against `table`.
pub fn load(dir: &Path, module: &str, table: &OwnedFixedTable) -> Result<Design, VerifyError> {
    let source = find_module(dir, module)?;
    let text = fs::read_to_string(&source).map_err(|e| VerifyError::io(&source, e))?;
    let ports = parse_ports(&text, module)?;
    let interface = check_interface(module, table, &ports)?;
    Ok(Design { module: module.to_string(), source, interface })
}

/// Writes the testbench and `vectors.hex` into `work`.
fn prepare(
    design: &Design,
    table: &OwnedFixedTable,
    set: &VectorSet,
    work: &Path,
) -> Result<(), VerifyError> {
    if set.is_empty() {
        return Err(VerifyError::Internal("no vectors to simulate".into()));
    }
    let hex = vectors::inputs_hex(&table.formats, &set.raw_events())
        .map_err(|e| VerifyError::Internal(format!("vectors: {e}")))?;
    write(&work.join("vectors.hex"), &hex)?;
    write(
        &work.join("cabin_verify_tb.v"),
        &testbench(&design.module, &design.interface, set.len())?,
    )
}

pub(crate) fn write(path: &Path, text: &str) -> Result<(), VerifyError> {
    fs::write(path, text).map_err(|e| VerifyError::io(path, e))
}

/// Simulates with `tool` ([`Tool::Iverilog`] or [`Tool::Verilator`]) in the empty folder `work`.
pub fn simulate(
    tool: Tool,
    design: &Design,
    table: &OwnedFixedTable,
    set: &VectorSet,
    work: &Path,
) -> Result<SimRun, VerifyError> {
    let version = tool.version()?;
    let started = Instant::now();
    fs::create_dir_all(work).map_err(|e| VerifyError::io(work, e))?;
    prepare(design, table, set, work)?;
    let dut = fs::canonicalize(&design.source).map_err(|e| VerifyError::io(&design.source, e))?;
    match tool {
        Tool::Iverilog => {
            run(
                "iverilog",
                Command::new("iverilog")
                    .current_dir(work)
                    .args(["-g2012", "-s", "cabin_verify_tb", "-o", "sim.vvp", "cabin_verify_tb.v"])
                    .arg(&dut),
            )?;
            run("vvp", Command::new("vvp").current_dir(work).args(["-n", "sim.vvp"]))?;
        }
        Tool::Verilator => {
            let jobs = std::thread::available_parallelism().map_or(1, |n| n.get()).to_string();
            run(
                "verilator",
                Command::new("verilator")
                    .current_dir(work)
                    .args(["--binary", "--timing", "-Wno-fatal", "-Wno-lint", "-Wno-style", "-O2"])
                    .args(["--top-module", "cabin_verify_tb", "-Mdir", "obj", "-j", &jobs])
                    .arg("cabin_verify_tb.v")
                    .arg(&dut),
            )?;
            run(
                "verilated testbench",
                Command::new(work.join("obj/Vcabin_verify_tb")).current_dir(work),
            )?;
        }
        other => {
            return Err(VerifyError::Internal(format!("{other} is not a Verilog simulator")));
        }
    }
    let out_path = work.join("sim_out.txt");
    let text = fs::read_to_string(&out_path).map_err(|e| VerifyError::io(&out_path, e))?;
    let (outputs, latency) = parse_output(tool.name(), &text, table.targets.len())?;
    Ok(SimRun { tool, version, outputs, latency, seconds: started.elapsed().as_secs_f64() })
}

/// Reads `sim_out.txt` (format in the testbench header).
pub fn parse_output(
    tool: &str,
    text: &str,
    points: usize,
) -> Result<(Vec<u64>, Option<u64>), VerifyError> {
    let err =
        |line: usize, detail: String| VerifyError::SimOutput { tool: tool.into(), line, detail };
    let mut outputs = Vec::new();
    let mut latency = None;
    let mut ended = false;
    for (n, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
        let (tag, value) = line.split_once(' ').unwrap_or((line, ""));
        match tag {
            "o" => {
                let m = u64::from_str_radix(value, 16).map_err(|_| {
                    if value.chars().any(|c| matches!(c, 'x' | 'X' | 'z' | 'Z')) {
                        VerifyError::Undefined { tool: tool.into(), line: n, value: value.into() }
                    } else {
                        err(n, format!("'{value}' is not a hex mask"))
                    }
                })?;
                if points < 64 && m >> points != 0 {
                    return Err(err(
                        n,
                        format!("sel = {value} is wider than {points} working points"),
                    ));
                }
                outputs.push(m);
            }
            "l" => latency = value.parse::<i64>().ok().and_then(|v| u64::try_from(v).ok()),
            "e" => ended = true,
            "" => {}
            _ => return Err(err(n, format!("unexpected line '{line}'"))),
        }
    }
    if !ended {
        return Err(err(0, "the simulation stopped before the end of the testbench".into()));
    }
    Ok((outputs, latency))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "
        // header comment with module cabin_cuts in it
        module cabin_cuts (
            input  wire ap_clk, input wire ap_rst,
            input  wire in_valid,
            input  wire signed [15:0] x_met,   /* signed */
            input  wire [8-1:0] x_n,
            output reg out_valid,
            output reg [2:0] sel
        );
        endmodule";

    #[test]
    fn ports_are_read_in_order_with_width_and_sign() {
        let ports = parse_ports(SRC, MODULE).unwrap();
        let names: Vec<&str> = ports.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["ap_clk", "ap_rst", "in_valid", "x_met", "x_n", "out_valid", "sel"]);
        assert_eq!((ports[3].signed, ports[3].width), (true, 16));
        assert_eq!((ports[4].signed, ports[4].width), (false, 8));
        assert_eq!((ports[6].input, ports[6].width), (false, 3));
        let old = "module cabin_cuts(a, sel); input [3:0] a; output [1:0] sel; endmodule";
        let p = parse_ports(old, MODULE).unwrap();
        assert_eq!((p[0].width, p[1].width, p[1].input), (4, 2, false));
        assert!(parse_ports(SRC, "other").is_err());
    }

    #[test]
    fn output_file_is_parsed_and_x_bits_are_named() {
        let (o, l) = parse_output("t", "l 2\no 3\no 0\ne 2\n", 2).unwrap();
        assert_eq!((o, l), (vec![3, 0], Some(2)));
        let e = parse_output("t", "o 1x\ne 1\n", 2).unwrap_err().to_string();
        assert!(e.contains("undefined"), "{e}");
        assert!(parse_output("t", "o 1\n", 2).is_err());
        assert!(parse_output("t", "o 4\ne 1\n", 2).is_err());
    }
}
