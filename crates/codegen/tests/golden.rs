//! Golden files for every target, and the golden files themselves compiled and simulated.
//!
//! `CABIN_BLESS=1 cargo test -p codegen` rewrites `tests/golden/<case>/` from the sample cut
//! files in `common/mod.rs`. Each tool check is skipped, with the reason printed, when its
//! tool is not installed.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use codegen::{generate, Design, Options, Provenance, Target};

const TARGETS: [(Target, &str); 4] =
    [(Target::Verilog, "verilog"), (Target::Hls, "hls"), (Target::Rust, "rust"), (Target::C, "c")];

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn options() -> Options {
    Options { random_vectors: 48, seed: 7, ..Options::default() }
}

/// The designs of every case, with the provenance a CLI run would give.
fn designs() -> Vec<(String, String, Design)> {
    common::cases()
        .into_iter()
        .map(|c| {
            let json = c.file.to_json();
            let prov = Provenance::new(
                "cuts_q.json",
                json.as_bytes(),
                "cabin export cuts_q.json --target <target> -o <target>",
            );
            let d = Design::from_file("cabin_cuts", &c.file, &prov).unwrap();
            (c.name.to_string(), json, d)
        })
        .collect()
}

#[test]
fn golden_files_match() {
    let bless = std::env::var_os("CABIN_BLESS").is_some();
    let mut stale = Vec::new();
    for (case, json, design) in designs() {
        let dir = golden_dir().join(&case);
        let mut files = vec![("cuts_q.json".to_string(), json)];
        for (t, sub) in TARGETS {
            for f in generate(t, &design, &options()).unwrap() {
                files.push((format!("{sub}/{}", f.path), f.contents));
            }
        }
        for (rel, text) in files {
            let path = dir.join(&rel);
            if bless {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &text).unwrap();
            } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                stale.push(format!("{case}/{rel}"));
            }
        }
    }
    assert!(stale.is_empty(), "golden files differ (CABIN_BLESS=1 to rewrite): {stale:?}");
}

fn have(tool: &str, arg: &str) -> bool {
    let ok = Command::new(tool).arg(arg).output().map(|o| o.status.success()).unwrap_or(false);
    if !ok {
        println!("skipped: {tool} not installed");
    }
    ok
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

fn cases() -> Vec<PathBuf> {
    ["basic", "wide"].iter().map(|c| golden_dir().join(c)).collect()
}

#[test]
fn golden_verilog_lints_with_verilator() {
    if !have("verilator", "--version") {
        return;
    }
    for dir in cases() {
        run(Command::new("verilator")
            .args(["--lint-only", "-Wall", "cabin_cuts.v"])
            .current_dir(dir.join("verilog")));
    }
}

#[test]
fn golden_verilog_simulates_with_icarus() {
    if !have("iverilog", "-V") {
        return;
    }
    for dir in cases() {
        let tmp = tempfile::tempdir().unwrap();
        let v = dir.join("verilog");
        let exe = tmp.path().join("tb");
        run(Command::new("iverilog")
            .args(["-g2001", "-Wall", "-o"])
            .arg(&exe)
            .args(["cabin_cuts.v", "cabin_cuts_tb.v"])
            .current_dir(&v));
        let out = run(Command::new("vvp").arg("-n").arg(&exe).current_dir(&v));
        assert!(out.contains("PASS") && !out.contains("FAIL"), "{}: {out}", dir.display());
    }
}

#[test]
fn golden_verilog_testbench_catches_a_wrong_expected_file() {
    if !have("iverilog", "-V") {
        return;
    }
    // Regression guard: a testbench that printed PASS whatever the DUT did would pass the
    // test above; flip one expected bit and demand FAIL.
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&golden_dir().join("basic/verilog"), tmp.path());
    let exp = tmp.path().join("tb_data/expected.hex");
    let text = std::fs::read_to_string(&exp).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let v = u64::from_str_radix(&lines[3], 16).unwrap() ^ 1;
    lines[3] = format!("{v:0w$x}", w = lines[3].len());
    std::fs::write(&exp, lines.join("\n") + "\n").unwrap();
    run(Command::new("iverilog")
        .args(["-g2001", "-o", "tb", "cabin_cuts.v", "cabin_cuts_tb.v"])
        .current_dir(tmp.path()));
    let out = run(Command::new("vvp").args(["-n", "tb"]).current_dir(tmp.path()));
    assert!(out.contains("FAIL") && out.contains("vector 3"), "{out}");
}

