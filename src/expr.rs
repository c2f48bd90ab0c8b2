//! The playground language: type an expression, get its computation graph, value and
//! gradients, built with the engine's own ops.
//!
//! ```
//! use std::collections::BTreeMap;
//! use scalargrad::expr;
//!
//! let inputs = BTreeMap::from([("x".into(), 1.0), ("w".into(), 2.0), ("b".into(), 0.5)]);
//! let e = expr::evaluate("tanh(x*w + b)", &inputs)?;
//! assert_eq!(e.value, 2.5f64.tanh());
//! assert_eq!(e.grads["b"], 1.0 - 2.5f64.tanh().powi(2));
//! # Ok::<(), expr::ParseError>(())
//! ```
//!
//! # The language
//! - Numbers (`2`, `0.5`, `1e-3`), variables (`x`, `w1`, `消費税`), parentheses.
//! - `+ - * / ^`, with `**` the same as `^`; unary minus. `^` binds tightest and groups to the
//!   right (`2^3^2` is `2^(3^2)`), and `-x^2` is `-(x^2)`, as in mathematics and Python.
//! - The functions of [`FUNCTIONS`]: `exp ln log tanh relu sigmoid sqrt abs` (`log` is the
//!   natural logarithm, as NumPy's and PyTorch's `log`).
//! - Statements `name = expression`, separated by new lines or `;`. A later statement may use
//!   or redefine an earlier name, as in Python; a name used before any statement defines it is
//!   an input variable. The last statement is the output:
//!   ```text
//!   price = apple * n
//!   price * tax
//!   ```
//! - Full-width forms, as a Japanese keyboard types them (`tanh（ｘ＊２）`), are read as their
//!   ASCII counterparts, and so are `−`, `×` and `÷` (for full-width forms this is what
//!   Unicode NFKC does, the normalization Python applies to identifiers).
//!
//! # The graph
//! Each input variable is one leaf, named after it. Every node built is named
//! ([`Value::named`]): a named statement's node by the statement's name, any other by its
//! text in the program (`a*b`, `a*b + c`), so that a drawing and a printout name the same node
//! the same way. Numbers are not nodes: an operation on a node and a number is one op with a
//! constant operand (`x ^ 2`, `x * 0.5`), as in Rust, and an operation on numbers alone is
//! folded when the program is built, by the engine's own op (so `relu(0/0)` is NaN, as
//! [`Value::relu`] gives).
//!
//! A value as an exponent (`2^x`, `x^y`) is built as `exp(y·ln(x))`: nodes named `ln(x)`,
//! `y*ln(x)` and `x^y` (for a number base, `ln(2)` is folded: `x*ln(2)` and `2^x`). Its value
//! and derivatives are those of `x^y` where `x > 0`; for `x ≤ 0` it is NaN or 0, also where
//! PyTorch's `pow` gives a number (`(-2)^2`).
//!
//! # Errors
//! Any input gives a [`Program`] or a [`ParseError`] with the column to put a caret under;
//! nothing here panics or recurses. The parser keeps its operators and open parentheses on
//! explicit stacks and building is one loop over the nodes, so a sum of 5,000 terms or
//! parentheses 5,000 deep cost heap, not call stack. Each node's name is at most about 40
//! characters, so memory grows linearly with the input.

use std::collections::BTreeMap;
use std::fmt;

use crate::{Graph, Value};

/// A bad program: what is wrong and the character (0-based) where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The 0-based index, in characters (not bytes), of the offending character in the source.
    /// For a one-line program it is the column.
    pub column: usize,
    /// What is wrong, and what would be right.
    pub message: String,
}

impl ParseError {
    fn new(column: usize, message: impl Into<String>) -> Self {
        ParseError {
            column,
            message: message.into(),
        }
    }

    /// The offending line of `source`, a caret under the offending character, and the
    /// message:
    ///
    /// ```text
    /// tanh(x*w + c)
    ///            ^ no value for `c`: give c=<number>
    /// ```
    ///
    /// A program of several lines gets a first line `line N:`. The caret is placed for a
    /// terminal: full-width characters before it count two columns, tabs stay tabs.
    pub fn render(&self, source: &str) -> String {
        let (line, start) = self.line(source);
        let text: String = source
            .chars()
            .skip(start)
            .take_while(|&c| c != '\n')
            .collect();
        let text = text.strip_suffix('\r').unwrap_or(&text);
        let pad: String = text
            .chars()
            .take(self.column - start)
            .map(|c| match c {
                '\t' => "\t",
                c if is_wide(c) => "  ",
                _ => " ",
            })
            .collect();
        let head = if source.contains('\n') {
            format!("line {}:\n", line + 1)
        } else {
            String::new()
        };
        format!("{head}{text}\n{pad}^ {}", self.message)
    }

    /// [`ParseError::column`] counted in UTF-16 code units, as JavaScript indexes strings
    /// (`setSelectionRange` in a page): a character outside the Basic Multilingual Plane
    /// counts two.
    ///
    /// ```
    /// let e = scalargrad::expr::parse("𝑥 + )").unwrap_err();
    /// assert_eq!((e.column, e.utf16_column("𝑥 + )")), (4, 5));
    /// ```
    pub fn utf16_column(&self, source: &str) -> usize {
        source.chars().take(self.column).map(char::len_utf16).sum()
    }

