//! Fixed-point formats and cut tables whose comparisons are exact on the format's grid.
//!
//! A [`Format`] is what a firmware engineer would write as `ap_fixed<W, W-F>` (signed) or
//! `ap_ufixed<W, W-F>` (unsigned): a raw integer `X` of `W` bits standing for `x = X * 2^-F`.
//!
//! Quantising an input ([`Format::quantize`]) follows the HLS quantisation and overflow modes:
//! - [`Rounding::Truncate`] (`AP_TRN`): `X = floor(x * 2^F)`, toward minus infinity;
//! - [`Rounding::Round`] (`AP_RND`): `X = floor(x * 2^F + 1/2)`, halves toward plus infinity;
//! - then always saturate (`AP_SAT`) to the format's range; values never wrap.
//!
//! These match Vitis HLS (UG1399, and the open-source `ap_fixed_base.h` constructor from
//! `double`): the value is first rounded onto the grid, then checked for overflow, so an input
//! half an LSB or less below `max + 1 LSB` rounds up under `AP_RND` and then saturates to the
//! maximum, as here; infinities saturate to the end of their sign; a negative input too small to
//! scale is `-1 LSB` under `AP_TRN` and 0 under `AP_RND`, as here.
//!
//! One deliberate difference: a NaN input quantises to 0 here, whereas HLS does not support NaN
//! (the Vitis headers warn and then treat it as a huge number that saturates by its sign bit;
//! older Vivado simulation headers abort). Hardware never sees NaN and test vectors must not
//! contain it; the float path of [`CutTable`] is where NaN fails every cut.
//!
//! Thresholds are quantised ([`FixedCut::new`]) so that the integer comparison on the raw input
//! equals the float cut applied to the quantised input, exactly, for every representable input:
//!
//! | float cut | integer cut            |
//! |-----------|------------------------|
//! | `x > t`   | `X > floor(t * 2^F)`   |
//! | `x >= t`  | `X >= ceil(t * 2^F)`   |
//! | `x < t`   | `X < ceil(t * 2^F)`    |
//! | `x <= t`  | `X <= floor(t * 2^F)`  |
//!
//! When the integer threshold lies outside the format's range the cut cannot change its answer
//! on any input: it becomes [`Decision::AlwaysPass`] or [`Decision::AlwaysFail`], never a
//! wrapped constant.
//!
//! [`CutTable`]: crate::CutTable

use core::fmt;

use crate::cut::{check_events, check_shape, Op, Slot, TableError};

/// Widest supported raw input, in bits.
pub const MAX_WIDTH: u8 = 32;
/// Largest magnitude of the fractional-bit count `F`.
pub const MAX_FRAC: i8 = 32;

/// How a float input is mapped onto the grid before saturation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum Rounding {
    /// Toward minus infinity, like `AP_TRN` (the HLS default).
    #[default]
    Truncate,
    /// To the nearest grid point, halves toward plus infinity, like `AP_RND`.
    Round,
}

impl Rounding {
    /// The HLS quantisation-mode name: `AP_TRN` or `AP_RND`.
    pub const fn hls_name(self) -> &'static str {
        match self {
            Rounding::Truncate => "AP_TRN",
            Rounding::Round => "AP_RND",
        }
    }
}

/// A fixed-point format with `width` bits of which `frac` are fractional.
///
/// `frac` may be negative (a grid coarser than 1) or larger than `width` (all bits
/// fractional), as in `ap_fixed<W, I>` with `I = W - F` outside `0..=W`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Format {
    /// Two's-complement signed (`ap_fixed`) or unsigned (`ap_ufixed`).
    pub signed: bool,
    /// Total bits `W`, 1..=32 (2..=32 when signed).
    pub width: u8,
    /// Fractional bits `F`, -32..=32: `x = X * 2^-F`.
    pub frac: i8,
}

/// Why a [`Format`] was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatError {
    /// Width outside `1..=32` (or below 2 for a signed format).
    Width {
        /// The width given.
        width: u8,
        /// Whether the format was signed.
        signed: bool,
    },
    /// Fractional bits outside `-32..=32`.
    Frac {
        /// The fractional-bit count given.
        frac: i8,
    },
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            FormatError::Width { width, signed: true } => {
                write!(f, "signed fixed-point width {width} out of range, expected 2..=32 bits")
            }
            FormatError::Width { width, signed: false } => {
                write!(f, "unsigned fixed-point width {width} out of range, expected 1..=32 bits")
            }
            FormatError::Frac { frac } => write!(
                f,
                "fixed-point fractional bits {frac} out of range, expected -{MAX_FRAC}..={MAX_FRAC}"
            ),
        }
    }
}

