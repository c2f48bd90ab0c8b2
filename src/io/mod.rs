//! Reading and writing model files. The engine knows nothing of it: this module only sees
//! plain numbers, and [`nn`](crate::nn) maps them onto a network.
//!
//! - [`safetensors`]: the format PyTorch users share weights in (`safetensors.torch`).

pub(crate) mod json;
pub mod safetensors;
