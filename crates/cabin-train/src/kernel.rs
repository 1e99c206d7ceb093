//! The fused CABIN kernel: every event through every working point's product of sigmoids,
//! reduced to per-working-point weighted sums and their gradients with respect to all biases.
//!
//! For working point `e` with biases `b_e` (one per feature) and event `i` with standardised
//! features `x_i`, weight `w_i` and label `y_i`:
//!
//! ```text
//! sigma_ik = sigmoid(n * (s_k * x_ik + b_ek))      s_k = +1 for `>`, -1 for `<`
//! S_ie     = prod_k sigma_ik                        (the score)
//! sig_e    = sum_{i signal}     w_i * S_ie          bkg_e = sum_{i background} w_i * S_ie
//! bce_e    = sum_i w_i * l_ie,  l = -max(ln S, -100) (signal), -max(ln(1 - S), -100) (bkg)
//! ```
//!
//! and `d sig_e / d b_ek`, `d bkg_e / d b_ek`, `d bce_e / d b_ek` (shapes `E x m`). The BCE
//! gradient follows PyTorch's `BCELoss` backward: `(S - y) / max(S (1 - S), 1e-12) * dS/db`.
//! Normalisation (dividing by class weight totals) is left to the loss, see [`crate::loss`].
//!
//! Two precisions ([`Precision`]):
//! - `Exact`: f64 with `std` `exp`, computing `1 - S` and `1 - sigma` by subtraction exactly as
//!   the PyTorch reference does; reproduces the reference values to ~1e-15 relative.
//! - `Fast`: f32, blocks of 16 events in structure-of-arrays layout, events sorted by label
//!   once (a block is all signal or all background), inputs pre-multiplied by
//!   `-n * s_k * log2(e)` so each sigmoid is `1 / (1 + 2^t)`, a degree-5 polynomial `exp2`
//!   (max relative error 2.3e-7 in f32), and a running complement `Q = 1 - S` accumulated as
//!   `Q_k = Q_{k-1} + P_{k-1} (1 - sigma_k)`, which stays exact where `1 - S` would cancel.
//!   Denormals are avoided rather than flushed through the FPU: `t` is clamped to `[-60, 60]`
//!   (each `sigma` and `1 - sigma` stays above `2^-60`) and a running product below `2^-60`
//!   is set to zero. Consequence: a signal event with score below ~8.7e-19 has BCE term 100
//!   (the reference clamp) instead of its true `-ln S`; its gradient is below 1e-6 either
//!   way. Per-lane partial sums are f32 inside a chunk of 512 events and f64 across chunks.
//!   The loop body is compiled for AVX-512 and AVX2+FMA as well as the portable baseline and
//!   the best one is picked at run time.
//!
//! Events are cut into chunks of 512 (never mixing classes); chunks run in parallel with rayon
//! and their partial sums are added in chunk order, so results do not depend on the number of
//! threads.

use rayon::prelude::*;

/// Events per block in the fast path (one SIMD-friendly group).
pub const LANES: usize = 16;
/// Blocks per parallel chunk (512 events: a chunk stays in L1 across all working points).
const CHUNK_BLOCKS: usize = 32;
/// Fast path: the exponent `t` of each sigmoid is clamped to `[-TMAX, TMAX]`.
const TMAX: f32 = 60.0;
/// Fast path: a running product below this (2^-60) is set to zero.
const FLUSH: f32 = 8.673_617e-19;
/// PyTorch's `BCELoss` backward guard.
const BCE_EPS: f64 = 1e-12;

/// Which arithmetic [`Prepared::evaluate`] uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// f64, `std` exp; the reference.
    Exact,
    /// f32 blocked kernel with polynomial exp2 (relative error ~1e-6 on the sums).
    Fast,
}

