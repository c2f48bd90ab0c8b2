//! The training page's requests (`graphs/train.html`, issue 24): a [`Session`] kept between
//! calls, driven one slice of steps per animation frame.
//!
//! Requests (`"fn"` picks one; every answer is JSON, errors are `{"error": {"message"}}`):
//! - `train.new {config}`: a new session (see [`config`] for the fields); answers
//!   the points, the bounds, the layers (sizes and activations), the weights and the state.
//! - `train.step {steps, grid?, neurons?}`: `steps` steps (at most 100,000), then the state,
//!   each step's `[step, epoch, loss]`, and, when asked, the decision regions on an
//!   `nx`×`ny` grid (`grid: {nx, ny}`), each neuron's output on a smaller one (`neurons:
//!   {nx, ny}`), and the weights; the grids cover `bounds {xMin, xMax, yMin, yMax}`, by
//!   default the points' ([`Bounds::around`]).
//! - `train.run {config, epochs}`: a new session trained for `epochs` epochs in one call:
//!   `{losses: [[epoch, loss], …]}` for every epoch (the loss before that epoch's update),
//!   and the state after. The page's hook `window.scalargrad.train` calls it.
//! - `train.inspect {sample}`: sample `i`'s loss with the current weights as a step-by-step
//!   page ([`viz::to_html`]), its loss, the loss the session computes for it, and each
//!   parameter's last update.
//!
//! The session lives in a graph leaked once and cleared for each new session: WebAssembly
//! here has one thread, and the page keeps one session at a time.

use std::cell::RefCell;
use std::fmt::Write as _;

use scalargrad::Graph;
use scalargrad::nn::Activation;
use scalargrad::train::{Batch, Bounds, Config, Data, Optimizer, Output, Point, Schedule, Session};
use scalargrad::viz::{self, DrawOptions};
use serde_json::Value as Json;

thread_local! {
    /// The graph every session of this thread lives in.
    static GRAPH: &'static Graph = Box::leak(Box::new(Graph::new()));
    /// The current session.
    static SESSION: RefCell<Option<Session<'static>>> = const { RefCell::new(None) };
}

/// The most steps one `train.step` or `train.run` request may take.
const MAX_STEPS: u64 = 100_000;

/// Answers a `train.*` request.
///
/// # Errors
/// A message naming what is wrong with the request (the page shows it).
pub fn handle(req: &Json) -> Result<String, String> {
    match req.get("fn").and_then(Json::as_str) {
        Some("train.new") => {
            let config = config(req.get("config").unwrap_or(&Json::Null))?;
            with_new_session(config, |s| Ok(describe(s)))
        }
        Some("train.step") => with_session(|s| step(s, req)),
        Some("train.run") => {
            let config = config(req.get("config").unwrap_or(&Json::Null))?;
            let epochs = req.get("epochs").and_then(Json::as_u64).unwrap_or(1);
            if epochs > MAX_STEPS {
                return Err(format!("epochs: at most {MAX_STEPS}, found {epochs}"));
            }
            with_new_session(config, |s| Ok(run(s, epochs)))
        }
        Some("train.inspect") => with_session(|s| inspect(s, req)),
        Some(other) => Err(format!("unknown request `{other}`")),
        None => Err("the request has no \"fn\"".into()),
    }
}

fn with_new_session(
    config: Config,
    f: impl FnOnce(&mut Session<'static>) -> Result<String, String>,
) -> Result<String, String> {
    SESSION.with(|cell| {
        let mut slot = cell.borrow_mut();
        // Drop the old session before its nodes go.
        *slot = None;
        let graph = GRAPH.with(|g| *g);
        graph.clear();
        let session = Session::new(graph, config).map_err(|e| e.to_string())?;
        f(slot.insert(session))
    })
}

fn with_session(
    f: impl FnOnce(&mut Session<'static>) -> Result<String, String>,
) -> Result<String, String> {
    SESSION.with(|cell| match cell.borrow_mut().as_mut() {
        Some(s) => f(s),
        None => Err("no training session: send train.new first".into()),
    })
}

// ------------------------------------------------------------------ the configuration

fn field<'a>(obj: &'a Json, key: &str) -> Option<&'a Json> {
    obj.get(key).filter(|v| !v.is_null())
}

fn f64_field(obj: &Json, key: &str) -> Result<Option<f64>, String> {
    field(obj, key)
        .map(|v| v.as_f64().ok_or_else(|| format!("{key} is not a number")))
        .transpose()
}

