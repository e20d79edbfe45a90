//! Errors from resolving schemes, validating plans and filling candidates.

/// What went wrong in initsift-init. Every variant names the offending value and where it came
/// from, so a message can be shown to a user as it is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A fan-dependent scheme met a fan of 0.
    #[error("{scheme} on {target}: {which} is 0, so the scale {scheme} needs is undefined")]
    ZeroFan {
        /// The scheme, as printed.
        scheme: String,
        /// The tensor it was applied to.
        target: String,
        /// `fan_in`, `fan_out` or `fan_in + fan_out`.
        which: &'static str,
    },
    /// A scheme parameter outside its domain (negative std or scale, sparsity outside
    /// [0, 1), non-finite values, ...).
    #[error("{scheme}: {name} = {value} is not allowed: it must be {rule}")]
    BadParameter {
        /// The scheme, as printed.
        scheme: String,
        /// The parameter's name, e.g. `std`.
        name: &'static str,
        /// The value given.
        value: f64,
        /// The rule it breaks.
        rule: &'static str,
    },
    /// A nonlinearity name `calculate_gain` does not know.
    #[error("unknown nonlinearity `{name}`; known: {known}")]
    UnknownNonlinearity {
        /// The name given.
        name: String,
        /// The names accepted.
        known: &'static str,
    },
    /// A fan mode that is not known, or not allowed for the scheme.
    #[error("unknown fan mode `{name}` for {context}; known: {known}")]
    UnknownMode {
        /// The name given.
        name: String,
        /// Which scheme asked (`kaiming` or `variance_scaling`).
        context: &'static str,
        /// The modes accepted there.
        known: &'static str,
    },
    /// A Keras `VarianceScaling` distribution that is not known.
    #[error("unknown distribution `{name}`; known: {known}")]
    UnknownDistribution {
        /// The name given.
        name: String,
        /// The names accepted.
        known: &'static str,
    },
    /// A preset plan name that is not known.
    #[error("unknown preset plan `{name}`; known: {known}")]
    UnknownPreset {
        /// The name given.
        name: String,
        /// The names accepted.
        known: &'static str,
    },
    /// A scheme applied to a tensor it cannot initialize (e.g. orthogonal on a bias vector).
    #[error("{scheme} cannot initialize {target}: {reason}")]
    Unsupported {
        /// The scheme, as printed.
        scheme: String,
        /// The tensor it was applied to.
        target: String,
        /// Why not.
        reason: String,
    },
    /// A plan that does not fit the model it is applied to.
    #[error("plan `{plan}` does not fit model `{model}`: {reason}")]
    PlanMismatch {
        /// The plan's name.
        plan: String,
        /// The model's name.
        model: String,
        /// What does not fit.
        reason: String,
    },
    /// An output buffer of the wrong length.
    #[error(
        "buffer of {actual} values for a stream of {per_candidate} parameters per candidate: {rule}"
    )]
    BufferLength {
        /// Parameters per candidate.
        per_candidate: usize,
        /// The length given.
        actual: usize,
        /// What the length must be.
        rule: &'static str,
    },
    /// A candidate index range that runs past `u64::MAX`.
    #[error("candidate range starting at {first} with {count} candidates overflows u64")]
    IndexOverflow {
        /// First index.
        first: u64,
        /// Number of candidates.
        count: usize,
    },
}

/// Result alias for this crate: its [`Error`] by default, `Result<T, SelectError>` or
/// `Result<T, ScoreError>` for selection and scoring.
pub type Result<T, E = Error> = std::result::Result<T, E>;
