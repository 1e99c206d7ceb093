//! C simulation of the generated HLS project with g++ and the `ap_types` headers.
//!
//! The project's top function `void <name>(x_<f>_t x_<f>, ..., sel_t &sel)` is read from
//! `firmware/<name>.h` and driven by a harness of our own (template
//! `templates/verify/hls_tb.cpp`), not by the project's testbench, so a fault shared by the
//! generated code and its own testbench cannot hide. Besides the masks the harness reports:
//! - each input type's width, integer bits and signedness, checked against the table's formats;
//! - each finite physical value converted by the input type (`ap_fixed` quantisation and
//!   saturation), checked against [`cabin_infer::Format::quantize`] with the table's rounding.
//!
//! The headers are looked up in `--ap-include DIR`, then `$XILINX_HLS/include`, then
//! [`default_ap_cache`] (`$HOME/.cache/cabin/ap_types`, which `.ci/tools.sh` fills).

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use askama::Template;
use cabin_infer::doc::OwnedFixedTable;

use super::rtl::write;
use super::set::VectorSet;
use super::tools::{run, Tool};
use super::{SimRun, VerifyError};

/// `$HOME/.cache/cabin/ap_types`, the documented default place of the headers.
pub fn default_ap_cache() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/cabin/ap_types"))
}

/// The folder holding `ap_fixed.h`: `explicit`, else `$XILINX_HLS/include`, else
/// [`default_ap_cache`].
pub fn find_ap_include(explicit: Option<&Path>) -> Result<PathBuf, VerifyError> {
    let candidates: Vec<PathBuf> = match explicit {
        Some(p) => vec![p.to_path_buf()],
        None => std::env::var_os("XILINX_HLS")
            .map(|x| PathBuf::from(x).join("include"))
            .into_iter()
            .chain(default_ap_cache())
            .collect(),
    };
    candidates.iter().find(|d| d.join("ap_fixed.h").is_file()).cloned().ok_or_else(|| {
        VerifyError::ApTypesMissing {
            searched: candidates
                .iter()
                .map(|d| format!("'{}'", d.display()))
                .collect::<Vec<_>>()
                .join(", "),
        }
    })
}

/// One argument of the top function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    /// Its C++ type, e.g. `x_met_t`.
    pub ty: String,
    /// Its name.
    pub name: String,
    /// Passed by reference (the output).
    pub by_ref: bool,
}

/// The arguments of `void <top>(...)` declared in `header`.
pub fn parse_top(header: &str, top: &str) -> Result<Vec<Arg>, VerifyError> {
    let bad = |d: &str| VerifyError::Design(format!("HLS top function '{top}': {d}"));
    let text: String =
        header.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    let decl = format!("void {top}(");
    let start = text.find(&decl).ok_or_else(|| bad("no declaration 'void {top}(...)' found"))?;
    let rest = &text[start + decl.len()..];
    let end = rest.find(')').ok_or_else(|| bad("unclosed argument list"))?;
    let mut args = Vec::new();
    for part in rest[..end].split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let by_ref = part.contains('&');
        let words: Vec<&str> = part
            .split(|c: char| c.is_whitespace() || c == '&')
            .filter(|w| !w.is_empty() && *w != "const")
            .collect();
        let [ty @ .., name] = words.as_slice() else { return Err(bad("empty argument")) };
        if ty.is_empty() {
            return Err(bad(&format!("argument '{part}' has no type")));
        }
        args.push(Arg { ty: ty.join(" "), name: (*name).to_string(), by_ref });
    }
    Ok(args)
}

/// An HLS project read and checked, ready to simulate.
#[derive(Clone, Debug)]
pub struct Project {
    /// The project folder (holding `firmware/`).
    pub dir: PathBuf,
    /// The top function's name.
    pub top: String,
    /// One argument per feature, in feature order.
    pub inputs: Vec<Arg>,
    /// The output argument.
    pub output: Arg,
}

/// Reads `dir/firmware/<top>.h` and checks the top function has one input per feature and
/// one output by reference.
pub fn load(dir: &Path, top: &str, table: &OwnedFixedTable) -> Result<Project, VerifyError> {
    let header = dir.join("firmware").join(format!("{top}.h"));
    let source = dir.join("firmware").join(format!("{top}.cpp"));
    let text = fs::read_to_string(&header).map_err(|e| VerifyError::io(&header, e))?;
    if !source.is_file() {
        return Err(VerifyError::Design(format!("HLS source '{}' not found", source.display())));
    }
    let mut args = parse_top(&text, top)?;
    let bad = |detail: String| VerifyError::Interface { module: top.to_string(), detail };
    let output = match args.pop() {
        Some(a) if a.by_ref => a,
        _ => return Err(bad("the last argument should be the output mask, by reference".into())),
    };
    if args.len() != table.formats.len() || args.iter().any(|a| a.by_ref) {
        return Err(bad(format!(
            "{} inputs by value ({}), expected {} ({})",
            args.len(),
            args.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", "),
            table.formats.len(),
            table.names.join(", ")
        )));
    }
    Ok(Project { dir: dir.to_path_buf(), top: top.to_string(), inputs: args, output })
}

