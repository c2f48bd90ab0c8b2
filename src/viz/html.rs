//! [`to_html`]: a self-contained page that steps through a graph's forward and backward pass.
//!
//! Rust computes everything the page shows — the picture ([`render_svg`](super::render_svg)'s
//! layout), the steps, and the captions in English and Japanese — and writes it once, as
//! JSON, into the page. The page's script (`viewer.js`, plain JavaScript) only presents it:
//! it shows or hides numbers and lights arrows for the current step.

use std::fmt::Write as _;

use petgraph::Direction;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use serde_json::{Value as Json, json};

use super::svg::{draw, escape, kind};
use super::trace::{Trace, TraceNode, expression_in, substitute, trace};
use super::{DrawOptions, format_digits, format_number};
use crate::io::json::script_json;
use crate::{Op, Value};

/// The page's stylesheet and script, inlined into every page.
const STYLE: &str = include_str!("viewer.css");
const SCRIPT: &str = include_str!("viewer.js");
/// The live-editing script (leaf editing through the engine in the page), inlined after
/// [`SCRIPT`]; it does nothing when `scalargrad_engine.js` is not beside the page.
const LIVE: &str = include_str!("live.js");

/// One self-contained HTML page that lets a learner watch backpropagation happen on the
/// graph behind `root`, one node at a time.
///
/// - **Step 0** shows the inputs' values only. The **forward steps** reveal each value in
///   creation order, lighting the arrows into it orange. The **backward steps** then go in
///   reverse order: each reveals the gradient that reaches a value, on blue arrows pointing
///   back, as the book draws them. The last step is the finished picture.
/// - Each step has a **caption** in English and Japanese that computes the step in numbers,
///   e.g. `∂price/∂apple = ∂price/∂apple_price × ∂apple_price/∂apple = 1.1 × 2 = 2.2`; where a
///   value is used more than once, the caption adds the paths up. The local derivatives'
///   formulas come from [`Op::derivative_formula`], their numbers from
///   [`Value::local_gradients`].
/// - **Names**: every value is called by the name its box shows ([`Trace::label`]): the
///   name it was given, qualified by its scopes where the name repeats (`layer1.neuron0.w0`),
///   else its expression (`a × b + c`) or, when that is long, its op and a number (`dot1`).
/// - **Numbers that add up**: a caption shows as many digits as it takes for its product or
///   sum, worked out on the numbers shown, to round to the result shown
///   (`0.41997 × 2 = 0.83994`, not `0.42 × 2 = 0.8399`); where no number of digits up to 9
///   does, the result is marked `≈`.
/// - **Controls**: ◀ ▶, a slider, the keys ← → Home End, play/pause (space), zoom (wheel,
///   `+`/`−`, buttons) and pan (drag). **follow** zooms to each step's nodes (the node, its
///   operands and its users) and keeps them in view; it is on when the whole picture would
///   show its text too small to read, and **fit** (key `0`) shows the whole picture instead.
///   Hovering over or tapping a node shows its op, formula, value, gradient and local
///   derivatives, in a corner of the view away from that node.
/// - **URL**: `#step=N` opens at step N and follows the current step; `?lang=ja` opens in
///   Japanese (the language toggle sets it).
/// - **Test hook**: `window.scalargrad = { steps, step(n), state() }`, where `steps` is the
///   number of steps, `step(n)` shows step `n` and returns `state()`, and `state()` returns
///   `{ step, caption, nodes: [{ index, label, data, grad }] }`: one entry per value in
///   creation order, with `data` and `grad` `null` until the current step has revealed them.
///   `?selftest=1` runs the page's own checks and writes `PASS` or `FAIL` into
///   `<pre id="selftest">` (see `tests/browser/check_pages.sh`).
///
/// The page needs no network: its style, script and picture are inline. The picture is
/// always drawn in the backward style, whatever `options.backward` says.
///
/// ```
/// use scalargrad::{Graph, viz};
/// let g = Graph::new();
/// let apple = g.value(100.0).named("apple");
/// let count = g.value(2.0).named("apple_num");
/// let apple_price = (apple * count).named("apple_price");
/// let price = (apple_price * 1.1).named("price");
/// price.backward();
/// let page = viz::to_html(price, &viz::DrawOptions::default());
/// assert!(page.starts_with("<!DOCTYPE html>"));
/// assert!(page.contains("∂price/∂apple = ∂price/∂apple_price × ∂apple_price/∂apple = 1.1 × 2 = 2.2"));
/// ```
#[must_use]
pub fn to_html(root: Value<'_>, options: &DrawOptions) -> String {
    page(&trace(root), options)
}

