//! [`Value`]: a `Copy` handle to one scalar node, with its accessors and operators.
//!
//! Every op method is a one-liner into [`Op`]; the mathematics lives in `op.rs`.
// One of the files allowed `unsafe` code (the crate denies it elsewhere): the operators take the
// arena through `Graph::arena_mut` and read live nodes unchecked.
#![allow(unsafe_code)]

use std::fmt;
use std::ops::{Add, Div, Mul, Neg, Sub};

use crate::engine::fast::nary::dot_parts;
use crate::engine::graph::{Graph, Misuse};
use crate::engine::node::{Node, UNREACHED};
use crate::engine::op::{Arity, Op};

/// A scalar in a [`Graph`]: a small `Copy` handle (graph reference, index, generation).
///
/// Arithmetic between values, and between a value and an `f64` on either side, creates new
/// nodes. An `f64` operand is a constant: it is folded into the op and has no gradient.
/// Arithmetic follows `f64` semantics: it never fails, and NaN and infinities propagate.
///
/// ```
/// use scalargrad::Graph;
///
/// // a small expression in micrograd style
/// let g = Graph::new();
/// let a = g.value(-4.0);
/// let b = g.value(2.0);
/// let c = a + b;
/// let d = a * b + b.powf(3.0);
/// let e = c - d;
/// e.backward();
/// assert_eq!(e.data(), -2.0);
/// assert_eq!(a.grad(), -1.0);
/// ```
///
/// # Panics
/// Combining values of two different graphs panics, and so does any use of a value whose node
/// was discarded by [`Graph::rewind`]. Both are programmer errors that would otherwise read
/// another node's number.
#[derive(Clone, Copy)]
pub struct Value<'g> {
    graph: &'g Graph,
    index: u32,
    generation: u32,
}

/// `live_data!(arena, value)`: the value's data, or, if its handle is stale, a panic raised by
/// the calling function itself, after its last use of the borrow. (A helper function taking
/// the arena as an argument could not panic soundly: its argument would still be borrowed.)
macro_rules! live_data {
    ($a:expr, $v:expr) => {
        if $a.is_live($v.index, $v.generation) {
            // SAFETY: a live handle's index is below `nodes.len()` (`Arena::is_live`).
            unsafe { $a.nodes.get_unchecked($v.index as usize).data }
        } else {
            $v.graph.misuse($v.stale())
        }
    };
}

impl<'g> Value<'g> {
    #[inline]
    pub(crate) fn from_parts(graph: &'g Graph, index: u32, generation: u32) -> Self {
        Value {
            graph,
            index,
            generation,
        }
    }

    #[inline]
    pub(crate) fn generation(self) -> u32 {
        self.generation
    }

