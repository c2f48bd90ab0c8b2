//! [`Graph::grad`]: derivatives as values in the same graph, so that they can be
//! differentiated again (PyTorch's `torch.autograd.grad(..., create_graph=True)`).
//!
//! The sweep is backward's: reverse creation order from the output, each reached node handing
//! `adjoint · ∂out/∂parent` to its parents. The difference is the number type. Here the
//! adjoints and the local derivatives are [`Sym`]s, so [`Op::vjp`], the one place where
//! the calculus is written, builds each derivative as nodes instead of computing a number.
//! Constants are folded, and a derivative that is identically zero ([`Scalar::zero`], such as
//! a step function's) creates nothing.

use std::ops::{Add, Div, Mul, Neg, Sub};

use crate::engine::fast::nary::dot_parts;
use crate::engine::graph::Graph;
use crate::engine::op::{Arity, Op, Scalar, specialize};
use crate::engine::value::Value;

/// A symbolic operand: an adjoint or a local derivative while [`Graph::grad`] runs (and a
/// tangent while [`Graph::jvp`] runs).
#[derive(Clone, Copy)]
pub(crate) enum Sym<'g> {
    /// Identically zero: no node, and no contribution.
    Zero,
    /// A constant, folded at build time. Only structural constants (1, −1, an op's constant)
    /// ever get here, never data, so a [`Graph::recompute`] keeps the derivative right.
    Const(f64),
    /// A node of the graph.
    Var(Value<'g>),
}

impl Scalar for Sym<'_> {
    fn lit(c: f64) -> Self {
        Sym::Const(c)
    }
    fn zero() -> Self {
        Sym::Zero
    }
    fn number(self) -> f64 {
        match self {
            Sym::Zero => 0.0,
            Sym::Const(c) => c,
            Sym::Var(v) => v.data(),
        }
    }
    fn powf(self, e: f64) -> Self {
        self.map(|v| v.powf(e), |c| c.powf(e))
    }
    fn powi(self, n: i32) -> Self {
        self.map(|v| v.powi(n), |c| c.powi(n))
    }
    fn step(self) -> Self {
        self.map(Value::step, Scalar::step)
    }
    fn sign(self) -> Self {
        self.map(Value::sign, Scalar::sign)
    }
    fn gate(self, cond: Self) -> Self {
        match (self, cond) {
            (Sym::Zero, _) => Sym::Zero,
            (s, Sym::Zero) => s.gate(Sym::Const(0.0)),
            (s, Sym::Const(c)) => {
                if c <= 0.0 {
                    Sym::Zero
                } else {
                    s
                }
            }
            (Sym::Const(a), Sym::Var(c)) => Sym::Var(c.graph().value(a).gate(c)),
            (Sym::Var(a), Sym::Var(c)) => Sym::Var(a.gate(c)),
        }
    }
    fn exp(self) -> Self {
        self.map(Value::exp, f64::exp)
    }
    fn ln(self) -> Self {
        self.map(Value::ln, f64::ln)
    }
    fn sin(self) -> Self {
        self.map(Value::sin, f64::sin)
    }
    fn cos(self) -> Self {
        self.map(Value::cos, f64::cos)
    }
    fn pow(self, e: Self) -> Self {
        match (self.unzero(), e.unzero()) {
            (Sym::Var(x), Sym::Var(e)) => Sym::Var(x.pow(e)),
            (Sym::Var(x), Sym::Const(c)) => Sym::Var(x.pow(x.graph().value(c))),
            (Sym::Const(c), Sym::Var(e)) => Sym::Var(e.graph().value(c).pow(e)),
            (a, b) => Sym::Const(a.number().powf(b.number())),
        }
    }
    fn select_gt(x: Self, y: Self, a: Self, b: Self) -> Self {
        match Sym::cmp(x, y) {
            Sym::Var(c) => a.gate(Sym::Var(c - 0.75)) + b.gate(Sym::Var(0.75 - c)),
            c => {
                if c.number() > 0.75 {
                    a
                } else {
                    b
                }
            }
        }
    }
    fn select_ge(x: Self, y: Self, a: Self, b: Self) -> Self {
        match Sym::cmp(x, y) {
            Sym::Var(c) => a.gate(Sym::Var(c - 0.25)) + b.gate(Sym::Var(0.25 - c)),
            c => {
                if c.number() > 0.25 {
                    a
                } else {
                    b
                }
            }
        }
    }
}

