//! TEMPORARY: the announced `scalargrad::expr` API over examples/draw/expr.rs, until the
//! library's module is merged.
#![allow(missing_docs, clippy::pedantic)]
use std::collections::BTreeMap;

use scalargrad::{Graph, Value};

#[path = "../../examples/draw/expr.rs"]
mod draw;

pub use draw::ParseError;

pub struct Program(draw::Expr);
pub struct Built<'g> {
    pub output: Value<'g>,
    pub inputs: BTreeMap<String, Value<'g>>,
}
pub struct Evaluation {
    pub value: f64,
    pub grads: BTreeMap<String, f64>,
}

pub fn parse(src: &str) -> Result<Program, ParseError> {
    draw::parse(src).map(Program)
}

impl Program {
    pub fn variables(&self) -> Vec<String> {
        draw::variables(&self.0)
            .into_iter()
            .map(|(n, _)| n)
            .collect()
    }
    pub fn build<'g>(
        &self,
        g: &'g Graph,
        values: &BTreeMap<String, f64>,
    ) -> Result<Built<'g>, ParseError> {
        let (b, inputs) = draw::build(&self.0, g, values)?;
        let output = match b {
            draw::Built::Const(c) => g.value(c),
            draw::Built::Node(v) => v,
        };
        Ok(Built { output, inputs })
    }
}

pub fn evaluate(src: &str, values: &BTreeMap<String, f64>) -> Result<Evaluation, ParseError> {
    let p = parse(src)?;
    let g = Graph::new();
    let b = p.build(&g, values)?;
    b.output.backward();
    Ok(Evaluation {
        value: b.output.data(),
        grads: b
            .inputs
            .iter()
            .map(|(k, v)| (k.clone(), v.grad()))
            .collect(),
    })
}
