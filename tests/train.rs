//! `scalargrad::train`: the presets reproduce `xor_train` and micrograd's demo (benchmark W1),
//! and what a page reads between steps (grids, updates, the look-inside graph) is the
//! engine's own numbers.

mod common;

use common::{assert_close, xor_builder};
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use scalargrad::loss::{Reduction, Target, cross_entropy, hinge};
use scalargrad::nn::{Activation, Mlp, Module};
use scalargrad::train::{
    Batch, Bounds, Config, Data, Optimizer, Output, Point, Schedule, Session, TUTORIAL_INIT,
};
use scalargrad::{Error, Graph};

#[path = "../examples/common/mod.rs"]
mod example_common;
use example_common::reference;

/// What `cargo run --release --example xor_train` prints, `epoch N : loss X` for N = 0,
/// 1000, …, 9000 (Python's shortest repr of the f64, so each parses back to the same bits).
const XOR_TRAIN_PRINTS: [(u64, f64); 10] = [
    (0, 0.709_177_479_829_255_4),
    (1000, 0.621_314_816_168_791_5),
    (2000, 0.299_855_161_778_053_4),
    (3000, 0.144_191_535_332_714_06),
    (4000, 0.086_034_576_291_084_24),
    (5000, 0.059_611_065_690_566_22),
    (6000, 0.045_122_676_724_682_7),
    (7000, 0.036_118_623_582_709_72),
    (8000, 0.030_027_796_489_382_78),
    (9000, 0.025_651_985_651_781_124),
];

#[test]
fn tutorial_preset_prints_xor_trains_loss_lines_to_the_bit() {
    let g = Graph::new();
    let mut s = Session::new(&g, Config::tutorial()).unwrap();
    let replay = reference("xor_adam_amsgrad.json");
    let run = &replay["runs"]["adam_amsgrad_f64_10000"];
    let torch: Vec<(u64, f64)> = run["loss_epochs"]
        .as_array()
        .unwrap()
        .iter()
        .zip(run["loss"].as_array().unwrap())
        .map(|(e, l)| (e.as_u64().unwrap(), l.as_f64().unwrap()))
        .collect();
    let mut printed = Vec::new();
    for epoch in 0..10_000 {
        let r = s.step();
        assert_eq!(
            (r.epoch, r.step, r.batch_len, r.lr),
            (epoch, epoch, 4, 0.001)
        );
        if epoch % 1000 == 0 {
            printed.push((epoch, r.loss));
        }
        if let Some(&(_, want)) = torch.iter().find(|&&(e, _)| e == epoch) {
            // PyTorch's float64 replay of the tutorial, every 100 epochs.
            assert_close(&format!("epoch {epoch} vs PyTorch"), r.loss, want, 1e-9);
        }
    }
    for (&(e, got), &(_, want)) in printed.iter().zip(&XOR_TRAIN_PRINTS) {
        assert_eq!(
            got.to_bits(),
            want.to_bits(),
            "epoch {e}: {got} vs xor_train's {want}"
        );
    }
    assert_eq!(s.epoch(), 10_000);
    assert_eq!(s.accuracy(), 1.0, "xor_train: accuracy 4/4");
    // xor_train: `final loss 0.022_364_835_026_241_585`.
    assert_eq!(s.loss(), 0.022_364_835_026_241_585);
    assert_eq!(
        g.node_count(),
        16,
        "memory stays flat: 16 parameters, nothing else"
    );
}

#[test]
fn tutorial_init_is_the_weights_pytorch_saved() {
    let g = Graph::new();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/sample_data/reference/xor_init_torch.safetensors"
    );
    let saved = xor_builder().load_safetensors(&g, path).unwrap();
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&saved.parameter_values()), bits(&TUTORIAL_INIT));
}

#[test]
fn moons_preset_reaches_full_accuracy_with_w1s_numbers() {
    let g = Graph::new();
    let mut s = Session::new(&g, Config::moons()).unwrap();
    assert_eq!(s.points().len(), 100);
    assert_eq!(s.parameter_values().len(), 337);
    let reports: Vec<_> = (0..100).map(|_| s.step()).collect();
    // BENCHMARKS.md, W1's check values (micrograd 0.1.0 gives the same to 12 digits).
    assert_eq!(format!("{:.12e}", reports[0].loss), "9.128546778969e-1");
    assert_eq!(format!("{:.12e}", reports[99].loss), "1.180543291408e-2");
    assert_eq!(reports[99].lr, 1.0 - 0.9 * 99.0 / 100.0);
    assert_eq!(
        s.accuracy(),
        1.0,
        "micrograd's demo: 100 % training accuracy"
    );
}

