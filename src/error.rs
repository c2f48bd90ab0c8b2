//! [`Error`]: everything that can fail when reading the outside world or taking shapes from a
//! user. Arithmetic on values never fails (NaN and infinities propagate as in `f64`).

use std::path::PathBuf;

/// A matrix shape, `rows × cols`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Shape(pub usize, pub usize);

impl std::fmt::Display for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}×{}", self.0, self.1)
    }
}

/// What went wrong, with the facts needed to fix it: the file, line and column, or the
/// expected and found shapes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be opened or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The CSV reader failed (bad UTF-8, unbalanced quotes, …).
    #[error("{}:{line}: {message}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: u64,
        /// The reader's message.
        message: String,
    },
    /// The file has a header but no data rows, or not even a header.
    #[error("{}: no data rows", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// A requested column is not in the header.
    #[error("{}:1: no column {column:?} in the header (columns: {})", path.display(), available.join(", "))]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column asked for.
        column: String,
        /// The columns the header has.
        available: Vec<String>,
    },
    /// A row has a different number of fields than the header.
    #[error("{}:{line}: expected {expected} fields like the header, found {found}", path.display())]
    Ragged {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: u64,
        /// The header's field count.
        expected: usize,
        /// This row's field count.
        found: usize,
    },
    /// A cell is not a number.
    #[error("{}:{line}: column {column:?}: expected a number, found {found:?}", path.display())]
    NotANumber {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: u64,
        /// The column's name.
        column: String,
        /// The cell's text.
        found: String,
    },
    /// A cell is NaN or infinite, which would silently poison training.
    #[error("{}:{line}: column {column:?}: expected a finite number, found {found:?}", path.display())]
    NotFinite {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: u64,
        /// The column's name.
        column: String,
        /// The cell's text.
        found: String,
    },
    /// A label cell is not a class index below the number of classes.
    #[error(
        "{}:{line}: column {column:?}: expected a class index 0..{classes}, found {found:?}",
        path.display()
    )]
    BadLabel {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: u64,
        /// The label column's name.
        column: String,
        /// The cell's text.
        found: String,
        /// How many classes there are (valid labels are `0..classes`).
        classes: usize,
    },
    /// Two shapes that must agree do not.
    #[error("{op}: {message}: expected {expected}, found {found}")]
    ShapeMismatch {
        /// The operation that was asked for (`matmul`, `Layer::from_matrix`, …).
        op: &'static str,
        /// What had to agree.
        message: String,
        /// The shape it needed.
        expected: String,
        /// The shape it got.
        found: String,
    },
    /// A matrix product whose inner dimensions differ.
    #[error(
        "matmul: cannot multiply {lhs} by {rhs}: the inner dimensions ({} and {}) must match \
         (行列の内側の次元を一致させなければならない)",
        lhs.1, rhs.0
    )]
    MatmulShape {
        /// The left operand's shape.
        lhs: Shape,
        /// The right operand's shape.
        rhs: Shape,
    },
    /// A model or loss got the wrong number of inputs.
    #[error("{what}: expected {expected} inputs, found {found}")]
    InputLength {
        /// What was called (`Layer::forward`, `cross_entropy`, …).
        what: &'static str,
        /// How many it takes.
        expected: usize,
        /// How many it got.
        found: usize,
    },
    /// A value that must lie in a range does not (a class index, a hyper-parameter).
    #[error("{what}: {message}")]
    InvalidArgument {
        /// What was called.
        what: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// `Result<T, scalargrad::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
