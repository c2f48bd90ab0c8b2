//! [`RmsProp`]: RMSprop, as `torch.optim.RMSprop`.

use super::{Optimizer, check_range, lerp};
use crate::{Result, Value};

/// Hyper-parameters of [`RmsProp`]; the field names and defaults are `torch.optim.RMSprop`'s.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RmsPropConfig {
    /// Learning rate, in `[0, ∞)` (default 0.01).
    pub lr: f64,
    /// Smoothing constant of the running average of squared gradients, in `[0, ∞)`
    /// (default 0.99).
    pub alpha: f64,
    /// Added to the denominator for stability, in `[0, ∞)` (default 1e−8).
    pub eps: f64,
    /// L2 penalty added to the gradient, in `[0, ∞)` (default 0).
    pub weight_decay: f64,
    /// Momentum factor, in `[0, ∞)` (default 0: no momentum buffer).
    pub momentum: f64,
    /// Divide by an estimate of the gradient's variance (the running average of squares
    /// minus the square of the running average) instead of its second moment (default
    /// false).
    pub centered: bool,
    /// Maximize the objective instead of minimizing it (default false).
    pub maximize: bool,
}

impl Default for RmsPropConfig {
    fn default() -> Self {
        RmsPropConfig {
            lr: 1e-2,
            alpha: 0.99,
            eps: 1e-8,
            weight_decay: 0.0,
            momentum: 0.0,
            centered: false,
            maximize: false,
        }
    }
}

impl RmsPropConfig {
    /// Checks the hyper-parameters as `torch.optim.RMSprop` does (NaN is out of every range).
    /// Like torch, it lets `alpha > 1` through.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) naming the field and its
    /// allowed range: `lr`, `eps`, `momentum`, `weight_decay` or `alpha` below 0.
    ///
    /// ```
    /// use scalargrad::optim::RmsPropConfig;
    /// let bad = RmsPropConfig { alpha: -0.9, ..Default::default() };
    /// let err = bad.validate().unwrap_err().to_string();
    /// assert_eq!(err, "RmsPropConfig: alpha must be in [0, ∞), found -0.9");
    /// ```
    #[inline(always)]
    pub fn validate(&self) -> Result<()> {
        const WHAT: &str = "RmsPropConfig";
        check_range(WHAT, "lr", self.lr, 0.0, None)?;
        check_range(WHAT, "eps", self.eps, 0.0, None)?;
        check_range(WHAT, "momentum", self.momentum, 0.0, None)?;
        check_range(WHAT, "weight_decay", self.weight_decay, 0.0, None)?;
        check_range(WHAT, "alpha", self.alpha, 0.0, None)
    }
}

/// RMSprop with `torch.optim.RMSprop`'s update rule, operation for operation; bit for bit
/// except that our square root is correctly rounded and torch's (MKL) not always (see the
/// [module docs](super#bit-for-bit-with-pytorch)). Per parameter `p` with gradient `g`, with
/// the averages `v`, `ḡ` and the buffer `b` starting at 0, and `fma(a, b, c)` being `a·b + c`
/// rounded once:
///
/// ```text
/// g ← −g                                   if maximize
/// g ← fma(weight_decay, p, g)              if weight_decay ≠ 0
/// v ← fma((1 − α)·g, g, α·v)
/// if centered:
///     ḡ ← lerp(ḡ, g, 1 − α)                 (torch's lerp, as in Adam)
///     d ← √fma(−ḡ, ḡ, v) + eps
/// else:
///     d ← √v + eps                         (√ correctly rounded)
/// if momentum > 0:
///     b ← momentum·b + g / d
///     p ← fma(−lr, b, p)
/// else:
///     p ← p + (−lr·g) / d
/// ```
///
/// Unlike AdaGrad's sum, the running average forgets old gradients, so the steps do not
/// shrink for ever (Hinton's lecture 6e of *Neural Networks for Machine Learning*, 2012).
///
/// ```
/// use scalargrad::Graph;
/// use scalargrad::optim::{Optimizer, RmsProp, RmsPropConfig};
/// # fn main() -> scalargrad::Result<()> {
/// let g = Graph::new();
/// let w = g.value(1.0);
/// let mut opt = RmsProp::new(vec![w], RmsPropConfig::default())?;
/// (w * 3.0).backward();
/// opt.step();
/// // v = (1 − α)·3² = 0.09, so the first step is lr·3/(√0.09 + eps) ≈ 10·lr.
/// assert!((w.data() - (1.0 - 0.1)).abs() < 1e-8);
/// # Ok(())
/// # }
/// ```
///
/// # Panics
///
/// [`Optimizer::step`] panics if [`config`](RmsProp::config) was changed after
/// [`RmsProp::new`] into one that [`RmsPropConfig::validate`] rejects.
#[derive(Clone, Debug)]
pub struct RmsProp<'g> {
    params: Vec<Value<'g>>,
    /// The learning rate and the rest, changeable between steps. Each step checks it again.
    pub config: RmsPropConfig,
    step: u64,
    square_avg: Vec<f64>,
    grad_avg: Vec<f64>,
    momentum_buffer: Vec<f64>,
}

