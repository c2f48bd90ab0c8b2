//! [`Layer`]: neurons that read the same inputs.

use rand::Rng;

use super::{Activation, Init, Module, Neuron};
use crate::engine::NameId;
use crate::error::{Error, Result, Shape};
use crate::{Graph, Value};

/// A fully connected layer: `nout` neurons, each reading all `nin` inputs.
///
/// Parameters: neuron by neuron, each neuron's weights in input order, then its bias.
#[derive(Clone, Debug)]
pub struct Layer<'g> {
    graph: &'g Graph,
    neurons: Vec<Neuron<'g>>,
    nin: usize,
    name: NameId,
}

impl<'g> Layer<'g> {
    /// A layer of `nout` neurons with `nin` inputs each, drawn by `init`.
    pub fn new(
        graph: &'g Graph,
        nin: usize,
        nout: usize,
        bias: bool,
        activation: Activation,
        init: Init,
        rng: &mut (impl Rng + ?Sized),
    ) -> Self {
        Self::random(graph, "layer", nin, nout, bias, activation, init, rng)
    }

    /// [`Layer::new`] with a name for drawings (its neurons are `neuron 0`, `neuron 1`, …).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn random(
        graph: &'g Graph,
        name: &str,
        nin: usize,
        nout: usize,
        bias: bool,
        activation: Activation,
        init: Init,
        rng: &mut (impl Rng + ?Sized),
    ) -> Self {
        let weights: Vec<Vec<f64>> = (0..nout)
            .map(|_| (0..nin).map(|_| init.weight(nin, nout, rng)).collect())
            .collect();
        let biases: Option<Vec<f64>> =
            bias.then(|| (0..nout).map(|_| init.bias(nin, rng)).collect());
        Self::build(graph, name, nin, &weights, biases.as_deref(), activation)
    }

    /// Creates the neurons inside a scope called `name`; `weights` has one row per neuron.
    pub(crate) fn build(
        graph: &'g Graph,
        name: &str,
        nin: usize,
        weights: &[Vec<f64>],
        bias: Option<&[f64]>,
        activation: Activation,
    ) -> Self {
        let name = graph.intern(name);
        let neurons = graph.scoped_interned(name, || {
            weights
                .iter()
                .enumerate()
                .map(|(j, w)| {
                    let b = bias.map(|b| b[j]);
                    Neuron::build(graph, &format!("neuron {j}"), w, b, activation)
                })
                .collect()
        });
        Layer {
            graph,
            neurons,
            nin,
            name,
        }
    }

    /// A layer from a weight matrix laid out as the tutorial's `W1` (2×3): one **row per
    /// input** and one **column per neuron**, so that the layer computes `x · W`.
    /// No bias.
    ///
    /// ```
    /// use scalargrad::{Graph, nn::{Activation, Layer}};
    /// let g = Graph::new();
    /// let w1 = [vec![1.0, 0.1, 0.9], vec![1.2, 1.1, 0.7]];
    /// let layer = Layer::from_matrix(&g, &w1, Activation::Identity)?;
    /// let a = layer.forward(&g.values(&[0.0, 1.0]))?;
    /// assert_eq!(a.iter().map(|v| v.data()).collect::<Vec<_>>(), [1.2, 1.1, 0.7]);
    /// assert!(Layer::from_matrix(&g, &[vec![1.0, 2.0], vec![3.0]], Activation::Identity).is_err());
    /// # Ok::<(), scalargrad::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the matrix is empty or its rows differ in length.
    pub fn from_matrix(graph: &'g Graph, w: &[Vec<f64>], activation: Activation) -> Result<Self> {
        Self::from_matrix_and_bias(graph, w, None, activation)
    }

    /// [`Layer::from_matrix`] with one bias per neuron.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the matrix is empty or ragged, or the bias has a length
    /// other than the number of columns.
    pub fn from_matrix_and_bias(
        graph: &'g Graph,
        w: &[Vec<f64>],
        bias: Option<&[f64]>,
        activation: Activation,
    ) -> Result<Self> {
        check_matrix("Layer::from_matrix", w, bias)?;
        Ok(Self::from_checked_matrix(
            graph, "layer", w, bias, activation,
        ))
    }

    /// Builds from an in×out matrix whose shape was checked.
    pub(crate) fn from_checked_matrix(
        graph: &'g Graph,
        name: &str,
        w: &[Vec<f64>],
        bias: Option<&[f64]>,
        activation: Activation,
    ) -> Self {
        let nout = w[0].len();
        let per_neuron: Vec<Vec<f64>> = (0..nout)
            .map(|j| w.iter().map(|row| row[j]).collect())
            .collect();
        Self::build(graph, name, w.len(), &per_neuron, bias, activation)
    }

    /// Makes every neuron build its weighted sum as one node ([`Neuron::fused`]).
    #[must_use]
    pub fn fused(mut self, fused: bool) -> Self {
        self.neurons = self.neurons.into_iter().map(|n| n.fused(fused)).collect();
        self
    }

    /// The number of inputs.
    #[must_use]
    pub fn nin(&self) -> usize {
        self.nin
    }

    /// The number of neurons (outputs).
    #[must_use]
    pub fn nout(&self) -> usize {
        self.neurons.len()
    }

    /// The neurons.
    #[must_use]
    pub fn neurons(&self) -> &[Neuron<'g>] {
        &self.neurons
    }

    /// The weights as a matrix with one row per input and one column per neuron (the
    /// tutorial's layout).
    #[must_use]
    pub fn weight_matrix(&self) -> Vec<Vec<f64>> {
        (0..self.nin)
            .map(|i| self.neurons.iter().map(|n| n.weights()[i].data()).collect())
            .collect()
    }

    /// The outputs of every neuron for `x`, inside a scope named after the layer.
    ///
    /// # Errors
    /// [`Error::InputLength`] if `x.len()` is not [`Layer::nin`].
    pub fn forward(&self, x: &[Value<'g>]) -> Result<Vec<Value<'g>>> {
        if x.len() != self.nin {
            return Err(Error::InputLength {
                what: "Layer::forward",
                expected: self.nin,
                found: x.len(),
            });
        }
        // Each neuron would check every input again: check them once for the layer.
        let live = self.graph.live_inputs(x);
        self.graph.scoped_interned(self.name, || {
            // Not `collect()`: collecting `Result`s gives no size hint, so the vector would
            // grow (and copy) its way up to the layer's width for every sample.
            let mut out = Vec::with_capacity(self.neurons.len());
            for n in &self.neurons {
                out.push(match &live {
                    Some(live) if n.nin() == x.len() && !x.is_empty() => n.forward_checked(live),
                    // Panics or returns the error that names the bad input.
                    _ => n.forward(x)?,
                });
            }
            Ok(out)
        })
    }
}

impl<'g> Module<'g> for Layer<'g> {
    /// Neuron by neuron: each neuron's weights in input order, then its bias.
    fn parameters(&self) -> Vec<Value<'g>> {
        self.neurons.iter().flat_map(Module::parameters).collect()
    }
}

/// Checks that `w` is a non-empty in×out matrix and `bias`, if any, has one entry per column.
pub(crate) fn check_matrix(op: &'static str, w: &[Vec<f64>], bias: Option<&[f64]>) -> Result<()> {
    let nin = w.len();
    let nout = w.first().map_or(0, Vec::len);
    if nin == 0 || nout == 0 {
        return Err(Error::ShapeMismatch {
            op,
            message: "a weight matrix needs at least one row and one column".into(),
            expected: "at least 1×1".into(),
            found: Shape(nin, nout).to_string(),
        });
    }
    if let Some((row, r)) = w.iter().enumerate().find(|(_, r)| r.len() != nout) {
        return Err(Error::ShapeMismatch {
            op,
            message: format!("row {row} has {} columns, row 0 has {nout}", r.len()),
            expected: Shape(nin, nout).to_string(),
            found: format!("a ragged matrix ({nin} rows)"),
        });
    }
    if let Some(b) = bias {
        if b.len() != nout {
            return Err(Error::ShapeMismatch {
                op,
                message: "one bias per column (neuron)".into(),
                expected: format!("{nout} biases"),
                found: format!("{} biases", b.len()),
            });
        }
    }
    Ok(())
}
