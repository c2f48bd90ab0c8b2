//! The bridge to PyTorch: `Mlp` saved and loaded as safetensors under `nn.Sequential`'s names.
//!
//! Fixtures written by PyTorch 2.15 with `scripts/gen_safetensors_fixtures.py`:
//! `sample_data/reference/xor_init_torch.safetensors` (the tutorial's `torch.manual_seed(0)`
//! weights, float32, no scalargrad metadata) and `tests/data/mlp_torch.safetensors` with
//! `tests/data/mlp_torch_outputs.csv` (a float64 3-5-4-4-2 network and its outputs).

mod common;

use std::path::{Path, PathBuf};

use common::{assert_close, mixed_model, saved_xor, temp_path, xor_builder};
use rand::SeedableRng;
use scalargrad::io::safetensors::{Dtype, SafetensorsFile, Tensor};
use scalargrad::nn::{Activation, Mlp, Module, SaveOptions};
use scalargrad::{Error, Graph, SafetensorsProblem};

#[path = "../examples/common/mod.rs"]
mod example_common;
use example_common::{matrix, reference};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

const INPUTS: [[f64; 3]; 4] = [
    [0.0, 0.0, 0.0],
    [0.5, -1.5, 2.0],
    [-3.0, 0.25, 1.0],
    [10.0, -7.0, 0.001],
];

fn outputs(g: &Graph, model: &Mlp<'_>, x: &[f64]) -> Vec<f64> {
    let cp = g.checkpoint();
    let y = model.forward(&g.values(x)).unwrap();
    let y = y.iter().map(|v| v.data()).collect();
    g.rewind(cp);
    y
}

fn problem(e: Error, path: &Path) -> SafetensorsProblem {
    let message = e.to_string();
    match e {
        Error::Safetensors { path: p, problem } => {
            assert_eq!(p, path, "the error names the file");
            assert!(
                message.starts_with(&path.display().to_string()),
                "{message}"
            );
            problem
        }
        other => panic!("expected Error::Safetensors, got {other:?}"),
    }
}

