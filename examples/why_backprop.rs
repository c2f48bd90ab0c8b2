//! Why backpropagation: all `n` partial derivatives of an MLP's loss, three ways.
//!
//! ゼロから作るDeep Learning computes gradients in chapter 4 by numerical differentiation
//! (数値微分): simple, but two forward passes per parameter. Chapter 5 replaces it with
//! backpropagation (誤差逆伝播法), which gets every gradient in one backward pass. Forward
//! mode automatic differentiation sits between them: exact, like backprop, but one pass per
//! parameter, like numerical differentiation.
//!
//! The function is the XOR network widened: 2 inputs, two tanh hidden layers of width `h`,
//! one linear output, squared error on the XOR row (1, 1); `n = h² + 5h + 1` parameters,
//! from 7 (h = 1) to 10,095 (h = 98). For each width it gets all `n` partials
//! - numerically: the book's `numerical_gradient` (central differences, h = 1e-4), 2n
//!   forward passes (each a replay of the graph, `Graph::recompute`);
//! - in forward mode: n `Graph::jvp_values` passes, one along each parameter's unit vector;
//! - in reverse mode: one `backward()`;
//!
//! asserts that they agree (numerical to 1e-6 of the largest partial, forward to 1e-12),
//! and prints the time each took and the crossover: the number of parameters from which one
//! backward costs less than n forward-mode passes.
//!
//! `graphs/why_backprop.svg` plots the work each way does, counted, so that the committed
//! picture is the same on every machine: the passes made (forward passes, tangent passes,
//! backward passes, as the example counts them) times the operands a pass reads (the edges
//! of the graph). The measured times vary from run to run: `--timed` also plots them, into
//! `out/why_backprop_timed.svg`.
//!
//! Run: `cargo run --release --example why_backprop` (a few seconds). A debug build times the
//! n-pass ways only up to h = 64, since they grow as n².

mod common;

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use common::picture_dir;
use plotters::prelude::*;
use scalargrad::loss::{Reduction, mse};
use scalargrad::nn::{Activation, Mlp, Module};
use scalargrad::rand::SeedableRng;
use scalargrad::{Graph, Value, numerical_gradient};

/// Gradients of an MLP's loss by numerical differentiation, forward mode and backprop: the
/// work and the time each takes as the parameters grow.
#[derive(Parser)]
#[command(about, long_about = None)]
struct Args {
    /// Also plot the measured times, into `out/why_backprop_timed.svg` (or --out DIR); they
    /// vary from run to run, unlike the counted work in `graphs/why_backprop.svg`.
    #[arg(long)]
    timed: bool,
    /// Write the pictures into DIR instead.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// The hidden widths: n = h² + 5h + 1 parameters, from 7 to 10,095.
const WIDTHS: [usize; 8] = [1, 2, 4, 8, 16, 32, 64, 98];
/// In a debug build the two n-pass ways are timed up to this width only.
const DEBUG_MAX_WIDTH: usize = 64;
/// The sample: the XOR row (1, 1) and its target 0. One sample keeps the largest size (10,095
/// parameters, 20,190 forward passes for numerical differentiation) within seconds.
const SAMPLE: ([f64; 2], f64) = ([1.0, 1.0], 0.0);

/// What one width measured.
struct Row {
    n: usize,
    /// Operands a pass over the loss's graph reads: the edges of the graph.
    edges: usize,
    /// Passes over the graph each way made, counted: forward passes for numerical
    /// differentiation; the forward pass and the tangent passes for forward mode; the forward
    /// and the backward pass for reverse mode.
    passes: [usize; 3],
    /// Seconds each way took (`None`: not timed in this build).
    seconds: [Option<f64>; 3],
    /// One backward over one tangent pass: forward mode costs more than reverse mode from
    /// this many parameters on.
    crossover: f64,
}

const WAYS: [&str; 3] = [
    "numerical differentiation (ch. 4): 2n forward passes",
    "forward mode: n tangent passes",
    "reverse mode, backprop (ch. 5): one backward pass",
];

/// The mean time of `f` in seconds, repeated until 20 ms have passed (once if it takes
/// longer), and its last result.
fn time<R>(mut f: impl FnMut() -> R) -> (f64, R) {
    let start = Instant::now();
    let mut result = f();
    let mut calls = 1;
    while start.elapsed().as_secs_f64() < 0.02 {
        result = f();
        calls += 1;
    }
    (start.elapsed().as_secs_f64() / f64::from(calls), result)
}

/// The loss of `model` on the sample: the squared error.
fn loss<'g>(g: &'g Graph, model: &Mlp<'g>) -> Value<'g> {
    let prediction = model.forward(&g.values(&SAMPLE.0)).expect("2 inputs")[0];
    mse(&[prediction], &[SAMPLE.1], Reduction::Mean).expect("one prediction and one target")
}

/// The operands read by one pass over everything `out` depends on.
fn edges(out: Value<'_>) -> usize {
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![out];
    let mut count = 0;
    while let Some(v) = stack.pop() {
        if seen.insert(v.index()) {
            let parents = v.parents();
            count += parents.len();
            stack.extend(parents);
        }
    }
    count
}

/// The largest `|a − b|` over the largest `|b|`.
fn relative_error(a: &[f64], b: &[f64]) -> f64 {
    let scale = b.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
    a.iter()
        .zip(b)
        .fold(0.0_f64, |m, (x, y)| m.max((x - y).abs()))
        / scale
}

/// The widened XOR network with `h` hidden neurons per layer, and its parameters.
fn network(g: &Graph, h: usize) -> Mlp<'_> {
    let mut rng = scalargrad::rand::rngs::Xoshiro256PlusPlus::seed_from_u64(h as u64);
    Mlp::builder(2)
        .layer(h, Activation::Tanh)
        .layer(h, Activation::Tanh)
        .layer(1, Activation::Identity)
        .build(g, &mut rng)
}

