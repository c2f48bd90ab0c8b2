//! The shared benchmark workloads (BENCHMARKS.md): prints one `RESULT` line per workload.
//!
//! Run: `cargo run --release --example bench -- [w1|w2|w3|w4|w5|all] [--reps N]`.
//!
//! - W1 'moons': micrograd's demo, a 2-16-16-1 ReLU MLP, 100 SGD steps on 100 points, SVM loss
//!   plus L2; seconds per step. Rebuilds the graph every step (the path the docs teach), and
//!   as `w1-fused` with each neuron's weighted sum as one node (`Mlp::fused`).
//! - W2 'xor': the tutorial's 2-4-2 network, 10,000 Adam (amsgrad) epochs; total seconds,
//!   rebuilding every epoch and, as `w2-replay`, building once and replaying; `-fused` rows
//!   build each weighted sum as one `Graph::dot` node.
//! - W3 'chain': 10⁶ op nodes `v = tanh(v) · 1.0001`; ns per op node, cold and warm.
//! - W4 'wide': 10⁶ products summed; ns per op node, cold and warm.
//! - W5 'digits': one epoch of `digits_train` (64-32-10 tanh, Adam, batches of 32); seconds
//!   per epoch, rebuilt every batch, and as `w5-fused` with fused neurons.
//!
//! Check values are printed as Python's `%.12e`, to compare with WORKLOADS.md.

use std::path::Path;
use std::time::Instant;

use rand::SeedableRng;
use scalargrad::data::Labeled;
use scalargrad::loss::{Reduction, Target, cross_entropy, hinge};
use scalargrad::nn::{Activation, Mlp, Module};
use scalargrad::optim::{Adam, AdamConfig, Optimizer, Sgd, SgdConfig};
use scalargrad::{Graph, Value};

/// `%.12e` as C and Python print it: `1.732068128191e-02`.
fn sci(x: f64) -> String {
    let s = format!("{x:.12e}");
    let (m, e) = s.split_once('e').expect("an exponent");
    let e: i32 = e.parse().expect("an integer exponent");
    format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
}

fn median(xs: &[f64]) -> f64 {
    let mut xs = xs.to_vec();
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        0.5 * (xs[n / 2 - 1] + xs[n / 2])
    }
}

