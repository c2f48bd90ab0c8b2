//! The safetensors loader on random and mutated bytes: an error, never a panic (issue 11).
//! Kept here, with the other property tests, so that `cargo run --example` never builds
//! proptest; `cargo test --workspace` runs it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use rand::SeedableRng;
use scalargrad::nn::{Activation, Mlp, MlpBuilder, Module};
use scalargrad::{Error, Graph};

fn temp_path(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!("scalargrad-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{}-{name}", NEXT.fetch_add(1, Ordering::Relaxed)))
}

fn xor_builder() -> MlpBuilder {
    Mlp::builder(2)
        .layer(4, Activation::Sigmoid)
        .layer(2, Activation::Identity)
        .bias(false)
}

/// A valid file: the tutorial's architecture with seeded weights.
fn saved_xor(g: &Graph) -> (PathBuf, Vec<u8>) {
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(5);
    let model = xor_builder().build(g, &mut rng);
    assert_eq!(model.parameters().len(), 16);
    let path = temp_path("xor.safetensors");
    model.save_safetensors(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    (path, bytes)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Random bytes: an error, never a panic.
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let g = Graph::new();
        let path = temp_path("random.safetensors");
        std::fs::write(&path, &bytes).unwrap();
        prop_assert!(Mlp::load_safetensors(&g, &path).is_err());
        prop_assert!(xor_builder().load_safetensors(&g, &path).is_err());
        let _ = std::fs::remove_file(&path);
    }

    /// A valid file with bytes overwritten, a piece cut out or bytes inserted: loads or gives
    /// an error, never a panic; what loads has the file's architecture.
    #[test]
    fn mutated_files_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6)
    ) {
        let g = Graph::new();
        let (_, mut bytes) = saved_xor(&g);
        for (at, byte, kind) in edits {
            let i = at.index(bytes.len());
            match kind {
                0 => bytes[i] = byte,
                1 => { bytes.drain(i..(i + usize::from(byte % 16)).min(bytes.len())); }
                _ => bytes.insert(i, byte),
            }
        }
        let path = temp_path("mutated.safetensors");
        std::fs::write(&path, &bytes).unwrap();
        match Mlp::load_safetensors(&g, &path) {
            Ok(m) => prop_assert!(m.nin() > 0 && m.nout() > 0),
            Err(Error::Safetensors { path: p, .. }) => prop_assert_eq!(p, path.clone()),
            Err(e) => prop_assert!(false, "unexpected error kind: {e}"),
        }
        let _ = xor_builder().load_safetensors(&g, &path);
        let _ = std::fs::remove_file(&path);
    }
}
