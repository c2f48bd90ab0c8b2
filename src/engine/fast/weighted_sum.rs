//! A weighted sum `b + w₀·x₀ + w₁·x₁ + …` built fast, in one of two forms:
//! - [`Graph::weighted_sum`]: one n-ary node ([`Op::Dot`], `fast/nary.rs`), drawn as "Σ";
//! - the chain of `×` and `+` nodes that the operators build, written in one borrow of the
//!   arena (`Graph::weighted_sum_chain`), for an unfused [`Neuron`](crate::nn::Neuron).
//!
//! **The chain.** An unfused neuron builds its sum one node per op: the graph a learner writes out
//! by hand, and the one the drawings show. Through the operators, every op borrows the arena,
//! checks both of its handles and makes room for one node. Here each handle is checked once, room
//! for the whole chain is made once, and the nodes are written in one pass, with the running sum
//! kept in a register.
//!
//! The result is the operators' graph, node for node: the same ops, parents, order and value
//! bits (`tests/nn.rs` compares them), and the same panics for a value of another graph or a
//! stale one. Each value comes from [`Op::eval`], so the mathematics stays in `op.rs`.
// One of the files allowed `unsafe` code (the crate denies it elsewhere): the chain writer writes a
// neuron's nodes in one borrow.
#![allow(unsafe_code)]

use crate::engine::fast::nary::NO_BIAS;
use crate::engine::graph::{Graph, Misuse};
use crate::engine::node::{Node, UNREACHED};
use crate::engine::op::Op;
use crate::engine::value::{Value, mixed_graphs};

/// The parameters of one weighted sum (a neuron's weights, then its bias), fixed once made, so
/// that [`Graph::weighted_sum_chain_checked`] can tell with one comparison that all are still live.
#[derive(Clone, Debug)]
pub(crate) struct SumParams<'g> {
    graph: &'g Graph,
    weights: Vec<Value<'g>>,
    bias: Option<Value<'g>>,
    /// One past the largest index among the weights and the bias.
    end: u32,
}

impl<'g> SumParams<'g> {
    /// The parameters `weights` and `bias`, all of `graph`.
    ///
    /// # Panics
    /// If a value belongs to another graph.
    pub(crate) fn new(graph: &'g Graph, weights: Vec<Value<'g>>, bias: Option<Value<'g>>) -> Self {
        let all = || weights.iter().chain(&bias);
        assert!(
            all().all(|v| std::ptr::eq(v.graph(), graph)),
            "scalargrad: the parameters of a weighted sum belong to another Graph"
        );
        let end = all().map(|v| v.index() + 1).max().unwrap_or(0);
        SumParams {
            graph,
            weights,
            bias,
            end,
        }
    }

    /// The weights, in input order.
    pub(crate) fn weights(&self) -> &[Value<'g>] {
        &self.weights
    }

    /// The bias, if any.
    pub(crate) fn bias(&self) -> Option<Value<'g>> {
        self.bias
    }
}

/// Values found live once, to be read by many weighted sums (a layer's inputs, which every
/// neuron reads): valid while the graph stays in the generation they were checked in.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LiveInputs<'g, 'x> {
    graph: &'g Graph,
    values: &'x [Value<'g>],
    generation: u32,
}

impl<'g, 'x> LiveInputs<'g, 'x> {
    /// The values.
    pub(crate) fn values(&self) -> &'x [Value<'g>] {
        self.values
    }
}

impl Graph {
    /// `((b + w₀·x₀) + w₁·x₁) + …`, or `(w₀·x₀ + w₁·x₁) + …` without a bias: exactly the
    /// nodes that the operators build for it, in the same order.
    ///
    /// # Panics
    /// If `weights` and `inputs` differ in length or are empty (callers check), if a value
    /// belongs to another graph or is stale (as the operators would), or if the graph is full.
    pub(crate) fn weighted_sum_chain<'g>(
        &'g self,
        bias: Option<Value<'g>>,
        weights: &[Value<'g>],
        inputs: &[Value<'g>],
    ) -> Value<'g> {
        // (The lengths are asserted by `weighted_sum_chain_unchecked`.)
        if !(self.all_live(weights) && self.all_live(inputs) && self.all_live(bias.as_slice())) {
            self.weighted_sum_chain_misuse(bias, weights, inputs);
        }
        // SAFETY: every handle was just found to be of this graph and live, and nothing has
        // run since that could rewind the graph.
        unsafe { self.weighted_sum_chain_unchecked(bias, weights, inputs) }
    }

