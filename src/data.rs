//! CSV datasets, read with the `csv` crate: features and targets chosen by header name.
//!
//! Every bad input is a typed [`Error`] naming the file, the line and the column, never a
//! panic: a missing file, an empty file, a missing column, a ragged row, a cell that is not a
//! number, and NaN or infinity.
//!
//! [`Labeled`] is what a classifier trains on: features and one class index per row (a label
//! outside `0..classes` is an error naming its line), with a seeded stratified train/test
//! split, seeded shuffling into mini-batches, and scaling ([`Labeled::scale`], or a
//! [`Standardizer`] fitted on the training rows only).

use std::io::Read;
use std::path::{Path, PathBuf};

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

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
        mut reader: impl Read,
        features: &[&str],
        targets: &[&str],
    ) -> Result<Self> {
        let path = name.as_ref();
        // Read it all first: line numbers are counted from byte offsets (see `Lines`).
        let text = read_all(path, &mut reader)?;
        Self::from_bytes(path, &text, features, targets)
    }

    /// [`Dataset::from_reader`] on text already read.
    fn from_bytes(path: &Path, text: &[u8], features: &[&str], targets: &[&str]) -> Result<Self> {
        let path: PathBuf = path.to_path_buf();
        let lines = Lines::of(text);
        let mut csv = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text);
        let csv_error = |e: &csv::Error| Error::Csv {
            path: path.clone(),
            line: lines.at(e.position()),
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
            let line = lines.at(record.position());
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

/// Rows of features with one class label each: what a classifier trains on.
///
/// Read from CSV by [`Labeled::from_csv`], split into train and test sets by
/// [`Labeled::split_stratified`], scaled by [`Labeled::scale`] or a [`Standardizer`] fitted on
/// the training rows, and cut into shuffled mini-batches by [`Labeled::batches`].
#[derive(Clone, Debug, PartialEq)]
pub struct Labeled {
    /// The names of the feature columns, in the order asked for.
    pub feature_names: Vec<String>,
    /// One row of features per data row.
    pub features: Vec<Vec<f64>>,
    /// One class index per data row, each below [`Labeled::classes`].
    pub labels: Vec<usize>,
    /// The number of classes.
    pub classes: usize,
}

impl Labeled {
    /// Reads `path`, taking the columns named in `features` and the class index in column
    /// `label`, which must be a whole number in `0..classes`.
    ///
    /// ```
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/sample_data/digits.csv");
    /// let names: Vec<String> = (0..64).map(|i| format!("p{i}")).collect();
    /// let names: Vec<&str> = names.iter().map(String::as_str).collect();
    /// let digits = scalargrad::data::Labeled::from_csv(path, &names, "label", 10)?;
    /// assert_eq!(digits.len(), 1797);
    /// assert_eq!(digits.labels[..4], [0, 1, 2, 3]);
    /// assert_eq!(digits.features[0][..4], [0.0, 0.0, 5.0, 13.0]);
    /// # Ok::<(), scalargrad::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be read, and every error of [`Labeled::from_reader`].
    pub fn from_csv(
        path: impl AsRef<Path>,
        features: &[&str],
        label: &str,
        classes: usize,
    ) -> Result<Self> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_reader(path, file, features, label, classes)
    }

    /// Reads CSV text from `reader`; `name` is used in error messages in place of a path.
    ///
    /// # Errors
    /// Every error of [`Dataset::from_reader`], and [`Error::BadLabel`] naming the line and
    /// the column of a label that is not a class index in `0..classes`.
    pub fn from_reader(
        name: impl AsRef<Path>,
        mut reader: impl Read,
        features: &[&str],
        label: &str,
        classes: usize,
    ) -> Result<Self> {
        let path = name.as_ref();
        let text = read_all(path, &mut reader)?;
        let data = Dataset::from_bytes(path, &text, features, &[label])?;
        let mut labels = Vec::with_capacity(data.len());
        for (row, t) in data.targets.iter().enumerate() {
            let v = t[0];
            if v >= 0.0 && v.fract() == 0.0 && v < classes as f64 {
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                labels.push(v as usize);
            } else {
                let line = data.lines.get(row).copied().unwrap_or(0);
                let found = cell_text(&text, row, label);
                return Err(Error::BadLabel {
                    path: path.to_path_buf(),
                    line,
                    column: label.to_string(),
                    found,
                    classes,
                });
            }
        }
        Ok(Labeled {
            feature_names: data.feature_names,
            features: data.features,
            labels,
            classes,
        })
    }

    /// The number of data rows.
    #[must_use]
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// Whether there are no data rows (never true for data read from CSV).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// The rows at `rows`, in that order.
    ///
    /// # Panics
    /// If an index is out of range (a programmer error).
    #[must_use]
    pub fn subset(&self, rows: &[usize]) -> Self {
        Labeled {
            feature_names: self.feature_names.clone(),
            features: rows.iter().map(|&r| self.features[r].clone()).collect(),
            labels: rows.iter().map(|&r| self.labels[r]).collect(),
            classes: self.classes,
        }
    }

    /// Two interleaving half circles, scikit-learn's `make_moons(n, noise=noise)`: the upper
    /// moon (class 0) is `(cos t, sin t)` and the lower one (class 1) is `(1 − cos t, 1/2 − sin t)`,
    /// for `t` evenly spaced over [0, π] (`n − n/2` points on the upper moon, `n/2` on the
    /// lower), each coordinate moved by Gaussian noise of std `noise`, the rows shuffled. The
    /// same seed gives the same points. micrograd's demo trains on `make_moons(100, noise=0.1)`.
    ///
    /// ```
    /// use scalargrad::data::Labeled;
    /// let moons = Labeled::moons(100, 0.1, 1337);
    /// assert_eq!((moons.len(), moons.class_counts()), (100, vec![50, 50]));
    /// assert_eq!(moons, Labeled::moons(100, 0.1, 1337));
    /// // Without noise, every point lies on its moon.
    /// let clean = Labeled::moons(20, 0.0, 1);
    /// for (x, &c) in clean.features.iter().zip(&clean.labels) {
    ///     let (cx, cy) = if c == 0 { (0.0, 0.0) } else { (1.0, 0.5) };
    ///     assert!(((x[0] - cx).hypot(x[1] - cy) - 1.0).abs() < 1e-12);
    /// }
    /// ```
    #[must_use]
    pub fn moons(n: usize, noise: f64, seed: u64) -> Self {
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(seed);
        let (outer, inner) = (n - n / 2, n / 2);
        let arc = |k: usize, m: usize| std::f64::consts::PI * k as f64 / (m.max(2) - 1) as f64;
        let mut rows: Vec<(Vec<f64>, usize)> = (0..outer)
            .map(|k| (vec![arc(k, outer).cos(), arc(k, outer).sin()], 0))
            .chain((0..inner).map(|k| {
                (
                    vec![1.0 - arc(k, inner).cos(), 0.5 - arc(k, inner).sin()],
                    1,
                )
            }))
            .collect();
        rows.shuffle(&mut rng);
        for (x, _) in &mut rows {
            for xi in x.iter_mut() {
                *xi += noise * crate::nn::init::standard_normal(&mut rng);
            }
        }
        Labeled {
            feature_names: vec!["x1".into(), "x2".into()],
            labels: rows.iter().map(|r| r.1).collect(),
            features: rows.into_iter().map(|r| r.0).collect(),
            classes: 2,
        }
    }

    /// How many rows each class has.
    #[must_use]
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.classes];
        for &l in &self.labels {
            counts[l] += 1;
        }
        counts
    }

    /// A seeded, stratified split into `(train, test)`: from each class, `round(n ·
    /// test_fraction)` rows chosen at random go to the test set, so both sets keep the
    /// class proportions. Both sets keep the rows in file order. The same seed gives the same
    /// split.
    ///
    /// ```
    /// use scalargrad::data::Labeled;
    /// let data = Labeled {
    ///     feature_names: vec!["x".into()],
    ///     features: (0..10).map(|i| vec![f64::from(i)]).collect(),
    ///     labels: vec![0, 0, 0, 0, 0, 1, 1, 1, 1, 1],
    ///     classes: 2,
    /// };
    /// let (train, test) = data.split_stratified(0.4, 7)?;
    /// assert_eq!((train.class_counts(), test.class_counts()), (vec![3, 3], vec![2, 2]));
    /// assert_eq!(data.split_stratified(0.4, 7)?.1, test);
    /// # Ok::<(), scalargrad::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if `test_fraction` is not strictly between 0 and 1.
    pub fn split_stratified(&self, test_fraction: f64, seed: u64) -> Result<(Self, Self)> {
        if !(test_fraction > 0.0 && test_fraction < 1.0) {
            return Err(Error::InvalidArgument {
                what: "Labeled::split_stratified",
                message: format!("the test fraction must lie in (0, 1), found {test_fraction}"),
            });
        }
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut is_test = vec![false; self.len()];
        for class in 0..self.classes {
            let mut rows: Vec<usize> = (0..self.len())
                .filter(|&r| self.labels[r] == class)
                .collect();
            rows.shuffle(&mut rng);
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let n_test = (rows.len() as f64 * test_fraction).round() as usize;
            for &r in &rows[..n_test] {
                is_test[r] = true;
            }
        }
        let (test, train): (Vec<usize>, Vec<usize>) = (0..self.len()).partition(|&r| is_test[r]);
        Ok((self.subset(&train), self.subset(&test)))
    }

    /// The row indices shuffled by `rng` and cut into mini-batches of `batch_size` (the last
    /// one may be shorter), as PyTorch's `DataLoader(shuffle=True)` does each epoch.
    ///
    /// ```
    /// use scalargrad::rand::SeedableRng;
    /// use scalargrad::data::Labeled;
    /// let data = Labeled {
    ///     feature_names: vec!["x".into()],
    ///     features: vec![vec![0.0]; 5],
    ///     labels: vec![0; 5],
    ///     classes: 1,
    /// };
    /// let mut rng = scalargrad::rand::rngs::Xoshiro256PlusPlus::seed_from_u64(1);
    /// let batches = data.batches(2, &mut rng)?;
    /// assert_eq!(batches.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
    /// let mut all: Vec<usize> = batches.concat();
    /// all.sort_unstable();
    /// assert_eq!(all, [0, 1, 2, 3, 4]);
    /// # Ok::<(), scalargrad::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if `batch_size` is 0.
    pub fn batches(
        &self,
        batch_size: usize,
        rng: &mut (impl Rng + ?Sized),
    ) -> Result<Vec<Vec<usize>>> {
        if batch_size == 0 {
            return Err(Error::InvalidArgument {
                what: "Labeled::batches",
                message: "the batch size must be at least 1".into(),
            });
        }
        let mut rows: Vec<usize> = (0..self.len()).collect();
        rows.shuffle(rng);
        Ok(rows.chunks(batch_size).map(<[usize]>::to_vec).collect())
    }

    /// Multiplies every feature by `factor` (`1.0 / 16.0` maps the digits' pixel counts onto
    /// 0 … 1).
    pub fn scale(&mut self, factor: f64) {
        for x in self.features.iter_mut().flatten() {
            *x *= factor;
        }
    }
}

