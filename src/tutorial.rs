//! # The tutorial, section by section — チュートリアルを節ごとに
//!
//! This crate follows a Japanese beginner tutorial on neural networks, which summarises
//! *ゼロから作るDeep Learning* and re-implements it in PyTorch. Each section below names the
//! tutorial's section, the command that reproduces it, and the picture it draws in `graphs/`.
//! Every number the tutorial prints is reproduced, and the examples `assert!` them.
//!
//! このクレートは、『ゼロから作るDeep Learning』をまとめて PyTorch で実装し直した日本語の
//! ニューラルネットワーク入門チュートリアルをたどります。各節では、チュートリアルの節、それを再現する
//! コマンド、`graphs/` に描く図を示します。チュートリアルが出力する数値はすべて再現し、example が
//! `assert!` で確かめます。各節は英語の段落の後に日本語の段落があります。
//!
//! **Where to start.** The sections follow the tutorial; to run them, a learner's order is
//! `apple_graph` → `sigmoid_backprop` (what backward does, on the book's two graphs) →
//! `tutorial_forward` → `xor_train` → `softmax_with_loss` → `loss_landscape` →
//! `digits_train` → `draw` (your own expression), then `moons` (micrograd's demo),
//! `why_backprop`, `optimizer_paths` and `init_activations`.
//!
//! **どこから始めるか。** 各節はチュートリアルの順ですが、動かすなら `apple_graph` →
//! `sigmoid_backprop`（本の 2 つのグラフで backward が何をするか）→ `tutorial_forward` →
//! `xor_train` → `softmax_with_loss` → `loss_landscape` → `digits_train` → `draw`（自分の式）の
//! 順に、その後 `moons`（micrograd のデモ）、`why_backprop`、`optimizer_paths`、
//! `init_activations` へ進んでください。
//!
//! ## 1. 行列の積 — matrix products
//! `cargo run --example tutorial_forward` prints `C`, `D`, `C・D` and `D・C` in NumPy's format.
//! The tutorial's rule "内側の次元を一致させなければならない" (the inner dimensions must
//! match) becomes an error that names both shapes.
//!
//! `cargo run --example tutorial_forward` は `C`、`D`、`C・D`、`D・C` を NumPy の書式で出力します
//! （`np.dot` と `@` の2通りで）。チュートリアルの「内側の次元を一致させなければならない」という規則は、
//! 両方の形を示すエラーになります。
//!
//! ```
//! use scalargrad::{Graph, Matrix};
//! let g = Graph::new();
//! let c = Matrix::arange(&g, 3, 2); // np.arange(3*2).reshape(3, 2)
//! let d = Matrix::arange(&g, 2, 3);
//! assert_eq!(c.matmul(&d)?.to_rows(), [[3.0, 4.0, 5.0], [9.0, 14.0, 19.0], [15.0, 24.0, 33.0]]);
//! assert_eq!(d.matmul(&c)?.to_rows(), [[10.0, 13.0], [28.0, 40.0]]);
//! let err = c.matmul(&c).unwrap_err().to_string();
//! assert!(err.starts_with("matmul: cannot multiply 3×2 by 3×2"));
//! # Ok::<(), scalargrad::Error>(())
//! ```
//!
//! ## 2. ニューラルネットワーク — the three-layer network
//! Two inputs `x1, x2`, a hidden layer `A' = X·W1`, `A = f(A')`, an output `Y = A·W2`, and
//! `P = softmax(Y)`. The data is `sample_data/sample.csv`, the XOR table (XORの真理値表).
//! [`nn::Mlp::from_matrices`](crate::nn::Mlp::from_matrices) takes `W1` and `W2` in the
//! tutorial's layout (one row per input); [`nn::Mlp::builder`](crate::nn::Mlp::builder) draws
//! them at random. Changing the hidden layer to 4 neurons (the tutorial's ネットワークの設計)
//! means `W1 ∈ R^{2×4}` and `W2 ∈ R^{4×2}`; a mismatch is an error naming both shapes.
//!
//! 入力 `x1, x2` の2つ、隠れ層 `A' = X·W1`、`A = f(A')`、出力 `Y = A·W2`、そして
//! `P = softmax(Y)`。データは XOR の真理値表 `sample_data/sample.csv` です。
//! [`nn::Mlp::from_matrices`](crate::nn::Mlp::from_matrices) は `W1` と `W2` をチュートリアルと同じ
//! 並び（入力ごとに1行）で受け取り、[`nn::Mlp::builder`](crate::nn::Mlp::builder) は乱数で作ります。
//! 隠れ層を 4 ニューロンにする（チュートリアルの「ネットワークの設計」）と `W1 ∈ R^{2×4}`、
//! `W2 ∈ R^{4×2}` になり、形が合わなければ両方の形を示すエラーになります。
//!
//! ```
//! use scalargrad::{Dataset, Graph, nn::{Activation, Mlp}};
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/sample_data/sample.csv");
//! let data = Dataset::from_csv(path, &["x1", "x2"], &["class1", "class2"])?;
//! let g = Graph::new();
//! let w1 = vec![vec![1.0, 0.1, 0.9], vec![1.2, 1.1, 0.7]];
//! let w2 = vec![vec![1.0, 0.8], vec![0.0, 0.5], vec![1.1, 0.9]];
//! let model = Mlp::from_matrices(&g, &[(w1, Activation::Sigmoid), (w2, Activation::Identity)])?;
//! let y = model.forward(&g.values(&data.features[1]))?;
//! assert!((y[0].data() - 1.5035313328840003).abs() < 1e-15); // Y for X2 = (0, 1)
//! # Ok::<(), scalargrad::Error>(())
//! ```
//!
//! ## 3. 活性化関数 — activation functions
//! [`Value::sigmoid`](crate::Value::sigmoid) is `1/(1 + e⁻ˣ)` and [`Value::relu`](crate::Value::relu)
//! is `max(x, 0)`; a layer applies one element by element
//! ([`nn::Activation`](crate::nn::Activation)).
//!
//! [`Value::sigmoid`](crate::Value::sigmoid) は `1/(1 + e⁻ˣ)`、[`Value::relu`](crate::Value::relu)
//! は `max(x, 0)` です。層はそのどちらかを要素ごとに適用します
//! （[`nn::Activation`](crate::nn::Activation)）。
//!
//! ## 4. ソフトマックス関数 — softmax
//! With `y1 = 30, y2 = 60` the tutorial prints `p1 = 9.3576229688393e-14`, `p2 =
//! 0.9999999999999064` and `p1 + p2 = 1.0`; `tutorial_forward` prints the same. Its formula has
//! no overflow guard; [`loss::softmax`](crate::loss::softmax) subtracts the maximum first (the
//! tutorial's オーバーフロー対策) and rounds `p2` to `…065`, as `torch.softmax` does.
//!
//! `y1 = 30, y2 = 60` のとき、チュートリアルは `p1 = 9.3576229688393e-14`、
//! `p2 = 0.9999999999999064`、`p1 + p2 = 1.0` を出力し、`tutorial_forward` も同じ値を出力します。
//! チュートリアルの式にはオーバーフロー対策がありません。[`loss::softmax`](crate::loss::softmax)
//! は先に最大値を引き（チュートリアルのオーバーフロー対策）、`torch.softmax` と同じく `p2` を
//! `…065` に丸めます。
//!
//! ## 5. クロスエントロピー誤差関数 — cross-entropy
//! [`loss::cross_entropy_error`](crate::loss::cross_entropy_error) is the tutorial's
//! `-np.sum(T * np.log(P + 1e-7))`; [`loss::cross_entropy`](crate::loss::cross_entropy) is
//! PyTorch's `nn.CrossEntropyLoss` on logits, with class-index or one-hot targets.
//!
//! [`loss::cross_entropy_error`](crate::loss::cross_entropy_error) はチュートリアルの
//! `-np.sum(T * np.log(P + 1e-7))` そのもので、[`loss::cross_entropy`](crate::loss::cross_entropy)
//! は PyTorch の `nn.CrossEntropyLoss`（ロジットを受け取り、目標はクラス番号か one-hot）です。
//!
//! ## 6. 順伝播 — the forward pass, sample by sample and as a batch
//! `tutorial_forward` runs the tutorial's `X1 … X4` blocks and then the batch `X @ W1`, and
//! prints `Loss:2.7611593717597174` for both; with the second weight set it prints
//! `Loss:2.5798492272716675`, to the last digit. It then draws the second set's decision
//! regions, the tutorial's "明らかに分離できていない" figure:
//! `graphs/tutorial_decision_regions.svg`.
//!
//! `tutorial_forward` はチュートリアルの `X1 … X4` のブロックを1つずつ、続いてバッチ `X @ W1` を
//! 計算し、どちらでも `Loss:2.7611593717597174` を出力します。2つ目の重みでは
//! `Loss:2.5798492272716675` を最後の桁まで同じに出力します。そして2つ目の重みの分類領域、
//! チュートリアルの「明らかに分離できていない」図を描きます: `graphs/tutorial_decision_regions.svg`。
//!
//! <div class="scalargrad-picture" style="overflow-x:auto">
#![doc = include_str!("../graphs/tutorial_decision_regions.svg")]
//! </div>
//!
//! ## 7. pytorch — training with Adam (amsgrad)
//! `cargo run --release --example xor_train` builds the 2-4-2 network (sigmoid, no biases),
//! starts from the tutorial's `torch.manual_seed(0)` weights, and trains for 10,000 epochs
//! with [`optim::Adam`](crate::optim::Adam) (lr 0.001, betas (0.9, 0.999), amsgrad) on the
//! mean cross-entropy with targets `T[:,0]`. It prints `epoch N : loss X` every 1,000 epochs
//! beside the tutorial's float32 numbers, and checks every 100th epoch against PyTorch's
//! float64 replay (`epoch 0 : loss 0.7091774798292554`, …, `epoch 9000 : loss
//! 0.025651985651781124`). Picture: `graphs/xor_loss.svg`.
//!
//! `cargo run --release --example xor_train` は 2-4-2 のネットワーク（シグモイド、バイアスなし）を
//! 作り、チュートリアルの `torch.manual_seed(0)` の重みから始めて、目標 `T[:,0]` の平均クロス
//! エントロピーを [`optim::Adam`](crate::optim::Adam)（lr 0.001、betas (0.9, 0.999)、amsgrad）で
//! 10,000 エポック学習します。1,000 エポックごとに `epoch N : loss X` をチュートリアルの float32 の
//! 数値と並べて出力し、100 エポックごとに PyTorch の float64 の再計算と照合します
//! （`epoch 0 : loss 0.7091774798292554`、…、`epoch 9000 : loss 0.025651985651781124`）。
//! 図: `graphs/xor_loss.svg`。
//!
//! <div class="scalargrad-picture" style="overflow-x:auto">
#![doc = include_str!("../graphs/xor_loss.svg")]
//! </div>
//!
//! A training step reads as in PyTorch, with one line more to keep memory flat. The random
//! numbers come from [`scalargrad::rand`](mod@crate::rand), so the snippet compiles in a new
//! project that depends on scalargrad alone.
//!
//! 学習の1ステップは PyTorch と同じように読めます。メモリを一定に保つための1行が増えるだけです。
//! 乱数は [`scalargrad::rand`](mod@crate::rand) を使うので、scalargrad だけに依存する新しい
//! プロジェクトに貼り付けてもそのままコンパイルできます。
//!
//! ```
//! use scalargrad::{Graph, loss::{cross_entropy, Reduction, Target}};
//! use scalargrad::nn::{Activation, Mlp, Module};
//! use scalargrad::optim::{Adam, AdamConfig, Optimizer};
//! use scalargrad::rand::SeedableRng;
//!
//! let g = Graph::new();
//! let mut rng = scalargrad::rand::rngs::Xoshiro256PlusPlus::seed_from_u64(0);
//! let model = Mlp::builder(2).layer(4, Activation::Sigmoid).layer(2, Activation::Identity)
//!     .bias(false).build(&g, &mut rng);
//! let mut optimizer = Adam::new(model.parameters(), AdamConfig { amsgrad: true, ..Default::default() })?;
//! let x = [[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0]];
//! let t = [0, 1, 0, 1];
//! let cp = g.checkpoint();
//! for _epoch in 0..100 {
//!     let preds: Vec<_> = x.iter().map(|xi| model.forward(&g.values(xi))).collect::<Result<_, _>>()?;
//!     let loss = cross_entropy(&preds, Target::Classes(&t), Reduction::Mean)?;
//!     optimizer.zero_grad();
//!     loss.backward();
//!     optimizer.step();
//!     g.rewind(cp); // drop this step's nodes, reuse their memory
//! }
//! # Ok::<(), scalargrad::Error>(())
//! ```
//!
//! Adam is one of several ways to roll the ball. The book whose chapters this tutorial
//! summarises compares them in chapter 6 on f(x, y) = x²/20 + y², a valley 20 times steeper
//! across than along: `cargo run --release --example optimizer_paths` runs
//! [`optim::Sgd`](crate::optim::Sgd) (plain and with momentum),
//! [`optim::Adagrad`](crate::optim::Adagrad), [`optim::RmsProp`](crate::optim::RmsProp) and
//! [`optim::Adam`](crate::optim::Adam) from (−7, 2) for 30 steps with the book's learning
//! rates. SGD zig-zags across the valley, Momentum rolls like a ball and overshoots, AdaGrad's
//! steps shrink where its gradients were large, so it heads straight for the minimum, and
//! Adam glides: `graphs/optimizer_paths.svg`.
//!
//! <div class="scalargrad-picture" style="overflow-x:auto">
#![doc = include_str!("../graphs/optimizer_paths.svg")]
//! </div>
//!
//! Where the ball starts matters too. The same chapter pushes 1,000 random inputs through 5
//! layers of 100 neurons and draws each layer's activations:
//! `cargo run --release --example init_activations`. With sigmoid and weights of std 1 they
//! pile up at 0 and 1, where the gradient vanishes; with std 0.01 they all sit at 0.5; with
//! Xavier's std 1/√n ([`nn::Init::XavierNormal`](crate::nn::Init::XavierNormal)) they stay
//! spread out. For ReLU, He's √(2/n) ([`nn::Init::KaimingNormal`](crate::nn::Init::KaimingNormal))
//! keeps them the same size in every layer: `graphs/init_sigmoid.svg`, `graphs/init_relu.svg`.
//!
//! <div class="scalargrad-picture" style="overflow-x:auto">
#![doc = include_str!("../graphs/init_sigmoid.svg")]
//! </div>
//!
//! ## 8. 分類する領域 — decision regions of the trained network
//! `xor_train` colours the plane by predicted class, with the four points on top, as the
//! tutorial's last figure: `graphs/xor_decision_regions.svg`. It also draws the whole
//! computation graph for one sample, with a cluster per layer and per neuron:
//! `graphs/xor_network.{dot,svg}`, and the page `graphs/xor_network.html` steps through its
//! forward and backward pass node by node (see section 9). The regions are drawn by
//! [`viz::decision_regions`](crate::viz::decision_regions), which takes any classifier
//! `|x1, x2| class`: with your own data (`-- --data my.csv`, and `--hidden N`, `--lr X`,
//! `--bias`), the axes come from the data and the title gives the accuracy.
//!
//! `xor_train` は平面を予測したクラスで塗り分け、4つの点を重ねて描きます。チュートリアルの最後の図です:
//! `graphs/xor_decision_regions.svg`。1サンプル分の計算グラフ全体も、層とニューロンごとに枠で囲んで
//! 描きます: `graphs/xor_network.{dot,svg}`。ページ `graphs/xor_network.html` では、その順伝播と
//! 逆伝播をノード1つずつたどれます（9節）。分類領域を描くのは
//! [`viz::decision_regions`](crate::viz::decision_regions) で、どんな分類器 `|x1, x2| クラス` でも
//! 受け取ります。自分のデータ（`-- --data my.csv`、それに `--hidden N`、`--lr X`、`--bias`）では、
//! 軸はデータから決まり、タイトルに正解率が出ます。
//!
//! <div class="scalargrad-picture" style="overflow-x:auto">
#![doc = include_str!("../graphs/xor_decision_regions.svg")]
//! </div>
//!
//! ## 9. 誤差逆伝播法・計算グラフ — why backpropagation works
//! - リンゴの例 (the apple example): `cargo run --example apple_graph` builds
//!   100 yen × 2 × 1.1 tax = 220, and backward gives d/d(apple) = 2.2, `d/d(apple_num)` = 110 and
//!   d/d(tax) = 200; the apple + orange variant gives 715 with 2.2, 110, 3.3, 165 and 650.
//!   Pictures: `graphs/apple.svg`, `graphs/apple_orange.svg`, with the forward values on orange
//!   arrows and the gradients on blue arrows pointing back, as the book draws them.
//!
//!   リンゴの例: `cargo run --example apple_graph` は 100円 × 2個 × 消費税 1.1 = 220 を組み立て、
//!   逆伝播で d/d(apple) = 2.2、`d/d(apple_num)` = 110、d/d(tax) = 200 を得ます。りんごとみかんの例は
//!   715 と 2.2、110、3.3、165、650 です。図: `graphs/apple.svg`、`graphs/apple_orange.svg`。本と同じく、
//!   順伝播の値をオレンジの矢印に、勾配を逆向きの青い矢印に書きます。
//!
//! <div class="scalargrad-picture" style="overflow-x:auto">
#![doc = include_str!("../graphs/apple_orange.svg")]
//! </div>
//! - シグモイド関数の例 (the sigmoid): `cargo run --example sigmoid_backprop` builds
//!   x → × −1 → exp → + 1 → 1/u → y and shows that each node multiplies the incoming gradient
//!   by its local derivative, so dx = y(1 − y). Picture: `graphs/sigmoid.svg`.
//!
//!   シグモイド関数の例: `cargo run --example sigmoid_backprop` は x → × −1 → exp → + 1 → 1/u → y を
//!   組み立て、各ノードが届いた勾配に局所的な微分を掛けるので dx = y(1 − y) になることを示します。
//!   図: `graphs/sigmoid.svg`。
//!
//! <div class="scalargrad-picture" style="overflow-x:auto">
#![doc = include_str!("../graphs/sigmoid.svg")]
//! </div>
//!
//! - 数値微分から誤差逆伝播法へ (why backpropagation, measured): `cargo run --release --example
//!   why_backprop` gets all n partial derivatives of an MLP's loss, n from 7 to 10,095, by the
//!   book's [`numerical_gradient`](crate::numerical_gradient) (2n forward passes), by forward
//!   mode ([`Graph::jvp_values`](crate::Graph::jvp_values), n passes) and by one backward, checks
//!   that they agree, and times them (figures in BENCHMARKS.md, "Forward mode and
//!   `why_backprop`"): one backward is the fastest by far. Picture:
//!   `graphs/why_backprop.svg`, the work each way does as n grows.
//!
//! <div class="scalargrad-picture" style="overflow-x:auto">
#![doc = include_str!("../graphs/why_backprop.svg")]
//! </div>
//!
//! ### Watch it happen: the step-by-step pages
//! The book's point, *オレンジの矢印は順伝播であり、青の矢印が逆伝播を意味しています*, is
//! about order: values flow forward, then gradients flow back, one node at a time. Each
//! example also writes a page that replays exactly that: open `graphs/apple.html`,
//! `graphs/apple_orange.html`, `graphs/sigmoid.html` or `graphs/xor_network.html` in a browser
//! (no network needed) and press ▶ or → to step. Step 0 shows only the inputs; each forward
//! step computes one value (orange arrows); each backward step computes one gradient (blue
//! arrows) with its chain-rule product as the caption, e.g.
//! `∂price/∂apple = ∂price/∂apple_price × ∂apple_price/∂apple = 1.1 × 2 = 2.2`. `?lang=ja`
//! shows the captions in Japanese, and `#step=N` links to one step. The pages are made by
//! [`viz::to_html`](crate::viz::to_html).
//!
//! 本の要点「オレンジの矢印は順伝播であり、青の矢印が逆伝播を意味しています」は順序の話です:
//! 値が前へ流れ、それから勾配が後ろへ、1ノードずつ流れます。各 example はちょうどそれを再生する
//! ページも書きます: `graphs/apple.html?lang=ja`、`graphs/apple_orange.html`、`graphs/sigmoid.html`、
//! `graphs/xor_network.html` をブラウザで開き（ネットワーク接続は不要）、▶ か → で進めます。
//! ステップ 0 は入力だけを示し、順伝播の各ステップは値を1つ（オレンジの矢印）、逆伝播の各ステップは
//! 勾配を1つ（青の矢印）計算し、その連鎖律の掛け算を説明文に示します。例:
//! `∂price/∂apple = ∂price/∂apple_price × ∂apple_price/∂apple = 1.1 × 2 = 2.2`。`?lang=ja` で
//! 説明文が日本語になり、`#step=N` で1つのステップを開けます。ページは
//! [`viz::to_html`](crate::viz::to_html) が作ります。
//!
//! That is the tutorial's last point: backpropagation is the chain rule, applied node by node
//! (合成関数の微分をしているだけ), and a framework does it for you once the forward pass is
//! defined ([`Value::backward`](crate::Value::backward)).
//!
//! これがチュートリアルの最後の要点です: 誤差逆伝播法は、ノードごとに適用した連鎖律
//! （合成関数の微分をしているだけ）であり、順伝播を定義すればフレームワークが代わりに計算してくれます
//! （[`Value::backward`](crate::Value::backward)）。