/// All `n` partials three ways, timed, checked against each other.
fn measure(h: usize) -> Row {
    let g = Graph::new();
    let model = network(&g, h);
    let params = model.parameters();
    let n = params.len();
    assert_eq!(n, h * h + 5 * h + 1);
    let at: Vec<f64> = params.iter().map(|p| p.data()).collect();
    let cp = g.checkpoint();

    // Reverse mode: build the loss (the forward pass) and backpropagate once.
    let (t_reverse, reverse) = time(|| {
        g.rewind(cp);
        model.zero_grad();
        loss(&g, &model).backward();
        params.iter().map(|p| p.grad()).collect::<Vec<f64>>()
    });
    // The backward pass alone, on a freshly built graph each time.
    let (mut t_backward, mut calls) = (0.0, 0_u32);
    let start = Instant::now();
    while calls == 0 || start.elapsed().as_secs_f64() < 0.02 {
        g.rewind(cp);
        let l = loss(&g, &model);
        let t = Instant::now();
        l.backward();
        t_backward += t.elapsed().as_secs_f64();
        calls += 1;
    }
    t_backward /= f64::from(calls);
    model.zero_grad();

    // Forward mode: the forward pass, then one tangent pass per parameter.
    let (t_forward, (forward, tangent_passes)) = time(|| {
        g.rewind(cp);
        let l = loss(&g, &model);
        let mut unit = vec![0.0; n];
        let mut passes = 0;
        let d: Vec<f64> = (0..n)
            .map(|i| {
                unit[i] = 1.0;
                let d = g.jvp_values(&[l], &params, &unit)[0];
                unit[i] = 0.0;
                passes += 1;
                d
            })
            .collect();
        (d, passes)
    });
    g.rewind(cp);
    let l = loss(&g, &model);
    let edges = edges(l);
    let mut unit = vec![0.0; n];
    unit[0] = 1.0; // the first parameter: a pass over every op node
    let (t_pass, _) = time(|| g.jvp_values(&[l], &params, &unit));

    // Numerical differentiation: two forward passes (replays of `l`) per parameter.
    let (t_numerical, (numeric, forward_passes)) = time(|| {
        let mut passes = 0;
        let d = numerical_gradient(
            |w| {
                for (p, &x) in params.iter().zip(w) {
                    p.set_data(x);
                }
                g.recompute(cp);
                passes += 1;
                l.data()
            },
            &at,
        );
        (d, passes)
    });
    for (p, &x) in params.iter().zip(&at) {
        p.set_data(x);
    }

    let err_forward = relative_error(&forward, &reverse);
    let err_numerical = relative_error(&numeric, &reverse);
    assert!(
        err_forward <= 1e-12,
        "n = {n}: forward mode is off by {err_forward:e}"
    );
    assert!(
        err_numerical <= 1e-6,
        "n = {n}: numerical differentiation is off by {err_numerical:e}"
    );
    assert_eq!((forward_passes, tangent_passes), (2 * n, n));
    Row {
        n,
        edges,
        passes: [forward_passes, 1 + tangent_passes, 2],
        seconds: [Some(t_numerical), Some(t_forward), Some(t_reverse)],
        crossover: t_backward / t_pass,
    }
}

/// A width whose n-pass ways are not timed (a debug build): its reverse mode is, and its
/// counts are what the n-pass ways would make (their passes are fixed by n).
fn measure_counts(h: usize) -> Row {
    let g = Graph::new();
    let model = network(&g, h);
    let n = model.parameters().len();
    let cp = g.checkpoint();
    let (t_reverse, ()) = time(|| {
        g.rewind(cp);
        model.zero_grad();
        loss(&g, &model).backward();
    });
    let l = loss(&g, &model);
    Row {
        n,
        edges: edges(l),
        passes: [2 * n, n + 1, 2],
        seconds: [None, None, Some(t_reverse)],
        crossover: f64::NAN,
    }
}

