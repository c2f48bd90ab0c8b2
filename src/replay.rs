//! Replay: re-evaluate a graph whose structure does not change, in place.
//!
//! A training step over fixed-shape data builds the same graph every time. Instead of
//! rebuilding it, build it once, then each step: change the leaves (an optimizer does that for
//! the parameters; [`Value::set_data`] for inputs), [`Graph::recompute`], and `backward()`
//! again. Nothing is allocated. Every op's value is recomputed from its parents in creation
//! order, and backward recomputes each local derivative from the new values, so a relu's
//! branch follows the new data. The simple path, rebuilding and rewinding, stays the one the
//! tutorial teaches; this is the fast path, and it gives the same numbers to the bit.

use crate::graph::{Checkpoint, Graph};
use crate::op::Arity;

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
    /// Cost: one pass over the nodes since `from`; no allocation.
    ///
    /// # Panics
    /// If the graph is shorter than `from` (it was rewound past it).
    pub fn recompute(&self, from: Checkpoint) {
        self.with(|a| {
            let start = from.len();
            assert!(
                start <= a.nodes.len(),
                "scalargrad: cannot recompute from a checkpoint at {start} nodes: the graph holds \
                 only {} (it was rewound past that checkpoint)",
                a.nodes.len()
            );
            for i in start..a.nodes.len() {
                let n = a.nodes[i];
                if n.op.arity() == Arity::Leaf {
                    continue;
                }
                let x = a.nodes[n.lhs as usize].data;
                let y = a.second_operand(&n);
                a.nodes[i].data = n.op.eval(x, y);
            }
        });
    }
}
