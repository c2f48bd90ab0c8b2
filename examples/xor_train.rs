//! The tutorial's PyTorch section with scalargrad: the 2-4-2 network (sigmoid hidden layer, no
//! biases) trained on XOR with cross-entropy and Adam (lr 0.001, betas (0.9, 0.999),
//! amsgrad) for 10,000 full-batch epochs, then the decision regions of the trained network.
//!
//! Run: `cargo run --release --example xor_train`, or with options after `--`:
//! `cargo run --release --example xor_train -- --seed 3 --epochs 2000` (`-- --help` lists them).
//!
//! By default it starts from the tutorial's own initial weights (`torch.manual_seed(0)`),
//! which PyTorch itself saved as `sample_data/reference/xor_init_torch.safetensors`
//! (`scripts/gen_safetensors_fixtures.py`), and checks its loss curve against PyTorch's
//! float64 replay to 1e-9. `--seed N` starts from a seeded random initialisation (PyTorch's
//! `nn.Linear` rule) instead, `--load PATH` from the weights of a safetensors file (one saved
//! by `--save`, or PyTorch's `state_dict` of the same `nn.Sequential`). `--hidden N`,
//! `--lr X` and `--bias` change the network and the learning rate (the tutorial's: 4, 0.001,
//! no biases); another network than the tutorial's starts from `--seed 0` unless told
//! otherwise. `--save PATH` writes
//! the trained model as safetensors under PyTorch's names, and the `nn.Sequential` that loads
//! it as `PATH` with the extension `.py`.
//!
//! Writes `xor_decision_regions.svg` ([`scalargrad::viz::decision_regions`]: the tutorial's
//! window for its four points, axes from the data for your own), `xor_loss.svg` and
//! `xor_network.{dot,svg,html}` (the computation graph for one sample, clustered by layer and
//! neuron; also `xor_network.graphviz.svg` when Graphviz's `dot` is installed): into `graphs/`
//! for the default run (the committed pictures), into `--out DIR` or the git-ignored `out/`
//! otherwise.

mod common;

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Parser;
use common::{XOR_CLASSES, XOR_X, draw_legend, picture_dir, py_float, reference, tutorial_regions};
use indicatif::{ProgressBar, ProgressStyle};
use plotters::prelude::*;
use rand::SeedableRng;
use scalargrad::loss::{Reduction, Target, cross_entropy, softmax};
use scalargrad::nn::{Activation, Mlp, Module, SaveOptions};
use scalargrad::optim::{Adam, AdamConfig, Optimizer};
use scalargrad::{Dataset, Graph, Value, viz};

/// The tutorial's XOR training: a 2-4-2 network (sigmoid hidden layer, no biases),
/// cross-entropy, Adam (lr 0.001, amsgrad), full batch.
///
/// With no options it replays the tutorial: its initial weights, its data, 10,000 epochs,
/// checked against PyTorch, and it redraws the committed pictures in graphs/. Any option makes
/// it an experiment, whose pictures go to --out (default: out/, which git ignores).
#[derive(Parser)]
#[command(name = "xor_train")]
struct Options {
    /// CSV with columns x1,x2,class1,class2; class index = the class1 column (the tutorial's T[:, 0])
    #[arg(long, value_name = "PATH", default_value = DEFAULT_DATA)]
    data: PathBuf,
    /// Start from a seeded random initialisation (PyTorch's nn.Linear rule) [default: the tutorial's initial weights]
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Full-batch epochs
    #[arg(long, value_name = "N", default_value_t = TUTORIAL_EPOCHS)]
    epochs: u64,
    /// Directory for the pictures [default: graphs/ for the default run, out/ otherwise]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write the trained model as safetensors under PyTorch's names, and the nn.Sequential that loads it as PATH with the extension .py
    #[arg(long, value_name = "PATH")]
    save: Option<PathBuf>,
    /// Start from the weights of a safetensors file (one written by --save, or a PyTorch state dict of the same network) [default: the tutorial's initial weights]
    #[arg(long, value_name = "PATH")]
    load: Option<PathBuf>,
    /// Neurons in the hidden (sigmoid) layer
    #[arg(long, value_name = "N", default_value_t = TUTORIAL_HIDDEN, value_parser = clap::value_parser!(u16).range(1..))]
    hidden: u16,
    /// Adam's learning rate
    #[arg(long, value_name = "X", default_value_t = TUTORIAL_LR, value_parser = learning_rate)]
    lr: f64,
    /// Give every neuron a bias (the tutorial's network has none: bias=False)
    #[arg(long)]
    bias: bool,
}

