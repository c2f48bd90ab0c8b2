//! Training sessions on points of the plane, one step at a time: what a "train it yourself"
//! page drives, in plain Rust with no plotting.
//!
//! A [`Session`] is built from a [`Config`]:
//! - **data** ([`Data`]): the tutorial's XOR table, micrograd's moons (its demo's 100 points,
//!   or generated with a size, noise and seed), a circle, a spiral, or the learner's points;
//! - **network**: 0 to 3 hidden layers, an activation (sigmoid, tanh, ReLU), biases or not,
//!   a seed or explicit initial weights;
//! - **loss** ([`Output`]): softmax + cross-entropy (the tutorial's) or micrograd's hinge,
//!   with an optional L2 penalty;
//! - **optimizer** ([`Optimizer`]): SGD, Adam, AMSGrad, AdaGrad, RMSprop or AdamW, a learning rate and its
//!   [`Schedule`], full or mini-[`Batch`]es.
//!
//! Between steps it answers what a page draws: [`Session::loss`], [`Session::accuracy`], the
//! decision regions ([`Session::predict_grid`]), each neuron's output over the plane
//! ([`Session::neuron_grids`]), the weights ([`Session::model`]), how every weight moved in
//! the last step ([`Session::last_updates`]), and one sample's loss as a graph of its own to
//! draw and step through ([`Session::inspect`]).
//!
//! Nothing here computes a derivative or an update: the session builds its losses with
//! [`loss`](crate::loss) on an [`nn::Mlp`](crate::nn::Mlp), and updates with
//! [`optim`](crate::optim). So the two presets give the numbers of the examples that train
//! the same way:
//!
//! ```
//! use scalargrad::Graph;
//! use scalargrad::train::{Config, Session};
//!
//! // micrograd's demo (benchmark W1): 2-16-16-1 ReLU, hinge + L2 1e-4, SGD lr 1 − 0.9·k/100.
//! let g = Graph::new();
//! let mut moons = Session::new(&g, Config::moons())?;
//! let first = moons.step();
//! assert_eq!(format!("{:.12e}", first.loss), "9.128546778969e-1"); // W1's check value
//! # Ok::<(), scalargrad::Error>(())
//! ```
//!
//! [`Config::tutorial`] reproduces `cargo run --release --example xor_train` (see
//! [`Session`]).

mod config;
mod points;
mod session;

pub use config::{
    Batch, Config, MAX_HIDDEN_LAYERS, MAX_WIDTH, Optimizer, Output, Schedule, TUTORIAL_INIT,
};
pub use points::{Bounds, Data, MAX_POINTS, Point};
pub use session::{Inspection, Session, StepReport, Update};
