//! [`gradcheck`]: compare backward's gradients with central finite differences, like
//! `torch.autograd.gradcheck`; [`gradgradcheck`] does the same for the second derivatives
//! that [`Graph::grad`] builds; [`numerical_gradient`] is the book's central difference.

use crate::{Graph, Value};

/// What [`gradcheck`] found: the analytic and numeric gradient of every input, and the
/// largest mismatch.
#[derive(Clone, Debug, PartialEq)]
pub struct GradcheckReport {
    /// The output's value at the input point.
    pub output: f64,
    /// d output / d input from [`Value::backward`], one per input.
    pub analytic: Vec<f64>,
    /// The central difference `(f(x + h) − f(x − h)) / 2h`, one per input.
    pub numeric: Vec<f64>,
    /// The largest `|analytic − numeric|`.
    pub max_abs_error: f64,
    /// The largest `|analytic − numeric| / max(|numeric|, 1e-12)`.
    pub max_rel_error: f64,
    /// The input where `|analytic − numeric|` is largest (0 when there are no inputs).
    pub worst_input: usize,
}

impl GradcheckReport {
    /// The report for these analytic and numeric derivatives: their largest errors.
    fn new(output: f64, analytic: Vec<f64>, numeric: Vec<f64>) -> Self {
        let mut report = GradcheckReport {
            output,
            analytic,
            numeric,
            max_abs_error: 0.0,
            max_rel_error: 0.0,
            worst_input: 0,
        };
        for (i, (&a, &n)) in report.analytic.iter().zip(&report.numeric).enumerate() {
            let err = if a.is_nan() && n.is_nan() {
                0.0
            } else {
                (a - n).abs()
            };
            // NaN compares false: make it the worst so that it is reported.
            if err.is_nan() || err > report.max_abs_error {
                report.max_abs_error = if err.is_nan() { f64::INFINITY } else { err };
                report.worst_input = i;
            }
            let rel = err / n.abs().max(1e-12);
            if rel.is_nan() || rel > report.max_rel_error {
                report.max_rel_error = if rel.is_nan() { f64::INFINITY } else { rel };
            }
        }
        report
    }

    /// Whether every input satisfies `|analytic − numeric| ≤ atol + rtol·|numeric|`, the test
    /// `torch.autograd.gradcheck` uses (its defaults are `atol = 1e-5`, `rtol = 1e-3`).
    /// A NaN on either side fails unless both are NaN.
    #[must_use]
    pub fn is_close(&self, atol: f64, rtol: f64) -> bool {
        self.analytic
            .iter()
            .zip(&self.numeric)
            .all(|(&a, &n)| (a.is_nan() && n.is_nan()) || (a - n).abs() <= atol + rtol * n.abs())
    }
}

