//! Random expression DAGs against finite differences (`gradcheck`, `gradgradcheck`), against
//! fresh builds (replay and repeated backward give the same bits), and against each other
//! (backward and `Graph::grad` under random upstream gradients; forward mode's Jacobian
//! against reverse mode's).

use proptest::prelude::*;
use scalargrad::{Graph, Value, gradcheck, gradgradcheck};

/// One step of a random program: an op applied to earlier values (picked by index).
#[derive(Clone, Debug)]
struct Step {
    op: u8,
    i: usize,
    j: usize,
    c: f64,
}

fn step() -> impl Strategy<Value = Step> {
    (0u8..15, any::<usize>(), any::<usize>(), -2.0f64..2.0).prop_map(|(op, i, j, c)| Step {
        op,
        i,
        j,
        c,
    })
}

/// Steps that may also make `ln(a · 0)` = ln 0 (op 15): its derivative is ∞, so a sweep that
/// visits it while it does not feed the root turns a gradient into NaN.
fn step_with_ln0() -> impl Strategy<Value = Step> {
    (0u8..16, any::<usize>(), any::<usize>(), -2.0f64..2.0).prop_map(|(op, i, j, c)| Step {
        op,
        i,
        j,
        c,
    })
}

/// Runs the program; every op is smooth on the values it can see, so finite differences apply.
fn build<'g>(inputs: &[Value<'g>], steps: &[Step]) -> Value<'g> {
    let pool = values(inputs, steps);
    // Everything feeds the output, so shared nodes and diamonds are common.
    let last = pool.len() - 1;
    pool[last]
        + pool
            .iter()
            .skip(inputs.len())
            .fold(pool[0] * 0.0, |acc, &v| acc + v.tanh())
}

/// The inputs, then every value the program makes, in order.
fn values<'g>(inputs: &[Value<'g>], steps: &[Step]) -> Vec<Value<'g>> {
    let mut pool: Vec<Value<'g>> = inputs.to_vec();
    for s in steps {
        let a = pool[s.i % pool.len()];
        let b = pool[s.j % pool.len()];
        let v = match s.op {
            0 => a + b,
            1 => a - b,
            2 => a * b,
            3 => a / (b * b + 1.0),
            4 => a.tanh(),
            5 => a.sigmoid(),
            6 => a.tanh().exp(),
            7 => (a * a + 1.0).ln(),
            8 => (a * a + 0.5).sqrt(),
            9 => a * s.c + b,
            10 => a.tanh().powi(3),
            11 => (a * a + 1.0).powf(s.c),
            12 => s.c - a,
            13 => {
                let g = a.graph();
                g.weighted_sum(Some(b), &[a, b, a], &[b.tanh(), a, a])
            }
            14 => s.c / (b * b + 1.0) - a,
            // ln 0 = −∞, with derivative ∞ (`a · 0` is 0 for the finite values seen here).
            _ => (a * 0.0).ln(),
        };
        pool.push(v);
    }
    pool
}

/// A gradient weight: ordinary numbers and the edges where multiplying a zero goes wrong.
fn weight() -> impl Strategy<Value = f64> {
    prop_oneof![
        -3.0f64..3.0,
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(-0.0),
        Just(5e-324),
        Just(-2.5e-310),
        Just(1e308),
        Just(-1.7e308),
    ]
}

/// Values with kinks and flat pieces (relu, sign, step, abs, `x^0`, max and min with ties,
/// clamp), infinite derivatives (ln 0, √0) and every other op, over `values`' pool.
fn rough_values<'g>(inputs: &[Value<'g>], steps: &[Step]) -> Vec<Value<'g>> {
    let mut pool: Vec<Value<'g>> = inputs.to_vec();
    for s in steps {
        let a = pool[s.i % pool.len()];
        let b = pool[s.j % pool.len()];
        let v = match (usize::from(s.op) + s.i) % 26 {
            0 => a.relu().sqrt(),
            1 => a.relu().ln(),
            2 => (a.sign() - 1.0).ln(),
            3 => (a.powf(0.0) - 1.0).ln() + b,
            4 => a.step() * b,
            5 => a.abs() * b,
            6 => a / b,
            7 => a * s.c,
            8 => a.powi(3) - b.sigmoid(),
            9 => a.powf(s.c),
            10 => a.exp() * b.tanh(),
            11 => s.c / a,
            12 => a.graph().weighted_sum(Some(b), &[a, b], &[b, a]),
            13 => a.relu() * -0.0,
            14 => a - b.relu(),
            15 => a.max(b),
            16 => a.min(b) * a.max(a),
            17 => a.clamp(-0.5, s.c),
            18 => a.leaky_relu(s.c),
            19 => (a * 10.0).softplus(),
            20 => a.pow(b),
            21 => a.sin() * b.cos(),
            22 => a.log1p(),
            23 => a.detach() * b,
            24 => a.relu().max(b.relu()),
            _ => a.powi(0) * b,
        };
        pool.push(v);
    }
    pool
}

