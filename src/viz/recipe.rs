//! [`Recipe`]: how a traced graph was made (each node's op, parents, constant, name and
//! scope), so that it can be built again with other leaf values.
//!
//! A live page (`src/viz/live.js`) embeds the recipe of its graph; when the learner edits a
//! leaf, the engine in the page (the `scalargrad-web` binding) builds the recipe again with
//! the new numbers, runs backward, and draws the page data anew. Every number comes from the
//! engine's own ops: the recipe stores structure, never a formula.

use serde_json::{Value as Json, json};

use super::trace::{Trace, TraceNode, TraceScope, trace};
use crate::{Graph, Op, ScopeId, Value};

/// One node of a [`Recipe`]: a leaf with its value, or an op applied to earlier nodes.
#[derive(Clone, Debug, PartialEq)]
pub struct RecipeNode {
    /// The op that made the node ([`Op::Leaf`] for an input or parameter).
    pub op: Op,
    /// The parents, as indices of earlier nodes of the recipe, in [`Value::parents`] order.
    pub parents: Vec<usize>,
    /// The constant of a constant op (`1.1` in `x * 1.1`).
    pub constant: Option<f64>,
    /// The node's name, if it has one.
    pub name: Option<String>,
    /// The names of the scopes it was made in, outermost first.
    pub scope: Vec<String>,
    /// The node's value when the recipe was taken (a leaf's value is its input).
    pub data: f64,
}

/// How the graph behind a value was made: its nodes in creation order, the output last.
#[derive(Clone, Debug, PartialEq)]
pub struct Recipe {
    /// The nodes, parents before children.
    pub nodes: Vec<RecipeNode>,
    /// The index of the output node.
    pub root: usize,
}

/// Why a recipe cannot be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecipeError(pub String);

impl std::fmt::Display for RecipeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RecipeError {}

/// The name a recipe gives an op: its `Debug` name (`"MulC"`).
#[must_use]
pub fn op_name(op: Op) -> String {
    format!("{op:?}")
}

/// The op a recipe names ([`op_name`]'s inverse); `None` for an unknown name.
#[must_use]
pub fn op_from_name(name: &str) -> Option<Op> {
    Op::ALL.into_iter().find(|&op| op_name(op) == name)
}

impl Recipe {
    /// The recipe of the graph behind `root`: every value it depends on, in creation order.
    ///
    /// ```
    /// use scalargrad::{Graph, viz::Recipe};
    /// let g = Graph::new();
    /// let apple = g.value(100.0).named("apple");
    /// let price = (apple * 2.0).named("price");
    /// let recipe = Recipe::of(price);
    /// let g2 = Graph::new();
    /// let mut values = recipe.values();
    /// values[0] = 150.0;
    /// let again = recipe.build(&g2, &values).unwrap();
    /// assert_eq!(again.data(), 300.0);
    /// ```
    #[must_use]
    pub fn of(root: Value<'_>) -> Self {
        Self::from_trace(&trace(root))
    }

    /// The recipe of a trace.
    #[must_use]
    pub fn from_trace(t: &Trace) -> Self {
        let g = &t.graph;
        let mut at = vec![usize::MAX; g.node_count()];
        let mut nodes = Vec::new();
        let mut root = 0;
        for n in g.node_indices() {
            let TraceNode::Value {
                name, data, scope, ..
            } = &g[n]
            else {
                continue;
            };
            let op_node = g
                .neighbors_directed(n, petgraph::Direction::Incoming)
                .next();
            let (op, constant, parents) = match op_node.map(|o| (o, &g[o])) {
                Some((o, TraceNode::Op { op, constant, .. })) => {
                    let mut operands: Vec<(u32, usize)> = g
                        .edges_directed(o, petgraph::Direction::Incoming)
                        .map(|e| {
                            use petgraph::visit::EdgeRef;
                            (e.weight().operand.unwrap_or(0), at[e.source().index()])
                        })
                        .collect();
                    operands.sort_unstable();
                    (
                        *op,
                        *constant,
                        operands.into_iter().map(|(_, p)| p).collect(),
                    )
                }
                _ => (Op::Leaf, None, Vec::new()),
            };
            at[n.index()] = nodes.len();
            if n == t.root {
                root = nodes.len();
            }
            nodes.push(RecipeNode {
                op,
                parents,
                constant,
                name: name.clone(),
                scope: scope_path(&t.scopes, *scope),
                data: *data,
            });
        }
        Recipe { nodes, root }
    }

    /// Every node's recorded value, as [`Recipe::build`] takes them (only leaves' are read).
    #[must_use]
    pub fn values(&self) -> Vec<f64> {
        self.nodes.iter().map(|n| n.data).collect()
    }

    /// The label of node `i` as pages show it: its name, or `v<i>`.
    #[must_use]
    pub fn label(&self, i: usize) -> String {
        self.nodes[i]
            .name
            .clone()
            .unwrap_or_else(|| format!("v{i}"))
    }

