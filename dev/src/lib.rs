//! scalargrad's maintainers' tools, kept out of the main package so that a learner's
//! `cargo run --example …` never compiles them. This crate has no API of its own.
//!
//! - `bench/`: every benchmark (BENCHMARKS.md): the workloads W1–W5 (`bench/main.rs`,
//!   `cargo run --release -p scalargrad-dev --bin bench`) with the flat-arena reference they
//!   are compared with, the criterion benchmarks (`bench/criterion.rs`,
//!   `cargo bench -p scalargrad-dev`), the instruction counts (`bench/instructions.sh`) and
//!   the Python peers (`bench/peers/`, `bench/side_by_side.sh`). Their input files are in the
//!   main package's `benches/data/`, which the library's moons data set also reads.
//! - `tests/`: the property tests, run by `cargo test --workspace`.
