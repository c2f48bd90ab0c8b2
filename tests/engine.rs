//! The engine: published checks, reused nodes, gradient semantics, checkpoints, deep graphs.

mod common;

use common::assert_close;
use scalargrad::{Graph, Op, Value};

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

// Backward remembers when a sweep from a root reached every op node below it, and sweeps from
// that root without testing for unreached nodes afterwards (a replayed training step). The
// next three tests fail if it remembers too much: each has an unreached ln(0), whose ∞
// derivative would turn a gradient into NaN if its node were swept.

#[test]
fn repeated_backward_over_an_unreached_node_stays_clean() {
    let g = Graph::new();
    let x = g.value(0.0);
    let cp = g.checkpoint();
    let dead = x.ln();
    let y = x * 2.0;
    for k in 1..=4 {
        y.backward();
        assert_eq!(x.grad(), 2.0 * f64::from(k), "backward #{k}");
        assert_eq!(dead.grad(), 0.0);
        g.recompute(cp);
    }
}

#[test]
fn a_rewind_forgets_that_a_root_reached_everything() {
    let g = Graph::new();
    let x = g.value(0.0);
    let cp = g.checkpoint();
    let y = (x * 2.0) * 3.0;
    y.backward();
    y.backward(); // from here on, this root is known to reach every op node
    assert_eq!(x.grad(), 12.0);
    g.rewind(cp);
    x.zero_grad();
    // The same indices, another structure: node 1 is now an unreached ln(0).
    let dead = x.ln();
    let z = x * 3.0;
    assert_eq!((dead.index(), z.index()), (1, 2));
    z.backward();
    z.backward();
    z.backward();
    assert_eq!(x.grad(), 9.0);
}

#[test]
fn another_root_below_a_fully_reached_one_skips_its_unreached_nodes() {
    let g = Graph::new();
    let x = g.value(1.0);
    let cp = g.checkpoint();
    let log = x.ln();
    let twice = x * 2.0;
    let top = log + twice;
    top.backward();
    top.backward(); // every op node below `top` is reached from it
    assert_eq!(x.grad(), 6.0);
    x.set_data(0.0);
    g.recompute(cp);
    x.zero_grad();
    // From `twice`, ln(0) is below the root but unreached.
    twice.backward();
    twice.backward();
    twice.backward();
    assert_eq!(x.grad(), 6.0);
    assert_eq!(log.grad(), 0.0);
}

/// The graph of `replay_plan_gives_the_bits_of_fresh_builds`: every kind of op node (binary,
/// unary, with a constant, n-ary), a value used twice, and parameters before the checkpoint.
fn replay_fixture<'g>(g: &'g Graph, w: &[Value<'g>], x: &[Value<'g>]) -> Value<'g> {
    let h = (w[0] * x[0] + w[1] * x[1]).sigmoid();
    let k = g.weighted_sum(Some(w[2]), &[w[3], h], &[x[1], h]).tanh();
    let e = [h.exp(), (k * 2.0).exp()];
    let p = e[0] / (e[0] + e[1]);
    -(p.ln()) + (h * h - 0.5).relu() * 0.25
}

#[test]
fn replay_plan_gives_the_bits_of_fresh_builds() {
    // Replay goes through a plan of the replayed range from the first `recompute` on, and
    // backward through the same plan once its root is known to reach every node: each round
    // must give the bits of a fresh graph built from the same numbers.
    let params = [0.3, -0.8, 0.1, 1.7];
    let g = Graph::new();
    let w = g.values(&params);
    let cp = g.checkpoint();
    let x = g.values(&[0.0, 0.0]);
    let loss = replay_fixture(&g, &w, &x);
    for round in 0..5 {
        let input = [0.5 * f64::from(round), 1.0 - 0.3 * f64::from(round)];
        x[0].set_data(input[0]);
        x[1].set_data(input[1]);
        g.recompute(cp);
        g.zero_grad();
        loss.backward();
        loss.backward();

        let fresh = Graph::new();
        let fw = fresh.values(&params);
        let fx = fresh.values(&input);
        let fresh_loss = replay_fixture(&fresh, &fw, &fx);
        assert_same_bits(
            loss,
            fresh_loss,
            &[(&w, &fw), (&x, &fx)],
            &format!("round {round}"),
        );
    }
}