    /// Builds the recipe in `g` with the leaves' values taken from `values` (one entry per
    /// node; entries of op nodes are ignored), and returns the output.
    ///
    /// # Errors
    /// A [`RecipeError`] naming the node when `values` has the wrong length, a parent is not
    /// an earlier node, an op has the wrong number of parents or lacks its constant, or the
    /// built node's op differs from the recipe's.
    pub fn build<'g>(&self, g: &'g Graph, values: &[f64]) -> Result<Value<'g>, RecipeError> {
        if values.len() != self.nodes.len() {
            return Err(RecipeError(format!(
                "{} values for a recipe of {} nodes",
                values.len(),
                self.nodes.len()
            )));
        }
        if self.root >= self.nodes.len() {
            return Err(RecipeError(format!("root {} is not a node", self.root)));
        }
        let mut built: Vec<Value<'g>> = Vec::with_capacity(self.nodes.len());
        for (i, node) in self.nodes.iter().enumerate() {
            let mut parents = Vec::with_capacity(node.parents.len());
            for &p in &node.parents {
                if p >= i {
                    return Err(RecipeError(format!(
                        "node {i}: parent {p} is not an earlier node"
                    )));
                }
                parents.push(built[p]);
            }
            let v = in_scope(g, &node.scope, || apply(g, node, values[i], &parents))
                .map_err(|m| RecipeError(format!("node {i} ({:?}): {m}", node.op)))?;
            if v.op() != node.op {
                return Err(RecipeError(format!(
                    "node {i}: built as {:?}, the recipe says {:?}",
                    v.op(),
                    node.op
                )));
            }
            built.push(match &node.name {
                Some(name) => v.named(name),
                None => v,
            });
        }
        Ok(built[self.root])
    }

    /// The recipe as JSON: `{"root": r, "nodes": [{"op", "parents", "constant", "name",
    /// "scope", "data"}, …]}`; a non-finite number is written as the string `"#NaN"`,
    /// `"#inf"` or `"#-inf"`.
    #[must_use]
    pub fn to_json(&self) -> String {
        crate::io::json::script_json(&self.json())
    }

    /// [`to_json`](Self::to_json)'s document.
    pub(super) fn json(&self) -> Json {
        let nodes: Vec<Json> = self
            .nodes
            .iter()
            .map(|n| {
                json!({
                    "op": op_name(n.op),
                    "parents": n.parents,
                    "constant": n.constant.map(number_json),
                    "name": n.name,
                    "scope": n.scope,
                    "data": number_json(n.data),
                })
            })
            .collect();
        json!({"root": self.root, "nodes": nodes})
    }
}

/// A number as recipes write it: a JSON number that reads back to the same bits, or the
/// string `"#NaN"`, `"#inf"` or `"#-inf"` (JSON has no such numbers).
fn number_json(x: f64) -> Json {
    if x.is_finite() {
        x.into()
    } else {
        json_number(x).trim_matches('"').into()
    }
}

/// A number as recipes write it: the shortest text that reads back to the same bits, or the
/// string `"#NaN"`, `"#inf"` or `"#-inf"` (JSON has no such numbers).
#[must_use]
pub fn json_number(x: f64) -> String {
    if x.is_nan() {
        "\"#NaN\"".into()
    } else if x.is_infinite() {
        if x > 0.0 { "\"#inf\"" } else { "\"#-inf\"" }.into()
    } else {
        format!("{x:?}")
    }
}

fn scope_path(scopes: &[TraceScope], scope: Option<ScopeId>) -> Vec<String> {
    let mut path = Vec::new();
    let mut cur = scope;
    while let Some(id) = cur {
        let Some(s) = scopes.iter().find(|s| s.id == id) else {
            break;
        };
        path.push(s.name.clone());
        cur = s.parent;
    }
    path.reverse();
    path
}

fn in_scope<R>(g: &Graph, path: &[String], f: impl FnOnce() -> R) -> R {
    match path.split_first() {
        None => f(),
        Some((outer, rest)) => g.scoped(outer, || in_scope(g, rest, f)),
    }
}

