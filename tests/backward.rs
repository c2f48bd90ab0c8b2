//! Building a graph and sweeping it backward: what each node records, how gradients accumulate
//! through shared nodes and repeated backwards, and how unreached nodes, NaN and infinities
//! behave, checked against hand-derived derivatives and PyTorch's behaviour.

mod common;

use common::assert_close;
use scalargrad::{Graph, Op, Value};

#[test]
fn shared_node_accumulates_gradient_through_add() {
    let g = Graph::new();
    let a = g.value(3.0);
    let b = a + a;
    b.backward();
    assert_eq!(a.grad(), 2.0);
}

#[test]
fn shared_node_accumulates_gradient_through_mul() {
    let g = Graph::new();
    let a = g.value(3.0);
    let b = a * a;
    b.backward();
    assert_eq!(b.data(), 9.0);
    assert_eq!(a.grad(), 6.0);
}

#[test]
fn one_handle_used_twice_counts_twice() {
    let g = Graph::new();
    let x = g.value(-1.5);
    let y = x.tanh();
    let z = y * y; // d/dx tanh² = 2 tanh (1 − tanh²)
    z.backward();
    let t = (-1.5f64).tanh();
    assert_close("dz/dx", x.grad(), 2.0 * t * (1.0 - t * t), 1e-15);
    assert_close("dz/dy", y.grad(), 2.0 * t, 1e-15);
}

#[test]
fn diamond_sums_both_paths() {
    let g = Graph::new();
    let a = g.value(2.0);
    let b = a * 2.0;
    let c = a * 3.0;
    let d = b * c; // 6a²
    d.backward();
    assert_eq!(d.data(), 24.0);
    assert_eq!(a.grad(), 24.0); // 12a
    assert_eq!(b.grad(), 6.0);
    assert_eq!(c.grad(), 4.0);
}

#[test]
fn doubled_doubling_gives_four() {
    let g = Graph::new();
    let a = g.value(5.0);
    let b = a + a;
    let c = b + b;
    c.backward();
    assert_eq!(c.data(), 20.0);
    assert_eq!(b.grad(), 2.0);
    assert_eq!(a.grad(), 4.0);
}

#[test]
fn second_backward_accumulates_leaves_but_not_interior_nodes() {
    // micrograd issue #53: interior nodes must not double-count on a second backward.
    let g = Graph::new();
    let a = g.value(2.0);
    let b = a * a; // interior
    let c = b * 3.0;
    c.backward();
    assert_eq!((a.grad(), b.grad()), (12.0, 3.0));
    c.backward();
    assert_eq!(b.grad(), 3.0, "interior: latest backward only");
    assert_eq!(a.grad(), 24.0, "leaf: accumulates, as in PyTorch");
}

#[test]
fn zero_grad_between_backwards_gives_the_same_gradients() {
    let g = Graph::new();
    let a = g.value(2.0);
    let c = (a * a).exp().ln() * 3.0;
    c.backward();
    let first = a.grad();
    a.zero_grad();
    c.backward();
    assert_eq!(a.grad(), first);
    g.zero_grad();
    assert_eq!((a.grad(), c.grad()), (0.0, 0.0));
    c.backward();
    assert_eq!(a.grad(), first);
}

#[test]
fn backward_from_an_earlier_node_clears_stale_interior_gradients() {
    let g = Graph::new();
    let a = g.value(2.0);
    let b = a * 3.0;
    let unrelated = (a * 5.0).tanh();
    let c = b * b;
    c.backward();
    assert_eq!(b.grad(), 12.0);
    a.zero_grad();
    b.backward(); // b is created before c: c is untouched, b becomes the root
    assert_eq!(b.grad(), 1.0);
    assert_eq!(a.grad(), 3.0);
    assert_eq!(c.grad(), 1.0, "nodes after the root keep their gradient");
    assert_eq!(unrelated.grad(), 0.0);
}

#[test]
fn unreached_infinite_derivative_does_not_poison_gradients() {
    // ln(0) has derivative ∞ but does not feed the root: PyTorch leaves x.grad at 1.
    let g = Graph::new();
    let x = g.value(0.0);
    let dead = x.ln();
    let y = x + 1.0;
    y.backward();
    assert_eq!(x.grad(), 1.0);
    assert_eq!(dead.grad(), 0.0);
    // An unreached node's gradient reads as +0, not as the -0 that marks it internally;
    // so does a new leaf's, and a zeroed one's.
    assert_eq!(dead.grad().to_bits(), 0.0_f64.to_bits());
    let leaf = g.value(3.0);
    assert_eq!(leaf.grad().to_bits(), 0.0_f64.to_bits());
    x.zero_grad();
    assert_eq!(x.grad().to_bits(), 0.0_f64.to_bits());
}

