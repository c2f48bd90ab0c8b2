//! A replay plan: the op nodes of a replayed range, decoded once and scheduled.
//!
//! A replayed training step ([`Graph::recompute`](crate::Graph::recompute), then backward)
//! runs over the same structure every time. The plan lists the op nodes of the replayed range,
//! each with the byte offsets of its node and of its parents in the arena. Its loops skip the
//! leaves (inputs and parameters), and address nodes without scaling an index by the node's
//! size. The mathematics stays in `op.rs`: the loops call `Op::eval` and `Op::vjp`
//! through `specialize!`, as the node loops do, so both give the same bits.
//!
//! **Schedule.** Creation order is a valid order, but often a slow one: each op waits for
//! the one created just before it (a weighted sum, then its sigmoid's `exp` and division),
//! and the processor, which looks only a few nodes ahead, finds little to do meanwhile. So
//! within each window of [`WINDOW`] consecutive op nodes, the plan orders the nodes by depth
//! (the longest path from a leaf). That puts independent ops side by side, the same op of a
//! layer's neurons say, and the processor overlaps them: four sigmoids' `exp` calls at once.
//! Forward runs the windows in creation order, each in depth order; backward runs the same
//! sequence reversed. Both are topological orders: a parent is in an earlier window, or in
//! the same one at a smaller depth. (Ranges of more than [`SCHEDULED_MAX`] op nodes, which
//! outgrow the caches, keep creation order.)
//!
//! Forward's order never changes a value: each node is a function of its parents. Backward's
//! can, because a gradient is a sum and the order of its terms rounds differently. So the
//! plan keeps a window in depth order only if every node still receives its contributions in
//! the order of a creation-order sweep (from its latest-created consumer down); otherwise that
//! window keeps creation order. Replay gives a rebuild's bits either way.
//!
//! A plan is made by the first recompute of a range and used while the graph's generation
//! and length stay the same; otherwise the next recompute makes a new one. Backward uses it
//! when its root is the last node of the plan, and every op node below it feeds the root;
//! otherwise it sweeps the nodes.
// One of the files allowed `unsafe` code (the crate denies it elsewhere): the replay plan reads
// nodes at byte offsets.
#![allow(unsafe_code)]

use std::mem::size_of;

use crate::engine::fast::nary::{dot_parts, eval_dot, propagate_nary};
use crate::engine::node::{Node, UNREACHED};
use crate::engine::op::{Arity, Op, specialize};

/// One op node of a plan: 32 bytes. (Offsets in `u32` would halve that, but would not reach
/// past 2²⁷ nodes, and larger graphs would then need a second recompute loop over the nodes.)
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slot {
    /// The node's byte offset in the arena.
    at: usize,
    /// The first parent's byte offset, or for an [`Op::Dot`] node its `lhs` (see
    /// `nary::dot_parts`).
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
    /// Whether every node below `from` is a leaf, so that the slots are all the op nodes
    /// below the range's end.
    complete: bool,
    /// The byte offset of the range's last op node, if it has one.
    last: Option<usize>,
    /// The op nodes of the range, in windows of [`WINDOW`] in creation order, each window
    /// in depth order or, where that would reorder a gradient's terms, creation order. (A
    /// range of more than [`SCHEDULED_MAX`] op nodes keeps creation order throughout.)
    slots: Vec<Slot>,
}

/// How many consecutive op nodes the schedule reorders among themselves. Wider windows give
/// the processor more independent work on some workloads but slow others and large graphs;
/// sixteen was best over all the workloads measured (the table is in BENCHMARKS.md, "the
/// replay plan scheduled for the processor").
pub(crate) const WINDOW: usize = 16;

/// The longest range, in op nodes, that the plan schedules; a longer one keeps creation order.
/// Past this size the nodes and the plan outgrow the processor's caches, a pass runs at the
/// pace of memory, and creation order, which reads memory in sequence, is faster (figures in
/// BENCHMARKS.md, "the replay plan scheduled for the processor"). 2¹⁸ op nodes is 8 MB of
/// nodes and 8 MB of plan.
pub(crate) const SCHEDULED_MAX: usize = 1 << 18;

