//! [`decision_regions`]: the plane coloured by what a 2-D classifier predicts, with the
//! labelled points on top, as a self-contained SVG.
//!
//! It knows nothing of networks: any `FnMut(f64, f64) -> usize` is a classifier, so a learner
//! draws their own model (or a rule written by hand) with the same call the examples use.

use std::fmt::Write as _;

use super::svg::{escape, text_width};
use crate::Error;

/// How a decision-region plot looks. [`RegionOptions::new`] takes the title; the rest has
/// defaults.
#[derive(Clone, Debug, PartialEq)]
pub struct RegionOptions {
    /// The title above the plot (the caller says what the picture shows, e.g. the accuracy).
    pub title: String,
    /// The legend's name of each class index; an index without a name is called `class k`.
    pub class_names: Vec<String>,
    /// The names of the horizontal and vertical axes.
    pub axis_names: [String; 2],
    /// The window of the plane `[(x_min, x_max), (y_min, y_max)]`; `None` takes it from the
    /// points, widened by [`padding`](Self::padding) on every side.
    pub bounds: Option<[(f64, f64); 2]>,
    /// With `bounds: None`: how much room around the points, as a fraction of their spread
    /// along each axis (0.1 = 10 % on each side).
    pub padding: f64,
    /// The picture's width and height in pixels.
    pub size: (u32, u32),
    /// The side of one grid cell in pixels: the classifier is asked once per cell, at its
    /// centre. 1 asks at every pixel; 2 (the default) is four times fewer calls.
    pub cell: u32,
}

impl RegionOptions {
    /// The defaults with this title: axes `x1` and `x2`, bounds from the points padded by
    /// 10 %, 760 × 460 pixels, cells of 2 pixels.
    #[must_use]
    pub fn new(title: impl Into<String>) -> Self {
        RegionOptions {
            title: title.into(),
            class_names: Vec::new(),
            axis_names: ["x1".into(), "x2".into()],
            bounds: None,
            padding: 0.1,
            size: (760, 460),
            cell: 2,
        }
    }
}

/// The fill of each predicted class's region: matplotlib's `lightskyblue` and `orange` (the
/// tutorial's two), then light tints for more classes; they repeat after ten.
const REGION: [&str; 10] = [
    "#87CEFA", "#FFA500", "#B5E8A9", "#F4A6A6", "#D2BDE6", "#D9BBB0", "#F5C6E6", "#D6D6D6",
    "#E8E89A", "#A8E6EE",
];
/// The fill of each class's points: matplotlib's default cycle `C0`, `C1`, … (the tutorial's).
const POINT: [&str; 10] = [
    "#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B", "#E377C2", "#7F7F7F",
    "#BCBD22", "#17BECF",
];
/// The ring around a point that the classifier gets wrong.
const WRONG: &str = "#B00020";

const FONT: f64 = 12.0;
const TITLE_FONT: f64 = 16.0;
const POINT_RADIUS: f64 = 5.5;

