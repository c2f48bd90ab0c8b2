//! Why initialisation matters: ゼロから作るDeep Learning, section 6.2 (figures 6-10 to 6-14).
//!
//! A network of 5 layers of 100 neurons, no biases, reads 1,000 inputs of 100 standard-normal
//! numbers each. We draw each layer's 100,000 activations as a histogram (30 bins over
//! [0, 1], as the book's `plt.hist(a.flatten(), 30, range=(0, 1))`), for six settings:
//!
//! - sigmoid with weights of std 1: the activations pile up at 0 and 1, where the sigmoid's
//!   gradient vanishes;
//! - sigmoid with std 0.01: they all sit near 0.5, so 100 neurons say the same thing;
//! - sigmoid with Xavier (`Init::XavierNormal`: √(2/(100 + 100)) = 1/√100, the book's 1/√n):
//!   they stay spread out, layer after layer;
//! - ReLU with std 0.01, Xavier and He (`Init::KaimingNormal`: √(2/100)): with 0.01 they
//!   shrink to nothing, with Xavier they shrink layer by layer, with He they keep their size.
//!
//! Each neuron's weighted sum is one fused dot node ([`Layer::fused`]): 6 settings × 1,000
//! inputs × 5 layers × 100 × 100 weights = 300 million multiply-adds through the engine,
//! timed below (and in BENCHMARKS.md).
//!
//! Run: `cargo run --release --example init_activations`. Writes `graphs/init_sigmoid.svg`
//! and `graphs/init_relu.svg`.

use std::time::Instant;

use plotters::prelude::*;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use scalargrad::Graph;
use scalargrad::nn::{Activation, Init, Layer};

const LAYERS: usize = 5;
const WIDTH: usize = 100;
const SAMPLES: usize = 1_000;
const BINS: usize = 30;
/// The book's ReLU figures stop the count axis at 7,000, so that the bin at 0 (about half of
/// the 100,000 activations are exactly 0) does not flatten the rest.
const RELU_YMAX: f64 = 7_000.0;

/// One setting: its name, activation and weight rule.
struct Setting {
    name: &'static str,
    activation: Activation,
    init: Init,
}

const SIGMOID: [Setting; 3] = [
    Setting {
        name: "sigmoid, std 1",
        activation: Activation::Sigmoid,
        init: Init::Normal(1.0),
    },
    Setting {
        name: "sigmoid, std 0.01",
        activation: Activation::Sigmoid,
        init: Init::Normal(0.01),
    },
    Setting {
        name: "sigmoid, Xavier",
        activation: Activation::Sigmoid,
        init: Init::XavierNormal,
    },
];

const RELU: [Setting; 3] = [
    Setting {
        name: "ReLU, std 0.01",
        activation: Activation::Relu,
        init: Init::Normal(0.01),
    },
    Setting {
        name: "ReLU, Xavier",
        activation: Activation::Relu,
        init: Init::XavierNormal,
    },
    Setting {
        name: "ReLU, He",
        activation: Activation::Relu,
        init: Init::KaimingNormal,
    },
];

/// One draw from N(0, 1) (Box–Muller), for the inputs.
fn standard_normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// The CPU time this thread has run, from `/proc/thread-self/schedstat` (Linux; `None`
/// elsewhere). On a shared machine the wall clock mostly measures waiting for a core.
fn thread_cpu_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns * 1e-9)
}

/// What one layer's 100,000 activations look like.
struct Stats {
    mean: f64,
    std: f64,
    /// The fraction below 0.1 or above 0.9.
    edges: f64,
    max: f64,
    /// Counts of the 30 bins over [0, 1] (values outside are left out, as `plt.hist` does).
    hist: [usize; BINS],
}