/// The byte offset of node `index`.
fn offset(index: u32) -> usize {
    index as usize * size_of::<Node>()
}

impl Plan {
    /// Makes sure the plan describes `nodes[from..]` in this generation.
    fn make_for(&mut self, nodes: &[Node], links: &[u32], generation: u32, from: usize) {
        // `from <= len <= MAX_NODES`, so both fit.
        #[allow(clippy::cast_possible_truncation)]
        let key = Some((from as u32, nodes.len() as u32, generation));
        if self.key != key {
            self.make(nodes, links, from, key);
        }
    }

    /// Makes the plan of `nodes[from..]` (`make_for`). Out of line, so that the replay loop
    /// that calls `make_for` every step does not carry its registers (BENCHMARKS.md, "the
    /// replay plan scheduled for the processor").
    #[cold]
    #[inline(never)]
    fn make(&mut self, nodes: &[Node], links: &[u32], from: usize, key: Option<(u32, u32, u32)>) {
        self.slots.clear();
        for (i, n) in nodes.iter().enumerate().skip(from) {
            let (lhs, rhs) = match n.op.arity() {
                Arity::Leaf => continue,
                Arity::Nary => (n.lhs as usize, n.rhs as usize),
                Arity::Binary => (offset(n.lhs), offset(n.rhs)),
                Arity::Unary | Arity::UnaryConst => (offset(n.lhs), n.rhs as usize),
            };
            self.slots.push(Slot {
                at: i * size_of::<Node>(),
                lhs,
                rhs,
                op: n.op,
            });
        }
        self.last = self.slots.last().map(|s| s.at);
        if self.slots.len() <= SCHEDULED_MAX {
            schedule(nodes, links, from, &mut self.slots);
        }
        self.complete = nodes[..from].iter().all(|n| n.op == Op::Leaf);
        self.key = key;
    }

    /// Recomputes `nodes[from..]` in the plan's order (made first if needed); `generation`
    /// is the graph's.
    pub(crate) fn replay(
        &mut self,
        nodes: &mut [Node],
        consts: &[f64],
        links: &[u32],
        generation: u32,
        from: usize,
    ) {
        self.make_for(nodes, links, generation, from);
        let len = nodes.len();
        let base: *mut Node = nodes.as_mut_ptr();
        // SAFETY (for every access below): the plan was made from `nodes` in this generation
        // and at this length (`make_for`), and nodes are only appended within a generation, so
        // every offset in it is that of a node below `len`: in bounds, aligned (a multiple of
        // the node's size from the start of the buffer), and initialized. No reference into
        // `nodes` is alive while these pointers are used, except the slice made for an n-ary
        // node, which ends before the write. The plan's order is topological (`schedule`), so
        // each slot reads nodes that earlier slots (or none) wrote.
        let data_at = |off: usize| unsafe { (*base.byte_add(off)).data };
        for s in &self.slots {
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
            n.grad = UNREACHED;
        }
    }

    /// Whether the plan is of `generation`, covers every op node below `root`, and ends with
    /// `root`: then [`Plan::sweep`] is the sweep from `root`.
    pub(crate) fn ends_at(&self, root: u32, generation: u32) -> bool {
        let Some((_, len, made_in)) = self.key else {
            return false;
        };
        made_in == generation && self.complete && root < len && self.last == Some(offset(root))
    }

