//! Beyond XOR: a 64-32-10 network learns the 8×8 handwritten digits of the UCI data set
//! (`sample_data/digits.csv`, 1,797 images) with softmax cross-entropy and Adam on
//! mini-batches, one scalar node at a time.
//!
//! Run: `cargo run --release --example digits_train [-- --epochs N] [--hidden N] [--seed N] [--data PATH] [--out DIR]`
//! (`-- --help` lists the options and their defaults). Only the default run writes to `graphs/`.
//!
//! The data are split 80/20 into train and test sets, stratified by digit, from the seed;
//! pixels are scaled from 0 … 16 to 0 … 1. Each epoch shuffles the training rows into batches
//! of 32 from the same seed. The default run asserts a test accuracy of at least 96 %.
//!
//! Writes `graphs/digits_confusion.svg` (the test set's confusion matrix),
//! `graphs/digits_mistakes.svg` (every misclassified test digit, with its true and predicted
//! label) and `graphs/digits_curves.svg` (loss and accuracy per epoch). They hold no timings,
//! so the same options draw the same bytes.

mod common;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Parser;
use common::{draw_legend, picture_dir, py_float};
use indicatif::{ProgressBar, ProgressStyle};
use plotters::prelude::*;
use rand::SeedableRng;
use scalargrad::data::Labeled;
use scalargrad::loss::{Reduction, Target, cross_entropy};
use scalargrad::nn::{Activation, Mlp, Module, SaveOptions};
use scalargrad::optim::{Adam, AdamConfig, Optimizer};
use scalargrad::{Graph, Value};

/// Beyond XOR: a 64-32-10 tanh network learns the 8×8 UCI handwritten digits with softmax
/// cross-entropy and Adam on batches of 32.
///
/// With no options it makes the reproducible run whose pictures are committed in graphs/ and
/// asserts a test accuracy of at least 96 %. Any option makes it an experiment, whose pictures
/// go to --out (default: out/, which git ignores).
#[derive(Clone, Debug, PartialEq, Parser)]
#[command(name = "digits_train")]
struct Options {
    /// CSV with columns p0..p63 (pixels 0..16) and label (the digit 0..9)
    #[arg(long, value_name = "PATH", default_value = DEFAULT_DATA)]
    data: PathBuf,
    /// Passes over the training set
    #[arg(long, value_name = "N", default_value_t = DEFAULT_EPOCHS)]
    epochs: usize,
    /// Neurons in the hidden layer
    #[arg(long, value_name = "N", default_value_t = DEFAULT_HIDDEN,
          value_parser = clap::value_parser!(u16).range(1..))]
    hidden: u16,
    /// Seed of the train/test split, the initial weights and the batches
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed: u64,
    /// Directory for the pictures [default: graphs/ for the default run, out/ otherwise]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write the trained model as safetensors under PyTorch's names, and the nn.Sequential that loads it as PATH with the extension .py
    #[arg(long, value_name = "PATH")]
    save: Option<PathBuf>,
}

/// The digits, `sample_data/digits.csv` of this repository.
const DEFAULT_DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/sample_data/digits.csv");
const DEFAULT_EPOCHS: usize = 15;
const DEFAULT_HIDDEN: u16 = 32;

impl Options {
    /// The run whose pictures are committed in graphs/ and whose accuracy is asserted.
    fn is_default_run(&self) -> bool {
        self.data == Path::new(DEFAULT_DATA)
            && self.epochs == DEFAULT_EPOCHS
            && self.hidden == DEFAULT_HIDDEN
            && self.seed == 0
            && self.out.is_none()
            && self.save.is_none()
    }
}

/// Pixels per image and classes.
const PIXELS: usize = 64;
const CLASSES: usize = 10;
const BATCH: usize = 32;
const TEST_FRACTION: f64 = 0.2;
const LEARNING_RATE: f64 = 0.01;