/// Why events could not be prepared for the kernel.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KernelError {
    /// Column, label or weight arrays of different lengths.
    #[error("{what} has {got} entries, expected {expected}")]
    Length {
        /// Which array.
        what: String,
        /// Its length.
        got: usize,
        /// The expected length.
        expected: usize,
    },
    /// A direction that is not +1 or -1.
    #[error("direction of feature {feature} is {value}, expected +1 or -1")]
    Direction {
        /// Feature index.
        feature: usize,
        /// The value given.
        value: f64,
    },
    /// A non-finite feature value or weight.
    #[error("event {event} has a non-finite {what} ({value}), expected a finite number")]
    NonFinite {
        /// Event index (in the order given).
        event: usize,
        /// `feature k` or `weight`.
        what: String,
        /// The value.
        value: f64,
    },
    /// The steepness is not a positive finite number.
    #[error("steepness {0} is not a positive finite number")]
    Steepness(f64),
    /// A class with no events or a zero weight total.
    #[error("{class} weights sum to {sum} over {events} events, expected a non-zero total")]
    ZeroWeight {
        /// `signal` or `background`.
        class: &'static str,
        /// Sum of weights.
        sum: f64,
        /// Events of that class.
        events: usize,
    },
    /// A bias array of the wrong length.
    #[error("{got} biases given, expected {expected} (working points x features)")]
    Biases {
        /// Length given.
        got: usize,
        /// A multiple of the feature count was expected.
        expected: usize,
    },
}

/// Per-working-point weighted sums and their bias gradients, as computed by the kernel.
#[derive(Clone, Debug, PartialEq)]
pub struct Sums {
    /// Working points `E`.
    pub points: usize,
    /// Features `m`.
    pub features: usize,
    /// `sum_{signal} w S`, length `E`.
    pub sig: Vec<f64>,
    /// `sum_{background} w S`, length `E`.
    pub bkg: Vec<f64>,
    /// `sum_i w l` (BCE numerator), length `E`.
    pub bce: Vec<f64>,
    /// `d sig_e / d b_ek`, row-major `E x m`.
    pub d_sig: Vec<f64>,
    /// `d bkg_e / d b_ek`, row-major `E x m`.
    pub d_bkg: Vec<f64>,
    /// `d bce_e / d b_ek`, row-major `E x m`.
    pub d_bce: Vec<f64>,
}

impl Sums {
    fn zeros(points: usize, features: usize) -> Sums {
        let z = vec![0.0; points * features];
        Sums {
            points,
            features,
            sig: vec![0.0; points],
            bkg: vec![0.0; points],
            bce: vec![0.0; points],
            d_sig: z.clone(),
            d_bkg: z.clone(),
            d_bce: z,
        }
    }