/// The op of `node` applied to its built parents, through the engine's public API.
fn apply<'g>(
    g: &'g Graph,
    node: &RecipeNode,
    leaf: f64,
    p: &[Value<'g>],
) -> Result<Value<'g>, String> {
    let want = match node.op.arity() {
        crate::Arity::Leaf => 0,
        crate::Arity::Unary | crate::Arity::UnaryConst => 1,
        crate::Arity::Binary => 2,
        crate::Arity::Nary => p.len().max(2),
    };
    if p.len() != want {
        return Err(format!("{} parents, expected {want}", p.len()));
    }
    let c = || {
        node.constant
            .ok_or_else(|| "a constant op without its constant".to_string())
    };
    Ok(match node.op {
        Op::Leaf => g.value(leaf),
        Op::Neg => -p[0],
        Op::Exp => p[0].exp(),
        Op::Ln => p[0].ln(),
        Op::Tanh => p[0].tanh(),
        Op::Relu => p[0].relu(),
        Op::Sigmoid => p[0].sigmoid(),
        Op::Sqrt => p[0].sqrt(),
        Op::Abs => p[0].abs(),
        Op::Sign => p[0].sign(),
        Op::Step => p[0].step(),
        Op::AddC => p[0] + c()?,
        Op::SubC => p[0] - c()?,
        Op::RSubC => c()? - p[0],
        Op::MulC => p[0] * c()?,
        Op::DivC => p[0] / c()?,
        Op::RDivC => c()? / p[0],
        Op::PowF => p[0].powf(c()?),
        Op::PowI => {
            let n = c()?;
            if n.fract() != 0.0 || n < f64::from(i32::MIN) || n > f64::from(i32::MAX) {
                return Err(format!("integer power {n} is not an i32"));
            }
            #[allow(clippy::cast_possible_truncation)] // checked just above
            p[0].powi(n as i32)
        }
        Op::Add => p[0] + p[1],
        Op::Sub => p[0] - p[1],
        Op::Mul => p[0] * p[1],
        Op::Div => p[0] / p[1],
        Op::Dot => {
            let bias = p.len() % 2 == 1;
            let pairs = &p[usize::from(bias)..];
            let weights: Vec<Value<'g>> = pairs.iter().step_by(2).copied().collect();
            let inputs: Vec<Value<'g>> = pairs.iter().skip(1).step_by(2).copied().collect();
            g.try_weighted_sum(bias.then(|| p[0]), &weights, &inputs)
                .map_err(|e| e.to_string())?
        }
        Op::Gate => p[0].gate(p[1]),
        Op::Detach => p[0].detach(),
        Op::Sin => p[0].sin(),
        Op::Cos => p[0].cos(),
        Op::Log1p => p[0].log1p(),
        Op::Softplus => p[0].softplus(),
        Op::LeakyRelu => p[0].leaky_relu(c()?),
        Op::ClampMin | Op::ClampMax => p[0].with_const(node.op, c()?),
        Op::Max => p[0].max(p[1]),
        Op::Min => p[0].min(p[1]),
        Op::Pow => p[0].pow(p[1]),
        Op::Cmp => p[0].compare(p[1]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_op_name_reads_back() {
        for op in Op::ALL {
            assert_eq!(op_from_name(&op_name(op)), Some(op));
        }
        assert_eq!(op_from_name("Cosh"), None);
    }

    #[test]
    fn a_rebuild_gives_the_same_bits_names_and_scopes() {
        let g = Graph::new();
        let x = g.value(0.5).named("x");
        let w = g.values(&[0.3, -1.2]);
        let b = g.value(0.1);
        let y = g
            .scoped("layer", || {
                let s = g.weighted_sum(Some(b), &w, &[x, x * x]);
                let t = (s.tanh() + 1.0).powi(3) / (2.0 - x.sigmoid()).powf(1.5);
                // Every other op too, so a live page can rebuild any graph.
                let u = t.sin() + t.cos() * x.log1p() + s.softplus() + s.leaky_relu(0.1)
                    - s.clamp(-0.5, 0.5)
                    + t.max(x) * s.min(x)
                    + x.pow(t)
                    + s.detach()
                    + s.relu().sqrt();
                u + g.grad(u, &[x])[0]
            })
            .named("y");
        y.backward();
        let recipe = Recipe::of(y);
        let g2 = Graph::new();
        let y2 = recipe.build(&g2, &recipe.values()).unwrap();
        y2.backward();
        assert_eq!(y2.data().to_bits(), y.data().to_bits());
        let t1 = trace(y);
        let t2 = trace(y2);
        assert_eq!(t1.graph.node_count(), t2.graph.node_count());
        for (a, b) in t1.graph.node_weights().zip(t2.graph.node_weights()) {
            match (a, b) {
                (
                    TraceNode::Value {
                        name: n1, grad: g1, ..
                    },
                    TraceNode::Value {
                        name: n2, grad: g2, ..
                    },
                ) => {
                    assert_eq!(n1, n2);
                    assert_eq!(g1.to_bits(), g2.to_bits());
                }
                (TraceNode::Op { op: o1, .. }, TraceNode::Op { op: o2, .. }) => assert_eq!(o1, o2),
                _ => panic!("node kinds differ"),
            }
        }
        assert_eq!(Recipe::from_trace(&t2), recipe);
        assert!(recipe.nodes.iter().any(|n| n.scope == ["layer"]));
    }

    #[test]
    fn a_bad_recipe_is_an_error_naming_the_node() {
        let g = Graph::new();
        let bad = Recipe {
            nodes: vec![RecipeNode {
                op: Op::Exp,
                parents: vec![0],
                constant: None,
                name: None,
                scope: vec![],
                data: 0.0,
            }],
            root: 0,
        };
        let e = bad.build(&g, &[0.0]).unwrap_err();
        assert!(e.0.contains("node 0"), "{e}");
        assert!(bad.build(&g, &[]).is_err());
    }

    #[test]
    fn non_finite_numbers_are_strings() {
        assert_eq!(json_number(f64::NAN), "\"#NaN\"");
        assert_eq!(json_number(-f64::INFINITY), "\"#-inf\"");
        assert_eq!(json_number(0.1), "0.1");
    }
}