fn reps_list(xs: &[f64], digits: usize) -> String {
    xs.iter()
        .map(|x| format!("{x:.digits$}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn data_file(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("benches/data")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn numbers(text: &str) -> Vec<f64> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.trim().parse().expect("a number"))
        .collect()
}

// ---------------------------------------------------------------- W1

struct Moons {
    x: Vec<[f64; 2]>,
    y: Vec<f64>,
    init: Vec<f64>,
}

fn moons() -> Moons {
    let mut x = Vec::new();
    let mut y = Vec::new();
    for line in data_file("moons.csv").lines().skip(1) {
        let f: Vec<f64> = line
            .split(',')
            .map(|c| c.parse().expect("a number"))
            .collect();
        x.push([f[0], f[1]]);
        y.push(f[2]);
    }
    Moons {
        x,
        y,
        init: numbers(&data_file("w1_init.txt")),
    }
}

/// 100 steps; returns (seconds per step, loss at step 0, loss at step 99, accuracy at 99).
fn w1_once(m: &Moons, fused: bool) -> (f64, f64, f64, usize) {
    let g = Graph::with_capacity(70_000);
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(0);
    let model = Mlp::builder(2)
        .layer(16, Activation::Relu)
        .layer(16, Activation::Relu)
        .layer(1, Activation::Identity)
        .build(&g, &mut rng)
        .fused(fused);
    model.set_parameter_values(&m.init).expect("337 parameters");
    let params = model.parameters();
    let mut sgd = Sgd::new(
        params.clone(),
        SgdConfig {
            lr: 1.0,
            ..SgdConfig::default()
        },
    );
    let cp = g.checkpoint();
    let (mut first, mut last, mut correct) = (0.0, 0.0, 0);
    let start = Instant::now();
    for k in 0..100 {
        let scores: Vec<Value<'_>> =
            m.x.iter()
                .map(|x| {
                    model
                        .forward(&[g.value(x[0]), g.value(x[1])])
                        .expect("2 inputs")[0]
                })
                .collect();
        let data_loss = hinge(&scores, &m.y).expect("100 scores");
        let reg = g.sum(params.iter().map(|&p| p * p)) * 1e-4;
        let total = data_loss + reg;
        sgd.zero_grad();
        total.backward();
        sgd.config.lr = 1.0 - 0.9 * f64::from(k) / 100.0;
        sgd.step();
        if k == 0 {
            first = total.data();
        }
        if k == 99 {
            last = total.data();
            correct = scores
                .iter()
                .zip(&m.y)
                .filter(|(s, y)| (s.data() > 0.0) == (**y > 0.0))
                .count();
        }
        g.rewind(cp);
    }
    (start.elapsed().as_secs_f64() / 100.0, first, last, correct)
}

fn w1(reps: usize) {
    let m = moons();
    // The teaching path (one node per × and +), then the fused-neuron fast path.
    for fused in [false, true] {
        let runs: Vec<(f64, f64, f64, usize)> = (0..reps).map(|_| w1_once(&m, fused)).collect();
        let secs: Vec<f64> = runs.iter().map(|r| r.0).collect();
        let (_, l0, l99, acc) = runs[runs.len() - 1];
        assert_eq!(sci(l0), "9.128546778969e-01", "W1 loss at step 0");
        assert_eq!(sci(l99), "1.180543291408e-02", "W1 loss at step 99");
        assert_eq!(acc, 100, "W1 accuracy at step 99");
        println!(
            "RESULT engine=scalargrad workload=w1{} metric=s_per_step value={:.6e} ops=65075 reps={} loss0={} loss_last={} acc={acc}/100",
            if fused { "-fused" } else { "" },
            median(&secs),
            reps_list(&secs, 7),
            sci(l0),
            sci(l99)
        );
    }
}

// ---------------------------------------------------------------- W2

const W2_SAMPLES: [([f64; 2], usize); 4] = [
    ([0.0, 0.0], 0),
    ([0.0, 1.0], 1),
    ([1.0, 0.0], 1),
    ([1.0, 1.0], 0),
];

/// One epoch's loss, built with the canonical ops of WORKLOADS.md (148 op nodes).
/// With `fused`, each weighted sum is one `Graph::dot` node (same numbers to the bit).
fn w2_loss<'g>(g: &'g Graph, w1: &[Value<'g>], w2: &[Value<'g>], fused: bool) -> Value<'g> {
    let mut total: Option<Value<'g>> = None;
    for (x, y) in W2_SAMPLES {
        let (x0, x1) = (g.value(x[0]), g.value(x[1]));
        // Arrays, not Vecs: no allocation per sample.
        let h: [Value<'g>; 4] = std::array::from_fn(|j| {
            let w = &w1[2 * j..2 * j + 2];
            let s = if fused {
                g.dot(None, w, &[x0, x1])
            } else {
                w[0] * x0 + w[1] * x1
            };
            s.sigmoid()
        });
        let o: [Value<'g>; 2] = std::array::from_fn(|k| {
            let w = &w2[4 * k..4 * k + 4];
            if fused {
                g.dot(None, w, &h)
            } else {
                (1..4).fold(w[0] * h[0], |acc, j| acc + w[j] * h[j])
            }
        });
        let e = [o[0].exp(), o[1].exp()];
        let l = -(e[y] / (e[0] + e[1])).ln();
        total = Some(total.map_or(l, |t| t + l));
    }
    total.expect("four samples") * 0.25
}

