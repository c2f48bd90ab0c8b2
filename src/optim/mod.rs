//! Optimizers that follow `torch.optim`'s update rules operation for operation: [`Sgd`] (with
//! momentum and Nesterov), [`Adam`] (with AMSGrad), [`Adagrad`], [`RmsProp`] (with momentum
//! and `centered`) and [`AdamW`]. SGD is bit-exact; the others are bit-exact up to the square
//! root (see [below](#bit-for-bit-with-pytorch)). Each takes a config whose fields have
//! `torch.optim`'s argument names and defaults, and whose `validate` rejects what torch
//! rejects. The `optimizer_paths` example draws five of them on the book's
//! f(x, y) = x²/20 + y².
//!
//! ```
//! use scalargrad::Graph;
//! use scalargrad::optim::{Optimizer, Sgd, SgdConfig};
//!
//! # fn main() -> scalargrad::Result<()> {
//! let g = Graph::new();
//! let w = g.value(1.0);
//! let mut opt = Sgd::new(vec![w], SgdConfig { lr: 0.5, ..Default::default() })?;
//! let cp = g.checkpoint();
//! (w * w).backward(); // d/dw w² = 2
//! opt.step();
//! opt.zero_grad();
//! g.rewind(cp);
//! assert_eq!(w.data(), 0.0); // 1 − 0.5·2
//!
//! // Hyper-parameters are checked as PyTorch checks them.
//! assert!(Sgd::new(vec![w], SgdConfig { lr: -1.0, ..Default::default() }).is_err());
//! # Ok(())
//! # }
//! ```
//!
//! # Bit for bit with PyTorch
//!
//! Each update is written with the same operations, in the same order and with the same
//! roundings, as `torch.optim.SGD`, `Adam`, `Adagrad`, `RMSprop` and `AdamW` with
//! `foreach=False` (what they use by default for CPU tensors) in float64. PyTorch's CPU kernels, as the pip wheel dispatches
//! them here (CPU capability AVX2), compute some operations with one fused multiply-add (one
//! rounding instead of two), and we call [`f64::mul_add`] exactly there:
//!
//! | PyTorch (CPU kernel)              | here                                              |
//! |-----------------------------------|---------------------------------------------------|
//! | `x.add(y, alpha=a)`               | `a.mul_add(y, x)`                                 |
//! | `s.lerp(e, w)`, `\|w\| < 0.5`     | `w.mul_add(e − s, s)`                             |
//! | `s.lerp(e, w)`, otherwise         | `(w − 1).mul_add(e − s, e)`                       |
//! | `x.addcmul(u, v, value=a)`        | `(a·u).mul_add(v, x)`                             |
//! | `x.addcdiv(u, v, value=a)`        | `x + (a·u)/v` (not fused)                         |
//! | `x.mul(a)`, `x / a`               | `x·a`, `x / a`                                    |
//! | `x.addcdiv(u, v)` (value 1)       | `x + u/v`                                         |
//! | `x.sqrt()`                        | `x.sqrt()`, correctly rounded (torch's: below)    |
//! | Python `b ** t`, `x ** 0.5`       | `b.powf(t)`, `x.powf(0.5)` (the C library's `pow`)|
//!
//! `scripts/gen_optim_fixtures.py` checks the `add`, `lerp`, `addcmul` and `addcdiv` rows,
//! and measures the square root, against the installed torch on random inputs (scalar and
//! vectorized loops alike); `tests/optim.rs` compares the IEEE bits of every parameter after
//! each of 300 steps against `torch.optim` (2.15, CPU capability AVX2 and, for the same bits,
//! AVX512; float64):
//!
//! - **SGD is exact** in all six tested configurations: plain, with weight decay, momentum,
//!   dampening, Nesterov with weight decay, and `maximize` (with momentum and weight decay).
//!   The test allows no ULP.
//! - **Adam is exact given a correctly rounded square root**, and within 300 ULP of the real
//!   `torch.optim.Adam` on this machine. We use [`f64::sqrt`], which IEEE 754 rounds
//!   correctly; torch's float64 `sqrt` here is 1 ULP off on about 1% of inputs (measured:
//!   223 of 20,000 random ones; presumably MKL's vector math, whose algorithm we cannot
//!   mirror), on tensors of any size, 0-d included. So the fixture runs every Adam
//!   configuration twice: with torch's `Tensor.sqrt` replaced by a correctly rounded one,
//!   where all six (Adam, Adam with weight decay and betas (0.8,
//!   0.99), β₁ = 0.3 for the other `lerp` branch, AMSGrad, AMSGrad with weight decay,
//!   `maximize`) match bit for bit on every step; and as torch really runs, where the test
//!   allows 300 ULP per parameter. Measured there: plain Adam exact, `maximize` 1 ULP,
//!   AMSGrad 4, AMSGrad with weight decay 12, Adam with weight decay 64, β₁ = 0.3 288 ULP
//!   (on a parameter crossing zero, at −0.0019; relative differences stay below 4·10⁻¹⁴).
//! - **Adagrad, RMSprop and AdamW likewise**: exact in all twelve configurations given a
//!   correctly rounded square root (torch's `sqrt` and, for centered RMSprop, its in-place
//!   `sqrt_`, replaced in the fixture): Adagrad plain, with `lr_decay`, weight decay,
//!   `initial_accumulator_value` and `eps`, and `maximize`; RMSprop plain, with `alpha`, `eps`
//!   and weight decay, with momentum, centered, and centered with momentum, weight decay and
//!   `maximize`; AdamW plain, with betas and `eps`, with AMSGrad, and `maximize` with
//!   β₁ = 0.3. Against the real torch, measured: Adagrad at most 20 ULP (test bound 50),
//!   RMSprop at most 3,385 (bound 4,000; with momentum, on a parameter near 0: relative
//!   difference 7·10⁻¹³; the others at most 48), AdamW at most 880 (bound 1,000; relative
//!   10⁻¹³). Three of these twelve configurations never meet a wrongly rounded root and are
//!   exact against the real torch too.
//!
//! Two more caveats, both on PyTorch's side. A PyTorch that dispatches its CPU kernels
//! without FMA (a CPU without AVX2, or `ATEN_CPU_CAPABILITY=default`) rounds twice where we
//! round once, and differs from us, and from itself on an AVX2 CPU, by an ULP or so per
//! step, compounding. Adam's bias corrections call the platform's `pow`, as Python's `**`
//! does; on the same platform the two agree.

