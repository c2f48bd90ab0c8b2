//! Drawings: the committed files in `graphs/` are what the examples produce, the DOT is valid
//! and deterministic, the petgraph view agrees with the arena, and the step-by-step pages
//! say the book's numbers and need no network. (`tests/browser/check_pages.sh` runs the
//! pages in a real browser.)
// Both included examples load `examples/common/pictures.rs` (where pictures go).
#![allow(clippy::duplicate_mod)]

use petgraph::algo::{is_cyclic_directed, toposort};
use scalargrad::{Graph, viz};

#[path = "../examples/apple_graph.rs"]
#[allow(dead_code)]
mod apple_graph;
mod common;
use common::assert_committed;
#[path = "../examples/sigmoid_backprop.rs"]
#[allow(dead_code)]
mod sigmoid_backprop;

/// Whether Graphviz's `dot` runs here (`dot -V`); says once, on stderr, when it does not.
fn graphviz_installed() -> bool {
    static INSTALLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *INSTALLED.get_or_init(|| {
        let ok = std::process::Command::new("dot")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            eprintln!(
                "\n*** tests/graphs.rs: Graphviz's `dot` does not run on this PATH, so the DOT is \
                 not rendered by Graphviz here (dev/tests/dot_syntax.rs still parses it) ***\n"
            );
        }
        ok
    })
}

/// Renders DOT with Graphviz, when it is installed; then Graphviz must accept it.
/// (`dev/tests/dot_syntax.rs` parses every committed `.dot` file and these tests' DOT with a
/// pure-Rust parser, everywhere.)
fn assert_valid_dot(dot: &str) {
    if !graphviz_installed() {
        return;
    }
    let svg = viz::render_svg_with_graphviz(dot)
        .unwrap_or_else(|| panic!("Graphviz's dot is installed but rejects this DOT:\n{dot}"));
    assert!(svg.contains("<svg"), "dot -Tsvg gave no <svg>:\n{svg}");
}

#[test]
fn committed_apple_graphs_are_what_the_example_draws() {
    let drawings = apple_graph::run();
    assert_eq!(drawings.len(), 2);
    for d in &drawings {
        assert_valid_dot(&d.dot);
        assert_committed("apple_graph", d, &["dot", "svg", "html"]);
    }
}

#[test]
fn committed_sigmoid_graph_is_what_the_example_draws() {
    for d in &sigmoid_backprop::run() {
        assert_valid_dot(&d.dot);
        assert_committed("sigmoid_backprop", d, &["dot", "svg", "html"]);
    }
}

#[test]
fn awkward_names_are_escaped_into_valid_dot() {
    let g = Graph::new();
    let c = common::awkward_names(&g);
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
    let y = common::nested_scopes(&g);
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

/// A page must open from `file://` with no network: nothing it loads lives elsewhere.
fn assert_self_contained(page: &str) {
    for needle in [
        "src=", "href=", "url(", "@import", "https://", "<link", "<iframe",
    ] {
        assert!(!page.contains(needle), "the page refers to {needle}");
    }
    let without_namespace = page.replace("http://www.w3.org/2000/svg", "");
    assert!(
        !without_namespace.contains("http://"),
        "the page refers to http://"
    );
}

#[test]
fn pages_need_no_network() {
    for d in apple_graph::run().iter().chain(&sigmoid_backprop::run()) {
        assert_self_contained(&d.html);
        assert!(d.html.contains("window.scalargrad"));
    }
}

#[test]
fn apple_orange_page_captions_compute_the_books_gradients() {
    let drawings = apple_graph::run();
    let page = &drawings[1].html;
    // ゼロから作るDeep Learning, fig. 5-17: 2.2, 110, 3.3, 165 and 650.
    for caption in [
        "∂price/∂apple = ∂price/∂apple_price × ∂apple_price/∂apple = 1.1 × 2 = 2.2",
        "∂price/∂apple_num = ∂price/∂apple_price × ∂apple_price/∂apple_num = 1.1 × 100 = 110",
        "∂price/∂orange = ∂price/∂orange_price × ∂orange_price/∂orange = 1.1 × 3 = 3.3",
        "∂price/∂orange_num = ∂price/∂orange_price × ∂orange_price/∂orange_num = 1.1 × 150 = 165",
        "∂price/∂tax = 1 × 650 = 650",
        "price = all_price × tax = 650 × 1.1 = 715",
        "∂price/∂apple = ∂price/∂apple_price × ∂apple_price/∂apple = 1.1 × 2 = 2.2。",
    ] {
        assert!(page.contains(caption), "no caption {caption}");
    }
}

#[test]
fn sigmoid_page_names_each_local_derivative() {
    let page = &sigmoid_backprop::run()[0].html;
    for caption in [
        // exp: × exp(−x); 1/u: × −1/u²; × −1: × −1.
        "∂exp(−x)/∂(−x) = exp(−x) = 0.3679",
        "∂y/∂(1 + exp(−x)) = −1 / (1 + exp(−x))² = -0.5344",
        "∂y/∂x = ∂y/∂(−x) × ∂(−x)/∂x = (-0.1966) × (-1) = 0.1966",
    ] {
        assert!(page.contains(caption), "no caption {caption}");
    }
}

#[test]
fn where_paths_meet_the_caption_adds_them_up() {
    let g = Graph::new();
    let a = g.value(3.0).named("a");
    let y = (a * a).named("y");
    y.backward();
    let page = viz::to_html(y, &viz::DrawOptions::default());
    assert!(
        page.contains("∂y/∂a = ∂y/∂y × ∂y/∂a + ∂y/∂y × ∂y/∂a = 1 × 3 + 1 × 3 = 6"),
        "a * a: two paths, 3 + 3"
    );
    assert!(page.contains("a is used 2 times"));
    assert!(page.contains("a は 2 か所で使われている"));
    assert_self_contained(&page);
}
