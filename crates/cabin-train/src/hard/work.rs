//! Shared machinery of refinement and recalibration: the events copied into dense local
//! arrays, per-feature sort orders, and the "move every cut together" shift onto a target.
//!
//! Single-cut decisions go through [`Op::passes`] from `cabin-infer`; nothing here compares a
//! value with a threshold in any other way.

use cabin_infer::{Op, Slot};

use super::{check_events, Events, HardError};

/// The events of one split in local, dense storage.
pub(crate) struct Work {
    /// Number of local events.
    pub n: usize,
    /// `x[k][i]`: input `k` of local event `i`.
    pub x: Vec<Vec<f64>>,
    /// Weight of each local event.
    pub w: Vec<f64>,
    /// Class of each local event.
    pub sig: Vec<bool>,
    /// Total signal weight.
    pub sum_sig: f64,
    /// Total background weight.
    pub sum_bkg: f64,
    /// Scale (standard deviation) per input: the unit in which cuts are shifted together.
    pub scales: Vec<f64>,
    /// Per input: the events sorted by value, NaN values left out.
    pub sorted: Vec<Sorted>,
    /// Per input: how far outside the data range an inactive cut is put.
    pub pad: Vec<f64>,
    /// Per input: its distinct values in ascending order, NaN left out.
    pub distinct: Vec<Vec<f64>>,
    /// `rank[k][i]`: index of input `k` of local event `i` in `distinct[k]`; `u32::MAX` for NaN.
    pub rank: Vec<Vec<u32>>,
    /// No weight is negative (the pair search needs it).
    pub nonneg: bool,
}

impl Work {
    /// Copies the rows of `ev` and checks them; `scales` defaults to each input's standard
    /// deviation over the rows (1 for a constant input).
    pub fn new(inputs: usize, ev: &Events, scales: Option<&[f64]>) -> Result<Work, HardError> {
        let totals = check_events(inputs, ev)?;
        let n = ev.rows.len();
        let x: Vec<Vec<f64>> =
            ev.columns.iter().map(|c| ev.rows.iter().map(|&r| c[r]).collect()).collect();
        let w = ev.rows.iter().map(|&r| ev.weights[r]).collect();
        let sig = ev.rows.iter().map(|&r| ev.is_signal[r]).collect();
        let scales = match scales {
            Some(s) => {
                if s.len() != inputs {
                    return Err(HardError::BadScale { input: s.len(), scale: f64::NAN });
                }
                if let Some((input, &scale)) =
                    s.iter().enumerate().find(|(_, v)| !(v.is_finite() && **v > 0.0))
                {
                    return Err(HardError::BadScale { input, scale });
                }
                s.to_vec()
            }
            None => x.iter().map(|c: &Vec<f64>| std_dev(c)).collect(),
        };
        let mut sorted = Vec::with_capacity(inputs);
        let mut pad = Vec::with_capacity(inputs);
        let mut distinct = Vec::with_capacity(inputs);
        let mut rank = Vec::with_capacity(inputs);
        for (c, &scale) in x.iter().zip(&scales) {
            let mut idx: Vec<u32> = (0..n as u32).filter(|&i| !c[i as usize].is_nan()).collect();
            idx.sort_unstable_by(|&a, &b| c[a as usize].total_cmp(&c[b as usize]));
            let mut d: Vec<f64> = Vec::new();
            let mut r = vec![u32::MAX; n];
            for &i in &idx {
                let v = c[i as usize];
                // `==`, not `total_cmp`: -0.0 and 0.0 pass and fail every cut together.
                if d.last() != Some(&v) {
                    d.push(v);
                }
                r[i as usize] = (d.len() - 1) as u32;
            }
            distinct.push(d);
            rank.push(r);
            let v = idx.iter().map(|&i| c[i as usize]).collect();
            let sw = idx.iter().map(|&i| ev.weights[ev.rows[i as usize]]).collect();
            let ss = idx.iter().map(|&i| ev.is_signal[ev.rows[i as usize]]).collect();
            sorted.push(Sorted { idx, v, w: sw, sig: ss });
            pad.push(0.01 * scale);
        }
        Ok(Work {
            n,
            x,
            w,
            sig,
            sum_sig: totals.sum_sig,
            sum_bkg: totals.sum_bkg,
            scales,
            sorted,
            pad,
            distinct,
            rank,
            nonneg: ev.rows.iter().all(|&r| ev.weights[r] >= 0.0),
        })
    }

    /// Passing signal and background weight of one working point's thresholds.
    pub fn pass_sums(&self, slots: &[Slot], th: &[f64]) -> (f64, f64) {
        let (mut s, mut b) = (0.0, 0.0);
        for i in 0..self.n {
            if slots.iter().zip(th).all(|(sl, &t)| sl.op.passes(self.x[sl.input as usize][i], t)) {
                if self.sig[i] {
                    s += self.w[i];
                } else {
                    b += self.w[i];
                }
            }
        }
        (s, b)
    }

    /// Signal weight an efficiency of `target` needs, less a rounding allowance.
    pub fn need(&self, target: f64) -> f64 {
        target * self.sum_sig - 1e-12 * self.sum_sig.abs()
    }

    /// The thresholds `th` with every cut moved by `delta` scales in its loosening direction
    /// (negative `delta` tightens).
    pub fn shifted(&self, slots: &[Slot], th: &[f64], delta: f64) -> Vec<f64> {
        slots
            .iter()
            .zip(th)
            .map(|(s, &t)| {
                let step = delta * self.scales[s.input as usize];
                if s.op.is_lower_bound() {
                    t - step
                } else {
                    t + step
                }
            })
            .collect()
    }

