//! [`Session`]: a network training on points of the plane, one step at a time.

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;

use super::config::{MAX_HIDDEN_LAYERS, MAX_WIDTH};
use super::{Batch, Bounds, Config, Optimizer, Output, Point};
use crate::error::{Error, Result};
use crate::loss::{Reduction, Target, cross_entropy, hinge};
use crate::nn::{Activation, Init, Mlp, Module};
use crate::optim::{
    self, Adagrad, AdagradConfig, Adam, AdamConfig, AdamW, AdamWConfig, RmsProp, RmsPropConfig,
    Sgd, SgdConfig,
};
use crate::{Checkpoint, Graph, Value};

/// The optimizer a session steps with.
#[derive(Clone, Debug)]
enum Stepper<'g> {
    Sgd(Sgd<'g>),
    Adam(Adam<'g>),
    Adagrad(Adagrad<'g>),
    RmsProp(RmsProp<'g>),
    AdamW(AdamW<'g>),
}

impl Stepper<'_> {
    fn set_lr(&mut self, lr: f64) {
        match self {
            Stepper::Sgd(s) => s.config.lr = lr,
            Stepper::Adam(a) => a.config.lr = lr,
            Stepper::Adagrad(a) => a.config.lr = lr,
            Stepper::RmsProp(r) => r.config.lr = lr,
            Stepper::AdamW(a) => a.config.lr = lr,
        }
    }

    fn optimizer(&mut self) -> &mut dyn optim::Optimizer {
        match self {
            Stepper::Sgd(s) => s,
            Stepper::Adam(a) => a,
            Stepper::Adagrad(a) => a,
            Stepper::RmsProp(r) => r,
            Stepper::AdamW(a) => a,
        }
    }
}

/// What one [`Session::step`] did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepReport {
    /// The epoch this step belongs to (from 0).
    pub epoch: u64,
    /// The step's number (from 0).
    pub step: u64,
    /// The batch's loss before the update: for a full batch, the loss `xor_train` prints as
    /// `epoch N : loss X`.
    pub loss: f64,
    /// The learning rate the update used.
    pub lr: f64,
    /// How many samples the batch had.
    pub batch_len: usize,
}

/// How one parameter moved in the last step.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Update {
    /// The value before the step.
    pub before: f64,
    /// The gradient the step used (of the batch loss).
    pub grad: f64,
    /// The value after the step: `before − lr·grad` for SGD, the optimizer's own rule otherwise.
    pub after: f64,
}

/// One sample's loss as a graph of its own, with the session's current weights, after
/// backward: see [`Session::inspect`].
#[derive(Clone, Debug)]
pub struct Inspection<'h> {
    /// The sample's loss, named `loss`; its gradients are filled in.
    pub loss: Value<'h>,
    /// The inputs, named `x1` and `x2`.
    pub inputs: [Value<'h>; 2],
    /// The network, one node per `×` and `+`, its parameters named `w0, w1, …, b` in clusters
    /// `layer k` / `neuron j`.
    pub model: Mlp<'h>,
    /// The parameters in [`Module::parameters`] order (as [`Session::last_updates`]).
    pub parameters: Vec<Value<'h>>,
}

/// A network training on points of the plane: build it from a [`Config`], then call
/// [`step`](Session::step) as often as you like, and read the loss, the accuracy, the decision
/// regions, every neuron's output over the plane, and the last update of every weight between
/// steps. Everything is computed by the engine: [`nn::Mlp`](crate::nn::Mlp),
/// [`loss`](crate::loss) and [`optim`](crate::optim).
///
/// The session creates its parameters in the graph it is given and, after every step and
/// every evaluation, rewinds the graph to just after them, so memory stays flat. Give it a
/// graph of its own: nodes created in it after the session would be discarded.
///
/// ```
/// use scalargrad::Graph;
/// use scalargrad::train::{Config, Session};
///
/// let g = Graph::new();
/// let mut session = Session::new(&g, Config::tutorial())?;
/// // `cargo run --release --example xor_train` prints `epoch 0 : loss 0.7091774798292554`.
/// assert_eq!(session.step().loss, 0.7091774798292554);
/// for _ in 1..1000 {
///     session.step();
/// }
/// // … and `epoch 1000 : loss 0.6213148161687915`: the same arithmetic, to the bit.
/// assert_eq!(session.loss(), 0.6213148161687915);
/// assert_eq!(session.epoch(), 1000);
/// # Ok::<(), scalargrad::Error>(())
/// ```
#[derive(Debug)]
pub struct Session<'g> {
    graph: &'g Graph,
    config: Config,
    points: Vec<Point>,
    /// One node per `×` and `+`: what [`Session::inspect`] copies.
    model: Mlp<'g>,
    /// The same parameters, each neuron's sum one node: the same numbers to the bit, faster.
    fast: Mlp<'g>,
    params: Vec<Value<'g>>,
    stepper: Stepper<'g>,
    rng: Xoshiro256PlusPlus,
    /// This epoch's sample order and how far the steps have got in it.
    order: Vec<usize>,
    cursor: usize,
    epoch: u64,
    steps: u64,
    updates: Vec<Update>,
    checkpoint: Checkpoint,
}

