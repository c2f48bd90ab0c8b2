//! The arena: [`Graph`] owns every node in one contiguous `Vec`, in creation order.
//!
//! Creation order is a topological order (a node's parents always exist before it), so
//! backward is a reverse sweep and never recurses. Handles ([`Value`]) are `Copy`: a graph
//! reference, an index and a generation stamp that catches use after [`Graph::rewind`].

use std::cell::UnsafeCell;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::engine::op::{Arity, Op};
use crate::engine::value::Value;

/// One node of the arena: 32 bytes.
///
/// `lhs`/`rhs` are parent indices; for ops with a constant operand `rhs` indexes
/// [`Arena::consts`] instead, which keeps the node small.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Node {
    pub(crate) data: f64,
    pub(crate) grad: f64,
    pub(crate) lhs: u32,
    pub(crate) rhs: u32,
    /// The graph generation the node was created in; see [`Graph::rewind`].
    pub(crate) generation: u32,
    pub(crate) op: Op,
}

/// The gradient of a node that no backward sweep has reached since it was created, cleared
/// or zeroed: negative zero, which a sweep that tells reached nodes from unreached ones never
/// stores (`add` in `src/backward.rs`). So that sweep tells them apart by the gradient it
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

/// A scope name, interned in the graph: scopes store this index instead of a string, so that
/// opening a scope per neuron per sample copies four bytes and touches no reference count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NameId(u32);

/// A named scope (a layer, a neuron): the nodes created in `[start, end)` belong to it
/// unless a scope nested inside claims them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ScopeRec {
    pub(crate) name: NameId,
    pub(crate) parent: Option<u32>,
    pub(crate) start: u32,
    /// `u32::MAX` while the scope is open.
    pub(crate) end: u32,
    /// The graph generation the scope was opened in: a [`ScopeId`] carries it, so an id
    /// from before a rewind cannot name a scope that reused its slot.
    pub(crate) generation: u32,
}

/// The bias entry of an [`Op::Dot`] node that has none.
pub(crate) const NO_BIAS: u32 = u32::MAX;

/// The most nodes a graph holds: indices are `u32`, and `u32::MAX` is [`NO_BIAS`].
const MAX_NODES: usize = u32::MAX as usize - 1;

/// Decodes an n-ary node's entries in `links` (see [`Arena::links`]): its bias, if any, and
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

/// Gives every graph a distinct identity, so that a [`Checkpoint`] cannot be used on another
/// graph, even one at the same address.
static NEXT_GRAPH_ID: AtomicU64 = AtomicU64::new(1);

/// Everything the graph owns. Only reachable through [`Graph::with`], or [`Graph::arena_mut`]
/// in the per-node hot paths.
#[derive(Default)]
pub(crate) struct Arena {
    /// This graph's identity (see [`NEXT_GRAPH_ID`]).
    pub(crate) id: u64,
    pub(crate) nodes: Vec<Node>,
    pub(crate) consts: Vec<f64>,
    /// Parents of n-ary nodes ([`Op::Dot`]): for each, the bias index (or [`NO_BIAS`]), then
    /// the pairs `a₀, c₀, a₁, c₁, …`. The node's `lhs` is where its entries start and `rhs`
    /// how many pairs it has.
    pub(crate) links: Vec<u32>,
    pub(crate) labels: BTreeMap<u32, Box<str>>,
    pub(crate) scopes: Vec<ScopeRec>,
    pub(crate) open_scopes: Vec<u32>,
    /// Interned scope names, indexed by [`NameId`]; never discarded (one copy per distinct name).
    pub(crate) names: Vec<Box<str>>,
    pub(crate) name_ids: HashMap<Box<str>, NameId>,
    /// Bumped by every rewind; stamped into each new node. It never wraps: a rewind that
    /// would wrap it panics instead (see [`Graph::rewind`]).
    pub(crate) generation: u32,
    /// No rewind has ever cut below this index (`u32::MAX` until the first rewind): each
    /// node below it was created once and never discarded, so every handle of this graph
    /// with a smaller index names it. Only lowered, by [`Graph::rewind`] and `clear`.
    pub(crate) kept: u32,
    /// Every node below this index is a leaf (0 until backward's clearing pass has looked;
    /// only a rewind lowers it). The clearing pass starts here: a leaf keeps its gradient,
    /// and no sweep asks whether a leaf was reached, so an all-leaf prefix (a model's
    /// parameters, before the training loop's checkpoint) needs no clearing.
    pub(crate) leaf_prefix: u32,
    /// Op nodes below this index may hold gradients from an earlier backward (or a
    /// [`Value::set_grad`]) instead of [`UNREACHED`]; backward clears them before its sweep.
    pub(crate) dirty: u32,
    /// The op nodes of the range last recomputed, decoded for replay (`src/plan.rs`).
    pub(crate) plan: crate::engine::fast::plan::Plan,
    /// The root and generation of the latest backward that tested for unreached nodes, as
    /// `generation << 32 | root`
    /// ([`NO_SWEEP`] before the first).
    pub(crate) last_sweep: u64,
    /// A root and generation, as in `last_sweep`, such that a backward from that root in that
    /// generation reached every op node below it ([`NO_SWEEP`] if none). Only a rewind
    /// changes the structure below a node, and it changes the generation, so every later
    /// backward from that root in that generation reaches them all too, and can skip the
    /// test for [`UNREACHED`] nodes.
    pub(crate) fully_reached: u64,
}