fn draw(
    path: &std::path::Path,
    rows: &[Row],
    y_desc: &str,
    y: impl Fn(&Row, usize) -> Option<f64>,
) -> Result<(), Box<dyn std::error::Error>> {
    let points: Vec<Vec<(f64, f64)>> = (0..3)
        .map(|way| {
            rows.iter()
                .filter_map(|r| y(r, way).map(|v| (r.n as f64, v)))
                .collect()
        })
        .collect();
    let all = points.iter().flatten();
    let lo = all.clone().map(|p| p.1).fold(f64::INFINITY, f64::min) / 2.0;
    let hi = all.map(|p| p.1).fold(0.0, f64::max) * 4.0;
    let root = SVGBackend::new(path, (820, 600)).into_drawing_area();
    root.fill(&WHITE)?;
    let (top, body) = root.split_vertically(64);
    top.draw(&Text::new(
        "All n partial derivatives of an MLP's loss: the work grows with n, except in backprop",
        (18, 10),
        ("sans-serif", 19).into_font(),
    ))?;
    top.draw(&Text::new(
        "ch. 4: numerical differentiation (数値微分) is simple but slow; \
         ch. 5: backprop (誤差逆伝播法) gets all gradients in one pass",
        (18, 38),
        ("sans-serif", 15).into_font(),
    ))?;
    let mut chart = ChartBuilder::on(&body)
        .margin(14)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .build_cartesian_2d((5.0..15_000.0).log_scale(), (lo..hi).log_scale())?;
    chart
        .configure_mesh()
        .x_desc("n, the number of parameters")
        .y_desc(y_desc)
        .y_label_formatter(&|v| format!("{v:.0e}"))
        .x_label_formatter(&|v| format!("{v}"))
        .draw()?;
    let colors = [
        RGBColor(200, 50, 50),
        RGBColor(230, 140, 0),
        RGBColor(40, 90, 200),
    ];
    for ((name, pts), &c) in WAYS.iter().zip(&points).zip(&colors) {
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(2)))?
            .label(*name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
        chart.draw_series(pts.iter().map(|&p| Circle::new(p, 4, c.filled())))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let debug = cfg!(debug_assertions);
    println!(
        "{:>6} {:>8} {:>14} {:>14} {:>14} {:>10}",
        "n", "edges", "numerical s", "forward s", "reverse s", "crossover"
    );
    let mut rows = Vec::new();
    for h in WIDTHS {
        let row = if !debug || h <= DEBUG_MAX_WIDTH {
            measure(h)
        } else {
            // Counted only: the n-pass ways would take minutes unoptimised.
            measure_counts(h)
        };
        let s = |t: Option<f64>| t.map_or_else(|| "-".to_string(), |t| format!("{t:.3e}"));
        let crossover = if row.crossover.is_nan() {
            "-".to_string()
        } else {
            format!("{:.2}", row.crossover)
        };
        println!(
            "{:>6} {:>8} {:>14} {:>14} {:>14} {:>10}",
            row.n,
            row.edges,
            s(row.seconds[0]),
            s(row.seconds[1]),
            s(row.seconds[2]),
            crossover
        );
        rows.push(row);
    }
    // Reverse mode wins by far once n is in the thousands (a factor of hundreds, which no
    // timing noise undoes).
    for r in rows.iter().filter(|r| r.n > 1000) {
        if let [Some(num), Some(fwd), Some(rev)] = r.seconds {
            assert!(
                fwd > 10.0 * rev && num > 10.0 * rev,
                "n = {}: {:?}",
                r.n,
                r.seconds
            );
        }
    }
    // The ratio is noisy at the smallest sizes (a backward of a few dozen operands takes
    // about as long as reading the clock): take the median over the sizes.
    let mut ratios: Vec<f64> = rows
        .iter()
        .map(|r| r.crossover)
        .filter(|c| !c.is_nan())
        .collect();
    ratios.sort_by(f64::total_cmp);
    let crossover = ratios[ratios.len() / 2];
    println!(
        "the three ways agree at every size. One backward pass costs as much as {crossover:.2} \
         tangent passes (the median over the sizes), so reverse mode beats forward mode from \
         n = {} parameter(s) on",
        crossover.ceil().max(1.0)
    );

    let dir = picture_dir(args.out.as_deref(), true)?;
    let counted = dir.join("why_backprop.svg");
    draw(
        &counted,
        &rows,
        "operands read (passes × graph edges)",
        |r, way| Some((r.passes[way] * r.edges) as f64),
    )?;
    println!("wrote {}", counted.display());
    if args.timed {
        let dir = picture_dir(args.out.as_deref(), false)?;
        let timed = dir.join("why_backprop_timed.svg");
        draw(&timed, &rows, "seconds (measured)", |r, way| r.seconds[way])?;
        println!("wrote {}", timed.display());
    }
    Ok(())
}
