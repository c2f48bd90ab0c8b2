//! The playground: the computation graph of your own expression, without writing Rust.
//!
//! ```text
//! cargo run --example draw -- "tanh(x*w + b)" x=1 w=2 b=0.5
//! cargo run --example draw -- "apple*n*tax" apple=100 n=2 tax=1.1 --book-style
//! ```
//!
//! It builds the graph with scalargrad's ops, runs backward from the result, prints every
//! node's value and gradient, and writes `<name>.dot` and `<name>.svg` into `--out` (default
//! `out/` of the repository, which git ignores). The language: `+ - * / ^`, unary minus,
//! parentheses, numbers (`2`, `0.5`, `1e-3`) and the functions
//! `exp ln log tanh relu sigmoid sqrt abs` (`log` is the natural logarithm). Bad input gets an
//! error with a caret under the offending column, and exit code 1.

#[path = "draw/expr.rs"]
mod expr;

#[path = "common/pictures.rs"]
mod pictures;

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Parser;
use expr::{Built, ParseError};
use scalargrad::Graph;
use scalargrad::viz::{self, Drawing};

/// Draw the computation graph of an expression, with every value and gradient.
#[derive(Parser)]
#[command(name = "draw")]
struct Options {
    /// The expression, e.g. "tanh(x*w + b)"; quote it for the shell
    expression: String,
    /// A value for each variable, e.g. x=1 w=2 b=0.5
    #[arg(value_name = "NAME=NUMBER", value_parser = assignment)]
    values: Vec<(String, f64)>,
    /// Directory for the .dot and .svg files [default: out/ of the repository, git-ignored]
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// File name of the drawings, without extension
    #[arg(long, default_value = "expression")]
    name: String,
    /// Draw as the book does: forward values and backward gradients on the arrows
    #[arg(long)]
    book_style: bool,
}

/// `x=1.5` → `("x", 1.5)`.
fn assignment(s: &str) -> Result<(String, f64), String> {
    let (name, value) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not NAME=NUMBER (e.g. x=1.5)"))?;
    let value: f64 = value
        .trim()
        .parse()
        .map_err(|_| format!("`{value}` is not a number (in `{s}`)"))?;
    Ok((name.trim().to_string(), value))
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
        if short(x).parse::<f64>().is_ok_and(|s| s == x) {
            String::new()
        } else {
            format!(" (f64: {x})")
        }
    };
    println!(
        "  {what:<28} value {:<10}{:<28} grad {}{}",
        short(data),
        exact(data),
        short(grad),
        exact(grad)
    );
}

fn main() {
    let opts = Options::parse();
    if let Err(message) = run(&opts) {
        eprintln!("draw: {message}");
        std::process::exit(1);
    }
}

fn run(opts: &Options) -> Result<(), String> {
    let caret = |e: ParseError| format!("bad expression\n{}", e.render(&opts.expression));
    let tree = expr::parse(&opts.expression).map_err(caret)?;
    let values: BTreeMap<String, f64> = opts.values.iter().cloned().collect();
    let g = Graph::new();
    let (root, _leaves) = expr::build(&tree, &g, &values).map_err(caret)?;
    let used = expr::variables(&tree);
    if let Some((name, _)) = opts
        .values
        .iter()
        .find(|(n, _)| !used.iter().any(|(u, _)| u == n))
    {
        return Err(format!(
            "{name}= is given but `{}` has no variable `{name}`",
            opts.expression
        ));
    }
    let Built::Node(root) = root else {
        return Err(format!(
            "`{}` has no variables: it is the number {}, with no graph to draw",
            opts.expression,
            short(match root {
                Built::Const(x) => x,
                Built::Node(v) => v.data(),
            })
        ));
    };
    let root = root.named("result");
    root.backward();

    println!("{} = {}", opts.expression, short(root.data()));
    println!("nodes, inputs first (grad = d result / d node):");
    let trace = viz::trace(root);
    // Each value node, in creation order, with the op that made it and that op's operands.
    let mut rows: Vec<(u32, String, f64, f64)> = Vec::new();
    for n in trace.graph.node_indices() {
        if let viz::TraceNode::Value {
            index,
            name,
            data,
            grad,
            ..
        } = &trace.graph[n]
        {
            let made_by = trace
                .graph
                .neighbors_directed(n, petgraph::Direction::Incoming)
                .find_map(|op| match &trace.graph[op] {
                    viz::TraceNode::Op { label, .. } => {
                        let mut args: Vec<u32> = trace
                            .graph
                            .neighbors_directed(op, petgraph::Direction::Incoming)
                            .filter_map(|a| match &trace.graph[a] {
                                viz::TraceNode::Value { index, .. } => Some(*index),
                                viz::TraceNode::Op { .. } => None,
                            })
                            .collect();
                        args.sort_unstable();
                        let args: Vec<String> = args.iter().map(|a| format!("#{a}")).collect();
                        Some(format!("{label} {}", args.join(", ")))
                    }
                    viz::TraceNode::Value { .. } => None,
                });
            let what = match (name, made_by) {
                (Some(name), Some(op)) => format!("#{index} {name} = {op}"),
                (Some(name), None) => format!("#{index} {name}"),
                (None, Some(op)) => format!("#{index} = {op}"),
                (None, None) => format!("#{index}"),
            };
            rows.push((*index, what, *data, *grad));
        }
    }
    rows.sort_by_key(|r| r.0);
    for (_, what, data, grad) in rows {
        row(&what, data, grad);
    }

    let options = viz::DrawOptions {
        title: Some(opts.expression.clone()),
        ..if opts.book_style {
            viz::DrawOptions::backward()
        } else {
            viz::DrawOptions::default()
        }
    };
    let dir = pictures::picture_dir(opts.out.as_deref(), false).map_err(|e| e.to_string())?;
    let files = Drawing::new(&opts.name, &trace, &options)
        .write(&dir)
        .map_err(|e| e.to_string())?;
    for path in files {
        println!("wrote {}", path.display());
    }
    Ok(())
}
