//! The batched MLP trainer: thousands of runs of any MLP on a real data set at once, with the
//! engine Trainer's semantics run by run.
//!
//! - **What:** any [`ModelSpec`](initsift_nn::ModelSpec) whose first layer is Linear, every
//!   activation the engine has; SGD (momentum, Nesterov, weight decay), Adam, AdamW, RMSprop
//!   through initsift-nn's per-element updates; MSE, BCE-with-logits, softmax cross-entropy;
//!   full-batch or minibatch epochs, the order seeded and shared by all runs (so arms differ
//!   only in their inits), per run, or given.
//! - **Semantics:** epoch `e` is the engine Trainer's: one optimizer step per minibatch, the
//!   epoch loss is the size-weighted mean of the minibatch losses at their pre-step
//!   parameters, and the `StopRules` (via `StopTracker`) judge it; a run stopped at epoch `e`
//!   reports `e + 1` epochs. Final and held-out metrics are measured afterwards at the final
//!   parameters with the batched scorer ([`MlpScorer`](crate::mlp::MlpScorer)).
//! - **Batching:** runs are cut into batches by run index; a batch's runs share each
//!   minibatch, gathered once per epoch (rows in epoch order, in both layouts the passes
//!   read), so a minibatch is a range of rows. Each run of the batch in turn runs its forward
//!   and backward pass on the minibatch, tile by tile, and takes its optimizer step at once,
//!   while its parameters, gradient and moments are in cache (every run is at the same step);
//!   its Linear layers are small register-tiled products with no packing (`gemm`: FMA chains
//!   in matrixmultiply's order, so they equal the engine's sgemms bit for bit). Finished runs
//!   leave their batch after each epoch. Batches run on rayon's threads.
//! - **Determinism:** a run's arithmetic depends only on its own parameters and the data
//!   order, never on its batch, slot, thread or ISA: the same bits on any thread count.
//! - **Slow twin:** the engine `Trainer` with [`MlpTrainConfig::engine_config`]; the losses
//!   and exps are the batched scorer's vectorized ones (a few ulps from libm) and the bias
//!   gradients sum in a fixed tree, so the twins agree within a tolerance derived in
//!   `tests/mlp_train_vs_engine.rs`.
//!
//! ```
//! use initsift_batch::mlp_train::{MlpTrainConfig, MlpTrainer};
//! use initsift_data::{Standardizer, Stratify, builtin};
//! use initsift_init::{InitPlan, Stream};
//! use initsift_nn::{Activation, Loss, ModelSpec, OptimizerConfig, StopRules};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let digits = builtin::iris()?;
//! let (train, test) = digits.train_test_split(0.3, 7, Stratify::ByClass)?;
//! let scaler = Standardizer::fit_dataset(&train)?;
//! let (train, test) = (scaler.transform_dataset(&train)?, scaler.transform_dataset(&test)?);
//! let spec = ModelSpec::mlp("4-16-3", Activation::Relu)?;
//! let stop = StopRules { max_epochs: 30, loss_below: None, plateau: None };
//! let config = MlpTrainConfig::full_batch(OptimizerConfig::adam(0.01), Loss::CrossEntropy, stop)
//!     .minibatch(16, 1);
//! let trainer = MlpTrainer::new(&spec, &train, Some(&test), config)?;
//! let stream = Stream::new(&spec, &InitPlan::torch_default(&spec), 42)?;
//! let report = trainer.train_stream(&stream, 0, 100)?;
//! assert_eq!(report.outcomes.len(), 100);
//! assert!(report.outcomes.iter().all(|o| o.epochs == 30 && o.final_loss < o.initial_loss));
//! # Ok(()) }
//! ```

mod batch;
mod config;
mod data;
mod error;
pub(crate) mod gemm;
pub(crate) mod kernel;
pub(crate) mod layers;
mod optim;
mod outcome;
mod train;

pub use config::{MinibatchOrder, MlpTrainConfig, Targets, run_seed};
pub use error::{MlpTrainError, MlpTrainResult};
pub use outcome::{Curves, EpochsToTarget, HeldOut, MlpRunOutcome, MlpTrainReport};
pub use train::MlpTrainer;
