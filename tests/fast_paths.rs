//! The fast paths give the bits of the simple path: fused weighted sums (`Graph::weighted_sum`,
//! `Mlp::fused`) against chains of nodes, replay (`Graph::recompute`) and its plan against fresh
//! builds, and backward's memo of fully reached roots against graphs with unreached nodes.

mod common;

use common::xor_builder;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use scalargrad::loss::hinge;
use scalargrad::nn::{Mlp, Module};
use scalargrad::optim::{Optimizer, Sgd, SgdConfig};
use scalargrad::{Graph, Op, Value, gradcheck, viz};

fn bits(xs: &[f64]) -> Vec<u64> {
    xs.iter().map(|x| x.to_bits()).collect()
}

/// A few steps of micrograd's demo (hinge + L2, SGD) on a 2-8-8-1 ReLU network; returns the
/// losses and the final parameters.
fn train(fused: bool, steps: usize) -> (Vec<f64>, Vec<f64>) {
    let g = Graph::new();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let model = Mlp::new(&g, 2, &[8, 8, 1], &mut rng).fused(fused);
    let params = model.parameters();
    let mut sgd = Sgd::new(
        params.clone(),
        SgdConfig {
            lr: 0.3,
            ..Default::default()
        },
    )
    .expect("valid Sgd config");
    let xs: Vec<[f64; 2]> = (0..12)
        .map(|i| [f64::from(i).sin(), f64::from(i).cos() * 0.7])
        .collect();
    let ys: Vec<f64> = (0..12)
        .map(|i| if i % 3 == 0 { 1.0 } else { -1.0 })
        .collect();
    let cp = g.checkpoint();
    let mut losses = Vec::new();
    for _ in 0..steps {
        let scores: Vec<Value<'_>> = xs
            .iter()
            .map(|x| model.forward(&g.values(x)).unwrap()[0])
            .collect();
        let total = hinge(&scores, &ys).unwrap() + g.sum(params.iter().map(|&p| p * p)) * 1e-4;
        sgd.zero_grad();
        total.backward();
        sgd.step();
        losses.push(total.data());
        g.rewind(cp);
    }
    (losses, model.parameter_values())
}

#[test]
fn fused_neurons_train_exactly_like_the_chain_of_nodes() {
    let (l1, p1) = train(false, 8);
    let (l2, p2) = train(true, 8);
    assert_eq!(bits(&l1), bits(&l2), "losses");
    assert_eq!(bits(&p1), bits(&p2), "parameters after 8 steps");
}

#[test]
fn dot_gradients_equal_the_chain_to_the_bit() {
    let a = [0.3, -1.7, 2.25, 0.01];
    let c = [1.1, 0.4, -0.9, 3.0];
    let run = |fused: bool, bias: bool| {
        let g = Graph::new();
        let w = g.values(&a);
        let x = g.values(&c);
        let b = bias.then(|| g.value(-0.6));
        let s = if fused {
            g.weighted_sum(b, &w, &x)
        } else {
            let first = w[0] * x[0];
            let start = b.map_or(first, |b| b + first);
            (1..4).fold(start, |acc, k| acc + w[k] * x[k])
        };
        let y = (s * s).tanh();
        y.backward();
        let mut out = vec![y.data()];
        out.extend(w.iter().chain(&x).chain(&b).map(|v| v.grad()));
        out
    };
    for bias in [false, true] {
        assert_eq!(
            bits(&run(false, bias)),
            bits(&run(true, bias)),
            "bias: {bias}"
        );
    }
}

#[test]
fn dot_with_a_value_used_twice_accumulates_like_the_chain() {
    let g = Graph::new();
    let a = g.value(1.5);
    let x = g.value(-2.0);
    let s = g.weighted_sum(Some(a), &[a, x, a], &[x, a, a]); // a + a·x + x·a + a·a
    s.backward();
    assert_eq!(s.data(), 1.5 - 3.0 - 3.0 + 2.25);
    assert_eq!(a.grad(), 1.0 + (-2.0) + (-2.0) + 3.0);
    assert_eq!(x.grad(), 1.5 + 1.5);
}

#[test]
fn dot_passes_gradcheck() {
    let report = gradcheck(
        |g, v| {
            let s = g.weighted_sum(Some(v[0]), &v[1..4], &v[4..7]);
            (s * v[2]).sigmoid()
        },
        &[0.2, -0.5, 0.8, 1.1, 0.3, -0.7, 0.9],
    );
    assert!(report.is_close(1e-7, 1e-6), "{report:?}");
}

