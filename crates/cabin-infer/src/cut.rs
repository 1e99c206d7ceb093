//! Float cut tables: the comparison operators and the `passes` rule.
//!
//! A cut is `x OP t` with `OP` one of `>`, `>=`, `<`, `<=`, evaluated exactly as IEEE-754
//! comparisons: a NaN input fails every cut, `x > -inf` passes every finite or infinite `x`.

use core::fmt;

/// The most working points a table may have: a mask is one `u64`.
pub const MAX_POINTS: usize = 64;

/// The comparison of a cut, written between the input and the threshold: `x > t` is [`Op::Gt`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Op {
    /// `x > t`
    #[cfg_attr(feature = "serde", serde(rename = ">"))]
    Gt,
    /// `x >= t`
    #[cfg_attr(feature = "serde", serde(rename = ">="))]
    Ge,
    /// `x < t`
    #[cfg_attr(feature = "serde", serde(rename = "<"))]
    Lt,
    /// `x <= t`
    #[cfg_attr(feature = "serde", serde(rename = "<="))]
    Le,
}

impl Op {
    /// All four operators, in declaration order.
    pub const ALL: [Op; 4] = [Op::Gt, Op::Ge, Op::Lt, Op::Le];

    /// Whether `x OP t` holds, as an IEEE-754 comparison (false if either is NaN).
    #[inline]
    pub fn passes(self, x: f64, t: f64) -> bool {
        match self {
            Op::Gt => x > t,
            Op::Ge => x >= t,
            Op::Lt => x < t,
            Op::Le => x <= t,
        }
    }

    /// The operator as written in cut files and generated code: `">"`, `">="`, `"<"`, `"<="`.
    pub const fn symbol(self) -> &'static str {
        match self {
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
        }
    }

    /// Parses [`Op::symbol`]'s output back; `None` for anything else.
    pub fn from_symbol(s: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.symbol() == s)
    }

    /// True for `>` and `>=`: the cut keeps events above the threshold.
    pub const fn is_lower_bound(self) -> bool {
        matches!(self, Op::Gt | Op::Ge)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// One cut slot of a table: which input it reads and how it compares.
///
/// A feature with a one-sided cut has one slot; a window cut is two slots on the same input
/// (one `>`, one `<`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Slot {
    /// Index of the input (feature) this slot reads.
    pub input: u16,
    /// The comparison.
    pub op: Op,
}

/// Why a table or an evaluation call was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableError {
    /// A table needs at least one slot.
    NoSlots,
    /// A table needs at least one working point.
    NoPoints,
    /// The threshold array is not `points * slots` long.
    ThresholdCount {
        /// Number of slots.
        slots: usize,
        /// Length of the threshold array given.
        thresholds: usize,
    },
    /// More than [`MAX_POINTS`] working points.
    TooManyPoints {
        /// Working points in the table.
        points: usize,
    },
    /// A slot reads an input the table does not have.
    InputOutOfRange {
        /// Slot index.
        slot: usize,
        /// Input it names.
        input: usize,
        /// Inputs the table has.
        inputs: usize,
    },
    /// An event has the wrong number of inputs, or a slice is not a whole number of events.
    InputLength {
        /// Expected length (inputs per event, or a multiple of it).
        expected: usize,
        /// Length given.
        got: usize,
    },
    /// The output slice does not have one mask per event.
    OutputLength {
        /// Events in the input.
        events: usize,
        /// Length of the output slice.
        got: usize,
    },
    /// The per-input format array does not have one format per input.
    FormatCount {
        /// Inputs the table has.
        inputs: usize,
        /// Formats given.
        formats: usize,
    },
    /// A raw input value outside its fixed-point format: hardware cannot receive it, so the
    /// reference refuses to give it a mask.
    RawOutOfRange {
        /// Input index.
        input: usize,
        /// The raw value given.
        value: i64,
        /// Smallest raw value of the input's format.
        min: i64,
        /// Largest raw value of the input's format.
        max: i64,
    },
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            TableError::NoSlots => write!(f, "cut table has no cut slots"),
            TableError::NoPoints => write!(f, "cut table has no working points"),
            TableError::ThresholdCount { slots, thresholds } => write!(
                f,
                "cut table has {thresholds} thresholds, expected a multiple of {slots} slots"
            ),
            TableError::TooManyPoints { points } => {
                write!(f, "cut table has {points} working points, at most {MAX_POINTS} supported")
            }
            TableError::InputOutOfRange { slot, input, inputs } => {
                write!(f, "cut slot {slot} reads input {input}, but the table has {inputs} inputs")
            }
            TableError::InputLength { expected, got } => {
                write!(f, "event data has {got} values, expected {expected} per event")
            }
            TableError::OutputLength { events, got } => {
                write!(f, "output has room for {got} masks, expected {events}")
            }
            TableError::FormatCount { inputs, formats } => {
                write!(f, "table has {inputs} inputs but {formats} fixed-point formats")
            }
            TableError::RawOutOfRange { input, value, min, max } => write!(
                f,
                "raw value {value} of input {input} is outside its fixed-point format \
                 (expected {min}..={max})"
            ),
        }
    }
}

