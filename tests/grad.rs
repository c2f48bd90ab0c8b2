//! `Graph::grad`: derivatives as values (PyTorch's `create_graph=True`), to any order.
//!
//! `data/ops_torch_higher.csv` comes from `scripts/gen_op_fixtures.py` (PyTorch 2.15,
//! float64, `torch.autograd.grad(..., create_graph=True)`).

mod common;

use common::{apply, assert_rel, is_binary, panic_message};
use scalargrad::{Graph, Value};

fn csv_rows(name: &str) -> Vec<(usize, csv::StringRecord)> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let mut reader = csv::Reader::from_path(&path).expect("a fixture");
    reader
        .records()
        .enumerate()
        .map(|(i, r)| (i + 2, r.expect("a CSV record")))
        .collect()
}

fn num(r: &csv::StringRecord, k: usize) -> f64 {
    r[k].parse().expect("a number")
}

#[test]
fn every_op_second_and_third_derivatives_match_pytorch() {
    let rows = csv_rows("ops_torch_higher.csv");
    assert!(rows.len() >= 200, "the fixture lost rows");
    let mut ops = std::collections::BTreeSet::new();
    for (line, r) in rows {
        let (op, x0, y0, wrt, want) = (&r[0], num(&r, 1), num(&r, 2), &r[3], num(&r, 4));
        let g = Graph::new();
        let (x, y) = (g.value(x0), g.value(y0));
        let mut d = apply(op, x, y, y0);
        for v in wrt.chars() {
            let by = if v == 'x' { x } else { y };
            d = g.grad(d, &[by])[0];
        }
        let at = format!("line {line}: d^{}/d{wrt} {op}({x0}, {y0})", wrt.len());
        // softplus: PyTorch differentiates its backward with its own formula, σ(x)(1 − σ(x));
        // ours is the quotient rule on (g·z)/(z + 1), z = eˣ, whose two terms cancel where
        // σ(x) is near 1 (4e-8 relative at x = 19.5).
        let tol = if op == "softplus" { 1e-7 } else { 1e-9 };
        assert_rel(&at, d.data(), want, tol);
        ops.insert(op.to_string());
    }
    assert_eq!(ops.len(), 33, "every op has rows: {ops:?}");
}

#[test]
fn first_derivatives_from_grad_equal_backward_to_the_bit_on_every_op() {
    for (line, r) in csv_rows("ops_torch.csv") {
        let (op, x0, y0) = (&r[0], num(&r, 1), num(&r, 2));
        let g = Graph::new();
        let (x, y) = (g.value(x0), g.value(y0));
        let out = apply(op, x, y, y0);
        let d = g.grad(out, &[x, y]);
        out.backward();
        let same = |a: f64, b: f64| a == b || (a.is_nan() && b.is_nan());
        assert!(same(d[0].data(), x.grad()), "line {line}: {op} d/dx");
        assert!(same(d[1].data(), y.grad()), "line {line}: {op} d/dy");
        // And PyTorch's first derivatives, to 1e-12.
        assert_rel(
            &format!("line {line}: {op} dx"),
            d[0].data(),
            num(&r, 4),
            1e-12,
        );
        if is_binary(op) {
            assert_rel(
                &format!("line {line}: {op} dy"),
                d[1].data(),
                num(&r, 5),
                1e-12,
            );
        }
    }
}

#[test]
fn grad_leaves_every_grad_field_untouched() {
    let g = Graph::new();
    let (a, b) = (g.value(2.0), g.value(-3.0));
    let y = (a * b).tanh() + a.exp();
    y.backward();
    let before: Vec<f64> = [a, b, y].iter().map(|v| v.grad()).collect();
    let d = g.grad(y, &[a, b]);
    let _ = g.grad(d[0], &[a, b]);
    let after: Vec<f64> = [a, b, y].iter().map(|v| v.grad()).collect();
    assert_eq!(before, after);
}

#[test]
fn grad_then_backward_and_backward_then_grad_agree() {
    // f = a²b: df/da = 2ab; d²f/da² = 2b, d²f/dadb = 2a.
    let g = Graph::new();
    let (a, b) = (g.value(1.5), g.value(-2.0));
    let f = a * a * b;
    let da = g.grad(f, &[a])[0];
    da.backward(); // backward through the derivative: the second derivatives
    assert_eq!((a.grad(), b.grad()), (2.0 * -2.0, 2.0 * 1.5));
    g.zero_grad();
    f.backward();
    assert_eq!(a.grad(), 2.0 * 1.5 * -2.0);
    let da2 = g.grad(f, &[a])[0];
    assert_eq!(da2.data(), da.data());
    assert_eq!(a.grad(), 2.0 * 1.5 * -2.0, "grad must not touch a.grad");
}