    /// Backward's sweep without a test for unreached nodes (every op node up to the root feeds
    /// it) through the plan, from its last slot to its first ([`Plan::ends_at`]).
    pub(crate) fn sweep(&self, nodes: &mut [Node], consts: &[f64], links: &[u32]) {
        let len = nodes.len();
        let base: *mut Node = nodes.as_mut_ptr();
        // SAFETY: as in `Plan::replay`: `ends_at` checked that the plan is of this
        // generation, so its offsets are of initialized nodes below `len`. The reversed plan
        // visits every node after all its consumers (see `schedule`).
        let data_at = |off: usize| unsafe { (*base.byte_add(off)).data };
        let give = |off: usize, amount: f64| unsafe {
            (*base.byte_add(off)).grad += amount;
        };
        for s in self.slots.iter().rev() {
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
                        propagate_nary::<false>(nodes, links, &n, op);
                        continue;
                    }
                    Arity::Unary => 0.0,
                    Arity::UnaryConst => consts[s.rhs],
                    Arity::Binary => data_at(s.rhs),
                };
                // The node sweep's order (`backward::propagate`): the first parent, then the
                // second, so `a * a` adds its two contributions as it does there. (Across
                // nodes, `schedule` kept the node sweep's order of every gradient's terms.)
                let (gx, gy) = op.vjp(data_at(s.lhs), y, data, grad);
                give(s.lhs, gx);
                if op.arity() == Arity::Binary {
                    give(s.rhs, gy);
                }
            });
        }
    }
}

/// Calls `f` with each parent of node `n`, in operand order (twice for `a * a`).
#[inline]
fn for_each_parent(links: &[u32], n: &Node, mut f: impl FnMut(u32)) {
    match n.op.arity() {
        Arity::Leaf => {}
        Arity::Unary | Arity::UnaryConst => f(n.lhs),
        Arity::Binary => {
            f(n.lhs);
            f(n.rhs);
        }
        Arity::Nary => {
            let (bias, pairs) = dot_parts(links, n);
            if let Some(b) = bias {
                f(b);
            }
            for &p in pairs {
                f(p);
            }
        }
    }
}

