//! The Softmax-with-Loss graph: `∂L/∂a = y − t` (asserted inside the example, checked here
//! against finite differences too), and the committed drawing is what the example draws.

mod common;

use scalargrad::gradcheck;

#[path = "../examples/softmax_with_loss.rs"]
#[allow(dead_code)]
mod softmax_with_loss;

#[test]
fn committed_softmax_with_loss_graph_is_what_the_example_draws() {
    let drawings = softmax_with_loss::run();
    assert_eq!(drawings.len(), 1);
    for d in &drawings {
        assert!(d.dot.contains("digraph"));
        common::assert_committed("softmax_with_loss", d, &["dot", "svg"]);
    }
}

#[test]
fn softmax_with_loss_gradient_is_y_minus_t_by_finite_differences() {
    // L(a) = −log softmax(a)₃ for t = (0, 0, 1); its gradient is softmax(a) − t.
    let a0 = [0.3, 2.9, 4.0];
    let report = gradcheck(
        |_, a| {
            let e: Vec<_> = a.iter().map(|v| v.exp()).collect();
            -(e[2] / (e[0] + e[1] + e[2])).ln()
        },
        &a0,
    );
    assert!(report.max_rel_error < 1e-7, "{report:?}");
    let s: f64 = a0.iter().map(|x| x.exp()).sum();
    let y_minus_t = [a0[0].exp() / s, a0[1].exp() / s, a0[2].exp() / s - 1.0];
    for (got, want) in report.numeric.iter().zip(y_minus_t) {
        assert!((got - want).abs() < 1e-8, "numeric {got} vs y − t {want}");
    }
}