/// [`to_html`] for a trace that is already made.
pub(super) fn page(trace: &Trace, options: &DrawOptions) -> String {
    let drawing = DrawOptions {
        backward: true,
        ..options.clone()
    };
    let (svg, _) = draw(trace, &drawing);
    let title = options.title.clone().unwrap_or_else(|| "scalargrad".into());
    let data = script_json(&with_recipe(Story::new(trace).json(&title), trace));
    let mut out = String::with_capacity(svg.len() + data.len() + STYLE.len() + SCRIPT.len() + 2048);
    let _ = write!(
        out,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t}</title>
<style>
{STYLE}</style>
</head>
<body>
<header>
<h1>{t}</h1>
<nav class="controls" aria-label="steps">
<button id="first" type="button" title="first step (Home)">|◀</button>
<button id="prev" type="button" title="previous step (←)">◀</button>
<button id="play" type="button" title="play / pause (space)">play</button>
<button id="next" type="button" title="next step (→)">▶</button>
<button id="last" type="button" title="last step (End)">▶|</button>
<input id="slider" type="range" min="0" value="0" aria-label="step">
<output id="counter"></output>
<span class="spacer"></span>
<button id="zoomin" type="button" title="zoom in (+)">+</button>
<button id="zoomout" type="button" title="zoom out (−)">−</button>
<button id="fit" type="button" title="fit the picture (0)">fit</button>
<button id="follow" type="button" title="zoom to each step's nodes" aria-pressed="false">follow</button>
<button id="lang" type="button"></button>
</nav>
<p id="caption" aria-live="polite"></p>
</header>
<main id="view">
{svg}</main>
<aside id="info" hidden></aside>
<footer id="legend"></footer>
<pre id="selftest" hidden></pre>
<script id="data" type="application/json">{data}</script>
<script>
{SCRIPT}</script>
<script>
{LIVE}</script>
</body>
</html>
"#,
        t = escape(&title),
    );
    out
}

/// The data of a live page for the graph behind `root`, as JSON: `{"svg": …, "data": …}`,
/// where `svg` is the picture [`to_html`] draws and `data` what its page embeds (steps,
/// captions, nodes, edges, and the graph's [`Recipe`](super::Recipe)). The engine in a live
/// page (`scalargrad-web`) calls it after each edit; `live.js` swaps the picture and data.
#[must_use]
pub fn live_data(root: Value<'_>, options: &DrawOptions) -> String {
    let t = trace(root);
    let drawing = DrawOptions {
        backward: true,
        ..options.clone()
    };
    let (svg, _) = draw(&t, &drawing);
    let title = options.title.clone().unwrap_or_else(|| "scalargrad".into());
    let data = with_recipe(Story::new(&t).json(&title), &t);
    script_json(&json!({"svg": svg, "data": data}))
}

/// The page data with the graph's recipe added as `"recipe"`.
fn with_recipe(mut data: Json, trace: &Trace) -> Json {
    data["recipe"] = super::Recipe::from_trace(trace).json();
    data
}

/// The steps and captions of one graph.
struct Story<'a> {
    trace: &'a Trace,
    /// Value nodes in creation order.
    values: Vec<NodeIndex>,
    /// Per trace node: the step that reveals its data (values) or fires it (ops).
    data_step: Vec<usize>,
    /// Per trace node: the step that reveals its gradient.
    grad_step: Vec<usize>,
    steps: Vec<Step>,
}

