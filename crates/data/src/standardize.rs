//! Standardization: per-column mean and standard deviation fitted on one set, applied to others.
//!
//! Fit on the training set only and apply the same transform to the test set, so that nothing
//! about the test set leaks into training.

use ndarray::{Array1, Array2, ArrayView2, Axis};

use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// Per-column `(x - mean) / std`, with the population standard deviation (divide by n, as
/// scikit-learn's `StandardScaler`).
///
/// A constant column (every value equal, or a spread below f32's normal range) gets std 1, so it maps to all zeros instead of
/// dividing by zero; scikit-learn's `StandardScaler` likewise leaves zero-variance features
/// unscaled. Digits has such columns (pixels that are 0 in every image).
#[derive(Debug, Clone, PartialEq)]
pub struct Standardizer {
    mean: Array1<f32>,
    std: Array1<f32>,
}

impl Standardizer {
    /// Fits the mean and standard deviation of each column of `x` (n × d, n ≥ 1, finite).
    ///
    /// Sums run in f64 with two passes (mean, then squared deviations), so the result is
    /// accurate to f32 precision even for columns with a large mean and a small spread.
    pub fn fit(x: &Array2<f32>) -> Result<Self> {
        Self::fit_view(x.view())
    }

    /// [`Standardizer::fit`] on a data set's features.
    pub fn fit_dataset(data: &Dataset) -> Result<Self> {
        Self::fit_view(data.features().view())
    }

    fn fit_view(x: ArrayView2<'_, f32>) -> Result<Self> {
        if x.nrows() == 0 {
            return Err(Error::InvalidArgument {
                name: "x",
                reason: "cannot fit a standardizer on zero rows".into(),
            });
        }
        if let Some(((row, column), &value)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(Error::NonFiniteValue { row, column, value });
        }
        let n = x.nrows() as f64;
        let mut mean = Array1::zeros(x.ncols());
        let mut std = Array1::ones(x.ncols());
        for (j, column) in x.axis_iter(Axis(1)).enumerate() {
            let first = column[0];
            if column.iter().all(|&v| v == first) {
                // Exactly constant: mean is the value itself, so the column maps to exact zeros
                // (an f64 mean could differ from it by rounding and leave tiny non-zeros).
                mean[j] = first;
                continue;
            }
            let m = column.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
            let var = column
                .iter()
                .map(|&v| (f64::from(v) - m).powi(2))
                .sum::<f64>()
                / n;
            mean[j] = m as f32;
            let s = var.sqrt() as f32;
            // A spread so small it is zero or subnormal in f32 would turn the column into
            // huge or infinite values; treat it like a constant column.
            std[j] = if s.is_normal() { s } else { 1.0 };
        }
        Ok(Self { mean, std })
    }

    /// The fitted column means.
    pub fn mean(&self) -> &Array1<f32> {
        &self.mean
    }

    /// The fitted column standard deviations (1 for constant columns).
    pub fn std(&self) -> &Array1<f32> {
        &self.std
    }

    /// `(x - mean) / std`, column by column; `x` must have as many columns as the fitted data.
    pub fn transform(&self, x: &Array2<f32>) -> Result<Array2<f32>> {
        let mut out = x.clone();
        self.transform_in_place(&mut out)?;
        Ok(out)
    }

    /// [`Standardizer::transform`] overwriting `x`.
    pub fn transform_in_place(&self, x: &mut Array2<f32>) -> Result<()> {
        self.check_width(x.ncols())?;
        for mut row in x.rows_mut() {
            for ((v, &m), &s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                *v = (*v - m) / s;
            }
        }
        Ok(())
    }

    /// `x * std + mean`: undoes [`Standardizer::transform`].
    pub fn inverse_transform(&self, x: &Array2<f32>) -> Result<Array2<f32>> {
        self.check_width(x.ncols())?;
        let mut out = x.clone();
        for mut row in out.rows_mut() {
            for ((v, &m), &s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                *v = *v * s + m;
            }
        }
        Ok(out)
    }

    /// A copy of `data` with standardized features (targets unchanged).
    pub fn transform_dataset(&self, data: &Dataset) -> Result<Dataset> {
        data.with_features(self.transform(data.features())?)
    }

    fn check_width(&self, columns: usize) -> Result<()> {
        if columns == self.mean.len() {
            Ok(())
        } else {
            Err(Error::ShapeMismatch {
                what: "columns to standardize vs. columns fitted".into(),
                expected: self.mean.len(),
                found: columns,
            })
        }
    }
}
