//! Random expression DAGs: backward agrees with finite differences (`gradcheck`), and so do
//! the second derivatives that `Graph::grad` builds (`gradgradcheck`).

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

/// Runs the program; every op is smooth on the values it can see, so finite differences apply.
fn build<'g>(inputs: &[Value<'g>], steps: &[Step]) -> Value<'g> {
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
                g.dot(Some(b), &[a, b, a], &[b.tanh(), a, a])
            }
            _ => s.c / (b * b + 1.0) - a,
        };
        pool.push(v);
    }
    // Everything feeds the output, so shared nodes and diamonds are common.
    let last = pool.len() - 1;
    pool[last]
        + pool
            .iter()
            .skip(inputs.len())
            .fold(pool[0] * 0.0, |acc, &v| acc + v.tanh())
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

    #[test]
    fn random_dags_second_derivatives_match_finite_differences(
        inputs in prop::collection::vec(-1.5f64..1.5, 1..4),
        steps in prop::collection::vec(step(), 1..15),
    ) {
        let report = gradgradcheck(|_g: &Graph, x| build(x, &steps), &inputs, 1e-5);
        prop_assert!(report.is_close(1e-5, 1e-4), "{report:?}");
    }
}
