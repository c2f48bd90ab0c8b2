//! The arena: [`Graph`] owns every node in one contiguous `Vec`, in creation order.
//!
//! Creation order is a topological order (a node's parents always exist before it), so
//! backward is a reverse sweep and never recurses. Handles ([`Value`]) are `Copy`: a graph
//! reference, an index and a generation stamp that catches use after [`Graph::rewind`].

use std::cell::UnsafeCell;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

use crate::op::{Arity, Op};
use crate::value::Value;

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
    /// Set on nodes that the running backward sweep has reached.
    pub(crate) reached: bool,
}

/// A named scope (a layer, a neuron): the nodes created in `[start, end)` belong to it
/// unless a scope nested inside claims them.
#[derive(Clone, Debug)]
pub(crate) struct ScopeRec {
    pub(crate) name: Rc<str>,
    pub(crate) parent: Option<u32>,
    pub(crate) start: u32,
    pub(crate) end: u32,
}

/// The bias entry of an [`Op::Dot`] node that has none.
pub(crate) const NO_BIAS: u32 = u32::MAX;

/// Decodes an n-ary node's entries in `links` (see [`Arena::links`]): its bias, if any, and
/// its parent pairs `a₀, c₀, a₁, c₁, …`.
#[inline]
pub(crate) fn dot_parts<'a>(links: &'a [u32], n: &Node) -> (Option<u32>, &'a [u32]) {
    let start = n.lhs as usize;
    let bias = links[start];
    let pairs = &links[start + 1..start + 1 + 2 * n.rhs as usize];
    ((bias != NO_BIAS).then_some(bias), pairs)
}

/// Everything the graph owns. Only reachable through [`Graph::with`], or [`Graph::arena_mut`]
/// in the per-node hot paths.
#[derive(Default)]
pub(crate) struct Arena {
    pub(crate) nodes: Vec<Node>,
    pub(crate) consts: Vec<f64>,
    /// Parents of n-ary nodes ([`Op::Dot`]): for each, the bias index (or [`NO_BIAS`]), then
    /// the pairs `a₀, c₀, a₁, c₁, …`. The node's `lhs` is where its entries start and `rhs`
    /// how many pairs it has.
    pub(crate) links: Vec<u32>,
    pub(crate) labels: BTreeMap<u32, Box<str>>,
    pub(crate) scopes: Vec<ScopeRec>,
    pub(crate) open_scopes: Vec<u32>,
    /// Bumped by every rewind; stamped into each new node.
    pub(crate) generation: u32,
    /// Nodes below this index may hold interior gradients or `reached` flags from an earlier
    /// backward; backward clears them before its sweep.
    pub(crate) dirty: u32,
}

impl Arena {
    /// The node behind a handle, after checking the handle is still live.
    #[inline]
    pub(crate) fn node(&self, index: u32, generation: u32) -> &Node {
        match self.nodes.get(index as usize) {
            Some(n) if n.generation == generation => n,
            _ => stale_handle(index),
        }
    }