/// The index of the largest logit (the first one on a tie).
fn argmax(y: &[Value<'_>]) -> usize {
    (1..y.len()).fold(0, |best, k| {
        if y[k].data() > y[best].data() {
            k
        } else {
            best
        }
    })
}

/// What one epoch gave.
#[derive(Clone, Copy, Debug)]
struct Epoch {
    loss: f64,
    train_accuracy: f64,
    test_accuracy: f64,
}

/// The predicted class of every row of `data`; the graph is rewound after each row.
fn predict(g: &Graph, model: &Mlp<'_>, data: &Labeled) -> Result<Vec<usize>, scalargrad::Error> {
    let cp = g.checkpoint();
    data.features
        .iter()
        .map(|x| {
            let y = model.forward(&g.values(x))?;
            let class = argmax(&y);
            g.rewind(cp);
            Ok(class)
        })
        .collect()
}

fn accuracy(predicted: &[usize], labels: &[usize]) -> f64 {
    let right = predicted.iter().zip(labels).filter(|(p, l)| p == l).count();
    right as f64 / labels.len() as f64
}

/// Trains in place and returns one [`Epoch`] per epoch, and the number of op nodes built.
fn train(
    g: &Graph,
    model: &Mlp<'_>,
    (train, test): (&Labeled, &Labeled),
    opts: &Options,
) -> Result<(Vec<Epoch>, usize), scalargrad::Error> {
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(opts.seed);
    let mut optimizer = Adam::new(
        model.parameters(),
        AdamConfig {
            lr: LEARNING_RATE,
            ..AdamConfig::default()
        },
    )?;
    let steps = opts.epochs * train.len().div_ceil(BATCH);
    // A bar only on a terminal: logs and CI get the per-epoch lines alone.
    let progress = if std::io::stderr().is_terminal() {
        ProgressBar::new(steps as u64)
    } else {
        ProgressBar::hidden()
    };
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} batches {msg}")
            .expect("a valid template"),
    );
    let cp = g.checkpoint();
    let mut nodes = 0;
    let mut epochs = Vec::with_capacity(opts.epochs);
    for epoch in 0..opts.epochs {
        let (mut loss_sum, mut right) = (0.0, 0);
        for batch in train.batches(BATCH, &mut rng)? {
            let logits = batch
                .iter()
                .map(|&r| model.forward(&g.values(&train.features[r])))
                .collect::<Result<Vec<_>, _>>()?;
            let labels: Vec<usize> = batch.iter().map(|&r| train.labels[r]).collect();
            let loss = cross_entropy(&logits, Target::Classes(&labels), Reduction::Mean)?;
            loss_sum += loss.data() * batch.len() as f64;
            right += logits
                .iter()
                .zip(&labels)
                .filter(|(y, l)| argmax(y) == **l)
                .count();
            // optimizer.zero_grad(); loss.backward(); optimizer.step()
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            nodes += g.node_count() - cp.len();
            g.rewind(cp);
            progress.inc(1);
        }
        let e = Epoch {
            loss: loss_sum / train.len() as f64,
            train_accuracy: right as f64 / train.len() as f64,
            test_accuracy: accuracy(&predict(g, model, test)?, &test.labels),
        };
        progress.set_message(format!(
            "loss {:.4}, test accuracy {:.1} %",
            e.loss,
            100.0 * e.test_accuracy
        ));
        progress.suspend(|| {
            println!(
                "epoch {epoch} : loss {} , train accuracy {:.4} , test accuracy {:.4}",
                py_float(e.loss),
                e.train_accuracy,
                e.test_accuracy
            );
        });
        epochs.push(e);
    }
    progress.finish_and_clear();
    Ok((epochs, nodes))
}

/// `confusion[true][predicted]`: how many test digits of each class went where.
fn confusion(predicted: &[usize], labels: &[usize]) -> Vec<Vec<usize>> {
    let mut m = vec![vec![0; CLASSES]; CLASSES];
    for (&p, &l) in predicted.iter().zip(labels) {
        m[l][p] += 1;
    }
    m
}

fn print_confusion(m: &[Vec<usize>]) {
    println!("confusion matrix (rows: true digit, columns: predicted)");
    println!(
        "      {}",
        (0..CLASSES)
            .map(|k| format!("{k:>4}"))
            .collect::<Vec<_>>()
            .concat()
    );
    for (t, row) in m.iter().enumerate() {
        println!(
            "  {t:>2}  {}",
            row.iter()
                .map(|c| format!("{c:>4}"))
                .collect::<Vec<_>>()
                .concat()
        );
    }
}