fn usize_field(obj: &Json, key: &str) -> Result<Option<usize>, String> {
    field(obj, key)
        .map(|v| {
            v.as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| format!("{key} is not a whole number ≥ 0"))
        })
        .transpose()
}

fn str_field<'a>(obj: &'a Json, key: &str) -> Result<Option<&'a str>, String> {
    field(obj, key)
        .map(|v| v.as_str().ok_or_else(|| format!("{key} is not a string")))
        .transpose()
}

/// A [`Config`] from JSON: `preset` (`"tutorial"` or `"moons"`, default the tutorial's) and
/// any of `data {kind: xor|micrograd_moons|moons|circle|spiral|points, size, noise, seed,
/// points: [[x1, x2, class], …]}`, `hidden [widths]`, `activation` (sigmoid|tanh|relu),
/// `output` (softmax|hinge), `bias`, `seed`, `optimizer` (sgd|adam|amsgrad|adagrad|rmsprop|adamw), `lr`, `decay`
/// (steps of micrograd's linear decay, or null), `batch` (0 for full, else the mini-batch
/// size), `l2`. The preset's initial weights are kept while the network's shape is.
///
/// # Errors
/// A message naming the field that is wrong.
pub fn config(j: &Json) -> Result<Config, String> {
    let mut c = match str_field(j, "preset")? {
        None | Some("tutorial") => Config::tutorial(),
        Some("moons") => Config::moons(),
        Some(other) => return Err(format!("preset: unknown preset `{other}`")),
    };
    let shape = (c.hidden.clone(), c.bias, c.output);
    if let Some(d) = field(j, "data") {
        c.data = data(d)?;
    }
    if let Some(h) = field(j, "hidden") {
        let h = h.as_array().ok_or("hidden is not an array")?;
        c.hidden = h
            .iter()
            .map(|w| {
                w.as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or("hidden: a width is not a whole number")
            })
            .collect::<Result<_, _>>()?;
    }
    if let Some(a) = str_field(j, "activation")? {
        c.activation = match a {
            "sigmoid" => Activation::Sigmoid,
            "tanh" => Activation::Tanh,
            "relu" => Activation::Relu,
            other => return Err(format!("activation: unknown activation `{other}`")),
        };
    }
    if let Some(o) = str_field(j, "output")? {
        c.output = match o {
            "softmax" => Output::SoftmaxCrossEntropy,
            "hinge" => Output::Hinge,
            other => return Err(format!("output: unknown output `{other}`")),
        };
    }
    if let Some(b) = field(j, "bias") {
        c.bias = b.as_bool().ok_or("bias is not true or false")?;
    }
    if let Some(s) = field(j, "seed") {
        c.seed = s.as_u64().ok_or("seed is not a whole number ≥ 0")?;
        c.init = None;
    }
    if let Some(o) = str_field(j, "optimizer")? {
        c.optimizer = OPTIMIZERS
            .into_iter()
            .find(|&optimizer| optimizer_name(optimizer) == o)
            .ok_or_else(|| format!("optimizer: unknown optimizer `{o}`"))?;
    }
    if let Some(lr) = f64_field(j, "lr")? {
        c.lr = lr;
    }
    if let Some(d) = j.get("decay") {
        c.schedule = match d {
            Json::Null => Schedule::Constant,
            v => Schedule::LinearDecay {
                steps: v.as_u64().ok_or("decay is not a whole number of steps")?,
            },
        };
    }
    if let Some(b) = usize_field(j, "batch")? {
        c.batch = if b == 0 { Batch::Full } else { Batch::Mini(b) };
    }
    if let Some(l2) = f64_field(j, "l2")? {
        c.l2 = l2;
    }
    if (c.hidden.clone(), c.bias, c.output) != shape {
        c.init = None;
    }
    Ok(c)
}

