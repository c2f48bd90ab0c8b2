//! The Softmax-with-Loss graph of ゼロから作るDeep Learning, chapter 5 (appendix A), for 3
//! classes, built from plain ops so that every node is visible.
//!
//! Softmax: `exp(aₖ)`, their sum `S`, `1 / S`, and `yₖ = exp(aₖ) × (1 / S)`. Cross-entropy
//! error: `log yₖ`, `× tₖ`, the sum, and `× −1`, giving `L = −Σₖ tₖ log yₖ`. Backward through
//! all of it gives `∂L/∂aₖ = yₖ − tₖ`, which the example asserts for every k.
//!
//! Run: `cargo run --example softmax_with_loss`. Writes `graphs/softmax_with_loss.{dot,svg}`.

use scalargrad::viz::{self, Drawing};
use scalargrad::{Graph, Value};

/// The scores of the book's softmax example (chapter 3: `a = [0.3, 2.9, 4.0]`).
const SCORES: [f64; 3] = [0.3, 2.9, 4.0];
/// A one-hot target: the third class is the right one.
const TARGET: [f64; 3] = [0.0, 0.0, 1.0];

/// The softmax outputs `y` and the loss `L`, node by node as the book draws them.
fn softmax_with_loss<'g>(a: &[Value<'g>; 3], t: &[Value<'g>; 3]) -> ([Value<'g>; 3], Value<'g>) {
    let e = [0, 1, 2].map(|k| a[k].exp().named(&format!("exp(a{})", k + 1)));
    let s = ((e[0] + e[1]).named("exp(a1) + exp(a2)") + e[2]).named("S");
    let inv = (1.0 / s).named("1/S");
    let y = [0, 1, 2].map(|k| (e[k] * inv).named(&format!("y{}", k + 1)));
    let terms = [0, 1, 2].map(|k| {
        let log = y[k].ln().named(&format!("log y{}", k + 1));
        (log * t[k]).named(&format!("t{0} log y{0}", k + 1))
    });
    let sum = ((terms[0] + terms[1]).named("t1 log y1 + t2 log y2") + terms[2]).named("Σ t log y");
    (y, (sum * -1.0).named("L"))
}

/// Builds the graph, prints and asserts `∂L/∂aₖ = yₖ − tₖ`, and returns the drawing.
pub fn run() -> Vec<Drawing> {
    let g = Graph::new();
    let a = [0, 1, 2].map(|k| g.value(SCORES[k]).named(&format!("a{}", k + 1)));
    let t = [0, 1, 2].map(|k| g.value(TARGET[k]).named(&format!("t{}", k + 1)));
    let (y, loss) = softmax_with_loss(&a, &t);
    loss.backward();

    println!("Softmax-with-Loss, 3 classes: a = {SCORES:?}, t = {TARGET:?}");
    // L = −log y₃ = log Σ exp(aₖ) − a₃
    let lse = SCORES.iter().map(|x| x.exp()).sum::<f64>().ln();
    println!("  L = {} (−log y3 = {})", loss.data(), lse - SCORES[2]);
    assert!((loss.data() - (lse - SCORES[2])).abs() < 1e-15);
    println!("  k   y_k                   t_k   y_k − t_k              ∂L/∂a_k");
    for k in 0..3 {
        let want = y[k].data() - TARGET[k];
        let got = a[k].grad();
        println!(
            "  {}   {:<20}  {}   {want:<21}  {got}",
            k + 1,
            y[k].data(),
            TARGET[k]
        );
        assert!(
            (got - want).abs() <= 1e-15,
            "∂L/∂a{} = {got}, but y − t = {want}",
            k + 1
        );
    }
    let total: f64 = a.iter().map(|v| v.grad()).sum();
    assert!(total.abs() < 1e-15, "the gradients sum to Σy − Σt = 0");
    println!(
        "Why they go together: cross-entropy's gradient −tₖ/yₖ cancels exactly against the \
         softmax's Jacobian, so what reaches the scores is just the error yₖ − tₖ, large when the \
         prediction is confidently wrong, never divided by a tiny probability."
    );

    let options = viz::DrawOptions {
        title: Some(format!(
            "Softmax-with-Loss: a = ({}, {}, {}), t = (0, 0, 1); ∂L/∂a = y − t",
            SCORES[0], SCORES[1], SCORES[2]
        )),
        ..viz::DrawOptions::backward()
    };
    vec![Drawing::new(
        "softmax_with_loss",
        &viz::trace(loss),
        &options,
    )]
}

fn main() -> std::io::Result<()> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for d in run() {
        for path in d.write(&root.join("graphs"))? {
            println!("wrote {}", path.display());
        }
    }
    Ok(())
}
