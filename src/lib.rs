//! # scalargrad
//!
//! A scalar automatic-differentiation engine in the spirit of micrograd: every number is a
//! node in a computation graph, and [`Value::backward`] applies the chain rule from the output
//! back to every input.
//!
//! ```
//! use scalargrad::Graph;
//!
//! // The apple example of ゼロから作るDeep Learning, ch. 5: 100 yen × 2 apples × 1.1 tax.
//! let g = Graph::new();
//! let apple = g.value(100.0).named("apple");
//! let apple_num = g.value(2.0).named("apple_num");
//! let tax = g.value(1.1).named("tax");
//! let price = apple * apple_num * tax;
//! price.backward();
//!
//! assert!((price.data() - 220.0).abs() < 1e-9); // f64 gives 220.00000000000003
//! assert!((apple.grad() - 2.2).abs() < 1e-12);
//! assert!((apple_num.grad() - 110.0).abs() < 1e-12);
//! assert!((tax.grad() - 200.0).abs() < 1e-12);
//! ```
//!
//! The [`tutorial`] module walks through the tutorial section by section, with the command
//! and the picture for each.
//!
//! ## Design
//! The graph is an **arena**: a [`Graph`] owns every node in one `Vec`, in creation order,
//! which is already a topological order. A [`Value`] is a small `Copy` handle into it, so
//! arithmetic reads like arithmetic on `f64`. Backward is one reverse sweep: no recursion,
//! so a million-node chain is fine. A training loop keeps its memory flat with
//! [`Graph::checkpoint`] and [`Graph::rewind`].
//!
//! | module | what it holds |
//! |---|---|
//! | `engine/` | the engine, one concept per file (its map and its one `unsafe` contract are in `src/engine/mod.rs`): |
//! | `engine/op` | [`Op`]: every op's forward value and local derivatives, side by side |
//! | `engine/node`, `engine/arena` | one 32-byte node; the arena that owns them and tells live handles from stale ones |
//! | `engine/graph` | [`Graph`]: the door into the arena, leaves |
//! | `engine/value` | [`Value`]: accessors and operators |
//! | `engine/backward` | the reverse sweep |
//! | `engine/scope`, `engine/checkpoint` | named scopes; [`Graph::checkpoint`] and [`Graph::rewind`] |
//! | `engine/grad` | [`Graph::grad`]: derivatives as values, differentiable again (`create_graph=True`) |
//! | `engine/jvp` | [`Graph::jvp`]: forward mode, tangents as values (composes with `grad`); [`Graph::jvp_values`]: numbers only |
//! | `engine/fast/` | speed machinery that never changes a bit: [`Graph::recompute`] (replay) and its plan, the n-ary [`Op::Dot`] node, the reachability memo, the weighted-sum chain |
//! | `jacobian` | [`Graph::jacobian`], forward or reverse by shape (`jacfwd`/`jacrev`), built on the public API |
//! | `hessian` | [`hessian`] and [`hessian_vector_product`], built on the public API |
//! | [`gradcheck`](mod@gradcheck) | finite-difference checking; the book's [`numerical_gradient`] |
//! | [`nn`] | `Module`, `Neuron`, `Layer`, `Mlp`, built only from values |
//! | [`loss`] | softmax, log-softmax, cross-entropy (PyTorch's and the tutorial's), MSE, hinge |
//! | [`optim`] | `Sgd` and `Adam` (AMSGrad) with `torch.optim`'s update rules and roundings: SGD bit-exact, Adam up to torch's square root |
//! | [`data`] | CSV datasets with errors that name the file, line and column |
//! | [`io`] | safetensors files (Hugging Face's `safetensors` crate); `Mlp` saves and loads them under PyTorch's names |
//! | [`train`] | training sessions on points of the plane, step by step: presets for the tutorial and micrograd's demo, decision regions, per-neuron outputs, a look inside one sample |
//! | [`Matrix`] | small matrices of values and their product |
//! | [`expr`] | the playground language (`tanh(x*w + b)`): parsed, built with the engine's ops, named for drawings |
//! | [`viz`] | a `petgraph` view of a graph, DOT and SVG drawings (the engine knows nothing of it) |
//! | [`prelude`] | `use scalargrad::prelude::*;`: the graph, models, losses, optimizers and their traits |
//! | [`rand`](mod@rand) | the `rand` crate (0.10) that the constructors taking an RNG expect |
//!
//! ## Errors and panics: one rule
//! - **Arithmetic never fails.** Ops follow `f64` semantics: NaN and infinities propagate,
//!   and each op's derivative matches PyTorch's at its edge points.
//! - **What depends on data or shapes returns a [`Result`]**: files ([`data`]), model inputs
//!   and layer shapes ([`nn`], [`loss`], [`Matrix`]), optimizer settings ([`optim`]). Where a
//!   panicking convenience exists for code whose shapes are fixed, a `try_` twin returns the
//!   error instead ([`Graph::weighted_sum`] and [`Graph::try_weighted_sum`]).
//! - **Misuse of the engine panics**, with a message that names the values and the remedy:
//!   combining values of two graphs, using a value after a rewind discarded it, rewinding to a
//!   checkpoint that is no longer valid or belongs to another graph. These are bugs in the
//!   calling code that would otherwise read another node's number; each is listed under
//!   `# Panics` where it can happen. The engine raises them only after it has released the
//!   graph, so a panic hook or `catch_unwind` may go on using the graph.
#![warn(missing_docs)]
// `unsafe` code lives only in the files that allow it: six in `src/engine/` (its contract is
// in `src/engine/mod.rs`) and `src/optim/fma.rs`; what each buys is in BENCHMARKS.md ("what
// each fast path buys").
#![deny(unsafe_code)]

