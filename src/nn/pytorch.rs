//! The bridge to PyTorch: an [`Mlp`] saved and loaded as safetensors under the names of the
//! equivalent `torch.nn.Sequential`, and that `nn.Sequential` as Python source.
//!
//! A network `Linear(2, 4) → Sigmoid → Linear(4, 2)` is `nn.Sequential(nn.Linear(2, 4),
//! nn.Sigmoid(), nn.Linear(4, 2))` in PyTorch, whose `state_dict` holds `0.weight` (shape
//! `[4, 2]`: one row per neuron), `0.bias` (`[4]`), `2.weight` and `2.bias`: activation
//! modules have no parameters but take an index. An identity activation adds no module.
//!
//! The file's `__metadata__` records the architecture, so [`Mlp::load_safetensors`] rebuilds
//! the network without being told its shape:
//!
//! | key | example |
//! |---|---|
//! | `format` | `pt` (the convention of `safetensors.torch`) |
//! | `scalargrad.sizes` | `2,4,2` (inputs, then each layer's outputs) |
//! | `scalargrad.activations` | `sigmoid,identity` (one per layer) |
//! | `scalargrad.bias` | `false,false` (one per layer) |
//!
//! A file PyTorch wrote (`save_file(model.state_dict(), path)`) has no such keys; load it
//! with [`MlpBuilder::load_safetensors`], which takes the architecture from the builder.
//!
//! **NaN and infinite weights are refused**, on loading and on saving
//! ([`SafetensorsProblem::NotFinite`]): they would silently poison every output, as a NaN in a
//! CSV file would (see [`Dataset`](crate::Dataset)), and this crate never writes a file it
//! would refuse to read.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::{Activation, Layer, Mlp, MlpBuilder};
use crate::Graph;
use crate::error::{Error, Result, SafetensorsProblem};
use crate::io::json;
use crate::io::safetensors::{Dtype, SafetensorsFile, Tensor};

/// One parameter tensor of a network, as PyTorch's `named_parameters()` gives it: its
/// `state_dict` name, its shape and its values in row-major order.
#[derive(Clone, Debug)]
pub struct NamedParameter<'g> {
    /// The name in the `state_dict` and in a saved file: `0.weight`, `0.bias`, `2.weight`, …
    /// (`weight` and `bias` for a lone [`Layer`]).
    pub name: String,
    /// `[out, in]` for a weight matrix (one row per neuron), `[out]` for a bias.
    pub shape: Vec<usize>,
    /// The parameters, row by row: a weight matrix neuron by neuron, each in input order.
    pub values: Vec<crate::Value<'g>>,
}

impl<'g> Layer<'g> {
    /// The layer's parameters under the names of PyTorch's `nn.Linear`: `weight` (`[out, in]`)
    /// and, if the neurons have biases, `bias` (`[out]`).
    ///
    /// ```
    /// use scalargrad::{Graph, nn::{Activation, Layer}};
    /// let g = Graph::new();
    /// let layer = Layer::from_matrix_and_bias(&g, &[vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0]],
    ///     Some(&[0.5, -0.5, 0.0]), Activation::Relu)?;
    /// let named = layer.named_parameters();
    /// assert_eq!((named[0].name.as_str(), named[0].shape.as_slice()), ("weight", &[3, 2][..]));
    /// assert_eq!(named[0].values[1].data(), 4.0); // weight[0][1]: neuron 0, input 1
    /// assert_eq!(named[1].name, "bias");
    /// # Ok::<(), scalargrad::Error>(())
    /// ```
    #[must_use]
    pub fn named_parameters(&self) -> Vec<NamedParameter<'g>> {
        self.named_with("")
    }

    fn named_with(&self, prefix: &str) -> Vec<NamedParameter<'g>> {
        let weight = NamedParameter {
            name: format!("{prefix}weight"),
            shape: vec![self.nout(), self.nin()],
            values: self
                .neurons()
                .iter()
                .flat_map(|n| n.weights().iter().copied())
                .collect(),
        };
        let bias: Option<Vec<crate::Value<'g>>> =
            self.neurons().iter().map(super::Neuron::bias).collect();
        let bias = bias.filter(|b| !b.is_empty()).map(|values| NamedParameter {
            name: format!("{prefix}bias"),
            shape: vec![self.nout()],
            values,
        });
        std::iter::once(weight).chain(bias).collect()
    }
}

