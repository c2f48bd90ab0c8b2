//! The speed machinery.

pub(crate) mod nary;
pub(crate) mod plan;
pub(crate) mod reach;
mod replay;
pub(crate) mod weighted_sum;
