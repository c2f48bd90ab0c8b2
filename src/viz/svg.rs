//! SVG pictures: our own layered layout ([`layout`](super::layout)), or Graphviz's `dot` when
//! it is installed.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use petgraph::visit::EdgeRef;

use super::layout::{Flow, Layout, Measure, layout};
use super::trace::{Trace, TraceNode};
use super::{BACKWARD_COLOR, DrawOptions, FORWARD_COLOR, format_number};

/// Renders a [`Trace`] to SVG in pure Rust, with no external program, so the same input gives
/// the same bytes on every machine.
///
/// The picture shows what [`to_dot`](super::to_dot) describes: value records
/// `{ name | data | grad }` (every box named, as [`Trace::label`](super::Trace::label) names
/// it), round op nodes, a frame per scope, and with [`DrawOptions::backward`] an orange forward and a blue backward arrow
/// on every edge, with the value and the gradient each carries written beside it. An op →
/// result edge carries no labels: the numbers are in the record it points to.
///
/// Node colours follow the node's kind: green for a leaf (an input or a parameter), grey
/// for an op, orange for the value that was traced, white for the values in between.
///
/// ```
/// use scalargrad::{Graph, viz};
/// let g = Graph::new();
/// let x = g.value(2.0).named("x");
/// let y = (x * x).named("y");
/// y.backward();
/// let svg = viz::render_svg(&viz::trace(y), &viz::DrawOptions::backward());
/// assert!(svg.starts_with("<svg") && svg.contains("grad 4"));
/// ```
#[must_use]
pub fn render_svg(trace: &Trace, options: &DrawOptions) -> String {
    let (svg, _) = draw(trace, options);
    svg
}

/// Colours of a node's fill, by kind.
const LEAF_FILL: &str = "#e8f5e9";
const OP_FILL: &str = "#eeeeee";
const ROOT_FILL: &str = "#fdebd0";
const VALUE_FILL: &str = "#ffffff";
/// Font sizes of node text and edge labels.
const FONT: f64 = 12.0;
const LABEL_FONT: f64 = 11.0;
/// The height of one record field.
const FIELD: f64 = 18.0;
/// The room across the flow that each outgoing labelled edge needs at its source.
const LANE: f64 = 34.0;
/// The title's height.
const TITLE: f64 = 28.0;
/// How far an edge runs straight into its target.
const ARRIVE: f64 = 14.0;

/// The kind of a node, as a CSS class and a fill colour.
pub(super) fn kind(trace: &Trace, n: petgraph::graph::NodeIndex) -> (&'static str, &'static str) {
    match &trace.graph[n] {
        TraceNode::Op { .. } => ("op", OP_FILL),
        TraceNode::Value { .. } if n == trace.root => ("root", ROOT_FILL),
        TraceNode::Value { .. }
            if trace
                .graph
                .neighbors_directed(n, petgraph::Direction::Incoming)
                .next()
                .is_none() =>
        {
            ("leaf", LEAF_FILL)
        }
        TraceNode::Value { .. } => ("value", VALUE_FILL),
    }
}

/// The width of `text` in pixels at `size`, estimated from character classes (we cannot read
/// font metrics, and the estimate errs wide).
pub(super) fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| match c {
            ' ' | '.' | ',' | ':' | ';' | '|' | 'i' | 'l' | 'j' | '\'' | '(' | ')' => 0.32,
            'A'..='Z' | 'm' | 'w' | '%' | '@' => 0.78,
            c if c.is_ascii() => 0.58,
            c if u32::from(c) >= 0x2E80 => 1.0,
            _ => 0.66,
        })
        .sum::<f64>()
        * size
}

/// The texts of a value record's fields.
pub(super) fn record_fields(
    trace: &Trace,
    n: petgraph::graph::NodeIndex,
    options: &DrawOptions,
) -> Vec<(String, &'static str)> {
    let TraceNode::Value { data, grad, .. } = &trace.graph[n] else {
        return Vec::new();
    };
    let mut fields = vec![(trace.label(n).to_string(), "name")];
    fields.push((format!("data {}", format_number(*data)), "data"));
    if options.show_grad {
        fields.push((format!("grad {}", format_number(*grad)), "grad"));
    }
    fields
}