    /// [`Graph::weighted_sum_chain`] for parameters and inputs checked once for many sums: the
    /// handles are not checked again, only that no rewind since could have discarded them
    /// (two comparisons). Otherwise it is [`Graph::weighted_sum_chain`], with its checks and
    /// panics.
    ///
    /// # Panics
    /// If `params` has no weights or not one per input (callers check), or the graph is full.
    pub(crate) fn weighted_sum_chain_checked<'g>(
        &'g self,
        params: &SumParams<'g>,
        inputs: &LiveInputs<'g, '_>,
    ) -> Value<'g> {
        let (weights, bias) = (params.weights(), params.bias());
        // (The lengths are asserted by `weighted_sum_chain_unchecked`.)
        if std::ptr::eq(params.graph, self)
            && std::ptr::eq(inputs.graph, self)
            && self
                .with(|a| a.generation == inputs.generation && params.end <= a.never_rewound_below)
        {
            // SAFETY: the parameters are of this graph (`SumParams::new`) and below
            // `never_rewound_below`, so live; the inputs are of this graph and were live in this
            // generation (`Graph::live_inputs`), and no rewind has happened since.
            unsafe { self.weighted_sum_chain_unchecked(bias, weights, inputs.values) }
        } else {
            self.weighted_sum_chain(bias, weights, inputs.values)
        }
    }

    /// The values in `values` as [`LiveInputs`], if each belongs to this graph and is live.
    #[inline]
    pub(crate) fn live_inputs<'g, 'x>(
        &'g self,
        values: &'x [Value<'g>],
    ) -> Option<LiveInputs<'g, 'x>> {
        let generation = self.with(|a| a.generation);
        self.all_live(values).then_some(LiveInputs {
            graph: self,
            values,
            generation,
        })
    }

    /// [`Graph::weighted_sum_chain`] without checking the handles.
    ///
    /// # Safety
    /// `weights` and `inputs` have the same length, at least 1, and every value in `bias`,
    /// `weights` and `inputs` belongs to this graph and is live ([`Graph::all_live`]): no
    /// rewind since the check.
    ///
    /// # Panics
    /// If the graph is full.
    unsafe fn weighted_sum_chain_unchecked<'g>(
        &'g self,
        bias: Option<Value<'g>>,
        weights: &[Value<'g>],
        inputs: &[Value<'g>],
    ) -> Value<'g> {
        assert!(
            weights.len() == inputs.len() && !weights.is_empty(),
            "weighted_sum: one input per weight, at least one"
        );
        let count = 2 * weights.len() - 1 + usize::from(bias.is_some());
        // SAFETY: the arena contract (engine/mod.rs); the slices hold plain handles.
        let a = unsafe { self.arena_mut() };
        if !a.reserve_nodes(count) {
            self.misuse(Misuse::TooManyNodes);
        }
        let (base, generation) = (a.nodes.len(), a.generation);
        let nodes = a.nodes.as_mut_ptr();
        // The value of a live handle. SAFETY: every handle here is live (this function's
        // contract), so its index is below `base` (`Arena::is_live`): an initialized node.
        let data = |v: Value<'g>| unsafe { (*nodes.add(v.index() as usize)).data };
        let mut next = base;
        // Writes the next node and returns its index. SAFETY: `reserve_nodes` made room for
        // `count` nodes past `base`, and exactly `count` are written (see the loop below);
        // the slots past `len` are allocated and unused, and `set_len` below counts them.
        let mut write = |op: Op, lhs: u32, rhs: u32, data: f64| {
            let node = Node {
                data,
                grad: UNREACHED,
                lhs,
                rhs,
                generation,
                op,
            };
            unsafe { nodes.add(next).write(node) };
            next += 1;
            // `next <= capacity <= MAX_NODES < u32::MAX` (see `Arena::push`).
            #[allow(clippy::cast_possible_truncation)]
            let index = (next - 1) as u32;
            index
        };
        let (w0, x0) = (weights[0], inputs[0]);
        let first = Op::Mul.eval(data(w0), data(x0));
        let mut at = write(Op::Mul, w0.index(), x0.index(), first);
        let mut acc = first;
        if let Some(b) = bias {
            acc = Op::Add.eval(data(b), first);
            at = write(Op::Add, b.index(), at, acc);
        }
        for (&w, &x) in weights[1..].iter().zip(&inputs[1..]) {
            let product = Op::Mul.eval(data(w), data(x));
            let p = write(Op::Mul, w.index(), x.index(), product);
            acc = Op::Add.eval(acc, product);
            at = write(Op::Add, at, p, acc);
        }
        debug_assert_eq!(next, base + count);
        // SAFETY: the `count` slots from `base` on were written above, and `count` nodes fit
        // in the capacity (`reserve_nodes`).
        unsafe { a.nodes.set_len(base + count) };
        Value::from_parts(self, at, generation)
    }

    /// The panic the operators would raise for the first bad handle of a weighted sum, in
    /// the order they meet them (w₀, x₀, b, w₁, x₁, …): a value of another graph, or a stale
    /// one. Called only after the borrow of the arena has ended.
    #[cold]
    #[inline(never)]
    fn weighted_sum_chain_misuse<'g>(
        &'g self,
        bias: Option<Value<'g>>,
        weights: &[Value<'g>],
        inputs: &[Value<'g>],
    ) -> ! {
        let pairs = weights.iter().zip(inputs);
        let in_order: Vec<Value<'g>> = pairs
            .clone()
            .take(1)
            .flat_map(|(w, x)| [*w, *x])
            .chain(bias)
            .chain(pairs.skip(1).flat_map(|(w, x)| [*w, *x]))
            .collect();
        // Each op compares its operands, and the chain carries w₀'s graph: in effect every
        // value is compared with w₀.
        if let Some(&other) = in_order
            .iter()
            .find(|v| !std::ptr::eq(v.graph(), weights[0].graph()))
        {
            mixed_graphs(weights[0], other);
        }
        assert!(
            std::ptr::eq(weights[0].graph(), self),
            "scalargrad: a weighted sum was built on one Graph with values of another: build it \
             on the Graph that made them"
        );
        let stale = self.with(|a| {
            in_order
                .iter()
                .find(|v| !a.is_live(v.index(), v.generation()))
                .copied()
        });
        match stale {
            Some(v) => self.misuse(Misuse::Stale {
                index: v.index(),
                generation: v.generation(),
            }),
            None => unreachable!("weighted_sum_chain_misuse: every handle is fine"),
        }
    }
}