impl Format {
    /// A checked format.
    pub const fn new(signed: bool, width: u8, frac: i8) -> Result<Format, FormatError> {
        let min_width = if signed { 2 } else { 1 };
        if width < min_width || width > MAX_WIDTH {
            return Err(FormatError::Width { width, signed });
        }
        if frac < -MAX_FRAC || frac > MAX_FRAC {
            return Err(FormatError::Frac { frac });
        }
        Ok(Format { signed, width, frac })
    }

    /// Checks a format built from its public fields (for example one read from a file).
    pub const fn validate(self) -> Result<Format, FormatError> {
        Format::new(self.signed, self.width, self.frac)
    }

    /// Smallest raw value: `-2^(W-1)` signed, 0 unsigned.
    pub const fn min_raw(self) -> i64 {
        if self.signed {
            -(1i64 << (self.width - 1))
        } else {
            0
        }
    }

    /// Largest raw value: `2^(W-1) - 1` signed, `2^W - 1` unsigned.
    pub const fn max_raw(self) -> i64 {
        if self.signed {
            (1i64 << (self.width - 1)) - 1
        } else {
            (1i64 << self.width) - 1
        }
    }

    /// `2^F`, exact.
    pub fn scale(self) -> f64 {
        libm::ldexp(1.0, self.frac as i32)
    }

    /// The value of one least-significant bit, `2^-F`, exact.
    pub fn lsb(self) -> f64 {
        libm::ldexp(1.0, -(self.frac as i32))
    }

    /// The real number a raw value stands for, `X * 2^-F`; exact for every raw value of the
    /// format (and for any `|X| <= 2^53`).
    pub fn value(self, raw: i64) -> f64 {
        libm::ldexp(raw as f64, -(self.frac as i32))
    }

    /// Smallest representable value.
    pub fn min_value(self) -> f64 {
        self.value(self.min_raw())
    }

    /// Largest representable value.
    pub fn max_value(self) -> f64 {
        self.value(self.max_raw())
    }

    /// Quantises `x` with `rounding` and saturates; NaN gives 0.
    pub fn quantize(self, x: f64, rounding: Rounding) -> i64 {
        if x.is_nan() {
            return 0;
        }
        let (lo, hi) = (self.min_raw(), self.max_raw());
        let scaled = self.scaled(x);
        // Saturate before rounding so the +1/2 below is exact (|scaled| <= 2^33 here).
        if scaled >= hi as f64 + 1.0 {
            return hi;
        }
        if scaled <= lo as f64 - 1.0 {
            return lo;
        }
        let r = match rounding {
            Rounding::Truncate => libm::floor(scaled),
            Rounding::Round => libm::floor(scaled + 0.5),
        };
        (r as i64).clamp(lo, hi)
    }

    /// Whether quantising `x` with `rounding` hits the format's range limit, that is the rounded
    /// grid value lies outside `[min_raw, max_raw]` and saturation changed it. NaN does not
    /// saturate (it quantises to 0).
    pub fn saturates(self, x: f64, rounding: Rounding) -> bool {
        if x.is_nan() {
            return false;
        }
        let (lo, hi) = (self.min_raw(), self.max_raw());
        let scaled = self.scaled(x);
        if scaled >= hi as f64 + 1.0 || scaled <= lo as f64 - 1.0 {
            return true;
        }
        let r = match rounding {
            Rounding::Truncate => libm::floor(scaled),
            Rounding::Round => libm::floor(scaled + 0.5),
        };
        r < lo as f64 || r > hi as f64
    }

    /// `x * 2^F` with its floor preserved when the product underflows to zero.
    fn scaled(self, x: f64) -> f64 {
        let s = libm::ldexp(x, self.frac as i32);
        if s == 0.0 && x < 0.0 {
            // A negative x too small to survive the scaling: floor is -1, and any stand-in in
            // (-1, 0) keeps that (and rounds to 0 under Round, as the exact value would).
            -f64::MIN_POSITIVE
        } else {
            s
        }
    }

