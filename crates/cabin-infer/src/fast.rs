//! A prepared fixed-point evaluator: the same masks as [`FixedTable::mask_raw`], many times
//! faster, for hosts and microcontrollers.
//!
//! Preparation turns every cut into one strict comparison on 32-bit lanes: `X > T` for the
//! lower bounds (`>`, `>=`) and `X < T` for the upper bounds (`<`, `<=`):
//!
//! | cut          | lane comparison |
//! |--------------|-----------------|
//! | `X > t`      | `X > t`         |
//! | `X >= t`     | `X > t - 1`     |
//! | `X < t`      | `X < t`         |
//! | `X <= t`     | `X < t + 1`     |
//! | always pass  | `X > min - 1` or `X < max + 1` |
//! | always fail  | `X > max` or `X < min`         |
//!
//! The thresholds of one slot for up to [`LANES`] working points sit in one padded array, and
//! the lower-bound slots are stored before the upper-bound ones, so evaluating a slot is a
//! broadcast of `X`, vector compares and ANDs with no branch; the mask bits are extracted once
//! per event and block of working points. Padding lanes always pass and are cleared at the end.
//!
//! Exactness: for every raw input inside its format's range (what [`Format::quantize`]
//! produces) the mask equals [`FixedTable::mask_raw`]; this is property-tested. For speed the
//! raw entry points ([`Evaluator::mask`], [`Evaluator::mask_slice`]) do not check that each
//! value is inside its format: one outside gives some mask, never a panic, where
//! [`FixedTable::mask_raw`] returns [`TableError::RawOutOfRange`]. Use the evaluator on values
//! from [`Format::quantize`] (its float entry points do that themselves); cabin's own tools
//! compute reference masks with the checked [`FixedTable::mask_raw`]. Formats must be at most 31 bits wide so
//! that `min - 2` and `max + 2` fit in an `i32` with room to spare: signed formats up to 31 bits,
//! unsigned up to 30; wider formats are rejected with [`PrepareError::Width`] (use
//! [`FixedTable`] for them).

use core::fmt;

use heapless::Vec;

use crate::cut::{check_events, Op, TableError};
use crate::fixed::{Decision, FixedTable, Format, Rounding};

/// Working points per block: one block holds one slot's thresholds for up to 16 points.
pub const LANES: usize = 16;

/// One slot's thresholds for one block of working points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Block {
    /// Index of the input read.
    input: u16,
    /// `T` per lane.
    t: [i32; LANES],
}

/// One slot's thresholds for one block of working points, on 16-bit lanes: lane `i` passes
/// when the comparison with `t[i]` holds or `pass[i]` is all ones (an always-pass cut, which
/// has no strict 16-bit threshold when the format fills the lane).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Narrow {
    /// Index of the input read.
    input: u16,
    /// `T` per lane.
    t: [i16; LANES],
    /// -1 for lanes that always pass, else 0.
    pass: [i16; LANES],
}

/// The blocks, on 32-bit or (when every format fits) 16-bit lanes.
#[derive(Clone, Debug)]
enum Lanes<const N: usize> {
    Wide(Vec<Block, N>),
    /// The flag is true when some real (non-padding) lane always passes, so the pass masks
    /// must be applied; without such lanes the OR is skipped.
    Narrow(Vec<Narrow, N>, bool),
}

/// Why a table could not be prepared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrepareError {
    /// The table needs more blocks (slots times blocks of [`LANES`] points) than the evaluator
    /// holds.
    Capacity {
        /// Blocks needed.
        needed: usize,
        /// The evaluator's capacity `N`.
        capacity: usize,
    },
    /// An input's format is wider than the 32-bit lanes support (signed 31, unsigned 30 bits).
    Width {
        /// Input index.
        input: usize,
        /// Its format.
        format: Format,
    },
}

impl fmt::Display for PrepareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            PrepareError::Capacity { needed, capacity } => write!(
                f,
                "cut table needs {needed} evaluator blocks, the evaluator holds {capacity}"
            ),
            PrepareError::Width { input, format } => write!(
                f,
                "input {input} has format {format}, the prepared evaluator supports at most s31 and u30"
            ),
        }
    }
}