#[test]
fn double_grad_through_a_reused_node_counts_both_uses() {
    // y = a·a: y' = 2a, y'' = 2.
    let g = Graph::new();
    let a = g.value(3.0);
    let y = a * a;
    let d1 = g.grad(y, &[a])[0];
    let d2 = g.grad(d1, &[a])[0];
    assert_eq!((d1.data(), d2.data()), (6.0, 2.0));
}

#[test]
fn double_grad_through_a_diamond_sums_both_paths() {
    // s = x·x (shared), f = exp(s) + s·x = e^{x²} + x³;
    // f' = 2x e^{x²} + 3x², f'' = (2 + 4x²) e^{x²} + 6x. torch at x = 0.7:
    let g = Graph::new();
    let x = g.value(0.7);
    let s = x * x;
    let f = s.exp() + s * x;
    let d1 = g.grad(f, &[x])[0];
    let d2 = g.grad(d1, &[x])[0];
    let e = 0.49f64.exp();
    assert_rel("f'", d1.data(), 1.4 * e + 3.0 * 0.49, 1e-14);
    assert_rel("f''", d2.data(), (2.0 + 4.0 * 0.49) * e + 4.2, 1e-14);
}

#[test]
fn derivative_of_a_value_that_does_not_depend_on_the_input_is_zero() {
    let g = Graph::new();
    let (x, z) = (g.value(2.0), g.value(5.0));
    let y = z * z;
    let later = g.value(1.0);
    let d = g.grad(y, &[x, z, later]);
    assert_eq!(
        d.iter().map(|v| v.data()).collect::<Vec<_>>(),
        [0.0, 10.0, 0.0]
    );
    // And the zeros differentiate to zero again.
    assert_eq!(g.grad(d[0], &[x])[0].data(), 0.0);
    // A linear function's second derivative: the constant first derivative does not depend on x.
    let l = x * 3.0 + 1.0;
    let d1 = g.grad(l, &[x])[0];
    assert_eq!((d1.data(), g.grad(d1, &[x])[0].data()), (3.0, 0.0));
}

#[test]
fn derivative_with_respect_to_an_interior_value_holds_the_rest_fixed() {
    // torch: h = x*x; y = h*x + h.exp(); grad(y, [h, x]) = (x + e^h, h + ... ) with h's uses
    // through x: dy/dh = x + e^h; dy/dx (total) = 2x·(x + e^h) + h.
    let g = Graph::new();
    let x = g.value(0.5);
    let h = x * x;
    let y = h * x + h.exp();
    let d = g.grad(y, &[h, x]);
    let eh = 0.25f64.exp();
    assert_rel("dy/dh", d[0].data(), 0.5 + eh, 1e-15);
    assert_rel("dy/dx", d[1].data(), 2.0 * 0.5 * (0.5 + eh) + 0.25, 1e-15);
    // d/dx of dy/dh = 1 + e^h · 2x
    assert_rel("d²y/dhdx", g.grad(d[0], &[x])[0].data(), 1.0 + eh, 1e-15);
}

#[test]
fn derivative_nodes_are_discarded_by_rewind_and_followed_by_recompute() {
    let g = Graph::new();
    let w = g.value(2.0);
    let cp = g.checkpoint();
    for k in 0..3 {
        let f = (w * w * w).relu(); // f' = 3w² for w > 0, else 0
        let d = g.grad(f, &[w])[0];
        let d2 = g.grad(d, &[w])[0];
        let w0 = w.data();
        assert_eq!((d.data(), d2.data()), (3.0 * w0 * w0, 6.0 * w0), "step {k}");
        g.rewind(cp);
        w.set_data(w0 + 1.0);
    }
    assert_eq!(g.node_count(), 1);

    // Built once, replayed: the relu's branch follows the new data.
    let f = (w * w * w).relu();
    let d = g.grad(f, &[w])[0];
    let d2 = g.grad(d, &[w])[0];
    w.set_data(-1.0);
    g.recompute(cp);
    assert_eq!((f.data(), d.data(), d2.data()), (0.0, 0.0, 0.0));
    w.set_data(3.0);
    g.recompute(cp);
    assert_eq!((f.data(), d.data(), d2.data()), (27.0, 27.0, 18.0));
}

