//! Replay: re-evaluate a graph whose structure does not change, in place.
//!
//! A training step over fixed-shape data builds the same graph every time. Instead of
//! rebuilding it, build it once, then each step: change the leaves (an optimizer does that for
//! the parameters; [`Value::set_data`](crate::Value::set_data) for inputs),
//! [`Graph::recompute`], and `backward()` again. Nothing is allocated after the first replay.
//! Every op's value is recomputed from its parents, parents first (through a plan of the
//! range, `fast/plan.rs`), and backward recomputes each local derivative from the new values,
//! so a relu's branch follows the new data. The simple path, rebuilding and rewinding, stays
//! the one the tutorial teaches; this is the fast path, and it gives the same numbers to the
//! bit.

use crate::engine::checkpoint::Checkpoint;
use crate::engine::graph::Graph;

impl Graph {
    /// Recomputes the value of every op node created since `from`, parents before children,
    /// from the current values of their parents. Leaves keep their values.
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
    /// Constants are part of the graph's structure and are not recomputed: a number taken
    /// from the data at build time (`x - x.data()`) stays as it was, and a replay with other
    /// data then computes something else than a rebuild would. Make such a number a node
    /// instead ([`Value::max`](crate::Value::max), [`Value::detach`](crate::Value::detach)), as
    /// [`loss::softmax`](crate::loss::softmax) and its relatives do with their shift, the
    /// largest logit: then replay and rebuild give the same bits.
    ///
    /// Cost: one pass over the op nodes since `from`. The first recompute from a checkpoint
    /// (and the first after the graph changed: a rewind, new nodes, another checkpoint) also
    /// makes a plan of the range, 32 bytes per op node, that later recomputes and backward
    /// passes run through (`fast/plan.rs`); after that, nothing is allocated. The plan orders
    /// independent ops (the same op of a layer's neurons, say) side by side, so that the processor
    /// overlaps them, and keeps the order in which each gradient adds its terms: replay and
    /// rebuild give the same bits.
    ///
    /// # Panics
    /// If `from` belongs to another graph, or is no longer valid (the graph was rewound or
    /// cleared to a point before it), as [`Graph::rewind`] does.
    pub fn recompute(&self, from: Checkpoint) {
        self.check_checkpoint("recompute from", &from);
        self.with(|a| {
            let start = from.len();
            a.plan
                .replay(&mut a.nodes, &a.consts, &a.links, a.generation, start);
            // Leaves since `from` keep their gradients; the replay marked the op nodes
            // unreached.
            a.grads_written_below = a
                .grads_written_below
                .min(u32::try_from(start).unwrap_or(u32::MAX));
        });
    }
}
