//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use scalargrad::nn::{Activation, Mlp, MlpBuilder, Module};
use scalargrad::rand::{SeedableRng, rngs::Xoshiro256PlusPlus};
use scalargrad::{Graph, Value, viz};
use serde_json::Value as Json;

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

/// The JSON fixture `tests/data/<name>`.
pub fn json_fixture(name: &str) -> Json {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A JSON array of numbers.
pub fn numbers(j: &Json) -> Vec<f64> {
    j.as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_f64().expect("a number"))
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

/// The message of the panic `f` raises; fails if `f` returns.
pub fn panic_message(f: impl FnOnce()) -> String {
    let payload =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).expect_err("expected a panic");
    payload
        .downcast_ref::<&str>()
        .map(ToString::to_string)
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
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

/// A fresh, empty scratch directory for one test, unique within this test process.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join(format!("scalargrad-tests-{}", std::process::id()))
        .join(format!("dir-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// The path of example `name`'s binary, built (or brought up to date) once per test process:
/// a no-op when `cargo test` has just built the examples, needed when it has not
/// (`cargo test --test <file>` builds only that file).
pub fn example_binary(name: &str) -> PathBuf {
    static BUILT: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    // target/<profile>/deps/<test>-<hash> → target/<profile>/examples/<name>
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps");
    let mut built = BUILT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if built.insert(name.to_string()) {
        let mut cargo = Command::new(option_env!("CARGO").unwrap_or("cargo"));
        cargo
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["build", "--quiet", "--example", name]);
        if profile_dir.file_name().is_some_and(|p| p == "release") {
            cargo.arg("--release");
        }
        let status = cargo.status().expect("cargo runs");
        assert!(status.success(), "cargo build --example {name} failed");
    }
    profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX))
}

/// The tutorial's architecture: 2 inputs, 4 sigmoid, 2 linear outputs, no biases. Also used
/// by `dev/tests/safetensors_fuzz.rs`.
pub fn xor_builder() -> MlpBuilder {
    Mlp::builder(2)
        .layer(4, Activation::Sigmoid)
        .layer(2, Activation::Identity)
        .bias(false)
}

/// The tutorial's architecture with seeded weights, saved as safetensors: the file's path and
/// bytes. Also used by `dev/tests/safetensors_fuzz.rs`.
pub fn saved_xor(g: &Graph) -> (PathBuf, Vec<u8>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let model = xor_builder().build(g, &mut rng);
    assert_eq!(model.parameters().len(), 16);
    let path = temp_path("xor.safetensors");
    model.save_safetensors(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    (path, bytes)
}

/// A 3-5-4-4-3-2 network with every activation, with biases, from `seed`. Also used by
/// `dev/tests/safetensors_fuzz.rs`.
pub fn mixed_model(g: &Graph, seed: u64) -> Mlp<'_> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    Mlp::builder(3)
        .layer(5, Activation::Tanh)
        .layer(4, Activation::Relu)
        .layer(4, Activation::Identity)
        .layer(3, Activation::Sigmoid)
        .layer(2, Activation::Identity)
        .build(g, &mut rng)
}

/// Asserts that the committed `graphs/<stem>.<ext>` holds what `example` draws in `d`, for each
/// of `exts` (`"dot"`, `"svg"`, `"html"`).
#[track_caller]
pub fn assert_committed(example: &str, d: &viz::Drawing, exts: &[&str]) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("graphs");
    for ext in exts {
        let fresh = match *ext {
            "dot" => &d.dot,
            "svg" => &d.svg,
            "html" => &d.html,
            other => panic!("a drawing has no {other:?}"),
        };
        let path = dir.join(format!("{}.{ext}", d.stem));
        let committed = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; run the example to create it", path.display()));
        assert!(
            committed == *fresh,
            "{} is stale: run `cargo run --example {example}` and commit the result",
            path.display()
        );
    }
}
