//! [`Config`]: what a [`Session`](super::Session) trains, and how; the two presets.

use super::Data;
use crate::nn::Activation;

/// The network's output and the loss on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Output {
    /// Two logits, softmax and the mean cross-entropy against the class index (the
    /// tutorial's, PyTorch's `nn.CrossEntropyLoss`).
    #[default]
    SoftmaxCrossEntropy,
    /// One score, micrograd's max-margin (SVM) loss: the mean of `relu(1 − y·score)` with
    /// `y = ±1` ([`loss::hinge`](crate::loss::hinge)).
    Hinge,
}

/// The optimizer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Optimizer {
    /// Plain SGD, `w ← w − lr·g` ([`optim::Sgd`](crate::optim::Sgd)).
    Sgd,
    /// Adam with betas (0.9, 0.999) and eps 1e-8 ([`optim::Adam`](crate::optim::Adam)).
    #[default]
    Adam,
    /// Adam with AMSGrad, the tutorial's.
    AmsGrad,
    /// AdaGrad with `torch.optim`'s defaults ([`optim::Adagrad`](crate::optim::Adagrad)).
    Adagrad,
    /// RMSprop with `torch.optim`'s defaults, α 0.99 ([`optim::RmsProp`](crate::optim::RmsProp)).
    RmsProp,
    /// AdamW with `torch.optim`'s defaults, weight decay 0.01
    /// ([`optim::AdamW`](crate::optim::AdamW)).
    AdamW,
}

/// How the learning rate changes from step to step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Schedule {
    /// Always `lr`.
    #[default]
    Constant,
    /// micrograd's demo: at step `k`, `lr · (1 − 0.9·k/steps)`, then `0.1·lr` from `k = steps` on.
    LinearDecay {
        /// The number of steps over which the rate falls to a tenth.
        steps: u64,
    },
}

/// Which samples one step trains on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Batch {
    /// Every sample, in order: one step is one epoch.
    #[default]
    Full,
    /// Mini-batches of this size (the last one of an epoch may be shorter), the samples
    /// shuffled by the session's seeded RNG at the start of each epoch.
    Mini(usize),
}

/// The most hidden layers a session builds.
pub const MAX_HIDDEN_LAYERS: usize = 3;
/// The most neurons in one hidden layer (the presets use 16; the page offers 1 to 8).
pub const MAX_WIDTH: usize = 16;

/// Everything a [`Session`](super::Session) needs: data, network, loss and optimizer.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// The points.
    pub data: Data,
    /// The width of each hidden layer, 0 to [`MAX_HIDDEN_LAYERS`] layers of 1 to
    /// [`MAX_WIDTH`] neurons; `[]` is a linear model.
    pub hidden: Vec<usize>,
    /// The hidden layers' activation.
    pub activation: Activation,
    /// The output and its loss.
    pub output: Output,
    /// Whether neurons have a bias.
    pub bias: bool,
    /// The seed of the initial weights (PyTorch's `nn.Linear` rule) and of the mini-batch
    /// shuffles.
    pub seed: u64,
    /// Initial parameters in [`Module::parameters`](crate::nn::Module::parameters) order,
    /// instead of drawing them from `seed`.
    pub init: Option<Vec<f64>>,
    /// The optimizer.
    pub optimizer: Optimizer,
    /// The learning rate, finite and ≥ 0.
    pub lr: f64,
    /// How the learning rate changes.
    pub schedule: Schedule,
    /// Full batch or mini-batches.
    pub batch: Batch,
    /// The L2 penalty `l2 · Σ w²` added to the loss (micrograd's demo: 1e-4), finite and ≥ 0;
    /// 0 adds no node.
    pub l2: f64,
}

/// The tutorial's initial weights, `torch.manual_seed(0); NN(2, 4, 2)` as PyTorch saved them
/// in `sample_data/reference/xor_init_torch.safetensors` (float32, so each is exact in f64):
/// the first layer neuron by neuron (`0.weight`, 4×2), then the second (`2.weight`, 2×4).
pub const TUTORIAL_INIT: [f64; 16] = [
    -0.005_293_981_172_144_413,
    0.379_322_886_466_98,
    -0.581_980_764_865_875_2,
    -0.520_387_470_722_198_5,
    -0.272_345_244_884_490_97,
    0.189_615_890_383_720_4,
    -0.014_010_033_570_230_007,
    0.560_657_501_220_703_1,
    -0.044_372_022_151_947_02,
    0.132_306_277_751_922_6,
    -0.151_106_536_388_397_22,
    -0.098_282_694_816_589_36,
    -0.477_674_245_834_350_6,
    -0.331_141_054_630_279_54,
    -0.206_111_550_331_115_72,
    0.018_521_785_736_083_984,
];

/// The initial parameters of benchmark W1, micrograd's demo network (`benches/data/w1_init.txt`).
const W1_INIT: &str = include_str!("../../benches/data/w1_init.txt");

impl Config {
    /// The tutorial's setup: its XOR data, the 2-4-2 network with a sigmoid hidden layer and
    /// no biases, its initial weights ([`TUTORIAL_INIT`]), softmax + cross-entropy, Adam with
    /// AMSGrad at lr 0.001, full batch. 10,000 epochs give the loss lines
    /// `cargo run --release --example xor_train` prints, to the bit.
    #[must_use]
    pub fn tutorial() -> Self {
        Config {
            data: Data::Xor,
            hidden: vec![4],
            activation: Activation::Sigmoid,
            output: Output::SoftmaxCrossEntropy,
            bias: false,
            seed: 0,
            init: Some(TUTORIAL_INIT.to_vec()),
            optimizer: Optimizer::AmsGrad,
            lr: 0.001,
            schedule: Schedule::Constant,
            batch: Batch::Full,
            l2: 0.0,
        }
    }

    /// micrograd's demo as benchmark W1 runs it: 100 moons points ([`Data::MicrogradMoons`]),
    /// a 2-16-16-1 ReLU network with biases from W1's initial parameters, the hinge loss with
    /// L2 1e-4, SGD with `lr = 1 − 0.9·k/100`, full batch. 100 steps classify every point.
    #[must_use]
    pub fn moons() -> Self {
        Config {
            data: Data::MicrogradMoons,
            hidden: vec![16, 16],
            activation: Activation::Relu,
            output: Output::Hinge,
            bias: true,
            seed: 0,
            init: Some(
                W1_INIT
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(|l| l.trim().parse().expect("w1_init.txt holds numbers"))
                    .collect(),
            ),
            optimizer: Optimizer::Sgd,
            lr: 1.0,
            schedule: Schedule::LinearDecay { steps: 100 },
            batch: Batch::Full,
            l2: 1e-4,
        }
    }

    /// The learning rate at step `k` (counting from 0).
    ///
    /// ```
    /// let c = scalargrad::train::Config::moons();
    /// assert_eq!(c.lr_at(0), 1.0);
    /// assert_eq!(c.lr_at(50), 1.0 - 0.9 * 50.0 / 100.0);
    /// assert_eq!(c.lr_at(500), 1.0 - 0.9);
    /// ```
    #[must_use]
    pub fn lr_at(&self, k: u64) -> f64 {
        match self.schedule {
            Schedule::Constant => self.lr,
            Schedule::LinearDecay { steps } => {
                let steps = steps.max(1);
                // In micrograd's order, `1.0 - 0.9 * k / 100`, so the preset's rates are its.
                self.lr * (1.0 - 0.9 * k.min(steps) as f64 / steps as f64)
            }
        }
    }
}
