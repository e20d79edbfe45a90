//! initsift-nn: models as data, losses, optimizers with torch.optim's exact update rules, and a
//! Trainer with the stop rules of the reference code.

mod error;
pub mod model;

pub use error::{Error, Result};
pub use model::{Activation, Forward, Layer, ModelSpec, ParamBlock, ParamKind};
