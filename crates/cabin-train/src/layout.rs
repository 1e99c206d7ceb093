//! Which cut slots a training run learns, and how they map onto kernel columns.
//!
//! A feature with a one-sided cut has one slot (`x > c` or `x < c`, its direction); a *window*
//! feature (`--window mass`) has two, `x > lo` and `x < hi`. The fused kernel knows nothing of
//! features: each slot is one kernel column (the slot's input, standardised) with sign `s = +1`
//! for `>` and `-1` for `<`, so a window is the same column twice with opposite signs and the
//! CABIN score is `sigmoid(n (x - lo)) * sigmoid(n (hi - x)) * ...`. The bias of slot `j` at
//! working point `e` is `b_ej`, its cut `c = -b_ej * s_j` in standardised units of its input.
//!
//! Quantile start ([`Layout::initial_biases`]): with `m` cut features and target `t`, every
//! feature keeps `t^(1/m)` of the signal on its own; a one-sided cut sits at the signal quantile
//! that does so, a window at the central interval (quantiles `(1 - keep)/2` and `(1 + keep)/2`).

use cabin_infer::{Op, Slot};

use crate::data::Scaler;

/// The slots of a run and their kernel signs.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    /// One per kernel column, in table order; a window's two slots are adjacent (`>` first).
    pub slots: Vec<Slot>,
    /// `+1` for `>`, `-1` for `<`, per slot.
    pub sign: Vec<f64>,
    /// Number of distinct inputs cut.
    pub features: usize,
}

impl Layout {
    /// Slots for cutting the inputs `inputs` (indices into the dataset's features) with
    /// directions `ops[input]`; inputs listed in `windows` get a `>` and a `<` slot instead.
    pub fn new(inputs: &[usize], ops: &[Op], windows: &[usize]) -> Layout {
        let mut slots = Vec::new();
        for &k in inputs {
            if windows.contains(&k) {
                slots.push(Slot { input: k as u16, op: Op::Gt });
                slots.push(Slot { input: k as u16, op: Op::Lt });
            } else {
                let op = if ops[k].is_lower_bound() { Op::Gt } else { Op::Lt };
                slots.push(Slot { input: k as u16, op });
            }
        }
        let sign = slots.iter().map(|s| if s.op.is_lower_bound() { 1.0 } else { -1.0 }).collect();
        Layout { slots, sign, features: inputs.len() }
    }

    /// Number of slots (kernel columns).
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True when there is no slot.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Kernel columns from standardised per-input columns: slot `j` gets input `slots[j].input`.
    pub fn columns(&self, standardised: &[Vec<f64>]) -> Vec<Vec<f64>> {
        self.slots.iter().map(|s| standardised[s.input as usize].clone()).collect()
    }

    /// Physical thresholds, row-major `points x slots`, from biases of the same shape.
    pub fn thresholds(&self, biases: &[f64], scaler: &Scaler) -> Vec<f64> {
        let s = self.len();
        biases
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                let j = i % s;
                scaler.inverse(self.slots[j].input as usize, -b * self.sign[j])
            })
            .collect()
    }

    /// Quantile start (see the module documentation), row-major `targets x slots`, from the
    /// standardised per-input columns, labels and weights.
    pub fn initial_biases(
        &self,
        targets: &[f64],
        standardised: &[Vec<f64>],
        y: &[bool],
        w: &[f64],
    ) -> Vec<f64> {
        let sig_w: Vec<f64> = y.iter().zip(w).filter(|(s, _)| **s).map(|(_, w)| *w).collect();
        let sig = |k: usize| -> Vec<f64> {
            standardised[k].iter().zip(y).filter(|(_, s)| **s).map(|(v, _)| *v).collect()
        };
        let cols: Vec<Vec<f64>> = self.slots.iter().map(|s| sig(s.input as usize)).collect();
        let m = self.features.max(1) as f64;
        let mut b = Vec::with_capacity(targets.len() * self.len());
        for &t in targets {
            let keep = t.powf(1.0 / m);
            for (j, s) in self.slots.iter().enumerate() {
                let window = self.slots.iter().filter(|o| o.input == s.input).count() == 2;
                let level = match (window, s.op.is_lower_bound()) {
                    (true, true) => (1.0 - keep) / 2.0,
                    (true, false) => (1.0 + keep) / 2.0,
                    (false, true) => 1.0 - keep,
                    (false, false) => keep,
                };
                let c = weighted_quantile(&cols[j], &sig_w, level);
                b.push(-c * self.sign[j]);
            }
        }
        b
    }
}

