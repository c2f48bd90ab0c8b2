//! [`Graph`]: the arena's owner, the one door into it, and the leaves.
//!
//! Creation order is a topological order (a node's parents always exist before it), so
//! backward is a reverse sweep and never recurses. Handles ([`Value`]) are `Copy`: a graph
//! reference, an index and a generation stamp that catches use after [`Graph::rewind`].
// One of the files allowed `unsafe` code (the crate denies it elsewhere): the door into the arena's
// `UnsafeCell`.
#![allow(unsafe_code)]

use std::cell::UnsafeCell;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::engine::arena::{Arena, MAX_NODES};
use crate::engine::node::{Node, UNREACHED};
use crate::engine::op::Op;
use crate::engine::value::Value;

/// Gives every graph a distinct identity, so that a [`Checkpoint`](crate::Checkpoint) cannot
/// be used on another graph, even one at the same address.
static NEXT_GRAPH_ID: AtomicU64 = AtomicU64::new(1);

/// A misuse of the graph, detected while the arena is borrowed and reported (by a panic) only
/// after the borrow has ended, so that no panic hook ever runs with the arena borrowed.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Misuse {
    /// A handle whose node was discarded by a rewind.
    Stale { index: u32, generation: u32 },
    /// The graph is full.
    TooManyNodes,
}

/// The computation graph: an arena of scalar nodes in creation order.
///
/// Values are created with [`Graph::value`] and combined with ordinary arithmetic; each
/// result is a new node that records its op and its parents.
///
/// ```
/// use scalargrad::Graph;
///
/// // ゼロから作るDeep Learning, ch. 5: 2 apples at 100 yen, 10% tax.
/// let g = Graph::new();
/// let apple = g.value(100.0).named("apple");
/// let count = g.value(2.0).named("count");
/// let tax = g.value(1.1).named("tax");
/// let price = apple * count * tax;
/// price.backward();
/// assert!((price.data() - 220.0).abs() < 1e-12);
/// assert!((apple.grad() - 2.2).abs() < 1e-12);
/// assert!((count.grad() - 110.0).abs() < 1e-12);
/// assert_eq!(tax.grad(), 200.0);
/// ```
///
/// A `Graph` is `Send` but not `Sync`: build it on any thread, hand it to another, but use
/// it from one thread at a time. [`Value`]s borrow their graph, so they stay on its thread.
pub struct Graph {
    arena: UnsafeCell<Arena>,
}

impl Default for Graph {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Graph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Read what is shown first: the formatter may call user code (a `fmt::Write` that
        // uses this very graph), which must never run while the arena is borrowed.
        let (nodes, generation) = self.with(|a| (a.nodes.len(), a.generation));
        f.debug_struct("Graph")
            .field("nodes", &nodes)
            .field("generation", &generation)
            .finish()
    }
}

impl Graph {
    /// An empty graph.
    #[must_use]
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty graph with room for `nodes` nodes before it reallocates.
    ///
    /// Pre-sizing saves the reallocations and most page faults of a large first build.
    #[must_use]
    pub fn with_capacity(nodes: usize) -> Self {
        Graph {
            arena: UnsafeCell::new(Arena {
                id: NEXT_GRAPH_ID.fetch_add(1, Ordering::Relaxed),
                nodes: Vec::with_capacity(nodes.min(MAX_NODES)),
                never_rewound_below: u32::MAX,
                ..Arena::default()
            }),
        }
    }

