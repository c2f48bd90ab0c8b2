//! The playground's expression language: `+ - * / ^`, unary minus, parentheses, numbers,
//! variables and the functions `exp ln log tanh relu sigmoid sqrt abs`, built into a
//! scalargrad graph with the engine's own ops.
//!
//! Used by `examples/draw.rs`, and by `tests/draw.rs` and `dev/tests/draw_proptest.rs`, which
//! include this file. Every bad input is a [`ParseError`] with the column to point a caret at;
//! nothing here panics on any input.
#![allow(dead_code)]

use std::collections::BTreeMap;

use scalargrad::{Graph, Value};

/// A bad input: what is wrong and the character column (0-based) where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The 0-based character column of the offending token.
    pub column: usize,
    /// What is wrong, and what would be right.
    pub message: String,
}

impl ParseError {
    /// The input, a caret under the offending column, and the message:
    ///
    /// ```text
    /// tanh(x*w + c)
    ///            ^ no value for `c`: add c=<number> after the expression
    /// ```
    pub fn render(&self, input: &str) -> String {
        format!("{input}\n{}^ {}", " ".repeat(self.column), self.message)
    }
}

/// A function of the language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    /// `exp(x)`
    Exp,
    /// `ln(x)` and `log(x)`: the natural logarithm, as NumPy's and PyTorch's `log`.
    Ln,
    /// `tanh(x)`
    Tanh,
    /// `relu(x)`
    Relu,
    /// `sigmoid(x)`
    Sigmoid,
    /// `sqrt(x)`
    Sqrt,
    /// `abs(x)`
    Abs,
}

/// The names of the functions, for messages.
pub const FUNCTIONS: &str = "exp, ln, log, tanh, relu, sigmoid, sqrt, abs";

impl Func {
    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "exp" => Func::Exp,
            "ln" | "log" => Func::Ln,
            "tanh" => Func::Tanh,
            "relu" => Func::Relu,
            "sigmoid" => Func::Sigmoid,
            "sqrt" => Func::Sqrt,
            "abs" => Func::Abs,
            _ => return None,
        })
    }

    fn apply(self, x: f64) -> f64 {
        match self {
            Func::Exp => x.exp(),
            Func::Ln => x.ln(),
            Func::Tanh => x.tanh(),
            Func::Relu => x.max(0.0),
            Func::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            Func::Sqrt => x.sqrt(),
            Func::Abs => x.abs(),
        }
    }

    fn apply_value(self, x: Value<'_>) -> Value<'_> {
        match self {
            Func::Exp => x.exp(),
            Func::Ln => x.ln(),
            Func::Tanh => x.tanh(),
            Func::Relu => x.relu(),
            Func::Sigmoid => x.sigmoid(),
            Func::Sqrt => x.sqrt(),
            Func::Abs => x.abs(),
        }
    }
}

/// A parsed expression; `at` is the column of its operator, name or number.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A number.
    Num(f64),
    /// A variable, by name, and its column.
    Var(String, usize),
    /// `-e`
    Neg(Box<Expr>),
    /// `a op b` with op one of `+ - * / ^`, and the operator's column.
    Bin(char, Box<Expr>, Box<Expr>, usize),
    /// `f(e)`
    Call(Func, Box<Expr>),
}

/// The most nesting accepted (parentheses, unary minus, powers): deeper input is an error
/// rather than a stack overflow.
const MAX_DEPTH: usize = 200;

struct Parser {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
}

/// Parses `src`.
///
/// # Errors
/// A [`ParseError`] for an unknown function, a misplaced or missing token, unbalanced
/// parentheses, a number that does not parse, or nesting deeper than 200.
pub fn parse(src: &str) -> Result<Expr, ParseError> {
    let mut p = Parser {
        chars: src.chars().collect(),
        pos: 0,
        depth: 0,
    };
    let e = p.sum()?;
    p.skip_spaces();
    match p.peek() {
        None => Ok(e),
        Some(')') => Err(p.error_here("unbalanced `)`: no `(` opens it; remove it")),
        Some(c) => Err(p.error_here(&format!(
            "unexpected `{c}`: expected an operator (+ - * / ^) or the end"
        ))),
    }
}

impl Parser {
    fn skip_spaces(&mut self) {
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_spaces();
        self.chars.get(self.pos).copied()
    }

    fn error_at(column: usize, message: &str) -> ParseError {
        ParseError {
            column,
            message: message.to_string(),
        }
    }

