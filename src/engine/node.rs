//! [`Node`]: one entry of the arena, and the encoding of "not reached yet" in its gradient.

use crate::engine::op::Op;

/// One node of the arena: 32 bytes.
///
/// `lhs`/`rhs` are parent indices; for ops with a constant operand `rhs` indexes
/// `Arena::consts` instead, which keeps the node small.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Node {
    pub(crate) data: f64,
    pub(crate) grad: f64,
    pub(crate) lhs: u32,
    pub(crate) rhs: u32,
    /// The graph generation the node was created in; see [`Graph::rewind`](crate::Graph::rewind).
    pub(crate) generation: u32,
    pub(crate) op: Op,
}

/// The gradient of a node that no backward sweep has reached since it was created, cleared
/// or zeroed: negative zero, which a sweep that tells reached nodes from unreached ones never
/// stores ([`accumulate`]). So that sweep tells them apart by the gradient it
/// loads anyway, with no flag to store per parent. Leaves start with it too (a sweep never
/// asks whether a leaf was reached, and `-0.0 + g` is `g`). Gradients are read through
/// [`Node::grad`], which shows -0.0 as 0.0.
pub(crate) const UNREACHED: f64 = -0.0;

impl Node {
    /// Whether no sweep has reached this op node since it was created or cleared.
    #[inline(always)]
    pub(crate) fn unreached(&self) -> bool {
        // Tested as a float, not by its bits: then the sweep loads the gradient straight into
        // the register its arithmetic uses, where a detour through an integer register
        // lengthened every chain of dependent nodes (figures in BENCHMARKS.md, "reachability
        // in the sign of zero").
        self.grad == 0.0 && self.grad.is_sign_negative()
    }

    /// The gradient as users see it: [`UNREACHED`] (and any other `-0.0`) reads as `0.0`,
    /// every other value unchanged.
    #[inline(always)]
    pub(crate) fn grad(&self) -> f64 {
        self.grad + 0.0
    }
}

/// A parent's gradient plus one contribution `g`. With `TRACK_REACH`, the result is never
/// -0.0, so that a reached node never looks [`UNREACHED`]: `(grad + 0.0) + g` is `g` (or `0.0`
/// for `g = -0.0`) on an unreached parent, and `grad + g` on a reached one, whose gradient is
/// not -0.0. These are the bits of `0.0 + g₁ + g₂ + …`, the sum from a cleared gradient of 0
/// that PyTorch makes. (The `+ 0.0` is needed only where `g` can be -0.0; leaving it out where
/// a partial is the constant 1 made backward slower, not faster: BENCHMARKS.md, "reachability
/// in the sign of zero".)
#[inline(always)]
pub(crate) fn accumulate<const TRACK_REACH: bool>(grad: f64, g: f64) -> f64 {
    if TRACK_REACH {
        (grad + 0.0) + g
    } else {
        grad + g
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_node_is_32_bytes() {
        assert_eq!(std::mem::size_of::<super::Node>(), 32);
    }
}
