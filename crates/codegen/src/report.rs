//! Synthesis figures of the generated Verilog (through Yosys) and a minimal-LUT estimate.
//!
//! The estimate counts 6-input LUTs for an ideal mapping without carry chains:
//! - a comparison of a `W`-bit input with a constant is a function of `W` bits; one LUT6
//!   takes the first 6 bits and every further LUT6 takes 5 new bits plus the partial answer,
//!   so it needs `ceil((W - 1) / 5)` LUTs (none for `W = 1`: the bit itself);
//! - identical comparisons (same input, operator and raw threshold) are shared;
//! - a working point ANDs its `k` non-constant cut results: `ceil((k - 1) / 5)` more LUTs;
//! - a working point with a never-passing cut is the constant 0 and costs nothing.
//!
//! It ignores that an AND can be merged into a comparator's last LUT when inputs are left,
//! and that `MUXF7`/`MUXF8` or carry chains can replace LUTs, so it is a fair target, not a
//! strict lower bound. Flip-flops: one per non-constant mask bit plus the valid bit, per
//! stage (`1 + pipeline` stages); synthesis removes the registers of constant bits.

use std::collections::HashSet;
use std::path::Path;
use std::process::Command;

use cabin_infer::Decision;

use crate::Design;

/// Why Yosys could not report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Yosys could not be started.
    #[error("cannot run yosys: {0}")]
    Spawn(String),
    /// Yosys failed.
    #[error("yosys {flow} failed (exit status {status}): {stderr}")]
    Failed {
        /// The flow (`synth` or `synth_xilinx`).
        flow: String,
        /// Exit status.
        status: String,
        /// The end of its error output.
        stderr: String,
    },
    /// The statistics were not found in Yosys' output.
    #[error("yosys {flow} printed no cell statistics")]
    NoStats {
        /// The flow.
        flow: String,
    },
}

/// The ideal LUT6 count of a design (rules in the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Estimate {
    /// Distinct non-constant comparisons.
    pub comparators: usize,
    /// LUTs of the comparisons.
    pub comparator_luts: usize,
    /// LUTs of the per-point AND trees.
    pub and_luts: usize,
    /// Flip-flops.
    pub flip_flops: usize,
}

impl Estimate {
    /// Comparator and AND LUTs together.
    pub fn luts(&self) -> usize {
        self.comparator_luts + self.and_luts
    }
}

/// The estimate for `design` with `pipeline` extra stages.
pub fn estimate(design: &Design, pipeline: u32) -> Estimate {
    let mut seen = HashSet::new();
    let mut comparator_luts = 0;
    let mut and_luts = 0;
    let mut live_points = 0;
    for p in 0..design.points() {
        let cuts = design.point_cuts(p);
        if cuts.iter().any(|c| c.decision == Decision::AlwaysFail) {
            continue;
        }
        if cuts.iter().any(|c| matches!(c.decision, Decision::Compare(_))) {
            live_points += 1;
        }
        let mut k = 0usize;
        for c in cuts {
            if let Decision::Compare(raw) = c.decision {
                k += 1;
                if seen.insert((c.input, c.op, raw)) {
                    let w = usize::from(design.inputs[c.input].format.width);
                    comparator_luts += (w - 1).div_ceil(5);
                }
            }
        }
        and_luts += k.saturating_sub(1).div_ceil(5);
    }
    Estimate {
        comparators: seen.len(),
        comparator_luts,
        and_luts,
        flip_flops: (live_points + 1) * (1 + pipeline as usize),
    }
}

/// Cell counts from one Yosys flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Synthesis {
    /// `synth` (generic gates) or `synth_xilinx` (LUT6 and FDRE).
    pub flow: String,
    /// All cells.
    pub cells: u64,
    /// LUT cells (`LUT1`..`LUT6`; for `synth`, zero).
    pub luts: u64,
    /// Flip-flop cells.
    pub flip_flops: u64,
    /// Wide-function multiplexers and carry cells (`MUXF7`, `MUXF8`, `CARRY4`, `CARRY8`).
    pub muxes_carries: u64,
    /// Count per cell type, as Yosys printed them.
    pub by_type: Vec<(String, u64)>,
}

/// Parses the last `stat` block of Yosys' output.
pub fn parse_stat(flow: &str, text: &str) -> Option<Synthesis> {
    let start = text.rfind("Number of cells:")?;
    let mut lines = text[start..].lines();
    let cells = lines.next()?.split_whitespace().last()?.parse().ok()?;
    let mut by_type = Vec::new();
    for l in lines {
        let parts: Vec<&str> = l.split_whitespace().collect();
        match parts.as_slice() {
            [ty, n] => match n.parse::<u64>() {
                Ok(n) => by_type.push((ty.to_string(), n)),
                Err(_) => break,
            },
            _ => break,
        }
    }
    let luts = by_type.iter().filter(|(t, _)| t.starts_with("LUT")).map(|(_, n)| n).sum();
    let flip_flops = by_type
        .iter()
        .filter(|(t, _)| t.starts_with("FD") || t.contains("DFF"))
        .map(|(_, n)| n)
        .sum();
    let muxes_carries = by_type
        .iter()
        .filter(|(t, _)| t.starts_with("MUXF") || t.starts_with("CARRY"))
        .map(|(_, n)| n)
        .sum();
    Some(Synthesis { flow: flow.to_string(), cells, luts, flip_flops, muxes_carries, by_type })
}

/// Runs `yosys` with `flow` (`synth` or `synth_xilinx`) on the Verilog file `verilog`.
///
/// `synth_xilinx` runs with `-noiopad`: the cuts are a block inside a larger design, so I/O
/// buffers are not counted.
pub fn run_yosys(verilog: &Path, top: &str, flow: &str) -> Result<Synthesis, ReportError> {
    let extra = if flow == "synth_xilinx" { " -noiopad" } else { "" };
    let script = format!("read_verilog {}; {flow} -top {top}{extra}; stat", verilog.display());
    log::debug!("yosys -p '{script}'");
    let out = Command::new("yosys")
        .arg("-p")
        .arg(&script)
        .output()
        .map_err(|e| ReportError::Spawn(e.to_string()))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: String = err.lines().rev().take(5).collect::<Vec<_>>().join(" | ");
        return Err(ReportError::Failed {
            flow: flow.to_string(),
            status: out.status.to_string(),
            stderr: tail,
        });
    }
    parse_stat(flow, &String::from_utf8_lossy(&out.stdout))
        .ok_or_else(|| ReportError::NoStats { flow: flow.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_block_is_parsed() {
        let text =
            "\n=== top ===\n\n   Number of wires: 3\n   Number of cells:  7\n     FDRE  3\n     \
                    LUT2 1\n     LUT6 3\n\n   Estimated number of LCs: 3\n";
        let s = parse_stat("synth_xilinx", text).unwrap();
        assert_eq!((s.cells, s.luts, s.flip_flops), (7, 4, 3));
        assert!(parse_stat("synth", "nothing").is_none());
    }
}
