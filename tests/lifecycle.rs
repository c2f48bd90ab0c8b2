//! A graph's lifecycle: checkpoints and rewinds, stale and foreign handles, gradients set by
//! hand, scopes across rewinds, and a million-node chain against its published values; no
//! misuse yields a silently wrong number.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use common::{assert_close, panic_message};
use scalargrad::{Graph, Value};

#[test]
fn rewinding_to_a_checkpoint_invalidated_by_an_earlier_rewind_panics() {
    // A wrong rewind here would turn y's constant into 7 and give dy/dx = 7 (want 3).
    let g = Graph::new();
    let x = g.value(2.0);
    let early = g.checkpoint();
    let _ = g.value(0.0);
    let late = g.checkpoint();
    g.rewind(early);
    let y = x * 3.0;
    let message = panic_message(|| g.rewind(late));
    assert!(
        message.contains("rewound (or cleared) to an earlier point"),
        "{message}"
    );
    // The refused rewind changed nothing: y is still x · 3.
    let _ = x * 7.0;
    y.backward();
    assert_eq!(y.constant(), Some(3.0));
    assert_eq!(x.grad(), 3.0);
    g.recompute(early);
    assert_eq!(y.data(), 6.0);
}

#[test]
fn a_checkpoint_taken_before_clear_is_invalid_after_it() {
    let g = Graph::new();
    let _ = g.value(1.0);
    let cp = g.checkpoint();
    g.clear();
    let _ = g.value(5.0);
    let message = panic_message(|| g.rewind(cp));
    assert!(message.contains("earlier point"), "{message}");
    let message = panic_message(|| g.recompute(cp));
    assert!(message.contains("cannot recompute from"), "{message}");
}

#[test]
fn dot_links_survive_only_valid_rewinds() {
    // A stale checkpoint must not truncate a Dot node's links: backward would then read
    // another node's parents.
    let g = Graph::new();
    let w = g.values(&[2.0, 3.0]);
    let early = g.checkpoint();
    let _ = g.weighted_sum(None, &w, &w);
    let late = g.checkpoint();
    g.rewind(early);
    let s = g.weighted_sum(None, &w, &w); // 2·2 + 3·3
    assert!(panic_message(|| g.rewind(late)).contains("earlier point"));
    s.backward();
    assert_eq!(s.data(), 13.0);
    assert_eq!((w[0].grad(), w[1].grad()), (4.0, 6.0));
}

#[test]
fn a_checkpoint_of_another_graph_is_refused() {
    let (g, h) = (Graph::new(), Graph::new());
    let _ = g.value(1.0);
    let _ = h.value(1.0);
    let cp = g.checkpoint();
    let message = panic_message(|| h.rewind(cp));
    assert!(message.contains("another Graph"), "{message}");
}

#[test]
fn a_checkpoint_stays_valid_across_rewinds_to_itself_or_later() {
    let g = Graph::new();
    let w = g.value(3.0);
    let cp = g.checkpoint();
    for _ in 0..3 {
        let _ = w * w;
        let inner = g.checkpoint();
        let _ = w + 1.0;
        g.rewind(inner);
        g.rewind(cp);
    }
    assert_eq!(g.node_count(), 1);
}

#[test]
fn set_grad_on_an_interior_node_does_not_leak_into_the_next_backward() {
    // A leaked hand-set gradient would give x.grad() = 16 (5·3 + 1, from the stale 5); want 6.
    let g = Graph::new();
    let x = g.value(1.0);
    let y = x * 2.0;
    let z = y * 3.0;
    y.set_grad(5.0);
    assert_eq!(y.grad(), 5.0);
    z.backward();
    assert_eq!(x.grad(), 6.0);
    assert_eq!(y.grad(), 3.0);
}

#[test]
fn set_grad_after_a_backward_does_not_leak_either() {
    let g = Graph::new();
    let x = g.value(1.0);
    let y = x * 2.0;
    let z = y * 3.0;
    z.backward();
    y.set_grad(100.0);
    x.zero_grad();
    z.backward();
    assert_eq!(x.grad(), 6.0);
}

#[test]
fn set_grad_on_a_leaf_still_accumulates() {
    let g = Graph::new();
    let x = g.value(1.0);
    let y = x * 2.0;
    x.set_grad(10.0);
    y.backward();
    assert_eq!(x.grad(), 12.0);
}

#[test]
fn set_data_then_recompute_gives_fresh_gradients() {
    let g = Graph::new();
    let x = g.value(1.0);
    let cp = g.checkpoint();
    let y = (x * x).named("y");
    y.backward();
    x.set_data(3.0);
    x.zero_grad();
    g.recompute(cp);
    y.backward();
    assert_close("dy/dx at 3", x.grad(), 6.0, 0.0);
}