    #[inline]
    pub(crate) fn node_mut(&mut self, index: u32, generation: u32) -> &mut Node {
        match self.nodes.get_mut(index as usize) {
            Some(n) if n.generation == generation => n,
            _ => stale_handle(index),
        }
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

    /// An n-ary node's value from its parents' current values.
    #[inline]
    pub(crate) fn eval_dot(&self, n: &Node) -> f64 {
        let (bias, pairs) = self.dot_parts(n);
        Op::fold_dot(
            bias.map(|b| self.nodes[b as usize].data),
            pairs.chunks_exact(2).map(|p| {
                (
                    self.nodes[p[0] as usize].data,
                    self.nodes[p[1] as usize].data,
                )
            }),
        )
    }

    #[inline(always)]
    pub(crate) fn push(&mut self, op: Op, lhs: u32, rhs: u32, data: f64) -> u32 {
        let index = u32::try_from(self.nodes.len())
            .ok()
            .filter(|&i| i != u32::MAX)
            .expect("scalargrad: a Graph holds at most u32::MAX - 1 nodes");
        self.nodes.push(Node {
            data,
            grad: 0.0,
            lhs,
            rhs,
            generation: self.generation,
            op,
            reached: false,
        });
        index
    }

    #[inline]
    pub(crate) fn push_const(&mut self, c: f64) -> u32 {
        let index = u32::try_from(self.consts.len())
            .expect("scalargrad: a Graph holds at most u32::MAX constants");
        self.consts.push(c);
        index
    }
}

#[cold]
#[inline(never)]
fn stale_handle(index: u32) -> ! {
    panic!(
        "scalargrad: Value #{index} is stale: it was created after a checkpoint that has since \
         been rewound (Graph::rewind), so its node no longer exists"
    )
}

/// A position in the graph, taken with [`Graph::checkpoint`] and returned to with
/// [`Graph::rewind`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    nodes: u32,
    consts: u32,
    links: u32,
    scopes: u32,
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScopeId(pub(crate) u32);

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
/// A `Graph` is not `Sync`: build a graph per thread.
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
        self.with(|a| {
            f.debug_struct("Graph")
                .field("nodes", &a.nodes.len())
                .field("generation", &a.generation)
                .finish()
        })
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
                nodes: Vec::with_capacity(nodes),
                ..Arena::default()
            }),
        }
    }

    /// Runs `f` with exclusive access to the arena.
    ///
    /// Soundness: `Graph` is `!Sync`; every method reaches the arena through here or through
    /// [`Graph::arena_mut`] under the same contract: no closure passed here calls back into the
    /// graph or runs user code, and no reference into the arena escapes it. So the `&mut` is
    /// never aliased.
    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Arena) -> R) -> R {
        // SAFETY: see above; the borrow lives only for the duration of `f`.
        f(unsafe { self.arena_mut() })
    }

    /// The arena, for the per-node hot paths, which cannot afford a closure call per node.
    ///
    /// # Safety
    /// The caller must not hold another reference into the arena while the returned one is
    /// live, and must not call into the graph or user code with it live (the contract of
    /// [`Graph::with`], kept by hand).
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn arena_mut(&self) -> &mut Arena {
        // SAFETY: the caller keeps the borrow exclusive; `Graph` is `!Sync`.
        unsafe { &mut *self.arena.get() }
    }

    /// A new leaf: an input or parameter whose gradient is tracked.
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let w = g.value(0.5);
    /// assert_eq!(w.data(), 0.5);
    /// assert_eq!(w.grad(), 0.0);
    /// ```
    #[inline]
    pub fn value(&self, data: f64) -> Value<'_> {
        self.with(|a| {
            let index = a.push(Op::Leaf, 0, 0, data);
            Value::from_parts(self, index, a.generation)
        })
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
    pub fn sum<'g>(&'g self, values: impl IntoIterator<Item = Value<'g>>) -> Value<'g> {
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

    /// Sets every gradient in the graph, leaves and interior nodes, to 0.
    pub fn zero_grad(&self) {
        self.with(|a| {
            for n in &mut a.nodes {
                n.grad = 0.0;
                n.reached = false;
            }
            a.dirty = 0;
        });
    }

    /// Marks the current end of the graph, to come back to with [`Graph::rewind`].
    #[must_use]
    pub fn checkpoint(&self) -> Checkpoint {
        self.with(|a| Checkpoint {
            nodes: u32::try_from(a.nodes.len()).unwrap_or(u32::MAX),
            consts: u32::try_from(a.consts.len()).unwrap_or(u32::MAX),
            links: u32::try_from(a.links.len()).unwrap_or(u32::MAX),
            scopes: u32::try_from(a.scopes.len()).unwrap_or(u32::MAX),
        })
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
    /// # Panics
    /// If the graph is already shorter than the checkpoint (it was rewound past it). Any use
    /// of a [`Value`] created after the checkpoint panics afterwards, naming the stale value.
    pub fn rewind(&self, checkpoint: Checkpoint) {
        self.with(|a| {
            assert!(
                checkpoint.nodes as usize <= a.nodes.len(),
                "scalargrad: cannot rewind to a checkpoint at {} nodes: the graph holds only {} \
                 (it was rewound past that checkpoint)",
                checkpoint.nodes,
                a.nodes.len()
            );
            a.nodes.truncate(checkpoint.nodes as usize);
            a.consts.truncate(checkpoint.consts as usize);
            a.links.truncate(checkpoint.links as usize);
            a.scopes.truncate(checkpoint.scopes as usize);
            a.open_scopes.retain(|&s| s < checkpoint.scopes);
            let _ = a.labels.split_off(&checkpoint.nodes);
            a.generation = a.generation.wrapping_add(1);
            a.dirty = a.dirty.min(checkpoint.nodes);
        });
    }

    /// Discards every node: the same as rewinding to a checkpoint of the empty graph.
    pub fn clear(&self) {
        self.rewind(Checkpoint {
            nodes: 0,
            consts: 0,
            links: 0,
            scopes: 0,
        });
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
    pub fn scoped<R>(&self, name: impl Into<Rc<str>>, f: impl FnOnce() -> R) -> R {
        let name = name.into();
        let id = self.with(|a| {
            let id = u32::try_from(a.scopes.len()).expect("too many scopes");
            let start = u32::try_from(a.nodes.len()).unwrap_or(u32::MAX);
            a.scopes.push(ScopeRec {
                name,
                parent: a.open_scopes.last().copied(),
                start,
                end: u32::MAX,
            });
            a.open_scopes.push(id);
            id
        });
        let out = f();
        self.with(|a| {
            if let Some(pos) = a.open_scopes.iter().rposition(|&s| s == id) {
                a.open_scopes.truncate(pos);
                let end = u32::try_from(a.nodes.len()).unwrap_or(u32::MAX);
                a.scopes[id as usize].end = end;
            }
        });
        out
    }

    /// The innermost scope that `v` was created in, if any.
    ///
    /// Cost: O(log scopes + nesting depth).
    #[must_use]
    pub fn scope_of(&self, v: Value<'_>) -> Option<ScopeId> {
        let index = v.index();
        self.with(|a| {
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
                    return Some(ScopeId(id));
                }
                candidate = s.parent;
            }
            None
        })
    }

    /// The name a scope was given.
    ///
    /// # Panics
    /// If the scope was discarded by a rewind.
    #[must_use]
    pub fn scope_name(&self, scope: ScopeId) -> String {
        self.with(|a| a.scopes[scope.0 as usize].name.to_string())
    }

    /// The scope that `scope` is nested in, if any.
    ///
    /// # Panics
    /// If the scope was discarded by a rewind.
    #[must_use]
    pub fn scope_parent(&self, scope: ScopeId) -> Option<ScopeId> {
        self.with(|a| a.scopes[scope.0 as usize].parent.map(ScopeId))
    }
}
