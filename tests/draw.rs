//! The playground language ([`scalargrad::expr`]) and the `draw` example: the graph the
//! language builds agrees to the bit with the same expression written in Rust, every node is
//! named from the expression, bad input gets a caret (never a panic, a stack overflow or a
//! hang), and `draw` prints what the drawings show.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use common::{example_binary, scratch_dir};
use scalargrad::expr::{self, Built};
use scalargrad::{Graph, Value};

fn inputs(vars: &[(&str, f64)]) -> BTreeMap<String, f64> {
    vars.iter().map(|&(n, v)| (n.to_string(), v)).collect()
}

/// Builds `src` with `vars`, runs backward; returns the result and each variable's gradient.
fn via_parser(src: &str, vars: &[(&str, f64)]) -> (f64, Vec<f64>) {
    let program = expr::parse(src).unwrap_or_else(|e| panic!("{}", e.render(src)));
    let g = Graph::new();
    let built = program
        .build(&g, &inputs(vars))
        .expect("every variable has a value");
    built.output.backward();
    let grad = |name: &str| {
        built
            .inputs
            .iter()
            .find(|(n, _)| n == name)
            .map_or(0.0, |(_, v)| v.grad())
    };
    (
        built.output.data(),
        vars.iter().map(|(n, _)| grad(n)).collect(),
    )
}

/// The same expression written in Rust: the leaves in `vars` order.
fn via_rust(
    vars: &[(&str, f64)],
    f: impl for<'g> Fn(&[Value<'g>]) -> Value<'g>,
) -> (f64, Vec<f64>) {
    let g = Graph::new();
    let leaves: Vec<Value<'_>> = vars.iter().map(|&(_, v)| g.value(v)).collect();
    let root = f(&leaves);
    root.backward();
    (root.data(), leaves.iter().map(|l| l.grad()).collect())
}

#[test]
fn expressions_agree_to_the_bit_with_the_same_rust() {
    type Case = (
        &'static str,
        &'static [(&'static str, f64)],
        for<'g> fn(&[Value<'g>]) -> Value<'g>,
    );
    let cases: &[Case] = &[
        (
            "apple*n*tax",
            &[("apple", 100.0), ("n", 2.0), ("tax", 1.1)],
            |v| v[0] * v[1] * v[2],
        ),
        (
            "tanh(x*w + b)",
            &[("x", 1.0), ("w", 2.0), ("b", 0.5)],
            |v| (v[0] * v[1] + v[2]).tanh(),
        ),
        ("-x^2 + 3*x - 1", &[("x", 0.7)], |v| {
            -(v[0].powf(2.0)) + 3.0 * v[0] - 1.0
        }),
        ("-x**2 + 3*x - 1", &[("x", 0.7)], |v| {
            -(v[0].powf(2.0)) + 3.0 * v[0] - 1.0
        }),
        ("1/(1 + exp(-x))", &[("x", -0.3)], |v| {
            1.0 / ((-v[0]).exp() + 1.0)
        }),
        (
            "sigmoid(x) * relu(y) - abs(x - y)",
            &[("x", 0.4), ("y", -1.5)],
            |v| v[0].sigmoid() * v[1].relu() - (v[0] - v[1]).abs(),
        ),
        (
            "ln(x) + log(y) + sqrt(x*y)",
            &[("x", 2.0), ("y", 3.0)],
            |v| v[0].ln() + v[1].ln() + (v[0] * v[1]).sqrt(),
        ),
        ("x^3^0.5 / (y - 2)", &[("x", 1.3), ("y", 5.0)], |v| {
            v[0].powf(3.0f64.powf(0.5)) / (v[1] - 2.0)
        }),
        ("(a + b) * (a - b) / a", &[("a", 3.0), ("b", 1.25)], |v| {
            (v[0] + v[1]) * (v[0] - v[1]) / v[0]
        }),
        ("2 * 3 * x + 1e-3", &[("x", 0.5)], |v| v[0] * 6.0 + 1e-3),
        // Statements: a name is its node; a later statement may redefine a name.
        (
            "h = a*b + c; h = tanh(h)\nh * 2",
            &[("a", 0.3), ("b", -2.0), ("c", 0.1)],
            |v| (v[0] * v[1] + v[2]).tanh() * 2.0,
        ),
        // A value as the exponent: the engine's pow; a number base is a leaf of its own.
        ("x^y", &[("x", 1.7), ("y", 0.4)], |v| v[0].pow(v[1])),
        ("2^x", &[("x", 0.4)], |v| v[0].graph().value(2.0).pow(v[0])),
        ("(-2)^y", &[("y", 3.0)], |v| {
            v[0].graph().value(-2.0).pow(v[0])
        }),
        // Full-width forms, as a Japanese keyboard types them, and − × ÷.
        ("tanh（ｘ＊２＋１）", &[("x", 0.25)], |v| {
            (v[0] * 2.0 + 1.0).tanh()
        }),
        ("x × 3 ÷ 2 − 1", &[("x", 0.25)], |v| {
            v[0] * 3.0 / 2.0 - 1.0
        }),
    ];
    for (src, vars, f) in cases {
        let (got, want) = (via_parser(src, vars), via_rust(vars, f));
        assert_eq!(got.0.to_bits(), want.0.to_bits(), "{src}: value");
        for (k, (g, w)) in got.1.iter().zip(&want.1).enumerate() {
            assert_eq!(g.to_bits(), w.to_bits(), "{src}: grad of {}", vars[k].0);
        }
    }
}

