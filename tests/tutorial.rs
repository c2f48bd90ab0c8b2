//! Published numbers: micrograd's own engine tests, the book's apple examples, and the
//! tutorial's end to end (matrix products, softmax, the NumPy forward pass with both weight sets,
//! and the PyTorch Adam (AMSGrad) training run).
//!
//! Reference data: `sample_data/reference/` (PyTorch 2.15 / NumPy 2.4, float64).

mod common;

use common::{assert_close, assert_rel};
use scalargrad::loss::{self, Reduction, Target};
use scalargrad::nn::{Activation, Mlp, Module};
use scalargrad::optim::{Adam, AdamConfig, Optimizer};
use scalargrad::{Graph, Matrix, Value};
use serde_json::Value as Json;

#[path = "../examples/common/mod.rs"]
mod example_common;
use example_common::{matrix, reference};

fn num(j: &Json) -> f64 {
    j.as_f64().expect("a number")
}

/// The tutorial's batch forward pass: sigmoid(X·W1)·W2, row softmax, summed cross-entropy
/// error with +1e-7. Returns the loss and the two weight matrices.
fn tutorial_forward<'g>(
    g: &'g Graph,
    x: &[Vec<f64>],
    t: &[Vec<f64>],
    w1: &[Vec<f64>],
    w2: &[Vec<f64>],
) -> (Value<'g>, Matrix<'g>, Matrix<'g>) {
    let x = Matrix::from_rows(g, x).unwrap();
    let w1 = Matrix::from_rows(g, w1).unwrap();
    let w2 = Matrix::from_rows(g, w2).unwrap();
    let a = x.matmul(&w1).unwrap().map(Value::sigmoid);
    let y = a.matmul(&w2).unwrap();
    let p: Vec<Vec<Value<'g>>> = y.rows().map(|r| loss::softmax(r).unwrap()).collect();
    let l = loss::cross_entropy_error(&p, t).unwrap();
    (l, w1, w2)
}

#[test]
fn matrix_products_match_numpy() {
    let r = reference("seed_forward.json");
    let g = Graph::new();
    let c = Matrix::arange(&g, 3, 2);
    let d = Matrix::arange(&g, 2, 3);
    assert_eq!(
        c.matmul(&d).unwrap().to_rows(),
        matrix(&r["matmul_example"]["C_at_D"])
    );
    assert_eq!(
        d.matmul(&c).unwrap().to_rows(),
        matrix(&r["matmul_example"]["D_at_C"])
    );
    let err = c.matmul(&c).unwrap_err().to_string();
    assert!(err.contains("3×2 by 3×2"), "{err}");
    assert!(err.contains("内側の次元"), "{err}");
}

#[test]
fn softmax_example_matches_the_tutorial() {
    let r = reference("seed_forward.json");
    let ex = &r["softmax_example"];
    let g = Graph::new();
    let (y1, y2) = (g.value(30.0), g.value(60.0));
    // The tutorial's formula, without max subtraction:
    let p1 = y1.exp() / (y1.exp() + y2.exp());
    let p2 = y2.exp() / (y1.exp() + y2.exp());
    assert_eq!(p1.data(), num(&ex["tutorial_printed"]["p1"]));
    assert_eq!(p2.data(), num(&ex["tutorial_printed"]["p2"]));
    assert_eq!((p1 + p2).data(), 1.0);
    // The overflow-safe softmax agrees with NumPy's max-subtracted version and with torch.
    let p = loss::softmax(&[y1, y2]).unwrap();
    let safe = ex["numpy_max_subtracted"].as_array().unwrap();
    assert_eq!(p[0].data(), num(&safe[0]));
    assert_eq!(p[1].data(), num(&safe[1]));
}