struct Step {
    phase: &'static str,
    node: Option<NodeIndex>,
    en: String,
    ja: String,
}

/// One use of a value: the result of the op it feeds, and the local derivative there (its
/// number and its formula).
struct Use {
    result: NodeIndex,
    local: f64,
    formula: String,
}

impl<'a> Story<'a> {
    fn new(trace: &'a Trace) -> Self {
        let g = &trace.graph;
        let values: Vec<NodeIndex> = g
            .node_indices()
            .filter(|&n| matches!(g[n], TraceNode::Value { .. }))
            .collect();
        let mut story = Story {
            trace,
            values,
            data_step: vec![usize::MAX; g.node_count()],
            grad_step: vec![usize::MAX; g.node_count()],
            steps: Vec::new(),
        };
        story.build();
        story
    }

    fn op_of(&self, v: NodeIndex) -> Option<NodeIndex> {
        self.trace
            .graph
            .neighbors_directed(v, Direction::Incoming)
            .next()
    }

    /// A value's name as it follows `∂`: parenthesised when it is more than one term
    /// (`∂y/∂(1 + exp(−x))`) or holds a slash (`∂(dy/dx)/∂x`).
    fn dname(&self, v: NodeIndex) -> String {
        let name = self.name(v);
        if name.contains([' ', '/']) || name.starts_with(['-', '−']) {
            format!("({name})")
        } else {
            name
        }
    }

    /// A value's name, as the picture shows it ([`Trace::label`]).
    fn name(&self, v: NodeIndex) -> String {
        self.trace.label(v).to_string()
    }

    fn data(&self, v: NodeIndex) -> f64 {
        match self.trace.graph[v] {
            TraceNode::Value { data, .. } => data,
            TraceNode::Op { .. } => f64::NAN,
        }
    }

    fn grad(&self, v: NodeIndex) -> f64 {
        match self.trace.graph[v] {
            TraceNode::Value { grad, .. } => grad,
            TraceNode::Op { .. } => f64::NAN,
        }
    }

    /// The operand edges into op node `o`, in operand order: (edge index, source value).
    fn operands(&self, o: NodeIndex) -> Vec<(usize, NodeIndex)> {
        let mut ops: Vec<(u32, usize, NodeIndex)> = self
            .trace
            .graph
            .edges_directed(o, Direction::Incoming)
            .map(|e| (e.weight().operand.unwrap_or(0), e.id().index(), e.source()))
            .collect();
        ops.sort_unstable();
        ops.into_iter().map(|(_, e, s)| (e, s)).collect()
    }

    fn op_parts(&self, o: NodeIndex) -> (Op, Option<f64>, String) {
        match &self.trace.graph[o] {
            TraceNode::Op {
                op,
                constant,
                label,
                ..
            } => (*op, *constant, label.clone()),
            TraceNode::Value { .. } => (Op::Leaf, None, String::new()),
        }
    }

    /// The forward expression of value `v` (made by op `o`), in names and in numbers with
    /// `p` decimals.
    fn expression(&self, v: NodeIndex, o: NodeIndex, p: usize) -> (String, String) {
        let (op, constant, _) = self.op_parts(o);
        let operands = self.operands(o);
        let terms: Vec<(String, u8)> = operands.iter().map(|&(_, n)| self.trace.term(n)).collect();
        let by_name = expression_in(op, constant, &terms);
        if op == Op::Dot {
            let bias = operands.len() % 2 == 1;
            let mut nums = Vec::new();
            if bias {
                nums.push(num_at(self.data(operands[0].1), p));
            }
            for pair in operands[usize::from(bias)..].chunks(2) {
                let (a, c) = (pair[0].1, pair.get(1).map_or(pair[0].1, |p| p.1));
                nums.push(format!(
                    "{} × {}",
                    factor(self.data(a), p),
                    factor(self.data(c), p)
                ));
            }
            return (by_name, nums.join(" + "));
        }
        let c = constant.map(|c| num_at(c, p)).unwrap_or_default();
        let x = operands.first().map(|&(_, n)| n);
        let y = operands.get(1).map(|&(_, n)| n);
        let by_number = substitute(
            op.formula(),
            &[
                ("out", num_at(self.data(v), p)),
                ("x", x.map(|n| num_at(self.data(n), p)).unwrap_or_default()),
                ("y", y.map(|n| num_at(self.data(n), p)).unwrap_or_default()),
                ("c", c),
            ],
        );
        (by_name, by_number)
    }

