//! Nesting: make every cut loosen monotonically as the target efficiency rises.
//!
//! A scan of working points is easiest to use (and to build in firmware) when its selections
//! are nested: an event passing a tight working point passes every looser one. With one cut
//! per feature that holds exactly when, in target order, every lower bound (`>`, `>=`) is
//! non-increasing and every upper bound (`<`, `<=`) non-decreasing.
//!
//! [`nest`] projects each cut's sequence onto that constraint with the pool-adjacent-violators
//! algorithm: the least-squares closest monotone sequence (isotonic regression, equal
//! weights). Runs of working points that violate the order are replaced by their mean; genuine
//! jumps in the loosening direction are kept as they are. It knows nothing about events, so a
//! recalibration onto the targets should follow.

use cabin_infer::doc::OwnedTable;

use super::recal::check_targets;
use super::HardError;

/// Makes the selections of `table` nested in the order of `targets` (see the module
/// documentation); returns how many thresholds changed.
///
/// # Errors
/// [`HardError`] for a malformed table or targets that do not match its working points.
pub fn nest(table: &mut OwnedTable, targets: &[f64]) -> Result<usize, HardError> {
    let view = table.view()?;
    let points = view.points();
    check_targets(targets, points)?;
    let mut order: Vec<usize> = (0..points).collect();
    order.sort_by(|&a, &b| targets[a].total_cmp(&targets[b]));
    let s = table.slots.len();
    let mut changed = 0;
    for j in 0..s {
        // Lower bounds must fall as the target rises: negate them so every sequence rises.
        let sign = if table.slots[j].op.is_lower_bound() { -1.0 } else { 1.0 };
        let seq: Vec<f64> = order.iter().map(|&p| sign * table.thresholds[p * s + j]).collect();
        let fit = isotonic(&seq);
        for (&p, (&old, &new)) in order.iter().zip(seq.iter().zip(&fit)) {
            if new != old {
                table.thresholds[p * s + j] = sign * new;
                changed += 1;
            }
        }
    }
    Ok(changed)
}

/// The non-decreasing sequence closest to `y` in least squares (pool adjacent violators).
fn isotonic(y: &[f64]) -> Vec<f64> {
    // Blocks of pooled values: (mean, count).
    let mut blocks: Vec<(f64, usize)> = Vec::with_capacity(y.len());
    for &v in y {
        blocks.push((v, 1));
        while blocks.len() > 1 {
            let (b, nb) = blocks[blocks.len() - 1];
            let (a, na) = blocks[blocks.len() - 2];
            if a <= b {
                break;
            }
            blocks.pop();
            let n = na + nb;
            let last = blocks.len() - 1;
            blocks[last] = ((a * na as f64 + b * nb as f64) / n as f64, n);
        }
    }
    blocks.into_iter().flat_map(|(v, n)| std::iter::repeat_n(v, n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cabin_infer::{Op, Slot};

    #[test]
    fn isotonic_pools_violators_and_keeps_monotone_input() {
        assert_eq!(isotonic(&[1.0, 2.0, 5.0]), vec![1.0, 2.0, 5.0]);
        assert_eq!(isotonic(&[1.0, 3.0, 2.0, 4.0]), vec![1.0, 2.5, 2.5, 4.0]);
        assert_eq!(isotonic(&[3.0, 2.0, 1.0]), vec![2.0, 2.0, 2.0]);
        assert!(isotonic(&[]).is_empty());
        let y = [0.3, -1.0, 2.0, 1.9, 1.8, 5.0, 4.0];
        let f = isotonic(&y);
        assert!(f.windows(2).all(|w| w[0] <= w[1]), "{f:?}");
        let (sy, sf): (f64, f64) = (y.iter().sum(), f.iter().sum());
        assert!((sy - sf).abs() < 1e-12, "pooling keeps the sum");
    }

    #[test]
    fn nest_loosens_every_cut_with_the_target() {
        // Working points stored out of target order; slot 0 is a lower bound, slot 1 upper.
        let slots = vec![Slot { input: 0, op: Op::Gt }, Slot { input: 1, op: Op::Le }];
        let targets = [0.9, 0.1, 0.5];
        // Target order 0.1, 0.5, 0.9: slot 0 = 5, 6, 2 (violation), slot 1 = 1, 3, 4 (fine).
        let thresholds = vec![2.0, 4.0, 5.0, 1.0, 6.0, 3.0];
        let mut t = OwnedTable {
            names: vec!["a".into(), "b".into()],
            targets: targets.to_vec(),
            slots,
            thresholds,
        };
        assert_eq!(nest(&mut t, &targets).unwrap(), 2);
        assert_eq!(t.thresholds, vec![2.0, 4.0, 5.5, 1.0, 5.5, 3.0]);
        assert_eq!(nest(&mut t, &targets).unwrap(), 0, "nesting is idempotent");
        assert!(matches!(nest(&mut t, &[0.5]), Err(HardError::TargetCount { .. })));
    }
}
