//! The labelled vector set `cabin verify` simulates, and its expected masks.
//!
//! Each vector is one raw event (one integer per input, inside the input's [`Format`]) with the
//! physical values it stands for and where it came from, so a mismatch can be explained in the
//! user's terms. The generated vectors come from [`crate::vectors`]; this module adds their
//! labels and three kinds of its own:
//! - events of a real data file, quantised with the table's rounding ([`Format::quantize`]);
//! - saturating inputs: each input in turn far above and below its range, at `+inf`, `-inf` and
//!   NaN (quantised to 0), the other inputs on base event 0;
//! - near-threshold random events: a working point's base event (every cut passing) with one to
//!   three inputs moved within 2 LSB of one of their thresholds, or drawn uniformly
//!   (seeded; uniform random events alone almost never sit next to a threshold with every
//!   other cut passing, which is where a wrong comparison shows).
//!
//! The expected mask of every vector is [`FixedTable::mask_raw`]: the software reference.

use cabin_infer::doc::OwnedFixedTable;
use cabin_infer::{Decision, FixedTable, Format};

use super::VerifyError;
use crate::vectors::{self, SplitMix64};

/// Where a vector came from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Origin {
    /// Event `event` of the data file (0-based, in the order the data was given).
    Data {
        /// Event index.
        event: usize,
    },
    /// The base event of a working point: every input inside that point's passing interval.
    Base {
        /// Working point.
        point: usize,
    },
    /// Raw threshold `t + delta` of one cut of one working point, other inputs on its base.
    Boundary {
        /// Working point.
        point: usize,
        /// Cut slot.
        slot: usize,
        /// `-1`, `0` or `+1` LSB from the raw threshold.
        delta: i8,
    },
    /// A format extreme (minimum, maximum or zero), for all inputs or one at a time.
    Extreme {
        /// Index in the extreme list of [`crate::vectors::extreme_vectors`].
        index: usize,
    },
    /// One input given a physical value outside its format, saturated by quantisation.
    Saturating {
        /// Input index.
        input: usize,
    },
    /// Uniformly random raw inputs.
    Random {
        /// Index among the random vectors.
        index: usize,
    },
    /// Random inputs close to thresholds.
    NearThreshold {
        /// Index among the near-threshold vectors.
        index: usize,
    },
}

impl Origin {
    /// `true` for the vectors that test one threshold or one format limit on purpose.
    pub fn is_boundary(self) -> bool {
        matches!(
            self,
            Origin::Base { .. }
                | Origin::Boundary { .. }
                | Origin::Extreme { .. }
                | Origin::Saturating { .. }
        )
    }

    /// A short description, e.g. `boundary of working point 3, cut 1, threshold +1 LSB`.
    pub fn describe(self) -> String {
        match self {
            Origin::Data { event } => format!("data event {event}"),
            Origin::Base { point } => format!("base event of working point {point}"),
            Origin::Boundary { point, slot, delta } => {
                format!("boundary of working point {point}, cut {slot}, threshold {delta:+} LSB")
            }
            Origin::Extreme { index } => format!("format extreme #{index}"),
            Origin::Saturating { input } => format!("saturating input {input}"),
            Origin::Random { index } => format!("random vector #{index}"),
            Origin::NearThreshold { index } => format!("near-threshold random vector #{index}"),
        }
    }
}

/// One simulated event.
#[derive(Clone, Debug, PartialEq)]
pub struct Vector {
    /// Raw inputs, one per feature, each inside its format.
    pub raw: Vec<i64>,
    /// The physical values: the data or saturating value given, or the grid value of `raw`.
    pub physical: Vec<f64>,
    /// Where the vector came from.
    pub origin: Origin,
}

/// What to put in the set besides the boundary and extreme vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetOptions {
    /// Random vectors: half uniform, half near thresholds.
    pub random: usize,
    /// Seed of the random vectors.
    pub seed: u64,
}