impl<'g> Sym<'g> {
    /// Applies a unary function: to the node, or folded into the constant (0 for `Zero`).
    fn map(self, var: impl FnOnce(Value<'g>) -> Value<'g>, num: impl FnOnce(f64) -> f64) -> Self {
        match self {
            Sym::Var(v) => Sym::Var(var(v)),
            Sym::Const(c) => Sym::Const(num(c)),
            Sym::Zero => Sym::Const(num(0.0)),
        }
    }

    /// [`Op::Cmp`] of two operands: folded for constants (structural, so it stays right
    /// after a recompute), else a node.
    fn cmp(x: Self, y: Self) -> Self {
        match (x.unzero(), y.unzero()) {
            (Sym::Var(a), Sym::Var(b)) => Sym::Var(a.compare(b)),
            (Sym::Var(a), Sym::Const(c)) => Sym::Var(a.compare(a.graph().value(c))),
            (Sym::Const(c), Sym::Var(b)) => Sym::Var(b.graph().value(c).compare(b)),
            (a, b) => Sym::Const(Op::Cmp.eval(a.number(), b.number())),
        }
    }

    /// `Zero` as the constant 0, for the operations that have no shortcut for it.
    fn unzero(self) -> Self {
        match self {
            Sym::Zero => Sym::Const(0.0),
            s => s,
        }
    }

    /// The value in the graph: a node, or a new leaf holding the constant.
    #[inline]
    pub(crate) fn into_value(self, g: &'g Graph) -> Value<'g> {
        match self {
            Sym::Var(v) => v,
            Sym::Const(c) => g.value(c),
            Sym::Zero => g.value(0.0),
        }
    }
}

// The shortcuts below are exact in f64 (x + 0 aside, which is not taken: −0 + 0 = +0), so
// a first derivative from `grad` equals backward's number.

impl Add for Sym<'_> {
    type Output = Self;
    #[inline(always)]
    fn add(self, rhs: Self) -> Self {
        match (self, rhs) {
            (Sym::Zero, s) | (s, Sym::Zero) => s,
            (Sym::Const(a), Sym::Const(b)) => Sym::Const(a + b),
            (Sym::Var(a), Sym::Const(c)) | (Sym::Const(c), Sym::Var(a)) => Sym::Var(a + c),
            (Sym::Var(a), Sym::Var(b)) => Sym::Var(a + b),
        }
    }
}

impl Sub for Sym<'_> {
    type Output = Self;
    #[inline(always)]
    fn sub(self, rhs: Self) -> Self {
        match (self, rhs) {
            (s, Sym::Zero) => s,
            (Sym::Zero, s) => -s,
            (Sym::Const(a), Sym::Const(b)) => Sym::Const(a - b),
            (Sym::Var(a), Sym::Const(c)) => Sym::Var(a - c),
            (Sym::Const(c), Sym::Var(b)) => Sym::Var(c - b),
            (Sym::Var(a), Sym::Var(b)) => Sym::Var(a - b),
        }
    }
}