#[test]
fn f64_round_trip_gives_the_same_predictions_to_the_bit() {
    let g = Graph::new();
    let model = mixed_model(&g, 7);
    let path = temp_path("round-trip.safetensors");
    model.save_safetensors(&path).unwrap();
    let loaded = Mlp::load_safetensors(&g, &path).unwrap();
    let bits =
        |m: &Mlp<'_>| -> Vec<u64> { m.parameters().iter().map(|p| p.data().to_bits()).collect() };
    assert_eq!(bits(&loaded), bits(&model));
    assert_eq!(loaded.pytorch_code(), model.pytorch_code());
    for x in &INPUTS {
        let (a, b) = (outputs(&g, &model, x), outputs(&g, &loaded, x));
        assert_eq!(
            a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            b.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }
}

#[test]
fn f32_round_trip_stays_within_the_rounding_of_the_weights() {
    let g = Graph::new();
    let model = mixed_model(&g, 8);
    let path = temp_path("round-trip-f32.safetensors");
    let options = SaveOptions {
        dtype: Dtype::F32,
        ..SaveOptions::default()
    };
    model.save_safetensors_with(&path, options).unwrap();
    assert_eq!(
        std::fs::metadata(&path).unwrap().len() % 4,
        0,
        "4 bytes per weight after an 8-byte-aligned header"
    );
    let loaded = Mlp::load_safetensors(&g, &path).unwrap();
    for (p, q) in model.parameters().iter().zip(loaded.parameters()) {
        #[allow(clippy::cast_possible_truncation)]
        let rounded = f64::from(p.data() as f32);
        assert_eq!(q.data(), rounded, "each weight is its nearest f32");
    }
    // Every weight moved by at most half an f32 ulp (relative 2^-24 ≈ 6e-8): the outputs move
    // by about that much, times the network's gain.
    for x in &INPUTS {
        for (a, b) in outputs(&g, &model, x).iter().zip(outputs(&g, &loaded, x)) {
            assert_close("f32 output", b, *a, 1e-6);
        }
    }
}

#[test]
fn tensors_take_the_names_and_layouts_of_nn_sequential() {
    let g = Graph::new();
    let model = mixed_model(&g, 9);
    let path = temp_path("names.safetensors");
    model.save_safetensors(&path).unwrap();
    let file = SafetensorsFile::read(&path).unwrap();
    let names: Vec<(&str, &[usize])> = file
        .tensors
        .iter()
        .map(|(n, t)| (n.as_str(), t.shape.as_slice()))
        .collect();
    // Linear(3,5) Tanh Linear(5,4) ReLU Linear(4,4) Linear(4,3) Sigmoid Linear(3,2):
    // indices 0, 2, 4, 5, 7 (the identity layer adds no module).
    assert_eq!(
        names,
        [
            ("0.weight", &[5, 3][..]),
            ("0.bias", &[5][..]),
            ("2.weight", &[4, 5][..]),
            ("2.bias", &[4][..]),
            ("4.weight", &[4, 4][..]),
            ("4.bias", &[4][..]),
            ("5.weight", &[3, 4][..]),
            ("5.bias", &[3][..]),
            ("7.weight", &[2, 3][..]),
            ("7.bias", &[2][..]),
        ]
    );
    // [out, in]: row j of 0.weight is neuron j's weights.
    let w0 = &file.tensor("0.weight").unwrap().data;
    let n1 = &model.layers()[0].neurons()[1];
    assert_eq!(
        &w0[3..6],
        n1.weights().iter().map(|w| w.data()).collect::<Vec<_>>()
    );
    assert_eq!(
        file.tensor("0.bias").unwrap().data[1],
        n1.bias().unwrap().data()
    );
    assert_eq!(file.metadata["format"], "pt");
    assert_eq!(file.metadata["scalargrad.sizes"], "3,5,4,4,3,2");
    assert_eq!(
        file.metadata["scalargrad.activations"],
        "tanh,relu,identity,sigmoid,identity"
    );
    assert_eq!(file.metadata["scalargrad.bias"], "true,true,true,true,true");
}

#[test]
fn pytorch_code_is_the_equivalent_sequential() {
    let g = Graph::new();
    let model = mixed_model(&g, 1);
    assert_eq!(
        model.pytorch_code(),
        "import torch
from torch import nn
from safetensors.torch import load_file

# scalargrad Mlp: 3 → 5 (tanh) → 4 (relu) → 4 (identity) → 3 (sigmoid) → 2 (identity), with bias.
# The same network in PyTorch, in float64 like scalargrad.
model = nn.Sequential(
    nn.Linear(3, 5),
    nn.Tanh(),
    nn.Linear(5, 4),
    nn.ReLU(),
    nn.Linear(4, 4),
    nn.Linear(4, 3),
    nn.Sigmoid(),
    nn.Linear(3, 2),
).double()

# The weights Mlp::save_safetensors wrote:
# model.load_state_dict(load_file(\"model.safetensors\"))
"
    );
}

#[test]
fn save_can_write_the_pytorch_code_beside_the_weights() {
    let g = Graph::new();
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(0);
    let model = xor_builder().build(&g, &mut rng);
    let path = temp_path("beside.safetensors");
    let options = SaveOptions {
        python: true,
        ..SaveOptions::default()
    };
    model.save_safetensors_with(&path, options).unwrap();
    let code = std::fs::read_to_string(path.with_extension("py")).unwrap();
    let name = path.file_name().unwrap().to_str().unwrap();
    assert!(
        code.contains("    nn.Linear(2, 4, bias=False),\n    nn.Sigmoid(),\n"),
        "{code}"
    );
    assert!(
        code.ends_with(&format!(
            "model.load_state_dict(load_file(Path(__file__).with_name(\"{name}\")))\n"
        )),
        "{code}"
    );
}

/// `tests/data/mlp_torch.safetensors`: written by PyTorch with scalargrad's metadata keys, so
/// `load_safetensors` rebuilds it without being told the shape.
#[test]
fn pytorch_fixture_loads_and_gives_pytorchs_outputs() {
    let g = Graph::new();
    let model = Mlp::load_safetensors(&g, root().join("tests/data/mlp_torch.safetensors")).unwrap();
    assert_eq!((model.nin(), model.nout(), model.layers().len()), (3, 2, 4));
    let csv = std::fs::read_to_string(root().join("tests/data/mlp_torch_outputs.csv")).unwrap();
    let mut rows = 0;
    for line in csv.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|s| s.parse().unwrap()).collect();
        let y = outputs(&g, &model, &v[..3]);
        assert_close("y0", y[0], v[3], 1e-12);
        assert_close("y1", y[1], v[4], 1e-12);
        rows += 1;
    }
    assert_eq!(rows, 5);
}