    fn add(&mut self, o: &Sums) {
        let pairs = [
            (&mut self.sig, &o.sig),
            (&mut self.bkg, &o.bkg),
            (&mut self.bce, &o.bce),
            (&mut self.d_sig, &o.d_sig),
            (&mut self.d_bkg, &o.d_bkg),
            (&mut self.d_bce, &o.d_bce),
        ];
        for (a, b) in pairs {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
    }
}

/// Events laid out once for the kernel: sorted by label, in both the f64 and the blocked f32
/// layouts.
#[derive(Clone, Debug)]
pub struct Prepared {
    m: usize,
    steepness: f64,
    directions: Vec<f64>,
    /// Position in the caller's order of each sorted event.
    order: Vec<usize>,
    /// Sorted events, row-major `events x m`, standardised.
    x: Vec<f64>,
    w: Vec<f64>,
    n_sig: usize,
    blocks_sig: usize,
    /// Blocked `blocks x m x LANES`: `-n * s_k * log2(e) * x`.
    u: Vec<f32>,
    /// Blocked `blocks x LANES` weights, 0 for padding.
    wf: Vec<f32>,
    sum_sig: f64,
    sum_bkg: f64,
}

impl Prepared {
    /// Lays out `columns[k][i]` (standardised feature `k` of event `i`), labels and weights;
    /// `directions[k]` is +1 (`>`) or -1 (`<`); `steepness` is `n`.
    pub fn new(
        columns: &[Vec<f64>],
        is_signal: &[bool],
        weights: &[f64],
        directions: &[f64],
        steepness: f64,
    ) -> Result<Prepared, KernelError> {
        let m = columns.len();
        let n = is_signal.len();
        if m == 0 {
            return Err(KernelError::Length {
                what: "the feature list".into(),
                got: 0,
                expected: 1,
            });
        }
        let len_err = |what: String, got: usize, expected: usize| {
            Err(KernelError::Length { what, got, expected })
        };
        if directions.len() != m {
            return len_err("the direction list".into(), directions.len(), m);
        }
        if weights.len() != n {
            return len_err("the weight array".into(), weights.len(), n);
        }
        for (k, c) in columns.iter().enumerate() {
            if c.len() != n {
                return len_err(format!("column {k}"), c.len(), n);
            }
        }
        for (k, &d) in directions.iter().enumerate() {
            if d != 1.0 && d != -1.0 {
                return Err(KernelError::Direction { feature: k, value: d });
            }
        }
        if !(steepness.is_finite() && steepness > 0.0) {
            return Err(KernelError::Steepness(steepness));
        }

        // Signal first, then background, each in the given order.
        let order: Vec<usize> =
            (0..n).filter(|&i| is_signal[i]).chain((0..n).filter(|&i| !is_signal[i])).collect();
        let n_sig = order.iter().take_while(|&&i| is_signal[i]).count();
        let mut x = Vec::with_capacity(n * m);
        let mut w = Vec::with_capacity(n);
        for &i in &order {
            for (k, c) in columns.iter().enumerate() {
                let v = c[i];
                if !v.is_finite() {
                    let what = format!("feature {k}");
                    return Err(KernelError::NonFinite { event: i, what, value: v });
                }
                x.push(v);
            }
            if !weights[i].is_finite() {
                let what = "weight".to_string();
                return Err(KernelError::NonFinite { event: i, what, value: weights[i] });
            }
            w.push(weights[i]);
        }
        let sum_sig: f64 = w[..n_sig].iter().sum();
        let sum_bkg: f64 = w[n_sig..].iter().sum();
        if n_sig == 0 || sum_sig == 0.0 {
            return Err(KernelError::ZeroWeight { class: "signal", sum: sum_sig, events: n_sig });
        }
        if n_sig == n || sum_bkg == 0.0 {
            let events = n - n_sig;
            return Err(KernelError::ZeroWeight { class: "background", sum: sum_bkg, events });
        }

        // Blocked f32 layout; each class padded to whole blocks with weight-0 events.
        let blocks_sig = n_sig.div_ceil(LANES);
        let blocks_bkg = (n - n_sig).div_ceil(LANES);
        let blocks = blocks_sig + blocks_bkg;
        let mut u = vec![0.0f32; blocks * m * LANES];
        let mut wf = vec![0.0f32; blocks * LANES];
        let pre: Vec<f64> =
            directions.iter().map(|d| -steepness * d * std::f64::consts::LOG2_E).collect();
        for (j, row) in x.chunks_exact(m).enumerate() {
            let (block, lane) =
                if j < n_sig { (j / LANES, j % LANES) } else { split_bkg(j - n_sig, blocks_sig) };
            for k in 0..m {
                u[(block * m + k) * LANES + lane] = (pre[k] * row[k]) as f32;
            }
            wf[block * LANES + lane] = w[j] as f32;
        }

        Ok(Prepared {
            m,
            steepness,
            directions: directions.to_vec(),
            order,
            x,
            w,
            n_sig,
            blocks_sig,
            u,
            wf,
            sum_sig,
            sum_bkg,
        })
    }

    /// Number of features.
    pub fn features(&self) -> usize {
        self.m
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.w.len()
    }

    /// True without events (never, for a successfully prepared set).
    pub fn is_empty(&self) -> bool {
        self.w.is_empty()
    }

