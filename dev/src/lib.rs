//! Development checks for `scalargrad` that need heavy dependencies: the criterion benchmarks
//! (`benches/engine.rs`, `cargo bench -p scalargrad-dev`) and the property tests
//! (`tests/`, run by `cargo test --workspace`). This crate has no API of its own.