    /// The forward step of value `v` (made by op `o`) as an equation: `name = names =
    /// numbers = result`, with as many digits as it takes for the arithmetic on the shown
    /// numbers to give the shown result (see [`agrees`]), else `≈` before the result.
    fn forward_equation(&self, v: NodeIndex, o: NodeIndex) -> (String, String) {
        let (names, numbers, result, sep, _) = settle(|q, p| {
            let (names, numbers) = self.expression(v, o, q);
            (names, numbers, num_at(self.data(v), p))
        });
        let mut parts = vec![self.name(v), names, numbers.clone()];
        parts.dedup();
        let mut equation = parts.join(" = ");
        if parts.last() != Some(&result) {
            let _ = write!(equation, "{sep}{result}");
        }
        (equation, numbers)
    }

    /// The uses of value `v`: every operand edge out of it.
    fn uses(&self, v: NodeIndex) -> Vec<Use> {
        let g = &self.trace.graph;
        let mut out: Vec<Use> = Vec::new();
        let mut edges: Vec<_> = g.edges_directed(v, Direction::Outgoing).collect();
        edges.sort_by_key(|e| e.id().index());
        for e in edges {
            let o = e.target();
            let Some(result) = g.neighbors_directed(o, Direction::Outgoing).next() else {
                continue;
            };
            out.push(Use {
                result,
                local: e.weight().local,
                formula: self.derivative_formula(o, result, e.weight().operand.unwrap_or(0)),
            });
        }
        out
    }

    /// The local derivative of op `o` (result `r`) for operand `k`, as a formula in names.
    fn derivative_formula(&self, o: NodeIndex, r: NodeIndex, k: u32) -> String {
        let (op, constant, _) = self.op_parts(o);
        let operands = self.operands(o);
        let k = k as usize;
        if op == Op::Dot {
            let bias = operands.len() % 2 == 1;
            if bias && k == 0 {
                return "1".into();
            }
            // The partner in the pair (a, c): ∂(a·c)/∂a = c and ∂(a·c)/∂c = a.
            let at = k - usize::from(bias);
            let partner = usize::from(bias) + (at ^ 1);
            return operands
                .get(partner)
                .map_or_else(String::new, |&(_, p)| self.name(p));
        }
        let formula = op.derivative_formula()[k.min(1)];
        substitute(
            formula,
            &[
                ("out", self.name(r)),
                (
                    "x",
                    operands
                        .first()
                        .map(|&(_, p)| self.name(p))
                        .unwrap_or_default(),
                ),
                (
                    "y",
                    operands
                        .get(1)
                        .map(|&(_, p)| self.name(p))
                        .unwrap_or_default(),
                ),
                ("c", constant.map(|c| num_at(c, 12)).unwrap_or_default()),
            ],
        )
    }