impl<'g> Mlp<'g> {
    /// The network's parameters under the names of the equivalent `torch.nn.Sequential`,
    /// as its `named_parameters()` gives them and as [`Mlp::save_safetensors`] writes them:
    /// `0.weight`, `0.bias`, `2.weight`, … (activations take an index; an identity adds no
    /// module). The values are those of [`Module::parameters`](super::Module::parameters),
    /// grouped into PyTorch's tensors (all weights of a layer, then all its biases).
    ///
    /// ```
    /// use scalargrad::rand::SeedableRng;
    /// use scalargrad::{Graph, nn::{Activation, Mlp}};
    /// let g = Graph::new();
    /// let mut rng = scalargrad::rand::rngs::Xoshiro256PlusPlus::seed_from_u64(0);
    /// let model = Mlp::builder(2).layer(4, Activation::Sigmoid)
    ///     .layer(1, Activation::Identity).build(&g, &mut rng);
    /// let names: Vec<String> = model.named_parameters().into_iter().map(|p| p.name).collect();
    /// assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias"]);
    /// ```
    #[must_use]
    pub fn named_parameters(&self) -> Vec<NamedParameter<'g>> {
        Architecture::of_mlp(self)
            .module_indices()
            .into_iter()
            .zip(&self.layers)
            .flat_map(|(i, layer)| layer.named_with(&format!("{i}.")))
            .collect()
    }
}

/// How [`Mlp::save_safetensors_with`] writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SaveOptions {
    /// The element type of the tensors (default [`Dtype::F64`], exact).
    pub dtype: Dtype,
    /// Also write [`Mlp::pytorch_code`] beside the weights, as `<path without extension>.py`,
    /// with a line that loads them.
    pub python: bool,
}

const SIZES: &str = "scalargrad.sizes";
const ACTIVATIONS: &str = "scalargrad.activations";
const BIAS: &str = "scalargrad.bias";

/// One fully connected layer of the architecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct LayerSpec {
    nin: usize,
    nout: usize,
    activation: Activation,
    bias: bool,
}

/// The shape of an [`Mlp`]: what the file's metadata records.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Architecture(Vec<LayerSpec>);

fn activation_name(a: Activation) -> &'static str {
    match a {
        Activation::Identity => "identity",
        Activation::Sigmoid => "sigmoid",
        Activation::Tanh => "tanh",
        Activation::Relu => "relu",
    }
}

fn activation_module(a: Activation) -> Option<&'static str> {
    match a {
        Activation::Identity => None,
        Activation::Sigmoid => Some("nn.Sigmoid()"),
        Activation::Tanh => Some("nn.Tanh()"),
        Activation::Relu => Some("nn.ReLU()"),
    }
}

fn architecture_problem(message: String) -> SafetensorsProblem {
    SafetensorsProblem::Architecture { message }
}

impl Architecture {
    fn of_mlp(mlp: &Mlp<'_>) -> Self {
        Architecture(
            mlp.layers
                .iter()
                .map(|l| LayerSpec {
                    nin: l.nin(),
                    nout: l.nout(),
                    // Every constructor gives all neurons of a layer the same activation and
                    // the same bias-or-not.
                    activation: l
                        .neurons()
                        .first()
                        .map_or(Activation::Identity, super::Neuron::activation),
                    bias: l.neurons().first().is_some_and(|n| n.bias().is_some()),
                })
                .collect(),
        )
    }

    fn of_builder(b: &MlpBuilder) -> Self {
        let mut nin = b.nin;
        Architecture(
            b.layers
                .iter()
                .map(|&(nout, activation)| {
                    let spec = LayerSpec {
                        nin,
                        nout,
                        activation,
                        bias: b.bias,
                    };
                    nin = nout;
                    spec
                })
                .collect(),
        )
    }

