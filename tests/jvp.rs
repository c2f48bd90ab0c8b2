//! Forward mode and Jacobians: `Graph::jvp` against `torch.func.jvp` (first order, and
//! second order as the jvp of a grad), `Graph::jacobian` against
//! `torch.autograd.functional.jacobian`, forward-over-reverse against the Hessian, and
//! `numerical_gradient` against backward.
//!
//! `data/jvp_torch.json` comes from `scripts/gen_jvp_fixtures.py` (PyTorch 2.15, float64).

mod common;
#[path = "../examples/common/mod.rs"]
mod example_common;

use common::{assert_close, json_fixture, numbers};
use example_common::{matrix, xor_loss};
use scalargrad::{Error, Graph, Value, hessian, numerical_gradient};

/// The expressions of `scripts/gen_jvp_fixtures.py`, under the same names: together they
/// use every op.
fn expression<'g>(g: &'g Graph, name: &str, p: &[Value<'g>]) -> Value<'g> {
    let (x, y, z) = (p[0], p[1], p[2]);
    match name {
        "neg" => -(x * y) * z,
        "exp" => (x * y + z).exp() * x,
        "ln" => (x * x + z).ln() * y,
        "tanh" => (x * y + z).tanh() * x,
        "relu" => (x * z - y).relu() * x + y.relu() * z,
        "sigmoid" => (x * y + z).sigmoid() * z,
        "sqrt" => (x * x + z).sqrt() * y,
        "abs" => (x * y).abs() * z,
        "sign" => (x * y).sign() * z * x,
        "step" => (x + z).step() * y * y + y.step() * x,
        "add_const" => (x * y + 1.5) * z,
        "sub_const" => (x * y - 1.5) * z,
        "const_sub" => (1.5 - x * y) * z * z,
        "mul_const" => (x * y * -2.5) * z,
        "div_const" => (x * y / 4.0) * z,
        "const_div" => 2.0 / (x * y) + z,
        "powf" => (x * x + z).powf(2.5) * y,
        "powi" => (x * y + z).powi(3) * x,
        "powi_negative" => (x + z).powi(-2) * y,
        "add" => (x + y) * (y + z),
        "sub" => (x - y) * (z - x),
        "mul" => x * y * z,
        "div" => x / (y * z),
        "dot" => g.weighted_sum(Some(z), &[x, y, x], &[y, z, x]) * x,
        "dot_no_bias" => g.weighted_sum(None, &[x, y], &[z, x]).tanh(),
        "neuron" => {
            let b1 = g.value(0.25);
            let b2 = g.value(-0.5);
            g.weighted_sum(Some(b1), &[x, y, z], &[z, x, y]).tanh()
                * g.weighted_sum(Some(b2), &[y, z], &[x, x]).sigmoid()
        }
        other => panic!("no expression {other:?} in tests/jvp.rs"),
    }
}

#[test]
fn fixture_covers_every_op() {
    let r = json_fixture("jvp_torch.json");
    let g = Graph::new();
    let p = g.values(&[0.7, -1.3, 0.4]);
    let mut ops = std::collections::HashSet::new();
    // The ops are read back through each expression's output and its parents.
    let mut seen = std::collections::HashSet::new();
    let mut stack: Vec<Value<'_>> = r["expressions"]
        .as_object()
        .unwrap()
        .keys()
        .map(|name| expression(&g, name, &p))
        .collect();
    while let Some(v) = stack.pop() {
        if seen.insert(v.index()) {
            ops.insert(format!("{:?}", v.op()));
            stack.extend(v.parents());
        }
    }
    for op in [
        "Leaf", "Neg", "Exp", "Ln", "Tanh", "Relu", "Sigmoid", "Sqrt", "Abs", "Sign", "Step",
        "AddC", "SubC", "RSubC", "MulC", "DivC", "RDivC", "PowF", "PowI", "Add", "Sub", "Mul",
        "Div", "Dot",
    ] {
        assert!(ops.contains(op), "no expression uses {op}: {ops:?}");
    }
}

#[test]
fn jvp_matches_torch_func_jvp_on_every_op() {
    let r = json_fixture("jvp_torch.json");
    let (point, tangent) = (numbers(&r["point"]), numbers(&r["tangent"]));
    for (name, want) in r["expressions"].as_object().unwrap() {
        let g = Graph::new();
        let p = g.values(&point);
        let f = expression(&g, name, &p);
        assert_close(
            &format!("{name}: value"),
            f.data(),
            want["value"].as_f64().unwrap(),
            1e-14,
        );
        let want_jvp = want["jvp"].as_f64().unwrap();
        let got = g.jvp(&[f], &p, &tangent)[0];
        assert_close(&format!("{name}: jvp"), got.data(), want_jvp, 1e-12);
        // The numbers-only forward mode gives the same bits, and builds nothing.
        let nodes = g.node_count();
        let numbers_only = g.jvp_values(&[f], &p, &tangent)[0];
        assert_eq!(
            numbers_only.to_bits(),
            got.data().to_bits(),
            "{name}: jvp_values"
        );
        assert_eq!(g.node_count(), nodes, "{name}: jvp_values built nodes");
    }
}

#[test]
fn jvp_of_grad_matches_torch_hessian_vector_product_on_every_op() {
    let r = json_fixture("jvp_torch.json");
    let (point, tangent) = (numbers(&r["point"]), numbers(&r["tangent"]));
    for (name, want) in r["expressions"].as_object().unwrap() {
        let g = Graph::new();
        let p = g.values(&point);
        let f = expression(&g, name, &p);
        let grad = g.grad(f, &p);
        let hv = g.jvp(&grad, &p, &tangent);
        let hv_numbers = g.jvp_values(&grad, &p, &tangent);
        for (i, ((got, &fast), want)) in hv
            .iter()
            .zip(&hv_numbers)
            .zip(numbers(&want["jvp_of_grad"]))
            .enumerate()
        {
            assert_close(&format!("{name}: (H·t)[{i}]"), got.data(), want, 1e-9);
            assert_close(&format!("{name}: jvp_values (H·t)[{i}]"), fast, want, 1e-9);
        }
    }
}

#[test]
fn jvp_is_the_gradient_dotted_with_the_tangent() {
    let r = json_fixture("jvp_torch.json");
    let (point, tangent) = (numbers(&r["point"]), numbers(&r["tangent"]));
    for name in r["expressions"].as_object().unwrap().keys() {
        let g = Graph::new();
        let p = g.values(&point);
        let f = expression(&g, name, &p);
        f.backward();
        let want: f64 = p.iter().zip(&tangent).map(|(v, t)| v.grad() * t).sum();
        assert_close(name, g.jvp_values(&[f], &p, &tangent)[0], want, 1e-13);
    }
}

#[test]
fn jacobian_of_softmax_matches_torch_in_both_modes() {
    let r = json_fixture("jvp_torch.json");
    let want = matrix(&r["softmax"]["jacobian"]);
    let g = Graph::new();
    let x = g.values(&numbers(&r["softmax"]["logits"]));
    let s = scalargrad::loss::softmax(&x).unwrap();
    for (mode, j) in [
        ("jacobian", g.jacobian(&s, &x)),
        ("forward", g.jacobian_forward(&s, &x)),
        ("reverse", g.jacobian_reverse(&s, &x)),
    ] {
        for (i, (row, want_row)) in j.iter().zip(&want).enumerate() {
            for (k, (&got, &w)) in row.iter().zip(want_row).enumerate() {
                assert_close(&format!("{mode} J[{i}][{k}]"), got, w, 1e-15);
            }
        }
    }
}

/// The tutorial network `sigmoid(x·W1)·W2` with the 16 weights `w` (W1 2×4 then W2 4×2, row
/// by row, as in `xor_loss`).
fn tutorial_network<'g>(g: &'g Graph, w: &[Value<'g>], row: &[f64]) -> Vec<Value<'g>> {
    let x = g.values(row);
    let hidden: Vec<Value<'g>> = (0..4)
        .map(|j| g.weighted_sum(None, &[w[j], w[4 + j]], &x).sigmoid())
        .collect();
    (0..2)
        .map(|k| g.weighted_sum(None, &[w[8 + k], w[10 + k], w[12 + k], w[14 + k]], &hidden))
        .collect()
}

#[test]
fn jacobian_of_the_tutorial_network_matches_torch_at_the_initial_weights() {
    let r = json_fixture("jvp_torch.json");
    let w = numbers(&r["tutorial"]["weights"]);
    for case in r["tutorial"]["rows"].as_array().unwrap() {
        let row = numbers(&case["x"]);
        let want = matrix(&case["jacobian"]);
        let g = Graph::new();
        let wv = g.values(&w);
        let y = tutorial_network(&g, &wv, &row);
        for (k, want_y) in numbers(&case["outputs"]).into_iter().enumerate() {
            assert_close(&format!("x = {row:?}: y{k}"), y[k].data(), want_y, 1e-15);
        }
        let reverse = g.jacobian(&y, &wv); // 2 outputs, 16 inputs: reverse mode
        assert_eq!(reverse, g.jacobian_reverse(&y, &wv));
        let forward = g.jacobian_forward(&y, &wv);
        assert_eq!((reverse.len(), reverse[0].len()), (2, 16));
        for k in 0..2 {
            for i in 0..16 {
                let what = format!("x = {row:?}: ∂y{k}/∂w{i}");
                assert_close(&what, reverse[k][i], want[k][i], 1e-15);
                assert_close(
                    &format!("{what} (forward)"),
                    forward[k][i],
                    want[k][i],
                    1e-15,
                );
            }
        }
    }
}

#[test]
fn forward_over_reverse_gives_the_hessian_times_v_on_the_xor_loss() {
    let w = numbers(&json_fixture("jvp_torch.json")["tutorial"]["weights"]);
    let h = hessian(xor_loss, &w);
    let v: Vec<f64> = (0..16).map(|i| f64::from(i) / 8.0 - 1.0).collect();
    let g = Graph::new();
    let wv = g.values(&w);
    let loss = xor_loss(&g, &wv);
    let grad = g.grad(loss, &wv);
    let hv = g.jvp(&grad, &wv, &v);
    let hv_numbers = g.jvp_values(&grad, &wv, &v);
    let helper = scalargrad::hessian_vector_product(xor_loss, &w, &v);
    for i in 0..16 {
        let want: f64 = h[i].iter().zip(&v).map(|(a, b)| a * b).sum();
        assert_close(&format!("(H·v)[{i}]"), hv[i].data(), want, 1e-13);
        assert_close(
            &format!("jvp_values (H·v)[{i}]"),
            hv_numbers[i],
            want,
            1e-13,
        );
        assert_close(
            &format!("hessian_vector_product[{i}]"),
            helper[i],
            want,
            1e-13,
        );
    }
}

#[test]
fn an_input_the_output_does_not_depend_on_contributes_zero() {
    let g = Graph::new();
    let x = g.value(2.0);
    let unused = g.value(5.0);
    let later = g.value(7.0); // created after the output
    let y = x * x;
    let d = g.jvp(&[y], &[unused, later], &[1.0, 1.0]);
    assert_eq!(d[0].data(), 0.0);
    assert_eq!(g.jvp_values(&[y], &[unused, later], &[1.0, 1.0]), [0.0]);
    // A zero tangent adds nothing, even through an infinite derivative (√0).
    let s = (x - 2.0).sqrt() + x;
    assert_eq!(g.jvp_values(&[s], &[x, unused], &[0.0, 1.0]), [0.0]);
    assert_eq!(
        g.jacobian(&[y, unused], &[x, unused]),
        [[4.0, 0.0], [0.0, 1.0]]
    );
}

#[test]
fn jacobian_forward_and_reverse_agree_with_interior_and_repeated_inputs() {
    let g = Graph::new();
    let (a, b) = (g.value(0.3), g.value(-1.2));
    let h = (a * b).tanh(); // interior input
    let outs = [
        h * a + b.exp(),
        h.powi(2) - a / b,
        g.weighted_sum(Some(a), &[h, b], &[b, h]),
    ];
    let inputs = [a, h, b, a];
    let fwd = g.jacobian_forward(&outs, &inputs);
    let rev = g.jacobian_reverse(&outs, &inputs);
    for (k, out) in outs.iter().enumerate() {
        let symbolic = g.grad(*out, &inputs);
        for i in 0..inputs.len() {
            assert_close(&format!("J[{k}][{i}]"), fwd[k][i], rev[k][i], 1e-15);
            assert_eq!(
                rev[k][i].to_bits(),
                symbolic[i].data().to_bits(),
                "J[{k}][{i}]"
            );
        }
    }
}

#[test]
fn jvp_works_inside_checkpoint_rewind_and_follows_recompute() {
    let g = Graph::new();
    let w = g.values(&[0.5, -0.25]);
    let cp = g.checkpoint();
    for step in 0..3 {
        let x = g.value(f64::from(step));
        let y = (w[0] * x + w[1]).tanh() * w[0];
        let d = g.jvp(&[y], &w, &[1.0, 0.0])[0];
        y.backward();
        assert_close("jvp = backward", d.data(), w[0].grad(), 1e-15);
        g.zero_grad();
        g.rewind(cp);
        assert_eq!(g.node_count(), 2);
    }
    // A tangent built once follows new data through recompute, as grad's do.
    let x = g.value(1.5);
    let y = (w[0] * x).sigmoid() * w[1];
    let d = g.jvp(&[y], &w, &[0.0, 1.0])[0];
    w[0].set_data(2.0);
    g.recompute(cp);
    assert_close("after recompute", d.data(), y.data() / w[1].data(), 1e-15);
}

#[test]
fn jvp_with_mismatched_lengths_is_an_error_naming_both() {
    let g = Graph::new();
    let x = g.values(&[1.0, 2.0, 3.0]);
    let y = x[0] * x[1];
    let err = g.try_jvp(&[y], &x, &[1.0, 0.0]).unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "Graph::jvp: 3 inputs and 2 tangents: expected one tangent per input, found 2 tangents"
    );
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        g.jvp_values(&[y], &x, &[1.0]);
    }))
    .unwrap_err();
    let msg = panic.downcast_ref::<String>().unwrap();
    assert!(msg.contains("3 inputs and 1 tangents"), "{msg}");
}