fn invalid(message: String) -> Error {
    Error::InvalidArgument {
        what: "train::Config",
        message,
    }
}

fn check(config: &Config) -> Result<()> {
    if config.hidden.len() > MAX_HIDDEN_LAYERS {
        return Err(invalid(format!(
            "hidden: at most {MAX_HIDDEN_LAYERS} hidden layers, found {}",
            config.hidden.len()
        )));
    }
    if let Some((k, &w)) = config
        .hidden
        .iter()
        .enumerate()
        .find(|&(_, &w)| w == 0 || w > MAX_WIDTH)
    {
        return Err(invalid(format!(
            "hidden: layer {} must have 1 to {MAX_WIDTH} neurons, found {w}",
            k + 1
        )));
    }
    if !(config.lr.is_finite() && config.lr >= 0.0) {
        return Err(invalid(format!(
            "lr must be finite and ≥ 0, found {}",
            config.lr
        )));
    }
    if !(config.l2.is_finite() && config.l2 >= 0.0) {
        return Err(invalid(format!(
            "l2 must be finite and ≥ 0, found {}",
            config.l2
        )));
    }
    if config.batch == Batch::Mini(0) {
        return Err(invalid(
            "batch: a mini-batch needs at least 1 sample".into(),
        ));
    }
    if let Some(init) = &config.init {
        if let Some((i, v)) = init.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(invalid(format!(
                "init: parameter {i} must be finite, found {v}"
            )));
        }
    }
    Ok(())
}

impl<'g> Session<'g> {
    /// A session at epoch 0, its parameters created in `graph`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming the field: more than [`MAX_HIDDEN_LAYERS`] hidden
    /// layers, a layer of 0 or more than [`MAX_WIDTH`] neurons, a negative or non-finite `lr`
    /// or `l2`, a mini-batch of 0, an `init` that is not one finite number per parameter of
    /// the network, or bad data ([`Data::points`](super::Data::points)).
    pub fn new(graph: &'g Graph, config: Config) -> Result<Self> {
        check(&config)?;
        let points = config.data.points()?;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(config.seed);
        let outputs = match config.output {
            Output::SoftmaxCrossEntropy => 2,
            Output::Hinge => 1,
        };
        let model = config
            .hidden
            .iter()
            .fold(Mlp::builder(2), |b, &w| b.layer(w, config.activation))
            .layer(outputs, Activation::Identity)
            .bias(config.bias)
            .build(graph, &mut rng);
        if let Some(init) = &config.init {
            model.set_parameter_values(init).map_err(|_| {
                invalid(format!(
                    "init: the network has {} parameters, found {} numbers",
                    model.parameters().len(),
                    init.len()
                ))
            })?;
        }
        let params = model.parameters();
        let stepper = match config.optimizer {
            Optimizer::Sgd => Stepper::Sgd(Sgd::new(
                params.clone(),
                SgdConfig {
                    lr: config.lr,
                    ..SgdConfig::default()
                },
            )?),
            Optimizer::Adam | Optimizer::AmsGrad => Stepper::Adam(Adam::new(
                params.clone(),
                AdamConfig {
                    lr: config.lr,
                    amsgrad: config.optimizer == Optimizer::AmsGrad,
                    ..AdamConfig::default()
                },
            )?),
            Optimizer::Adagrad => Stepper::Adagrad(Adagrad::new(
                params.clone(),
                AdagradConfig {
                    lr: config.lr,
                    ..AdagradConfig::default()
                },
            )?),
            Optimizer::RmsProp => Stepper::RmsProp(RmsProp::new(
                params.clone(),
                RmsPropConfig {
                    lr: config.lr,
                    ..RmsPropConfig::default()
                },
            )?),
            Optimizer::AdamW => Stepper::AdamW(AdamW::new(
                params.clone(),
                AdamWConfig {
                    lr: config.lr,
                    ..AdamWConfig::default()
                },
            )?),
        };
        let fast = model.clone().fused(true);
        let checkpoint = graph.checkpoint();
        let n = points.len();
        Ok(Session {
            graph,
            config,
            points,
            model,
            fast,
            params,
            stepper,
            rng,
            order: (0..n).collect(),
            cursor: 0,
            epoch: 0,
            steps: 0,
            updates: Vec::new(),
            checkpoint,
        })
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The points.
    #[must_use]
    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// The network (its layers, neurons, weights and biases, with their current values).
    #[must_use]
    pub fn model(&self) -> &Mlp<'g> {
        &self.model
    }

