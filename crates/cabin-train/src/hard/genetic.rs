//! A genetic search for rectangular cuts: the peer cabin's training is judged against.
//!
//! TMVA's `MethodCuts` with `FitMethod=GA` is what physicists reach for when they want cuts
//! optimised without gradients. This module is cabin's own implementation of that kind of
//! search, so that the comparison runs on the same events, split and cut directions as cabin's
//! scan, with the same hard-cut efficiencies (decisions by [`cabin_infer::Op::passes`]).
//!
//! Per working point with target `t`, independently:
//! - A genome holds one gene `u_k` in `[0, 1]` per cut slot: the fraction of the training signal
//!   that cut keeps on its own. The threshold is the midpoint between the two signal values
//!   around that quantile (`u_k = 1` puts it outside the data, so the cut passes everything),
//!   which makes every gene scale-free and every threshold sit between events.
//! - Fitness (lower is better): the background efficiency when the signal efficiency is at
//!   least `t`, else `1 + (t - eff_sig)`, so every feasible genome beats every infeasible one.
//! - A generation: the best tenth is kept as is; the rest are children of two parents picked by
//!   binary tournaments, by blend crossover (each gene drawn from the interval spanned by the
//!   parents, widened by a quarter on each side) and Gaussian mutation of spread `sigma`.
//!   `sigma` follows the one-fifth success rule (TMVA's "spread control"): it grows by 1/0.9
//!   when more than a fifth of the children beat their better parent, and shrinks by 0.9 when
//!   fewer do.
//! - A cycle starts from a random population (genes uniform in `[t, 1]`, as no single cut may
//!   keep less than `t`) and stops when the best fitness has not improved for
//!   [`GeneticOptions::steps`] generations, or after [`GeneticOptions::max_generations`].
//!   [`GeneticOptions::cycles`] independent cycles run; the best genome of all is kept.
//!   The generation limit (500 by default) bounds the time of a cycle; `steps` may not exceed
//!   it.
//!
//! The defaults are the settings of the genetic search quoted in the project's quality issue
//! (`PopSize=200, Steps=10, Cycles=5`). Everything is deterministic for
//! [`GeneticOptions::seed`], whatever the thread count.

use cabin_infer::doc::OwnedTable;
use cabin_infer::Slot;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::recal::check_targets;
use super::work::Work;
use super::{Events, HardError};
use crate::data::SplitMix64;

/// Settings of [`genetic`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GeneticOptions {
    /// Genomes per generation (at least 4).
    pub population: usize,
    /// Generations without improvement of the best fitness after which a cycle stops.
    pub steps: usize,
    /// Independent cycles per working point.
    pub cycles: usize,
    /// Most generations per cycle.
    pub max_generations: usize,
    /// Seed of the search.
    pub seed: u64,
}

impl Default for GeneticOptions {
    fn default() -> Self {
        GeneticOptions { population: 200, steps: 10, cycles: 5, max_generations: 500, seed: 42 }
    }
}

impl GeneticOptions {
    /// Largest population accepted (a bigger one only costs memory and time).
    pub const MAX_POPULATION: usize = 100_000;
    /// Most cycles accepted.
    pub const MAX_CYCLES: usize = 1_000;
    /// Most generations per cycle accepted.
    pub const MAX_GENERATIONS: usize = 100_000;

    /// Checks that the search can run with these settings.
    ///
    /// # Errors
    /// [`HardError::Setting`] naming the first setting out of range: population outside
    /// `4..=MAX_POPULATION`, cycles outside `1..=MAX_CYCLES`, generations outside
    /// `1..=MAX_GENERATIONS`, or steps outside `1..=max_generations`.
    pub fn check(&self) -> Result<(), HardError> {
        let limits = [
            ("genetic search population", self.population, 4, Self::MAX_POPULATION),
            ("genetic search cycles", self.cycles, 1, Self::MAX_CYCLES),
            ("genetic search generations", self.max_generations, 1, Self::MAX_GENERATIONS),
            ("genetic search steps", self.steps, 1, self.max_generations),
        ];
        for (what, value, lo, hi) in limits {
            if !(lo..=hi).contains(&value) {
                let expected = format!("{lo} to {hi}");
                return Err(HardError::Setting { what, value: value.to_string(), expected });
            }
        }
        Ok(())
    }
}

