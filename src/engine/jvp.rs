//! Forward mode: [`Graph::jvp`], the Jacobian-vector product as values in the graph (so it
//! composes with [`Graph::grad`]), and [`Graph::jvp_values`], the same numbers without
//! building nodes.
//!
//! One sweep in creation order from the lowest input to the highest output: each node's
//! tangent is `∂out/∂x · ṫx + ∂out/∂y · ṫy`, with the local derivatives from [`Op::partials`],
//! the one place where the calculus is written. The number type decides what the sweep
//! makes: with [`Sym`] it builds the tangents as nodes, with `f64` it computes them.

use crate::engine::fast::nary::dot_parts;
use crate::engine::grad::Sym;
use crate::engine::graph::Graph;
use crate::engine::op::{Arity, Op, Scalar, specialize};
use crate::engine::value::Value;
use crate::error::Error;

/// `a + b` where `None` is a tangent that is identically zero (nothing reaches the node).
#[inline(always)]
fn plus<T: Scalar>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a + b),
        (a, None) => a,
        (None, b) => b,
    }
}

/// `d · t` where `None` is a tangent that is identically zero.
///
/// A `match`, not `Option::map`: no closure call stands between the sweep and the inlined
/// arithmetic of [`Sym`].
#[inline(always)]
#[allow(clippy::manual_map)]
fn times<T: Scalar>(d: T, t: Option<T>) -> Option<T> {
    match t {
        Some(t) => Some(d * t),
        None => None,
    }
}

/// The tangent of node `i` in `dot` (which starts at node `lo`), `None` if nothing reaches it.
#[inline(always)]
fn tangent<T: Scalar>(dot: &[Option<T>], lo: u32, i: u32) -> Option<T> {
    i.checked_sub(lo)
        .and_then(|k| dot.get(k as usize).copied().flatten())
}

impl Graph {
    /// The directional derivatives `J·t` of `outputs` along the `tangents` of `inputs`, as
    /// values in this graph: the tangent outputs of `torch.func.jvp(f, inputs, tangents)`.
    ///
    /// Entry `k` of the result is `Σᵢ ∂outputs[k]/∂inputs[i] · tangents[i]`, where the
    /// derivatives are those of [`Graph::grad`], so a Jacobian column by column
    /// ([`Graph::jacobian_forward`]) equals it row by row ([`Graph::jacobian_reverse`]).
    ///
    /// - The results are ordinary values, like [`Graph::grad`]'s, so the two compose: the
    ///   `jvp` of a `grad` is a Hessian-vector product in one forward pass
    ///   (forward-over-reverse), and `jvp` of `jvp` gives directional second derivatives.
    /// - An output that depends on no input with a nonzero tangent gets 0 (a new leaf). A
    ///   tangent of exactly 0 contributes nothing, not even the NaN that `0 · ∞` would give.
    /// - Inputs may be interior values; a tangent seeded on one is added to what reaches
    ///   it from inputs below it.
    /// - The new nodes are like any others: a [`Graph::rewind`] discards them, and
    ///   [`Graph::recompute`] re-evaluates them.
    ///
    /// ```
    /// // f(x, y) = x²·y at (3, 2) along (1, 0.5): ∂f/∂x·1 + ∂f/∂y·0.5 = 2xy + x²/2 = 16.5
    /// let g = scalargrad::Graph::new();
    /// let (x, y) = (g.value(3.0), g.value(2.0));
    /// let f = x * x * y;
    /// // torch.func.jvp(lambda x, y: x * x * y, (x, y), (1.0, 0.5))[1]
    /// let df = g.jvp(&[f], &[x, y], &[1.0, 0.5])[0];
    /// assert_eq!(df.data(), 16.5);
    /// // forward-over-reverse: the jvp of the gradient is H·t
    /// // (H = [[2y, 2x], [2x, 0]] = [[4, 6], [6, 0]])
    /// let grad = g.grad(f, &[x, y]);
    /// let hv: Vec<f64> = g.jvp(&grad, &[x, y], &[1.0, 0.5]).iter().map(|v| v.data()).collect();
    /// assert_eq!(hv, [7.0, 6.0]);
    /// ```
    ///
    /// Cost: one pass over the nodes from the lowest input with a nonzero tangent to the
    /// highest output, creating a few nodes per node reached, as [`Graph::grad`] does.
    ///
    /// # Panics
    /// If `tangents` and `inputs` differ in length (see [`Graph::try_jvp`]), or a value
    /// belongs to another graph or was discarded by a rewind.
    pub fn jvp<'g>(
        &'g self,
        outputs: &[Value<'g>],
        inputs: &[Value<'g>],
        tangents: &[f64],
    ) -> Vec<Value<'g>> {
        self.try_jvp(outputs, inputs, tangents)
            .unwrap_or_else(|e| panic!("scalargrad: {e}"))
    }

    /// [`Graph::jvp`], with a length mismatch returned instead of a panic.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `tangents` and `inputs` differ in length.
    ///
    /// # Panics
    /// If a value belongs to another graph or was discarded by a rewind.
    pub fn try_jvp<'g>(
        &'g self,
        outputs: &[Value<'g>],
        inputs: &[Value<'g>],
        tangents: &[f64],
    ) -> crate::Result<Vec<Value<'g>>> {
        check_lengths("Graph::jvp", inputs, tangents)?;
        let handle = |i: u32| {
            let generation = self.with(|a| a.nodes[i as usize].generation);
            Sym::Var(Value::from_parts(self, i, generation))
        };
        Ok(self
            .tangent_sweep::<_, true>(outputs, inputs, tangents, handle)
            .into_iter()
            .map(|t| t.unwrap_or(Sym::Zero).into_value(self))
            .collect())
    }

