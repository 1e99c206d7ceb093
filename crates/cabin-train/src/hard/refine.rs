//! Hard-cut refinement: per working point, minimise the weighted background efficiency on the
//! training events subject to the signal efficiency staying at or above the target.
//!
//! Gradient training of the soft loss stalls in a flat, ill-conditioned valley (see the
//! project's research notes); a direct search on the hard cuts finishes the job:
//!
//! 1. *Coordinate search.* For one cut with the others fixed, only the events passing the other
//!    cuts matter; walking them in the input's pre-sorted order gives the passing signal and
//!    background weight of every possible threshold at once, so the exact 1-D optimum costs one
//!    pass over the events. Thresholds are put halfway between neighbouring distinct values of
//!    those events, so no training event sits on a cut. Sweeps over all cuts repeat until none
//!    moves (at most [`RefineOptions::max_sweeps`]).
//! 2. *Starts and restarts.* Each working point starts from its own cuts, and from its own cuts
//!    shifted together onto the target; then (forward, then backward through the targets) from
//!    each neighbour's refined cuts shifted onto its target. The best result is kept: the lowest
//!    background weight, then the highest signal weight.
//! 3. *Lagrangian stage.* A constrained coordinate search stops as soon as the signal
//!    constraint binds: tightening any one cut would cross the target, loosening one adds
//!    background. From the best point so far, coordinate descent on
//!    `eff_bkg - lambda * eff_sig` (each 1-D step again exact) moves cuts freely; `lambda` is
//!    bisected so that the signal lands on the target, and every feasible point it reaches is
//!    polished by the constrained search.
//! 4. *Pair stage.* From the best point of the own starts, every pair of cuts in turn moves to
//!    its exact joint optimum under the constraint ([`super::pair`], `O(n log n)` per pair),
//!    until a sweep over all pairs moves nothing. This is the move the corners need: one cut
//!    tightens while another loosens just enough. On the SUSY-like sample it lowers the
//!    training background by up to .001 at .95 (nine splits: test background -.0014 +- .0007
//!    at .95, -.0002 +- .0001 at .3-.5, the rest within one standard error), for a third more
//!    refinement time (11 -> 15 s on two cores). Run on the neighbour restarts too, it
//!    overfits (test background up by .0005-.0008 at .7 and .9) and takes three times as
//!    long, so it does not.
//! 5. *Smoothing.* Among the thresholds of one cut that keep the signal at or above target and
//!    the background within [`RefineOptions::smooth_slack`] of the refined optimum, the one
//!    closest to the interpolation of the neighbouring working points' cuts is chosen. This
//!    mostly places cuts that are inactive, or sit in an empty gap, where they continue the scan.
//!
//! Guarantees (on the given events): a working point whose start reaches its target ends at or
//! above it (up to `1e-12` relative rounding) with background weight no higher than the start
//! (plus the smoothing slack); one whose start misses it is first shifted onto it.

use cabin_infer::doc::OwnedTable;
use cabin_infer::{Op, Slot};
use rayon::prelude::*;
use serde::Serialize;

use super::pair;
use super::recal::check_targets;
use super::work::{split, Work};
use super::{efficiencies, Eff, Events, HardError};
use crate::eval::{smoothness, SlotSmoothness};

/// Options of [`refine`].
#[derive(Clone, Debug, PartialEq)]
pub struct RefineOptions {
    /// Most sweeps over all cuts per start (a sweep stops early once no cut moves).
    pub max_sweeps: usize,
    /// Restart each working point from its neighbours' refined cuts.
    pub restarts: bool,
    /// Run the Lagrangian stage (trade signal between cuts; see [`refine()`]).
    pub lagrange: bool,
    /// Run the pair stage (the exact optimum of every pair of cuts in turn; see [`refine()`]).
    /// It is skipped for events with negative weights.
    pub pairs: bool,
    /// Rounds of the smoothing pass (0 = none).
    pub smooth_rounds: usize,
    /// Relative background increase a smoothing move may cost, e.g. `0.002` = 0.2 % of the
    /// working point's refined background efficiency.
    pub smooth_slack: f64,
    /// Scale (standard deviation) of each input, used to shift cuts together onto a target;
    /// by default the standard deviation of each input over the events.
    pub scales: Option<Vec<f64>>,
}

