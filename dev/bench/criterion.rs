//! Criterion benchmarks of the building blocks: one op, backward on a chain, one training step
//! of the tutorial's XOR network (rebuilt, fused, and replayed). `cargo bench -p scalargrad-dev`.
//!
//! The shared end-to-end workloads (W1–W5) are in `main.rs` beside this file.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use scalargrad::Graph;
use scalargrad::loss::{Reduction, Target, cross_entropy};
use scalargrad::nn::{Activation, Mlp, Module};
use scalargrad::optim::{Adam, AdamConfig, Optimizer};
use scalargrad::rand::{self, SeedableRng};

fn ops(c: &mut Criterion) {
    let g = Graph::with_capacity(1 << 16);
    let a = g.value(0.3);
    let b = g.value(-1.2);
    let cp = g.checkpoint();
    c.bench_function("op: 1000 × (a * b + a).tanh()", |bench| {
        bench.iter(|| {
            for _ in 0..1000 {
                black_box((black_box(a) * black_box(b) + a).tanh());
            }
            g.rewind(cp);
        });
    });
}

fn chain_backward(c: &mut Criterion) {
    let g = Graph::with_capacity(20_001);
    let x = g.value(0.5);
    let v = (0..10_000).fold(x, |v, _| v.tanh() * 1.0001);
    c.bench_function("backward: 20,000-node chain", |bench| {
        bench.iter(|| {
            x.zero_grad();
            v.backward();
            black_box(x.grad())
        });
    });
}

/// The tutorial's 2-4-2 network (sigmoid, no biases) and its Adam (amsgrad) optimizer.
fn xor_model(g: &Graph, fused: bool) -> (Mlp<'_>, Adam<'_>) {
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(0);
    let model = Mlp::builder(2)
        .layer(4, Activation::Sigmoid)
        .layer(2, Activation::Identity)
        .bias(false)
        .build(g, &mut rng)
        .fused(fused);
    let adam = Adam::new(
        model.parameters(),
        AdamConfig {
            amsgrad: true,
            ..Default::default()
        },
    )
    .expect("valid Adam config");
    (model, adam)
}

fn xor_step(c: &mut Criterion) {
    let x = [[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0]];
    let t = [0usize, 1, 0, 1];
    for fused in [false, true] {
        let g = Graph::new();
        let (model, mut adam) = xor_model(&g, fused);
        let cp = g.checkpoint();
        let name = if fused {
            "xor step: rebuild, fused neurons"
        } else {
            "xor step: rebuild"
        };
        c.bench_function(name, |bench| {
            bench.iter(|| {
                let preds: Vec<_> = x
                    .iter()
                    .map(|xi| model.forward(&g.values(xi)).unwrap())
                    .collect();
                let loss = cross_entropy(&preds, Target::Classes(&t), Reduction::Mean).unwrap();
                adam.zero_grad();
                loss.backward();
                adam.step();
                g.rewind(cp);
            });
        });
    }

    let g = Graph::new();
    let (model, mut adam) = xor_model(&g, true);
    let cp = g.checkpoint();
    let preds: Vec<_> = x
        .iter()
        .map(|xi| model.forward(&g.values(xi)).unwrap())
        .collect();
    let loss = cross_entropy(&preds, Target::Classes(&t), Reduction::Mean).unwrap();
    c.bench_function("xor step: replay, fused neurons", |bench| {
        bench.iter(|| {
            g.recompute(cp);
            adam.zero_grad();
            loss.backward();
            adam.step();
        });
    });
}

criterion_group!(benches, ops, chain_backward, xor_step);
criterion_main!(benches);
