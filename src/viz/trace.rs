//! [`trace`]: the subgraph reachable from a value, as a `petgraph` [`DiGraph`].

use std::collections::{BTreeMap, BTreeSet};

use std::fmt::Write as _;

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

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
    /// Every node's name as pictures and captions show it, by node index (see
    /// [`Trace::label`]).
    pub labels: Vec<String>,
    /// How tightly each label binds in an expression (see `precedence`).
    pub(crate) levels: Vec<u8>,
}

impl Trace {
    /// The name a node is drawn and described by (an op node's is its drawn symbol, `× −1`).
    ///
    /// - A value named with [`Value::named`] keeps its name; when the same name is given to
    ///   more than one value of the trace (every neuron has a `w0`), each is qualified by its
    ///   scope path, spaces dropped: `layer1.neuron0.w0`.
    /// - An unnamed value is named by its expression in its operands' names, as the
    ///   captions write it, bracketed only where the reading needs it: `a × b`,
    ///   `a × b + c`, `(a + b) × c`, `tanh(a × b + c)`. When that would be long
    ///   (over 17 characters) or is taken, it is the op's word and a number
    ///   counted per op in creation order: `dot1`, `sigmoid2`.
    ///
    /// Arena indices are never used, so a name means the same in every drawing of the graph.
    #[must_use]
    pub fn label(&self, n: NodeIndex) -> &str {
        &self.labels[n.index()]
    }

    /// A label with its binding, for writing expressions in names.
    pub(super) fn term(&self, n: NodeIndex) -> (String, u8) {
        (self.labels[n.index()].clone(), self.levels[n.index()])
    }
}

/// The longest expression that still names an unnamed value (see [`Trace::label`]).
pub(super) const LONG_NAME: usize = 17;

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
    let scopes: Vec<TraceScope> = scopes
        .into_iter()
        .map(|id| TraceScope {
            id,
            name: graph.scope_name(id),
            parent: graph.scope_parent(id).map(|p| canonical[&p]),
        })
        .collect();
    let (labels, levels) = labels(&out, &scopes);
    Trace {
        root: node_of[root.index() as usize],
        graph: out,
        scopes,
        labels,
        levels,
    }
}

/// The operand values of op node `o`, in operand order.
pub(super) fn operands(g: &DiGraph<TraceNode, TraceEdge>, o: NodeIndex) -> Vec<NodeIndex> {
    let mut ops: Vec<(u32, usize, NodeIndex)> = g
        .edges_directed(o, Direction::Incoming)
        .map(|e| (e.weight().operand.unwrap_or(0), e.id().index(), e.source()))
        .collect();
    ops.sort_unstable();
    ops.into_iter().map(|(_, _, s)| s).collect()
}

/// Every node's label; see [`Trace::label`].
fn labels(g: &DiGraph<TraceNode, TraceEdge>, scopes: &[TraceScope]) -> (Vec<String>, Vec<u8>) {
    // Given names, and how often each is given.
    let mut given: BTreeMap<&str, usize> = BTreeMap::new();
    for n in g.node_weights() {
        if let TraceNode::Value {
            name: Some(name), ..
        } = n
        {
            *given.entry(name.as_str()).or_default() += 1;
        }
    }
    let scope_path = |mut s: Option<ScopeId>| {
        let mut parts = Vec::new();
        while let Some(id) = s {
            let Some(t) = scopes.iter().find(|t| t.id == id) else {
                break;
            };
            parts.push(t.name.split_whitespace().collect::<String>());
            s = t.parent;
        }
        parts.reverse();
        parts
    };
    let mut out = vec![String::new(); g.node_count()];
    let mut levels = vec![3u8; g.node_count()];
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut counters: BTreeMap<String, usize> = BTreeMap::new();
    // Given names first, so a derived name never takes one.
    for n in g.node_indices() {
        if let TraceNode::Value {
            name: Some(name),
            scope,
            ..
        } = &g[n]
        {
            let mut label = name.clone();
            if given[name.as_str()] > 1 {
                let mut parts = scope_path(*scope);
                parts.push(name.clone());
                label = parts.join(".");
            }
            if taken.contains(&label) {
                // The same name twice in one scope: number the later ones.
                let base = label.clone();
                let mut k = 2;
                while taken.contains(&label) {
                    label = format!("{base}#{k}");
                    k += 1;
                }
            }
            taken.insert(label.clone());
            levels[n.index()] = given_level(&label);
            out[n.index()] = label;
        }
    }
    // Creation order: an op node comes right before its result, after its operands.
    for n in g.node_indices() {
        match &g[n] {
            TraceNode::Op { label, .. } => out[n.index()].clone_from(label),
            TraceNode::Value { name: Some(_), .. } => {}
            TraceNode::Value { name: None, .. } => {
                let Some(o) = g.neighbors_directed(n, Direction::Incoming).next() else {
                    // An unnamed input.
                    out[n.index()] = fallback(&mut counters, &mut taken, "input");
                    levels[n.index()] = 3;
                    continue;
                };
                let TraceNode::Op { op, constant, .. } = &g[o] else {
                    continue;
                };
                let names: Vec<(String, u8)> = operands(g, o)
                    .iter()
                    .map(|p| (out[p.index()].clone(), levels[p.index()]))
                    .collect();
                let expr = expression_in(*op, *constant, &names);
                out[n.index()] = if expr.chars().count() <= LONG_NAME && !taken.contains(&expr) {
                    taken.insert(expr.clone());
                    levels[n.index()] = precedence(*op);
                    expr
                } else {
                    fallback(&mut counters, &mut taken, &op_word(*op))
                };
            }
        }
    }
    (out, levels)
}

