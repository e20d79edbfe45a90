//! initsift-nn: models as data, losses, optimizers with torch.optim's exact update rules, and a
//! Trainer with the stop rules of the reference code.
//!
//! ```
//! use initsift_nn::{Loss, ModelSpec, OptimizerConfig, StopRules, TrainConfig, Trainer};
//! use ndarray::array;
//! # fn main() -> Result<(), initsift_nn::Error> {
//! let x = array![[-1.0f32, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]];
//! let y = array![[0.0f32], [1.0], [1.0], [0.0]];
//! let config = TrainConfig::full_batch(
//!     OptimizerConfig::adam(0.01),
//!     Loss::Mse,
//!     StopRules::reference(800),
//! );
//! let mut trainer = Trainer::new(&ModelSpec::relu1(), x.view(), y.view(), config)?;
//! // A mirror-pair start: unit 1 = −unit 0.
//! let out = trainer.train(&[0.6, -0.4, -0.6, 0.4, 0.0, 0.0])?;
//! assert_eq!(out.final_accuracy, 1.0);
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod error;
pub mod export;
pub mod loss;
pub mod model;
pub mod optim;
pub mod trainer;

pub use error::{Error, Result};
pub use loss::{AccuracyRule, Loss};
pub use model::{Activation, Forward, Layer, ModelSpec, ParamBlock, ParamKind};
pub use optim::{Adam, Optimizer, OptimizerConfig, RmsProp, Sgd};
pub use trainer::{
    EpochOrder, Plateau, StopReason, StopRules, StopTracker, TrainConfig, TrainOutcome, Trainer,
};
