//! [`Adam`]: Adam and AMSGrad, as `torch.optim.Adam`.

use super::{Optimizer, check_range, lerp, maximum};
use crate::{Result, Value};

/// Hyper-parameters of [`Adam`]; the defaults are PyTorch's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamConfig {
    /// Learning rate, in `[0, ∞)` (default 0.001).
    pub lr: f64,
    /// Decay rates of the first and second moment estimates, each in `[0, 1)` (default
    /// (0.9, 0.999)).
    pub betas: (f64, f64),
    /// Added to the denominator for stability, in `[0, ∞)` (default 1e−8).
    pub eps: f64,
    /// L2 penalty added to the gradient, in `[0, ∞)` (default 0).
    pub weight_decay: f64,
    /// Use the running maximum of the second moment (AMSGrad), as the tutorial does.
    pub amsgrad: bool,
    /// Maximize the objective instead of minimizing it (default false).
    pub maximize: bool,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig {
            lr: 1e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            amsgrad: false,
            maximize: false,
        }
    }
}

impl AdamConfig {
    /// Checks the hyper-parameters as `torch.optim.Adam` does (NaN is out of every range).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) naming the field and its
    /// allowed range: `lr`, `eps` or `weight_decay` below 0, or `betas.0` or `betas.1`
    /// outside `[0, 1)` (with β = 1 the bias correction divides by 0 and every parameter
    /// turns into NaN).
    ///
    /// ```
    /// use scalargrad::optim::AdamConfig;
    /// let bad = AdamConfig { betas: (1.0, 0.999), ..Default::default() };
    /// let err = bad.validate().unwrap_err().to_string();
    /// assert_eq!(err, "AdamConfig: betas.0 must be in [0, 1), found 1");
    /// ```
    #[inline(always)]
    pub fn validate(&self) -> Result<()> {
        const WHAT: &str = "AdamConfig";
        check_range(WHAT, "lr", self.lr, 0.0, None)?;
        check_range(WHAT, "eps", self.eps, 0.0, None)?;
        check_range(WHAT, "betas.0", self.betas.0, 0.0, Some(1.0))?;
        check_range(WHAT, "betas.1", self.betas.1, 0.0, Some(1.0))?;
        check_range(WHAT, "weight_decay", self.weight_decay, 0.0, None)
    }
}

/// Adam with `torch.optim.Adam`'s update rule, operation for operation; bit for bit except
/// that our square root is correctly rounded and torch's (MKL) not always (see the
/// [module docs](super#bit-for-bit-with-pytorch)).
/// Per parameter `p` with gradient `g`, at step `t = 1, 2, …`, with `m`, `v` and `v_max`
/// starting at 0, and `fma(a, b, c)` being `a·b + c` rounded once:
///
/// ```text
/// g ← −g                                   if maximize
/// g ← fma(weight_decay, p, g)              if weight_decay ≠ 0
/// m ← lerp(m, g, 1 − β₁)                   torch's lerp: fma(w, g − m, m) for w < 0.5,
///                                          else fma(w − 1, g − m, g)
/// v ← fma((1 − β₂)·g, g, β₂·v)
/// v_max ← max(v_max, v)                    if amsgrad (NaN propagates, as torch.maximum)
/// denom ← √(v_max if amsgrad, else v) / (1 − β₂ᵗ)^0.5 + eps     (√ correctly rounded)
/// p ← p + (−(lr / (1 − β₁ᵗ))·m) / denom
/// ```
///
/// ```
/// use scalargrad::Graph;
/// use scalargrad::optim::{Adam, AdamConfig, Optimizer};
/// # fn main() -> scalargrad::Result<()> {
/// let g = Graph::new();
/// let w = g.value(1.0);
/// let mut adam = Adam::new(vec![w], AdamConfig { amsgrad: true, ..Default::default() })?;
/// (w * 3.0).backward();
/// adam.step();
/// // The first step moves by about lr: m̂ / √v̂ = g / |g|.
/// assert!((w.data() - (1.0 - 0.001)).abs() < 1e-10);
/// # Ok(())
/// # }
/// ```
///
/// # Panics
///
/// [`Optimizer::step`] panics if [`config`](Adam::config) was changed after [`Adam::new`]
/// into one that [`AdamConfig::validate`] rejects.
#[derive(Clone, Debug)]
pub struct Adam<'g> {
    params: Vec<Value<'g>>,
    /// The learning rate and the rest, changeable between steps. Each step checks it again.
    pub config: AdamConfig,
    step: u64,
    m: Vec<f64>,
    v: Vec<f64>,
    v_max: Vec<f64>,
}