    /// The graph this value lives in.
    #[must_use]
    pub fn graph(self) -> &'g Graph {
        self.graph
    }

    /// The node's position in creation order. It is unique among the graph's live nodes and
    /// never changes while the value is live; after a rewind discards the value, a new node
    /// may reuse the index (the handle's generation tells them apart, see
    /// [`Graph::rewind`]).
    #[must_use]
    pub fn index(self) -> u32 {
        self.index
    }

    /// The forward value.
    #[inline]
    #[must_use]
    pub fn data(self) -> f64 {
        self.graph.with_live(self.index, self.generation, |a| {
            a.nodes[self.index as usize].data
        })
    }

    /// The gradient: d root / d self after the latest [`Value::backward`] (see there for
    /// how leaves accumulate).
    #[inline]
    #[must_use]
    pub fn grad(self) -> f64 {
        self.graph.with_live(self.index, self.generation, |a| {
            a.nodes[self.index as usize].grad()
        })
    }

    /// Overwrites the forward value, as an optimizer does with a parameter.
    ///
    /// Nodes already computed from this one are not recomputed: set leaves, then build
    /// (or replay with [`Graph::recompute`]).
    #[inline]
    pub fn set_data(self, data: f64) {
        self.graph.with_live(self.index, self.generation, |a| {
            a.nodes[self.index as usize].data = data;
        });
    }

    /// Replaces the forward value with `rule(data, grad)`: an optimizer's step for one
    /// parameter. `rule` runs outside the arena's borrow, between one checked read of the data
    /// and the gradient and one checked write.
    #[inline(always)]
    pub(crate) fn update_data(self, rule: impl FnOnce(f64, f64) -> f64) {
        let (data, grad) = self.with_node(|n, _| (n.data, n.grad()));
        let data = rule(data, grad);
        self.with_node(|n, _| n.data = data);
    }

    /// Runs `f` on this value's node and on `Arena::grads_written_below`, after one check of
    /// the handle; the node is then reached without a bounds check. `f` runs while the arena
    /// is borrowed, so it must be engine code that neither uses a graph nor panics.
    #[inline(always)]
    fn with_node<R>(self, f: impl FnOnce(&mut Node, &mut u32) -> R) -> R {
        self.graph.with_live(self.index, self.generation, |a| {
            // SAFETY: `with_live` runs this only for a live handle, whose index is below
            // `nodes.len()` (`Arena::is_live`).
            let n = unsafe { a.nodes.get_unchecked_mut(self.index as usize) };
            f(n, &mut a.grads_written_below)
        })
    }

    /// Overwrites the gradient.
    ///
    /// On a leaf, the next backward adds to it (leaf gradients accumulate). On an interior
    /// node it is a value to read until the next backward, which starts that node afresh as
    /// it does every interior node: it never leaks into the next backward's results.
    #[inline]
    pub fn set_grad(self, grad: f64) {
        self.with_node(|n, dirty| {
            n.grad = grad;
            if n.op != Op::Leaf {
                // Mark it for backward's clearing pass (see `Arena::grads_written_below`).
                *dirty = (*dirty).max(self.index + 1);
            }
        });
    }

    /// Sets this value's gradient to 0, as `p.grad.zero_()` does in PyTorch.
    #[inline]
    pub fn zero_grad(self) {
        // Unlike `set_grad`, this never needs `Arena::grads_written_below` raised: the node
        // gets what backward's clearing pass would give an interior node anyway, `UNREACHED`
        // (read as 0). An optimizer zeroes every parameter every step, so this path stays
        // short (figures in BENCHMARKS.md, "reachability in the sign of zero").
        self.with_node(|n, _| n.grad = UNREACHED);
    }

    /// The op that produced this value ([`Op::Leaf`] for a leaf).
    #[must_use]
    pub fn op(self) -> Op {
        self.graph.with_live(self.index, self.generation, |a| {
            a.nodes[self.index as usize].op
        })
    }

    /// Whether this value is a leaf (made by [`Graph::value`], not by an op).
    #[must_use]
    pub fn is_leaf(self) -> bool {
        self.op() == Op::Leaf
    }

    /// The parent values, in operand order: none for a leaf, one for unary and constant ops,
    /// two for binary ops (both the same value for `a * a`), and for [`Op::Dot`] the bias (if
    /// any) then `a₀, c₀, a₁, c₁, …`.
    #[must_use]
    pub fn parents(self) -> Vec<Value<'g>> {
        self.graph.with_live(self.index, self.generation, |a| {
            let n = a.nodes[self.index as usize];
            let parent = |i: u32| Value::from_parts(self.graph, i, a.nodes[i as usize].generation);
            match n.op.arity() {
                Arity::Leaf => Vec::new(),
                Arity::Unary | Arity::UnaryConst => vec![parent(n.lhs)],
                Arity::Binary => vec![parent(n.lhs), parent(n.rhs)],
                Arity::Nary => {
                    let (bias, pairs) = dot_parts(&a.links, &n);
                    bias.into_iter()
                        .chain(pairs.iter().copied())
                        .map(parent)
                        .collect()
                }
            }
        })
    }

    /// The local derivatives ∂self/∂parent, one per entry of [`Value::parents`], at the
    /// current values (from [`Op::partials`]).
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let (a, b) = (g.value(2.0), g.value(5.0));
    /// assert_eq!((a * b).local_gradients(), [5.0, 2.0]);
    /// assert_eq!((a * 3.0).local_gradients(), [3.0]);
    /// ```
    #[must_use]
    pub fn local_gradients(self) -> Vec<f64> {
        self.graph.with_live(self.index, self.generation, |a| {
            let n = a.nodes[self.index as usize];
            let x = || a.nodes[n.lhs as usize].data;
            match n.op.arity() {
                Arity::Leaf => Vec::new(),
                Arity::Unary | Arity::UnaryConst => {
                    vec![n.op.partials(x(), a.second_operand(&n), n.data).0]
                }
                Arity::Binary => {
                    let (dx, dy) = n.op.partials(x(), a.second_operand(&n), n.data);
                    vec![dx, dy]
                }
                Arity::Nary => {
                    let (bias, pairs) = dot_parts(&a.links, &n);
                    let mut out: Vec<f64> = bias.map(|_| 1.0).into_iter().collect();
                    for p in pairs.chunks_exact(2) {
                        let (da, dc) = n.op.partials(
                            a.nodes[p[0] as usize].data,
                            a.nodes[p[1] as usize].data,
                            n.data,
                        );
                        out.extend([da, dc]);
                    }
                    out
                }
            }
        })
    }

    /// The constant operand of a constant op (`1.0` in `x + 1.0`), else `None`.
    #[must_use]
    pub fn constant(self) -> Option<f64> {
        self.graph.with_live(self.index, self.generation, |a| {
            let n = a.nodes[self.index as usize];
            (n.op.arity() == Arity::UnaryConst).then(|| a.consts[n.rhs as usize])
        })
    }

    /// Gives the value a name, shown in drawings; returns the value for chaining.
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let tax = g.value(1.1).named("消費税");
    /// assert_eq!(tax.name().as_deref(), Some("消費税"));
    /// ```
    #[must_use = "named returns the same value, for chaining"]
    pub fn named(self, name: &str) -> Self {
        self.graph.with_live(self.index, self.generation, |a| {
            a.labels.insert(self.index, name.into());
        });
        self
    }

    /// The name given with [`Value::named`], if any.
    #[must_use]
    pub fn name(self) -> Option<String> {
        self.graph.with_live(self.index, self.generation, |a| {
            a.labels.get(&self.index).map(ToString::to_string)
        })
    }

    // The three constructors below run once per node. They are inlined into each operator so
    // that its op is a constant (`eval` folds to one instruction), and they reach the arena
    // without a closure. Each checks its handles inside the borrow and, on a misuse, panics
    // only after its last use of the borrow (the arena contract, engine/mod.rs).

    #[inline(always)]
    fn unary(self, op: Op) -> Self {
        // SAFETY: the arena contract (engine/mod.rs); misuse is reported after the last use of `a`.
        let a = unsafe { self.graph.arena_mut() };
        let x = live_data!(a, self);
        let generation = a.generation;
        match a.push(op, self.index, 0, op.eval(x, 0.0)) {
            Some(index) => Value::from_parts(self.graph, index, generation),
            None => self.graph.misuse(Misuse::TooManyNodes),
        }
    }

    #[inline(always)]
    pub(crate) fn with_const(self, op: Op, c: f64) -> Self {
        // SAFETY: the arena contract (engine/mod.rs); misuse is reported after the last use of `a`.
        let a = unsafe { self.graph.arena_mut() };
        let x = live_data!(a, self);
        let generation = a.generation;
        let ci = a.next_const();
        match a.push(op, self.index, ci, op.eval(x, c)) {
            Some(index) => {
                a.consts.push(c);
                Value::from_parts(self.graph, index, generation)
            }
            None => self.graph.misuse(Misuse::TooManyNodes),
        }
    }

    #[inline(always)]
    fn binary(self, op: Op, rhs: Self) -> Self {
        if !std::ptr::eq(self.graph, rhs.graph) {
            // Scalars, not the two `Value`s: a call that takes a `Value` by value makes the
            // compiler keep every handle of the caller's loop in memory.
            mixed_graphs_at(
                (self.graph, self.index, self.generation),
                (rhs.graph, rhs.index, rhs.generation),
            );
        }
        // SAFETY: the arena contract (engine/mod.rs); misuse is reported after the last use of `a`.
        let a = unsafe { self.graph.arena_mut() };
        let x = live_data!(a, self);
        let y = live_data!(a, rhs);
        let generation = a.generation;
        match a.push(op, self.index, rhs.index, op.eval(x, y)) {
            Some(index) => Value::from_parts(self.graph, index, generation),
            None => self.graph.misuse(Misuse::TooManyNodes),
        }
    }

    /// The misuse report for this handle being stale.
    fn stale(self) -> Misuse {
        Misuse::Stale {
            index: self.index,
            generation: self.generation,
        }
    }

    /// How this value is named in messages: `` `tax` (Value #2) `` or `Value #2`.
    fn describe(self) -> String {
        let label = self.graph.with(|a| {
            a.is_live(self.index, self.generation)
                .then(|| a.labels.get(&self.index).map(ToString::to_string))
                .flatten()
        });
        match label {
            Some(l) => format!("`{l}` (Value #{})", self.index),
            None => format!("Value #{}", self.index),
        }
    }

    /// `self^k` for a real exponent `k`, computed as PyTorch's `x ** k` (x·x for 2, x·x·x for
    /// 3, √x for ½, …, else `pow`); d/dx = k·x^(k−1), and 0 for k = 0.
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let x = g.value(3.0);
    /// let y = x.powf(2.0); // torch: x.pow(2.0)
    /// y.backward();
    /// assert_eq!((y.data(), x.grad()), (9.0, 6.0));
    /// ```
    #[inline]
    #[must_use]
    pub fn powf(self, k: f64) -> Self {
        self.with_const(Op::PowF, k)
    }

    /// `self^n` for an integer exponent, computed as PyTorch's `x ** n` (x·x for 2, x·x·x for
    /// 3, 1/x for −1, 1/(x·x) for −2, else `pow`); d/dx = n·x^(n−1).
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let x = g.value(-2.0);
    /// let y = x.powi(3);
    /// y.backward();
    /// assert_eq!((y.data(), x.grad()), (-8.0, 12.0));
    /// ```
    #[inline]
    #[must_use]
    pub fn powi(self, n: i32) -> Self {
        self.with_const(Op::PowI, f64::from(n))
    }

    /// `eˣ`; d/dx = eˣ.
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let x = g.value(0.0);
    /// let y = x.exp(); // torch: x.exp()
    /// y.backward();
    /// assert_eq!((y.data(), x.grad()), (1.0, 1.0));
    /// ```
    #[inline]
    #[must_use]
    pub fn exp(self) -> Self {
        self.unary(Op::Exp)
    }

    /// Natural log `ln x`; d/dx = 1/x. `ln 0 = −∞` and `ln` of a negative number is NaN.
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let x = g.value(2.0);
    /// let y = x.ln(); // torch: x.log()
    /// y.backward();
    /// assert_eq!((y.data(), x.grad()), (std::f64::consts::LN_2, 0.5));
    /// ```
    #[inline]
    #[must_use]
    pub fn ln(self) -> Self {
        self.unary(Op::Ln)
    }

    /// `tanh x`; d/dx = 1 − tanh²x.
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let x = g.value(0.0);
    /// let y = x.tanh(); // torch: x.tanh()
    /// y.backward();
    /// assert_eq!((y.data(), x.grad()), (0.0, 1.0));
    /// ```
    #[inline]
    #[must_use]
    pub fn tanh(self) -> Self {
        self.unary(Op::Tanh)
    }

    /// `max(x, 0)`, and NaN for NaN; d/dx = 0 where the result is ≤ 0, else 1 (relu'(0) = 0
    /// and relu'(NaN) = 1, as in PyTorch).
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let x = g.value(0.0);
    /// let y = x.relu(); // torch: x.relu()
    /// y.backward();
    /// assert_eq!((y.data(), x.grad()), (0.0, 0.0));
    /// ```
    #[inline]
    #[must_use]
    pub fn relu(self) -> Self {
        self.unary(Op::Relu)
    }

    /// The sigmoid `σ(x) = 1/(1 + e⁻ˣ)`, as one node; d/dx = σ(x)(1 − σ(x)).
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let x = g.value(0.0);
    /// let y = x.sigmoid(); // torch: x.sigmoid()
    /// y.backward();
    /// assert_eq!((y.data(), x.grad()), (0.5, 0.25));
    /// ```
    #[inline]
    #[must_use]
    pub fn sigmoid(self) -> Self {
        self.unary(Op::Sigmoid)
    }

    /// `√x`; d/dx = 1/(2√x).
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let x = g.value(4.0);
    /// let y = x.sqrt(); // torch: x.sqrt()
    /// y.backward();
    /// assert_eq!((y.data(), x.grad()), (2.0, 0.25));
    /// ```
    #[inline]
    #[must_use]
    pub fn sqrt(self) -> Self {
        self.unary(Op::Sqrt)
    }

    /// `|x|`; d/dx = sign(x), with sign(0) = sign(NaN) = 0 (as in PyTorch).
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let x = g.value(-3.0);
    /// let y = x.abs(); // torch: x.abs()
    /// y.backward();
    /// assert_eq!((y.data(), x.grad()), (3.0, -1.0));
    /// ```
    #[inline]
    #[must_use]
    pub fn abs(self) -> Self {
        self.unary(Op::Abs)
    }

    /// PyTorch's `sign`: −1, 0 or 1, with 0 for ±0 and for NaN; d/dx = 0.
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let x = g.value(-3.0);
    /// let y = x.sign(); // torch: x.sign()
    /// y.backward();
    /// assert_eq!((y.data(), x.grad()), (-1.0, 0.0));
    /// assert_eq!(g.value(f64::NAN).sign().data(), 0.0);
    /// ```
    #[inline]
    #[must_use]
    pub fn sign(self) -> Self {
        self.unary(Op::Sign)
    }

    /// The unit step function (Heaviside's; an optimizer's training step is
    /// [`Optimizer::step`](crate::optim::Optimizer::step)): 0 where x ≤ 0, else 1 (NaN gives
    /// 1); d/dx = 0. It is relu's derivative
    /// as a value (`relu'(x) = step(relu x)`, PyTorch's `threshold_backward`).
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let x = g.value(2.5);
    /// let y = x.step(); // torch: (x > 0).double()
    /// y.backward();
    /// assert_eq!((y.data(), x.grad()), (1.0, 0.0));
    /// assert_eq!(g.value(0.0).step().data(), 0.0);
    /// ```
    #[inline]
    #[must_use]
    pub fn step(self) -> Self {
        self.unary(Op::Step)
    }

    /// `self` where `cond > 0` (or `cond` is NaN), else 0: the gradient relu lets through
    /// (PyTorch's `threshold_backward(self, cond, 0)`), selected rather than multiplied, so
    /// that an infinite `self` still gives 0; d/dself = gate(1, cond), d/dcond = 0.
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let (x, c) = (g.value(f64::INFINITY), g.value(-1.0));
    /// assert_eq!(x.gate(c).data(), 0.0); // where inf · step(c) would be NaN
    /// assert_eq!(x.gate(g.value(2.0)).data(), f64::INFINITY);
    /// ```
    #[inline]
    #[must_use]
    pub fn gate(self, cond: Self) -> Self {
        self.binary(Op::Gate, cond)
    }

    /// `1/x`, written as the constant op `1 / x` (the book's "/" node); d/dx = −1/x².
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let x = g.value(2.0);
    /// let y = x.recip(); // torch: x.reciprocal()
    /// y.backward();
    /// assert_eq!((y.data(), x.grad()), (0.5, -0.25));
    /// ```
    #[inline]
    #[must_use]
    pub fn recip(self) -> Self {
        1.0 / self
    }

    /// PyTorch's `detach`: the same number, but no gradient flows through it; d/dx = 0.
    /// Replay recomputes it (a shift taken from the data follows new data).
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let x = g.value(3.0);
    /// let y = x * x.detach(); // torch: x * x.detach()
    /// y.backward();
    /// assert_eq!((y.data(), x.grad()), (9.0, 3.0));
    /// ```
    #[inline]
    #[must_use]
    pub fn detach(self) -> Self {
        self.unary(Op::Detach)
    }

    /// `sin x`; d/dx = cos x.
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let x = g.value(0.0);
    /// let y = x.sin(); // torch: x.sin()
    /// y.backward();
    /// assert_eq!((y.data(), x.grad()), (0.0, 1.0));
    /// ```
    #[inline]
    #[must_use]
    pub fn sin(self) -> Self {
        self.unary(Op::Sin)
    }

    /// `cos x`; d/dx = −sin x.
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let x = g.value(0.0);
    /// let y = x.cos(); // torch: x.cos()
    /// y.backward();
    /// assert_eq!((y.data(), x.grad()), (1.0, 0.0));
    /// ```
    #[inline]
    #[must_use]
    pub fn cos(self) -> Self {
        self.unary(Op::Cos)
    }

    /// `ln(1 + x)`, accurate for small x; d/dx = 1/(x + 1).
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let x = g.value(1e-20);
    /// let y = x.log1p(); // torch: x.log1p()
    /// y.backward();
    /// assert_eq!((y.data(), x.grad()), (1e-20, 1.0));
    /// ```
    #[inline]
    #[must_use]
    pub fn log1p(self) -> Self {
        self.unary(Op::Log1p)
    }

    /// PyTorch's `softplus` (β = 1, threshold 20): `ln(1 + eˣ)`, and `x` where x > 20;
    /// d/dx = eˣ/(eˣ + 1), and 1 where x > 20.
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let x = g.value(0.0);
    /// let y = x.softplus(); // torch: F.softplus(x)
    /// y.backward();
    /// assert_eq!((y.data(), x.grad()), (std::f64::consts::LN_2, 0.5));
    /// ```
    #[inline]
    #[must_use]
    pub fn softplus(self) -> Self {
        self.unary(Op::Softplus)
    }

    /// `x` where x > 0, else `slope·x` (PyTorch's `leaky_relu`); d/dx = 1 where x > 0, else
    /// `slope`.
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let x = g.value(-2.0);
    /// let y = x.leaky_relu(0.01); // torch: F.leaky_relu(x, 0.01)
    /// y.backward();
    /// assert_eq!((y.data(), x.grad()), (-0.02, 0.01));
    /// ```
    #[inline]
    #[must_use]
    pub fn leaky_relu(self, slope: f64) -> Self {
        self.with_const(Op::LeakyRelu, slope)
    }

    /// `x` clamped into `[lo, hi]`, NaN passing through (PyTorch's `clamp`): two nodes,
    /// `max(x, lo)` then `min(·, hi)`; d/dx = 1 where lo < x < hi, else 0 (so 0 at either
    /// end, as PyTorch 2.15 gives). Where `lo > hi` every value becomes `hi`, as in PyTorch.
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let x = g.value(0.5);
    /// let y = x.clamp(-1.0, 1.0); // torch: x.clamp(-1, 1)
    /// y.backward();
    /// assert_eq!((y.data(), x.grad()), (0.5, 1.0));
    /// assert_eq!(g.value(5.0).clamp(-1.0, 1.0).data(), 1.0);
    /// ```
    #[inline]
    #[must_use]
    pub fn clamp(self, lo: f64, hi: f64) -> Self {
        self.with_const(Op::ClampMin, lo)
            .with_const(Op::ClampMax, hi)
    }

    /// The larger of two values, NaN if either is (PyTorch's `torch.maximum`); equal inputs
    /// share the gradient, half each.
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let (a, b) = (g.value(2.0), g.value(2.0));
    /// let y = a.max(b); // torch: torch.maximum(a, b)
    /// y.backward();
    /// assert_eq!((y.data(), a.grad(), b.grad()), (2.0, 0.5, 0.5));
    /// ```
    ///
    /// # Panics
    /// If the values belong to different graphs.
    #[inline]
    #[must_use]
    pub fn max(self, other: Self) -> Self {
        self.binary(Op::Max, other)
    }

    /// The smaller of two values, NaN if either is (PyTorch's `torch.minimum`); equal
    /// inputs share the gradient, half each.
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let (a, b) = (g.value(2.0), g.value(3.0));
    /// let y = a.min(b); // torch: torch.minimum(a, b)
    /// y.backward();
    /// assert_eq!((y.data(), a.grad(), b.grad()), (2.0, 1.0, 0.0));
    /// ```
    ///
    /// # Panics
    /// If the values belong to different graphs.
    #[inline]
    #[must_use]
    pub fn min(self, other: Self) -> Self {
        self.binary(Op::Min, other)
    }

    /// `self^exponent` with a value as the exponent (PyTorch's `x ** y` for two tensors);
    /// d/dx = y·x^(y−1) (0 where y = 0), d/dy = out·ln x (0 where x = 0 and y ≥ 0).
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let (x, y) = (g.value(2.0), g.value(3.0));
    /// let z = x.pow(y); // torch: x ** y
    /// z.backward();
    /// assert_eq!((z.data(), x.grad(), y.grad()), (8.0, 12.0, 8.0 * 2f64.ln()));
    /// ```
    ///
    /// # Panics
    /// If the values belong to different graphs.
    #[inline]
    #[must_use]
    pub fn pow(self, exponent: Self) -> Self {
        self.binary(Op::Pow, exponent)
    }

    /// 1 where `self > other`, ½ where they are equal, else 0 (also for NaN), with no
    /// gradient: the comparison [`Graph::grad`] builds where a derivative is piecewise
    /// (the halves of [`Value::max`] at a tie, the ends of [`Value::clamp`]).
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let (a, b) = (g.value(1.0), g.value(2.0));
    /// assert_eq!((b.compare(a).data(), a.compare(a).data(), a.compare(b).data()), (1.0, 0.5, 0.0));
    /// ```
    ///
    /// # Panics
    /// If the values belong to different graphs.
    #[inline]
    #[must_use]
    pub fn compare(self, other: Self) -> Self {
        self.binary(Op::Cmp, other)
    }
}