/// Checks the shape shared by float and fixed tables; returns the number of working points.
pub(crate) fn check_shape(
    inputs: usize,
    slots: &[Slot],
    cells: usize,
) -> Result<usize, TableError> {
    if slots.is_empty() {
        return Err(TableError::NoSlots);
    }
    if !cells.is_multiple_of(slots.len()) {
        return Err(TableError::ThresholdCount { slots: slots.len(), thresholds: cells });
    }
    let points = cells / slots.len();
    if points == 0 {
        return Err(TableError::NoPoints);
    }
    if points > MAX_POINTS {
        return Err(TableError::TooManyPoints { points });
    }
    for (i, s) in slots.iter().enumerate() {
        if s.input as usize >= inputs {
            return Err(TableError::InputOutOfRange { slot: i, input: s.input as usize, inputs });
        }
    }
    Ok(points)
}

/// A float cut table borrowed from caller storage: `slots` and, row-major by working point,
/// `thresholds[p * slots.len() + s]`.
#[derive(Clone, Copy, Debug)]
pub struct CutTable<'a> {
    inputs: usize,
    slots: &'a [Slot],
    thresholds: &'a [f64],
    points: usize,
}

impl<'a> CutTable<'a> {
    /// Checks the shape and builds the view. `inputs` is the number of values per event.
    pub fn new(
        inputs: usize,
        slots: &'a [Slot],
        thresholds: &'a [f64],
    ) -> Result<Self, TableError> {
        let points = check_shape(inputs, slots, thresholds.len())?;
        Ok(CutTable { inputs, slots, thresholds, points })
    }

    /// Values per event.
    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// The cut slots.
    pub fn slots(&self) -> &'a [Slot] {
        self.slots
    }

    /// Number of working points.
    pub fn points(&self) -> usize {
        self.points
    }

    /// The thresholds of working point `p`, one per slot (`None` if `p` is out of range).
    pub fn point(&self, p: usize) -> Option<&'a [f64]> {
        let s = self.slots.len();
        self.thresholds.get(p * s..(p + 1) * s)
    }

    /// Whether `event` passes every cut of working point `p` (false if `p` is out of range).
    ///
    /// `event` must hold [`CutTable::inputs`] values; a short event fails.
    pub fn passes(&self, p: usize, event: &[f64]) -> bool {
        let Some(ts) = self.point(p) else { return false };
        event.len() == self.inputs
            && self.slots.iter().zip(ts).all(|(s, &t)| s.op.passes(event[s.input as usize], t))
    }

    /// The mask of working points `event` passes (bit `p` = working point `p`).
    pub fn mask(&self, event: &[f64]) -> Result<u64, TableError> {
        if event.len() != self.inputs {
            return Err(TableError::InputLength { expected: self.inputs, got: event.len() });
        }
        let mut mask = 0u64;
        for p in 0..self.points {
            let ts = &self.thresholds[p * self.slots.len()..(p + 1) * self.slots.len()];
            let pass =
                self.slots.iter().zip(ts).all(|(s, &t)| s.op.passes(event[s.input as usize], t));
            mask |= (pass as u64) << p;
        }
        Ok(mask)
    }

    /// Masks for a row-major slice of events (`inputs` values each) into `out`.
    pub fn mask_slice(&self, events: &[f64], out: &mut [u64]) -> Result<(), TableError> {
        let n = check_events(events.len(), self.inputs, out.len())?;
        for (i, m) in out.iter_mut().enumerate().take(n) {
            *m = self.mask(&events[i * self.inputs..(i + 1) * self.inputs])?;
        }
        Ok(())
    }
}

