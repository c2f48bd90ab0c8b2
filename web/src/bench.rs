//! W1 and W2 of `dev/bench/main.rs` (BENCHMARKS.md), on the path the docs teach (the graph
//! rebuilt every step), so that the engine in the browser can be timed against the native
//! build on the same work. No clock here: WebAssembly without imports has none, so the
//! caller times [`run`] (`performance.now()` in the page, `Instant` natively).

use rand::SeedableRng;
use scalargrad::loss::hinge;
use scalargrad::nn::{Activation, Mlp, Module};
use scalargrad::optim::{Adam, AdamConfig, Optimizer, Sgd, SgdConfig};
use scalargrad::{Graph, Value, rand};

const MOONS: &str = include_str!("../../benches/data/moons.csv");
const W1_INIT: &str = include_str!("../../benches/data/w1_init.txt");
const W2_INIT: &str = include_str!("../../benches/data/w2_init.txt");

fn numbers(text: &str) -> Vec<f64> {
    text.lines().filter_map(|l| l.trim().parse().ok()).collect()
}

/// Runs one workload once: `{"workload", "first", "last"}` with the losses at the first and
/// last step (BENCHMARKS.md gives the expected ones).
///
/// # Errors
/// An unknown workload name.
pub fn run(workload: &str) -> Result<String, String> {
    let (first, last) = match workload {
        "w1" => w1(),
        "w2" => w2(),
        other => return Err(format!("unknown workload `{other}` (w1, w2)")),
    };
    Ok(format!(
        "{{\"workload\":\"{workload}\",\"first\":{first:?},\"last\":{last:?}}}"
    ))
}

/// W1 'moons': a 2-16-16-1 ReLU MLP, 100 SGD steps on 100 points, SVM loss plus L2.
#[must_use]
pub fn w1() -> (f64, f64) {
    let mut x = Vec::new();
    let mut y = Vec::new();
    for line in MOONS.lines().skip(1) {
        let f: Vec<f64> = line.split(',').filter_map(|c| c.parse().ok()).collect();
        if f.len() == 3 {
            x.push([f[0], f[1]]);
            y.push(f[2]);
        }
    }
    let g = Graph::with_capacity(70_000);
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(0);
    let model = Mlp::builder(2)
        .layer(16, Activation::Relu)
        .layer(16, Activation::Relu)
        .layer(1, Activation::Identity)
        .build(&g, &mut rng);
    let Ok(()) = model.set_parameter_values(&numbers(W1_INIT)) else {
        return (f64::NAN, f64::NAN);
    };
    let params = model.parameters();
    let Ok(mut sgd) = Sgd::new(
        params.clone(),
        SgdConfig {
            lr: 1.0,
            ..SgdConfig::default()
        },
    ) else {
        return (f64::NAN, f64::NAN);
    };
    let cp = g.checkpoint();
    let (mut first, mut last) = (0.0, 0.0);
    for k in 0..100 {
        let scores: Vec<Value<'_>> = x
            .iter()
            .filter_map(|x| {
                model
                    .forward(&[g.value(x[0]), g.value(x[1])])
                    .ok()
                    .map(|o| o[0])
            })
            .collect();
        let Ok(data_loss) = hinge(&scores, &y) else {
            return (f64::NAN, f64::NAN);
        };
        let reg = g.sum(params.iter().map(|&p| p * p)) * 1e-4;
        let total = data_loss + reg;
        sgd.zero_grad();
        total.backward();
        sgd.config.lr = 1.0 - 0.9 * f64::from(k) / 100.0;
        sgd.step();
        if k == 0 {
            first = total.data();
        }
        last = total.data();
        g.rewind(cp);
    }
    (first, last)
}

const W2_SAMPLES: [([f64; 2], usize); 4] = [
    ([0.0, 0.0], 0),
    ([0.0, 1.0], 1),
    ([1.0, 0.0], 1),
    ([1.0, 1.0], 0),
];

/// W2 'xor': the tutorial's 2-4-2 network, 10,000 Adam (amsgrad) epochs, rebuilt each epoch.
#[must_use]
pub fn w2() -> (f64, f64) {
    let g = Graph::with_capacity(256);
    let w: Vec<Value<'_>> = g.values(&numbers(W2_INIT));
    if w.len() < 16 {
        return (f64::NAN, f64::NAN);
    }
    let (w1, w2) = w.split_at(8);
    let Ok(mut adam) = Adam::new(
        w.clone(),
        AdamConfig {
            amsgrad: true,
            ..AdamConfig::default()
        },
    ) else {
        return (f64::NAN, f64::NAN);
    };
    let cp = g.checkpoint();
    let (mut first, mut last) = (0.0, 0.0);
    for epoch in 0..10_000 {
        let mut total: Option<Value<'_>> = None;
        for (x, y) in W2_SAMPLES {
            let (x0, x1) = (g.value(x[0]), g.value(x[1]));
            let h: [Value<'_>; 4] = std::array::from_fn(|j| {
                let w = &w1[2 * j..2 * j + 2];
                (w[0] * x0 + w[1] * x1).sigmoid()
            });
            let o: [Value<'_>; 2] = std::array::from_fn(|k| {
                let w = &w2[4 * k..4 * k + 4];
                (1..4).fold(w[0] * h[0], |acc, j| acc + w[j] * h[j])
            });
            let e = [o[0].exp(), o[1].exp()];
            let l = -(e[y] / (e[0] + e[1])).ln();
            total = Some(total.map_or(l, |t| t + l));
        }
        let Some(total) = total else {
            return (f64::NAN, f64::NAN);
        };
        let loss = total * 0.25;
        adam.zero_grad();
        loss.backward();
        adam.step();
        if epoch == 0 {
            first = loss.data();
        }
        last = loss.data();
        g.rewind(cp);
    }
    (first, last)
}