#[test]
fn inspect_gives_the_sample_loss_and_the_engines_gradients() {
    for config in [Config::tutorial(), Config::moons()] {
        let g = Graph::new();
        let mut s = Session::new(&g, config.clone()).unwrap();
        for _ in 0..7 {
            s.step();
        }
        let i = 1;
        let h = Graph::new();
        let ins = s.inspect(&h, i).unwrap();
        assert_eq!(ins.loss.data(), s.sample_loss(i).unwrap());
        assert_eq!(ins.parameters.len(), s.parameter_values().len());
        assert_eq!(ins.inputs[0].data(), s.points()[i].x[0]);

        // The same loss written out here, with the session's weights.
        let k = Graph::new();
        let model = if config.output == Output::Hinge {
            Mlp::builder(2)
                .layer(16, Activation::Relu)
                .layer(16, Activation::Relu)
                .layer(1, Activation::Identity)
        } else {
            xor_builder()
        }
        .init(scalargrad::nn::Init::Constant(0.0))
        .build(&k, &mut Xoshiro256PlusPlus::seed_from_u64(0));
        model.set_parameter_values(&s.parameter_values()).unwrap();
        let p = s.points()[i];
        let out = model.forward(&k.values(&p.x)).unwrap();
        let loss = if config.output == Output::Hinge {
            hinge(&out, &[if p.class == 1 { 1.0 } else { -1.0 }]).unwrap()
        } else {
            cross_entropy(&[out], Target::Classes(&[p.class]), Reduction::Mean).unwrap()
        };
        loss.backward();
        assert_eq!(loss.data(), ins.loss.data());
        for (a, b) in model.parameters().iter().zip(&ins.parameters) {
            assert_eq!(a.grad().to_bits(), b.grad().to_bits());
        }
        // And one gradient against a central finite difference.
        let w = model.parameters()[0];
        let f = |v: f64| {
            let k2 = Graph::new();
            let s2 = Session::new(
                &k2,
                Config {
                    init: Some({
                        let mut p = s.parameter_values();
                        p[0] = v;
                        p
                    }),
                    ..config.clone()
                },
            )
            .unwrap();
            s2.sample_loss(i).unwrap()
        };
        let h_ = 1e-6;
        let fd = (f(w.data() + h_) - f(w.data() - h_)) / (2.0 * h_);
        assert_close(
            "d loss / d w0 vs finite difference",
            ins.parameters[0].grad(),
            fd,
            1e-6,
        );
    }
}

#[test]
fn sgd_update_is_w_minus_lr_times_g() {
    let g = Graph::new();
    let mut s = Session::new(
        &g,
        Config {
            optimizer: Optimizer::Sgd,
            lr: 0.5,
            ..Config::tutorial()
        },
    )
    .unwrap();
    assert!(s.last_updates().is_empty());
    let before = s.parameter_values();
    s.step();
    let u = s.last_updates();
    assert_eq!(u.len(), 16);
    for (u, b) in u.iter().zip(&before) {
        assert_eq!(u.before, *b);
        assert_ne!(u.grad, 0.0);
        // torch.optim.SGD: p.add_(grad, alpha=-lr), one fused rounding.
        assert_eq!(u.after, (-0.5f64).mul_add(u.grad, u.before));
    }
    assert_eq!(
        s.parameter_values(),
        u.iter().map(|u| u.after).collect::<Vec<_>>()
    );
}

#[test]
fn adagrad_rmsprop_and_adamw_train_the_tutorial_network() {
    for optimizer in [Optimizer::Adagrad, Optimizer::RmsProp, Optimizer::AdamW] {
        let g = Graph::new();
        let mut s = Session::new(
            &g,
            Config {
                optimizer,
                lr: 0.05,
                ..Config::tutorial()
            },
        )
        .unwrap();
        let first = s.step();
        for u in s.last_updates() {
            // The first step of each moves every weight against its gradient (AdamW's decay
            // of 0.01·lr is far smaller than these steps).
            assert!(
                u.grad.abs() < 1e-9 || (u.after - u.before).signum() == -u.grad.signum(),
                "{optimizer:?}: {u:?}"
            );
        }
        for _ in 1..2_000 {
            s.step();
        }
        assert!(
            s.loss() < 0.5 * first.loss,
            "{optimizer:?}: loss {} after 2,000 epochs, {} at the start",
            s.loss(),
            first.loss
        );
    }
}

