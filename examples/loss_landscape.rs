//! The tutorial's rolling ball, drawn: the XOR network's loss over two of its weights, and the
//! paths that SGD, Adam (AMSGrad, as in the tutorial) and Newton's method take down the slope.
//!
//! The tutorial pictures training as a ball rolling down the slope of the loss until it
//! settles in a valley (誤差関数が…坂道であると考えたときに…球が転がるように重みが更新されて
//! いきます). Here the slope is the loss of the tutorial's 2-4-2 sigmoid network (PyTorch's
//! `CrossEntropyLoss`, class targets T[:,0]) as a function of two output weights, W2[0][0] and
//! W2[1][0], with the other 14 weights held at the values the tutorial's training reached
//! (`sample_data/reference/xor_adam_amsgrad.json`, the float64 replay). All three optimizers
//! start from the same point; Newton's method uses the exact 2×2 Hessian, built by
//! differentiating the gradient again with `Graph::grad`.
//!
//! Then Newton against gradient descent on the Rosenbrock function, whose curved valley is
//! the classic case where curvature information pays.
//!
//! Run: `cargo run --release --example loss_landscape`. Writes `graphs/loss_landscape.svg`.

mod common;

use common::{matrix, reference, xor_loss};
use plotters::prelude::*;
use scalargrad::optim::{Adam, AdamConfig, Optimizer, Sgd, SgdConfig};
use scalargrad::{Graph, Value};

/// The two weights on the axes: W2[0][0] and W2[1][0] in the 16 weights (W1 2×4, then W2 4×2,
/// row by row, `[in, out]` layout).
const AXES: (usize, usize) = (8, 10);
const START: (f64, f64) = (-4.0, 9.0);
/// The window drawn.
const XS: (f64, f64) = (-6.0, 8.0);
const YS: (f64, f64) = (-2.0, 14.0);

/// The trained weights, from the tutorial's float64 replay.
fn trained_weights() -> Vec<f64> {
    let r = reference("xor_adam_amsgrad.json");
    let w = &r["runs"]["adam_amsgrad_f64_10000"]["final_weights"];
    matrix(&w["W1_in_out"])
        .into_iter()
        .chain(matrix(&w["W2_in_out"]))
        .flatten()
        .collect()
}

/// The loss on the plane, its gradient and its exact Hessian (by `grad` twice) at `p`.
fn local_model(trained: &[f64], p: (f64, f64)) -> (f64, [f64; 2], [[f64; 2]; 2]) {
    let g = Graph::new();
    let mut w0 = trained.to_vec();
    (w0[AXES.0], w0[AXES.1]) = p;
    let w = g.values(&w0);
    let axes = [w[AXES.0], w[AXES.1]];
    let l = xor_loss(&g, &w);
    let d = g.grad(l, &axes);
    let h0 = g.grad(d[0], &axes);
    let h1 = g.grad(d[1], &axes);
    (
        l.data(),
        [d[0].data(), d[1].data()],
        [[h0[0].data(), h0[1].data()], [h1[0].data(), h1[1].data()]],
    )
}

/// Newton's step `−H⁻¹∇` for a 2×2 Hessian.
fn newton_step(d: [f64; 2], h: [[f64; 2]; 2]) -> (f64, f64) {
    let det = h[0][0] * h[1][1] - h[0][1] * h[1][0];
    (
        -(h[1][1] * d[0] - h[0][1] * d[1]) / det,
        -(h[0][0] * d[1] - h[1][0] * d[0]) / det,
    )
}

/// A path down the slope: the points visited and their losses.
struct Path {
    name: &'static str,
    points: Vec<(f64, f64)>,
    losses: Vec<f64>,
}

impl Path {
    /// Steps until the loss is within `tol` of `floor` (None if never).
    fn steps_to(&self, floor: f64, tol: f64) -> Option<usize> {
        self.losses.iter().position(|&l| l - floor <= tol)
    }
}