/// A [`FixedTable`] prepared for fast evaluation, in `N` blocks of inline storage (no
/// allocation); a table needs `slots * ceil(points / 16)` blocks (68 bytes each) and at most
/// `N` inputs.
///
/// The default `N = 64` holds, for example, 64 slots at up to 16 working points.
#[derive(Clone, Debug)]
pub struct Evaluator<const N: usize = 64> {
    inputs: usize,
    points: usize,
    slots: usize,
    /// Blocks, block-of-points major: `blocks[c * slots ..][..slots]`, the `lower` lower-bound
    /// slots first, then the upper-bound ones.
    blocks: Lanes<N>,
    /// Lower-bound slots per block of points.
    lower: usize,
    /// Rounding used by the float entry points.
    rounding: Rounding,
    formats: Vec<Format, N>,
}

impl<const N: usize> Evaluator<N> {
    /// Prepares `table`; `rounding` is what the float entry points quantise with.
    pub fn new(table: &FixedTable<'_>, rounding: Rounding) -> Result<Self, PrepareError> {
        let slots = table.slots();
        let points = table.points();
        let chunks = points.div_ceil(LANES);
        let needed = chunks * slots.len();
        let capacity_err = PrepareError::Capacity { needed, capacity: N };
        if needed > N || table.inputs() > N {
            return Err(capacity_err);
        }
        let mut formats = Vec::new();
        for (input, &format) in table.formats().iter().enumerate() {
            if format.min_raw() < -(1 << 30) || format.max_raw() >= (1 << 30) {
                return Err(PrepareError::Width { input, format });
            }
            formats.push(format).map_err(|_| capacity_err)?;
        }

        // Lower-bound slots first, then upper-bound ones, each in table order.
        let order = slots
            .iter()
            .enumerate()
            .filter(|(_, sl)| sl.op.is_lower_bound())
            .chain(slots.iter().enumerate().filter(|(_, sl)| !sl.op.is_lower_bound()));
        let lower = slots.iter().filter(|sl| sl.op.is_lower_bound()).count();
        // 16-bit lanes when every raw value fits in an i16: twice the points per register.
        let narrow = table.formats().iter().all(|f| f.min_raw() >= -32768 && f.max_raw() <= 32767);
        let mut wide = Vec::new();
        let mut thin = Vec::new();
        for c in 0..chunks {
            for (s, slot) in order.clone() {
                let format = table.formats()[slot.input as usize];
                let (lo, hi) = (format.min_raw() as i32, format.max_raw() as i32);
                let lower = slot.op.is_lower_bound();
                // Padding lanes always pass; their bits are masked off at the end.
                let mut t = [if lower { lo - 1 } else { hi + 1 }; LANES];
                let mut t16 = [0i16; LANES];
                let mut pass = [-1i16; LANES];
                for lane in 0..LANES {
                    let p = c * LANES + lane;
                    if p >= points {
                        break;
                    }
                    let cut = table.cuts()[p * slots.len() + s];
                    t[lane] = lane_threshold(cut.op, cut.decision, lo, hi);
                    // On 16-bit lanes a constant cut gets an explicit answer: always-pass uses
                    // the pass mask (no strict threshold below i16::MIN exists), always-fail
                    // the format's end. Non-constant thresholds lie inside the format.
                    let (at_lo, at_hi) = (cut.passes(lo as i64), cut.passes(hi as i64));
                    pass[lane] = if at_lo && at_hi { -1 } else { 0 };
                    t16[lane] = match (at_lo, at_hi) {
                        (true, true) => 0,
                        (false, false) if lower => hi as i16,
                        (false, false) => lo as i16,
                        _ => t[lane] as i16,
                    };
                }
                if narrow {
                    let b = Narrow { input: slot.input, t: t16, pass };
                    thin.push(b).map_err(|_| capacity_err)?;
                } else {
                    wide.push(Block { input: slot.input, t }).map_err(|_| capacity_err)?;
                }
            }
        }
        let any_pass = (0..points).any(|p| {
            (0..slots.len()).any(|s| {
                let cut = table.cuts()[p * slots.len() + s];
                let f = table.formats()[slots[s].input as usize];
                cut.passes(f.min_raw()) && cut.passes(f.max_raw())
            })
        });
        let blocks = if narrow { Lanes::Narrow(thin, any_pass) } else { Lanes::Wide(wide) };
        Ok(Evaluator {
            inputs: table.inputs(),
            points,
            slots: slots.len(),
            blocks,
            lower,
            rounding,
            formats,
        })
    }

