//! [`trace`]: the subgraph reachable from a value, as a `petgraph` [`DiGraph`].

use std::collections::{BTreeMap, BTreeSet};

use petgraph::graph::{DiGraph, NodeIndex};

use super::format_number;
use crate::{Arity, Op, ScopeId, Value};

/// A node of a [`Trace`]: a value (micrograd's record) or the op that made it.
#[derive(Clone, Debug, PartialEq)]
pub enum TraceNode {
    /// A value of the graph.
    Value {
        /// Its index in the arena (creation order).
        index: u32,
        /// The name given with [`Value::named`], if any.
        name: Option<String>,
        /// Its forward value.
        data: f64,
        /// Its gradient.
        grad: f64,
        /// The innermost scope it was created in.
        scope: Option<ScopeId>,
    },
    /// The op that made the value at `index`.
    Op {
        /// The index of the value the op produced.
        index: u32,
        /// The op.
        op: Op,
        /// The op as drawn, with its constant folded in (`× −1`).
        label: String,
        /// The constant operand of a constant op (`1.0` in `x + 1.0`), else `None`.
        constant: Option<f64>,
        /// The innermost scope it was created in.
        scope: Option<ScopeId>,
    },
}

impl TraceNode {
    /// The scope of the node.
    #[must_use]
    pub fn scope(&self) -> Option<ScopeId> {
        match self {
            TraceNode::Value { scope, .. } | TraceNode::Op { scope, .. } => *scope,
        }
    }
}

/// An edge of a [`Trace`], with what flows along it each way.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TraceEdge {
    /// The value carried forward (the source value's data).
    pub forward: f64,
    /// The gradient carried backward along this edge: for an operand edge, the op result's
    /// gradient times the op's partial derivative for this operand; for an op → result
    /// edge, the result's gradient.
    pub backward: f64,
    /// The local derivative on this edge: for an operand edge, ∂result/∂operand from
    /// [`Value::local_gradients`]; 1 for an op → result edge.
    pub local: f64,
    /// For an operand edge, which operand (0, 1, … in [`Value::parents`] order); `None` for an
    /// op → result edge.
    pub operand: Option<u32>,
}

/// A scope that nodes of a [`Trace`] belong to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceScope {
    /// The scope's id in its graph.
    pub id: ScopeId,
    /// Its name.
    pub name: String,
    /// The scope it is nested in.
    pub parent: Option<ScopeId>,
}

/// The subgraph that a value depends on, as a `petgraph` graph.
#[derive(Clone, Debug)]
pub struct Trace {
    /// Value nodes and op nodes in creation order (each op node just before its result), so
    /// node indices, and every drawing made from them, are deterministic.
    pub graph: DiGraph<TraceNode, TraceEdge>,
    /// The node of the value that was traced.
    pub root: NodeIndex,
    /// Every scope a node belongs to, and their ancestors, ordered by id.
    pub scopes: Vec<TraceScope>,
}

/// The subgraph reachable backwards from `root`: every value it depends on, the op nodes
/// between them, and the edges, in creation order.
///
/// Cost: O(reachable nodes); it walks parents with an explicit stack, so deep graphs are fine.
#[must_use]
pub fn trace(root: Value<'_>) -> Trace {
    let graph = root.graph();
    let n = root.index() as usize + 1;
    let mut found: Vec<Option<Value<'_>>> = vec![None; n];
    let mut stack = vec![root];
    found[root.index() as usize] = Some(root);
    while let Some(v) = stack.pop() {
        for p in v.parents() {
            let slot = &mut found[p.index() as usize];
            if slot.is_none() {
                *slot = Some(p);
                stack.push(p);
            }
        }
    }

    let mut out = DiGraph::new();
    let mut node_of = vec![NodeIndex::end(); n];
    let mut scope_ids = Vec::new();
    for v in found.into_iter().flatten() {
        let scope = graph.scope_of(v);
        scope_ids.extend(scope);
        let value_node = TraceNode::Value {
            index: v.index(),
            name: v.name(),
            data: v.data(),
            grad: v.grad(),
            scope,
        };
        let op = v.op();
        if op.arity() == Arity::Leaf {
            node_of[v.index() as usize] = out.add_node(value_node);
            continue;
        }
        let parents = v.parents();
        let partials = v.local_gradients();
        let op_node = out.add_node(TraceNode::Op {
            index: v.index(),
            op,
            label: op.label_with(&format_number(v.constant().unwrap_or(0.0)).replace('-', "−")),
            constant: v.constant(),
            scope,
        });
        for (slot, (p, partial)) in parents.iter().zip(&partials).enumerate() {
            out.add_edge(
                node_of[p.index() as usize],
                op_node,
                TraceEdge {
                    forward: p.data(),
                    backward: v.grad() * partial,
                    local: *partial,
                    operand: Some(u32::try_from(slot).unwrap_or(u32::MAX)),
                },
            );
        }
        let value_index = out.add_node(value_node);
        out.add_edge(
            op_node,
            value_index,
            TraceEdge {
                forward: v.data(),
                backward: v.grad(),
                local: 1.0,
                operand: None,
            },
        );
        node_of[v.index() as usize] = value_index;
    }

    // Scopes with the same name path are one cluster: a layer's parameters are created in
    // one scope record and its forward pass in another.
    let canonical = canonical_scopes(graph, &scope_ids);
    for n in out.node_weights_mut() {
        match n {
            TraceNode::Value { scope, .. } | TraceNode::Op { scope, .. } => {
                *scope = scope.map(|s| canonical[&s]);
            }
        }
    }
    let scopes: BTreeSet<ScopeId> = canonical.values().copied().collect();
    Trace {
        root: node_of[root.index() as usize],
        graph: out,
        scopes: scopes
            .into_iter()
            .map(|id| TraceScope {
                id,
                name: graph.scope_name(id),
                parent: graph.scope_parent(id).map(|p| canonical[&p]),
            })
            .collect(),
    }
}

/// Maps every scope in `used`, and each of their ancestors, to the first scope (lowest id)
/// with the same name path.
fn canonical_scopes(graph: &crate::Graph, used: &[ScopeId]) -> BTreeMap<ScopeId, ScopeId> {
    let mut all = BTreeSet::new();
    for &s in used {
        let mut cur = Some(s);
        while let Some(c) = cur {
            if !all.insert(c) {
                break;
            }
            cur = graph.scope_parent(c);
        }
    }
    let path = |mut s: ScopeId| {
        let mut parts = vec![graph.scope_name(s)];
        while let Some(p) = graph.scope_parent(s) {
            parts.push(graph.scope_name(p));
            s = p;
        }
        parts
    };
    let mut first: BTreeMap<Vec<String>, ScopeId> = BTreeMap::new();
    all.into_iter()
        .map(|s| (s, *first.entry(path(s)).or_insert(s)))
        .collect()
}
