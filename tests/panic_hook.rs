//! A panic raised by the engine runs the process's panic hook, which is user code. The engine
//! raises its panics only after its borrow of the arena has ended, so a hook that uses the
//! same graph is sound. Alone in its own test binary, because the hook is process-wide. Run it
//! under Miri to check the aliasing: `cargo +nightly miri test --test panic_hook`.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};

use scalargrad::Graph;

thread_local! {
    static GRAPH: Graph = Graph::new();
    static HOOK_RAN: Cell<usize> = const { Cell::new(0) };
}

#[test]
fn a_panic_hook_that_uses_the_same_graph_is_sound() {
    panic::set_hook(Box::new(|_| {
        GRAPH.with(|g| {
            // Re-enter the graph from inside the hook: create, compute, read.
            let v = g.value(1.0);
            let w = v * 2.0 + 1.0;
            assert_eq!(w.data(), 3.0);
            let _ = format!("{g:?}");
        });
        HOOK_RAN.with(|c| c.set(c.get() + 1));
    }));
    GRAPH.with(|g| {
        let x = g.value(2.0);
        let cp = g.checkpoint();
        let stale = x * 3.0;
        g.rewind(cp);
        // Each of these panics inside the engine; the hook then uses the graph.
        assert!(panic::catch_unwind(AssertUnwindSafe(|| stale.data())).is_err());
        assert!(panic::catch_unwind(AssertUnwindSafe(|| stale + x)).is_err());
        assert!(panic::catch_unwind(AssertUnwindSafe(|| x * stale)).is_err());
        assert!(panic::catch_unwind(AssertUnwindSafe(|| stale.exp())).is_err());
        assert!(panic::catch_unwind(AssertUnwindSafe(|| stale.backward())).is_err());
        assert!(
            panic::catch_unwind(AssertUnwindSafe(|| g.weighted_sum(None, &[stale], &[x]))).is_err()
        );
        let other = Graph::new();
        let y = other.value(1.0);
        assert!(panic::catch_unwind(AssertUnwindSafe(|| x + y)).is_err());
        let foreign = other.checkpoint();
        assert!(panic::catch_unwind(AssertUnwindSafe(|| g.rewind(foreign))).is_err());
        // The graph is still consistent.
        let z = x * 5.0;
        z.backward();
        assert_eq!(x.grad(), 5.0);
    });
    let _ = panic::take_hook();
    assert_eq!(HOOK_RAN.with(Cell::get), 8);
}