#[test]
fn numerical_gradient_agrees_with_backward_on_the_xor_loss() {
    let w = numbers(&json_fixture("jvp_torch.json")["tutorial"]["weights"]);
    let g = Graph::new();
    let wv = g.values(&w);
    xor_loss(&g, &wv).backward();
    let f = |point: &[f64]| {
        let g = Graph::new();
        let wv = g.values(point);
        xor_loss(&g, &wv).data()
    };
    let numeric = numerical_gradient(f, &w);
    for (i, (n, v)) in numeric.iter().zip(&wv).enumerate() {
        // The book's h = 1e-4: an error of about h²·f‴/6.
        assert_close(&format!("dL/dw{i}"), *n, v.grad(), 1e-8);
    }
}

#[test]
fn jvp_of_jvp_gives_higher_directional_derivatives() {
    // y = x³ at x = 2 along t = 1: y' = 3x² = 12, y'' = 6x = 12, y''' = 6 (as grad's doctest).
    let g = Graph::new();
    let x = g.value(2.0);
    let y = x.powi(3);
    let d1 = g.jvp(&[y], &[x], &[1.0])[0];
    let d2 = g.jvp(&[d1], &[x], &[1.0])[0];
    let d3 = g.jvp(&[d2], &[x], &[1.0])[0];
    assert_eq!((d1.data(), d2.data(), d3.data()), (12.0, 12.0, 6.0));
    // f = x²y along t = (1, 0.5): tᵀHt with H = [[2y, 2x], [2x, 0]] at (3, 2) is 4 + 6 = 10.
    let (a, b) = (g.value(3.0), g.value(2.0));
    let f = a * a * b;
    let t = [1.0, 0.5];
    let df = g.jvp(&[f], &[a, b], &t)[0];
    assert_eq!(g.jvp_values(&[df], &[a, b], &t), [10.0]);
}