/// 10,000 epochs; returns (seconds, loss at epoch 0, loss at epoch 9,999).
fn w2_once(init: &[f64], replay: bool, fused: bool) -> (f64, f64, f64) {
    let g = Graph::with_capacity(256);
    let w: Vec<Value<'_>> = g.values(init);
    let (w1, w2) = w.split_at(8);
    let mut adam = Adam::new(
        w.clone(),
        AdamConfig {
            amsgrad: true,
            ..AdamConfig::default()
        },
    );
    let cp = g.checkpoint();
    let (mut first, mut last) = (0.0, 0.0);
    let start = Instant::now();
    let mut built = None;
    for epoch in 0..10_000 {
        let loss = if replay {
            // Build once; later epochs recompute the same graph in place with the new weights.
            match built {
                None => *built.insert(w2_loss(&g, w1, w2, fused)),
                Some(l) => {
                    g.recompute(cp);
                    l
                }
            }
        } else {
            w2_loss(&g, w1, w2, fused)
        };
        adam.zero_grad();
        loss.backward();
        adam.step();
        if epoch == 0 {
            first = loss.data();
        }
        if epoch == 9_999 {
            last = loss.data();
        }
        if !replay {
            g.rewind(cp);
        }
    }
    (start.elapsed().as_secs_f64(), first, last)
}

fn w2(reps: usize) {
    let init = numbers(&data_file("w2_init.txt"));
    for (replay, fused, name) in [
        (false, false, "w2"),
        (true, false, "w2-replay"),
        (false, true, "w2-fused"),
        (true, true, "w2-fused-replay"),
    ] {
        let runs: Vec<(f64, f64, f64)> = (0..reps).map(|_| w2_once(&init, replay, fused)).collect();
        let secs: Vec<f64> = runs.iter().map(|r| r.0).collect();
        let (_, l0, l_last) = runs[runs.len() - 1];
        assert_eq!(sci(l0), "7.103683591605e-01", "W2 loss at epoch 0");
        assert_eq!(sci(l_last), "1.373942350372e-02", "W2 loss at epoch 9999");
        println!(
            "RESULT engine=scalargrad workload={name} metric=s_total value={:.6e} ops=1480000 reps={} loss0={} loss_last={}",
            median(&secs),
            reps_list(&secs, 6),
            sci(l0),
            sci(l_last)
        );
    }
}

// ---------------------------------------------------------------- W3, W4

/// Timings of one W3/W4 run, in ns per op node, and its two check values.
#[derive(Clone, Copy)]
struct Run {
    total: f64,
    fwd: f64,
    bwd: f64,
    free: f64,
    checks: (f64, f64),
}

/// W3 'chain': from creating `x` to the end of backward.
fn w3_body(g: &Graph) -> Run {
    const OPS: f64 = 1_000_000.0;
    let t0 = Instant::now();
    let x = g.value(0.5);
    let mut v = x;
    for _ in 0..500_000 {
        v = v.tanh() * 1.0001;
    }
    let t1 = Instant::now();
    v.backward();
    let t2 = Instant::now();
    Run {
        total: (t2 - t0).as_nanos() as f64 / OPS,
        fwd: (t1 - t0).as_nanos() as f64 / OPS,
        bwd: (t2 - t1).as_nanos() as f64 / OPS,
        free: 0.0,
        checks: (v.data(), x.grad()),
    }
}

/// W4 'wide': 10⁶ `a` leaves, 10⁶ `b` leaves, their products summed, backward. `handles`
/// holds the leaves' handles; a warm run passes one it already used.
fn w4_body<'g>(g: &'g Graph, a: &[f64], b: &[f64], handles: &mut Vec<Value<'g>>) -> Run {
    const OPS: f64 = 1_999_999.0;
    let n = a.len();
    handles.clear();
    let t0 = Instant::now();
    handles.extend(a.iter().chain(b).map(|&x| g.value(x)));
    let (av, bv) = handles.split_at(n);
    let mut s = av[0] * bv[0];
    for i in 1..n {
        s = s + av[i] * bv[i];
    }
    let t1 = Instant::now();
    s.backward();
    let t2 = Instant::now();
    let gradsum: f64 = handles.iter().map(|v| v.grad()).sum();
    Run {
        total: (t2 - t0).as_nanos() as f64 / OPS,
        fwd: (t1 - t0).as_nanos() as f64 / OPS,
        bwd: (t2 - t1).as_nanos() as f64 / OPS,
        free: 0.0,
        checks: (s.data(), gradsum),
    }
}

