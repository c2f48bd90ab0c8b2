//! Modules: shapes, parameter counts and order, determinism, errors, clusters.

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use scalargrad::nn::{Activation, Init, Layer, Mlp, Module, Neuron};
use scalargrad::optim::{Optimizer, Sgd, SgdConfig};
use scalargrad::{Graph, viz};

fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

#[test]
fn mlp_3_4_4_1_has_41_parameters() {
    let g = Graph::new();
    let model = Mlp::new(&g, 3, &[4, 4, 1], &mut rng(0));
    assert_eq!(model.parameters().len(), 41);
    assert_eq!((model.nin(), model.nout()), (3, 1));
    let shapes: Vec<(usize, usize)> = model.layers().iter().map(|l| (l.nin(), l.nout())).collect();
    assert_eq!(shapes, [(3, 4), (4, 4), (4, 1)]);
    let y = model.forward(&g.values(&[1.0, -2.0, 0.5])).unwrap();
    assert_eq!(y.len(), 1);
}

#[test]
fn tutorial_network_without_bias_has_16_parameters() {
    let g = Graph::new();
    let model = Mlp::builder(2)
        .layer(4, Activation::Sigmoid)
        .layer(2, Activation::Identity)
        .bias(false)
        .build(&g, &mut rng(0));
    assert_eq!(model.parameters().len(), 16);
}

#[test]
fn parameter_order_is_layer_neuron_weights_then_bias() {
    let g = Graph::new();
    let l = Layer::from_matrix_and_bias(
        &g,
        &[vec![1.0, 2.0], vec![3.0, 4.0], vec![5.0, 6.0]],
        Some(&[7.0, 8.0]),
        Activation::Identity,
    )
    .unwrap();
    // neuron 0 reads column 0: weights 1, 3, 5, bias 7; neuron 1: 2, 4, 6, bias 8
    assert_eq!(
        l.parameter_values(),
        [1.0, 3.0, 5.0, 7.0, 2.0, 4.0, 6.0, 8.0]
    );
    assert_eq!(l.weight_matrix(), [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]);
}

#[test]
fn same_seed_gives_the_same_parameters_bit_for_bit() {
    let (g1, g2) = (Graph::new(), Graph::new());
    let a = Mlp::new(&g1, 2, &[16, 16, 1], &mut rng(42)).parameter_values();
    let b = Mlp::new(&g2, 2, &[16, 16, 1], &mut rng(42)).parameter_values();
    let c = Mlp::new(&g2, 2, &[16, 16, 1], &mut rng(43)).parameter_values();
    assert_eq!(
        a.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        b.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
    );
    assert_ne!(a, c);
}

#[test]
fn pytorch_init_stays_within_one_over_sqrt_fan_in() {
    let g = Graph::new();
    let l = Layer::new(
        &g,
        16,
        8,
        true,
        Activation::Relu,
        Init::PyTorch,
        &mut rng(1),
    );
    let bound = 0.25;
    let p = l.parameter_values();
    assert!(p.iter().all(|w| w.abs() <= bound), "{p:?}");
    assert!(p.iter().any(|w| w.abs() > 0.2), "spread over the range");
    let m = Layer::new(
        &g,
        16,
        8,
        true,
        Activation::Relu,
        Init::Micrograd,
        &mut rng(1),
    );
    let n = m.neurons()[0].parameter_values();
    assert_eq!(n[16], 0.0, "micrograd biases start at 0");
    assert!(n[..16].iter().any(|w| w.abs() > 0.5));
}

#[test]
fn forward_with_the_wrong_number_of_inputs_is_an_error() {
    let g = Graph::new();
    let model = Mlp::new(&g, 3, &[4, 1], &mut rng(0));
    let e = model.forward(&g.values(&[1.0, 2.0])).unwrap_err();
    assert_eq!(e.to_string(), "Layer::forward: expected 3 inputs, found 2");
    let n = Neuron::from_weights(&g, &[1.0, 2.0], None, Activation::Tanh);
    assert!(n.forward(&[]).is_err());
}