/// `word1`, `word2`, …: the first one not taken.
fn fallback(
    counters: &mut BTreeMap<String, usize>,
    taken: &mut BTreeSet<String>,
    word: &str,
) -> String {
    let k = counters.entry(word.to_string()).or_default();
    loop {
        *k += 1;
        let name = format!("{word}{k}");
        if taken.insert(name.clone()) {
            return name;
        }
    }
}

/// An op as a word for names: `mul`, `add`, `pow`, `sigmoid`, `dot`.
fn op_word(op: Op) -> String {
    let s = op.symbol();
    if s.chars().all(char::is_alphabetic) && !s.is_empty() {
        return s.to_string();
    }
    let debug = format!("{op:?}").to_lowercase();
    let mut w = debug.as_str();
    if op.arity() == Arity::UnaryConst {
        w = w.strip_suffix('c').unwrap_or(w);
        w = w.strip_prefix('r').filter(|r| r.len() >= 3).unwrap_or(w);
    }
    if w.starts_with("pow") {
        w = "pow";
    }
    if w == "neg" || w.is_empty() {
        return "neg".into();
    }
    w.to_string()
}

/// How tightly a name binds, for deciding where an expression needs brackets: 1 for a sum
/// or difference (or a negation), 2 for a product or quotient, 3 for a single term (a given
/// name without spaces, `tanh(…)`, `x^2`). Given names with spaces bind 0: always bracketed.
pub(super) fn precedence(op: Op) -> u8 {
    match op {
        Op::Add | Op::Sub | Op::AddC | Op::SubC | Op::RSubC | Op::Dot | Op::Neg => 1,
        Op::Mul | Op::Div | Op::MulC | Op::DivC | Op::RDivC => 2,
        _ => 3,
    }
}

/// The binding an operand of `op` needs to go without brackets, for the ops written with
/// infix symbols; `None` for the others, whose formulas bracket by themselves (`exp(x)`).
fn needs(op: Op) -> Option<[u8; 2]> {
    Some(match op {
        Op::Add | Op::AddC => [1, 1],
        Op::Sub | Op::SubC => [1, 2],
        Op::Mul | Op::MulC | Op::Neg | Op::RSubC => [2, 2],
        Op::Div | Op::DivC => [2, 3],
        Op::RDivC | Op::PowF | Op::PowI => [3, 3],
        _ => return None,
    })
}

/// A value's expression in its operands' names, each with its binding ([`precedence`]),
/// bracketed only where the reading needs it: `a × b + c`, `(a + b) × c`, `tanh(a × b)`.
pub(super) fn expression_in(op: Op, constant: Option<f64>, operands: &[(String, u8)]) -> String {
    let wrap_to = |(text, level): &(String, u8), need: u8| {
        if *level < need {
            format!("({text})")
        } else {
            text.clone()
        }
    };
    if op == Op::Dot {
        let bias = operands.len() % 2 == 1;
        let mut terms = Vec::new();
        if bias {
            terms.push(wrap_to(&operands[0], 1));
        }
        for pair in operands[usize::from(bias)..].chunks(2) {
            let partner = pair.get(1).unwrap_or(&pair[0]);
            terms.push(format!(
                "{} × {}",
                wrap_to(&pair[0], 2),
                wrap_to(partner, 2)
            ));
        }
        return terms.join(" + ");
    }
    let symbol = op.symbol();
    let first = operands.first().cloned().unwrap_or_default();
    if op.arity() == Arity::Unary && !symbol.is_empty() && symbol.chars().all(char::is_alphabetic) {
        return format!("{symbol}({})", first.0);
    }
    let c = constant.map(format_number).unwrap_or_default();
    let second = operands.get(1).cloned().unwrap_or_default();
    match needs(op) {
        Some([nx, ny]) => {
            let c = if c.starts_with('-') {
                format!("({c})")
            } else {
                c
            };
            substitute_with(
                op.formula(),
                &[
                    ("x", wrap_to(&first, nx)),
                    ("y", wrap_to(&second, ny)),
                    ("c", c),
                ],
                false,
            )
        }
        None => substitute(op.formula(), &[("x", first.0), ("y", second.0), ("c", c)]),
    }
}