fn print_runs(name: &str, ops: u64, runs: &[Run], labels: (&str, &str), expect: (&str, &str)) {
    let last = runs[runs.len() - 1].checks;
    assert_eq!(sci(last.0), expect.0, "{name} {}", labels.0);
    assert_eq!(sci(last.1), expect.1, "{name} {}", labels.1);
    let pick = |f: fn(&Run) -> f64| median(&runs.iter().map(f).collect::<Vec<_>>());
    let totals: Vec<f64> = runs.iter().map(|r| r.total).collect();
    println!(
        "RESULT engine=scalargrad workload={name} metric=ns_per_node value={:.3} ops={ops} reps={} {}={} {}={} fwd_ns={:.3} bwd_ns={:.3} free_ns={:.3}",
        median(&totals),
        reps_list(&totals, 3),
        labels.0,
        sci(last.0),
        labels.1,
        sci(last.1),
        pick(|r| r.fwd),
        pick(|r| r.bwd),
        pick(|r| r.free),
    );
}

/// Cold: a fresh graph per repetition, dropped (and timed apart) after. Warm: one graph,
/// cleared between repetitions, so its storage is reused; the first repetition is not counted.
fn cold_and_warm(
    name: &str,
    ops: u64,
    reps: usize,
    body: &dyn Fn(&Graph) -> Run,
    labels: (&str, &str),
    expect: (&str, &str),
) {
    let cold: Vec<Run> = (0..reps)
        .map(|_| {
            let g = Graph::new();
            let mut run = body(&g);
            let t = Instant::now();
            drop(g);
            run.free = t.elapsed().as_nanos() as f64 / ops as f64;
            run
        })
        .collect();
    print_runs(name, ops, &cold, labels, expect);
    let g = Graph::new();
    let _ = body(&g);
    let warm: Vec<Run> = (0..reps)
        .map(|_| {
            g.clear();
            body(&g)
        })
        .collect();
    print_runs(&format!("{name}-warm"), ops, &warm, labels, expect);
}

fn w3(reps: usize) {
    cold_and_warm(
        "w3",
        1_000_000,
        reps,
        &w3_body,
        ("out", "dx"),
        ("1.732068128191e-02", "1.509836697940e-48"),
    );
}

fn w4(reps: usize) {
    let n = 1_000_000u32;
    let a: Vec<f64> = (0..n).map(|i| f64::from(i % 1000) / 1000.0 - 0.5).collect();
    let b: Vec<f64> = (0..n).map(|i| f64::from(i % 997) / 997.0 - 0.5).collect();
    let expect = ("2.420679879641e+02", "-1.005963891675e+03");
    let labels = ("out", "gradsum");
    let cold: Vec<Run> = (0..reps)
        .map(|_| {
            let g = Graph::new();
            let mut handles = Vec::new();
            let mut run = w4_body(&g, &a, &b, &mut handles);
            let t = Instant::now();
            drop(handles);
            drop(g);
            run.free = t.elapsed().as_nanos() as f64 / 1_999_999.0;
            run
        })
        .collect();
    print_runs("w4", 1_999_999, &cold, labels, expect);
    let g = Graph::new();
    let mut handles = Vec::new();
    let _ = w4_body(&g, &a, &b, &mut handles);
    let warm: Vec<Run> = (0..reps)
        .map(|_| {
            g.clear();
            w4_body(&g, &a, &b, &mut handles)
        })
        .collect();
    print_runs("w4-warm", 1_999_999, &warm, labels, expect);
}

// ---------------------------------------------------------------- W5

