//! Errors from building models and training them.

/// What went wrong in initsift-nn.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// An activation name that is not known.
    #[error("unknown activation `{name}`; known: {known}")]
    UnknownActivation {
        /// The name given.
        name: String,
        /// The names accepted.
        known: &'static str,
    },
    /// A model spec that cannot be built.
    #[error("bad model spec `{spec}`: {reason}")]
    BadSpec {
        /// The spec (or model name) given.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A flat parameter vector of the wrong length.
    #[error("model {model} has {expected} parameters, got a vector of {actual}")]
    ParamLength {
        /// The model's name.
        model: String,
        /// Its parameter count.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// Data whose width does not match the model's input width.
    #[error("model {model} takes {expected} input features, the data has {actual}")]
    DataWidth {
        /// The model's name.
        model: String,
        /// Its input width.
        expected: usize,
        /// The data's width.
        actual: usize,
    },
    /// Targets that do not fit the model's output or the loss.
    #[error("targets: {0}")]
    Targets(String),
    /// A hyper-parameter outside its domain.
    #[error("{name} = {value}: {rule}")]
    BadHyperParameter {
        /// Its name, e.g. `lr`.
        name: &'static str,
        /// The value given.
        value: f64,
        /// The rule it breaks.
        rule: &'static str,
    },
    /// A model that cannot be exported to PyTorch's layout.
    #[error("export: {0}")]
    Export(String),
    /// A parameter file that does not fit the model.
    #[error("{file}: {reason}")]
    Import {
        /// The file (or label) read.
        file: String,
        /// What does not fit.
        reason: String,
    },
    /// An error from the autodiff engine.
    #[error(transparent)]
    Graph(#[from] initsift_tensor::Error),
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, Error>;
