//! The element type the interpreters run over.

use std::fmt::{Debug, Display};

use ndarray::LinalgScalar;
use num_traits::Float;

/// A real scalar the graph can be evaluated in: `f64` for gradient checks, `f32` for training.
///
/// Constants in a graph are stored as `f64` and converted once per evaluation with
/// [`Real::from_f64`], so one graph serves every element type.
pub trait Real: Float + LinalgScalar + Debug + Display + Send + Sync + 'static {
    /// Converts (rounding to nearest) from `f64`.
    fn from_f64(x: f64) -> Self;
    /// Converts exactly (for `f32`, `f64`) to `f64`.
    fn to_f64(self) -> f64;
}

impl Real for f32 {
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
}

impl Real for f64 {
    fn from_f64(x: f64) -> Self {
        x
    }
    fn to_f64(self) -> f64 {
        self
    }
}
