//! scalargrad in the browser: the live pages' engine.
//!
//! The whole interface is one function, [`handle`]: a JSON request in, a JSON answer out.
//! Compiled to WebAssembly (`wasm32-unknown-unknown`), it is exported through a hand-written
//! C ABI (`sg_alloc`, `sg_call`, `sg_result_len`, `sg_free`): the page's loader
//! (`web/engine.js`, written into `graphs/scalargrad_engine.js` by the `build-engine` command)
//! copies the request's UTF-8 bytes into linear memory, calls `sg_call`, and reads the answer
//! back. No generated glue and no second tool: the module imports nothing.
//!
//! Why a hand-written C ABI and not wasm-bindgen: the interface is one string in and one out,
//! which needs four exports and twenty lines of loader; wasm-bindgen would add a CLI that must
//! match the library's version exactly (another `cargo install`, in CI too), generated glue to
//! commit, and nothing this interface uses. The module imports nothing, so the loader passes
//! an empty import object.
//!
//! Requests (`"fn"` picks one):
//! - `page {recipe, values, title}`: builds a [`Recipe`] with these leaf values, runs
//!   backward, and answers [`viz::live_data`]: `{svg, data}`.
//! - `probe {recipe, values, leaf, lr}`: for one leaf, its gradient, the central finite
//!   difference, and one SGD step `w ← w − lr·g` with the output before and after.
//! - `evaluate {source, inputs}`: the expression language ([`scalargrad::expr`]):
//!   `{value, grads}` or `{error: {message, column}}`.
//! - `expr {source, inputs, title}`: the playground: `{variables, svg, data}` or
//!   `{error: {message, column}, variables}`.
//! - `bench {workload}`: runs W1 or W2 of `dev/bench/main.rs` once (the page times it).
//! - `train.new`, `train.step`, `train.run`, `train.inspect`: the training page
//!   (`graphs/train.html`), a [`scalargrad::train::Session`] kept between calls; see [`train`].
//!
//! Numbers travel as JSON numbers, except NaN and the infinities, which JSON lacks: they are
//! the strings `"#NaN"`, `"#inf"` and `"#-inf"` both ways.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use scalargrad::viz::{self, DrawOptions, Recipe, RecipeNode};
use scalargrad::{Graph, Value, expr};
use serde_json::Value as Json;

pub mod bench;
pub mod train;

/// Answers one request (see the crate docs); never panics on any input.
#[must_use]
pub fn handle(request: &str) -> String {
    let answer = serde_json::from_str::<Json>(request)
        .map_err(|e| format!("the request is not JSON: {e}"))
        .and_then(|req| dispatch(&req));
    match answer {
        Ok(text) => text,
        Err(message) => error_json(&message, None),
    }
}

fn dispatch(req: &Json) -> Result<String, String> {
    match req.get("fn").and_then(Json::as_str) {
        Some("page") => page(req),
        Some("probe") => probe(req),
        Some("evaluate") => Ok(evaluate(req)),
        Some("expr") => Ok(playground(req)),
        Some("bench") => bench::run(req.get("workload").and_then(Json::as_str).unwrap_or("")),
        Some(f) if f.starts_with("train.") => train::handle(req),
        Some(other) => Err(format!("unknown request `{other}`")),
        None => Err("the request has no \"fn\"".into()),
    }
}

/// `{"error": {"message": …, "column": …}}`.
fn error_json(message: &str, column: Option<usize>) -> String {
    let mut s = String::from("{\"error\":{\"message\":");
    s.push_str(&Json::String(message.into()).to_string());
    let _ = write!(
        s,
        ",\"column\":{}}}}}",
        column.map_or_else(|| "null".into(), |c| c.to_string())
    );
    s
}