#[test]
fn predict_grid_separates_the_trained_xor_points() {
    let g = Graph::new();
    let mut s = Session::new(&g, Config::tutorial()).unwrap();
    for _ in 0..10_000 {
        s.step();
    }
    // A 2×2 grid whose cell centres are the four points: (0,1) (1,1) on top, (0,0) (1,0) below.
    let b = Bounds {
        x_min: -0.5,
        x_max: 1.5,
        y_min: -0.5,
        y_max: 1.5,
    };
    assert_eq!(
        b.grid(2, 2).unwrap(),
        [[0.0, 1.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0]]
    );
    let m = s.predict_grid(2, 2, &b).unwrap();
    // XOR: class 1 at (0,1) and (1,0).
    assert!(
        m[0] > 0.0 && m[1] < 0.0 && m[2] < 0.0 && m[3] > 0.0,
        "{m:?}"
    );
    // The margin is logit₁ − logit₀; xor_train prints p(class 1) = 0.977_262 at (0,1).
    let p1 = 1.0 / (1.0 + (-m[0]).exp());
    assert!((p1 - 0.977_262).abs() < 1e-6, "{p1}");
}

#[test]
fn neuron_grids_are_each_neurons_output() {
    let g = Graph::new();
    let s = Session::new(&g, Config::tutorial()).unwrap();
    let b = Bounds {
        x_min: 0.0,
        x_max: 2.0,
        y_min: 0.0,
        y_max: 2.0,
    };
    let grids = s.neuron_grids(2, 2, &b).unwrap();
    assert_eq!(grids.len(), 2);
    assert_eq!((grids[0].len(), grids[1].len()), (4, 2));
    let cells = b.grid(2, 2).unwrap();
    let w = &TUTORIAL_INIT;
    for (j, grid) in grids[0].iter().enumerate() {
        for (c, x) in cells.iter().enumerate() {
            let z = w[2 * j] * x[0] + w[2 * j + 1] * x[1];
            assert_close("hidden neuron", grid[c], 1.0 / (1.0 + (-z).exp()), 1e-15);
        }
    }
    assert_eq!(s.neuron_grid(1, 1, 2, 2, &b).unwrap(), grids[1][1]);
    assert!(s.neuron_grid(2, 0, 2, 2, &b).is_err());
    assert!(s.neuron_grid(0, 4, 2, 2, &b).is_err());
    assert_eq!(g.node_count(), 16, "grids rewind what they build");
}

#[test]
fn mini_batches_cover_every_point_once_per_epoch() {
    let g = Graph::new();
    let mut s = Session::new(
        &g,
        Config {
            data: Data::Moons {
                size: 10,
                noise: 0.1,
                seed: 5,
            },
            batch: Batch::Mini(4),
            optimizer: Optimizer::Adam,
            lr: 0.01,
            init: None,
            bias: true,
            ..Config::tutorial()
        },
    )
    .unwrap();
    let reports = s.run_epoch();
    assert_eq!(
        reports.iter().map(|r| r.batch_len).collect::<Vec<_>>(),
        [4, 4, 2]
    );
    assert_eq!(s.epoch(), 1);
    assert_eq!(s.steps(), 3);
    assert_eq!(s.step().epoch, 1);
}