    /// The 0-based line of the error in `source`, and the character index where that line
    /// starts (so `column − start` is the column within the line).
    pub fn line(&self, source: &str) -> (usize, usize) {
        let (mut line, mut start) = (0, 0);
        for (i, c) in source.chars().enumerate().take(self.column) {
            if c == '\n' {
                line += 1;
                start = i + 1;
            }
        }
        (line, start)
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at character {}: {}", self.column, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Whether a terminal shows `c` two columns wide (East Asian wide and full-width forms).
fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

/// `c` as the language reads it: full-width ASCII forms (`（ ＊ ｘ ２ ；`, U+FF01–U+FF5E) and
/// the ideographic space as their ASCII counterparts, `−` (U+2212) as `-`, `×` as `*` and
/// `÷` as `/`. One character for one, so columns stay the same.
pub fn normalize_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFF01 + 0x21).unwrap_or(c),
        '\u{3000}' => ' ',
        '\u{2212}' => '-',
        '×' => '*',
        '÷' => '/',
        _ => c,
    }
}

/// `s` with [`normalize_char`] applied to each character: how the language reads a name
/// (`ｘ` is `x`). A caller that takes variable values by name normalizes the names with it.
pub fn normalize(s: &str) -> String {
    s.chars().map(normalize_char).collect()
}

/// How a function is built from engine ops.
#[derive(Clone, Copy)]
enum Apply {
    /// `f(x)`.
    Unary(for<'g> fn(Value<'g>) -> Value<'g>),
    /// `f(x, y)` of two values; a number argument becomes a leaf.
    Binary(for<'g> fn(Value<'g>, Value<'g>) -> Value<'g>),
    /// `f(x, c₁, …)`: a value and numbers that are fixed when the program is built.
    Numbers(for<'g> fn(Value<'g>, &[f64]) -> Value<'g>),
}

/// A function of the language: its name, its parameters, and the engine op that computes it.
#[derive(Clone, Copy)]
pub struct Function {
    /// The name, as written in a program.
    pub name: &'static str,
    /// The parameters, for messages: `x`, `x, y`, `x, lo, hi`.
    pub params: &'static str,
    apply: Apply,
}

impl fmt::Debug for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name, self.params)
    }
}

impl Function {
    /// `name(x)`, built by `f`.
    pub const fn unary(name: &'static str, f: for<'g> fn(Value<'g>) -> Value<'g>) -> Self {
        Function {
            name,
            params: "x",
            apply: Apply::Unary(f),
        }
    }

    /// `name(x, y)` of two values, built by `f`. A number argument becomes a leaf of its own.
    pub const fn binary(
        name: &'static str,
        f: for<'g> fn(Value<'g>, Value<'g>) -> Value<'g>,
    ) -> Self {
        Function {
            name,
            params: "x, y",
            apply: Apply::Binary(f),
        }
    }

    /// `name(x, c₁, …)`: a value `x` and one number per parameter after the first
    /// (`params` as `"x, lo, hi"`), which must be numbers when the program is built; `f`
    /// gets them in order.
    pub const fn with_numbers(
        name: &'static str,
        params: &'static str,
        f: for<'g> fn(Value<'g>, &[f64]) -> Value<'g>,
    ) -> Self {
        Function {
            name,
            params,
            apply: Apply::Numbers(f),
        }
    }

    /// How many arguments the function takes.
    pub fn arity(&self) -> usize {
        self.params.split(',').count()
    }
}

/// The functions of the language. Adding one is one line here (its op must exist on
/// [`Value`]):
/// `Function::unary("sin", |x| x.sin())`, `Function::binary("max", |x, y| x.max(y))`,
/// `Function::with_numbers("clamp", "x, lo, hi", |x, c| x.clamp(c[0], c[1]))`.
// Closures, not `Value::exp`: a method path has its impl's lifetime fixed, and these pointers
// must work for every graph lifetime.
#[allow(clippy::redundant_closure_for_method_calls)]
pub const FUNCTIONS: &[Function] = &[
    Function::unary("exp", |x| x.exp()),
    Function::unary("ln", |x| x.ln()),
    Function::unary("log", |x| x.ln()),
    Function::unary("tanh", |x| x.tanh()),
    Function::unary("relu", |x| x.relu()),
    Function::unary("sigmoid", |x| x.sigmoid()),
    Function::unary("sqrt", |x| x.sqrt()),
    Function::unary("abs", |x| x.abs()),
];