#[test]
fn matrices_with_wrong_shapes_are_errors_that_name_both_shapes() {
    let g = Graph::new();
    let e = Layer::from_matrix(&g, &[vec![1.0, 2.0], vec![3.0]], Activation::Identity).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Layer::from_matrix: row 1 has 1 columns, row 0 has 2: expected 2×2, found a ragged matrix (2 rows)"
    );
    let e = Layer::from_matrix(&g, &[], Activation::Identity).unwrap_err();
    assert!(e.to_string().contains("found 0×0"), "{e}");
    let w1 = vec![vec![1.0; 3]; 2];
    let w2 = vec![vec![1.0; 2]; 4];
    let e = Mlp::from_matrices(&g, &[(w1, Activation::Sigmoid), (w2, Activation::Identity)])
        .unwrap_err();
    assert!(e.to_string().contains("expected 3×2, found 4×2"), "{e}");
}

#[test]
fn neuron_sums_from_the_bias_as_micrograd_does() {
    let g = Graph::new();
    let n = Neuron::from_weights(&g, &[2.0, -1.0], Some(0.5), Activation::Identity);
    let before = g.node_count();
    let y = n.forward(&g.values(&[3.0, 4.0])).unwrap();
    assert_eq!(y.data(), 0.5 + 6.0 - 4.0);
    // 2 leaves, 2 mul, 2 add
    assert_eq!(g.node_count() - before, 6);
}

/// The nodes from index `from` on that `root` depends on, depth first: op, parents and the
/// bits of the value.
fn nodes_since(root: scalargrad::Value<'_>, from: usize) -> Vec<(String, Vec<usize>, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    let mut seen = std::collections::BTreeSet::new();
    while let Some(v) = stack.pop() {
        let i = v.index() as usize;
        if i < from || !seen.insert(i) {
            continue;
        }
        let parents = v.parents();
        out.push((
            format!("{:?}", v.op()),
            parents.iter().map(|p| p.index() as usize).collect(),
            v.data().to_bits(),
        ));
        stack.extend(parents);
    }
    out
}