    fn error_here(&mut self, message: &str) -> ParseError {
        self.skip_spaces();
        Self::error_at(self.pos, message)
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_here(&format!(
                "nested more than {MAX_DEPTH} deep: split the expression"
            )));
        }
        Ok(())
    }

    /// sum := product (('+' | '-') product)*
    fn sum(&mut self) -> Result<Expr, ParseError> {
        let mut e = self.product()?;
        while let Some(op @ ('+' | '-')) = self.peek() {
            let at = self.pos;
            self.pos += 1;
            e = Expr::Bin(op, Box::new(e), Box::new(self.product()?), at);
        }
        Ok(e)
    }

    /// product := unary (('*' | '/') unary)*
    fn product(&mut self) -> Result<Expr, ParseError> {
        let mut e = self.unary()?;
        while let Some(op @ ('*' | '/')) = self.peek() {
            let at = self.pos;
            self.pos += 1;
            e = Expr::Bin(op, Box::new(e), Box::new(self.unary()?), at);
        }
        Ok(e)
    }

    /// unary := '-' unary | power   (so `-x^2` is `-(x^2)`, as in mathematics)
    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.peek() == Some('-') {
            self.pos += 1;
            self.enter()?;
            let e = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Neg(Box::new(e)));
        }
        self.power()
    }

    /// power := atom ('^' unary)?   (right-associative: `2^3^2` is `2^(3^2)`)
    fn power(&mut self) -> Result<Expr, ParseError> {
        let base = self.atom()?;
        if self.peek() == Some('^') {
            let at = self.pos;
            self.pos += 1;
            self.enter()?;
            let exponent = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Bin('^', Box::new(base), Box::new(exponent), at));
        }
        Ok(base)
    }

    /// atom := number | name | name '(' sum ')' | '(' sum ')'
    fn atom(&mut self) -> Result<Expr, ParseError> {
        let Some(c) = self.peek() else {
            return Err(
                self.error_here("the expression ends too early: expected a number, a name or `(`")
            );
        };
        let start = self.pos;
        if c == '(' {
            self.pos += 1;
            self.enter()?;
            let e = self.sum()?;
            self.depth -= 1;
            return match self.peek() {
                Some(')') => {
                    self.pos += 1;
                    Ok(e)
                }
                _ => Err(Self::error_at(
                    start,
                    "unbalanced `(`: no `)` closes it; add one",
                )),
            };
        }
        if c.is_ascii_digit() || c == '.' {
            while self
                .chars
                .get(self.pos)
                .is_some_and(|c| c.is_ascii_digit() || *c == '.')
            {
                self.pos += 1;
            }
            // An exponent: 1e-3, 2.5E+2.
            if self
                .chars
                .get(self.pos)
                .is_some_and(|c| matches!(c, 'e' | 'E'))
            {
                let mut k = self.pos + 1;
                if self.chars.get(k).is_some_and(|c| matches!(c, '+' | '-')) {
                    k += 1;
                }
                if self.chars.get(k).is_some_and(char::is_ascii_digit) {
                    while self.chars.get(k).is_some_and(char::is_ascii_digit) {
                        k += 1;
                    }
                    self.pos = k;
                }
            }
            let text: String = self.chars[start..self.pos].iter().collect();
            return text
                .parse()
                .map(Expr::Num)
                .map_err(|_| Self::error_at(start, &format!("`{text}` is not a number")));
        }
        if c.is_alphabetic() || c == '_' {
            while self
                .chars
                .get(self.pos)
                .is_some_and(|c| c.is_alphanumeric() || *c == '_')
            {
                self.pos += 1;
            }
            let name: String = self.chars[start..self.pos].iter().collect();
            if self.peek() == Some('(') {
                let Some(f) = Func::from_name(&name) else {
                    return Err(Self::error_at(
                        start,
                        &format!("unknown function `{name}`: the functions are {FUNCTIONS}"),
                    ));
                };
                let open = self.pos;
                self.pos += 1;
                self.enter()?;
                let arg = self.sum()?;
                self.depth -= 1;
                if self.peek() != Some(')') {
                    return Err(Self::error_at(
                        open,
                        "unbalanced `(`: no `)` closes it; add one",
                    ));
                }
                self.pos += 1;
                return Ok(Expr::Call(f, Box::new(arg)));
            }
            if Func::from_name(&name).is_some() {
                return Err(Self::error_at(
                    start,
                    &format!("`{name}` is a function: write {name}(…)"),
                ));
            }
            return Ok(Expr::Var(name, start));
        }
        let what = if c == ')' {
            "unbalanced `)`: expected a number, a name or `(` before it".to_string()
        } else {
            format!("unexpected `{c}`: expected a number, a name or `(`")
        };
        Err(self.error_here(&what))
    }
}