#[test]
fn apple_expression_gives_the_books_numbers() {
    let (price, grads) = via_parser("apple*n*tax", &[("apple", 100.0), ("n", 2.0), ("tax", 1.1)]);
    assert!((price - 220.0).abs() < 1e-12);
    for (got, want) in grads.iter().zip([2.2, 110.0, 200.0]) {
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
    }
    // The book's names, as statements.
    let e = expr::evaluate(
        "apple_price = apple * apple_num\nprice = apple_price * tax",
        &inputs(&[("apple", 100.0), ("apple_num", 2.0), ("tax", 1.1)]),
    )
    .unwrap();
    assert!((e.value - 220.0).abs() < 1e-12);
    assert_eq!(
        e.grads.keys().collect::<Vec<_>>(),
        ["apple", "apple_num", "tax"]
    );
    assert!((e.grads["tax"] - 200.0).abs() < 1e-12);
}

#[test]
fn variables_are_the_names_used_before_a_statement_defines_them_in_order() {
    let p = expr::parse("y = x*w; z = y + b\nw = 3; z * w + y").unwrap();
    assert_eq!(p.variables(), ["x", "w", "b"]);
    assert_eq!(p.output_name(), "z * w + y");
    // `w = 3` is a number: the output uses 3, and the input w only through y.
    let e = expr::evaluate(
        "y = x*w; z = y + b\nw = 3; z * w + y",
        &inputs(&[("x", 2.0), ("w", 5.0), ("b", 1.0)]),
    )
    .unwrap();
    assert_eq!(e.value, (10.0 + 1.0) * 3.0 + 10.0);
    assert_eq!(e.grads["x"], 5.0 * 4.0);
    assert_eq!(e.grads["w"], 2.0 * 4.0);
    assert_eq!(e.grads["b"], 3.0);
}

/// Each built node as `name = formula` (a leaf: its name), checking that the node carries
/// the name.
fn names(src: &str, vars: &[(&str, f64)]) -> Vec<String> {
    let g = Graph::new();
    let built = expr::parse(src).unwrap().build(&g, &inputs(vars)).unwrap();
    for n in &built.nodes {
        assert_eq!(n.value.name().as_deref(), Some(n.name.as_str()), "{src}");
    }
    built
        .nodes
        .iter()
        .map(|n| match &n.formula {
            Some(f) => format!("{} = {f}", n.name),
            None => n.name.clone(),
        })
        .collect()
}

