//! Helpers shared by the tutorial examples: Python-style number printing, the reference data,
//! and the window and class names of the tutorial's decision-region figures.
#![allow(dead_code)]

mod pictures;

use std::path::Path;

use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use serde_json::Value as Json;

#[allow(unused_imports)] // tests/tutorial.rs includes this module but draws nothing
pub use pictures::picture_dir;

/// A float as Python's `repr`/`str` prints it (`1.0`, `0.7091774798292554`, `9.3576229688393e-14`).
pub fn py_float(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "nan".into()
        } else if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let sci = format!("{x:e}");
    let (mantissa, exp) = sci.split_once('e').expect("{:e} has an exponent");
    let exp: i32 = exp.parse().expect("an integer exponent");
    if (-4..16).contains(&exp) {
        let s = format!("{x}");
        if s.contains('.') { s } else { format!("{s}.0") }
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
}

/// An integer-valued matrix as NumPy prints it, e.g. `[[ 3  4  5]\n [ 9 14 19]]`.
pub fn numpy_int_matrix(rows: &[Vec<f64>]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|x| format!("{x}")).collect())
        .collect();
    let width = cells.iter().flatten().map(String::len).max().unwrap_or(1);
    let lines: Vec<String> = cells
        .iter()
        .map(|r| {
            let body: Vec<String> = r.iter().map(|c| format!("{c:>width$}")).collect();
            format!("[{}]", body.join(" "))
        })
        .collect();
    format!("[{}]", lines.join("\n "))
}

/// Reads a JSON file of `sample_data/reference/`.
pub fn reference(name: &str) -> Json {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("sample_data/reference")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A JSON matrix of numbers.
pub fn matrix(j: &Json) -> Vec<Vec<f64>> {
    j.as_array()
        .expect("a matrix")
        .iter()
        .map(|r| {
            r.as_array()
                .expect("a row")
                .iter()
                .map(|x| x.as_f64().expect("a number"))
                .collect()
        })
        .collect()
}

/// The options of the tutorial's decision-region figures: the plane x1 ∈ [−5, 5),
/// x2 ∈ [0, 6) of its `np.arange(-5, 5, 0.01)`, `np.arange(0, 6, 0.01)` grid, and its class
/// names with the index each stands for (`class2 (index 1)`), because the tutorial's names
/// are one off from the indices and from the CSV's column names.
pub fn tutorial_regions(title: &str) -> scalargrad::viz::RegionOptions {
    scalargrad::viz::RegionOptions {
        class_names: vec!["class1 (index 0)".into(), "class2 (index 1)".into()],
        bounds: Some([(-5.0, 5.0), (0.0, 6.0)]),
        ..scalargrad::viz::RegionOptions::new(title)
    }
}

/// The legend box of every plot: upper right, framed, over a lightly transparent background.
pub fn draw_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(|e| e.to_string())
}

/// The tutorial's XOR inputs, in its order, and their class indices (`T[:, 0]`).
pub const XOR_X: [[f64; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0]];
/// See [`XOR_X`].
pub const XOR_CLASSES: [usize; 4] = [0, 1, 0, 1];

/// The tutorial's loss as a function of its 16 weights (W1 2×4, then W2 4×2, row by row):
/// sigmoid(X·W1)·W2, mean cross-entropy with class targets. The sums are fused dot nodes.
/// Used by `loss_landscape` and by `tests/hessian.rs`.
pub fn xor_loss<'g>(
    g: &'g scalargrad::Graph,
    w: &[scalargrad::Value<'g>],
) -> scalargrad::Value<'g> {
    use scalargrad::loss::{Reduction, Target, cross_entropy};
    let logits: Vec<Vec<scalargrad::Value<'g>>> = XOR_X
        .iter()
        .map(|row| {
            let x = g.values(row);
            let hidden: Vec<scalargrad::Value<'g>> = (0..4)
                .map(|j| g.weighted_sum(None, &[w[j], w[4 + j]], &x).sigmoid())
                .collect();
            (0..2)
                .map(|k| {
                    g.weighted_sum(None, &[w[8 + k], w[10 + k], w[12 + k], w[14 + k]], &hidden)
                })
                .collect()
        })
        .collect();
    cross_entropy(&logits, Target::Classes(&XOR_CLASSES), Reduction::Mean)
        .expect("4 rows of 2 logits and 4 class targets")
}
