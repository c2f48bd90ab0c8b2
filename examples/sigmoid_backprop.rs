//! The sigmoid computation graph of ゼロから作るDeep Learning, chapter 5, step by step.
//!
//! y = 1 / (1 + exp(−x)) is built from four nodes: × −1, exp, + 1 and 1 / u. Going backwards
//! each node multiplies the incoming gradient by its local derivative:
//! `/`: −1/u² = −y², `+`: 1, `exp`: exp(−x), `×`: −1. The product is ∂L/∂y · y(1 − y),
//! the same as the fused `sigmoid()` op and the finite-difference slope.
//!
//! The derivative is itself a computation graph: `Graph::grad` builds dy/dx out of the same
//! ops, so it can be differentiated again. The second derivative y(1 − y)(1 − 2y) is shown
//! three ways: `grad` twice, the formula, and finite differences.
//!
//! Run: `cargo run --example sigmoid_backprop`. Writes `graphs/sigmoid.{dot,svg,html}` and the
//! graph of dy/dx, `graphs/sigmoid_grad.{dot,svg,html}` (`-- --out DIR` to write elsewhere).

#[path = "common/pictures.rs"]
mod pictures;

use scalargrad::viz::{self, Drawing};
use scalargrad::{Graph, Value};

/// The four steps of the book's graph, each node named after what it holds.
fn sigmoid_steps(x: Value<'_>) -> [Value<'_>; 4] {
    let neg = (x * -1.0).named("−x");
    let e = neg.exp().named("exp(−x)");
    let u = (e + 1.0).named("1 + exp(−x)");
    let y = (1.0 / u).named("y");
    [neg, e, u, y]
}

/// The sigmoid as a plain function, for finite differences.
fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Five-point central difference: error O(h⁴), about 1e-13 at h = 1e-3.
fn slope(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = 1e-3;
    (f(x - 2.0 * h) - 8.0 * f(x - h) + 8.0 * f(x + h) - f(x + 2.0 * h)) / (12.0 * h)
}

/// Five-point second difference: truncation error O(h⁴); rounding about 1e-10 at h = 1e-3.
fn curvature(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = 1e-3;
    (-f(x - 2.0 * h) + 16.0 * f(x - h) - 30.0 * f(x) + 16.0 * f(x + h) - f(x + 2.0 * h))
        / (12.0 * h * h)
}