    #[allow(clippy::too_many_lines)] // the steps in the order a learner sees them
    fn build(&mut self) {
        let g = &self.trace.graph;
        let root = self.trace.root;
        let big = self.dname(root);

        // Step 0: the inputs.
        let leaves: Vec<NodeIndex> = self
            .values
            .iter()
            .copied()
            .filter(|&v| self.op_of(v).is_none())
            .collect();
        for &l in &leaves {
            self.data_step[l.index()] = 0;
        }
        let mut shown: Vec<String> = leaves
            .iter()
            .take(8)
            .map(|&l| format!("{} = {}", self.name(l), num(self.data(l))))
            .collect();
        if leaves.len() > 8 {
            shown.push(format!("… ({} in all)", leaves.len()));
        }
        let shown = shown.join(", ");
        self.steps.push(Step {
            phase: "start",
            node: None,
            en: format!(
                "Step 0: only the inputs are known: {shown}. Press ▶ to run the forward pass \
                 (orange arrows)."
            ),
            ja: format!(
                "ステップ 0: 分かっているのは入力の値だけです: {shown}。▶ で順伝播（オレンジの矢印）を始めます。"
            ),
        });

        // Forward: every computed value, in creation order.
        let computed: Vec<(NodeIndex, NodeIndex)> = self
            .values
            .iter()
            .filter_map(|&v| self.op_of(v).map(|o| (v, o)))
            .collect();
        for &(v, o) in &computed {
            let step = self.steps.len();
            self.data_step[v.index()] = step;
            self.data_step[o.index()] = step;
            let (equation, _) = self.forward_equation(v, o);
            let label = self.op_parts(o).2;
            self.steps.push(Step {
                phase: "forward",
                node: Some(v),
                en: format!("Forward ({label}): {equation}"),
                ja: format!("順伝播（{label}）: {equation}"),
            });
        }

        // Backward: the output first, then every value in reverse creation order.
        let step = self.steps.len();
        self.grad_step[root.index()] = step;
        let one = num(self.grad(root));
        self.steps.push(Step {
            phase: "backward",
            node: Some(root),
            en: format!(
                "Backward starts at the output: ∂{big}/∂{big} = {one}. From here the gradient \
                 flows back on the blue arrows, multiplied by each node's local derivative."
            ),
            ja: format!(
                "逆伝播は出力から始まります: ∂{big}/∂{big} = {one}。ここから勾配が青の矢印で戻っていき、\
                 ノードを通るたびにその局所的な微分が掛けられます。"
            ),
        });
        for &v in self.values.iter().rev() {
            if v == root {
                continue;
            }
            let step = self.steps.len();
            self.grad_step[v.index()] = step;
            let uses = self.uses(v);
            let name = self.dname(v);
            let chain: Vec<String> = uses
                .iter()
                .map(|u| {
                    let r = self.dname(u.result);
                    format!("∂{big}/∂{r} × ∂{r}/∂{name}")
                })
                .collect();
            let (_, products, result, sep, p) = settle(|q, p| {
                let products: Vec<String> = uses
                    .iter()
                    .map(|u| {
                        format!(
                            "{} × {}",
                            factor(self.grad(u.result), q),
                            factor(u.local, q)
                        )
                    })
                    .collect();
                (String::new(), products.join(" + "), num_at(self.grad(v), p))
            });
            let mut parts = vec![format!("∂{big}/∂{name}")];
            if uses.len() == 1 && uses[0].result == root {
                // ∂L/∂L × ∂L/∂v: the first factor is 1, say it once.
                parts.push(format!("∂{big}/∂{name}"));
            } else {
                parts.push(chain.join(" + "));
            }
            parts.push(products);
            parts.dedup();
            let mut equation = parts.join(" = ");
            let _ = write!(equation, "{sep}{result}");
            let locals: Vec<String> = uses
                .iter()
                .map(|u| {
                    let r = self.dname(u.result);
                    let value = num_at(u.local, p);
                    if u.formula == value {
                        format!("∂{r}/∂{name} = {value}")
                    } else {
                        format!("∂{r}/∂{name} = {} = {value}", u.formula)
                    }
                })
                .collect();
            let mut locals_dedup = locals.clone();
            locals_dedup.dedup();
            let locals = locals_dedup.join(", ");
            let (en, ja) = if uses.len() > 1 {
                (
                    format!(
                        "Backward: {name} is used {} times, so the gradients of the paths add up: \
                         {equation}. Local derivatives: {locals}.",
                        uses.len()
                    ),
                    format!(
                        "逆伝播: {name} は {} か所で使われているので、それぞれの経路の勾配を足し合わせます: \
                         {equation}。局所的な微分: {locals}。",
                        uses.len()
                    ),
                )
            } else {
                (
                    format!("Backward (chain rule): {equation}. Local derivative: {locals}."),
                    format!("逆伝播（連鎖律）: {equation}。局所的な微分: {locals}。"),
                )
            };
            self.steps.push(Step {
                phase: "backward",
                node: Some(v),
                en,
                ja,
            });
        }
        if let Some(last) = self.steps.last_mut() {
            if last.phase == "backward" {
                last.en
                    .push_str(" Done: this is the finished picture, every value and gradient.");
                last.ja.push_str(" 完成: すべての値と勾配がそろいました。");
            }
        }
        // Op nodes take their result's gradient step.
        for n in g.node_indices() {
            if let TraceNode::Op { .. } = g[n] {
                if let Some(r) = g.neighbors_directed(n, Direction::Outgoing).next() {
                    self.grad_step[n.index()] = self.grad_step[r.index()];
                }
            }
        }
    }