/// What [`genetic`] did for one working point.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct GeneticPoint {
    /// Target signal efficiency.
    pub target: f64,
    /// Training signal efficiency of the best genome.
    pub eff_sig: f64,
    /// Training background efficiency of the best genome.
    pub eff_bkg: f64,
    /// Genomes evaluated, over all cycles.
    pub evaluations: usize,
}

/// A genome's (fitness, training signal efficiency, training background efficiency).
type Fit = (f64, f64, f64);

/// Per-slot signal values, sorted, for turning genes into thresholds.
struct Quantiles {
    /// Sorted finite signal values of the slot's input.
    v: Vec<f64>,
    /// Distance outside the data range at which a cut passes or fails everything.
    pad: f64,
}

impl Quantiles {
    /// Threshold of a cut that keeps the fraction `u` of the signal on its own.
    fn threshold(&self, slot: &Slot, u: f64) -> f64 {
        let n = self.v.len();
        if n == 0 {
            return 0.0;
        }
        let keep = ((u.clamp(0.0, 1.0) * n as f64).round() as usize).min(n);
        // Index of the first value on the passing side, counted from the failing side.
        let fail = if slot.op.is_lower_bound() { n - keep } else { keep };
        let (lo, hi) = (self.v[0] - self.pad, self.v[n - 1] + self.pad);
        match fail {
            0 => lo,
            f if f >= n => hi,
            f => 0.5 * (self.v[f - 1] + self.v[f]),
        }
    }
}

/// Replaces every working point's thresholds in `table` by the best cuts a genetic search
/// finds on `ev` (see the module documentation), keeping the table's slots (directions).
///
/// # Errors
/// [`HardError`] if `targets` do not match the table or the events are malformed, or a
/// setting is unusable (population below 4, no cycles or generations).
pub fn genetic(
    table: &mut OwnedTable,
    targets: &[f64],
    ev: &Events,
    opts: &GeneticOptions,
) -> Result<Vec<GeneticPoint>, HardError> {
    check_targets(targets, table.targets.len())?;
    opts.check()?;
    let work = Work::new(table.names.len(), ev, None)?;
    let slots = table.slots.clone();
    let m = slots.len();
    let quantiles: Vec<Quantiles> = slots
        .iter()
        .map(|s| {
            let sorted = &work.sorted[s.input as usize];
            let v = sorted.v.iter().zip(&sorted.sig).filter(|(_, &g)| g).map(|(&x, _)| x);
            Quantiles { v: v.collect(), pad: work.pad[s.input as usize] }
        })
        .collect();
    let thresholds = |genes: &[f64]| -> Vec<f64> {
        slots.iter().zip(&quantiles).zip(genes).map(|((s, q), &u)| q.threshold(s, u)).collect()
    };
    let mut report = Vec::with_capacity(targets.len());
    for (p, &target) in targets.iter().enumerate() {
        let fitness = |genes: &[f64]| -> Fit {
            let (s, b) = work.pass_sums(&slots, &thresholds(genes));
            let (es, eb) = (s / work.sum_sig, b / work.sum_bkg);
            let f = if s >= work.need(target) { eb } else { 1.0 + (target - es) };
            (f, es, eb)
        };
        let mut best: Option<(f64, f64, f64, Vec<f64>)> = None;
        let mut evaluations = 0;
        for cycle in 0..opts.cycles {
            let seed = opts.seed ^ (p as u64).wrapping_mul(0x9E37_79B9) ^ ((cycle as u64) << 40);
            let (fit, genes, n) = run_cycle(m, target, opts, seed, &fitness);
            evaluations += n;
            if best.as_ref().is_none_or(|b| fit.0 < b.0) {
                best = Some((fit.0, fit.1, fit.2, genes));
            }
        }
        let Some((_, eff_sig, eff_bkg, genes)) = best else { continue };
        table.thresholds[p * m..(p + 1) * m].copy_from_slice(&thresholds(&genes));
        report.push(GeneticPoint { target, eff_sig, eff_bkg, evaluations });
    }
    Ok(report)
}

