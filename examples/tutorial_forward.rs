//! The tutorial's NumPy section, reproduced with scalargrad, in the same order and format:
//! 行列の積 (matrix products), ソフトマックス関数の例 (softmax), 順伝播 (the forward pass with
//! two hand-picked weight sets, sample by sample and as a batch), and the decision regions of
//! the second weight set ("明らかに分離できていない": clearly not separated).
//!
//! Run: `cargo run --example tutorial_forward`. Writes `graphs/tutorial_decision_regions.svg`
//! (`-- --out DIR` writes it into DIR instead).

mod common;

use std::path::Path;

use common::{numpy_int_matrix, picture_dir, py_float, tutorial_regions};
use scalargrad::loss::{cross_entropy_error, softmax};
use scalargrad::nn::{Activation, Mlp};
use scalargrad::{Dataset, Graph, Matrix, Value, viz};

/// The tutorial's printed numbers.
const LOSS_A: f64 = 2.761_159_371_759_717_4;
const LOSS_B: f64 = 2.579_849_227_271_667_5;

fn matrix_products(g: &Graph) -> Result<(), scalargrad::Error> {
    println!("== 行列の積 (matrix product)");
    let c = Matrix::arange(g, 3, 2);
    let d = Matrix::arange(g, 2, 3);
    println!("C = \n{}", numpy_int_matrix(&c.to_rows()));
    println!("D = \n{}", numpy_int_matrix(&d.to_rows()));
    let cd = c.matmul(&d)?.to_rows();
    let dc = d.matmul(&c)?.to_rows();
    assert_eq!(cd, [[3.0, 4.0, 5.0], [9.0, 14.0, 19.0], [15.0, 24.0, 33.0]]);
    assert_eq!(dc, [[10.0, 13.0], [28.0, 40.0]]);
    // The tutorial computes each product twice: np.dot(C, D), then C @ D (the same product).
    for how in ["np.dot(C, D)", "C @ D"] {
        println!("C・D = {how} = \n {}", numpy_int_matrix(&cd));
    }
    for how in ["np.dot(D, C)", "D @ C"] {
        println!("D・C = {how} = \n {}", numpy_int_matrix(&dc));
    }
    // 内側の次元を一致させなければならない: C·C does not exist.
    let err = c.matmul(&c).unwrap_err();
    println!("C・C → error: {err}");
    Ok(())
}

fn softmax_example(g: &Graph) -> Result<(), scalargrad::Error> {
    println!("\n== ソフトマックス関数の例 (softmax of y1 = 30, y2 = 60)");
    let (y1, y2) = (g.value(30.0), g.value(60.0));
    // The tutorial's own formula: p1 = exp(y1) / (exp(y1) + exp(y2)).
    let p1 = y1.exp() / (y1.exp() + y2.exp());
    let p2 = y2.exp() / (y1.exp() + y2.exp());
    println!("p1 = {}", py_float(p1.data()));
    println!("p2 = {}", py_float(p2.data()));
    println!("p1 + p2 = {}", py_float((p1 + p2).data()));
    assert_eq!(py_float(p1.data()), "9.3576229688393e-14");
    assert_eq!(py_float(p2.data()), "0.9999999999999064");
    assert_eq!(py_float((p1 + p2).data()), "1.0");
    // The overflow-safe softmax (max subtracted) rounds p2 one ulp higher, as NumPy's
    // max-subtracted code and torch.softmax do.
    let safe = softmax(&[y1, y2])?;
    println!(
        "(scalargrad::loss::softmax, max subtracted: p2 = {}, as torch.softmax gives)",
        py_float(safe[1].data())
    );
    assert_eq!(py_float(safe[1].data()), "0.9999999999999065");
    Ok(())
}

/// The tutorial's batch forward pass and loss: `A' = X·W1`, `A = sigmoid(A')`, `Y = A·W2`,
/// `P = softmax(Y)` per row, `L = -np.sum(T * np.log(P + 1e-7))`.
fn batch_loss<'g>(
    g: &'g Graph,
    x: &Matrix<'g>,
    (w1, w2): (&[Vec<f64>], &[Vec<f64>]),
    t: &[Vec<f64>],
) -> Result<Value<'g>, scalargrad::Error> {
    let y = x
        .matmul(&Matrix::from_rows(g, w1)?)?
        .map(Value::sigmoid)
        .matmul(&Matrix::from_rows(g, w2)?)?;
    let p: Vec<Vec<Value<'g>>> = y.rows().map(softmax).collect::<Result<_, _>>()?;
    cross_entropy_error(&p, t)
}

