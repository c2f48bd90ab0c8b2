//! Hardware fused multiply-add for the optimizers' updates: the one place in `optim` with
//! `unsafe`.
//!
//! The updates call [`f64::mul_add`] where PyTorch's kernels fuse (see the module's table).
//! On x86-64 without `-C target-cpu`, `mul_add` is a call to the C library's `fma`; compiled
//! with the `fma` target feature it is one instruction. Both round once, so both give the
//! same bits; only the speed differs (BENCHMARKS.md, "what each fast path buys").
// One of the files allowed `unsafe` code (the crate denies it elsewhere): the one call of an update
// compiled with FMA.
#![allow(unsafe_code)]

/// An optimizer's update loop, for [`with_fma`]: `run` calls the optimizer's
/// `#[inline(always)]` update with `args` (and is `#[inline(always)]` itself), so that the
/// whole loop is compiled into the FMA copy. (A closure would not be: it is called from two
/// copies, and the compiler keeps it out of line, with its library calls.)
pub(super) trait Update {
    /// What the update takes besides the optimizer: this step's factors.
    type Args;
    /// The update of every parameter.
    fn run(&mut self, args: Self::Args);
}

/// Runs `optimizer`'s update, compiled with the `fma` target feature when the CPU has it,
/// and as it is otherwise.
#[inline(always)]
pub(super) fn with_fma<U: Update>(optimizer: &mut U, args: U::Args) {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    if has_fma() {
        // SAFETY: a `#[target_feature]` function may run only on a CPU with that feature,
        // and the CPU was just found to have `fma`.
        unsafe { compiled_with_fma(optimizer, args) };
        return;
    }
    optimizer.run(args);
}

/// Whether the CPU does fused multiply-add in hardware (std caches the answer).
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[inline]
pub(super) fn has_fma() -> bool {
    std::arch::is_x86_feature_detected!("fma")
}

/// `optimizer.run(args)`, inlined here and compiled with hardware FMA.
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[target_feature(enable = "fma")]
fn compiled_with_fma<U: Update>(optimizer: &mut U, args: U::Args) {
    optimizer.run(args);
}
