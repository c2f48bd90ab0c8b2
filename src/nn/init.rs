//! [`Init`]: how a new layer's parameters are drawn.

use rand::{Rng, RngExt};

/// The initialisation rule for weights and biases.
///
/// Draws come from the caller's RNG, so the same seed gives the same numbers bit for bit.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Init {
    /// PyTorch's `nn.Linear` rule: weights and biases ~ U(−1/√`fan_in`, 1/√`fan_in`).
    #[default]
    PyTorch,
    /// micrograd's rule: weights ~ U(−1, 1), biases 0.
    Micrograd,
    /// Every weight and bias set to this constant.
    Constant(f64),
}

impl Init {
    /// One weight for a neuron with `fan_in` inputs.
    pub(crate) fn weight(self, fan_in: usize, rng: &mut (impl Rng + ?Sized)) -> f64 {
        match self {
            Init::PyTorch => {
                let bound = 1.0 / (fan_in.max(1) as f64).sqrt();
                rng.random_range(-bound..bound)
            }
            Init::Micrograd => rng.random_range(-1.0..1.0),
            Init::Constant(c) => c,
        }
    }

    /// One bias for a neuron with `fan_in` inputs.
    pub(crate) fn bias(self, fan_in: usize, rng: &mut (impl Rng + ?Sized)) -> f64 {
        match self {
            Init::PyTorch => self.weight(fan_in, rng),
            Init::Micrograd => 0.0,
            Init::Constant(c) => c,
        }
    }
}
