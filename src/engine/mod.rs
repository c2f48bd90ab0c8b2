//! The engine: the arena, its handles, the ops and the sweeps.
//!
//! # Map
//! The teaching core, in reading order:
//!
//! | file | what it holds |
//! |---|---|
//! | `op.rs` | [`Op`]: every op's value and local derivatives, side by side (all the calculus) |
//! | `node.rs` | `Node`, one 32-byte entry of the arena, and how it encodes "not reached yet" |
//! | `arena.rs` | `Arena`: everything a graph owns; the test that tells a live handle from a stale one |
//! | `graph.rs` | [`Graph`]: the one door into the arena (`with`), leaves, misuse reports |
//! | `value.rs` | [`Value`]: the `Copy` handle, its accessors and operators |
//! | `backward.rs` | the reverse sweep |
//! | `scope.rs`, `checkpoint.rs` | named scopes for drawings; [`Checkpoint`] and rewind |
//! | `grad.rs`, `jvp.rs` | derivatives as values (`create_graph`), forward mode |
//!
//! Behind one door, `fast/`, the machinery that only makes things faster and never changes a
//! bit (each file says what it buys; figures in BENCHMARKS.md):
//!
//! | file | what it holds |
//! |---|---|
//! | `fast/reach.rs` | the memo of backward sweeps known to reach every op node |
//! | `fast/nary.rs` | the n-ary weighted-sum node [`Op::Dot`]: decoding, value, backward |
//! | `fast/weighted_sum.rs` | [`Graph::weighted_sum`] (one node) and the `×`/`+` chain written in one borrow (for `nn`) |
//! | `fast/plan.rs`, `fast/replay.rs` | [`Graph::recompute`] and its plan |
//!
//! Files import downward only: `op`, `node` → the `fast` kernels (`nary`, `reach`, `plan`) →
//! `arena` → `graph` and `value` (a handle and its graph name each other) → everything else.
//!
//! # The arena's aliasing contract
//! A [`Graph`] keeps its `Arena` in an `UnsafeCell`, and every access makes a `&mut Arena`
//! from it: through `Graph::with` (a closure), or `Graph::arena_mut` in the per-node hot paths
//! that cannot afford a closure call. The `&mut` is unique while it lives because:
//! - `Graph` is `!Sync`, so only one thread reaches the arena;
//! - no access calls back into the graph, and no reference into the arena escapes one (what
//!   it returns is owned data);
//! - **no user code runs while the borrow lives**: no user closure, iterator, `fmt::Write`,
//!   `AsRef`, or `Drop` of a user type (the arena holds only engine-owned data);
//! - **no panic starts while the borrow lives**, because a panic runs the process's panic
//!   hook, which is user code: misuse is detected inside (`Misuse`) and reported by a panic
//!   after the borrow has ended (`Graph::misuse`).
//!
//! Every `SAFETY` comment that makes the `&mut` cites this contract in one line. Nothing
//! outside this folder uses `unsafe` code of the engine, and `nn` and `optim` reach it only
//! through safe calls.
//!
//! The crate denies `unsafe_code`; six files here allow it, each for a reason measured in
//! BENCHMARKS.md ("what each fast path buys"): `graph.rs` (the `UnsafeCell`, because a
//! `RefCell`'s guard around every op was measured too costly), `value.rs` (the operators' one borrow each, and unchecked
//! reads of live nodes), `arena.rs` (`push`), `backward.rs` (`propagate`), `fast/plan.rs`
//! (the replay plan's byte offsets) and `fast/weighted_sum.rs` (the chain writer). Outside
//! the engine, only `src/optim/fma.rs` allows it, for its one call into FMA-compiled code.

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

pub(crate) use arena::NameId;
pub use checkpoint::Checkpoint;
pub(crate) use fast::weighted_sum::{LiveInputs, SumParams};
pub use graph::Graph;
pub use op::{Arity, Op, Scalar};
pub use scope::ScopeId;
pub use value::Value;
