//! Backward: the chain rule as one reverse sweep over the arena.
//!
//! Nodes are stored in creation order, which is a topological order, so visiting them from the
//! root down to index 0 sees every node after all of its consumers. Each reached node hands
//! `grad · ∂out/∂parent` to its parents, as [`Op::vjp`] computes it: this file knows no
//! individual op. No recursion, no hash set, no allocation.
//!
//! What only makes it faster lives in `fast/` and shows here as a few calls: the memo of
//! sweeps known to reach every op node (`self.reach`, then no test per node), and the replay
//! plan (`self.plan`) that such a sweep may run through.
// One of the files allowed `unsafe` code (the crate denies it elsewhere): `propagate` reaches a
// node's parents without bounds checks.
#![allow(unsafe_code)]

use crate::engine::arena::Arena;
use crate::engine::fast::nary::propagate_nary;
use crate::engine::fast::reach::Sweep;
use crate::engine::node::{Node, UNREACHED, accumulate};
use crate::engine::op::{Arity, Op, specialize};
use crate::engine::value::Value;

impl Arena {
    /// Marks the op nodes below `end` that an earlier backward (or `set_grad`) may have
    /// touched [`UNREACHED`] again. Leaf gradients are kept: they accumulate, as in PyTorch.
    fn clear_interior(&mut self, end: u32) {
        let end = end.min(self.grads_written_below) as usize;
        // Skip the leaves at the start, and remember how far they go (`Arena::leaf_prefix`).
        let mut start = (self.leaf_prefix as usize).min(end);
        while start < end && self.nodes[start].op == Op::Leaf {
            start += 1;
        }
        // `start <= end <= nodes.len() <= MAX_NODES`, so it fits.
        #[allow(clippy::cast_possible_truncation)]
        {
            self.leaf_prefix = self.leaf_prefix.max(start as u32);
        }
        for n in &mut self.nodes[start..end] {
            if n.op.arity() != Arity::Leaf {
                n.grad = UNREACHED;
            }
        }
    }

    /// Sets d root/d root = 1 and propagates it through every node reachable from `root`.
    pub(crate) fn backward(&mut self, root: u32) {
        let end = root + 1;
        let sweep = Sweep {
            root,
            generation: self.generation,
        };
        let reaches_all = self.reach.reaches_all(sweep);
        self.clear_interior(end);
        self.grads_written_below = self.grads_written_below.max(end);

        let r = &mut self.nodes[root as usize];
        if r.op.arity() == Arity::Leaf {
            r.grad += 1.0;
            return;
        }
        r.grad = 1.0;
        if reaches_all {
            self.sweep_reaching_all(root, end as usize);
            return;
        }
        // The loop without n-ary nodes is measurably tighter (BENCHMARKS.md, "What made it
        // fast"), so graphs that have none (no links) get their own instance.
        if self.links.is_empty() {
            self.sweep::<false, true>(end as usize);
        } else {
            self.sweep::<true, true>(end as usize);
        }
        let lo = (self.leaf_prefix as usize).min(end as usize);
        self.reach.record(sweep, &self.nodes[lo..end as usize]);
    }

    /// The sweep from a root known to reach every op node below it (`fast/reach.rs`): no test
    /// for unreached nodes, and through the replay plan when it ends at the root
    /// (`fast/plan.rs`). Out of line, so that the sweep of a graph rebuilt every step keeps its
    /// registers (BENCHMARKS.md, "the replay plan scheduled for the processor").
    #[inline(never)]
    fn sweep_reaching_all(&mut self, root: u32, end: usize) {
        if self.plan.ends_at(root, self.generation) {
            self.plan.sweep(&mut self.nodes, &self.consts, &self.links);
        } else if self.links.is_empty() {
            self.sweep::<false, false>(end);
        } else {
            self.sweep::<true, false>(end);
        }
    }