/// The function called `name`, if the language has one.
pub fn function(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

/// The names of the functions, for messages: `exp, ln, log, …`.
pub fn function_names() -> String {
    FUNCTIONS
        .iter()
        .map(|f| f.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A binary operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

impl BinOp {
    fn precedence(self) -> u8 {
        match self {
            BinOp::Add | BinOp::Sub => SUM,
            BinOp::Mul | BinOp::Div => PRODUCT,
            BinOp::Pow => POWER,
        }
    }

    /// The symbol as the drawings write it.
    fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "−",
            BinOp::Mul => "×",
            BinOp::Div => "/",
            BinOp::Pow => "^",
        }
    }
}

// Precedence levels, for putting parentheses back when a formula is written out.
const SUM: u8 = 1;
const PRODUCT: u8 = 2;
const UNARY: u8 = 3;
const POWER: u8 = 4;
const ATOM: u8 = 5;

#[derive(Clone, Debug)]
enum Kind {
    Num(f64),
    /// The input variable with this index in `Program::variables`.
    Input(usize),
    Neg(usize),
    Bin(BinOp, usize, usize),
    Call(&'static Function, Vec<usize>),
}

/// One node of a program; its operands are earlier nodes, so the list is in topological
/// order and building is one loop.
#[derive(Clone, Debug)]
struct Node {
    kind: Kind,
    /// The column of the node's operator, function name, number or variable.
    column: usize,
    /// The node's name: a statement's name, or its text in the program.
    name: String,
    /// Whether `name` is a statement's name (then it reads as an atom in formulas).
    named: bool,
    precedence: u8,
    /// Whether the node depends on no variable: it is folded to a number when built.
    constant: bool,
}

impl Node {
    /// The precedence of the node's name when written as an operand.
    fn operand_precedence(&self) -> u8 {
        if self.named { ATOM } else { self.precedence }
    }
}

/// A parsed program, ready to be built in a [`Graph`] with values for its variables.
#[derive(Clone, Debug)]
pub struct Program {
    nodes: Vec<Node>,
    /// The input variables and the column of each one's first use.
    variables: Vec<(String, usize)>,
    output: usize,
}

/// A token: the kind and its first and one-past-last character.
#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Name(String),
    /// One of `+ - * / ^ ( ) , = ;` (`**` arrives as `^`).
    Sym(char),
    /// A new line outside parentheses: a statement separator.
    Newline,
    /// A character the language does not use.
    Other(char),
    End,
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    start: usize,
    end: usize,
}

fn tokenize(chars: &[char]) -> Result<Vec<Token>, ParseError> {
    let mut out = Vec::new();
    let mut i = 0;
    let mut depth = 0usize;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let tok = if c == '\n' {
            i += 1;
            if depth > 0 {
                continue;
            }
            Tok::Newline
        } else if c.is_whitespace() {
            i += 1;
            continue;
        } else if c.is_ascii_digit() || c == '.' {
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            // An exponent: 1e-3, 2.5E+2.
            if i < chars.len() && matches!(chars[i], 'e' | 'E') {
                let mut k = i + 1;
                if k < chars.len() && matches!(chars[k], '+' | '-') {
                    k += 1;
                }
                if k < chars.len() && chars[k].is_ascii_digit() {
                    while k < chars.len() && chars[k].is_ascii_digit() {
                        k += 1;
                    }
                    i = k;
                }
            }
            let text: String = chars[start..i].iter().collect();
            match text.parse() {
                Ok(x) => Tok::Num(x),
                Err(_) => return Err(ParseError::new(start, format!("`{text}` is not a number"))),
            }
        } else if c.is_alphabetic() || c == '_' {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            Tok::Name(chars[start..i].iter().collect())
        } else if c == '*' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            Tok::Sym('^')
        } else if "+-*/^(),=;".contains(c) {
            i += 1;
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                _ => {}
            }
            Tok::Sym(c)
        } else {
            i += 1;
            Tok::Other(c)
        };
        out.push(Token { tok, start, end: i });
    }
    out.push(Token {
        tok: Tok::End,
        start: chars.len(),
        end: chars.len(),
    });
    Ok(out)
}

/// A parsed operand: its node and its extent in the source (with any parentheses).
#[derive(Clone, Copy)]
struct Parsed {
    node: usize,
    start: usize,
    end: usize,
}

struct Parser<'a> {
    chars: &'a [char],
    tokens: Vec<Token>,
    pos: usize,
    nodes: Vec<Node>,
    variables: Vec<(String, usize)>,
    /// Each name's current node: an input's leaf or a statement's result.
    scope: BTreeMap<String, usize>,
}

/// Parses a program.
///
/// # Errors
/// A [`ParseError`] for an unknown function, a misplaced or missing token, unbalanced
/// parentheses, a number that does not parse, or a wrong number or kind of arguments.
pub fn parse(source: &str) -> Result<Program, ParseError> {
    let chars: Vec<char> = source.chars().map(normalize_char).collect();
    let tokens = tokenize(&chars)?;
    let mut p = Parser {
        chars: &chars,
        tokens,
        pos: 0,
        nodes: Vec::new(),
        variables: Vec::new(),
        scope: BTreeMap::new(),
    };
    let mut output = None;
    loop {
        while matches!(p.tok(), Tok::Newline | Tok::Sym(';')) {
            p.pos += 1;
        }
        if *p.tok() == Tok::End {
            break;
        }
        // An expression ends only at a separator or the end (else it is an error).
        output = Some(p.statement()?);
    }
    let Some(output) = output else {
        return Err(ParseError::new(
            0,
            "no expression: write one, such as tanh(x*w + b)",
        ));
    };
    Ok(Program {
        nodes: p.nodes,
        variables: p.variables,
        output,
    })
}

