//! The playground: the computation graph of your own expression, without writing Rust.
//!
//! ```text
//! cargo run --example draw -- "tanh(x*w + b)" x=1 w=2 b=0.5
//! cargo run --example draw -- "apple*n*tax" apple=100 n=2 tax=1.1 --book-style
//! cargo run --example draw -- "-x^2" x=3
//! cargo run --example draw -- "h = a*b + c; tanh(h)" a=1 b=2 c=-1.5
//! ```
//!
//! It builds the graph with scalargrad's ops, runs backward from the result, prints every
//! node's value and gradient, and writes `<name>.dot`, `<name>.svg` and `<name>.html` into
//! `--out` (default `out/` of the repository, which git ignores), and `<name>.graphviz.svg`
//! when Graphviz's `dot` is installed. The language is [`scalargrad::expr`]'s: `+ - * / ^`
//! (`**` too), unary minus, parentheses, numbers, `exp ln log tanh relu sigmoid sqrt abs`,
//! and statements `name = expression` separated by `;` or new lines. Every node is named by
//! its text in the expression (`a*b`, `a*b + c`) or its statement's name, here and in the
//! drawings alike. Bad input gets an error with a caret under the offending column, and exit
//! code 1.

#[path = "common/pictures.rs"]
mod pictures;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Parser;
use scalargrad::Graph;
use scalargrad::expr::{self, ParseError};
use scalargrad::viz::{self, Drawing};

/// `println!` that ignores a closed stdout (`draw … | head`) instead of panicking.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// Draw the computation graph of an expression, with every value and gradient.
#[derive(Parser)]
#[command(name = "draw")]
struct Options {
    /// The expression, e.g. "tanh(x*w + b)"; quote it for the shell. It may start with a
    /// minus ("-x^2")
    #[arg(allow_hyphen_values = true)]
    expression: String,
    /// A value for each variable, e.g. x=1 w=2 b=0.5
    #[arg(value_name = "NAME=NUMBER", value_parser = assignment)]
    values: Vec<(String, f64)>,
    /// Directory for the drawings [default: out/ of the repository, git-ignored]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// File name of the drawings, without extension
    #[arg(long, default_value = "expression")]
    name: String,
    /// Draw as the book does: forward values and backward gradients on the arrows
    #[arg(long)]
    book_style: bool,
    /// Draw only graphs of at most this many nodes; a larger one gets its values printed
    /// and no drawing (the layout's time grows with the size)
    #[arg(long, value_name = "N", default_value_t = 1000)]
    max_nodes: usize,
    /// Seconds to wait for Graphviz's `dot` before giving up on `<name>.graphviz.svg`
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    graphviz_timeout: f64,
}

/// `x=1.5` → `("x", 1.5)`; the name is read as the language reads it (`ｘ` is `x`).
fn assignment(s: &str) -> Result<(String, f64), String> {
    let (name, value) = s
        .split_once(['=', '＝'])
        .ok_or_else(|| format!("`{s}` is not NAME=NUMBER (e.g. x=1.5)"))?;
    let value = expr::normalize(value.trim());
    let value: f64 = value
        .parse()
        .map_err(|_| format!("`{value}` is not a number (in `{s}`)"))?;
    Ok((expr::normalize(name.trim()), value))
}

/// A number as people write it: up to 10 decimals, no trailing zeros, no "-0".
fn short(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    let s = format!("{x:.10}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// Prints a node's value and gradient, with the exact `f64` when the short form rounds.
fn row(what: &str, data: f64, grad: f64) {
    let exact = |x: f64| {
        if !x.is_finite() || short(x).parse::<f64>().is_ok_and(|s| s == x) {
            String::new()
        } else {
            format!(" (f64: {x})")
        }
    };
    say!(
        "  {what:<28} value {:<10}{:<28} grad {}{}",
        short(data),
        exact(data),
        short(grad),
        exact(grad)
    );
}

/// Whether a formula says no more than the name (`a*b` and `a × b`): then only the name is
/// printed.
fn same_text(name: &str, formula: &str) -> bool {
    let key = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '×' => '*',
                '−' => '-',
                c => c,
            })
            .collect()
    };
    key(name) == key(formula)
}

fn main() {
    let opts = Options::parse();
    if let Err(message) = run(&opts) {
        eprintln!("draw: {message}");
        std::process::exit(1);
    }
}