    /// `floor(t * 2^F)` and `ceil(t * 2^F)` clamped to `[min - 1, max + 1]`, so that they fit in
    /// an `i64` whatever `t` is. `t` must not be NaN.
    fn grid_bounds(self, t: f64) -> (i64, i64) {
        let (lo, hi) = (self.min_raw() - 1, self.max_raw() + 1);
        let s = self.scaled(t);
        let clamp = |v: f64| {
            if v <= lo as f64 {
                lo
            } else if v >= hi as f64 {
                hi
            } else {
                v as i64
            }
        };
        (clamp(libm::floor(s)), clamp(libm::ceil(s)))
    }
}

/// Formats print as `u16.4` (unsigned, 16 bits, 4 fractional) or `s16.-2` (signed, 16 bits,
/// a grid step of 4); [`Format::from_str`](core::str::FromStr) reads the same syntax back.
impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.signed { 's' } else { 'u' };
        write!(f, "{sign}{}.{}", self.width, self.frac)
    }
}

/// Why a format string such as `u16.4` was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseFormatError {
    /// Not of the form `s<W>.<F>` or `u<W>.<F>`.
    Syntax,
    /// Well formed, but the width or fractional bits are out of range.
    Range(FormatError),
}

impl fmt::Display for ParseFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseFormatError::Syntax => f.write_str(
                "expected a fixed-point format 's<W>.<F>' or 'u<W>.<F>', e.g. 'u16.4' or 's12.-2'",
            ),
            ParseFormatError::Range(e) => write!(f, "{e}"),
        }
    }
}

impl core::str::FromStr for Format {
    type Err = ParseFormatError;

    /// Parses `s<W>.<F>` (signed) or `u<W>.<F>` (unsigned); `F` may be negative.
    fn from_str(s: &str) -> Result<Format, ParseFormatError> {
        let signed = match s.as_bytes().first() {
            Some(b's') => true,
            Some(b'u') => false,
            _ => return Err(ParseFormatError::Syntax),
        };
        let (w, f) = s[1..].split_once('.').ok_or(ParseFormatError::Syntax)?;
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        let f_digits = f.strip_prefix('-').unwrap_or(f);
        if !digits(w) || !digits(f_digits) {
            return Err(ParseFormatError::Syntax);
        }
        // Too many digits for the field is a range error, not a syntax error.
        let width = w.parse::<u8>().unwrap_or(u8::MAX);
        let frac = f.parse::<i8>().unwrap_or(if f.starts_with('-') { i8::MIN } else { i8::MAX });
        Format::new(signed, width, frac).map_err(ParseFormatError::Range)
    }
}

/// What a quantised cut does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Decision {
    /// Compare the raw input with this raw threshold, using the cut's operator.
    Compare(i64),
    /// The threshold is below (for `>`, `>=`) or above (for `<`, `<=`) every representable
    /// input: the cut passes everything.
    AlwaysPass,
    /// No representable input passes (or the threshold was NaN).
    AlwaysFail,
}

/// A cut quantised for one input format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FixedCut {
    /// The comparison, as in the float cut.
    pub op: Op,
    /// The raw threshold, or a constant answer.
    pub decision: Decision,
}

impl FixedCut {
    /// Quantises the float cut `x OP t` for inputs of `format` (rules in the module docs).
    pub fn new(op: Op, t: f64, format: Format) -> FixedCut {
        if t.is_nan() {
            return FixedCut { op, decision: Decision::AlwaysFail };
        }
        let (lo, hi) = (format.min_raw(), format.max_raw());
        let (floor, ceil) = format.grid_bounds(t);
        let decision = match op {
            Op::Gt if floor < lo => Decision::AlwaysPass,
            Op::Gt if floor >= hi => Decision::AlwaysFail,
            Op::Gt => Decision::Compare(floor),
            Op::Ge if ceil <= lo => Decision::AlwaysPass,
            Op::Ge if ceil > hi => Decision::AlwaysFail,
            Op::Ge => Decision::Compare(ceil),
            Op::Lt if ceil > hi => Decision::AlwaysPass,
            Op::Lt if ceil <= lo => Decision::AlwaysFail,
            Op::Lt => Decision::Compare(ceil),
            Op::Le if floor >= hi => Decision::AlwaysPass,
            Op::Le if floor < lo => Decision::AlwaysFail,
            Op::Le => Decision::Compare(floor),
        };
        FixedCut { op, decision }
    }