impl Mul for Sym<'_> {
    type Output = Self;
    #[inline(always)]
    fn mul(self, rhs: Self) -> Self {
        match (self, rhs) {
            (Sym::Zero, _) | (_, Sym::Zero) => Sym::Zero,
            (Sym::Const(a), Sym::Const(b)) => Sym::Const(a * b),
            (Sym::Var(v), Sym::Const(c)) | (Sym::Const(c), Sym::Var(v)) => {
                if c == 1.0 {
                    Sym::Var(v)
                } else if c == -1.0 {
                    Sym::Var(-v)
                } else {
                    Sym::Var(v * c)
                }
            }
            (Sym::Var(a), Sym::Var(b)) => Sym::Var(a * b),
        }
    }
}

impl Div for Sym<'_> {
    type Output = Self;
    #[inline(always)]
    fn div(self, rhs: Self) -> Self {
        match (self, rhs.unzero()) {
            (Sym::Zero, _) => Sym::Zero,
            (s, Sym::Const(1.0)) => s,
            (Sym::Const(a), Sym::Const(b)) => Sym::Const(a / b),
            (Sym::Var(a), Sym::Const(c)) => Sym::Var(a / c),
            (Sym::Const(c), Sym::Var(b)) => Sym::Var(c / b),
            (Sym::Var(a), Sym::Var(b)) => Sym::Var(a / b),
            (_, Sym::Zero) => unreachable!("unzero"),
        }
    }
}

impl Neg for Sym<'_> {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        match self {
            Sym::Zero => Sym::Zero,
            Sym::Const(c) => Sym::Const(-c),
            Sym::Var(v) => Sym::Var(-v),
        }
    }
}

/// Adds `amount` to the adjoint of node `to`, if it is in the sweep's range (from `lo`).
#[inline(always)]
fn give<'g>(adjoints: &mut [Sym<'g>], lo: u32, to: u32, amount: Sym<'g>) {
    if let Some(k) = to.checked_sub(lo) {
        adjoints[k as usize] = adjoints[k as usize] + amount;
    }
}

/// The handle of live node `i`.
#[inline(always)]
fn handle(g: &Graph, i: u32) -> Value<'_> {
    let generation = g.with(|a| a.nodes[i as usize].generation);
    Value::from_parts(g, i, generation)
}