/// Standardisation, `(x − mean) / std` per feature, fitted on one set (the training rows)
/// and applied to any (the test rows too, so that nothing is learnt from them).
///
/// A constant feature (standard deviation 0, like the digits' always-blank corner pixels) is
/// only centred.
#[derive(Clone, Debug, PartialEq)]
pub struct Standardizer {
    /// The mean of each feature over the fitted rows.
    pub mean: Vec<f64>,
    /// The population standard deviation of each feature over the fitted rows.
    pub std: Vec<f64>,
}

impl Standardizer {
    /// Fits the mean and the standard deviation of every feature of `data`.
    ///
    /// ```
    /// use scalargrad::data::{Labeled, Standardizer};
    /// let mut train = Labeled {
    ///     feature_names: vec!["x".into(), "c".into()],
    ///     features: vec![vec![1.0, 5.0], vec![3.0, 5.0]],
    ///     labels: vec![0, 1],
    ///     classes: 2,
    /// };
    /// let s = Standardizer::fit(&train);
    /// assert_eq!((s.mean.clone(), s.std.clone()), (vec![2.0, 5.0], vec![1.0, 0.0]));
    /// s.apply(&mut train);
    /// assert_eq!(train.features, [[-1.0, 0.0], [1.0, 0.0]]);
    /// ```
    #[must_use]
    pub fn fit(data: &Labeled) -> Self {
        let width = data.feature_names.len();
        let n = data.len().max(1) as f64;
        let mut mean = vec![0.0; width];
        for row in &data.features {
            for (m, x) in mean.iter_mut().zip(row) {
                *m += x / n;
            }
        }
        let mut var = vec![0.0; width];
        for row in &data.features {
            for ((v, x), m) in var.iter_mut().zip(row).zip(&mean) {
                *v += (x - m) * (x - m) / n;
            }
        }
        Standardizer {
            mean,
            std: var.into_iter().map(f64::sqrt).collect(),
        }
    }