impl Graph {
    /// A neuron's weighted sum as one node: `bias + w₀·x₀ + w₁·x₁ + …` ([`Op::Dot`]).
    ///
    /// It gives the same value, and the same gradients to every weight, input and bias, to
    /// the bit, as the chain `bias + w₀ * x₀ + w₁ * x₁ + …` of `2n` nodes it replaces; it is
    /// the fast path for layers (one node instead of `2n`, one visit in backward). Drawings
    /// show it as one "Σ" node.
    ///
    /// ```
    /// let g = scalargrad::Graph::new();
    /// let w = g.values(&[0.5, -1.0]);
    /// let x = g.values(&[2.0, 3.0]);
    /// let b = g.value(0.25);
    /// let s = g.weighted_sum(Some(b), &w, &x);
    /// assert_eq!(s.data(), 0.25 + 0.5 * 2.0 - 3.0);
    /// s.backward();
    /// assert_eq!((w[1].grad(), x[1].grad(), b.grad()), (3.0, -1.0, 1.0));
    /// ```
    ///
    /// # Panics
    /// If `weights` and `inputs` differ in length or are empty (a shape error:
    /// [`Graph::try_weighted_sum`] returns it as an [`Error`](crate::Error) instead), or a value
    /// belongs to another graph or was discarded by a rewind (misuse of the engine).
    pub fn weighted_sum<'g>(
        &'g self,
        bias: Option<Value<'g>>,
        weights: &[Value<'g>],
        inputs: &[Value<'g>],
    ) -> Value<'g> {
        match self.try_weighted_sum(bias, weights, inputs) {
            Ok(v) => v,
            Err(e) => panic!("scalargrad: {e}"),
        }
    }