/// Orders each window of [`WINDOW`] slots (the op nodes of `nodes[from..]`, given in creation
/// order) by the depth of their nodes, unless that would change the order in which backward
/// adds some node's gradient terms.
///
/// The result is a topological order both ways: a parent lies in an earlier window, or in the
/// same window at a smaller depth. For the terms, a creation-order sweep gives each node its
/// consumers' contributions from the latest-created consumer down, and the reversed schedule
/// must do the same. Across windows it does (windows keep creation order); within a window
/// it is checked, and a window that fails keeps creation order.
fn schedule(nodes: &[Node], links: &[u32], from: usize, slots: &mut [Slot]) {
    // `slots.len() <= SCHEDULED_MAX`, and every index is below `nodes.len() <= MAX_NODES`.
    #[allow(clippy::cast_possible_truncation)]
    let index = |s: &Slot| (s.at / size_of::<Node>()) as u32;
    // Each node's depth: the longest path to a node below `from` (those count 0).
    let mut depth = vec![0_u32; nodes.len() - from];
    for s in &*slots {
        let i = index(s) as usize;
        let mut deepest = 0;
        for_each_parent(links, &nodes[i], |p| {
            if let Some(k) = (p as usize).checked_sub(from) {
                deepest = deepest.max(depth[k]);
            }
        });
        depth[i - from] = deepest + 1;
    }
    // The latest consumer seen so far of each node, walking backward's order: it must fall.
    let mut last = vec![u32::MAX; nodes.len()];
    let mut order: Vec<(u32, usize)> = Vec::with_capacity(WINDOW);
    let mut sorted: Vec<Slot> = Vec::with_capacity(WINDOW);
    for window in slots.chunks_mut(WINDOW).rev() {
        // By depth, then creation order (a stable sort).
        order.clear();
        order.extend(
            window
                .iter()
                .map(|s| depth[index(s) as usize - from])
                .zip(0..),
        );
        order.sort_by_key(|&(d, _)| d);
        let mut keeps_terms = true;
        for &(_, k) in order.iter().rev() {
            let i = index(&window[k]);
            for_each_parent(links, &nodes[i as usize], |p| {
                let seen = &mut last[p as usize];
                // `*seen == i`: the same node twice (`a * a`), one slot.
                keeps_terms &= *seen >= i;
                *seen = i;
            });
        }
        if keeps_terms {
            sorted.clear();
            sorted.extend(order.iter().map(|&(_, k)| window[k]));
            window.copy_from_slice(&sorted);
        } else {
            // Creation order, and `last` as its walk leaves it (every entry the failed walk
            // touched is a parent of this window, so this walk sets it again).
            for s in window.iter().rev() {
                let i = index(s);
                for_each_parent(links, &nodes[i as usize], |p| last[p as usize] = i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Graph;

    /// The node indices of `g`'s plan, in the plan's order.
    fn planned(g: &Graph) -> Vec<usize> {
        g.with(|a| {
            a.plan
                .slots
                .iter()
                .map(|s| s.at / size_of::<Node>())
                .collect()
        })
    }

    #[test]
    fn the_same_op_of_independent_samples_is_scheduled_side_by_side() {
        let g = Graph::new();
        let w = g.values(&[0.5, -0.25]); // nodes 0 and 1
        let cp = g.checkpoint();
        // Per sample: x (a leaf), w0 * x, + w1, tanh; then the sum.
        let outs: Vec<_> = [1.0, 2.0]
            .iter()
            .map(|&x| (w[0] * g.value(x) + w[1]).tanh())
            .collect();
        let loss = outs[0] + outs[1];
        g.recompute(cp);
        assert_eq!(planned(&g), [3, 7, 4, 8, 5, 9, 10]);
        // Backward runs it reversed, and the sweep through the plan gives the rebuild's
        // gradients.
        loss.backward();
        w[0].zero_grad();
        loss.backward();
        let t = |x: f64| (0.5 * x - 0.25).tanh();
        assert_eq!(
            w[0].grad(),
            2.0 * (1.0 - t(2.0) * t(2.0)) + (1.0 - t(1.0) * t(1.0))
        );
    }

    #[test]
    fn a_window_that_would_reorder_a_gradients_terms_keeps_creation_order() {
        let g = Graph::new();
        let x = g.value(0.5); // node 0
        let cp = g.checkpoint();
        let deep = (x * 1.0).exp() * x; // nodes 1, 2, 3: x's consumers 1 and 3
        let shallow = x * 2.0; // node 4, depth 1: by depth, it would come before nodes 2 and 3
        let _ = deep + shallow; // node 5
        g.recompute(cp);
        // By depth, backward would give x node 3's term before node 4's; a rebuild gives
        // node 4's first.
        assert_eq!(planned(&g), [1, 2, 3, 4, 5]);
    }

    #[test]
    #[cfg_attr(miri, ignore = "2¹⁸ nodes")]
    fn a_range_longer_than_the_scheduled_maximum_keeps_creation_order() {
        // Two independent chains, created one after the other: scheduled, their windows
        // would interleave them; past the maximum, they stay as created.
        let g = Graph::new();
        let x = g.value(1.0);
        let cp = g.checkpoint();
        for len in [WINDOW / 2, SCHEDULED_MAX / 2 + 1] {
            g.rewind(cp);
            let (mut a, mut b) = (x, x);
            for _ in 0..len {
                a = a * 1.0;
            }
            for _ in 0..len {
                b = b * 1.0;
            }
            g.recompute(cp);
            let plan = planned(&g);
            let in_creation_order = plan.windows(2).all(|w| w[0] < w[1]);
            assert_eq!(in_creation_order, len > WINDOW, "chains of {len}");
        }
    }

    #[test]
    fn windows_are_scheduled_one_by_one() {
        // Two chains of WINDOW nodes, the second created after the first: each window
        // holds one chain, so depth order is creation order.
        let g = Graph::new();
        let x = g.value(1.0);
        let cp = g.checkpoint();
        let mut ends = [x, x];
        for end in &mut ends {
            for _ in 0..WINDOW {
                *end = *end * 1.0;
            }
        }
        g.recompute(cp);
        let want: Vec<usize> = (1..=2 * WINDOW).collect();
        assert_eq!(planned(&g), want);
    }
}