fn stats(a: &[f64]) -> Stats {
    let n = a.len() as f64;
    let mean = a.iter().sum::<f64>() / n;
    let std = (a.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    let edges = a.iter().filter(|&&x| !(0.1..=0.9).contains(&x)).count() as f64 / n;
    let mut hist = [0; BINS];
    for &x in a {
        if (0.0..=1.0).contains(&x) {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let k = ((x * BINS as f64) as usize).min(BINS - 1);
            hist[k] += 1;
        }
    }
    Stats {
        mean,
        std,
        edges,
        max: a.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        hist,
    }
}

/// The activations of every layer for every input, through the engine: one `Vec` of 100,000
/// per layer.
fn activations(setting: &Setting, inputs: &[Vec<f64>], seed: u64) -> Vec<Vec<f64>> {
    let g = Graph::new();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let layers: Vec<Layer<'_>> = (0..LAYERS)
        .map(|_| {
            Layer::new(
                &g,
                WIDTH,
                WIDTH,
                false,
                setting.activation,
                setting.init,
                &mut rng,
            )
            .fused(true)
        })
        .collect();
    let mut out: Vec<Vec<f64>> = (0..LAYERS)
        .map(|_| Vec::with_capacity(SAMPLES * WIDTH))
        .collect();
    let cp = g.checkpoint();
    for row in inputs {
        let mut x = g.values(row);
        for (layer, acts) in layers.iter().zip(&mut out) {
            x = layer.forward(&x).expect("100 inputs for 100-input layers");
            acts.extend(x.iter().map(|v| v.data()));
        }
        g.rewind(cp);
    }
    out
}

/// One row of histograms per setting, one panel per layer, as the book's figures.
fn draw(
    file: &str,
    title: &str,
    settings: &[Setting],
    stats: &[Vec<Stats>],
    ymax: Option<f64>,
) -> Result<(), Box<dyn std::error::Error>> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("graphs")
        .join(file);
    let root = SVGBackend::new(&path, (1400, 740)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(title, ("sans-serif", 20))?;
    let rows = root.split_evenly((settings.len(), LAYERS));
    let bar = RGBColor(31, 119, 180);
    for (r, (setting, layer_stats)) in settings.iter().zip(stats).enumerate() {
        // One count axis per row: the book's ReLU limit, or the row's tallest bin.
        let top = ymax.unwrap_or_else(|| {
            layer_stats.iter().flat_map(|s| s.hist).max().unwrap_or(1) as f64 * 1.05
        });
        for (k, s) in layer_stats.iter().enumerate() {
            let area = &rows[r * LAYERS + k];
            let mut chart = ChartBuilder::on(area)
                .caption(
                    format!("{}: layer {}", setting.name, k + 1),
                    ("sans-serif", 14),
                )
                .margin(6)
                .margin_right(14)
                .x_label_area_size(22)
                .y_label_area_size(if k == 0 { 48 } else { 8 })
                .build_cartesian_2d(0.0f64..1.0, 0.0..top)?;
            let mut mesh = chart.configure_mesh();
            mesh.disable_mesh()
                .x_labels(3)
                .label_style(("sans-serif", 11))
                .y_label_formatter(&|c| format!("{c:.0}"));
            if k == 0 {
                mesh.y_labels(4);
            } else {
                mesh.y_labels(0);
            }
            mesh.draw()?;
            let w = 1.0 / BINS as f64;
            chart.draw_series(s.hist.iter().enumerate().map(|(i, &c)| {
                let x = i as f64 * w;
                Rectangle::new([(x, 0.0), (x + w, (c as f64).min(top))], bar.filled())
            }))?;
            // A bin taller than the axis: say how tall.
            if let Some((i, &c)) = s.hist.iter().enumerate().find(|&(_, &c)| c as f64 > top) {
                chart.draw_series([Text::new(
                    format!("bin {} (cut): {c}", i + 1),
                    (0.35, top * 0.9),
                    ("sans-serif", 11).into_font().color(&BLACK),
                )])?;
            }
        }
    }
    root.present()?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2016);
    let inputs: Vec<Vec<f64>> = (0..SAMPLES)
        .map(|_| (0..WIDTH).map(|_| standard_normal(&mut rng)).collect())
        .collect();

    let start = Instant::now();
    let cpu_start = thread_cpu_seconds();
    let mut all: Vec<Vec<Stats>> = Vec::new();
    for (i, setting) in SIGMOID.iter().chain(&RELU).enumerate() {
        let acts = activations(setting, &inputs, i as u64);
        all.push(acts.iter().map(|a| stats(a)).collect());
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu = cpu_start.and_then(|s0| Some(thread_cpu_seconds()? - s0));
    let macs = 6 * SAMPLES * LAYERS * WIDTH * WIDTH;
    let seconds = cpu.unwrap_or(wall);
    println!(
        "{macs} multiply-adds (6 settings × {SAMPLES} inputs × {LAYERS} layers × {WIDTH}×{WIDTH}) \
         through fused dot nodes: {seconds:.2} s of {} ({:.2} ns each; {wall:.2} s wall clock)",
        if cpu.is_some() { "CPU" } else { "wall clock" },
        seconds * 1e9 / macs as f64
    );

    for (setting, layers) in SIGMOID.iter().chain(&RELU).zip(&all) {
        println!("{}:", setting.name);
        for (k, s) in layers.iter().enumerate() {
            println!(
                "  layer {}: mean {:.4}  std {:.4}  max {:.4}  below 0.1 or above 0.9: {:5.1} %",
                k + 1,
                s.mean,
                s.std,
                s.max,
                100.0 * s.edges
            );
        }
    }

    // The book's observations, as numbers.
    let [sig1, sig001, sig_xavier, relu001, relu_xavier, relu_he] = &all[..] else {
        unreachable!("six settings")
    };
    for (k, s) in sig1.iter().enumerate() {
        assert!(
            s.edges > 0.6,
            "std 1, layer {}: {} at the edges",
            k + 1,
            s.edges
        );
        assert!(s.std > 0.4, "std 1, layer {}: std {}", k + 1, s.std);
    }
    for (k, s) in sig001.iter().enumerate() {
        assert!(
            (s.mean - 0.5).abs() < 0.01 && s.std < 0.03,
            "std 0.01, layer {}: mean {}, std {}",
            k + 1,
            s.mean,
            s.std
        );
    }
    for (k, s) in sig_xavier.iter().enumerate() {
        assert!(
            (0.1..0.35).contains(&s.std) && s.edges < 0.35,
            "Xavier, layer {}: std {}, {} at the edges",
            k + 1,
            s.std,
            s.edges
        );
    }
    assert!(
        relu001[4].max < 1e-4,
        "ReLU std 0.01 dies out: {}",
        relu001[4].max
    );
    assert!(
        relu_xavier[4].std < 0.5 * relu_xavier[0].std,
        "ReLU with Xavier shrinks: {} → {}",
        relu_xavier[0].std,
        relu_xavier[4].std
    );
    let ratio = relu_he[4].std / relu_he[0].std;
    assert!(
        (0.6..1.6).contains(&ratio),
        "ReLU with He keeps its scale: ×{ratio}"
    );
    println!("as the book observes: std 1 piles up at 0 and 1, std 0.01 collapses to 0.5,");
    println!(
        "Xavier spreads; ReLU with 0.01 dies out, with Xavier shrinks, with He keeps its scale"
    );

    draw(
        "init_sigmoid.svg",
        "Sigmoid activations of 5 layers of 100 (1,000 standard-normal inputs; ゼロから作るDeep Learning, fig. 6-10, 6-11, 6-13)",
        &SIGMOID,
        &all[..3],
        None,
    )?;
    draw(
        "init_relu.svg",
        "ReLU activations of 5 layers of 100, counts cut at 7,000 as in the book (fig. 6-14)",
        &RELU,
        &all[3..],
        Some(RELU_YMAX),
    )?;
    println!("wrote graphs/init_sigmoid.svg and graphs/init_relu.svg");
    Ok(())
}