    /// Runs `f` with exclusive access to the arena. `f` keeps the arena contract
    /// (engine/mod.rs): it never calls back into the graph, runs no user code, starts no
    /// panic, and lets no reference into the arena escape.
    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Arena) -> R) -> R {
        // SAFETY: the arena contract (engine/mod.rs), which `f` keeps.
        f(unsafe { self.arena_mut() })
    }

    /// The arena, for the per-node hot paths, which cannot afford a closure call per node.
    ///
    /// # Safety
    /// The caller keeps the arena contract (engine/mod.rs) by hand: it holds no other
    /// reference into the arena while the returned one is used, calls no user code and starts
    /// no panic before its last use of it, and lets no reference into the arena escape.
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn arena_mut(&self) -> &mut Arena {
        // SAFETY: `UnsafeCell::get` gives a valid, aligned pointer for as long as `self`
        // lives; the caller keeps the arena contract (engine/mod.rs), so the `&mut` is unique.
        unsafe { &mut *self.arena.get() }
    }

    /// Runs `f` on the arena if the handle `(index, generation)` is live; otherwise panics,
    /// after the borrow has ended, naming the stale value.
    #[inline(always)]
    pub(crate) fn with_live<R>(
        &self,
        index: u32,
        generation: u32,
        f: impl FnOnce(&mut Arena) -> R,
    ) -> R {
        // SAFETY: the arena contract (engine/mod.rs); a stale handle is reported after it.
        let a = unsafe { self.arena_mut() };
        if !a.is_live(index, generation) {
            self.misuse(Misuse::Stale { index, generation });
        }
        f(a)
    }

    /// Whether every value in `values` belongs to this graph and is live: the cheap tests of
    /// `Arena::is_live` for each, folded without stopping at the first failure, and only if
    /// one fails, the full test.
    #[inline]
    pub(crate) fn all_live(&self, values: &[Value<'_>]) -> bool {
        self.with(|a| {
            let quick = |ok: bool, v: &Value<'_>| {
                ok & std::ptr::eq(v.graph(), self) & a.is_live_quick(v.index(), v.generation())
            };
            values.iter().fold(true, quick)
                || values
                    .iter()
                    .all(|v| std::ptr::eq(v.graph(), self) && a.is_live(v.index(), v.generation()))
        })
    }

    /// Panics, naming `caller` (`"Graph::grad"`) and the value, unless every value of every
    /// group is a live value of this graph: the quick [`Graph::all_live`] test first, and the
    /// value-by-value messages only on a misuse.
    #[inline]
    pub(crate) fn assert_all_live(&self, caller: &str, groups: &[&[Value<'_>]]) {
        if !groups.iter().all(|values| self.all_live(values)) {
            self.name_the_dead_value(caller, groups);
        }
    }

    #[cold]
    #[inline(never)]
    fn name_the_dead_value(&self, caller: &str, groups: &[&[Value<'_>]]) {
        for v in groups.iter().flat_map(|values| values.iter()) {
            assert!(
                std::ptr::eq(v.graph(), self),
                "scalargrad: {caller} was given Value #{} of another Graph",
                v.index()
            );
            // Panics with a clear message if the value is stale.
            let _ = v.data();
        }
    }

    /// Reports a misuse found inside a borrow. Called only once that borrow has ended.
    #[cold]
    #[inline(never)]
    pub(crate) fn misuse(&self, misuse: Misuse) -> ! {
        match misuse {
            Misuse::Stale { index, generation } => {
                let (now, len) = self.with(|a| (a.generation, a.nodes.len()));
                panic!(
                    "scalargrad: Value #{index} is stale: it was created after a checkpoint that \
                     has since been rewound (Graph::rewind or Graph::clear discarded its node; \
                     it was made in generation {generation}, the graph is in generation {now} \
                     and holds {len} nodes). Create values that must outlive a rewind before \
                     the checkpoint, or create them again after the rewind"
                )
            }
            Misuse::TooManyNodes => panic!(
                "scalargrad: a Graph holds at most {MAX_NODES} nodes; rewind or clear it, or \
                 use replay (Graph::recompute) instead of rebuilding"
            ),
        }
    }

    /// A new leaf: an input or parameter whose gradient is tracked.
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let w = g.value(0.5);
    /// assert_eq!(w.data(), 0.5);
    /// assert_eq!(w.grad(), 0.0);
    /// ```
    ///
    /// # Panics
    /// If the graph already holds `u32::MAX - 1` nodes.
    #[inline]
    pub fn value(&self, data: f64) -> Value<'_> {
        // SAFETY: the arena contract (engine/mod.rs); a full graph is reported after it.
        let a = unsafe { self.arena_mut() };
        let generation = a.generation;
        match a.push(Op::Leaf, 0, 0, data) {
            Some(index) => Value::from_parts(self, index, generation),
            None => self.misuse(Misuse::TooManyNodes),
        }
    }

    /// A new leaf with a name, shown in drawings.
    pub fn named_value(&self, data: f64, name: &str) -> Value<'_> {
        self.value(data).named(name)
    }

    /// Leaves for every number in `data`, in order.
    pub fn values(&self, data: &[f64]) -> Vec<Value<'_>> {
        data.iter().map(|&x| self.value(x)).collect()
    }

    /// The left-fold sum `((v0 + v1) + v2) + …`; a leaf 0 when `values` is empty.
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let v = g.values(&[1.0, 2.0, 3.0]);
    /// assert_eq!(g.sum(v).data(), 6.0);
    /// ```
    ///
    /// # `iter().sum()` and E0277
    /// `let s: Value = xs.iter().sum();` does not compile: an empty iterator has no graph to
    /// put its 0 in, so `Value` does not implement `Sum`. Use `g.sum(xs)`, or sum into an
    /// `Option<Value>` (`None` for no values), which works with `.iter()` and `.into_iter()`:
    ///
    /// ```
    /// # use scalargrad::{Graph, Value};
    /// let g = Graph::new();
    /// let xs = g.values(&[1.0, 2.0, 3.0]);
    /// let s: Option<Value> = xs.iter().sum();
    /// assert_eq!(s.map(Value::data), Some(6.0));
    /// ```
    pub fn sum<'g>(&'g self, values: impl IntoIterator<Item = Value<'g>>) -> Value<'g> {
        // The iterator is user code: each `next()` runs between two ops, never inside a
        // borrow of the arena.
        let mut it = values.into_iter();
        match it.next() {
            Some(first) => it.fold(first, |acc, v| acc + v),
            None => self.value(0.0),
        }
    }

    /// The number of nodes (leaves and op nodes).
    #[must_use]
    pub fn node_count(&self) -> usize {
        self.with(|a| a.nodes.len())
    }

    /// The number of nodes the graph can hold before it reallocates.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.with(|a| a.nodes.capacity())
    }

    /// Whether the graph has no nodes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.node_count() == 0
    }

    /// The size in bytes of one node in the arena (32).
    #[must_use]
    pub const fn node_size() -> usize {
        std::mem::size_of::<Node>()
    }

    /// How many times the graph has been rewound or cleared: the generation stamped into
    /// new nodes.
    #[must_use]
    pub fn generation(&self) -> u32 {
        self.with(|a| a.generation)
    }

    /// Sets every gradient in the graph, leaves and interior nodes, to 0.
    pub fn zero_grad(&self) {
        self.with(|a| {
            for n in &mut a.nodes {
                n.grad = UNREACHED;
            }
            a.grads_written_below = 0;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_is_send() {
        fn send<T: Send>() {}
        send::<Graph>();
    }
}