#[test]
fn a_scope_closed_before_a_rewind_does_not_claim_later_nodes() {
    let g = Graph::new();
    let x = g.value(1.0);
    let cp = g.checkpoint();
    // A scope opened after the checkpoint is discarded with it.
    let _ = g.scoped("step", || x * 2.0);
    g.rewind(cp);
    let outside = x + 1.0;
    assert_eq!(g.scope_of(outside), None);

    let g = Graph::new();
    let x = g.value(1.0);
    let (cp, _) = g.scoped("layer", || {
        let a = x * 2.0;
        (g.checkpoint(), a * 3.0)
    });
    // "layer" opened before `cp` and closed after it: the rewind makes it end at `cp`.
    g.rewind(cp);
    let later = x - 1.0;
    assert_eq!(
        g.scope_of(later),
        None,
        "a node made after the rewind, outside any scope"
    );
}

#[test]
fn a_panicking_scope_body_closes_its_scope() {
    let g = Graph::new();
    let x = g.value(1.0);
    let result = catch_unwind(AssertUnwindSafe(|| {
        g.scoped("doomed", || {
            let _ = x * 2.0;
            panic!("the body fails");
        })
    }));
    assert!(result.is_err());
    let after = x * 3.0;
    assert_eq!(g.scope_of(after), None);
    let inner = g.scoped("next", || x * 4.0);
    let s = g.scope_of(inner).unwrap();
    assert_eq!(g.scope_name(s), "next");
    assert_eq!(g.scope_parent(s), None, "the dead scope is not its parent");
}

#[test]
fn a_scope_id_from_before_a_rewind_does_not_name_the_scope_that_reused_its_slot() {
    let g = Graph::new();
    let x = g.value(1.0);
    let cp = g.checkpoint();
    let old = g.scoped("old", || x * 2.0);
    let old_scope = g.scope_of(old).unwrap();
    g.rewind(cp);
    let new = g.scoped("new", || x * 3.0);
    let new_scope = g.scope_of(new).unwrap();
    assert_ne!(old_scope, new_scope);
    assert_eq!(g.scope_name(new_scope), "new");
    let message = panic_message(|| {
        let _ = g.scope_name(old_scope);
    });
    assert!(message.contains("no longer exists"), "{message}");
}

#[test]
fn stale_and_mixed_graph_panics_name_the_values_and_the_remedy() {
    let g = Graph::new();
    let h = Graph::new();
    let a = g.value(1.0).named("a");
    let b = h.value(2.0).named("b");
    let message = panic_message(|| {
        let _ = a + b;
    });
    assert!(message.contains("`a` (Value #0)"), "{message}");
    assert!(message.contains("`b` (Value #0)"), "{message}");
    assert!(message.contains("same Graph"), "{message}");

    let cp = g.checkpoint();
    let t = g.value(3.0);
    g.rewind(cp);
    let message = panic_message(|| {
        let _ = t.data();
    });
    assert!(message.contains("Value #1 is stale"), "{message}");
    assert!(
        message.contains("create them again after the rewind"),
        "{message}"
    );
}

#[test]
fn weighted_sum_reports_mismatched_lengths_as_an_error_with_try_weighted_sum() {
    let g = Graph::new();
    let w = g.values(&[1.0, 2.0]);
    let x = g.values(&[1.0]);
    let err = g.try_weighted_sum(None, &w, &x).unwrap_err();
    assert!(err.to_string().contains("Graph::weighted_sum"), "{err}");
    let message = panic_message(|| {
        let _ = g.weighted_sum(None, &w, &x);
    });
    assert!(message.contains("Graph::weighted_sum"), "{message}");
}