/// No root and generation (see `Arena::fully_reached`): `u32::MAX` is never a node's index.
pub(crate) const NO_SWEEP: u64 = u64::MAX;

/// A misuse of the graph, detected while the arena is borrowed and reported (by a panic) only
/// after the borrow has ended, so that no panic hook ever runs with the arena borrowed.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Misuse {
    /// A handle whose node was discarded by a rewind.
    Stale { index: u32, generation: u32 },
    /// The graph is full.
    TooManyNodes,
}

impl Arena {
    /// Whether the handle `(index, generation)` of this graph still names its node. When it
    /// does, `index < nodes.len()`.
    ///
    /// Two cheap tests settle almost every handle without touching its node; both rely on
    /// nodes being discarded only by a rewind (which bumps the generation and lowers
    /// [`Arena::kept`]), and on handles being made only for nodes that exist:
    /// - below `kept`: no rewind ever cut that low, so its node is the only one that index
    ///   ever named, and it is still there (parameters, made before the training loop's
    ///   checkpoint, pass here);
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
        index < self.kept || generation == self.generation
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

    /// The bias (if any) and the parent pairs of an n-ary node.
    #[inline]
    pub(crate) fn dot_parts(&self, n: &Node) -> (Option<u32>, &[u32]) {
        dot_parts(&self.links, n)
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

    /// The interned id of a scope name.
    fn intern(&mut self, name: &str) -> NameId {
        if let Some(&id) = self.name_ids.get(name) {
            return id;
        }
        let id = NameId(u32::try_from(self.names.len()).unwrap_or(u32::MAX));
        self.names.push(name.into());
        self.name_ids.insert(name.into(), id);
        id
    }

    /// The scope record behind an id, if the scope still exists.
    fn scope(&self, id: ScopeId) -> Option<&ScopeRec> {
        self.scopes
            .get(id.index as usize)
            .filter(|s| s.generation == id.generation)
    }

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

/// An identifier of a named scope, see [`Graph::scoped`].
///
/// It carries the generation its scope was opened in: after a rewind has discarded the
/// scope, the id names nothing (and the accessors panic), even when a newer scope reuses its
/// slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScopeId {
    index: u32,
    generation: u32,
}

/// The computation graph: an arena of scalar nodes in creation order.
///
/// Values are created with [`Graph::value`] and combined with ordinary arithmetic; each
/// result is a new node that records its op and its parents.
///
/// ```
/// use scalargrad::Graph;
///
/// // ゼロから作るDeep Learning, ch. 5: 2 apples at 100 yen, 10% tax.
/// let g = Graph::new();
/// let apple = g.value(100.0).named("apple");
/// let count = g.value(2.0).named("count");
/// let tax = g.value(1.1).named("tax");
/// let price = apple * count * tax;
/// price.backward();
/// assert!((price.data() - 220.0).abs() < 1e-12);
/// assert!((apple.grad() - 2.2).abs() < 1e-12);
/// assert!((count.grad() - 110.0).abs() < 1e-12);
/// assert_eq!(tax.grad(), 200.0);
/// ```
///
/// A `Graph` is `Send` but not `Sync`: build it on any thread, hand it to another, but use
/// it from one thread at a time. [`Value`]s borrow their graph, so they stay on its thread.
pub struct Graph {
    arena: UnsafeCell<Arena>,
}

impl Default for Graph {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Graph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Read what is shown first: the formatter may call user code (a `fmt::Write` that
        // uses this very graph), which must never run while the arena is borrowed.
        let (nodes, generation) = self.with(|a| (a.nodes.len(), a.generation));
        f.debug_struct("Graph")
            .field("nodes", &nodes)
            .field("generation", &generation)
            .finish()
    }
}

impl Graph {
    /// An empty graph.
    #[must_use]
    pub fn new() -> Self {
        Self::with_capacity(0)
    }