/// A learning rate: a finite number, not negative.
fn learning_rate(s: &str) -> Result<f64, String> {
    let lr: f64 = s
        .parse()
        .map_err(|_| format!("expected a number like 0.001, found {s:?}"))?;
    if lr.is_finite() && lr >= 0.0 {
        Ok(lr)
    } else {
        Err(format!("expected a finite number ≥ 0, found {s}"))
    }
}

/// The tutorial's data, `sample_data/sample.csv` of this repository.
const DEFAULT_DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample_data/sample.csv");
/// The tutorial's number of epochs (`for epoch in range(10000)`).
const TUTORIAL_EPOCHS: u64 = 10_000;
/// The tutorial's hidden layer: `NN(2, 4, 2)`.
const TUTORIAL_HIDDEN: u16 = 4;
/// The tutorial's learning rate: `optimizers.Adam(model.parameters(), lr=0.001, ...)`.
const TUTORIAL_LR: f64 = 0.001;

impl Options {
    /// The run the tutorial made, whose pictures are committed in graphs/.
    fn is_default_run(&self) -> bool {
        self.seed.is_none()
            && self.data == Path::new(DEFAULT_DATA)
            && self.epochs == TUTORIAL_EPOCHS
            && self.out.is_none()
            && self.save.is_none()
            && self.load.is_none()
            && self.is_tutorial_network()
            && self.lr == TUTORIAL_LR
    }

    /// The tutorial's 2-4-2 network without biases, whose initial weights PyTorch saved.
    fn is_tutorial_network(&self) -> bool {
        self.hidden == TUTORIAL_HIDDEN && !self.bias
    }
}

/// The network: Linear(2, hidden) → Sigmoid → Linear(hidden, 2), with or without biases (the
/// tutorial's: 4 hidden, bias=False), with weights from a seed, from a safetensors file, or
/// the tutorial's own.
fn build_model<'g>(g: &'g Graph, opts: &Options) -> Result<Mlp<'g>, scalargrad::Error> {
    let network = Mlp::builder(2)
        .layer(usize::from(opts.hidden), Activation::Sigmoid)
        .layer(2, Activation::Identity)
        .bias(opts.bias);
    let load = opts.load.as_deref();
    // The tutorial's initial weights fit only its network: another one starts from --seed 0.
    let seed = opts.seed.or_else(|| {
        (load.is_none() && !opts.is_tutorial_network()).then(|| {
            println!(
                "starting from random weights (--seed 0): the tutorial's initial weights are for \
                 its 2-4-2 network without biases, not 2-{}-2{}\n",
                opts.hidden,
                if opts.bias { " with biases" } else { "" }
            );
            0
        })
    });
    if let Some(s) = seed {
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(s);
        return Ok(network.build(g, &mut rng));
    }
    // torch.manual_seed(0); model = NN(2, 4, 2): the tutorial's initial weights, as PyTorch
    // saved them (save_file(model.state_dict(), ...)).
    let tutorial = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample_data/reference/xor_init_torch.safetensors");
    network.load_safetensors(g, load.unwrap_or(&tutorial))
}