fn data(d: &Json) -> Result<Data, String> {
    let size = usize_field(d, "size")?.unwrap_or(100);
    let noise = f64_field(d, "noise")?.unwrap_or(0.1);
    let seed = field(d, "seed").map_or(Ok(0), |s| {
        s.as_u64().ok_or("data.seed is not a whole number")
    })?;
    Ok(match str_field(d, "kind")?.unwrap_or("xor") {
        "xor" => Data::Xor,
        "micrograd_moons" => Data::MicrogradMoons,
        "moons" => Data::Moons { size, noise, seed },
        "circle" => Data::Circle { size, noise, seed },
        "spiral" => Data::Spiral { size, noise, seed },
        "points" => {
            let pts = field(d, "points")
                .and_then(Json::as_array)
                .ok_or("data.points is not an array")?;
            let mut out = Vec::with_capacity(pts.len());
            for (i, p) in pts.iter().enumerate() {
                let bad = || format!("data.points[{i}] is not [x1, x2, class]");
                let p = p.as_array().filter(|p| p.len() == 3).ok_or_else(bad)?;
                let x1 = p[0].as_f64().ok_or_else(bad)?;
                let x2 = p[1].as_f64().ok_or_else(bad)?;
                let class = p[2]
                    .as_u64()
                    .and_then(|c| usize::try_from(c).ok())
                    .ok_or_else(bad)?;
                out.push(Point { x: [x1, x2], class });
            }
            Data::Points(out)
        }
        other => return Err(format!("data.kind: unknown data `{other}`")),
    })
}

// ------------------------------------------------------------------ answers

/// Every optimizer the page offers.
const OPTIMIZERS: [Optimizer; 6] = [
    Optimizer::Sgd,
    Optimizer::Adam,
    Optimizer::AmsGrad,
    Optimizer::Adagrad,
    Optimizer::RmsProp,
    Optimizer::AdamW,
];

/// The page's name for `optimizer`.
fn optimizer_name(optimizer: Optimizer) -> &'static str {
    match optimizer {
        Optimizer::Sgd => "sgd",
        Optimizer::Adam => "adam",
        Optimizer::AmsGrad => "amsgrad",
        Optimizer::Adagrad => "adagrad",
        Optimizer::RmsProp => "rmsprop",
        Optimizer::AdamW => "adamw",
    }
}

/// A number for a picture: 4 significant digits are plenty for a colour.
fn short(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3e}")
    } else {
        viz::json_number(x)
    }
}

fn list(xs: impl IntoIterator<Item = String>) -> String {
    let v: Vec<String> = xs.into_iter().collect();
    format!("[{}]", v.join(","))
}

fn str_json(s: &str) -> String {
    Json::String(s.into()).to_string()
}

fn state(s: &Session<'_>) -> String {
    format!(
        "{{\"epoch\":{},\"steps\":{},\"loss\":{},\"accuracy\":{}}}",
        s.epoch(),
        s.steps(),
        viz::json_number(s.loss()),
        viz::json_number(s.accuracy())
    )
}

fn bounds_json(b: &Bounds) -> String {
    format!(
        "{{\"xMin\":{},\"xMax\":{},\"yMin\":{},\"yMax\":{}}}",
        viz::json_number(b.x_min),
        viz::json_number(b.x_max),
        viz::json_number(b.y_min),
        viz::json_number(b.y_max)
    )
}

fn activation_name(a: Activation) -> &'static str {
    match a {
        Activation::Identity => "identity",
        Activation::Sigmoid => "sigmoid",
        Activation::Tanh => "tanh",
        Activation::Relu => "relu",
    }
}

/// The points, the bounds of the pictures, the layers (sizes and activations) and the state.
fn describe(s: &Session<'_>) -> String {
    let points = list(s.points().iter().map(|p| {
        format!(
            "[{},{},{}]",
            viz::json_number(p.x[0]),
            viz::json_number(p.x[1]),
            p.class
        )
    }));
    let layers = list(s.model().layers().iter().map(|l| {
        format!(
            "{{\"inputs\":{},\"neurons\":{},\"activation\":{}}}",
            l.nin(),
            l.nout(),
            str_json(activation_name(l.neurons()[0].activation()))
        )
    }));
    let c = s.config();
    format!(
        "{{\"points\":{points},\"bounds\":{},\"layers\":{layers},\"output\":{},\"optimizer\":{},\"weights\":{},\"state\":{}}}",
        bounds_json(&Bounds::around(s.points())),
        str_json(match c.output {
            Output::SoftmaxCrossEntropy => "softmax",
            Output::Hinge => "hinge",
        }),
        str_json(optimizer_name(c.optimizer)),
        weights(s),
        state(s)
    )
}

/// Per layer: `{w: [[per input] per neuron], b: [per neuron] | null}`.
fn weights(s: &Session<'_>) -> String {
    list(s.model().layers().iter().map(|l| {
        let w = list(
            l.neurons()
                .iter()
                .map(|n| list(n.weights().iter().map(|w| viz::json_number(w.data())))),
        );
        let b = if s.config().bias {
            list(l.neurons().iter().map(|n| {
                n.bias()
                    .map_or_else(|| "null".into(), |b| viz::json_number(b.data()))
            }))
        } else {
            "null".into()
        };
        format!("{{\"w\":{w},\"b\":{b}}}")
    }))
}