/// Every node `draw` and the drawings show is named: leaves by their variable, statements by
/// their name, the rest by their text; formulas keep the operands in their order.
#[test]
fn every_node_is_named_from_the_expression_with_its_operands_in_order() {
    let abc = [("a", 1.0), ("b", 2.0), ("c", 10.0)];
    assert_eq!(
        names("a*b - c", &abc),
        ["a", "b", "c", "a*b = a × b", "a*b - c = a*b − c"]
    );
    assert_eq!(
        names("c - a*b", &abc),
        ["c", "a", "b", "a*b = a × b", "c - a*b = c − a*b"]
    );
    assert_eq!(
        names("a*b / c", &abc),
        ["a", "b", "c", "a*b = a × b", "a*b / c = a*b / c"]
    );
    assert_eq!(
        names("a - (b - c)", &abc),
        ["a", "b", "c", "b - c = b − c", "a - (b - c) = a − (b - c)"]
    );
    // A constant stands where it is written.
    assert_eq!(names("x ^ 2", &[("x", 3.0)]), ["x", "x ^ 2 = x ^ 2"]);
    assert_eq!(names("2 - x", &[("x", 3.0)]), ["x", "2 - x = 2 − x"]);
    assert_eq!(
        names("h = a*b + c; tanh(h)", &abc),
        [
            "a",
            "b",
            "c",
            "a*b = a × b",
            "h = a*b + c",
            "tanh(h) = tanh(h)"
        ]
    );
    assert_eq!(
        names("x^y", &[("x", 2.0), ("y", 3.0)]),
        ["x", "y", "x^y = x ^ y"]
    );
    assert_eq!(
        names("(a + b)^-c", &abc),
        [
            "a",
            "b",
            "c",
            "a + b = a + b",
            "-c = −c",
            "(a + b)^-c = (a + b) ^ -c"
        ]
    );
    // `y = x` names no new node: the leaf keeps its name.
    assert_eq!(names("y = x; y * 2", &[("x", 3.0)]), ["x", "y * 2 = x × 2"]);
    // A long text keeps its two ends, so a name stays short for any length.
    let long = (0..30)
        .map(|k| format!("x{k}"))
        .collect::<Vec<_>>()
        .join(" + ");
    let g = Graph::new();
    let vars: BTreeMap<String, f64> = (0..30).map(|k| (format!("x{k}"), 1.0)).collect();
    let built = expr::parse(&long).unwrap().build(&g, &vars).unwrap();
    let name = built.output.name().unwrap();
    assert_eq!(name, "x0 + x1 + x2 + x3 + x4 … + x27 + x28 + x29");
}

/// Every node has its own name, so a drawing never has to qualify one.
#[test]
fn every_node_has_its_own_name() {
    assert_eq!(
        names("x*y + x*y", &[("x", 1.0), ("y", 2.0)]),
        [
            "x",
            "y",
            "x*y = x × y",
            "x*y (2) = x × y",
            "x*y + x*y = x*y + x*y (2)"
        ]
    );
    assert_eq!(
        names("x = x + 1; x = x * 2; x", &[("x", 1.0)]),
        ["x", "x (2) = x + 1", "x (3) = x (2) × 2"]
    );
    assert_eq!(
        names("x^y + x^y", &[("x", 1.0), ("y", 2.0)])[3..],
        ["x^y (2) = x ^ y", "x^y + x^y = x^y + x^y (2)"]
    );
}

