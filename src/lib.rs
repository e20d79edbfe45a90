//! initsift chooses neural-network initializations by their loss, and measures when that helps.
//!
//! This facade re-exports the workspace's crates under short names: `tensor` (the autodiff
//! engine), `nn` (models, losses, optimizers, Trainer), and the others as they land.

pub use initsift_batch as batch;
pub use initsift_data as data;
pub use initsift_init as init;
pub use initsift_nn as nn;
pub use initsift_tensor as tensor;

#[cfg(feature = "cli")]
pub mod cli;