/// Runs a library optimizer on the two weights, the other 14 fixed, for `steps` steps.
fn descend<'g>(
    g: &'g Graph,
    trained: &[f64],
    name: &'static str,
    steps: usize,
    make: impl FnOnce(Vec<Value<'g>>) -> Box<dyn Optimizer + 'g>,
) -> Path {
    let mut w0 = trained.to_vec();
    (w0[AXES.0], w0[AXES.1]) = START;
    let w = g.values(&w0);
    let axes = [w[AXES.0], w[AXES.1]];
    let mut opt = make(axes.to_vec());
    let cp = g.checkpoint();
    let mut path = Path {
        name,
        points: Vec::new(),
        losses: Vec::new(),
    };
    for _ in 0..=steps {
        let l = xor_loss(g, &w);
        path.points.push((axes[0].data(), axes[1].data()));
        path.losses.push(l.data());
        opt.zero_grad();
        l.backward();
        opt.step();
        g.rewind(cp);
    }
    path
}

fn newton(trained: &[f64], steps: usize) -> Path {
    let mut p = START;
    let mut path = Path {
        name: "Newton (exact Hessian by grad)",
        points: Vec::new(),
        losses: Vec::new(),
    };
    for _ in 0..=steps {
        let (l, d, h) = local_model(trained, p);
        path.points.push(p);
        path.losses.push(l);
        // Damped Newton: far out the slope is almost a plane, the curvature tiny, and the full
        // step would overshoot; halve it until the loss goes down (Armijo's rule).
        let (dx, dy) = newton_step(d, h);
        let mut t = 1.0;
        while t > 1e-3
            && local_model(trained, (p.0 + t * dx, p.1 + t * dy)).0
                > l + 1e-4 * t * (d[0] * dx + d[1] * dy)
        {
            t *= 0.5;
        }
        p = (p.0 + t * dx, p.1 + t * dy);
    }
    path
}

/// The slope's colour at a level in [0, 1]: deep blue in the valley, through teal and green,
/// to yellow up the slope.
fn color(t: f64) -> RGBColor {
    const STOPS: [(f64, [f64; 3]); 4] = [
        (0.0, [38.0, 30.0, 110.0]),
        (0.35, [33.0, 145.0, 140.0]),
        (0.7, [120.0, 200.0, 80.0]),
        (1.0, [250.0, 230.0, 60.0]),
    ];
    let t = t.clamp(0.0, 1.0);
    let k = STOPS.iter().rposition(|s| s.0 <= t).unwrap_or(0).min(2);
    let ((t0, a), (t1, b)) = (STOPS[k], STOPS[k + 1]);
    let u = (t - t0) / (t1 - t0);
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let mix = |i: usize| (a[i] + u * (b[i] - a[i])).round() as u8;
    RGBColor(mix(0), mix(1), mix(2))
}

/// The loss on the plane at `p`.
fn loss_at(trained: &[f64], p: (f64, f64)) -> f64 {
    let g = Graph::new();
    let mut w0 = trained.to_vec();
    (w0[AXES.0], w0[AXES.1]) = p;
    xor_loss(&g, &g.values(&w0)).data()
}

