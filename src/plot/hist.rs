//! The numbers behind the figures: weighted histograms, axis ranges, working-point lookup.

/// A weighted histogram normalised to unit area over all of a class's weight: `density[b]` is
/// the weight in bin `b` divided by the class total and by the bin width, so events outside
/// `[lo, hi)` lower the visible area below 1 rather than piling up in the edge bins.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    /// Lower edge of the first bin.
    pub lo: f64,
    /// Upper edge of the last bin.
    pub hi: f64,
    /// Density per bin.
    pub density: Vec<f64>,
}

impl Histogram {
    /// Fills `bins` equal bins over `[lo, hi)` (the last bin also takes `hi`) with the events
    /// of `values` whose `select` is true. `None` when the selected weight is not positive,
    /// the range is empty or `bins` is 0.
    pub fn fill(
        values: &[f64],
        weights: &[f64],
        select: impl Fn(usize) -> bool,
        lo: f64,
        hi: f64,
        bins: usize,
    ) -> Option<Histogram> {
        if bins == 0 || hi <= lo || !lo.is_finite() || !hi.is_finite() {
            return None;
        }
        let width = (hi - lo) / bins as f64;
        let mut sum = vec![0.0; bins];
        let mut total = 0.0;
        for (i, (&v, &w)) in values.iter().zip(weights).enumerate() {
            if !select(i) {
                continue;
            }
            total += w;
            if v < lo || v > hi || !v.is_finite() {
                continue;
            }
            let b = (((v - lo) / width) as usize).min(bins - 1);
            sum[b] += w;
        }
        if total <= 0.0 {
            return None;
        }
        Some(Histogram { lo, hi, density: sum.iter().map(|s| s / total / width).collect() })
    }

    /// Width of one bin.
    pub fn width(&self) -> f64 {
        (self.hi - self.lo) / self.density.len().max(1) as f64
    }

    /// The outline as a step line: `(x, y)` corners from `(lo, 0)` to `(hi, 0)`.
    pub fn steps(&self) -> Vec<(f64, f64)> {
        let w = self.width();
        let mut pts = Vec::with_capacity(2 * self.density.len() + 2);
        pts.push((self.lo, 0.0));
        for (b, &d) in self.density.iter().enumerate() {
            let x0 = self.lo + b as f64 * w;
            pts.push((x0, d));
            pts.push((x0 + w, d));
        }
        pts.push((self.hi, 0.0));
        pts
    }

    /// Highest density.
    pub fn max(&self) -> f64 {
        self.density.iter().copied().fold(0.0, f64::max)
    }
}

/// The `q` and `1 - q` quantiles of the finite values (nearest rank), widened to a non-empty
/// interval: the range a histogram shows without letting far tails squeeze the bulk.
pub fn quantile_range(values: &[f64], q: f64) -> Option<(f64, f64)> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let at = |p: f64| v[((p * (v.len() - 1) as f64).round() as usize).min(v.len() - 1)];
    let (lo, hi) = (at(q.clamp(0.0, 0.5)), at(1.0 - q.clamp(0.0, 0.5)));
    Some(widen(lo, hi))
}

/// `[lo, hi]` with 5% padding on each side; a single value becomes an interval around it.
pub fn padded(lo: f64, hi: f64) -> (f64, f64) {
    let (lo, hi) = widen(lo, hi);
    let pad = 0.05 * (hi - lo);
    (lo - pad, hi + pad)
}

fn widen(lo: f64, hi: f64) -> (f64, f64) {
    if hi > lo {
        (lo, hi)
    } else {
        let d = if lo == 0.0 { 1.0 } else { 0.1 * lo.abs() };
        (lo - d, hi + d)
    }
}

