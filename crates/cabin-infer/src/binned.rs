//! Cut tables binned in one input (e.g. `eta`): one set of thresholds per bin and working point.
//!
//! A binned table is stored *flattened* as an ordinary table, so every evaluator, quantiser,
//! exporter and verifier handles it unchanged: with `B` bins (edges `e_0 < ... < e_B`) on input
//! `k` and `P` working points, the flat table has `B * P` rows, row `j * P + p` being working
//! point `p` of bin `j`, and its first two slots are `x_k >= e_j` and `x_k < e_{j+1}` (the bin
//! selection) followed by the bin's cuts. Bins are half-open and disjoint, so at most one row
//! of each working point can pass; the working point's answer is the OR of its `B` rows
//! ([`fold`]), i.e. the hardware evaluates the selected bin's thresholds. An event outside
//! `[e_0, e_B)`, or with a NaN bin input, fails every working point.
//!
//! The fold keeps every guarantee of the flat table (exact fixed-point thresholds, the edges are
//! quantised like any other cut); the only limit is `B * P <= MAX_POINTS` rows.

use crate::cut::{Op, Slot, MAX_POINTS};

/// The shape of a flattened binned table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bins {
    /// The binned input.
    pub input: u16,
    /// Number of bins `B`.
    pub bins: usize,
    /// Working points `P` (per bin).
    pub points: usize,
}

/// Why a table is not a flattened binned table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BinnedError {
    /// `bins * points` is zero or above [`MAX_POINTS`].
    Rows {
        /// Bins.
        bins: usize,
        /// Working points per bin.
        points: usize,
    },
    /// The flat table does not have `bins * points` rows.
    RowCount {
        /// Rows expected.
        expected: usize,
        /// Rows found.
        got: usize,
    },
    /// The first two slots are not `input >= edge` and `input < edge`.
    SelectionSlots,
    /// Row `row` selects a different interval from its bin's edges.
    Edge {
        /// Flat row.
        row: usize,
        /// Lower edge found.
        lo: f64,
        /// Upper edge found.
        hi: f64,
    },
}

impl core::fmt::Display for BinnedError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            BinnedError::Rows { bins, points } => write!(
                f,
                "{bins} bins x {points} working points = {} rows, expected 1 to {MAX_POINTS}",
                bins * points
            ),
            BinnedError::RowCount { expected, got } => {
                write!(f, "binned table has {got} rows, expected {expected} (bins x points)")
            }
            BinnedError::SelectionSlots => {
                write!(f, "binned table must start with the slots 'bin input >=' and 'bin input <'")
            }
            BinnedError::Edge { row, lo, hi } => write!(
                f,
                "row {row} selects [{lo}, {hi}), which is not its bin's interval (edges must \
                 be increasing and shared by a bin's rows)"
            ),
        }
    }
}

impl core::error::Error for BinnedError {}

impl Bins {
    /// Checks `bins * points` fits in a mask.
    pub fn new(input: u16, bins: usize, points: usize) -> Result<Bins, BinnedError> {
        let rows = bins.saturating_mul(points);
        if rows == 0 || rows > MAX_POINTS {
            return Err(BinnedError::Rows { bins, points });
        }
        Ok(Bins { input, bins, points })
    }

    /// Rows of the flat table.
    pub fn rows(&self) -> usize {
        self.bins * self.points
    }

    /// The two selection slots every flat row starts with.
    pub fn selection_slots(&self) -> [Slot; 2] {
        [Slot { input: self.input, op: Op::Ge }, Slot { input: self.input, op: Op::Lt }]
    }

    /// Working-point mask from a flat mask: bit `p` = OR over bins `j` of bit `j * P + p`.
    pub fn fold(&self, flat: u64) -> u64 {
        fold(flat, self.bins, self.points)
    }

    /// Checks a flat float table (`slots`, row-major `thresholds`) against this shape:
    /// selection slots first, and rows of bin `j` selecting `[edges[j], edges[j + 1])` with
    /// increasing edges. Returns the `B + 1` edges into `edges_out` (which must hold them).
    pub fn check(
        &self,
        slots: &[Slot],
        thresholds: &[f64],
        edges_out: &mut [f64],
    ) -> Result<(), BinnedError> {
        let s = slots.len();
        if s < 2 || slots[..2] != self.selection_slots() {
            return Err(BinnedError::SelectionSlots);
        }
        let got = thresholds.len() / s;
        if got != self.rows() || !thresholds.len().is_multiple_of(s) {
            return Err(BinnedError::RowCount { expected: self.rows(), got });
        }
        if edges_out.len() != self.bins + 1 {
            return Err(BinnedError::RowCount { expected: self.bins + 1, got: edges_out.len() });
        }
        for j in 0..self.bins {
            for p in 0..self.points {
                let row = j * self.points + p;
                let (lo, hi) = (thresholds[row * s], thresholds[row * s + 1]);
                let first = thresholds[j * self.points * s];
                let ok = lo < hi
                    && lo == first
                    && hi == thresholds[j * self.points * s + 1]
                    && (j == 0 || lo == edges_out[j]);
                if !ok {
                    return Err(BinnedError::Edge { row, lo, hi });
                }
            }
            edges_out[j] = thresholds[j * self.points * s];
            edges_out[j + 1] = thresholds[j * self.points * s + 1];
        }
        Ok(())
    }
}

/// Bit `p` of the result = OR over `j < bins` of bit `j * points + p` of `flat`.
pub fn fold(flat: u64, bins: usize, points: usize) -> u64 {
    if points == 0 || points >= 64 {
        return if points == 0 { 0 } else { flat };
    }
    let row = (1u64 << points) - 1;
    (0..bins).fold(0, |acc, j| acc | ((flat >> (j * points).min(63)) & row))
}