#[test]
fn numbers_alone_are_folded_by_the_engines_own_ops() {
    // relu(NaN) is NaN in the engine (and PyTorch), where f64::max would give 0.
    let e = expr::evaluate("relu(0/0) + x", &inputs(&[("x", 1.0)])).unwrap();
    assert!(e.value.is_nan());
    let e = expr::evaluate("relu(-0/1)", &BTreeMap::new()).unwrap();
    assert_eq!(e.value.to_bits(), (-0.0f64).to_bits());
    // A program without variables is one leaf holding its number.
    let e = expr::evaluate("2^3^2", &BTreeMap::new()).unwrap();
    assert_eq!(e.value, 512.0);
    assert!(e.grads.is_empty());
}

#[test]
fn the_first_nan_or_infinity_is_named_where_it_appears() {
    let first = |src: &str, vars: &[(&str, f64)]| {
        let g = Graph::new();
        let built: Built<'_> = expr::parse(src).unwrap().build(&g, &inputs(vars)).unwrap();
        built
            .first_non_finite()
            .map(|n| (n.name, n.value.to_string(), n.column))
    };
    assert_eq!(
        first("ln(x) * 2 + 1", &[("x", -1.0)]),
        Some(("ln(x)".into(), "NaN".into(), 0))
    );
    assert_eq!(
        first("x + 1/(y - 1) * 0", &[("x", 1.0), ("y", 1.0)]),
        Some(("1/(y - 1)".into(), "inf".into(), 5))
    );
    assert_eq!(
        first("x + ln(-1)", &[("x", 1.0)]),
        Some(("ln(-1)".into(), "NaN".into(), 4))
    );
    assert_eq!(first("x + ln(2)", &[("x", 1.0)]), None);
    assert_eq!(
        first("q = exp(x); q*0", &[("x", 1000.0)]),
        Some(("q".into(), "inf".into(), 0))
    );
}

#[test]
fn bad_input_gets_a_caret_under_the_column_and_a_remedy() {
    let cases: &[(&str, &str)] = &[
        (
            "foo(x)",
            "foo(x)\n^ unknown function `foo`: the functions are exp, ln, log, tanh, relu, sigmoid, sqrt, abs, sin, cos, log1p, softplus, max, min, pow, clamp, leaky_relu",
        ),
        (
            "(x + 1",
            "(x + 1\n^ unbalanced `(`: no `)` closes it; add one",
        ),
        (
            "x + 1)",
            "x + 1)\n     ^ unbalanced `)`: no `(` opens it; remove it",
        ),
        (
            "tanh(x",
            "tanh(x\n    ^ unbalanced `(`: no `)` closes it; add one",
        ),
        (
            "x +* 2",
            "x +* 2\n   ^ unexpected `*`: expected a number, a name or `(`",
        ),
        (
            "x y",
            "x y\n  ^ unexpected `y`: expected an operator (+ - * / ^), `;`, a new line or the end (a product needs `*`)",
        ),
        (
            "2(x + 1)",
            "2(x + 1)\n ^ unexpected `(`: expected an operator (+ - * / ^), `;`, a new line or the end (a product needs `*`)",
        ),
        (
            "tanh(2x)",
            "tanh(2x)\n      ^ unexpected `x`: expected an operator (+ - * / ^), `,` or `)` (a product needs `*`)",
        ),
        (
            "(2x)",
            "(2x)\n  ^ unexpected `x`: expected an operator (+ - * / ^) or `)` (a product needs `*`)",
        ),
        (
            "x + 1 2.5e3",
            "x + 1 2.5e3\n      ^ unexpected `2.5e3`: expected an operator (+ - * / ^), `;`, a new line or the end (a product needs `*`)",
        ),
        (
            "f(x, y",
            "f(x, y\n^ unknown function `f`: the functions are exp, ln, log, tanh, relu, sigmoid, sqrt, abs, sin, cos, log1p, softplus, max, min, pow, clamp, leaky_relu",
        ),
        (
            "(x, y)",
            "(x, y)\n  ^ unexpected `,`: commas separate a function's arguments",
        ),
        (
            "2*",
            "2*\n  ^ the expression ends too early: expected a number, a name or `(`",
        ),
        ("exp + 1", "exp + 1\n^ `exp` is a function: write exp(…)"),
        ("1.2.3", "1.2.3\n^ `1.2.3` is not a number"),
        ("", "\n^ no expression: write one, such as tanh(x*w + b)"),
        (
            " ; \n",
            "line 1:\n ; \n^ no expression: write one, such as tanh(x*w + b)",
        ),
        (
            "tanh(x, 2)",
            "tanh(x, 2)\n^ `tanh` takes 1 argument (tanh(x)), not 2",
        ),
        (
            "exp = 2",
            "exp = 2\n^ `exp` is a function: name the statement otherwise",
        ),
        (
            "x = 1 = 2",
            "x = 1 = 2\n      ^ unexpected `=`: expected an operator (+ - * / ^), `;`, a new line or the end",
        ),
        // A full-width character before the caret is two columns wide in a terminal.
        (
            "ｘ＋【",
            "ｘ＋【\n    ^ unexpected `【`: expected a number, a name or `(`",
        ),
        (
            "a = 1\nb = a +\nb",
            "line 2:\nb = a +\n       ^ the expression ends too early: expected a number, a name or `(`",
        ),
    ];
    for (src, want) in cases {
        let e = expr::parse(src).expect_err(src);
        assert_eq!(e.render(src), *want, "{src}");
        assert_eq!(
            e.to_string(),
            format!("at character {}: {}", e.column, e.message)
        );
    }
}