/// Draws the decision regions of a 2-D classifier: every cell of the window is coloured by
/// the class `classify(x, y)` returns for its centre, and `points[i]` is drawn on top in the
/// colour of `classes[i]`. A point the classifier gets wrong has a dark red ring, and the
/// legend counts them. Returns the SVG text; write it where you like.
///
/// The axes come from the points (padded by [`RegionOptions::padding`]) unless
/// [`RegionOptions::bounds`] fixes them, so any data set is drawn whole. For a model that
/// gives probabilities, classify by the largest one (see the example).
///
/// ```
/// use scalargrad::viz::{RegionOptions, decision_regions};
///
/// // Points inside the unit circle are class 1; a "model" that knows it.
/// let points = [[0.0, 0.0], [0.5, -0.5], [2.0, 1.0], [-1.5, 1.5]];
/// let classes = [1, 1, 0, 0];
/// let probabilities = |x: f64, y: f64| {
///     let p = 1.0 / (1.0 + (x * x + y * y - 1.0).exp());
///     [1.0 - p, p]
/// };
/// let argmax = |x: f64, y: f64| usize::from(probabilities(x, y)[1] > 0.5);
/// let svg = decision_regions(argmax, &points, &classes, &RegionOptions::new("circle"))?;
/// assert!(svg.starts_with("<svg") && svg.contains("circle"));
/// assert!(svg.contains(r#"data-class="1""#));
/// # Ok::<(), scalargrad::Error>(())
/// ```
///
/// # Errors
/// [`Error::ShapeMismatch`] when `points` and `classes` differ in length;
/// [`Error::InvalidArgument`] when a point or a bound is not finite, a window is empty
/// (`min >= max`), there are no points and no bounds, the cell is 0 pixels, or the picture is
/// too small to hold a plot.
pub fn decision_regions(
    mut classify: impl FnMut(f64, f64) -> usize,
    points: &[[f64; 2]],
    classes: &[usize],
    options: &RegionOptions,
) -> Result<String, Error> {
    let window = check(points, classes, options)?;
    // Every class that appears: in the data, in the names, or (found below) in the plane.
    let known = classes
        .iter()
        .map(|&c| c + 1)
        .max()
        .unwrap_or(0)
        .max(options.class_names.len());
    let legend_width = (0..known.max(2))
        .map(|k| text_width(&format!("predicted {}", class_name(options, k)), FONT))
        .chain([text_width("wrong: 0000 of 0000", FONT)])
        .fold(0.0, f64::max)
        + 44.0;
    let plot = Plot::new(options, window, legend_width)?;
    let (rects, seen) = plot.regions(&mut classify);

    let (width, height) = options.size;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="{FONT}">"#
    );
    let _ = writeln!(
        svg,
        r##"<rect width="100%" height="100%" fill="#ffffff"/>"##
    );
    // The title, shrunk to fit the width when it is long.
    let title_font = (TITLE_FONT * (f64::from(width) - 16.0)
        / text_width(&options.title, TITLE_FONT))
    .clamp(9.0, TITLE_FONT);
    let _ = writeln!(
        svg,
        r#"<text class="title" x="{}" y="24" text-anchor="middle" font-size="{title_font:.1}">{}</text>"#,
        f64::from(width) / 2.0,
        escape(&options.title)
    );
    plot.write_regions(&mut svg, &rects);
    plot.write_axes(&mut svg, options);
    let wrong = plot.write_points(&mut svg, &mut classify, points, classes);
    plot.write_legend(&mut svg, options, known.max(seen), (wrong, points.len()));
    let _ = writeln!(svg, "</svg>");
    Ok(svg)
}

const WHAT: &str = "viz::decision_regions";

fn invalid(message: String) -> Error {
    Error::InvalidArgument {
        what: WHAT,
        message,
    }
}

/// The legend's name of class `k`.
fn class_name(options: &RegionOptions, k: usize) -> String {
    options
        .class_names
        .get(k)
        .cloned()
        .unwrap_or_else(|| format!("class {k}"))
}

/// Checks the input; returns the window of the plane to draw.
fn check(
    points: &[[f64; 2]],
    classes: &[usize],
    options: &RegionOptions,
) -> Result<[(f64, f64); 2], Error> {
    if points.len() != classes.len() {
        return Err(Error::ShapeMismatch {
            op: WHAT,
            message: "one class per point".into(),
            expected: format!("{} classes (one per point)", points.len()),
            found: format!("{} classes", classes.len()),
        });
    }
    if let Some((i, [x, y])) = points
        .iter()
        .enumerate()
        .find(|(_, p)| !p[0].is_finite() || !p[1].is_finite())
    {
        return Err(invalid(format!(
            "point {i} is ({x}, {y}): every point must be finite"
        )));
    }
    if options.cell == 0 {
        return Err(invalid("cell is 0 pixels: give at least 1".into()));
    }
    let window = match options.bounds {
        Some(b) => b,
        None if points.is_empty() => {
            return Err(invalid(
                "no points to take the axes from: give some points or RegionOptions::bounds".into(),
            ));
        }
        None => padded_bounds(points, options.padding),
    };
    for (axis, (lo, hi)) in ["x", "y"].into_iter().zip(window) {
        if !lo.is_finite() || !hi.is_finite() || lo >= hi {
            return Err(invalid(format!(
                "the {axis} axis runs from {lo} to {hi}: it needs finite bounds with min < max"
            )));
        }
    }
    Ok(window)
}

/// The plot area in pixels and the window of the plane it shows.
struct Plot {
    /// The window `[(x0, x1), (y0, y1)]`.
    window: [(f64, f64); 2],
    left: f64,
    top: f64,
    cell: f64,
    cols: usize,
    rows: usize,
}

impl Plot {
    /// Room for the title above, tick labels left and below, the legend right; whole cells
    /// only, so the regions end exactly at the frame.
    fn new(
        options: &RegionOptions,
        window: [(f64, f64); 2],
        legend_width: f64,
    ) -> Result<Self, Error> {
        let (width, height) = (f64::from(options.size.0), f64::from(options.size.1));
        let cell = f64::from(options.cell);
        let (left, top) = (64.0, 40.0);
        let avail_w = width - left - legend_width - 24.0;
        let avail_h = height - top - 48.0;
        if avail_w < 4.0 * cell || avail_h < 4.0 * cell {
            return Err(invalid(format!(
                "a {}×{} picture leaves no room for the plot next to the legend: make it larger",
                options.size.0, options.size.1
            )));
        }
        Ok(Plot {
            window,
            left,
            top,
            cell,
            cols: cells(avail_w, cell),
            rows: cells(avail_h, cell),
        })
    }