    /// An empty graph with room for `nodes` nodes before it reallocates.
    ///
    /// Pre-sizing saves the reallocations and most page faults of a large first build.
    #[must_use]
    pub fn with_capacity(nodes: usize) -> Self {
        Graph {
            arena: UnsafeCell::new(Arena {
                id: NEXT_GRAPH_ID.fetch_add(1, Ordering::Relaxed),
                nodes: Vec::with_capacity(nodes.min(MAX_NODES)),
                kept: u32::MAX,
                last_sweep: NO_SWEEP,
                fully_reached: NO_SWEEP,
                ..Arena::default()
            }),
        }
    }

    /// Runs `f` with exclusive access to the arena.
    ///
    /// # The arena's aliasing contract
    /// `Graph` is `!Sync`, so only one thread reaches the arena. Every access goes through
    /// here or through [`Graph::arena_mut`], and each keeps these rules, which together make
    /// the `&mut Arena` unique while it lives:
    /// - the closure never calls back into the graph, and no reference into the arena escapes
    ///   it (the return value is owned data);
    /// - no user code runs while the borrow lives: no user closure, iterator, `fmt::Write`,
    ///   `AsRef`, or `Drop` of a user type (the arena holds only engine-owned data);
    /// - no panic starts while the borrow lives, because a panic runs the process's panic
    ///   hook, which is user code: misuse is detected inside ([`Misuse`]) and reported by a
    ///   panic after the borrow has ended.
    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Arena) -> R) -> R {
        // SAFETY: the contract above: this is the only live reference into the arena for
        // the duration of `f`, and `f` neither re-enters the graph nor runs user code.
        f(unsafe { self.arena_mut() })
    }

    /// The arena, for the per-node hot paths, which cannot afford a closure call per node.
    ///
    /// # Safety
    /// The caller keeps the contract of [`Graph::with`] by hand: it holds no other reference
    /// into the arena while the returned one is used, calls no user code and starts no panic
    /// before its last use of it, and lets no reference into the arena escape.
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn arena_mut(&self) -> &mut Arena {
        // SAFETY: `UnsafeCell::get` gives a valid, aligned pointer to the arena for as long
        // as `self` lives; the caller guarantees that the `&mut` made from it is unique
        // while used (see above), and `Graph: !Sync` keeps other threads out.
        unsafe { &mut *self.arena.get() }
    }

    /// Runs `f` on the arena if the handle `(index, generation)` is live; otherwise panics,
    /// after the borrow has ended, naming the stale value.
    #[inline(always)]
    pub(crate) fn with_live<R>(
        &self,
        index: u32,
        generation: u32,
        f: impl FnOnce(&mut Arena) -> R,
    ) -> R {
        // SAFETY: the contract of `Graph::with`: the only live reference into the arena, and
        // `f` is engine code. A stale handle is reported after the last use of `a`.
        let a = unsafe { self.arena_mut() };
        if !a.is_live(index, generation) {
            self.misuse(Misuse::Stale { index, generation });
        }
        f(a)
    }

    /// Whether every node below `end` is live for good: no rewind has ever cut below `end`,
    /// so each handle of this graph with a smaller index names its node (`Arena::kept`). A
    /// model's parameters, created before the training loop's checkpoint, stay so.
    #[inline]
    pub(crate) fn kept_below(&self, end: u32) -> bool {
        self.with(|a| end <= a.kept)
    }

    /// Whether every value in `values` belongs to this graph and is live: the cheap tests of
    /// `Arena::is_live` for each, folded without stopping at the first failure, and only if
    /// one fails, the full test.
    #[inline]
    pub(crate) fn all_live(&self, values: &[Value<'_>]) -> bool {
        self.with(|a| {
            let quick = |ok: bool, v: &Value<'_>| {
                ok & std::ptr::eq(v.graph(), self) & a.is_live_quick(v.index(), v.generation())
            };
            values.iter().fold(true, quick)
                || values
                    .iter()
                    .all(|v| std::ptr::eq(v.graph(), self) && a.is_live(v.index(), v.generation()))
        })
    }

    /// Panics, naming `caller` (`"Graph::grad"`) and the value, unless every value of every
    /// group is a live value of this graph: the quick [`Graph::all_live`] test first, and the
    /// value-by-value messages only on a misuse.
    #[inline]
    pub(crate) fn assert_all_live(&self, caller: &str, groups: &[&[Value<'_>]]) {
        if !groups.iter().all(|values| self.all_live(values)) {
            self.name_the_dead_value(caller, groups);
        }
    }

    #[cold]
    #[inline(never)]
    fn name_the_dead_value(&self, caller: &str, groups: &[&[Value<'_>]]) {
        for v in groups.iter().flat_map(|values| values.iter()) {
            assert!(
                std::ptr::eq(v.graph(), self),
                "scalargrad: {caller} was given Value #{} of another Graph",
                v.index()
            );
            // Panics with a clear message if the value is stale.
            let _ = v.data();
        }
    }

    /// Reports a misuse found inside a borrow. Called only once that borrow has ended.
    #[cold]
    #[inline(never)]
    pub(crate) fn misuse(&self, misuse: Misuse) -> ! {
        match misuse {
            Misuse::Stale { index, generation } => {
                let (now, len) = self.with(|a| (a.generation, a.nodes.len()));
                panic!(
                    "scalargrad: Value #{index} is stale: it was created after a checkpoint that \
                     has since been rewound (Graph::rewind or Graph::clear discarded its node; \
                     it was made in generation {generation}, the graph is in generation {now} \
                     and holds {len} nodes). Create values that must outlive a rewind before \
                     the checkpoint, or create them again after the rewind"
                )
            }
            Misuse::TooManyNodes => panic!(
                "scalargrad: a Graph holds at most {MAX_NODES} nodes; rewind or clear it, or \
                 use replay (Graph::recompute) instead of rebuilding"
            ),
        }
    }

    /// A new leaf: an input or parameter whose gradient is tracked.
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let w = g.value(0.5);
    /// assert_eq!(w.data(), 0.5);
    /// assert_eq!(w.grad(), 0.0);
    /// ```
    ///
    /// # Panics
    /// If the graph already holds `u32::MAX - 1` nodes.
    #[inline]
    pub fn value(&self, data: f64) -> Value<'_> {
        // SAFETY: the aliasing contract of `Graph::with`: the only live reference into the
        // arena (single thread, no other access running); no user code runs and no panic
        // starts before the last use of `a` (a full graph is reported after it).
        let a = unsafe { self.arena_mut() };
        let generation = a.generation;
        match a.push(Op::Leaf, 0, 0, data) {
            Some(index) => Value::from_parts(self, index, generation),
            None => self.misuse(Misuse::TooManyNodes),
        }
    }

    /// A new leaf with a name, shown in drawings.
    pub fn named_value(&self, data: f64, name: &str) -> Value<'_> {
        self.value(data).named(name)
    }

    /// Leaves for every number in `data`, in order.
    pub fn values(&self, data: &[f64]) -> Vec<Value<'_>> {
        data.iter().map(|&x| self.value(x)).collect()
    }

    /// The left-fold sum `((v0 + v1) + v2) + …`; a leaf 0 when `values` is empty.
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let v = g.values(&[1.0, 2.0, 3.0]);
    /// assert_eq!(g.sum(v).data(), 6.0);
    /// ```
    ///
    /// # `iter().sum()` and E0277
    /// `let s: Value = xs.iter().sum();` does not compile: an empty iterator has no graph to
    /// put its 0 in, so `Value` does not implement `Sum`. Use `g.sum(xs)`, or sum into an
    /// `Option<Value>` (`None` for no values), which works with `.iter()` and `.into_iter()`:
    ///
    /// ```
    /// # use scalargrad::{Graph, Value};
    /// let g = Graph::new();
    /// let xs = g.values(&[1.0, 2.0, 3.0]);
    /// let s: Option<Value> = xs.iter().sum();
    /// assert_eq!(s.map(Value::data), Some(6.0));
    /// ```
    pub fn sum<'g>(&'g self, values: impl IntoIterator<Item = Value<'g>>) -> Value<'g> {
        // The iterator is user code: each `next()` runs between two ops, never inside a
        // borrow of the arena.
        let mut it = values.into_iter();
        match it.next() {
            Some(first) => it.fold(first, |acc, v| acc + v),
            None => self.value(0.0),
        }
    }

    /// The number of nodes (leaves and op nodes).
    #[must_use]
    pub fn node_count(&self) -> usize {
        self.with(|a| a.nodes.len())
    }

    /// The number of nodes the graph can hold before it reallocates.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.with(|a| a.nodes.capacity())
    }

    /// Whether the graph has no nodes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.node_count() == 0
    }

    /// The size in bytes of one node in the arena (32).
    #[must_use]
    pub const fn node_size() -> usize {
        std::mem::size_of::<Node>()
    }

    /// How many times the graph has been rewound or cleared: the generation stamped into
    /// new nodes.
    #[must_use]
    pub fn generation(&self) -> u32 {
        self.with(|a| a.generation)
    }

    /// Sets every gradient in the graph, leaves and interior nodes, to 0.
    pub fn zero_grad(&self) {
        self.with(|a| {
            for n in &mut a.nodes {
                n.grad = UNREACHED;
            }
            a.dirty = 0;
        });
    }

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
    /// Any use of a [`Value`] created after the checkpoint panics afterwards, naming it.
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
            a.kept = a.kept.min(cp.nodes);
            a.leaf_prefix = a.leaf_prefix.min(cp.nodes);
            a.dirty = a.dirty.min(cp.nodes);
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

    /// Runs `f` inside a named scope: every node it creates belongs to the scope, and
    /// drawings group those nodes in a cluster. Scopes nest.
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let x = g.value(2.0);
    /// let y = g.scoped("layer 1", || (x * 3.0).tanh());
    /// let s = g.scope_of(y).unwrap();
    /// assert_eq!(g.scope_name(s), "layer 1");
    /// assert_eq!(g.scope_of(x), None);
    /// ```
    ///
    /// The scope closes when `f` returns or unwinds, so a panic caught outside leaves no
    /// scope open. Names are interned: the graph keeps one copy of each distinct name.
    pub fn scoped<R>(&self, name: impl AsRef<str>, f: impl FnOnce() -> R) -> R {
        // `as_ref` is user code: run it before borrowing the arena.
        let name: &str = name.as_ref();
        let id = self.with(|a| a.intern(name));
        self.scoped_interned(id, f)
    }

    /// Interns a scope name, for callers that open the same scope many times
    /// ([`nn`](crate::nn) opens one per neuron per sample).
    pub(crate) fn intern(&self, name: &str) -> NameId {
        self.with(|a| a.intern(name))
    }

    /// [`Graph::scoped`] with an interned name.
    pub(crate) fn scoped_interned<R>(&self, name: NameId, f: impl FnOnce() -> R) -> R {
        /// Closes the scope when dropped, so that an unwinding `f` closes it too.
        struct Close<'g> {
            graph: &'g Graph,
            scope: ScopeId,
        }
        impl Drop for Close<'_> {
            fn drop(&mut self) {
                let scope = self.scope;
                self.graph.with(|a| {
                    // A rewind inside `f` may have discarded the scope already.
                    if a.scope(scope).is_none() {
                        return;
                    }
                    if let Some(pos) = a.open_scopes.iter().rposition(|&s| s == scope.index) {
                        a.open_scopes.truncate(pos);
                    }
                    let end = u32::try_from(a.nodes.len()).unwrap_or(u32::MAX - 1);
                    a.scopes[scope.index as usize].end = end;
                });
            }
        }
        let scope = self.with(|a| {
            let index = u32::try_from(a.scopes.len()).unwrap_or(u32::MAX);
            let start = u32::try_from(a.nodes.len()).unwrap_or(u32::MAX);
            a.scopes.push(ScopeRec {
                name,
                parent: a.open_scopes.last().copied(),
                start,
                end: u32::MAX,
                generation: a.generation,
            });
            a.open_scopes.push(index);
            ScopeId {
                index,
                generation: a.generation,
            }
        });
        let _close = Close { graph: self, scope };
        f()
    }

    /// The innermost scope that `v` was created in, if any.
    ///
    /// Cost: O(log scopes + nesting depth).
    ///
    /// # Panics
    /// If `v` belongs to another graph, or is stale (see [`Graph::rewind`]).
    #[must_use]
    pub fn scope_of(&self, v: Value<'_>) -> Option<ScopeId> {
        assert!(
            std::ptr::eq(v.graph(), self),
            "scalargrad: scope_of was asked about Value #{} of another Graph: ask the Graph \
             that made it (v.graph().scope_of(v))",
            v.index()
        );
        let index = v.index();
        self.with_live(index, v.generation(), |a| {
            // Scopes are stored by start. The last one to start at or before `index` is either
            // the innermost scope holding it or nested inside every scope that holds it, so
            // walking up its parents finds the answer.
            let last = a.scopes.partition_point(|s| s.start <= index);
            let mut candidate = last
                .checked_sub(1)
                .map(|i| u32::try_from(i).unwrap_or(u32::MAX));
            while let Some(id) = candidate {
                let s = &a.scopes[id as usize];
                if index < s.end {
                    return Some(ScopeId {
                        index: id,
                        generation: s.generation,
                    });
                }
                candidate = s.parent;
            }
            None
        })
    }

    /// The scope's record, or a panic (after the borrow) if a rewind discarded it.
    fn scope_rec(&self, scope: ScopeId) -> ScopeRec {
        match self.with(|a| a.scope(scope).copied()) {
            Some(rec) => rec,
            None => panic!(
                "scalargrad: scope #{} no longer exists: a rewind discarded it (it was opened \
                 in generation {}). Look scopes up again after a rewind",
                scope.index, scope.generation
            ),
        }
    }

    /// The name a scope was given.
    ///
    /// # Panics
    /// If the scope was discarded by a rewind.
    #[must_use]
    pub fn scope_name(&self, scope: ScopeId) -> String {
        let rec = self.scope_rec(scope);
        self.with(|a| a.names[rec.name.0 as usize].to_string())
    }

    /// The scope that `scope` is nested in, if any.
    ///
    /// # Panics
    /// If the scope was discarded by a rewind.
    #[must_use]
    pub fn scope_parent(&self, scope: ScopeId) -> Option<ScopeId> {
        let rec = self.scope_rec(scope);
        let parent = rec.parent?;
        // A parent opens before its children, so it outlives any rewind they survive.
        let generation = self.with(|a| a.scopes[parent as usize].generation);
        Some(ScopeId {
            index: parent,
            generation,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn a_node_is_32_bytes_and_a_scope_record_24() {
        assert_eq!(std::mem::size_of::<Node>(), 32);
        assert_eq!(std::mem::size_of::<ScopeRec>(), 24);
    }

    #[test]
    fn graph_is_send() {
        fn send<T: Send>() {}
        send::<Graph>();
    }
}