#[test]
fn an_unfused_neuron_builds_exactly_what_the_operators_build() {
    // Neuron's weighted sum checks the handles once for the whole chain; the nodes, their
    // order, parents and values must be those of `b + w0*x0 + w1*x1 + …` written out.
    for (bias, n_in) in [(Some(0.25), 1), (None, 1), (Some(-0.5), 5), (None, 16)] {
        let g = Graph::new();
        let ws: Vec<f64> = (0..n_in).map(|i| 0.3 - 0.17 * i as f64).collect();
        let neuron = Neuron::from_weights(&g, &ws, bias, Activation::Relu);
        let xs = g.values(&(0..n_in).map(|i| 1.0 + 0.11 * i as f64).collect::<Vec<_>>());
        let start = g.node_count();
        let y = neuron.forward(&xs).unwrap();
        let built = g.node_count() - start;

        let w = neuron.weights();
        let b = neuron.parameters().into_iter().nth(n_in);
        let start2 = g.node_count();
        let first = w[0] * xs[0];
        let sum = w[1..]
            .iter()
            .zip(&xs[1..])
            .fold(b.map_or(first, |b| b + first), |acc, (&w, &x)| acc + w * x);
        let by_hand = sum.relu();
        assert_eq!(g.node_count() - start2, built);
        assert_eq!(by_hand.data().to_bits(), y.data().to_bits());
        // Same shape: each node's op and its parents' offsets from the start of its chain.
        let shape = |root, from: usize| {
            nodes_since(root, from)
                .into_iter()
                .map(|(op, parents, bits)| {
                    // Ok(offset within the chain), or Err(a shared leaf's index).
                    let rel: Vec<Result<usize, usize>> = parents
                        .iter()
                        .map(|&p| if p >= from { Ok(p - from) } else { Err(p) })
                        .collect();
                    (op, rel, bits)
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(shape(y, start), shape(by_hand, start2));
        // And the same gradients.
        y.backward();
        let grads: Vec<u64> = neuron
            .parameters()
            .iter()
            .map(|p| p.grad().to_bits())
            .collect();
        for p in neuron.parameters() {
            p.zero_grad();
        }
        by_hand.backward();
        let again: Vec<u64> = neuron
            .parameters()
            .iter()
            .map(|p| p.grad().to_bits())
            .collect();
        assert_eq!(grads, again);
    }
}

#[test]
#[should_panic(expected = "belong to two different Graphs")]
fn an_unfused_neuron_given_values_of_another_graph_says_so() {
    let g = Graph::new();
    let other = Graph::new();
    let neuron = Neuron::from_weights(&g, &[1.0, 2.0], Some(0.0), Activation::Identity);
    let _ = neuron.forward(&other.values(&[1.0, 2.0]));
}

#[test]
#[should_panic(expected = "is stale")]
fn an_unfused_neuron_given_a_stale_value_says_so() {
    let g = Graph::new();
    let neuron = Neuron::from_weights(&g, &[1.0, 2.0], None, Activation::Identity);
    let cp = g.checkpoint();
    let xs = g.values(&[1.0, 2.0]);
    g.rewind(cp);
    let _ = neuron.forward(&xs);
}

// A layer checks its inputs once for all its neurons, and skips the check of parameters that
// no rewind can have discarded; the next four tests hold it to what each neuron does alone.

fn layer_3x2(g: &Graph) -> Layer<'_> {
    let w = vec![vec![0.5, -1.0], vec![0.25, 2.0], vec![-0.75, 0.125]];
    Layer::from_matrix_and_bias(g, &w, Some(&[0.1, -0.2]), Activation::Relu).unwrap()
}

#[test]
fn a_layer_builds_what_its_neurons_build_one_by_one() {
    let g = Graph::new();
    let layer = layer_3x2(&g);
    let cp = g.checkpoint();
    let xs = g.values(&[1.5, -0.5, 2.0]);
    let start = g.node_count();
    let ys = layer.forward(&xs).unwrap();
    let together = nodes_since(ys[1], start);
    g.rewind(cp);
    let xs = g.values(&[1.5, -0.5, 2.0]);
    let start = g.node_count();
    let ys2: Vec<_> = layer
        .neurons()
        .iter()
        .map(|n| n.forward(&xs).unwrap())
        .collect();
    assert_eq!(nodes_since(ys2[1], start), together);
    let bits =
        |ys: &[scalargrad::Value<'_>]| ys.iter().map(|y| y.data().to_bits()).collect::<Vec<_>>();
    assert_eq!(
        bits(&ys2),
        [0.1 + 0.75 - 0.125 - 1.5, -0.2 - 1.5 - 1.0 + 0.25].map(|v: f64| v.max(0.0).to_bits())
    );
}

#[test]
#[should_panic(expected = "belong to two different Graphs")]
fn a_layer_given_values_of_another_graph_says_so() {
    let g = Graph::new();
    let other = Graph::new();
    let _ = layer_3x2(&g).forward(&other.values(&[1.0, 2.0, 3.0]));
}

#[test]
#[should_panic(expected = "is stale")]
fn a_layer_given_a_stale_value_says_so() {
    let g = Graph::new();
    let layer = layer_3x2(&g);
    let cp = g.checkpoint();
    let xs = g.values(&[1.0, 2.0, 3.0]);
    g.rewind(cp);
    let _ = layer.forward(&xs);
}

#[test]
#[should_panic(expected = "is stale")]
fn a_layer_whose_parameters_were_rewound_says_so() {
    let g = Graph::new();
    let cp = g.checkpoint();
    let layer = layer_3x2(&g);
    g.rewind(cp);
    // The parameters' slots are reused: a layer that trusted its parameters would read these.
    let xs = g.values(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]);
    let _ = layer.forward(&xs[..3]);
}

#[test]
fn sgd_training_lowers_the_loss() {
    let g = Graph::new();
    let model = Mlp::new(&g, 2, &[8, 1], &mut rng(7));
    let mut opt = Sgd::new(
        model.parameters(),
        SgdConfig {
            lr: 0.1,
            momentum: 0.9,
            ..Default::default()
        },
    )
    .expect("valid Sgd config");
    let data = [([0.0, 1.0], 1.0), ([1.0, 0.0], -1.0), ([1.0, 1.0], 0.5)];
    let cp = g.checkpoint();
    let mut losses = Vec::new();
    for _ in 0..50 {
        let mut total = g.value(0.0);
        for (x, y) in &data {
            let out = model.forward(&g.values(x)).unwrap()[0];
            total = total + (out - *y).powi(2);
        }
        losses.push(total.data());
        opt.zero_grad();
        total.backward();
        opt.step();
        g.rewind(cp);
    }
    assert!(losses[49] < 0.1 * losses[0], "{losses:?}");
}

#[test]
fn model_forward_is_drawn_with_a_cluster_per_layer_and_neuron() {
    let g = Graph::new();
    let model = Mlp::builder(2)
        .layer(2, Activation::Sigmoid)
        .layer(1, Activation::Identity)
        .bias(false)
        .build(&g, &mut rng(3));
    let y = model.forward(&g.values(&[1.0, 0.0])).unwrap()[0];
    let t = viz::trace(y);
    let names: Vec<&str> = t.scopes.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["layer 1", "neuron 0", "neuron 1", "layer 2", "neuron 0"]
    );
    let dot = viz::to_dot(&t, &viz::DrawOptions::default());
    assert_eq!(dot.matches("subgraph cluster_").count(), 5);
    // Parameters sit in their neuron's cluster, next to the forward pass that uses them, and
    // are named by their place (every neuron has a `w0`).
    let w0 = dot.find("label=\"{ layer1.neuron0.w0 |").unwrap();
    let cluster = dot[..w0].rfind("subgraph cluster_").unwrap();
    assert!(dot[cluster..w0].contains("neuron 0"), "{dot}");
}

/// Mean, std (about 0, as the rules draw) and the fraction within one std of 0.
fn moments(w: &[f64]) -> (f64, f64, f64) {
    let n = w.len() as f64;
    let mean = w.iter().sum::<f64>() / n;
    let std = (w.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    let within = w.iter().filter(|x| x.abs() <= std).count() as f64 / n;
    (mean, std, within)
}

#[test]
fn normal_xavier_and_kaiming_draw_the_std_of_their_formulas() {
    // (rule, nin, nout, the formula's std): torch.nn.init.normal_(w, 0, 0.01),
    // xavier_normal_ (√(2/(fan_in + fan_out))) and kaiming_normal_ (√(2/fan_in)).
    let cases = [
        (Init::Normal(1.0), 200, 200, 1.0),
        (Init::Normal(0.01), 200, 200, 0.01),
        (Init::XavierNormal, 200, 200, (2.0f64 / 400.0).sqrt()),
        // Unequal fans: Xavier reads both (√(2/410) = 0.0698), not 1/√fan_in (0.0791).
        (Init::XavierNormal, 160, 250, (2.0f64 / 410.0).sqrt()),
        (Init::KaimingNormal, 200, 200, (2.0f64 / 200.0).sqrt()),
        (Init::KaimingNormal, 50, 800, (2.0f64 / 50.0).sqrt()),
    ];
    for (seed, (init, nin, nout, want)) in cases.into_iter().enumerate() {
        let g = Graph::new();
        let layer = Layer::new(
            &g,
            nin,
            nout,
            true,
            Activation::Relu,
            init,
            &mut rng(seed as u64),
        );
        assert_eq!(init.std(nin, nout), Some(want), "{init:?}");
        let w: Vec<f64> = layer.weight_matrix().into_iter().flatten().collect();
        assert_eq!(w.len(), 40_000);
        let (mean, std, within) = moments(&w);
        // 40,000 draws: the sample std is within 0.4 % of σ (one standard error), the mean
        // within σ/200, and a normal has 68.27 % of its mass within one σ (±0.23 %).
        assert!(
            (std / want - 1.0).abs() < 0.02,
            "{init:?} {nin}→{nout}: std {std}, want {want}"
        );
        assert!(mean.abs() < 0.02 * want, "{init:?}: mean {mean}");
        assert!(
            (within - 0.6827).abs() < 0.01,
            "{init:?}: {within} within one std"
        );
        let biases: Vec<f64> = layer
            .neurons()
            .iter()
            .map(|n| n.bias().expect("bias").data())
            .collect();
        assert!(
            biases.iter().all(|&b| b == 0.0),
            "{init:?}: biases start at 0"
        );
    }
}

#[test]
fn normal_draws_repeat_with_the_seed() {
    let draw = |seed| {
        let g = Graph::new();
        Layer::new(
            &g,
            10,
            10,
            false,
            Activation::Sigmoid,
            Init::XavierNormal,
            &mut rng(seed),
        )
        .weight_matrix()
    };
    assert_eq!(draw(7), draw(7));
    assert_ne!(draw(7), draw(8));
}

/// A network of `Mlp::builder(0)` is refused as such, not with the puzzling
/// `InputLength { expected: 0, found: 0 }`.
#[test]
fn a_network_without_inputs_says_so() {
    let g = Graph::new();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let model = Mlp::builder(0)
        .layer(2, Activation::Identity)
        .build(&g, &mut rng);
    let e = model.forward(&[]).unwrap_err();
    assert!(
        matches!(&e, scalargrad::Error::InvalidArgument { message, .. } if message.contains("no inputs")),
        "{e:?}"
    );
}
