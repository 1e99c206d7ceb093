//! The exact optimum of two cuts at once, the others fixed.
//!
//! Under the signal constraint a single-cut move stalls where the constraint binds: tightening
//! any one cut crosses the target, so a cut can only tighten if another loosens at the same
//! time. For a pair of cuts `(a, b)` this is solved exactly. Only the events passing every
//! other cut matter. For a fixed threshold of `a`, both the passing signal and the passing
//! background fall as `b` tightens (weights not negative), so the best `b` is the tightest one
//! that keeps the signal at the target: a weighted quantile. Sweeping `a` from loose to tight,
//! removing its events one value group at a time from two Fenwick trees over `b`'s value ranks
//! (signal and background weight), gives that quantile and its background in `O(log n)` per
//! group, so the whole pair costs `O(n log n)`.
//!
//! Thresholds are expressed as *boundaries* in key order: the key rank of a value is its rank
//! among the input's distinct values, counted from the failing end of the cut (ascending for a
//! lower bound, descending for an upper bound), and boundary `c` passes the values of key rank
//! `c` and above.

use cabin_infer::Slot;

use super::work::{split, Work};

/// The best boundaries of a pair of cuts and the passing weight they give.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct PairBest {
    /// Boundary of cut `a` (key rank of the lowest passing value).
    pub a: usize,
    /// Boundary of cut `b`.
    pub b: usize,
    /// Passing signal weight.
    pub sig: f64,
    /// Passing background weight.
    pub bkg: f64,
}

/// A Fenwick (binary indexed) tree of non-negative weights over positions `0..n`.
struct Fenwick {
    tree: Vec<f64>,
}

impl Fenwick {
    /// Builds the tree of `values` in `O(n)`.
    fn new(values: &[f64]) -> Fenwick {
        let n = values.len();
        let mut tree = vec![0.0; n + 1];
        tree[1..].copy_from_slice(values);
        for i in 1..=n {
            let parent = i + (i & i.wrapping_neg());
            if parent <= n {
                tree[parent] += tree[i];
            }
        }
        Fenwick { tree }
    }

    /// Adds `w` at position `p`.
    fn add(&mut self, p: usize, w: f64) {
        let mut i = p + 1;
        while i < self.tree.len() {
            self.tree[i] += w;
            i += i & i.wrapping_neg();
        }
    }

    /// Sum of positions `0..p`.
    fn prefix(&self, p: usize) -> f64 {
        let (mut i, mut s) = (p, 0.0);
        while i > 0 {
            s += self.tree[i];
            i &= i - 1;
        }
        s
    }

    /// The largest `p` with `prefix(p) <= x` (weights not negative).
    fn largest_prefix_at_most(&self, x: f64) -> usize {
        let n = self.tree.len() - 1;
        let (mut pos, mut rem) = (0, x);
        let mut step = if n == 0 { 0 } else { 1 << n.ilog2() };
        while step > 0 {
            if pos + step <= n && self.tree[pos + step] <= rem {
                pos += step;
                rem -= self.tree[pos];
            }
            step >>= 1;
        }
        pos
    }
}

/// Key rank of the value of rank `r` (among `d` distinct values) of a cut.
fn key(slot: Slot, d: usize, r: u32) -> usize {
    if slot.op.is_lower_bound() {
        r as usize
    } else {
        d - 1 - r as usize
    }
}

