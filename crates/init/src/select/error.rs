//! Errors of scoring and selecting candidates.

/// What went wrong while building a scorer or scoring candidates: the error of every
/// [`Scorer`](super::Scorer) (the engine's here, the fused and batched kernels of
/// initsift-batch). It lives beside the trait, not beside the kernels, so that a selection
/// error can carry it typed ([`SelectError::Score`]). Every message names the value that does
/// not fit.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoreError {
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
    #[error("model {model} takes {expected} input features, the data has {actual}")]
    DataWidth {
        /// The model's name.
        model: String,
        /// The model's input width.
        expected: usize,
        /// The data's width.
        actual: usize,
    },
    /// Targets that do not fit the model's outputs or the inputs' rows.
    #[error("targets: {reason}")]
    Targets {
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
    /// An instruction set that was asked for (by option or `INITSIFT_ISA`) but cannot be used:
    /// initsift-batch's `IsaError`, as its message (the ISA list lives in that crate, which
    /// depends on this one).
    #[error("{0}")]
    Isa(String),
    /// An error from the streams.
    #[error(transparent)]
    Init(#[from] crate::error::Error),
    /// An error from the model or engine.
    #[error(transparent)]
    Model(#[from] initsift_nn::Error),
}

impl ScoreError {
    /// Checks that `[first, first + count)` is a valid index range.
    pub fn check_range(first: u64, count: usize) -> Result<(), ScoreError> {
        if count > 0 && first.checked_add(count as u64 - 1).is_none() {
            return Err(ScoreError::IndexOverflow { first, count });
        }
        Ok(())
    }
}

/// What went wrong while selecting candidates.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SelectError {
    /// A strategy parameter outside its domain.
    #[error("{strategy}: {name} = {value}: {rule}")]
    BadParameter {
        /// The strategy.
        strategy: &'static str,
        /// The parameter's name.
        name: &'static str,
        /// Its value, as given.
        value: String,
        /// The rule it breaks.
        rule: &'static str,
    },
    /// A transfer prior whose length is not the model's.
    #[error("transfer: prior {index} has {actual} parameters, the model has {expected}")]
    PriorLength {
        /// Its position in the list.
        index: usize,
        /// Its length.
        actual: usize,
        /// The model's parameter count.
        expected: usize,
    },
    /// Every candidate scored NaN or infinite, so there is nothing to pick.
    #[error("{strategy}: none of the {draws} candidates had a finite score")]
    NothingFinite {
        /// The strategy.
        strategy: &'static str,
        /// How many were drawn.
        draws: u64,
    },
    /// The scorer failed, or scorer and stream do not fit together.
    #[error(transparent)]
    Score(#[from] ScoreError),
    /// An error from the streams.
    #[error(transparent)]
    Init(#[from] crate::error::Error),
}
