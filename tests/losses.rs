//! Every loss against pinned PyTorch numbers (float64) and against `gradcheck`.

mod common;

use common::assert_close;
use scalargrad::loss::{
    Reduction, Target, cross_entropy, cross_entropy_error, hinge, log_softmax, mse, softmax,
};
use scalargrad::{Graph, Value, gradcheck};

const Y: [[f64; 3]; 2] = [[0.5, -1.2, 2.0], [1.5, 0.3, -0.7]];

fn logits<'g>(g: &'g Graph) -> (Vec<Vec<Value<'g>>>, Vec<Value<'g>>) {
    let rows: Vec<Vec<Value<'g>>> = Y.iter().map(|r| g.values(r)).collect();
    let flat = rows.iter().flatten().copied().collect();
    (rows, flat)
}

fn assert_grads(what: &str, values: &[Value<'_>], want: &[f64]) {
    assert_eq!(values.len(), want.len());
    for (i, (v, &w)) in values.iter().zip(want).enumerate() {
        assert_close(&format!("{what} grad[{i}]"), v.grad(), w, 1e-14);
    }
}

#[test]
fn softmax_and_log_softmax_match_pytorch() {
    // torch.softmax(y, 1) and F.log_softmax(y, 1) for y = Y
    let sm = [
        [
            0.176_542_058_866_371_14,
            0.032_251_325_457_234_005,
            0.791_206_615_676_394_8,
        ],
        [
            0.708_216_616_441_409_5,
            0.213_310_745_652_196_68,
            0.078_472_637_906_393_76,
        ],
    ];
    let lsm = [
        [
            -1.734_196_137_135_798_1,
            -3.434_196_137_135_798_3,
            -0.234_196_137_135_798_18,
        ],
        [
            -0.345_005_276_657_514_4,
            -1.545_005_276_657_514_4,
            -2.545_005_276_657_514_4,
        ],
    ];
    let g = Graph::new();
    let (rows, _) = logits(&g);
    for (i, r) in rows.iter().enumerate() {
        for (k, (p, l)) in softmax(r)
            .unwrap()
            .iter()
            .zip(log_softmax(r).unwrap())
            .enumerate()
        {
            assert_close(&format!("softmax[{i}][{k}]"), p.data(), sm[i][k], 1e-15);
            assert_close(
                &format!("log_softmax[{i}][{k}]"),
                l.data(),
                lsm[i][k],
                1e-15,
            );
        }
    }
}

#[test]
fn softmax_does_not_overflow() {
    let g = Graph::new();
    let p = softmax(&g.values(&[1000.0, 0.0])).unwrap();
    assert_eq!((p[0].data(), p[1].data()), (1.0, 0.0));
    let l = log_softmax(&g.values(&[1000.0, 0.0])).unwrap();
    assert_eq!((l[0].data(), l[1].data()), (0.0, -1000.0));
    p[0].backward();
    assert!(p[0].data().is_finite());
}

#[test]
fn cross_entropy_with_class_targets_matches_pytorch() {
    // F.cross_entropy(y, torch.tensor([2, 0])) and y.grad
    let g = Graph::new();
    let (rows, flat) = logits(&g);
    let l = cross_entropy(&rows, Target::Classes(&[2, 0]), Reduction::Mean).unwrap();
    l.backward();
    assert_close("loss", l.data(), 0.289_600_706_896_656_3, 1e-15);
    assert_grads(
        "ce",
        &flat,
        &[
            0.088_271_029_433_185_57,
            0.016_125_662_728_617_002,
            -0.104_396_692_161_802_58,
            -0.145_891_691_779_295_23,
            0.106_655_372_826_098_33,
            0.039_236_318_953_196_88,
        ],
    );
}

#[test]
fn cross_entropy_with_one_hot_targets_and_sum_matches_pytorch() {
    // F.cross_entropy(y, onehot, reduction='sum')
    let g = Graph::new();
    let (rows, flat) = logits(&g);
    let t = [vec![0.0, 0.0, 1.0], vec![1.0, 0.0, 0.0]];
    let l = cross_entropy(&rows, Target::Probabilities(&t), Reduction::Sum).unwrap();
    l.backward();
    assert_close("loss", l.data(), 0.579_201_413_793_312_6, 1e-15);
    assert_grads(
        "ce",
        &flat,
        &[
            0.176_542_058_866_371_14,
            0.032_251_325_457_234_005,
            -0.208_793_384_323_605_17,
            -0.291_783_383_558_590_46,
            0.213_310_745_652_196_65,
            0.078_472_637_906_393_76,
        ],
    );
}

#[test]
fn mse_matches_pytorch() {
    // F.mse_loss(p, torch.tensor([0., 1., 2.]))
    let g = Graph::new();
    let p = g.values(&[0.3, -1.1, 2.5]);
    let l = mse(&p, &[0.0, 1.0, 2.0], Reduction::Mean).unwrap();
    l.backward();
    assert_close("loss", l.data(), 1.583_333_333_333_333_3, 1e-15);
    assert_grads("mse", &p, &[0.2, -1.4, 1.0 / 3.0]);
}

#[test]
fn hinge_matches_pytorch() {
    // torch.relu(1 - y * s).mean()
    let g = Graph::new();
    let s = g.values(&[0.8, -0.3, 1.5, 0.2]);
    let l = hinge(&s, &[1.0, -1.0, -1.0, 1.0]).unwrap();
    l.backward();
    assert_close("loss", l.data(), 1.05, 1e-15);
    assert_grads("hinge", &s, &[-0.25, 0.25, 0.25, -0.25]);
}

fn rows<'g>(x: &[Value<'g>]) -> Vec<Vec<Value<'g>>> {
    vec![x[..3].to_vec(), x[3..].to_vec()]
}