impl<'g> Adam<'g> {
    /// An optimizer for `params`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) if [`AdamConfig::validate`]
    /// rejects `config`.
    pub fn new(params: Vec<Value<'g>>, config: AdamConfig) -> Result<Self> {
        config.validate()?;
        let n = params.len();
        Ok(Adam {
            params,
            config,
            step: 0,
            m: vec![0.0; n],
            v: vec![0.0; n],
            v_max: vec![0.0; n],
        })
    }

    /// How many steps have been taken.
    #[must_use]
    pub fn steps(&self) -> u64 {
        self.step
    }
}

impl Adam<'_> {
    /// Checks the settings, counts the step and returns its `step_size` (`lr / (1 − β₁ᵗ)`)
    /// and `(1 − β₂ᵗ)^0.5`, for [`Adam::update`].
    pub(super) fn next_step(&mut self) -> (f64, f64) {
        let c = self.config;
        if let Err(e) = c.validate() {
            panic!("Adam::step: {e} (config was changed after Adam::new)");
        }
        self.step += 1;
        let (b1, b2) = c.betas;
        // torch reads the step back as a Python float and uses Python's `**`, i.e. C's pow.
        #[allow(clippy::cast_precision_loss)]
        let t = self.step as f64;
        let bias_correction1 = 1.0 - b1.powf(t);
        // `** 0.5`, not sqrt: glibc's pow(x, 0.5) and sqrt(x) differ in the last bit for some
        // x. black_box keeps LLVM from rewriting pow(x, 0.5) into sqrt(x).
        let bias_correction2_sqrt = (1.0 - b2.powf(t)).powf(std::hint::black_box(0.5));
        (c.lr / bias_correction1, bias_correction2_sqrt)
    }

    /// The update of every parameter, given this step's `step_size` (`lr / (1 − β₁ᵗ)`) and
    /// `(1 − β₂ᵗ)^0.5`, and for [`AdamW`](super::AdamW) the factor `1 − lr·weight_decay`
    /// that each parameter is first multiplied by (`decay`; `None` for Adam). Inlined into
    /// both callers: the plain one, and the one compiled with hardware FMA, where each
    /// `mul_add` is one instruction instead of a library call.
    #[inline(always)]
    pub(super) fn update(
        &mut self,
        step_size: f64,
        bias_correction2_sqrt: f64,
        decay: Option<f64>,
    ) {
        let c = self.config;
        let (b1, b2) = c.betas;
        let state = self.m.iter_mut().zip(&mut self.v).zip(&mut self.v_max);
        for (p, ((m, v), v_max)) in self.params.iter().zip(state) {
            // One call reads data and gradient and writes the result (`Value::update_data`).
            p.update_data(|data, grad| {
                // torch (AdamW): param.mul_(1 - lr * weight_decay), before anything else.
                let data = decay.map_or(data, |d| data * d);
                let g = super::preamble(grad, data, c.maximize, c.weight_decay);
                // torch: exp_avg.lerp_(grad, 1 - beta1)
                *m = lerp(*m, g, 1.0 - b1);
                // torch: exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                *v = ((1.0 - b2) * g).mul_add(g, *v * b2);
                let v_hat = if c.amsgrad {
                    *v_max = maximum(*v_max, *v);
                    *v_max
                } else {
                    *v
                };
                // torch: (v.sqrt() / bias_correction2_sqrt).add_(eps)
                let denom = v_hat.sqrt() / bias_correction2_sqrt + c.eps;
                // torch: param.addcdiv_(exp_avg, denom, value=-step_size), not fused.
                data + (-step_size * *m) / denom
            });
        }
    }
}

impl super::fma::Update for Adam<'_> {
    type Args = (f64, f64, Option<f64>);
    #[inline(always)]
    fn run(&mut self, (step_size, bias_correction2_sqrt, decay): (f64, f64, Option<f64>)) {
        self.update(step_size, bias_correction2_sqrt, decay);
    }
}

impl Optimizer for Adam<'_> {
    fn step(&mut self) {
        let (step_size, bias_correction2_sqrt) = self.next_step();
        super::fma::with_fma(self, (step_size, bias_correction2_sqrt, None));
    }

    #[inline]
    fn zero_grad(&self) {
        for p in &self.params {
            p.zero_grad();
        }
    }
}