struct HarnessInput {
    ty: String,
    name: String,
    width: u8,
}

#[derive(Template)]
#[template(path = "verify/hls_tb.cpp", escape = "none")]
struct Harness<'a> {
    generator: &'a str,
    top: &'a str,
    header: String,
    inputs: Vec<HarnessInput>,
    sel_ty: &'a str,
    call: String,
}

/// A physical value the HLS input type quantised differently from the software reference.
#[derive(Clone, Debug, PartialEq)]
pub struct QuantMismatch {
    /// Vector index.
    pub index: usize,
    /// Feature name.
    pub feature: String,
    /// The physical value.
    pub physical: f64,
    /// Raw value from [`cabin_infer::Format::quantize`].
    pub expected: i64,
    /// Raw value of the HLS type.
    pub actual: i64,
}

/// What the C simulation produced.
#[derive(Clone, Debug, PartialEq)]
pub struct HlsRun {
    /// The masks.
    pub sim: SimRun,
    /// Physical values converted by the HLS types and compared.
    pub quant_checked: usize,
    /// Those that differ (the first 20).
    pub quant_mismatches: Vec<QuantMismatch>,
    /// How many differ in all.
    pub quant_mismatch_count: usize,
}

/// Builds the harness with g++ against `ap_include` in the empty folder `work` and runs it.
pub fn simulate(
    project: &Project,
    table: &OwnedFixedTable,
    set: &VectorSet,
    ap_include: &Path,
    work: &Path,
) -> Result<HlsRun, VerifyError> {
    let version = Tool::Gxx.version()?;
    let started = Instant::now();
    fs::create_dir_all(work).map_err(|e| VerifyError::io(work, e))?;
    let firmware = fs::canonicalize(project.dir.join("firmware"))
        .map_err(|e| VerifyError::io(project.dir.join("firmware"), e))?;
    let harness = Harness {
        generator: concat!("cabin ", env!("CARGO_PKG_VERSION")),
        top: &project.top,
        header: format!("{}.h", project.top),
        inputs: project
            .inputs
            .iter()
            .zip(&table.formats)
            .map(|(a, f)| HarnessInput { ty: a.ty.clone(), name: a.name.clone(), width: f.width })
            .collect(),
        sel_ty: &project.output.ty,
        call: project
            .inputs
            .iter()
            .chain([&project.output])
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    }
    .render()
    .map_err(|e| VerifyError::Internal(format!("HLS harness template: {e}")))?;
    write(&work.join("cabin_verify_hls.cpp"), &harness)?;
    write(&work.join("vectors.txt"), &vectors_text(set))?;

    let mut cmd = Command::new("g++");
    cmd.current_dir(work)
        .args(["-std=c++14", "-O1", "-w", "-I"])
        .arg(ap_include)
        .arg("-I")
        .arg(&firmware)
        .arg("cabin_verify_hls.cpp")
        .arg(firmware.join(format!("{}.cpp", project.top)))
        .args(["-o", "cabin_verify_hls"]);
    run("g++", &mut cmd)?;
    run("HLS C simulation", Command::new(work.join("cabin_verify_hls")).current_dir(work))?;

    let out_path = work.join("hls_out.txt");
    let text = fs::read_to_string(&out_path).map_err(|e| VerifyError::io(&out_path, e))?;
    let mut run = parse_output(&text, table, set, &project.inputs)?;
    run.sim = SimRun { version, seconds: started.elapsed().as_secs_f64(), ..run.sim };
    Ok(run)
}

/// `vectors.txt`: raw values, then physical values in shortest round-trip form.
fn vectors_text(set: &VectorSet) -> String {
    let mut s = String::new();
    for v in &set.vectors {
        for r in &v.raw {
            let _ = write!(s, "{r} ");
        }
        for (k, x) in v.physical.iter().enumerate() {
            let sep = if k + 1 == v.physical.len() { "\n" } else { " " };
            if x.is_finite() {
                let _ = write!(s, "{x:e}{sep}");
            } else {
                let _ = write!(s, "nan{sep}");
            }
        }
    }
    s
}

