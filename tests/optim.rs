//! Optimizers against pinned `torch.optim` trajectories (float64), every configuration option
//! covered. `data/optim_torch.csv` comes from `scripts/gen_optim_fixtures.py`.

mod common;

use common::assert_rel;
use scalargrad::optim::{Adam, AdamConfig, Optimizer, Sgd, SgdConfig};
use scalargrad::{Graph, Value};

const P0: [f64; 3] = [0.5, -1.25, 2.0];
const T: [f64; 3] = [1.0, 0.5, -1.0];
const W: [f64; 3] = [1.0, 2.0, 0.5];

/// L(p) = Σ wᵢ (pᵢ − tᵢ)² + tanh(p₀ p₁), as in the script.
fn loss<'g>(g: &'g Graph, p: &[Value<'g>]) -> Value<'g> {
    let quad = g.sum((0..3).map(|i| (p[i] - T[i]).powf(2.0) * W[i]));
    quad + (p[0] * p[1]).tanh()
}

fn make<'g>(name: &str, p: &[Value<'g>]) -> Box<dyn Optimizer + 'g> {
    let sgd = |c: SgdConfig| -> Box<dyn Optimizer + 'g> { Box::new(Sgd::new(p.to_vec(), c)) };
    let adam = |c: AdamConfig| -> Box<dyn Optimizer + 'g> { Box::new(Adam::new(p.to_vec(), c)) };
    match name {
        "sgd" => sgd(SgdConfig {
            lr: 0.1,
            ..Default::default()
        }),
        "sgd_momentum" => sgd(SgdConfig {
            lr: 0.05,
            momentum: 0.9,
            ..Default::default()
        }),
        "sgd_dampening_wd" => sgd(SgdConfig {
            lr: 0.05,
            momentum: 0.8,
            dampening: 0.3,
            weight_decay: 0.01,
            ..Default::default()
        }),
        "sgd_nesterov" => sgd(SgdConfig {
            lr: 0.05,
            momentum: 0.9,
            nesterov: true,
            ..Default::default()
        }),
        "adam" => adam(AdamConfig {
            lr: 0.01,
            ..Default::default()
        }),
        "adam_amsgrad" => adam(AdamConfig {
            lr: 0.01,
            amsgrad: true,
            ..Default::default()
        }),
        "adam_wd_betas" => adam(AdamConfig {
            lr: 0.02,
            betas: (0.8, 0.99),
            eps: 1e-6,
            weight_decay: 0.1,
            ..Default::default()
        }),
        other => panic!("optim_torch.csv names an unknown configuration {other:?}"),
    }
}

#[test]
fn optimizers_follow_pytorch_step_by_step() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/optim_torch.csv");
    let mut rows: Vec<(String, usize, [f64; 3])> = Vec::new();
    for r in csv::Reader::from_path(path)
        .expect("tests/data/optim_torch.csv")
        .records()
    {
        let r = r.expect("a record");
        let num = |k: usize| r[k].parse::<f64>().expect("a number");
        rows.push((
            r[0].to_string(),
            r[1].parse().expect("a step"),
            [num(2), num(3), num(4)],
        ));
    }
    let mut configs: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    configs.dedup();
    assert_eq!(configs.len(), 7, "{configs:?}");
    for name in &configs {
        let g = Graph::new();
        let p = g.values(&P0);
        let mut opt = make(name, &p);
        let cp = g.checkpoint();
        for (_, step, want) in rows.iter().filter(|r| &r.0 == name) {
            opt.zero_grad();
            loss(&g, &p).backward();
            opt.step();
            g.rewind(cp);
            for i in 0..3 {
                assert_rel(
                    &format!("{name} step {step} p{i}"),
                    p[i].data(),
                    want[i],
                    1e-13,
                );
            }
        }
    }
}
