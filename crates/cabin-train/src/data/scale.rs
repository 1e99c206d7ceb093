//! Standardisation of features and the default cut direction of each feature.

use cabin_infer::Op;

use super::error::DataError;
use super::Dataset;

/// Per-feature affine standardisation `z = (x - mean) / scale`.
///
/// `mean` is the unweighted mean and `scale` the population standard deviation
/// (`sqrt(sum (x - mean)^2 / n)`) of the rows the scaler was fitted on, computed in two passes
/// in `f64`. Weights are ignored on purpose: the scaler only conditions the optimisation, and
/// negative or wildly varying weights would make it unstable.
#[derive(Clone, Debug, PartialEq)]
pub struct Scaler {
    /// Offset per feature.
    pub mean: Vec<f64>,
    /// Scale per feature, positive and finite.
    pub scale: Vec<f64>,
}

impl Scaler {
    /// Fits on `rows` of `ds`.
    ///
    /// Errors: no rows, a row index out of range, or a feature that does not vary on these rows
    /// (all values equal, or a spread that is zero or not finite) as
    /// [`DataError::ConstantFeature`] naming it.
    pub fn fit(ds: &Dataset, rows: &[usize]) -> Result<Scaler, DataError> {
        if rows.is_empty() {
            return Err(DataError::NoRows);
        }
        if let Some(&row) = rows.iter().find(|&&r| r >= ds.len()) {
            return Err(DataError::RowOutOfRange { row, len: ds.len() });
        }
        let n = rows.len() as f64;
        let mut mean = Vec::with_capacity(ds.features.len());
        let mut scale = Vec::with_capacity(ds.features.len());
        for (name, col) in ds.features.iter().zip(&ds.columns) {
            let first = col[rows[0]];
            let constant = rows.iter().all(|&r| col[r] == first);
            let m = rows.iter().map(|&r| col[r]).sum::<f64>() / n;
            let var = rows.iter().map(|&r| (col[r] - m).powi(2)).sum::<f64>() / n;
            let s = var.sqrt();
            if constant || !(s.is_finite() && s > 0.0) {
                let value = if constant { first } else { s };
                return Err(DataError::ConstantFeature { feature: name.clone(), value });
            }
            mean.push(m);
            scale.push(s);
        }
        Ok(Scaler { mean, scale })
    }

    /// `(x - mean[k]) / scale[k]`.
    pub fn transform(&self, k: usize, x: f64) -> f64 {
        (x - self.mean[k]) / self.scale[k]
    }

    /// `mean[k] + scale[k] * z`, the inverse of [`Scaler::transform`].
    pub fn inverse(&self, k: usize, z: f64) -> f64 {
        self.mean[k] + self.scale[k] * z
    }
}

/// The default cut direction of each feature, from `rows` of `ds`.
///
/// `>` (keep events above the cut) when the weighted mean of the feature over signal rows is
/// greater than over background rows, else `<`. Standardising is increasing, so this is the
/// same comparison on standardised values. A class whose weights on these rows do not sum to a
/// positive number uses its unweighted mean; a class without rows counts as mean 0. Rows out
/// of range are ignored.
pub fn auto_directions(ds: &Dataset, rows: &[usize]) -> Vec<Op> {
    let rows: Vec<usize> = rows.iter().copied().filter(|&r| r < ds.len()).collect();
    let mean = |col: &[f64], sig: bool| -> f64 {
        let (mut sw, mut swx, mut n, mut sx) = (0.0, 0.0, 0usize, 0.0);
        for &r in rows.iter().filter(|&&r| ds.is_signal[r] == sig) {
            sw += ds.weights[r];
            swx += ds.weights[r] * col[r];
            n += 1;
            sx += col[r];
        }
        if sw > 0.0 {
            swx / sw
        } else if n > 0 {
            sx / n as f64
        } else {
            0.0
        }
    };
    ds.columns
        .iter()
        .map(|col| if mean(col, true) > mean(col, false) { Op::Gt } else { Op::Lt })
        .collect()
}