/// `x` to `decimals` places, trailing zeros dropped, and never `-0`: finite differences are
/// good to about 1e-11 (slope) and 1e-9 (curvature), so more digits would be noise.
fn rounded(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// Prints and checks every node at a few x; returns the drawings at x = 1.
pub fn run() -> Vec<Drawing> {
    let mut drawing = None;
    let mut grad_drawing = None;
    for x0 in [-2.0, 0.0, 1.0, 3.0] {
        let g = Graph::new();
        let x = g.value(x0).named("x");
        let steps = sigmoid_steps(x);
        let y = steps[3];
        y.backward(); // ∂L/∂y = 1: L is y itself
        println!("x = {x0}");
        println!("  {:<13} {:>22} {:>22}", "node", "forward", "gradient");
        for v in std::iter::once(x).chain(steps) {
            let name = v.name().unwrap_or_default();
            // `+ 0.0` prints −0 (the value of −x at x = 0) as 0.
            println!("  {name:<13} {:>22} {:>22}", v.data() + 0.0, v.grad() + 0.0);
        }
        let yv = y.data();
        let chain = x.grad();
        let formula = yv * (1.0 - yv);

        let fused_graph = Graph::new();
        let xf = fused_graph.value(x0);
        let yf = xf.sigmoid();
        yf.backward();
        let fd = slope(sigmoid, x0);

        println!("  dx by the chain rule         = {chain}");
        println!("  y(1 − y)                     = {formula}");
        println!("  fused sigmoid() gradient     = {}", xf.grad());
        println!(
            "  finite-difference slope      ≈ {} (off by {:.1e}: five-point differences at h = 1e-3 are good to about 1e-13)",
            rounded(fd, 11),
            fd - chain
        );
        assert!((yf.data() - yv).abs() < 1e-15, "fused forward differs");
        assert!(
            (chain - formula).abs() < 1e-12,
            "chain rule {chain} vs y(1−y) {formula}"
        );
        assert!(
            (xf.grad() - chain).abs() < 1e-12,
            "fused {} vs chain {chain}",
            xf.grad()
        );
        assert!(
            (fd - chain).abs() < 1e-12,
            "finite difference {fd} vs chain {chain}"
        );
        // Each node multiplied the incoming gradient by its local derivative:
        let [neg, e, u, _] = steps;
        assert!((u.grad() + yv * yv).abs() < 1e-15, "/ node: −y²");
        assert_eq!(e.grad(), u.grad(), "+ node passes the gradient through");
        assert!(
            (neg.grad() - e.grad() * e.data()).abs() < 1e-15,
            "exp node: × exp(−x)"
        );
        assert_eq!(x.grad(), -neg.grad(), "× −1 node flips the sign");

        // The second derivative, three ways.
        let dy = g.grad(y, &[x])[0].named("dy/dx");
        let d2y = g.grad(dy, &[x])[0];
        let formula2 = yv * (1.0 - yv) * (1.0 - 2.0 * yv);
        let fd2 = curvature(sigmoid, x0);
        println!("  dy/dx by grad (a value)      = {}", dy.data());
        // `+ 0.0`: y(1 − y)(1 − 2y) is −0 at x = 0, which prints as 0.
        println!("  d²y/dx² by grad twice        = {}", d2y.data() + 0.0);
        println!("  y(1 − y)(1 − 2y)             = {}", formula2 + 0.0);
        println!(
            "  finite-difference curvature  ≈ {} (off by {:.1e}: rounding, about 1e-10 at h = 1e-3)",
            rounded(fd2, 9),
            fd2 - formula2
        );
        assert_eq!(
            dy.data(),
            chain,
            "grad's first derivative is backward's, to the bit"
        );
        assert!(
            (d2y.data() - formula2).abs() < 1e-15,
            "grad twice {} vs y(1−y)(1−2y) {formula2}",
            d2y.data()
        );
        assert!(
            (fd2 - formula2).abs() < 1e-8,
            "finite difference {fd2} vs y(1−y)(1−2y) {formula2}"
        );
        println!();

        if x0 == 1.0 {
            let options = viz::DrawOptions {
                title: Some("sigmoid: y = 1 / (1 + exp(−x)) at x = 1".into()),
                ..viz::DrawOptions::backward()
            };
            drawing = Some(Drawing::new("sigmoid", &viz::trace(y), &options));
            // Backward through the derivative's own graph, so that its page reveals real
            // gradients: ∂(dy/dx)/∂x is the second derivative.
            x.zero_grad();
            dy.backward();
            assert!(
                (x.grad() - d2y.data()).abs() < 1e-15,
                "backward through dy/dx gives d²y/dx²"
            );
            let grad_options = viz::DrawOptions {
                title: Some("dy/dx of the sigmoid at x = 1: the backward pass as a graph".into()),
                show_grad: false,
                ..viz::DrawOptions::default()
            };
            grad_drawing = Some(Drawing::new("sigmoid_grad", &viz::trace(dy), &grad_options));
        }
    }
    drawing.into_iter().chain(grad_drawing).collect()
}

/// Command-line options: only where the pictures go.
#[derive(clap::Parser)]
#[command(
    name = "sigmoid_backprop",
    about = "The sigmoid computation graph of ゼロから作るDeep Learning, ch. 5, step by step"
)]
struct Options {
    /// Directory for the pictures [default: graphs/ of the repository, the committed ones]
    #[arg(long, value_name = "DIR")]
    out: Option<std::path::PathBuf>,
}

fn main() -> std::io::Result<()> {
    let opts = <Options as clap::Parser>::parse();
    let dir = pictures::picture_dir(opts.out.as_deref(), true)?;
    for d in run() {
        for path in d.write(&dir)? {
            println!("wrote {}", path.display());
        }
    }
    Ok(())
}
