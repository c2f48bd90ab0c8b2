//! The speed machinery.

mod chain;
pub(crate) mod plan;
mod replay;
