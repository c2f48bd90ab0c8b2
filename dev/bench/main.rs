//! The shared benchmark workloads (BENCHMARKS.md): prints one `RESULT` line per workload.
//!
//! Run: `cargo run --release -p scalargrad-dev --bin bench -- [w1|w1-threads|w2|w3|w4|w5|all] [--reps N]`
//! (`-- --help` lists the options). After the `RESULT` lines it prints a summary in the README's units.
//!
//! The workloads are named W1–W5 ("workload W1"), not to be confused with the tutorial's weight
//! matrix `W1`.
//!
//! - W1 'moons': micrograd's demo, a 2-16-16-1 ReLU MLP, 100 SGD steps on 100 points, SVM loss
//!   plus L2; seconds per step. Rebuilds the graph every step (the path the docs teach), and
//!   as `w1-fused` with each neuron's weighted sum as one node (`Mlp::fused`).
//! - W2 'xor': the tutorial's 2-4-2 network, 10,000 Adam (amsgrad) epochs; total seconds,
//!   rebuilding every epoch and, as `w2-replay`, building once and replaying; `-fused` rows
//!   build each weighted sum as one `Graph::weighted_sum` node.
//! - W3 'chain': 10⁶ op nodes `v = tanh(v) · 1.0001`; ns per op node, cold and warm; then
//!   `grad` (`w3-grad`) and forward mode (`w3-jvp`: `jvp`, and `jvp_values`) on the chain.
//! - W4 'wide': 10⁶ products summed; ns per op node, cold and warm.
//! - W5 'digits': one epoch of `digits_train` (64-32-10 tanh, Adam, batches of 32); seconds
//!   per epoch, rebuilt every batch, and as `w5-fused` with fused neurons.
//!
//! Check values are printed as Python's `%.12e`, to compare with WORKLOADS.md.
//!
//! The `RATIO` lines against the flat-arena reference move with the code layout of each build
//! on small VMs (BENCHMARKS.md, "Noise and code layout"); `dev/bench/instructions.sh` counts the
//! same rows in instructions, which the layout does not change.

use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use clap::Parser;
use scalargrad::data::Labeled;
use scalargrad::loss::{Reduction, Target, cross_entropy, hinge};
use scalargrad::nn::{Activation, Mlp, Module};
use scalargrad::optim::{Adam, AdamConfig, Optimizer, Sgd, SgdConfig};
use scalargrad::rand::{self, SeedableRng};
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

/// The median of the per-repetition ratios `num[i] / den[i]`. Repetitions are interleaved,
/// so each pair ran seconds apart; when the machine changes speed in the middle of a run (it
/// does, on small VMs), the ratio of the two medians can pair a fast repetition with a slow
/// one, and the median of the pairs does not.
fn paired_ratio(num: &[f64], den: &[f64]) -> f64 {
    let ratios: Vec<f64> = num.iter().zip(den).map(|(n, d)| n / d).collect();
    median(&ratios)
}

