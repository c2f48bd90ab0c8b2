//! A replay plan: the op nodes of a replayed range, decoded once.
//!
//! A replayed training step ([`Graph::recompute`](crate::Graph::recompute), then backward)
//! runs over the same structure every time. The plan lists the op nodes of the replayed range
//! in creation order, each with the byte offsets of its node and of its parents in the arena.
//! Its loops skip the leaves (inputs and parameters), and address nodes without scaling an
//! index by the node's size. The mathematics stays in `op.rs`: the loops call `Op::eval` and
//! `Op::partials` through `specialize!`, as the node loops do, so both give the same bits.
//!
//! A plan is made by the first recompute of a range and used while the graph's generation
//! and length stay the same; otherwise the next recompute makes a new one. Backward uses it
//! only when it covers the root and every op node below it; otherwise it sweeps the nodes.

use std::mem::size_of;

use crate::graph::{Arena, Node, eval_dot};
use crate::op::{Arity, Op, specialize};

/// One op node of a plan: 32 bytes. (Offsets in `u32` would halve that, but would not reach
/// past 2²⁷ nodes, and larger graphs would then need a second recompute loop over the nodes.)
#[derive(Clone, Copy, Debug)]
pub(crate) struct Step {
    /// The node's byte offset in the arena.
    at: usize,
    /// The first parent's byte offset, or for an [`Op::Dot`] node its `lhs` (see
    /// `graph::dot_parts`).
    lhs: usize,
    /// The second parent's byte offset for a binary op; the constant's index for an op with a
    /// constant operand; for an [`Op::Dot`] node its `rhs`.
    rhs: usize,
    op: Op,
}

/// The plan of the range a graph was last recomputed from (see the module's docs).
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// `(from, len, generation)` of the range the plan describes.
    key: Option<(u32, u32, u32)>,
    /// Whether every node below `from` is a leaf, so that the steps are all the op nodes
    /// below the range's end.
    complete: bool,
    steps: Vec<Step>,
}

/// The byte offset of node `index`.
fn offset(index: u32) -> usize {
    index as usize * size_of::<Node>()
}

impl Arena {
    /// Makes sure the plan describes `nodes[from..]` in this generation.
    fn plan_for(&mut self, from: usize) {
        // `from <= len <= MAX_NODES`, so both fit.
        #[allow(clippy::cast_possible_truncation)]
        let key = Some((from as u32, self.nodes.len() as u32, self.generation));
        if self.plan.key == key {
            return;
        }
        let plan = &mut self.plan;
        plan.steps.clear();
        for (at, n) in (0..).step_by(size_of::<Node>()).zip(&self.nodes).skip(from) {
            let (lhs, rhs) = match n.op.arity() {
                Arity::Leaf => continue,
                Arity::Nary => (n.lhs as usize, n.rhs as usize),
                Arity::Binary => (offset(n.lhs), offset(n.rhs)),
                Arity::Unary | Arity::UnaryConst => (offset(n.lhs), n.rhs as usize),
            };
            plan.steps.push(Step {
                at,
                lhs,
                rhs,
                op: n.op,
            });
        }
        plan.complete = self.nodes[..from].iter().all(|n| n.op == Op::Leaf);
        plan.key = key;
    }

    /// Recomputes `nodes[from..]` in creation order, through the plan (made first if needed).
    pub(crate) fn replay(&mut self, from: usize) {
        self.plan_for(from);
        let (consts, links) = (&self.consts, &self.links);
        let len = self.nodes.len();
        let base: *mut Node = self.nodes.as_mut_ptr();
        // SAFETY (for every access below): the plan was made from `nodes` in this generation
        // and at this length (`plan_for`), and nodes are only appended within a generation, so
        // every offset in it is that of a node below `len`: in bounds, aligned (a multiple of
        // the node's size from the start of the buffer), and initialized. Parents precede
        // their children, so each step reads nodes that earlier steps (or none) wrote. No
        // reference into `nodes` is alive while these pointers are used, except the slice
        // made for an n-ary node, which ends before the write.
        let data_at = |off: usize| unsafe { (*base.byte_add(off)).data };
        for s in &self.plan.steps {
            let data = specialize!(s.op, |op| match op.arity() {
                Arity::Leaf => continue,
                Arity::Nary => {
                    // SAFETY: see above; the slice ends with this call.
                    let nodes = unsafe { std::slice::from_raw_parts(base, len) };
                    let n = unsafe { &*base.byte_add(s.at) };
                    eval_dot(nodes, links, n)
                }
                Arity::Unary => op.eval(data_at(s.lhs), 0.0),
                Arity::UnaryConst => op.eval(data_at(s.lhs), consts[s.rhs]),
                Arity::Binary => op.eval(data_at(s.lhs), data_at(s.rhs)),
            });
            // SAFETY: see above.
            let n = unsafe { &mut *base.byte_add(s.at) };
            // The next backward would clear these anyway; doing it here saves it a pass.
            n.data = data;
            n.grad = crate::graph::UNREACHED;
        }
    }

    /// How many steps of the plan lie at or below `root`, if the plan is of this generation
    /// and those steps are every op node up to `root` (`root` among them).
    pub(crate) fn planned_steps_to(&self, root: u32) -> Option<usize> {
        let (_, len, generation) = self.plan.key?;
        if generation != self.generation || !self.plan.complete || root >= len {
            return None;
        }
        let at = offset(root);
        let steps = &self.plan.steps;
        if steps.last().is_some_and(|s| s.at == at) {
            return Some(steps.len());
        }
        steps
            .binary_search_by_key(&at, |s| s.at)
            .ok()
            .map(|k| k + 1)
    }

    /// Backward's sweep without a test for unreached nodes (every op node up to the root feeds
    /// it) through the first `count` steps of the plan, from the last one down.
    pub(crate) fn sweep_planned(&mut self, count: usize) {
        let (consts, links) = (&self.consts, &self.links);
        let len = self.nodes.len();
        let base: *mut Node = self.nodes.as_mut_ptr();
        // SAFETY: as in `Arena::replay`: `planned_steps_to` checked that the plan is of this
        // generation, so its offsets are of initialized nodes below `len`.
        let data_at = |off: usize| unsafe { (*base.byte_add(off)).data };
        let give = |off: usize, amount: f64| unsafe {
            (*base.byte_add(off)).grad += amount;
        };
        for s in self.plan.steps[..count].iter().rev() {
            // SAFETY: see above.
            let node = unsafe { base.byte_add(s.at) };
            let (data, grad) = unsafe { ((*node).data, (*node).grad) };
            specialize!(s.op, |op| {
                let y = match op.arity() {
                    Arity::Leaf => continue,
                    Arity::Nary => {
                        // SAFETY: see above; the copy and the slice end with this call.
                        let n = unsafe { *node };
                        let nodes = unsafe { std::slice::from_raw_parts_mut(base, len) };
                        crate::backward::propagate_nary::<false>(nodes, links, &n, op);
                        continue;
                    }
                    Arity::Unary => 0.0,
                    Arity::UnaryConst => consts[s.rhs],
                    Arity::Binary => data_at(s.rhs),
                };
                // The node sweep's order (`backward::propagate`): the first parent, then the
                // second, so `a * a` adds its two contributions as it does there.
                let (dx, dy) = op.partials(data_at(s.lhs), y, data);
                give(s.lhs, grad * dx);
                if op.arity() == Arity::Binary {
                    give(s.rhs, grad * dy);
                }
            });
        }
    }
}
