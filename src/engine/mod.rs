//! The engine: the arena, its handles, the ops and the sweeps.

mod backward;
mod fast;
pub(crate) mod grad;
pub(crate) mod graph;
mod jvp;
pub(crate) mod op;
pub(crate) mod value;

pub(crate) use graph::NameId;
pub use graph::{Checkpoint, Graph, ScopeId};
pub use op::{Arity, Op, Scalar};
pub use value::Value;
