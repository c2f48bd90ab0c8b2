//! SVG pictures: a pure-Rust layout (`layout-rs`), or Graphviz's `dot` when it is installed.

use std::io::Write;
use std::process::{Command, Stdio};

use layout::backends::svg::SVGWriter;
use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::format::RenderBackend;
use layout::core::geometry::Point;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::render::get_shape_size;
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, RecordDef, ShapeKind};
use layout::topo::layout::VisualGraph;
use petgraph::visit::EdgeRef;

use super::trace::{Trace, TraceNode};
use super::{BACKWARD_COLOR, DrawOptions, FORWARD_COLOR, format_number};

/// Renders a [`Trace`] to SVG in pure Rust, with no external program, so the same input gives
/// the same bytes on every machine.
///
/// The picture matches [`to_dot`](super::to_dot); scope clusters are framed over the finished
/// layout (the layout engine does not group them), so a cluster's frame can overlap nodes of
/// another; [`render_svg_with_graphviz`] lays clusters out properly.
#[must_use]
pub fn render_svg(trace: &Trace, options: &DrawOptions) -> String {
    let dir = Orientation::LeftToRight;
    let mut vg = VisualGraph::new(dir);
    let font = 14;
    let mut handles = Vec::with_capacity(trace.graph.node_count());
    for n in trace.graph.node_indices() {
        let (shape, fill) = match &trace.graph[n] {
            TraceNode::Value {
                name, data, grad, ..
            } => {
                let mut fields = vec![RecordDef::new_text(name.as_deref().unwrap_or(" "))];
                fields.push(RecordDef::new_text(&format!(
                    "data {}",
                    format_number(*data)
                )));
                if options.show_grad {
                    fields.push(RecordDef::new_text(&format!(
                        "grad {}",
                        format_number(*grad)
                    )));
                }
                (ShapeKind::Record(RecordDef::Array(fields)), "white")
            }
            TraceNode::Op { label, .. } => (ShapeKind::new_circle(label), "#f2f2f2"),
        };
        // Records grow across the rank direction, as Graphviz does with rankdir=LR.
        let size = get_shape_size(dir.flip(), &shape, font, false);
        let look = StyleAttr::new(Color::fast("black"), 1, Some(Color::fast(fill)), 0, font);
        handles.push(vg.add_node(Element::create(shape, look, dir.flip(), size)));
    }
    for e in trace.graph.edge_references() {
        let (from, to) = (handles[e.source().index()], handles[e.target().index()]);
        let w = e.weight();
        if options.backward {
            vg.add_edge(
                arrow(
                    LineEndKind::None,
                    LineEndKind::Arrow,
                    &format_number(w.forward),
                    FORWARD_COLOR,
                ),
                from,
                to,
            );
            vg.add_edge(
                arrow(
                    LineEndKind::Arrow,
                    LineEndKind::None,
                    &format_number(w.backward),
                    BACKWARD_COLOR,
                ),
                from,
                to,
            );
        } else {
            vg.add_edge(
                arrow(LineEndKind::None, LineEndKind::Arrow, "", "black"),
                from,
                to,
            );
        }
    }
    let mut svg = SVGWriter::new();
    vg.do_it(false, false, false, &mut svg);
    let origin = draw_clusters(trace, &vg, &handles, &mut svg);
    let mut out = extend_view(&sort_style_rules(&svg.finalize()), origin);
    if let Some(title) = &options.title {
        out = add_title(&out, title);
    }
    out
}