fn reps_list(xs: &[f64], digits: usize) -> String {
    xs.iter()
        .map(|x| format!("{x:.digits$}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn data_file(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../benches/data")
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

// The rows that `dev/bench/instructions.sh` counts, each under a name of its own (callgrind's
// `--toggle-collect` matches names, and generic instances share one).

/// [`w1_once`] on the path the docs teach.
#[inline(never)]
fn w1_rebuilt_once(m: &Moons) -> (f64, f64, f64, usize) {
    w1_once(m, false)
}

/// [`w1_once`] with each neuron's weighted sum as one node.
#[inline(never)]
fn w1_fused_once(m: &Moons) -> (f64, f64, f64, usize) {
    w1_once(m, true)
}

/// [`w2_once`] rebuilt every epoch, each weighted sum one `Graph::weighted_sum` node.
#[inline(never)]
fn w2_fused_once(init: &[f64]) -> (f64, f64, f64) {
    w2_once::<false, true>(init)
}

/// [`w5_once`] on the path the docs teach.
#[inline(never)]
fn w5_rebuilt_once(train: &Labeled) -> (f64, f64, f64, usize) {
    w5_once(train, false)
}

/// [`w5_once`] with fused neurons.
#[inline(never)]
fn w5_fused_once(train: &Labeled) -> (f64, f64, f64, usize) {
    w5_once(train, true)
}

/// [`w2_once`] rebuilt every epoch, one node per op.
#[inline(never)]
fn w2_rebuilt_once(init: &[f64]) -> (f64, f64, f64) {
    w2_once::<false, false>(init)
}

/// [`w2_once`] built once and replayed.
#[inline(never)]
fn w2_replay_once(init: &[f64]) -> (f64, f64, f64) {
    w2_once::<true, false>(init)
}

/// 100 steps; returns (seconds per step, loss at step 0, loss at step 99, accuracy at 99).
#[inline(never)]
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
    )
    .expect("valid Sgd config");
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
    // Interleaved repetitions (reference, rebuilt, fused, reference, …), so that a busy
    // machine slows each row alike and the ratios stay meaningful.
    let mut all: [Vec<(f64, f64, f64, usize)>; 3] = Default::default();
    for _ in 0..reps {
        all[0].push(w1_reference_once(&m));
        all[1].push(w1_rebuilt_once(&m));
        all[2].push(w1_fused_once(&m));
    }
    let runs = &all[0];
    let reference_secs: Vec<f64> = runs.iter().map(|r| r.0).collect();
    let secs = &reference_secs;
    let reference = median(secs);
    let (_, l0, l99, acc) = runs[runs.len() - 1];
    assert_eq!(sci(l0), "9.128546778969e-01", "W1 reference loss at step 0");
    assert_eq!(
        sci(l99),
        "1.180543291408e-02",
        "W1 reference loss at step 99"
    );
    assert_eq!(acc, 100, "W1 reference accuracy");
    record("w1 reference", "s_per_step", reference);
    println!(
        "RESULT engine=reference-arena workload=w1 metric=s_per_step value={:.6e} ops=65075 reps={}",
        median(secs),
        reps_list(secs, 7)
    );
    // The teaching path (one node per × and +), then the fused-neuron fast path.
    for fused in [false, true] {
        let runs = &all[1 + usize::from(fused)];
        let secs: Vec<f64> = runs.iter().map(|r| r.0).collect();
        let (_, l0, l99, acc) = runs[runs.len() - 1];
        assert_eq!(sci(l0), "9.128546778969e-01", "W1 loss at step 0");
        assert_eq!(sci(l99), "1.180543291408e-02", "W1 loss at step 99");
        assert_eq!(acc, 100, "W1 accuracy at step 99");
        record(
            if fused { "w1-fused" } else { "w1" },
            "s_per_step",
            median(&secs),
        );
        println!(
            "RESULT engine=scalargrad workload=w1{} metric=s_per_step value={:.6e} ops=65075 reps={} loss0={} loss_last={} acc={acc}/100",
            if fused { "-fused" } else { "" },
            median(&secs),
            reps_list(&secs, 7),
            sci(l0),
            sci(l99)
        );
        println!(
            "RATIO workload=w1{} scalargrad/reference={:.3}{} (ratio of the medians {:.3})",
            if fused { "-fused" } else { "" },
            paired_ratio(&secs, &reference_secs),
            if fused { "" } else { " target<=1.25" },
            median(&secs) / reference,
        );
    }
}

// ---------------------------------------------------------------- W1, data-parallel

/// The moons batch in `CHUNKS` fixed chunks of 50 points: the unit of work of `w1-threads`.
const CHUNKS: usize = 2;

/// One chunk's share of a W1 step: its summed hinge loss, the gradient of that sum with
/// respect to every parameter, and how many of its points are classified correctly.
struct ChunkResult {
    loss_sum: f64,
    grads: Vec<f64>,
    correct: usize,
}