fn grid_size(j: &Json) -> Result<(usize, usize), String> {
    let nx = usize_field(j, "nx")?.unwrap_or(40);
    let ny = usize_field(j, "ny")?.unwrap_or(nx);
    Ok((nx, ny))
}

fn step(s: &mut Session<'static>, req: &Json) -> Result<String, String> {
    let n = req.get("steps").and_then(Json::as_u64).unwrap_or(1);
    if n > MAX_STEPS {
        return Err(format!("steps: at most {MAX_STEPS}, found {n}"));
    }
    let mut losses = String::from("[");
    for k in 0..n {
        let r = s.step();
        if k > 0 {
            losses.push(',');
        }
        let _ = write!(
            losses,
            "[{},{},{}]",
            r.step,
            r.epoch,
            viz::json_number(r.loss)
        );
    }
    losses.push(']');
    let bounds = match field(req, "bounds") {
        Some(b) => Bounds {
            x_min: f64_field(b, "xMin")?.ok_or("bounds: no xMin")?,
            x_max: f64_field(b, "xMax")?.ok_or("bounds: no xMax")?,
            y_min: f64_field(b, "yMin")?.ok_or("bounds: no yMin")?,
            y_max: f64_field(b, "yMax")?.ok_or("bounds: no yMax")?,
        },
        None => Bounds::around(s.points()),
    };
    let mut out = format!(
        "{{\"state\":{},\"bounds\":{},\"losses\":{losses}",
        state(s),
        bounds_json(&bounds)
    );
    if let Some(g) = field(req, "grid") {
        let (nx, ny) = grid_size(g)?;
        let m = s.predict_grid(nx, ny, &bounds).map_err(|e| e.to_string())?;
        let _ = write!(
            out,
            ",\"grid\":{{\"nx\":{nx},\"ny\":{ny},\"values\":{}}}",
            list(m.into_iter().map(short))
        );
    }
    if let Some(g) = field(req, "neurons") {
        let (nx, ny) = grid_size(g)?;
        let grids = s.neuron_grids(nx, ny, &bounds).map_err(|e| e.to_string())?;
        let _ = write!(
            out,
            ",\"neurons\":{{\"nx\":{nx},\"ny\":{ny},\"values\":{}}}",
            list(grids.into_iter().map(|layer| {
                list(
                    layer
                        .into_iter()
                        .map(|cells| list(cells.into_iter().map(short))),
                )
            }))
        );
    }
    let _ = write!(out, ",\"weights\":{}}}", weights(s));
    Ok(out)
}

fn run(s: &mut Session<'static>, epochs: u64) -> String {
    let mut losses = String::from("[");
    let mut first = true;
    while s.epoch() < epochs {
        let epoch = s.epoch();
        let reports = s.run_epoch();
        // The epoch's loss: its only step's (full batch), or the mean over its batches.
        let loss = if reports.len() == 1 {
            reports[0].loss
        } else {
            let n: usize = reports.iter().map(|r| r.batch_len).sum();
            reports
                .iter()
                .map(|r| r.loss * r.batch_len as f64)
                .sum::<f64>()
                / n as f64
        };
        if !first {
            losses.push(',');
        }
        first = false;
        let _ = write!(losses, "[{epoch},{}]", viz::json_number(loss));
    }
    losses.push(']');
    format!("{{\"losses\":{losses},\"state\":{}}}", state(s))
}

