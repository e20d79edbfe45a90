//! One-hot encoding of class labels.

use ndarray::Array2;

use crate::error::{Error, Result};

/// Class labels as an n × `n_classes` f32 matrix with a single 1 per row, at the label's column.
///
/// A label not below `n_classes` is an error, not a panic.
pub fn one_hot(labels: &[usize], n_classes: usize) -> Result<Array2<f32>> {
    if let Some((row, &label)) = labels.iter().enumerate().find(|(_, l)| **l >= n_classes) {
        return Err(Error::InvalidArgument {
            name: "labels",
            reason: format!("label {label} at row {row} is not below n_classes = {n_classes}"),
        });
    }
    let mut encoded = Array2::zeros((labels.len(), n_classes));
    for (row, &label) in labels.iter().enumerate() {
        encoded[[row, label]] = 1.0;
    }
    Ok(encoded)
}
