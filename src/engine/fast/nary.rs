//! The n-ary node [`Op::Dot`]: a weighted sum `bias + a₀·c₀ + a₁·c₁ + …` as one node, its
//! parents decoded from `Arena::links`, its value and its backward. (Its calculus is in
//! `op.rs`; its builder, `Graph::weighted_sum`, in `weighted_sum.rs`.)

use crate::engine::node::{Node, accumulate};
use crate::engine::op::Op;

/// The bias entry of an [`Op::Dot`] node that has none.
pub(crate) const NO_BIAS: u32 = u32::MAX;

/// Decodes an n-ary node's entries in `links` (see `Arena::links`): its bias, if any, and
/// its parent pairs `a₀, c₀, a₁, c₁, …`.
#[inline]
pub(crate) fn dot_parts<'a>(links: &'a [u32], n: &Node) -> (Option<u32>, &'a [u32]) {
    let start = n.lhs as usize;
    let bias = links[start];
    let pairs = &links[start + 1..start + 1 + 2 * n.rhs as usize];
    ((bias != NO_BIAS).then_some(bias), pairs)
}

/// The value of the n-ary node `n` from its parents' current values.
#[inline(always)]
pub(crate) fn eval_dot(nodes: &[Node], links: &[u32], n: &Node) -> f64 {
    let (bias, pairs) = dot_parts(links, n);
    Op::fold_dot(
        bias.map(|b| nodes[b as usize].data),
        pairs
            .chunks_exact(2)
            .map(|p| (nodes[p[0] as usize].data, nodes[p[1] as usize].data)),
    )
}

/// Backward through an n-ary node: each pair `(a, c)` of a term `a·c` gets the term's
/// contributions (`Op::vjp`), the bias gets the node's gradient. Contributions are made in the
/// order the reverse sweep would make them through the equivalent chain of `×` and `+` nodes
/// (last term first, the bias just before the first term), so gradients agree to the bit.
/// `op` is `n.op`, passed as a constant by the caller's `specialize!`, so that its `vjp` folds.
#[inline]
pub(crate) fn propagate_nary<const TRACK_REACH: bool>(
    nodes: &mut [Node],
    links: &[u32],
    n: &Node,
    op: Op,
) {
    let give = |nodes: &mut [Node], to: u32, amount: f64| {
        let p = &mut nodes[to as usize];
        p.grad = accumulate::<TRACK_REACH>(p.grad, amount);
    };
    let (bias, pairs) = dot_parts(links, n);
    for (k, pair) in pairs.chunks_exact(2).enumerate().rev() {
        if let (0, Some(b)) = (k, bias) {
            give(nodes, b, n.grad);
        }
        let (a, c) = (nodes[pair[0] as usize].data, nodes[pair[1] as usize].data);
        let (ga, gc) = op.vjp(a, c, n.data, n.grad);
        give(nodes, pair[0], ga);
        give(nodes, pair[1], gc);
    }
}
