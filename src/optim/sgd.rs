//! [`Sgd`]: stochastic gradient descent, as `torch.optim.SGD`.

use super::Optimizer;
use crate::Value;

/// Hyper-parameters of [`Sgd`]; the defaults are PyTorch's (with `lr = 0.01`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdConfig {
    /// Learning rate.
    pub lr: f64,
    /// Momentum factor (0 disables momentum).
    pub momentum: f64,
    /// Dampening for momentum.
    pub dampening: f64,
    /// Nesterov momentum.
    pub nesterov: bool,
    /// L2 penalty added to the gradient.
    pub weight_decay: f64,
}

impl Default for SgdConfig {
    fn default() -> Self {
        SgdConfig {
            lr: 0.01,
            momentum: 0.0,
            dampening: 0.0,
            nesterov: false,
            weight_decay: 0.0,
        }
    }
}

/// Stochastic gradient descent with PyTorch's update rule, per parameter `p` with gradient `g`:
///
/// ```text
/// g ← g + weight_decay·p
/// if momentum ≠ 0:  b ← g on the first step, else b ← momentum·b + (1 − dampening)·g
///                   g ← g + momentum·b if nesterov, else b
/// p ← p − lr·g
/// ```
#[derive(Clone, Debug)]
pub struct Sgd<'g> {
    params: Vec<Value<'g>>,
    /// The learning rate and the rest, changeable between steps (e.g. for a schedule).
    pub config: SgdConfig,
    momentum_buffer: Option<Vec<f64>>,
}

impl<'g> Sgd<'g> {
    /// An optimizer for `params`.
    #[must_use]
    pub fn new(params: Vec<Value<'g>>, config: SgdConfig) -> Self {
        Sgd {
            params,
            config,
            momentum_buffer: None,
        }
    }
}

impl Optimizer for Sgd<'_> {
    fn step(&mut self) {
        let c = self.config;
        let first = self.momentum_buffer.is_none();
        let buffer = self
            .momentum_buffer
            .get_or_insert_with(|| vec![0.0; self.params.len()]);
        for (p, b) in self.params.iter().zip(buffer.iter_mut()) {
            let mut g = p.grad();
            if c.weight_decay != 0.0 {
                g += c.weight_decay * p.data();
            }
            if c.momentum != 0.0 {
                *b = if first {
                    g
                } else {
                    c.momentum * *b + (1.0 - c.dampening) * g
                };
                g = if c.nesterov { g + c.momentum * *b } else { *b };
            }
            p.set_data(p.data() - c.lr * g);
        }
    }

    fn zero_grad(&self) {
        for p in &self.params {
            p.zero_grad();
        }
    }
}
