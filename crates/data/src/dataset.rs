//! A data set: an n × d feature matrix and one target per row.

use ndarray::{Array1, Array2, Axis};

use crate::encode::one_hot;
use crate::error::{Error, Result};

/// The largest number of classes a classification data set may have.
///
/// A class index above this is rejected as a bad input rather than trusted, because one stray
/// large integer in a file would otherwise ask for a one-hot matrix of absurd width.
pub const MAX_CLASSES: usize = 1 << 16;

/// The targets of a data set: class indices or real values.
#[derive(Debug, Clone, PartialEq)]
pub enum Targets {
    /// Classification: one class index in `0..n_classes` per row.
    Classes {
        /// Class index of each row.
        labels: Vec<usize>,
        /// Number of classes; every label is below it (some classes may have no rows, e.g. in
        /// a subset).
        n_classes: usize,
    },
    /// Regression: one real value per row.
    Real(Array1<f32>),
}

impl Targets {
    /// Number of rows the targets cover.
    pub fn len(&self) -> usize {
        match self {
            Targets::Classes { labels, .. } => labels.len(),
            Targets::Real(values) => values.len(),
        }
    }

    /// Whether there are no targets.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The targets of the given rows, in that order. Indices must be in range (checked by the
    /// caller, [`Dataset::select`]).
    fn select(&self, rows: &[usize]) -> Targets {
        match self {
            Targets::Classes { labels, n_classes } => Targets::Classes {
                labels: rows.iter().map(|&r| labels[r]).collect(),
                // Kept, not recomputed: a subset that misses a class still has the same
                // output width as the full set.
                n_classes: *n_classes,
            },
            Targets::Real(values) => Targets::Real(rows.iter().map(|&r| values[r]).collect()),
        }
    }
}

/// A data set: features (n × d, f32), their column names, and one target per row.
///
/// The fields are private so that the shapes always agree; build one with [`Dataset::new`],
/// [`crate::load_csv`], [`crate::Builtin`] or [`mod@crate::xor`].
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    name: String,
    feature_names: Vec<String>,
    features: Array2<f32>,
    targets: Targets,
}

impl Dataset {
    /// A data set from its parts, checking that the shapes agree: one name per feature column,
    /// one target per row, every class label below `n_classes ≤ MAX_CLASSES`.
    pub fn new(
        name: impl Into<String>,
        feature_names: Vec<String>,
        features: Array2<f32>,
        targets: Targets,
    ) -> Result<Self> {
        if feature_names.len() != features.ncols() {
            return Err(Error::ShapeMismatch {
                what: "feature names vs. feature columns".into(),
                expected: features.ncols(),
                found: feature_names.len(),
            });
        }
        if targets.len() != features.nrows() {
            return Err(Error::ShapeMismatch {
                what: "targets vs. feature rows".into(),
                expected: features.nrows(),
                found: targets.len(),
            });
        }
        if let Targets::Classes { labels, n_classes } = &targets {
            if *n_classes > MAX_CLASSES {
                return Err(Error::InvalidArgument {
                    name: "n_classes",
                    reason: format!("{n_classes} exceeds the limit of {MAX_CLASSES}"),
                });
            }
            if let Some((row, label)) = labels.iter().enumerate().find(|(_, l)| **l >= *n_classes) {
                return Err(Error::InvalidArgument {
                    name: "targets",
                    reason: format!(
                        "label {label} at row {row} is not below n_classes = {n_classes}"
                    ),
                });
            }
        }
        Ok(Self {
            name: name.into(),
            feature_names,
            features,
            targets,
        })
    }

    /// A data set from parts whose shapes are known to agree (constants of this crate); checked
    /// in debug builds and by the tests of each caller.
    pub(crate) fn from_parts_unchecked(
        name: &str,
        feature_names: Vec<String>,
        features: Array2<f32>,
        targets: Targets,
    ) -> Self {
        debug_assert_eq!(feature_names.len(), features.ncols());
        debug_assert_eq!(targets.len(), features.nrows());
        Self {
            name: name.to_string(),
            feature_names,
            features,
            targets,
        }
    }

    /// The data set's name (a built-in set's name, or the file stem of a loaded CSV).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Names of the feature columns, from the header.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The feature matrix, n × d.
    pub fn features(&self) -> &Array2<f32> {
        &self.features
    }

    /// The targets.
    pub fn targets(&self) -> &Targets {
        &self.targets
    }

