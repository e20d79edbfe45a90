//! Errors of candidate selection.

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
    /// Scorer, stream, data or model do not fit together.
    #[error("{0}")]
    Mismatch(String),
    /// Every candidate scored NaN or infinite, so there is nothing to pick.
    #[error("{strategy}: none of the {draws} candidates had a finite score")]
    NothingFinite {
        /// The strategy.
        strategy: &'static str,
        /// How many were drawn.
        draws: u64,
    },
    /// An error from the streams.
    #[error(transparent)]
    Init(#[from] crate::error::Error),
    /// An error from the model or engine.
    #[error(transparent)]
    Model(#[from] initsift_nn::Error),
}

/// Result alias for selection.
pub type SelectResult<T> = std::result::Result<T, SelectError>;