    /// Total signal weight.
    pub fn sum_sig(&self) -> f64 {
        self.sum_sig
    }

    /// Total background weight.
    pub fn sum_bkg(&self) -> f64 {
        self.sum_bkg
    }

    /// The steepness `n`.
    pub fn steepness(&self) -> f64 {
        self.steepness
    }

    /// The cut directions (+1 / -1).
    pub fn directions(&self) -> &[f64] {
        &self.directions
    }

    fn check_biases(&self, biases: &[f64]) -> Result<usize, KernelError> {
        if self.m == 0 || !biases.len().is_multiple_of(self.m) || biases.is_empty() {
            return Err(KernelError::Biases { got: biases.len(), expected: self.m });
        }
        Ok(biases.len() / self.m)
    }

    /// The sums and gradients for row-major biases `E x m`.
    pub fn evaluate(&self, biases: &[f64], precision: Precision) -> Result<Sums, KernelError> {
        let points = self.check_biases(biases)?;
        let parts: Vec<Sums> = match precision {
            Precision::Exact => {
                let n = self.w.len();
                let chunk = CHUNK_BLOCKS * LANES;
                // Chunks never straddle the class boundary.
                let mut ranges = Vec::new();
                for (lo, hi) in [(0, self.n_sig), (self.n_sig, n)] {
                    let mut a = lo;
                    while a < hi {
                        ranges.push((a, (a + chunk).min(hi)));
                        a += chunk;
                    }
                }
                ranges.par_iter().map(|&(a, b)| self.exact_range(a, b, biases, points)).collect()
            }
            Precision::Fast => {
                let v: Vec<f32> = biases
                    .iter()
                    .map(|b| (-self.steepness * std::f64::consts::LOG2_E * b) as f32)
                    .collect();
                let blocks = self.wf.len() / LANES;
                let mut ranges = Vec::new();
                for (lo, hi) in [(0, self.blocks_sig), (self.blocks_sig, blocks)] {
                    let mut a = lo;
                    while a < hi {
                        ranges.push((a, (a + CHUNK_BLOCKS).min(hi)));
                        a += CHUNK_BLOCKS;
                    }
                }
                ranges
                    .par_iter()
                    .map(|&(a, b)| self.fast_range(a, b, a < self.blocks_sig, &v, points))
                    .collect()
            }
        };
        let mut total = Sums::zeros(points, self.m);
        for p in &parts {
            total.add(p);
        }
        Ok(total)
    }

    /// Scores `S_ie` (exact path), row-major `E x events`, events in the caller's order.
    pub fn scores(&self, biases: &[f64]) -> Result<Vec<f64>, KernelError> {
        let points = self.check_biases(biases)?;
        let n = self.w.len();
        let mut out = vec![0.0; points * n];
        for e in 0..points {
            let b = &biases[e * self.m..(e + 1) * self.m];
            for (j, row) in self.x.chunks_exact(self.m).enumerate() {
                let mut s = 1.0;
                for k in 0..self.m {
                    s *= sigmoid(self.steepness * (self.directions[k] * row[k] + b[k]));
                }
                out[e * n + self.order[j]] = s;
            }
        }
        Ok(out)
    }