#[test]
fn tutorial_losses_and_gradients_match_numpy_and_torch() {
    let r = reference("seed_forward.json");
    let (x, t) = (matrix(&r["X"]), matrix(&r["T_onehot"]));
    for case in ["a", "b"] {
        let c = &r["cases"][case];
        let g = Graph::new();
        let (l, w1, w2) = tutorial_forward(&g, &x, &t, &matrix(&c["W1"]), &matrix(&c["W2"]));
        // The tutorial printed NumPy's value; an independent summation order may differ in
        // the last bit, so allow one ulp.
        let printed = num(&c["tutorial_printed_loss"]);
        assert!(
            (l.data() - printed).abs() <= f64::EPSILON * printed,
            "case {case}: loss {} vs the tutorial's {printed}",
            l.data()
        );
        l.backward();
        for (name, m, want) in [("W1", &w1, &c["grad_W1"]), ("W2", &w2, &c["grad_W2"])] {
            let want = matrix(want);
            for (i, row) in want.iter().enumerate() {
                for (j, &wij) in row.iter().enumerate() {
                    let got = m.get(i, j).grad();
                    assert_close(
                        &format!("case {case} d loss/d {name}[{i}][{j}]"),
                        got,
                        wij,
                        1e-13,
                    );
                }
            }
        }
    }
}

#[test]
fn tutorial_loss_sample_by_sample_equals_the_batch() {
    let r = reference("seed_forward.json");
    let (x, t) = (matrix(&r["X"]), matrix(&r["T_onehot"]));
    let c = &r["cases"]["a"];
    let g = Graph::new();
    let model = Mlp::from_matrices(
        &g,
        &[
            (matrix(&c["W1"]), Activation::Sigmoid),
            (matrix(&c["W2"]), Activation::Identity),
        ],
    )
    .unwrap();
    let mut total = g.value(0.0);
    for (xi, ti) in x.iter().zip(&t) {
        let y = model.forward(&g.values(xi)).unwrap();
        let p = loss::softmax(&y).unwrap();
        total = total + loss::cross_entropy_error(&[p], std::slice::from_ref(ti)).unwrap();
    }
    assert_rel(
        "loss",
        total.data(),
        num(&c["tutorial_printed_loss"]),
        2.0 * f64::EPSILON,
    );
}