    /// The reverse sweep over `nodes[..end]`; `NARY` says whether [`Op::Dot`]
    /// nodes may occur, and `TRACK_REACH` whether to skip the nodes the sweep does not reach
    /// (without, every op node below the root must be reachable from it).
    #[inline]
    fn sweep<const NARY: bool, const TRACK_REACH: bool>(&mut self, end: usize) {
        let consts = &self.consts;
        let links = &self.links;
        let nodes = &mut self.nodes[..end];
        for i in (0..nodes.len()).rev() {
            let n = nodes[i];
            // Unreached nodes do not depend on the root (skipping them also keeps a stale
            // 0·∞ from turning a parent's gradient into NaN). An op node is unreached while
            // its gradient is still `UNREACHED` (-0.0): `add` below never stores -0.0.
            if TRACK_REACH && n.unreached() {
                continue;
            }
            // One jump per node: in each arm the op is a constant, and `propagate` folds to
            // that op's `vjp` (see `specialize!` in op.rs).
            specialize!(n.op, |op| propagate::<NARY, TRACK_REACH>(
                nodes, consts, links, i, &n, op
            ));
        }
    }
}

/// Hands node `i`'s gradient to its parents, times the local derivatives of `op` (which is
/// `n.op`, passed as a constant by `specialize!`).
#[inline(always)]
fn propagate<const NARY: bool, const TRACK_REACH: bool>(
    nodes: &mut [Node],
    consts: &[f64],
    links: &[u32],
    i: usize,
    n: &Node,
    op: Op,
) {
    let arity = op.arity();
    let (l, r) = (n.lhs as usize, n.rhs as usize);
    // Parents are created before their children (the arena only appends, and a rewind cuts a
    // suffix), so `l < i` and, for binary ops, `r < i`: the unchecked accesses below stay
    // inside `nodes`, whose length is greater than `i`.
    debug_assert!(matches!(arity, Arity::Leaf | Arity::Nary) || l < i);
    debug_assert!(arity != Arity::Binary || r < i);
    let y = match arity {
        Arity::Leaf => return,
        Arity::Nary => {
            if NARY {
                propagate_nary::<TRACK_REACH>(nodes, links, n, op);
            }
            return;
        }
        Arity::Unary => 0.0,
        Arity::UnaryConst => consts[r],
        // SAFETY: r < i < nodes.len() (see above).
        Arity::Binary => unsafe { nodes.get_unchecked(r).data },
    };
    // SAFETY: l < i < nodes.len() (see above).
    let lhs = unsafe { nodes.get_unchecked_mut(l) };
    let (gx, gy) = op.vjp(lhs.data, y, n.data, n.grad);
    lhs.grad = accumulate::<TRACK_REACH>(lhs.grad, gx);
    if arity == Arity::Binary {
        // SAFETY: r < i < nodes.len() (see above).
        let rhs = unsafe { nodes.get_unchecked_mut(r) };
        rhs.grad = accumulate::<TRACK_REACH>(rhs.grad, gy);
    }
}

impl Value<'_> {
    /// Backpropagates from this value: afterwards every node's `grad()` holds
    /// d self / d node.
    ///
    /// Gradient semantics are PyTorch's:
    /// - **Leaf gradients accumulate** across calls, until zeroed with [`Value::zero_grad`]
    ///   or [`Graph::zero_grad`](crate::Graph::zero_grad).
    /// - **Interior gradients reflect the latest backward only**: calling `backward()` twice
    ///   does not double-count through interior nodes (micrograd's issue #53). Interior nodes
    ///   created before `self` that do not feed it get gradient 0.
    /// - Nodes created after `self` are untouched.
    ///
    /// Cost: one pass over the nodes created up to `self` (two after an earlier backward
    /// touched them), no allocation. Backward again from the same value, with no rewind in
    /// between (a step replayed with [`Graph::recompute`](crate::Graph::recompute)), is
    /// cheaper from the third time on if every op node below `self` feeds it: the engine
    /// then knows it need not track which nodes the sweep reaches, and sweeps through the
    /// replay's plan of the graph when it has one.
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let x = g.value(3.0);
    /// let y = x * x; // interior
    /// y.backward();
    /// y.backward();
    /// assert_eq!(x.grad(), 12.0); // leaf: 6 + 6
    /// assert_eq!(y.grad(), 1.0); // interior: the latest backward only
    /// ```
    ///
    /// # Panics
    /// If this value was discarded by [`Graph::rewind`](crate::Graph::rewind).
    #[inline]
    pub fn backward(self) {
        let (index, generation) = (self.index(), self.generation());
        self.graph()
            .with_live(index, generation, |a| a.backward(index));
    }
}