/// The mean cross-entropy of the whole batch (PyTorch's `nn.CrossEntropyLoss()`).
fn batch_loss<'g>(
    g: &'g Graph,
    model: &Mlp<'g>,
    x: &[Vec<f64>],
    classes: &[usize],
) -> Result<(Value<'g>, Vec<Vec<Value<'g>>>), scalargrad::Error> {
    let logits = x
        .iter()
        .map(|xi| model.forward(&g.values(xi)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((
        cross_entropy(&logits, Target::Classes(classes), Reduction::Mean)?,
        logits,
    ))
}

/// The process's peak resident memory, from `/proc/self/status` (Linux only).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn plot_loss(
    path: &Path,
    ours: &[(u64, f64)],
    torch: &[(u64, f64)],
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::new(path, (760, 420)).into_drawing_area();
    root.fill(&WHITE)?;
    let max_epoch = ours.last().map_or(1, |p| p.0).max(1) as f64;
    let top = ours.iter().map(|p| p.1).fold(0.0, f64::max) * 1.05;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "XOR training: cross-entropy loss (Adam, amsgrad)",
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..max_epoch, 0.0..top)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .x_label_formatter(&|e| format!("{e:.0}"))
        .y_desc("loss")
        .draw()?;
    chart
        .draw_series(LineSeries::new(
            ours.iter().map(|&(e, l)| (e as f64, l)),
            RGBColor(31, 119, 180).stroke_width(2),
        ))?
        .label("scalargrad (f64)")
        .legend(|(x, y)| {
            PathElement::new(
                vec![(x, y), (x + 16, y)],
                RGBColor(31, 119, 180).stroke_width(2),
            )
        });
    if !torch.is_empty() {
        let orange = RGBColor(255, 127, 14);
        chart
            .draw_series(
                torch
                    .iter()
                    .map(|&(e, l)| Circle::new((e as f64, l), 3, orange.filled())),
            )?
            .label("PyTorch float64 replay, every 100 epochs")
            .legend(move |(x, y)| Circle::new((x + 8, y), 3, orange.filled()));
    }
    draw_legend(&mut chart)?;
    root.present()?;
    Ok(())
}

/// A point of a loss curve: (epoch, loss).
type Point = (u64, f64);

/// The PyTorch float64 replay's loss every 100 epochs, and the tutorial's float32 prints.
struct Replay {
    curve: Vec<(u64, f64)>,
    f32_printed: serde_json::Value,
}

fn load_replay(epochs: u64) -> Replay {
    let replay = reference("xor_adam_amsgrad.json");
    let run = &replay["runs"]["adam_amsgrad_f64_10000"];
    let e = run["loss_epochs"].as_array().expect("epochs");
    let l = run["loss"].as_array().expect("losses");
    Replay {
        curve: e
            .iter()
            .zip(l)
            .map(|(e, l)| (e.as_u64().expect("epoch"), l.as_f64().expect("loss")))
            .filter(|&(e, _)| e < epochs)
            .collect(),
        f32_printed: replay["f32_loss_every_1000"].clone(),
    }
}

/// Trains in place, printing `epoch N : loss X` every 1,000 epochs, checking the loss against
/// the replay when given. Returns the loss every 10 epochs and the largest relative
/// difference from the replay.
fn train<'g>(
    g: &'g Graph,
    model: &Mlp<'g>,
    data: (&[Vec<f64>], &[usize]),
    (epochs, lr): (u64, f64),
    replay: Option<&Replay>,
) -> Result<(Vec<(u64, f64)>, f64), scalargrad::Error> {
    let (x, classes) = data;
    // optimizer = optimizers.Adam(model.parameters(), lr=0.001, betas=(0.9, 0.999), amsgrad=True)
    let mut optimizer = Adam::new(
        model.parameters(),
        AdamConfig {
            lr,
            betas: (0.9, 0.999),
            amsgrad: true,
            ..AdamConfig::default()
        },
    )?;
    let progress = ProgressBar::new(epochs);
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} epochs {msg}")
            .expect("a valid template"),
    );
    let cp = g.checkpoint();
    let mut curve = Vec::new();
    let mut max_rel = 0.0f64;
    for epoch in 0..epochs {
        let (loss, _) = batch_loss(g, model, x, classes)?;
        let l = loss.data();
        if epoch % 10 == 0 {
            curve.push((epoch, l));
        }
        if let Some(&(_, want)) = replay.and_then(|r| r.curve.iter().find(|&&(e, _)| e == epoch)) {
            let rel = ((l - want) / want).abs();
            max_rel = max_rel.max(rel);
            assert!(
                rel < 1e-9,
                "epoch {epoch}: loss {l} vs PyTorch float64 {want}"
            );
        }
        if epoch % 1000 == 0 {
            progress.suspend(|| {
                let torch = replay
                    .and_then(|r| r.f32_printed[epoch.to_string()].as_f64())
                    .map(|t| format!("   (tutorial, float32: {})", py_float(t)))
                    .unwrap_or_default();
                println!("epoch {epoch} : loss {}{torch}", py_float(l));
            });
            progress.set_message(format!("loss {l:.6}"));
        }
        // optimizer.zero_grad(); loss.backward(); optimizer.step()
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        g.rewind(cp);
        assert_eq!(
            g.node_count(),
            cp.len(),
            "memory stays flat: every step is rewound"
        );
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok((curve, max_rel))
}