/// The heat map of the loss (16 bands of ln loss, so the band edges are contour lines) and the
/// three paths, each ending in the ball.
fn draw(trained: &[f64], floor: f64, paths: &[&Path]) -> Result<(), Box<dyn std::error::Error>> {
    const N: usize = 120;
    const BANDS: f64 = 16.0;
    let path = std::path::Path::new("graphs/loss_landscape.svg");
    let root = SVGBackend::new(path, (840, 620)).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right) = root.split_horizontally(760);
    let mut chart = ChartBuilder::on(&left)
        .caption(
            "XOR loss over W2[0][0], W2[1][0] (others trained): the ball rolling down",
            ("sans-serif", 17),
        )
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(40)
        .build_cartesian_2d(XS.0..XS.1, YS.0..YS.1)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("W2[0][0]")
        .y_desc("W2[1][0]")
        .draw()?;
    let (dx, dy) = ((XS.1 - XS.0) / N as f64, (YS.1 - YS.0) / N as f64);
    let top = loss_at(trained, (XS.0, YS.0)).max(loss_at(trained, (XS.0, YS.1)));
    let band = |l: f64| {
        ((l / floor).ln() / (top / floor).ln() * BANDS)
            .floor()
            .min(BANDS)
    };
    let mut cells = Vec::new();
    for j in 0..N {
        let y = YS.0 + j as f64 * dy;
        let mut run_start = 0;
        let mut level = band(loss_at(trained, (XS.0 + 0.5 * dx, y + 0.5 * dy)));
        for i in 1..=N {
            let next = if i < N {
                band(loss_at(
                    trained,
                    (XS.0 + (i as f64 + 0.5) * dx, y + 0.5 * dy),
                ))
            } else {
                f64::NAN
            };
            if next != level {
                // Each run reaches half a cell into the next row and run, which are drawn
                // over it: cells that only touch leave anti-aliased seams, the faint
                // stripes of issue 21.
                let (x0, x1) = (XS.0 + run_start as f64 * dx, XS.0 + i as f64 * dx);
                let x1 = if i < N { x1 + 0.5 * dx } else { x1 };
                let y1 = if j + 1 < N { y + 1.5 * dy } else { y + dy };
                cells.push(Rectangle::new(
                    [(x0, y), (x1, y1)],
                    color(level / BANDS).filled(),
                ));
                run_start = i;
                level = next;
            }
        }
    }
    chart.draw_series(cells)?;
    let styles = [
        RGBColor(230, 60, 60),
        RGBColor(90, 220, 255),
        RGBColor(255, 140, 0),
    ];
    for (p, &c) in paths.iter().zip(&styles) {
        chart
            .draw_series(LineSeries::new(p.points.iter().copied(), c.stroke_width(2)))?
            .label(p.name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2)));
        let end = *p.points.last().expect("a path has points");
        chart.draw_series([
            Circle::new(end, 6, c.filled()),
            Circle::new(end, 6, BLACK.stroke_width(1)),
        ])?;
    }
    chart.draw_series(
        paths[2]
            .points
            .iter()
            .map(|&p| Circle::new(p, 3, styles[2].filled())),
    )?;
    chart
        .draw_series([Circle::new(START, 6, BLACK.filled())])?
        .label("start")
        .legend(|(x, y)| Circle::new((x + 8, y), 5, BLACK.filled()));
    chart
        .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
        .label("end of a path (the ball), in its path's colour")
        .legend(|(x, y)| {
            EmptyElement::at((x + 8, y))
                + Circle::new((0, 0), 6, RGBColor(200, 200, 200).filled())
                + Circle::new((0, 0), 6, BLACK.stroke_width(1))
        });
    // Lower left: the valley, where the paths end, is upper right.
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    colour_bar(&right, floor, top, BANDS)?;
    root.present()?;
    Ok(())
}

/// The colour bar: the 16 bands from the valley floor up, labelled with the loss at their
/// edges (the bands are even in ln loss).
fn colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    floor: f64,
    top: f64,
    bands: f64,
) -> Result<(), Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let loss_at_level = move |v: f64| floor * (top / floor).powf(v / bands);
    let mut bar = ChartBuilder::on(area)
        .margin_top(44)
        .margin_bottom(48)
        .margin_right(4)
        .y_label_area_size(48)
        .caption("loss", ("sans-serif", 13))
        .build_cartesian_2d(0.0..1.0, 0.0..bands)?;
    bar.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(9)
        .set_all_tick_mark_size(4)
        .y_label_style(("sans-serif", 10))
        .y_label_formatter(&|v| {
            let l = loss_at_level(*v);
            if l < 0.1 {
                format!("{l:.3}")
            } else {
                format!("{l:.2}")
            }
        })
        .draw()?;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let levels = bands as usize;
    bar.draw_series((0..levels).map(|k| {
        let k = k as f64;
        // Overlapping by half a band, for the same reason as the cells.
        let y1 = if k + 1.0 < bands { k + 1.5 } else { k + 1.0 };
        Rectangle::new([(0.0, k), (1.0, y1)], color(k / bands).filled())
    }))?;
    Ok(())
}

