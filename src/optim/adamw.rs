//! [`AdamW`]: Adam with decoupled weight decay, as `torch.optim.AdamW`.

use super::{Adam, AdamConfig, Optimizer};
use crate::{Result, Value};

/// Hyper-parameters of [`AdamW`]; the field names and defaults are `torch.optim.AdamW`'s
/// (those of [`AdamConfig`] except `weight_decay`, 0.01 here).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamWConfig {
    /// Learning rate, in `[0, ∞)` (default 0.001).
    pub lr: f64,
    /// Decay rates of the first and second moment estimates, each in `[0, 1)` (default
    /// (0.9, 0.999)).
    pub betas: (f64, f64),
    /// Added to the denominator for stability, in `[0, ∞)` (default 1e−8).
    pub eps: f64,
    /// Decoupled weight decay, in `[0, ∞)` (default 0.01): each step first multiplies every
    /// parameter by `1 − lr·weight_decay`.
    pub weight_decay: f64,
    /// Use the running maximum of the second moment (AMSGrad).
    pub amsgrad: bool,
    /// Maximize the objective instead of minimizing it (default false).
    pub maximize: bool,
}

impl Default for AdamWConfig {
    fn default() -> Self {
        AdamWConfig {
            lr: 1e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 1e-2,
            amsgrad: false,
            maximize: false,
        }
    }
}

impl AdamWConfig {
    /// Checks the hyper-parameters as `torch.optim.AdamW` does (NaN is out of every range).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) naming the field and its
    /// allowed range: `lr`, `eps` or `weight_decay` below 0, or `betas.0` or `betas.1`
    /// outside `[0, 1)`.
    ///
    /// ```
    /// use scalargrad::optim::AdamWConfig;
    /// let bad = AdamWConfig { weight_decay: -0.01, ..Default::default() };
    /// let err = bad.validate().unwrap_err().to_string();
    /// assert_eq!(err, "AdamWConfig: weight_decay must be in [0, ∞), found -0.01");
    /// ```
    #[inline(always)]
    pub fn validate(&self) -> Result<()> {
        // The same checks as Adam's (torch's AdamW is its Adam with decoupled decay), under
        // this type's name.
        self.adam().validate().map_err(|e| match e {
            crate::Error::InvalidArgument { message, .. } => crate::Error::InvalidArgument {
                what: "AdamWConfig",
                message,
            },
            other => other,
        })
    }

    /// The [`AdamConfig`] with the same settings, `weight_decay` included.
    fn adam(&self) -> AdamConfig {
        AdamConfig {
            lr: self.lr,
            betas: self.betas,
            eps: self.eps,
            weight_decay: self.weight_decay,
            amsgrad: self.amsgrad,
            maximize: self.maximize,
        }
    }
}

/// AdamW (Loshchilov and Hutter, *Decoupled Weight Decay Regularization*, 2019) with
/// `torch.optim.AdamW`'s update rule, operation for operation; bit for bit except for the
/// square root, as [`Adam`] (see the [module docs](super#bit-for-bit-with-pytorch)).
///
/// Each step first shrinks every parameter, `p ← p·(1 − lr·weight_decay)` (one rounding of
/// `lr·weight_decay`, one of the difference and one of the product, as torch's
/// `param.mul_(1 - lr * weight_decay)`), and then takes [`Adam`]'s step with
/// `weight_decay = 0`: the decay never enters the moment estimates.
///
/// ```
/// use scalargrad::Graph;
/// use scalargrad::optim::{AdamW, AdamWConfig, Optimizer};
/// # fn main() -> scalargrad::Result<()> {
/// let g = Graph::new();
/// let w = g.value(1.0);
/// let cfg = AdamWConfig { lr: 0.1, weight_decay: 0.5, ..Default::default() };
/// let mut opt = AdamW::new(vec![w], cfg)?;
/// w.set_grad(0.0); // no gradient: only the decay moves w
/// opt.step();
/// assert_eq!(w.data(), 1.0 * (1.0 - 0.1 * 0.5));
/// # Ok(())
/// # }
/// ```
///
/// # Panics
///
/// [`Optimizer::step`] panics if [`config`](AdamW::config) was changed after [`AdamW::new`]
/// into one that [`AdamWConfig::validate`] rejects.
#[derive(Clone, Debug)]
pub struct AdamW<'g> {
    /// The learning rate and the rest, changeable between steps. Each step checks it again.
    pub config: AdamWConfig,
    /// Adam's state and update, run with `weight_decay = 0`.
    adam: Adam<'g>,
}

impl<'g> AdamW<'g> {
    /// An optimizer for `params`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) if
    /// [`AdamWConfig::validate`] rejects `config`.
    pub fn new(params: Vec<Value<'g>>, config: AdamWConfig) -> Result<Self> {
        config.validate()?;
        let adam = Adam::new(params, config.adam())?;
        Ok(AdamW { config, adam })
    }

    /// How many steps have been taken.
    #[must_use]
    pub fn steps(&self) -> u64 {
        self.adam.steps()
    }
}

impl Optimizer for AdamW<'_> {
    fn step(&mut self) {
        let c = self.config;
        if let Err(e) = c.validate() {
            panic!("AdamW::step: {e} (config was changed after AdamW::new)");
        }
        self.adam.config = AdamConfig {
            weight_decay: 0.0,
            ..c.adam()
        };
        // torch: if weight_decay != 0: param.mul_(1 - lr * weight_decay)
        let decay = (c.weight_decay != 0.0).then_some(1.0 - c.lr * c.weight_decay);
        let (step_size, bias_correction2_sqrt) = self.adam.next_step();
        super::fma::with_fma(&mut self.adam, (step_size, bias_correction2_sqrt, decay));
    }

    #[inline]
    fn zero_grad(&self) {
        self.adam.zero_grad();
    }
}