/// Indices of the window features named in `windows` among `features`.
///
/// # Errors
/// [`LayoutError`] for a name that is not a feature, or one listed twice.
pub fn window_inputs(features: &[String], windows: &[String]) -> Result<Vec<usize>, LayoutError> {
    let mut out = Vec::with_capacity(windows.len());
    for name in windows {
        let Some(k) = features.iter().position(|f| f == name) else {
            let have = features.join(", ");
            return Err(LayoutError::UnknownWindow { feature: name.clone(), have });
        };
        if out.contains(&k) {
            return Err(LayoutError::DuplicateWindow { feature: name.clone() });
        }
        out.push(k);
    }
    Ok(out)
}

/// Why window settings were rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// A window on a feature that is not loaded.
    #[error("window requested on '{feature}', which is not a feature (have: {have})")]
    UnknownWindow {
        /// The name given.
        feature: String,
        /// The features.
        have: String,
    },
    /// The same window twice.
    #[error("window on '{feature}' is listed twice")]
    DuplicateWindow {
        /// The name given.
        feature: String,
    },
}

/// The weighted `level`-quantile of `values` (positive weight mass; negative weights count
/// as zero here, which only affects the starting point).
pub fn weighted_quantile(values: &[f64], weights: &[f64], level: f64) -> f64 {
    let mut idx: Vec<usize> = (0..values.len()).collect();
    idx.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let total: f64 = weights.iter().map(|w| w.max(0.0)).sum();
    let mut acc = 0.0;
    for &i in &idx {
        acc += weights[i].max(0.0);
        if acc >= level * total {
            return values[i];
        }
    }
    idx.last().map_or(0.0, |&i| values[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_is_two_adjacent_slots_on_one_input() {
        let l = Layout::new(&[0, 1, 2], &[Op::Gt, Op::Lt, Op::Ge], &[1]);
        let want = [
            Slot { input: 0, op: Op::Gt },
            Slot { input: 1, op: Op::Gt },
            Slot { input: 1, op: Op::Lt },
            Slot { input: 2, op: Op::Gt },
        ];
        assert_eq!(l.slots, want);
        assert_eq!(l.sign, [1.0, 1.0, -1.0, 1.0]);
        assert_eq!(l.features, 3);
        let cols = vec![vec![1.0], vec![2.0], vec![3.0]];
        assert_eq!(l.columns(&cols), [vec![1.0], vec![2.0], vec![2.0], vec![3.0]]);
    }

    #[test]
    fn window_names_must_be_features() {
        let f: Vec<String> = ["a", "mass"].iter().map(|s| s.to_string()).collect();
        assert_eq!(window_inputs(&f, &["mass".into()]).unwrap(), [1]);
        let e = window_inputs(&f, &["m".into()]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "window requested on 'm', which is not a feature (have: a, mass)"
        );
        assert!(window_inputs(&f, &["a".into(), "a".into()]).is_err());
    }

    #[test]
    fn window_start_is_the_central_signal_interval() {
        let l = Layout::new(&[0], &[Op::Gt], &[0]);
        let x: Vec<f64> = (0..100).map(|i| i as f64).collect();
        let y = vec![true; 100];
        let w = vec![1.0; 100];
        let b = l.initial_biases(&[0.5], &[x], &y, &w);
        // keep 0.5: from the 25% to the 75% quantile; c = -b * s.
        assert_eq!(b, [-24.0, 74.0]);
        let sc = Scaler { mean: vec![10.0], scale: vec![2.0] };
        assert_eq!(l.thresholds(&b, &sc), [58.0, 158.0]);
    }
}