impl fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Read first, format after: formatting may run user code (see `Graph::with`).
        let node = self.graph.with(|a| {
            a.is_live(self.index, self.generation).then(|| {
                let n = a.nodes[self.index as usize];
                (n.data, n.grad(), n.op)
            })
        });
        let Some((data, grad, op)) = node else {
            return f
                .debug_struct("Value")
                .field("index", &self.index)
                .field("stale", &true)
                .finish();
        };
        f.debug_struct("Value")
            .field("index", &self.index)
            .field("data", &data)
            .field("grad", &grad)
            .field("op", &op)
            .finish()
    }
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Value(data={}, grad={})", self.data(), self.grad())
    }
}

/// Implements `value ∘ value`, `value ∘ f64` and `f64 ∘ value` for one operator.
macro_rules! binary_operator {
    ($trait:ident, $method:ident, $op:expr, $const_op:expr, $rconst_op:expr, $doc:literal) => {
        #[doc = $doc]
        impl<'g> $trait for Value<'g> {
            type Output = Value<'g>;
            #[inline]
            fn $method(self, rhs: Value<'g>) -> Value<'g> {
                self.binary($op, rhs)
            }
        }

        #[doc = $doc]
        #[doc = ""]
        #[doc = "The `f64` is a constant folded into the op, not a tracked input."]
        impl<'g> $trait<f64> for Value<'g> {
            type Output = Value<'g>;
            #[inline]
            fn $method(self, rhs: f64) -> Value<'g> {
                self.with_const($const_op, rhs)
            }
        }

        #[doc = $doc]
        #[doc = ""]
        #[doc = "The `f64` is a constant folded into the op, not a tracked input."]
        impl<'g> $trait<Value<'g>> for f64 {
            type Output = Value<'g>;
            #[inline]
            fn $method(self, rhs: Value<'g>) -> Value<'g> {
                rhs.with_const($rconst_op, self)
            }
        }
    };
}

binary_operator!(
    Add,
    add,
    Op::Add,
    Op::AddC,
    Op::AddC,
    "`x + y`; ∂x = 1, ∂y = 1."
);
binary_operator!(
    Sub,
    sub,
    Op::Sub,
    Op::SubC,
    Op::RSubC,
    "`x − y`; ∂x = 1, ∂y = −1."
);
binary_operator!(
    Mul,
    mul,
    Op::Mul,
    Op::MulC,
    Op::MulC,
    "`x · y`; ∂x = y, ∂y = x."
);
binary_operator!(
    Div,
    div,
    Op::Div,
    Op::DivC,
    Op::RDivC,
    "`x / y`; ∂x = 1/y, ∂y = −x/y²."
);

/// [`mixed_graphs`], for a caller that holds the two handles as their parts.
#[cold]
#[inline(never)]
fn mixed_graphs_at(lhs: (&Graph, u32, u32), rhs: (&Graph, u32, u32)) -> ! {
    mixed_graphs(
        Value::from_parts(lhs.0, lhs.1, lhs.2),
        Value::from_parts(rhs.0, rhs.1, rhs.2),
    )
}

/// The panic for combining values of two graphs, naming both values and the remedy.
#[cold]
#[inline(never)]
pub(crate) fn mixed_graphs(lhs: Value<'_>, rhs: Value<'_>) -> ! {
    panic!(
        "scalargrad: cannot combine {} with {}: they belong to two different Graphs. Every \
         value in one expression must come from the same Graph: create the inputs with that \
         Graph's value(), or copy a number across with other_graph.value(v.data())",
        lhs.describe(),
        rhs.describe()
    )
}

/// `−x`; d/dx = −1.
impl<'g> Neg for Value<'g> {
    type Output = Value<'g>;
    #[inline]
    fn neg(self) -> Value<'g> {
        self.unary(Op::Neg)
    }
}