fn parse_output(
    text: &str,
    table: &OwnedFixedTable,
    set: &VectorSet,
    inputs: &[Arg],
) -> Result<HlsRun, VerifyError> {
    let err =
        |line: usize, detail: String| VerifyError::SimOutput { tool: "g++".into(), line, detail };
    let points = table.targets.len();
    let mut outputs = Vec::new();
    let mut quant_checked = 0;
    let mut quant_mismatches = Vec::new();
    let mut quant_mismatch_count = 0;
    let mut ended = false;
    for (n, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("t") => {
                let v: Vec<i64> = words.filter_map(|w| w.parse().ok()).collect();
                let [k, w, i, signed] = v[..] else {
                    return Err(err(n, format!("bad type line '{line}'")));
                };
                let k = usize::try_from(k).map_err(|_| err(n, format!("bad input index {k}")))?;
                let (Some(f), Some(arg)) = (table.formats.get(k), inputs.get(k)) else {
                    return Err(err(n, format!("input {k} out of range")));
                };
                let want_i = i64::from(f.width) - i64::from(f.frac);
                if w != i64::from(f.width) || i != want_i || (signed == 1) != f.signed {
                    return Err(VerifyError::Interface {
                        module: "HLS top function".into(),
                        detail: format!(
                            "type {} of '{}' is {}<{w}, {i}>, expected {}<{}, {want_i}> for \
                             feature '{}'",
                            arg.ty,
                            arg.name,
                            if signed == 1 { "ap_fixed" } else { "ap_ufixed" },
                            if f.signed { "ap_fixed" } else { "ap_ufixed" },
                            f.width,
                            table.names[k]
                        ),
                    });
                }
            }
            Some("o") => {
                let h = words.next().unwrap_or("");
                let m = u64::from_str_radix(h, 16)
                    .map_err(|_| err(n, format!("'{h}' is not a hex mask")))?;
                if points < 64 && m >> points != 0 {
                    return Err(err(n, format!("sel = {h} is wider than {points} working points")));
                }
                outputs.push(m);
            }
            Some("q") => {
                let index = outputs.len().saturating_sub(1);
                let Some(v) = set.vectors.get(index) else {
                    return Err(err(n, "more outputs than vectors".into()));
                };
                for (k, w) in words.enumerate() {
                    let (Some(f), Some(&x)) = (table.formats.get(k), v.physical.get(k)) else {
                        return Err(err(
                            n,
                            format!("more values than the {} inputs", table.formats.len()),
                        ));
                    };
                    if w == "-" {
                        continue;
                    }
                    let bits: u64 =
                        w.parse().map_err(|_| err(n, format!("'{w}' is not a raw pattern")))?;
                    let actual = sign_extend(bits, f.width, f.signed);
                    let expected = f.quantize(x, table.rounding);
                    quant_checked += 1;
                    if actual != expected {
                        quant_mismatch_count += 1;
                        if quant_mismatches.len() < 20 {
                            quant_mismatches.push(QuantMismatch {
                                index,
                                feature: table.names[k].clone(),
                                physical: x,
                                expected,
                                actual,
                            });
                        }
                    }
                }
            }
            Some("e") => ended = true,
            None => {}
            Some(_) => return Err(err(n, format!("unexpected line '{line}'"))),
        }
    }
    if !ended {
        return Err(err(0, "the C simulation stopped before the end".into()));
    }
    Ok(HlsRun {
        sim: SimRun {
            tool: Tool::Gxx,
            version: String::new(),
            outputs,
            latency: None,
            seconds: 0.0,
        },
        quant_checked,
        quant_mismatches,
        quant_mismatch_count,
    })
}

fn sign_extend(bits: u64, width: u8, signed: bool) -> i64 {
    let w = u32::from(width);
    let mask = if w >= 64 { u64::MAX } else { (1u64 << w) - 1 };
    let b = bits & mask;
    if signed && w < 64 && b >> (w - 1) & 1 == 1 {
        (b | !mask) as i64
    } else {
        b as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_function_arguments_are_read() {
        let h = "// void cabin_cuts(int x);\nvoid cabin_cuts(x_met_t x_met, const x_n_t x_n, sel_t &sel);\n";
        let a = parse_top(h, "cabin_cuts").unwrap();
        assert_eq!(a.len(), 3);
        assert_eq!(
            (a[0].ty.as_str(), a[0].name.as_str(), a[0].by_ref),
            ("x_met_t", "x_met", false)
        );
        assert_eq!((a[1].ty.as_str(), a[1].name.as_str()), ("x_n_t", "x_n"));
        assert_eq!((a[2].ty.as_str(), a[2].name.as_str(), a[2].by_ref), ("sel_t", "sel", true));
        assert!(parse_top(h, "other").is_err());
    }

    #[test]
    fn sign_extension_and_missing_headers() {
        assert_eq!(sign_extend(0xff, 8, true), -1);
        assert_eq!(sign_extend(0xff, 8, false), 255);
        assert_eq!(sign_extend(0x80, 8, true), -128);
        let e = find_ap_include(Some(Path::new("/nonexistent-cabin-dir"))).unwrap_err();
        assert!(e.to_string().contains("--ap-include"), "{e}");
    }
}
