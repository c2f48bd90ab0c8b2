//! Benchmark workloads (see BENCHMARKS.md): prints one `RESULT` line per workload.
//!
//! Run: `cargo run --release --example bench -- [w3|w4|all] [--reps N]`.

use std::time::Instant;

use scalargrad::Graph;

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        0.5 * (xs[n / 2 - 1] + xs[n / 2])
    }
}

fn reps_list(xs: &[f64]) -> String {
    xs.iter()
        .map(|x| format!("{x:.3}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Timings of one W3/W4 run, in ns per op node.
struct Split {
    total: f64,
    fwd: f64,
    bwd: f64,
    free: f64,
}

/// W3 'chain': 500,000 × `v = mulc(tanh(v), 1.0001)`, then backward.
fn w3_once(g: &Graph) -> (Split, f64, f64) {
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
    let (out, dx) = (v.data(), x.grad());
    let split = Split {
        total: (t2 - t0).as_nanos() as f64 / OPS,
        fwd: (t1 - t0).as_nanos() as f64 / OPS,
        bwd: (t2 - t1).as_nanos() as f64 / OPS,
        free: 0.0,
    };
    (split, out, dx)
}

/// W4 'wide': 10⁶ products summed, then backward.
fn w4_once(g: &Graph, a: &[f64], b: &[f64]) -> (Split, f64, f64) {
    const OPS: f64 = 1_999_999.0;
    let t0 = Instant::now();
    let av: Vec<_> = a.iter().map(|&x| g.value(x)).collect();
    let bv: Vec<_> = b.iter().map(|&x| g.value(x)).collect();
    let mut s = av[0] * bv[0];
    for i in 1..av.len() {
        s = s + av[i] * bv[i];
    }
    let t1 = Instant::now();
    s.backward();
    let t2 = Instant::now();
    let out = s.data();
    let gradsum: f64 = av.iter().chain(&bv).map(|v| v.grad()).sum();
    let split = Split {
        total: (t2 - t0).as_nanos() as f64 / OPS,
        fwd: (t1 - t0).as_nanos() as f64 / OPS,
        bwd: (t2 - t1).as_nanos() as f64 / OPS,
        free: 0.0,
    };
    (split, out, gradsum)
}

/// Runs a W3/W4 body `reps` times cold (a fresh graph each time) and warm (one graph, rewound).
fn cold_warm(
    name: &str,
    ops: u64,
    reps: usize,
    body: &dyn Fn(&Graph) -> (Split, f64, f64),
    checks: (&str, &str),
) {
    for warm in [false, true] {
        let mut runs = Vec::new();
        let mut last = (0.0, 0.0);
        let shared = Graph::new();
        if warm {
            let _ = body(&shared); // first touch of the storage, not timed
        }
        for _ in 0..reps {
            let (mut split, out, d) = if warm {
                shared.clear();
                body(&shared)
            } else {
                let g = Graph::new();
                let r = body(&g);
                let t = Instant::now();
                drop(g);
                let mut r = r;
                r.0.free = t.elapsed().as_nanos() as f64 / ops as f64;
                r
            };
            if warm {
                split.free = 0.0;
            }
            last = (out, d);
            runs.push(split);
        }
        let totals: Vec<f64> = runs.iter().map(|s| s.total).collect();
        let med = |f: fn(&Split) -> f64| median(runs.iter().map(f).collect());
        println!(
            "RESULT engine=scalargrad workload={name}{} metric=ns_per_node value={:.3} ops={ops} reps={} {}={:.12e} {}={:.12e} fwd_ns={:.3} bwd_ns={:.3} free_ns={:.3}",
            if warm { "-warm" } else { "" },
            median(totals.clone()),
            reps_list(&totals),
            checks.0,
            last.0,
            checks.1,
            last.1,
            med(|s| s.fwd),
            med(|s| s.bwd),
            med(|s| s.free),
        );
    }
}

fn w3(reps: usize) {
    cold_warm("w3", 1_000_000, reps, &w3_once, ("out", "dx"));
}

fn w4(reps: usize) {
    let n = 1_000_000;
    let a: Vec<f64> = (0..n).map(|i| f64::from(i % 1000) / 1000.0 - 0.5).collect();
    let b: Vec<f64> = (0..n).map(|i| f64::from(i % 997) / 997.0 - 0.5).collect();
    cold_warm(
        "w4",
        1_999_999,
        reps,
        &|g| w4_once(g, &a, &b),
        ("out", "gradsum"),
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let reps = args
        .iter()
        .position(|a| a == "--reps")
        .and_then(|i| args.get(i + 1))
        .map_or(7, |r| r.parse().expect("--reps takes a whole number"));
    let which = args
        .iter()
        .find(|a| !a.starts_with("--") && a.parse::<usize>().is_err())
        .map_or("all", String::as_str);
    println!("node size: {} bytes", Graph::node_size());
    match which {
        "w3" => w3(reps),
        "w4" => w4(reps),
        "all" => {
            w3(reps);
            w4(reps);
        }
        other => {
            eprintln!("unknown workload {other:?}: expected w3, w4 or all");
            std::process::exit(2);
        }
    }
}