struct Sizes<'a> {
    trace: &'a Trace,
    options: &'a DrawOptions,
    labels: Vec<Option<(String, String)>>,
}

impl Measure for Sizes<'_> {
    fn node_size(&self, node: usize, flow: Flow) -> (f64, f64) {
        let n = petgraph::graph::NodeIndex::new(node);
        if let TraceNode::Op { label, .. } = &self.trace.graph[n] {
            let d = (text_width(label, FONT) + 12.0).max(30.0);
            return (d, d);
        }
        let fields = record_fields(self.trace, n, self.options);
        let widths = fields.iter().map(|(t, _)| text_width(t, FONT) + 14.0);
        // Room for each outgoing edge's port and labels, and the node's border.
        let lanes = if self.options.backward {
            self.trace.graph.edges(n).count() as f64
                * out_lane(self.trace, &self.labels, node, flow)
                + 8.0
        } else {
            0.0
        };
        match flow {
            Flow::LeftToRight => (
                widths.fold(50.0, f64::max),
                (fields.len() as f64 * FIELD + 4.0).max(lanes),
            ),
            Flow::TopToBottom => ((widths.sum::<f64>()).max(lanes), FIELD + 6.0),
        }
    }

    fn label_room(&self, edge: usize, flow: Flow) -> f64 {
        match (&self.labels[edge], flow) {
            (None, _) => 0.0,
            (Some((f, b)), Flow::LeftToRight) => {
                text_width(f, LABEL_FONT).max(text_width(b, LABEL_FONT)) + 30.0
            }
            (Some(_), Flow::TopToBottom) => 2.0 * LABEL_FONT + 36.0,
        }
    }
}

/// The room across the flow that each outgoing edge of `node` needs at its port: left to
/// right, the forward label above the edge and the backward one below fit in [`LANE`]; top
/// to bottom, both labels sit side by side to the right of the edge, one above the other,
/// so the lane is as wide as the node's widest label.
fn out_lane(trace: &Trace, labels: &[Option<(String, String)>], node: usize, flow: Flow) -> f64 {
    match flow {
        Flow::LeftToRight => LANE,
        Flow::TopToBottom => trace
            .graph
            .edges(petgraph::graph::NodeIndex::new(node))
            .filter_map(|e| labels[e.id().index()].as_ref())
            .map(|(f, b)| 1.1 * text_width(f, LABEL_FONT).max(text_width(b, LABEL_FONT)) + 14.0)
            .fold(LANE, f64::max),
    }
}