    /// The architecture in the metadata, or `None` if the file has none (PyTorch wrote it).
    fn from_metadata(meta: &BTreeMap<String, String>) -> Result<Option<Self>, SafetensorsProblem> {
        let keys = [SIZES, ACTIVATIONS, BIAS];
        let present: Vec<&str> = keys.into_iter().filter(|k| meta.contains_key(*k)).collect();
        if present.is_empty() {
            return Ok(None);
        }
        let get = |key: &str| {
            meta.get(key).ok_or_else(|| {
                architecture_problem(format!(
                    "the metadata has {} but not {key:?}",
                    present.join(" and ")
                ))
            })
        };
        let list = |key: &str| -> Result<Vec<&str>, SafetensorsProblem> {
            Ok(get(key)?.split(',').map(str::trim).collect())
        };
        let sizes = list(SIZES)?
            .into_iter()
            .map(|s| {
                s.parse::<usize>().map_err(|_| {
                    architecture_problem(format!(
                        "{SIZES} = {:?}: {s:?} is not a whole number",
                        meta[SIZES]
                    ))
                })
            })
            .collect::<Result<Vec<usize>, _>>()?;
        let activations = list(ACTIVATIONS)?
            .into_iter()
            .map(|s| match s {
                "identity" => Ok(Activation::Identity),
                "sigmoid" => Ok(Activation::Sigmoid),
                "tanh" => Ok(Activation::Tanh),
                "relu" => Ok(Activation::Relu),
                other => Err(architecture_problem(format!(
                    "{ACTIVATIONS}: unknown activation {other:?} (known: identity, sigmoid, tanh, relu)"
                ))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let bias = list(BIAS)?
            .into_iter()
            .map(|s| match s {
                "true" => Ok(true),
                "false" => Ok(false),
                other => Err(architecture_problem(format!(
                    "{BIAS}: {other:?} is neither true nor false"
                ))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        if sizes.len() < 2 || activations.len() + 1 != sizes.len() || bias.len() + 1 != sizes.len()
        {
            return Err(architecture_problem(format!(
                "{SIZES} needs the input size and at least one layer, and {ACTIVATIONS} and \
                 {BIAS} one entry per layer: found {} sizes, {} activations, {} bias flags",
                sizes.len(),
                activations.len(),
                bias.len()
            )));
        }
        Ok(Some(Architecture(
            (0..activations.len())
                .map(|k| LayerSpec {
                    nin: sizes[k],
                    nout: sizes[k + 1],
                    activation: activations[k],
                    bias: bias[k],
                })
                .collect(),
        )))
    }

    fn metadata(&self) -> BTreeMap<String, String> {
        let join =
            |f: &dyn Fn(&LayerSpec) -> String| self.0.iter().map(f).collect::<Vec<_>>().join(",");
        let nin = self.0.first().map_or(0, |l| l.nin);
        BTreeMap::from([
            ("format".into(), "pt".into()),
            (
                SIZES.into(),
                format!("{nin},{}", join(&|l| l.nout.to_string())),
            ),
            (
                ACTIVATIONS.into(),
                join(&|l| activation_name(l.activation).into()),
            ),
            (BIAS.into(), join(&|l| l.bias.to_string())),
        ])
    }

    /// `2 → 4 (sigmoid) → 2 (identity), no bias`.
    fn describe(&self) -> String {
        let mut s = self.0.first().map_or(0, |l| l.nin).to_string();
        for l in &self.0 {
            let _ = write!(s, " → {} ({})", l.nout, activation_name(l.activation));
        }
        let with = self.0.iter().filter(|l| l.bias).count();
        s.push_str(match with {
            0 => ", no bias",
            n if n == self.0.len() => ", with bias",
            _ => ", bias in some layers",
        });
        s
    }

    /// Each layer's index in the `nn.Sequential`: activations take an index too.
    fn module_indices(&self) -> Vec<usize> {
        let mut next = 0;
        self.0
            .iter()
            .map(|l| {
                let index = next;
                next += 1 + usize::from(activation_module(l.activation).is_some());
                index
            })
            .collect()
    }

    /// The `state_dict`'s tensor names and shapes, in PyTorch's order.
    fn tensor_specs(&self) -> Vec<(String, Vec<usize>)> {
        self.module_indices()
            .into_iter()
            .zip(&self.0)
            .flat_map(|(i, l)| {
                let weight = (format!("{i}.weight"), vec![l.nout, l.nin]);
                let bias = l.bias.then(|| (format!("{i}.bias"), vec![l.nout]));
                std::iter::once(weight).chain(bias)
            })
            .collect()
    }

    fn python(&self, weights_file: Option<&str>) -> String {
        let mut s = String::from(
            "import torch\nfrom torch import nn\nfrom safetensors.torch import load_file\n",
        );
        if weights_file.is_some() {
            s.push_str("from pathlib import Path\n");
        }
        let _ = write!(
            s,
            "\n# scalargrad Mlp: {}.\n# The same network in PyTorch, in float64 like scalargrad.\nmodel = nn.Sequential(\n",
            self.describe()
        );
        for l in &self.0 {
            let bias = if l.bias { "" } else { ", bias=False" };
            let _ = writeln!(s, "    nn.Linear({}, {}{bias}),", l.nin, l.nout);
            if let Some(m) = activation_module(l.activation) {
                let _ = writeln!(s, "    {m},");
            }
        }
        s.push_str(").double()\n\n");
        match weights_file {
            Some(name) => {
                let mut literal = String::new();
                json::write_string(&mut literal, name);
                let _ = writeln!(
                    s,
                    "# The weights Mlp::save_safetensors wrote beside this file:\n\
                     model.load_state_dict(load_file(Path(__file__).with_name({literal})))"
                );
            }
            None => s.push_str(
                "# The weights Mlp::save_safetensors wrote:\n\
                 # model.load_state_dict(load_file(\"model.safetensors\"))\n",
            ),
        }
        s
    }

    /// Refuses a layer without inputs or outputs, when saving and when loading.
    fn check_widths(&self) -> Result<(), SafetensorsProblem> {
        if let Some(k) = self.0.iter().position(|l| l.nin == 0 || l.nout == 0) {
            return Err(architecture_problem(format!(
                "layer {} has {} inputs and {} outputs; a layer needs at least one of each",
                k + 1,
                self.0[k].nin,
                self.0[k].nout
            )));
        }
        Ok(())
    }

    /// Refuses what a file could not give back: no layer at all (the file would not know the
    /// input size), or a layer without inputs or outputs.
    fn check_savable(&self) -> Result<(), SafetensorsProblem> {
        if self.0.is_empty() {
            return Err(architecture_problem(
                "the network has no layer: a file of it could not be loaded (it would not \
                 record the input size)"
                    .into(),
            ));
        }
        self.check_widths()?;
        Ok(())
    }

    /// Builds the network in `graph` from the file's tensors, checking every name, shape and
    /// value first.
    fn build<'g>(
        &self,
        graph: &'g Graph,
        file: &SafetensorsFile,
    ) -> Result<Mlp<'g>, SafetensorsProblem> {
        self.check_widths()?;
        let specs = self.tensor_specs();
        for (name, shape) in &specs {
            let Some(t) = file.tensor(name) else {
                return Err(SafetensorsProblem::MissingTensor {
                    name: name.clone(),
                    expected: format!("{shape:?}"),
                    available: file.tensors.iter().map(|(n, _)| n.clone()).collect(),
                });
            };
            if &t.shape != shape {
                return Err(SafetensorsProblem::TensorShape {
                    name: name.clone(),
                    expected: format!("{shape:?}"),
                    found: format!("{:?}", t.shape),
                });
            }
            check_finite(name, &t.data)?;
        }
        if let Some((name, _)) = file
            .tensors
            .iter()
            .find(|(n, _)| !specs.iter().any(|(s, _)| s == n))
        {
            return Err(SafetensorsProblem::UnexpectedTensor {
                name: name.clone(),
                expected: specs.into_iter().map(|(n, _)| n).collect(),
            });
        }
        let layers = self
            .module_indices()
            .into_iter()
            .zip(&self.0)
            .enumerate()
            .map(|(k, (i, l))| {
                let w = &file
                    .tensor(&format!("{i}.weight"))
                    .expect("checked above")
                    .data;
                let rows: Vec<Vec<f64>> = w.chunks_exact(l.nin).map(<[f64]>::to_vec).collect();
                let bias = l.bias.then(|| {
                    &file
                        .tensor(&format!("{i}.bias"))
                        .expect("checked above")
                        .data
                });
                Layer::build(
                    graph,
                    &format!("layer {}", k + 1),
                    l.nin,
                    &rows,
                    bias.map(Vec::as_slice),
                    l.activation,
                )
            })
            .collect();
        Ok(Mlp { layers })
    }
}

fn check_finite(name: &str, data: &[f64]) -> Result<(), SafetensorsProblem> {
    match data.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(SafetensorsProblem::NotFinite {
            name: name.to_string(),
            index,
            value: data[index],
        }),
        None => Ok(()),
    }
}

fn with_path(path: &Path) -> impl FnOnce(SafetensorsProblem) -> Error + '_ {
    move |problem| Error::Safetensors {
        path: path.to_path_buf(),
        problem,
    }
}

impl<'g> Mlp<'g> {
    /// Saves the weights as a safetensors file of float64 tensors under the names of the
    /// equivalent `torch.nn.Sequential` ([`Mlp::pytorch_code`]), with the architecture in the
    /// metadata. In Python, `model.load_state_dict(safetensors.torch.load_file(path))` loads
    /// it.
    ///
    /// ```
    /// use scalargrad::{Graph, nn::{Activation, Mlp}};
    /// use scalargrad::rand::SeedableRng;
    /// let g = Graph::new();
    /// let mut rng = scalargrad::rand::rngs::Xoshiro256PlusPlus::seed_from_u64(0);
    /// let model = Mlp::builder(2).layer(4, Activation::Sigmoid).layer(2, Activation::Identity).build(&g, &mut rng);
    /// let path = std::env::temp_dir().join("scalargrad-doc-save.safetensors");
    /// model.save_safetensors(&path)?;
    ///
    /// let loaded = Mlp::load_safetensors(&g, &path)?;
    /// let x = g.values(&[0.5, -1.0]);
    /// assert_eq!(loaded.forward(&x)?[1].data(), model.forward(&x)?[1].data());
    /// # Ok::<(), scalargrad::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be written; [`Error::Safetensors`] with
    /// [`SafetensorsProblem::NotFinite`] if a weight is NaN or infinite, and with
    /// [`SafetensorsProblem::Architecture`] for a network that no file could give back: one
    /// with no layer, or with a layer without inputs or outputs.
    pub fn save_safetensors(&self, path: impl AsRef<Path>) -> Result<()> {
        self.save_safetensors_with(path, SaveOptions::default())
    }

    /// [`Mlp::save_safetensors`] with options: float32 tensors (each weight rounded to the
    /// nearest `f32`; infinite if it overflows, which is refused), and the PyTorch code beside
    /// the weights.
    ///
    /// # Errors
    /// As [`Mlp::save_safetensors`], for either file.
    pub fn save_safetensors_with(
        &self,
        path: impl AsRef<Path>,
        options: SaveOptions,
    ) -> Result<()> {
        let path = path.as_ref();
        let arch = Architecture::of_mlp(self);
        arch.check_savable().map_err(with_path(path))?;
        let mut file = SafetensorsFile {
            tensors: Vec::new(),
            metadata: arch.metadata(),
        };
        for (i, layer) in arch.module_indices().into_iter().zip(&self.layers) {
            let weights: Vec<f64> = layer
                .neurons()
                .iter()
                .flat_map(|n| n.weights().iter().map(|w| w.data()))
                .collect();
            let biases: Option<Vec<f64>> = layer
                .neurons()
                .iter()
                .map(|n| n.bias().map(crate::Value::data))
                .collect();
            file.tensors.push((
                format!("{i}.weight"),
                Tensor {
                    shape: vec![layer.nout(), layer.nin()],
                    data: weights,
                },
            ));
            if let Some(b) = biases.filter(|_| layer.nout() > 0) {
                file.tensors.push((
                    format!("{i}.bias"),
                    Tensor {
                        shape: vec![layer.nout()],
                        data: b,
                    },
                ));
            }
        }
        for (name, t) in &file.tensors {
            let stored: Vec<f64> = match options.dtype {
                Dtype::F64 => t.data.clone(),
                #[allow(clippy::cast_possible_truncation)] // what the file will hold
                Dtype::F32 => t.data.iter().map(|&x| f64::from(x as f32)).collect(),
            };
            check_finite(name, &stored).map_err(with_path(path))?;
        }
        file.write(path, options.dtype)?;
        if options.python {
            let py = path.with_extension("py");
            let name = path
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            std::fs::write(&py, arch.python(Some(&name))).map_err(|source| Error::Io {
                path: py.clone(),
                source,
            })?;
        }
        Ok(())
    }

    /// Loads a network saved by [`Mlp::save_safetensors`]: the architecture comes from the
    /// file's metadata, the weights from its float64 or float32 tensors.
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be read. [`Error::Safetensors`], naming the file, if it
    /// is not a safetensors file, is truncated, has no architecture metadata (load a file
    /// PyTorch wrote with [`MlpBuilder::load_safetensors`]), misses a tensor, has one too many
    /// or one of the wrong shape, or holds a NaN or infinite weight.
    pub fn load_safetensors(graph: &'g Graph, path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = SafetensorsFile::read(path)?;
        let arch = Architecture::from_metadata(&file.metadata)
            .and_then(|a| {
                a.ok_or_else(|| {
                    architecture_problem(format!(
                        "the metadata does not record one ({SIZES}, {ACTIVATIONS}, {BIAS}): the \
                         file was not written by scalargrad; give the architecture with \
                         Mlp::builder(..).load_safetensors(..)"
                    ))
                })
            })
            .map_err(with_path(path))?;
        arch.build(graph, &file).map_err(with_path(path))
    }

    /// The Python source of the equivalent `torch.nn.Sequential`, with its imports, in float64
    /// like scalargrad: paste it into a notebook and load the weights of
    /// [`Mlp::save_safetensors`].
    ///
    /// ```
    /// use scalargrad::{Graph, nn::{Activation, Mlp}};
    /// use scalargrad::rand::SeedableRng;
    /// let g = Graph::new();
    /// let mut rng = scalargrad::rand::rngs::Xoshiro256PlusPlus::seed_from_u64(0);
    /// let model = Mlp::builder(2).layer(4, Activation::Sigmoid).layer(2, Activation::Identity)
    ///     .bias(false).build(&g, &mut rng);
    /// assert!(model.pytorch_code().contains(
    ///     "model = nn.Sequential(\n    nn.Linear(2, 4, bias=False),\n    nn.Sigmoid(),\n    nn.Linear(4, 2, bias=False),\n).double()"
    /// ));
    /// ```
    #[must_use]
    pub fn pytorch_code(&self) -> String {
        Architecture::of_mlp(self).python(None)
    }
}

impl MlpBuilder {
    /// Builds the network this builder describes with the weights of a safetensors file
    /// instead of drawing them: the file may come from PyTorch
    /// (`save_file(model.state_dict(), path)` on the equivalent `nn.Sequential`, any
    /// metadata) or from [`Mlp::save_safetensors`]. The [`init`](MlpBuilder::init) rule is
    /// not used.
    ///
    /// # Errors
    /// As [`Mlp::load_safetensors`]; also [`SafetensorsProblem::Architecture`] if the builder
    /// has no layer, or if the file records an architecture other than the builder's.
    pub fn load_safetensors(self, graph: &Graph, path: impl AsRef<Path>) -> Result<Mlp<'_>> {
        let path = path.as_ref();
        let arch = Architecture::of_builder(&self);
        if arch.0.is_empty() {
            return Err(with_path(path)(architecture_problem(
                "the builder has no layer to load weights into".into(),
            )));
        }
        let file = SafetensorsFile::read(path)?;
        match Architecture::from_metadata(&file.metadata).map_err(with_path(path))? {
            Some(recorded) if recorded != arch => {
                return Err(with_path(path)(architecture_problem(format!(
                    "the file was saved from {} but the builder describes {}",
                    recorded.describe(),
                    arch.describe()
                ))));
            }
            _ => {}
        }
        arch.build(graph, &file).map_err(with_path(path))
    }
}