#[test]
fn missing_values_point_at_their_first_use() {
    let g = Graph::new();
    let src = "tanh(x*w + c)";
    let values = inputs(&[("x", 1.0), ("w", 2.0)]);
    let e = expr::parse(src).unwrap().build(&g, &values).unwrap_err();
    assert_eq!(
        e.render(src),
        "tanh(x*w + c)\n           ^ no value for `c`: give c=<number>"
    );
    let e = expr::evaluate("x + c*c", &values).unwrap_err();
    assert_eq!(e.column, 4);
}

/// Nesting of any depth is parsed without recursion (on a small stack, see below).
#[test]
fn deep_nesting_parses_without_recursion() {
    let x = inputs(&[("x", 0.5)]);
    let cases: [(String, f64); 4] = [
        (
            format!("{}x{}", "(".repeat(10_000), ")".repeat(10_000)),
            0.5,
        ),
        ("-".repeat(10_000) + "x", 0.5),
        ("x".to_string() + &"^1".repeat(5_000), 0.5),
        ("abs(".repeat(5_000) + "x" + &")".repeat(5_000), 0.5),
    ];
    for (src, want) in cases {
        let x = x.clone();
        let got = on_small_stack(move || expr::evaluate(&src, &x).map(|e| e.value));
        assert_eq!(got, Ok(want));
    }
    // 10,000 parentheses left open: the innermost is named.
    let src = "(".repeat(10_000) + "x";
    let e = expr::parse(&src).unwrap_err();
    assert_eq!(
        (e.column, e.message.as_str()),
        (9_999, "unbalanced `(`: no `)` closes it; add one")
    );
}

/// Runs on a thread with a small stack (256 KiB, an eighth of a test thread's), so that any
/// recursion over a flat sum would overflow here even in a debug build.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .expect("a thread starts")
        .join()
        .expect("no panic, no overflow")
}

#[test]
fn a_flat_sum_of_5001_terms_builds_without_recursion() {
    let (value, grads) = on_small_stack(|| {
        let src = (0..5_001)
            .map(|k| format!("x{}*{k}", k % 7))
            .collect::<Vec<_>>()
            .join(" + ");
        let vars: BTreeMap<String, f64> = (0..7).map(|k| (format!("x{k}"), 1.0)).collect();
        let e = expr::evaluate(&src, &vars).expect("a sum of 5,001 terms is fine");
        (e.value, e.grads)
    });
    assert_eq!(value, (0..5_001).map(f64::from).sum::<f64>());
    assert_eq!(
        grads["x0"],
        (0..5_001)
            .filter(|k| k % 7 == 0)
            .map(f64::from)
            .sum::<f64>()
    );
    let (value, _) = on_small_stack(|| {
        let src = "x".to_string() + &" - 1".repeat(5_000);
        let e = expr::evaluate(&src, &inputs(&[("x", 0.0)])).unwrap();
        (e.value, e.grads)
    });
    assert_eq!(value, -5_000.0);
}