    /// Margin of every event in scale units: `min_s sign_s * (x - t_s) / scale`, with sign
    /// `+1` for lower bounds; `-inf` for an event with a NaN input. An event passes the cuts
    /// shifted by `delta` iff its margin is above `-delta` (up to ties for `>=` and `<=`).
    fn margins(&self, slots: &[Slot], th: &[f64]) -> Vec<f64> {
        (0..self.n)
            .map(|i| {
                let mut m = f64::INFINITY;
                for (s, &t) in slots.iter().zip(th) {
                    let k = s.input as usize;
                    let d = (self.x[k][i] - t) / self.scales[k];
                    let d = if s.op.is_lower_bound() { d } else { -d };
                    m = if d.is_nan() { f64::NEG_INFINITY } else { m.min(d) };
                }
                m
            })
            .collect()
    }

    /// The common shift (in scales, positive = looser) that brings the hard signal efficiency
    /// of `th` to `target`: the tightest shift whose passing signal weight reaches
    /// `target * sum_sig`, placed halfway to the next signal event's margin. Returns the shift
    /// and the shifted thresholds; `None` if no shift reaches the target (NaN signal inputs).
    pub fn shift_to_target(
        &self,
        slots: &[Slot],
        th: &[f64],
        target: f64,
    ) -> Option<(f64, Vec<f64>)> {
        let m = self.margins(slots, th);
        let mut sig: Vec<(f64, f64)> = (0..self.n)
            .filter(|&i| self.sig[i] && m[i] > f64::NEG_INFINITY)
            .map(|i| (m[i], self.w[i]))
            .collect();
        sig.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
        let need = self.need(target);

        // Group equal margins (they pass or fail together); candidate boundaries are the ends
        // of groups, in order of loosening.
        let mut cum = 0.0;
        let mut j = 0;
        let mut candidates = Vec::new();
        if need <= 0.0 {
            let top = sig.first().map_or(0.0, |s| s.0);
            candidates.push(-(top + 1.0));
        }
        while j < sig.len() {
            let v = sig[j].0;
            while j < sig.len() && sig[j].0 == v {
                cum += sig[j].1;
                j += 1;
            }
            if cum >= need {
                let delta = match sig.get(j) {
                    Some(&(next, _)) if next > f64::NEG_INFINITY => -(v + next) / 2.0,
                    _ => -v + 1.0,
                };
                candidates.push(delta);
                // The halfway point can round onto an event; the next boundaries are fallbacks.
                if candidates.len() >= 4 {
                    break;
                }
            }
        }
        for delta in candidates {
            let t = self.shifted(slots, th, delta);
            if self.pass_sums(slots, &t).0 >= need {
                return Some((delta, t));
            }
        }
        None
    }
}

/// The events of one input in value order, with their weights and classes alongside so that
/// a scan reads memory in order.
pub(crate) struct Sorted {
    /// Local event index.
    pub idx: Vec<u32>,
    /// Value.
    pub v: Vec<f64>,
    /// Weight.
    pub w: Vec<f64>,
    /// Class.
    pub sig: Vec<bool>,
}

/// Population standard deviation of the non-NaN values; 1 if it is zero or undefined.
fn std_dev(c: &[f64]) -> f64 {
    let (mut n, mut mean, mut m2) = (0.0f64, 0.0f64, 0.0f64);
    for &v in c.iter().filter(|v| v.is_finite()) {
        n += 1.0;
        let d = v - mean;
        mean += d / n;
        m2 += d * (v - mean);
    }
    let sd = (m2 / n).sqrt();
    if sd.is_finite() && sd > 0.0 {
        sd
    } else {
        1.0
    }
}

/// A threshold strictly between the sorted values `lo < hi` such that `lo` and `hi` fall on
/// different sides of the cut `op` (as `cabin-infer` decides it): `pref` if it qualifies, else
/// the midpoint, else one of the two values themselves.
pub(crate) fn split(op: Op, lo: f64, hi: f64, pref: Option<f64>) -> Option<f64> {
    let ok = |t: f64| op.passes(lo, t) != op.passes(hi, t);
    let inside = |t: f64| t > lo && t < hi && ok(t);
    if let Some(p) = pref.filter(|&p| inside(p)) {
        return Some(p);
    }
    [lo + (hi - lo) / 2.0, lo, hi].into_iter().find(|&t| ok(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_separates_with_every_operator() {
        for op in Op::ALL {
            let t = split(op, 1.0, 2.0, None).unwrap();
            assert_eq!(t, 1.5);
            assert_ne!(op.passes(1.0, t), op.passes(2.0, t));
            assert_eq!(split(op, 1.0, 2.0, Some(1.9)), Some(1.9));
            assert_eq!(split(op, 1.0, 2.0, Some(2.5)), Some(1.5));
            // Adjacent floats: no value strictly between, the strictness decides.
            let hi = f64::from_bits(1.0f64.to_bits() + 1);
            let t = split(op, 1.0, hi, None).unwrap();
            assert_ne!(op.passes(1.0, t), op.passes(hi, t), "{op}");
        }
    }

    #[test]
    fn std_dev_of_constant_is_one() {
        assert_eq!(std_dev(&[3.0, 3.0]), 1.0);
        assert_eq!(std_dev(&[]), 1.0);
        assert!((std_dev(&[1.0, 3.0, f64::NAN]) - 1.0).abs() < 1e-15);
    }
}