/// `sample_data/reference/xor_init_torch.safetensors`: the tutorial's initial weights, as
/// PyTorch saves a `state_dict` (float32, no scalargrad metadata): the builder gives the shape.
#[test]
fn tutorial_init_written_by_pytorch_loads_through_the_builder() {
    let g = Graph::new();
    let path = root().join("sample_data/reference/xor_init_torch.safetensors");
    let model = xor_builder().load_safetensors(&g, &path).unwrap();
    let init = &reference("xor_adam_amsgrad.json")["init"];
    assert_eq!(
        model.layers()[0].weight_matrix(),
        matrix(&init["W1_in_out"])
    );
    assert_eq!(
        model.layers()[1].weight_matrix(),
        matrix(&init["W2_in_out"])
    );

    // Without the builder there is no architecture to go by.
    let e = Mlp::load_safetensors(&g, &path).unwrap_err();
    let p = problem(e, &path);
    assert!(matches!(p, SafetensorsProblem::Architecture { .. }), "{p}");
    assert!(p.to_string().contains("Mlp::builder"), "{p}");
}

// The check against the reference implementation (the `safetensors` crate) is in
// dev/tests/safetensors_fuzz.rs, so that a first `cargo run --example` does not build it.

/// The file our code writes is read by the fixture script with the `safetensors` package, and
/// by PyTorch running the printed `nn.Sequential`, which must give our outputs to 1e-12.
/// Skips, loudly, without python3 or its packages: CI never needs them.
#[test]
fn written_file_is_read_by_python_and_torch() {
    let g = Graph::new();
    let model = mixed_model(&g, 11);
    let dir = temp_path("python-check");
    std::fs::create_dir_all(&dir).unwrap();
    let options = SaveOptions {
        python: true,
        ..SaveOptions::default()
    };
    model
        .save_safetensors_with(dir.join("model.safetensors"), options)
        .unwrap();
    let mut csv = String::from("x0,x1,x2,y0,y1\n");
    for x in &INPUTS {
        let y = outputs(&g, &model, x);
        let row: Vec<String> = x.iter().chain(&y).map(|v| format!("{v:?}")).collect();
        csv.push_str(&row.join(","));
        csv.push('\n');
    }
    std::fs::write(dir.join("expected.csv"), csv).unwrap();
    let script = root().join("scripts/gen_safetensors_fixtures.py");
    let out = match std::process::Command::new("python3")
        .arg(&script)
        .arg("check")
        .arg(&dir)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            eprintln!(
                "\n*** SKIPPED written_file_is_read_by_python_and_torch: python3 not runnable ({e}) ***\n"
            );
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => println!("{stdout}"),
        Some(3) => eprintln!(
            "\n*** SKIPPED (partly) written_file_is_read_by_python_and_torch: {} ***\n",
            stdout.trim()
        ),
        _ => panic!("the Python check failed:\n{stdout}\n{stderr}"),
    }
}

// ---- bad input: a typed error naming the file, never a panic ----

fn load_bytes(g: &Graph, name: &str, bytes: &[u8]) -> (PathBuf, SafetensorsProblem) {
    let path = temp_path(name);
    std::fs::write(&path, bytes).unwrap();
    let e = Mlp::load_safetensors(g, &path).unwrap_err();
    let p = problem(e, &path);
    (path, p)
}

fn with_header(header: &str, data: &[u8]) -> Vec<u8> {
    let mut b = (header.len() as u64).to_le_bytes().to_vec();
    b.extend_from_slice(header.as_bytes());
    b.extend_from_slice(data);
    b
}