    fn width(&self) -> f64 {
        self.cols as f64 * self.cell
    }

    fn height(&self) -> f64 {
        self.rows as f64 * self.cell
    }

    /// A point of the plane in pixels.
    fn to_px(&self, x: f64, y: f64) -> (f64, f64) {
        let [(x0, x1), (y0, y1)] = self.window;
        (
            self.left + (x - x0) / (x1 - x0) * self.width(),
            self.top + (y1 - y) / (y1 - y0) * self.height(),
        )
    }

    /// The regions as rectangles, and one more than the largest class seen. Each row is runs
    /// of one class; a run with the same ends and class as one in the previous row grows that
    /// rectangle instead of starting a new one.
    fn regions(&self, classify: &mut impl FnMut(f64, f64) -> usize) -> (Vec<Run>, usize) {
        let [(x0, x1), (y0, y1)] = self.window;
        let mut seen = 0;
        let mut rects: Vec<Run> = Vec::new();
        let mut open: Vec<Run> = Vec::new();
        for j in 0..self.rows {
            let y = y1 - (j as f64 + 0.5) / self.rows as f64 * (y1 - y0);
            let mut row: Vec<Run> = Vec::new();
            for i in 0..self.cols {
                let x = x0 + (i as f64 + 0.5) / self.cols as f64 * (x1 - x0);
                let class = classify(x, y);
                seen = seen.max(class.saturating_add(1));
                match row.last_mut() {
                    Some(run) if run.class == class => run.end = i + 1,
                    _ => row.push(Run {
                        start: i,
                        end: i + 1,
                        class,
                        row: j,
                        rows: 1,
                    }),
                }
            }
            let mut still_open = Vec::with_capacity(row.len());
            for run in row {
                if let Some(k) = open
                    .iter()
                    .position(|o| (o.start, o.end, o.class) == (run.start, run.end, run.class))
                {
                    let mut grown = open.swap_remove(k);
                    grown.rows += 1;
                    still_open.push(grown);
                } else {
                    still_open.push(run);
                }
            }
            rects.append(&mut open);
            open = still_open;
        }
        rects.append(&mut open);
        rects.sort_by_key(|r| (r.class, r.row, r.start));
        (rects, seen)
    }