/// A worker: owns a graph with its own copy of the model, and for each parameter vector it is
/// sent, computes its chunks, one backward each.
fn w1_worker(
    m: &Moons,
    chunks: &[usize],
    params: &std::sync::mpsc::Receiver<Vec<f64>>,
    results: &std::sync::mpsc::Sender<(usize, ChunkResult)>,
) {
    let g = Graph::with_capacity(40_000);
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(0);
    let model = Mlp::builder(2)
        .layer(16, Activation::Relu)
        .layer(16, Activation::Relu)
        .layer(1, Activation::Identity)
        .build(&g, &mut rng);
    let handles = model.parameters();
    let cp = g.checkpoint();
    let per_chunk = m.x.len() / CHUNKS;
    while let Ok(values) = params.recv() {
        model.set_parameter_values(&values).expect("337 parameters");
        for &c in chunks {
            for p in &handles {
                p.zero_grad();
            }
            let range = c * per_chunk..(c + 1) * per_chunk;
            let scores: Vec<Value<'_>> = m.x[range.clone()]
                .iter()
                .map(|x| {
                    model
                        .forward(&[g.value(x[0]), g.value(x[1])])
                        .expect("2 inputs")[0]
                })
                .collect();
            let losses = scores
                .iter()
                .zip(&m.y[range.clone()])
                .map(|(&s, &y)| (s * -y + 1.0).relu());
            let sum = g.sum(losses);
            sum.backward();
            let correct = scores
                .iter()
                .zip(&m.y[range])
                .filter(|(s, y)| (s.data() > 0.0) == (**y > 0.0))
                .count();
            let result = ChunkResult {
                loss_sum: sum.data(),
                grads: handles.iter().map(|p| p.grad()).collect(),
                correct,
            };
            g.rewind(cp);
            if results.send((c, result)).is_err() {
                return;
            }
        }
    }
}

/// W1 split across `workers` threads, each with its own graph (a `Graph` is `Send`, so each
/// worker builds its own); the chunks' losses and gradients are summed in chunk order, so the
/// result does not depend on the number of workers. Returns (seconds per step, every step's
/// loss, accuracy at step 99).
fn w1_threads_once(m: &Moons, workers: usize) -> (f64, Vec<f64>, usize) {
    use std::sync::mpsc;
    let mut params = m.init.clone();
    let mut losses = Vec::with_capacity(100);
    let mut correct = 0;
    let mut elapsed = 0.0;
    std::thread::scope(|s| {
        let (result_tx, result_rx) = mpsc::channel();
        let senders: Vec<mpsc::Sender<Vec<f64>>> = (0..workers)
            .map(|w| {
                let (tx, rx) = mpsc::channel();
                let results = result_tx.clone();
                let chunks: Vec<usize> = (w..CHUNKS).step_by(workers).collect();
                s.spawn(move || w1_worker(m, &chunks, &rx, &results));
                tx
            })
            .collect();
        let start = Instant::now();
        for k in 0..100 {
            for tx in &senders {
                tx.send(params.clone()).expect("a live worker");
            }
            let mut parts: Vec<Option<ChunkResult>> = (0..CHUNKS).map(|_| None).collect();
            for _ in 0..CHUNKS {
                let (c, r) = result_rx.recv().expect("a chunk result");
                parts[c] = Some(r);
            }
            let parts: Vec<ChunkResult> =
                parts.into_iter().map(|p| p.expect("every chunk")).collect();
            let data_loss = parts.iter().map(|p| p.loss_sum).sum::<f64>() * (1.0 / 100.0);
            let reg = params.iter().map(|p| p * p).sum::<f64>() * 1e-4;
            losses.push(data_loss + reg);
            let lr = 1.0 - 0.9 * f64::from(k) / 100.0;
            for (i, p) in params.iter_mut().enumerate() {
                let data_grad: f64 = parts.iter().map(|c| c.grads[i]).sum();
                let grad = data_grad * (1.0 / 100.0) + 2.0 * 1e-4 * *p;
                *p -= lr * grad;
            }
            if k == 99 {
                correct = parts.iter().map(|p| p.correct).sum();
            }
        }
        elapsed = start.elapsed().as_secs_f64() / 100.0;
        drop(senders); // the workers' loops end
    });
    (elapsed, losses, correct)
}

