//! The native side of `tests/browser/check_live.sh`: numbers the browser's engine must match.
//!
//! - `live-fixture page graphs/apple.html [key=value]`: prints the query
//!   `set=key:value&expect=k.data:x,k.grad:y,…` for the page's self-check: the leaf (the
//!   first one unless given) set to the value (its book value + 0.75 unless given), and every
//!   value's data and gradient computed natively from the page's recipe (k: creation order).
//! - `live-fixture playground <dir>`: writes `<dir>/playground_test.html` (the playground with
//!   a fixture of ≥ 200 random expressions evaluated natively and ≥ 100 malformed inputs) and
//!   copies the engine beside it.
//! - `live-fixture bench`: times W1 and W2 natively (3 runs each), as the page does.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use rand::{RngExt, SeedableRng};
use scalargrad::{Graph, rand, viz};
use scalargrad_web::{bench, leaf_keys, recipe_of_page};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("page") => page(&args[1], args.get(2).map(String::as_str)),
        Some("playground") => playground(Path::new(&args[1])),
        Some("bench") => native_bench(),
        _ => {
            eprintln!(
                "usage: live-fixture page <page.html> [key=value] | playground <dir> | bench"
            );
            std::process::exit(2);
        }
    }
}

fn page(path: &str, set: Option<&str>) {
    let html = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let recipe = recipe_of_page(&html).unwrap_or_else(|e| panic!("{path}: {e}"));
    let keys = leaf_keys(&recipe);
    let (leaf, key, value) = if let Some((k, v)) = set.and_then(|s| s.split_once('=')) {
        let (i, _) = keys
            .iter()
            .find(|(_, key)| key == k)
            .unwrap_or_else(|| panic!("{path} has no leaf {k}"));
        (*i, k.to_string(), v.parse::<f64>().expect("a number"))
    } else {
        let (i, k) = keys.first().expect("a leaf");
        (*i, k.clone(), recipe.nodes[*i].data + 0.75)
    };
    let mut values = recipe.values();
    values[leaf] = value;
    let g = Graph::new();
    let out = recipe.build(&g, &values).expect("the page's recipe builds");
    out.backward();
    let t = viz::trace(out);
    let mut expect = Vec::new();
    let mut k = 0;
    for n in t.graph.node_weights() {
        if let viz::TraceNode::Value { data, grad, .. } = n {
            expect.push(format!("{k}.data:{}", fmt(*data)));
            expect.push(format!("{k}.grad:{}", fmt(*grad)));
            k += 1;
        }
    }
    println!("set={key}:{value}&expect={}", expect.join(","));
}

fn fmt(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else {
        format!("{x:?}")
    }
}

/// Tokens of the language and a few outside it (as `dev/tests/draw_proptest.rs` draws them).
const TOKENS: [&str; 26] = [
    "x", "y", "z", "1", "0.5", "2e-1", "3", "+", "-", "*", "/", "^", "**", "(", ")", " ", "exp(",
    "ln(", "log(", "tanh(", "relu(", "sigmoid(", "sqrt(", "abs(", "0.25", "2",
];

fn random_source(rng: &mut impl rand::Rng, len: usize) -> String {
    (0..len)
        .map(|_| TOKENS[rng.random_range(0..TOKENS.len())])
        .collect()
}

/// A random well-formed expression over x, y, z (depth-limited).
fn random_expr(rng: &mut impl rand::Rng, depth: u32) -> String {
    if depth == 0 || rng.random_range(0..4) == 0 {
        return match rng.random_range(0..5) {
            1 => "y".into(),
            2 => "z".into(),
            3 => format!("{}", f64::from(rng.random_range(1..40)) / 8.0),
            _ => "x".into(),
        };
    }
    let a = random_expr(rng, depth - 1);
    match rng.random_range(0..9) {
        0 => format!("({a} + {})", random_expr(rng, depth - 1)),
        1 => format!("({a} - {})", random_expr(rng, depth - 1)),
        2 => format!("{a} * {}", random_expr(rng, depth - 1)),
        3 => format!("{a} / ({} + 2)", random_expr(rng, depth - 1)),
        4 => format!("({a})^2"),
        5 => format!("-{a}"),
        _ => {
            let f = ["exp", "ln", "log", "tanh", "relu", "sigmoid", "sqrt", "abs"]
                [rng.random_range(0..8)];
            format!("{f}({a})")
        }
    }
}