    fn write_regions(&self, svg: &mut String, rects: &[Run]) {
        let _ = writeln!(svg, r#"<g class="regions" shape-rendering="crispEdges">"#);
        for r in rects {
            let _ = writeln!(
                svg,
                r#"<rect data-class="{}" x="{}" y="{}" width="{}" height="{}" fill="{}"/>"#,
                r.class,
                self.left + r.start as f64 * self.cell,
                self.top + r.row as f64 * self.cell,
                (r.end - r.start) as f64 * self.cell,
                r.rows as f64 * self.cell,
                REGION[r.class % REGION.len()]
            );
        }
        let _ = writeln!(svg, "</g>");
    }

    /// The frame, ticks and axis names.
    fn write_axes(&self, svg: &mut String, options: &RegionOptions) {
        let [(x0, x1), (y0, y1)] = self.window;
        let (left, top, w, h) = (self.left, self.top, self.width(), self.height());
        let _ = writeln!(
            svg,
            r##"<rect class="frame" x="{left}" y="{top}" width="{w}" height="{h}" fill="none" stroke="#000000"/>"##
        );
        let bottom = top + h;
        for t in ticks(x0, x1) {
            let (px, _) = self.to_px(t.value, y0);
            let _ = writeln!(
                svg,
                r##"<line x1="{px:.1}" y1="{bottom}" x2="{px:.1}" y2="{}" stroke="#000000"/><text class="tick-x" x="{px:.1}" y="{}" text-anchor="middle">{}</text>"##,
                bottom + 5.0,
                bottom + 18.0,
                t.label
            );
        }
        for t in ticks(y0, y1) {
            let (_, py) = self.to_px(x0, t.value);
            let _ = writeln!(
                svg,
                r##"<line x1="{}" y1="{py:.1}" x2="{left}" y2="{py:.1}" stroke="#000000"/><text class="tick-y" x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
                left - 5.0,
                left - 8.0,
                py + 4.0,
                t.label
            );
        }
        let _ = writeln!(
            svg,
            r#"<text class="axis-x" x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
            left + w / 2.0,
            bottom + 36.0,
            escape(&options.axis_names[0])
        );
        let _ = writeln!(
            svg,
            r#"<text class="axis-y" x="16" y="{0:.1}" text-anchor="middle" transform="rotate(-90 16 {0:.1})">{1}</text>"#,
            top + h / 2.0,
            escape(&options.axis_names[1])
        );
    }

    /// The points, each in its class's colour; a dark red ring where the classifier is
    /// wrong. Returns how many are wrong.
    fn write_points(
        &self,
        svg: &mut String,
        classify: &mut impl FnMut(f64, f64) -> usize,
        points: &[[f64; 2]],
        classes: &[usize],
    ) -> usize {
        let mut wrong = 0;
        let _ = writeln!(svg, r#"<g class="points">"#);
        for (&[x, y], &c) in points.iter().zip(classes) {
            let (px, py) = self.to_px(x, y);
            let predicted = classify(x, y);
            let (stroke, stroke_width) = if predicted == c {
                ("#000000", 1.0)
            } else {
                wrong += 1;
                (WRONG, 2.5)
            };
            let _ = writeln!(
                svg,
                r#"<circle data-class="{c}" data-predicted="{predicted}" cx="{px:.2}" cy="{py:.2}" r="{POINT_RADIUS}" fill="{}" stroke="{stroke}" stroke-width="{stroke_width}"/>"#,
                POINT[c % POINT.len()]
            );
        }
        let _ = writeln!(svg, "</g>");
        wrong
    }

    /// The legend, right of the plot: a swatch per predicted region, a dot per class of
    /// points, and the count of wrong points.
    fn write_legend(
        &self,
        svg: &mut String,
        options: &RegionOptions,
        class_count: usize,
        (wrong, total): (usize, usize),
    ) {
        let lx = self.left + self.width() + 16.0;
        let mut ly = self.top + 4.0;
        let _ = writeln!(svg, r#"<g class="legend">"#);
        for k in 0..class_count {
            let _ = writeln!(
                svg,
                r##"<rect x="{lx}" y="{ly}" width="14" height="14" fill="{}" stroke="#888888"/><text x="{}" y="{}">predicted {}</text>"##,
                REGION[k % REGION.len()],
                lx + 22.0,
                ly + 11.0,
                escape(&class_name(options, k))
            );
            ly += 20.0;
        }
        for k in 0..class_count {
            let _ = writeln!(
                svg,
                r##"<circle cx="{}" cy="{}" r="{POINT_RADIUS}" fill="{}" stroke="#000000"/><text x="{}" y="{}">{}</text>"##,
                lx + 7.0,
                ly + 7.0,
                POINT[k % POINT.len()],
                lx + 22.0,
                ly + 11.0,
                escape(&class_name(options, k))
            );
            ly += 20.0;
        }
        let _ = writeln!(
            svg,
            r#"<circle cx="{}" cy="{}" r="{POINT_RADIUS}" fill="none" stroke="{WRONG}" stroke-width="2.5"/><text class="wrong" x="{}" y="{}">wrong: {wrong} of {total}</text>"#,
            lx + 7.0,
            ly + 7.0,
            lx + 22.0,
            ly + 11.0,
        );
        let _ = writeln!(svg, "</g>");
    }
}

/// A run of cells of one class: columns `start..end`, rows `row..row + rows`.
struct Run {
    start: usize,
    end: usize,
    class: usize,
    row: usize,
    rows: usize,
}

/// How many whole cells of `cell` pixels fit in `avail` pixels.
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // avail ≥ 4 cells, finite
fn cells(avail: f64, cell: f64) -> usize {
    (avail / cell).floor() as usize
}

/// The points' bounding box, widened by `padding` times its spread on each side (by 1 when
/// every point has the same coordinate).
fn padded_bounds(points: &[[f64; 2]], padding: f64) -> [(f64, f64); 2] {
    let axis = |k: usize| {
        let lo = points.iter().map(|p| p[k]).fold(f64::INFINITY, f64::min);
        let hi = points
            .iter()
            .map(|p| p[k])
            .fold(f64::NEG_INFINITY, f64::max);
        let pad = if hi > lo {
            (hi - lo) * padding.max(0.0)
        } else {
            1.0
        };
        if pad > 0.0 {
            (lo - pad, hi + pad)
        } else {
            (lo, hi)
        }
    };
    [axis(0), axis(1)]
}

/// A tick mark: where, and its label.
struct Tick {
    value: f64,
    label: String,
}

/// Ticks at a round step (1, 2 or 5 times a power of ten) giving about six marks in `lo..=hi`.
fn ticks(lo: f64, hi: f64) -> Vec<Tick> {
    let raw = (hi - lo) / 6.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = match raw / magnitude {
        n if n < 1.5 => 1.0,
        n if n < 3.5 => 2.0,
        n if n < 7.5 => 5.0,
        _ => 10.0,
    } * magnitude;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // a small count
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    let first = (lo / step).ceil();
    (0..)
        .map(|k| (first + f64::from(k)) * step)
        .take_while(|&v| v <= hi + step * 1e-9)
        .take(100)
        .map(|value| {
            let label = format!("{value:.decimals$}");
            let label = if label
                .trim_start_matches('-')
                .chars()
                .all(|c| c == '0' || c == '.')
            {
                label.trim_start_matches('-').to_string()
            } else {
                label
            };
            Tick { value, label }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{RegionOptions, decision_regions, padded_bounds, ticks};

    #[test]
    fn ticks_are_round_and_zero_has_no_sign() {
        let labels =
            |lo, hi| -> Vec<String> { ticks(lo, hi).into_iter().map(|t| t.label).collect() };
        assert_eq!(labels(-5.0, 5.0), ["-4", "-2", "0", "2", "4"]);
        assert_eq!(labels(0.0, 6.0), ["0", "1", "2", "3", "4", "5", "6"]);
        assert_eq!(labels(-1.3, 1.3), ["-1.0", "-0.5", "0.0", "0.5", "1.0"]);
        assert_eq!(
            labels(-0.12, 0.12),
            ["-0.10", "-0.05", "0.00", "0.05", "0.10"]
        );
    }

    #[test]
    fn bounds_are_padded_around_the_points() {
        let b = padded_bounds(&[[0.0, 2.0], [10.0, 2.0]], 0.1);
        assert_eq!(b, [(-1.0, 11.0), (1.0, 3.0)]);
    }

    #[test]
    fn a_uniform_plane_is_one_rectangle() {
        let svg = decision_regions(
            |_, _| 0,
            &[[0.0, 0.0], [1.0, 1.0]],
            &[0, 0],
            &RegionOptions::new("t"),
        )
        .unwrap();
        let regions = svg.split(r#"<g class="regions""#).nth(1).unwrap();
        let regions = regions.split("</g>").next().unwrap();
        assert_eq!(regions.matches("<rect").count(), 1, "{regions}");
        assert!(svg.contains("wrong: 0 of 2"));
    }

    #[test]
    fn bad_input_gets_an_error_that_names_it() {
        let opts = RegionOptions::new("t");
        let err = |points: &[[f64; 2]], classes: &[usize], opts: &RegionOptions| {
            decision_regions(|_, _| 0, points, classes, opts)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(&[[0.0, 0.0]], &[0, 1], &opts),
            "viz::decision_regions: one class per point: expected 1 classes (one per point), found 2 classes"
        );
        assert!(
            err(&[[0.0, 0.0], [f64::NAN, 1.0]], &[0, 1], &opts).contains("point 1 is (NaN, 1)"),
        );
        assert!(err(&[], &[], &opts).contains("no points to take the axes from"));
        let reversed = RegionOptions {
            bounds: Some([(1.0, -1.0), (0.0, 1.0)]),
            ..opts.clone()
        };
        assert!(err(&[], &[], &reversed).contains("the x axis runs from 1 to -1"));
        let tiny = RegionOptions {
            size: (100, 50),
            ..opts
        };
        assert!(err(&[[0.0, 0.0]], &[0], &tiny).contains("make it larger"));
    }

    #[test]
    fn each_point_sits_on_the_region_the_classifier_gives_it() {
        // Left half class 0, right half class 1; one point on each side, one mislabelled.
        let points = [[-1.0, 0.0], [1.0, 0.0], [0.5, 0.5]];
        let classes = [0, 1, 0];
        let svg = decision_regions(
            |x, _| usize::from(x > 0.0),
            &points,
            &classes,
            &RegionOptions::new("halves"),
        )
        .unwrap();
        assert!(
            svg.contains(r#"data-class="0" data-predicted="1""#),
            "{svg}"
        );
        assert!(svg.contains("wrong: 1 of 3"));
        // Two regions, each one rectangle: the plane splits at x = 0 into two halves.
        let regions = svg.split(r#"<g class="regions""#).nth(1).unwrap();
        let regions = regions.split("</g>").next().unwrap();
        assert_eq!(
            regions.matches(r#"<rect data-class="0""#).count(),
            1,
            "{regions}"
        );
        assert_eq!(
            regions.matches(r#"<rect data-class="1""#).count(),
            1,
            "{regions}"
        );
    }
}