/// W5 'digits': one epoch of `digits_train` (64-32-10 tanh MLP, softmax cross-entropy, Adam
/// lr 0.01, 45 batches of 32 over the 1,438 training digits, split and batches from seed 0).
/// Returns (seconds, CPU seconds of this thread, mean training loss of the epoch, op nodes
/// built).
fn w5_once(train: &Labeled, fused: bool) -> (f64, f64, f64, usize) {
    let g = Graph::with_capacity(200_000);
    let mut init = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(0);
    let model = Mlp::builder(64)
        .layer(32, Activation::Tanh)
        .layer(10, Activation::Identity)
        .build(&g, &mut init)
        .fused(fused);
    let mut adam = Adam::new(
        model.parameters(),
        AdamConfig {
            lr: 0.01,
            ..AdamConfig::default()
        },
    );
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(0);
    let batches = train.batches(32, &mut rng).expect("a batch size of 32");
    let cp = g.checkpoint();
    let (mut loss_sum, mut nodes) = (0.0, 0);
    let cpu = thread_cpu_seconds();
    let start = Instant::now();
    for batch in &batches {
        let logits: Vec<Vec<Value<'_>>> = batch
            .iter()
            .map(|&r| {
                model
                    .forward(&g.values(&train.features[r]))
                    .expect("64 inputs")
            })
            .collect();
        let labels: Vec<usize> = batch.iter().map(|&r| train.labels[r]).collect();
        let loss = cross_entropy(&logits, Target::Classes(&labels), Reduction::Mean)
            .expect("one label per row");
        adam.zero_grad();
        loss.backward();
        adam.step();
        loss_sum += loss.data() * batch.len() as f64;
        nodes += g.node_count() - cp.len();
        g.rewind(cp);
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu = thread_cpu_seconds() - cpu;
    (secs, cpu, loss_sum / train.len() as f64, nodes)
}

/// The CPU time this thread has run, from `/proc/thread-self/schedstat` (Linux; 0 elsewhere).
/// On a loaded machine it is steadier than the wall clock.
fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0.0, |ns| ns as f64 * 1e-9)
}

fn w5(reps: usize) {
    let names: Vec<String> = (0..64).map(|i| format!("p{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/digits.csv");
    let mut data = Labeled::from_csv(&path, &names, "label", 10).unwrap_or_else(|e| panic!("{e}"));
    data.scale(1.0 / 16.0);
    let (train, _) = data.split_stratified(0.2, 0).expect("a fraction in (0, 1)");
    // The canonical op count: one node per × and + (the unfused graph).
    let ops = w5_once(&train, false).3;
    for (fused, name) in [(false, "w5"), (true, "w5-fused")] {
        let runs: Vec<(f64, f64, f64, usize)> = (0..reps).map(|_| w5_once(&train, fused)).collect();
        let secs: Vec<f64> = runs.iter().map(|r| r.0).collect();
        let cpu: Vec<f64> = runs.iter().map(|r| r.1).collect();
        let (_, _, loss, built) = runs[runs.len() - 1];
        // digits_train's first epoch: "epoch 0 : loss 1.1949429440869934"
        assert_eq!(sci(loss), "1.194942944087e+00", "W5 mean loss of the epoch");
        println!(
            "RESULT engine=scalargrad workload={name} metric=s_per_epoch value={:.6e} cpu_s={:.6e} ops={ops} nodes_built={built} mops_per_s={:.2} reps={} loss={}",
            median(&secs),
            median(&cpu),
            ops as f64 / median(&secs) / 1e6,
            reps_list(&secs, 6),
            sci(loss)
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut reps = 7;
    let mut which = "all".to_string();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--reps" => {
                reps = it
                    .next()
                    .and_then(|r| r.parse().ok())
                    .filter(|&r| r > 0)
                    .unwrap_or_else(|| {
                        eprintln!("bench: --reps takes a positive whole number");
                        std::process::exit(2);
                    });
            }
            "--bench" => {} // passed by `cargo bench`; ignored
            w @ ("w1" | "w2" | "w3" | "w4" | "w5" | "all") => which = w.to_string(),
            other => {
                eprintln!(
                    "bench: unknown argument {other:?}\nusage: bench [w1|w2|w3|w4|w5|all] [--reps N]"
                );
                std::process::exit(2);
            }
        }
    }
    println!(
        "# scalargrad {} | node size {} bytes | {reps} repetitions per workload",
        env!("CARGO_PKG_VERSION"),
        Graph::node_size()
    );
    let run = |w: &str| match w {
        "w1" => w1(reps),
        "w2" => w2(reps),
        "w3" => w3(reps),
        "w4" => w4(reps),
        _ => w5(reps),
    };
    if which == "all" {
        for w in ["w1", "w2", "w3", "w4", "w5"] {
            run(w);
        }
    } else {
        run(&which);
    }
}