/// Checks a row-major event slice against the output; returns the number of events.
pub(crate) fn check_events(values: usize, inputs: usize, out: usize) -> Result<usize, TableError> {
    if inputs == 0 || !values.is_multiple_of(inputs) {
        return Err(TableError::InputLength { expected: inputs, got: values });
    }
    let events = values / inputs;
    if out != events {
        return Err(TableError::OutputLength { events, got: out });
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SLOTS: [Slot; 2] = [Slot { input: 0, op: Op::Gt }, Slot { input: 1, op: Op::Lt }];

    #[test]
    fn passes_is_strict_and_nan_fails() {
        assert!(!Op::Gt.passes(1.0, 1.0));
        assert!(Op::Ge.passes(1.0, 1.0));
        assert!(!Op::Lt.passes(1.0, 1.0));
        assert!(Op::Le.passes(1.0, 1.0));
        for op in Op::ALL {
            assert!(!op.passes(f64::NAN, 0.0));
            assert!(!op.passes(0.0, f64::NAN));
            assert_eq!(Op::from_symbol(op.symbol()), Some(op));
        }
        assert!(!Op::Gt.passes(f64::NEG_INFINITY, f64::NEG_INFINITY));
        assert!(Op::Gt.passes(-1e300, f64::NEG_INFINITY));
    }

    #[test]
    fn mask_sets_one_bit_per_passing_point() {
        // point 0: x0 > 1 and x1 < 5; point 1: x0 > 2 and x1 < 3
        let th = [1.0, 5.0, 2.0, 3.0];
        let t = CutTable::new(2, &SLOTS, &th).unwrap();
        assert_eq!(t.points(), 2);
        assert_eq!(t.mask(&[1.5, 4.0]).unwrap(), 0b01);
        assert_eq!(t.mask(&[2.5, 2.0]).unwrap(), 0b11);
        assert_eq!(t.mask(&[0.5, 2.0]).unwrap(), 0b00);
        assert!(t.passes(1, &[2.5, 2.0]));
        assert!(!t.passes(2, &[2.5, 2.0]));
        let mut out = [0u64; 2];
        t.mask_slice(&[1.5, 4.0, 2.5, 2.0], &mut out).unwrap();
        assert_eq!(out, [0b01, 0b11]);
    }

    #[test]
    fn bad_shapes_are_errors_not_panics() {
        assert_eq!(CutTable::new(2, &[], &[]).unwrap_err(), TableError::NoSlots);
        assert!(matches!(CutTable::new(2, &SLOTS, &[1.0]), Err(TableError::ThresholdCount { .. })));
        assert!(matches!(
            CutTable::new(1, &SLOTS, &[1.0, 2.0]),
            Err(TableError::InputOutOfRange { .. })
        ));
        let th = [0.0; 130];
        assert!(matches!(CutTable::new(2, &SLOTS, &th), Err(TableError::TooManyPoints { .. })));
        let t = CutTable::new(2, &SLOTS, &[1.0, 2.0]).unwrap();
        assert!(matches!(t.mask(&[1.0]), Err(TableError::InputLength { .. })));
        let mut out = [0u64; 1];
        assert!(matches!(
            t.mask_slice(&[1.0, 2.0, 3.0], &mut out),
            Err(TableError::InputLength { .. })
        ));
        assert!(matches!(
            t.mask_slice(&[1.0, 2.0, 3.0, 4.0], &mut out),
            Err(TableError::OutputLength { .. })
        ));
    }
}