impl Parser<'_> {
    fn tok(&self) -> &Tok {
        &self.tokens[self.pos].tok
    }

    fn start(&self) -> usize {
        self.tokens[self.pos].start
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError::new(self.start(), message)
    }

    /// The name of the text `start..end`: whitespace runs as one space, and the middle of a
    /// long text left out (`a + b + … + y + z`), so that a name stays short in a drawing and
    /// costs the same for any length.
    fn text(&self, start: usize, end: usize) -> String {
        const KEEP: usize = 20;
        let squeeze = |s: &[char]| {
            let mut out = String::new();
            for &c in s {
                if c.is_whitespace() {
                    if !out.ends_with(' ') {
                        out.push(' ');
                    }
                } else {
                    out.push(c);
                }
            }
            out
        };
        let s = &self.chars[start..end];
        if s.len() <= 3 * KEEP {
            return squeeze(s).trim().to_string();
        }
        // Cut between tokens where one is near: `x27`, not `… 7`.
        let word = |c: &char| c.is_alphanumeric() || *c == '_' || *c == '.';
        let head = KEEP + s[KEEP..2 * KEEP].iter().take_while(|c| word(c)).count();
        let tail = s.len() - KEEP;
        let tail = tail
            + s[tail..]
                .iter()
                .take_while(|c| word(c))
                .count()
                .min(KEEP / 2);
        format!(
            "{} … {}",
            squeeze(&s[..head]).trim(),
            squeeze(&s[tail..]).trim()
        )
    }

    fn push(&mut self, kind: Kind, column: usize, start: usize, end: usize, prec: u8) -> Parsed {
        let name = self.text(start, end);
        let constant = match &kind {
            Kind::Num(_) => true,
            Kind::Input(_) => false,
            Kind::Neg(a) => self.nodes[*a].constant,
            Kind::Bin(_, a, b) => self.nodes[*a].constant && self.nodes[*b].constant,
            Kind::Call(_, args) => args.iter().all(|&a| self.nodes[a].constant),
        };
        self.nodes.push(Node {
            kind,
            column,
            name,
            named: false,
            precedence: prec,
            constant,
        });
        Parsed {
            node: self.nodes.len() - 1,
            start,
            end,
        }
    }

    /// statement := NAME '=' sum | sum
    fn statement(&mut self) -> Result<usize, ParseError> {
        if let (Tok::Name(name), Some(Tok::Sym('='))) =
            (self.tok(), self.tokens.get(self.pos + 1).map(|t| &t.tok))
        {
            let name = name.clone();
            let at = self.start();
            if function(&name).is_some() {
                return Err(self.error(format!(
                    "`{name}` is a function: name the statement otherwise"
                )));
            }
            self.pos += 2;
            let before = self.nodes.len();
            let e = self.expression()?;
            // A statement that made a node names it; `y = x` or `y = 2` only gives the
            // existing node or number a second name to be used by, without renaming it.
            if e.node >= before && !matches!(self.nodes[e.node].kind, Kind::Num(_) | Kind::Input(_))
            {
                let node = &mut self.nodes[e.node];
                node.name.clone_from(&name);
                node.named = true;
                node.column = at;
            }
            self.scope.insert(name, e.node);
            return Ok(e.node);
        }
        Ok(self.expression()?.node)
    }

    /// An expression, up to the end of the statement, by operator precedence with explicit
    /// stacks: no recursion, so nesting of any depth costs heap, not call stack.
    ///
    /// ```text
    /// expression := unary (('+' | '-' | '*' | '/' | '^') unary)*   with precedence
    ///               + - < * / < unary minus < ^, and ^ grouping to the right
    /// unary      := '-'* atom          (so -x^2 is -(x^2) and 2^-x*3 is (2^(-x))*3)
    /// atom       := number | name | name '(' expression (',' expression)* ')' | '(' expression ')'
    /// ```
    fn expression(&mut self) -> Result<Parsed, ParseError> {
        let mut operands: Vec<Parsed> = Vec::new();
        let mut frames: Vec<Frame> = Vec::new();
        loop {
            // An operand, after any unary minuses and opening parentheses.
            loop {
                if let Some(e) = self.prefix(&mut frames)? {
                    operands.push(e);
                    break;
                }
            }
            // Then an operator, closing parentheses, a comma, or the end.
            loop {
                let Token { tok, start, end } = self.tokens[self.pos].clone();
                let op = match tok {
                    Tok::Sym('+') => BinOp::Add,
                    Tok::Sym('-') => BinOp::Sub,
                    Tok::Sym('*') => BinOp::Mul,
                    Tok::Sym('/') => BinOp::Div,
                    Tok::Sym('^') => BinOp::Pow,
                    Tok::Sym(')') => {
                        self.reduce(&mut operands, &mut frames, 0);
                        let e = operands.pop().expect("an operand before `)`");
                        match frames.pop() {
                            Some(Frame::Paren(open)) => operands.push(Parsed {
                                node: e.node,
                                start: open,
                                end,
                            }),
                            Some(Frame::Call {
                                f,
                                start: at,
                                mut args,
                                ..
                            }) => {
                                args.push(e.node);
                                operands.push(self.call(f, args, at, end)?);
                            }
                            _ => {
                                return Err(
                                    self.error("unbalanced `)`: no `(` opens it; remove it")
                                );
                            }
                        }
                        self.pos += 1;
                        continue;
                    }
                    Tok::Sym(',') => {
                        self.reduce(&mut operands, &mut frames, 0);
                        let e = operands.pop().expect("an operand before `,`");
                        let Some(Frame::Call { args, .. }) = frames.last_mut() else {
                            return Err(self
                                .error("unexpected `,`: commas separate a function's arguments"));
                        };
                        args.push(e.node);
                        self.pos += 1;
                        break;
                    }
                    Tok::End | Tok::Newline | Tok::Sym(';') => {
                        return self.finish(operands, frames);
                    }
                    t => {
                        let closing = match frames.iter().rev().find(|f| f.is_open()) {
                            Some(Frame::Call { .. }) => ", `,` or `)`",
                            Some(_) => " or `)`",
                            None => ", `;`, a new line or the end",
                        };
                        // `2x`, `2(x+1)`, `x y`: say how to write a product.
                        let hint = if matches!(t, Tok::Name(_) | Tok::Num(_) | Tok::Sym('(')) {
                            " (a product needs `*`)"
                        } else {
                            ""
                        };
                        let t: String = self.chars[start..end].iter().collect();
                        return Err(self.error(format!(
                            "unexpected `{t}`: expected an operator (+ - * / ^){closing}{hint}"
                        )));
                    }
                };
                // `^` groups to the right: it reduces only what binds more tightly.
                let min = if op == BinOp::Pow {
                    POWER + 1
                } else {
                    op.precedence()
                };
                self.reduce(&mut operands, &mut frames, min);
                frames.push(Frame::Bin(op, start));
                self.pos += 1;
                break;
            }
        }
    }

    /// One token where an operand is expected: the operand, or `None` after a unary minus,
    /// `(` or `name(`, which wait on `frames`.
    fn prefix(&mut self, frames: &mut Vec<Frame>) -> Result<Option<Parsed>, ParseError> {
        let Token { tok, start, end } = self.tokens[self.pos].clone();
        match tok {
            Tok::Sym('-') => {
                self.pos += 1;
                frames.push(Frame::Neg(start));
                Ok(None)
            }
            Tok::Sym('(') => {
                self.pos += 1;
                frames.push(Frame::Paren(start));
                Ok(None)
            }
            Tok::Name(name) if self.tokens[self.pos + 1].tok == Tok::Sym('(') => {
                let Some(f) = function(&name) else {
                    return Err(ParseError::new(
                        start,
                        format!(
                            "unknown function `{name}`: the functions are {}",
                            function_names()
                        ),
                    ));
                };
                let open = self.tokens[self.pos + 1].start;
                self.pos += 2;
                frames.push(Frame::Call {
                    f,
                    start,
                    open,
                    args: Vec::new(),
                });
                Ok(None)
            }
            Tok::Name(name) => {
                self.pos += 1;
                if function(&name).is_some() {
                    return Err(ParseError::new(
                        start,
                        format!("`{name}` is a function: write {name}(…)"),
                    ));
                }
                let node = if let Some(&node) = self.scope.get(&name) {
                    node
                } else {
                    self.variables.push((name.clone(), start));
                    let k = self.variables.len() - 1;
                    let p = self.push(Kind::Input(k), start, start, end, ATOM);
                    self.scope.insert(name, p.node);
                    p.node
                };
                Ok(Some(Parsed { node, start, end }))
            }
            Tok::Num(x) => {
                self.pos += 1;
                Ok(Some(self.push(Kind::Num(x), start, start, end, ATOM)))
            }
            Tok::End | Tok::Newline | Tok::Sym(';') => {
                Err(self.error("the expression ends too early: expected a number, a name or `(`"))
            }
            Tok::Sym(')') => {
                Err(self.error("unbalanced `)`: expected a number, a name or `(` before it"))
            }
            Tok::Sym('=') => {
                Err(self.error("unexpected `=`: only a statement's start can be `name =`"))
            }
            Tok::Sym(c) | Tok::Other(c) => Err(self.error(format!(
                "unexpected `{c}`: expected a number, a name or `(`"
            ))),
        }
    }

    /// Applies the operators on top of `frames` whose precedence is at least `min` (down to
    /// an open parenthesis or call).
    fn reduce(&mut self, operands: &mut Vec<Parsed>, frames: &mut Vec<Frame>, min: u8) {
        while frames.last().is_some_and(|f| f.precedence() >= min.max(1)) {
            let top = frames.pop().expect("just seen");
            let b = operands.pop().expect("an operand for each operator");
            let e = match top {
                Frame::Neg(at) => self.push(Kind::Neg(b.node), at, at, b.end, UNARY),
                Frame::Bin(op, at) => {
                    let a = operands.pop().expect("two operands for a binary operator");
                    self.push(
                        Kind::Bin(op, a.node, b.node),
                        at,
                        a.start,
                        b.end,
                        op.precedence(),
                    )
                }
                Frame::Paren(_) | Frame::Call { .. } => unreachable!("precedence 0"),
            };
            operands.push(e);
        }
    }

    /// The end of an expression: everything reduced, and no parenthesis left open.
    fn finish(
        &mut self,
        mut operands: Vec<Parsed>,
        mut frames: Vec<Frame>,
    ) -> Result<Parsed, ParseError> {
        self.reduce(&mut operands, &mut frames, 0);
        if let Some(open) = frames.iter().rev().find_map(|f| match f {
            Frame::Paren(open) | Frame::Call { open, .. } => Some(*open),
            _ => None,
        }) {
            return Err(ParseError::new(
                open,
                "unbalanced `(`: no `)` closes it; add one",
            ));
        }
        Ok(operands.pop().expect("one operand left"))
    }

    /// The node of `f(args)`, from `start` (its name) to `end` (after its `)`).
    fn call(
        &mut self,
        f: &'static Function,
        args: Vec<usize>,
        start: usize,
        end: usize,
    ) -> Result<Parsed, ParseError> {
        let name = f.name;
        if args.len() != f.arity() {
            return Err(ParseError::new(
                start,
                format!(
                    "`{name}` takes {} argument{} ({name}({})), not {}",
                    f.arity(),
                    if f.arity() == 1 { "" } else { "s" },
                    f.params,
                    args.len()
                ),
            ));
        }
        if let (Apply::Numbers(_), Some(k)) = (
            f.apply,
            args.iter().skip(1).position(|&a| !self.nodes[a].constant),
        ) {
            let param = f.params.split(',').nth(k + 1).unwrap_or("").trim();
            return Err(ParseError::new(
                start,
                format!(
                    "the argument `{param}` of {name}({}) must be a number, not `{}`",
                    f.params,
                    self.nodes[args[k + 1]].name
                ),
            ));
        }
        Ok(self.push(Kind::Call(f, args), start, start, end, ATOM))
    }
}