    /// [`Graph::weighted_sum`], with a shape error returned instead of a panic.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) if `weights` and `inputs` differ
    /// in length or are empty.
    ///
    /// # Panics
    /// If a value belongs to another graph or was discarded by a rewind.
    #[inline(never)]
    pub fn try_weighted_sum<'g>(
        &'g self,
        bias: Option<Value<'g>>,
        weights: &[Value<'g>],
        inputs: &[Value<'g>],
    ) -> crate::Result<Value<'g>> {
        if weights.len() != inputs.len() || weights.is_empty() {
            return Err(crate::Error::ShapeMismatch {
                op: "Graph::weighted_sum",
                message: format!("{} weights and {} inputs", weights.len(), inputs.len()),
                expected: "one input per weight, at least one".into(),
                found: format!("{} inputs", inputs.len()),
            });
        }
        let all = bias.iter().chain(weights).chain(inputs);
        if let Some(&other) = all.clone().find(|v| !std::ptr::eq(v.graph(), self)) {
            let mine = all.clone().find(|v| std::ptr::eq(v.graph(), self));
            match mine {
                Some(&mine) => mixed_graphs(mine, other),
                None => panic!(
                    "scalargrad: Graph::weighted_sum was called on one Graph with values of \
                     another: call weighted_sum on the Graph that made them"
                ),
            }
        }
        let pairs = u32::try_from(weights.len()).unwrap_or(u32::MAX);
        // SAFETY: the arena contract (engine/mod.rs); the slices hold plain handles.
        let a = unsafe { self.arena_mut() };
        let generation = a.generation;
        if let Some(stale) = all.clone().find(|v| !a.is_live(v.index(), v.generation())) {
            self.misuse(Misuse::Stale {
                index: stale.index(),
                generation: stale.generation(),
            })
        }
        let data = Op::fold_dot(
            bias.map(|b| a.nodes[b.index() as usize].data),
            weights.iter().zip(inputs).map(|(w, x)| {
                (
                    a.nodes[w.index() as usize].data,
                    a.nodes[x.index() as usize].data,
                )
            }),
        );
        let Ok(start) = u32::try_from(a.links.len()) else {
            self.misuse(Misuse::TooManyNodes)
        };
        let Some(index) = a.push(Op::Dot, start, pairs, data) else {
            self.misuse(Misuse::TooManyNodes)
        };
        a.links.push(bias.map_or(NO_BIAS, Value::index));
        for (w, x) in weights.iter().zip(inputs) {
            a.links.extend([w.index(), x.index()]);
        }
        Ok(Value::from_parts(self, index, generation))
    }

    /// The old name of [`Graph::weighted_sum`].
    #[deprecated(note = "renamed to Graph::weighted_sum (\"dot\" also means Graphviz here)")]
    pub fn dot<'g>(
        &'g self,
        bias: Option<Value<'g>>,
        weights: &[Value<'g>],
        inputs: &[Value<'g>],
    ) -> Value<'g> {
        self.weighted_sum(bias, weights, inputs)
    }

    /// The old name of [`Graph::try_weighted_sum`].
    ///
    /// # Errors
    /// As [`Graph::try_weighted_sum`].
    #[deprecated(note = "renamed to Graph::try_weighted_sum (\"dot\" also means Graphviz here)")]
    pub fn try_dot<'g>(
        &'g self,
        bias: Option<Value<'g>>,
        weights: &[Value<'g>],
        inputs: &[Value<'g>],
    ) -> crate::Result<Value<'g>> {
        self.try_weighted_sum(bias, weights, inputs)
    }
}