/// Gradient bits, every NaN counted as one.
fn grad_bits(values: &[Value<'_>]) -> Vec<u64> {
    values
        .iter()
        .map(|v| {
            let g = v.grad();
            if g.is_nan() {
                f64::NAN.to_bits()
            } else {
                g.to_bits()
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn random_dags_match_finite_differences(
        inputs in prop::collection::vec(-1.5f64..1.5, 1..5),
        steps in prop::collection::vec(step(), 1..25),
    ) {
        let report = gradcheck(|_g: &Graph, x| build(x, &steps), &inputs);
        prop_assert!(report.is_close(1e-6, 1e-5), "{report:?}");
    }

    /// Each round sets new inputs, replays, zeroes the inputs' gradients and backpropagates
    /// `times` times from one of the last values (so some values may not feed it); a fresh
    /// graph built from the same inputs, backpropagated the same way, must give the same
    /// gradient on every value. Rounds that repeat a root exercise backward without the test
    /// for unreached nodes.
    #[test]
    fn replayed_dags_backpropagate_like_fresh_builds(
        inputs in prop::collection::vec(-1.5f64..1.5, 1..5),
        steps in prop::collection::vec(step_with_ln0(), 1..25),
        rounds in prop::collection::vec((0usize..3, 1usize..4), 1..8),
    ) {
        let g = Graph::new();
        let xs = g.values(&inputs);
        let cp = g.checkpoint();
        let replayed = values(&xs, &steps);
        for (k, &(back, times)) in rounds.iter().enumerate() {
            #[allow(clippy::cast_precision_loss)]
            let now: Vec<f64> = inputs.iter().map(|x| x + 0.25 * k as f64).collect();
            for (x, &v) in xs.iter().zip(&now) {
                x.set_data(v);
            }
            g.recompute(cp);
            for x in &xs {
                x.zero_grad();
            }
            let root = replayed.len() - 1 - back.min(replayed.len() - 1);
            for _ in 0..times {
                replayed[root].backward();
            }
            let h = Graph::new();
            let fresh = values(&h.values(&now), &steps);
            for _ in 0..times {
                fresh[root].backward();
            }
            prop_assert_eq!(grad_bits(&replayed), grad_bits(&fresh), "round {}, root {}", k, root);
        }
    }

    #[test]
    fn random_dags_second_derivatives_match_finite_differences(
        inputs in prop::collection::vec(-1.5f64..1.5, 1..4),
        steps in prop::collection::vec(step(), 1..15),
    ) {
        let report = gradgradcheck(|_g: &Graph, x| build(x, &steps), &inputs, 1e-5);
        prop_assert!(report.is_close(1e-5, 1e-4), "{report:?}");
    }

    #[test]
    fn random_dags_jacobians_agree_in_forward_and_reverse_mode(
        inputs in prop::collection::vec(-1.5f64..1.5, 1..4),
        steps in prop::collection::vec(step(), 1..15),
        tangent in prop::collection::vec(-2.0f64..2.0, 4),
    ) {
        let g = Graph::new();
        let x = g.values(&inputs);
        let pool = values(&x, &steps);
        // The last three values (or fewer), and the inputs listed with one repeated.
        let outputs = &pool[pool.len().saturating_sub(3)..];
        let wrt: Vec<Value<'_>> = x.iter().copied().chain([x[0]]).collect();
        let forward = g.jacobian_forward(outputs, &wrt);
        let reverse = g.jacobian_reverse(outputs, &wrt);
        let t = &tangent[..wrt.len().min(4)];
        let t: Vec<f64> = t.iter().copied().chain(std::iter::repeat(0.5)).take(wrt.len()).collect();
        let jvp = g.jvp_values(outputs, &wrt, &t);
        for (k, out) in outputs.iter().enumerate() {
            g.zero_grad();
            out.backward();
            let mut jt = 0.0;
            for (i, v) in wrt.iter().enumerate() {
                let (f, r) = (forward[k][i], reverse[k][i]);
                let scale = 1.0_f64.max(f.abs()).max(r.abs());
                prop_assert!(f == r || (f - r).abs() <= 1e-9 * scale, "J[{}][{}]: {} against {}", k, i, f, r);
                // Backward gives the leaf's gradient once, however often it is listed.
                prop_assert!(r == v.grad(), "J[{}][{}]: {} against backward's {}", k, i, r, v.grad());
                jt += r * t[i];
            }
            let scale = 1.0_f64.max(jt.abs());
            prop_assert!((jvp[k] - jt).abs() <= 1e-9 * scale * wrt.len() as f64, "J·t[{}]: {} against {}", k, jvp[k], jt);
        }
    }

    /// The output is `Σ wₖ · vₖ` over every value, with random weights, so every node gets an
    /// upstream gradient that is not 1, including ±∞, 0, subnormals and huge ones; and
    /// `Graph::gradients` gives the same numbers.
    #[test]
    fn backward_and_grad_give_the_same_bits_for_any_upstream_gradient(
        inputs in prop::collection::vec(
            prop_oneof![-2.0f64..2.0, Just(0.0), Just(-0.0), Just(-1.0)], 1..4),
        steps in prop::collection::vec(step(), 1..20),
        weights in prop::collection::vec(weight(), 24),
    ) {
        let g = Graph::new();
        let xs = g.values(&inputs);
        let pool = rough_values(&xs, &steps);
        let out = pool
            .iter()
            .zip(weights.iter().cycle())
            .fold(xs[0] * 0.0, |acc, (&v, &w)| acc + v * w);
        let numbers = g.gradients(out, &pool);
        out.backward();
        let ds = g.grad(out, &pool);
        for (k, (v, d)) in pool.iter().zip(&ds).enumerate() {
            let (b, d, n) = (v.grad(), d.data(), numbers[k]);
            prop_assert!(
                b.to_bits() == d.to_bits() || (b.is_nan() && d.is_nan()),
                "value {}: backward {:e}, grad {:e}", k, b, d
            );
            prop_assert!(
                b.to_bits() == n.to_bits() || (b.is_nan() && n.is_nan()),
                "value {}: backward {:e}, gradients {:e}", k, b, n
            );
        }
    }
}