#[test]
fn a_file_that_is_not_safetensors_at_all_is_refused() {
    let g = Graph::new();
    let csv = std::fs::read(root().join("sample_data/sample.csv")).unwrap();
    let (_, p) = load_bytes(&g, "sample.csv", &csv);
    assert!(matches!(p, SafetensorsProblem::HeaderLength { .. }), "{p}");
    assert!(p.to_string().starts_with("not a safetensors file"), "{p}");
    let (_, p) = load_bytes(&g, "tiny", b"abc");
    assert_eq!(p, SafetensorsProblem::TooShort { len: 3 });
    let e = Mlp::load_safetensors(&g, temp_path("does-not-exist")).unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e}");
}

#[test]
fn a_truncated_file_is_refused_wherever_it_is_cut() {
    let g = Graph::new();
    let (_, bytes) = saved_xor(&g);
    let n = usize::try_from(u64::from_le_bytes(bytes[..8].try_into().unwrap())).unwrap();
    for cut in [0, 5, 8, 9 + n / 2, 8 + n, bytes.len() - 1] {
        let (_, p) = load_bytes(&g, "cut", &bytes[..cut]);
        let ok = match p {
            SafetensorsProblem::TooShort { .. } => cut < 8,
            SafetensorsProblem::HeaderLength { .. } => (8..8 + n).contains(&cut),
            SafetensorsProblem::DataLength { expected, found } => {
                cut >= 8 + n && found < expected && p.to_string().contains("truncated")
            }
            _ => false,
        };
        assert!(ok, "cut at {cut}: {p}");
    }
}