/// Frames the nodes of each scope (a layer, a neuron) with a labelled rounded rectangle, as
/// Graphviz draws clusters; `layout-rs` itself knows no clusters, so they are drawn over its
/// finished layout: outlines only, nested scopes inside their parents.
/// Returns the top-left corner of everything drawn (frames can reach above or left of the
/// layout's own drawing).
fn draw_clusters(
    trace: &Trace,
    vg: &VisualGraph,
    handles: &[layout::adt::dag::NodeHandle],
    svg: &mut SVGWriter,
) -> Point {
    use std::collections::BTreeMap;
    let parent: BTreeMap<crate::ScopeId, Option<crate::ScopeId>> =
        trace.scopes.iter().map(|t| (t.id, t.parent)).collect();
    let depth = |mut s: crate::ScopeId| {
        let mut d = 0.0;
        while let Some(&Some(p)) = parent.get(&s) {
            d += 1.0;
            s = p;
        }
        d
    };
    // One pass over the nodes: each extends the box of its scope and of every enclosing one.
    let mut boxes: BTreeMap<crate::ScopeId, (Point, Point)> = BTreeMap::new();
    for n in trace.graph.node_indices() {
        let (a, b) = vg.pos(handles[n.index()]).bbox(false);
        let mut s = trace.graph[n].scope();
        while let Some(id) = s {
            let (lo, hi) = boxes.entry(id).or_insert((
                Point::new(f64::INFINITY, f64::INFINITY),
                Point::new(f64::NEG_INFINITY, f64::NEG_INFINITY),
            ));
            *lo = Point::new(lo.x.min(a.x), lo.y.min(a.y));
            *hi = Point::new(hi.x.max(b.x), hi.y.max(b.y));
            s = parent.get(&id).copied().flatten();
        }
    }
    let max_depth = trace.scopes.iter().map(|s| depth(s.id)).fold(0.0, f64::max);
    let mut origin = Point::new(0.0, 0.0);
    for scope in &trace.scopes {
        let Some(&(lo, hi)) = boxes.get(&scope.id) else {
            continue;
        };
        let pad = 10.0 + 12.0 * (max_depth - depth(scope.id));
        let top_left = Point::new(lo.x - pad, lo.y - pad - 14.0);
        let size = Point::new(hi.x - lo.x + 2.0 * pad, hi.y - lo.y + 2.0 * pad + 14.0);
        let look = StyleAttr::new(Color::fast("#999999"), 1, None, 8, 12);
        svg.draw_rect(top_left, size, &look, None, None);
        let label_at = Point::new(top_left.x + size.x / 2.0, top_left.y + 10.0);
        svg.draw_text(label_at, &scope.name, &look);
        origin = Point::new(
            origin.x.min(top_left.x - 5.0),
            origin.y.min(top_left.y - 5.0),
        );
    }
    origin
}

/// Moves the SVG's view so that it starts at `origin` (negative when cluster frames reach out
/// of the layout's box), keeping the far edges where they were.
fn extend_view(svg: &str, origin: Point) -> String {
    if origin.x >= 0.0 && origin.y >= 0.0 {
        return svg.to_string();
    }
    let Some(start) = svg.find("<svg width=\"") else {
        return svg.to_string();
    };
    let Some(len) = svg[start..].find('>') else {
        return svg.to_string();
    };
    let header = &svg[start..start + len];
    let number = |key: &str| -> Option<f64> {
        let at = header.find(key)? + key.len();
        header[at..].split('"').next()?.parse().ok()
    };
    let (Some(w), Some(h)) = (number("width=\""), number("height=\"")) else {
        return svg.to_string();
    };
    let (x0, y0) = (origin.x.min(0.0), origin.y.min(0.0));
    let (w, h) = (w - x0, h - y0);
    format!(
        "{}<svg width=\"{w}\" height=\"{h}\" viewBox=\"{x0} {y0} {w} {h}\" xmlns=\"http://www.w3.org/2000/svg\"{}",
        &svg[..start],
        &svg[start + len..]
    )
}

fn arrow(start: LineEndKind, end: LineEndKind, text: &str, color: &str) -> Arrow {
    let look = StyleAttr::new(Color::fast(color), 2, None, 0, 12);
    Arrow::new(start, end, LineStyleKind::Normal, text, &look, &None, &None)
}

/// `layout-rs` writes its CSS rules from a `HashMap`, in a different order on every run; sorting
/// them makes the picture byte-for-byte reproducible.
fn sort_style_rules(svg: &str) -> String {
    let (Some(start), Some(end)) = (svg.find("<style>"), svg.find("</style>")) else {
        return svg.to_string();
    };
    let body = start + "<style>".len();
    let mut rules: Vec<&str> = svg[body..end].lines().filter(|l| !l.is_empty()).collect();
    rules.sort_unstable();
    format!("{}\n{}\n{}", &svg[..body], rules.join("\n"), &svg[end..])
}

/// Inserts an SVG `<title>` (shown by browsers as the tooltip and tab name).
fn add_title(svg: &str, title: &str) -> String {
    let escaped = title
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let Some(open) = svg.find("<svg") else {
        return svg.to_string();
    };
    match svg[open..].find('>') {
        Some(i) => {
            let i = open + i;
            format!("{}><title>{escaped}</title>{}", &svg[..i], &svg[i + 1..])
        }
        None => svg.to_string(),
    }
}

/// Renders DOT text with Graphviz's `dot -Tsvg`, if `dot` is on the `PATH`.
///
/// Returns `None` when Graphviz is not installed or fails; callers fall back to
/// [`render_svg`]. Graphviz draws clusters and nicer edge labels, but its output depends on
/// its version, so committed pictures should come from [`render_svg`].
#[must_use]
pub fn render_svg_with_graphviz(dot: &str) -> Option<String> {
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(dot.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    if out.status.success() {
        String::from_utf8(out.stdout).ok()
    } else {
        None
    }
}