fn w1_threads(reps: usize) {
    let m = moons();
    let (_, one_worker, _) = w1_threads_once(&m, 1);
    let runs: Vec<(f64, Vec<f64>, usize)> = (0..reps).map(|_| w1_threads_once(&m, 2)).collect();
    let secs: Vec<f64> = runs.iter().map(|r| r.0).collect();
    let (_, losses, acc) = &runs[runs.len() - 1];
    assert_eq!(
        losses, &one_worker,
        "w1-threads: 2 workers give the 1-worker losses exactly"
    );
    // The chunked sums round differently from W1's single left fold, within 1e-12.
    assert!(
        (losses[0] / 9.128_546_778_969e-01 - 1.0).abs() < 1e-12,
        "W1 loss at step 0"
    );
    assert!(
        (losses[99] / 1.180_543_291_408e-02 - 1.0).abs() < 1e-10,
        "W1 loss at step 99"
    );
    assert_eq!(*acc, 100, "W1 accuracy at step 99");
    record("w1-threads", "s_per_step", median(&secs));
    println!(
        "RESULT engine=scalargrad workload=w1-threads metric=s_per_step value={:.6e} ops=65075 reps={} threads=2 loss0={} loss_last={} acc={acc}/100",
        median(&secs),
        reps_list(&secs, 7),
        sci(losses[0]),
        sci(losses[99])
    );
}

// ---------------------------------------------------------------- W2

const W2_SAMPLES: [([f64; 2], usize); 4] = [
    ([0.0, 0.0], 0),
    ([0.0, 1.0], 1),
    ([1.0, 0.0], 1),
    ([1.0, 1.0], 0),
];