impl Default for RefineOptions {
    fn default() -> Self {
        RefineOptions {
            max_sweeps: 8,
            restarts: true,
            lagrange: true,
            pairs: true,
            smooth_rounds: 2,
            smooth_slack: 0.002,
            scales: None,
        }
    }
}

/// Where a working point's final cuts came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Start {
    /// Its own cuts.
    Own,
    /// Its own cuts shifted together onto the target.
    OwnShifted,
    /// The refined cuts of the working point with the next lower target.
    LowerNeighbour,
    /// The refined cuts of the working point with the next higher target.
    UpperNeighbour,
}

/// One working point before and after refinement (efficiencies on the given events).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct RefinePoint {
    /// Target signal efficiency.
    pub target: f64,
    /// Before.
    pub before: Eff,
    /// After.
    pub after: Eff,
    /// Which start gave the kept result.
    pub start: Start,
    /// Whether the final cuts reach the target.
    pub reached: bool,
}

/// What [`refine`] did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RefineReport {
    /// Per working point, in table order.
    pub points: Vec<RefinePoint>,
    /// Per-slot smoothness of the table before.
    pub smooth_before: Vec<SlotSmoothness>,
    /// The same after.
    pub smooth_after: Vec<SlotSmoothness>,
    /// Coordinate steps tried (one per cut per sweep).
    pub steps: usize,
}

