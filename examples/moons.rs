//! micrograd's own demo (`demo.ipynb`): a 2-16-16-1 ReLU network learns to tell two moons
//! apart, with the SVM max-margin loss, L2 regularisation and SGD, as micrograd trains it.
//!
//! 100 points from `make_moons(n_samples=100, noise=0.1)` with labels ±1, micrograd's weights
//! (uniform in −1..1, biases 0), and 100 steps with a learning rate that falls from 1.0 to 0.1.
//! Like micrograd, it reaches 100 % accuracy. Draws `graphs/moons.svg`, the decision boundary
//! (micrograd's `moon_mlp.png`).
//!
//! Run: `cargo run --release --example moons`.

use scalargrad::data::Labeled;
use scalargrad::nn::{Activation, Init, Mlp, Module};
use scalargrad::rand::{SeedableRng, rngs::Xoshiro256PlusPlus};
use scalargrad::viz::{RegionOptions, decision_regions};
use scalargrad::{Graph, Value, loss};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // X, y = make_moons(n_samples=100, noise=0.1); y = y*2 - 1
    let moons = Labeled::moons(100, 0.1, 1337);
    let y: Vec<f64> = moons
        .labels
        .iter()
        .map(|&c| if c == 1 { 1.0 } else { -1.0 })
        .collect();

    // model = MLP(2, [16, 16, 1]): two hidden ReLU layers and a linear score.
    let g = Graph::new();
    let model = Mlp::builder(2)
        .layer(16, Activation::Relu)
        .layer(16, Activation::Relu)
        .layer(1, Activation::Identity)
        .init(Init::Micrograd)
        .build(&g, &mut Xoshiro256PlusPlus::seed_from_u64(1337));
    let params = model.parameters();
    println!("{} parameters", params.len());
    // Every step builds its graph after this point and rewinds to it: the weights stay.
    let start = g.checkpoint();

    let (mut total, mut accuracy) = (0.0, 0.0);
    for k in 0..100 {
        // forward: a score per point, the max-margin loss mean(relu(1 − yᵢ·scoreᵢ)), and
        // alpha · Σ p² to keep the weights small.
        let scores = moons
            .features
            .iter()
            .map(|x| Ok(model.forward(&g.values(x))?[0]))
            .collect::<scalargrad::Result<Vec<Value<'_>>>>()?;
        let data_loss = loss::hinge(&scores, &y)?;
        let reg_loss = g.sum(params.iter().map(|&p| p * p)) * 1e-4;
        let loss = data_loss + reg_loss;
        let correct = scores
            .iter()
            .zip(&y)
            .filter(|(s, y)| (s.data() > 0.0) == (**y > 0.0));
        accuracy = correct.count() as f64 / y.len() as f64;

        // backward
        model.zero_grad();
        loss.backward();

        // update (sgd), with a learning rate that decays from 1.0 to 0.1
        let learning_rate = 1.0 - 0.9 * f64::from(k) / 100.0;
        for p in &params {
            p.set_data(p.data() - learning_rate * p.grad());
        }
        total = loss.data();
        println!("step {k} loss {total}, accuracy {}%", accuracy * 100.0);
        g.rewind(start);
    }
    assert_eq!(
        accuracy, 1.0,
        "micrograd's demo separates the moons completely"
    );
    // This run's last loss, pinned: the seeds fix the points and the weights.
    assert!(
        (total - 0.013_080_742_742_211_396).abs() < 1e-9,
        "final loss {total}"
    );

    // The decision boundary: the sign of the score at every cell of the plane.
    let mut predict = |a: f64, b: f64| {
        let score = model.forward(&[g.value(a), g.value(b)]).expect("2 inputs")[0].data();
        g.rewind(start);
        usize::from(score > 0.0)
    };
    let points: Vec<[f64; 2]> = moons.features.iter().map(|x| [x[0], x[1]]).collect();
    let options = RegionOptions {
        class_names: vec!["y = −1".into(), "y = +1".into()],
        ..RegionOptions::new(format!(
            "moons: 2-16-16-1 MLP after 100 steps, accuracy {}%",
            accuracy * 100.0
        ))
    };
    let svg = decision_regions(&mut predict, &points, &moons.labels, &options)?;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("graphs/moons.svg");
    std::fs::write(&path, svg)?;
    println!("wrote {}", path.display());
    Ok(())
}