/// One epoch's loss, built with the canonical ops of WORKLOADS.md (148 op nodes).
/// With `fused`, each weighted sum is one `Graph::weighted_sum` node (same numbers to the bit).
fn w2_loss<'g>(g: &'g Graph, w1: &[Value<'g>], w2: &[Value<'g>], fused: bool) -> Value<'g> {
    let mut total: Option<Value<'g>> = None;
    for (x, y) in W2_SAMPLES {
        let (x0, x1) = (g.value(x[0]), g.value(x[1]));
        // Arrays, not Vecs: no allocation per sample.
        let h: [Value<'g>; 4] = std::array::from_fn(|j| {
            let w = &w1[2 * j..2 * j + 2];
            let s = if fused {
                g.weighted_sum(None, w, &[x0, x1])
            } else {
                w[0] * x0 + w[1] * x1
            };
            s.sigmoid()
        });
        let o: [Value<'g>; 2] = std::array::from_fn(|k| {
            let w = &w2[4 * k..4 * k + 4];
            if fused {
                g.weighted_sum(None, w, &h)
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
/// (Generic, and never inlined, so that a profiler sees each row as its own function.)
#[inline(never)]
fn w2_once<const REPLAY: bool, const FUSED: bool>(init: &[f64]) -> (f64, f64, f64) {
    let (replay, fused) = (REPLAY, FUSED);
    let g = Graph::with_capacity(256);
    let w: Vec<Value<'_>> = g.values(init);
    let (w1, w2) = w.split_at(8);
    let mut adam = Adam::new(
        w.clone(),
        AdamConfig {
            amsgrad: true,
            ..AdamConfig::default()
        },
    )
    .expect("valid Adam config");
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
    let rows = [
        (false, false, "w2"),
        (true, false, "w2-replay"),
        (false, true, "w2-fused"),
        (true, true, "w2-fused-replay"),
    ];
    // Interleaved repetitions, as in W1.
    let mut all: [Vec<(f64, f64, f64)>; 5] = Default::default();
    for _ in 0..reps {
        all[0].push(w2_reference_once(&init));
        for (k, &(replay, fused, _)) in rows.iter().enumerate() {
            all[k + 1].push(match (replay, fused) {
                (false, false) => w2_rebuilt_once(&init),
                (true, false) => w2_replay_once(&init),
                (false, true) => w2_fused_once(&init),
                (true, true) => w2_fused_replay_once(&init),
            });
        }
    }
    let runs = &all[0];
    let reference_secs: Vec<f64> = runs.iter().map(|r| r.0).collect();
    let secs = &reference_secs;
    let reference = median(secs);
    let (_, l0, l_last) = runs[runs.len() - 1];
    assert_eq!(
        sci(l0),
        "7.103683591605e-01",
        "W2 reference loss at epoch 0"
    );
    assert_eq!(
        sci(l_last),
        "1.373942350372e-02",
        "W2 reference loss at epoch 9999"
    );
    record("w2 reference", "s_total", reference);
    println!(
        "RESULT engine=reference-arena workload=w2 metric=s_total value={:.6e} ops=1480000 reps={}",
        median(secs),
        reps_list(secs, 6)
    );
    let mut rebuilt: Vec<f64> = Vec::new();
    for (k, &(replay, _, name)) in rows.iter().enumerate() {
        let runs = &all[k + 1];
        let secs: Vec<f64> = runs.iter().map(|r| r.0).collect();
        let (_, l0, l_last) = runs[runs.len() - 1];
        assert_eq!(sci(l0), "7.103683591605e-01", "W2 loss at epoch 0");
        assert_eq!(sci(l_last), "1.373942350372e-02", "W2 loss at epoch 9999");
        record(name, "s_total", median(&secs));
        println!(
            "RESULT engine=scalargrad workload={name} metric=s_total value={:.6e} ops=1480000 reps={} loss0={} loss_last={}",
            median(&secs),
            reps_list(&secs, 6),
            sci(l0),
            sci(l_last)
        );
        if name == "w2" {
            println!(
                "RATIO workload=w2 scalargrad/reference={:.3} target<=1.25 (ratio of the medians {:.3})",
                paired_ratio(&secs, &reference_secs),
                median(&secs) / reference
            );
            rebuilt = secs;
        } else if replay {
            println!(
                "RATIO workload={name} replay/rebuilt={:.3}{} (ratio of the medians {:.3})",
                paired_ratio(&secs, &rebuilt),
                if name == "w2-replay" {
                    " target<=0.60"
                } else {
                    ""
                },
                median(&secs) / median(&rebuilt)
            );
        }
    }
}

// ---------------------------------------------------------------- the flat-arena reference

/// The minimal flat arena of `reference.rs`, run on the same workloads in the same process,
/// so that the ratio scalargrad / reference is measured on this machine.
#[allow(dead_code, missing_docs, clippy::pedantic)]
mod reference;

/// W1 on the reference arena; returns (seconds per step, loss at step 0, at step 99, accuracy).
#[inline(never)]
fn w1_reference_once(m: &Moons) -> (f64, f64, f64, usize) {
    use reference::Tape;
    let mut t = Tape::with_capacity(70_000);
    let params: Vec<u32> = m.init.iter().map(|&p| t.leaf(p)).collect();
    let (len, consts) = (t.nodes.len(), t.consts_len());
    let (mut first, mut last, mut correct) = (0.0, 0.0, 0);
    let start = Instant::now();
    for k in 0..100 {
        let mut scores = Vec::with_capacity(100);
        for x in &m.x {
            let mut input = vec![t.leaf(x[0]), t.leaf(x[1])];
            let mut next = 0;
            for (nin, nout, relu) in [(2, 16, true), (16, 16, true), (16, 1, false)] {
                let mut out = Vec::with_capacity(nout);
                for _ in 0..nout {
                    let w = &params[next..next + nin];
                    let first_term = t.mul(w[0], input[0]);
                    let mut act = t.add(params[next + nin], first_term);
                    for i in 1..nin {
                        let p = t.mul(w[i], input[i]);
                        act = t.add(act, p);
                    }
                    next += nin + 1;
                    out.push(if relu { t.relu(act) } else { act });
                }
                input = out;
            }
            scores.push(input[0]);
        }
        let losses: Vec<u32> = scores
            .iter()
            .zip(&m.y)
            .map(|(&s, &y)| {
                let a = t.mulc(s, -y);
                let b = t.addc(a, 1.0);
                t.relu(b)
            })
            .collect();
        let sum = losses[1..].iter().fold(losses[0], |acc, &l| t.add(acc, l));
        let data_loss = t.mulc(sum, 1.0 / 100.0);
        let squares: Vec<u32> = params.iter().map(|&p| t.mul(p, p)).collect();
        let reg_sum = squares[1..]
            .iter()
            .fold(squares[0], |acc, &s| t.add(acc, s));
        let reg = t.mulc(reg_sum, 1e-4);
        let total = t.add(data_loss, reg);
        for &p in &params {
            t.nodes[p as usize].grad = 0.0;
        }
        t.backward(total);
        let lr = 1.0 - 0.9 * f64::from(k) / 100.0;
        for &p in &params {
            let n = &mut t.nodes[p as usize];
            n.data -= lr * n.grad;
        }
        if k == 0 {
            first = t.nodes[total as usize].data;
        }
        if k == 99 {
            last = t.nodes[total as usize].data;
            correct = scores
                .iter()
                .zip(&m.y)
                .filter(|(s, y)| (t.nodes[**s as usize].data > 0.0) == (**y > 0.0))
                .count();
        }
        t.truncate(len, consts);
    }
    (start.elapsed().as_secs_f64() / 100.0, first, last, correct)
}

/// W2 on the reference arena (rebuilt every epoch); returns (seconds, loss at 0, at 9,999).
#[inline(never)]
fn w2_reference_once(init: &[f64]) -> (f64, f64, f64) {
    use reference::Tape;
    let mut t = Tape::with_capacity(256);
    let w: Vec<u32> = init.iter().map(|&p| t.leaf(p)).collect();
    let (len, consts) = (t.nodes.len(), t.consts_len());
    let (mut m, mut v, mut vmax) = (vec![0.0; 16], vec![0.0; 16], vec![0.0_f64; 16]);
    let (mut first, mut last) = (0.0, 0.0);
    let start = Instant::now();
    for epoch in 0..10_000 {
        let mut total = None;
        for (x, y) in W2_SAMPLES {
            let (x0, x1) = (t.leaf(x[0]), t.leaf(x[1]));
            let h: [u32; 4] = std::array::from_fn(|j| {
                let a = t.mul(w[2 * j], x0);
                let b = t.mul(w[2 * j + 1], x1);
                let s = t.add(a, b);
                t.sigmoid(s)
            });
            let o: [u32; 2] = std::array::from_fn(|k| {
                let first = t.mul(w[8 + 4 * k], h[0]);
                (1..4).fold(first, |acc, j| {
                    let p = t.mul(w[8 + 4 * k + j], h[j]);
                    t.add(acc, p)
                })
            });
            let e = [t.exp(o[0]), t.exp(o[1])];
            let s = t.add(e[0], e[1]);
            let p = t.div(e[y], s);
            let l = t.ln(p);
            let l = t.neg(l);
            total = Some(total.map_or(l, |acc| t.add(acc, l)));
        }
        let loss = t.mulc(total.expect("four samples"), 0.25);
        for &p in &w {
            t.nodes[p as usize].grad = 0.0;
        }
        t.backward(loss);
        let step = f64::from(epoch + 1);
        let (bc1, bc2) = (1.0 - 0.9_f64.powf(step), 1.0 - 0.999_f64.powf(step));
        for (i, &p) in w.iter().enumerate() {
            let n = &mut t.nodes[p as usize];
            m[i] = 0.9 * m[i] + 0.1 * n.grad;
            v[i] = 0.999 * v[i] + 0.001 * n.grad * n.grad;
            vmax[i] = vmax[i].max(v[i]);
            n.data -= (0.001 / bc1) * m[i] / (vmax[i].sqrt() / bc2.sqrt() + 1e-8);
        }
        if epoch == 0 {
            first = t.nodes[loss as usize].data;
        }
        if epoch == 9_999 {
            last = t.nodes[loss as usize].data;
        }
        t.truncate(len, consts);
    }
    (start.elapsed().as_secs_f64(), first, last)
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
#[inline(never)]
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
#[inline(never)]
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
    record(name, "ns_per_node", median(&totals));
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
    let g = Graph::new();
    let x = g.value(0.5);
    let mut v = x;
    for _ in 0..500_000 {
        v = v.tanh() * 1.0001;
    }
    grad_row("w3-grad", &g, v, &[x], 1_000_000, reps);
    jvp_row("w3-jvp", &g, v, x, 1_000_000, reps);
}

/// `Graph::grad` (first derivatives as nodes) against `backward()` on the same graph: the
/// nodes `grad` creates per forward op node, and both times in ns per forward op node. The
/// derivative nodes are rewound between repetitions. `grad`'s numbers must equal backward's.
fn grad_row<'g>(
    name: &str,
    g: &'g Graph,
    out: Value<'g>,
    inputs: &[Value<'g>],
    ops: u64,
    reps: usize,
) {
    let per_node = |t: Instant| t.elapsed().as_nanos() as f64 / ops as f64;
    let mut bwd = Vec::new();
    let mut fwd_grad = Vec::new();
    let mut created = 0;
    for _ in 0..reps {
        g.zero_grad();
        let t = Instant::now();
        out.backward();
        bwd.push(per_node(t));
        let cp = g.checkpoint();
        let t = Instant::now();
        let d = g.grad(out, inputs);
        fwd_grad.push(per_node(t));
        created = g.node_count() - cp.len();
        for (di, x) in d.iter().zip(inputs) {
            assert_eq!(di.data(), x.grad(), "{name}: grad and backward disagree");
        }
        g.rewind(cp);
    }
    println!(
        "RESULT engine=scalargrad workload={name} metric=ns_per_node value={:.3} ops={ops} reps={} backward_ns={:.3} grad_nodes={created} grad_nodes_per_op={:.3}",
        median(&fwd_grad),
        reps_list(&fwd_grad, 3),
        median(&bwd),
        created as f64 / ops as f64,
    );
}

/// Forward mode on the same graph: `Graph::jvp` (tangents as nodes, like `grad`) and
/// `Graph::jvp_values` (numbers only), along `x`'s unit tangent, in ns per forward op node,
/// with the nodes `jvp` creates per op. Both must give backward's `dout/dx` (to 1e-9: the
/// chain's products are rounded in the other order) and the same bits as each other.
fn jvp_row<'g>(name: &str, g: &'g Graph, out: Value<'g>, x: Value<'g>, ops: u64, reps: usize) {
    let per_node = |t: Instant| t.elapsed().as_nanos() as f64 / ops as f64;
    g.zero_grad();
    out.backward();
    let want = x.grad();
    let mut nodes = Vec::new();
    let mut numbers = Vec::new();
    let mut created = 0;
    for _ in 0..reps {
        let cp = g.checkpoint();
        let t = Instant::now();
        let d = g.jvp(&[out], &[x], &[1.0])[0];
        nodes.push(per_node(t));
        created = g.node_count() - cp.len();
        let t = Instant::now();
        let dv = g.jvp_values(&[out], &[x], &[1.0])[0];
        numbers.push(per_node(t));
        assert_eq!(
            d.data().to_bits(),
            dv.to_bits(),
            "{name}: jvp and jvp_values disagree"
        );
        assert!(
            (dv - want).abs() <= 1e-9 * want.abs(),
            "{name}: jvp gives {dv:e}, backward {want:e}"
        );
        g.rewind(cp);
    }
    println!(
        "RESULT engine=scalargrad workload={name} metric=ns_per_node value={:.3} ops={ops} reps={} jvp_values_ns={:.3} jvp_nodes={created} jvp_nodes_per_op={:.3}",
        median(&nodes),
        reps_list(&nodes, 3),
        median(&numbers),
        created as f64 / ops as f64,
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
    g.clear();
    handles.clear();
    handles.extend(a.iter().chain(&b).map(|&x| g.value(x)));
    let (av, bv) = handles.split_at(a.len());
    let mut s = av[0] * bv[0];
    for i in 1..a.len() {
        s = s + av[i] * bv[i];
    }
    grad_row("w4-grad", &g, s, &handles, 1_999_999, reps);
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
    )
    .expect("valid Adam config");
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
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sample_data/digits.csv");
    let mut data = Labeled::from_csv(&path, &names, "label", 10).unwrap_or_else(|e| panic!("{e}"));
    data.scale(1.0 / 16.0);
    let (train, _) = data.split_stratified(0.2, 0).expect("a fraction in (0, 1)");
    // The canonical op count: one node per × and + (the unfused graph).
    let ops = w5_once(&train, false).3;
    for (fused, name) in [(false, "w5"), (true, "w5-fused")] {
        let runs: Vec<(f64, f64, f64, usize)> = (0..reps)
            .map(|_| {
                if fused {
                    w5_fused_once(&train)
                } else {
                    w5_rebuilt_once(&train)
                }
            })
            .collect();
        let secs: Vec<f64> = runs.iter().map(|r| r.0).collect();
        let cpu: Vec<f64> = runs.iter().map(|r| r.1).collect();
        let (_, _, loss, built) = runs[runs.len() - 1];
        // digits_train's first epoch: "epoch 0 : loss 1.1949429440869934"
        assert_eq!(sci(loss), "1.194942944087e+00", "W5 mean loss of the epoch");
        record(name, "s_per_epoch", median(&secs));
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
/// The shared benchmark workloads of BENCHMARKS.md: one RESULT line each, then a summary.
#[derive(Parser)]
#[command(name = "bench")]
struct Options {
    /// Which workload: w1 (moons), w1-threads (moons, data-parallel on 2 threads), w2 (XOR),
    /// w3 (chain), w4 (wide), w5 (one epoch of the digits example) or all
    #[arg(value_enum, default_value_t = Workload::All)]
    workload: Workload,
    /// Repetitions per workload; the median is reported
    #[arg(long, value_name = "N", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..))]
    reps: u32,
    /// Passed by `cargo bench`; ignored
    #[arg(long, hide = true)]
    bench: bool,
}

/// A workload of BENCHMARKS.md.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Workload {
    W1,
    W1Threads,
    W2,
    W3,
    W4,
    W5,
    All,
}

/// Every `RESULT` line's workload, metric and median, for the summary at the end.
static RESULTS: Mutex<Vec<(String, &'static str, f64)>> = Mutex::new(Vec::new());

fn record(workload: &str, metric: &'static str, value: f64) {
    RESULTS
        .lock()
        .expect("no panic while recording")
        .push((workload.to_string(), metric, value));
}

/// The results in the README's units: ms per step, ms per run, ns per node.
fn print_summary(reps: usize) {
    println!("\nsummary (median of {reps} repetitions; README units):");
    for (name, metric, value) in RESULTS.lock().expect("no panic while recording").iter() {
        let (number, unit) = match *metric {
            "s_per_step" => (value * 1e3, "ms per training step (100 points)"),
            "s_total" => (value * 1e3, "ms for 10,000 epochs"),
            "s_per_epoch" => (value * 1e3, "ms per digits epoch (wall clock)"),
            _ => (*value, "ns per node"),
        };
        println!("  {name:<16} {number:>9.3} {unit}");
    }
}

fn main() {
    let opts = Options::parse();
    let reps = opts.reps as usize;
    println!(
        "# scalargrad {} | node size {} bytes | {reps} repetitions per workload",
        env!("CARGO_PKG_VERSION"),
        Graph::node_size()
    );
    let run = |w: Workload| match w {
        Workload::W1 => w1(reps),
        Workload::W1Threads => w1_threads(reps),
        Workload::W2 => w2(reps),
        Workload::W3 => w3(reps),
        Workload::W4 => w4(reps),
        Workload::W5 | Workload::All => w5(reps),
    };
    if opts.workload == Workload::All {
        for w in [
            Workload::W1,
            Workload::W1Threads,
            Workload::W2,
            Workload::W3,
            Workload::W4,
            Workload::W5,
        ] {
            run(w);
        }
    } else {
        run(opts.workload);
    }
    print_summary(reps);
}

/// [`w2_once`] with fused neurons, built once and replayed (a function of its own, so that
/// `dev/bench/instructions.sh` can count it).
#[inline(never)]
fn w2_fused_replay_once(init: &[f64]) -> (f64, f64, f64) {
    w2_once::<true, true>(init)
}
