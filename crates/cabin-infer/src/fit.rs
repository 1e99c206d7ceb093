//! Choosing a fixed-point format for a feature from its range and a bit budget.
//!
//! Given the smallest and largest value the format must hold without saturating and the width
//! `W`, [`fit_format`] returns the format with the most fractional bits `F` (the finest grid)
//! such that neither end saturates when quantised with the given rounding; the format is
//! unsigned when the smallest value is `>= 0`. Larger `F` only ever saturates more, so the
//! answer is the first `F` found scanning down from [`MAX_FRAC`].
//!
//! The data-driven part (which range: the data's minimum and maximum, or quantiles when a small
//! saturated fraction is allowed) lives in the trainer crate; this module only needs the range.

use core::fmt;

use crate::fixed::{Format, FormatError, Rounding, MAX_FRAC};

/// Why no format could be chosen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FitError {
    /// The range is empty (`min > max`) or not finite.
    Range {
        /// Smallest value given.
        min: f64,
        /// Largest value given.
        max: f64,
    },
    /// The width (with the needed signedness) is not a valid format.
    Format(FormatError),
    /// Even the coarsest grid (`F = -32`) of this width saturates on the range.
    TooNarrow {
        /// Smallest value given.
        min: f64,
        /// Largest value given.
        max: f64,
        /// The width given.
        width: u8,
    },
}

impl fmt::Display for FitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            FitError::Range { min, max } => write!(
                f,
                "value range [{min}, {max}] cannot be fitted, expected finite values with min <= max"
            ),
            FitError::Format(e) => write!(f, "{e}"),
            FitError::TooNarrow { min, max, width } => write!(
                f,
                "value range [{min}, {max}] does not fit in {width} bits with any grid step up to \
                 2^{MAX_FRAC}"
            ),
        }
    }
}

/// The finest format of `width` bits holding `[min, max]` without saturation; signed only when
/// `min < 0`.
pub fn fit_format(min: f64, max: f64, width: u8, rounding: Rounding) -> Result<Format, FitError> {
    fit_format_signed(min < 0.0, min, max, width, rounding)
}

/// Like [`fit_format`] with the signedness given (an unsigned format saturates every negative
/// value to 0, so `signed = false` with `min < 0` only fits when rounding brings `min` to 0).
pub fn fit_format_signed(
    signed: bool,
    min: f64,
    max: f64,
    width: u8,
    rounding: Rounding,
) -> Result<Format, FitError> {
    // NaN is not finite, so this also rejects NaN.
    if !min.is_finite() || !max.is_finite() || min > max {
        return Err(FitError::Range { min, max });
    }
    Format::new(signed, width, 0).map_err(FitError::Format)?;
    let mut frac = MAX_FRAC;
    loop {
        let f = Format { signed, width, frac };
        if !f.saturates(min, rounding) && !f.saturates(max, rounding) {
            return Ok(f);
        }
        if frac == -MAX_FRAC {
            return Err(FitError::TooNarrow { min, max, width });
        }
        frac -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_finest_grid_that_does_not_saturate() {
        // [0, 1000] in 16 unsigned bits: 1000 * 2^6 = 64000 <= 65535, 1000 * 2^7 does not fit.
        let f = fit_format(0.0, 1000.0, 16, Rounding::Truncate).unwrap();
        assert_eq!(f, Format { signed: false, width: 16, frac: 6 });
        // [-3.2, 3.2] signed 16: 3.2 * 2^13 = 26214.4 <= 32767, 3.2 * 2^14 = 52428.8 is not.
        let f = fit_format(-3.2, 3.2, 16, Rounding::Truncate).unwrap();
        assert_eq!(f, Format { signed: true, width: 16, frac: 13 });
        // -4.0 exactly is the signed 16-bit minimum at F = 13: representable, no saturation.
        let f = fit_format(-4.0, 1.0, 16, Rounding::Truncate).unwrap();
        assert_eq!(f.frac, 13);
    }

    #[test]
    fn rounding_up_to_max_plus_one_counts_as_saturation() {
        // u8.0: 255.4 truncates to 255 (fits), rounds to 255 (fits); 255.5 rounds to 256.
        assert!(!Format { signed: false, width: 8, frac: 0 }.saturates(255.4, Rounding::Round));
        assert!(Format { signed: false, width: 8, frac: 0 }.saturates(255.5, Rounding::Round));
        assert!(!Format { signed: false, width: 8, frac: 0 }.saturates(255.5, Rounding::Truncate));
        let f = fit_format(0.0, 255.5, 8, Rounding::Round).unwrap();
        assert_eq!(f.frac, -1);
        let f = fit_format(0.0, 255.5, 8, Rounding::Truncate).unwrap();
        assert_eq!(f.frac, 0);
    }

    #[test]
    fn degenerate_and_bad_ranges() {
        // A single value 0 fits anywhere: the finest grid.
        assert_eq!(fit_format(0.0, 0.0, 8, Rounding::Truncate).unwrap().frac, MAX_FRAC);
        assert!(matches!(fit_format(2.0, 1.0, 8, Rounding::Truncate), Err(FitError::Range { .. })));
        assert!(matches!(
            fit_format(0.0, f64::NAN, 8, Rounding::Truncate),
            Err(FitError::Range { .. })
        ));
        assert!(matches!(
            fit_format(0.0, f64::INFINITY, 8, Rounding::Truncate),
            Err(FitError::Range { .. })
        ));
        assert!(matches!(fit_format(-1.0, 1.0, 1, Rounding::Truncate), Err(FitError::Format(_))));
        assert!(matches!(
            fit_format(0.0, 1e300, 8, Rounding::Truncate),
            Err(FitError::TooNarrow { .. })
        ));
    }
}
