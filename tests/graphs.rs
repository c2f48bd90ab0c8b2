//! Drawings: the committed files in `graphs/` are what the examples produce, the DOT is valid
//! and deterministic, and the petgraph view agrees with the arena.
// Both included examples load `examples/common/pictures.rs` (where pictures go).
#![allow(clippy::duplicate_mod)]

use std::path::Path;

use petgraph::algo::{is_cyclic_directed, toposort};
use scalargrad::{Graph, viz};

#[path = "../examples/apple_graph.rs"]
#[allow(dead_code)]
mod apple_graph;
#[path = "../examples/sigmoid_backprop.rs"]
#[allow(dead_code)]
mod sigmoid_backprop;

fn assert_committed(d: &viz::Drawing) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("graphs");
    for (ext, fresh) in [("dot", &d.dot), ("svg", &d.svg)] {
        let path = dir.join(format!("{}.{ext}", d.stem));
        let committed = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; run the example to create it", path.display()));
        assert!(
            committed == *fresh,
            "{} is stale: run `cargo run --example` for it and commit the result",
            path.display()
        );
    }
}

/// Parses DOT with a pure-Rust parser (and with Graphviz too, when it is installed).
fn assert_valid_dot(dot: &str) {
    let mut parser = layout::gv::DotParser::new(dot);
    if let Err(e) = parser.process() {
        panic!("invalid DOT ({e}):\n{dot}");
    }
    if let Some(svg) = viz::render_svg_with_graphviz(dot) {
        assert!(svg.contains("<svg"));
    }
}

#[test]
fn committed_apple_graphs_are_what_the_example_draws() {
    let drawings = apple_graph::run();
    assert_eq!(drawings.len(), 2);
    for d in &drawings {
        assert_valid_dot(&d.dot);
        assert_committed(d);
    }
}

#[test]
fn committed_sigmoid_graph_is_what_the_example_draws() {
    for d in &sigmoid_backprop::run() {
        assert_valid_dot(&d.dot);
        assert_committed(d);
    }
}

#[test]
fn awkward_names_are_escaped_into_valid_dot() {
    let g = Graph::new();
    let a = g
        .value(1.0)
        .named(r#"quote " brace { } bar | angle < > back \"#);
    let b = g.value(2.0).named("消費税 (税込)");
    let c = (a * b).named("line\nbreak");
    let dot = viz::to_dot(&viz::trace(c), &viz::DrawOptions::backward());
    assert!(
        dot.contains(r#"quote \" brace \{ \} bar \| angle \< \> back \\"#),
        "{dot}"
    );
    assert!(dot.contains("消費税 (税込)"));
    assert_valid_dot(&dot);
    let svg = viz::render_svg(&viz::trace(c), &viz::DrawOptions::default());
    assert!(svg.contains("消費税"));
}

#[test]
fn dot_output_is_deterministic() {
    let draw = || {
        let g = Graph::new();
        let x = g.value(0.3).named("x");
        let y = g.scoped("layer", || (x * x + x.exp()).tanh());
        y.backward();
        let t = viz::trace(y);
        (
            viz::to_dot(&t, &viz::DrawOptions::default()),
            viz::render_svg(&t, &viz::DrawOptions::backward()),
        )
    };
    assert!(draw() == draw(), "two drawings of the same graph differ");
}

#[test]
fn scopes_become_nested_clusters() {
    let g = Graph::new();
    let x = g.value(1.0).named("x");
    let y = g.scoped("layer 1", || g.scoped("neuron 0", || (x * 2.0).sigmoid()));
    let t = viz::trace(y);
    assert_eq!(t.scopes.len(), 2);
    let dot = viz::to_dot(&t, &viz::DrawOptions::default());
    let outer = dot.find("subgraph cluster_").unwrap();
    let inner = dot[outer + 1..].find("subgraph cluster_").unwrap() + outer + 1;
    assert!(dot[outer..inner].contains("label=\"layer 1\""), "{dot}");
    assert!(dot[inner..].contains("label=\"neuron 0\""), "{dot}");
    assert_valid_dot(&dot);
}

#[test]
fn trace_holds_only_what_the_root_depends_on() {
    let g = Graph::new();
    let a = g.value(1.0);
    let b = g.value(2.0);
    let _unused = (a * 5.0).exp();
    let c = a + b;
    let t = viz::trace(c);
    // a, b, "+", c
    assert_eq!(t.graph.node_count(), 4);
    assert_eq!(t.graph.edge_count(), 3);
}

#[test]
fn petgraph_toposort_agrees_with_creation_order() {
    let g = Graph::new();
    let xs = g.values(&[0.1, -0.2, 0.3]);
    let h = g.sum(xs.iter().map(|&x| (x * 2.0).tanh()));
    let y = h * xs[0] + (h - xs[2]).exp();
    let t = viz::trace(y);
    assert!(!is_cyclic_directed(&t.graph));
    let order = toposort(&t.graph, None).unwrap();
    let position = |n| order.iter().position(|&m| m == n).unwrap();
    for e in t.graph.edge_indices() {
        let (s, d) = t.graph.edge_endpoints(e).unwrap();
        assert!(s.index() < d.index(), "creation order is topological");
        assert!(position(s) < position(d));
    }
}

#[test]
fn backward_labels_carry_each_edges_share_of_the_gradient() {
    let g = Graph::new();
    let a = g.value(3.0);
    let y = a * a;
    y.backward();
    let t = viz::trace(y);
    let shares: Vec<f64> = t
        .graph
        .edge_weights()
        .filter(|e| e.operand.is_some())
        .map(|e| e.backward)
        .collect();
    assert_eq!(
        shares,
        [3.0, 3.0],
        "each use of a gets 3; together a.grad = 6"
    );
}

#[test]
fn a_hundred_thousand_node_graph_exports() {
    let g = Graph::new();
    let x = g.value(0.5).named("x");
    let v = (0..50_000).fold(x, |v, _| v.tanh() * 1.0001);
    v.backward();
    let t = viz::trace(v);
    assert_eq!(t.graph.node_count(), 1 + 2 * 100_000);
    let dot = viz::to_dot(&t, &viz::DrawOptions::default());
    assert_eq!(dot.matches("shape=record").count(), 100_001);
    assert!(dot.trim_end().ends_with('}'));
}