/// The vectors and, for each, the reference mask.
#[derive(Clone, Debug, PartialEq)]
pub struct VectorSet {
    /// The vectors, in simulation order.
    pub vectors: Vec<Vector>,
    /// `expected[i]` is the software reference mask of `vectors[i]`.
    pub expected: Vec<u64>,
}

impl VectorSet {
    /// Number of vectors.
    pub fn len(&self) -> usize {
        self.vectors.len()
    }

    /// `true` if there are no vectors.
    pub fn is_empty(&self) -> bool {
        self.vectors.is_empty()
    }

    /// Number of boundary vectors ([`Origin::is_boundary`]).
    pub fn boundary_count(&self) -> usize {
        self.vectors.iter().filter(|v| v.origin.is_boundary()).count()
    }

    /// Number of data-file vectors.
    pub fn data_count(&self) -> usize {
        self.vectors.iter().filter(|v| matches!(v.origin, Origin::Data { .. })).count()
    }

    /// The raw events only, in order.
    pub fn raw_events(&self) -> Vec<Vec<i64>> {
        self.vectors.iter().map(|v| v.raw.clone()).collect()
    }
}

/// Builds the vector set of `table`: base, boundary and extreme vectors, saturating inputs,
/// `data` events (row-major physical values, one per feature) and the random vectors.
pub fn build(
    table: &OwnedFixedTable,
    data: &[f64],
    options: SetOptions,
) -> Result<VectorSet, VerifyError> {
    build_indexed(table, data, None, options)
}

