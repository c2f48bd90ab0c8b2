//! [`Adam`]: Adam and AMSGrad, as `torch.optim.Adam`.

use super::Optimizer;
use crate::Value;

/// Hyper-parameters of [`Adam`]; the defaults are PyTorch's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamConfig {
    /// Learning rate (default 0.001).
    pub lr: f64,
    /// Decay rates of the first and second moment estimates (default (0.9, 0.999)).
    pub betas: (f64, f64),
    /// Added to the denominator for stability (default 1e−8).
    pub eps: f64,
    /// L2 penalty added to the gradient (default 0).
    pub weight_decay: f64,
    /// Use the running maximum of the second moment (AMSGrad), as the tutorial does.
    pub amsgrad: bool,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig {
            lr: 1e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            amsgrad: false,
        }
    }
}

/// Adam with PyTorch's exact update rule, per parameter `p` with gradient `g`, at step
/// `t = 1, 2, …`, with `m`, `v` and `v̂max` starting at 0:
///
/// ```text
/// g ← g + weight_decay·p
/// m ← m + (1 − β₁)·(g − m)          (torch's lerp; = β₁·m + (1 − β₁)·g)
/// v ← β₂·v + (1 − β₂)·g²
/// v̂ ← max(v̂max, v) if amsgrad, else v
/// p ← p − (lr / (1 − β₁ᵗ)) · m / (√v̂ / √(1 − β₂ᵗ) + eps)
/// ```
///
/// ```
/// use scalargrad::Graph;
/// use scalargrad::optim::{Adam, AdamConfig, Optimizer};
/// let g = Graph::new();
/// let w = g.value(1.0);
/// let mut adam = Adam::new(vec![w], AdamConfig { amsgrad: true, ..Default::default() });
/// (w * 3.0).backward();
/// adam.step();
/// // The first step moves by about lr: m̂ / √v̂ = g / |g|.
/// assert!((w.data() - (1.0 - 0.001)).abs() < 1e-10);
/// ```
#[derive(Clone, Debug)]
pub struct Adam<'g> {
    params: Vec<Value<'g>>,
    /// The learning rate and the rest, changeable between steps.
    pub config: AdamConfig,
    step: u64,
    m: Vec<f64>,
    v: Vec<f64>,
    v_max: Vec<f64>,
}

impl<'g> Adam<'g> {
    /// An optimizer for `params`.
    #[must_use]
    pub fn new(params: Vec<Value<'g>>, config: AdamConfig) -> Self {
        let n = params.len();
        Adam {
            params,
            config,
            step: 0,
            m: vec![0.0; n],
            v: vec![0.0; n],
            v_max: vec![0.0; n],
        }
    }

    /// How many steps have been taken.
    #[must_use]
    pub fn steps(&self) -> u64 {
        self.step
    }
}

impl Optimizer for Adam<'_> {
    fn step(&mut self) {
        self.step += 1;
        let c = self.config;
        let (b1, b2) = c.betas;
        #[allow(clippy::cast_precision_loss)]
        let t = self.step as f64;
        let bias_correction1 = 1.0 - b1.powf(t);
        let bias_correction2_sqrt = (1.0 - b2.powf(t)).sqrt();
        let step_size = c.lr / bias_correction1;
        for (i, p) in self.params.iter().enumerate() {
            let mut g = p.grad();
            if c.weight_decay != 0.0 {
                g += c.weight_decay * p.data();
            }
            self.m[i] += (1.0 - b1) * (g - self.m[i]);
            self.v[i] = self.v[i] * b2 + (1.0 - b2) * g * g;
            let v_hat = if c.amsgrad {
                self.v_max[i] = self.v_max[i].max(self.v[i]);
                self.v_max[i]
            } else {
                self.v[i]
            };
            let denom = v_hat.sqrt() / bias_correction2_sqrt + c.eps;
            p.set_data(p.data() - step_size * (self.m[i] / denom));
        }
    }

    fn zero_grad(&self) {
        for p in &self.params {
            p.zero_grad();
        }
    }
}
