//! The element type the interpreters run over.

use std::fmt::{Debug, Display};

use ndarray::LinalgScalar;
use num_traits::Float;

use crate::tanh::tanh_f32;

/// A real scalar the graph can be evaluated in: `f64` for gradient checks, `f32` for training.
///
/// Constants in a graph are stored as `f64` and converted once per evaluation with
/// [`Real::from_f64`], so one graph serves every element type.
pub trait Real: Float + LinalgScalar + Debug + Display + Send + Sync + 'static {
    /// Converts (rounding to nearest) from `f64`.
    fn from_f64(x: f64) -> Self;
    /// Converts exactly (for `f32`, `f64`) to `f64`.
    fn to_f64(self) -> f64;
    /// tanh as the engine computes it: libm's in `f64` (gradient checks), [`tanh_f32`] in
    /// `f32` (the same bits on every instruction set, and what the batched paths compute).
    fn engine_tanh(self) -> Self;
}

impl Real for f32 {
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn engine_tanh(self) -> Self {
        tanh_f32(self)
    }
}

impl Real for f64 {
    fn from_f64(x: f64) -> Self {
        x
    }
    fn to_f64(self) -> f64 {
        self
    }
    fn engine_tanh(self) -> Self {
        self.tanh()
    }
}