#[test]
fn zeroing_an_unreached_node_keeps_it_unreached() {
    // Zeroing an interior node's gradient must not make the next backward sweep it: its
    // ln'(0) = ∞ times 0 would turn x's gradient into NaN.
    let g = Graph::new();
    let x = g.value(0.0);
    let dead = x.ln();
    dead.zero_grad();
    assert_eq!(dead.grad().to_bits(), 0.0_f64.to_bits());
    let y = x + 1.0;
    y.backward();
    assert_eq!(x.grad(), 1.0);
}

// The sweep tells an unreached op node by its gradient: -0.0, which no contribution leaves
// behind. A reached node whose only contribution is -0.0 (a dead ReLU below a negative
// gradient) is still reached, so it passes 0 · ∞ = NaN on to a parent, as PyTorch does:
// `x = torch.tensor(0., dtype=torch.float64, requires_grad=True)`, then
// `(-torch.relu(torch.sqrt(x))).backward()` leaves `x.grad` at `nan` (torch 2.15; so does
// `(torch.sqrt(x) * -0.0).backward()`).

#[test]
fn a_node_reached_with_a_negative_zero_gradient_still_passes_it_on() {
    let g = Graph::new();
    let x = g.value(0.0);
    let root = x.sqrt();
    let y = -root.relu();
    y.backward();
    assert_eq!(
        root.grad().to_bits(),
        0.0_f64.to_bits(),
        "-1 · relu'(0) = -0, read as +0"
    );
    assert!(
        x.grad().is_nan(),
        "0 · sqrt'(0) = 0 · ∞ is NaN in PyTorch, got {}",
        x.grad()
    );
    // The same through a product and an n-ary node, each giving -0.0 to `x.sqrt()`.
    for build in [
        (|s: Value<'_>| s * -0.0) as fn(Value<'_>) -> Value<'_>,
        |s| s.graph().weighted_sum(None, &[s], &[s.graph().value(-0.0)]),
    ] {
        let x = g.value(0.0);
        let y = build(x.sqrt());
        y.backward();
        assert!(x.grad().is_nan(), "got {}", x.grad());
    }
}

#[test]
fn nan_and_infinity_propagate_like_f64() {
    let g = Graph::new();
    let x = g.value(-1.0);
    let y = x.ln(); // NaN
    let z = y * 2.0;
    z.backward();
    assert!(z.data().is_nan());
    assert_eq!(
        x.grad(),
        -2.0,
        "torch: log's backward is grad / x, finite here"
    );
    let n = g.value(f64::NAN);
    let m = (n * 3.0).tanh();
    m.backward();
    assert!(m.data().is_nan() && n.grad().is_nan());
    let w = g.value(0.0);
    assert_eq!((1.0 / w).data(), f64::INFINITY);
}

#[test]
fn backward_on_a_leaf_accumulates_one() {
    let g = Graph::new();
    let x = g.value(4.0);
    x.backward();
    x.backward();
    assert_eq!(x.grad(), 2.0);
}

#[test]
fn set_data_changes_what_new_nodes_compute() {
    let g = Graph::new();
    let w = g.value(1.0);
    w.set_data(2.5);
    assert_eq!((w * 2.0).data(), 5.0);
}

#[test]
fn nodes_record_op_parents_and_constants() {
    let g = Graph::new();
    let x = g.value(1.0);
    let y = g.value(2.0);
    let s = x * y;
    let t = s + 10.0;
    assert!(x.is_leaf());
    assert_eq!(s.op(), Op::Mul);
    assert_eq!(
        s.parents().iter().map(|v| v.index()).collect::<Vec<_>>(),
        [0, 1]
    );
    assert_eq!(t.op(), Op::AddC);
    assert_eq!(t.constant(), Some(10.0));
    assert_eq!(t.parents().len(), 1);
    assert_eq!(s.constant(), None);
    assert_eq!(g.node_count(), 4);
}

#[test]
fn constant_operands_are_not_nodes() {
    let g = Graph::new();
    let x = g.value(1.0);
    let _ = 2.0 * x - 1.0;
    assert_eq!(
        g.node_count(),
        3,
        "x, 2·x, − 1: the constants are folded into their ops"
    );
}

#[test]
fn nodes_are_at_most_32_bytes() {
    assert!(Graph::node_size() <= 32, "{} bytes", Graph::node_size());
}

#[test]
fn sum_is_a_left_fold() {
    let g = Graph::new();
    let v = g.values(&[1.0, 2.0, 3.0, 4.0]);
    let s = g.sum(v.iter().copied());
    assert_eq!(g.node_count(), 4 + 3);
    s.backward();
    assert!(v.iter().all(|x| x.grad() == 1.0));
    assert_eq!(g.sum(std::iter::empty()).data(), 0.0);
}