/// Checks a printed loss against the tutorial's, to the last digit or within one ulp.
fn check_loss(got: f64, want: f64) {
    let ulps = got.to_bits().abs_diff(want.to_bits());
    assert!(ulps <= 1, "loss {got} vs the tutorial's {want}");
    if ulps == 1 {
        println!("(one ulp from the tutorial's {want}: the sum was rounded in another order)");
    }
}

fn forward_pass(g: &Graph, data: &Dataset) -> Result<Vec<Vec<f64>>, Box<dyn std::error::Error>> {
    println!("\n== 順伝播 (forward pass), 重み (weights) W1, W2 の一つ目");
    let t = &data.targets;
    let w1 = vec![vec![1.0, 0.1, 0.9], vec![1.2, 1.1, 0.7]];
    let w2 = vec![vec![1.0, 0.8], vec![0.0, 0.5], vec![1.1, 0.9]];

    // Sample by sample, as the tutorial's X1..X4 blocks: A' = X·W1, A = sigmoid(A'), Y = A·W2,
    // P = softmax(Y), L += cross_entropy_error(P, T).
    let model = Mlp::from_matrices(
        g,
        &[
            (w1.clone(), Activation::Sigmoid),
            (w2.clone(), Activation::Identity),
        ],
    )?;
    let mut loss = 0.0;
    for (x, ti) in data.features.iter().zip(t) {
        let y = model.forward(&g.values(x))?;
        let p = softmax(&y)?;
        loss += cross_entropy_error(&[p], std::slice::from_ref(ti))?.data();
    }
    println!("Loss:{}", py_float(loss));
    check_loss(loss, LOSS_A);

    // As a batch: X is 4×2.
    println!("\n== データを一括処理 (the same, as one batch)");
    let x = Matrix::from_rows(g, &data.features)?;
    let l = batch_loss(g, &x, (&w1, &w2), t)?;
    println!("Loss:{}", py_float(l.data()));
    check_loss(l.data(), LOSS_A);

    println!("\n== W1, W2 を修正 (better weights)");
    let w1b = vec![vec![2.8, 0.1, 0.1], vec![2.3, 0.21, 0.1]];
    let w2b = vec![vec![2.0, 0.8], vec![0.1, 0.5], vec![0.3, 1.9]];
    let l = batch_loss(g, &x, (&w1b, &w2b), t)?;
    println!("Loss:{}", py_float(l.data()));
    check_loss(l.data(), LOSS_B);
    assert!(l.data() < LOSS_A, "the second weight set lowers the loss");
    Ok(vec![w1b, w2b].into_iter().flatten().collect())
}

/// Command-line options: only where the picture goes.
#[derive(clap::Parser)]
#[command(
    name = "tutorial_forward",
    about = "The tutorial's NumPy section: matrix products, softmax, the forward pass, the decision regions"
)]
struct Options {
    /// Directory for the picture [default: graphs/ of the repository, the committed one]
    #[arg(long, value_name = "DIR")]
    out: Option<std::path::PathBuf>,
}

fn main() {
    let opts = <Options as clap::Parser>::parse();
    if let Err(e) = run(opts.out.as_deref()) {
        eprintln!("tutorial_forward: {e}");
        std::process::exit(1);
    }
}

fn run(out: Option<&Path>) -> Result<(), Box<dyn std::error::Error>> {
    let g = Graph::new();
    let data_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data/sample.csv");
    let data = Dataset::from_csv(&data_path, &["x1", "x2"], &["class1", "class2"])?;

    matrix_products(&g)?;
    softmax_example(&g)?;
    let w = forward_pass(&g, &data)?;

    // クラス1、クラス2に分類する領域 (decision regions) for the second weight set.
    let model = Mlp::from_matrices(
        &g,
        &[
            (w[..2].to_vec(), Activation::Sigmoid),
            (w[2..].to_vec(), Activation::Identity),
        ],
    )?;
    let cp = g.checkpoint();
    let predict = |x1: f64, x2: f64| {
        let y = model.forward(&g.values(&[x1, x2])).expect("2 inputs");
        let class = usize::from(y[1].data() > y[0].data());
        g.rewind(cp);
        class
    };
    let points: Vec<[f64; 2]> = data.features.iter().map(|r| [r[0], r[1]]).collect();
    let class1 = data.class_indices(0)?;
    let out = picture_dir(out, true)?.join("tutorial_decision_regions.svg");
    let svg = viz::decision_regions(
        predict,
        &points,
        &class1,
        &tutorial_regions("W1, W2 (2nd set): 明らかに分離できていない (clearly not separated)"),
    )?;
    std::fs::write(&out, svg).map_err(|e| format!("{}: {e}", out.display()))?;
    println!("\nwrote {}", out.display());
    Ok(())
}