#[test]
fn grad_through_the_fused_dot_matches_the_unfused_chain() {
    let g = Graph::new();
    let w = g.values(&[0.5, -1.0, 0.25]);
    let x = g.values(&[2.0, 3.0, -4.0]);
    let b = g.value(0.1);
    let fused = g.weighted_sum(Some(b), &w, &x).tanh();
    let chain = (b + w[0] * x[0] + w[1] * x[1] + w[2] * x[2]).tanh();
    let inputs: Vec<Value<'_>> = w.iter().chain(&x).copied().chain([b]).collect();
    let df = g.grad(fused, &inputs);
    let dc = g.grad(chain, &inputs);
    for (i, (f, c)) in df.iter().zip(&dc).enumerate() {
        assert_eq!(f.data(), c.data(), "first derivative {i}");
        let hf = g.grad(*f, &inputs);
        let hc = g.grad(*c, &inputs);
        for (j, (p, q)) in hf.iter().zip(&hc).enumerate() {
            assert_rel(&format!("H[{i}][{j}]"), p.data(), q.data(), 1e-14);
        }
    }
}

#[test]
fn derivatives_reach_any_order() {
    // exp: every derivative is exp itself.
    let g = Graph::new();
    let x = g.value(0.3);
    let mut d = x.exp();
    for order in 1..=6 {
        d = g.grad(d, &[x])[0];
        assert_rel(&format!("order {order}"), d.data(), 0.3f64.exp(), 1e-15);
    }
}

#[test]
#[should_panic(expected = "another Graph")]
fn grad_of_a_value_of_another_graph_panics() {
    let (g, h) = (Graph::new(), Graph::new());
    let x = g.value(1.0);
    let y = h.value(2.0) * 2.0;
    let _ = h.grad(y, &[x]);
}

#[test]
fn gradgradcheck_passes_smooth_functions_and_flags_a_kink() {
    use scalargrad::gradgradcheck;
    let smooth = gradgradcheck(
        |_, v| (v[0] * v[1]).sigmoid() / (v[1] * v[1] + 1.0),
        &[0.3, -0.8],
        1e-5,
    );
    assert!(smooth.is_close(1e-7, 1e-6), "{smooth:?}");
    // relu(x)·x has f'' = 2 for x > 0 and 0 for x < 0: at 0 the analytic value (0, as
    // PyTorch's) and the central difference (1) disagree, and the check says so.
    let kink = gradgradcheck(|_, v| v[0].relu() * v[0], &[0.0], 1e-5);
    assert!(!kink.is_close(1e-7, 1e-6), "{kink:?}");
    assert_eq!((kink.analytic[0], kink.numeric[0]), (0.0, 1.0));
}

/// Backward's gradients and `Graph::grad`'s first derivatives of `f` at `x0`, as bits.
fn both_ways(x0: f64, f: impl for<'g> Fn(Value<'g>) -> Value<'g>) -> (u64, u64) {
    let g = Graph::new();
    let x = g.value(x0);
    let y = f(x);
    y.backward();
    let d = g.grad(y, &[x])[0].data();
    (x.grad().to_bits(), d.to_bits())
}

/// A function of one value.
type Unary = for<'g> fn(Value<'g>) -> Value<'g>;

#[test]
fn a_derivative_that_is_exactly_zero_selects_zero_whatever_arrives() {
    // PyTorch 2.9: x = torch.tensor(-1., requires_grad=True); x.relu().sqrt().backward()
    // gives x.grad = 0 (threshold_backward selects), where inf · 0 would be NaN.
    let cases: [(&str, f64, Unary); 6] = [
        ("sqrt(relu(x))", -1.0, |x| x.relu().sqrt()),
        ("ln(relu(x))", -1.0, |x| x.relu().ln()),
        ("ln(x^0.0 - 1)", 2.0, |x| (x.powf(0.0) - 1.0).ln()),
        ("ln(x^0 - 1)", 2.0, |x| (x.powi(0) - 1.0).ln()),
        ("ln(sign(x) - 1)", 1.0, |x| (x.sign() - 1.0).ln()),
        ("ln(step(x) - 1)", 1.0, |x| (x.step() - 1.0).ln()),
    ];
    for (name, x0, f) in cases {
        let (backward, grad) = both_ways(x0, f);
        assert_eq!(f64::from_bits(backward), 0.0, "{name}: backward");
        assert_eq!(backward, grad, "{name}: grad and backward differ");
    }
}

#[test]
fn backward_and_grad_agree_on_the_sign_of_a_zero() {
    // x · −0: d/dx = −0, which backward sums from 0 (and `Value::grad` shows as 0).
    let (backward, grad) = both_ways(3.0, |x| x * -0.0);
    assert_eq!(backward, 0.0f64.to_bits());
    assert_eq!(backward, grad);
    let (backward, grad) = both_ways(3.0, |x| x * x.graph().value(-0.0));
    assert_eq!(backward, grad);
}

#[test]
fn the_gate_selects_in_second_derivatives_too() {
    // d²/dx² relu(x)·inf-ish: the relu's gate stays a selection when grad builds it.
    let g = Graph::new();
    let x = g.value(-1.0);
    let y = x.relu().ln();
    let d1 = g.grad(y, &[x])[0];
    assert_eq!(d1.data().to_bits(), 0.0f64.to_bits());
    let d2 = g.grad(d1, &[x])[0];
    assert_eq!(d2.data(), 0.0);
}

