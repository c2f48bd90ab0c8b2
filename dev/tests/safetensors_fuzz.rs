//! The safetensors loader on random and mutated bytes: an error, never a panic,
//! and our reader and writer against the reference implementation (the `safetensors` crate).
//! Kept here, with the other property tests, so that `cargo run --example` never builds
//! proptest or the reference crate; `cargo test --workspace` runs them.

use proptest::prelude::*;
use scalargrad::io::safetensors::{Dtype, SafetensorsFile};
use scalargrad::nn::{Mlp, SaveOptions};
use scalargrad::{Error, Graph};

// The main package's test helpers (temporary paths, the networks saved in both test files).
#[path = "../../tests/common/mod.rs"]
mod common;
use common::{mixed_model, saved_xor, temp_path, xor_builder};

/// The reference implementation (Hugging Face's `safetensors` crate, which
/// `safetensors.torch` runs) reads what we write, and we read what it writes.
#[test]
fn reference_implementation_agrees_with_our_reader_and_writer() {
    let g = Graph::new();
    let model = mixed_model(&g, 3);
    for dtype in [Dtype::F64, Dtype::F32] {
        let path = temp_path("reference.safetensors");
        let options = SaveOptions {
            dtype,
            ..SaveOptions::default()
        };
        model.save_safetensors_with(&path, options).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let theirs = safetensors::SafeTensors::deserialize(&bytes).unwrap();
        let ours = SafetensorsFile::read(&path).unwrap();
        assert_eq!(theirs.len(), ours.tensors.len());
        for (name, t) in &ours.tensors {
            let view = theirs.tensor(name).unwrap();
            assert_eq!(view.shape(), t.shape.as_slice());
            let want = match dtype {
                Dtype::F64 => safetensors::Dtype::F64,
                Dtype::F32 => safetensors::Dtype::F32,
            };
            assert_eq!(view.dtype(), want);
            let size = dtype.size();
            assert_eq!(view.data().len(), t.data.len() * size);
        }
        let (_, meta) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
        let meta = meta.metadata().as_ref().unwrap();
        assert_eq!(meta.get("scalargrad.sizes").unwrap(), "3,5,4,4,3,2");
    }

    // The other way: their writer, our reader (tensors in their order: sorted by name).
    let w: Vec<u8> = [1.0f64, -2.0, 0.5, 4.0, 3.0, 0.25, -1.0, 2.0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let w2: Vec<u8> = [0.5f32, -0.5, 1.5, 2.5, 1.0, 0.0, -1.0, 3.0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let tensors = [
        (
            "0.weight",
            safetensors::tensor::TensorView::new(safetensors::Dtype::F64, vec![4, 2], &w).unwrap(),
        ),
        (
            "2.weight",
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![2, 4], &w2).unwrap(),
        ),
    ];
    let path = temp_path("theirs.safetensors");
    std::fs::write(&path, safetensors::serialize(tensors, None).unwrap()).unwrap();
    let model = xor_builder().load_safetensors(&g, &path).unwrap();
    assert_eq!(
        model.layers()[0].weight_matrix(),
        [vec![1.0, 0.5, 3.0, -1.0], vec![-2.0, 4.0, 0.25, 2.0]]
    );
    assert_eq!(model.layers()[1].weight_matrix()[3], [2.5, 3.0]);
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
