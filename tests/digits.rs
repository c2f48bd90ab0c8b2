//! The handwritten digits: the labelled CSV reader and its errors, the stratified split, the
//! batches and the scaling, and the digits network trained against PyTorch.
//! `data/digits_torch.json` comes from `scripts/gen_digits_fixtures.py`.

mod common;
#[path = "../examples/common/mod.rs"]
mod example_common;

use common::{assert_rel, json_fixture, numbers};
use example_common::matrix;
use rand::SeedableRng;
use scalargrad::data::{Labeled, Standardizer};
use scalargrad::loss::{Reduction, Target, cross_entropy};
use scalargrad::nn::{Activation, Mlp, Module};
use scalargrad::optim::{Adam, AdamConfig, Optimizer};
use scalargrad::{Error, Graph};

fn pixel_names() -> Vec<String> {
    (0..64).map(|i| format!("p{i}")).collect()
}

fn digits() -> Labeled {
    let names = pixel_names();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/sample_data/digits.csv");
    Labeled::from_csv(path, &names, "label", 10).unwrap()
}

fn load(text: &str) -> Result<Labeled, Error> {
    Labeled::from_reader("digits.csv", text.as_bytes(), &["a", "b"], "label", 3)
}

#[test]
fn digits_csv_holds_1797_images_of_about_180_per_digit() {
    let d = digits();
    assert_eq!(d.len(), 1797);
    // sklearn.datasets.load_digits(): np.bincount(target)
    assert_eq!(
        d.class_counts(),
        [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    );
    assert!(
        d.features
            .iter()
            .flatten()
            .all(|&p| (0.0..=16.0).contains(&p))
    );
    // load_digits().data[0][:8]: the top row of the first zero.
    assert_eq!(
        d.features[0][..8],
        [0.0, 0.0, 5.0, 13.0, 9.0, 1.0, 0.0, 0.0]
    );
}

#[test]
fn a_label_out_of_range_names_file_line_and_column() {
    let e = load("a,b,label\n0,1,2\n2,0,0\n1,1,3\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"digits.csv:4: column "label": expected a class index 0..3, found "3""#
    );
    let e = load("a,b,label\n0,1,1.5\n").unwrap_err();
    assert!(matches!(e, Error::BadLabel { line: 2, .. }), "{e}");
    let e = load("a,b,label\n0,1,-1\n").unwrap_err();
    assert!(e.to_string().contains(r#"found "-1""#), "{e}");
    // Blank lines with Windows line ends still count (the row at fault is on line 5).
    let e = load("a,b,label\r\n0,1,2\r\n\r\n\r\n1,1,7\r\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"digits.csv:5: column "label": expected a class index 0..3, found "7""#
    );
}

#[test]
fn bad_cells_get_the_same_errors_as_the_xor_reader() {
    let e = load("a,b,label\n0,x,1\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"digits.csv:2: column "b": expected a number, found "x""#
    );
    let e = load("a,b,label\n0,1\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "digits.csv:2: expected 3 fields like the header, found 2"
    );
    let e = load("a,label\n0,1\n").unwrap_err();
    assert!(matches!(e, Error::MissingColumn { .. }), "{e}");
    let e = Labeled::from_csv("no/such/digits.csv", &["a"], "label", 2).unwrap_err();
    assert!(e.to_string().starts_with("no/such/digits.csv: "), "{e}");
}

#[test]
fn stratified_split_keeps_class_proportions_and_follows_the_seed() {
    let d = digits();
    let (train, test) = d.split_stratified(0.2, 0).unwrap();
    assert_eq!((train.len(), test.len()), (1438, 359));
    // round(0.2 · n) of each class goes to the test set: round(0.2 · 178) = 36, …
    assert_eq!(
        test.class_counts(),
        [36, 36, 35, 37, 36, 36, 36, 36, 35, 36]
    );
    assert_eq!(d.split_stratified(0.2, 0).unwrap().1, test);
    assert_ne!(d.split_stratified(0.2, 1).unwrap().1, test);
    // No row is in both: the features of train and test together are all of the data.
    let mut all: Vec<Vec<f64>> = train
        .features
        .iter()
        .chain(&test.features)
        .cloned()
        .collect();
    let mut original = d.features.clone();
    all.sort_by(|a, b| a.partial_cmp(b).unwrap());
    original.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert_eq!(all, original);
    assert!(matches!(
        d.split_stratified(1.0, 0),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn batches_cover_every_row_once_per_epoch_and_follow_the_seed() {
    let d = digits();
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(3);
    let first = d.batches(32, &mut rng).unwrap();
    assert_eq!(first.len(), 57); // ⌈1797 / 32⌉
    assert_eq!(first.last().unwrap().len(), 1797 % 32);
    let mut rows = first.concat();
    rows.sort_unstable();
    assert_eq!(rows, (0..1797).collect::<Vec<_>>());
    let second = d.batches(32, &mut rng).unwrap();
    assert_ne!(first, second, "a new order every epoch");
    let mut again = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(3);
    assert_eq!(d.batches(32, &mut again).unwrap(), first);
    assert!(d.batches(0, &mut rng).is_err());
}

#[test]
fn standardisation_is_fitted_on_the_training_rows_only() {
    let d = digits();
    let (mut train, mut test) = d.split_stratified(0.2, 0).unwrap();
    let s = Standardizer::fit(&train);
    s.apply(&mut train);
    s.apply(&mut test);
    for j in [20, 36, 43] {
        let col: Vec<f64> = train.features.iter().map(|r| r[j]).collect();
        let mean = col.iter().sum::<f64>() / col.len() as f64;
        let var = col.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / col.len() as f64;
        assert!(mean.abs() < 1e-12 && (var - 1.0).abs() < 1e-12, "pixel {j}");
    }
    // The test rows use the training statistics, so their mean is not exactly 0.
    let test_mean = test.features.iter().map(|r| r[36]).sum::<f64>() / test.len() as f64;
    assert!(test_mean.abs() > 1e-6);
    // Pixel 0 is blank in every image: centred, not divided by 0.
    assert!(train.features.iter().all(|r| r[0] == 0.0));
}

#[test]
fn scaling_by_a_sixteenth_maps_pixels_onto_0_to_1() {
    let mut d = digits();
    d.scale(1.0 / 16.0);
    assert_eq!(d.features[0][3], 13.0 / 16.0);
    assert!(
        d.features
            .iter()
            .flatten()
            .all(|&p| (0.0..=1.0).contains(&p))
    );
}

#[test]
fn digits_training_matches_pytorch_float64_for_200_steps() {
    let fixture = json_fixture("digits_torch.json");
    let mut d = digits();
    d.scale(1.0 / 16.0);

    let g = Graph::new();
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(0);
    let hidden = usize::try_from(fixture["hidden"].as_u64().unwrap()).unwrap();
    let model = Mlp::builder(64)
        .layer(hidden, Activation::Tanh)
        .layer(10, Activation::Identity)
        .build(&g, &mut rng)
        .fused(true);
    // torch.manual_seed(0)'s weights. Parameters are neuron by neuron, weights then bias,
    // which is PyTorch's weight row j followed by bias j.
    let init = &fixture["init"];
    let mut torch_params = Vec::new();
    for (w, b) in [("w1", "b1"), ("w2", "b2")] {
        for (row, bias) in matrix(&init[w]).into_iter().zip(numbers(&init[b])) {
            torch_params.extend(row);
            torch_params.push(bias);
        }
    }
    let params = model.parameters();
    assert_eq!(params.len(), torch_params.len());
    for (p, v) in params.iter().zip(&torch_params) {
        p.set_data(*v);
    }

    let mut adam = Adam::new(
        params,
        AdamConfig {
            lr: fixture["lr"].as_f64().unwrap(),
            ..AdamConfig::default()
        },
    )
    .unwrap();
    let cp = g.checkpoint();
    let losses = numbers(&fixture["losses"]);
    let batches = fixture["batches"].as_array().unwrap();
    assert_eq!(batches.len(), 200);
    for (step, (batch, want)) in batches.iter().zip(&losses).enumerate() {
        let rows: Vec<usize> = batch
            .as_array()
            .unwrap()
            .iter()
            .map(|r| usize::try_from(r.as_u64().unwrap()).unwrap())
            .collect();
        let logits = rows
            .iter()
            .map(|&r| model.forward(&g.values(&d.features[r])))
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let labels: Vec<usize> = rows.iter().map(|&r| d.labels[r]).collect();
        // torch: F.cross_entropy(model(x[b]), y[b])
        let loss = cross_entropy(&logits, Target::Classes(&labels), Reduction::Mean).unwrap();
        assert_rel(&format!("loss at step {step}"), loss.data(), *want, 1e-9);
        adam.zero_grad();
        loss.backward();
        adam.step();
        g.rewind(cp);
    }
    // The last layer's biases after 200 steps.
    let last = model.layers()[1].neurons();
    for (n, want) in last.iter().zip(numbers(&fixture["final_b2"])) {
        assert_rel("final bias", n.bias().unwrap().data(), want, 1e-9);
    }
}

/// The digits network trained by replay, one graph recomputed per mini-batch, with
/// the labels as leaf values (`cross_entropy_values`): the same losses as PyTorch (and as the
/// rebuilt graph above). A batch of another size (the end of an epoch) is built anew.
#[test]
fn digits_training_by_replay_with_targets_as_values_matches_pytorch() {
    use scalargrad::Value;
    use scalargrad::loss::{cross_entropy_values, one_hot, set_one_hot};
    type Rows<'g> = Vec<Vec<Value<'g>>>;
    let fixture = json_fixture("digits_torch.json");
    let mut d = digits();
    d.scale(1.0 / 16.0);

    let g = Graph::new();
    let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(0);
    let hidden = usize::try_from(fixture["hidden"].as_u64().unwrap()).unwrap();
    let model = Mlp::builder(64)
        .layer(hidden, Activation::Tanh)
        .layer(10, Activation::Identity)
        .build(&g, &mut rng)
        .fused(true);
    let init = &fixture["init"];
    let mut torch_params = Vec::new();
    for (w, b) in [("w1", "b1"), ("w2", "b2")] {
        for (row, bias) in matrix(&init[w]).into_iter().zip(numbers(&init[b])) {
            torch_params.extend(row);
            torch_params.push(bias);
        }
    }
    for (p, v) in model.parameters().iter().zip(&torch_params) {
        p.set_data(*v);
    }
    let mut adam = Adam::new(
        model.parameters(),
        AdamConfig {
            lr: fixture["lr"].as_f64().unwrap(),
            ..AdamConfig::default()
        },
    )
    .unwrap();
    let cp = g.checkpoint();
    // The step's graph: inputs and one-hot targets as leaves, and the loss.
    let mut built: Option<(Rows<'_>, Rows<'_>, Value<'_>)> = None;
    let mut replays = 0;
    let losses = numbers(&fixture["losses"]);
    for (step, (batch, want)) in fixture["batches"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&losses)
        .enumerate()
    {
        let rows: Vec<usize> = batch
            .as_array()
            .unwrap()
            .iter()
            .map(|r| usize::try_from(r.as_u64().unwrap()).unwrap())
            .collect();
        let labels: Vec<usize> = rows.iter().map(|&r| d.labels[r]).collect();
        let loss = match &built {
            Some((inputs, targets, loss)) if inputs.len() == rows.len() => {
                for (x, &r) in inputs.iter().zip(&rows) {
                    for (v, &p) in x.iter().zip(&d.features[r]) {
                        v.set_data(p);
                    }
                }
                set_one_hot(targets, &labels).unwrap();
                g.recompute(cp);
                replays += 1;
                *loss
            }
            _ => {
                g.rewind(cp);
                let inputs: Vec<Vec<Value<'_>>> =
                    rows.iter().map(|&r| g.values(&d.features[r])).collect();
                let targets = one_hot(&g, &labels, 10).unwrap();
                let logits: Vec<Vec<Value<'_>>> =
                    inputs.iter().map(|x| model.forward(x).unwrap()).collect();
                let loss = cross_entropy_values(&logits, &targets, Reduction::Mean).unwrap();
                built = Some((inputs, targets, loss));
                loss
            }
        };
        assert_rel(&format!("loss at step {step}"), loss.data(), *want, 1e-9);
        adam.zero_grad();
        loss.backward();
        adam.step();
    }
    assert!(replays > 150, "most steps replay ({replays})");
    let last = model.layers()[1].neurons();
    for (n, want) in last.iter().zip(numbers(&fixture["final_b2"])) {
        assert_rel("final bias", n.bias().unwrap().data(), want, 1e-9);
    }
}
