//! Losses, each written with [`Value`] ops, so backward differentiates them like any graph.

use crate::Value;
use crate::error::{Error, Result};

/// How a batch loss combines its rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Reduction {
    /// The mean over rows (PyTorch's default).
    #[default]
    Mean,
    /// The sum over rows.
    Sum,
}

/// Targets for [`cross_entropy`].
#[derive(Clone, Copy, Debug)]
pub enum Target<'a> {
    /// One class index per row, as PyTorch's `CrossEntropyLoss` takes.
    Classes(&'a [usize]),
    /// One probability row per row (one-hot, or soft labels).
    Probabilities(&'a [Vec<f64>]),
}

fn non_empty(what: &'static str, x: &[Value<'_>]) -> Result<()> {
    if x.is_empty() {
        Err(Error::InputLength {
            what,
            expected: 1,
            found: 0,
        })
    } else {
        Ok(())
    }
}

/// The shift of a softmax: the largest logit, as a node ([`Value::max`]) so that a replay
/// recomputes it from new logits, and detached ([`Value::detach`]), so that it changes no
/// gradient (PyTorch's `log_softmax` treats its shift the same way).
fn shift<'g>(x: &[Value<'g>]) -> Value<'g> {
    x[1..].iter().fold(x[0], |m, &v| m.max(v)).detach()
}

/// Left-fold sum of non-empty values.
fn sum<'g>(x: impl IntoIterator<Item = Value<'g>>) -> Value<'g> {
    let mut it = x.into_iter();
    let first = it.next().expect("sum of at least one value");
    it.fold(first, |acc, v| acc + v)
}

/// `softmax(y)ᵢ = exp(yᵢ − c) / Σⱼ exp(yⱼ − c)` with `c = max(y)`, so large inputs such as
/// (1000, 0) do not overflow. `c` is a node of the graph, detached: it changes no gradient,
/// and [`Graph::recompute`](crate::Graph::recompute) recomputes it from new logits.
///
/// ```
/// let g = scalargrad::Graph::new();
/// let p = scalargrad::loss::softmax(&g.values(&[30.0, 60.0]))?;
/// assert_eq!(p[0].data(), 9.3576229688393e-14); // the tutorial's p1
/// let big = scalargrad::loss::softmax(&g.values(&[1000.0, 0.0]))?;
/// assert_eq!(big[0].data(), 1.0);
/// # Ok::<(), scalargrad::Error>(())
/// ```
///
/// # Errors
/// [`Error::InputLength`] for an empty input.
pub fn softmax<'g>(logits: &[Value<'g>]) -> Result<Vec<Value<'g>>> {
    non_empty("softmax", logits)?;
    let c = shift(logits);
    let e: Vec<Value<'g>> = logits.iter().map(|&y| (y - c).exp()).collect();
    let s = sum(e.iter().copied());
    Ok(e.into_iter().map(|ei| ei / s).collect())
}

/// `log_softmax(y)ᵢ = (yᵢ − c) − ln Σⱼ exp(yⱼ − c)` (log-sum-exp with `c = max(y)`).
///
/// # Errors
/// [`Error::InputLength`] for an empty input.
pub fn log_softmax<'g>(logits: &[Value<'g>]) -> Result<Vec<Value<'g>>> {
    non_empty("log_softmax", logits)?;
    let c = shift(logits);
    let shifted: Vec<Value<'g>> = logits.iter().map(|&y| y - c).collect();
    let lse = sum(shifted.iter().map(|s| s.exp())).ln();
    Ok(shifted.into_iter().map(|s| s - lse).collect())
}