fn inspect(s: &mut Session<'static>, req: &Json) -> Result<String, String> {
    let i = usize_field(req, "sample")?.ok_or("no \"sample\"")?;
    let lang_ja = str_field(req, "lang")? == Some("ja");
    let g = Graph::new();
    let ins = s.inspect(&g, i).map_err(|e| e.to_string())?;
    let p = s.points()[i];
    let title = if lang_ja {
        format!(
            "サンプル {i} (x = ({}, {}), クラス {}) の損失、エポック {} の重みで",
            viz::format_number(p.x[0]),
            viz::format_number(p.x[1]),
            p.class,
            s.epoch()
        )
    } else {
        format!(
            "the loss of sample {i} (x = ({}, {}), class {}) with the weights of epoch {}",
            viz::format_number(p.x[0]),
            viz::format_number(p.x[1]),
            p.class,
            s.epoch()
        )
    };
    let html = viz::to_html(
        ins.loss,
        &DrawOptions {
            title: Some(title),
            ..DrawOptions::backward()
        },
    );
    // Each parameter: where it sits, its value and gradient here, and the session's last
    // update of it (computed from the batch's gradient, not this sample's).
    let mut names = Vec::new();
    for (k, l) in ins.model.layers().iter().enumerate() {
        for (j, n) in l.neurons().iter().enumerate() {
            for w in 0..n.weights().len() {
                names.push(format!("layer {} · neuron {j} · w{w}", k + 1));
            }
            if n.bias().is_some() {
                names.push(format!("layer {} · neuron {j} · b", k + 1));
            }
        }
    }
    let updates = s.last_updates();
    let lr = s.config().lr_at(s.steps().saturating_sub(1));
    let params = list(ins.parameters.iter().enumerate().map(|(k, v)| {
        let u = updates.get(k);
        format!(
            "{{\"name\":{},\"value\":{},\"grad\":{},\"update\":{}}}",
            str_json(&names[k]),
            viz::json_number(v.data()),
            viz::json_number(v.grad()),
            u.map_or_else(
                || "null".into(),
                |u| format!(
                    "{{\"before\":{},\"grad\":{},\"after\":{}}}",
                    viz::json_number(u.before),
                    viz::json_number(u.grad),
                    viz::json_number(u.after)
                )
            )
        )
    }));
    let optimizer = optimizer_name(s.config().optimizer);
    let session_loss = s.sample_loss(i).map_err(|e| e.to_string())?;
    Ok(format!(
        "{{\"sample\":{i},\"epoch\":{},\"steps\":{},\"loss\":{},\"sessionLoss\":{},\"lr\":{},\"optimizer\":{},\"parameters\":{params},\"html\":{}}}",
        s.epoch(),
        s.steps(),
        viz::json_number(ins.loss.data()),
        viz::json_number(session_loss),
        viz::json_number(lr),
        str_json(optimizer),
        str_json(&html)
    ))
}

#[cfg(test)]
mod tests {
    use super::handle;
    use serde_json::Value as Json;

    fn call(req: &str) -> Json {
        let req: Json = serde_json::from_str(req).unwrap();
        serde_json::from_str(&handle(&req).unwrap()).unwrap()
    }

    #[test]
    fn tutorial_run_gives_xor_trains_first_and_last_printed_loss() {
        let a = call(r#"{"fn":"train.run","config":{"preset":"tutorial"},"epochs":10000}"#);
        let losses = a["losses"].as_array().unwrap();
        assert_eq!(losses.len(), 10_000);
        assert_eq!(losses[0][1].as_f64(), Some(0.709_177_479_829_255_4));
        assert_eq!(losses[9000][1].as_f64(), Some(0.025_651_985_651_781_124));
        assert_eq!(a["state"]["accuracy"].as_f64(), Some(1.0));
    }

    #[test]
    fn steps_grids_and_inspect_answer() {
        let d = call(r#"{"fn":"train.new","config":{"preset":"moons"}}"#);
        assert_eq!(d["points"].as_array().unwrap().len(), 100);
        let s = call(r#"{"fn":"train.step","steps":3,"grid":{"nx":5},"neurons":{"nx":3}}"#);
        assert_eq!(s["state"]["steps"].as_u64(), Some(3));
        assert_eq!(s["grid"]["values"].as_array().unwrap().len(), 25);
        assert_eq!(s["neurons"]["values"][0].as_array().unwrap().len(), 16);
        let i = call(r#"{"fn":"train.inspect","sample":7}"#);
        assert_eq!(i["loss"], i["sessionLoss"]);
        assert_eq!(i["parameters"].as_array().unwrap().len(), 337);
        assert!(i["html"].as_str().unwrap().starts_with("<!DOCTYPE html>"));
    }

    #[test]
    fn bad_requests_say_what_is_wrong() {
        let bad = |r: &str| handle(&serde_json::from_str(r).unwrap()).unwrap_err();
        assert_eq!(
            bad(r#"{"fn":"train.new","config":{"hidden":[1,2,3,4]}}"#),
            "train::Config: hidden: at most 3 hidden layers, found 4"
        );
        assert_eq!(
            bad(r#"{"fn":"train.new","config":{"activation":"gelu"}}"#),
            "activation: unknown activation `gelu`"
        );
        assert!(
            bad(r#"{"fn":"train.new","config":{"data":{"kind":"points","points":[]}}}"#)
                .contains("give 1 to 2000 points")
        );
    }
}
