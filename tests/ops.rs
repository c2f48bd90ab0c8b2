//! Every op: value and derivatives against pinned PyTorch numbers and central finite
//! differences, including edge points (relu at 0, tanh at large |x|, ln near 0).
//!
//! `data/ops_torch.csv` comes from `scripts/gen_op_fixtures.py` (PyTorch 2.15, float64).

mod common;

use common::{apply, assert_rel, is_binary};
use scalargrad::{Graph, gradcheck_with_step};

struct Row {
    line: usize,
    op: String,
    x: f64,
    y: f64,
    value: f64,
    dx: f64,
    dy: f64,
}

fn rows() -> Vec<Row> {
    common::torch_rows("ops_torch.csv")
        .into_iter()
        .map(|(line, op, n)| Row {
            line,
            op,
            x: n[0],
            y: n[1],
            value: n[2],
            dx: n[3],
            dy: n[4],
        })
        .collect()
}

#[test]
fn every_op_matches_pytorch() {
    let rows = rows();
    assert!(rows.len() >= 50, "the fixture lost rows");
    let mut ops_seen = std::collections::BTreeSet::new();
    for r in &rows {
        let g = Graph::new();
        let x = g.value(r.x);
        let y = g.value(r.y);
        let out = apply(&r.op, x, y, r.y);
        out.backward();
        let at = format!("line {}: {}({}, {})", r.line, r.op, r.x, r.y);
        assert_rel(&format!("{at} value"), out.data(), r.value, 1e-14);
        assert_rel(&format!("{at} d/dx"), x.grad(), r.dx, 1e-14);
        if is_binary(&r.op) {
            assert_rel(&format!("{at} d/dy"), y.grad(), r.dy, 1e-14);
        }
        ops_seen.insert(r.op.clone());
    }
    assert_eq!(ops_seen.len(), 33, "every op has a row: {ops_seen:?}");
}

#[test]
fn every_op_matches_finite_differences_away_from_kinks() {
    for r in rows() {
        // Skip kinks (relu and abs at 0) and points where x ± h leaves the domain or the
        // function is flat to f64 (tanh at 400).
        let kink = matches!(
            r.op.as_str(),
            "relu" | "abs" | "sign" | "step" | "leaky_relu"
        ) && r.x.abs() < 1e-3
            || matches!(r.op.as_str(), "max" | "min") && r.x == r.y
            || r.op == "clamp" && (r.x.abs() == r.y || r.y < 0.0)
            || r.op == "softplus" && (r.x - 20.0).abs() < 1e-3;
        let edge = matches!(r.op.as_str(), "ln" | "sqrt") && r.x < 1e-3
            || r.op == "pow" && r.x <= 0.0
            || r.op == "log1p" && r.x <= -1.0 + 1e-3;
        // detach's value follows x, but by definition no gradient does.
        if r.op == "detach" {
            continue;
        }
        // The edge points: NaN, the ends of the float range, i32::MIN exponents.
        let extreme = [r.x, r.y]
            .iter()
            .any(|v| v.is_nan() || v.abs() > 1e100 || (*v != 0.0 && v.abs() < 1e-100));
        if kink || edge || extreme {
            continue;
        }
        let op = r.op.clone();
        let c = r.y;
        let (inputs, n) = if is_binary(&op) {
            (vec![r.x, r.y], 2)
        } else {
            (vec![r.x], 1)
        };
        let h = if r.x == 0.0 {
            1e-6
        } else {
            1e-6 * r.x.abs().max(1.0)
        };
        let report = gradcheck_with_step(
            |g: &Graph, v| {
                let y = if n == 2 { v[1] } else { g.value(c) };
                apply(&op, v[0], y, c)
            },
            &inputs,
            h,
        );
        assert!(
            report.is_close(1e-7, 1e-6),
            "line {}: {}({}, {}): {report:?}",
            r.line,
            r.op,
            r.x,
            r.y
        );
    }
}

#[test]
fn relu_derivative_at_zero_is_zero_like_pytorch() {
    let g = Graph::new();
    let x = g.value(0.0);
    x.relu().backward();
    assert_eq!(x.grad(), 0.0);
}

#[test]
fn tanh_saturates_without_nan() {
    let g = Graph::new();
    for x0 in [40.0, -40.0, 1e6, -1e300] {
        let x = g.value(x0);
        let y = x.tanh();
        y.backward();
        assert_eq!(y.data().abs(), 1.0);
        assert_eq!(x.grad(), 0.0);
    }
}

#[test]
fn ln_near_zero_has_a_huge_but_finite_slope() {
    let g = Graph::new();
    let x = g.value(1e-300);
    let y = x.ln();
    y.backward();
    assert!(x.grad().is_finite() && x.grad() > 1e299);
    let z = g.value(0.0);
    let w = z.ln();
    w.backward();
    assert_eq!((w.data(), z.grad()), (f64::NEG_INFINITY, f64::INFINITY));
}

