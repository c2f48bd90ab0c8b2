//! The engine: the arena, its handles, the ops and the sweeps.

mod arena;
mod backward;
mod checkpoint;
mod fast;
pub(crate) mod grad;
pub(crate) mod graph;
mod jvp;
mod node;
pub(crate) mod op;
mod scope;
pub(crate) mod value;

pub use checkpoint::Checkpoint;
pub(crate) use fast::weighted_sum::{LiveInputs, SumParams};
pub use graph::Graph;
pub use op::{Arity, Op, Scalar};
pub(crate) use scope::NameId;
pub use scope::ScopeId;
pub use value::Value;