#[test]
fn every_loss_passes_gradcheck() {
    let at = [0.5, -1.2, 2.0, 1.5, 0.3, -0.7];
    let checks: Vec<(&str, scalargrad::GradcheckReport)> = vec![
        (
            "softmax",
            gradcheck(
                |_, x| softmax(&x[..3]).unwrap()[1] * 2.0 + softmax(&x[3..]).unwrap()[0],
                &at,
            ),
        ),
        (
            "log_softmax",
            gradcheck(|_, x| log_softmax(&x[..3]).unwrap()[2], &at),
        ),
        (
            "cross_entropy classes",
            gradcheck(
                |_, x| cross_entropy(&rows(x), Target::Classes(&[1, 2]), Reduction::Mean).unwrap(),
                &at,
            ),
        ),
        (
            "cross_entropy soft targets",
            gradcheck(
                |_, x| {
                    let t = [vec![0.2, 0.3, 0.5], vec![0.6, 0.4, 0.0]];
                    cross_entropy(&rows(x), Target::Probabilities(&t), Reduction::Sum).unwrap()
                },
                &at,
            ),
        ),
        (
            "cross_entropy_error",
            gradcheck(
                |_, x| {
                    let p: Vec<Vec<Value<'_>>> =
                        rows(x).iter().map(|r| softmax(r).unwrap()).collect();
                    cross_entropy_error(&p, &[vec![0.0, 1.0, 0.0], vec![1.0, 0.0, 0.0]]).unwrap()
                },
                &at,
            ),
        ),
        (
            "mse",
            gradcheck(
                |_, x| mse(x, &[0.1, 0.2, 0.3, 0.4, 0.5, 0.6], Reduction::Sum).unwrap(),
                &at,
            ),
        ),
        (
            "hinge",
            gradcheck(
                |_, x| hinge(x, &[1.0, -1.0, 1.0, -1.0, 1.0, -1.0]).unwrap(),
                &at,
            ),
        ),
    ];
    for (name, report) in checks {
        assert!(report.is_close(1e-7, 1e-6), "{name}: {report:?}");
    }
}

#[test]
fn losses_reject_mismatched_shapes() {
    let g = Graph::new();
    let (rows, flat) = logits(&g);
    let e = cross_entropy(&rows, Target::Classes(&[0]), Reduction::Mean).unwrap_err();
    assert_eq!(e.to_string(), "cross_entropy: expected 2 inputs, found 1");
    let e = cross_entropy(&rows, Target::Classes(&[0, 3]), Reduction::Mean).unwrap_err();
    assert_eq!(
        e.to_string(),
        "cross_entropy: row 1: class 3 is out of range for 3 logits"
    );
    let e = cross_entropy(
        &rows,
        Target::Probabilities(&[vec![1.0], vec![1.0]]),
        Reduction::Sum,
    )
    .unwrap_err();
    assert!(e.to_string().contains("expected 3 inputs, found 1"), "{e}");
    assert!(mse(&flat, &[1.0], Reduction::Mean).is_err());
    assert!(hinge(&[], &[]).is_err());
    assert!(softmax(&[]).is_err());
    assert!(cross_entropy_error(std::slice::from_ref(&flat), &[vec![1.0, 0.0]]).is_err());
}

