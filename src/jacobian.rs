//! Jacobians, like `jax.jacfwd`, `jax.jacrev` and `torch.autograd.functional.jacobian`: the
//! matrix `J[k][i] = ∂outputs[k]/∂inputs[i]`, column by column in forward mode (one
//! [`Graph::jvp_values`] per input) or row by row in reverse mode (one reverse sweep per
//! output). [`Graph::jacobian`] picks the mode with fewer passes.
//!
//! Both modes compute numbers only: no node is created and no `grad()` field is touched.

use crate::graph::{Graph, dot_parts};
use crate::op::{Arity, Op};
use crate::value::Value;

impl Graph {
    /// The Jacobian `J[k][i] = ∂outputs[k]/∂inputs[i]`, one row per output, in the mode
    /// that needs fewer passes: forward (one per input) when there are fewer inputs than
    /// outputs, reverse (one per output) otherwise. That is the rule `jax.jacfwd` and
    /// `jax.jacrev` users follow: tall Jacobians forward, wide ones (a loss's gradient is
    /// one row) reverse.
    ///
    /// ```
    /// // softmax over 3 inputs: ∂sᵢ/∂xⱼ = sᵢ(δᵢⱼ − sⱼ)
    /// let g = scalargrad::Graph::new();
    /// let x = g.values(&[1.0, 2.0, 3.0]);
    /// let s = scalargrad::loss::softmax(&x).unwrap();
    /// let j = g.jacobian(&s, &x); // torch.autograd.functional.jacobian(softmax, x)
    /// let d = |i: usize, k: usize| s[i].data() * (f64::from(u8::from(i == k)) - s[k].data());
    /// for i in 0..3 {
    ///     for k in 0..3 {
    ///         assert!((j[i][k] - d(i, k)).abs() < 1e-15);
    ///     }
    /// }
    /// ```
    ///
    /// Cost: `min(inputs, outputs)` passes over the nodes between the lowest input and the
    /// highest output, plus one `Vec` each.
    ///
    /// # Panics
    /// If a value belongs to another graph or was discarded by a rewind.
    pub fn jacobian<'g>(&'g self, outputs: &[Value<'g>], inputs: &[Value<'g>]) -> Vec<Vec<f64>> {
        if inputs.len() < outputs.len() {
            self.jacobian_forward(outputs, inputs)
        } else {
            self.jacobian_reverse(outputs, inputs)
        }
    }

    /// The Jacobian column by column: one [`Graph::jvp_values`] per input, along that
    /// input's unit vector (`jax.jacfwd`).
    ///
    /// ```
    /// // (x·y, x + y) at (2, 5): [[y, x], [1, 1]]
    /// let g = scalargrad::Graph::new();
    /// let (x, y) = (g.value(2.0), g.value(5.0));
    /// let j = g.jacobian_forward(&[x * y, x + y], &[x, y]);
    /// assert_eq!(j, [[5.0, 2.0], [1.0, 1.0]]);
    /// ```
    ///
    /// # Panics
    /// If a value belongs to another graph or was discarded by a rewind.
    pub fn jacobian_forward<'g>(
        &'g self,
        outputs: &[Value<'g>],
        inputs: &[Value<'g>],
    ) -> Vec<Vec<f64>> {
        let mut j = vec![vec![0.0; inputs.len()]; outputs.len()];
        let mut unit = vec![0.0; inputs.len()];
        for i in 0..inputs.len() {
            unit[i] = 1.0;
            let column = self.jvp_values(outputs, inputs, &unit);
            unit[i] = 0.0;
            for (row, d) in j.iter_mut().zip(column) {
                row[i] = d;
            }
        }
        j
    }

    /// The Jacobian row by row: one reverse sweep per output (`jax.jacrev`). Each row holds
    /// the numbers [`Graph::grad`] would build, and backward computes, for that output.
    ///
    /// ```
    /// // (x·y, x + y) at (2, 5): [[y, x], [1, 1]]
    /// let g = scalargrad::Graph::new();
    /// let (x, y) = (g.value(2.0), g.value(5.0));
    /// let j = g.jacobian_reverse(&[x * y, x + y], &[x, y]);
    /// assert_eq!(j, [[5.0, 2.0], [1.0, 1.0]]);
    /// ```
    ///
    /// # Panics
    /// If a value belongs to another graph or was discarded by a rewind.
    pub fn jacobian_reverse<'g>(
        &'g self,
        outputs: &[Value<'g>],
        inputs: &[Value<'g>],
    ) -> Vec<Vec<f64>> {
        outputs
            .iter()
            .map(|&out| self.gradient_values(out, inputs))
            .collect()
    }

    /// d output / d input for each input, as numbers: [`Graph::grad`]'s sweep with `f64`
    /// adjoints in a local `Vec` (so no node is created and no `grad()` field is touched).
    fn gradient_values<'g>(&'g self, output: Value<'g>, inputs: &[Value<'g>]) -> Vec<f64> {
        for v in inputs.iter().chain([&output]) {
            assert!(
                std::ptr::eq(v.graph(), self),
                "scalargrad: Graph::jacobian was given Value #{} of another Graph",
                v.index()
            );
            // Panics with a clear message if the value is stale.
            let _ = v.data();
        }
        let top = output.index();
        let lo = inputs
            .iter()
            .map(|v| v.index())
            .filter(|&i| i <= top)
            .min()
            .unwrap_or(top);
        // `None`: not reached, as `Sym::Zero` in `Graph::grad`.
        let mut adjoints: Vec<Option<f64>> = vec![None; (top - lo) as usize + 1];
        adjoints[(top - lo) as usize] = Some(1.0);
        let give = |adjoints: &mut [Option<f64>], to: u32, amount: f64| {
            if let Some(k) = to.checked_sub(lo) {
                let a = &mut adjoints[k as usize];
                *a = Some(a.map_or(amount, |s| s + amount));
            }
        };
        let data = |i: u32| self.with(|a| a.nodes[i as usize].data);
        let mut pairs = Vec::new();
        for i in (lo..=top).rev() {
            let Some(g) = adjoints[(i - lo) as usize] else {
                continue;
            };
            let n = self.with(|a| a.nodes[i as usize]);
            let y = match n.op.arity() {
                Arity::Leaf => continue,
                Arity::Nary => {
                    // Backward's order (`propagate_nary`): last term first, the bias just
                    // before the first term.
                    let bias = self.with(|a| {
                        let (bias, p) = dot_parts(&a.links, &n);
                        pairs.clear();
                        pairs.extend_from_slice(p);
                        bias
                    });
                    for (k, pair) in pairs.chunks_exact(2).enumerate().rev() {
                        if let (0, Some(b)) = (k, bias) {
                            give(&mut adjoints, b, g);
                        }
                        let (da, dc) = Op::Dot.partials(data(pair[0]), data(pair[1]), n.data);
                        give(&mut adjoints, pair[0], g * da);
                        give(&mut adjoints, pair[1], g * dc);
                    }
                    continue;
                }
                Arity::Unary => 0.0,
                Arity::UnaryConst => self.with(|a| a.consts[n.rhs as usize]),
                Arity::Binary => data(n.rhs),
            };
            let (dx, dy) = n.op.partials(data(n.lhs), y, n.data);
            give(&mut adjoints, n.lhs, g * dx);
            if n.op.arity() == Arity::Binary {
                give(&mut adjoints, n.rhs, g * dy);
            }
        }
        inputs
            .iter()
            .map(|v| {
                v.index()
                    .checked_sub(lo)
                    .filter(|_| v.index() <= top)
                    .and_then(|k| adjoints[k as usize])
                    .unwrap_or(0.0)
            })
            .collect()
    }
}
