//! Comparing simulated masks with the software reference, and explaining the differences.
//!
//! For every differing working point of a mismatching vector, each of its cuts is re-evaluated
//! with [`cabin_infer::FixedCut::passes`] on the vector's raw input. The cuts that can explain
//! the difference are its *suspects*: when the reference fails the point and the hardware
//! passes it, the cuts the reference says fail; when the reference passes and the hardware
//! fails, the cut whose input is nearest its threshold (in LSB). Counting suspects over all
//! mismatches names the working point and feature most likely wrong.

use cabin_infer::doc::OwnedFixedTable;
use cabin_infer::{Decision, Op};

use super::set::{Origin, VectorSet};
use super::VerifyError;

/// One cut of a differing working point, evaluated by the reference.
#[derive(Clone, Debug, PartialEq)]
pub struct CutCheck {
    /// Cut slot.
    pub slot: usize,
    /// Feature name.
    pub feature: String,
    /// Comparison.
    pub op: Op,
    /// Raw threshold or constant answer.
    pub decision: Decision,
    /// The vector's raw value of this feature.
    pub raw: i64,
    /// Whether the reference says the cut passes.
    pub passes: bool,
}

/// A working point whose bit differs.
#[derive(Clone, Debug, PartialEq)]
pub struct PointDiff {
    /// Working point index.
    pub point: usize,
    /// Its target signal efficiency.
    pub target: f64,
    /// The reference bit.
    pub expected: bool,
    /// Every cut of the point.
    pub cuts: Vec<CutCheck>,
    /// Slots that can explain the difference (rule in the module docs).
    pub suspects: Vec<usize>,
}

/// One mismatching vector, explained.
#[derive(Clone, Debug, PartialEq)]
pub struct MismatchDetail {
    /// Index of the vector in the set (simulation order).
    pub index: usize,
    /// Where it came from.
    pub origin: Origin,
    /// Raw inputs.
    pub raw: Vec<i64>,
    /// Physical inputs.
    pub physical: Vec<f64>,
    /// Reference mask.
    pub expected: u64,
    /// Simulated mask.
    pub actual: u64,
    /// The working points that differ.
    pub points: Vec<PointDiff>,
}

/// A (working point, feature) pair and how many mismatches it can explain.
#[derive(Clone, Debug, PartialEq)]
pub struct Suspect {
    /// Working point.
    pub point: usize,
    /// Cut slot.
    pub slot: usize,
    /// Feature name.
    pub feature: String,
    /// Mismatching vectors it is a suspect of.
    pub count: usize,
}

/// The result of comparing one simulation with the reference.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// Vectors compared (the shorter of the two lists).
    pub compared: usize,
    /// Vectors sent.
    pub sent: usize,
    /// Valid outputs the hardware produced.
    pub received: usize,
    /// Mismatching vectors among those compared.
    pub mismatches: usize,
    /// Mismatches per working point.
    pub per_point: Vec<usize>,
    /// The first mismatches, explained.
    pub first: Vec<MismatchDetail>,
    /// Suspects, most frequent first.
    pub suspects: Vec<Suspect>,
}

impl Comparison {
    /// `true` when every vector produced exactly the reference mask.
    pub fn passed(&self) -> bool {
        self.mismatches == 0 && self.sent == self.received
    }
}

/// Compares `actual` (one mask per vector, in order) with `set`, explaining up to `keep`
/// mismatches.
pub fn compare(
    table: &OwnedFixedTable,
    set: &VectorSet,
    actual: &[u64],
    keep: usize,
) -> Result<Comparison, VerifyError> {
    let points = table.targets.len();
    let slots = table.slots.len();
    if table.cuts.len() != points * slots || set.vectors.len() != set.expected.len() {
        return Err(VerifyError::Internal("table or vector set has an inconsistent shape".into()));
    }
    let all = if points >= 64 { u64::MAX } else { (1u64 << points) - 1 };
    let compared = set.len().min(actual.len());
    let mut per_point = vec![0usize; points];
    let mut tally = vec![0usize; points * slots];
    let mut first = Vec::new();
    let mut mismatches = 0;
    for (i, (&exp, &got)) in set.expected.iter().zip(actual).enumerate() {
        let diff = (exp ^ got) & all | (got & !all);
        if diff == 0 {
            continue;
        }
        mismatches += 1;
        let v = &set.vectors[i];
        let mut diffs = Vec::new();
        for p in (0..points).filter(|p| diff >> p & 1 == 1) {
            per_point[p] += 1;
            let d = explain(table, p, &v.raw, exp >> p & 1 == 1);
            for &s in &d.suspects {
                tally[p * slots + s] += 1;
            }
            diffs.push(d);
        }
        if first.len() < keep {
            first.push(MismatchDetail {
                index: i,
                origin: v.origin,
                raw: v.raw.clone(),
                physical: v.physical.clone(),
                expected: exp,
                actual: got,
                points: diffs,
            });
        }
    }
    let mut suspects: Vec<Suspect> = tally
        .iter()
        .enumerate()
        .filter(|(_, &c)| c > 0)
        .map(|(k, &count)| {
            let (point, slot) = (k / slots, k % slots);
            let feature = table.names[table.slots[slot].input as usize].clone();
            Suspect { point, slot, feature, count }
        })
        .collect();
    suspects.sort_by(|a, b| b.count.cmp(&a.count).then(a.point.cmp(&b.point)));
    Ok(Comparison {
        compared,
        sent: set.len(),
        received: actual.len(),
        mismatches,
        per_point,
        first,
        suspects,
    })
}