/// Prints each sample's probabilities and prediction; returns how many are right.
fn report(
    g: &Graph,
    model: &Mlp<'_>,
    x: &[Vec<f64>],
    classes: &[usize],
) -> Result<usize, scalargrad::Error> {
    let cp = g.checkpoint();
    let (loss, logits) = batch_loss(g, model, x, classes)?;
    println!("final loss {}", py_float(loss.data()));
    println!("   x1   x2  target   p(class 0)  p(class 1)  predicted");
    let mut correct = 0;
    for ((xi, &t), y) in x.iter().zip(classes).zip(&logits) {
        let p = softmax(y)?;
        let pred = usize::from(p[1].data() > p[0].data());
        correct += usize::from(pred == t);
        println!(
            "  {:>3}  {:>3}  {t:>6}   {:>10.6}  {:>10.6}  {pred:>9}",
            xi[0],
            xi[1],
            p[0].data(),
            p[1].data()
        );
    }
    println!("accuracy: {correct}/{}", x.len());
    g.rewind(cp);
    Ok(correct)
}

/// The network graph for one sample, the loss curve and the decision regions (drawn with
/// `regions`).
fn draw(
    g: &Graph,
    model: &Mlp<'_>,
    (x, classes): (&[Vec<f64>], &[usize]),
    curves: (&[Point], &[Point]),
    regions: &viz::RegionOptions,
    graphs: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let cp = g.checkpoint();
    // The computation graph for one sample, with its gradients, clustered by layer and neuron.
    // The tutorial's second sample (0, 1), or the only one of a one-row file.
    let k = usize::from(x.len() > 1);
    let inputs = [g.value(x[k][0]).named("x1"), g.value(x[k][1]).named("x2")];
    let sample = model.forward(&inputs)?;
    let l1 =
        cross_entropy(&[sample], Target::Classes(&classes[k..=k]), Reduction::Mean)?.named("loss");
    model.zero_grad();
    l1.backward();
    let options = viz::DrawOptions {
        title: Some(format!(
            "XOR network, sample x = ({}, {}), class {}",
            x[k][0], x[k][1], classes[k]
        )),
        ..viz::DrawOptions::default()
    };
    for path in viz::Drawing::new("xor_network", &viz::trace(l1), &options).write(graphs)? {
        println!("wrote {}", path.display());
    }
    g.rewind(cp);

    let loss_svg = graphs.join("xor_loss.svg");
    plot_loss(&loss_svg, curves.0, curves.1)?;
    println!("wrote {}", loss_svg.display());
    let points: Vec<[f64; 2]> = x.iter().map(|r| [r[0], r[1]]).collect();
    let predict = |x1: f64, x2: f64| {
        let y = model.forward(&g.values(&[x1, x2])).expect("2 inputs");
        let class = usize::from(y[1].data() > y[0].data());
        g.rewind(cp);
        class
    };
    let regions_svg = graphs.join("xor_decision_regions.svg");
    let svg = viz::decision_regions(predict, &points, classes, regions)?;
    std::fs::write(&regions_svg, svg).map_err(|e| format!("{}: {e}", regions_svg.display()))?;
    println!("wrote {}", regions_svg.display());
    Ok(())
}

