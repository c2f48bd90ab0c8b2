//! The fast paths give the same numbers to the bit as the simple path: fused weighted sums
//! (`Graph::weighted_sum`, `Mlp::fused`) and replay (`Graph::recompute`).

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
    use scalargrad::nn::Activation;
    use scalargrad::optim::{Adam, AdamConfig};
    let x = [[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0]];
    let t = [0, 1, 0, 1];
    let run = |replay: bool| {
        let g = Graph::new();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let model = Mlp::builder(2)
            .layer(4, Activation::Sigmoid)
            .layer(2, Activation::Identity)
            .bias(false)
            .build(&g, &mut rng);
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
