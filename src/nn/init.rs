//! [`Init`]: how a new layer's parameters are drawn.

use rand::{Rng, RngExt};

/// The initialisation rule for weights and biases.
///
/// Draws come from the caller's RNG, so the same seed gives the same numbers bit for bit.
/// `fan_in` is the number of inputs of a neuron (`nin`), `fan_out` the number of neurons of
/// its layer (`nout`; 1 for a lone [`Neuron`](super::Neuron)).
///
/// Which to pick, as ゼロから作るDeep Learning (section 6.2) shows with the
/// `init_activations` example: a weight std of 1 drives sigmoid activations to 0 and 1,
/// where its gradient vanishes; a std of 0.01 makes every neuron output nearly the same;
/// [`XavierNormal`](Init::XavierNormal) keeps sigmoid and tanh activations spread out layer
/// after layer, and [`KaimingNormal`](Init::KaimingNormal) does the same for ReLU.
///
/// ```
/// use scalargrad::Graph;
/// use scalargrad::rand::SeedableRng;
/// use scalargrad::nn::{Activation, Init, Layer};
///
/// let g = Graph::new();
/// let mut rng = scalargrad::rand::rngs::Xoshiro256PlusPlus::seed_from_u64(0);
/// let layer = Layer::new(&g, 100, 100, false, Activation::Relu, Init::KaimingNormal, &mut rng);
/// let w: Vec<f64> = layer.weight_matrix().into_iter().flatten().collect();
/// let std = (w.iter().map(|w| w * w).sum::<f64>() / w.len() as f64).sqrt();
/// assert!((std - (2.0f64 / 100.0).sqrt()).abs() < 0.005, "{std}"); // He: √(2/n)
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Init {
    /// PyTorch's `nn.Linear` rule: weights and biases ~ U(−1/√`fan_in`, 1/√`fan_in`).
    #[default]
    PyTorch,
    /// micrograd's rule: weights ~ U(−1, 1), biases 0.
    Micrograd,
    /// Every weight and bias set to this constant.
    Constant(f64),
    /// Weights ~ N(0, std²) with this std (`torch.nn.init.normal_(w, 0, std)`), biases 0.
    /// The book's `weight_init_std` (1 and 0.01 in its figures).
    Normal(f64),
    /// Xavier (Glorot) initialisation, PyTorch's `torch.nn.init.xavier_normal_` (gain 1):
    /// weights ~ N(0, std²) with std = √(2 / (`fan_in` + `fan_out`)), biases 0.
    ///
    /// Glorot and Bengio (2010) keep the variance of activations and of gradients the same
    /// from layer to layer. For a layer as wide as its input this is 1/√`fan_in`, the
    /// book's "Xavier" (which uses 1/√n, n the previous layer's size, for every layer).
    #[doc(alias = "xavier")]
    #[doc(alias = "glorot")]
    #[doc(alias = "xavier_normal_")]
    XavierNormal,
    /// He (Kaiming) initialisation, PyTorch's `torch.nn.init.kaiming_normal_` with its
    /// defaults (`mode='fan_in'`, ReLU's gain √2): weights ~ N(0, std²) with
    /// std = √(2 / `fan_in`), biases 0.
    ///
    /// He et al. (2015): ReLU zeroes half of its inputs, so the weights need twice Xavier's
    /// variance to keep the activations' scale; the book's "He" (√(2/n)).
    #[doc(alias = "he")]
    #[doc(alias = "kaiming")]
    #[doc(alias = "kaiming_normal_")]
    KaimingNormal,
}

impl Init {
    /// The std of the weights for a neuron with `fan_in` inputs in a layer of `fan_out`
    /// neurons, for the normal rules; `None` for the others.
    ///
    /// ```
    /// use scalargrad::nn::Init;
    /// assert_eq!(Init::Normal(0.01).std(100, 100), Some(0.01));
    /// assert_eq!(Init::XavierNormal.std(100, 100), Some(0.1)); // √(2/200) = 1/√100
    /// assert_eq!(Init::XavierNormal.std(50, 150), Some(0.1)); // √(2/200)
    /// assert_eq!(Init::KaimingNormal.std(50, 7), Some(0.2)); // √(2/50)
    /// assert_eq!(Init::PyTorch.std(100, 100), None);
    /// ```
    #[must_use]
    pub fn std(self, fan_in: usize, fan_out: usize) -> Option<f64> {
        match self {
            Init::Normal(std) => Some(std),
            Init::XavierNormal => Some((2.0 / (fan_in + fan_out).max(1) as f64).sqrt()),
            Init::KaimingNormal => Some((2.0 / fan_in.max(1) as f64).sqrt()),
            Init::PyTorch | Init::Micrograd | Init::Constant(_) => None,
        }
    }

    /// One weight for a neuron with `fan_in` inputs in a layer of `fan_out` neurons.
    pub(crate) fn weight(
        self,
        fan_in: usize,
        fan_out: usize,
        rng: &mut (impl Rng + ?Sized),
    ) -> f64 {
        match self {
            Init::PyTorch => {
                let bound = 1.0 / (fan_in.max(1) as f64).sqrt();
                rng.random_range(-bound..bound)
            }
            Init::Micrograd => rng.random_range(-1.0..1.0),
            Init::Constant(c) => c,
            Init::Normal(_) | Init::XavierNormal | Init::KaimingNormal => {
                let std = self.std(fan_in, fan_out).unwrap_or(0.0);
                std * standard_normal(rng)
            }
        }
    }

    /// One bias for a neuron with `fan_in` inputs.
    pub(crate) fn bias(self, fan_in: usize, rng: &mut (impl Rng + ?Sized)) -> f64 {
        match self {
            Init::PyTorch => self.weight(fan_in, 1, rng),
            Init::Micrograd | Init::Normal(_) | Init::XavierNormal | Init::KaimingNormal => 0.0,
            Init::Constant(c) => c,
        }
    }
}

/// One draw from N(0, 1) by the Box–Muller transform (one of its pair, for simplicity):
/// √(−2 ln u₁)·cos(2π u₂) with u₁ uniform in (0, 1] and u₂ in [0, 1).
pub(crate) fn standard_normal(rng: &mut (impl Rng + ?Sized)) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}
