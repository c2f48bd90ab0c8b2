//! Jacobians, like `jax.jacfwd`, `jax.jacrev` and `torch.autograd.functional.jacobian`: the
//! matrix `J[k][i] = ∂outputs[k]/∂inputs[i]`, column by column in forward mode (one
//! [`Graph::jvp_values`] per input) or row by row in reverse mode (one [`Graph::gradients`] per
//! output). [`Graph::jacobian`] picks the mode with fewer passes.
//!
//! Both modes compute numbers only: no node is created and no `grad()` field is touched.

use crate::{Graph, Value};

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
            .map(|&out| self.gradients(out, inputs))
            .collect()
    }
}
