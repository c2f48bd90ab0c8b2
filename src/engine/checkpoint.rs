//! [`Checkpoint`] and [`Graph::rewind`]: how a training loop keeps its memory flat.

use crate::engine::arena::Arena;
use crate::engine::graph::Graph;

impl Arena {
    /// The state a checkpoint records.
    fn checkpoint(&self) -> Checkpoint {
        let nodes = u32::try_from(self.nodes.len()).unwrap_or(u32::MAX);
        let scopes = u32::try_from(self.scopes.len()).unwrap_or(u32::MAX);
        Checkpoint {
            graph: self.id,
            nodes,
            consts: u32::try_from(self.consts.len()).unwrap_or(u32::MAX),
            links: u32::try_from(self.links.len()).unwrap_or(u32::MAX),
            scopes,
            last_node: self.nodes.last().map_or(0, |n| n.generation),
            last_scope: self.scopes.last().map_or(0, |s| s.generation),
        }
    }

    /// Why `cp` cannot be returned to, if it cannot.
    ///
    /// A checkpoint stays valid as long as everything before it is what it was when the
    /// checkpoint was taken. Rewinds only ever cut a suffix, and every node and scope created
    /// after a rewind carries the new generation, so it is enough to look at the last node
    /// and the last scope before the checkpoint: if either was discarded, a newer one (of a
    /// newer generation) sits in its slot, or the slot is gone. Constants and n-ary links
    /// belong to nodes, so they are consistent whenever the nodes are.
    fn checkpoint_problem(&self, cp: &Checkpoint) -> Option<CheckpointProblem> {
        if cp.graph != self.id {
            return Some(CheckpointProblem::OtherGraph);
        }
        let node_ok = match cp.nodes.checked_sub(1) {
            None => true,
            Some(last) => self
                .nodes
                .get(last as usize)
                .is_some_and(|n| n.generation == cp.last_node),
        };
        let scope_ok = match cp.scopes.checked_sub(1) {
            None => true,
            Some(last) => self
                .scopes
                .get(last as usize)
                .is_some_and(|s| s.generation == cp.last_scope),
        };
        (!(node_ok && scope_ok)).then_some(CheckpointProblem::Discarded {
            nodes: self.nodes.len(),
        })
    }
}

/// Why a [`Checkpoint`] cannot be used.
#[derive(Clone, Copy, Debug)]
enum CheckpointProblem {
    OtherGraph,
    Discarded { nodes: usize },
}

#[cold]
#[inline(never)]
fn checkpoint_panic(what: &str, cp: &Checkpoint, problem: CheckpointProblem) -> ! {
    match problem {
        CheckpointProblem::OtherGraph => panic!(
            "scalargrad: cannot {what} a checkpoint of another Graph: a Checkpoint belongs to \
             the Graph whose checkpoint() made it"
        ),
        CheckpointProblem::Discarded { nodes } => panic!(
            "scalargrad: cannot {what} the checkpoint at {} nodes: the graph was rewound (or \
             cleared) to an earlier point since it was taken, so the nodes it marked are gone \
             (the graph holds {nodes} nodes now). Take a new checkpoint after the rewind",
            cp.nodes
        ),
    }
}

/// A position in the graph, taken with [`Graph::checkpoint`] and returned to with
/// [`Graph::rewind`].
///
/// A checkpoint knows its graph and its lineage: once the graph has been rewound (or cleared)
/// to a point before it, the checkpoint is invalid, and rewinding to it panics instead of
/// mixing old and new nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    graph: u64,
    nodes: u32,
    consts: u32,
    links: u32,
    scopes: u32,
    /// The generation of the last node before the checkpoint (0 when there is none).
    last_node: u32,
    /// The generation of the last scope before the checkpoint (0 when there is none).
    last_scope: u32,
}

impl Checkpoint {
    /// How many nodes the graph held when the checkpoint was taken.
    #[must_use]
    pub fn len(&self) -> usize {
        self.nodes as usize
    }

    /// Whether the graph was empty when the checkpoint was taken.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.nodes == 0
    }
}

impl Graph {
    /// Marks the current end of the graph, to come back to with [`Graph::rewind`].
    #[must_use]
    pub fn checkpoint(&self) -> Checkpoint {
        self.with(|a| a.checkpoint())
    }

