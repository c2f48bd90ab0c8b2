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
    /// A safetensors weight file is malformed, or does not fit the model it is loaded into.
    #[error("{}: {problem}", path.display())]
    Safetensors {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: SafetensorsProblem,
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

/// What is wrong with a safetensors file ([`Error::Safetensors`] names the file).
///
/// The format: 8 bytes holding the header's length `n` (little-endian `u64`), `n` bytes of
/// JSON describing each tensor (`dtype`, `shape`, `data_offsets` into the data section) and an
/// optional `__metadata__` map of strings, then the tensors' raw little-endian bytes.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SafetensorsProblem {
    /// Shorter than the 8-byte header length: not a safetensors file.
    #[error("not a safetensors file: {len} bytes, fewer than the 8-byte header length")]
    TooShort {
        /// The file's length in bytes.
        len: usize,
    },
    /// The header length points past the end of the file (a truncated file, or not safetensors).
    #[error(
        "not a safetensors file, or truncated: the first 8 bytes announce a {declared}-byte header \
         but only {available} bytes follow"
    )]
    HeaderLength {
        /// The header length the file announces.
        declared: u64,
        /// The bytes after the length field.
        available: usize,
    },
    /// The header is not UTF-8 text.
    #[error("header is not UTF-8 text (invalid byte at header offset {offset})")]
    HeaderNotUtf8 {
        /// The offset of the first invalid byte, from the start of the header.
        offset: usize,
    },
    /// The header is not JSON.
    #[error("header is not JSON: at header offset {offset}: {message}")]
    HeaderNotJson {
        /// The byte offset in the header where parsing failed.
        offset: usize,
        /// What the parser expected.
        message: String,
    },
    /// The header is JSON but not a safetensors header (a field is missing or has the wrong type).
    #[error("header: {message}")]
    Header {
        /// What is wrong.
        message: String,
    },
    /// A tensor's dtype is one this crate does not read.
    #[error("tensor {tensor:?}: dtype {found:?} is not supported (scalargrad reads F64 and F32)")]
    Dtype {
        /// The tensor's name.
        tensor: String,
        /// The dtype in the header.
        found: String,
    },
    /// A tensor's `data_offsets` do not fit its shape or the data section.
    #[error("tensor {tensor:?}: {message}")]
    DataOffsets {
        /// The tensor's name.
        tensor: String,
        /// What is wrong.
        message: String,
    },
    /// The data section is not exactly as long as the header says (a truncated file, or junk at
    /// the end).
    #[error(
        "the data section is {found} bytes but the header describes {expected} bytes{}",
        if found < expected { " (truncated file?)" } else { "" }
    )]
    DataLength {
        /// The bytes the tensors take, from the header.
        expected: usize,
        /// The bytes after the header.
        found: usize,
    },
    /// The model needs a tensor that the file does not have.
    #[error("missing tensor {name:?} (shape {expected}); the file has: {}", available.join(", "))]
    MissingTensor {
        /// The tensor's PyTorch name (`0.weight`, `2.bias`, …).
        name: String,
        /// The shape the model needs.
        expected: String,
        /// The tensors in the file.
        available: Vec<String>,
    },
    /// The file has a tensor the model has no place for (PyTorch's `unexpected key`).
    #[error("unexpected tensor {name:?}: the model's tensors are {}", expected.join(", "))]
    UnexpectedTensor {
        /// The tensor's name.
        name: String,
        /// The tensors the model has.
        expected: Vec<String>,
    },
    /// A tensor's shape does not fit the architecture.
    #[error("tensor {name:?}: shape {found} does not fit the architecture, which needs {expected}")]
    TensorShape {
        /// The tensor's name.
        name: String,
        /// The shape the model needs, e.g. `[4, 2]`.
        expected: String,
        /// The shape in the file.
        found: String,
    },
    /// A weight is NaN or infinite: refused, since it would silently poison every output.
    #[error("tensor {name:?}: element {index} is {value}, not a finite number")]
    NotFinite {
        /// The tensor's name.
        name: String,
        /// The flat (row-major) index of the element.
        index: usize,
        /// The value.
        value: f64,
    },
    /// The architecture metadata is missing, malformed, or disagrees with the builder.
    #[error("architecture: {message}")]
    Architecture {
        /// What is wrong.
        message: String,
    },
}

/// `Result<T, scalargrad::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
