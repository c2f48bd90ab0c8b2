//! [`Mlp`]: a multi-layer perceptron, and its builder.

use rand::Rng;

use super::layer::check_matrix;
use super::{Activation, Init, Layer, Module};
use crate::error::{Error, Result, Shape};
use crate::{Graph, Value};

/// A multi-layer perceptron: layers applied one after another.
///
/// Layers are drawn as clusters named `layer 1`, `layer 2`, … (the first hidden layer is
/// `layer 1`), each with clusters `neuron 0`, `neuron 1`, ….
///
/// Parameters: layer by layer, neuron by neuron, each neuron's weights in input order, then
/// its bias.
#[derive(Clone, Debug)]
pub struct Mlp<'g> {
    pub(super) layers: Vec<Layer<'g>>,
}

/// Builds an [`Mlp`] layer by layer; see [`Mlp::builder`].
#[derive(Clone, Debug)]
pub struct MlpBuilder {
    pub(super) nin: usize,
    pub(super) layers: Vec<(usize, Activation)>,
    pub(super) bias: bool,
    init: Init,
}

impl MlpBuilder {
    /// Adds a layer of `nout` neurons with an activation.
    #[must_use]
    pub fn layer(mut self, nout: usize, activation: Activation) -> Self {
        self.layers.push((nout, activation));
        self
    }

    /// Whether neurons have a bias (default: yes; the tutorial uses `bias=False`).
    #[must_use]
    pub fn bias(mut self, bias: bool) -> Self {
        self.bias = bias;
        self
    }

    /// The initialisation rule (default: [`Init::PyTorch`]).
    #[must_use]
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }

    /// Creates the parameters in `graph`, drawing them from `rng`.
    pub fn build<'g>(self, graph: &'g Graph, rng: &mut (impl Rng + ?Sized)) -> Mlp<'g> {
        let mut nin = self.nin;
        let layers = self
            .layers
            .iter()
            .enumerate()
            .map(|(k, &(nout, activation))| {
                let name = format!("layer {}", k + 1);
                let layer = Layer::random(
                    graph, &name, nin, nout, self.bias, activation, self.init, rng,
                );
                nin = nout;
                layer
            })
            .collect();
        Mlp { layers }
    }
}

impl<'g> Mlp<'g> {
    /// Starts building a network with `nin` inputs.
    #[must_use]
    pub fn builder(nin: usize) -> MlpBuilder {
        MlpBuilder {
            nin,
            layers: Vec::new(),
            bias: true,
            init: Init::PyTorch,
        }
    }

    /// micrograd's `MLP(nin, nouts)`: ReLU hidden layers and a linear output layer, with
    /// biases and PyTorch's initialisation.
    ///
    /// ```
    /// use scalargrad::rand::SeedableRng;
    /// use scalargrad::nn::{Mlp, Module};
    /// let g = scalargrad::Graph::new();
    /// let mut rng = scalargrad::rand::rngs::Xoshiro256PlusPlus::seed_from_u64(1);
    /// let model = Mlp::new(&g, 3, &[4, 4, 1], &mut rng);
    /// assert_eq!(model.parameters().len(), 41);
    /// ```
    pub fn new(
        graph: &'g Graph,
        nin: usize,
        nouts: &[usize],
        rng: &mut (impl Rng + ?Sized),
    ) -> Self {
        let last = nouts.len().saturating_sub(1);
        nouts
            .iter()
            .enumerate()
            .fold(Self::builder(nin), |b, (k, &n)| {
                b.layer(
                    n,
                    if k == last {
                        Activation::Identity
                    } else {
                        Activation::Relu
                    },
                )
            })
            .build(graph, rng)
    }