/// The binning of a cut file, read from its `binning` section and checked against its table.
#[cfg(feature = "doc")]
#[derive(Clone, Debug, PartialEq)]
pub struct FileBinning {
    /// The shape.
    pub bins: Bins,
    /// The `B + 1` edges in the bin input's physical units.
    pub edges: alloc::vec::Vec<f64>,
    /// The bin input's name.
    pub feature: alloc::string::String,
}

/// The `binning` section of `file` (`{"feature": name, "edges": [...], "points": P, ...}`),
/// checked against the flat table; `Ok(None)` for an unbinned file.
#[cfg(feature = "doc")]
pub fn file_binning(
    file: &crate::doc::CutsFile,
) -> Result<Option<FileBinning>, crate::doc::DocError> {
    use crate::doc::DocError;
    use alloc::string::ToString;
    let Some(section) = file.extra.get("binning") else { return Ok(None) };
    let bad = |what: &str| DocError::Json(alloc::format!("binning section: {what}"));
    let feature = section
        .get("feature")
        .and_then(|v| v.as_str())
        .ok_or_else(|| bad("no 'feature' name"))?
        .to_string();
    let input = file
        .feature_index(&feature)
        .ok_or_else(|| DocError::UnknownFeature { point: 0, feature: feature.clone() })?;
    let edges: alloc::vec::Vec<f64> = section
        .get("edges")
        .and_then(|v| v.as_array())
        .ok_or_else(|| bad("no 'edges' list"))?
        .iter()
        .map(|v| v.as_f64().ok_or_else(|| bad("an edge is not a number")))
        .collect::<Result<_, _>>()?;
    let points =
        section.get("points").and_then(|v| v.as_u64()).ok_or_else(|| bad("no 'points' count"))?
            as usize;
    if edges.len() < 2 {
        return Err(bad("fewer than two edges"));
    }
    let bins = Bins::new(input as u16, edges.len() - 1, points).map_err(|e| bad(&e.to_string()))?;
    let table = file.table()?;
    let mut found = alloc::vec![0.0; edges.len()];
    bins.check(&table.slots, &table.thresholds, &mut found).map_err(|e| bad(&e.to_string()))?;
    if found != edges {
        return Err(bad("the table's bin intervals differ from the listed edges"));
    }
    Ok(Some(FileBinning { bins, edges, feature }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cut::CutTable;

    #[test]
    fn fold_ors_the_bins_of_each_working_point() {
        // 3 bins x 2 points: bits (bin, point) = 0:(0,0) 1:(0,1) 2:(1,0) 3:(1,1) 4:(2,0) 5:(2,1)
        assert_eq!(fold(0b000000, 3, 2), 0b00);
        assert_eq!(fold(0b000100, 3, 2), 0b01);
        assert_eq!(fold(0b100000, 3, 2), 0b10);
        assert_eq!(fold(0b110000, 3, 2), 0b11);
        assert_eq!(fold(u64::MAX, 32, 2), 0b11);
        assert_eq!(fold(1 << 63, 1, 64), 1 << 63);
    }

    #[test]
    fn a_flat_binned_table_selects_the_bins_thresholds() {
        // Input 0 is the bin variable (edges 0, 1, 2), input 1 is cut: x1 > 5 in bin 0,
        // x1 > 7 in bin 1, one working point.
        let bins = Bins::new(0, 2, 1).unwrap();
        let mut slots = [Slot { input: 0, op: Op::Ge }; 3];
        slots[..2].copy_from_slice(&bins.selection_slots());
        slots[2] = Slot { input: 1, op: Op::Gt };
        let th = [0.0, 1.0, 5.0, 1.0, 2.0, 7.0];
        let mut edges = [0.0; 3];
        bins.check(&slots, &th, &mut edges).unwrap();
        assert_eq!(edges, [0.0, 1.0, 2.0]);
        let t = CutTable::new(2, &slots, &th).unwrap();
        let pass = |x: [f64; 2]| bins.fold(t.mask(&x).unwrap());
        assert_eq!(pass([0.5, 6.0]), 1);
        assert_eq!(pass([1.5, 6.0]), 0, "bin 1 needs x1 > 7");
        assert_eq!(pass([1.0, 7.5]), 1, "edges are half-open: 1.0 is in bin 1");
        assert_eq!(pass([2.0, 9.0]), 0, "the last edge is outside");
        assert_eq!(pass([-0.1, 9.0]), 0);
        assert_eq!(pass([f64::NAN, 9.0]), 0);
    }

    #[test]
    fn malformed_binned_tables_are_rejected() {
        assert!(matches!(Bins::new(0, 5, 13), Err(BinnedError::Rows { .. })));
        assert!(matches!(Bins::new(0, 0, 13), Err(BinnedError::Rows { .. })));
        let bins = Bins::new(0, 2, 1).unwrap();
        let mut slots = [Slot { input: 0, op: Op::Ge }; 3];
        slots[..2].copy_from_slice(&bins.selection_slots());
        slots[2] = Slot { input: 1, op: Op::Gt };
        let mut edges = [0.0; 3];
        // bin 1 does not start where bin 0 ends
        let th = [0.0, 1.0, 5.0, 1.5, 2.0, 7.0];
        assert!(matches!(
            bins.check(&slots, &th, &mut edges),
            Err(BinnedError::Edge { row: 1, .. })
        ));
        let th = [0.0, 1.0, 5.0];
        assert!(matches!(bins.check(&slots, &th, &mut edges), Err(BinnedError::RowCount { .. })));
        let bad = [slots[1], slots[0], slots[2]];
        let th = [0.0, 1.0, 5.0, 1.0, 2.0, 7.0];
        assert_eq!(bins.check(&bad, &th, &mut edges), Err(BinnedError::SelectionSlots));
    }
}
