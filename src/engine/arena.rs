//! [`Arena`]: everything a graph owns, and the test that tells a live handle from a stale one.
// One of the files allowed `unsafe` code (the crate denies it elsewhere): `Arena::push` writes a
// node without a bounds check.
#![allow(unsafe_code)]

use std::collections::{BTreeMap, HashMap};

use crate::engine::fast::plan::Plan;
use crate::engine::fast::reach::ReachMemo;
use crate::engine::node::{Node, UNREACHED};
use crate::engine::op::{Arity, Op};

/// The most nodes a graph holds: indices are `u32`, and `u32::MAX` is
/// [`NO_BIAS`](crate::engine::fast::nary::NO_BIAS).
pub(crate) const MAX_NODES: usize = u32::MAX as usize - 1;

/// Everything the graph owns. Only reachable through `Graph::with`, or `Graph::arena_mut` in
/// the per-node hot paths, under the arena contract (engine/mod.rs).
#[derive(Default)]
pub(crate) struct Arena {
    /// This graph's identity (see `graph::NEXT_GRAPH_ID`).
    pub(crate) id: u64,
    pub(crate) nodes: Vec<Node>,
    pub(crate) consts: Vec<f64>,
    /// Parents of n-ary nodes ([`Op::Dot`]): for each, the bias index (or
    /// [`NO_BIAS`](crate::engine::fast::nary::NO_BIAS)), then the pairs `a₀, c₀, a₁, c₁, …`.
    /// The node's `lhs` is where its entries start and `rhs` how many pairs it has.
    pub(crate) links: Vec<u32>,
    pub(crate) labels: BTreeMap<u32, Box<str>>,
    pub(crate) scopes: Vec<ScopeRec>,
    pub(crate) open_scopes: Vec<u32>,
    /// Interned scope names, indexed by [`NameId`]; never discarded (one copy per distinct name).
    pub(crate) names: Vec<Box<str>>,
    pub(crate) name_ids: HashMap<Box<str>, NameId>,
    /// Bumped by every rewind; stamped into each new node. It never wraps: a rewind that
    /// would wrap it panics instead (see [`Graph::rewind`](crate::Graph::rewind)).
    pub(crate) generation: u32,
    /// No rewind has ever cut below this index (`u32::MAX` until the first rewind): each
    /// node below it was created once and never discarded, so every handle of this graph
    /// with a smaller index names it. Only lowered, by [`Graph::rewind`](crate::Graph::rewind)
    /// and `clear`.
    pub(crate) never_rewound_below: u32,
    /// Every node below this index is a leaf (0 until backward's clearing pass has looked;
    /// only a rewind lowers it). The clearing pass starts here: a leaf keeps its gradient,
    /// and no sweep asks whether a leaf was reached, so an all-leaf prefix (a model's
    /// parameters, before the training loop's checkpoint) needs no clearing.
    pub(crate) leaf_prefix: u32,
    /// Op nodes below this index may hold gradients from an earlier backward (or a
    /// [`Value::set_grad`](crate::Value::set_grad)) instead of [`UNREACHED`]; backward clears
    /// them before its sweep.
    pub(crate) grads_written_below: u32,
    /// The op nodes of the range last recomputed, decoded for replay (`fast/plan.rs`).
    pub(crate) plan: Plan,
    /// Which backward sweeps are known to reach every op node (`fast/reach.rs`).
    pub(crate) reach: ReachMemo,
}

impl Arena {
    /// Whether the handle `(index, generation)` of this graph still names its node. When it
    /// does, `index < nodes.len()`.
    ///
    /// Two cheap tests settle almost every handle without touching its node; both rely on
    /// nodes being discarded only by a rewind (which bumps the generation and lowers
    /// [`Arena::never_rewound_below`]), and on handles being made only for nodes that exist:
    /// - below `never_rewound_below`: no rewind ever cut that low, so its node is the only one
    ///   that index ever named, and it is still there (parameters, made before the training
    ///   loop's checkpoint, pass here);
    /// - made in the current generation: no rewind since, so its node is still there (the
    ///   values of the step being built pass here).
    ///
    /// Otherwise the node's own stamp decides.
    #[inline(always)]
    pub(crate) fn is_live(&self, index: u32, generation: u32) -> bool {
        self.is_live_quick(index, generation) || self.is_live_slow(index, generation)
    }

    /// The two cheap tests of [`Arena::is_live`]: `true` means live; `false` means that the
    /// node's own stamp has to decide.
    #[inline(always)]
    pub(crate) fn is_live_quick(&self, index: u32, generation: u32) -> bool {
        index < self.never_rewound_below || generation == self.generation
    }