    /// Whether the raw input `x` passes.
    #[inline]
    pub fn passes(self, x: i64) -> bool {
        match self.decision {
            Decision::Compare(t) => match self.op {
                Op::Gt => x > t,
                Op::Ge => x >= t,
                Op::Lt => x < t,
                Op::Le => x <= t,
            },
            Decision::AlwaysPass => true,
            Decision::AlwaysFail => false,
        }
    }

    /// The exact grid value of the raw threshold (`None` for a constant cut).
    pub fn threshold_value(self, format: Format) -> Option<f64> {
        match self.decision {
            Decision::Compare(t) => Some(format.value(t)),
            _ => None,
        }
    }
}

/// A fixed-point cut table borrowed from caller storage: one [`Format`] per input, the slots,
/// and row-major by working point `cuts[p * slots.len() + s]`.
#[derive(Clone, Copy, Debug)]
pub struct FixedTable<'a> {
    formats: &'a [Format],
    slots: &'a [Slot],
    cuts: &'a [FixedCut],
    points: usize,
}

impl<'a> FixedTable<'a> {
    /// Checks the shape and builds the view.
    pub fn new(
        formats: &'a [Format],
        slots: &'a [Slot],
        cuts: &'a [FixedCut],
    ) -> Result<Self, TableError> {
        let points = check_shape(formats.len(), slots, cuts.len())?;
        Ok(FixedTable { formats, slots, cuts, points })
    }

