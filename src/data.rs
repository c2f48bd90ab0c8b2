//! CSV datasets, read with the `csv` crate: features and targets chosen by header name.
//!
//! Every bad input is a typed [`Error`] naming the file, the line and the column, never a
//! panic: a missing file, an empty file, a missing column, a ragged row, a cell that is not a
//! number, and NaN or infinity.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Rows of numbers read from a CSV file: the feature columns and the target columns.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// The names of the feature columns, in the order asked for.
    pub feature_names: Vec<String>,
    /// The names of the target columns, in the order asked for.
    pub target_names: Vec<String>,
    /// One row of features per data row.
    pub features: Vec<Vec<f64>>,
    /// One row of targets per data row.
    pub targets: Vec<Vec<f64>>,
    /// The file (or the name given to [`Dataset::from_reader`]), for messages.
    pub path: PathBuf,
    /// The 1-based line of each data row in the file (the header is line 1), for messages.
    pub lines: Vec<u64>,
}

impl Dataset {
    /// Reads `path`, taking the columns named in `features` and `targets`.
    ///
    /// ```
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/sample_data/sample.csv");
    /// let data = scalargrad::Dataset::from_csv(path, &["x1", "x2"], &["class1", "class2"])?;
    /// assert_eq!(data.features, [[0.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, 0.0]]);
    /// assert_eq!(data.targets[1], [1.0, 0.0]);
    /// # Ok::<(), scalargrad::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be read, and every error of [`Dataset::from_reader`].
    pub fn from_csv(path: impl AsRef<Path>, features: &[&str], targets: &[&str]) -> Result<Self> {
        let path = path.as_ref();
        if path.is_dir() {
            return Err(Error::Io {
                path: path.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::IsADirectory,
                    format!(
                        "is a directory, not a CSV file: give the path of a file{}",
                        csv_files_in(path)
                    ),
                ),
            });
        }
        let file = std::fs::File::open(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_reader(path, file, features, targets)
    }