/// Lays out and draws `trace`; returns the SVG and the layout it used.
pub(super) fn draw(trace: &Trace, options: &DrawOptions) -> (String, Layout) {
    let labels: Vec<Option<(String, String)>> = trace
        .graph
        .edge_references()
        .map(|e| {
            let w = e.weight();
            (options.backward && w.operand.is_some())
                .then(|| (format_number(w.forward), format_number(w.backward)))
        })
        .collect();
    let sizes = Sizes {
        trace,
        options,
        labels,
    };
    let lay = layout(trace, &sizes);
    let top = if options.title.is_some() { TITLE } else { 0.0 };
    let (w, h) = (lay.width.ceil(), (lay.height + top).ceil());
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="Helvetica, Arial, sans-serif" font-size="{FONT}">"#
    );
    if let Some(title) = &options.title {
        let _ = write!(
            s,
            r#"<title>{t}</title><text class="title" x="{x}" y="19" text-anchor="middle" font-size="14">{t}</text>"#,
            t = escape(title),
            x = w / 2.0
        );
    }
    let _ = write!(s, r#"<g class="graph" transform="translate(0 {top})">"#);
    s.push_str(r##"<g class="frames" fill="none" stroke="#999999">"##);
    for f in &lay.frames {
        let name = trace
            .scopes
            .iter()
            .find(|t| t.id == f.scope)
            .map_or("", |t| t.name.as_str());
        let _ = write!(
            s,
            r##"<g class="frame depth{d}"><rect x="{x}" y="{y}" width="{fw}" height="{fh}" rx="8"/><text x="{tx}" y="{ty}" text-anchor="middle" stroke="none" fill="#666666" font-size="11">{name}</text></g>"##,
            d = f.depth,
            x = num(f.x),
            y = num(f.y),
            fw = num(f.w),
            fh = num(f.h),
            tx = num(f.x + f.w / 2.0),
            ty = num(f.y + 13.0),
            name = escape(name)
        );
    }
    s.push_str("</g>");
    draw_edges(&mut s, trace, options, &lay, &sizes.labels);
    draw_nodes(&mut s, trace, options, &lay);
    s.push_str("</g></svg>\n");
    (s, lay)
}

#[allow(clippy::too_many_lines)] // one edge's route, arrows and labels, in order
fn draw_edges(
    s: &mut String,
    trace: &Trace,
    options: &DrawOptions,
    lay: &Layout,
    labels: &[Option<(String, String)>],
) {
    let flow = lay.flow;
    // Edges leave a source, and reach a target, at evenly spread ports.
    let mut outs: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    let mut ins: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for e in trace.graph.edge_references() {
        outs.entry(e.source().index())
            .or_default()
            .push(e.id().index());
        ins.entry(e.target().index())
            .or_default()
            .push(e.id().index());
    }
    let spread = |list: &[usize], k: usize, extent: f64, lane: f64| {
        let m = list.len() as f64;
        let at = list.iter().position(|&x| x == k).unwrap_or(0) as f64;
        let step = lane.min(extent / m);
        (at - (m - 1.0) / 2.0) * step
    };
    s.push_str(r#"<g class="edges" stroke-width="1.5">"#);
    for e in trace.graph.edge_references() {
        let k = e.id().index();
        let (src, dst) = (e.source().index(), e.target().index());
        let across = |r: &super::layout::Rect| match flow {
            Flow::LeftToRight => r.h,
            Flow::TopToBottom => r.w,
        };
        let lane = if options.backward {
            out_lane(trace, labels, src, flow)
        } else {
            12.0
        };
        let d0 = spread(&outs[&src], k, across(&lay.nodes[src]) - 8.0, lane);
        let d1 = spread(&ins[&dst], k, across(&lay.nodes[dst]) - 8.0, 12.0);
        let mut pts = lay.edges[k].clone();
        let mut straight_start = false;
        // An edge leaves its source straight: a labelled one for as long as its labels are,
        // any other for an arrowhead's length (the backward arrow's head sits there).
        {
            let room = match (&labels[k], flow) {
                (Some((f, b)), Flow::LeftToRight) => {
                    text_width(f, LABEL_FONT).max(text_width(b, LABEL_FONT)) + 10.0
                }
                (Some(_), Flow::TopToBottom) => 2.0 * LABEL_FONT + 10.0,
                (None, _) => ARRIVE,
            };
            let ((x0, y0), (x1, y1)) = (pts[0], pts[1]);
            let p = match flow {
                Flow::LeftToRight => (x0 + room, y0),
                Flow::TopToBottom => (x0, y0 + room),
            };
            let free = match flow {
                Flow::LeftToRight => x1 - p.0,
                Flow::TopToBottom => y1 - p.1,
            };
            if free > 12.0 {
                pts.insert(1, p);
                straight_start = true;
            }
        }
        // Every edge arrives straight for an arrowhead's length and a little more, so the
        // forward head and the backward tail beside it run parallel instead of crossing
        // where the curve bends.
        let mut straight_end = false;
        {
            let n = pts.len();
            let ((x0, y0), (x1, y1)) = (pts[n - 2], pts[n - 1]);
            let (p, free) = match flow {
                Flow::LeftToRight => ((x1 - ARRIVE, y1), x1 - ARRIVE - x0),
                Flow::TopToBottom => ((x1, y1 - ARRIVE), y1 - ARRIVE - y0),
            };
            if free > 8.0 {
                pts.insert(n - 1, p);
                straight_end = true;
            }
        }
        let pts = &pts;
        let last = pts.len() - 1;
        let shifted = |off: f64| -> Vec<(f64, f64)> {
            pts.iter()
                .enumerate()
                .map(|(i, &(x, y))| {
                    let d = if i == 0 || (i == 1 && straight_start) {
                        d0
                    } else if i == last || (i + 1 == last && straight_end) {
                        d1
                    } else {
                        0.0
                    } + off;
                    match flow {
                        Flow::LeftToRight => (x, y + d),
                        Flow::TopToBottom => (x + d, y),
                    }
                })
                .collect()
        };
        let _ = write!(s, r#"<g class="edge" id="e{k}">"#);
        if options.backward {
            let fwd = shifted(-2.5);
            let bwd = shifted(2.5);
            let _ = write!(
                s,
                r#"<g class="fwd" stroke="{FORWARD_COLOR}" fill="{FORWARD_COLOR}"><path fill="none" d="{}"/>{}"#,
                path(&fwd, flow),
                head(fwd[last], flow, true)
            );
            if let Some((f, _)) = &labels[k] {
                label(s, fwd[0], flow, f, true);
            }
            let _ = write!(
                s,
                r#"</g><g class="bwd" stroke="{BACKWARD_COLOR}" fill="{BACKWARD_COLOR}"><path fill="none" d="{}"/>{}"#,
                path(&bwd, flow),
                head(bwd[0], flow, false)
            );
            if let Some((_, b)) = &labels[k] {
                label(s, bwd[0], flow, b, false);
            }
            s.push_str("</g>");
        } else {
            let p = shifted(0.0);
            let _ = write!(
                s,
                r##"<g class="fwd" stroke="#333333" fill="#333333"><path fill="none" d="{}"/>{}</g>"##,
                path(&p, flow),
                head(p[last], flow, true)
            );
        }
        s.push_str("</g>");
    }
    s.push_str("</g>");
}

/// An edge label next to the edge's source: left to right, forward above the edge and
/// backward below it; top to bottom, both to the right of the edge, forward first.
fn label(s: &mut String, at: (f64, f64), flow: Flow, text: &str, forward: bool) {
    let (x, y, anchor) = match (flow, forward) {
        (Flow::LeftToRight, true) => (at.0 + 6.0, at.1 - 4.0, "start"),
        (Flow::LeftToRight, false) => (at.0 + 6.0, at.1 + 12.0, "start"),
        (Flow::TopToBottom, true) => (at.0 + 9.0, at.1 + 12.0, "start"),
        (Flow::TopToBottom, false) => (at.0 + 4.0, at.1 + 25.0, "start"),
    };
    let _ = write!(
        s,
        r#"<text x="{}" y="{}" text-anchor="{anchor}" stroke="none" font-size="{LABEL_FONT}">{}</text>"#,
        num(x),
        num(y),
        escape(text)
    );
}

/// A path through `pts`: curves that leave and arrive along the flow.
fn path(pts: &[(f64, f64)], flow: Flow) -> String {
    let mut d = format!("M{} {}", num(pts[0].0), num(pts[0].1));
    for w in pts.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        let straight = match flow {
            Flow::LeftToRight => (y0 - y1).abs() < 0.05,
            Flow::TopToBottom => (x0 - x1).abs() < 0.05,
        };
        if straight {
            let _ = write!(d, "L{} {}", num(x1), num(y1));
        } else {
            let (c0, c1) = match flow {
                Flow::LeftToRight => {
                    let m = f64::midpoint(x0, x1);
                    ((m, y0), (m, y1))
                }
                Flow::TopToBottom => {
                    let m = f64::midpoint(y0, y1);
                    ((x0, m), (x1, m))
                }
            };
            let _ = write!(
                d,
                "C{} {} {} {} {} {}",
                num(c0.0),
                num(c0.1),
                num(c1.0),
                num(c1.1),
                num(x1),
                num(y1)
            );
        }
    }
    d
}

/// An arrowhead with its tip at `tip`, pointing with the flow (`forward`) or against it.
fn head(tip: (f64, f64), flow: Flow, forward: bool) -> String {
    let sign = if forward { -1.0 } else { 1.0 };
    let (len, half) = (8.0 * sign, 3.5);
    let (a, b) = match flow {
        Flow::LeftToRight => ((tip.0 + len, tip.1 - half), (tip.0 + len, tip.1 + half)),
        Flow::TopToBottom => ((tip.0 - half, tip.1 + len), (tip.0 + half, tip.1 + len)),
    };
    format!(
        r#"<polygon stroke="none" points="{},{} {},{} {},{}"/>"#,
        num(tip.0),
        num(tip.1),
        num(a.0),
        num(a.1),
        num(b.0),
        num(b.1)
    )
}

fn draw_nodes(s: &mut String, trace: &Trace, options: &DrawOptions, lay: &Layout) {
    s.push_str(r#"<g class="nodes" stroke="black">"#);
    for n in trace.graph.node_indices() {
        let r = lay.nodes[n.index()];
        let (class, fill) = kind(trace, n);
        let (index, is_op) = match &trace.graph[n] {
            TraceNode::Value { index, .. } => (*index, false),
            TraceNode::Op { index, .. } => (*index, true),
        };
        let _ = write!(
            s,
            r#"<g class="node {class}" id="n{}" data-index="{index}">"#,
            n.index()
        );
        if is_op {
            let TraceNode::Op { label, .. } = &trace.graph[n] else {
                unreachable!()
            };
            let _ = write!(
                s,
                r#"<circle cx="{}" cy="{}" r="{}" fill="{fill}"/><text x="{}" y="{}" text-anchor="middle" stroke="none">{}</text>"#,
                num(r.x),
                num(r.y),
                num(r.w / 2.0),
                num(r.x),
                num(r.y + 4.0),
                escape(label)
            );
        } else {
            let (x0, y0) = (r.x - r.w / 2.0, r.y - r.h / 2.0);
            let stroke = if n == trace.root { "2" } else { "1" };
            let _ = write!(
                s,
                r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}" stroke-width="{stroke}"/>"#,
                num(x0),
                num(y0),
                num(r.w),
                num(r.h)
            );
            let fields = record_fields(trace, n, options);
            let m = fields.len() as f64;
            let widths: Vec<f64> = fields
                .iter()
                .map(|(t, _)| text_width(t, FONT) + 14.0)
                .collect();
            let scale = r.w / widths.iter().sum::<f64>();
            for (k, (text, field)) in fields.iter().enumerate() {
                let i = k as f64;
                let (tx, ty, divider) = match lay.flow {
                    Flow::LeftToRight => {
                        let fh = r.h / m;
                        (
                            r.x,
                            y0 + fh * i + fh / 2.0 + 4.0,
                            (x0, y0 + fh * i, x0 + r.w, y0 + fh * i),
                        )
                    }
                    Flow::TopToBottom => {
                        // Fields as wide as their text, sharing out any spare room.
                        let left = x0 + widths[..k].iter().sum::<f64>() * scale;
                        let fw = widths[k] * scale;
                        (left + fw / 2.0, r.y + 4.0, (left, y0, left, y0 + r.h))
                    }
                };
                if i > 0.0 {
                    let _ = write!(
                        s,
                        r#"<line x1="{}" y1="{}" x2="{}" y2="{}"/>"#,
                        num(divider.0),
                        num(divider.1),
                        num(divider.2),
                        num(divider.3)
                    );
                }
                let _ = write!(
                    s,
                    r#"<text class="{field}" x="{}" y="{}" text-anchor="middle" stroke="none">{}</text>"#,
                    num(tx),
                    num(ty),
                    escape(text)
                );
            }
        }
        s.push_str("</g>");
    }
    s.push_str("</g>");
}

/// A coordinate, to one decimal (shorter files, and the same bytes everywhere).
fn num(x: f64) -> String {
    let s = format!("{x:.1}");
    let s = s.strip_suffix(".0").unwrap_or(&s);
    if s == "-0" { "0".into() } else { s.into() }
}

/// Escapes text for SVG/HTML content and attribute values.
pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// Renders DOT text with Graphviz's `dot -Tsvg`, if `dot` is on the `PATH`.
///
/// Returns `None` when Graphviz is not installed, fails, or takes longer than
/// [`GRAPHVIZ_TIMEOUT`](super::GRAPHVIZ_TIMEOUT); callers fall back to
/// [`render_svg`]. Graphviz's output depends on its version, so committed pictures should come
/// from [`render_svg`].
#[must_use]
pub fn render_svg_with_graphviz(dot: &str) -> Option<String> {
    match super::run_graphviz(dot, super::GRAPHVIZ_TIMEOUT) {
        super::Graphviz::Svg(svg) => Some(svg),
        super::Graphviz::Absent | super::Graphviz::Failed(_) => None,
    }
}