/// Refines every working point of `table` on `ev` (the training events) towards the lowest
/// background efficiency with signal efficiency at or above `targets[p]`; see the module
/// documentation for the method and its guarantees.
///
/// # Errors
/// [`HardError`] for malformed tables or events, a target outside `[0, 1]`, a count of targets
/// other than the table's working points, or a bad scale.
pub fn refine(
    table: &mut OwnedTable,
    targets: &[f64],
    ev: &Events,
    opts: &RefineOptions,
) -> Result<RefineReport, HardError> {
    let view = table.view()?;
    let points = view.points();
    check_targets(targets, points)?;
    let before = efficiencies(&view, ev)?;
    let scales_given = opts.scales.as_deref();
    let work = Work::new(view.inputs(), ev, scales_given)?;
    let smooth_before = smoothness(table, Some(&work.scales));
    let slots = table.slots.clone();
    let s = slots.len();
    let mut search = Search::new(&work, &slots);

    // Working points in target order, so that neighbours are neighbours in efficiency.
    let mut order: Vec<usize> = (0..points).collect();
    order.sort_by(|&a, &b| targets[a].total_cmp(&targets[b]));

    // Each working point's own starts are independent: one search state per thread.
    let best_of = |p: usize, search: &mut Search| -> Best {
        let target = targets[p];
        let own = table.thresholds[p * s..(p + 1) * s].to_vec();
        let mut b: Option<Best> = None;
        let (sig, _) = work.pass_sums(&slots, &own);
        if sig >= work.need(target) {
            b = Some(search.run(own.clone(), target, opts.max_sweeps, Start::Own));
        }
        if let Some((_, t)) = work.shift_to_target(&slots, &own, target) {
            let r = search.run(t, target, opts.max_sweeps, Start::OwnShifted);
            b = Some(keep_better(b, r));
        }
        if opts.lagrange {
            if let Some(cur) = b.clone() {
                let r = search.run_lagrange(&cur.th, target, opts.max_sweeps, cur.start);
                b = Some(keep_better(Some(cur), r));
            }
        }
        if opts.pairs {
            if let Some(cur) = b.clone() {
                let r = search.run_pairs(&cur.th, target, opts.max_sweeps, cur.start);
                b = Some(keep_better(Some(cur), r));
            }
        }
        b.unwrap_or(Best { th: own, sig, bkg: f64::INFINITY, start: Start::Own, feasible: false })
    };
    let results: Vec<(Best, usize)> = (0..points)
        .into_par_iter()
        .map_init(
            || Search::new(&work, &slots),
            |search, p| {
                let before = search.steps;
                let b = best_of(p, search);
                (b, search.steps - before)
            },
        )
        .collect();
    search.steps += results.iter().map(|r| r.1).sum::<usize>();
    let mut best: Vec<Best> = results.into_iter().map(|r| r.0).collect();

    if opts.restarts && points > 1 {
        let forward = order.windows(2).map(|w| (w[0], w[1], Start::LowerNeighbour));
        let backward = order.windows(2).rev().map(|w| (w[1], w[0], Start::UpperNeighbour));
        for (from, to, start) in forward.chain(backward).collect::<Vec<_>>() {
            let src = best[from].th.clone();
            if let Some((_, t)) = work.shift_to_target(&slots, &src, targets[to]) {
                let r = search.run(t, targets[to], opts.max_sweeps, start);
                let cur = std::mem::replace(&mut best[to], r.clone());
                best[to] = keep_better(Some(cur), r);
            }
        }
    }

    // The smoothing budget is fixed before any smoothing move, so rounds cannot add up.
    let caps: Vec<f64> =
        best.iter().map(|b| b.bkg + opts.smooth_slack.max(0.0) * b.bkg.abs()).collect();
    for _ in 0..opts.smooth_rounds {
        for (oi, &p) in order.iter().enumerate() {
            if !best[p].feasible {
                continue;
            }
            let lo = oi.checked_sub(1).map(|i| order[i]);
            let hi = order.get(oi + 1).copied();
            let cap = caps[p];
            search.load(&best[p].th);
            for j in 0..s {
                let pref = match (lo, hi) {
                    (Some(a), Some(b)) => {
                        let (ca, cb) = (best[a].th[j], best[b].th[j]);
                        let span = targets[b] - targets[a];
                        let f = if span > 0.0 { (targets[p] - targets[a]) / span } else { 0.5 };
                        ca + f * (cb - ca)
                    }
                    (Some(a), None) => best[a].th[j],
                    (None, Some(b)) => best[b].th[j],
                    (None, None) => continue,
                };
                if let Some(t) = search.smooth_step(j, targets[p], cap, pref) {
                    search.th[j] = t;
                    search.set_pass(j);
                    best[p].th[j] = t;
                }
            }
            let (sig, bkg) = search.sums();
            best[p].sig = sig;
            best[p].bkg = bkg;
        }
    }

    for (p, b) in best.iter().enumerate() {
        if b.feasible {
            table.thresholds[p * s..(p + 1) * s].copy_from_slice(&b.th);
        }
    }
    let after = efficiencies(&table.view()?, ev)?;
    let points = (0..points)
        .map(|p| RefinePoint {
            target: targets[p],
            before: before[p],
            after: after[p],
            start: best[p].start,
            reached: best[p].feasible,
        })
        .collect();
    let smooth_after = smoothness(table, Some(&work.scales));
    Ok(RefineReport { points, smooth_before, smooth_after, steps: search.steps })
}

/// Bisection steps of the Lagrangian search: `lambda` in `[1e-3, 1e3]`, known to within a
/// factor of 1.03 at the end.
const LAGRANGE_ITERATIONS: usize = 9;

/// A candidate result for one working point.
#[derive(Clone, Debug)]
struct Best {
    th: Vec<f64>,
    sig: f64,
    bkg: f64,
    start: Start,
    feasible: bool,
}