type Plot = Result<(), Box<dyn std::error::Error>>;

fn plot_confusion(path: &Path, m: &[Vec<usize>], title: &str) -> Plot {
    let root = SVGBackend::new(path, (560, 600)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(40)
        .build_cartesian_2d(-0.8..CLASSES as f64, CLASSES as f64 + 0.8..0.0)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(0)
        .y_labels(0)
        .x_desc("predicted digit")
        .y_desc("true digit")
        .draw()?;
    let largest = m.iter().flatten().copied().max().unwrap_or(1).max(1) as f64;
    for (t, row) in m.iter().enumerate() {
        for (p, &count) in row.iter().enumerate() {
            let (x, y) = (p as f64, t as f64);
            // Blue for the diagonal (right), red for the mistakes, darker for more.
            let shade = if count == 0 {
                0.0
            } else {
                0.15 + 0.85 * (count as f64 / largest).sqrt()
            };
            let fill = if t == p {
                RGBColor(31, 119, 180).mix(shade)
            } else {
                RGBColor(214, 39, 40).mix(shade.max(if count > 0 { 0.35 } else { 0.0 }))
            };
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x, y), (x + 1.0, y + 1.0)],
                fill.filled(),
            )))?;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x, y), (x + 1.0, y + 1.0)],
                RGBColor(200, 200, 200).stroke_width(1),
            )))?;
            let ink = if t == p && shade > 0.6 { WHITE } else { BLACK };
            chart.draw_series(std::iter::once(Text::new(
                count.to_string(),
                (x + 0.5, y + 0.5),
                ("sans-serif", 14).into_font().color(&ink).pos(
                    plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Center,
                    ),
                ),
            )))?;
        }
        let centred = ("sans-serif", 14).into_font().color(&BLACK).pos(
            plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Center,
            ),
        );
        chart.draw_series(std::iter::once(Text::new(
            t.to_string(),
            (-0.4, t as f64 + 0.5),
            centred.clone(),
        )))?;
        chart.draw_series(std::iter::once(Text::new(
            t.to_string(),
            (t as f64 + 0.5, CLASSES as f64 + 0.4),
            centred,
        )))?;
    }
    root.present()?;
    Ok(())
}

/// Every misclassified test digit as its 8×8 image, labelled `true → predicted`.
// Pixel coordinates of a picture a few hundred pixels wide: far from i32/u32 limits.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss
)]
fn plot_mistakes(path: &Path, mistakes: &[(&[f64], usize, usize)]) -> Plot {
    const COLS: usize = 10;
    const CELL: i32 = 64; // 8 px per pixel
    const PAD: i32 = 12;
    const LABEL: i32 = 20;
    let rows = mistakes.len().div_ceil(COLS).max(1);
    let width = COLS as i32 * (CELL + PAD) + PAD;
    let height = 44 + rows as i32 * (CELL + LABEL + PAD) + PAD;
    let root = SVGBackend::new(path, (width as u32, height as u32)).into_drawing_area();
    root.fill(&WHITE)?;
    root.draw(&Text::new(
        format!(
            "the {} misclassified test digits: true → predicted",
            mistakes.len()
        ),
        (PAD, 12),
        ("sans-serif", 18).into_font(),
    ))?;
    for (k, &(pixels, truth, predicted)) in mistakes.iter().enumerate() {
        let (c, r) = ((k % COLS) as i32, (k / COLS) as i32);
        let x0 = PAD + c * (CELL + PAD);
        let y0 = 44 + r * (CELL + LABEL + PAD);
        for (i, &p) in pixels.iter().enumerate() {
            // p is scaled to 0 … 1: 0 is white paper, 1 black ink.
            let v = (255.0 * (1.0 - p.clamp(0.0, 1.0))).round() as u8;
            let (px, py) = ((i % 8) as i32, (i / 8) as i32);
            root.draw(&Rectangle::new(
                [
                    (x0 + px * CELL / 8, y0 + py * CELL / 8),
                    (x0 + (px + 1) * CELL / 8, y0 + (py + 1) * CELL / 8),
                ],
                RGBColor(v, v, v).filled(),
            ))?;
        }
        root.draw(&Rectangle::new(
            [(x0, y0), (x0 + CELL, y0 + CELL)],
            RGBColor(160, 160, 160).stroke_width(1),
        ))?;
        root.draw(&Text::new(
            format!("{truth} → {predicted}"),
            (x0 + 10, y0 + CELL + 4),
            ("sans-serif", 15).into_font().color(&RGBColor(214, 39, 40)),
        ))?;
    }
    root.present()?;
    Ok(())
}

