//! `Iterator::sum` for values, into `Option<Value>`.
//!
//! `let s: Value = xs.iter().copied().sum();` does not compile (E0277: `Sum<Value>` is not
//! implemented for `Value`), on purpose: `Sum` must also answer for an empty iterator, and an
//! empty iterator has no graph to put its 0 in. Panicking there would turn an empty batch into
//! a crash. Two ways that always work:
//!
//! - [`Graph::sum`](crate::Graph::sum): `g.sum(xs)` gives a leaf 0 of `g` for no values;
//! - `xs.into_iter().sum::<Option<Value>>()`: `None` for no values, else the sum in the
//!   values' own graph (with `.iter()` as well).
//!
//! ```
//! use scalargrad::{Graph, Value};
//!
//! let g = Graph::new();
//! let xs = g.values(&[1.0, 2.0, 3.0]);
//! let s: Option<Value> = xs.iter().sum(); // like micrograd's sum(xs), with the empty case
//! let s = s.expect("three values");
//! s.backward();
//! assert_eq!(s.data(), 6.0);
//! assert_eq!(xs[0].grad(), 1.0);
//! assert!(Vec::<Value>::new().into_iter().sum::<Option<Value>>().is_none());
//! assert_eq!(g.sum(Vec::new()).data(), 0.0); // Graph::sum knows its graph: 0
//! ```
//!
//! The compiler's E0277 message for a sum into `Value` lists these impls ("`Option<Value<'g>>`
//! implements `Sum<Value<'g>>`"), which is the hint:
//!
//! ```compile_fail,E0277
//! # let g = scalargrad::Graph::new();
//! # let xs = g.values(&[1.0, 2.0]);
//! let s: scalargrad::Value = xs.iter().copied().sum(); // E0277: use Option<Value> or g.sum
//! ```

use std::iter::Sum;

use crate::Value;

/// The sum of the values, as [`Graph::sum`](crate::Graph::sum) of their graph computes it
/// (`((v0 + v1) + v2) + …`), or `None` for no values.
///
/// # Panics
/// When the values belong to different graphs, as `a + b` does.
impl<'g> Sum<Value<'g>> for Option<Value<'g>> {
    fn sum<I: Iterator<Item = Value<'g>>>(mut iter: I) -> Self {
        let first = iter.next()?;
        Some(first.graph().sum(std::iter::once(first).chain(iter)))
    }
}

/// As for `Sum<Value>`: the sum of the values, or `None` for no values.
///
/// # Panics
/// When the values belong to different graphs, as `a + b` does.
impl<'a, 'g> Sum<&'a Value<'g>> for Option<Value<'g>> {
    fn sum<I: Iterator<Item = &'a Value<'g>>>(iter: I) -> Self {
        iter.copied().sum()
    }
}

#[cfg(test)]
mod tests {
    use crate::{Graph, Value};

    #[test]
    fn iterator_sum_matches_graph_sum_to_the_bit() {
        let g = Graph::new();
        let xs = g.values(&[0.1, 0.2, 0.3, 1e16, -1e16]);
        let via_iter: Option<Value> = xs.iter().copied().sum();
        assert_eq!(
            via_iter.expect("five values").data().to_bits(),
            g.sum(xs.clone()).data().to_bits()
        );
    }

    #[test]
    fn an_empty_sum_is_none() {
        let none: Option<Value> = std::iter::empty::<Value>().sum();
        assert!(none.is_none());
    }
}