fn explain(table: &OwnedFixedTable, p: usize, raw: &[i64], expected: bool) -> PointDiff {
    let slots = table.slots.len();
    let cuts: Vec<CutCheck> = table.cuts[p * slots..(p + 1) * slots]
        .iter()
        .zip(&table.slots)
        .enumerate()
        .map(|(slot, (c, s))| {
            let x = raw.get(s.input as usize).copied().unwrap_or(0);
            CutCheck {
                slot,
                feature: table.names[s.input as usize].clone(),
                op: c.op,
                decision: c.decision,
                raw: x,
                passes: c.passes(x),
            }
        })
        .collect();
    let suspects = if expected {
        // The reference passes every cut: the nearest threshold is the likeliest wrong one.
        let dist = |c: &CutCheck| match c.decision {
            Decision::Compare(t) => (c.raw - t).unsigned_abs(),
            _ => u64::MAX,
        };
        let best = cuts.iter().map(dist).min().unwrap_or(u64::MAX);
        cuts.iter().filter(|c| dist(c) == best).map(|c| c.slot).collect()
    } else {
        cuts.iter().filter(|c| !c.passes).map(|c| c.slot).collect()
    };
    let target = table.targets.get(p).copied().unwrap_or(f64::NAN);
    PointDiff { point: p, target, expected, cuts, suspects }
}

/// A multi-line, human-readable account of a failed comparison (what `cabin verify` prints).
pub fn render(table: &OwnedFixedTable, tool: &str, c: &Comparison) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{tool}: {} of {} vectors differ from the software reference",
        c.mismatches, c.compared
    );
    if c.sent != c.received {
        let _ = writeln!(
            s,
            "{tool}: {} vectors sent but {} valid outputs received (out_valid or latency wrong)",
            c.sent, c.received
        );
    }
    let digits = table.targets.len().div_ceil(4).max(1);
    for m in &c.first {
        let _ = writeln!(s, "  vector {} ({}):", m.index, m.origin.describe());
        for (k, name) in table.names.iter().enumerate() {
            let _ = writeln!(
                s,
                "    {name} = raw {} (physical {})",
                m.raw.get(k).copied().unwrap_or(0),
                m.physical.get(k).copied().unwrap_or(f64::NAN)
            );
        }
        let _ =
            writeln!(s, "    expected sel = {:0digits$x}, got {:0digits$x}", m.expected, m.actual);
        for d in &m.points {
            let _ = writeln!(
                s,
                "    working point {} (target {}): reference says {}, hardware says {}",
                d.point,
                d.target,
                if d.expected { "pass" } else { "fail" },
                if d.expected { "fail" } else { "pass" }
            );
            for cut in &d.cuts {
                let thr = match cut.decision {
                    Decision::Compare(t) => format!("{} {}", cut.op, t),
                    Decision::AlwaysPass => "always passes".into(),
                    Decision::AlwaysFail => "always fails".into(),
                };
                let mark = if d.suspects.contains(&cut.slot) { "  <- suspect" } else { "" };
                let _ = writeln!(
                    s,
                    "      cut {} {}: raw {} {} -> reference {}{mark}",
                    cut.slot,
                    cut.feature,
                    cut.raw,
                    thr,
                    if cut.passes { "pass" } else { "fail" }
                );
            }
        }
    }
    if let Some(top) = c.suspects.first() {
        let _ = writeln!(
            s,
            "  most likely wrong: working point {}, feature '{}' (cut {}), suspect in {} of {} \
             mismatches",
            top.point, top.feature, top.slot, top.count, c.mismatches
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::super::set::{build, SetOptions};
    use super::*;

    #[test]
    fn identical_masks_pass_and_a_flipped_bit_is_explained() {
        let t = super::super::set::tests::table();
        let set = build(&t, &[], SetOptions { random: 20, seed: 1 }).unwrap();
        let ok = compare(&t, &set, &set.expected, 5).unwrap();
        assert!(ok.passed());
        assert_eq!(ok.mismatches, 0);

        // Flip working point 0 exactly where input a sits on its raw threshold (-4): the
        // reference fails `a > -4` there, so the hardware passing it points at feature a.
        let mut bad = set.expected.clone();
        let hits: Vec<usize> = (0..set.len())
            .filter(|&i| set.vectors[i].raw[0] == -4 && set.vectors[i].raw[1] < 40)
            .collect();
        assert!(!hits.is_empty());
        for &i in &hits {
            bad[i] ^= 1;
        }
        let c = compare(&t, &set, &bad, 3).unwrap();
        assert!(!c.passed());
        assert_eq!(c.mismatches, hits.len());
        assert_eq!(c.per_point, vec![hits.len(), 0]);
        assert_eq!((c.suspects[0].point, c.suspects[0].feature.as_str()), (0, "a"));
        let d = &c.first[0].points[0];
        assert!(!d.expected && d.suspects == vec![0]);
        let text = render(&t, "iverilog", &c);
        assert!(text.contains("working point 0") && text.contains("feature 'a'"), "{text}");

        let short = compare(&t, &set, &set.expected[..3], 3).unwrap();
        assert!(!short.passed());
        assert_eq!((short.sent, short.received), (set.len(), 3));
    }
}