fn ap_include() -> Option<PathBuf> {
    let dir = std::env::var_os("CABIN_AP_INCLUDE").map(PathBuf::from).or_else(|| {
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/cabin/ap_types"))
    });
    match dir {
        Some(d) if d.join("ap_fixed.h").is_file() => Some(d),
        _ => {
            println!(
                "skipped: ap_types headers not found (set CABIN_AP_INCLUDE, see .ci/tools.sh)"
            );
            None
        }
    }
}

#[test]
fn golden_hls_compiles_and_csim_passes() {
    let Some(ap) = ap_include() else { return };
    if !have("g++", "--version") {
        return;
    }
    for dir in cases() {
        let tmp = tempfile::tempdir().unwrap();
        copy_dir(&dir.join("hls"), tmp.path());
        run(Command::new("g++")
            // -isystem: the ap_types headers warn under -Wall; the generated code must not.
            .args(["-std=c++14", "-O0", "-Wall", "-Wextra", "-Werror", "-Wno-unknown-pragmas"])
            .arg("-isystem")
            .arg(&ap)
            .args(["-Ifirmware", "-o", "csim", "cabin_cuts_test.cpp", "firmware/cabin_cuts.cpp"])
            .current_dir(tmp.path()));
        let out = run(Command::new(tmp.path().join("csim")).current_dir(tmp.path()));
        assert!(out.contains("PASS"), "{}: {out}", dir.display());
        let got = std::fs::read_to_string(tmp.path().join("tb_data/csim_results.log")).unwrap();
        let want = std::fs::read_to_string(dir.join("hls/tb_data/tb_output_expected.dat")).unwrap();
        assert_eq!(got, want);
    }
}

#[test]
fn golden_c_header_compiles_strict_c99_and_matches_cabin_infer() {
    if !have("gcc", "--version") {
        return;
    }
    for (case, _, design) in designs() {
        let (events, masks) = codegen::test_vectors(&design, &options()).unwrap();
        let n = design.inputs.len();
        let raw_t = if design.inputs.iter().any(|i| !i.format.signed && i.format.width >= 32) {
            "int64_t"
        } else {
            "int32_t"
        };
        let mut src = String::from("#include <stdio.h>\n#include \"cabin_cuts.h\"\n");
        src += &format!("static const {raw_t} ev[{}][{n}] = {{\n", events.len());
        for e in &events {
            let vals: Vec<String> = e.iter().map(|v| format!("INT64_C({v})")).collect();
            src += &format!("    {{{}}},\n", vals.join(", "));
        }
        src += &format!("}};\nstatic const uint64_t want[{}] = {{\n", masks.len());
        for m in &masks {
            src += &format!("    UINT64_C({m}),\n");
        }
        src += "};\nint main(void) {\n    size_t i;\n    int bad = 0;\n";
        src += "    for (i = 0; i < sizeof want / sizeof want[0]; i++) {\n";
        src += "        if (cabin_cuts_eval(ev[i]) != want[i]) bad++;\n    }\n";
        src += "    printf(\"%d\\n\", bad);\n    return bad != 0;\n}\n";
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("main.c"), src).unwrap();
        std::fs::copy(
            golden_dir().join(&case).join("c/cabin_cuts.h"),
            tmp.path().join("cabin_cuts.h"),
        )
        .unwrap();
        run(Command::new("gcc")
            .args(["-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror", "-o", "t", "main.c"])
            .current_dir(tmp.path()));
        let out = run(&mut Command::new(tmp.path().join("t")));
        assert_eq!(out.trim(), "0", "{case}");
    }
}

#[test]
fn lut_estimate_of_the_basic_case_and_yosys_agree() {
    let (_, _, design) = designs().into_iter().next().unwrap();
    let est = codegen::report::estimate(&design, 0);
    // met: 3 live thresholds x 3 LUTs, reg: 4 x 2, input: 2 x 2; ANDs of points 1 and 2.
    assert_eq!((est.comparators, est.comparator_luts, est.and_luts), (9, 21, 2));
    assert_eq!(est.flip_flops, 4);
    if !have("yosys", "-V") {
        return;
    }
    let path = golden_dir().join("basic/verilog/cabin_cuts.v");
    let s = codegen::report::run_yosys(&path, "cabin_cuts", "synth_xilinx").unwrap();
    assert_eq!(s.flip_flops as usize, est.flip_flops);
    // Yosys 0.23 maps it to 23 LUTs plus wide muxes; allow drift across versions.
    assert!(s.luts as usize <= 2 * est.luts() && s.luts > 0, "{s:?}");
}