#[test]
fn dot_reports_its_parents_and_local_gradients() {
    let g = Graph::new();
    let (w, x, b) = (g.values(&[2.0, 3.0]), g.values(&[5.0, 7.0]), g.value(1.0));
    let s = g.weighted_sum(Some(b), &w, &x);
    assert_eq!(s.op(), Op::Dot);
    let parents: Vec<u32> = s.parents().iter().map(|p| p.index()).collect();
    assert_eq!(
        parents,
        [
            b.index(),
            w[0].index(),
            x[0].index(),
            w[1].index(),
            x[1].index()
        ]
    );
    assert_eq!(s.local_gradients(), [1.0, 5.0, 2.0, 7.0, 3.0]);
    s.backward();
    let t = viz::trace(s);
    assert_eq!(
        t.graph.node_count(),
        5 + 2,
        "five leaves, one Σ op node, its result"
    );
    let dot = viz::to_dot(&t, &viz::DrawOptions::default());
    assert!(dot.contains("label=\"Σ\""), "{dot}");
}

#[test]
fn dot_survives_rewind_and_replay() {
    let g = Graph::new();
    let w = g.values(&[0.5, -0.25]);
    let cp = g.checkpoint();
    let x = g.values(&[2.0, 4.0]);
    let s = g.weighted_sum(None, &w, &x).relu();
    assert_eq!(s.data(), 0.0);
    w[1].set_data(0.25);
    g.recompute(cp);
    assert_eq!(s.data(), 2.0);
    s.backward();
    assert_eq!((w[0].grad(), w[1].grad()), (2.0, 4.0));
    g.rewind(cp);
    let s2 = g.weighted_sum(None, &w, &g.values(&[1.0, 1.0]));
    assert_eq!(s2.data(), 0.75);
}

#[test]
#[should_panic(expected = "2 weights and 1 inputs")]
fn dot_with_mismatched_lengths_panics() {
    let g = Graph::new();
    let w = g.values(&[1.0, 2.0]);
    let x = g.values(&[1.0]);
    let _ = g.weighted_sum(None, &w, &x);
}

/// The tutorial's network, trained by rebuilding every epoch and by building once and
/// replaying: identical losses and weights. The loss is written without the max-subtraction
/// of `loss::cross_entropy`, whose shift is a constant chosen at build time (see
/// `Graph::recompute`).
#[test]
fn replay_trains_exactly_like_rebuilding() {
    use scalargrad::optim::{Adam, AdamConfig};
    let x = [[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0]];
    let t = [0, 1, 0, 1];
    let run = |replay: bool| {
        let g = Graph::new();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let model = xor_builder().build(&g, &mut rng);
        let mut adam = Adam::new(
            model.parameters(),
            AdamConfig {
                amsgrad: true,
                ..Default::default()
            },
        )
        .expect("valid Adam config");
        let cp = g.checkpoint();
        let build = || {
            let rows = x.iter().zip(t).map(|(xi, ti)| {
                let y = model.forward(&g.values(xi)).unwrap();
                let e = [y[0].exp(), y[1].exp()];
                -(e[ti] / (e[0] + e[1])).ln()
            });
            g.sum(rows) * 0.25
        };
        let built = build();
        let mut losses = Vec::new();
        for epoch in 0..300 {
            let loss = if replay {
                if epoch > 0 {
                    g.recompute(cp);
                }
                built
            } else {
                if epoch > 0 {
                    g.rewind(cp);
                }
                build()
            };
            adam.zero_grad();
            loss.backward();
            adam.step();
            losses.push(loss.data());
        }
        (losses, model.parameter_values())
    };
    let (l1, p1) = run(false);
    let (l2, p2) = run(true);
    assert!(bits(&l1) == bits(&l2), "losses differ");
    assert!(bits(&p1) == bits(&p2), "parameters differ");
}

#[test]
fn replayed_softmax_keeps_its_build_time_shift_and_stays_correct() {
    use scalargrad::loss::softmax;
    let g = Graph::new();
    let y = g.values(&[2.0, 0.5]);
    let cp = g.checkpoint();
    let p = softmax(&y).unwrap();
    y[0].set_data(0.5);
    y[1].set_data(2.0);
    g.recompute(cp);
    let fresh = softmax(&y).unwrap();
    for (a, b) in p.iter().zip(&fresh) {
        assert!((a.data() - b.data()).abs() < 1e-15);
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