fn run(opts: &Options) -> Result<(), String> {
    let source = &opts.expression;
    let caret = |e: ParseError| format!("bad expression\n{}", e.render(source));
    let program = expr::parse(source).map_err(caret)?;
    let mut values = BTreeMap::new();
    for (name, value) in &opts.values {
        if let Some(first) = values.insert(name.clone(), *value) {
            return Err(format!(
                "{name}= is given twice ({name}={} and {name}={}): give each variable one value",
                short(first),
                short(*value)
            ));
        }
    }
    let used = program.variables();
    if let Some(name) = values.keys().find(|n| !used.contains(n)) {
        return Err(format!(
            "{name}= is given but `{source}` has no variable `{name}`{}",
            if used.is_empty() {
                String::new()
            } else {
                format!(" (its variables: {})", used.join(", "))
            }
        ));
    }
    let g = Graph::new();
    let built = program.build(&g, &values).map_err(caret)?;
    let root = built.output;
    root.backward();
    let out = root.name().unwrap_or_default();

    say!("{out} = {}", short(root.data()));
    if used.is_empty() {
        say!("(no variables: the expression is a number)");
    }
    let trace = viz::trace(root);
    // The nodes the output depends on: a statement it does not use is not drawn.
    let drawn: BTreeSet<u32> = trace
        .graph
        .node_weights()
        .filter_map(|n| match n {
            viz::TraceNode::Value { index, .. } => Some(*index),
            viz::TraceNode::Op { .. } => None,
        })
        .collect();
    say!("nodes, inputs first (grad = ∂({out})/∂node):");
    for n in built
        .nodes
        .iter()
        .filter(|n| drawn.contains(&n.value.index()))
    {
        let what = match &n.formula {
            Some(f) if !same_text(&n.name, f) => format!("{} = {f}", n.name),
            _ => n.name.clone(),
        };
        row(&what, n.value.data(), n.value.grad());
    }
    if let Some(bad) = built.first_non_finite() {
        let here = ParseError {
            column: bad.column,
            message: "here".into(),
        };
        say!(
            "warning: `{}` is {}, the first NaN or infinity of the expression:\n{}",
            bad.name,
            short(bad.value),
            here.render(source)
        );
    }
    for (name, v) in &built.inputs {
        if !v.grad().is_finite() {
            say!(
                "warning: ∂({out})/∂{name} is {}: a local derivative on its path is infinite or NaN",
                short(v.grad())
            );
        }
    }

    let nodes = trace.graph.node_count();
    if nodes > opts.max_nodes {
        say!(
            "not drawn: the graph has {nodes} nodes and ops, more than --max-nodes {}",
            opts.max_nodes
        );
        return Ok(());
    }
    let options = viz::DrawOptions {
        title: Some(source.clone()),
        ..if opts.book_style {
            viz::DrawOptions::backward()
        } else {
            viz::DrawOptions::default()
        }
    };
    let dir = pictures::picture_dir(opts.out.as_deref(), false).map_err(|e| e.to_string())?;
    let drawing = Drawing::new(&opts.name, &trace, &options);
    for path in write(&drawing, &dir, opts.graphviz_timeout)? {
        say!("wrote {}", path.display());
    }
    Ok(())
}

/// Writes the `.dot`, `.svg` and `.html` files, and `.graphviz.svg` when Graphviz's `dot`
/// answers within `timeout` seconds (else says so and goes on).
fn write(drawing: &Drawing, dir: &Path, timeout: f64) -> Result<Vec<PathBuf>, String> {
    let mut files = vec![
        (
            dir.join(format!("{}.dot", drawing.stem)),
            drawing.dot.clone(),
        ),
        (
            dir.join(format!("{}.svg", drawing.stem)),
            drawing.svg.clone(),
        ),
        (
            dir.join(format!("{}.html", drawing.stem)),
            drawing.html.clone(),
        ),
    ];
    match viz::run_graphviz(&drawing.dot, Duration::from_secs_f64(timeout.max(0.0))) {
        viz::Graphviz::Svg(svg) => {
            files.push((dir.join(format!("{}.graphviz.svg", drawing.stem)), svg));
        }
        viz::Graphviz::Absent => {}
        viz::Graphviz::Failed(why) => say!(
            "no {}.graphviz.svg: {why}; --graphviz-timeout waits longer",
            drawing.stem
        ),
    }
    for (path, text) in &files {
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(files.into_iter().map(|(p, _)| p).collect())
}
