//! Hessians: the tutorial's XOR loss against `torch.autograd.functional.hessian`, and the
//! helpers against each other.
//!
//! `data/xor_hessian_torch.json` comes from `scripts/gen_hessian_fixture.py` (PyTorch 2.15,
//! float64, the tutorial's initial weights from `sample_data/reference/xor_adam_amsgrad.json`).

mod common;
#[path = "../examples/common/mod.rs"]
mod example_common;

use common::{assert_close, json_fixture, numbers};
use example_common::xor_loss;
use scalargrad::{Graph, Value, hessian, hessian_vector_product};

#[test]
fn xor_loss_hessian_matches_pytorch_at_the_tutorials_initial_weights() {
    let r = json_fixture("xor_hessian_torch.json");
    let w = numbers(&r["weights"]);
    let want: Vec<Vec<f64>> = r["hessian"]
        .as_array()
        .unwrap()
        .iter()
        .map(numbers)
        .collect();
    let g = Graph::new();
    let wv = g.values(&w);
    let l = xor_loss(&g, &wv);
    assert_close("loss", l.data(), r["loss"].as_f64().unwrap(), 1e-14);
    let d = g.grad(l, &wv);
    for (i, (di, want_i)) in d.iter().zip(numbers(&r["gradient"])).enumerate() {
        assert_close(&format!("dL/dw{i}"), di.data(), want_i, 1e-12);
    }
    let h = hessian(xor_loss, &w);
    assert_eq!(h.len(), 16);
    for (i, (row, want_row)) in h.iter().zip(&want).enumerate() {
        for (j, (&got, &want)) in row.iter().zip(want_row).enumerate() {
            assert_close(&format!("H[{i}][{j}]"), got, want, 1e-10);
        }
    }
    // grad twice gives the same matrix as the helper.
    for (i, di) in d.iter().enumerate() {
        for (j, hij) in g.grad(*di, &wv).iter().enumerate() {
            assert_close(
                &format!("grad(grad)[{i}][{j}]"),
                hij.data(),
                want[i][j],
                1e-10,
            );
        }
    }
}

#[test]
fn hessian_vector_product_equals_the_matrix_times_the_vector() {
    let r = json_fixture("xor_hessian_torch.json");
    let w = numbers(&r["weights"]);
    let v: Vec<f64> = (0..16).map(|k| f64::from(k) * 0.1 - 0.7).collect();
    let hv = hessian_vector_product(xor_loss, &w, &v);
    let h = hessian(xor_loss, &w);
    for (i, row) in h.iter().enumerate() {
        let want: f64 = row.iter().zip(&v).map(|(a, b)| a * b).sum();
        assert_close(&format!("(Hv)[{i}]"), hv[i], want, 1e-12);
    }
}

#[test]
fn hessian_of_a_quadratic_is_its_constant_matrix() {
    // f = 3x² + 2xy − y² + x: H = [[6, 2], [2, −2]] everywhere.
    fn f<'g>(_: &'g Graph, v: &[Value<'g>]) -> Value<'g> {
        3.0 * v[0] * v[0] + 2.0 * v[0] * v[1] - v[1] * v[1] + v[0]
    }
    for at in [[0.0, 0.0], [1.5, -2.0]] {
        assert_eq!(hessian(f, &at), vec![vec![6.0, 2.0], vec![2.0, -2.0]]);
    }
}
