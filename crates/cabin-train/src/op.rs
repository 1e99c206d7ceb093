//! The fused kernel as one candle custom op with an analytic backward.
//!
//! [`CabinSums`] maps the bias tensor `b` (shape `E x m`, f32 or f64) to the raw weighted sums
//! `(E, 3)`: column 0 `sum_{sig} w S`, column 1 `sum_{bkg} w S`, column 2 `sum w l_BCE` (see
//! [`crate::kernel`]). The kernel computes the values and their Jacobian `(E, 3, m)` in one pass
//! over the events; the forward keeps the Jacobian and the backward contracts it with the
//! incoming gradient: `grad_b[e, k] = sum_j grad[e, j] * J[e, j, k]`. Everything after the
//! sums (normalisation, the loss, the smoothness term) is ordinary candle autograd.

use std::sync::{Arc, Mutex};

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp1, DType, Layout, Shape, Tensor};

use crate::kernel::{Precision, Prepared, Sums};

/// The custom op; build one per forward pass (it keeps that pass's Jacobian for the backward).
#[derive(Debug)]
pub struct CabinSums {
    events: Arc<Prepared>,
    precision: Precision,
    /// `(biases, Jacobian E x 3 x m)` of the last forward.
    jacobian: Mutex<Option<(Vec<f64>, Vec<f64>)>>,
}

impl CabinSums {
    /// An op over `events` in the given arithmetic.
    pub fn new(events: Arc<Prepared>, precision: Precision) -> CabinSums {
        CabinSums { events, precision, jacobian: Mutex::new(None) }
    }

    /// Applies the op to `biases` (`E x m`): the `(E, 3)` sums tensor, tracked by autograd.
    pub fn apply(self, biases: &Tensor) -> candle_core::Result<Tensor> {
        biases.apply_op1(self)
    }

    fn run(&self, biases: &[f64]) -> candle_core::Result<Sums> {
        self.events
            .evaluate(biases, self.precision)
            .map_err(|e| candle_core::Error::Msg(format!("cabin kernel: {e}")))
    }
}

/// `(E, 3, m)` row-major Jacobian from the kernel's gradients.
fn jacobian(s: &Sums) -> Vec<f64> {
    let (e_n, m) = (s.points, s.features);
    let mut j = Vec::with_capacity(e_n * 3 * m);
    for e in 0..e_n {
        for g in [&s.d_sig, &s.d_bkg, &s.d_bce] {
            j.extend_from_slice(&g[e * m..(e + 1) * m]);
        }
    }
    j
}

fn biases_f64(storage: &CpuStorage, layout: &Layout) -> candle_core::Result<Vec<f64>> {
    let contiguous = |v: Vec<f64>| -> candle_core::Result<Vec<f64>> {
        match layout.contiguous_offsets() {
            Some((a, b)) => Ok(v[a..b].to_vec()),
            None => Err(candle_core::Error::Msg("cabin-sums needs contiguous biases".into())),
        }
    };
    match storage {
        CpuStorage::F64(v) => contiguous(v.clone()),
        CpuStorage::F32(v) => contiguous(v.iter().map(|&x| x as f64).collect()),
        other => Err(candle_core::Error::Msg(format!(
            "cabin-sums takes f32 or f64 biases, got {:?}",
            other.dtype()
        ))),
    }
}

impl CustomOp1 for CabinSums {
    fn name(&self) -> &'static str {
        "cabin-sums"
    }

    fn cpu_fwd(
        &self,
        storage: &CpuStorage,
        layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let dims = layout.shape().dims();
        let m = self.events.features();
        if dims.len() != 2 || dims[1] != m {
            return Err(candle_core::Error::Msg(format!(
                "cabin-sums takes biases of shape (points, {m}), got {dims:?}"
            )));
        }
        let b = biases_f64(storage, layout)?;
        let s = self.run(&b)?;
        let mut out = Vec::with_capacity(s.points * 3);
        for e in 0..s.points {
            out.extend_from_slice(&[s.sig[e], s.bkg[e], s.bce[e]]);
        }
        let jac = jacobian(&s);
        if let Ok(mut slot) = self.jacobian.lock() {
            *slot = Some((b, jac));
        }
        let shape = Shape::from((s.points, 3));
        let storage = match storage.dtype() {
            DType::F32 => CpuStorage::F32(out.iter().map(|&x| x as f32).collect()),
            _ => CpuStorage::F64(out),
        };
        Ok((storage, shape))
    }

    fn bwd(
        &self,
        arg: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> candle_core::Result<Option<Tensor>> {
        let b: Vec<f64> = arg.to_dtype(DType::F64)?.flatten_all()?.to_vec1()?;
        let cached = self
            .jacobian
            .lock()
            .ok()
            .and_then(|slot| slot.as_ref().filter(|(cb, _)| *cb == b).map(|(_, j)| j.clone()));
        let jac = match cached {
            Some(j) => j,
            None => jacobian(&self.run(&b)?),
        };
        let (points, m) = arg.dims2()?;
        let j = Tensor::from_vec(jac, (points, 3, m), arg.device())?.to_dtype(arg.dtype())?;
        let g = grad_res.unsqueeze(2)?.broadcast_mul(&j)?.sum(1)?;
        Ok(Some(g))
    }
}