/// Every variable of `e` with the column of its first use, in order of appearance.
pub fn variables(e: &Expr) -> Vec<(String, usize)> {
    fn walk(e: &Expr, out: &mut Vec<(String, usize)>) {
        match e {
            Expr::Num(_) => {}
            Expr::Var(name, at) => {
                if !out.iter().any(|(n, _)| n == name) {
                    out.push((name.clone(), *at));
                }
            }
            Expr::Neg(a) | Expr::Call(_, a) => walk(a, out),
            Expr::Bin(_, a, b, _) => {
                walk(a, out);
                walk(b, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(e, &mut out);
    out
}

/// A built sub-expression: a number folded at build time (constants are not nodes), or a node.
#[derive(Clone, Copy, Debug)]
pub enum Built<'g> {
    /// A constant.
    Const(f64),
    /// A node of the graph.
    Node(Value<'g>),
}

/// Builds `e` in `g` with the engine's ops. Each variable is one leaf, named after it, with
/// its value from `values`. A number next to a node is folded into the op, as `x * 2.0` is
/// in Rust.
///
/// # Errors
/// A variable without a value (the caret under its first use), or `^` with a non-constant
/// exponent (the engine's powers take a number).
pub fn build<'g>(
    e: &Expr,
    g: &'g Graph,
    values: &BTreeMap<String, f64>,
) -> Result<(Built<'g>, BTreeMap<String, Value<'g>>), ParseError> {
    let mut leaves = BTreeMap::new();
    for (name, at) in variables(e) {
        let Some(&v) = values.get(&name) else {
            return Err(ParseError {
                column: at,
                message: format!("no value for `{name}`: add {name}=<number> after the expression"),
            });
        };
        leaves.insert(name.clone(), g.value(v).named(&name));
    }
    let root = build_node(e, &leaves)?;
    Ok((root, leaves))
}

fn build_node<'g>(e: &Expr, leaves: &BTreeMap<String, Value<'g>>) -> Result<Built<'g>, ParseError> {
    use Built::{Const, Node};
    Ok(match e {
        Expr::Num(x) => Const(*x),
        Expr::Var(name, _) => Node(leaves[name]),
        Expr::Neg(a) => match build_node(a, leaves)? {
            Const(x) => Const(-x),
            Node(v) => Node(-v),
        },
        Expr::Call(f, a) => match build_node(a, leaves)? {
            Const(x) => Const(f.apply(x)),
            Node(v) => Node(f.apply_value(v)),
        },
        Expr::Bin(op, a, b, at) => {
            let (a, b) = (build_node(a, leaves)?, build_node(b, leaves)?);
            match (op, a, b) {
                ('+', Const(x), Const(y)) => Const(x + y),
                ('+', Node(x), Const(y)) => Node(x + y),
                ('+', Const(x), Node(y)) => Node(x + y),
                ('+', Node(x), Node(y)) => Node(x + y),
                ('-', Const(x), Const(y)) => Const(x - y),
                ('-', Node(x), Const(y)) => Node(x - y),
                ('-', Const(x), Node(y)) => Node(x - y),
                ('-', Node(x), Node(y)) => Node(x - y),
                ('*', Const(x), Const(y)) => Const(x * y),
                ('*', Node(x), Const(y)) => Node(x * y),
                ('*', Const(x), Node(y)) => Node(x * y),
                ('*', Node(x), Node(y)) => Node(x * y),
                ('/', Const(x), Const(y)) => Const(x / y),
                ('/', Node(x), Const(y)) => Node(x / y),
                ('/', Const(x), Node(y)) => Node(x / y),
                ('/', Node(x), Node(y)) => Node(x / y),
                ('^', Const(x), Const(y)) => Const(x.powf(y)),
                ('^', Node(x), Const(y)) => Node(x.powf(y)),
                _ => {
                    return Err(ParseError {
                        column: *at,
                        message: "the exponent of `^` must be a number (or an expression of \
                                  numbers): write exp(y*ln(x)) for x^y"
                            .to_string(),
                    });
                }
            }
        }
    })
}