    /// Discards every node created since `checkpoint` and keeps their storage for reuse.
    ///
    /// This is how a training loop keeps its memory flat: take a checkpoint after creating
    /// the parameters, and rewind at the end of every step. Values created before the
    /// checkpoint stay valid, with their data and gradients.
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let w = g.value(3.0);
    /// let cp = g.checkpoint();
    /// for _ in 0..3 {
    ///     let loss = w * w;
    ///     loss.backward();
    ///     g.rewind(cp);
    /// }
    /// assert_eq!(g.node_count(), 1);
    /// assert_eq!(w.grad(), 18.0); // leaf gradients accumulate: 3 × 6
    /// ```
    ///
    /// Scopes that were closed after the checkpoint end at it, so nodes created after the
    /// rewind are never reported in them.
    ///
    /// # Panics
    /// - If `checkpoint` belongs to another graph.
    /// - If it is no longer valid: the graph was rewound or cleared to a point before it
    ///   since it was taken (rewinding to it would mix discarded and new nodes).
    /// - After `u32::MAX` rewinds of one graph: the generation stamp would wrap, and a stale
    ///   value could then alias a new node. Make a new `Graph` (at one rewind per
    ///   microsecond, this takes 71 minutes of nothing but rewinds).
    ///
    /// Any use of a [`Value`](crate::Value) created after the checkpoint panics afterwards,
    /// naming it.
    pub fn rewind(&self, checkpoint: Checkpoint) {
        self.rewind_checked("rewind to", checkpoint);
    }

    fn rewind_checked(&self, what: &str, cp: Checkpoint) {
        enum Outcome {
            Done,
            Invalid(CheckpointProblem),
            Exhausted,
        }
        let outcome = self.with(|a| {
            if let Some(problem) = a.checkpoint_problem(&cp) {
                return Outcome::Invalid(problem);
            }
            let Some(next) = a.generation.checked_add(1) else {
                return Outcome::Exhausted;
            };
            a.nodes.truncate(cp.nodes as usize);
            a.consts.truncate(cp.consts as usize);
            a.links.truncate(cp.links as usize);
            a.scopes.truncate(cp.scopes as usize);
            a.open_scopes.retain(|&s| s < cp.scopes);
            for s in &mut a.scopes {
                // Open scopes (`end == u32::MAX`) stay open; closed ones end at the
                // checkpoint at the latest.
                if s.end != u32::MAX {
                    s.end = s.end.min(cp.nodes);
                }
            }
            // (A training loop rewinds every step, and its graph has no labels past the
            // checkpoint: skip making and dropping an empty map then.)
            if a.labels
                .last_key_value()
                .is_some_and(|(&k, _)| k >= cp.nodes)
            {
                let _ = a.labels.split_off(&cp.nodes);
            }
            a.generation = next;
            a.never_rewound_below = a.never_rewound_below.min(cp.nodes);
            a.leaf_prefix = a.leaf_prefix.min(cp.nodes);
            a.grads_written_below = a.grads_written_below.min(cp.nodes);
            Outcome::Done
        });
        match outcome {
            Outcome::Done => {}
            Outcome::Invalid(problem) => checkpoint_panic(what, &cp, problem),
            Outcome::Exhausted => panic!(
                "scalargrad: this Graph has been rewound u32::MAX times, and its generation \
                 stamp would wrap (then a stale Value could alias a new node): create a new \
                 Graph and move the parameters' values into it"
            ),
        }
    }

    /// Checks that `from` can be used on this graph, as [`Graph::rewind`] does.
    pub(crate) fn check_checkpoint(&self, what: &str, from: &Checkpoint) {
        if let Some(problem) = self.with(|a| a.checkpoint_problem(from)) {
            checkpoint_panic(what, from, problem);
        }
    }

    /// Discards every node: the same as rewinding to a checkpoint of the empty graph.
    ///
    /// Every checkpoint taken before is invalid afterwards, except one of the empty graph.
    pub fn clear(&self) {
        let empty = self.with(|a| Checkpoint {
            graph: a.id,
            nodes: 0,
            consts: 0,
            links: 0,
            scopes: 0,
            last_node: 0,
            last_scope: 0,
        });
        self.rewind_checked("clear to", empty);
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::graph::Graph;

    #[test]
    fn a_rewind_that_would_wrap_the_generation_panics_instead_of_aliasing() {
        let g = Graph::new();
        let x = g.value(1.0);
        let cp = g.checkpoint();
        g.with(|a| a.generation = u32::MAX - 1);
        let stale = g.value(2.0);
        g.rewind(cp); // generation u32::MAX: the last one there is
        assert!(!g.with(|a| a.is_live(stale.index(), stale.generation())));
        let wrapped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| g.rewind(cp)));
        let payload = wrapped.unwrap_err();
        let message = payload
            .downcast_ref::<&str>()
            .map(ToString::to_string)
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap();
        assert!(message.contains("would wrap"), "{message}");
        // The graph is untouched by the refused rewind, and still usable.
        assert_eq!(x.data(), 1.0);
        assert_eq!(g.generation(), u32::MAX);
    }
}