/// One cycle of the search; returns the best (fitness, eff_sig, eff_bkg), its genes and the
/// number of genomes evaluated.
fn run_cycle(
    m: usize,
    target: f64,
    opts: &GeneticOptions,
    seed: u64,
    fitness: &(dyn Fn(&[f64]) -> Fit + Sync),
) -> (Fit, Vec<f64>, usize) {
    let mut rng = SplitMix64::new(seed);
    let n = opts.population;
    let elite = (n / 10).max(1);
    let mut pop: Vec<Vec<f64>> = (0..n)
        .map(|_| (0..m).map(|_| target + (1.0 - target) * unit(&mut rng)).collect())
        .collect();
    let mut fits: Vec<Fit> = pop.par_iter().map(|g| fitness(g)).collect();
    let mut evaluations = n;
    let mut sigma = 0.1;
    let mut stall = 0;
    let mut best = (f64::INFINITY, 0.0, 0.0);
    let mut best_genes = pop[0].clone();
    for _ in 0..opts.max_generations {
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| fits[a].0.total_cmp(&fits[b].0));
        let top = order[0];
        if fits[top].0 < best.0 - 1e-12 {
            best = fits[top];
            best_genes.clone_from(&pop[top]);
            stall = 0;
        } else {
            stall += 1;
            if stall >= opts.steps {
                break;
            }
        }
        // Parents: elites copied, the rest bred; each child remembers its better parent.
        let mut next: Vec<Vec<f64>> = order[..elite].iter().map(|&i| pop[i].clone()).collect();
        let mut parent_fit = Vec::with_capacity(n - elite);
        while next.len() < n {
            let a = tournament(&mut rng, &fits);
            let b = tournament(&mut rng, &fits);
            let child: Vec<f64> = (0..m)
                .map(|k| {
                    let (x, y) = (pop[a][k], pop[b][k]);
                    let (lo, hi) = (x.min(y), x.max(y));
                    let span = hi - lo;
                    let g = lo - 0.25 * span + 1.5 * span * unit(&mut rng);
                    (g + sigma * normal(&mut rng)).clamp(0.0, 1.0)
                })
                .collect();
            parent_fit.push(fits[a].0.min(fits[b].0));
            next.push(child);
        }
        let child_fits: Vec<Fit> = next[elite..].par_iter().map(|g| fitness(g)).collect();
        evaluations += child_fits.len();
        let wins = child_fits.iter().zip(&parent_fit).filter(|(c, &p)| c.0 < p).count();
        sigma = if wins * 5 > child_fits.len() { (sigma / 0.9).min(0.5) } else { sigma * 0.9 };
        sigma = sigma.max(1e-4);
        let kept: Vec<Fit> = order[..elite].iter().map(|&i| fits[i]).collect();
        fits = kept.into_iter().chain(child_fits).collect();
        pop = next;
    }
    (best, best_genes, evaluations)
}

/// The fitter of two genomes drawn at random.
fn tournament(rng: &mut SplitMix64, fits: &[Fit]) -> usize {
    let n = fits.len() as u64;
    let (a, b) = (rng.below(n) as usize, rng.below(n) as usize);
    if fits[a].0 <= fits[b].0 {
        a
    } else {
        b
    }
}

