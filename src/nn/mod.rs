//! Neural networks built only from [`Value`](crate::Value) nodes: [`Neuron`], [`Layer`] and
//! [`Mlp`], each a [`Module`] whose parameters are leaves of the graph.
//!
//! ```
//! use scalargrad::rand::SeedableRng;
//! use scalargrad::Graph;
//! use scalargrad::nn::{Activation, Mlp, Module};
//!
//! let g = Graph::new();
//! let mut rng = scalargrad::rand::rngs::Xoshiro256PlusPlus::seed_from_u64(0);
//! // The tutorial's network: 2 inputs, 4 sigmoid hidden units, 2 outputs, no biases.
//! let model = Mlp::builder(2)
//!     .layer(4, Activation::Sigmoid)
//!     .layer(2, Activation::Identity)
//!     .bias(false)
//!     .build(&g, &mut rng);
//! assert_eq!(model.parameters().len(), 2 * 4 + 4 * 2);
//! let y = model.forward(&g.values(&[1.0, 0.0]))?;
//! assert_eq!(y.len(), 2);
//! # Ok::<(), scalargrad::Error>(())
//! ```

mod activation;
mod init;
mod layer;
mod mlp;
mod module;
mod neuron;
mod pytorch;

pub use activation::Activation;
pub use init::Init;
pub use layer::Layer;
pub use mlp::{Mlp, MlpBuilder};
pub use module::Module;
pub use neuron::Neuron;
pub use pytorch::{NamedParameter, SaveOptions};