/// The Rosenbrock function `(1 − x)² + 100(y − x²)²`, minimum 0 at (1, 1).
fn rosenbrock<'g>(_: &'g Graph, v: &[Value<'g>]) -> Value<'g> {
    (1.0 - v[0]).powi(2) + 100.0 * (v[1] - v[0] * v[0]).powi(2)
}

/// Steps from (−1.2, 1), the classic start, until within 1e-6 of (1, 1): Newton's method
/// (exact Hessian by `grad`) and gradient descent with step 0.001 (at most `max` steps).
fn rosenbrock_race(max: usize) -> (usize, Option<usize>) {
    let close = |p: [f64; 2]| ((p[0] - 1.0).powi(2) + (p[1] - 1.0).powi(2)).sqrt() < 1e-6;
    let mut p = [-1.2, 1.0];
    let mut newton_steps = 0;
    while !close(p) {
        let h = scalargrad::hessian(rosenbrock, &p);
        let g = Graph::new();
        let v = g.values(&p);
        let d = g.grad(rosenbrock(&g, &v), &v);
        let (sx, sy) = newton_step(
            [d[0].data(), d[1].data()],
            [[h[0][0], h[0][1]], [h[1][0], h[1][1]]],
        );
        p = [p[0] + sx, p[1] + sy];
        newton_steps += 1;
        assert!(newton_steps < 100, "Newton did not converge on Rosenbrock");
    }
    let g = Graph::new();
    let v = g.values(&[-1.2, 1.0]);
    let cp = g.checkpoint();
    let mut gd_steps = None;
    for k in 0..max {
        if close([v[0].data(), v[1].data()]) {
            gd_steps = Some(k);
            break;
        }
        let d = g.grad(rosenbrock(&g, &v), &v);
        let step = [d[0].data(), d[1].data()];
        g.rewind(cp);
        for (vi, si) in v.iter().zip(step) {
            vi.set_data(vi.data() - 0.001 * si);
        }
    }
    (newton_steps, gd_steps)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let trained = trained_weights();
    let g = Graph::new();
    let sgd = descend(&g, &trained, "SGD (lr 1)", 3000, |p| {
        Box::new(
            Sgd::new(
                p,
                SgdConfig {
                    lr: 1.0,
                    ..SgdConfig::default()
                },
            )
            .expect("lr 1 is a valid SGD configuration"),
        )
    });
    let g = Graph::new();
    let adam = descend(&g, &trained, "Adam, amsgrad (lr 0.1)", 3000, |p| {
        Box::new(
            Adam::new(
                p,
                AdamConfig {
                    lr: 0.1,
                    amsgrad: true,
                    ..AdamConfig::default()
                },
            )
            .expect("lr 0.1 with amsgrad is a valid Adam configuration"),
        )
    });
    let newton = newton(&trained, 12);
    // The valley floor: where Newton's method settles (gradient ~1e-17 there).
    let floor = *newton.losses.last().expect("steps");
    let (_, d, h) = local_model(&trained, *newton.points.last().expect("steps"));
    assert!(
        d[0].abs() < 1e-12 && d[1].abs() < 1e-12,
        "Newton ends at a stationary point: {d:?}"
    );
    assert!(
        h[0][0] > 0.0 && h[0][0] * h[1][1] - h[0][1] * h[1][0] > 0.0,
        "a minimum: {h:?}"
    );
    println!(
        "valley floor: loss {floor:.6} at W2[0][0] = {:.4}, W2[1][0] = {:.4}",
        newton.points[12].0, newton.points[12].1
    );
    println!("start: loss {:.6} at {START:?}", sgd.losses[0]);
    println!("steps to reach the valley (loss within 1e-3 of the floor):");
    let mut counts = Vec::new();
    for p in [&sgd, &adam, &newton] {
        let k = p
            .steps_to(floor, 1e-3)
            .expect("every optimizer reaches the valley");
        println!("  {:<32} {k:>5}", p.name);
        counts.push(k);
    }
    draw(&trained, floor, &[&sgd, &adam, &newton])?;
    println!("wrote graphs/loss_landscape.svg");

    let (newton_steps, gd_steps) = rosenbrock_race(200_000);
    println!("Rosenbrock from (−1.2, 1) to within 1e-6 of (1, 1):");
    println!("  Newton's method (exact Hessian)  {newton_steps:>6} steps");
    match gd_steps {
        Some(k) => println!("  gradient descent (step 0.001)    {k:>6} steps"),
        None => println!("  gradient descent (step 0.001)    not within 200000 steps"),
    }
    // The numbers printed above (float64, deterministic):
    assert_eq!(
        counts,
        [202, 220, 5],
        "steps to the valley: SGD, Adam, Newton"
    );
    assert!(
        (floor - 0.016_382_477_239_513_485).abs() < 1e-12,
        "valley floor {floor}"
    );
    assert_eq!((newton_steps, gd_steps), (6, Some(34_374)), "Rosenbrock");
    Ok(())
}