/// The range of the finite values, or `None` when there are none.
pub fn finite_range(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values.into_iter().filter(|v| v.is_finite()).fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// A log axis range covering the positive values: from a power of ten at or below the
/// smallest (but not below `floor`) to a power of ten at or above the largest.
pub fn log_range(values: impl IntoIterator<Item = f64>, floor: f64) -> (f64, f64) {
    let (lo, hi) = finite_range(values.into_iter().filter(|v| *v > 0.0)).unwrap_or((floor, 1.0));
    let lo = 10f64.powf(lo.max(floor).log10().floor());
    let mut hi = 10f64.powf(hi.log10().ceil());
    if hi <= lo {
        hi = lo * 10.0;
    }
    (lo, hi)
}

/// Index of the working point whose target is nearest `point` (the first on a tie).
pub fn nearest_target(targets: &[f64], point: f64) -> Option<usize> {
    targets
        .iter()
        .enumerate()
        .filter(|(_, t)| t.is_finite())
        .min_by(|a, b| (a.1 - point).abs().total_cmp(&(b.1 - point).abs()))
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_normalised_over_the_class_weight() {
        let v = [0.1, 0.2, 0.6, 0.9, 5.0];
        let w = [1.0, 1.0, 2.0, 1.0, 1.0];
        let h = Histogram::fill(&v, &w, |i| i != 4, 0.0, 1.0, 2).unwrap();
        // Bin width 0.5; class weight 5: [0, 0.5) holds 2, [0.5, 1] holds 3.
        assert_eq!(h.density, vec![2.0 / 5.0 / 0.5, 3.0 / 5.0 / 0.5]);
        let area: f64 = h.density.iter().map(|d| d * h.width()).sum();
        assert!((area - 1.0).abs() < 1e-12);

        // Out-of-range events count in the total, not in a bin.
        let all = Histogram::fill(&v, &w, |_| true, 0.0, 1.0, 2).unwrap();
        let area: f64 = all.density.iter().map(|d| d * all.width()).sum();
        assert!((area - 5.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn histogram_refuses_empty_selections_and_ranges() {
        assert!(Histogram::fill(&[1.0], &[1.0], |_| false, 0.0, 2.0, 4).is_none());
        assert!(Histogram::fill(&[1.0], &[1.0], |_| true, 2.0, 2.0, 4).is_none());
        assert!(Histogram::fill(&[1.0], &[1.0], |_| true, 0.0, 2.0, 0).is_none());
    }

    #[test]
    fn steps_trace_the_bins() {
        let h = Histogram { lo: 0.0, hi: 2.0, density: vec![0.5, 1.0] };
        assert_eq!(
            h.steps(),
            vec![(0.0, 0.0), (0.0, 0.5), (1.0, 0.5), (1.0, 1.0), (2.0, 1.0), (2.0, 0.0)]
        );
    }

    #[test]
    fn quantile_range_drops_tails_and_widens_constants() {
        let mut v: Vec<f64> = (0..=1000).map(f64::from).collect();
        v.push(1e9);
        let (lo, hi) = quantile_range(&v, 0.01).unwrap();
        assert!((9.0..=11.0).contains(&lo), "{lo}");
        assert!((989.0..=992.0).contains(&hi), "{hi}");
        assert_eq!(quantile_range(&[3.0, 3.0], 0.01), Some((2.7, 3.3)));
        assert_eq!(quantile_range(&[f64::NAN], 0.01), None);
    }

    #[test]
    fn log_range_snaps_to_decades() {
        assert_eq!(log_range([0.003, 0.2, 0.0], 1e-6), (1e-3, 1.0));
        assert_eq!(log_range([1e-9, 0.5], 1e-4), (1e-4, 1.0));
        assert_eq!(log_range(std::iter::empty(), 1e-4), (1e-4, 1.0));
        assert_eq!(log_range([1.0], 1e-4), (1.0, 10.0));
    }

    #[test]
    fn nearest_target_picks_the_closest() {
        assert_eq!(nearest_target(&[0.1, 0.3, 0.5, 0.7], 0.55), Some(2));
        assert_eq!(nearest_target(&[0.1, 0.4], 0.2), Some(0));
        // An exact tie goes to the first.
        assert_eq!(nearest_target(&[0.25, 0.75], 0.5), Some(0));
        assert_eq!(nearest_target(&[], 0.2), None);
    }
}