/// A 10,000-character program of any shape gives a graph or an error, quickly.
#[test]
fn ten_thousand_character_inputs_give_a_graph_or_an_error() {
    let vars = inputs(&[("x", 0.5), ("y", 2.0)]);
    let inputs_10k = [
        "x*".repeat(5_000) + "y",
        "(x+".repeat(2_500) + "y" + &")".repeat(2_500),
        "tanh(".repeat(1_000) + "x" + &")".repeat(1_000),
        "x; ".repeat(3_333) + "y",
        "1".repeat(10_000),
        "9".repeat(400) + "*x",
        "+".repeat(10_000),
        "é".repeat(10_000),
        "\n".repeat(10_000),
        ")".repeat(10_000),
        "x^".repeat(5_000) + "2",
        "sqrt(x)+".repeat(1_250),
    ];
    for src in inputs_10k {
        let len = src.chars().count();
        let (src2, vars) = (src.clone(), vars.clone());
        let result = on_small_stack(move || expr::evaluate(&src2, &vars).map(|e| e.value));
        match result {
            Ok(v) => assert!(v.is_nan() || v.is_finite() || v.is_infinite()),
            Err(e) => {
                assert!(e.column <= len, "{}: caret beyond the input", &src[..20]);
                assert!(!e.message.is_empty());
            }
        }
    }
}

// ---- The `draw` example, run as a learner runs it ----

fn draw(args: &[&str], out: &Path) -> Output {
    Command::new(example_binary("draw"))
        .args(args)
        .arg("--out")
        .arg(out)
        .current_dir(std::env::temp_dir())
        .output()
        .expect("draw starts")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The name column of `draw`'s node rows.
fn row_names(out: &str) -> Vec<String> {
    out.lines()
        .filter(|l| l.starts_with("  ") && l.contains(" value "))
        .map(|l| l[2..l.find(" value ").unwrap()].trim().to_string())
        .collect()
}

#[test]
fn draw_prints_operands_in_order_with_the_names_the_page_shows() {
    let dir = scratch_dir("order");
    let o = draw(&["a*b - c", "a=1", "b=2", "c=10"], &dir);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("a*b - c = -8\n"), "{out}");
    assert_eq!(row_names(&out), ["a", "b", "c", "a*b", "a*b - c"]);
    assert!(!out.contains('#'), "no arena index: {out}");
    // The same names in the DOT text and the page.
    let dot = std::fs::read_to_string(dir.join("expression.dot")).unwrap();
    let html = std::fs::read_to_string(dir.join("expression.html")).unwrap();
    for name in ["a*b", "a*b - c"] {
        assert!(dot.contains(name), "{name} in the DOT text");
        assert!(html.contains(name), "{name} in the page");
    }
    let o = draw(
        &["h = a*b + c; y = x ^ 2 * h", "a=1", "b=2", "c=3", "x=2"],
        &dir,
    );
    assert_eq!(
        row_names(&stdout(&o)),
        [
            "a",
            "b",
            "c",
            "x",
            "a*b",
            "h = a*b + c",
            "x ^ 2",
            "y = x ^ 2 × h"
        ]
    );
}

#[test]
fn draw_takes_a_leading_minus_and_value_exponents() {
    let dir = scratch_dir("minus");
    let o = draw(&["-x^2", "x=3"], &dir);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("-x^2 = -9\n"), "{}", stdout(&o));
    let o = draw(&["2^x", "x=3"], &dir);
    assert!(stdout(&o).starts_with("2^x = 8"), "{}", stdout(&o));
    let o = draw(&["-x", "x=-1", "--book-style"], &dir);
    assert!(stdout(&o).starts_with("-x = 1\n"), "{}", stdout(&o));
}

