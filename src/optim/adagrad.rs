//! [`Adagrad`]: AdaGrad, as `torch.optim.Adagrad`.

use super::{Optimizer, check_range};
use crate::{Result, Value};

/// Hyper-parameters of [`Adagrad`]; the field names and defaults are `torch.optim.Adagrad`'s.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdagradConfig {
    /// Learning rate, in `[0, ∞)` (default 0.01).
    pub lr: f64,
    /// Learning-rate decay, in `[0, ∞)` (default 0): step `t` uses
    /// `lr / (1 + (t − 1)·lr_decay)`.
    pub lr_decay: f64,
    /// L2 penalty added to the gradient, in `[0, ∞)` (default 0).
    pub weight_decay: f64,
    /// The starting value of every parameter's sum of squared gradients, in `[0, ∞)`
    /// (default 0).
    pub initial_accumulator_value: f64,
    /// Added to the denominator for stability, in `[0, ∞)` (default 1e−10).
    pub eps: f64,
    /// Maximize the objective instead of minimizing it (default false).
    pub maximize: bool,
}

impl Default for AdagradConfig {
    fn default() -> Self {
        AdagradConfig {
            lr: 1e-2,
            lr_decay: 0.0,
            weight_decay: 0.0,
            initial_accumulator_value: 0.0,
            eps: 1e-10,
            maximize: false,
        }
    }
}

impl AdagradConfig {
    /// Checks the hyper-parameters as `torch.optim.Adagrad` does (NaN is out of every range).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) naming the field and its
    /// allowed range: `lr`, `lr_decay`, `weight_decay`, `initial_accumulator_value` or `eps`
    /// below 0.
    ///
    /// ```
    /// use scalargrad::optim::AdagradConfig;
    /// let bad = AdagradConfig { lr_decay: -0.5, ..Default::default() };
    /// let err = bad.validate().unwrap_err().to_string();
    /// assert_eq!(err, "AdagradConfig: lr_decay must be in [0, ∞), found -0.5");
    /// ```
    #[inline(always)]
    pub fn validate(&self) -> Result<()> {
        const WHAT: &str = "AdagradConfig";
        check_range(WHAT, "lr", self.lr, 0.0, None)?;
        check_range(WHAT, "lr_decay", self.lr_decay, 0.0, None)?;
        check_range(WHAT, "weight_decay", self.weight_decay, 0.0, None)?;
        check_range(
            WHAT,
            "initial_accumulator_value",
            self.initial_accumulator_value,
            0.0,
            None,
        )?;
        check_range(WHAT, "eps", self.eps, 0.0, None)
    }
}

/// AdaGrad with `torch.optim.Adagrad`'s update rule, operation for operation; bit for bit
/// except that our square root is correctly rounded and torch's (MKL) not always (see the
/// [module docs](super#bit-for-bit-with-pytorch)). Per parameter `p` with gradient `g`, at
/// step `t = 1, 2, …`, with the sum `s` starting at `initial_accumulator_value`, and
/// `fma(a, b, c)` being `a·b + c` rounded once:
///
/// ```text
/// g ← −g                                   if maximize
/// g ← fma(weight_decay, p, g)              if weight_decay ≠ 0
/// clr ← lr / (1 + (t − 1)·lr_decay)
/// s ← fma(g, g, s)
/// p ← p + (−clr·g) / (√s + eps)            (√ correctly rounded)
/// ```
///
/// Each parameter's steps shrink as its squared gradients add up: the learning rate adapts
/// per parameter (Duchi, Hazan and Singer, 2011).
///
/// ```
/// use scalargrad::Graph;
/// use scalargrad::optim::{Adagrad, AdagradConfig, Optimizer};
/// # fn main() -> scalargrad::Result<()> {
/// let g = Graph::new();
/// let w = g.value(1.0);
/// let mut opt = Adagrad::new(vec![w], AdagradConfig { lr: 0.5, ..Default::default() })?;
/// (w * 3.0).backward();
/// opt.step();
/// // The first step moves by about lr: g / √(g²) = 1.
/// assert!((w.data() - 0.5).abs() < 1e-10);
/// # Ok(())
/// # }
/// ```
///
/// # Panics
///
/// [`Optimizer::step`] panics if [`config`](Adagrad::config) was changed after
/// [`Adagrad::new`] into one that [`AdagradConfig::validate`] rejects.
#[derive(Clone, Debug)]
pub struct Adagrad<'g> {
    params: Vec<Value<'g>>,
    /// The learning rate and the rest, changeable between steps. Each step checks it again.
    /// (`initial_accumulator_value` is read once, by [`Adagrad::new`], as in torch.)
    pub config: AdagradConfig,
    step: u64,
    sum: Vec<f64>,
}

impl<'g> Adagrad<'g> {
    /// An optimizer for `params`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) if
    /// [`AdagradConfig::validate`] rejects `config`.
    pub fn new(params: Vec<Value<'g>>, config: AdagradConfig) -> Result<Self> {
        config.validate()?;
        let n = params.len();
        Ok(Adagrad {
            params,
            config,
            step: 0,
            sum: vec![config.initial_accumulator_value; n],
        })
    }

    /// How many steps have been taken.
    #[must_use]
    pub fn steps(&self) -> u64 {
        self.step
    }
}

impl Adagrad<'_> {
    /// Checks the settings, counts the step and returns its learning rate `clr`.
    pub(super) fn next_step(&mut self) -> f64 {
        let c = self.config;
        if let Err(e) = c.validate() {
            panic!("Adagrad::step: {e} (config was changed after Adagrad::new)");
        }
        self.step += 1;
        // torch: clr = lr / (1 + (step - 1) * lr_decay), in Python floats.
        #[allow(clippy::cast_precision_loss)]
        let t = self.step as f64;
        c.lr / (1.0 + (t - 1.0) * c.lr_decay)
    }

    /// The update of every parameter with this step's learning rate `clr`. Inlined into both
    /// callers: the plain one, and the one compiled with hardware FMA.
    #[inline(always)]
    pub(super) fn update(&mut self, clr: f64) {
        let c = self.config;
        for (p, s) in self.params.iter().zip(&mut self.sum) {
            p.update_data(|data, grad| {
                let g = super::preamble(grad, data, c.maximize, c.weight_decay);
                // torch: state_sum.addcmul_(grad, grad, value=1)
                *s = g.mul_add(g, *s);
                // torch: std = state_sum.sqrt().add_(eps)
                let std = s.sqrt() + c.eps;
                // torch: param.addcdiv_(grad, std, value=-clr), not fused.
                data + (-clr * g) / std
            });
        }
    }
}

impl super::fma::Update for Adagrad<'_> {
    type Args = f64;
    #[inline(always)]
    fn run(&mut self, clr: f64) {
        self.update(clr);
    }
}

impl Optimizer for Adagrad<'_> {
    fn step(&mut self) {
        let clr = self.next_step();
        super::fma::with_fma(self, clr);
    }

    #[inline]
    fn zero_grad(&self) {
        for p in &self.params {
            p.zero_grad();
        }
    }
}
