//! The playground language ([`scalargrad::expr`]) on random input.
//!
//! - Random strings over the language's alphabet either parse and evaluate, or give an error
//!   with a column inside the input; nothing panics.
//! - Random expression trees, written out with as few parentheses as the precedence rules
//!   allow: `expr::evaluate` gives the value of a plain `f64` evaluation of the tree (to the
//!   bit: the same formulas in the same order), and gradients that match central finite
//!   differences of that evaluation wherever it is smooth.

use std::collections::BTreeMap;

use proptest::prelude::*;
use scalargrad::expr;

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
        Just("**"),
        Just("/"),
        Just("^"),
        Just("("),
        Just(")"),
        Just(" "),
        Just(","),
        Just(";"),
        Just("\n"),
        Just("t ="),
        Just("t"),
        Just("exp("),
        Just("ln("),
        Just("log("),
        Just("tanh("),
        Just("relu("),
        Just("sigmoid("),
        Just("sqrt("),
        Just("abs("),
        Just("foo("),
        Just("（"),
        Just("）"),
        Just("＊"),
        Just("#"),
        Just("é"),
    ];
    prop::collection::vec(token, 0..24).prop_map(|t| t.concat())
}

/// An expression tree.
#[derive(Clone, Debug)]
enum Tree {
    Num(f64),
    Var(usize),
    Neg(Box<Tree>),
    Call(&'static str, Box<Tree>),
    Bin(char, Box<Tree>, Box<Tree>),
}

const VARS: [&str; 3] = ["x", "y", "z"];

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        (0usize..3).prop_map(Tree::Var),
        prop_oneof![
            Just(0.0),
            Just(0.5),
            Just(1.0),
            Just(2.0),
            Just(3.0),
            Just(1e-3)
        ]
        .prop_map(Tree::Num),
    ];
    leaf.prop_recursive(5, 24, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|a| Tree::Neg(Box::new(a))),
            (
                prop_oneof![
                    Just("exp"),
                    Just("ln"),
                    Just("log"),
                    Just("tanh"),
                    Just("relu"),
                    Just("sigmoid"),
                    Just("sqrt"),
                    Just("abs")
                ],
                inner.clone()
            )
                .prop_map(|(f, a)| Tree::Call(f, Box::new(a))),
            (
                prop_oneof![Just('+'), Just('-'), Just('*'), Just('/'), Just('^')],
                inner.clone(),
                inner
            )
                .prop_map(|(op, a, b)| Tree::Bin(op, Box::new(a), Box::new(b))),
        ]
    })
}

// Precedence levels, as the language has them.
const SUM: u8 = 1;
const PRODUCT: u8 = 2;
const UNARY: u8 = 3;
const POWER: u8 = 4;
const ATOM: u8 = 5;

/// The tree as text, with parentheses only where precedence needs them, and its precedence.
fn render(t: &Tree) -> (String, u8) {
    let wrap = |(s, p): (String, u8), need: bool| {
        let _ = p;
        if need { format!("({s})") } else { s }
    };
    match t {
        Tree::Num(x) => (format!("{x}"), ATOM),
        Tree::Var(k) => (VARS[*k].to_string(), ATOM),
        Tree::Neg(a) => {
            let a = render(a);
            let need = a.1 < UNARY;
            (format!("-{}", wrap(a, need)), UNARY)
        }
        Tree::Call(f, a) => (format!("{f}({})", render(a).0), ATOM),
        Tree::Bin(op, a, b) => {
            let (a, b) = (render(a), render(b));
            let (p, need_a, need_b) = match op {
                '+' | '-' => (SUM, a.1 < SUM, b.1 <= SUM),
                '*' | '/' => (PRODUCT, a.1 < PRODUCT, b.1 <= PRODUCT),
                _ => (POWER, a.1 <= POWER, b.1 < UNARY),
            };
            (format!("{} {op} {}", wrap(a, need_a), wrap(b, need_b)), p)
        }
    }
}

