//! [`Neuron`]: a weighted sum of its inputs, plus an optional bias, through an activation.

use rand::Rng;

use super::{Activation, Init, Module};
use crate::engine::{LiveInputs, NameId, SumParams};
use crate::error::{Error, Result};
use crate::{Graph, Value};

/// One neuron: `f(b + w₀x₀ + w₁x₁ + …)`.
///
/// The sum is a left fold that starts at the bias (or at `w₀x₀` without one), so a neuron with
/// `n` inputs adds `n` multiplications, `n` additions (`n − 1` without bias) and its activation.
/// Parameters: the weights in input order, then the bias.
#[derive(Clone, Debug)]
pub struct Neuron<'g> {
    pub(super) graph: &'g Graph,
    /// The weights, then the bias.
    params: SumParams<'g>,
    activation: Activation,
    name: NameId,
    fused: bool,
}

impl<'g> Neuron<'g> {
    /// A neuron with `nin` inputs drawn by `init`.
    pub fn new(
        graph: &'g Graph,
        nin: usize,
        bias: bool,
        activation: Activation,
        init: Init,
        rng: &mut (impl Rng + ?Sized),
    ) -> Self {
        let weights: Vec<f64> = (0..nin).map(|_| init.weight(nin, 1, rng)).collect();
        let b = bias.then(|| init.bias(nin, rng));
        Self::from_weights(graph, &weights, b, activation)
    }

    /// A neuron with the given weights and optional bias.
    pub fn from_weights(
        graph: &'g Graph,
        weights: &[f64],
        bias: Option<f64>,
        activation: Activation,
    ) -> Self {
        Self::build(graph, "neuron", weights, bias, activation)
    }

    /// Creates the parameters, named `w0, w1, …, b`, inside a scope called `name`, so that
    /// drawings show them in the neuron's cluster.
    pub(crate) fn build(
        graph: &'g Graph,
        name: &str,
        weights: &[f64],
        bias: Option<f64>,
        activation: Activation,
    ) -> Self {
        let name = graph.intern(name);
        let (weights, bias) = graph.scoped_interned(name, || {
            let w: Vec<Value<'g>> = weights
                .iter()
                .enumerate()
                .map(|(i, &w)| graph.value(w).named(&format!("w{i}")))
                .collect();
            (w, bias.map(|b| graph.value(b).named("b")))
        });
        Neuron {
            graph,
            params: SumParams::new(graph, weights, bias),
            activation,
            name,
            fused: false,
        }
    }

    /// Builds the weighted sum as one [`Graph::weighted_sum`] node instead of a chain of `×`
    /// and `+` nodes: the same numbers to the bit, several times faster. Drawings then show
    /// one "Σ" node per neuron.
    #[must_use]
    pub fn fused(mut self, fused: bool) -> Self {
        self.fused = fused;
        self
    }

    /// The number of inputs.
    #[must_use]
    pub fn nin(&self) -> usize {
        self.params.weights().len()
    }

    /// The weights, in input order.
    #[must_use]
    pub fn weights(&self) -> &[Value<'g>] {
        self.params.weights()
    }

    /// The bias, if the neuron has one.
    #[must_use]
    pub fn bias(&self) -> Option<Value<'g>> {
        self.params.bias()
    }

    /// The activation.
    #[must_use]
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// The neuron's output for `x`, built inside a scope named after the neuron.
    ///
    /// # Errors
    /// [`Error::InputLength`] if `x.len()` is not [`Neuron::nin`];
    /// [`Error::InvalidArgument`] if the neuron has no inputs (a network built with
    /// `Mlp::builder(0)`, or a layer after a layer of width 0).
    pub fn forward(&self, x: &[Value<'g>]) -> Result<Value<'g>> {
        let weights = self.params.weights();
        if weights.is_empty() {
            return Err(Error::InvalidArgument {
                what: "Neuron::forward",
                message: "the neuron has no inputs (a network of Mlp::builder(0), or a layer \
                          after a layer of width 0): every layer needs at least one input"
                    .into(),
            });
        }
        if x.len() != weights.len() {
            return Err(Error::InputLength {
                what: "Neuron::forward",
                expected: weights.len(),
                found: x.len(),
            });
        }
        Ok(self.graph.scoped_interned(self.name, || {
            let sum = if self.fused {
                self.graph.weighted_sum(self.bias(), weights, x)
            } else {
                self.graph.weighted_sum_chain(self.bias(), weights, x)
            };
            self.activation.apply(sum)
        }))
    }

    /// [`Neuron::forward`] for a layer that has checked its inputs once for all its neurons.
    /// The caller has checked that `x` has [`Neuron::nin`] values, at least one.
    pub(crate) fn forward_checked(&self, x: &LiveInputs<'g, '_>) -> Value<'g> {
        self.graph.scoped_interned(self.name, || {
            let sum = if self.fused {
                self.graph
                    .weighted_sum(self.bias(), self.weights(), x.values())
            } else {
                self.graph.weighted_sum_chain_checked(&self.params, x)
            };
            self.activation.apply(sum)
        })
    }
}

impl<'g> Module<'g> for Neuron<'g> {
    /// The weights in input order, then the bias.
    fn parameters(&self) -> Vec<Value<'g>> {
        self.weights().iter().copied().chain(self.bias()).collect()
    }
}
