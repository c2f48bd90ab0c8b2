//! The reachability memo: which backward sweeps are known to reach every op node.
//!
//! A sweep from a root must skip the op nodes that do not feed it, so it tests each node for
//! [`UNREACHED`](crate::engine::node::UNREACHED). Which nodes a sweep reaches depends only on
//! the structure below the root, never on the data, and only a rewind changes that structure
//! (and it changes the generation). So once a sweep from a root, in a generation, has reached
//! every op node below it, every later sweep from that root in that generation does too and
//! can skip the test: a replayed training step backpropagates over the same structure every
//! time. Figures in BENCHMARKS.md, "replay through a plan, and backward without flags".

use crate::engine::node::Node;
use crate::engine::op::Op;

/// A backward sweep: its root and the generation of the graph it ran in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Sweep {
    pub(crate) root: u32,
    pub(crate) generation: u32,
}

/// What the latest sweeps found (see the module's docs).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ReachMemo {
    /// The latest sweep that tested for unreached nodes.
    last_tracked: Option<Sweep>,
    /// A sweep known to reach every op node below its root.
    reaches_all: Option<Sweep>,
}

impl ReachMemo {
    /// Whether `sweep` is known to reach every op node below its root.
    #[inline(always)]
    pub(crate) fn reaches_all(&self, sweep: Sweep) -> bool {
        self.reaches_all == Some(sweep)
    }

    /// Records a sweep that tested for unreached nodes; `nodes` are the nodes below its root
    /// after it, from the first that may be an op node.
    ///
    /// Whether every op node was reached is looked at only from the second sweep over the same
    /// structure on: a graph rebuilt every step (a new generation each time) never pays for
    /// the look, and tracking it inside the sweep made the sweep slower.
    #[inline]
    pub(crate) fn record(&mut self, sweep: Sweep, nodes: &[Node]) {
        if self.last_tracked == Some(sweep) {
            let all = nodes.iter().all(|n| !n.unreached() || n.op == Op::Leaf);
            self.reaches_all = all.then_some(sweep);
        }
        self.last_tracked = Some(sweep);
    }
}