fn plot_curves(path: &Path, epochs: &[Epoch]) -> Plot {
    let root = SVGBackend::new(path, (900, 400)).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right) = root.split_horizontally(450);
    let n = epochs.len().max(1) as f64;
    let blue = RGBColor(31, 119, 180);
    let orange = RGBColor(255, 127, 14);

    let top = epochs.iter().map(|e| e.loss).fold(0.0, f64::max) * 1.05;
    let mut chart = ChartBuilder::on(&left)
        .caption("training loss (mean cross-entropy)", ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(50)
        .build_cartesian_2d(-0.5..n - 0.5, 0.0..top.max(1e-3))?;
    chart
        .configure_mesh()
        .x_label_formatter(&|x| format!("{x:.0}"))
        .x_desc("epoch")
        .y_desc("loss")
        .draw()?;
    chart
        .draw_series(LineSeries::new(
            epochs.iter().enumerate().map(|(k, e)| (k as f64, e.loss)),
            blue.stroke_width(2),
        ))?
        .label("train")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], blue.stroke_width(2)));
    draw_legend(&mut chart)?;

    let bottom = epochs
        .iter()
        .map(|e| e.train_accuracy.min(e.test_accuracy))
        .fold(1.0, f64::min);
    let bottom = (bottom * 100.0 - 2.0).floor().max(0.0);
    let mut chart = ChartBuilder::on(&right)
        .caption("accuracy (%)", ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(50)
        .build_cartesian_2d(-0.5..n - 0.5, bottom..100.0)?;
    chart
        .configure_mesh()
        .x_label_formatter(&|x| format!("{x:.0}"))
        .x_desc("epoch")
        .y_desc("accuracy (%)")
        .draw()?;
    for (name, color, pick) in [
        (
            "train",
            blue,
            (|e: &Epoch| e.train_accuracy) as fn(&Epoch) -> f64,
        ),
        ("test", orange, |e: &Epoch| e.test_accuracy),
    ] {
        chart
            .draw_series(LineSeries::new(
                epochs
                    .iter()
                    .enumerate()
                    .map(|(k, e)| (k as f64, 100.0 * pick(e))),
                color.stroke_width(2),
            ))?
            .label(name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// The process's peak resident memory, from `/proc/self/status` (Linux only).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    if let Err(e) = run(&Options::parse()) {
        eprintln!("digits_train: {e}");
        std::process::exit(1);
    }
}

/// `--save`: the model as safetensors plus its `nn.Sequential`, checked by reloading it.
fn save(model: &Mlp<'_>, path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let options = SaveOptions {
        python: true,
        ..SaveOptions::default()
    };
    model.save_safetensors_with(path, options)?;
    // Reloaded in a graph of its own: the same weights, to the bit.
    let g2 = Graph::new();
    let reloaded = Mlp::load_safetensors(&g2, path)?;
    let bits =
        |m: &Mlp<'_>| -> Vec<u64> { m.parameters().iter().map(|p| p.data().to_bits()).collect() };
    assert_eq!(
        bits(&reloaded),
        bits(model),
        "the saved model reloads to the bit"
    );
    println!(
        "saved {} and {} (its nn.Sequential)",
        path.display(),
        path.with_extension("py").display()
    );
    Ok(())
}