/// Like [`build`], with the index of each data event in its file (for messages) when `data`
/// is a selection of a file's events; `None` numbers them from 0.
pub fn build_indexed(
    table: &OwnedFixedTable,
    data: &[f64],
    index: Option<&[usize]>,
    options: SetOptions,
) -> Result<VectorSet, VerifyError> {
    let view = table.view().map_err(|e| VerifyError::Table(e.to_string()))?;
    let formats = &table.formats;
    let inputs = formats.len();
    if inputs == 0 || !data.len().is_multiple_of(inputs) {
        return Err(VerifyError::DataShape { values: data.len(), inputs });
    }
    let mut out: Vec<Vector> = Vec::new();
    let grid = |raw: Vec<i64>, origin: Origin| {
        let physical = raw.iter().zip(formats).map(|(&r, f)| f.value(r)).collect();
        Vector { raw, physical, origin }
    };

    let bases = vectors::base_events(&view);
    for (point, b) in bases.iter().enumerate() {
        out.push(grid(b.clone(), Origin::Base { point }));
    }
    let boundary = vectors::boundary_vectors(&view);
    let labels = boundary_labels(&view);
    if labels.len() != boundary.len() {
        return Err(VerifyError::Internal(format!(
            "{} boundary vectors but {} labels",
            boundary.len(),
            labels.len()
        )));
    }
    out.extend(boundary.into_iter().zip(labels).map(|(raw, origin)| grid(raw, origin)));
    for (index, raw) in vectors::extreme_vectors(&view).into_iter().enumerate() {
        out.push(grid(raw, Origin::Extreme { index }));
    }
    out.extend(saturating(formats, table.rounding, &bases[0]));

    if let Some(ix) = index {
        if ix.len() * inputs != data.len() {
            return Err(VerifyError::Internal(format!(
                "{} data indices for {} events",
                ix.len(),
                data.len() / inputs
            )));
        }
    }
    for (j, row) in data.chunks(inputs).enumerate() {
        let event = index.map_or(j, |ix| ix[j]);
        let raw = row.iter().zip(formats).map(|(&x, f)| f.quantize(x, table.rounding)).collect();
        out.push(Vector { raw, physical: row.to_vec(), origin: Origin::Data { event } });
    }

    let uniform = options.random / 2;
    for (index, raw) in
        vectors::random_vectors(&view, uniform, options.seed).into_iter().enumerate()
    {
        out.push(grid(raw, Origin::Random { index }));
    }
    let near = near_threshold(&view, options.random - uniform, options.seed ^ NEAR_SALT);
    for (index, raw) in near.into_iter().enumerate() {
        out.push(grid(raw, Origin::NearThreshold { index }));
    }

    let expected = out
        .iter()
        .map(|v| view.mask_raw(&v.raw).map_err(|e| VerifyError::Table(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(VectorSet { vectors: out, expected })
}

/// Mixed into the seed of the near-threshold stream so it differs from the uniform stream.
const NEAR_SALT: u64 = 0x6361_6269_6e5f_6e72;

/// Labels of [`vectors::boundary_vectors`], in its documented order: working point, then slot,
/// then `t - 1`, `t`, `t + 1`, for `Compare` cuts only.
fn boundary_labels(table: &FixedTable<'_>) -> Vec<Origin> {
    let s = table.slots().len();
    let mut out = Vec::new();
    for point in 0..table.points() {
        for (slot, cut) in table.cuts()[point * s..(point + 1) * s].iter().enumerate() {
            if matches!(cut.decision, Decision::Compare(_)) {
                for delta in [-1, 0, 1] {
                    out.push(Origin::Boundary { point, slot, delta });
                }
            }
        }
    }
    out
}

/// Each input alone far outside its range (and at the infinities and NaN), on `base`.
fn saturating(formats: &[Format], rounding: cabin_infer::Rounding, base: &[i64]) -> Vec<Vector> {
    let mut out = Vec::new();
    let base_phys: Vec<f64> = base.iter().zip(formats).map(|(&r, f)| f.value(r)).collect();
    for (input, f) in formats.iter().enumerate() {
        let span = f.max_value() - f.min_value();
        let values = [
            f.max_value() + span + 1.0,
            f.min_value() - span - 1.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        for x in values {
            let mut raw = base.to_vec();
            let mut physical = base_phys.clone();
            raw[input] = f.quantize(x, rounding);
            physical[input] = x;
            out.push(Vector { raw, physical, origin: Origin::Saturating { input } });
        }
    }
    out
}

/// `n` events that start from the base event of a random working point (every cut passing)
/// and move one to three random inputs: with probability 1/2 within 2 LSB of one of that
/// point's thresholds on the input, 1/4 within 2 LSB of any threshold on it, 1/4 anywhere in
/// its format. Single cuts thus flip often while the point's other cuts still pass.
fn near_threshold(table: &FixedTable<'_>, n: usize, seed: u64) -> Vec<Vec<i64>> {
    let formats = table.formats();
    let s = table.slots().len();
    let points = table.points();
    // thresholds[p][i]: raw thresholds of point p on input i; any[i]: over all points.
    let mut thresholds = vec![vec![Vec::new(); formats.len()]; points];
    let mut any: Vec<Vec<i64>> = vec![Vec::new(); formats.len()];
    for (k, cut) in table.cuts().iter().enumerate() {
        if let Decision::Compare(t) = cut.decision {
            let i = table.slots()[k % s].input as usize;
            thresholds[k / s][i].push(t);
            any[i].push(t);
        }
    }
    let bases = vectors::base_events(table);
    let mut rng = SplitMix64(seed);
    let near = |rng: &mut SplitMix64, ts: &[i64], lo: i64, hi: i64, keep: i64| {
        if ts.is_empty() {
            return keep;
        }
        let t = ts[rng.below(ts.len() as u64) as usize];
        (t + rng.below(5) as i64 - 2).clamp(lo, hi)
    };
    (0..n)
        .map(|_| {
            let p = rng.below(points as u64) as usize;
            let mut e = bases[p].clone();
            // One to three inputs move; the rest keep the point's passing values.
            for _ in 0..=rng.below(3) {
                let i = rng.below(formats.len() as u64) as usize;
                let (lo, hi) = (formats[i].min_raw(), formats[i].max_raw());
                e[i] = match rng.below(4) {
                    0 | 1 => near(&mut rng, &thresholds[p][i], lo, hi, e[i]),
                    2 => near(&mut rng, &any[i], lo, hi, e[i]),
                    _ => lo + rng.below((hi - lo) as u64 + 1) as i64,
                };
            }
            e
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use cabin_infer::{FixedCut, Op, Rounding, Slot};

    pub(crate) fn table() -> OwnedFixedTable {
        let s8 = Format { signed: true, width: 8, frac: 2 };
        let u6 = Format { signed: false, width: 6, frac: 0 };
        OwnedFixedTable {
            names: vec!["a".into(), "b".into()],
            targets: vec![0.5, 0.9],
            rounding: Rounding::Truncate,
            formats: vec![s8, u6],
            slots: vec![Slot { input: 0, op: Op::Gt }, Slot { input: 1, op: Op::Lt }],
            cuts: vec![
                FixedCut::new(Op::Gt, -1.0, s8),
                FixedCut::new(Op::Lt, 40.0, u6),
                FixedCut::new(Op::Gt, -5.0, s8),
                FixedCut::new(Op::Lt, 100.0, u6), // always passes
            ],
        }
    }

    #[test]
    fn set_has_every_kind_labelled_and_in_range() {
        let t = table();
        let data = [0.3, 12.0, -40.0, 70.0, f64::NAN, 3.9];
        let set = build(&t, &data, SetOptions { random: 101, seed: 9 }).unwrap();
        assert_eq!(set.len(), set.expected.len());
        // 2 bases, 3 Compare cuts x 3, 9 extremes, 2 inputs x 5 saturating
        assert_eq!(set.boundary_count(), 2 + 9 + 9 + 10);
        assert_eq!(set.data_count(), 3);
        vectors::check_events(&t.formats, &set.raw_events()).unwrap();
        let data_raw: Vec<_> = set
            .vectors
            .iter()
            .filter(|v| matches!(v.origin, Origin::Data { .. }))
            .map(|v| v.raw.clone())
            .collect();
        // 0.3 * 4 = 1.2 -> 1; -40 saturates to -128; 70 saturates to 63; NaN -> 0
        assert_eq!(data_raw, vec![vec![1, 12], vec![-128, 63], vec![0, 3]]);
        let near = set.vectors.iter().filter(|v| matches!(v.origin, Origin::NearThreshold { .. }));
        assert_eq!(near.count(), 51);
        let b = set
            .vectors
            .iter()
            .position(|v| v.origin == Origin::Boundary { point: 0, slot: 0, delta: 1 })
            .unwrap();
        // X > -4: t + 1 = -3 passes, and the base keeps input b passing
        assert_eq!(set.vectors[b].raw[0], -3);
        assert_eq!(set.expected[b] & 1, 1);
        // Reproducible (NaN physical values make the sets themselves compare unequal).
        let again = build(&t, &data, SetOptions { random: 101, seed: 9 }).unwrap();
        assert_eq!((set.raw_events(), &set.expected), (again.raw_events(), &again.expected));
    }

    #[test]
    fn data_events_keep_their_file_index() {
        let t = table();
        let opts = SetOptions { random: 0, seed: 0 };
        let set = build_indexed(&t, &[0.0, 1.0, 2.0, 3.0], Some(&[7, 19]), opts).unwrap();
        let events: Vec<Origin> = set
            .vectors
            .iter()
            .map(|v| v.origin)
            .filter(|o| matches!(o, Origin::Data { .. }))
            .collect();
        assert_eq!(events, vec![Origin::Data { event: 7 }, Origin::Data { event: 19 }]);
        assert!(build_indexed(&t, &[0.0, 1.0], Some(&[1, 2]), opts).is_err());
    }

    #[test]
    fn ragged_data_is_an_error() {
        let err = build(&table(), &[1.0, 2.0, 3.0], SetOptions { random: 0, seed: 0 });
        assert!(matches!(err, Err(VerifyError::DataShape { values: 3, inputs: 2 })));
    }
}