/// What waits on the parser's stack for its right operand or its `)`.
#[derive(Clone, Debug)]
enum Frame {
    /// A unary minus at this column.
    Neg(usize),
    /// A binary operator at this column.
    Bin(BinOp, usize),
    /// `(` at this column.
    Paren(usize),
    /// A function call: the function, the column of its name and of its `(`, and the
    /// arguments so far.
    Call {
        f: &'static Function,
        start: usize,
        open: usize,
        args: Vec<usize>,
    },
}

impl Frame {
    /// How tightly the frame binds; 0 for a parenthesis or call, which only `)` closes.
    fn precedence(&self) -> u8 {
        match self {
            Frame::Neg(_) => UNARY,
            Frame::Bin(op, _) => op.precedence(),
            Frame::Paren(_) | Frame::Call { .. } => 0,
        }
    }

    fn is_open(&self) -> bool {
        self.precedence() == 0
    }
}

/// An operand while building: a node, or a number folded at build time.
#[derive(Clone, Copy, Debug)]
enum Operand<'g> {
    Node(Value<'g>),
    Number(f64),
}

/// A program built in a graph: its output node and its input leaves.
#[derive(Clone, Debug)]
pub struct Built<'g> {
    /// The output: the last statement's node. A program without variables gives a leaf
    /// holding its number.
    pub output: Value<'g>,
    /// Each input variable and its leaf, in order of first appearance.
    pub inputs: Vec<(String, Value<'g>)>,
    /// Every node built, in creation order (the leaves first), with its name and formula.
    pub nodes: Vec<BuiltNode<'g>>,
    /// Numbers folded at build time that are NaN or infinite: their name, value, and how
    /// many nodes had been built before them.
    folded_non_finite: Vec<(String, f64, usize, usize)>,
}