    /// Values per event.
    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// Number of working points.
    pub fn points(&self) -> usize {
        self.points
    }

    /// The mask of one raw event (`inputs` values, each inside its format).
    ///
    /// The range of each value is not checked (see the module doc): an out-of-format value
    /// gives an unspecified mask. [`FixedTable::mask_raw`] is the checked form.
    pub fn mask<T: Copy + Into<i32>>(&self, event: &[T]) -> Result<u64, TableError> {
        if event.len() != self.inputs {
            return Err(TableError::InputLength { expected: self.inputs, got: event.len() });
        }
        Ok(self.mask_unchecked_len(event))
    }

    /// Masks for a row-major slice of raw events into `out` (values inside their formats, as
    /// for [`Evaluator::mask`]; not checked).
    pub fn mask_slice<T: Copy + Into<i32>>(
        &self,
        events: &[T],
        out: &mut [u64],
    ) -> Result<(), TableError> {
        check_events(events.len(), self.inputs, out.len())?;
        // Dispatch once per slice, so the event loop is specialised for the lane width.
        match &self.blocks {
            Lanes::Wide(b) => {
                for (m, event) in out.iter_mut().zip(events.chunks_exact(self.inputs)) {
                    *m = self.mask_with(b, event, wide_mask);
                }
            }
            Lanes::Narrow(b, true) => {
                for (m, event) in out.iter_mut().zip(events.chunks_exact(self.inputs)) {
                    *m = self.mask_with(b, event, narrow_mask::<true, T>);
                }
            }
            Lanes::Narrow(b, false) => {
                for (m, event) in out.iter_mut().zip(events.chunks_exact(self.inputs)) {
                    *m = self.mask_with(b, event, narrow_mask::<false, T>);
                }
            }
        }
        Ok(())
    }

    /// The mask of one float event, each input quantised with the evaluator's rounding first
    /// (equals [`FixedTable::mask_float`]).
    pub fn mask_float(&self, event: &[f64]) -> Result<u64, TableError> {
        if event.len() != self.inputs {
            return Err(TableError::InputLength { expected: self.inputs, got: event.len() });
        }
        let mut raw = [0i32; N];
        for ((r, &x), f) in raw.iter_mut().zip(event).zip(&self.formats) {
            // In range of i32: the format is at most 31 bits wide.
            *r = f.quantize(x, self.rounding) as i32;
        }
        Ok(self.mask_unchecked_len(&raw[..self.inputs]))
    }

    /// Masks for a row-major slice of float events into `out` (see [`Evaluator::mask_float`]).
    pub fn mask_float_slice(&self, events: &[f64], out: &mut [u64]) -> Result<(), TableError> {
        check_events(events.len(), self.inputs, out.len())?;
        for (m, event) in out.iter_mut().zip(events.chunks_exact(self.inputs)) {
            *m = self.mask_float(event)?;
        }
        Ok(())
    }

    /// The mask of an event whose length was checked.
    #[inline(always)]
    fn mask_unchecked_len<T: Copy + Into<i32>>(&self, event: &[T]) -> u64 {
        match &self.blocks {
            Lanes::Wide(b) => self.mask_with(b, event, wide_mask),
            Lanes::Narrow(b, true) => self.mask_with(b, event, narrow_mask::<true, T>),
            Lanes::Narrow(b, false) => self.mask_with(b, event, narrow_mask::<false, T>),
        }
    }

