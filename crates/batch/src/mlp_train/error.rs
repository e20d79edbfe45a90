//! Bad input to the batched MLP trainer, named with its value and where it came from.

use initsift_nn::Loss;

use crate::IsaError;

/// Bad input to the batched MLP trainer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MlpTrainError {
    /// No runs were asked for.
    #[error("runs = 0: the batched trainer needs at least one run")]
    NoRuns,
    /// A model the trainer cannot run.
    #[error("model {model}: {reason}")]
    UnsupportedModel {
        /// The model's name.
        model: String,
        /// Why.
        reason: String,
    },
    /// Data whose width is not the model's input width.
    #[error(
        "data set `{data}` has {actual} feature columns, model {model} takes {expected} inputs"
    )]
    DataWidth {
        /// The model's name.
        model: String,
        /// The data set's name.
        data: String,
        /// The model's input width.
        expected: usize,
        /// The data's width.
        actual: usize,
    },
    /// A NaN or infinite value in the features or targets.
    #[error("data set `{data}`: {what} at row {row}, column {column} is {value}")]
    NonFinite {
        /// The data set's name.
        data: String,
        /// `"feature"` or `"target"`.
        what: &'static str,
        /// Row index.
        row: usize,
        /// Column index.
        column: usize,
        /// The value.
        value: f32,
    },
    /// Targets that do not fit the loss or the model's outputs.
    #[error("data set `{data}`: targets do not fit loss {loss} on model {model}: {reason}")]
    Targets {
        /// The data set's name.
        data: String,
        /// The loss.
        loss: Loss,
        /// The model's name.
        model: String,
        /// What is wrong, with the value.
        reason: String,
    },
    /// A data set with no rows.
    #[error("data set `{data}` ({role}) has no rows")]
    EmptyData {
        /// The data set's name.
        data: String,
        /// `"training"` or `"test"`.
        role: &'static str,
    },
    /// A held-out metric was asked for without a test split.
    #[error("{what} needs a test split, but none was given")]
    NoTestSplit {
        /// What asked for it.
        what: &'static str,
    },
    /// A minibatch size of 0 or larger than the data.
    #[error("batch_size = {batch_size}: must lie in 1..={rows} (the rows of `{data}`)")]
    BatchSize {
        /// The size asked for.
        batch_size: usize,
        /// Rows of the training data.
        rows: usize,
        /// The data set's name.
        data: String,
    },
    /// Given minibatch orders that are not permutations of the rows, or too few of them.
    #[error("given minibatch orders: {0}")]
    GivenOrder(String),
    /// Initial parameters whose length is not `runs × parameters`.
    #[error(
        "initial parameters: {runs} runs of {model} need {expected} values ({runs} × {per_run}), got {actual}"
    )]
    InitLength {
        /// The model's name.
        model: String,
        /// Runs asked for.
        runs: usize,
        /// Parameters per run.
        per_run: usize,
        /// `runs × per_run`.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// An optimizer hyper-parameter outside its domain, as the engine checks it.
    #[error("optimizer: {0}")]
    Optimizer(#[from] initsift_nn::Error),
    /// The evaluation of the initial or final parameters refused its input.
    #[error("evaluation: {0}")]
    Score(#[from] initsift_init::select::ScoreError),
    /// An ISA that cannot be used.
    #[error(transparent)]
    Isa(#[from] IsaError),
}

/// The trainer's result type.
pub type MlpTrainResult<T> = Result<T, MlpTrainError>;