/// A number from JSON: a number, or `"#NaN"`, `"#inf"`, `"#-inf"`.
fn number(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => match s.as_str() {
            "#NaN" => Some(f64::NAN),
            "#inf" => Some(f64::INFINITY),
            "#-inf" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

fn str_json(s: &str) -> String {
    Json::String(s.into()).to_string()
}

/// The recipe of a request, read from the JSON that [`Recipe::to_json`] writes.
fn recipe(req: &Json) -> Result<Recipe, String> {
    let r = req.get("recipe").ok_or("no \"recipe\"")?;
    let root = r
        .get("root")
        .and_then(Json::as_u64)
        .ok_or("recipe: no \"root\"")?;
    let nodes = r
        .get("nodes")
        .and_then(Json::as_array)
        .ok_or("recipe: no \"nodes\"")?;
    let mut out = Vec::with_capacity(nodes.len());
    for (i, n) in nodes.iter().enumerate() {
        let bad = |what: &str| format!("recipe node {i}: {what}");
        let op_name = n
            .get("op")
            .and_then(Json::as_str)
            .ok_or_else(|| bad("no op"))?;
        let op = viz::op_from_name(op_name).ok_or_else(|| bad(&format!("unknown op {op_name}")))?;
        let parents = n
            .get("parents")
            .and_then(Json::as_array)
            .ok_or_else(|| bad("no parents"))?
            .iter()
            .map(|p| {
                p.as_u64()
                    .and_then(|p| usize::try_from(p).ok())
                    .ok_or_else(|| bad("a parent is not an index"))
            })
            .collect::<Result<Vec<usize>, String>>()?;
        let constant = match n.get("constant") {
            None | Some(Json::Null) => None,
            Some(c) => Some(number(c).ok_or_else(|| bad("constant is not a number"))?),
        };
        let name = n.get("name").and_then(Json::as_str).map(String::from);
        let scope = n
            .get("scope")
            .and_then(Json::as_array)
            .map(|s| {
                s.iter()
                    .filter_map(Json::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        let data = n.get("data").and_then(number).unwrap_or(f64::NAN);
        out.push(RecipeNode {
            op,
            parents,
            constant,
            name,
            scope,
            data,
        });
    }
    Ok(Recipe {
        nodes: out,
        root: usize::try_from(root).map_err(|_| "recipe: root out of range")?,
    })
}

/// The recipe embedded in a page that [`viz::to_html`] wrote (its `<script id="data">`).
///
/// # Errors
/// When the page has no data or the data no recipe.
pub fn recipe_of_page(html: &str) -> Result<Recipe, String> {
    let start = html
        .find("<script id=\"data\" type=\"application/json\">")
        .ok_or("the page has no data")?;
    let rest = &html[start..];
    let open = rest.find('>').ok_or("the page has no data")? + 1;
    let close = rest
        .find("</script>")
        .ok_or("the page's data does not end")?;
    let data: Json = serde_json::from_str(&rest[open..close]).map_err(|e| e.to_string())?;
    recipe(&data)
}

/// The URL keys of a recipe's leaves, as `live.js` makes them: the label, and `label~i`
/// when an earlier leaf has the same label.
#[must_use]
pub fn leaf_keys(recipe: &Recipe) -> Vec<(usize, String)> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for (i, n) in recipe.nodes.iter().enumerate() {
        if n.op != scalargrad::Op::Leaf {
            continue;
        }
        let mut k = recipe.label(i);
        if !seen.insert(k.clone()) {
            k = format!("{k}~{i}");
        }
        out.push((i, k));
    }
    out
}

/// The leaf values of a request: one per recipe node (`null` keeps the recipe's).
fn values(req: &Json, recipe: &Recipe) -> Result<Vec<f64>, String> {
    let mut out = recipe.values();
    if let Some(given) = req.get("values") {
        let given = given.as_array().ok_or("\"values\" is not an array")?;
        if given.len() != out.len() {
            return Err(format!(
                "{} values for a recipe of {} nodes",
                given.len(),
                out.len()
            ));
        }
        for (slot, v) in out.iter_mut().zip(given) {
            if !v.is_null() {
                *slot = number(v).ok_or("a value is not a number")?;
            }
        }
    }
    Ok(out)
}

fn options(req: &Json) -> DrawOptions {
    DrawOptions {
        title: req.get("title").and_then(Json::as_str).map(String::from),
        ..DrawOptions::backward()
    }
}

/// Builds the recipe with these values and runs backward.
fn built<'g>(g: &'g Graph, recipe: &Recipe, values: &[f64]) -> Result<Value<'g>, String> {
    let out = recipe.build(g, values).map_err(|e| e.to_string())?;
    out.backward();
    Ok(out)
}

fn page(req: &Json) -> Result<String, String> {
    let recipe = recipe(req)?;
    let values = values(req, &recipe)?;
    let g = Graph::new();
    let out = built(&g, &recipe, &values)?;
    Ok(viz::live_data(out, &options(req)))
}

/// The output of the recipe at these values (forward only).
fn output(recipe: &Recipe, values: &[f64]) -> Result<f64, String> {
    let g = Graph::new();
    Ok(recipe.build(&g, values).map_err(|e| e.to_string())?.data())
}

/// The step of the finite difference at `w`: ∛ε·max(1, |w|), which balances the central
/// difference's truncation error (∝ h²) against rounding (∝ ε/h).
#[must_use]
pub fn fd_step(w: f64) -> f64 {
    f64::EPSILON.cbrt() * w.abs().max(1.0)
}

fn probe(req: &Json) -> Result<String, String> {
    let recipe = recipe(req)?;
    let values = values(req, &recipe)?;
    let leaf = req
        .get("leaf")
        .and_then(Json::as_u64)
        .and_then(|l| usize::try_from(l).ok())
        .filter(|&l| l < recipe.nodes.len() && recipe.nodes[l].op == scalargrad::Op::Leaf)
        .ok_or("\"leaf\" is not a leaf of the recipe")?;
    let lr = req.get("lr").and_then(number).unwrap_or(0.01);
    let g = Graph::new();
    let out = built(&g, &recipe, &values)?;
    // The leaf's handle in the built graph: the recipe's nodes are built in order.
    let w = values[leaf];
    let grad = leaf_grad(out, &recipe, leaf);
    let h = fd_step(w);
    let at = |x: f64| {
        let mut v = values.clone();
        v[leaf] = x;
        output(&recipe, &v)
    };
    let fd = (at(w + h)? - at(w - h)?) / (2.0 * h);
    let step = lr * grad;
    let new_w = w - step;
    let new_out = at(new_w)?;
    let f = viz::format_number;
    Ok(format!(
        "{{\"leaf\":{leaf},\"label\":{},\"output\":{},\"outputLabel\":{},\"w\":{},\"grad\":{},\"h\":{},\"fd\":{},\"lr\":{},\"newW\":{},\"newOutput\":{},\
         \"text\":{{\"w\":{},\"grad\":{},\"h\":{},\"fd\":{},\"lr\":{},\"step\":{},\"newW\":{},\"output\":{},\"newOutput\":{}}}}}",
        str_json(&recipe.label(leaf)),
        viz::json_number(out.data()),
        str_json(&recipe.label(recipe.root)),
        viz::json_number(w),
        viz::json_number(grad),
        viz::json_number(h),
        viz::json_number(fd),
        viz::json_number(lr),
        viz::json_number(new_w),
        viz::json_number(new_out),
        str_json(&f(w)),
        str_json(&f(grad)),
        str_json(&f(h)),
        str_json(&f(fd)),
        str_json(&f(lr)),
        str_json(&f(step)),
        str_json(&f(new_w)),
        str_json(&f(out.data())),
        str_json(&f(new_out)),
    ))
}

/// The gradient that backward left on recipe node `leaf` of the graph behind `out`.
fn leaf_grad(out: Value<'_>, recipe: &Recipe, leaf: usize) -> f64 {
    // Walk the trace in creation order: its value nodes are the recipe's nodes, in order.
    let t = viz::trace(out);
    t.graph
        .node_weights()
        .filter_map(|n| match n {
            viz::TraceNode::Value { grad, .. } => Some(*grad),
            viz::TraceNode::Op { .. } => None,
        })
        .nth(leaf)
        .filter(|_| leaf < recipe.nodes.len())
        .unwrap_or(f64::NAN)
}

/// The inputs of a request: `{"x": 1.5, …}`.
fn inputs(req: &Json) -> Result<BTreeMap<String, f64>, String> {
    let mut out = BTreeMap::new();
    match req.get("inputs") {
        None | Some(Json::Null) => {}
        Some(Json::Object(map)) => {
            for (k, v) in map {
                let x = number(v).ok_or_else(|| format!("input `{k}` is not a number"))?;
                out.insert(k.clone(), x);
            }
        }
        Some(_) => return Err("\"inputs\" is not an object".into()),
    }
    Ok(out)
}

fn source(req: &Json) -> &str {
    req.get("source").and_then(Json::as_str).unwrap_or("")
}

fn evaluate(req: &Json) -> String {
    let inputs = match inputs(req) {
        Ok(i) => i,
        Err(e) => return error_json(&e, None),
    };
    match expr::evaluate(source(req), &inputs) {
        Ok(ev) => {
            let grads: Vec<String> = ev
                .grads
                .iter()
                .map(|(k, v)| format!("{}:{}", str_json(k), viz::json_number(*v)))
                .collect();
            format!(
                "{{\"value\":{},\"grads\":{{{}}}}}",
                viz::json_number(ev.value),
                grads.join(",")
            )
        }
        Err(e) => error_json(&e.message, Some(e.column)),
    }
}

/// The most nodes the playground draws: a picture of more is unreadable, and the layout
/// grows faster than the node count where one value has many uses (150 nodes with `x` used
/// 50 times: 0.7 s natively; 80 nodes: 0.3 s), longer than a learner waits. `evaluate` has no limit.
pub const MAX_DRAWN: usize = 80;

/// The value a playground variable starts with when the learner has not given one.
pub const DEFAULT_INPUT: f64 = 1.0;

fn playground(req: &Json) -> String {
    let mut inputs = match inputs(req) {
        Ok(i) => i,
        Err(e) => return error_json(&e, None),
    };
    let program = match expr::parse(source(req)) {
        Ok(p) => p,
        Err(e) => return error_json(&e.message, Some(e.column)),
    };
    let variables = program.variables();
    let names: Vec<String> = variables.iter().map(|v| str_json(v)).collect();
    let names = names.join(",");
    for v in &variables {
        inputs.entry(v.clone()).or_insert(DEFAULT_INPUT);
    }
    let g = Graph::new();
    match program.build(&g, &inputs) {
        Ok(b) if g.node_count() > MAX_DRAWN => {
            let err = error_json(
                &format!(
                    "the graph has {} nodes; the playground draws at most {MAX_DRAWN} \
                     (window.scalargrad.evaluate computes it: value {})",
                    g.node_count(),
                    viz::format_number(b.output.data())
                ),
                Some(0),
            );
            format!("{{\"variables\":[{names}],{}", &err[1..])
        }
        Ok(b) => {
            b.output.backward();
            let live = viz::live_data(b.output, &options(req));
            // live_data is an object: add the variables in front.
            format!("{{\"variables\":[{names}],{}", &live[1..])
        }
        Err(e) => {
            let err = error_json(&e.message, Some(e.column));
            format!("{{\"variables\":[{names}],{}", &err[1..])
        }
    }
}

/// The playground page (`graphs/playground.html`): the live page of `source` with `inputs`,
/// and a source editor above the picture.
///
/// # Errors
/// When `source` does not parse or build: the error's message and column.
pub fn playground_page(source: &str, inputs: &BTreeMap<String, f64>) -> Result<String, String> {
    let program = expr::parse(source).map_err(|e| format!("column {}: {}", e.column, e.message))?;
    let g = Graph::new();
    let built = program
        .build(&g, inputs)
        .map_err(|e| format!("column {}: {}", e.column, e.message))?;
    built.output.backward();
    let page = viz::to_html(
        built.output,
        &DrawOptions {
            title: Some("scalargrad playground".into()),
            ..DrawOptions::backward()
        },
    );
    let start: Vec<String> = inputs
        .iter()
        .map(|(k, v)| format!("{}:{}", str_json(k), viz::json_number(*v)))
        .collect();
    let editor = format!(
        "<section id=\"source\" data-inputs=\"{}\">\n<label for=\"source-text\">expression · 式</label>\n\
         <textarea id=\"source-text\" rows=\"4\" spellcheck=\"false\" autocomplete=\"off\">{}</textarea>\n\
         <pre id=\"source-error\" hidden></pre>\n</section>\n<main id=\"view\">",
        html_escape(&format!("{{{}}}", start.join(","))),
        html_escape(source)
    );
    let page = page.replacen("<main id=\"view\">", &editor, 1);
    // The engine loads with the page (the book pages load it from live.js).
    Ok(page.replacen(
        "<script id=\"data\"",
        "<script src=\"scalargrad_engine.js\"></script>\n<script id=\"data\"",
        1,
    ))
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

// ------------------------------------------------------------------ the C ABI

/// The length of the last answer of `sg_call`.
#[cfg(target_arch = "wasm32")]
static mut RESULT_LEN: usize = 0;

/// Allocates `len` bytes for the loader to write a request into (never null: 1 byte at
/// least).
#[cfg(target_arch = "wasm32")]
#[unsafe(no_mangle)]
pub extern "C" fn sg_alloc(len: usize) -> *mut u8 {
    let mut v = Vec::<u8>::with_capacity(len.max(1));
    let p = v.as_mut_ptr();
    std::mem::forget(v);
    p
}

/// Frees a buffer of `sg_alloc` or an answer of `sg_call`.
///
/// # Safety
/// `ptr` and `len` must be one allocation of `sg_alloc(len)` (or an answer and its
/// `sg_result_len`), not freed before.
#[cfg(target_arch = "wasm32")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_free(ptr: *mut u8, len: usize) {
    // SAFETY: the caller passes back an allocation of capacity `len.max(1)`.
    drop(unsafe { Vec::from_raw_parts(ptr, 0, len.max(1)) });
}

/// Answers the request in the `len` bytes at `ptr` (which it frees), and returns the
/// answer's address; its length is `sg_result_len`. Free it with `sg_free`.
///
/// # Safety
/// `ptr` must be an allocation of `sg_alloc(len)` holding `len` bytes written by the caller.
#[cfg(target_arch = "wasm32")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sg_call(ptr: *mut u8, len: usize) -> *mut u8 {
    // SAFETY: the caller wrote `len` bytes into this allocation of capacity `len.max(1)`.
    let bytes = unsafe { Vec::from_raw_parts(ptr, len, len.max(1)) };
    let answer = match String::from_utf8(bytes) {
        Ok(request) => handle(&request),
        Err(_) => error_json("the request is not UTF-8", None),
    };
    let mut bytes = answer.into_bytes();
    bytes.shrink_to_fit();
    let len = bytes.len();
    // shrink_to_fit may keep a larger capacity; copy into an exact one.
    let mut exact = Vec::with_capacity(len.max(1));
    exact.extend_from_slice(&bytes);
    let p = exact.as_mut_ptr();
    std::mem::forget(exact);
    // SAFETY: one thread (WebAssembly without threads); read right after by the loader.
    unsafe { RESULT_LEN = len };
    p
}

/// The length in bytes of the last answer of `sg_call`.
#[cfg(target_arch = "wasm32")]
#[unsafe(no_mangle)]
pub extern "C" fn sg_result_len() -> usize {
    // SAFETY: one thread; see sg_call.
    unsafe { RESULT_LEN }
}