    /// Everything the page shows, as JSON.
    fn json(&self, title: &str) -> Json {
        let g = &self.trace.graph;
        let nodes: Vec<Json> = g.node_indices().map(|n| self.node_json(n)).collect();
        let edges: Vec<Json> = g
            .edge_references()
            .map(|e| {
                // A blue arrow is drawn when the gradient it carries is known: at its source's
                // step for an operand edge, at the result's step for an op → result edge.
                let back_step = match e.weight().operand {
                    Some(_) => self.grad_step[e.source().index()],
                    None => self.grad_step[e.target().index()],
                };
                json!({
                    "from": e.source().index(),
                    "to": e.target().index(),
                    "forwardStep": step_json(self.data_step[e.target().index()]),
                    "backwardStep": step_json(back_step),
                })
            })
            .collect();
        let steps: Vec<Json> = self
            .steps
            .iter()
            .map(|st| {
                json!({
                    "phase": st.phase,
                    "node": st.node.map(NodeIndex::index),
                    "en": st.en,
                    "ja": st.ja,
                })
            })
            .collect();
        json!({
            "title": title,
            "root": self.trace.root.index(),
            "nodes": nodes,
            "edges": edges,
            "steps": steps,
        })
    }

    /// One node of [`json`](Self::json): its steps, and a value's numbers and equations or
    /// an op's label and result.
    fn node_json(&self, n: NodeIndex) -> Json {
        let g = &self.trace.graph;
        let (class, _) = kind(self.trace, n);
        let index = match &g[n] {
            TraceNode::Value { index, .. } | TraceNode::Op { index, .. } => *index,
        };
        let mut node = json!({
            "id": n.index(),
            "index": index,
            "kind": class,
            "dataStep": step_json(self.data_step[n.index()]),
            "gradStep": step_json(self.grad_step[n.index()]),
        });
        let fields = node.as_object_mut().expect("an object");
        match &g[n] {
            TraceNode::Value { data, grad, .. } => {
                fields.insert("label".into(), self.name(n).into());
                fields.insert("data".into(), (*data).into());
                fields.insert("grad".into(), (*grad).into());
                fields.insert("dataText".into(), num(*data).into());
                fields.insert("gradText".into(), num(*grad).into());
                if let Some(o) = self.op_of(n) {
                    let (op, _, label) = self.op_parts(o);
                    let locals: Vec<Json> = self
                        .operands(o)
                        .iter()
                        .enumerate()
                        .map(|(k, &(e, p))| {
                            let local = g
                                .edge_weight(petgraph::graph::EdgeIndex::new(e))
                                .map_or(f64::NAN, |w| w.local);
                            json!([
                                format!("∂{}/∂{}", self.dname(n), self.dname(p)),
                                self.derivative_formula(o, n, u32::try_from(k).unwrap_or(0)),
                                num(local),
                            ])
                        })
                        .collect();
                    fields.insert("op".into(), label.into());
                    fields.insert("formula".into(), op.formula().into());
                    fields.insert("expr".into(), self.expression(n, o, 4).0.into());
                    fields.insert("exprNumbers".into(), self.forward_equation(n, o).1.into());
                    fields.insert("locals".into(), locals.into());
                }
            }
            TraceNode::Op { label, .. } => {
                let result = g.neighbors_directed(n, Direction::Outgoing).next();
                fields.insert("label".into(), label.as_str().into());
                fields.insert("result".into(), result.map(NodeIndex::index).into());
            }
        }
        node
    }
}