    /// Number of rows (samples).
    pub fn n_samples(&self) -> usize {
        self.features.nrows()
    }

    /// Number of feature columns.
    pub fn n_features(&self) -> usize {
        self.features.ncols()
    }

    /// Number of classes, or `None` for regression.
    pub fn n_classes(&self) -> Option<usize> {
        match &self.targets {
            Targets::Classes { n_classes, .. } => Some(*n_classes),
            Targets::Real(_) => None,
        }
    }

    /// Class labels, or `None` for regression.
    pub fn labels(&self) -> Option<&[usize]> {
        match &self.targets {
            Targets::Classes { labels, .. } => Some(labels),
            Targets::Real(_) => None,
        }
    }

    /// Regression targets, or `None` for classification.
    pub fn values(&self) -> Option<&Array1<f32>> {
        match &self.targets {
            Targets::Real(values) => Some(values),
            Targets::Classes { .. } => None,
        }
    }

    /// Rows per class (`counts[c]` rows have label `c`), or `None` for regression.
    pub fn class_counts(&self) -> Option<Vec<usize>> {
        let Targets::Classes { labels, n_classes } = &self.targets else {
            return None;
        };
        let mut counts = vec![0; *n_classes];
        for &label in labels {
            counts[label] += 1;
        }
        Some(counts)
    }

    /// The targets as an n × 1 f32 column: the class index as a number (0.0, 1.0, …) or the
    /// real value. This is the form of a scalar-output model's target, e.g. XOR's `[0,1,1,0]`.
    pub fn target_column(&self) -> Array2<f32> {
        let column: Array1<f32> = match &self.targets {
            // Class indices are below MAX_CLASSES = 2^16, so they are exact in f32.
            Targets::Classes { labels, .. } => labels.iter().map(|&l| l as f32).collect(),
            Targets::Real(values) => values.clone(),
        };
        column.insert_axis(Axis(1))
    }

    /// The class targets one-hot encoded, n × n_classes; an error for regression.
    pub fn one_hot(&self) -> Result<Array2<f32>> {
        match &self.targets {
            Targets::Classes { labels, n_classes } => one_hot(labels, *n_classes),
            Targets::Real(_) => Err(Error::NotClassification {
                operation: "one-hot encoding",
                dataset: self.name.clone(),
            }),
        }
    }

    /// An error unless the data set has `expected` feature columns — the check to make before
    /// feeding it to a model whose input width is `expected`.
    pub fn check_width(&self, expected: usize) -> Result<()> {
        if self.n_features() == expected {
            Ok(())
        } else {
            Err(Error::ShapeMismatch {
                what: format!(
                    "feature columns of data set `{}` vs. model inputs",
                    self.name
                ),
                expected,
                found: self.n_features(),
            })
        }
    }

    /// The given rows, in the order given (repeats allowed). An index out of range is an
    /// error.
    pub fn select(&self, rows: &[usize]) -> Result<Dataset> {
        if let Some(&bad) = rows.iter().find(|&&r| r >= self.n_samples()) {
            return Err(Error::InvalidArgument {
                name: "rows",
                reason: format!(
                    "row index {bad} is out of range for data set `{}` with {} rows",
                    self.name,
                    self.n_samples()
                ),
            });
        }
        Ok(Dataset {
            name: self.name.clone(),
            feature_names: self.feature_names.clone(),
            features: self.features.select(Axis(0), rows),
            targets: self.targets.select(rows),
        })
    }

    /// The first `k` rows; `k` must be in `1..=n_samples`.
    pub fn first(&self, k: usize) -> Result<Dataset> {
        check_subset_size(k, self.n_samples())?;
        let rows: Vec<usize> = (0..k).collect();
        self.select(&rows)
    }

    /// A copy whose features are replaced by `features`, which must have the same shape (the
    /// callers map rows to rows, e.g. scaling).
    pub(crate) fn with_features(&self, features: Array2<f32>) -> Result<Dataset> {
        Dataset::new(
            self.name.clone(),
            self.feature_names.clone(),
            features,
            self.targets.clone(),
        )
    }
}

/// An error unless a subset of `k` rows can be taken from `n`.
pub(crate) fn check_subset_size(k: usize, n: usize) -> Result<()> {
    if k == 0 || k > n {
        return Err(Error::InvalidArgument {
            name: "k",
            reason: format!("a subset needs 1 to {n} rows, but {k} were asked for"),
        });
    }
    Ok(())
}