/// Checks the gradients of `f` at the point `at` against central finite differences with
/// step `h = 1e-6`.
///
/// `f` builds one output from the input values; it is called once for the analytic
/// gradient and twice per input for the numeric one. All calls share one graph, which is
/// cleared ([`Graph::clear`]) before each numeric evaluation, so `f` always starts from an
/// empty graph and must not keep values across calls.
///
/// ```
/// use scalargrad::gradcheck;
///
/// // the gradient of exp(a·b + tanh a) at (a, b) = (0.2, −0.3)
/// let report = gradcheck(|_, x| (x[0] * x[1] + x[0].tanh()).exp(), &[0.2, -0.3]);
/// assert!(report.is_close(1e-6, 1e-6), "{report:?}");
/// ```
pub fn gradcheck<F>(f: F, at: &[f64]) -> GradcheckReport
where
    F: for<'g> Fn(&'g Graph, &[Value<'g>]) -> Value<'g>,
{
    gradcheck_with_step(f, at, 1e-6)
}

/// [`gradcheck`] with a chosen finite-difference step `h`.
pub fn gradcheck_with_step<F>(f: F, at: &[f64], h: f64) -> GradcheckReport
where
    F: for<'g> Fn(&'g Graph, &[Value<'g>]) -> Value<'g>,
{
    let g = Graph::new();
    let (output, analytic) = {
        let inputs = g.values(at);
        let out = f(&g, &inputs);
        out.backward();
        (
            out.data(),
            inputs.iter().map(|v| v.grad()).collect::<Vec<_>>(),
        )
    };
    let eval = |point: &[f64]| {
        g.clear();
        let inputs = g.values(point);
        f(&g, &inputs).data()
    };
    let numeric = numerical_gradient_with_step(eval, at, h);
    GradcheckReport::new(output, analytic, numeric)
}

/// The gradient of `f` at `x` by central differences, `(f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h` for
/// each input `i`, with the book's step `h = 1e-4`: `numerical_gradient` of
/// ゼロから作るDeep Learning, ch. 4 (数値微分), which ch. 5 replaces by backpropagation.
///
/// `f` takes plain numbers; it is called twice per input, so all `n` partial derivatives
/// cost `2n` evaluations of `f` (one [`Value::backward`] gives them all: see the
/// `why_backprop` example). The error is about `h²·f‴/6` from the step plus
/// `ε·|f|/h` from rounding.
///
/// ```
/// // the book's function_2, f(x₀, x₁) = x₀² + x₁², at (3, 4): ∇f = (6, 8)
/// let grad = scalargrad::numerical_gradient(|x| x[0] * x[0] + x[1] * x[1], &[3.0, 4.0]);
/// assert!((grad[0] - 6.0).abs() < 1e-9 && (grad[1] - 8.0).abs() < 1e-9);
/// ```
pub fn numerical_gradient(f: impl FnMut(&[f64]) -> f64, x: &[f64]) -> Vec<f64> {
    numerical_gradient_with_step(f, x, 1e-4)
}

/// [`numerical_gradient`] with a chosen step `h` ([`gradcheck`] uses `1e-6`).
pub fn numerical_gradient_with_step(
    mut f: impl FnMut(&[f64]) -> f64,
    x: &[f64],
    h: f64,
) -> Vec<f64> {
    let mut point = x.to_vec();
    (0..x.len())
        .map(|i| {
            point[i] = x[i] + h;
            let up = f(&point);
            point[i] = x[i] - h;
            let down = f(&point);
            point[i] = x[i];
            (up - down) / (2.0 * h)
        })
        .collect()
}

/// Checks the second derivatives of `f` at `at`, built with [`Graph::grad`] twice, against
/// central finite differences of its first derivatives (built with [`Graph::grad`] once), with
/// step `h`: what `torch.autograd.gradgradcheck` checks for a scalar output.
///
/// The report's `analytic` and `numeric` are the Hessian `∂²f/∂xᵢ∂xⱼ`, row by row (entry
/// `i·n + j`), and `worst_input` indexes that list.
///
/// ```
/// use scalargrad::gradgradcheck;
///
/// let report = gradgradcheck(|_, x| (x[0] * x[1]).tanh() + x[0].powi(3), &[0.2, -0.3], 1e-5);
/// assert!(report.is_close(1e-7, 1e-6), "{report:?}");
/// ```
pub fn gradgradcheck<F>(f: F, at: &[f64], h: f64) -> GradcheckReport
where
    F: for<'g> Fn(&'g Graph, &[Value<'g>]) -> Value<'g>,
{
    let n = at.len();
    let g = Graph::new();
    let (output, analytic) = {
        let inputs = g.values(at);
        let out = f(&g, &inputs);
        let first = g.grad(out, &inputs);
        let analytic = first
            .iter()
            .flat_map(|&d| g.grad(d, &inputs))
            .map(Value::data)
            .collect::<Vec<_>>();
        (out.data(), analytic)
    };
    let first_derivatives = |point: &[f64]| {
        g.clear();
        let inputs = g.values(point);
        let out = f(&g, &inputs);
        g.grad(out, &inputs)
            .iter()
            .map(|d| d.data())
            .collect::<Vec<_>>()
    };
    let mut point = at.to_vec();
    // Column j of the Hessian: the change of the gradient along input j.
    let columns: Vec<Vec<f64>> = (0..n)
        .map(|j| {
            point[j] = at[j] + h;
            let up = first_derivatives(&point);
            point[j] = at[j] - h;
            let down = first_derivatives(&point);
            point[j] = at[j];
            up.iter()
                .zip(&down)
                .map(|(u, d)| (u - d) / (2.0 * h))
                .collect()
        })
        .collect();
    let numeric = (0..n * n).map(|k| columns[k % n][k / n]).collect();
    GradcheckReport::new(output, analytic, numeric)
}