#[test]
fn same_seed_same_run() {
    let config = Config {
        data: Data::Spiral {
            size: 40,
            noise: 0.05,
            seed: 2,
        },
        hidden: vec![8, 8],
        activation: Activation::Tanh,
        output: Output::Hinge,
        bias: true,
        seed: 9,
        init: None,
        optimizer: Optimizer::Sgd,
        lr: 0.1,
        schedule: Schedule::Constant,
        batch: Batch::Mini(10),
        l2: 1e-4,
    };
    let run = || {
        let g = Graph::new();
        let mut s = Session::new(&g, config.clone()).unwrap();
        (0..20).map(|_| s.step().loss.to_bits()).collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}

#[test]
fn generated_data_has_its_size_classes_and_shape() {
    let moons = Data::Moons {
        size: 101,
        noise: 0.0,
        seed: 0,
    }
    .points()
    .unwrap();
    assert_eq!(moons.len(), 101);
    assert_eq!(moons.iter().filter(|p| p.class == 0).count(), 50);
    for p in &moons {
        // Without noise every point lies on its arc: radius 1 around (0, 0) or (1, 0.5).
        let c = if p.class == 0 { [0.0, 0.0] } else { [1.0, 0.5] };
        assert_close(
            "moon radius",
            (p.x[0] - c[0]).hypot(p.x[1] - c[1]),
            1.0,
            1e-12,
        );
    }
    let circle = Data::Circle {
        size: 200,
        noise: 0.0,
        seed: 1,
    }
    .points()
    .unwrap();
    for p in &circle {
        let r = p.x[0].hypot(p.x[1]);
        assert!(
            if p.class == 0 {
                r < 0.5
            } else {
                (0.7..1.0).contains(&r)
            },
            "{p:?}"
        );
    }
    let spiral = Data::Spiral {
        size: 60,
        noise: 0.0,
        seed: 1,
    }
    .points()
    .unwrap();
    assert_eq!(spiral.iter().filter(|p| p.class == 1).count(), 30);
    assert!(spiral.iter().all(|p| p.x[0].hypot(p.x[1]) <= 1.0 + 1e-12));
    let noisy = |seed| {
        Data::Moons {
            size: 20,
            noise: 0.2,
            seed,
        }
        .points()
        .unwrap()
    };
    assert_eq!(noisy(3), noisy(3));
    assert_ne!(noisy(3), noisy(4));
    let mg = Data::MicrogradMoons.points().unwrap();
    assert_eq!(mg[0].x, [0.804_372_785_597_389_8, 0.191_798_040_026_722_88]);
    assert_eq!(mg[0].class, 0); // y = −1
    assert_eq!(mg[1].class, 1);
}

#[track_caller]
fn message(r: Result<Session<'_>, Error>) -> String {
    r.expect_err("an error").to_string()
}

#[test]
fn bad_configs_say_what_is_wrong() {
    let g = Graph::new();
    let with = |f: fn(&mut Config)| {
        let mut c = Config::tutorial();
        c.init = None;
        f(&mut c);
        c
    };
    assert_eq!(
        message(Session::new(&g, with(|c| c.hidden = vec![2, 2, 2, 2]))),
        "train::Config: hidden: at most 3 hidden layers, found 4"
    );
    assert_eq!(
        message(Session::new(&g, with(|c| c.hidden = vec![3, 0]))),
        "train::Config: hidden: layer 2 must have 1 to 16 neurons, found 0"
    );
    assert_eq!(
        message(Session::new(&g, with(|c| c.lr = f64::NAN))),
        "train::Config: lr must be finite and ≥ 0, found NaN"
    );
    assert_eq!(
        message(Session::new(&g, with(|c| c.batch = Batch::Mini(0)))),
        "train::Config: batch: a mini-batch needs at least 1 sample"
    );
    assert_eq!(
        message(Session::new(&g, with(|c| c.init = Some(vec![0.0; 3])))),
        "train::Config: init: the network has 16 parameters, found 3 numbers"
    );
    assert_eq!(
        message(Session::new(&g, with(|c| c.data = Data::Points(vec![])))),
        "train::Data: points: give 1 to 2000 points, found 0"
    );
    assert_eq!(
        message(Session::new(
            &g,
            with(|c| c.data = Data::Points(vec![Point {
                x: [0.0, f64::INFINITY],
                class: 0
            }]))
        )),
        "train::Data: points: point 0 must have finite coordinates and class 0 or 1, found (0, inf) of class 0"
    );
    assert_eq!(
        message(Session::new(
            &g,
            with(|c| c.data = Data::Circle {
                size: 10,
                noise: -1.0,
                seed: 0
            })
        )),
        "train::Data: circle: noise must be finite and ≥ 0, found -1"
    );
    let s = Session::new(&g, Config::tutorial()).unwrap();
    assert_eq!(
        s.inspect(&Graph::new(), 4).unwrap_err().to_string(),
        "train::Session::inspect: sample 4 does not exist: there are 4 samples"
    );
    let b = Bounds {
        x_min: 1.0,
        x_max: 0.0,
        y_min: 0.0,
        y_max: 1.0,
    };
    assert!(
        s.predict_grid(3, 3, &b)
            .unwrap_err()
            .to_string()
            .contains("x_min < x_max")
    );
    let b = Bounds::around(s.points());
    assert!(s.predict_grid(0, 3, &b).is_err());
}

#[test]
fn a_circle_is_learnt_by_a_small_relu_network() {
    // Not a preset: generated data, ReLU, softmax, biases, a seeded initialisation, Adam,
    // mini-batches. Inner disk against ring is not linearly separable; 8 ReLU units are enough.
    let g = Graph::new();
    let mut s = Session::new(
        &g,
        Config {
            data: Data::Circle {
                size: 100,
                noise: 0.0,
                seed: 3,
            },
            hidden: vec![8],
            activation: Activation::Relu,
            output: Output::SoftmaxCrossEntropy,
            bias: true,
            seed: 4,
            init: None,
            optimizer: Optimizer::Adam,
            lr: 0.05,
            schedule: Schedule::Constant,
            batch: Batch::Mini(20),
            l2: 0.0,
        },
    )
    .unwrap();
    let before = s.loss();
    for _ in 0..200 {
        s.run_epoch();
    }
    assert!(s.loss() < before / 4.0, "loss {before} -> {}", s.loss());
    assert!(s.accuracy() >= 0.95, "accuracy {}", s.accuracy());
    assert_eq!(s.steps(), 200 * 5);
}