impl Graph {
    /// The nodes a reverse sweep from `output` to `inputs` visits, `lo..=top`: from the
    /// lowest input at or below the output (the output itself if there is none) up to the
    /// output, after `caller`'s check that every value is a live value of this graph.
    fn reverse_span(&self, caller: &str, output: Value<'_>, inputs: &[Value<'_>]) -> (u32, u32) {
        self.assert_all_live(caller, &[inputs, &[output]]);
        let top = output.index();
        let lo = inputs
            .iter()
            .map(|v| v.index())
            .filter(|&i| i <= top)
            .min()
            .unwrap_or(top);
        (lo, top)
    }

    /// The derivatives d output / d input, one per input, as values in this graph: what
    /// `torch.autograd.grad(output, inputs, create_graph=True)` returns.
    ///
    /// - The results are ordinary values, built from the same ops as the forward pass, so
    ///   they can be differentiated again, to any order (see [`hessian`](crate::hessian)).
    /// - An input that `output` does not depend on gets 0 (a new leaf), as PyTorch's
    ///   `materialize_grads`; a constant derivative is a new leaf holding it; a derivative
    ///   that is a node gets one more node, `+ 0`, so that it is summed from 0 as backward's
    ///   gradients are (d(x·y)/dx is `y + 0`).
    /// - No `grad()` field is read or written: `grad` and [`Value::backward`] do not
    ///   interfere, in either order.
    /// - Inputs may be interior values: the derivative with respect to an interior value
    ///   holds everything else fixed, as in PyTorch.
    /// - The new nodes are like any others: a [`Graph::rewind`] discards them, and
    ///   [`Graph::recompute`] re-evaluates them, so a derivative built once follows new data.
    ///
    /// The first derivatives equal backward's gradients to the bit: the sweep is the same and
    /// the contributions come from the same [`Op::vjp`], and a result is summed from 0 as
    /// backward's are (so a derivative that is −0 reads as 0, as [`Value::grad`] does).
    ///
    /// ```
    /// // y = x³ at x = 2: y' = 3x² = 12, y'' = 6x = 12, y''' = 6
    /// let g = scalargrad::Graph::new();
    /// let x = g.value(2.0);
    /// let y = x.powi(3);
    /// let d1 = g.grad(y, &[x])[0]; // torch.autograd.grad(y, x, create_graph=True)
    /// let d2 = g.grad(d1, &[x])[0];
    /// let d3 = g.grad(d2, &[x])[0];
    /// assert_eq!((d1.data(), d2.data(), d3.data()), (12.0, 12.0, 6.0));
    /// ```
    ///
    /// Cost: one pass over the nodes from the lowest input to `output`, creating a few nodes
    /// per node reached (measured in BENCHMARKS.md), and one `Vec` of adjoints.
    ///
    /// # Panics
    /// If a value belongs to another graph or was discarded by a rewind.
    pub fn grad<'g>(&'g self, output: Value<'g>, inputs: &[Value<'g>]) -> Vec<Value<'g>> {
        let (lo, top) = self.reverse_span("Graph::grad", output, inputs);
        let mut adjoints = vec![Sym::Zero; (top - lo) as usize + 1];
        adjoints[(top - lo) as usize] = Sym::Const(1.0);
        let mut pairs = Vec::new();
        for i in (lo..=top).rev() {
            let g = adjoints[(i - lo) as usize];
            if matches!(g, Sym::Zero) {
                continue;
            }
            let n = self.with(|a| a.nodes[i as usize]);
            let out = Sym::Var(Value::from_parts(self, i, n.generation));
            // One arm per op (see `specialize!` in op.rs): the op is a constant in each, so
            // its `vjp` and the `Sym` arithmetic it runs fold to that op's own node building.
            specialize!(n.op, |op| match op.arity() {
                Arity::Leaf => {}
                Arity::Nary => {
                    // The order of backward's `propagate_nary`: last term first, the bias
                    // just before the first term.
                    let bias = self.with(|a| {
                        let (bias, p) = dot_parts(&a.links, &n);
                        pairs.clear();
                        pairs.extend_from_slice(p);
                        bias
                    });
                    for (k, pair) in pairs.chunks_exact(2).enumerate().rev() {
                        if let (0, Some(b)) = (k, bias) {
                            give(&mut adjoints, lo, b, g);
                        }
                        let (a, c) = (
                            Sym::Var(handle(self, pair[0])),
                            Sym::Var(handle(self, pair[1])),
                        );
                        let (ga, gc) = op.vjp(a, c, out, g);
                        give(&mut adjoints, lo, pair[0], ga);
                        give(&mut adjoints, lo, pair[1], gc);
                    }
                }
                arity => {
                    let y = match arity {
                        Arity::UnaryConst => Sym::Const(self.with(|a| a.consts[n.rhs as usize])),
                        Arity::Binary => Sym::Var(handle(self, n.rhs)),
                        _ => Sym::Zero,
                    };
                    let (gx, gy) = op.vjp(Sym::Var(handle(self, n.lhs)), y, out, g);
                    give(&mut adjoints, lo, n.lhs, gx);
                    if arity == Arity::Binary {
                        give(&mut adjoints, lo, n.rhs, gy);
                    }
                }
            });
        }
        inputs
            .iter()
            .map(|v| {
                let s = v
                    .index()
                    .checked_sub(lo)
                    .filter(|_| v.index() <= top)
                    .map_or(Sym::Zero, |k| adjoints[k as usize]);
                // Backward sums a gradient from 0 and never shows −0 (`Value::grad`), so a
                // derivative is summed from 0 too: `0 + d` is `d` but for −0.
                (Sym::Const(0.0) + s).into_value(self)
            })
            .collect()
    }
}

