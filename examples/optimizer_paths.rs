//! The optimizers of ゼロから作るDeep Learning, chapter 6 (figures 6-3 to 6-8), side by side:
//! SGD, Momentum, AdaGrad, RMSprop and Adam on f(x, y) = x²/20 + y².
//!
//! The book starts every optimizer at (−7, 2) and takes 30 steps with its learning rates:
//! SGD 0.95, Momentum 0.1 (momentum 0.9), AdaGrad 1.5, Adam 0.3. We add RMSprop with lr 0.1,
//! our choice: the book's `RMSprop` class defaults to 0.01, which in 30 steps gets only from
//! (−7, 2) to (−6.04, 1.12). The gradients come from the engine (`backward()` on the graph of f), and the
//! steps from `scalargrad::optim`, whose update rules are `torch.optim`'s. They differ from
//! the book's `common/optimizer.py` only in where `eps` goes (PyTorch: 1e−10 for AdaGrad,
//! 1e−8 for RMSprop and Adam, added after the bias correction; the book: 1e−7 everywhere,
//! before it), which moves no point drawn by more than 10⁻⁵ (asserted below).
//!
//! The f(x, y) bowl is 20 times steeper along y than along x, so the gradient points mostly
//! along y: SGD zig-zags across the valley and crawls along it; Momentum rolls like a ball
//! and overshoots; AdaGrad's steps shrink along y as the squared gradients add up, so it
//! heads straight for the minimum; RMSprop forgets old gradients and keeps a steady pace;
//! Adam combines momentum with the per-coordinate scaling.
//!
//! Run: `cargo run --release --example optimizer_paths`. Writes `graphs/optimizer_paths.svg`.

use plotters::prelude::*;
use scalargrad::Graph;
use scalargrad::Value;
use scalargrad::optim::{
    Adagrad, AdagradConfig, Adam, AdamConfig, Optimizer, RmsProp, RmsPropConfig, Sgd, SgdConfig,
};

const START: (f64, f64) = (-7.0, 2.0);
const STEPS: usize = 30;
/// The window of the book's plots: x in [−10, 10]; y in [−5, 5], where its contours are.
const XS: (f64, f64) = (-10.0, 10.0);
const YS: (f64, f64) = (-5.0, 5.0);

/// f(x, y) = x²/20 + y², built from engine values.
fn f<'g>(x: Value<'g>, y: Value<'g>) -> Value<'g> {
    x.powi(2) / 20.0 + y.powi(2)
}

/// 30 steps of a library optimizer from [`START`], gradients by `backward()`: the 31 points.
fn path(make: impl for<'g> FnOnce(Vec<Value<'g>>) -> Box<dyn Optimizer + 'g>) -> Vec<(f64, f64)> {
    let g = Graph::new();
    let p = g.values(&[START.0, START.1]);
    let mut opt = make(p.clone());
    let cp = g.checkpoint();
    let mut points = vec![START];
    for _ in 0..STEPS {
        opt.zero_grad();
        f(p[0], p[1]).backward();
        opt.step();
        g.rewind(cp);
        points.push((p[0].data(), p[1].data()));
    }
    points
}

/// The gradient of f in closed form: (x/10, 2y).
fn grad(p: [f64; 2]) -> [f64; 2] {
    [p[0] / 10.0, 2.0 * p[1]]
}

/// 30 steps of a plain-f64 update `step(k, p, g)` (k = 1, 2, …) with the closed-form
/// gradient: the final point.
fn plain(mut step: impl FnMut(usize, &mut [f64; 2], [f64; 2])) -> (f64, f64) {
    let mut p = [START.0, START.1];
    for k in 1..=STEPS {
        let g = grad(p);
        step(k, &mut p, g);
    }
    (p[0], p[1])
}

/// The update rules of `torch.optim` written out in plain f64 (no fused multiply-add):
/// what the library's final points are checked against. Indexed as [`NAMES`].
fn torch_rules() -> [(f64, f64); 5] {
    let sgd = plain(|_, p, g| {
        for i in 0..2 {
            p[i] -= 0.95 * g[i];
        }
    });
    let mut b = [0.0; 2];
    let momentum = plain(|k, p, g| {
        for i in 0..2 {
            b[i] = if k == 1 { g[i] } else { 0.9 * b[i] + g[i] };
            p[i] -= 0.1 * b[i];
        }
    });
    let mut s = [0.0; 2];
    let adagrad = plain(|_, p, g| {
        for i in 0..2 {
            s[i] += g[i] * g[i];
            p[i] -= 1.5 * g[i] / (s[i].sqrt() + 1e-10);
        }
    });
    let mut v = [0.0; 2];
    let rmsprop = plain(|_, p, g| {
        for i in 0..2 {
            v[i] = 0.99 * v[i] + 0.01 * g[i] * g[i];
            p[i] -= 0.1 * g[i] / (v[i].sqrt() + 1e-8);
        }
    });
    let (mut m, mut v) = ([0.0; 2], [0.0; 2]);
    let adam = plain(|k, p, g| {
        let t = k as f64;
        for i in 0..2 {
            m[i] = 0.9 * m[i] + 0.1 * g[i];
            v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
            let m_hat = m[i] / (1.0 - 0.9f64.powf(t));
            let v_hat = v[i] / (1.0 - 0.999f64.powf(t));
            p[i] -= 0.3 * m_hat / (v_hat.sqrt() + 1e-8);
        }
    });
    [sgd, momentum, adagrad, rmsprop, adam]
}