/// The better of two results: feasible first, then lower background, then higher signal.
fn keep_better(a: Option<Best>, b: Best) -> Best {
    let Some(a) = a else { return b };
    if a.feasible != b.feasible {
        return if a.feasible { a } else { b };
    }
    let eps = 1e-12 * (a.bkg.abs() + b.bkg.abs()).max(1e-300);
    if b.bkg < a.bkg - eps || (b.bkg <= a.bkg + eps && b.sig > a.sig + eps) {
        b
    } else {
        a
    }
}

/// One group of equal values among the events passing the other cuts: its value and the
/// cumulative signal and background weight of it and all lower groups.
#[derive(Clone, Copy)]
struct Group {
    v: f64,
    cum_s: f64,
    cum_b: f64,
}

/// Coordinate-search state of one working point.
pub(super) struct Search<'w> {
    work: &'w Work,
    slots: &'w [Slot],
    th: Vec<f64>,
    /// `pass[j][i]`: local event `i` passes cut `j`.
    pass: Vec<Vec<bool>>,
    /// Number of cuts event `i` fails.
    fails: Vec<u8>,
    groups: Vec<Group>,
    /// Scratch of the pair step: local event `i` passes every cut but the pair.
    cand: Vec<bool>,
    steps: usize,
}

impl<'w> Search<'w> {
    pub(super) fn new(work: &'w Work, slots: &'w [Slot]) -> Self {
        Search {
            work,
            slots,
            th: vec![0.0; slots.len()],
            pass: vec![vec![false; work.n]; slots.len()],
            fails: vec![0; work.n],
            groups: Vec::new(),
            cand: vec![false; work.n],
            steps: 0,
        }
    }

    /// Sets the thresholds and the per-event pass state.
    pub(super) fn load(&mut self, th: &[f64]) {
        self.th.copy_from_slice(th);
        self.fails.iter_mut().for_each(|f| *f = 0);
        self.pass.iter_mut().for_each(|p| p.iter_mut().for_each(|v| *v = true));
        for j in 0..self.slots.len() {
            self.set_pass(j);
        }
    }

    /// Recomputes `pass[j]` for the current threshold of cut `j` and updates `fails`.
    fn set_pass(&mut self, j: usize) {
        let (op, k, t) = (self.slots[j].op, self.slots[j].input as usize, self.th[j]);
        let x = &self.work.x[k];
        for ((p, f), &v) in self.pass[j].iter_mut().zip(self.fails.iter_mut()).zip(x) {
            let now = op.passes(v, t);
            if now != *p {
                *p = now;
                if now {
                    *f -= 1;
                } else {
                    *f += 1;
                }
            }
        }
    }

    /// Passing (signal, background) weight of the current thresholds.
    fn sums(&self) -> (f64, f64) {
        let (mut s, mut b) = (0.0, 0.0);
        for i in 0..self.work.n {
            if self.fails[i] == 0 {
                if self.work.sig[i] {
                    s += self.work.w[i];
                } else {
                    b += self.work.w[i];
                }
            }
        }
        (s, b)
    }

    /// Builds the groups of cut `j`: events passing every other cut, by value of its input.
    fn build_groups(&mut self, j: usize) {
        let k = self.slots[j].input as usize;
        let so = &self.work.sorted[k];
        let pass_j = &self.pass[j];
        self.groups.clear();
        let (mut cs, mut cb) = (0.0, 0.0);
        for (((&i, &v), &w), &sig) in so.idx.iter().zip(&so.v).zip(&so.w).zip(&so.sig) {
            let i = i as usize;
            if self.fails[i] != (!pass_j[i]) as u8 {
                continue;
            }
            if sig {
                cs += w;
            } else {
                cb += w;
            }
            match self.groups.last_mut() {
                Some(g) if g.v == v => {
                    g.cum_s = cs;
                    g.cum_b = cb;
                }
                _ => self.groups.push(Group { v, cum_s: cs, cum_b: cb }),
            }
        }
    }