/// The tutorial's PyTorch run: 2-4-2 sigmoid network, no bias, `CrossEntropyLoss` with class
/// targets T[:,0], Adam(lr=0.001, betas=(0.9, 0.999), amsgrad=True), 10,000 full-batch epochs.
#[test]
fn adam_amsgrad_training_matches_the_pytorch_float64_replay() {
    let r = reference("xor_adam_amsgrad.json");
    let x = matrix(&r["X"]);
    let classes: Vec<usize> = r["targets_class_index"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| usize::try_from(c.as_u64().unwrap()).unwrap())
        .collect();
    let run = &r["runs"]["adam_amsgrad_f64_10000"];
    let g = Graph::new();
    let model = Mlp::from_matrices(
        &g,
        &[
            (matrix(&r["init"]["W1_in_out"]), Activation::Sigmoid),
            (matrix(&r["init"]["W2_in_out"]), Activation::Identity),
        ],
    )
    .unwrap();
    let mut adam = Adam::new(
        model.parameters(),
        AdamConfig {
            amsgrad: true,
            ..AdamConfig::default()
        },
    )
    .expect("valid Adam config");
    let epochs: Vec<u64> = run["loss_epochs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_u64().unwrap())
        .collect();
    let losses: Vec<f64> = run["loss"].as_array().unwrap().iter().map(num).collect();
    let cp = g.checkpoint();
    let mut checked = 0;
    for epoch in 0..10_000u64 {
        let logits: Vec<Vec<Value<'_>>> = x
            .iter()
            .map(|xi| model.forward(&g.values(xi)).unwrap())
            .collect();
        let l = loss::cross_entropy(&logits, Target::Classes(&classes), Reduction::Mean).unwrap();
        if let Some(k) = epochs.iter().position(|&e| e == epoch) {
            assert_rel(&format!("loss at epoch {epoch}"), l.data(), losses[k], 1e-9);
            checked += 1;
        }
        adam.zero_grad();
        l.backward();
        adam.step();
        g.rewind(cp);
    }
    assert_eq!(checked, 100);
    let w1 = matrix(&run["final_weights"]["W1_in_out"]);
    let w2 = matrix(&run["final_weights"]["W2_in_out"]);
    for (layer, want) in model.layers().iter().zip([w1, w2]) {
        for (got_row, want_row) in layer.weight_matrix().iter().zip(&want) {
            for (&got, &w) in got_row.iter().zip(want_row) {
                assert_rel("final weight", got, w, 1e-9);
            }
        }
    }
}

#[test]
fn micrograd_sanity_check_matches() {
    // micrograd test/test_engine.py::test_sanity_check (PyTorch gives the same)
    let g = Graph::new();
    let x = g.value(-4.0);
    let z = 2.0 * x + 2.0 + x;
    let q = z.relu() + z * x;
    let h = (z * z).relu();
    let y = h + q + q * x;
    y.backward();
    assert_eq!(y.data(), -20.0);
    assert_eq!(x.grad(), 46.0);
}

#[test]
fn micrograd_more_ops_match() {
    // micrograd test/test_engine.py::test_more_ops, values from its PyTorch reference
    let g = Graph::new();
    let a = g.value(-4.0);
    let b = g.value(2.0);
    let mut c = a + b;
    let mut d = a * b + b.powf(3.0);
    c = c + (c + 1.0);
    c = c + (1.0 + c + (-a));
    d = d + (d * 2.0 + (b + a).relu());
    d = d + (3.0 * d + (b - a).relu());
    let e = c - d;
    let f = e.powf(2.0);
    let mut gg = f / 2.0;
    gg = gg + 10.0 / f;
    gg.backward();
    assert_close("g", gg.data(), 24.704_081_632_653_06, 1e-12);
    assert_close("dg/da", a.grad(), 138.833_819_241_982_52, 1e-12);
    assert_close("dg/db", b.grad(), 645.577_259_475_218_6, 1e-12);
}

#[test]
fn apple_example_matches_book() {
    let g = Graph::new();
    let apple = g.value(100.0);
    let count = g.value(2.0);
    let tax = g.value(1.1);
    let price = apple * count * tax;
    price.backward();
    assert_close("price", price.data(), 220.0, 1e-14);
    assert_close("d apple", apple.grad(), 2.2, 1e-15);
    assert_close("d count", count.grad(), 110.0, 1e-15);
    assert_close("d tax", tax.grad(), 200.0, 1e-15);
}

#[test]
fn apple_orange_example_matches_book() {
    let g = Graph::new();
    let (apple, an) = (g.value(100.0), g.value(2.0));
    let (orange, on) = (g.value(150.0), g.value(3.0));
    let tax = g.value(1.1);
    let price = (apple * an + orange * on) * tax;
    price.backward();
    assert_close("price", price.data(), 715.0, 1e-14);
    for (what, v, want) in [
        ("apple", apple, 2.2),
        ("apple_num", an, 110.0),
        ("orange", orange, 3.3),
        ("orange_num", on, 165.0),
        ("tax", tax, 650.0),
    ] {
        assert_close(what, v.grad(), want, 1e-14);
    }
}

/// 2³² × 2³² overflows a 64-bit `usize` to 0: the shape must be refused, not matched with an
/// empty `Vec`.
#[test]
fn a_matrix_shape_whose_size_overflows_is_refused() {
    let e = scalargrad::Matrix::from_values(1 << 32, 1 << 32, Vec::new()).unwrap_err();
    assert!(
        matches!(e, scalargrad::Error::ShapeMismatch { .. }),
        "{e:?}"
    );
    assert!(
        e.to_string().contains("more values than a usize counts"),
        "{e}"
    );
}
