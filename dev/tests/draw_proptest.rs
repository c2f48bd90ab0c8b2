//! The playground's parser (`examples/draw/expr.rs`) on random input: it either parses,
//! builds and agrees with a plain `f64` evaluation of the same tree, or returns an error with
//! a column inside the input; it never panics.

use std::collections::BTreeMap;

use proptest::prelude::*;
use scalargrad::Graph;

#[path = "../../examples/draw/expr.rs"]
mod expr;

use expr::{Built, Expr};

/// The tree evaluated with plain `f64` arithmetic, the engine's formulas written out.
fn eval(e: &Expr, vars: &BTreeMap<String, f64>) -> f64 {
    match e {
        Expr::Num(x) => *x,
        Expr::Var(name, _) => vars[name],
        Expr::Neg(a) => -eval(a, vars),
        Expr::Call(f, a) => {
            let x = eval(a, vars);
            match f {
                expr::Func::Exp => x.exp(),
                expr::Func::Ln => x.ln(),
                expr::Func::Tanh => x.tanh(),
                expr::Func::Relu => x.max(0.0),
                expr::Func::Sigmoid => 1.0 / (1.0 + (-x).exp()),
                expr::Func::Sqrt => x.sqrt(),
                expr::Func::Abs => x.abs(),
            }
        }
        Expr::Bin(op, a, b, _) => {
            let (x, y) = (eval(a, vars), eval(b, vars));
            match op {
                '+' => x + y,
                '-' => x - y,
                '*' => x * y,
                '/' => x / y,
                _ => x.powf(y),
            }
        }
    }
}

fn agree(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan())
        || a == b
        || (a.is_finite() && b.is_finite() && (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0))
}

/// Strings over the language's own alphabet (and a few characters outside it), so that many
/// parse and many do not.
fn input() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("x"),
        Just("y"),
        Just("z"),
        Just("1"),
        Just("0.5"),
        Just("2e-1"),
        Just("."),
        Just("+"),
        Just("-"),
        Just("*"),
        Just("/"),
        Just("^"),
        Just("("),
        Just(")"),
        Just(" "),
        Just("exp("),
        Just("ln("),
        Just("log("),
        Just("tanh("),
        Just("relu("),
        Just("sigmoid("),
        Just("sqrt("),
        Just("abs("),
        Just("foo("),
        Just("#"),
        Just("é"),
    ];
    prop::collection::vec(token, 0..24).prop_map(|t| t.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn random_input_parses_and_agrees_or_errors_never_panics(src in input(), x in -3.0f64..3.0, y in -3.0f64..3.0) {
        let columns = src.chars().count();
        match expr::parse(&src) {
            Err(e) => prop_assert!(e.column <= columns, "caret beyond the input: {e:?}"),
            Ok(tree) => {
                // z has no value: an error pointing at it, when the expression uses it.
                let values = BTreeMap::from([("x".to_string(), x), ("y".to_string(), y)]);
                let g = Graph::new();
                match expr::build(&tree, &g, &values) {
                    Err(e) => prop_assert!(e.column < columns, "caret beyond the input: {e:?}"),
                    Ok((Built::Const(c), _)) => prop_assert!(agree(c, eval(&tree, &values))),
                    Ok((Built::Node(v), _)) => {
                        v.backward();
                        let want = eval(&tree, &values);
                        prop_assert!(agree(v.data(), want), "{src}: {} vs {want}", v.data());
                    }
                }
            }
        }
    }
}