/// The tree evaluated with plain `f64` arithmetic, the engine's formulas written out (a
/// value as an exponent as the language builds it: exp(y·ln x)).
fn eval(t: &Tree, v: &[f64; 3]) -> f64 {
    match t {
        Tree::Num(x) => *x,
        Tree::Var(k) => v[*k],
        Tree::Neg(a) => -eval(a, v),
        Tree::Call(f, a) => {
            let x = eval(a, v);
            match *f {
                "exp" => x.exp(),
                "ln" | "log" => x.ln(),
                "tanh" => x.tanh(),
                "relu" => {
                    if x < 0.0 {
                        0.0
                    } else {
                        x
                    }
                }
                "sigmoid" => 1.0 / (1.0 + (-x).exp()),
                "sqrt" => x.sqrt(),
                _ => x.abs(),
            }
        }
        Tree::Bin(op, a, b) => {
            let (x, y) = (eval(a, v), eval(b, v));
            match op {
                '+' => x + y,
                '-' => x - y,
                '*' => x * y,
                '/' => x / y,
                _ if constant(b) => x.powf(y),
                _ => (y * x.ln()).exp(),
            }
        }
    }
}

/// Whether the tree uses no variable.
fn constant(t: &Tree) -> bool {
    match t {
        Tree::Num(_) => true,
        Tree::Var(_) => false,
        Tree::Neg(a) | Tree::Call(_, a) => constant(a),
        Tree::Bin(_, a, b) => constant(a) && constant(b),
    }
}

fn uses(t: &Tree, k: usize) -> bool {
    match t {
        Tree::Num(_) => false,
        Tree::Var(j) => *j == k,
        Tree::Neg(a) | Tree::Call(_, a) => uses(a, k),
        Tree::Bin(_, a, b) => uses(a, k) || uses(b, k),
    }
}

fn same(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn random_input_evaluates_or_errors_inside_the_input_never_panics(
        src in input(), x in -3.0f64..3.0, y in -3.0f64..3.0,
    ) {
        let columns = src.chars().count();
        // z has no value: an error pointing at it, when the program uses it.
        let values = BTreeMap::from([("x".to_string(), x), ("y".to_string(), y)]);
        match expr::evaluate(&src, &values) {
            Err(e) => {
                prop_assert!(e.column <= columns, "caret beyond the input: {e:?}");
                let _ = e.render(&src);
            }
            Ok(e) => {
                let vars = expr::parse(&src).unwrap().variables();
                prop_assert_eq!(e.grads.keys().cloned().collect::<Vec<_>>().len(), vars.len());
            }
        }
    }

    #[test]
    fn random_expressions_match_plain_f64_and_finite_differences(
        t in tree(), x in -3.0f64..3.0, y in -3.0f64..3.0, z in 0.1f64..3.0,
    ) {
        let (src, _) = render(&t);
        let v = [x, y, z];
        let values: BTreeMap<String, f64> =
            VARS.iter().zip(v).map(|(n, x)| ((*n).to_string(), x)).collect();
        let e = expr::evaluate(&src, &values).map_err(|e| TestCaseError::fail(e.render(&src)))?;
        let want = eval(&t, &v);
        prop_assert!(same(e.value, want), "{src}: {} vs {want}", e.value);
        for (k, name) in VARS.iter().enumerate() {
            prop_assert_eq!(e.grads.contains_key(*name), uses(&t, k), "{}: variables", src);
            let Some(&g) = e.grads.get(*name) else { continue };
            // Central differences at two steps; where they disagree the function is not
            // smooth there (a kink of relu or abs, a pole), and the point is skipped.
            let fd = |h: f64| {
                let (mut lo, mut hi) = (v, v);
                lo[k] -= h;
                hi[k] += h;
                (eval(&t, &hi) - eval(&t, &lo)) / (2.0 * h)
            };
            let (d1, d2) = (fd(1e-5), fd(1e-6));
            let tol = |d: f64| 1e-4 * d.abs().max(1.0);
            if !(g.is_finite() && d1.is_finite() && d2.is_finite() && want.abs() < 1e6)
                || (d1 - d2).abs() > tol(d1)
            {
                continue;
            }
            prop_assert!((g - d1).abs() <= tol(d1), "{src}: ∂/∂{name} {g} vs finite difference {d1}");
        }
    }
}
