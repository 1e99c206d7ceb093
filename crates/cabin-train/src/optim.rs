//! Full-batch optimisers for the bias `Var`: plain SGD (the paper's recipe) and Adam.
//!
//! Both update `b <- b - step` from the gradient of the total loss; Adam keeps the usual
//! bias-corrected first and second moment estimates (`beta1`, `beta2`, `eps = 1e-8`), as
//! PyTorch's `Adam` without weight decay.

use candle_core::{Tensor, Var};
use serde::{Deserialize, Serialize};

/// Which optimiser.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    /// Stochastic gradient descent, here full batch.
    Sgd,
    /// Adam.
    Adam,
}

/// Optimiser state.
#[derive(Clone, Debug)]
pub struct Optimizer {
    kind: OptimizerKind,
    lr: f64,
    beta1: f64,
    beta2: f64,
    m: Vec<f64>,
    v: Vec<f64>,
    t: i32,
}

impl Optimizer {
    /// A fresh optimiser with learning rate `lr` (Adam moments `beta1`, `beta2`).
    pub fn new(kind: OptimizerKind, lr: f64, beta1: f64, beta2: f64) -> Optimizer {
        Optimizer { kind, lr, beta1, beta2, m: Vec::new(), v: Vec::new(), t: 0 }
    }

    /// One step on `var` with gradient `grad` (same shape).
    pub fn step(&mut self, var: &Var, grad: &Tensor) -> candle_core::Result<()> {
        let g: Vec<f64> = grad.to_dtype(candle_core::DType::F64)?.flatten_all()?.to_vec1()?;
        let mut b: Vec<f64> =
            var.as_tensor().to_dtype(candle_core::DType::F64)?.flatten_all()?.to_vec1()?;
        match self.kind {
            OptimizerKind::Sgd => {
                for (x, gi) in b.iter_mut().zip(&g) {
                    *x -= self.lr * gi;
                }
            }
            OptimizerKind::Adam => {
                if self.m.len() != g.len() {
                    self.m = vec![0.0; g.len()];
                    self.v = vec![0.0; g.len()];
                    self.t = 0;
                }
                self.t += 1;
                let c1 = 1.0 - self.beta1.powi(self.t);
                let c2 = 1.0 - self.beta2.powi(self.t);
                for i in 0..g.len() {
                    self.m[i] = self.beta1 * self.m[i] + (1.0 - self.beta1) * g[i];
                    self.v[i] = self.beta2 * self.v[i] + (1.0 - self.beta2) * g[i] * g[i];
                    let mh = self.m[i] / c1;
                    let vh = self.v[i] / c2;
                    b[i] -= self.lr * mh / (vh.sqrt() + 1e-8);
                }
            }
        }
        let t = Tensor::from_vec(b, var.as_tensor().shape(), var.as_tensor().device())?
            .to_dtype(var.as_tensor().dtype())?;
        var.set(&t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn adam_first_step_moves_each_bias_by_lr() {
        let v = Var::from_vec(vec![1.0f64, -2.0], 2, &Device::Cpu).unwrap();
        let g = Tensor::from_vec(vec![0.3f64, -40.0], 2, &Device::Cpu).unwrap();
        let mut o = Optimizer::new(OptimizerKind::Adam, 0.05, 0.9, 0.99);
        o.step(&v, &g).unwrap();
        let b: Vec<f64> = v.as_tensor().to_vec1().unwrap();
        assert!((b[0] - 0.95).abs() < 1e-6 && (b[1] + 1.95).abs() < 1e-6, "{b:?}");
    }

    #[test]
    fn sgd_step_is_lr_times_gradient() {
        let v = Var::from_vec(vec![1.0f64, -2.0], 2, &Device::Cpu).unwrap();
        let g = Tensor::from_vec(vec![0.2f64, -4.0], 2, &Device::Cpu).unwrap();
        let mut o = Optimizer::new(OptimizerKind::Sgd, 0.5, 0.9, 0.99);
        o.step(&v, &g).unwrap();
        let b: Vec<f64> = v.as_tensor().to_vec1().unwrap();
        assert_eq!(b, vec![0.9, 0.0]);
    }
}
