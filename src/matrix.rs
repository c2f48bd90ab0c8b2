//! [`Matrix`]: a small row-major matrix of values, for the tutorial's matrix products and
//! batched forward passes (`X · W1`).

use crate::error::{Error, Result, Shape};
use crate::{Graph, Value};

/// A row-major `rows × cols` matrix of [`Value`]s.
#[derive(Clone, Debug)]
pub struct Matrix<'g> {
    rows: usize,
    cols: usize,
    data: Vec<Value<'g>>,
}

impl<'g> Matrix<'g> {
    /// A matrix of new leaves from rows of numbers.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the rows differ in length.
    pub fn from_rows(graph: &'g Graph, rows: &[Vec<f64>]) -> Result<Self> {
        let cols = rows.first().map_or(0, Vec::len);
        if let Some((i, r)) = rows.iter().enumerate().find(|(_, r)| r.len() != cols) {
            return Err(Error::ShapeMismatch {
                op: "Matrix::from_rows",
                message: format!("row {i} has {} columns, row 0 has {cols}", r.len()),
                expected: Shape(rows.len(), cols).to_string(),
                found: "a ragged matrix".into(),
            });
        }
        let data = rows.iter().flatten().map(|&x| graph.value(x)).collect();
        Ok(Matrix {
            rows: rows.len(),
            cols,
            data,
        })
    }

    /// `np.arange(rows * cols).reshape(rows, cols)` as leaves.
    pub fn arange(graph: &'g Graph, rows: usize, cols: usize) -> Self {
        Matrix {
            rows,
            cols,
            data: (0..rows * cols).map(|i| graph.value(i as f64)).collect(),
        }
    }

    /// A matrix from row-major values.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `data.len()` is not `rows * cols`.
    pub fn from_values(rows: usize, cols: usize, data: Vec<Value<'g>>) -> Result<Self> {
        let Some(len) = rows.checked_mul(cols) else {
            return Err(Error::ShapeMismatch {
                op: "Matrix::from_values",
                message: "rows × cols values".into(),
                expected: format!("{} (more values than a usize counts)", Shape(rows, cols)),
                found: format!("{} values", data.len()),
            });
        };
        if data.len() != len {
            return Err(Error::ShapeMismatch {
                op: "Matrix::from_values",
                message: "rows × cols values".into(),
                expected: format!("{len} values for {}", Shape(rows, cols)),
                found: format!("{} values", data.len()),
            });
        }
        Ok(Matrix { rows, cols, data })
    }

    /// The shape, `rows × cols`.
    #[must_use]
    pub fn shape(&self) -> Shape {
        Shape(self.rows, self.cols)
    }

    /// The element at row `i`, column `j`.
    ///
    /// # Panics
    /// If `i` or `j` is out of range.
    #[must_use]
    pub fn get(&self, i: usize, j: usize) -> Value<'g> {
        assert!(
            i < self.rows && j < self.cols,
            "Matrix::get({i}, {j}) on a {} matrix",
            self.shape()
        );
        self.data[i * self.cols + j]
    }

    /// Row `i`.
    ///
    /// # Panics
    /// If `i` is out of range.
    #[must_use]
    pub fn row(&self, i: usize) -> &[Value<'g>] {
        assert!(
            i < self.rows,
            "Matrix::row({i}) on a {} matrix",
            self.shape()
        );
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Every row.
    pub fn rows(&self) -> impl Iterator<Item = &[Value<'g>]> {
        self.data.chunks(self.cols.max(1)).take(self.rows)
    }

    /// The values in row-major order.
    #[must_use]
    pub fn values(&self) -> &[Value<'g>] {
        &self.data
    }

    /// The numbers, row by row.
    #[must_use]
    pub fn to_rows(&self) -> Vec<Vec<f64>> {
        self.rows()
            .map(|r| r.iter().map(|v| v.data()).collect())
            .collect()
    }

    /// Applies `f` to every element (an activation, for instance).
    #[must_use]
    pub fn map(&self, f: impl Fn(Value<'g>) -> Value<'g>) -> Self {
        Matrix {
            rows: self.rows,
            cols: self.cols,
            data: self.data.iter().map(|&v| f(v)).collect(),
        }
    }

    /// The matrix product `self · rhs`; each element is the left fold
    /// `(a₀b₀ + a₁b₁) + …` over the inner dimension.
    ///
    /// ```
    /// use scalargrad::{Graph, Matrix};
    /// let g = Graph::new();
    /// let c = Matrix::arange(&g, 3, 2);
    /// let d = Matrix::arange(&g, 2, 3);
    /// assert_eq!(c.matmul(&d)?.to_rows(), [[3.0, 4.0, 5.0], [9.0, 14.0, 19.0], [15.0, 24.0, 33.0]]);
    /// assert_eq!(d.matmul(&c)?.to_rows(), [[10.0, 13.0], [28.0, 40.0]]);
    /// assert!(c.matmul(&c).is_err()); // 3×2 · 3×2: the inner dimensions differ
    /// # Ok::<(), scalargrad::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::MatmulShape`] if `self.cols != rhs.rows`, naming both shapes.
    pub fn matmul(&self, rhs: &Matrix<'g>) -> Result<Matrix<'g>> {
        if self.cols != rhs.rows || self.cols == 0 {
            return Err(Error::MatmulShape {
                lhs: self.shape(),
                rhs: rhs.shape(),
            });
        }
        let mut data = Vec::with_capacity(self.rows * rhs.cols);
        for i in 0..self.rows {
            for j in 0..rhs.cols {
                let first = self.get(i, 0) * rhs.get(0, j);
                let sum = (1..self.cols).fold(first, |acc, k| acc + self.get(i, k) * rhs.get(k, j));
                data.push(sum);
            }
        }
        Ok(Matrix {
            rows: self.rows,
            cols: rhs.cols,
            data,
        })
    }
}