fn reduce(rows: Vec<Value<'_>>, reduction: Reduction) -> Value<'_> {
    let n = rows.len() as f64;
    let total = sum(rows);
    match reduction {
        Reduction::Mean => total / n,
        Reduction::Sum => total,
    }
}

fn check_rows(what: &'static str, rows: usize, targets: usize) -> Result<()> {
    if rows == 0 || rows != targets {
        return Err(Error::InputLength {
            what,
            expected: rows.max(1),
            found: targets,
        });
    }
    Ok(())
}

/// PyTorch's `CrossEntropyLoss` on logits: per row `−Σₖ tₖ · log_softmax(y)ₖ`, which is
/// `−log_softmax(y)[class]` for class-index targets, then the mean or sum over rows.
///
/// ```
/// use scalargrad::loss::{cross_entropy, Reduction, Target};
/// let g = scalargrad::Graph::new();
/// let logits = vec![g.values(&[2.0, 0.0]), g.values(&[0.0, 0.0])];
/// let l = cross_entropy(&logits, Target::Classes(&[0, 1]), Reduction::Mean)?;
/// // torch: F.cross_entropy(torch.tensor([[2., 0.], [0., 0.]]), torch.tensor([0, 1]))
/// assert!((l.data() - 0.41003759580145893).abs() < 1e-15);
/// # Ok::<(), scalargrad::Error>(())
/// ```
///
/// The targets are constants of the graph (which entry is picked, or the probabilities as
/// numbers): a replay ([`Graph::recompute`](crate::Graph::recompute)) keeps them. To train
/// over changing mini-batches by replay, give them as values: [`cross_entropy_values`].
///
/// # Errors
/// [`Error::InputLength`] if the batch is empty, the targets have another length, or a row
/// of logits or probabilities has another width; [`Error::InvalidArgument`] for a class index
/// out of range.
pub fn cross_entropy<'g>(
    logits: &[Vec<Value<'g>>],
    target: Target<'_>,
    reduction: Reduction,
) -> Result<Value<'g>> {
    let n_targets = match target {
        Target::Classes(c) => c.len(),
        Target::Probabilities(p) => p.len(),
    };
    check_rows("cross_entropy", logits.len(), n_targets)?;
    let mut rows = Vec::with_capacity(logits.len());
    for (i, y) in logits.iter().enumerate() {
        let lsm = log_softmax(y)?;
        let row = match target {
            Target::Classes(c) => {
                let k = c[i];
                if k >= y.len() {
                    return Err(Error::InvalidArgument {
                        what: "cross_entropy",
                        message: format!(
                            "row {i}: class {k} is out of range for {} logits",
                            y.len()
                        ),
                    });
                }
                -lsm[k]
            }
            Target::Probabilities(p) => {
                if p[i].len() != y.len() {
                    return Err(Error::InputLength {
                        what: "cross_entropy (target row)",
                        expected: y.len(),
                        found: p[i].len(),
                    });
                }
                -sum(lsm.iter().zip(&p[i]).map(|(&l, &t)| l * t))
            }
        };
        rows.push(row);
    }
    Ok(reduce(rows, reduction))
}

/// [`cross_entropy`] with the targets as values of the graph, one probability row per row
/// of logits (one-hot rows from [`one_hot`], or soft labels): per row `−Σₖ tₖ ·
/// log_softmax(y)ₖ`, then the mean or sum over rows.
///
/// Targets given as numbers ([`Target`]) are constants of the graph, and a replay
/// ([`Graph::recompute`](crate::Graph::recompute)) keeps them. Targets that are values
/// follow new data: set them ([`set_one_hot`], [`Value::set_data`]) with the inputs of the
/// next mini-batch, recompute, and the loss is the new batch's.
///
/// ```
/// use scalargrad::loss::{cross_entropy_values, one_hot, set_one_hot, Reduction};
/// let g = scalargrad::Graph::new();
/// let cp = g.checkpoint();
/// let logits = vec![g.values(&[2.0, 0.0])];
/// let targets = one_hot(&g, &[0], 2)?;
/// let l = cross_entropy_values(&logits, &targets, Reduction::Mean)?;
/// assert!((l.data() - 0.12692801104297263).abs() < 1e-15); // torch: F.cross_entropy, class 0
/// set_one_hot(&targets, &[1])?; // the next batch's label
/// g.recompute(cp);
/// assert!((l.data() - 2.1269280110429727).abs() < 1e-15); // class 1
/// # Ok::<(), scalargrad::Error>(())
/// ```
///
/// # Errors
/// [`Error::InputLength`] if the batch is empty, the targets have another length, or a
/// target row has another width than its logits.
pub fn cross_entropy_values<'g>(
    logits: &[Vec<Value<'g>>],
    targets: &[Vec<Value<'g>>],
    reduction: Reduction,
) -> Result<Value<'g>> {
    check_rows("cross_entropy_values", logits.len(), targets.len())?;
    let mut rows = Vec::with_capacity(logits.len());
    for (y, t) in logits.iter().zip(targets) {
        if t.len() != y.len() {
            return Err(Error::InputLength {
                what: "cross_entropy_values (target row)",
                expected: y.len(),
                found: t.len(),
            });
        }
        let lsm = log_softmax(y)?;
        rows.push(-sum(lsm.iter().zip(t).map(|(&l, &t)| l * t)));
    }
    Ok(reduce(rows, reduction))
}

/// One-hot target rows as leaves of `graph`, one row of `width` per class index, for
/// [`cross_entropy_values`]; [`set_one_hot`] changes them for the next mini-batch.
///
/// # Errors
/// [`Error::InvalidArgument`] for a class index not below `width`.
pub fn one_hot<'g>(
    graph: &'g crate::Graph,
    classes: &[usize],
    width: usize,
) -> Result<Vec<Vec<Value<'g>>>> {
    let rows: Vec<Vec<Value<'g>>> = classes
        .iter()
        .map(|_| (0..width).map(|_| graph.value(0.0)).collect())
        .collect();
    set_one_hot(&rows, classes)?;
    Ok(rows)
}

