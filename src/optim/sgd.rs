//! [`Sgd`]: stochastic gradient descent, as `torch.optim.SGD`.

use super::{Optimizer, check_number, check_range};
use crate::{Error, Result, Value};

/// Hyper-parameters of [`Sgd`]; the defaults are PyTorch's (with `lr = 0.01`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdConfig {
    /// Learning rate, in `[0, ∞)`.
    pub lr: f64,
    /// Momentum factor, in `[0, ∞)` (0 disables momentum).
    pub momentum: f64,
    /// Dampening for momentum (any number).
    pub dampening: f64,
    /// Nesterov momentum; needs `momentum > 0` and `dampening = 0`.
    pub nesterov: bool,
    /// L2 penalty added to the gradient, in `[0, ∞)`.
    pub weight_decay: f64,
    /// Maximize the objective instead of minimizing it (steps along `+gradient`).
    pub maximize: bool,
}

impl Default for SgdConfig {
    fn default() -> Self {
        SgdConfig {
            lr: 0.01,
            momentum: 0.0,
            dampening: 0.0,
            nesterov: false,
            weight_decay: 0.0,
            maximize: false,
        }
    }
}

impl SgdConfig {
    /// Checks the hyper-parameters as `torch.optim.SGD` does, and also rejects NaN in any of
    /// them (PyTorch lets a NaN `lr` or `dampening` through).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] naming the field and its allowed range: `lr`, `momentum`
    /// or `weight_decay` below 0 (or NaN), `dampening` NaN, or `nesterov` with `momentum = 0`
    /// or `dampening ≠ 0`.
    ///
    /// ```
    /// use scalargrad::optim::SgdConfig;
    /// let bad = SgdConfig { nesterov: true, ..Default::default() };
    /// let err = bad.validate().unwrap_err().to_string();
    /// assert!(err.contains("nesterov") && err.contains("momentum > 0"), "{err}");
    /// ```
    #[inline]
    pub fn validate(&self) -> Result<()> {
        const WHAT: &str = "SgdConfig";
        check_range(WHAT, "lr", self.lr, 0.0, None)?;
        check_range(WHAT, "momentum", self.momentum, 0.0, None)?;
        check_range(WHAT, "weight_decay", self.weight_decay, 0.0, None)?;
        check_number(WHAT, "dampening", self.dampening)?;
        if self.nesterov && (self.momentum <= 0.0 || self.dampening != 0.0) {
            return Err(Error::InvalidArgument {
                what: WHAT,
                message: format!(
                    "nesterov requires momentum > 0 and dampening = 0, found momentum = {}, \
                     dampening = {}",
                    self.momentum, self.dampening
                ),
            });
        }
        Ok(())
    }
}

/// Stochastic gradient descent with `torch.optim.SGD`'s update rule, bit for bit (see the
/// [module docs](super#bit-for-bit-with-pytorch)). Per parameter `p` with gradient `g`,
/// `fma(a, b, c)` being `a·b + c` rounded once:
///
/// ```text
/// g ← −g                                   if maximize
/// g ← fma(weight_decay, p, g)              if weight_decay ≠ 0
/// if momentum ≠ 0:
///     b ← g                                on the first step with momentum
///     b ← fma(1 − dampening, g, momentum·b) on later steps
///     g ← fma(momentum, b, g) if nesterov, else b
/// p ← fma(−lr, g, p)
/// ```
///
/// # Panics
///
/// [`Optimizer::step`] panics if [`config`](Sgd::config) was changed after [`Sgd::new`] into
/// one that [`SgdConfig::validate`] rejects.
#[derive(Clone, Debug)]
pub struct Sgd<'g> {
    params: Vec<Value<'g>>,
    /// The learning rate and the rest, changeable between steps (e.g. for a schedule). Each
    /// step checks it again.
    pub config: SgdConfig,
    /// One buffer per parameter, created by the first step that uses momentum.
    momentum_buffer: Option<Vec<f64>>,
}

impl<'g> Sgd<'g> {
    /// An optimizer for `params`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] if [`SgdConfig::validate`] rejects `config`.
    pub fn new(params: Vec<Value<'g>>, config: SgdConfig) -> Result<Self> {
        config.validate()?;
        Ok(Sgd {
            params,
            config,
            momentum_buffer: None,
        })
    }
}

impl Sgd<'_> {
    /// The update of every parameter. Inlined into both callers: the plain one, and the one
    /// compiled with hardware FMA (see [`Adam`](super::Adam)'s `update`).
    #[inline(always)]
    pub(super) fn update(&mut self) {
        let c = self.config;
        let first = c.momentum != 0.0 && self.momentum_buffer.is_none();
        let n = self.params.len();
        if c.momentum != 0.0 {
            self.momentum_buffer.get_or_insert_with(|| vec![0.0; n]);
        }
        let mut buffers = self
            .momentum_buffer
            .as_deref_mut()
            .unwrap_or_default()
            .iter_mut();
        for p in &self.params {
            // Allocated above when there is momentum: one buffer per parameter.
            let buffer = buffers.next();
            // One call reads data and gradient and writes the result (`Value::update_data`).
            p.update_data(|data, grad| {
                let mut g = super::preamble(grad, data, c.maximize, c.weight_decay);
                if let Some(b) = buffer {
                    *b = if first {
                        g
                    } else {
                        // torch: buf.mul_(momentum).add_(grad, alpha=1 - dampening)
                        (1.0 - c.dampening).mul_add(g, *b * c.momentum)
                    };
                    // torch: grad.add(buf, alpha=momentum)
                    g = if c.nesterov {
                        c.momentum.mul_add(*b, g)
                    } else {
                        *b
                    };
                }
                // torch: param.add_(grad, alpha=-lr)
                (-c.lr).mul_add(g, data)
            });
        }
    }
}

impl super::fma::Update for Sgd<'_> {
    type Args = ();
    #[inline(always)]
    fn run(&mut self, (): ()) {
        self.update();
    }
}

impl Optimizer for Sgd<'_> {
    fn step(&mut self) {
        if let Err(e) = self.config.validate() {
            panic!("Sgd::step: {e} (config was changed after Sgd::new)");
        }
        super::fma::with_fma(self, ());
    }

    #[inline]
    fn zero_grad(&self) {
        for p in &self.params {
            p.zero_grad();
        }
    }
}