/// A node built for a program.
#[derive(Clone, Debug)]
pub struct BuiltNode<'g> {
    /// The node.
    pub value: Value<'g>,
    /// Its name, as given to it with [`Value::named`].
    pub name: String,
    /// How it is computed from its operands' names (`a*b − c`, `x ^ 2`, `tanh(h)`); `None`
    /// for a leaf.
    pub formula: Option<String>,
    /// The column of its operator, function, variable or statement name in the source.
    pub column: usize,
}

/// Where a NaN or an infinity first appears in a built program.
#[derive(Clone, Debug, PartialEq)]
pub struct NonFinite {
    /// The name of the node or folded number.
    pub name: String,
    /// Its value: NaN, ∞ or −∞.
    pub value: f64,
    /// The column of its operator or function in the source.
    pub column: usize,
}

impl Built<'_> {
    /// The first node or folded number, in the order the program computes them, whose value
    /// is NaN or infinite: where such a result comes from (`ln(x)` at x = −1). Reads the
    /// nodes' current values.
    pub fn first_non_finite(&self) -> Option<NonFinite> {
        let mut folded = self.folded_non_finite.iter().peekable();
        for (k, n) in self.nodes.iter().enumerate() {
            if let Some((name, value, _, column)) = folded.next_if(|f| f.2 <= k) {
                return Some(NonFinite {
                    name: name.clone(),
                    value: *value,
                    column: *column,
                });
            }
            let value = n.value.data();
            if !value.is_finite() {
                return Some(NonFinite {
                    name: n.name.clone(),
                    value,
                    column: n.column,
                });
            }
        }
        folded.next().map(|(name, value, _, column)| NonFinite {
            name: name.clone(),
            value: *value,
            column: *column,
        })
    }
}

/// Folds an operation on numbers through the engine's own op, on leaves of a scratch graph,
/// so that a folded number is the number the node would hold (`relu(NaN)` is NaN).
fn fold(numbers: &[f64], f: impl for<'s> Fn(&[Value<'s>]) -> Value<'s>) -> f64 {
    let scratch = Graph::new();
    let leaves: Vec<Value<'_>> = numbers.iter().map(|&x| scratch.value(x)).collect();
    f(&leaves).data()
}

impl Program {
    /// The input variables: the names used before any statement defines them, in order of
    /// first appearance.
    pub fn variables(&self) -> Vec<String> {
        self.variables.iter().map(|(n, _)| n.clone()).collect()
    }

    /// The name of the output node: the last statement's name or text. (A built node whose
    /// name another node already has gets a suffix, `h (2)`; [`Value::name`] of
    /// [`Built::output`] is the name it was given.)
    pub fn output_name(&self) -> &str {
        &self.nodes[self.output].name
    }