#[test]
fn a_header_that_is_not_json_is_refused_with_the_offset() {
    let g = Graph::new();
    let (_, p) = load_bytes(&g, "not-json", &with_header("{\"0.weight\": [1, 2", &[]));
    assert!(
        matches!(p, SafetensorsProblem::HeaderNotJson { offset: 18, .. }),
        "{p}"
    );
    let (_, p) = load_bytes(
        &g,
        "not-utf8",
        &with_header("{\"\u{e9}\"", &[])
            .into_iter()
            .map(|b| if b == 0xc3 { 0xff } else { b })
            .collect::<Vec<_>>(),
    );
    assert!(
        matches!(p, SafetensorsProblem::HeaderNotUtf8 { offset: 2 }),
        "{p}"
    );
    let (_, p) = load_bytes(&g, "array", &with_header("[1, 2]", &[]));
    assert!(matches!(p, SafetensorsProblem::Header { .. }), "{p}");
    let (_, p) = load_bytes(
        &g,
        "no-shape",
        &with_header(r#"{"0.weight":{"dtype":"F64","data_offsets":[0,0]}}"#, &[]),
    );
    assert!(p.to_string().contains("has no \"shape\""), "{p}");
}

#[test]
fn an_unknown_dtype_is_refused() {
    let g = Graph::new();
    for dtype in ["Q9", "F16", "BF16", "I64"] {
        let h =
            format!(r#"{{"0.weight":{{"dtype":"{dtype}","shape":[4,2],"data_offsets":[0,16]}}}}"#);
        let (_, p) = load_bytes(&g, "dtype", &with_header(&h, &[0; 16]));
        assert_eq!(
            p,
            SafetensorsProblem::Dtype {
                tensor: "0.weight".into(),
                found: dtype.into()
            }
        );
        assert!(
            p.to_string().contains("scalargrad reads F64 and F32"),
            "{p}"
        );
    }
}

#[test]
fn shapes_that_do_not_fit_the_architecture_are_refused() {
    let g = Graph::new();
    let torch = root().join("sample_data/reference/xor_init_torch.safetensors");
    let e = Mlp::builder(2)
        .layer(3, Activation::Sigmoid)
        .layer(2, Activation::Identity)
        .bias(false)
        .load_safetensors(&g, &torch)
        .unwrap_err();
    assert_eq!(
        problem(e, &torch),
        SafetensorsProblem::TensorShape {
            name: "0.weight".into(),
            expected: "[3, 2]".into(),
            found: "[4, 2]".into()
        }
    );
    // Our own file records its architecture: a builder that disagrees is told so.
    let (path, _) = saved_xor(&g);
    let e = Mlp::builder(2)
        .layer(4, Activation::Tanh)
        .layer(2, Activation::Identity)
        .bias(false)
        .load_safetensors(&g, &path)
        .unwrap_err();
    let p = problem(e, &path);
    assert!(
        p.to_string().contains(
            "saved from 2 → 4 (sigmoid) → 2 (identity), no bias but the builder describes 2 → 4 (tanh)"
        ),
        "{p}"
    );
    // Metadata whose sizes contradict the tensors.
    let mut file = SafetensorsFile::read(&path).unwrap();
    file.metadata
        .insert("scalargrad.sizes".into(), "2,5,2".into());
    let bytes = file.to_bytes(Dtype::F64);
    let (_, p) = load_bytes(&g, "lying-metadata", &bytes);
    assert!(matches!(p, SafetensorsProblem::TensorShape { .. }), "{p}");
    file.metadata
        .insert("scalargrad.sizes".into(), "2,four,2".into());
    let (_, p) = load_bytes(&g, "bad-metadata", &file.to_bytes(Dtype::F64));
    assert!(
        p.to_string().contains("\"four\" is not a whole number"),
        "{p}"
    );
}

#[test]
fn a_missing_or_unexpected_tensor_is_refused() {
    let g = Graph::new();
    let torch = root().join("sample_data/reference/xor_init_torch.safetensors");
    let e = xor_builder()
        .bias(true)
        .load_safetensors(&g, &torch)
        .unwrap_err();
    assert_eq!(
        problem(e, &torch),
        SafetensorsProblem::MissingTensor {
            name: "0.bias".into(),
            expected: "[4]".into(),
            available: vec!["0.weight".into(), "2.weight".into()]
        }
    );
    let e = Mlp::builder(2)
        .layer(4, Activation::Sigmoid)
        .bias(false)
        .load_safetensors(&g, &torch)
        .unwrap_err();
    assert_eq!(
        problem(e, &torch),
        SafetensorsProblem::UnexpectedTensor {
            name: "2.weight".into(),
            expected: vec!["0.weight".into()]
        }
    );
}

/// NaN and infinite weights are refused, on loading and on saving.
#[test]
fn nan_weights_are_refused() {
    let g = Graph::new();
    let (path, _) = saved_xor(&g);
    let mut file = SafetensorsFile::read(&path).unwrap();
    file.tensors[1].1.data[5] = f64::NAN;
    let (_, p) = load_bytes(&g, "nan", &file.to_bytes(Dtype::F64));
    assert!(
        matches!(p, SafetensorsProblem::NotFinite { ref name, index: 5, value } if name == "2.weight" && value.is_nan()),
        "{p}"
    );
    assert_eq!(
        p.to_string(),
        "tensor \"2.weight\": element 5 is NaN, not a finite number"
    );

    let model = Mlp::from_matrices(
        &g,
        &[(vec![vec![1.0, f64::INFINITY]], Activation::Identity)],
    )
    .unwrap();
    let out = temp_path("inf.safetensors");
    let p = problem(model.save_safetensors(&out).unwrap_err(), &out);
    assert!(
        matches!(p, SafetensorsProblem::NotFinite { index: 1, .. }),
        "{p}"
    );
    // 1e300 is finite in f64 but overflows f32.
    let model = Mlp::from_matrices(&g, &[(vec![vec![1e300]], Activation::Identity)]).unwrap();
    model.save_safetensors(&out).unwrap();
    let f32 = SaveOptions {
        dtype: Dtype::F32,
        ..SaveOptions::default()
    };
    let p = problem(model.save_safetensors_with(&out, f32).unwrap_err(), &out);
    assert!(matches!(p, SafetensorsProblem::NotFinite { .. }), "{p}");
}

#[test]
fn overlapping_or_misplaced_data_is_refused() {
    let g = Graph::new();
    let h = r#"{"0.weight":{"dtype":"F64","shape":[4,2],"data_offsets":[0,64]},"2.weight":{"dtype":"F64","shape":[2,4],"data_offsets":[32,96]}}"#;
    let (_, p) = load_bytes(&g, "overlap", &with_header(h, &[0; 96]));
    assert!(
        matches!(p, SafetensorsProblem::DataOffsets { ref tensor, .. } if tensor == "2.weight"),
        "{p}"
    );
    let mut file = SafetensorsFile::default();
    file.tensors.push((
        "0.weight".into(),
        Tensor {
            shape: vec![4, 2],
            data: vec![0.5; 8],
        },
    ));
    let mut bytes = file.to_bytes(Dtype::F64);
    bytes.extend_from_slice(b"junk");
    let (_, p) = load_bytes(&g, "junk", &bytes);
    assert_eq!(
        p,
        SafetensorsProblem::DataLength {
            expected: 64,
            found: 68
        }
    );
}

// The property tests (random and mutated bytes) are in dev/tests/safetensors_fuzz.rs, with
// the other proptests, so that a first `cargo run --example` does not build proptest.

/// A zero-size tensor shares its start with the next tensor. Sorted by start only, in header
/// order, `a` [0, 16] would come first and `empty` [0, 0] then "overlap"; Hugging Face's
/// reader sorts by (start, end) and accepts the file.
#[test]
fn a_zero_size_tensor_beside_another_at_the_same_offset_is_accepted() {
    let header = r#"{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"empty":{"dtype":"F64","shape":[0],"data_offsets":[0,0]}}"#;
    let mut data = 1.5f64.to_le_bytes().to_vec();
    data.extend_from_slice(&(-2.0f64).to_le_bytes());
    let file = SafetensorsFile::from_bytes(&with_header(header, &data)).unwrap();
    let find = |n: &str| &file.tensors.iter().find(|(name, _)| name == n).unwrap().1;
    assert_eq!(find("a").data, [1.5, -2.0]);
    assert!(find("empty").data.is_empty());
    assert_eq!(find("empty").shape, [0]);
}

/// Networks that could be saved but not loaded back are refused when saved, saying why.
#[test]
fn a_network_no_file_could_give_back_is_refused_when_saved() {
    let g = Graph::new();
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(1);
    let empty = Mlp::builder(3).build(&g, &mut rng);
    let zero_width = Mlp::builder(3)
        .layer(0, Activation::Relu)
        .layer(2, Activation::Identity)
        .build(&g, &mut rng);
    for (model, says) in [
        (empty, "no layer"),
        (zero_width, "layer 1 has 3 inputs and 0 outputs"),
    ] {
        let path = temp_path("unloadable.safetensors");
        let _ = std::fs::remove_file(&path);
        let e = model.save_safetensors(&path).unwrap_err();
        match problem(e, &path) {
            SafetensorsProblem::Architecture { message } => {
                assert!(message.contains(says), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert!(!path.exists(), "nothing is written");
    }
}

/// `named_parameters()` gives the names, shapes and values of the saved file (and
/// of PyTorch's `nn.Sequential`).
#[test]
fn named_parameters_are_the_saved_files_tensors() {
    let g = Graph::new();
    let model = mixed_model(&g, 4);
    let path = temp_path("named.safetensors");
    model.save_safetensors(&path).unwrap();
    let file = SafetensorsFile::read(&path).unwrap();
    let named = model.named_parameters();
    assert_eq!(named.len(), file.tensors.len());
    for p in &named {
        let (_, t) = file
            .tensors
            .iter()
            .find(|(n, _)| *n == p.name)
            .unwrap_or_else(|| panic!("{} is not in the file", p.name));
        assert_eq!(p.shape, t.shape, "{}", p.name);
        let values: Vec<f64> = p.values.iter().map(|v| v.data()).collect();
        assert_eq!(values, t.data, "{}", p.name);
    }
    let flat: Vec<_> = named
        .iter()
        .flat_map(|p| p.values.iter().map(|v| v.index()))
        .collect();
    let params: Vec<_> = model.parameters().iter().map(|v| v.index()).collect();
    let mut sorted = flat.clone();
    sorted.sort_unstable();
    let mut want = params.clone();
    want.sort_unstable();
    assert_eq!(sorted, want, "every parameter once");
}
