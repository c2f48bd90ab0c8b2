//! Drawing computation graphs: a `petgraph` view of the subgraph behind a value, written as
//! Graphviz DOT, rendered to SVG in pure Rust (our own layered layout, which frames scopes),
//! or made into a page that steps through the forward and backward pass ([`to_html`]).
//!
//! The engine knows nothing of this module: [`trace`] reads the graph through the public API
//! of [`Value`](crate::Value) and [`Graph`](crate::Graph) only.
//!
//! ```
//! use scalargrad::{Graph, viz};
//!
//! let g = Graph::new();
//! let x = g.value(2.0).named("x");
//! let y = (x * -1.0).exp();
//! y.backward();
//! let t = viz::trace(y);
//! assert_eq!(t.graph.node_count(), 5); // x, "× −1", its result, "exp", y
//! let dot = viz::to_dot(&t, &viz::DrawOptions::default());
//! assert!(dot.starts_with("digraph {"));
//! ```

mod dot;
mod drawing;
mod graphviz;
mod html;
mod layout;
mod recipe;
mod regions;
mod svg;
mod trace;

pub use dot::to_dot;
pub use drawing::Drawing;
pub use graphviz::{GRAPHVIZ_TIMEOUT, Graphviz, run_graphviz};
pub use html::{live_data, to_html};
pub use recipe::{Recipe, RecipeError, RecipeNode, json_number, op_from_name, op_name};
pub use regions::{RegionOptions, decision_regions};
pub use svg::{render_svg, render_svg_with_graphviz};
pub use trace::{Trace, TraceEdge, TraceNode, TraceScope, trace};

/// How a drawing looks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrawOptions {
    /// Draw the backward pass as the book's figures do: the value each forward arrow carries
    /// written on it (orange), and the gradient flowing back on a second arrow pointing
    /// backwards (blue).
    pub backward: bool,
    /// Show each value's gradient in its node (`{ name | data | grad }`).
    pub show_grad: bool,
    /// A title drawn above the graph.
    pub title: Option<String>,
}

impl Default for DrawOptions {
    fn default() -> Self {
        DrawOptions {
            backward: false,
            show_grad: true,
            title: None,
        }
    }
}

impl DrawOptions {
    /// The book's style: forward values and backward gradients on the arrows.
    #[must_use]
    pub fn backward() -> Self {
        DrawOptions {
            backward: true,
            ..Self::default()
        }
    }
}

/// Colour of forward arrows in the backward drawing (the book's orange).
pub(crate) const FORWARD_COLOR: &str = "#e67e22";
/// Colour of backward arrows in the backward drawing (the book's blue).
pub(crate) const BACKWARD_COLOR: &str = "#2e86c1";

/// A number as drawings show it: up to 4 decimals, trailing zeros dropped (`220`, `2.2`,
/// `0.7311`), scientific notation for very small or very large magnitudes.
/// Negative zero prints as `0`.
#[must_use]
pub fn format_number(x: f64) -> String {
    format_digits(x, 4)
}

/// [`format_number`] with `decimals` decimals (and `decimals − 1` in the mantissa of
/// scientific notation), trailing zeros dropped; the captions show more digits where the
/// arithmetic they write needs them.
pub(crate) fn format_digits(x: f64, decimals: usize) -> String {
    if x == 0.0 {
        return "0".to_string();
    }
    if !x.is_finite() {
        return format!("{x}");
    }
    let a = x.abs();
    if !(1e-3..1e7).contains(&a) {
        return format!("{x:.*e}", decimals.saturating_sub(1));
    }
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    if s == "-0" { "0".into() } else { s.into() }
}

#[cfg(test)]
mod tests {
    use super::format_number;

    #[test]
    fn numbers_are_short_and_exact_where_the_book_is() {
        assert_eq!(format_number(220.000_000_000_000_03), "220");
        assert_eq!(format_number(2.2), "2.2");
        assert_eq!(format_number(110.000_000_000_000_01), "110");
        assert_eq!(format_number(0.731_058_578_630_004_9), "0.7311");
        assert_eq!(format_number(-0.000_012), "-1.200e-5");
        assert_eq!(format_number(f64::NAN), "NaN");
        assert_eq!(format_number(-0.000_04 * 1e-2 + 0.000_4 * 1e-2), "3.600e-6");
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(-1e-12 * 0.0), "0");
    }

    #[test]
    fn more_digits_where_asked() {
        assert_eq!(super::format_digits(0.419_974_341, 5), "0.41997");
        assert_eq!(super::format_digits(200.0, 7), "200");
        assert_eq!(super::format_digits(-0.000_004_2, 5), "-4.2000e-6");
    }
}