#[test]
fn sigmoid_is_exactly_the_composition_of_the_books_four_nodes() {
    for x0 in [-30.0, -4.0, 0.0, 1.0, 30.0] {
        let g = Graph::new();
        let x = g.value(x0);
        let fused = x.sigmoid();
        let composed = 1.0 / ((x * -1.0).exp() + 1.0);
        assert_eq!(fused.data(), composed.data(), "x = {x0}");
    }
}

// Edge points where a naive formula gives NaN, overflows or drops a sign. The numbers are
// PyTorch's (float64); the same points are rows of the fixture.

/// `x ** 0` at 0: PyTorch masks the exponent-0 case, where 0·0⁻¹ would give NaN.
/// torch: `x = tensor(0., requires_grad=True); (x ** 0.0).backward(); x.grad == 0`.
#[test]
fn pow_with_exponent_zero_has_derivative_zero_at_zero() {
    let g = Graph::new();
    let x = g.value(0.0);
    let (f, i) = (x.powf(0.0), x.powi(0));
    f.backward();
    assert_eq!((f.data(), x.grad()), (1.0, 0.0));
    x.zero_grad();
    i.backward();
    assert_eq!((i.data(), x.grad()), (1.0, 0.0));
}

/// `powi(i32::MIN)`: n − 1 is not an i32. torch at x = 2: value 0, gradient −0.
#[test]
fn powi_with_i32_min_does_not_overflow_its_exponent() {
    let g = Graph::new();
    let x = g.value(2.0);
    let y = x.powi(i32::MIN);
    y.backward();
    assert_eq!((y.data(), x.grad()), (0.0, 0.0));
    // The local derivative is PyTorch's −0 (backward's sum 0 + (−0) then gives +0).
    let d = scalargrad::Op::PowI
        .partials(2.0, f64::from(i32::MIN), 0.0)
        .0;
    assert_eq!(d.to_bits(), (-0.0f64).to_bits());
    let one = g.value(1.0);
    one.powi(i32::MIN).backward();
    assert_eq!(one.grad(), f64::from(i32::MIN));
}

/// torch: `relu(nan)` is nan and its gradient 1 (`threshold_backward` passes it).
#[test]
fn relu_propagates_nan_with_derivative_one() {
    let g = Graph::new();
    let x = g.value(f64::NAN);
    let y = x.relu();
    y.backward();
    assert!(y.data().is_nan());
    assert_eq!(x.grad(), 1.0);
}

/// The divisor's gradient as PyTorch's `−(x/y)/y`: −x/y² overflows at 1e-170 and
/// underflows at 1e200. torch: −1e170 and −1e-200.
#[test]
fn divisor_gradient_does_not_overflow_or_underflow() {
    for (v, want) in [(1e-170, -1e170), (1e200, -1e-200)] {
        let g = Graph::new();
        let (x, y) = (g.value(v), g.value(v));
        (x / y).backward();
        assert_eq!(y.grad(), want, "at ({v}, {v})");
        // c / x, the constant-numerator division: the same form.
        let x = g.value(v);
        (v / x).backward();
        assert_eq!(x.grad(), want, "{v} / x at x = {v}");
    }
}

/// torch: `sign(nan) == 0`, so `abs'(nan) == 0`; ±0 give 0.
#[test]
fn sign_and_abs_derivative_of_nan_are_zero_like_pytorch() {
    let g = Graph::new();
    let x = g.value(f64::NAN);
    let y = x.abs();
    y.backward();
    assert!(y.data().is_nan());
    assert_eq!(x.grad(), 0.0);
    assert_eq!(x.sign().data(), 0.0);
    assert_eq!(g.value(-0.0).sign().data().to_bits(), 0.0f64.to_bits());
    assert_eq!(g.value(-2.0).sign().data(), -1.0);
}

#[test]
fn gradcheck_reports_a_mismatch_where_backward_and_finite_differences_disagree() {
    // At the kink of relu, backward says 0 (PyTorch's choice) and the central difference 0.5.
    let report = scalargrad::gradcheck(|_, x| x[0].relu() + x[1] * x[1], &[0.0, 3.0]);
    assert_eq!(report.analytic, [0.0, 6.0]);
    assert!((report.numeric[0] - 0.5).abs() < 1e-9);
    assert!(!report.is_close(1e-5, 1e-3));
    assert_eq!(report.worst_input, 0);
    assert!((report.max_abs_error - 0.5).abs() < 1e-9);
    // Away from the kink it agrees.
    let report = scalargrad::gradcheck(|_, x| x[0].relu() + x[1] * x[1], &[0.7, 3.0]);
    assert!(report.is_close(1e-7, 1e-7), "{report:?}");
}