    #[cold]
    #[inline(never)]
    fn is_live_slow(&self, index: u32, generation: u32) -> bool {
        matches!(self.nodes.get(index as usize), Some(n) if n.generation == generation)
    }

    /// The second operand of `n`: the right parent's value, the constant, or 0.
    #[inline]
    pub(crate) fn second_operand(&self, n: &Node) -> f64 {
        match n.op.arity() {
            Arity::Binary => self.nodes[n.rhs as usize].data,
            Arity::UnaryConst => self.consts[n.rhs as usize],
            Arity::Unary | Arity::Leaf | Arity::Nary => 0.0,
        }
    }

    /// Appends a node and returns its index, or `None` if the graph is full (the caller
    /// panics once the borrow has ended).
    ///
    /// The capacity of `nodes` never exceeds [`MAX_NODES`] (see [`Arena::grow`]), so the one
    /// comparison `len == capacity` covers both a full buffer and a full graph.
    #[inline(always)]
    pub(crate) fn push(&mut self, op: Op, lhs: u32, rhs: u32, data: f64) -> Option<u32> {
        let len = self.nodes.len();
        if len == self.nodes.capacity() && !self.grow(1) {
            return None;
        }
        let node = Node {
            data,
            grad: UNREACHED,
            lhs,
            rhs,
            generation: self.generation,
            op,
        };
        // SAFETY: `len < capacity` (checked above, or made so by `grow`), so slot `len` is
        // allocated and unused; writing it and then counting it keeps the `Vec` valid.
        unsafe {
            self.nodes.as_mut_ptr().add(len).write(node);
            self.nodes.set_len(len + 1);
        }
        // `len < capacity <= MAX_NODES < u32::MAX`, so the cast is exact.
        #[allow(clippy::cast_possible_truncation)]
        Some(len as u32)
    }

    /// Makes room for `additional` more nodes, or says that the graph cannot hold them.
    #[inline(always)]
    pub(crate) fn reserve_nodes(&mut self, additional: usize) -> bool {
        self.nodes.capacity() - self.nodes.len() >= additional || self.grow(additional)
    }

    /// Makes room for at least `additional` more nodes without passing [`MAX_NODES`] of
    /// capacity; `false` if the graph cannot hold them.
    #[cold]
    #[inline(never)]
    fn grow(&mut self, additional: usize) -> bool {
        let len = self.nodes.len();
        if additional > MAX_NODES - len {
            return false;
        }
        let want = len.max(64).max(additional).min(MAX_NODES - len);
        self.nodes.reserve_exact(want);
        if self.nodes.capacity() > MAX_NODES {
            // An allocator gave more than asked: keep the bound by shrinking back.
            self.nodes.shrink_to(MAX_NODES);
        }
        true
    }

    /// The index the next constant operand will get. There are never more constants than
    /// nodes, so it fits a `u32` whenever the node that uses it does.
    #[inline(always)]
    #[allow(clippy::cast_possible_truncation)]
    pub(crate) fn next_const(&self) -> u32 {
        self.consts.len() as u32
    }
}

// The records of named scopes (`scope.rs` opens and reads them).

/// A scope name, interned in the graph: scopes store this index instead of a string, so that
/// opening a scope per neuron per sample copies four bytes and touches no reference count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NameId(pub(crate) u32);

/// A named scope (a layer, a neuron): the nodes created in `[start, end)` belong to it
/// unless a scope nested inside claims them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ScopeRec {
    pub(crate) name: NameId,
    pub(crate) parent: Option<u32>,
    pub(crate) start: u32,
    /// `u32::MAX` while the scope is open.
    pub(crate) end: u32,
    /// The graph generation the scope was opened in: a [`ScopeId`](crate::ScopeId) carries
    /// it, so an id from before a rewind cannot name a scope that reused its slot.
    pub(crate) generation: u32,
}

impl Arena {
    /// The interned id of a scope name.
    pub(crate) fn intern(&mut self, name: &str) -> NameId {
        if let Some(&id) = self.name_ids.get(name) {
            return id;
        }
        let id = NameId(u32::try_from(self.names.len()).unwrap_or(u32::MAX));
        self.names.push(name.into());
        self.name_ids.insert(name.into(), id);
        id
    }

    /// The record of the scope `(index, generation)` (a [`ScopeId`](crate::ScopeId)'s parts),
    /// if the scope still exists.
    pub(crate) fn scope_record(&self, index: u32, generation: u32) -> Option<&ScopeRec> {
        self.scopes
            .get(index as usize)
            .filter(|s| s.generation == generation)
    }
}
