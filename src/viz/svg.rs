//! SVG pictures: a pure-Rust layout (`layout-rs`), or Graphviz's `dot` when it is installed.

use std::io::Write;
use std::process::{Command, Stdio};

use layout::backends::svg::SVGWriter;
use layout::core::base::Orientation;
use layout::core::color::Color;
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
/// The picture matches [`to_dot`](super::to_dot) except that scope clusters are not drawn
/// (the layout engine has no clusters); [`render_svg_with_graphviz`] draws them.
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
    let mut out = sort_style_rules(&svg.finalize());
    if let Some(title) = &options.title {
        out = add_title(&out, title);
    }
    out
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