    /// The current parameter values, in [`Module::parameters`] order.
    #[must_use]
    pub fn parameter_values(&self) -> Vec<f64> {
        self.params.iter().map(|p| p.data()).collect()
    }

    /// The number of finished epochs.
    #[must_use]
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The number of steps taken.
    #[must_use]
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// How each parameter moved in the last step, in [`Module::parameters`] order; empty
    /// before the first step.
    #[must_use]
    pub fn last_updates(&self) -> &[Update] {
        &self.updates
    }

    /// The label the hinge loss uses for a point: −1 for class 0, +1 for class 1.
    fn label(p: &Point) -> f64 {
        if p.class == 1 { 1.0 } else { -1.0 }
    }

    /// The outputs of `model` for every point of `rows`.
    fn outputs<'h>(graph: &'h Graph, model: &Mlp<'h>, x: &[f64; 2]) -> Vec<Value<'h>> {
        model
            .forward(&graph.values(x))
            .expect("a session's network has 2 inputs")
    }

    /// The mean loss of the samples `rows` (plus the L2 term), as a value of the graph.
    fn batch_loss(&self, rows: &[usize]) -> Value<'g> {
        let g = self.graph;
        let outputs: Vec<Vec<Value<'g>>> = rows
            .iter()
            .map(|&i| Self::outputs(g, &self.fast, &self.points[i].x))
            .collect();
        let data = match self.config.output {
            Output::SoftmaxCrossEntropy => {
                let classes: Vec<usize> = rows.iter().map(|&i| self.points[i].class).collect();
                cross_entropy(&outputs, Target::Classes(&classes), Reduction::Mean)
            }
            Output::Hinge => {
                let scores: Vec<Value<'g>> = outputs.iter().map(|o| o[0]).collect();
                let labels: Vec<f64> = rows.iter().map(|&i| Self::label(&self.points[i])).collect();
                hinge(&scores, &labels)
            }
        }
        .expect("a non-empty batch with a class per row");
        if self.config.l2 == 0.0 {
            data
        } else {
            // micrograd's demo: `reg_loss = alpha * sum(p*p)`, added to the data loss.
            data + g.sum(self.params.iter().map(|&p| p * p)) * self.config.l2
        }
    }

    /// The next batch's rows; a new epoch's order is drawn when the last one is used up.
    fn next_batch(&mut self) -> Vec<usize> {
        let n = self.points.len();
        let size = match self.config.batch {
            Batch::Full => n,
            Batch::Mini(m) => m.min(n),
        };
        if self.cursor == 0 {
            if let Batch::Mini(_) = self.config.batch {
                self.order.shuffle(&mut self.rng);
            }
        }
        let end = (self.cursor + size).min(n);
        let rows = self.order[self.cursor..end].to_vec();
        self.cursor = if end == n { 0 } else { end };
        rows
    }

    /// One step: the loss of the next batch, backward, one update of every parameter. With
    /// a full batch a step is an epoch.
    pub fn step(&mut self) -> StepReport {
        let epoch = self.epoch;
        let step = self.steps;
        let rows = self.next_batch();
        let lr = self.config.lr_at(step);
        self.stepper.set_lr(lr);
        let loss = self.batch_loss(&rows);
        let value = loss.data();
        self.stepper.optimizer().zero_grad();
        loss.backward();
        self.updates = self
            .params
            .iter()
            .map(|p| Update {
                before: p.data(),
                grad: p.grad(),
                after: 0.0,
            })
            .collect();
        self.stepper.optimizer().step();
        for (u, p) in self.updates.iter_mut().zip(&self.params) {
            u.after = p.data();
        }
        self.graph.rewind(self.checkpoint);
        self.steps += 1;
        if self.cursor == 0 {
            self.epoch += 1;
        }
        StepReport {
            epoch,
            step,
            loss: value,
            lr,
            batch_len: rows.len(),
        }
    }

    /// Steps to the end of the current epoch; returns each step's report.
    pub fn run_epoch(&mut self) -> Vec<StepReport> {
        let epoch = self.epoch;
        let mut reports = Vec::new();
        while self.epoch == epoch {
            reports.push(self.step());
        }
        reports
    }

    /// The loss of every sample at the current weights (with the L2 term): what the next
    /// full-batch step reports.
    #[must_use]
    pub fn loss(&self) -> f64 {
        let rows: Vec<usize> = (0..self.points.len()).collect();
        let l = self.batch_loss(&rows).data();
        self.graph.rewind(self.checkpoint);
        l
    }

    /// Sample `i`'s own data loss at the current weights (no L2 term): the loss
    /// [`Session::inspect`] shows.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if there is no sample `i`.
    pub fn sample_loss(&self, i: usize) -> Result<f64> {
        self.check_sample("train::Session::sample_loss", i)?;
        let g = Graph::new();
        Ok(self.inspect(&g, i)?.loss.data())
    }

    fn check_sample(&self, what: &'static str, i: usize) -> Result<()> {
        if i < self.points.len() {
            Ok(())
        } else {
            Err(Error::InvalidArgument {
                what,
                message: format!(
                    "sample {i} does not exist: there are {} samples",
                    self.points.len()
                ),
            })
        }
    }

    /// Whether the network classifies `output` as class 1.
    fn is_class_1(&self, output: &[Value<'_>]) -> bool {
        self.margin(output) > 0.0
    }

    /// The class-1 margin of one output: `logit₁ − logit₀` (softmax; positive where
    /// p(class 1) > ½) or the score (hinge).
    fn margin(&self, output: &[Value<'_>]) -> f64 {
        match self.config.output {
            Output::SoftmaxCrossEntropy => output[1].data() - output[0].data(),
            Output::Hinge => output[0].data(),
        }
    }

    /// The fraction of samples the network classifies right, from 0 to 1: class 1 where
    /// p(class 1) > p(class 0) (softmax, as `xor_train` reports it) or the score is > 0
    /// (hinge, as micrograd's demo).
    #[must_use]
    pub fn accuracy(&self) -> f64 {
        let correct = self
            .points
            .iter()
            .filter(|p| {
                let out = Self::outputs(self.graph, &self.fast, &p.x);
                usize::from(self.is_class_1(&out)) == p.class
            })
            .count();
        self.graph.rewind(self.checkpoint);
        correct as f64 / self.points.len() as f64
    }

    /// The decision regions: for each cell of an `nx` × `ny` grid over `bounds` (row by row
    /// from the top, see [`Bounds::grid`]), the class-1 margin, positive where the network
    /// predicts class 1: `logit₁ − logit₀` (the log-odds, for softmax) or the score (hinge).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a bad grid ([`Bounds::grid`]).
    pub fn predict_grid(&self, nx: usize, ny: usize, bounds: &Bounds) -> Result<Vec<f64>> {
        let cells = bounds.grid(nx, ny)?;
        let out = cells
            .iter()
            .map(|x| {
                let m = self.margin(&Self::outputs(self.graph, &self.fast, x));
                self.graph.rewind(self.checkpoint);
                m
            })
            .collect();
        Ok(out)
    }

    /// Every neuron's output over the plane: for each layer (hidden layers, then the output
    /// layer) and each of its neurons, the neuron's output (after its activation) at each
    /// cell of the grid ([`Bounds::grid`]): `grids[layer][neuron][cell]`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for a bad grid ([`Bounds::grid`]).
    pub fn neuron_grids(
        &self,
        nx: usize,
        ny: usize,
        bounds: &Bounds,
    ) -> Result<Vec<Vec<Vec<f64>>>> {
        let cells = bounds.grid(nx, ny)?;
        let layers = self.fast.layers();
        let mut grids: Vec<Vec<Vec<f64>>> = layers
            .iter()
            .map(|l| vec![Vec::with_capacity(cells.len()); l.nout()])
            .collect();
        for x in &cells {
            let mut h = self.graph.values(x);
            for (layer, grid) in layers.iter().zip(&mut grids) {
                h = layer.forward(&h).expect("consecutive layers fit");
                for (neuron, v) in grid.iter_mut().zip(&h) {
                    neuron.push(v.data());
                }
            }
            self.graph.rewind(self.checkpoint);
        }
        Ok(grids)
    }

    /// One neuron's output over the plane: [`Session::neuron_grids`]`[layer][neuron]`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if there is no such layer or neuron, or for a bad grid.
    pub fn neuron_grid(
        &self,
        layer: usize,
        neuron: usize,
        nx: usize,
        ny: usize,
        bounds: &Bounds,
    ) -> Result<Vec<f64>> {
        let layers = self.fast.layers();
        let Some(l) = layers.get(layer) else {
            return Err(Error::InvalidArgument {
                what: "train::Session::neuron_grid",
                message: format!("layer {layer} does not exist: there are {}", layers.len()),
            });
        };
        if neuron >= l.nout() {
            return Err(Error::InvalidArgument {
                what: "train::Session::neuron_grid",
                message: format!(
                    "neuron {neuron} does not exist: layer {layer} has {}",
                    l.nout()
                ),
            });
        }
        let mut grids = self.neuron_grids(nx, ny, bounds)?;
        Ok(std::mem::take(&mut grids[layer][neuron]))
    }

    /// Sample `i`'s loss with the current weights, built in `graph` (not the session's) with
    /// one node per `×` and `+`, named for drawings ([`viz::trace`](crate::viz::trace),
    /// [`viz::to_html`](crate::viz::to_html)), and differentiated: every node's gradient is
    /// set. The loss is the sample's data loss, without the L2 term: softmax +
    /// cross-entropy of its class, or `relu(1 − y·score)`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if there is no sample `i`.
    pub fn inspect<'h>(&self, graph: &'h Graph, i: usize) -> Result<Inspection<'h>> {
        self.check_sample("train::Session::inspect", i)?;
        let point = self.points[i];
        let mut unused = Xoshiro256PlusPlus::seed_from_u64(0);
        let model = self
            .model
            .layers()
            .iter()
            .fold(Mlp::builder(2), |b, l| {
                b.layer(l.nout(), l.neurons()[0].activation())
            })
            .bias(self.config.bias)
            .init(Init::Constant(0.0))
            .build(graph, &mut unused);
        model.set_parameter_values(&self.parameter_values())?;
        let inputs = [
            graph.value(point.x[0]).named("x1"),
            graph.value(point.x[1]).named("x2"),
        ];
        let out = model.forward(&inputs)?;
        let loss = match self.config.output {
            Output::SoftmaxCrossEntropy => {
                cross_entropy(&[out], Target::Classes(&[point.class]), Reduction::Mean)?
            }
            Output::Hinge => hinge(&out, &[Self::label(&point)])?,
        }
        .named("loss");
        loss.backward();
        let parameters = model.parameters();
        Ok(Inspection {
            loss,
            inputs,
            model,
            parameters,
        })
    }
}