fn run(opts: &Options) -> Result<(), Box<dyn std::error::Error>> {
    let names: Vec<String> = (0..PIXELS).map(|i| format!("p{i}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut data = Labeled::from_csv(&opts.data, &names, "label", CLASSES)?;
    data.scale(1.0 / 16.0);
    let (train_set, test_set) = data.split_stratified(TEST_FRACTION, opts.seed)?;
    println!(
        "{} images of 8×8 pixels: {} to train on, {} to test (stratified by digit, seed {})",
        data.len(),
        train_set.len(),
        test_set.len(),
        opts.seed
    );

    let g = Graph::new();
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(opts.seed);
    // nn.Sequential(nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 10)); each weighted sum is one
    // node (the fast path, same numbers as one node per × and +).
    let model = Mlp::builder(PIXELS)
        .layer(usize::from(opts.hidden), Activation::Tanh)
        .layer(CLASSES, Activation::Identity)
        .build(&g, &mut rng)
        .fused(true);
    println!(
        "network {PIXELS}-{}-{CLASSES} (tanh), {} parameters; Adam lr {LEARNING_RATE}, batches of {BATCH}",
        opts.hidden,
        model.parameters().len()
    );

    let start = Instant::now();
    let (epochs, nodes) = train(&g, &model, (&train_set, &test_set), opts)?;
    let seconds = start.elapsed().as_secs_f64();
    let per_epoch = seconds / opts.epochs.max(1) as f64;
    println!(
        "\ntrained {} epochs in {seconds:.2} s ({per_epoch:.3} s per epoch, test passes included; \
         {} graph nodes built per epoch, each weighted sum one node)",
        opts.epochs,
        nodes / opts.epochs.max(1)
    );

    if let Some(path) = &opts.save {
        save(&model, path)?;
    }

    let predicted = predict(&g, &model, &test_set)?;
    let test_accuracy = accuracy(&predicted, &test_set.labels);
    let right = (test_accuracy * test_set.len() as f64).round();
    println!(
        "test accuracy {:.2} % ({right}/{})",
        100.0 * test_accuracy,
        test_set.len()
    );
    if opts.is_default_run() {
        assert!(
            test_accuracy >= 0.96,
            "the default run must reach 96 % test accuracy, got {:.2} %",
            100.0 * test_accuracy
        );
    }
    let m = confusion(&predicted, &test_set.labels);
    print_confusion(&m);
    assert_eq!(
        m.iter().flatten().sum::<usize>(),
        test_set.len(),
        "every test digit is counted once"
    );
    println!(
        "peak memory {}",
        peak_rss_kib().map_or_else(
            || "unknown".into(),
            |k| format!("{:.1} MiB", k as f64 / 1024.0)
        )
    );

    let graphs = picture_dir(opts.out.as_deref(), opts.is_default_run())?;
    plot_confusion(
        &graphs.join("digits_confusion.svg"),
        &m,
        &format!(
            "digits: test confusion matrix, accuracy {:.2} %",
            100.0 * test_accuracy
        ),
    )?;
    println!("wrote {}", graphs.join("digits_confusion.svg").display());
    let mistakes: Vec<(&[f64], usize, usize)> = test_set
        .features
        .iter()
        .zip(&test_set.labels)
        .zip(&predicted)
        .filter(|((_, l), p)| l != p)
        .map(|((x, &l), &p)| (x.as_slice(), l, p))
        .collect();
    plot_mistakes(&graphs.join("digits_mistakes.svg"), &mistakes)?;
    println!("wrote {}", graphs.join("digits_mistakes.svg").display());
    plot_curves(&graphs.join("digits_curves.svg"), &epochs)?;
    println!("wrote {}", graphs.join("digits_curves.svg").display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse_and_only_the_default_run_draws_into_graphs() {
        let o = Options::try_parse_from(["digits_train"]).unwrap();
        assert!(o.is_default_run());
        let o = Options::try_parse_from([
            "digits_train",
            "--epochs",
            "3",
            "--hidden",
            "16",
            "--seed",
            "7",
        ])
        .unwrap();
        assert_eq!((o.epochs, o.hidden, o.seed), (3, 16, 7));
        assert!(!o.is_default_run());
        assert!(Options::try_parse_from(["digits_train", "--epochs", "x"]).is_err());
        assert!(Options::try_parse_from(["digits_train", "--hidden", "0"]).is_err());
    }
}