    /// Reads CSV text from `reader`; `name` is used in error messages in place of a path.
    ///
    /// # Errors
    /// [`Error::Empty`] without a header or data rows, [`Error::MissingColumn`],
    /// [`Error::Ragged`], [`Error::NotANumber`], [`Error::NotFinite`] and [`Error::Csv`],
    /// each naming the line (1-based, the header is line 1) and the column.
    pub fn from_reader(
        name: impl AsRef<Path>,
        reader: impl Read,
        features: &[&str],
        targets: &[&str],
    ) -> Result<Self> {
        let path: PathBuf = name.as_ref().to_path_buf();
        let mut csv = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(reader);
        let csv_error = |e: &csv::Error| Error::Csv {
            path: path.clone(),
            line: e.position().map_or(0, csv::Position::line),
            message: e.to_string(),
        };
        let header: Vec<String> = csv
            .headers()
            .map_err(|e| csv_error(&e))?
            .iter()
            .map(str::to_string)
            .collect();
        if header.iter().all(String::is_empty) {
            return Err(Error::Empty { path });
        }
        let column = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| Error::MissingColumn {
                    path: path.clone(),
                    column: name.to_string(),
                    available: header.clone(),
                })
        };
        let feature_cols = features
            .iter()
            .map(|n| column(n))
            .collect::<Result<Vec<_>>>()?;
        let target_cols = targets
            .iter()
            .map(|n| column(n))
            .collect::<Result<Vec<_>>>()?;

        let mut data = Dataset {
            feature_names: features.iter().map(|s| (*s).to_string()).collect(),
            target_names: targets.iter().map(|s| (*s).to_string()).collect(),
            features: Vec::new(),
            targets: Vec::new(),
            path: path.clone(),
            lines: Vec::new(),
        };
        for record in csv.records() {
            let record = record.map_err(|e| csv_error(&e))?;
            let line = record.position().map_or(0, csv::Position::line);
            if record.len() == 1 && record[0].is_empty() {
                continue; // a blank line
            }
            if record.len() != header.len() {
                return Err(Error::Ragged {
                    path,
                    line,
                    expected: header.len(),
                    found: record.len(),
                });
            }
            let cell = |c: usize| -> Result<f64> {
                let text = &record[c];
                let value: f64 = text.parse().map_err(|_| Error::NotANumber {
                    path: path.clone(),
                    line,
                    column: header[c].clone(),
                    found: text.to_string(),
                })?;
                if value.is_finite() {
                    Ok(value)
                } else {
                    Err(Error::NotFinite {
                        path: path.clone(),
                        line,
                        column: header[c].clone(),
                        found: text.to_string(),
                    })
                }
            };
            data.features.push(
                feature_cols
                    .iter()
                    .map(|&c| cell(c))
                    .collect::<Result<_>>()?,
            );
            data.targets.push(
                target_cols
                    .iter()
                    .map(|&c| cell(c))
                    .collect::<Result<_>>()?,
            );
            data.lines.push(line);
        }
        if data.features.is_empty() {
            return Err(Error::Empty { path });
        }
        Ok(data)
    }

    /// Checks that every row of the target columns is one-hot: exactly one 1, the others 0,
    /// as the tutorial's `class1`/`class2` columns are.
    ///
    /// ```
    /// let csv = "x1,x2,class1,class2\n0,0,0,1\n0,1,1,1\n";
    /// let data = scalargrad::Dataset::from_reader("my.csv", csv.as_bytes(), &["x1", "x2"], &["class1", "class2"])?;
    /// let e = data.check_one_hot().unwrap_err();
    /// assert!(e.to_string().starts_with("my.csv:3: columns class1, class2 must be one-hot"));
    /// # Ok::<(), scalargrad::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NotOneHot`] for the first row that is not, naming its file and line.
    pub fn check_one_hot(&self) -> Result<()> {
        for (row, t) in self.targets.iter().enumerate() {
            let ones = t.iter().filter(|&&v| v == 1.0).count();
            let zeros = t.iter().filter(|&&v| v == 0.0).count();
            if ones != 1 || ones + zeros != t.len() {
                return Err(Error::NotOneHot {
                    path: self.path.clone(),
                    line: self.lines.get(row).copied().unwrap_or(0),
                    columns: self.target_names.clone(),
                    found: t.clone(),
                });
            }
        }
        Ok(())
    }

    /// The number of data rows.
    #[must_use]
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// Whether there are no data rows (never true for a dataset read from CSV).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// Target column `column` read as class indices (0, 1, 2, …), as `T[:, column]` is
    /// passed to PyTorch's `CrossEntropyLoss` in the tutorial.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if the column does not exist or a value is not a
    /// non-negative whole number.
    pub fn class_indices(&self, column: usize) -> Result<Vec<usize>> {
        let what = "Dataset::class_indices";
        if column >= self.target_names.len() {
            return Err(Error::InvalidArgument {
                what,
                message: format!(
                    "target column {column} does not exist: there are {}",
                    self.target_names.len()
                ),
            });
        }
        self.targets
            .iter()
            .enumerate()
            .map(|(row, t)| {
                let v = t[column];
                if v >= 0.0 && v.fract() == 0.0 && v < 1e9 {
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    Ok(v as usize)
                } else {
                    Err(Error::InvalidArgument {
                        what,
                        message: format!(
                            "row {row}, column {:?}: {v} is not a class index",
                            self.target_names[column]
                        ),
                    })
                }
            })
            .collect()
    }
}

/// `" such as dir/a.csv"` naming the CSV files in `dir` (at most three), or `""`.
fn csv_files_in(dir: &Path) -> String {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv")))
        .collect();
    files.sort();
    if files.is_empty() {
        return String::new();
    }
    let names: Vec<String> = files
        .iter()
        .take(3)
        .map(|p| p.display().to_string())
        .collect();
    format!(" such as {}", names.join(" or "))
}
