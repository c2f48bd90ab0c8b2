//! The names most programs need, in one import: `use scalargrad::prelude::*;`.
//!
//! It brings the graph and its values, the model building blocks, the losses, the optimizers
//! with their configurations, and the [`Module`] and [`Optimizer`] traits, without which
//! `model.parameters()` and `optimizer.step()` do not resolve.
//!
//! ```
//! use scalargrad::prelude::*;
//! use scalargrad::rand::SeedableRng;
//!
//! let g = Graph::new();
//! let mut rng = scalargrad::rand::rngs::Xoshiro256PlusPlus::seed_from_u64(0);
//! let model = Mlp::builder(2).layer(1, Activation::Identity).build(&g, &mut rng);
//! let mut sgd = Sgd::new(model.parameters(), SgdConfig::default())?;
//! let cp = g.checkpoint();
//! let y = model.forward(&g.values(&[1.0, 2.0]))?;
//! let loss = mse(&y, &[0.5], Reduction::Mean)?;
//! sgd.zero_grad();
//! loss.backward();
//! sgd.step();
//! g.rewind(cp);
//! # Ok::<(), scalargrad::Error>(())
//! ```

pub use crate::Value;
pub use crate::data::Dataset;
pub use crate::error::{Error, Result};
pub use crate::loss::{Reduction, Target, cross_entropy, mse, softmax};
pub use crate::nn::{Activation, Layer, Mlp, Module, Neuron};
pub use crate::optim::{
    Adagrad, AdagradConfig, Adam, AdamConfig, AdamW, AdamWConfig, Optimizer, RmsProp,
    RmsPropConfig, Sgd, SgdConfig,
};
pub use crate::{Checkpoint, Graph};
