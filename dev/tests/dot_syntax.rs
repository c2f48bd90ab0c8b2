//! Every DOT file we write parses with a DOT parser (layout-rs, pure Rust, so CI needs no
//! Graphviz). This lives in the dev package so that the main package's first build does not
//! compile a parser: `tests/graphs.rs` there checks that the committed `graphs/*.dot` are
//! exactly what the examples draw, and this checks that those files are valid DOT.

use std::path::Path;

use scalargrad::{Graph, viz};

// The main package's test helpers: the awkward-names and nested-scopes graphs that
// `tests/graphs.rs` checks for escaping and clusters, here checked for syntax.
#[path = "../../tests/common/mod.rs"]
mod common;

fn assert_valid_dot(what: &str, dot: &str) {
    let mut parser = layout::gv::DotParser::new(dot);
    if let Err(e) = parser.process() {
        panic!("{what}: invalid DOT ({e}):\n{dot}");
    }
}

#[test]
fn every_committed_dot_file_parses() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../graphs");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("graphs/ exists") {
        let path = entry.expect("readable directory").path();
        if path.extension().is_some_and(|e| e == "dot") {
            let dot = std::fs::read_to_string(&path).expect("readable file");
            assert_valid_dot(&path.display().to_string(), &dot);
            seen += 1;
        }
    }
    // apple, apple_orange, sigmoid, sigmoid_grad, softmax_with_loss, xor_network
    assert!(seen >= 6, "only {seen} .dot files in {}", dir.display());
}

#[test]
fn awkward_names_are_escaped_into_valid_dot() {
    let g = Graph::new();
    let c = common::awkward_names(&g);
    for options in [viz::DrawOptions::default(), viz::DrawOptions::backward()] {
        assert_valid_dot("awkward names", &viz::to_dot(&viz::trace(c), &options));
    }
}

#[test]
fn nested_scopes_are_valid_dot() {
    let g = Graph::new();
    let y = common::nested_scopes(&g);
    let dot = viz::to_dot(&viz::trace(y), &viz::DrawOptions::default());
    assert_valid_dot("nested scopes", &dot);
}