    /// Passing weight of candidate `g` (threshold between groups `g-1` and `g`) of cut `op`.
    fn candidate(&self, op: Op, g: usize) -> (f64, f64) {
        let (below_s, below_b) = match g {
            0 => (0.0, 0.0),
            _ => (self.groups[g - 1].cum_s, self.groups[g - 1].cum_b),
        };
        if op.is_lower_bound() {
            let last = self.groups.last().map_or((0.0, 0.0), |l| (l.cum_s, l.cum_b));
            (last.0 - below_s, last.1 - below_b)
        } else {
            (below_s, below_b)
        }
    }

    /// Which candidate the threshold `t` of cut `op` falls in.
    fn current(&self, op: Op, t: f64) -> usize {
        let lower = op.is_lower_bound();
        self.groups.iter().position(|g| op.passes(g.v, t) == lower).unwrap_or(self.groups.len())
    }

    /// A threshold for candidate `g` of cut `j`, as close to `pref` as the candidate allows:
    /// `pref` itself if it falls in the candidate's interval, else the interval's midpoint (or
    /// a pad outside the data at the ends).
    fn threshold(&self, j: usize, g: usize, pref: Option<f64>) -> Option<f64> {
        let op = self.slots[j].op;
        let lower = op.is_lower_bound();
        let n = self.groups.len();
        if n == 0 {
            return None;
        }
        // Checked the way cabin-infer decides: group g-1 on the failing side of a lower bound
        // (passing side of an upper bound), group g on the other.
        let ok = |t: f64| {
            (g == 0 || op.passes(self.groups[g - 1].v, t) != lower)
                && (g == n || op.passes(self.groups[g].v, t) == lower)
        };
        if let Some(p) = pref.filter(|&p| p.is_finite() && ok(p)) {
            return Some(p);
        }
        let pad = self.work.pad[self.slots[j].input as usize];
        let t = match g {
            0 => self.groups[0].v - pad,
            g if g == n => self.groups[n - 1].v + pad,
            g => split(op, self.groups[g - 1].v, self.groups[g].v, None)?,
        };
        ok(t).then_some(t)
    }

    /// Moves cut `j` to its exact best threshold; returns whether it moved.
    fn step(&mut self, j: usize, need: f64) -> bool {
        self.steps += 1;
        self.build_groups(j);
        let op = self.slots[j].op;
        let cur = self.current(op, self.th[j]);
        let (cur_s, cur_b) = self.candidate(op, cur);
        let eps = 1e-12 * self.work.sum_bkg.abs();
        let mut best = (cur, cur_s, cur_b, cur_s >= need);
        for g in 0..=self.groups.len() {
            let (cs, cb) = self.candidate(op, g);
            if cs < need {
                continue;
            }
            let better = !best.3 || cb < best.2 - eps || (cb <= best.2 + eps && cs > best.1 + eps);
            if better {
                best = (g, cs, cb, true);
            }
        }
        if best.0 == cur {
            return false;
        }
        match self.threshold(j, best.0, None) {
            Some(t) => {
                self.th[j] = t;
                self.set_pass(j);
                true
            }
            None => false,
        }
    }

    /// Moves cut `j` to the threshold minimising `eff_bkg - lambda * eff_sig` (no constraint);
    /// returns whether it moved.
    fn step_lagrange(&mut self, j: usize, lambda: f64) -> bool {
        self.steps += 1;
        self.build_groups(j);
        let op = self.slots[j].op;
        let (ws, wb) = (self.work.sum_sig, self.work.sum_bkg);
        let f = |(cs, cb): (f64, f64)| cb / wb - lambda * cs / ws;
        let cur = self.current(op, self.th[j]);
        let mut best = (cur, f(self.candidate(op, cur)));
        for g in 0..=self.groups.len() {
            let v = f(self.candidate(op, g));
            if v < best.1 - 1e-12 {
                best = (g, v);
            }
        }
        if best.0 == cur {
            return false;
        }
        match self.threshold(j, best.0, None) {
            Some(t) => {
                self.th[j] = t;
                self.set_pass(j);
                true
            }
            None => false,
        }
    }

