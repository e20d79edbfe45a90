//! Errors of the lockstep trainer: bad input, named with its value.

use initsift_nn::Loss;

use crate::Preset;

/// Bad input to the lockstep trainer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LockstepError {
    /// No runs were asked for.
    #[error("runs = 0: the lockstep trainer needs at least one run")]
    NoRuns,
    /// A zero epoch budget (the engine would only evaluate; use a scorer for that).
    #[error("max_epochs = 0: the lockstep trainer needs at least one epoch")]
    NoEpochs,
    /// A learning rate that is not a positive number.
    #[error("learning rate lr = {0}: must be a finite number > 0")]
    LearningRate(f64),
    /// Initial parameters whose length is not `runs × parameters`.
    #[error(
        "initial parameters: {runs} runs of {preset} need {expected} values ({runs} × {per_run}), got {actual}"
    )]
    InitLength {
        /// The preset.
        preset: Preset,
        /// Runs asked for.
        runs: usize,
        /// Parameters per run.
        per_run: usize,
        /// `runs × per_run`.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// A loss the lockstep kernels do not implement for this preset.
    #[error(
        "loss {loss} is not supported by the lockstep trainer for {preset} (supported: mse, bce_with_logits)"
    )]
    UnsupportedLoss {
        /// The preset.
        preset: Preset,
        /// The loss asked for.
        loss: Loss,
    },
    /// Any other optimizer hyper-parameter outside its domain, as the engine checks it.
    #[error("optimizer: {0}")]
    Optimizer(#[from] initsift_nn::Error),
}
