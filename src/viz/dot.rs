//! Graphviz DOT output, written with `dot-writer`.

use std::collections::BTreeMap;

use dot_writer::{Attributes, DotWriter, Scope, Shape};
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use super::trace::{Trace, TraceNode};
use super::{BACKWARD_COLOR, DrawOptions, FORWARD_COLOR, format_number};
use crate::ScopeId;

/// Writes a [`Trace`] as Graphviz DOT, laid out left to right.
///
/// Values are micrograd-style records `{ name | data | grad }` (named as
/// [`Trace::label`](super::Trace::label) names them), ops are separate round nodes,
/// and nodes created inside a [`Graph::scoped`](crate::Graph::scoped) scope are grouped in a
/// (nested) cluster. Node ids follow creation order, so the output is byte-for-byte
/// deterministic. Names are escaped, so any text (quotes, braces, `|`, `<>`, Japanese) gives
/// valid DOT.
///
/// ```
/// use scalargrad::{Graph, viz};
/// let g = Graph::new();
/// let a = g.value(100.0).named("りんご {1}");
/// let y = a * 2.0;
/// let dot = viz::to_dot(&viz::trace(y), &viz::DrawOptions::default());
/// assert!(dot.contains(r"りんご \{1\}"));
/// ```
#[must_use]
pub fn to_dot(trace: &Trace, options: &DrawOptions) -> String {
    let mut out = Vec::new();
    {
        let mut writer = DotWriter::from(&mut out);
        writer.set_pretty_print(true);
        let mut digraph = writer.digraph();
        {
            let mut attrs = digraph.graph_attributes();
            attrs.set("rankdir", "LR", false);
            if let Some(title) = &options.title {
                attrs.set_label(&escape(title)).set("labelloc", "t", false);
            }
        }
        digraph
            .node_attributes()
            .set_font("Helvetica")
            .set("fontsize", "12", false);
        digraph
            .edge_attributes()
            .set_font("Helvetica")
            .set("fontsize", "10", false);

        // Nodes grouped by scope, in creation order within each group.
        let mut members: BTreeMap<Option<ScopeId>, Vec<NodeIndex>> = BTreeMap::new();
        for n in trace.graph.node_indices() {
            members.entry(trace.graph[n].scope()).or_default().push(n);
        }
        for s in trace.scopes.iter().filter(|s| s.parent.is_none()) {
            write_cluster(&mut digraph, trace, options, s.id, &members);
        }
        for &n in members.get(&None).into_iter().flatten() {
            write_node(&mut digraph, trace, options, n);
        }

        for e in trace.graph.edge_references() {
            let (from, to) = (node_id(trace, e.source()), node_id(trace, e.target()));
            let w = e.weight();
            if options.backward {
                digraph
                    .edge(&from, &to)
                    .attributes()
                    .set_label(&format_number(w.forward))
                    .set("color", FORWARD_COLOR, true)
                    .set("fontcolor", FORWARD_COLOR, true);
                digraph
                    .edge(&from, &to)
                    .attributes()
                    .set_label(&format_number(w.backward))
                    .set("dir", "back", false)
                    .set("color", BACKWARD_COLOR, true)
                    .set("fontcolor", BACKWARD_COLOR, true);
            } else {
                digraph.edge(&from, &to);
            }
        }
    }
    String::from_utf8(out).expect("dot-writer writes the UTF-8 it is given")
}

fn write_cluster(
    parent: &mut Scope<'_, '_>,
    trace: &Trace,
    options: &DrawOptions,
    id: ScopeId,
    members: &BTreeMap<Option<ScopeId>, Vec<NodeIndex>>,
) {
    let mut cluster = parent.cluster();
    let name = trace
        .scopes
        .iter()
        .find(|s| s.id == id)
        .map_or("", |s| s.name.as_str());
    cluster
        .graph_attributes()
        .set_label(&escape(name))
        .set("style", "rounded", false)
        .set("color", "gray60", false);
    for child in trace.scopes.iter().filter(|s| s.parent == Some(id)) {
        write_cluster(&mut cluster, trace, options, child.id, members);
    }
    for &n in members.get(&Some(id)).into_iter().flatten() {
        write_node(&mut cluster, trace, options, n);
    }
}

fn write_node(scope: &mut Scope<'_, '_>, trace: &Trace, options: &DrawOptions, n: NodeIndex) {
    let id = node_id(trace, n);
    match &trace.graph[n] {
        TraceNode::Value { data, grad, .. } => {
            let mut fields = vec![escape_record(trace.label(n))];
            fields.push(format!("data {}", format_number(*data)));
            if options.show_grad {
                fields.push(format!("grad {}", format_number(*grad)));
            }
            let mut node = scope.node_named(id);
            node.set_shape(Shape::Record)
                .set_label(&format!("{{ {} }}", fields.join(" | ")));
            if n == trace.root {
                node.set("style", "bold", false);
            }
        }
        TraceNode::Op { label, .. } => {
            scope
                .node_named(id)
                .set_shape(Shape::Circle)
                .set_label(&escape(label))
                .set("margin", "0", false);
        }
    }
}

/// The DOT id of a trace node: `v<index>` for a value, `op<index>` for the op that made it.
pub(super) fn node_id(trace: &Trace, n: NodeIndex) -> String {
    match &trace.graph[n] {
        TraceNode::Value { index, .. } => format!("v{index}"),
        TraceNode::Op { index, .. } => format!("op{index}"),
    }
}

/// Escapes text for a quoted DOT string.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => {}
            _ => out.push(c),
        }
    }
    out
}

/// Escapes text for one field of a record label, where `{ } | < >` and spaces at the ends
/// are syntax too.
fn escape_record(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in escape(s).chars() {
        if matches!(c, '{' | '}' | '|' | '<' | '>') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_syntax_is_escaped() {
        assert_eq!(escape_record(r#"a"{b}|<c>\"#), r#"a\"\{b\}\|\<c\>\\"#);
        assert_eq!(escape("税\n込"), "税\\n込");
    }
}