mod adagrad;
mod adam;
mod adamw;
mod fma;
mod rmsprop;
mod sgd;

pub use adagrad::{Adagrad, AdagradConfig};
pub use adam::{Adam, AdamConfig};
pub use adamw::{AdamW, AdamWConfig};
pub use rmsprop::{RmsProp, RmsPropConfig};
pub use sgd::{Sgd, SgdConfig};

use crate::{Error, Result};

/// Updates parameters from their gradients.
pub trait Optimizer {
    /// One update of every parameter from its current gradient: a training step, as
    /// `optimizer.step()` in PyTorch (not [`Value::step`](crate::Value::step), the unit step
    /// function).
    fn step(&mut self);
    /// Sets every parameter's gradient to 0.
    fn zero_grad(&self);
}

/// The gradient both of torch's optimizers start from: negated for `maximize`, then
/// `grad.add(param, alpha=weight_decay)`, one fused rounding.
#[inline(always)]
fn preamble(grad: f64, data: f64, maximize: bool, weight_decay: f64) -> f64 {
    let g = if maximize { -grad } else { grad };
    if weight_decay == 0.0 {
        g
    } else {
        weight_decay.mul_add(data, g)
    }
}

/// `torch.lerp` as PyTorch's CPU kernel computes it: `start + weight·(end − start)` for
/// `|weight| < 0.5`, else `end − (1 − weight)·(end − start)`, each with one fused rounding.
#[inline(always)]
fn lerp(start: f64, end: f64, weight: f64) -> f64 {
    let diff = end - start;
    if weight.abs() < 0.5 {
        weight.mul_add(diff, start)
    } else {
        (weight - 1.0).mul_add(diff, end)
    }
}

/// `torch.maximum`: NaN if either is NaN (`f64::max` would drop it).
#[inline(always)]
fn maximum(a: f64, b: f64) -> f64 {
    if a > b || a.is_nan() { a } else { b }
}

/// `Ok` if `lo ≤ value` (and `value < hi` when `hi` is given); otherwise an
/// [`Error::InvalidArgument`] that names the field, the allowed range and the value found.
/// NaN is never in range. Inlined, so that the check every step makes costs two compares.
#[inline(always)]
fn check_range(
    what: &'static str,
    field: &str,
    value: f64,
    lo: f64,
    hi: Option<f64>,
) -> Result<()> {
    if lo <= value && hi.is_none_or(|hi| value < hi) {
        Ok(())
    } else {
        Err(out_of_range(what, field, value, lo, hi))
    }
}

/// The error of [`check_range`].
#[cold]
#[inline(never)]
fn out_of_range(what: &'static str, field: &str, value: f64, lo: f64, hi: Option<f64>) -> Error {
    let range = match hi {
        Some(hi) => format!("[{lo}, {hi})"),
        None => format!("[{lo}, ∞)"),
    };
    Error::InvalidArgument {
        what,
        message: format!("{field} must be in {range}, found {value}"),
    }
}

/// `Ok` unless `value` is NaN; a NaN hyper-parameter would silently turn every parameter
/// into NaN.
fn check_number(what: &'static str, field: &str, value: f64) -> Result<()> {
    if value.is_nan() {
        return Err(Error::InvalidArgument {
            what,
            message: format!("{field} must be a number, found NaN"),
        });
    }
    Ok(())
}

#[cfg(all(test, target_arch = "x86_64", not(miri)))]
mod tests {
    //! The plain and the FMA-compiled copies of each update give the same bits.

