//! The playground's expression language (`examples/draw.rs`): the graph it builds agrees to
//! the bit with the same expression written in Rust, and bad input gets a caret, not a panic.

use std::collections::BTreeMap;

use scalargrad::{Graph, Value};

#[path = "../examples/draw/expr.rs"]
mod expr;

use expr::Built;

/// Builds `src` with `vars`, runs backward; returns the result and each variable's gradient.
fn via_parser(src: &str, vars: &[(&str, f64)]) -> (f64, Vec<f64>) {
    let g = Graph::new();
    let values: BTreeMap<String, f64> = vars.iter().map(|&(n, v)| (n.to_string(), v)).collect();
    let tree = expr::parse(src).unwrap_or_else(|e| panic!("{}", e.render(src)));
    let (root, leaves) = expr::build(&tree, &g, &values).expect("every variable has a value");
    let Built::Node(root) = root else {
        panic!("{src} has no variables")
    };
    root.backward();
    (
        root.data(),
        vars.iter().map(|(n, _)| leaves[*n].grad()).collect(),
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
}

#[test]
fn bad_input_gets_a_caret_under_the_column_and_a_remedy() {
    let cases: &[(&str, &str)] = &[
        (
            "foo(x)",
            "foo(x)\n^ unknown function `foo`: the functions are exp, ln, log, tanh, relu, sigmoid, sqrt, abs",
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
            "x y\n  ^ unexpected `y`: expected an operator (+ - * / ^) or the end",
        ),
        (
            "2*",
            "2*\n  ^ the expression ends too early: expected a number, a name or `(`",
        ),
        ("exp + 1", "exp + 1\n^ `exp` is a function: write exp(…)"),
        ("1.2.3", "1.2.3\n^ `1.2.3` is not a number"),
    ];
    for (src, want) in cases {
        let e = expr::parse(src).expect_err(src);
        assert_eq!(e.render(src), *want, "{src}");
    }
}

#[test]
fn missing_values_and_variable_exponents_point_at_their_column() {
    let g = Graph::new();
    let src = "tanh(x*w + c)";
    let values = BTreeMap::from([("x".to_string(), 1.0), ("w".to_string(), 2.0)]);
    let e = expr::build(&expr::parse(src).unwrap(), &g, &values).unwrap_err();
    assert_eq!(
        e.render(src),
        "tanh(x*w + c)\n           ^ no value for `c`: add c=<number> after the expression"
    );
    let src = "x ^ w";
    let e = expr::build(&expr::parse(src).unwrap(), &g, &values).unwrap_err();
    assert_eq!(e.column, 2);
    assert!(
        e.message
            .starts_with("the exponent of `^` must be a number")
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let src = format!("{}x{}", "(".repeat(10_000), ")".repeat(10_000));
    let e = expr::parse(&src).unwrap_err();
    assert!(
        e.message.starts_with("nested more than 200 deep"),
        "{}",
        e.message
    );
    let src = "-".repeat(10_000) + "x";
    assert!(expr::parse(&src).is_err());
}