/// A uniform number in `[0, 1)` with 53 random bits.
fn unit(rng: &mut SplitMix64) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A standard normal number (Box-Muller).
fn normal(rng: &mut SplitMix64) -> f64 {
    let u = 1.0 - unit(rng);
    let v = unit(rng);
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cabin_infer::Op;

    /// Two features; signal high in both, background low; a diagonal structure so the best
    /// cuts at a target are not simply each feature's own quantile.
    fn toy(n: usize) -> (Vec<Vec<f64>>, Vec<bool>, Vec<f64>) {
        let mut rng = SplitMix64::new(7);
        let mut cols = vec![Vec::new(), Vec::new()];
        let mut sig = Vec::new();
        for i in 0..n {
            let s = i % 2 == 0;
            let shift = if s { 1.0 } else { 0.0 };
            cols[0].push(normal(&mut rng) + shift);
            cols[1].push(normal(&mut rng) + 0.5 * shift);
            sig.push(s);
        }
        (cols, sig, vec![1.0; n])
    }

    fn table(targets: &[f64]) -> OwnedTable {
        OwnedTable {
            names: vec!["a".into(), "b".into()],
            targets: targets.to_vec(),
            slots: vec![Slot { input: 0, op: Op::Gt }, Slot { input: 1, op: Op::Gt }],
            thresholds: vec![0.0; 2 * targets.len()],
        }
    }

    #[test]
    fn reaches_each_target_and_beats_single_feature_quantile_cuts() {
        let (cols, sig, w) = toy(4000);
        let rows: Vec<usize> = (0..cols[0].len()).collect();
        let ev = Events { columns: &cols, is_signal: &sig, weights: &w, rows: &rows };
        let targets = [0.3, 0.6, 0.9];
        let mut t = table(&targets);
        let opts = GeneticOptions { population: 40, cycles: 2, ..GeneticOptions::default() };
        let rep = genetic(&mut t, &targets, &ev, &opts).unwrap();
        let effs = super::super::efficiencies(&t.view().unwrap(), &ev).unwrap();
        for ((p, e), &target) in rep.iter().zip(&effs).zip(&targets) {
            assert!(e.eff_sig >= target - 1e-12, "{e:?} misses {target}");
            assert!((p.eff_bkg - e.eff_bkg).abs() < 1e-12, "report {p:?} vs table {e:?}");
            // The cut on feature a alone at the same signal efficiency.
            let mut single = table(&[target]);
            let mut v: Vec<f64> =
                (0..cols[0].len()).filter(|&i| sig[i]).map(|i| cols[0][i]).collect();
            v.sort_by(f64::total_cmp);
            let k = ((1.0 - target) * v.len() as f64).floor() as usize;
            single.thresholds = vec![0.5 * (v[k.saturating_sub(1)] + v[k]), -1e9];
            let s = super::super::efficiencies(&single.view().unwrap(), &ev).unwrap()[0];
            assert!(s.eff_sig >= target - 1e-3);
            assert!(e.eff_bkg < s.eff_bkg, "GA {e:?} no better than one cut {s:?}");
        }
    }

    #[test]
    fn repeats_for_a_seed_and_refuses_a_tiny_population() {
        let (cols, sig, w) = toy(600);
        let rows: Vec<usize> = (0..cols[0].len()).collect();
        let ev = Events { columns: &cols, is_signal: &sig, weights: &w, rows: &rows };
        let opts = GeneticOptions { population: 20, cycles: 1, ..GeneticOptions::default() };
        let (mut a, mut b) = (table(&[0.5]), table(&[0.5]));
        genetic(&mut a, &[0.5], &ev, &opts).unwrap();
        genetic(&mut b, &[0.5], &ev, &opts).unwrap();
        assert_eq!(a.thresholds, b.thresholds);
        let tiny = GeneticOptions { population: 3, ..opts };
        let err = genetic(&mut a, &[0.5], &ev, &tiny).unwrap_err();
        assert_eq!(err.to_string(), "genetic search population = 3: expected 4 to 100000");
        let stalled = GeneticOptions { steps: 501, ..opts };
        let err = genetic(&mut a, &[0.5], &ev, &stalled).unwrap_err();
        assert_eq!(err.to_string(), "genetic search steps = 501: expected 1 to 500");
    }
}
