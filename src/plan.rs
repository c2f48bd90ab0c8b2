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
//! and length stay the same; anything else replays and sweeps over the nodes as before.

use std::mem::size_of;

use crate::graph::{Arena, Node, eval_dot};
use crate::op::{Arity, Op, specialize};

/// Ranges whose nodes lie beyond this index get no plan: their byte offsets would not fit in
/// a `u32` (2²⁷ nodes, 4 GiB of arena).
const MAX_PLANNED: usize = (u32::MAX as usize + 1) / size_of::<Node>();

/// One op node of a plan.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Step {
    /// The node's byte offset in the arena.
    at: u32,
    /// The first parent's byte offset, or for an [`Op::Dot`] node its `lhs` (see
    /// `graph::dot_parts`).
    lhs: u32,
    /// The second parent's byte offset for a binary op; the constant's index for an op with a
    /// constant operand; for an [`Op::Dot`] node its `rhs`.
    rhs: u32,
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

/// The byte offset of node `index` (below [`MAX_PLANNED`], so it fits).
#[allow(clippy::cast_possible_truncation)]
fn offset(index: u32) -> u32 {
    (index as usize * size_of::<Node>()) as u32
}

impl Arena {
    /// Makes sure the plan describes `nodes[from..]` in this generation; false if such a
    /// range gets no plan (too many nodes).
    fn plan_for(&mut self, from: usize) -> bool {
        let len = self.nodes.len();
        if len > MAX_PLANNED {
            return false;
        }
        // `from <= len <= MAX_PLANNED`, so both fit.
        #[allow(clippy::cast_possible_truncation)]
        let key = Some((from as u32, len as u32, self.generation));
        if self.plan.key == key {
            return true;
        }
        let plan = &mut self.plan;
        plan.steps.clear();
        for (i, n) in self.nodes.iter().enumerate().skip(from) {
            let rhs = match n.op.arity() {
                Arity::Leaf => continue,
                Arity::Binary => offset(n.rhs),
                Arity::Unary | Arity::UnaryConst | Arity::Nary => n.rhs,
            };
            let lhs = if n.op.arity() == Arity::Nary {
                n.lhs
            } else {
                offset(n.lhs)
            };
            // `i < len <= MAX_PLANNED`.
            #[allow(clippy::cast_possible_truncation)]
            let at = offset(i as u32);
            plan.steps.push(Step {
                at,
                lhs,
                rhs,
                op: n.op,
            });
        }
        plan.complete = self.nodes[..from].iter().all(|n| n.op == Op::Leaf);
        plan.key = key;
        true
    }

    /// Recomputes `nodes[from..]` through the plan; false (and nothing done) if the range gets
    /// no plan.
    pub(crate) fn replay_planned(&mut self, from: usize) -> bool {
        if !self.plan_for(from) {
            return false;
        }
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
        let data_at = |off: u32| unsafe { (*base.byte_add(off as usize)).data };
        for s in &self.plan.steps {
            let data = specialize!(s.op, |op| match op.arity() {
                Arity::Leaf => continue,
                Arity::Nary => {
                    // SAFETY: see above; the slice ends with this call.
                    let nodes = unsafe { std::slice::from_raw_parts(base, len) };
                    let n = unsafe { &*base.byte_add(s.at as usize) };
                    eval_dot(nodes, links, n)
                }
                Arity::Unary => op.eval(data_at(s.lhs), 0.0),
                Arity::UnaryConst => op.eval(data_at(s.lhs), consts[s.rhs as usize]),
                Arity::Binary => op.eval(data_at(s.lhs), data_at(s.rhs)),
            });
            // SAFETY: see above.
            let n = unsafe { &mut *base.byte_add(s.at as usize) };
            // The next backward would clear these anyway; doing it here saves it a pass.
            n.data = data;
            n.grad = 0.0;
            n.reached = false;
        }
        true
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

    /// Backward's sweep without flags (every op node up to the root feeds it) through the
    /// first `count` steps of the plan, from the last one down.
    pub(crate) fn sweep_planned(&mut self, count: usize) {
        let (consts, links) = (&self.consts, &self.links);
        let len = self.nodes.len();
        let base: *mut Node = self.nodes.as_mut_ptr();
        // SAFETY: as in `replay_planned`: `planned_steps_to` checked that the plan is of this
        // generation, so its offsets are of initialized nodes below `len`.
        let data_at = |off: u32| unsafe { (*base.byte_add(off as usize)).data };
        let give = |off: u32, amount: f64| unsafe {
            (*base.byte_add(off as usize)).grad += amount;
        };
        for s in self.plan.steps[..count].iter().rev() {
            // SAFETY: see above.
            let node = unsafe { base.byte_add(s.at as usize) };
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
                    Arity::UnaryConst => consts[s.rhs as usize],
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