    use super::fma::has_fma;
    use super::{
        Adagrad, AdagradConfig, Adam, AdamConfig, AdamW, AdamWConfig, Optimizer, RmsProp,
        RmsPropConfig, Sgd, SgdConfig,
    };
    use crate::{Graph, Value};

    /// Three parameters with gradients of mixed sign and size, in a graph of their own.
    fn params(g: &Graph) -> Vec<Value<'_>> {
        let p = g.values(&[0.3, -1.7, 2.5e-3]);
        for (v, grad) in p.iter().zip([0.1, -3.25, 7e-5]) {
            v.set_grad(grad);
        }
        p
    }

    fn bits(p: &[Value<'_>]) -> Vec<u64> {
        p.iter().map(|v| v.data().to_bits()).collect()
    }

    #[test]
    fn adam_with_and_without_hardware_fma_agree_to_the_bit() {
        if !has_fma() {
            return; // nothing to compare on this CPU
        }
        for config in [
            AdamConfig::default(),
            AdamConfig {
                amsgrad: true,
                weight_decay: 0.01,
                betas: (0.3, 0.99),
                ..Default::default()
            },
        ] {
            let (g1, g2) = (Graph::new(), Graph::new());
            let (p1, p2) = (params(&g1), params(&g2));
            let mut a1 = Adam::new(p1.clone(), config).unwrap();
            let mut a2 = Adam::new(p2.clone(), config).unwrap();
            for _ in 0..50 {
                a1.step(); // takes the FMA copy on this CPU
                let (step_size, bc2) = a2.next_step();
                a2.update(step_size, bc2, None); // the plain copy
                assert_eq!(bits(&p1), bits(&p2));
            }
        }
    }

    #[test]
    fn sgd_with_and_without_hardware_fma_agree_to_the_bit() {
        if !has_fma() {
            return;
        }
        let config = SgdConfig {
            momentum: 0.9,
            nesterov: true,
            weight_decay: 0.01,
            ..Default::default()
        };
        let (g1, g2) = (Graph::new(), Graph::new());
        let (p1, p2) = (params(&g1), params(&g2));
        let mut s1 = Sgd::new(p1.clone(), config).unwrap();
        let mut s2 = Sgd::new(p2.clone(), config).unwrap();
        for _ in 0..50 {
            s1.step();
            s2.update();
            assert_eq!(bits(&p1), bits(&p2));
        }
    }

    #[test]
    fn adagrad_with_and_without_hardware_fma_agree_to_the_bit() {
        if !has_fma() {
            return;
        }
        let config = AdagradConfig {
            lr: 0.3,
            lr_decay: 0.01,
            weight_decay: 0.01,
            initial_accumulator_value: 0.1,
            ..Default::default()
        };
        let (g1, g2) = (Graph::new(), Graph::new());
        let (p1, p2) = (params(&g1), params(&g2));
        let mut a1 = Adagrad::new(p1.clone(), config).unwrap();
        let mut a2 = Adagrad::new(p2.clone(), config).unwrap();
        for _ in 0..50 {
            a1.step();
            let clr = a2.next_step();
            a2.update(clr);
            assert_eq!(bits(&p1), bits(&p2));
        }
    }

    #[test]
    fn rmsprop_with_and_without_hardware_fma_agree_to_the_bit() {
        if !has_fma() {
            return;
        }
        for config in [
            RmsPropConfig::default(),
            RmsPropConfig {
                momentum: 0.9,
                centered: true,
                weight_decay: 0.01,
                ..Default::default()
            },
        ] {
            let (g1, g2) = (Graph::new(), Graph::new());
            let (p1, p2) = (params(&g1), params(&g2));
            let mut r1 = RmsProp::new(p1.clone(), config).unwrap();
            let mut r2 = RmsProp::new(p2.clone(), config).unwrap();
            for _ in 0..50 {
                r1.step();
                r2.update();
                assert_eq!(bits(&p1), bits(&p2));
            }
        }
    }

    #[test]
    fn adamw_with_and_without_hardware_fma_agree_to_the_bit() {
        if !has_fma() {
            return;
        }
        let config = AdamWConfig {
            amsgrad: true,
            betas: (0.3, 0.99),
            ..Default::default()
        };
        let decay = Some(1.0 - config.lr * config.weight_decay);
        let (g1, g2) = (Graph::new(), Graph::new());
        let (p1, p2) = (params(&g1), params(&g2));
        let mut a1 = AdamW::new(p1.clone(), config).unwrap();
        // AdamW is Adam without L2 and with the decay factor.
        let mut a2 = Adam::new(
            p2.clone(),
            AdamConfig {
                lr: config.lr,
                betas: config.betas,
                amsgrad: true,
                ..Default::default()
            },
        )
        .unwrap();
        for _ in 0..50 {
            a1.step();
            let (step_size, bc2) = a2.next_step();
            a2.update(step_size, bc2, decay);
            assert_eq!(bits(&p1), bits(&p2));
        }
    }
}
