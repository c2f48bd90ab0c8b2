//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use scalargrad::nn::{Activation, Mlp, MlpBuilder};
use scalargrad::{Graph, Value};

/// The rows of a PyTorch fixture `tests/data/<name>` whose first column names the op and whose
/// others are numbers: `(line in the file, op, numbers)`.
pub fn torch_rows(name: &str) -> Vec<(usize, String, Vec<f64>)> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let mut reader = csv::Reader::from_path(&path).expect(&path);
    reader
        .records()
        .enumerate()
        .map(|(i, r)| {
            let r = r.expect("a CSV record");
            let numbers = (1..r.len())
                .map(|k| r[k].parse::<f64>().expect("a number"))
                .collect();
            (i + 2, r[0].to_string(), numbers)
        })
        .collect()
}

/// Whether a fixture's op (as [`apply`] names it) has two value operands.
pub fn is_binary(op: &str) -> bool {
    matches!(
        op,
        "add" | "sub" | "mul" | "div" | "dot" | "max" | "min" | "pow"
    )
}

/// Asserts `|got − want| ≤ tol · max(|want|, 1)`, naming what was compared.
#[track_caller]
pub fn assert_close(what: &str, got: f64, want: f64, tol: f64) {
    let ok = (got.is_nan() && want.is_nan())
        || got == want
        || (got - want).abs() <= tol * want.abs().max(1.0);
    assert!(ok, "{what}: got {got:e}, want {want:e} (tolerance {tol:e})");
}

/// Asserts a relative difference `|got − want| ≤ tol · |want|` (with equality for zeros).
#[track_caller]
pub fn assert_rel(what: &str, got: f64, want: f64, tol: f64) {
    let ok =
        (got.is_nan() && want.is_nan()) || got == want || (got - want).abs() <= tol * want.abs();
    assert!(
        ok,
        "{what}: got {got:e}, want {want:e} (relative tolerance {tol:e})"
    );
}

/// Applies the op named in the fixtures (`ops_torch.csv`, `ops_torch_higher.csv`). `y` is a second value for binary ops, a constant else.
pub fn apply<'g>(op: &str, x: Value<'g>, y: Value<'g>, c: f64) -> Value<'g> {
    match op {
        "add" => x + y,
        "sub" => x - y,
        "mul" => x * y,
        "div" => x / y,
        "add_const" => x + c,
        "sub_const" => x - c,
        "const_sub" => c - x,
        "mul_const" => x * c,
        "div_const" => x / c,
        "const_div" => c / x,
        "neg" => -x,
        "powf" => x.powf(c),
        #[allow(clippy::cast_possible_truncation)]
        "powi" => x.powi(c as i32),
        "exp" => x.exp(),
        "ln" => x.ln(),
        "tanh" => x.tanh(),
        "relu" => x.relu(),
        "sigmoid" => x.sigmoid(),
        "sqrt" => x.sqrt(),
        "abs" => x.abs(),
        "sign" => x.sign(),
        "step" => x.step(),
        "max" => x.max(y),
        "min" => x.min(y),
        "pow" => x.pow(y),
        "clamp" => x.clamp(-c, c),
        "leaky_relu" => x.leaky_relu(c),
        "softplus" => x.softplus(),
        "sin" => x.sin(),
        "cos" => x.cos(),
        "log1p" => x.log1p(),
        "detach" => x.detach(),
        // x + x·y + y·y as one fused node
        "dot" => x.graph().weighted_sum(Some(x), &[x, y], &[y, y]),
        other => panic!("ops_torch.csv names an unknown op {other:?}"),
    }
}

/// `a · b` with names that DOT must escape (quotes, braces, bars, angle brackets, a backslash,
/// a line break) and Japanese text. Also used by `dev/tests/dot_syntax.rs`.
pub fn awkward_names(g: &Graph) -> Value<'_> {
    let a = g
        .value(1.0)
        .named(r#"quote " brace { } bar | angle < > back \"#);
    let b = g.value(2.0).named("消費税 (税込)");
    (a * b).named("line\nbreak")
}

/// `sigmoid(x · 2)` inside the scope "neuron 0" inside "layer 1". Also used by
/// `dev/tests/dot_syntax.rs`.
pub fn nested_scopes(g: &Graph) -> Value<'_> {
    let x = g.value(1.0).named("x");
    g.scoped("layer 1", || g.scoped("neuron 0", || (x * 2.0).sigmoid()))
}

/// A fresh path in the temporary directory, unique within this test process. Also used by
/// `dev/tests/safetensors_fuzz.rs`.
pub fn temp_path(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!("scalargrad-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{}-{name}", NEXT.fetch_add(1, Ordering::Relaxed)))
}

/// The tutorial's architecture: 2 inputs, 4 sigmoid, 2 linear outputs, no biases. Also used
/// by `dev/tests/safetensors_fuzz.rs`.
pub fn xor_builder() -> MlpBuilder {
    Mlp::builder(2)
        .layer(4, Activation::Sigmoid)
        .layer(2, Activation::Identity)
        .bias(false)
}