#[allow(clippy::too_many_lines)] // the fixture, case by case
fn playground(dir: &Path) {
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(23);
    let inputs: BTreeMap<String, f64> = [("x", 0.7), ("y", -1.3), ("z", 2.5)]
        .iter()
        .map(|&(k, v)| (k.to_string(), v))
        .collect();
    let mut exprs = Vec::new();
    let mut bad = Vec::new();
    let mut tries = 0;
    // Random token strings: the ones that evaluate join the expressions, the others are
    // malformed inputs; then well-formed trees until there are 200 expressions.
    while exprs.len() < 120 && tries < 20_000 {
        tries += 1;
        let len = rng.random_range(1..14);
        let src = random_source(&mut rng, len);
        match scalargrad::expr::evaluate(&src, &inputs) {
            Ok(ev) => exprs.push((src, ev)),
            Err(_) if bad.len() < 60 => bad.push(src),
            Err(_) => {}
        }
    }
    while exprs.len() < 240 {
        let src = random_expr(&mut rng, 5);
        if let Ok(ev) = scalargrad::expr::evaluate(&src, &inputs) {
            exprs.push((src, ev));
        }
    }
    // Malformed on purpose.
    for s in [
        "(",
        ")",
        "((x)",
        "(x))",
        "x +",
        "* x",
        "foo(x)",
        "cosh(x)",
        "exp()",
        "exp(x, y)",
        "1e999",
        "1e999 * x",
        "-1e999",
        "1e-999 / x",
        "log(-1)",
        "ln(0)",
        "sqrt(-x)",
        "x / 0",
        "0 / 0",
        "1 / (x - x)",
        "x ^ y",
        "x ** ",
        "2 ** x",
        "x = ",
        "= x",
        "a = x\n",
        ";",
        "x;;y",
        "x y",
        "1.2.3",
        "..",
        "#",
        "x @ y",
        "exp(1000)",
        "exp(exp(exp(x)))",
        "-(-(-(x",
        "tanh",
        "relu(",
        "x^^2",
        "x**-",
        "é",
        "ｘ",
        "\u{0}",
        "x\ty",
        "   ",
        "",
        "\n\n",
        "x = 1; y = x*",
        "1/0 + x",
    ] {
        bad.push(s.to_string());
    }
    bad.push(format!("{}x{}", "(".repeat(3000), ")".repeat(3000)));
    bad.push(format!("{}x", "(".repeat(10_000)));
    bad.push(format!("x{}", " + x".repeat(2500)));
    bad.push(format!("{}x", "-".repeat(10_000)));
    bad.push("9".repeat(10_000));
    bad.push(format!("x{}", "*x".repeat(5000)));
    bad.push(format!("{}x{}", "exp(".repeat(2500), ")".repeat(2500)));
    let exprs_json: Vec<String> = exprs
        .iter()
        .map(|(src, ev)| {
            let grads: Vec<String> = ev
                .grads
                .iter()
                .map(|(k, v)| format!("{}:{}", js(k), viz::json_number(*v)))
                .collect();
            format!(
                "{{\"source\":{},\"inputs\":{{\"x\":0.7,\"y\":-1.3,\"z\":2.5}},\"value\":{},\"grads\":{{{}}}}}",
                js(src),
                viz::json_number(ev.value),
                grads.join(",")
            )
        })
        .collect();
    let bad_json: Vec<String> = bad.iter().map(|s| js(s)).collect();
    let fixture = format!(
        "{{\"exprs\":[{}],\"bad\":[{}]}}",
        exprs_json.join(","),
        bad_json.join(",")
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let page = std::fs::read_to_string(root.join("graphs/playground.html"))
        .expect("graphs/playground.html");
    let page = page.replacen(
        "<script id=\"data\"",
        &format!(
            "<script id=\"fixture\" type=\"application/json\">{}</script>\n<script id=\"data\"",
            fixture.replace("</", "<\\/")
        ),
        1,
    );
    std::fs::create_dir_all(dir).expect("the output directory");
    std::fs::write(dir.join("playground_test.html"), page).expect("write the test page");
    std::fs::copy(
        root.join("graphs/scalargrad_engine.js"),
        dir.join("scalargrad_engine.js"),
    )
    .expect("copy the engine");
    println!(
        "wrote {} ({} expressions, {} malformed inputs)",
        dir.join("playground_test.html").display(),
        exprs.len(),
        bad.len()
    );
}

fn js(s: &str) -> String {
    serde_json::Value::String(s.into()).to_string()
}

fn native_bench() {
    for (name, run) in [("w1", bench::w1 as fn() -> (f64, f64)), ("w2", bench::w2)] {
        let mut times = Vec::new();
        let mut losses = (0.0, 0.0);
        for _ in 0..3 {
            let t0 = Instant::now();
            losses = run();
            times.push(t0.elapsed().as_secs_f64() * 1e3);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{name} native: {:.0}, {:.0}, {:.0} ms (median {:.0}); losses {:?} → {:?}",
            times[0], times[1], times[2], times[1], losses.0, losses.1
        );
    }
}