/// Whether the data are the tutorial's four points (0,0), (0,1), (1,1), (1,0) with its classes,
/// in any order and from any file.
fn is_tutorial_data(x: &[Vec<f64>], classes: &[usize]) -> bool {
    let mut rows: Vec<([f64; 2], usize)> = x
        .iter()
        .zip(classes)
        .map(|(r, &c)| ([r[0], r[1]], c))
        .collect();
    rows.sort_by(|a, b| a.0.partial_cmp(&b.0).expect("finite features"));
    let mut tutorial: Vec<([f64; 2], usize)> = XOR_X.into_iter().zip(XOR_CLASSES).collect();
    tutorial.sort_by(|a, b| a.0.partial_cmp(&b.0).expect("finite"));
    x.iter().all(|r| r.len() == 2) && rows == tutorial
}

/// The decision-region plot's title and window, from the data and what the network got right:
/// the tutorial's sentence ("the four points are separated") only for its four points when
/// they are; otherwise the network, the data and the accuracy as they are. The tutorial's
/// points get its window (x1 ∈ [−5, 5), x2 ∈ [0, 6)); other data get axes from the data.
fn regions_options(
    opts: &Options,
    x: &[Vec<f64>],
    classes: &[usize],
    correct: usize,
) -> viz::RegionOptions {
    let network = format!(
        "2-{}-2 network{}",
        opts.hidden,
        if opts.bias { " with biases" } else { "" }
    );
    let trained = if opts.is_default_run() {
        "trained network".to_string()
    } else {
        format!("{network}, {} epochs, lr {}", opts.epochs, opts.lr)
    };
    if is_tutorial_data(x, classes) {
        let verdict = if correct == x.len() {
            "この4つの点に関しては分類できる (the four points are separated)".to_string()
        } else {
            format!(
                "4つの点のうち{correct}つだけ正しく分類 (only {correct} of the four points classified correctly)"
            )
        };
        return tutorial_regions(&format!("{trained}: {verdict}"));
    }
    let file = opts.data.file_name().map_or_else(
        || opts.data.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    viz::RegionOptions {
        class_names: vec!["class1 (index 0)".into(), "class2 (index 1)".into()],
        ..viz::RegionOptions::new(format!(
            "{trained} on {file}: {correct}/{} points classified correctly ({:.0}%)",
            x.len(),
            100.0 * correct as f64 / x.len() as f64
        ))
    }
}

fn main() {
    if let Err(e) = run() {
        eprintln!("xor_train: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    // Usage errors (and --help) exit here: code 2 with clap's message (0 for --help).
    let opts = Options::parse();
    // train_data = pd.read_csv("./sample_data/sample.csv"); targets T[:, 0] (class = XOR).
    let data = Dataset::from_csv(&opts.data, &["x1", "x2"], &["class1", "class2"])?;
    data.check_one_hot()?;
    let classes = data.class_indices(0)?;
    let x = &data.features;
    println!("{CLASS_NAMES}\n");
    let g = Graph::new();
    let model = build_model(&g, &opts)?;

    // The PyTorch float64 replay is comparable only where we start where the tutorial started.
    let replay = match replay_absent_because(&opts) {
        None => Some(load_replay(opts.epochs)),
        Some(why) => {
            println!("no PyTorch check: {why}\n");
            None
        }
    };

    let start = Instant::now();
    let (curve, max_rel) = train(
        &g,
        &model,
        (x, &classes),
        (opts.epochs, opts.lr),
        replay.as_ref(),
    )?;
    let elapsed = start.elapsed();
    println!(
        "\ntrained for {} epochs in {:.3} s",
        opts.epochs,
        elapsed.as_secs_f64()
    );
    let correct = report(&g, &model, x, &classes)?;
    if let Some(path) = &opts.save {
        let options = SaveOptions {
            python: true,
            ..SaveOptions::default()
        };
        model.save_safetensors_with(path, options)?;
        let py = path.with_extension("py");
        let code = std::fs::read_to_string(&py).map_err(|e| format!("{}: {e}", py.display()))?;
        let bits = |m: &Mlp<'_>| -> Vec<u64> {
            m.parameters().iter().map(|p| p.data().to_bits()).collect()
        };
        // In a graph of its own, so this run's graph and pictures stay as without --save.
        let g2 = Graph::new();
        let reloaded = Mlp::load_safetensors(&g2, path)?;
        assert_eq!(
            bits(&reloaded),
            bits(&model),
            "the file holds the weights to the bit"
        );
        println!(
            "saved the trained model to {} (float64, PyTorch's names) and the nn.Sequential that loads it to {}:\n\n{code}",
            path.display(),
            py.display(),
        );
    }
    if let Some(r) = &replay {
        let last = r.curve.last().map_or(0, |p| p.0);
        println!(
            "loss curve matches PyTorch's float64 replay: largest relative difference {max_rel:.1e} over {} checkpoints (epochs 0 to {last}, every 100)",
            r.curve.len()
        );
        if opts.epochs > TUTORIAL_EPOCHS {
            println!(
                "epochs {} to {} are not checked: the PyTorch replay stops at {TUTORIAL_EPOCHS}",
                TUTORIAL_EPOCHS,
                opts.epochs - 1
            );
        }
        if opts.epochs == TUTORIAL_EPOCHS {
            assert_eq!(
                correct, 4,
                "the tutorial's network separates all four points"
            );
        }
    }
    println!(
        "graph: {} nodes kept between epochs ({} bytes each); peak memory {}",
        g.node_count(),
        Graph::node_size(),
        peak_rss_kib().map_or_else(
            || "unknown".into(),
            |k| format!("{:.1} MiB", k as f64 / 1024.0)
        )
    );
    let torch_curve = replay.map(|r| r.curve).unwrap_or_default();
    let dir = picture_dir(opts.out.as_deref(), opts.is_default_run())?;
    let regions = regions_options(&opts, x, &classes, correct);
    draw(
        &g,
        &model,
        (x, &classes),
        (&curve, &torch_curve),
        &regions,
        &dir,
    )
}

/// How the tutorial's class names map, printed before training.
const CLASS_NAMES: &str =
    "classes: a row's class index is its class1 column (the tutorial's T[:, 0]): \
index 1 for (0,1) and (1,0), index 0 for (0,0) and (1,1).
         the plots name index k \"class{k+1}\" as the tutorial does: \"class1\" = index 0, \
\"class2\" = index 1 (predict_class1/2 likewise).";

/// Why the PyTorch float64 replay cannot check this run, or `None` when it can.
fn replay_absent_because(opts: &Options) -> Option<String> {
    if let Some(seed) = opts.seed {
        return Some(format!(
            "--seed {seed} starts from random weights; the replay starts from the tutorial's"
        ));
    }
    if let Some(load) = &opts.load {
        return Some(format!(
            "--load {} starts from saved weights; the replay starts from the tutorial's",
            load.display()
        ));
    }
    if !opts.is_tutorial_network() {
        return Some(format!(
            "a 2-{}-2 network{} is not the tutorial's 2-4-2 network without biases",
            opts.hidden,
            if opts.bias { " with biases" } else { "" }
        ));
    }
    if opts.lr != TUTORIAL_LR {
        return Some(format!(
            "--lr {} is not the tutorial's learning rate {TUTORIAL_LR}",
            opts.lr
        ));
    }
    if opts.data != Path::new(DEFAULT_DATA) {
        return Some(format!(
            "--data {} is not the tutorial's data (sample_data/sample.csv)",
            opts.data.display()
        ));
    }
    if opts.epochs == 0 {
        return Some("--epochs 0 trains nothing, so there is no loss to compare".into());
    }
    None
}