/// The book's `common/optimizer.py` rules (eps 1e−7, before Adam's bias correction), for the
/// same learning rates. Indexed as [`NAMES`].
fn book_rules() -> [(f64, f64); 5] {
    let sgd = plain(|_, p, g| {
        for i in 0..2 {
            p[i] -= 0.95 * g[i];
        }
    });
    let mut v = [0.0; 2];
    let momentum = plain(|_, p, g| {
        for i in 0..2 {
            v[i] = 0.9 * v[i] - 0.1 * g[i];
            p[i] += v[i];
        }
    });
    let mut h = [0.0; 2];
    let adagrad = plain(|_, p, g| {
        for i in 0..2 {
            h[i] += g[i] * g[i];
            p[i] -= 1.5 * g[i] / (h[i].sqrt() + 1e-7);
        }
    });
    let mut h = [0.0; 2];
    let rmsprop = plain(|_, p, g| {
        for i in 0..2 {
            h[i] *= 0.99;
            h[i] += 0.01 * g[i] * g[i];
            p[i] -= 0.1 * g[i] / (h[i].sqrt() + 1e-7);
        }
    });
    let (mut m, mut v) = ([0.0; 2], [0.0; 2]);
    let adam = plain(|k, p, g| {
        let t = k as f64;
        let lr_t = 0.3 * (1.0 - 0.999f64.powf(t)).sqrt() / (1.0 - 0.9f64.powf(t));
        for i in 0..2 {
            m[i] += 0.1 * (g[i] - m[i]);
            v[i] += 0.001 * (g[i] * g[i] - v[i]);
            p[i] -= lr_t * m[i] / (v[i].sqrt() + 1e-7);
        }
    });
    [sgd, momentum, adagrad, rmsprop, adam]
}

const NAMES: [&str; 5] = [
    "SGD (lr 0.95)",
    "Momentum (lr 0.1, momentum 0.9)",
    "AdaGrad (lr 1.5)",
    "RMSprop (lr 0.1, alpha 0.99)",
    "Adam (lr 0.3)",
];

/// matplotlib's viridis at a few stops, for the contour levels (its `contour` default).
fn viridis(t: f64) -> RGBColor {
    const STOPS: [[f64; 3]; 5] = [
        [68.0, 1.0, 84.0],
        [59.0, 82.0, 139.0],
        [33.0, 145.0, 140.0],
        [94.0, 201.0, 98.0],
        [253.0, 231.0, 37.0],
    ];
    let x = t.clamp(0.0, 1.0) * 4.0;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let k = (x.floor() as usize).min(3);
    let u = x - k as f64;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let mix = |i: usize| (STOPS[k][i] + u * (STOPS[k + 1][i] - STOPS[k][i])).round() as u8;
    RGBColor(mix(0), mix(1), mix(2))
}

/// The contour f = c, the ellipse x = √(20c)·cos θ, y = √c·sin θ, cut into the runs that lie
/// inside the window.
fn contour(c: f64) -> Vec<Vec<(f64, f64)>> {
    const N: usize = 240;
    let mut runs = vec![Vec::new()];
    for k in 0..=N {
        let theta = 2.0 * std::f64::consts::PI * k as f64 / N as f64;
        let (x, y) = ((20.0 * c).sqrt() * theta.cos(), c.sqrt() * theta.sin());
        if (XS.0..=XS.1).contains(&x) && (YS.0..=YS.1).contains(&y) {
            runs.last_mut().expect("one run at least").push((x, y));
        } else if !runs.last().expect("one run at least").is_empty() {
            runs.push(Vec::new());
        }
    }
    runs.retain(|r| r.len() > 1);
    runs
}