    /// A network from explicit weight matrices in the tutorial's layout (`W1` is 2×3: one row
    /// per input, one column per neuron), without biases.
    ///
    /// ```
    /// use scalargrad::{Graph, nn::{Activation, Mlp}};
    /// let g = Graph::new();
    /// let w1 = vec![vec![1.0, 0.1, 0.9], vec![1.2, 1.1, 0.7]];
    /// let w2 = vec![vec![1.0, 0.8], vec![0.0, 0.5], vec![1.1, 0.9]];
    /// let model = Mlp::from_matrices(&g, &[(w1, Activation::Sigmoid), (w2, Activation::Identity)])?;
    /// let y = model.forward(&g.values(&[0.0, 0.0]))?;
    /// assert_eq!(y[0].data(), 1.05); // the tutorial's Y[0] = (1.05, 1.1)
    ///
    /// let bad = vec![vec![1.0, 0.8], vec![0.0, 0.5]]; // 2×2 cannot follow a 3-neuron layer
    /// let err = Mlp::from_matrices(&g, &[(vec![vec![1.0; 3]; 2], Activation::Sigmoid), (bad, Activation::Identity)]);
    /// assert_eq!(
    ///     err.unwrap_err().to_string(),
    ///     "Mlp::from_matrices: layer 2 must have one row per output of layer 1: expected 3×2, found 2×2"
    /// );
    /// # Ok::<(), scalargrad::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if a matrix is empty or ragged, or its row count differs from
    /// the previous layer's column count; the message names both shapes.
    pub fn from_matrices(graph: &'g Graph, layers: &[(Vec<Vec<f64>>, Activation)]) -> Result<Self> {
        let mut built = Vec::with_capacity(layers.len());
        let mut prev: Option<usize> = None;
        for (k, (w, activation)) in layers.iter().enumerate() {
            let shape = Shape(w.len(), w.first().map_or(0, Vec::len));
            if let Some(p) = prev {
                if shape.0 != p {
                    return Err(Error::ShapeMismatch {
                        op: "Mlp::from_matrices",
                        message: format!(
                            "layer {} must have one row per output of layer {k}",
                            k + 1
                        ),
                        expected: Shape(p, shape.1).to_string(),
                        found: shape.to_string(),
                    });
                }
            }
            check_matrix("Mlp::from_matrices", w, None)?;
            let name = format!("layer {}", k + 1);
            built.push(Layer::from_checked_matrix(
                graph,
                &name,
                w,
                None,
                *activation,
            ));
            prev = Some(shape.1);
        }
        Ok(Mlp { layers: built })
    }

    /// Makes every neuron build its weighted sum as one node ([`Neuron::fused`](super::Neuron::fused)):
    /// the fast path, with the same numbers to the bit. The default, one node per `×` and
    /// `+`, is the one the tutorial's drawings show.
    ///
    /// ```
    /// use scalargrad::rand::SeedableRng;
    /// use scalargrad::nn::{Mlp, Module};
    /// let g = scalargrad::Graph::new();
    /// let mut rng = scalargrad::rand::rngs::Xoshiro256PlusPlus::seed_from_u64(1);
    /// let model = Mlp::new(&g, 2, &[16, 16, 1], &mut rng);
    /// let x = g.values(&[0.3, -0.7]);
    /// let slow = model.forward(&x)?[0];
    /// let model = model.fused(true);
    /// let fast = model.forward(&x)?[0];
    /// assert_eq!(slow.data().to_bits(), fast.data().to_bits());
    /// # Ok::<(), scalargrad::Error>(())
    /// ```
    #[must_use]
    pub fn fused(mut self, fused: bool) -> Self {
        self.layers = self.layers.into_iter().map(|l| l.fused(fused)).collect();
        self
    }

    /// The layers.
    #[must_use]
    pub fn layers(&self) -> &[Layer<'g>] {
        &self.layers
    }

    /// The number of inputs.
    #[must_use]
    pub fn nin(&self) -> usize {
        self.layers.first().map_or(0, Layer::nin)
    }

    /// The number of outputs.
    #[must_use]
    pub fn nout(&self) -> usize {
        self.layers.last().map_or(0, Layer::nout)
    }

    /// The network's outputs for one input row.
    ///
    /// # Errors
    /// [`Error::InputLength`] if `x.len()` is not [`Mlp::nin`].
    pub fn forward(&self, x: &[Value<'g>]) -> Result<Vec<Value<'g>>> {
        let Some((first, rest)) = self.layers.split_first() else {
            return Ok(x.to_vec());
        };
        let mut h = first.forward(x)?;
        for layer in rest {
            h = layer.forward(&h)?;
        }
        Ok(h)
    }
}

impl<'g> Module<'g> for Mlp<'g> {
    /// Layer by layer, neuron by neuron, each neuron's weights in input order, then its bias.
    fn parameters(&self) -> Vec<Value<'g>> {
        self.layers.iter().flat_map(Module::parameters).collect()
    }
}