    /// Exact path over sorted events `a..b` (one class).
    fn exact_range(&self, a: usize, b: usize, biases: &[f64], points: usize) -> Sums {
        let m = self.m;
        let n = self.steepness;
        let mut out = Sums::zeros(points, m);
        let mut om = vec![0.0f64; m];
        for e in 0..points {
            let bias = &biases[e * m..(e + 1) * m];
            let (mut s_acc, mut l_acc) = (0.0, 0.0);
            let d_s = &mut vec![0.0; m];
            let d_l = &mut vec![0.0; m];
            for j in a..b {
                let row = &self.x[j * m..(j + 1) * m];
                let w = self.w[j];
                let signal = j < self.n_sig;
                let mut s = 1.0;
                for k in 0..m {
                    let sg = sigmoid(n * (self.directions[k] * row[k] + bias[k]));
                    om[k] = 1.0 - sg;
                    s *= sg;
                }
                let q = 1.0 - s;
                let (y, l) =
                    if signal { (1.0, -s.ln().max(-100.0)) } else { (0.0, -q.ln().max(-100.0)) };
                let h = w * (s - y) * s / (s * q).max(BCE_EPS);
                s_acc += w * s;
                l_acc += w * l;
                let ws = w * s;
                for k in 0..m {
                    d_s[k] += ws * om[k];
                    d_l[k] += h * om[k];
                }
            }
            let (sum, grad) = if a < self.n_sig {
                (&mut out.sig, &mut out.d_sig)
            } else {
                (&mut out.bkg, &mut out.d_bkg)
            };
            sum[e] = s_acc;
            out.bce[e] = l_acc;
            for k in 0..m {
                grad[e * m + k] = n * d_s[k];
                out.d_bce[e * m + k] = n * d_l[k];
            }
        }
        out
    }

    /// Fast path over blocks `a..b` (one class).
    fn fast_range(&self, a: usize, b: usize, signal: bool, v: &[f32], points: usize) -> Sums {
        let m = self.m;
        let mut out = Sums::zeros(points, m);
        // acc: [sum wS, sum w l, m x d(wS), m x d(l)], each LANES wide.
        let mut acc = vec![0.0f32; (2 + 2 * m) * LANES];
        let mut om = vec![0.0f32; m * LANES];
        let u = &self.u[a * m * LANES..b * m * LANES];
        let wf = &self.wf[a * LANES..b * LANES];
        for e in 0..points {
            acc.iter_mut().for_each(|x| *x = 0.0);
            let ve = &v[e * m..(e + 1) * m];
            run_blocks(u, wf, ve, signal, &mut om, &mut acc);
            let lane_sum = |s: &[f32]| s.iter().map(|&x| x as f64).sum::<f64>();
            let s_sum = lane_sum(&acc[0..LANES]);
            let l_sum = lane_sum(&acc[LANES..2 * LANES]);
            let (sum, grad) = if signal {
                (&mut out.sig, &mut out.d_sig)
            } else {
                (&mut out.bkg, &mut out.d_bkg)
            };
            sum[e] = s_sum;
            out.bce[e] = l_sum;
            for k in 0..m {
                let ds = lane_sum(&acc[(2 + k) * LANES..(3 + k) * LANES]);
                let dl = lane_sum(&acc[(2 + m + k) * LANES..(3 + m + k) * LANES]);
                grad[e * m + k] = self.steepness * ds;
                out.d_bce[e * m + k] = self.steepness * dl;
            }
        }
        out
    }
}

/// Background event `j` (counted from the first background event): its (block, lane).
fn split_bkg(j: usize, blocks_sig: usize) -> (usize, usize) {
    (blocks_sig + j / LANES, j % LANES)
}

/// The logistic function in f64.
#[inline]
pub fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// Picks the widest instruction set the CPU has for the blocked loop.
fn run_blocks(u: &[f32], wf: &[f32], v: &[f32], signal: bool, om: &mut [f32], acc: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx512f") {
            // Safety: the CPU supports AVX-512F (checked just above), the only requirement of
            // `blocks_avx512`.
            unsafe { blocks_avx512(u, wf, v, signal, om, acc) };
            return;
        }
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            // Safety: the CPU supports AVX2 and FMA (checked just above), the only requirement
            // of `blocks_avx2`.
            unsafe { blocks_avx2(u, wf, v, signal, om, acc) };
            return;
        }
    }
    blocks_generic::<false>(u, wf, v, signal, om, acc);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