#[test]
fn handles_go_stale_exactly_when_a_rewind_discards_their_node() {
    // The liveness test settles most handles without reading their node: made in the current
    // generation, or below the lowest point any rewind has cut to (`Arena::kept`). Walk a
    // handle through each case, including the one where a later rewind cuts below a value
    // that an earlier rewind kept.
    let g = Graph::new();
    let a = g.value(1.0); // index 0
    let to_1 = g.checkpoint();
    let b = g.value(2.0); // index 1
    let to_2 = g.checkpoint();
    let c = g.value(3.0); // index 2, generation 0
    g.rewind(to_2); // cuts at 2: c is gone; a and b lie below the cut
    assert!(
        panic_message(|| {
            let _ = c.data();
        })
        .contains("is stale")
    );
    assert_eq!((a.data(), b.data()), (1.0, 2.0));
    let c2 = g.value(30.0); // index 2 again, generation 1
    assert_eq!((c2 + b).data(), 32.0);
    assert!(
        panic_message(|| {
            let _ = c + b;
        })
        .contains("is stale")
    );
    g.rewind(to_2); // generation 2: c2 is gone too, though it is above no earlier cut
    assert!(
        panic_message(|| {
            let _ = c2.data();
        })
        .contains("is stale")
    );
    g.rewind(to_1); // cuts below b, which every earlier rewind had kept
    assert!(
        panic_message(|| {
            let _ = b.data();
        })
        .contains("is stale")
    );
    assert!(
        panic_message(|| {
            let _ = a * b;
        })
        .contains("is stale")
    );
    let b2 = g.value(20.0); // index 1, generation 3
    assert_eq!((a * b2).data(), 20.0);
    assert!(
        panic_message(|| {
            let _ = b.grad();
        })
        .contains("is stale")
    );
    g.clear();
    assert!(
        panic_message(|| {
            let _ = a.data();
        })
        .contains("is stale")
    );
}

#[test]
fn an_unfused_neuron_reports_the_first_stale_value_the_operators_would_meet() {
    use scalargrad::nn::{Activation, Module, Neuron};
    let g = Graph::new();
    let neuron = Neuron::from_weights(&g, &[1.0, 2.0, 3.0], Some(0.5), Activation::Identity);
    let x0 = g.value(1.0);
    let cp = g.checkpoint();
    let (x1, x2) = (g.value(2.0), g.value(3.0));
    g.rewind(cp);
    let before = g.node_count();
    let message = panic_message(|| {
        let _ = neuron.forward(&[x0, x1, x2]);
    });
    // x1 is the first stale operand of the chain w0·x0, b + …, w1·x1, …
    assert!(
        message.contains(&format!("Value #{} is stale", x1.index())),
        "{message}"
    );
    // Nothing was built, and the graph still works.
    assert_eq!(g.node_count(), before);
    let x = g.values(&[1.0, 1.0, 1.0]);
    let y = neuron.forward(&x).unwrap();
    assert_eq!(y.data(), 6.5);
    y.backward();
    assert_eq!(neuron.parameters()[3].grad(), 1.0);
}

#[test]
fn scope_of_a_value_of_another_graph_is_refused() {
    // The other graph's index must not be looked up in this graph's scopes.
    let (g, other) = (Graph::new(), Graph::new());
    let _ = g.scoped("layer", || g.value(1.0));
    let stranger = other.value(2.0);
    let message = panic_message(|| {
        let _ = g.scope_of(stranger);
    });
    assert!(message.contains("of another Graph"), "{message}");
}

#[test]
fn an_interior_node_made_where_leaves_were_is_cleared_between_backwards() {
    // Backward's clearing pass skips the all-leaf start of the graph (`Arena::leaf_prefix`).
    // A rewind below that start must shrink it, or a new interior node there would carry its
    // gradient into the next backward.
    let g = Graph::new();
    let a = g.value(2.0);
    let early = g.checkpoint(); // 1 node
    let b = g.value(5.0);
    let late = g.checkpoint(); // 2 nodes, both leaves
    for _ in 0..2 {
        (a * b).backward(); // the second backward learns that nodes 0 and 1 are leaves
        g.rewind(late);
    }
    assert_eq!(a.grad(), 10.0);
    g.rewind(early); // node 1 is free again
    a.zero_grad();
    let u = a * 2.0; // index 1, an interior node now
    assert_eq!(u.index(), 1);
    u.backward();
    let w = u * 3.0;
    w.backward();
    assert_eq!(
        u.grad(),
        3.0,
        "the latest backward only (1 + 3 if it was not cleared)"
    );
    assert_eq!(a.grad(), 2.0 + 6.0, "leaf gradients accumulate");
}

#[test]
fn rewind_discards_nodes_and_keeps_parameters() {
    let g = Graph::new();
    let w = g.value(0.5);
    let cp = g.checkpoint();
    for step in 0..5 {
        let x = g.value(f64::from(step));
        let loss = (w * x - 1.0).powi(2);
        loss.backward();
        g.rewind(cp);
        assert_eq!(g.node_count(), 1);
    }
    // Σ_step 2(0.5·s − 1)·s for s = 0..5 = 2·(0 − 0.5 + 0 + 1.5 + 4) = 10
    assert_eq!(w.grad(), 10.0);
}