/// A number as captions write it (the drawings' [`format_number`]).
fn num(x: f64) -> String {
    format_number(x)
}

/// A number with `p` decimals ([`format_digits`]), and at least `p` significant digits
/// below 1 (`0.01349`, not `0.0135`), so that a product with it can come out right.
fn num_at(x: f64, p: usize) -> String {
    // The zeros right after the point (`0.0135` has one); scientific notation (below 1e-3)
    // keeps its mantissa digits.
    let mut a = x.abs();
    let mut extra = 0;
    while (1e-3..0.1).contains(&a) {
        a *= 10.0;
        extra += 1;
    }
    format_digits(x, p + extra)
}

/// The most decimals a caption's result shows, and how many more its operands may show:
/// past these, a result that still does not add up is marked `≈` (it happens only where f64
/// rounding itself shows).
const MAX_DIGITS: usize = 9;
const MAX_EXTRA: usize = 4;

/// Tries 4, 5, … [`MAX_DIGITS`] decimals for the result, and for each as many or up to
/// [`MAX_EXTRA`] more for the operands (a product with a large factor needs its other
/// factor finer than the result): `make(operands, result)` gives (text, numbers, result);
/// returns the first whose numbers, worked out, round to the shown result, with ` = ` as the
/// separator before the result; else the 4-decimal one with ` ≈ `.
fn settle(make: impl Fn(usize, usize) -> (String, String, String)) -> Settled {
    for p in 4..=MAX_DIGITS {
        for q in p..=p + MAX_EXTRA {
            let (a, numbers, result) = make(q, p);
            if agrees(&numbers, &result) {
                return (a, numbers, result, " = ", q);
            }
        }
    }
    let (a, numbers, result) = make(4, 4);
    (a, numbers, result, " ≈ ", 4)
}