    /// One format per input.
    pub fn formats(&self) -> &'a [Format] {
        self.formats
    }

    /// The cut slots.
    pub fn slots(&self) -> &'a [Slot] {
        self.slots
    }

    /// All cuts, row-major by working point.
    pub fn cuts(&self) -> &'a [FixedCut] {
        self.cuts
    }

    /// Number of working points.
    pub fn points(&self) -> usize {
        self.points
    }

    /// Values per event.
    pub fn inputs(&self) -> usize {
        self.formats.len()
    }

    /// The mask of working points a raw event passes (bit `p` = working point `p`).
    ///
    /// Every raw value must lie inside its input's format ([`Format::min_raw`] to
    /// [`Format::max_raw`], what [`Format::quantize`] produces): hardware cannot receive any
    /// other value, so one outside is [`TableError::RawOutOfRange`] rather than a mask.
    pub fn mask_raw(&self, event: &[i64]) -> Result<u64, TableError> {
        if event.len() != self.formats.len() {
            return Err(TableError::InputLength { expected: self.formats.len(), got: event.len() });
        }
        for (input, (&value, f)) in event.iter().zip(self.formats).enumerate() {
            let (min, max) = (f.min_raw(), f.max_raw());
            if value < min || value > max {
                return Err(TableError::RawOutOfRange { input, value, min, max });
            }
        }
        let s = self.slots.len();
        let mut mask = 0u64;
        for p in 0..self.points {
            let cuts = &self.cuts[p * s..(p + 1) * s];
            let pass =
                self.slots.iter().zip(cuts).all(|(sl, c)| c.passes(event[sl.input as usize]));
            mask |= (pass as u64) << p;
        }
        Ok(mask)
    }

    /// Masks for a row-major slice of raw events into `out`.
    pub fn mask_raw_slice(&self, events: &[i64], out: &mut [u64]) -> Result<(), TableError> {
        let inputs = self.formats.len();
        let n = check_events(events.len(), inputs, out.len())?;
        for (i, m) in out.iter_mut().enumerate().take(n) {
            *m = self.mask_raw(&events[i * inputs..(i + 1) * inputs])?;
        }
        Ok(())
    }

    /// The mask of working points a float event passes once each input is quantised with
    /// `rounding` ([`Format::quantize`]): what the firmware computes from the same event.
    ///
    /// Equals [`FixedTable::mask_raw`] on the quantised event; no buffer is needed because each
    /// slot quantises the input it reads.
    pub fn mask_float(&self, event: &[f64], rounding: Rounding) -> Result<u64, TableError> {
        if event.len() != self.formats.len() {
            return Err(TableError::InputLength { expected: self.formats.len(), got: event.len() });
        }
        let s = self.slots.len();
        let mut mask = 0u64;
        for p in 0..self.points {
            let cuts = &self.cuts[p * s..(p + 1) * s];
            let pass = self.slots.iter().zip(cuts).all(|(sl, c)| {
                let i = sl.input as usize;
                c.passes(self.formats[i].quantize(event[i], rounding))
            });
            mask |= (pass as u64) << p;
        }
        Ok(mask)
    }

    /// Masks for a row-major slice of float events into `out` (see [`FixedTable::mask_float`]).
    pub fn mask_float_slice(
        &self,
        events: &[f64],
        rounding: Rounding,
        out: &mut [u64],
    ) -> Result<(), TableError> {
        let inputs = self.formats.len();
        let n = check_events(events.len(), inputs, out.len())?;
        for (i, m) in out.iter_mut().enumerate().take(n) {
            *m = self.mask_float(&events[i * inputs..(i + 1) * inputs], rounding)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const Q16: Format = Format { signed: true, width: 16, frac: 4 };

    #[test]
    fn ranges_and_values() {
        assert_eq!((Q16.min_raw(), Q16.max_raw()), (-32768, 32767));
        assert_eq!(Q16.max_value(), 2047.9375);
        let u = Format::new(false, 32, 0).unwrap();
        assert_eq!(u.max_raw(), 4_294_967_295);
        assert!(Format::new(true, 1, 0).is_err());
        assert!(Format::new(false, 33, 0).is_err());
        assert!(Format::new(false, 8, 40).is_err());
    }

    #[test]
    fn quantize_truncates_rounds_and_saturates() {
        assert_eq!(Q16.quantize(1.03, Rounding::Truncate), 16);
        assert_eq!(Q16.quantize(-1.03, Rounding::Truncate), -17);
        assert_eq!(Q16.quantize(1.03125, Rounding::Round), 17); // exactly 16.5 -> 17
        assert_eq!(Q16.quantize(-1.03125, Rounding::Round), -16); // -16.5 -> -16
        assert_eq!(Q16.quantize(1e9, Rounding::Truncate), 32767);
        assert_eq!(Q16.quantize(f64::NEG_INFINITY, Rounding::Round), -32768);
        assert_eq!(Q16.quantize(f64::NAN, Rounding::Round), 0);
        assert_eq!(Q16.quantize(-1e-320, Rounding::Truncate), -1);
        assert_eq!(Q16.quantize(-1e-320, Rounding::Round), 0);
    }

    #[test]
    fn threshold_rules() {
        // t = 1.03: t*16 = 16.48, floor 16, ceil 17
        assert_eq!(FixedCut::new(Op::Gt, 1.03, Q16).decision, Decision::Compare(16));
        assert_eq!(FixedCut::new(Op::Ge, 1.03, Q16).decision, Decision::Compare(17));
        assert_eq!(FixedCut::new(Op::Lt, 1.03, Q16).decision, Decision::Compare(17));
        assert_eq!(FixedCut::new(Op::Le, 1.03, Q16).decision, Decision::Compare(16));
        assert_eq!(FixedCut::new(Op::Gt, 5000.0, Q16).decision, Decision::AlwaysFail);
        assert_eq!(FixedCut::new(Op::Lt, 5000.0, Q16).decision, Decision::AlwaysPass);
        assert_eq!(FixedCut::new(Op::Gt, f64::NEG_INFINITY, Q16).decision, Decision::AlwaysPass);
        assert_eq!(FixedCut::new(Op::Le, -3000.0, Q16).decision, Decision::AlwaysFail);
        // x > max-LSB keeps only max; x > max keeps nothing
        assert_eq!(FixedCut::new(Op::Gt, 2047.875, Q16).decision, Decision::Compare(32766));
        assert_eq!(FixedCut::new(Op::Gt, 2047.9375, Q16).decision, Decision::AlwaysFail);
        assert_eq!(FixedCut::new(Op::Ge, -2048.0, Q16).decision, Decision::AlwaysPass);
        assert_eq!(FixedCut::new(Op::Gt, 0.0, Q16).decision, Decision::Compare(0));
        assert_eq!(FixedCut::new(Op::Gt, f64::NAN, Q16).decision, Decision::AlwaysFail);
    }

    #[test]
    fn integer_cut_equals_float_cut_on_grid() {
        for &t in &[1.03, -1.03, 0.0, 2047.9, -2048.1, 0.0625, -0.0625, 1e-9, -1e-9] {
            for op in Op::ALL {
                let c = FixedCut::new(op, t, Q16);
                for raw in (-32768..=32767).step_by(7).chain([-32768, 32767]) {
                    assert_eq!(c.passes(raw), op.passes(Q16.value(raw), t), "{op} {t} {raw}");
                }
            }
        }
    }

    #[test]
    fn format_text_round_trips_and_rejects_junk() {
        extern crate std;
        use std::string::ToString;

        for f in
            [Q16, Format { signed: false, width: 8, frac: -3 }, Format::new(true, 32, 32).unwrap()]
        {
            let text = f.to_string();
            assert_eq!(text.parse::<Format>(), Ok(f), "{text}");
        }
        assert_eq!(Q16.to_string(), "s16.4");
        for bad in
            ["", "16.4", "x16.4", "u16", "u.4", "u16.", "u16.4.1", "u16.+4", "s-16.4", "u16.4x"]
        {
            assert_eq!(bad.parse::<Format>(), Err(ParseFormatError::Syntax), "{bad:?}");
        }
        assert!(matches!("u33.0".parse::<Format>(), Err(ParseFormatError::Range(_))));
        assert!(matches!("s1.0".parse::<Format>(), Err(ParseFormatError::Range(_))));
        assert!(matches!("u8.999".parse::<Format>(), Err(ParseFormatError::Range(_))));
        assert!(matches!("u999.0".parse::<Format>(), Err(ParseFormatError::Range(_))));
    }

    #[test]
    fn fixed_table_mask() {
        let formats = [Q16, Format { signed: false, width: 8, frac: 0 }];
        let slots = [Slot { input: 0, op: Op::Gt }, Slot { input: 1, op: Op::Le }];
        let cuts = [
            FixedCut::new(Op::Gt, 1.0, Q16),
            FixedCut::new(Op::Le, 100.0, formats[1]),
            FixedCut::new(Op::Gt, 2.0, Q16),
            FixedCut::new(Op::Le, 300.0, formats[1]),
        ];
        let t = FixedTable::new(&formats, &slots, &cuts).unwrap();
        assert_eq!(t.mask_raw(&[17, 100]).unwrap(), 0b01);
        assert_eq!(t.mask_raw(&[33, 255]).unwrap(), 0b10);
        assert_eq!(t.mask_raw(&[33, 50]).unwrap(), 0b11);
        assert!(FixedTable::new(&formats[..1], &slots, &cuts).is_err());
    }

    #[test]
    fn raw_value_outside_its_format_is_an_error_not_a_mask() {
        // 70000 on a u16 input used to give Ok(mask) although no u16 port can carry it.
        let u16f = Format { signed: false, width: 16, frac: 0 };
        let formats = [u16f, Q16];
        let slots = [Slot { input: 0, op: Op::Gt }, Slot { input: 1, op: Op::Lt }];
        let cuts = [FixedCut::new(Op::Gt, 10.0, u16f), FixedCut::new(Op::Lt, 5.0, Q16)];
        let t = FixedTable::new(&formats, &slots, &cuts).unwrap();
        let e = t.mask_raw(&[70_000, 0]).unwrap_err();
        assert_eq!(e, TableError::RawOutOfRange { input: 0, value: 70_000, min: 0, max: 65_535 });
        let mut text = heapless::String::<96>::new();
        core::fmt::Write::write_fmt(&mut text, format_args!("{e}")).unwrap();
        assert_eq!(
            text.as_str(),
            "raw value 70000 of input 0 is outside its fixed-point format (expected 0..=65535)"
        );
        let e = t.mask_raw(&[0, -32_769]).unwrap_err();
        assert_eq!(
            e,
            TableError::RawOutOfRange { input: 1, value: -32_769, min: -32_768, max: 32_767 }
        );
        assert!(t.mask_raw(&[-1, 0]).is_err());
        // The format's own extremes are fine.
        assert_eq!(t.mask_raw(&[65_535, -32_768]).unwrap(), 1);
        assert_eq!(t.mask_raw(&[0, 32_767]).unwrap(), 0);
        let mut out = [0u64; 2];
        assert!(t.mask_raw_slice(&[11, 0, 70_000, 0], &mut out).is_err());
    }
}