/// The binding of a name given by the user or made up (`dot1`): a single term unless it has
/// spaces or a leading minus.
fn given_level(name: &str) -> u8 {
    if name.contains(' ') || name.starts_with(['-', '−']) {
        0
    } else {
        3
    }
}

/// Replaces the variables of a formula (`out`, `x`, `y`, `c`) by text, where they stand
/// alone (the `x` in `exp` is not a variable). Text that is not a single term is
/// parenthesised: `−c / x²` with `x = 1 + exp(−x)` reads `−1 / (1 + exp(−x))²`.
pub(super) fn substitute(formula: &str, vars: &[(&str, String)]) -> String {
    substitute_with(formula, vars, true)
}

/// [`substitute`], bracketing compound text only when `bracket` is set (else the caller
/// has bracketed it where needed).
fn substitute_with(formula: &str, vars: &[(&str, String)], bracket: bool) -> String {
    let chars: Vec<char> = formula.chars().collect();
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::new();
    let mut i = 0;
    'scan: while i < chars.len() {
        let before_ok = i == 0 || !word(chars[i - 1]);
        if before_ok {
            for (name, text) in vars {
                let n: Vec<char> = name.chars().collect();
                let end = i + n.len();
                if end <= chars.len()
                    && chars[i..end] == n[..]
                    && (end == chars.len() || !word(chars[end]))
                {
                    let whole = formula.trim() == *name;
                    let enclosed = i > 0
                        && chars[i - 1] == '('
                        && chars.get(end).is_some_and(|&c| c == ')' || c == ',');
                    let simple = !text.starts_with(['-', '−']) && !text.contains(' ');
                    if !bracket || whole || enclosed || simple {
                        out.push_str(text);
                    } else {
                        let _ = write!(out, "({text})");
                    }
                    i = end;
                    continue 'scan;
                }
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
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

#[cfg(test)]
mod tests {
    use super::trace;
    use crate::Graph;

    fn labels_of(root: crate::Value<'_>) -> Vec<String> {
        let t = trace(root);
        t.graph
            .node_indices()
            .filter(|&n| matches!(t.graph[n], super::TraceNode::Value { .. }))
            .map(|n| t.label(n).to_string())
            .collect()
    }

    #[test]
    fn unnamed_values_are_named_by_their_expression_bracketed_only_where_needed() {
        let g = Graph::new();
        let a = g.value(1.0).named("a");
        let b = g.value(2.0).named("b");
        let c = g.value(3.0).named("c");
        let f = ((a + b) * c - a * b).tanh();
        assert_eq!(
            labels_of(f),
            [
                "a",
                "b",
                "c",
                "a + b",
                "(a + b) × c",
                "a × b",
                "sub1",
                "tanh(sub1)"
            ],
            "`(a + b) × c − a × b` is longer than LONG_NAME"
        );
    }

    #[test]
    fn long_expressions_fall_back_to_the_op_and_a_number() {
        let g = Graph::new();
        let x = g.value(0.5).named("x");
        let y = (0..4).fold(x, |v, _| v.exp());
        let z = (y * 2.0 + 1.0).named("z");
        assert_eq!(
            labels_of(z),
            [
                "x",
                "exp(x)",
                "exp(exp(x))",
                "exp(exp(exp(x)))",
                "exp1",
                "exp1 × 2",
                "z"
            ]
        );
    }

    #[test]
    fn repeated_names_are_qualified_by_their_scopes() {
        let g = Graph::new();
        let w0 = g.scoped("layer 1", || g.scoped("n0", || g.value(1.0).named("w")));
        let w1 = g.scoped("layer 1", || g.scoped("n1", || g.value(2.0).named("w")));
        let dup = g.value(3.0).named("k");
        let dup2 = g.value(4.0).named("k");
        let y = (w0 + w1 + dup * dup2).named("y");
        let labels = labels_of(y);
        for want in ["layer1.n0.w", "layer1.n1.w", "k", "k#2"] {
            assert!(labels.iter().any(|l| l == want), "{want} not in {labels:?}");
        }
        assert!(labels.iter().all(|l| !l.starts_with('v')), "{labels:?}");
    }
}
