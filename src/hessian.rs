//! Second derivatives of a function of a few inputs: [`hessian`] and
//! [`hessian_vector_product`], both built on [`Graph::grad`] (reverse-over-reverse).

use crate::{Graph, Value};

/// The Hessian matrix `H[i][j] = ∂²f / ∂xᵢ∂xⱼ` of `f` at the point `at`, like
/// `torch.autograd.functional.hessian`.
///
/// `f` builds one output from the input values (as for [`gradcheck`](crate::gradcheck())). The
/// first derivatives are built once with [`Graph::grad`]; each row is then one backward
/// sweep over them.
///
/// ```
/// // f = x²y + y³ at (1, 2): H = [[2y, 2x], [2x, 6y]] = [[4, 2], [2, 12]]
/// let h = scalargrad::hessian(|_, v| v[0] * v[0] * v[1] + v[1].powi(3), &[1.0, 2.0]);
/// assert_eq!(h, vec![vec![4.0, 2.0], vec![2.0, 12.0]]);
/// ```
///
/// Cost: one forward pass, one [`Graph::grad`], and one backward per input.
pub fn hessian<F>(f: F, at: &[f64]) -> Vec<Vec<f64>>
where
    F: for<'g> Fn(&'g Graph, &[Value<'g>]) -> Value<'g>,
{
    let g = Graph::new();
    let inputs = g.values(at);
    let out = f(&g, &inputs);
    let first = g.grad(out, &inputs);
    first
        .iter()
        .map(|&d| {
            g.zero_grad();
            d.backward();
            inputs.iter().map(|x| x.grad()).collect()
        })
        .collect()
}

/// The Hessian-vector product `H·v` of `f` at `at`, without building the matrix: the
/// gradient of `∇f · v`, like `torch.autograd.functional.hvp`.
///
/// ```
/// // f = x²y + y³ at (1, 2), v = (1, −1): H·v = (4 − 2, 2 − 12)
/// let hv = scalargrad::hessian_vector_product(
///     |_, x| x[0] * x[0] * x[1] + x[1].powi(3),
///     &[1.0, 2.0],
///     &[1.0, -1.0],
/// );
/// assert_eq!(hv, [2.0, -10.0]);
/// ```
///
/// Cost: one forward pass, one [`Graph::grad`] and one backward, whatever the number of
/// inputs. Forward-over-reverse, [`Graph::jvp_values`] of the gradient along `v`, gives the
/// same numbers (`tests/jvp.rs`) but measured slower: backward is the faster second pass
/// (BENCHMARKS.md, "Forward mode").
///
/// # Panics
/// If `v` and `at` differ in length.
pub fn hessian_vector_product<F>(f: F, at: &[f64], v: &[f64]) -> Vec<f64>
where
    F: for<'g> Fn(&'g Graph, &[Value<'g>]) -> Value<'g>,
{
    assert_eq!(
        at.len(),
        v.len(),
        "hessian_vector_product: a point of {} inputs and a vector of {}",
        at.len(),
        v.len()
    );
    let g = Graph::new();
    let inputs = g.values(at);
    let out = f(&g, &inputs);
    let first = g.grad(out, &inputs);
    let dot = g.sum(first.iter().zip(v).map(|(&d, &vi)| d * vi));
    g.zero_grad();
    dot.backward();
    inputs.iter().map(|x| x.grad()).collect()
}
