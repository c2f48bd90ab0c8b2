//! User code that re-enters a graph while the engine is working on it: formatting, iterators,
//! names. None of it may run while the arena is borrowed (`Graph::with`'s contract); run these
//! under Miri (`cargo +nightly miri test --test reentrancy`) to check the aliasing, too.

use std::fmt::{self, Write};

use scalargrad::{Graph, Value};

/// A `fmt::Write` that creates a value in the graph on every write.
struct Meddler<'g> {
    graph: &'g Graph,
    out: String,
}

impl Write for Meddler<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let v = self.graph.value(1.0);
        let _ = v * 2.0;
        self.out.push_str(s);
        Ok(())
    }
}

#[test]
fn debug_formatting_a_graph_into_a_writer_that_uses_the_graph_is_sound() {
    let g = Graph::new();
    let _ = g.value(1.0);
    let mut w = Meddler {
        graph: &g,
        out: String::new(),
    };
    write!(w, "{g:?}").unwrap();
    assert!(w.out.starts_with("Graph { nodes: 1"), "{}", w.out);
    assert!(g.node_count() > 1);
}

#[test]
fn debug_formatting_a_value_into_a_writer_that_uses_the_graph_is_sound() {
    let g = Graph::new();
    let x = g.value(1.5);
    let mut w = Meddler {
        graph: &g,
        out: String::new(),
    };
    write!(w, "{x:?} {x}").unwrap();
    assert!(w.out.contains("data: 1.5"), "{}", w.out);
}

#[test]
fn an_iterator_given_to_sum_may_build_values_in_the_same_graph() {
    let g = Graph::new();
    let x = g.value(2.0);
    // Each item is built by the iterator itself, between the sum's additions.
    let s = g.sum((0..4).map(|k| x * f64::from(k)));
    s.backward();
    assert_eq!(s.data(), 12.0);
    assert_eq!(x.grad(), 6.0);
}

/// A name type whose `AsRef` builds values in the graph it names a scope of.
struct LoudName<'g>(&'g Graph, Value<'g>);

impl AsRef<str> for LoudName<'_> {
    #[allow(clippy::unnecessary_literal_bound)] // the signature is AsRef's
    fn as_ref(&self) -> &str {
        let _ = self.1 * 2.0; // touches the graph
        let _ = self.0.node_count();
        "loud"
    }
}

#[test]
fn a_scope_name_whose_as_ref_uses_the_graph_is_sound() {
    let g = Graph::new();
    let x = g.value(1.0);
    let y = g.scoped(LoudName(&g, x), || x + 1.0);
    assert_eq!(g.scope_name(g.scope_of(y).unwrap()), "loud");
}

#[test]
fn a_graph_built_on_another_thread_can_be_handed_back() {
    let g = std::thread::spawn(|| {
        let g = Graph::new();
        let x = g.value(3.0);
        let _ = (x * x).named("y");
        g
    })
    .join()
    .unwrap();
    assert_eq!(g.node_count(), 2);
    let y = g.value(1.0) + 1.0;
    assert_eq!(y.data(), 2.0);
}