impl Graph {
    /// The derivatives d output / d input as plain numbers, one per input: what
    /// `torch.autograd.grad(output, inputs)` returns without `create_graph`.
    ///
    /// - No node is created and no `grad()` field is read or written, so it can run beside
    ///   [`Value::backward`] and inside a replayed step without growing the graph.
    /// - Each number equals backward's gradient to the bit (the same sweep and the same
    ///   [`Op::vjp`]), and so [`Graph::grad`]'s first derivative; −0 reads as 0, as
    ///   [`Value::grad`] does.
    /// - An input that `output` does not depend on gets 0, as PyTorch's `materialize_grads`;
    ///   inputs may be interior values (the rest held fixed, as in [`Graph::grad`]).
    ///
    /// ```
    /// // y = x·z + x at (3, 4): dy/dx = z + 1 = 5, dy/dz = x = 3
    /// let g = scalargrad::Graph::new();
    /// let (x, z) = (g.value(3.0), g.value(4.0));
    /// let y = x * z + x;
    /// let n = g.node_count();
    /// assert_eq!(g.gradients(y, &[x, z]), [5.0, 3.0]); // torch.autograd.grad(y, (x, z))
    /// assert_eq!(g.node_count(), n); // no new node
    /// assert_eq!(x.grad(), 0.0); // and no grad field touched
    /// ```
    ///
    /// Cost: one pass over the nodes from the lowest input to `output`, and one `Vec` of
    /// adjoints.
    ///
    /// # Panics
    /// If a value belongs to another graph or was discarded by a rewind.
    #[must_use]
    pub fn gradients<'g>(&'g self, output: Value<'g>, inputs: &[Value<'g>]) -> Vec<f64> {
        let (lo, top) = self.reverse_span("Graph::gradients", output, inputs);
        // `None`: not reached from the output. A reached adjoint is summed from 0, as
        // backward's `add` does: (0 + g₁) + g₂ + …
        let mut adjoints: Vec<Option<f64>> = vec![None; (top - lo) as usize + 1];
        adjoints[(top - lo) as usize] = Some(1.0);
        let give = |adjoints: &mut [Option<f64>], to: u32, amount: f64| {
            if let Some(k) = to.checked_sub(lo) {
                let a = &mut adjoints[k as usize];
                *a = Some(a.unwrap_or(0.0) + 0.0 + amount);
            }
        };
        self.with(|a| {
            for i in (lo..=top).rev() {
                let Some(g) = adjoints[(i - lo) as usize] else {
                    continue;
                };
                let n = a.nodes[i as usize];
                let y = match n.op.arity() {
                    Arity::Leaf => continue,
                    Arity::Nary => {
                        // backward's `propagate_nary` order: last term first, the bias just
                        // before the first term.
                        let (bias, pairs) = dot_parts(&a.links, &n);
                        for (k, pair) in pairs.chunks_exact(2).enumerate().rev() {
                            if let (0, Some(b)) = (k, bias) {
                                give(&mut adjoints, b, g);
                            }
                            let (x, c) = (
                                a.nodes[pair[0] as usize].data,
                                a.nodes[pair[1] as usize].data,
                            );
                            let (gx, gc) = Op::Dot.vjp(x, c, n.data, g);
                            give(&mut adjoints, pair[0], gx);
                            give(&mut adjoints, pair[1], gc);
                        }
                        continue;
                    }
                    _ => a.second_operand(&n),
                };
                let (gx, gy) = n.op.vjp(a.nodes[n.lhs as usize].data, y, n.data, g);
                give(&mut adjoints, n.lhs, gx);
                if n.op.arity() == Arity::Binary {
                    give(&mut adjoints, n.rhs, gy);
                }
            }
        });
        inputs
            .iter()
            .map(|v| {
                v.index()
                    .checked_sub(lo)
                    .filter(|_| v.index() <= top)
                    .and_then(|k| adjoints[k as usize])
                    .map_or(0.0, |d| d + 0.0)
            })
            .collect()
    }
}
