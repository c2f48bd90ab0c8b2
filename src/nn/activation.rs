//! [`Activation`]: the non-linearity a layer applies after its weighted sums.

use crate::Value;

/// A layer's activation function (活性化関数).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Activation {
    /// `f(x) = x`: no node is added (a linear output layer).
    #[default]
    Identity,
    /// `σ(x) = 1/(1 + e⁻ˣ)`, the tutorial's hidden-layer activation.
    Sigmoid,
    /// `tanh x`.
    Tanh,
    /// `max(x, 0)`.
    Relu,
}

impl Activation {
    /// Applies the activation to one value.
    ///
    /// ```
    /// use scalargrad::nn::Activation;
    /// let g = scalargrad::Graph::new();
    /// let x = g.value(0.0);
    /// assert_eq!(Activation::Sigmoid.apply(x).data(), 0.5);
    /// assert_eq!(Activation::Identity.apply(x).index(), x.index());
    /// ```
    #[must_use]
    #[inline]
    pub fn apply(self, x: Value<'_>) -> Value<'_> {
        match self {
            Activation::Identity => x,
            Activation::Sigmoid => x.sigmoid(),
            Activation::Tanh => x.tanh(),
            Activation::Relu => x.relu(),
        }
    }
}