    /// [`Graph::jvp`]'s numbers, without building nodes: the cheap forward mode.
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let (x, y) = (g.value(3.0), g.value(2.0));
    /// let f = x * x * y;
    /// assert_eq!(g.jvp_values(&[f, x], &[x, y], &[1.0, 0.5]), [16.5, 1.0]);
    /// ```
    ///
    /// Cost: one pass over the nodes from the lowest input with a nonzero tangent to the
    /// highest output, and one `Vec` of tangents; the graph is not changed.
    ///
    /// # Panics
    /// As [`Graph::jvp`].
    pub fn jvp_values<'g>(
        &'g self,
        outputs: &[Value<'g>],
        inputs: &[Value<'g>],
        tangents: &[f64],
    ) -> Vec<f64> {
        if let Err(e) = check_lengths("Graph::jvp_values", inputs, tangents) {
            panic!("scalargrad: {e}");
        }
        let data = |i: u32| self.with(|a| a.nodes[i as usize].data);
        self.tangent_sweep::<_, false>(outputs, inputs, tangents, data)
            .into_iter()
            .map(|t| t.unwrap_or(0.0))
            .collect()
    }

    /// The forward sweep of [`Graph::jvp`] and [`Graph::jvp_values`]: the tangent of each
    /// output (`None` if nothing reaches it), in the number type of `operand`, which gives a
    /// node as an operand of [`Op::partials`].
    fn tangent_sweep<'g, T: Scalar, const SPECIALISE: bool>(
        &'g self,
        outputs: &[Value<'g>],
        inputs: &[Value<'g>],
        tangents: &[f64],
        operand: impl Fn(u32) -> T,
    ) -> Vec<Option<T>> {
        self.assert_all_live("Graph::jvp", &[inputs, outputs]);
        let seeded = || {
            inputs
                .iter()
                .zip(tangents)
                .filter(|&(_, &t)| t != 0.0)
                .map(|(v, _)| v.index())
        };
        let (Some(lo), Some(hi)) = (seeded().min(), outputs.iter().map(|v| v.index()).max()) else {
            return vec![None; outputs.len()];
        };
        if hi < lo {
            return vec![None; outputs.len()];
        }
        let mut dot: Vec<Option<T>> = vec![None; (hi - lo) as usize + 1];
        for (v, &t) in inputs.iter().zip(tangents) {
            if t != 0.0 && v.index() <= hi {
                let k = (v.index() - lo) as usize;
                dot[k] = plus(dot[k], Some(T::lit(t)));
            }
        }
        let graph = self;
        let mut pairs = Vec::new();
        for i in lo..=hi {
            let n = self.with(|a| a.nodes[i as usize]);
            // The tangent that reaches node `n` (index `i`) through op `op`, from its parents.
            macro_rules! through {
                ($op:expr) => {{
                    let op = $op;
                    match op.arity() {
                        Arity::Leaf => continue,
                        Arity::Nary => {
                            // The terms in the order of the forward fold: the bias, then a₀c₀, a₁c₁, …
                            let bias = graph.with(|a| {
                                let (bias, p) = dot_parts(&a.links, &n);
                                pairs.clear();
                                pairs.extend_from_slice(p);
                                bias
                            });
                            let mut sum = bias.and_then(|b| tangent(&dot, lo, b));
                            for pair in pairs.chunks_exact(2) {
                                let (ta, tc) = (tangent(&dot, lo, pair[0]), tangent(&dot, lo, pair[1]));
                                if ta.is_none() && tc.is_none() {
                                    continue;
                                }
                                let (da, dc) = op.partials(operand(pair[0]), operand(pair[1]), T::zero());
                                sum = plus(sum, plus(times(da, ta), times(dc, tc)));
                            }
                            sum
                        }
                        arity => {
                            let tx = tangent(&dot, lo, n.lhs);
                            let ty = if arity == Arity::Binary {
                                tangent(&dot, lo, n.rhs)
                            } else {
                                None
                            };
                            if tx.is_none() && ty.is_none() {
                                None
                            } else {
                                let y = match arity {
                                    Arity::Binary => operand(n.rhs),
                                    Arity::UnaryConst => T::lit(graph.with(|a| a.consts[n.rhs as usize])),
                                    _ => T::zero(),
                                };
                                let (dx, dy) = op.partials(operand(n.lhs), y, operand(i));
                                plus(times(dx, tx), times(dy, ty))
                            }
                        }
                    }
                }};
            }
            // Symbolically, one arm per op (see `specialize!` in op.rs): the op is a constant in
            // each, so its `partials` fold to that op's own node building. With numbers, one
            // generic arm runs faster (it measured so on W3, see BENCHMARKS.md).
            let through = if SPECIALISE {
                specialize!(n.op, |op| through!(op))
            } else {
                through!(n.op)
            };
            let k = (i - lo) as usize;
            dot[k] = plus(dot[k], through);
        }
        outputs
            .iter()
            .map(|v| tangent(&dot, lo, v.index()))
            .collect()
    }
}

/// An error unless there is one tangent per input.
fn check_lengths(op: &'static str, inputs: &[Value<'_>], tangents: &[f64]) -> crate::Result<()> {
    if inputs.len() == tangents.len() {
        return Ok(());
    }
    Err(Error::ShapeMismatch {
        op,
        message: format!("{} inputs and {} tangents", inputs.len(), tangents.len()),
        expected: "one tangent per input".into(),
        found: format!("{} tangents", tangents.len()),
    })
}
