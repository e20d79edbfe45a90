//! The XOR family: four points, two classes, exactly as the reference code (tr_xor's
//! `src/data.py`) defines them.
//!
//! | row | centered input | 0/1 input | scalar target | one-hot target |
//! |-----|----------------|-----------|---------------|----------------|
//! | 0   | (−1, −1)       | (0, 0)    | 0             | (1, 0)         |
//! | 1   | ( 1, −1)       | (1, 0)    | 1             | (0, 1)         |
//! | 2   | (−1,  1)       | (0, 1)    | 1             | (0, 1)         |
//! | 3   | ( 1,  1)       | (1, 1)    | 0             | (1, 0)         |
//!
//! The studies use the centered inputs (`xor_data_centered()`) with the scalar targets
//! (`xor_labels_T1()`, abs1 and relu1) or the one-hot targets (`xor_labels_one_hot()`, relu2).
//! The 0/1 inputs are the textbook variant, kept for comparison; the reference experiments do
//! not use them.

use ndarray::Array2;

use crate::dataset::{Dataset, Targets};

/// Centered inputs, `xor_data_centered()`: the corners of [−1, 1]², 4 × 2.
pub const INPUTS_CENTERED: [[f32; 2]; 4] = [[-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]];

/// 0/1 inputs, the same corners of [0, 1]² in the same order, 4 × 2.
pub const INPUTS_BINARY: [[f32; 2]; 4] = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]];

/// Class labels, `xor_labels_T1()`: 1 where exactly one input is high.
pub const LABELS: [usize; 4] = [0, 1, 1, 0];

/// Scalar targets as f32 (a 4 × 1 column once shaped; see [`scalar_targets`]).
pub const SCALAR_TARGETS: [f32; 4] = [0.0, 1.0, 1.0, 0.0];

/// One-hot targets, `xor_labels_one_hot()`: class 0 → (1, 0), class 1 → (0, 1).
pub const ONE_HOT_TARGETS: [[f32; 2]; 4] = [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]];

/// The centered inputs as a 4 × 2 array.
pub fn inputs_centered() -> Array2<f32> {
    Array2::from(INPUTS_CENTERED.to_vec())
}

/// The 0/1 inputs as a 4 × 2 array.
pub fn inputs_binary() -> Array2<f32> {
    Array2::from(INPUTS_BINARY.to_vec())
}

/// The scalar targets as a 4 × 1 column, `[[0], [1], [1], [0]]`.
pub fn scalar_targets() -> Array2<f32> {
    Array2::from(SCALAR_TARGETS.map(|t| [t]).to_vec())
}

/// The one-hot targets as a 4 × 2 array.
pub fn one_hot_targets() -> Array2<f32> {
    Array2::from(ONE_HOT_TARGETS.to_vec())
}

/// XOR with centered ±1 inputs and two classes — the data of every XOR study.
///
/// `xor().target_column()` is the 4 × 1 scalar target and `xor().one_hot()` the 4 × 2 one-hot
/// target.
pub fn xor() -> Dataset {
    xor_dataset("xor", inputs_centered())
}

/// XOR with 0/1 inputs (the textbook variant); same targets as [`xor`].
pub fn xor_binary() -> Dataset {
    xor_dataset("xor_binary", inputs_binary())
}

fn xor_dataset(name: &str, inputs: Array2<f32>) -> Dataset {
    Dataset::from_parts_unchecked(
        name,
        vec!["x0".into(), "x1".into()],
        inputs,
        Targets::Classes {
            labels: LABELS.to_vec(),
            n_classes: 2,
        },
    )
}