fn blocks_avx512(u: &[f32], wf: &[f32], v: &[f32], signal: bool, om: &mut [f32], acc: &mut [f32]) {
    blocks_generic::<true>(u, wf, v, signal, om, acc);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn blocks_avx2(u: &[f32], wf: &[f32], v: &[f32], signal: bool, om: &mut [f32], acc: &mut [f32]) {
    blocks_generic::<true>(u, wf, v, signal, om, acc);
}

/// `a * b + c`, fused when the caller was compiled with FMA (never a libm call).
#[inline(always)]
fn madd<const FMA: bool>(a: f32, b: f32, c: f32) -> f32 {
    if FMA {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// `2^t` for `|t| <= 60`: round to nearest integer with the 1.5 * 2^23 trick, a degree-5
/// polynomial on the remainder in [-0.5, 0.5] (max relative error 2.3e-7 in f32), and the
/// integer part put straight into the exponent bits.
#[inline(always)]
fn exp2_poly<const FMA: bool>(t: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0; // 1.5 * 2^23
    const MAGIC_BITS: i32 = 0x4B40_0000;
    let k = t + MAGIC;
    let i = (k.to_bits() as i32).wrapping_sub(MAGIC_BITS);
    let f = t - (k - MAGIC);
    let mut p = 1.339_086_3e-3f32;
    p = madd::<FMA>(p, f, 9.676_032e-3);
    p = madd::<FMA>(p, f, 5.550_357e-2);
    p = madd::<FMA>(p, f, 2.402_210_7e-1);
    p = madd::<FMA>(p, f, 6.931_472e-1);
    p = madd::<FMA>(p, f, 1.000_000_1);
    let scale = f32::from_bits(((i + 127) as u32) << 23);
    p * scale
}

/// Natural log of a positive normal f32 (relative error ~1e-7): exponent from the bits, the
/// mantissa moved into [sqrt(1/2), sqrt(2)) and `ln m = 2 atanh((m - 1) / (m + 1))` by its
/// series to the 9th power.
#[inline(always)]
fn ln_poly<const FMA: bool>(x: f32) -> f32 {
    let bits = x.to_bits();
    let mut e = ((bits >> 23) & 0xff) as i32 - 127;
    let mut mant = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    let big = mant > std::f32::consts::SQRT_2;
    mant = if big { mant * 0.5 } else { mant };
    e += big as i32;
    let f = (mant - 1.0) / (mant + 1.0);
    let f2 = f * f;
    let mut p = 1.0f32 / 9.0;
    p = madd::<FMA>(p, f2, 1.0 / 7.0);
    p = madd::<FMA>(p, f2, 1.0 / 5.0);
    p = madd::<FMA>(p, f2, 1.0 / 3.0);
    p = madd::<FMA>(p, f2, 1.0);
    madd::<FMA>(e as f32, std::f32::consts::LN_2, 2.0 * f * p)
}

/// The blocked loop over whole blocks of one class, for one working point (biases `v`
/// pre-multiplied like `u`). `om` is scratch `m x LANES`; `acc` accumulates per lane.
#[inline(always)]
fn blocks_generic<const FMA: bool>(
    u: &[f32],
    wf: &[f32],
    v: &[f32],
    signal: bool,
    om: &mut [f32],
    acc: &mut [f32],
) {
    let m = v.len();
    let (acc_s, rest) = acc.split_at_mut(LANES);
    let (acc_l, rest) = rest.split_at_mut(LANES);
    let (acc_ds, acc_dl) = rest.split_at_mut(m * LANES);
    let acc_s: &mut [f32; LANES] = acc_s.try_into().expect("LANES wide");
    let acc_l: &mut [f32; LANES] = acc_l.try_into().expect("LANES wide");
    for (ub, wb) in u.chunks_exact(m * LANES).zip(wf.chunks_exact(LANES)) {
        let wb: &[f32; LANES] = wb.try_into().expect("LANES wide");
        let mut p = [1.0f32; LANES];
        let mut q = [0.0f32; LANES];
        for ((uk, omk), &vk) in ub.chunks_exact(LANES).zip(om.chunks_exact_mut(LANES)).zip(v) {
            let uk: &[f32; LANES] = uk.try_into().expect("LANES wide");
            let omk: &mut [f32; LANES] = omk.try_into().expect("LANES wide");
            for l in 0..LANES {
                let mut t = uk[l] + vk;
                t = if t > TMAX { TMAX } else { t };
                t = if t < -TMAX { -TMAX } else { t };
                let ex = exp2_poly::<FMA>(t);
                let d = 1.0 / (1.0 + ex);
                let o = ex * d;
                q[l] = madd::<FMA>(p[l], o, q[l]);
                let np = p[l] * d;
                p[l] = if np < FLUSH { 0.0 } else { np };
                omk[l] = o;
            }
        }
        let mut a = [0.0f32; LANES];
        let mut h = [0.0f32; LANES];
        for l in 0..LANES {
            let (s, qq, w) = (p[l], q[l], wb[l]);
            let sq = s * qq;
            let guard = if sq > 1e-12 { sq } else { 1e-12 };
            let (target, hh) = if signal { (s, -w * sq / guard) } else { (qq, w * s * s / guard) };
            let ln = ln_poly::<FMA>(if target > 0.0 { target } else { 1.0 });
            let lv = if target > 0.0 { -(if ln > -100.0 { ln } else { -100.0 }) } else { 100.0 };
            a[l] = w * s;
            h[l] = hh;
            acc_s[l] += a[l];
            acc_l[l] = madd::<FMA>(w, lv, acc_l[l]);
        }
        for ((omk, ds), dl) in om
            .chunks_exact(LANES)
            .zip(acc_ds.chunks_exact_mut(LANES))
            .zip(acc_dl.chunks_exact_mut(LANES))
        {
            for l in 0..LANES {
                ds[l] = madd::<FMA>(a[l], omk[l], ds[l]);
                dl[l] = madd::<FMA>(h[l], omk[l], dl[l]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy(n: usize, m: usize, seed: u64) -> (Vec<Vec<f64>>, Vec<bool>, Vec<f64>) {
        let mut s = seed;
        let mut next = || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 11) as f64) / ((1u64 << 53) as f64)
        };
        let y: Vec<bool> = (0..n).map(|_| next() < 0.4).collect();
        let cols = (0..m)
            .map(|k| {
                (0..n)
                    .map(|i| (next() - 0.5) * 3.0 + if y[i] { 0.3 * (k as f64 - 1.0) } else { 0.0 })
                    .collect()
            })
            .collect();
        let w = (0..n).map(|_| 0.5 + next()).collect();
        (cols, y, w)
    }

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs().max(1e-3)
    }

    #[test]
    fn exp2_and_ln_polynomials_are_accurate() {
        let mut worst = 0.0f64;
        for i in -6000..=6000 {
            let t = i as f32 * 0.01;
            let r = exp2_poly::<false>(t) as f64 / 2f64.powf(t as f64) - 1.0;
            worst = worst.max(r.abs());
        }
        assert!(worst < 3e-7, "exp2 worst relative error {worst}");
        let mut worst_ln = 0.0f64;
        for i in 1..2000 {
            let x = (i as f32 / 2000.0).powi(9);
            let r = ln_poly::<false>(x) as f64 - (x as f64).ln();
            worst_ln = worst_ln.max(r.abs());
        }
        assert!(worst_ln < 2e-5, "ln worst absolute error {worst_ln}");
    }

    #[test]
    fn fast_matches_exact_and_is_thread_independent() {
        // 2,000 events: several chunks and a partial block per class.
        let (cols, y, w) = toy(2003, 4, 7);
        let p = Prepared::new(&cols, &y, &w, &[1.0, -1.0, 1.0, -1.0], 15.0).unwrap();
        let biases: Vec<f64> = (0..3 * 4).map(|i| 0.3 * ((i as f64) * 0.7).sin() + 0.4).collect();
        let ex = p.evaluate(&biases, Precision::Exact).unwrap();
        let fa = p.evaluate(&biases, Precision::Fast).unwrap();
        for e in 0..3 {
            assert!(rel(fa.sig[e], ex.sig[e]) < 1e-5, "sig {} vs {}", fa.sig[e], ex.sig[e]);
            assert!(rel(fa.bkg[e], ex.bkg[e]) < 1e-5);
        }
        for i in 0..12 {
            assert!(rel(fa.d_sig[i], ex.d_sig[i]) < 1e-4, "{} vs {}", fa.d_sig[i], ex.d_sig[i]);
            assert!(rel(fa.d_bkg[i], ex.d_bkg[i]) < 1e-4);
            assert!(rel(fa.d_bce[i], ex.d_bce[i]) < 1e-4, "{} vs {}", fa.d_bce[i], ex.d_bce[i]);
        }
        // BCE values differ where a signal score is flushed below 2^-60 (documented), so they
        // are compared at a lower steepness where no score gets that small.
        let p4 = Prepared::new(&cols, &y, &w, &[1.0, -1.0, 1.0, -1.0], 4.0).unwrap();
        let ex4 = p4.evaluate(&biases, Precision::Exact).unwrap();
        let fa4 = p4.evaluate(&biases, Precision::Fast).unwrap();
        for e in 0..3 {
            assert!(rel(fa4.bce[e], ex4.bce[e]) < 1e-5, "bce {} vs {}", fa4.bce[e], ex4.bce[e]);
        }
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let fa1 = one.install(|| p.evaluate(&biases, Precision::Fast).unwrap());
        assert_eq!(fa1, fa, "results depend on the thread count");
    }

    #[test]
    fn exact_gradient_matches_finite_differences() {
        let (cols, y, w) = toy(300, 3, 3);
        // Steepness 3 keeps every score inside the range where PyTorch's BCE backward (with its
        // 1e-12 guard) is the true derivative of the clamped forward.
        let p = Prepared::new(&cols, &y, &w, &[1.0, 1.0, -1.0], 3.0).unwrap();
        let b = vec![0.2, -0.1, 0.3];
        let s = p.evaluate(&b, Precision::Exact).unwrap();
        for k in 0..3 {
            let h = 1e-6;
            let mut bp = b.clone();
            bp[k] += h;
            let mut bm = b.clone();
            bm[k] -= h;
            let sp = p.evaluate(&bp, Precision::Exact).unwrap();
            let sm = p.evaluate(&bm, Precision::Exact).unwrap();
            let fd = |a: &[f64], c: &[f64]| (a[0] - c[0]) / (2.0 * h);
            assert!(rel(fd(&sp.sig, &sm.sig), s.d_sig[k]) < 1e-6);
            assert!(rel(fd(&sp.bkg, &sm.bkg), s.d_bkg[k]) < 1e-6);
            assert!(rel(fd(&sp.bce, &sm.bce), s.d_bce[k]) < 1e-5);
        }
    }

    #[test]
    fn rejects_bad_input() {
        let (cols, y, w) = toy(50, 2, 1);
        assert!(matches!(
            Prepared::new(&cols, &y, &w, &[1.0, 0.5], 15.0),
            Err(KernelError::Direction { feature: 1, .. })
        ));
        assert!(matches!(
            Prepared::new(&cols, &y[..10], &w, &[1.0, 1.0], 15.0),
            Err(KernelError::Length { .. })
        ));
        let all_sig = vec![true; 50];
        assert!(matches!(
            Prepared::new(&cols, &all_sig, &w, &[1.0, 1.0], 15.0),
            Err(KernelError::ZeroWeight { class: "background", .. })
        ));
        let p = Prepared::new(&cols, &y, &w, &[1.0, 1.0], 15.0).unwrap();
        assert!(matches!(p.evaluate(&[0.0; 3], Precision::Fast), Err(KernelError::Biases { .. })));
    }
}