    /// Lagrangian search from `th`: coordinate descent on `eff_bkg - lambda * eff_sig`, with
    /// `lambda` bisected (geometrically) so that the signal lands at the target. Unlike the
    /// constrained search it can trade signal between cuts, so it leaves the corners where
    /// every single-cut move would cross the target. Returns the best feasible point seen.
    fn run_lagrange(&mut self, th: &[f64], target: f64, max_sweeps: usize, start: Start) -> Best {
        let need = self.work.need(target);
        let (mut lo, mut hi) = (1e-3f64, 1e3f64);
        let mut best: Option<Best> = None;
        let mut from = th.to_vec();
        for _ in 0..LAGRANGE_ITERATIONS {
            let lambda = (lo * hi).sqrt();
            self.load(&from);
            for _ in 0..max_sweeps {
                let mut moved = false;
                for j in 0..self.slots.len() {
                    moved |= self.step_lagrange(j, lambda);
                }
                if !moved {
                    break;
                }
            }
            let (sig, bkg) = self.sums();
            if sig >= need {
                // Feasible: keep the best, continue from it, ask for less signal.
                let r = Best { th: self.th.clone(), sig, bkg, start, feasible: true };
                from = r.th.clone();
                best = Some(keep_better(best, r));
                hi = lambda;
            } else {
                lo = lambda;
            }
            log::trace!("lagrange: lambda {lambda:.4} sig {sig:.1} bkg {bkg:.1}");
        }
        // Polish the best feasible point under the constraint (never worse than it).
        if let Some(b) = best.take() {
            let r = self.run(b.th.clone(), target, max_sweeps, start);
            return keep_better(Some(b), r);
        }
        best.unwrap_or_else(|| self.run(th.to_vec(), target, max_sweeps, start))
    }

    /// Moves cuts `i` and `j` together to their exact best thresholds under the signal
    /// constraint ([`super::pair`]); returns whether they moved.
    fn pair_step(&mut self, i: usize, j: usize, need: f64) -> bool {
        self.steps += 1;
        let (pi, pj) = (&self.pass[i], &self.pass[j]);
        for (e, c) in self.cand.iter_mut().enumerate() {
            *c = self.fails[e] == u8::from(!pi[e]) + u8::from(!pj[e]);
        }
        let (si, sj) = (self.slots[i], self.slots[j]);
        let Some(b) = pair::best_pair(self.work, &self.cand, si, sj, need) else {
            return false;
        };
        let (cur_s, cur_b) = self.sums();
        let eps = 1e-12 * (self.work.sum_sig.abs() + self.work.sum_bkg.abs());
        let improves = |s: f64, bk: f64| bk < cur_b - eps || (bk <= cur_b + eps && s > cur_s + eps);
        if !improves(b.sig, b.bkg) {
            return false;
        }
        let (Some(ti), Some(tj)) =
            (pair::threshold(self.work, si, b.a), pair::threshold(self.work, sj, b.b))
        else {
            return false;
        };
        let old = (self.th[i], self.th[j]);
        (self.th[i], self.th[j]) = (ti, tj);
        self.set_pass(i);
        self.set_pass(j);
        // The trees' sums are rounded differently from a direct count: check it directly.
        let (s, bk) = self.sums();
        if s < need || !improves(s, bk) {
            (self.th[i], self.th[j]) = old;
            self.set_pass(i);
            self.set_pass(j);
            return false;
        }
        // Centre both between the neighbouring values of the events that decide them, as a
        // single-cut step would.
        for c in [i, j] {
            self.build_groups(c);
            let g = self.current(self.slots[c].op, self.th[c]);
            if let Some(t) = self.threshold(c, g, None) {
                self.th[c] = t;
                self.set_pass(c);
            }
        }
        true
    }