/// What [`settle`] chose: (text, numbers, result, separator, the operands' decimals).
type Settled = (String, String, String, &'static str, usize);

/// The number of decimals a shown number carries (its mantissa's, plus one, for
/// scientific notation, as [`format_digits`] writes it).
fn digits_of(shown: &str) -> usize {
    let mantissa = shown.split('e').next().unwrap_or(shown);
    let d = mantissa.split('.').nth(1).map_or(0, str::len);
    if shown.contains('e') { d + 1 } else { d }
}

/// Whether the arithmetic written in `numbers` (numbers, `+ − × / ^` and brackets), worked
/// out exactly as written, rounds to `shown` at the digits `shown` has. Text that is not
/// plain arithmetic (`exp(0.5)`) cannot be checked by a reader either, and agrees.
fn agrees(numbers: &str, shown: &str) -> bool {
    let Some(value) = eval_arithmetic(numbers) else {
        return true;
    };
    let Ok(target) = shown.parse::<f64>() else {
        return numbers == shown;
    };
    if !value.is_finite() || !target.is_finite() {
        return value.to_bits() == target.to_bits() || value == target;
    }
    let half_unit = if let Some((m, e)) = shown.split_once('e') {
        let d = m.split('.').nth(1).map_or(0, str::len);
        let e: i32 = e.parse().unwrap_or(0);
        0.5 * 10f64.powi(e - i32::try_from(d).unwrap_or(0))
    } else {
        0.5 * 10f64.powi(-i32::try_from(digits_of(shown)).unwrap_or(0))
    };
    (value - target).abs() <= half_unit * (1.0 + 1e-9)
}

/// Evaluates plain arithmetic as captions write it: numbers (`-3`, `1.5e-4`), `+`, `−`/`-`,
/// `×`, `/`, `^` and parentheses, with the usual precedence. `None` for anything else.
fn eval_arithmetic(text: &str) -> Option<f64> {
    let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.is_empty() {
        return None;
    }
    let mut at = 0;
    let v = sum(&chars, &mut at)?;
    (at == chars.len()).then_some(v)
}

fn sum(c: &[char], at: &mut usize) -> Option<f64> {
    let mut v = product(c, at)?;
    while let Some(&op) = c.get(*at) {
        match op {
            '+' => {
                *at += 1;
                v += product(c, at)?;
            }
            '−' | '-' => {
                *at += 1;
                v -= product(c, at)?;
            }
            _ => break,
        }
    }
    Some(v)
}

fn product(c: &[char], at: &mut usize) -> Option<f64> {
    let mut v = power(c, at)?;
    while let Some(&op) = c.get(*at) {
        match op {
            '×' | '*' | '·' => {
                *at += 1;
                v *= power(c, at)?;
            }
            '/' => {
                *at += 1;
                v /= power(c, at)?;
            }
            _ => break,
        }
    }
    Some(v)
}

fn power(c: &[char], at: &mut usize) -> Option<f64> {
    let base = atom(c, at)?;
    if c.get(*at) == Some(&'^') {
        *at += 1;
        let e = power(c, at)?;
        return Some(base.powf(e));
    }
    Some(base)
}

fn atom(c: &[char], at: &mut usize) -> Option<f64> {
    match c.get(*at)? {
        '(' => {
            *at += 1;
            let v = sum(c, at)?;
            (c.get(*at) == Some(&')')).then(|| *at += 1)?;
            Some(v)
        }
        '−' | '-' => {
            *at += 1;
            Some(-atom(c, at)?)
        }
        d if d.is_ascii_digit() => {
            let start = *at;
            while c.get(*at).is_some_and(|&d| d.is_ascii_digit() || d == '.') {
                *at += 1;
            }
            if c.get(*at) == Some(&'e') {
                *at += 1;
                if c.get(*at) == Some(&'-') {
                    *at += 1;
                }
                while c.get(*at).is_some_and(char::is_ascii_digit) {
                    *at += 1;
                }
            }
            c[start..*at].iter().collect::<String>().parse().ok()
        }
        _ => None,
    }
}

/// A number as a factor of a product: negative ones in parentheses, `1.1 × (-2)`.
fn factor(x: f64, p: usize) -> String {
    let s = num_at(x, p);
    if s.starts_with('-') {
        format!("({s})")
    } else {
        s
    }
}

/// A step for the page: `null` for `usize::MAX`, the step of a node no step reveals.
fn step_json(step: usize) -> Option<usize> {
    (step != usize::MAX).then_some(step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_take_names_and_parenthesise_compound_ones() {
        let v = |s: &str| s.to_string();
        assert_eq!(substitute("exp(x)", &[("x", v("−x"))]), "exp(−x)");
        assert_eq!(
            substitute("−c / x²", &[("c", v("1")), ("x", v("1 + exp(−x)"))]),
            "−1 / (1 + exp(−x))²"
        );
        assert_eq!(substitute("y", &[("y", v("apple_num"))]), "apple_num");
        assert_eq!(substitute("1 − out²", &[("out", v("-0.5"))]), "1 − (-0.5)²");
        assert_eq!(substitute("max(x, 0)", &[("x", v("a"))]), "max(a, 0)");
    }

    #[test]
    fn xor_page_is_written_for_a_look() {
        // Not a check: writes target/viewer/xor_like.html to look at while working.
        let g = crate::Graph::new();
        let x = g.value(0.5).named("x");
        let y = g.scoped("layer", || (x * x + x.exp()).tanh()).named("y");
        y.backward();
        let page = to_html(y, &DrawOptions::default());
        assert!(page.contains("is used 3 times"), "x feeds ×, × and exp");
    }

    #[test]
    fn json_strings_cannot_close_the_script_element() {
        let data = json!({"label": "</script>", "data": f64::NAN});
        assert_eq!(
            script_json(&data),
            r#"{"data":null,"label":"\u003c/script\u003e"}"#
        );
    }
}