impl<'g> RmsProp<'g> {
    /// An optimizer for `params`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) if
    /// [`RmsPropConfig::validate`] rejects `config`.
    pub fn new(params: Vec<Value<'g>>, config: RmsPropConfig) -> Result<Self> {
        config.validate()?;
        let n = params.len();
        Ok(RmsProp {
            params,
            config,
            step: 0,
            square_avg: vec![0.0; n],
            grad_avg: vec![0.0; n],
            momentum_buffer: vec![0.0; n],
        })
    }

    /// How many steps have been taken.
    #[must_use]
    pub fn steps(&self) -> u64 {
        self.step
    }
}

impl RmsProp<'_> {
    /// The update of every parameter. Inlined into both callers: the plain one, and the one
    /// compiled with hardware FMA.
    #[inline(always)]
    pub(super) fn update(&mut self) {
        let c = self.config;
        let a = c.alpha;
        let state = self
            .square_avg
            .iter_mut()
            .zip(&mut self.grad_avg)
            .zip(&mut self.momentum_buffer);
        for (p, ((v, m), b)) in self.params.iter().zip(state) {
            p.update_data(|data, grad| {
                let g = super::preamble(grad, data, c.maximize, c.weight_decay);
                // torch: square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
                *v = ((1.0 - a) * g).mul_add(g, *v * a);
                let avg = if c.centered {
                    // torch: grad_avg.lerp_(grad, 1 - alpha)
                    *m = lerp(*m, g, 1.0 - a);
                    // torch: square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
                    (-*m).mul_add(*m, *v).sqrt()
                } else {
                    v.sqrt()
                };
                // torch: avg.add_(eps)
                let avg = avg + c.eps;
                if c.momentum > 0.0 {
                    // torch: buf.mul_(momentum).addcdiv_(grad, avg), not fused;
                    // param.add_(buf, alpha=-lr)
                    *b = *b * c.momentum + g / avg;
                    (-c.lr).mul_add(*b, data)
                } else {
                    // torch: param.addcdiv_(grad, avg, value=-lr), not fused.
                    data + (-c.lr * g) / avg
                }
            });
        }
    }
}

impl super::fma::Update for RmsProp<'_> {
    type Args = ();
    #[inline(always)]
    fn run(&mut self, (): ()) {
        self.update();
    }
}

impl Optimizer for RmsProp<'_> {
    fn step(&mut self) {
        if let Err(e) = self.config.validate() {
            panic!("RmsProp::step: {e} (config was changed after RmsProp::new)");
        }
        self.step += 1;
        super::fma::with_fma(self, ());
    }

    #[inline]
    fn zero_grad(&self) {
        for p in &self.params {
            p.zero_grad();
        }
    }
}