/// Asserts that `loss` (replayed, and swept twice) and `fresh` (a fresh build of the same
/// numbers, swept twice here) have the same value and, for each pair of slices, the same
/// gradients, by their bits.
fn assert_same_bits(
    loss: Value<'_>,
    fresh: Value<'_>,
    pairs: &[(&[Value<'_>], &[Value<'_>])],
    context: &str,
) {
    fresh.backward();
    fresh.backward();
    let bits = |vs: &[Value<'_>]| vs.iter().map(|v| v.grad().to_bits()).collect::<Vec<_>>();
    assert_eq!(loss.data().to_bits(), fresh.data().to_bits(), "{context}");
    for (k, (a, b)) in pairs.iter().enumerate() {
        assert_eq!(bits(a), bits(b), "gradients of slice {k}, {context}");
    }
}

#[test]
fn a_replay_plan_is_never_used_for_another_structure() {
    // A plan describes the replayed range as it was when it was made.
    let g = Graph::new();
    let a = g.value(2.0);
    let cp = g.checkpoint();
    let b = a * 3.0;
    g.recompute(cp); // plans [b]
    assert_eq!(b.data(), 6.0);

    // After a rewind, the same index holds another op: neither backward nor replay may use
    // the old plan.
    g.rewind(cp);
    let d = a * a;
    for _ in 0..3 {
        a.zero_grad();
        d.backward();
        assert_eq!(
            a.grad(),
            4.0,
            "backward used the plan of another generation"
        );
    }
    a.set_data(1.5);
    g.recompute(cp);
    assert_eq!(d.data(), 2.25, "replay used the plan of another generation");

    // Nodes appended after the plan was made are replayed too.
    let c = d.exp() + a;
    a.set_data(1.0);
    g.recompute(cp);
    assert_eq!(
        c.data(),
        1.0_f64.exp() + 1.0,
        "the plan missed nodes added after it"
    );
    for _ in 0..3 {
        a.zero_grad();
        c.backward();
        assert_eq!(a.grad(), 2.0 * 1.0_f64.exp() + 1.0);
    }
}

#[test]
fn a_replay_adds_each_gradients_terms_in_the_order_of_a_rebuild() {
    // Replay orders the op nodes of each window by depth (`src/plan.rs`), so that independent
    // ops sit side by side, and its backward runs that order reversed. That must not reorder
    // the terms of any gradient. x's three terms sum to 1 in a rebuild's order,
    // (-1e16 + 1e16) + 1, and to 0 in depth order, (1 - 1e16) + 1e16.
    fn build<'g>(a: Value<'g>, x: Value<'g>) -> Value<'g> {
        let deep = ((a * 1.0) * 1.0) * 1.0;
        let first = deep * x; // depth 4, created first: its term comes last in a rebuild
        let second = x * 1e16; // depth 1
        let third = x * -1e16; // depth 1, created last: its term comes first
        first + second + third
    }
    let fresh = Graph::new();
    let (fa, fx) = (fresh.value(1.0), fresh.value(0.5));
    build(fa, fx).backward();
    assert_eq!(fx.grad(), 1.0, "(-1e16 + 1e16) + 1");

    let g = Graph::new();
    let (a, x) = (g.value(1.0), g.value(0.5));
    let cp = g.checkpoint();
    let loss = build(a, x);
    for round in 0..3 {
        g.recompute(cp);
        x.zero_grad();
        loss.backward(); // from the second backward on, through the plan
        assert_eq!(x.grad().to_bits(), 1.0_f64.to_bits(), "round {round}");
    }
}

/// `samples` copies of one random expression over `leaves` (each op's operands drawn from the
/// leaves and the copy's earlier nodes), summed: the shape of a batch, whose copies a replay
/// can interleave. The structure depends only on `seed`.
fn random_batch<'g>(g: &'g Graph, leaves: &[Value<'g>], samples: usize, seed: u64) -> Value<'g> {
    use scalargrad::rand::{RngExt, SeedableRng, rngs::Xoshiro256PlusPlus};
    let mut total: Option<Value<'g>> = None;
    for sample in 0..samples {
        // The same structure for every copy, with the leaves shifted per copy.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut nodes: Vec<Value<'g>> = (0..leaves.len())
            .map(|k| leaves[(k + sample) % leaves.len()])
            .collect();
        for _ in 0..rng.random_range(20..60) {
            let pick = |rng: &mut Xoshiro256PlusPlus| nodes[rng.random_range(0..nodes.len())];
            let (a, b) = (pick(&mut rng), pick(&mut rng));
            let node = match rng.random_range(0..9) {
                0 => a + b,
                1 => a - b,
                2 => a * b,
                3 => a * a,
                4 => a.tanh(),
                5 => a.sigmoid(),
                6 => (a * 0.5).relu(),
                7 => a / (b * b + 1.0),
                _ => g.weighted_sum(Some(a), &[a, b], &[b, pick(&mut rng)]),
            };
            nodes.push(node.tanh());
        }
        let out = nodes[leaves.len()..]
            .iter()
            .copied()
            .fold(g.value(0.0), |s, n| s + n);
        total = Some(total.map_or(out, |t| t + out));
    }
    total.expect("at least one sample")
}

#[test]
fn replayed_random_batches_give_the_bits_of_fresh_builds() {
    // Values and every gradient, through the plan's schedule, against fresh graphs.
    let seeds = if cfg!(miri) { 0..2 } else { 0..40 };
    for seed in seeds {
        let init = [0.3, -0.7, 1.1, 0.05, -1.9];
        let g = Graph::new();
        let w = g.values(&init);
        let cp = g.checkpoint();
        let loss = random_batch(&g, &w, 4, seed);
        for round in 0..3 {
            let params: Vec<f64> = init
                .iter()
                .map(|v| v * (1.0 + 0.1 * f64::from(round)))
                .collect();
            for (p, &v) in w.iter().zip(&params) {
                p.set_data(v);
            }
            g.recompute(cp);
            g.zero_grad();
            loss.backward();
            loss.backward(); // through the plan, if every node feeds the loss

            let fresh = Graph::new();
            let fw = fresh.values(&params);
            let fresh_loss = random_batch(&fresh, &fw, 4, seed);
            let context = format!("seed {seed}, round {round}");
            assert_same_bits(loss, fresh_loss, &[(&w, &fw)], &context);
        }
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
fn rewind_discards_nodes_and_keeps_parameters() {
    let g = Graph::new();
    let w = g.value(0.5);
    let cp = g.checkpoint();
    for step in 0..5 {
        let x = g.value(f64::from(step));
        let loss = (w * x - 1.0).powi(2);
        loss.backward();
        g.rewind(cp);
        assert_eq!(g.node_count(), 1);
    }
    // Σ_step 2(0.5·s − 1)·s for s = 0..5 = 2·(0 − 0.5 + 0 + 1.5 + 4) = 10
    assert_eq!(w.grad(), 10.0);
}

#[test]
#[should_panic(expected = "is stale")]
fn using_a_value_after_rewind_panics() {
    let g = Graph::new();
    let w = g.value(1.0);
    let cp = g.checkpoint();
    let y = w * 2.0;
    g.rewind(cp);
    let _ = w * 3.0; // reuses y's slot
    let _ = y.data();
}

#[test]
#[should_panic(expected = "is stale")]
fn building_on_a_rewound_value_panics() {
    let g = Graph::new();
    let cp = g.checkpoint();
    let y = g.value(2.0);
    g.rewind(cp);
    let _ = y + 1.0;
}

#[test]
#[should_panic(expected = "different Graphs")]
fn mixing_graphs_panics() {
    let g1 = Graph::new();
    let g2 = Graph::new();
    let _ = g1.value(1.0) + g2.value(2.0);
}

#[test]
#[should_panic(expected = "was rewound (or cleared) to an earlier point")]
fn rewinding_to_a_discarded_checkpoint_panics() {
    let g = Graph::new();
    let _ = g.value(1.0);
    let early = g.checkpoint();
    let _ = g.value(2.0);
    let late = g.checkpoint();
    g.rewind(early);
    g.rewind(late);
}

#[test]
fn rewind_discards_names_and_scopes_of_discarded_nodes() {
    let g = Graph::new();
    let a = g.value(1.0).named("a");
    let cp = g.checkpoint();
    let b = g.scoped("step", || (a * 2.0).named("b"));
    assert_eq!(b.name().as_deref(), Some("b"));
    g.rewind(cp);
    let c = a * 3.0;
    assert_eq!(c.name(), None);
    assert_eq!(g.scope_of(c), None);
    assert_eq!(a.name().as_deref(), Some("a"));
}

#[test]
fn scopes_nest() {
    let g = Graph::new();
    let x = g.value(1.0);
    let (n, l) = g.scoped("layer", || {
        let l = x * 2.0;
        let n = g.scoped("neuron", || l.tanh());
        (n, l)
    });
    let ns = g.scope_of(n).unwrap();
    let ls = g.scope_of(l).unwrap();
    assert_eq!(g.scope_name(ns), "neuron");
    assert_eq!(g.scope_parent(ns), Some(ls));
    assert_eq!(g.scope_name(ls), "layer");
    assert_eq!(g.scope_parent(ls), None);
}

/// `v = tanh(v) · 1.0001`, `steps` times: 2·steps op nodes.
fn chain(x: Value<'_>, steps: usize) -> Value<'_> {
    (0..steps).fold(x, |v, _| v.tanh() * 1.0001)
}

#[test]
fn million_node_chain_runs_forward_backward_drop_and_rewind() {
    // W3 of the shared workloads; check values from its WORKLOADS.md. Test threads have a
    // 2 MiB stack, smaller than the 8 MiB main thread: nothing here recurses. Under Miri,
    // which interprets every instruction, the chain is 10³ nodes and the published values
    // are not checked (they are those of 10⁶ nodes); the rewind still has to reproduce them.
    let steps = if cfg!(miri) { 500 } else { 500_000 };
    let g = Graph::new();
    let x = g.value(0.5);
    let cp = g.checkpoint();
    let v = chain(x, steps);
    assert_eq!(g.node_count(), 2 * steps + 1);
    v.backward();
    let (first_v, first_dx) = (v.data(), x.grad());
    if !cfg!(miri) {
        assert_close("v", first_v, 1.732_068_128_191e-2, 1e-11);
        assert_close("dv/dx", first_dx / 1.509_836_697_940e-48, 1.0, 1e-11);
    }
    g.rewind(cp);
    assert_eq!(g.node_count(), 1);
    x.zero_grad();
    let v = chain(x, steps);
    v.backward();
    assert_eq!(
        (v.data(), x.grad()),
        (first_v, first_dx),
        "the same after a rewind"
    );
    drop(g);
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

#[test]
fn scope_lookup_finds_the_innermost_scope_among_siblings() {
    let g = Graph::new();
    let x = g.value(1.0);
    let mut inside = Vec::new();
    g.scoped("layer", || {
        for k in 0..5 {
            inside.push(g.scoped(format!("neuron {k}"), || x * f64::from(k)));
        }
        inside.push(x + 1.0); // in the layer, after its neurons
    });
    let after = x * 2.0;
    for (k, v) in inside.iter().take(5).enumerate() {
        let s = g.scope_of(*v).unwrap();
        assert_eq!(g.scope_name(s), format!("neuron {k}"));
    }
    assert_eq!(g.scope_name(g.scope_of(inside[5]).unwrap()), "layer");
    assert_eq!(g.scope_of(after), None);
    assert_eq!(g.scope_of(x), None);
}

#[test]
fn optimizer_steps_read_and_write_each_parameter_through_one_check() {
    // Adam and SGD update each parameter with one handle check (Value::update_data), which
    // reads the node unchecked: run both under Miri, against the update rules by hand.
    use scalargrad::optim::{Adam, AdamConfig, Optimizer, Sgd, SgdConfig};
    let g = Graph::new();
    let (a, b) = (g.value(1.0), g.value(-2.0));
    let cp = g.checkpoint();
    let mut sgd = Sgd::new(
        vec![a, b],
        SgdConfig {
            lr: 0.1,
            momentum: 0.9,
            weight_decay: 0.5,
            ..SgdConfig::default()
        },
    )
    .unwrap();
    // loss = a² + 3b: grads 2a and 3, plus weight decay 0.5·param.
    let step = |opt: &mut dyn Optimizer| {
        let loss = a * a + 3.0 * b;
        opt.zero_grad();
        loss.backward();
        opt.step();
        g.rewind(cp);
    };
    step(&mut sgd);
    // First step: the momentum buffer is the gradient itself.
    assert_close("a after sgd", a.data(), 1.0 - 0.1 * (2.0 + 0.5), 1e-15);
    assert_close("b after sgd", b.data(), -2.0 - 0.1 * (3.0 - 1.0), 1e-15);
    let (a1, b1) = (a.data(), b.data());
    step(&mut sgd);
    let buf_a = 0.9 * 2.5 + (2.0 * a1 + 0.5 * a1);
    assert_close("a after 2 sgd steps", a.data(), a1 - 0.1 * buf_a, 1e-15);
    let buf_b = 0.9 * 2.0 + (3.0 + 0.5 * b1);
    assert_close("b after 2 sgd steps", b.data(), b1 - 0.1 * buf_b, 1e-15);

    let mut adam = Adam::new(
        vec![a, b],
        AdamConfig {
            amsgrad: true,
            ..AdamConfig::default()
        },
    )
    .unwrap();
    let (a2, b2) = (a.data(), b.data());
    step(&mut adam);
    // First Adam step: m̂ = g and √v̂ = |g|, so each parameter moves by lr·g/(|g| + ε).
    let moved = |g: f64| 1e-3 * g / (g.abs() + 1e-8);
    assert_close("a after adam", a.data(), a2 - moved(2.0 * a2), 1e-12);
    assert_close("b after adam", b.data(), b2 - moved(3.0), 1e-12);
    // A stale parameter is reported, not read.
    let c = g.value(0.0);
    let mut stale = Adam::new(vec![a, c], AdamConfig::default()).unwrap();
    g.rewind(cp);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| stale.step()));
    assert!(caught.is_err());
}

/// Issue 27: 2³² × 2³² overflowed to 0 in a 64-bit `usize`, so an empty `Vec` was accepted.
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