    /// Builds the program in `g`: each variable is one leaf, named after it, holding its
    /// value from `inputs` (names not in the program are ignored), and every node is named
    /// (see the [module docs](self)).
    ///
    /// # Errors
    /// A variable without a value, with the column of its first use.
    pub fn build<'g>(
        &self,
        g: &'g Graph,
        inputs: &BTreeMap<String, f64>,
    ) -> Result<Built<'g>, ParseError> {
        let mut leaves = Vec::with_capacity(self.variables.len());
        for (name, at) in &self.variables {
            let Some(&v) = inputs.get(name) else {
                return Err(ParseError::new(
                    *at,
                    format!("no value for `{name}`: give {name}=<number>"),
                ));
            };
            leaves.push((name.clone(), g.value(v).named(name)));
        }
        let mut b = Builder {
            g,
            program: self,
            built: Vec::with_capacity(self.nodes.len()),
            names: Vec::with_capacity(self.nodes.len()),
            used: leaves.iter().map(|(n, _)| (n.clone(), 1)).collect(),
            nodes: leaves
                .iter()
                .zip(&self.variables)
                .map(|((name, v), (_, at))| BuiltNode {
                    value: *v,
                    name: name.clone(),
                    formula: None,
                    column: *at,
                })
                .collect(),
            folded_non_finite: Vec::new(),
        };
        for (k, node) in self.nodes.iter().enumerate() {
            let operand = b.build(k, &leaves);
            let name = match (&node.kind, operand) {
                (Kind::Input(i), _) => leaves[*i].0.clone(),
                (_, Operand::Node(_)) => b.nodes.last().expect("just built").name.clone(),
                (_, Operand::Number(_)) => node.name.clone(),
            };
            b.built.push(operand);
            b.names.push(name);
        }
        let output = match b.built[self.output] {
            Operand::Node(v) => v,
            Operand::Number(x) => {
                let node = &self.nodes[self.output];
                b.leaf(x, &node.name, node.column)
            }
        };
        Ok(Built {
            output,
            inputs: leaves,
            nodes: b.nodes,
            folded_non_finite: b.folded_non_finite,
        })
    }
}

struct Builder<'p, 'g> {
    g: &'g Graph,
    program: &'p Program,
    /// Each program node's operand, by index.
    built: Vec<Operand<'g>>,
    /// Each program node's name as an operand: unique among nodes (see [`Builder::unique`]).
    names: Vec<String>,
    /// How many nodes have been given each name.
    used: BTreeMap<String, usize>,
    nodes: Vec<BuiltNode<'g>>,
    folded_non_finite: Vec<(String, f64, usize, usize)>,
}