/// The shift is a node, so a replay with grown logits recomputes it: with a shift fixed at
/// build time, logits (1000, 0) after a replay would give loss inf and p = [NaN, 0]; a fresh build gives 1000 and
/// [1, 0] (torch: `F.cross_entropy(torch.tensor([[1000., 0.]]), torch.tensor([1]))` = 1000).
#[test]
fn softmax_and_cross_entropy_replay_like_fresh_builds_for_any_logits() {
    use scalargrad::loss::{Reduction, Target, cross_entropy, softmax};
    let g = Graph::new();
    let cp = g.checkpoint();
    let logits = g.values(&[1.0, 0.0]);
    let p = softmax(&logits).unwrap();
    let l = cross_entropy(
        std::slice::from_ref(&logits),
        Target::Classes(&[1]),
        Reduction::Mean,
    )
    .unwrap();
    for (a, b) in [(1000.0, 0.0), (0.0, -1000.0), (-3.0, 700.0), (2.5, 2.5)] {
        logits[0].set_data(a);
        logits[1].set_data(b);
        g.recompute(cp);
        l.backward();
        let fresh = Graph::new();
        let fl = fresh.values(&[a, b]);
        let fp = softmax(&fl).unwrap();
        let floss = cross_entropy(
            std::slice::from_ref(&fl),
            Target::Classes(&[1]),
            Reduction::Mean,
        )
        .unwrap();
        floss.backward();
        assert_eq!(
            l.data().to_bits(),
            floss.data().to_bits(),
            "loss at ({a}, {b})"
        );
        for k in 0..2 {
            assert_eq!(
                p[k].data().to_bits(),
                fp[k].data().to_bits(),
                "p[{k}] at ({a}, {b})"
            );
            assert_eq!(
                logits[k].grad().to_bits(),
                fl[k].grad().to_bits(),
                "grad {k}"
            );
        }
        for x in &logits {
            x.zero_grad();
        }
    }
    logits[0].set_data(1000.0);
    logits[1].set_data(0.0);
    g.recompute(cp);
    assert_eq!(l.data(), 1000.0);
    assert_eq!((p[0].data(), p[1].data()), (1.0, 0.0));
}

/// Targets as leaf values, so one graph, replayed, trains over mini-batches whose
/// labels change. Every step's loss and every parameter equal, to the bit, those of a graph
/// rebuilt each step with the labels as class indices.
#[test]
fn replay_trains_over_mini_batches_with_targets_as_values() {
    use rand::SeedableRng;
    use scalargrad::loss::{cross_entropy_values, one_hot, set_one_hot};
    use scalargrad::nn::{Activation, Mlp, Module};
    fn build(g: &Graph) -> Mlp<'_> {
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(9);
        Mlp::builder(3)
            .layer(6, Activation::Tanh)
            .layer(3, Activation::Identity)
            .build(g, &mut rng)
    }
    let data: Vec<([f64; 3], usize)> = (0..24u32)
        .map(|i| {
            let t = f64::from(i) * 0.37;
            (
                [t.sin(), (2.0 * t).cos(), t % 1.3 - 0.6],
                usize::try_from(i * 7 % 3).unwrap(),
            )
        })
        .collect();
    let batches: Vec<&[([f64; 3], usize)]> = data.chunks(4).collect();
    let step = |params: &[Value<'_>]| {
        for p in params {
            p.set_data(p.data() - 0.1 * p.grad());
        }
    };

    // Rebuilt every step, the labels as class indices.
    let fresh = Graph::new();
    let fresh_model = build(&fresh);
    let cp = fresh.checkpoint();
    let mut fresh_losses = Vec::new();
    for batch in &batches {
        let logits: Vec<Vec<Value<'_>>> = batch
            .iter()
            .map(|(x, _)| fresh_model.forward(&fresh.values(x)).unwrap())
            .collect();
        let labels: Vec<usize> = batch.iter().map(|b| b.1).collect();
        let loss = cross_entropy(&logits, Target::Classes(&labels), Reduction::Mean).unwrap();
        fresh_losses.push(loss.data());
        fresh_model.zero_grad();
        loss.backward();
        step(&fresh_model.parameters());
        fresh.rewind(cp);
    }

    // Built once, replayed with each batch's inputs and labels.
    let g = Graph::new();
    let model = build(&g);
    let cp = g.checkpoint();
    let inputs: Vec<Vec<Value<'_>>> = (0..4).map(|_| g.values(&[0.0; 3])).collect();
    let targets = one_hot(&g, &[0; 4], 3).unwrap();
    let logits: Vec<Vec<Value<'_>>> = inputs.iter().map(|x| model.forward(x).unwrap()).collect();
    let loss = cross_entropy_values(&logits, &targets, Reduction::Mean).unwrap();
    for (batch, want) in batches.iter().zip(&fresh_losses) {
        for (x, (row, _)) in inputs.iter().zip(batch.iter()) {
            for (v, &d) in x.iter().zip(row) {
                v.set_data(d);
            }
        }
        let labels: Vec<usize> = batch.iter().map(|b| b.1).collect();
        set_one_hot(&targets, &labels).unwrap();
        g.recompute(cp);
        assert_eq!(loss.data().to_bits(), want.to_bits());
        model.zero_grad();
        loss.backward();
        step(&model.parameters());
    }
    let bits =
        |m: &Mlp<'_>| -> Vec<u64> { m.parameter_values().iter().map(|v| v.to_bits()).collect() };
    assert_eq!(bits(&model), bits(&fresh_model));
}