/// Sets one-hot target rows (made by [`one_hot`]) to new class indices: 1 at the class, 0
/// elsewhere.
///
/// # Errors
/// [`Error::InputLength`] if there are not as many classes as rows;
/// [`Error::InvalidArgument`] for a class index out of its row's range (nothing is changed).
pub fn set_one_hot(rows: &[Vec<Value<'_>>], classes: &[usize]) -> Result<()> {
    if rows.len() != classes.len() {
        return Err(Error::InputLength {
            what: "set_one_hot",
            expected: rows.len(),
            found: classes.len(),
        });
    }
    if let Some((i, (row, &k))) = rows
        .iter()
        .zip(classes)
        .enumerate()
        .find(|(_, (row, k))| **k >= row.len())
    {
        return Err(Error::InvalidArgument {
            what: "set_one_hot",
            message: format!(
                "row {i}: class {k} is out of range for {} classes",
                row.len()
            ),
        });
    }
    for (row, &k) in rows.iter().zip(classes) {
        for (j, v) in row.iter().enumerate() {
            v.set_data(if j == k { 1.0 } else { 0.0 });
        }
    }
    Ok(())
}

/// [`mse`] with the targets as values of the graph, so that a replay follows new targets
/// (see [`cross_entropy_values`]).
///
/// # Errors
/// [`Error::InputLength`] if the lengths differ or are 0.
pub fn mse_values<'g>(
    pred: &[Value<'g>],
    target: &[Value<'g>],
    reduction: Reduction,
) -> Result<Value<'g>> {
    check_rows("mse_values", pred.len(), target.len())?;
    Ok(reduce(squared_errors(pred, target), reduction))
}

/// The tutorial's `cross_entropy_error(P, T) = −Σ T·log(P + 1e−7)` on probabilities, summed
/// over every row and column (not averaged), exactly as its NumPy code computes it.
///
/// # Errors
/// [`Error::InputLength`] if the batch is empty or the shapes of `probs` and `onehot` differ.
pub fn cross_entropy_error<'g>(probs: &[Vec<Value<'g>>], onehot: &[Vec<f64>]) -> Result<Value<'g>> {
    check_rows("cross_entropy_error", probs.len(), onehot.len())?;
    let mut terms = Vec::new();
    for (p, t) in probs.iter().zip(onehot) {
        if p.len() != t.len() || p.is_empty() {
            return Err(Error::InputLength {
                what: "cross_entropy_error (row)",
                expected: p.len(),
                found: t.len(),
            });
        }
        terms.extend(p.iter().zip(t).map(|(&pk, &tk)| (pk + 1e-7).ln() * tk));
    }
    Ok(-sum(terms))
}

/// `(predᵢ − targetᵢ)²` for each row, the target a constant (`f64`) or a value.
fn squared_errors<'g, T: Copy>(pred: &[Value<'g>], target: &[T]) -> Vec<Value<'g>>
where
    Value<'g>: std::ops::Sub<T, Output = Value<'g>>,
{
    pred.iter()
        .zip(target)
        .map(|(&p, &t)| (p - t).powi(2))
        .collect()
}

/// Mean (or summed) squared error `(pred − target)²`.
///
/// The targets are constants of the graph, which a replay keeps; [`mse_values`] takes them
/// as values that can change.
///
/// # Errors
/// [`Error::InputLength`] if the lengths differ or are 0.
pub fn mse<'g>(pred: &[Value<'g>], target: &[f64], reduction: Reduction) -> Result<Value<'g>> {
    check_rows("mse", pred.len(), target.len())?;
    Ok(reduce(squared_errors(pred, target), reduction))
}

/// micrograd's max-margin (SVM) loss: the mean of `relu(1 − yᵢ·scoreᵢ)` for labels ±1,
/// built as `relu(score · (−y) + 1)` and a final `· (1/n)`, as micrograd's demo does.
///
/// # Errors
/// [`Error::InputLength`] if the lengths differ or are 0.
pub fn hinge<'g>(scores: &[Value<'g>], labels: &[f64]) -> Result<Value<'g>> {
    check_rows("hinge", scores.len(), labels.len())?;
    let n = scores.len() as f64;
    let total = sum(scores
        .iter()
        .zip(labels)
        .map(|(&s, &y)| (s * -y + 1.0).relu()));
    Ok(total * (1.0 / n))
}