/// `Graph::gradients`: `torch.autograd.grad` without `create_graph`, as numbers.
#[test]
fn gradients_as_numbers_equal_backward_to_the_bit_and_create_nothing() {
    for (line, r) in csv_rows("ops_torch.csv") {
        let (op, x0, y0) = (&r[0], num(&r, 1), num(&r, 2));
        let g = Graph::new();
        let (x, y) = (g.value(x0), g.value(y0));
        let out = apply(op, x, y, y0);
        let n = g.node_count();
        let d = g.gradients(out, &[x, y]);
        assert_eq!(g.node_count(), n, "line {line}: {op} created nodes");
        assert_eq!((x.grad(), y.grad()), (0.0, 0.0), "line {line}: grad fields");
        out.backward();
        let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
        assert!(same(d[0], x.grad()), "line {line}: {op} d/dx");
        assert!(same(d[1], y.grad()), "line {line}: {op} d/dy");
    }
}

#[test]
fn gradients_through_a_network_and_its_loss_equal_backward() {
    use rand::SeedableRng;
    use scalargrad::nn::{Activation, Mlp, Module};
    let g = Graph::new();
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(3);
    let model = Mlp::builder(3)
        .layer(5, Activation::Tanh)
        .layer(4, Activation::Relu)
        .layer(2, Activation::Identity)
        .build(&g, &mut rng);
    let x = g.values(&[0.5, -1.5, 2.0]);
    let out = model.forward(&x).unwrap();
    let loss = scalargrad::loss::cross_entropy(
        &[out],
        scalargrad::loss::Target::Classes(&[1]),
        scalargrad::loss::Reduction::Mean,
    )
    .unwrap();
    let params = model.parameters();
    let mut wrt = params.clone();
    wrt.extend(&x);
    let d = g.gradients(loss, &wrt);
    loss.backward();
    for (k, (v, d)) in wrt.iter().zip(&d).enumerate() {
        assert_eq!(v.grad().to_bits(), d.to_bits(), "input {k}");
    }
    // An input the output does not depend on, and one created after it, get 0.
    let late = g.value(7.0);
    assert_eq!(g.gradients(loss, &[late, loss]), [0.0, 1.0]);
}

// grad, gradients and jvp test all their values at once and only then one by one: a misuse
// anywhere in the list (not only the first) still gets the message that names the value.

#[test]
fn grad_and_gradients_name_a_stale_input_after_good_ones() {
    let g = Graph::new();
    let (a, b) = (g.value(1.0), g.value(2.0));
    let cp = g.checkpoint();
    let stale = g.value(3.0);
    g.rewind(cp);
    let y = a * b;
    let m = panic_message(|| {
        let _ = g.grad(y, &[a, b, stale]);
    });
    assert!(
        m.contains(&format!("Value #{} is stale", stale.index())),
        "{m}"
    );
    let m = panic_message(|| {
        let _ = g.gradients(y, &[a, b, stale]);
    });
    assert!(
        m.contains(&format!("Value #{} is stale", stale.index())),
        "{m}"
    );
}

#[test]
fn grad_and_gradients_name_a_stale_output() {
    let g = Graph::new();
    let a = g.value(1.0);
    let cp = g.checkpoint();
    let y = a * a;
    g.rewind(cp);
    let m = panic_message(|| {
        let _ = g.grad(y, &[a]);
    });
    assert!(m.contains(&format!("Value #{} is stale", y.index())), "{m}");
    let m = panic_message(|| {
        let _ = g.gradients(y, &[a]);
    });
    assert!(m.contains(&format!("Value #{} is stale", y.index())), "{m}");
}

#[test]
fn jvp_and_jvp_values_name_a_foreign_or_stale_value_after_good_ones() {
    let (g, h) = (Graph::new(), Graph::new());
    let (a, b) = (g.value(1.0), g.value(2.0));
    let foreign = h.value(3.0);
    let y = a * b;
    let m = panic_message(|| {
        let _ = g.jvp(&[y], &[a, b, foreign], &[1.0, 1.0, 1.0]);
    });
    assert!(m.contains("another Graph"), "{m}");
    let m = panic_message(|| {
        let _ = g.jvp_values(&[y], &[a, b, foreign], &[1.0, 1.0, 1.0]);
    });
    assert!(m.contains("another Graph"), "{m}");
    let cp = g.checkpoint();
    let z = y * 2.0;
    g.rewind(cp);
    let m = panic_message(|| {
        let _ = g.jvp(&[y, z], &[a, b], &[1.0, 1.0]);
    });
    assert!(m.contains(&format!("Value #{} is stale", z.index())), "{m}");
}