    /// The mask of an event over `blocks`, with `block_mask` evaluating one block of points.
    #[inline(always)]
    fn mask_with<B, T: Copy + Into<i32>>(
        &self,
        blocks: &[B],
        event: &[T],
        block_mask: impl Fn(&[B], &[B], &[T]) -> u16,
    ) -> u64 {
        let keep = if self.points < 64 { (1u64 << self.points) - 1 } else { u64::MAX };
        if self.points <= LANES {
            // One block of points: the common case, kept free of the loop below.
            let (lower, upper) = blocks.split_at(self.lower.min(blocks.len()));
            return block_mask(lower, upper, event) as u64 & keep;
        }
        let mut mask = 0u64;
        for (c, chunk) in blocks.chunks(self.slots.max(1)).enumerate() {
            let (lower, upper) = chunk.split_at(self.lower.min(chunk.len()));
            mask |= (block_mask(lower, upper, event) as u64) << (c * LANES);
        }
        mask & keep
    }
}

/// The strict lane threshold `T` of one cut (table in the module docs): `X > T` for lower
/// bounds, `X < T` for upper bounds.
fn lane_threshold(op: Op, decision: Decision, lo: i32, hi: i32) -> i32 {
    match decision {
        // Raw thresholds from `FixedCut::new` lie in [lo, hi]; clamp ones read from elsewhere
        // so the arithmetic cannot overflow (a clamped threshold keeps its answer on every
        // in-range input).
        Decision::Compare(t) => {
            let t = t.clamp(lo as i64 - 1, hi as i64 + 1) as i32;
            match op {
                Op::Gt | Op::Lt => t,
                Op::Ge => t - 1,
                Op::Le => t + 1,
            }
        }
        Decision::AlwaysPass if op.is_lower_bound() => lo - 1,
        Decision::AlwaysPass => hi + 1,
        Decision::AlwaysFail if op.is_lower_bound() => hi,
        Decision::AlwaysFail => lo,
    }
}

/// The 16 mask bits of one block of working points: AND over the lower-bound slots of
/// `x > T` and over the upper-bound slots of `x < T`.
///
/// Lane answers stay all-ones/all-zeros `i32` words (what a vector compare produces), so each
/// slot compiles to a broadcast, vector compares and ANDs; the bits are gathered once at the
/// end by masking each lane with its weight `1 << lane` and OR-reducing. (Keeping them as
/// `bool`s or bytes made LLVM move every lane through a scalar register.)
#[inline(always)]
fn wide_mask<T: Copy + Into<i32>>(lower: &[Block], upper: &[Block], event: &[T]) -> u16 {
    let mut acc = [-1i32; LANES];
    let value = |b: &Block| match event.get(b.input as usize) {
        Some(&v) => v.into(),
        None => 0,
    };
    for b in lower {
        let x = value(b);
        for (a, &t) in acc.iter_mut().zip(&b.t) {
            *a &= -((x > t) as i32);
        }
    }
    for b in upper {
        let x = value(b);
        for (a, &t) in acc.iter_mut().zip(&b.t) {
            *a &= -((x < t) as i32);
        }
    }
    let mut bits = 0i32;
    for (lane, a) in acc.iter().enumerate() {
        bits |= a & (1 << lane);
    }
    bits as u16
}

/// [`wide_mask`] on 16-bit lanes: the same comparisons, ORed with the always-pass lanes when
/// `PASS` (padding lanes need no OR: their bits are cleared afterwards). Raw values are inside
/// 16-bit formats here, so the cast to `i16` keeps them.
#[inline(always)]
fn narrow_mask<const PASS: bool, T: Copy + Into<i32>>(
    lower: &[Narrow],
    upper: &[Narrow],
    event: &[T],
) -> u16 {
    let mut acc = [-1i16; LANES];
    let value = |b: &Narrow| match event.get(b.input as usize) {
        Some(&v) => v.into() as i16,
        None => 0,
    };
    for b in lower {
        let x = value(b);
        for ((a, &t), &p) in acc.iter_mut().zip(&b.t).zip(&b.pass) {
            *a &= -((x > t) as i16) | if PASS { p } else { 0 };
        }
    }
    for b in upper {
        let x = value(b);
        for ((a, &t), &p) in acc.iter_mut().zip(&b.t).zip(&b.pass) {
            *a &= -((x < t) as i16) | if PASS { p } else { 0 };
        }
    }
    let mut bits = 0i16;
    for (lane, a) in acc.iter().enumerate() {
        bits |= a & (1 << lane);
    }
    bits as u16
}
