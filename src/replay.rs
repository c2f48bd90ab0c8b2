//! Replay: re-evaluate a graph whose structure does not change, in place.
//!
//! A training step over fixed-shape data builds the same graph every time. Instead of
//! rebuilding it, build it once, then each step: change the leaves (an optimizer does that for
//! the parameters; [`Value::set_data`] for inputs), [`Graph::recompute`], and `backward()`
//! again. Nothing is allocated after the first replay. Every op's value is recomputed from its parents in creation
//! order, and backward recomputes each local derivative from the new values, so a relu's
//! branch follows the new data. The simple path, rebuilding and rewinding, stays the one the
//! tutorial teaches; this is the fast path, and it gives the same numbers to the bit.

use crate::graph::{Arena, Checkpoint, Graph};
use crate::op::{Arity, Op, specialize};

impl Graph {
    /// Recomputes the value of every op node created since `from`, in creation order, from
    /// the current values of their parents. Leaves keep their values.
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let w = g.value(2.0);
    /// let cp = g.checkpoint();
    /// let x = g.value(3.0);
    /// let y = (w * x).relu();
    /// assert_eq!(y.data(), 6.0);
    /// w.set_data(-1.0);
    /// x.set_data(4.0);
    /// g.recompute(cp);
    /// assert_eq!(y.data(), 0.0);
    /// y.backward();
    /// assert_eq!(w.grad(), 0.0); // the relu branch follows the new data
    /// ```
    ///
    /// Constants are part of the graph's structure and are not recomputed. So a constant
    /// chosen from the data at build time stays as it was: [`loss::softmax`](crate::loss::softmax)
    /// and its relatives subtract the maximum logit as a constant, and after a replay they
    /// still give the right values (any shift does) but may round differently from a
    /// rebuild. Graphs without data-dependent constants replay to the bit.
    ///
    /// Cost: one pass over the op nodes since `from`. The first recompute from a checkpoint
    /// (and the first after the graph changed: a rewind, new nodes, another checkpoint) also
    /// makes a plan of the range, 16 bytes per op node, that later recomputes and backward
    /// passes run through (`src/plan.rs`); after that, nothing is allocated.
    ///
    /// # Panics
    /// If `from` belongs to another graph, or is no longer valid (the graph was rewound or
    /// cleared to a point before it), as [`Graph::rewind`] does.
    pub fn recompute(&self, from: Checkpoint) {
        self.check_checkpoint("recompute from", &from);
        self.with(|a| {
            let start = from.len();
            if !a.replay_planned(start) {
                a.replay(start);
            }
            // Leaves since `from` keep their gradients (and stale `reached` flags, which
            // backward never reads for a leaf).
            a.dirty = a.dirty.min(u32::try_from(start).unwrap_or(u32::MAX));
        });
    }
}

impl Arena {
    /// Recomputes nodes `start..` in creation order.
    #[inline]
    fn replay(&mut self, start: usize) {
        let (consts, links) = (&self.consts, &self.links);
        let nodes = &mut self.nodes[..];
        for i in start..nodes.len() {
            let n = nodes[i];
            let (l, r) = (n.lhs as usize, n.rhs as usize);
            // Parents are created before their children (the arena only appends, and a rewind
            // cuts a suffix), so `l < i` and, for binary ops, `r < i`; a constant op's `r`
            // indexes a constant pushed with it, and a rewind cuts constants at the same point
            // as nodes. So the unchecked reads below stay inside `nodes` and `consts`.
            let before = &*nodes;
            let x = || {
                debug_assert!(l < i);
                // SAFETY: `l < i < nodes.len()` (see above), for every arm that calls it.
                unsafe { before.get_unchecked(l).data }
            };
            // One jump per node: in each arm the op is a constant and `eval` folds to its
            // formula (see `specialize!` in op.rs).
            let data = specialize!(n.op, |op| match op.arity() {
                Arity::Leaf => continue,
                Arity::Nary => crate::graph::eval_dot(before, links, &n),
                Arity::Unary => op.eval(x(), 0.0),
                Arity::UnaryConst => {
                    debug_assert!(r < consts.len());
                    // SAFETY: `r < consts.len()` (see above).
                    op.eval(x(), unsafe { *consts.get_unchecked(r) })
                }
                Arity::Binary => {
                    debug_assert!(r < i);
                    // SAFETY: `r < i < nodes.len()` (see above).
                    op.eval(x(), unsafe { before.get_unchecked(r).data })
                }
            });
            // The next backward would clear these anyway; doing it here saves it a pass.
            let node = &mut nodes[i];
            node.data = data;
            node.grad = 0.0;
            node.reached = false;
        }
    }
}