impl<'g> Builder<'_, 'g> {
    /// `name`, or when a node already has it, `name (2)`, `name (3)`, …: every node of a
    /// program has its own name (`x*y + x*y`, or `x = x + 1` after the input `x`), so a
    /// drawing and a printout can name each one, and no drawing needs to qualify it.
    fn unique(&mut self, name: &str) -> String {
        let mut k = *self.used.get(name).unwrap_or(&0);
        let mut out = name.to_string();
        while self.used.contains_key(&out) {
            k += 1;
            out = format!("{name} ({k})");
        }
        self.used.insert(name.to_string(), k);
        self.used.insert(out.clone(), 1);
        out
    }

    /// A new leaf holding a number, named as written.
    fn leaf(&mut self, x: f64, name: &str, column: usize) -> Value<'g> {
        let name = self.unique(name);
        let v = self.g.value(x).named(&name);
        self.nodes.push(BuiltNode {
            value: v,
            name,
            formula: None,
            column,
        });
        v
    }

    /// The name of node `k` as an operand in a formula of precedence `outer`, in parentheses
    /// when it binds less tightly (or as tightly, with `tie`).
    fn operand(&self, k: usize, outer: u8, tie: bool) -> String {
        let p = self.program.nodes[k].operand_precedence();
        if p < outer || (tie && p == outer) {
            format!("({})", self.names[k])
        } else {
            self.names[k].clone()
        }
    }

    /// Records a new node with its name and formula.
    fn node(&mut self, v: Value<'g>, name: &str, formula: String, column: usize) -> Value<'g> {
        let name = self.unique(name);
        let v = v.named(&name);
        self.nodes.push(BuiltNode {
            value: v,
            name,
            formula: Some(formula),
            column,
        });
        v
    }

    /// Node `k`'s operand, built from the operands of the nodes before it.
    fn build(&mut self, k: usize, leaves: &[(String, Value<'g>)]) -> Operand<'g> {
        use Operand::{Node, Number};
        let n = &self.program.nodes[k];
        let (name, at) = (n.name.clone(), n.column);
        let result = match &n.kind {
            Kind::Num(x) => return Number(*x),
            Kind::Input(i) => return Node(leaves[*i].1),
            Kind::Neg(a) => {
                let formula = format!("−{}", self.operand(*a, UNARY, true));
                match self.built[*a] {
                    Number(x) => Number(fold(&[x], |v| -v[0])),
                    Node(x) => Node(self.node(-x, &name, formula, at)),
                }
            }
            Kind::Bin(op, a, b) => {
                let (a, b, op) = (*a, *b, *op);
                let formula = match op {
                    BinOp::Pow => format!(
                        "{} ^ {}",
                        self.operand(a, POWER, true),
                        self.operand(b, UNARY, false)
                    ),
                    _ => format!(
                        "{} {} {}",
                        self.operand(a, op.precedence(), false),
                        op.symbol(),
                        self.operand(b, op.precedence(), true)
                    ),
                };
                self.binary(op, a, b, &name, formula, at)
            }
            Kind::Call(f, args) => {
                let formula = format!(
                    "{}({})",
                    f.name,
                    args.iter()
                        .map(|&a| self.names[a].clone())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                self.call(f, args, &name, formula, at)
            }
        };
        if let Number(x) = result
            && !x.is_finite()
        {
            self.folded_non_finite.push((name, x, self.nodes.len(), at));
        }
        result
    }

    fn binary(
        &mut self,
        op: BinOp,
        a: usize,
        b: usize,
        name: &str,
        formula: String,
        at: usize,
    ) -> Operand<'g> {
        use Operand::{Node, Number};
        let (x, y) = (self.built[a], self.built[b]);
        let v = match (op, x, y) {
            (_, Number(x), Number(y)) => {
                return Number(fold(&[x, y], |v| match op {
                    BinOp::Add => v[0] + v[1],
                    BinOp::Sub => v[0] - v[1],
                    BinOp::Mul => v[0] * v[1],
                    BinOp::Div => v[0] / v[1],
                    BinOp::Pow => v[0].powf(v[1].data()),
                }));
            }
            (BinOp::Add, Node(x), Number(c)) => x + c,
            (BinOp::Add, Number(c), Node(y)) => c + y,
            (BinOp::Add, Node(x), Node(y)) => x + y,
            (BinOp::Sub, Node(x), Number(c)) => x - c,
            (BinOp::Sub, Number(c), Node(y)) => c - y,
            (BinOp::Sub, Node(x), Node(y)) => x - y,
            (BinOp::Mul, Node(x), Number(c)) => x * c,
            (BinOp::Mul, Number(c), Node(y)) => c * y,
            (BinOp::Mul, Node(x), Node(y)) => x * y,
            (BinOp::Div, Node(x), Number(c)) => x / c,
            (BinOp::Div, Number(c), Node(y)) => c / y,
            (BinOp::Div, Node(x), Node(y)) => x / y,
            (BinOp::Pow, Node(x), Number(c)) => x.powf(c),
            // A value as the exponent: x^y = exp(y·ln x), three nodes (see the module docs).
            (BinOp::Pow, base, Node(y)) => {
                let ln_name = format!("ln({})", self.names[a]);
                let ln = match base {
                    Number(c) => Number(fold(&[c], |v| v[0].ln())),
                    Node(x) => Node(self.node(x.ln(), &ln_name, ln_name.clone(), at)),
                };
                let ln_name = match ln {
                    Node(_) => self.nodes.last().expect("just built").name.clone(),
                    Number(_) => ln_name,
                };
                let product_name = format!("{}*{ln_name}", self.operand(b, PRODUCT, false));
                let formula_p = format!("{} × {ln_name}", self.operand(b, PRODUCT, false));
                let product = match ln {
                    Number(l) => y * l,
                    Node(l) => y * l,
                };
                let product = self.node(product, &product_name, formula_p, at);
                let product_name = self.nodes.last().expect("just built").name.clone();
                let v = product.exp();
                return Node(self.node(v, name, format!("exp({product_name})"), at));
            }
        };
        Node(self.node(v, name, formula, at))
    }

    fn call(
        &mut self,
        f: &Function,
        arg_nodes: &[usize],
        name: &str,
        formula: String,
        at: usize,
    ) -> Operand<'g> {
        use Operand::{Node, Number};
        let args: Vec<Operand<'g>> = arg_nodes.iter().map(|&a| self.built[a]).collect();
        if let Some(numbers) = args
            .iter()
            .map(|a| match a {
                Number(x) => Some(*x),
                Node(_) => None,
            })
            .collect::<Option<Vec<f64>>>()
        {
            return Number(fold(&numbers, |v| apply(f.apply, v, &numbers[1..])));
        }
        // A number where a value is needed (`max(x, 0)`) becomes a leaf named as written.
        let mut as_value = |k: usize| match args[k] {
            Node(v) => v,
            Number(x) => {
                let n = &self.program.nodes[arg_nodes[k]];
                self.leaf(x, &n.name, n.column)
            }
        };
        let v = match f.apply {
            Apply::Unary(h) => h(as_value(0)),
            Apply::Binary(h) => h(as_value(0), as_value(1)),
            Apply::Numbers(h) => {
                let Node(x) = args[0] else {
                    unreachable!("handled above")
                };
                // The parser accepts only numbers after the first argument.
                let numbers: Vec<f64> = args[1..]
                    .iter()
                    .map(|a| match a {
                        Number(c) => *c,
                        Node(v) => v.data(),
                    })
                    .collect();
                h(x, &numbers)
            }
        };
        Node(self.node(v, name, formula, at))
    }
}

/// `f` on leaves of a scratch graph, for folding.
fn apply<'s>(f: Apply, v: &[Value<'s>], numbers: &[f64]) -> Value<'s> {
    match f {
        Apply::Unary(h) => h(v[0]),
        Apply::Binary(h) => h(v[0], v[1]),
        Apply::Numbers(h) => h(v[0], numbers),
    }
}

/// The value and gradients of a program.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// The output's value.
    pub value: f64,
    /// d output / d variable, for each input variable by name.
    pub grads: BTreeMap<String, f64>,
}

/// Parses `source`, builds it in a new graph with `inputs`, and runs backward from the
/// output.
///
/// ```
/// use std::collections::BTreeMap;
/// let inputs = BTreeMap::from([("x".to_string(), 3.0)]);
/// let e = scalargrad::expr::evaluate("y = x^2; 2*y", &inputs)?;
/// assert_eq!((e.value, e.grads["x"]), (18.0, 12.0));
/// # Ok::<(), scalargrad::expr::ParseError>(())
/// ```
///
/// # Errors
/// What [`parse`] and [`Program::build`] return.
pub fn evaluate(source: &str, inputs: &BTreeMap<String, f64>) -> Result<Evaluation, ParseError> {
    let program = parse(source)?;
    let g = Graph::new();
    let built = program.build(&g, inputs)?;
    built.output.backward();
    Ok(Evaluation {
        value: built.output.data(),
        grads: built
            .inputs
            .iter()
            .map(|(name, v)| (name.clone(), v.grad()))
            .collect(),
    })
}