/// The best boundaries of cuts `a` and `b` over the local events marked in `cand` (those
/// passing every other cut): the lowest passing background weight with passing signal weight
/// at least `need`, ties to the higher signal. `None` if no boundary pair reaches `need`.
/// Weights must not be negative.
pub(super) fn best_pair(
    work: &Work,
    cand: &[bool],
    a: Slot,
    b: Slot,
    need: f64,
) -> Option<PairBest> {
    let (ka, kb) = (a.input as usize, b.input as usize);
    let db = work.distinct[kb].len();
    let usable = |e: usize| cand[e] && work.rank[ka][e] != u32::MAX && work.rank[kb][e] != u32::MAX;
    let (mut vs, mut vb) = (vec![0.0; db], vec![0.0; db]);
    let (mut ts, mut tb) = (0.0, 0.0);
    for e in (0..work.n).filter(|&e| usable(e)) {
        let p = key(b, db, work.rank[kb][e]);
        if work.sig[e] {
            vs[p] += work.w[e];
            ts += work.w[e];
        } else {
            vb[p] += work.w[e];
            tb += work.w[e];
        }
    }
    let (mut fs, mut fb) = (Fenwick::new(&vs), Fenwick::new(&vb));
    // The tightest boundary of `b` keeping `need`, for the events still in the trees, then
    // the loosest one with the same background (more signal for nothing).
    let tie = 1e-12 * work.sum_bkg.abs();
    let query = |fs: &Fenwick, fb: &Fenwick, ts: f64, tb: f64, ca: usize| {
        (ts >= need).then(|| {
            let tight = fs.largest_prefix_at_most(ts - need);
            let below = fb.prefix(tight);
            let cb = if below > tie { fb.largest_prefix_at_most(below - tie) + 1 } else { 0 };
            let cb = cb.min(tight);
            PairBest { a: ca, b: cb, sig: ts - fs.prefix(cb), bkg: tb - fb.prefix(cb) }
        })
    };
    let better = |x: &PairBest, y: &Option<PairBest>| {
        y.is_none_or(|y| x.bkg < y.bkg || (x.bkg == y.bkg && x.sig > y.sig))
    };
    let mut best = query(&fs, &fb, ts, tb, 0);

    // Sweep `a` from loose to tight, one group of equal values at a time.
    let da = work.distinct[ka].len();
    let so = &work.sorted[ka];
    let order: Box<dyn Iterator<Item = usize>> = if a.op.is_lower_bound() {
        Box::new(0..so.idx.len())
    } else {
        Box::new((0..so.idx.len()).rev())
    };
    let mut group: Option<u32> = None;
    for q in order {
        let e = so.idx[q] as usize;
        if !usable(e) {
            continue;
        }
        let r = work.rank[ka][e];
        if group.is_some_and(|g| g != r) {
            let ca = key(a, da, group.unwrap_or(0)) + 1;
            match query(&fs, &fb, ts, tb, ca) {
                Some(c) if better(&c, &best) => best = Some(c),
                Some(_) => {}
                None => return best,
            }
        }
        group = Some(r);
        let p = key(b, db, work.rank[kb][e]);
        if work.sig[e] {
            fs.add(p, -work.w[e]);
            ts -= work.w[e];
        } else {
            fb.add(p, -work.w[e]);
            tb -= work.w[e];
        }
    }
    if let Some(g) = group {
        if let Some(c) = query(&fs, &fb, ts, tb, key(a, da, g) + 1) {
            if better(&c, &best) {
                best = Some(c);
            }
        }
    }
    best
}