pub mod data;
mod engine;
mod error;
pub mod expr;
pub mod gradcheck;
mod hessian;
pub mod io;
mod jacobian;
pub mod loss;
mod matrix;
pub mod nn;
pub mod optim;
pub mod prelude;
mod sum;
pub mod train;
pub mod tutorial;
pub mod viz;

pub use data::Dataset;
pub use engine::{Arity, Checkpoint, Graph, Op, Scalar, ScopeId, Value};
pub use error::{Error, Result, SafetensorsProblem, Shape};
pub use gradcheck::{
    GradcheckReport, gradcheck, gradcheck_with_step, gradgradcheck, numerical_gradient,
    numerical_gradient_with_step,
};
pub use hessian::{hessian, hessian_vector_product};
pub use matrix::Matrix;

/// The `rand` crate this crate's public API uses (0.10; [`nn::Neuron::new`] and
/// [`nn::MlpBuilder::build`] take its RNGs). Use `scalargrad::rand` rather than a `rand` of
/// your own, so the versions always agree: a `rand` 0.9 RNG would not fit, and a snippet
/// pasted into a new project compiles without adding `rand` to its `Cargo.toml`.
///
/// It is built with the `std` feature only, so it has:
/// - seeded generators: `rngs::Xoshiro256PlusPlus` (the one the docs use), `rngs::SmallRng`,
///   `rngs::Xoshiro128PlusPlus`, with `SeedableRng::seed_from_u64`;
/// - rand 0.10's names for drawing numbers: the method `random_range` (rand ≤ 0.8 called it
///   `gen_range`) and `random`, from the trait `RngExt` (`use scalargrad::rand::RngExt;`).
///
/// Not included: `rngs::StdRng`, `rand::rng()` (the thread-local generator, `thread_rng()`
/// in rand ≤ 0.8) and `rngs::SysRng`, which need rand's default features. To use them, add
/// `rand = "0.10"` to your own `Cargo.toml`: Cargo then builds one `rand` 0.10 with the
/// features of both, so its generators also fit scalargrad's functions.
///
/// ```
/// use scalargrad::rand::rngs::Xoshiro256PlusPlus;
/// use scalargrad::rand::{RngExt, SeedableRng};
///
/// let mut rng = Xoshiro256PlusPlus::seed_from_u64(0);
/// let x: f64 = rng.random_range(-1.0..1.0); // `gen_range` in rand 0.8
/// assert!((-1.0..1.0).contains(&x));
/// ```
pub use rand;

/// The README's example is compiled and run as a doc test.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The Japanese README's example is compiled and run as a doc test too.
#[doc = include_str!("../README.ja.md")]
#[cfg(doctest)]
pub struct ReadmeJaDoctests;