#[test]
#[should_panic(expected = "is stale")]
fn using_a_value_after_rewind_panics() {
    let g = Graph::new();
    let w = g.value(1.0);
    let cp = g.checkpoint();
    let y = w * 2.0;
    g.rewind(cp);
    let _ = w * 3.0; // reuses y's slot
    let _ = y.data();
}

#[test]
#[should_panic(expected = "is stale")]
fn building_on_a_rewound_value_panics() {
    let g = Graph::new();
    let cp = g.checkpoint();
    let y = g.value(2.0);
    g.rewind(cp);
    let _ = y + 1.0;
}

#[test]
#[should_panic(expected = "different Graphs")]
fn mixing_graphs_panics() {
    let g1 = Graph::new();
    let g2 = Graph::new();
    let _ = g1.value(1.0) + g2.value(2.0);
}

#[test]
#[should_panic(expected = "was rewound (or cleared) to an earlier point")]
fn rewinding_to_a_discarded_checkpoint_panics() {
    let g = Graph::new();
    let _ = g.value(1.0);
    let early = g.checkpoint();
    let _ = g.value(2.0);
    let late = g.checkpoint();
    g.rewind(early);
    g.rewind(late);
}

#[test]
fn rewind_discards_names_and_scopes_of_discarded_nodes() {
    let g = Graph::new();
    let a = g.value(1.0).named("a");
    let cp = g.checkpoint();
    let b = g.scoped("step", || (a * 2.0).named("b"));
    assert_eq!(b.name().as_deref(), Some("b"));
    g.rewind(cp);
    let c = a * 3.0;
    assert_eq!(c.name(), None);
    assert_eq!(g.scope_of(c), None);
    assert_eq!(a.name().as_deref(), Some("a"));
}

#[test]
fn scopes_nest() {
    let g = Graph::new();
    let x = g.value(1.0);
    let (n, l) = g.scoped("layer", || {
        let l = x * 2.0;
        let n = g.scoped("neuron", || l.tanh());
        (n, l)
    });
    let ns = g.scope_of(n).unwrap();
    let ls = g.scope_of(l).unwrap();
    assert_eq!(g.scope_name(ns), "neuron");
    assert_eq!(g.scope_parent(ns), Some(ls));
    assert_eq!(g.scope_name(ls), "layer");
    assert_eq!(g.scope_parent(ls), None);
}

/// `v = tanh(v) · 1.0001`, `steps` times: 2·steps op nodes.
fn chain(x: Value<'_>, steps: usize) -> Value<'_> {
    (0..steps).fold(x, |v, _| v.tanh() * 1.0001)
}

#[test]
fn million_node_chain_runs_forward_backward_drop_and_rewind() {
    // W3 of the shared workloads; check values from its WORKLOADS.md. Test threads have a
    // 2 MiB stack, smaller than the 8 MiB main thread: nothing here recurses. Under Miri,
    // which interprets every instruction, the chain is 10³ nodes and the published values
    // are not checked (they are those of 10⁶ nodes); the rewind still has to reproduce them.
    let steps = if cfg!(miri) { 500 } else { 500_000 };
    let g = Graph::new();
    let x = g.value(0.5);
    let cp = g.checkpoint();
    let v = chain(x, steps);
    assert_eq!(g.node_count(), 2 * steps + 1);
    v.backward();
    let (first_v, first_dx) = (v.data(), x.grad());
    if !cfg!(miri) {
        assert_close("v", first_v, 1.732_068_128_191e-2, 1e-11);
        assert_close("dv/dx", first_dx / 1.509_836_697_940e-48, 1.0, 1e-11);
    }
    g.rewind(cp);
    assert_eq!(g.node_count(), 1);
    x.zero_grad();
    let v = chain(x, steps);
    v.backward();
    assert_eq!(
        (v.data(), x.grad()),
        (first_v, first_dx),
        "the same after a rewind"
    );
    drop(g);
}

#[test]
fn scope_lookup_finds_the_innermost_scope_among_siblings() {
    let g = Graph::new();
    let x = g.value(1.0);
    let mut inside = Vec::new();
    g.scoped("layer", || {
        for k in 0..5 {
            inside.push(g.scoped(format!("neuron {k}"), || x * f64::from(k)));
        }
        inside.push(x + 1.0); // in the layer, after its neurons
    });
    let after = x * 2.0;
    for (k, v) in inside.iter().take(5).enumerate() {
        let s = g.scope_of(*v).unwrap();
        assert_eq!(g.scope_name(s), format!("neuron {k}"));
    }
    assert_eq!(g.scope_name(g.scope_of(inside[5]).unwrap()), "layer");
    assert_eq!(g.scope_of(after), None);
    assert_eq!(g.scope_of(x), None);
}
