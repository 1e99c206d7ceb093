//! Learn rectangular selection cuts with the CABIN method ("Cuts As Biases In Networks").
#![deny(missing_docs)]

pub mod baselines;
pub mod binned;
pub mod data;
pub mod direction;
pub mod eval;
pub mod hard;
pub mod kernel;
pub mod layout;
pub mod learned;
pub mod loss;
pub mod op;
pub mod optim;
pub mod pipeline;
pub mod quantize;
pub mod significance;