    /// Standardises every row of `data` in place.
    pub fn apply(&self, data: &mut Labeled) {
        for row in &mut data.features {
            for ((x, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                *x = if *s > 0.0 { (*x - m) / s } else { *x - m };
            }
        }
    }
}

/// Everything `reader` holds; an I/O error names `path`.
fn read_all(path: &Path, reader: &mut impl Read) -> Result<Vec<u8>> {
    let mut text = Vec::new();
    reader.read_to_end(&mut text).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(text)
}

/// The text of the `column` cell of data row `row` of CSV `text`, counting rows as
/// [`Dataset::from_reader`] does (blank lines skipped); for error messages only.
fn cell_text(text: &[u8], row: usize, column: &str) -> String {
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text);
    let col = csv
        .headers()
        .ok()
        .and_then(|h| h.iter().position(|c| c == column));
    csv.records()
        .filter_map(std::result::Result::ok)
        .filter(|r| !(r.len() == 1 && r[0].is_empty()))
        .nth(row)
        .and_then(|r| col.and_then(|c| r.get(c)).map(str::to_string))
        .unwrap_or_default()
}

/// Line numbers for the records of a CSV text.
///
/// The `csv` crate's `Position` of a record is where its reader started looking for it: before
/// any blank lines it skipped, and after a `\r\n` line end, between the two bytes (its
/// `line()` then also counts one line too few). So a message would point above the row at
/// fault. The record itself starts at the first byte from there that is not a line end; its
/// line is counted from the line ends before it: `\n`, `\r\n` or a lone `\r`, as in the
/// `csv` crate.
struct Lines<'t> {
    text: &'t [u8],
    /// The byte offset where each line starts.
    starts: Vec<u64>,
}

impl<'t> Lines<'t> {
    fn of(text: &'t [u8]) -> Self {
        let mut starts = vec![0];
        for (i, &b) in text.iter().enumerate() {
            if b == b'\n' || (b == b'\r' && text.get(i + 1) != Some(&b'\n')) {
                starts.push(i as u64 + 1);
            }
        }
        Lines { text, starts }
    }

    /// The 1-based line of the record at `pos` (0 when there is no position).
    fn at(&self, pos: Option<&csv::Position>) -> u64 {
        let Some(pos) = pos else { return 0 };
        let from = usize::try_from(pos.byte()).unwrap_or(usize::MAX);
        let skipped = self.text.get(from..).map_or(0, |rest| {
            rest.iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .count()
        });
        let first = pos.byte() + skipped as u64;
        self.starts.partition_point(|&s| s <= first) as u64
    }
}