/// A threshold of `slot` at boundary `c` (key order): between the distinct values on either
/// side, or a pad outside the data at the ends. `None` for an input without values.
pub(super) fn threshold(work: &Work, slot: Slot, c: usize) -> Option<f64> {
    let k = slot.input as usize;
    let v = &work.distinct[k];
    let d = v.len();
    let (first, last) = (*v.first()?, *v.last()?);
    let pad = work.pad[k];
    let lower = slot.op.is_lower_bound();
    if c == 0 {
        return Some(if lower { first - pad } else { last + pad });
    }
    if c >= d {
        return Some(if lower { last + pad } else { first - pad });
    }
    let (lo, hi) = if lower { (v[c - 1], v[c]) } else { (v[d - 1 - c], v[d - c]) };
    split(slot.op, lo, hi, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hard::Events;
    use cabin_infer::Op;

    #[test]
    fn fenwick_prefix_and_search() {
        let f = Fenwick::new(&[1.0, 0.0, 2.0, 3.0, 0.5]);
        assert_eq!(f.prefix(0), 0.0);
        assert_eq!(f.prefix(3), 3.0);
        assert_eq!(f.prefix(5), 6.5);
        assert_eq!(f.largest_prefix_at_most(0.5), 0);
        assert_eq!(f.largest_prefix_at_most(1.0), 2, "a zero weight does not stop the search");
        assert_eq!(f.largest_prefix_at_most(5.9), 3);
        assert_eq!(f.largest_prefix_at_most(100.0), 5);
        let mut g = Fenwick::new(&[1.0, 1.0, 1.0]);
        g.add(1, -1.0);
        assert_eq!(g.prefix(3), 2.0);
        assert_eq!(g.largest_prefix_at_most(1.0), 2);
    }

    /// A small pseudo-random sample on a coarse grid (many ties), signal shifted up in input
    /// 0 and down in input 1, as local events.
    fn sample(n: usize) -> Work {
        let mut s = 12345u64;
        let mut next = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (s >> 33) as f64 / (1u64 << 31) as f64
        };
        let (mut x0, mut x1, mut sig, mut w) = (vec![], vec![], vec![], vec![]);
        for i in 0..n {
            let is = i % 3 != 0;
            let shift = if is { 0.3 } else { 0.0 };
            x0.push(((next() + shift) * 10.0).floor());
            x1.push(((next() - shift) * 10.0).floor());
            sig.push(is);
            w.push(0.5 + next());
        }
        let (cols, rows) = (vec![x0, x1], (0..n).collect::<Vec<usize>>());
        let ev = Events { columns: &cols, is_signal: &sig, weights: &w, rows: &rows };
        Work::new(2, &ev, None).unwrap()
    }

    #[test]
    fn the_pair_optimum_is_the_brute_force_optimum() {
        let work = sample(300);
        let cand = vec![true; 300];
        for (opa, opb) in [(Op::Gt, Op::Lt), (Op::Ge, Op::Le), (Op::Lt, Op::Gt), (Op::Gt, Op::Ge)] {
            let (a, b) = (Slot { input: 0, op: opa }, Slot { input: 1, op: opb });
            for target in [0.2, 0.5, 0.8, 0.95] {
                let need = target * work.sum_sig;
                let got = best_pair(&work, &cand, a, b, need).expect("reachable");
                // Every pair of boundaries, counted directly through the thresholds.
                let mut want: Option<(f64, f64)> = None;
                for ca in 0..=work.distinct[0].len() {
                    for cb in 0..=work.distinct[1].len() {
                        let ta = threshold(&work, a, ca).unwrap();
                        let tb = threshold(&work, b, cb).unwrap();
                        let (s, bk) = work.pass_sums(&[a, b], &[ta, tb]);
                        if s >= need && want.is_none_or(|(ws, wb)| bk < wb || (bk == wb && s > ws))
                        {
                            want = Some((s, bk));
                        }
                    }
                }
                let (ws, wb) = want.unwrap();
                let ta = threshold(&work, a, got.a).unwrap();
                let tb = threshold(&work, b, got.b).unwrap();
                let (s, bk) = work.pass_sums(&[a, b], &[ta, tb]);
                assert!(
                    (bk - wb).abs() < 1e-9 && (s - ws).abs() < 1e-9,
                    "{opa}{opb} {target}: got {s} {bk} {got:?}, want {ws} {wb}"
                );
                assert!((got.sig - s).abs() < 1e-9 && (got.bkg - bk).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn only_marked_events_count_and_an_unreachable_need_is_none() {
        let work = sample(200);
        let (a, b) = (Slot { input: 0, op: Op::Gt }, Slot { input: 1, op: Op::Lt });
        let half: Vec<bool> = (0..200).map(|i| i % 2 == 0).collect();
        let all_sig: f64 = (0..200).filter(|&i| half[i] && work.sig[i]).map(|i| work.w[i]).sum();
        let got = best_pair(&work, &half, a, b, 0.5 * all_sig).unwrap();
        assert!(got.sig >= 0.5 * all_sig && got.sig <= all_sig);
        assert!(best_pair(&work, &half, a, b, all_sig * 1.01).is_none());
    }
}
