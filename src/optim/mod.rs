//! Optimizers that follow PyTorch's update rules exactly: [`Sgd`] and [`Adam`] (with
//! AMSGrad).
//!
//! ```
//! use scalargrad::Graph;
//! use scalargrad::optim::{Optimizer, Sgd, SgdConfig};
//!
//! let g = Graph::new();
//! let w = g.value(1.0);
//! let mut opt = Sgd::new(vec![w], SgdConfig { lr: 0.5, ..Default::default() });
//! let cp = g.checkpoint();
//! (w * w).backward(); // d/dw w² = 2
//! opt.step();
//! opt.zero_grad();
//! g.rewind(cp);
//! assert_eq!(w.data(), 0.0); // 1 − 0.5·2
//! ```

mod adam;
mod sgd;

pub use adam::{Adam, AdamConfig};
pub use sgd::{Sgd, SgdConfig};

/// Updates parameters from their gradients.
pub trait Optimizer {
    /// One update of every parameter from its current gradient.
    fn step(&mut self);
    /// Sets every parameter's gradient to 0.
    fn zero_grad(&self);
}