    /// Pair search from `th`: every pair of cuts in turn moves to its exact joint optimum,
    /// until a sweep over all pairs moves nothing (at most `max_sweeps`). Needs weights that
    /// are not negative; otherwise returns the start as it is.
    fn run_pairs(&mut self, th: &[f64], target: f64, max_sweeps: usize, start: Start) -> Best {
        self.load(th);
        let need = self.work.need(target);
        let s = self.slots.len();
        if self.work.nonneg {
            for _ in 0..max_sweeps {
                let mut moved = false;
                for i in 0..s {
                    for j in i + 1..s {
                        moved |= self.pair_step(i, j, need);
                    }
                }
                if !moved {
                    break;
                }
            }
        }
        let (sig, bkg) = self.sums();
        Best { th: self.th.clone(), sig, bkg, start, feasible: sig >= need }
    }

    /// Coordinate search from `th` for target `target`.
    fn run(&mut self, th: Vec<f64>, target: f64, max_sweeps: usize, start: Start) -> Best {
        self.load(&th);
        let need = self.work.need(target);
        for _ in 0..max_sweeps {
            let mut moved = false;
            for j in 0..self.slots.len() {
                moved |= self.step(j, need);
            }
            if !moved {
                break;
            }
        }
        let (sig, bkg) = self.sums();
        Best { th: self.th.clone(), sig, bkg, start, feasible: sig >= need }
    }

    /// Tightens single cuts, one at a time, while that brings the passing signal weight closer
    /// to `need` without going below it: breaks the ties a common shift cannot (inputs on a
    /// grid). Each move takes the cut and threshold with the least signal still at or above
    /// `need` (then the least background). Returns the final thresholds.
    pub(super) fn trim(&mut self, need: f64) -> Vec<f64> {
        let eps = 1e-12 * self.work.sum_sig.abs();
        for _ in 0..2 * self.slots.len() {
            let (cur_s, _) = self.sums();
            let mut best: Option<(usize, usize, f64, f64)> = None;
            for j in 0..self.slots.len() {
                self.build_groups(j);
                let op = self.slots[j].op;
                for g in 0..=self.groups.len() {
                    let (cs, cb) = self.candidate(op, g);
                    if cs < need || cs >= cur_s - eps {
                        continue;
                    }
                    if best.is_none_or(|b| cs < b.2 - eps || (cs <= b.2 + eps && cb < b.3)) {
                        best = Some((j, g, cs, cb));
                    }
                }
            }
            let Some((j, g, _, _)) = best else { break };
            self.build_groups(j);
            match self.threshold(j, g, None) {
                Some(t) => {
                    self.th[j] = t;
                    self.set_pass(j);
                }
                None => break,
            }
        }
        self.th.clone()
    }

    /// The threshold of cut `j` closest to `pref` among those keeping the signal at or above
    /// target and the background weight at or below `cap`; `None` if the cut stays.
    fn smooth_step(&mut self, j: usize, target: f64, cap: f64, pref: f64) -> Option<f64> {
        self.build_groups(j);
        let op = self.slots[j].op;
        let need = self.work.need(target);
        let cap = cap + 1e-12 * self.work.sum_bkg.abs();
        let n = self.groups.len();
        let value = |g: usize| -> (f64, f64) {
            let lo = if g == 0 { f64::NEG_INFINITY } else { self.groups[g - 1].v };
            let hi = if g == n { f64::INFINITY } else { self.groups[g].v };
            (lo, hi)
        };
        let mut best: Option<(usize, f64)> = None;
        for g in 0..=n {
            // Candidates are scanned in value order, so ties keep the lowest interval.
            let (cs, cb) = self.candidate(op, g);
            if cs < need || cb > cap {
                continue;
            }
            let (lo, hi) = value(g);
            let dist = if pref <= lo {
                lo - pref
            } else if pref >= hi {
                pref - hi
            } else {
                0.0
            };
            if best.is_none_or(|b| dist < b.1) {
                best = Some((g, dist));
            }
        }
        let (g, _) = best?;
        let t = self.threshold(j, g, Some(pref))?;
        (t != self.th[j]).then_some(t)
    }
}