#[test]
fn draw_reads_full_width_input() {
    let dir = scratch_dir("fullwidth");
    let o = draw(&["tanh（ｘ＊２）", "ｘ＝０．５"], &dir);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("tanh(x*2) = 0.761594156"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn draw_refuses_a_variable_given_twice_or_not_used() {
    let dir = scratch_dir("twice");
    let o = draw(&["x*2", "x=1", "x=2"], &dir);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "draw: x= is given twice (x=1 and x=2): give each variable one value\n"
    );
    let o = draw(&["x*2", "x=1", "y=2"], &dir);
    assert_eq!(
        stderr(&o),
        "draw: y= is given but `x*2` has no variable `y` (its variables: x)\n"
    );
    let o = draw(&["tanh(x", "x=1"], &dir);
    assert_eq!(
        stderr(&o),
        "draw: bad expression\ntanh(x\n    ^ unbalanced `(`: no `)` closes it; add one\n"
    );
}

#[test]
fn draw_warns_where_a_nan_or_infinity_first_appears() {
    let dir = scratch_dir("nan");
    let o = draw(&["ln(x) + 1", "x=-1"], &dir);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(
            "warning: `ln(x)` is NaN, the first NaN or infinity of the expression:\n\
             ln(x) + 1\n^ here\n"
        ),
        "{}",
        stdout(&o)
    );
    let o = draw(&["relu(0/0) * x", "x=1"], &dir);
    assert!(
        stdout(&o).starts_with("relu(0/0) * x = NaN\n"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("warning: `0/0` is NaN"),
        "{}",
        stdout(&o)
    );
    let o = draw(&["x * 2", "x=1"], &dir);
    assert!(!stdout(&o).contains("warning"), "{}", stdout(&o));
}

#[test]
fn draw_prints_but_does_not_draw_a_graph_above_max_nodes() {
    let dir = scratch_dir("big");
    let src = "x".to_string() + &" + x".repeat(2_000);
    let o = draw(&[&src, "x=1"], &dir);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("= 2001\n"), "{}", &out[..200]);
    assert!(
        out.contains("not drawn: the graph has 4001 nodes and ops, more than --max-nodes 1000"),
        "{}",
        &out[out.len() - 300..]
    );
    assert!(!dir.join("expression.svg").exists());
}

/// Graphviz that never answers (a stand-in `dot` on the PATH) is stopped after the timeout,
/// and the other drawings are written. Needs `sh`, so Unix only; independent of whether
/// Graphviz is installed.
#[cfg(unix)]
#[test]
fn draw_stops_graphviz_after_its_timeout() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch_dir("timeout");
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let Some(sleep) = ["/bin/sleep", "/usr/bin/sleep"]
        .into_iter()
        .find(|p| Path::new(p).exists())
    else {
        eprintln!("skipped: no /bin/sleep or /usr/bin/sleep for a stand-in dot that hangs");
        return;
    };
    let fake = bin.join("dot");
    std::fs::write(&fake, format!("#!/bin/sh\nexec {sleep} 30\n")).unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let start = std::time::Instant::now();
    let o = Command::new(example_binary("draw"))
        .args(["x*2", "x=1", "--graphviz-timeout", "0.5", "--out"])
        .arg(&dir)
        .env("PATH", &bin)
        .output()
        .expect("draw starts");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        start.elapsed().as_secs() < 20,
        "draw waited for the fake dot"
    );
    assert!(
        stdout(&o).contains("no expression.graphviz.svg: Graphviz's dot took more than 0.5 s"),
        "{}",
        stdout(&o)
    );
    assert!(dir.join("expression.svg").exists());
    assert!(!dir.join("expression.graphviz.svg").exists());
}