/// One panel per optimizer, as in the book (red paths over the contours of f, a cross at the
/// minimum), and a sixth with all five paths.
fn draw(paths: &[Vec<(f64, f64)>]) -> Result<(), Box<dyn std::error::Error>> {
    const LEVELS: [f64; 7] = [0.25, 1.0, 2.0, 3.0, 4.0, 5.5, 7.0];
    const COLORS: [RGBColor; 5] = [
        RGBColor(214, 39, 40),
        RGBColor(31, 119, 180),
        RGBColor(44, 160, 44),
        RGBColor(148, 103, 189),
        RGBColor(255, 127, 14),
    ];
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("graphs/optimizer_paths.svg");
    let root = SVGBackend::new(&file, (1200, 620)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled(
        "f(x, y) = x²/20 + y² from (−7, 2), 30 steps each (ゼロから作るDeep Learning, ch. 6)",
        ("sans-serif", 20),
    )?;
    let panels = root.split_evenly((2, 3));
    for (k, area) in panels.iter().enumerate() {
        let title = NAMES.get(k).copied().unwrap_or("all five");
        let mut chart = ChartBuilder::on(area)
            .caption(title, ("sans-serif", 16))
            .margin(8)
            .margin_right(20)
            .x_label_area_size(40)
            .y_label_area_size(48)
            .build_cartesian_2d(XS.0..XS.1, YS.0..YS.1)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(5)
            .y_labels(5)
            .axis_desc_style(("sans-serif", 14))
            .x_desc("x")
            .y_desc("y")
            .draw()?;
        for (i, &c) in LEVELS.iter().enumerate() {
            let color = viridis(i as f64 / (LEVELS.len() - 1) as f64);
            for run in contour(c) {
                chart.draw_series(LineSeries::new(run, color.stroke_width(1)))?;
            }
        }
        chart.draw_series([
            PathElement::new(vec![(-0.4, 0.0), (0.4, 0.0)], BLACK.stroke_width(1)),
            PathElement::new(vec![(0.0, -0.2), (0.0, 0.2)], BLACK.stroke_width(1)),
        ])?;
        let shown: Vec<usize> = if k < paths.len() {
            vec![k]
        } else {
            (0..paths.len()).collect()
        };
        for i in shown {
            // The book's red 'o-' in the single panels; one colour per optimizer in the last.
            let color = if k < paths.len() { RED } else { COLORS[i] };
            let series = chart.draw_series(LineSeries::new(
                paths[i].iter().copied(),
                color.stroke_width(2),
            ))?;
            if k == paths.len() {
                series
                    .label(NAMES[i].split(" (").next().unwrap_or(NAMES[i]))
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 14, y)], color.stroke_width(2))
                    });
            }
            chart.draw_series(paths[i].iter().map(|&p| Circle::new(p, 3, color.filled())))?;
        }
        if k == paths.len() {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .label_font(("sans-serif", 13))
                .draw()?;
        }
    }
    root.present()?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let valid = "the book's settings are valid";
    let paths = vec![
        path(|p| {
            Box::new(
                Sgd::new(
                    p,
                    SgdConfig {
                        lr: 0.95,
                        ..Default::default()
                    },
                )
                .expect(valid),
            )
        }),
        path(|p| {
            Box::new(
                Sgd::new(
                    p,
                    SgdConfig {
                        lr: 0.1,
                        momentum: 0.9,
                        ..Default::default()
                    },
                )
                .expect(valid),
            )
        }),
        path(|p| {
            Box::new(
                Adagrad::new(
                    p,
                    AdagradConfig {
                        lr: 1.5,
                        ..Default::default()
                    },
                )
                .expect(valid),
            )
        }),
        path(|p| {
            Box::new(
                RmsProp::new(
                    p,
                    RmsPropConfig {
                        lr: 0.1,
                        ..Default::default()
                    },
                )
                .expect(valid),
            )
        }),
        path(|p| {
            Box::new(
                Adam::new(
                    p,
                    AdamConfig {
                        lr: 0.3,
                        ..Default::default()
                    },
                )
                .expect(valid),
            )
        }),
    ];

    let torch = torch_rules();
    let book = book_rules();
    println!("after {STEPS} steps from {START:?} (the minimum is (0, 0)):");
    for (i, name) in NAMES.iter().enumerate() {
        let (x, y) = *paths[i].last().expect("31 points");
        println!(
            "  {name:<32} ({x:>22.16e}, {y:>22.16e})   f = {:.3e}",
            x * x / 20.0 + y * y
        );
        let (tx, ty) = torch[i];
        assert!(
            (x - tx).abs() <= 1e-12 && (y - ty).abs() <= 1e-12,
            "{name}: ({x}, {y}) against the plain-f64 rule ({tx}, {ty})"
        );
        let (bx, by) = book[i];
        assert!(
            (x - bx).abs() <= 1e-5 && (y - by).abs() <= 1e-5,
            "{name}: ({x}, {y}) against the book's rule ({bx}, {by})"
        );
    }
    // SGD in closed form: x ← (1 − 0.95/10)·x and y ← (1 − 0.95·2)·y each step.
    let (x, y) = *paths[0].last().expect("31 points");
    assert!((x - (-7.0 * 0.905f64.powi(30))).abs() < 1e-12, "SGD x {x}");
    assert!((y - 2.0 * (-0.9f64).powi(30)).abs() < 1e-12, "SGD y {y}");
    // SGD zig-zags: y changes sign every step.
    assert!(paths[0].windows(2).all(|w| w[0].1 * w[1].1 < 0.0));
    println!("each within 1e-12 of the same rule in plain f64 (closed-form gradient (x/10, 2y)),");
    println!("and within 1e-5 of the book's common/optimizer.py");

    draw(&paths)?;
    println!("wrote graphs/optimizer_paths.svg");
    Ok(())
}
