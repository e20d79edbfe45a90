//! Errors of the candidate scorers (fused and generic).

use initsift_init::select::SelectError;

use crate::IsaError;

/// What went wrong while building a scorer or scoring candidates. Every message names the
/// value that does not fit.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoreError {
    /// A request for zero candidates.
    #[error("{operation}: 0 candidates requested; ask for at least one")]
    ZeroCandidates {
        /// What was asked for.
        operation: &'static str,
    },
    /// A stream (or parameter buffer) whose candidates have the wrong length for the model.
    #[error("{source_name} makes {actual} parameters per candidate, model {model} has {expected}")]
    ParamLength {
        /// Where the parameters come from (a stream's plan, a buffer).
        source_name: String,
        /// The model's name.
        model: String,
        /// The model's parameter count.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// Data whose width does not match the model's input width.
    #[error("model {model} takes {expected} input features, data set {data} has {actual}")]
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
    /// Targets that do not fit the model's outputs or the inputs' rows.
    #[error("targets of data set {data}: {reason}")]
    Targets {
        /// The data set's name.
        data: String,
        /// What does not fit.
        reason: String,
    },
    /// A loss the fused kernel of a preset does not implement.
    #[error("the fused {model} scorer has no {loss} loss; it has {supported}")]
    UnsupportedLoss {
        /// The preset.
        model: &'static str,
        /// The loss asked for.
        loss: String,
        /// The losses it has.
        supported: &'static str,
    },
    /// A model the scorer cannot run.
    #[error("model {model}: {reason}")]
    UnsupportedModel {
        /// The model's name.
        model: String,
        /// Why.
        reason: String,
    },
    /// The candidate range runs past index 2⁶⁴ − 1.
    #[error("candidates {first}.. (count {count}) run past the last index 2^64 - 1")]
    IndexOverflow {
        /// The first index.
        first: u64,
        /// How many.
        count: usize,
    },
    /// An ISA that was asked for but cannot be used.
    #[error(transparent)]
    Isa(#[from] IsaError),
    /// An error from the streams.
    #[error(transparent)]
    Init(#[from] initsift_init::Error),
}

/// Result alias for scoring.
pub type ScoreResult<T> = std::result::Result<T, ScoreError>;

impl From<ScoreError> for SelectError {
    fn from(e: ScoreError) -> Self {
        match e {
            ScoreError::Init(e) => SelectError::Init(e),
            other => SelectError::Mismatch(other.to_string()),
        }
    }
}

/// Checks that `[first, first + count)` is a valid index range.
pub(crate) fn check_range(first: u64, count: usize) -> ScoreResult<()> {
    if count > 0 && first.checked_add(count as u64 - 1).is_none() {
        return Err(ScoreError::IndexOverflow { first, count });
    }
    Ok(())
}
