//! Errors from the data-dependent initializers.

use initsift_nn::Loss;

/// What went wrong in initsift-datadep. Every variant names the bad value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A hyper-parameter outside its domain.
    #[error("{method}: {name} = {value}: {rule}")]
    BadConfig {
        /// The method, e.g. `nio`.
        method: &'static str,
        /// The field, e.g. `gamma`.
        name: &'static str,
        /// The value given.
        value: f64,
        /// The rule it breaks.
        rule: &'static str,
    },
    /// A model with no Linear layer has nothing to rescale.
    #[error("model {model} has no Linear layer, so there is no tensor to initialize")]
    NoLinearLayers {
        /// The model's name.
        model: String,
    },
    /// Inputs or targets whose width does not fit the model.
    #[error("{what} have {actual} columns, model {model} needs {expected}")]
    BatchWidth {
        /// `inputs` or `targets`.
        what: &'static str,
        /// The model's name.
        model: String,
        /// The width the model needs.
        expected: usize,
        /// The width given.
        actual: usize,
    },
    /// Inputs and targets with different numbers of rows, or no rows.
    #[error("inputs have {inputs} rows and targets {targets}; both must be equal and non-zero")]
    Rows {
        /// Input rows.
        inputs: usize,
        /// Target rows.
        targets: usize,
    },
    /// A non-finite value in the base parameters or the data.
    #[error("{what} holds a non-finite value ({value}) at flat index {index}")]
    NonFinite {
        /// `base parameters`, `inputs` or `targets`.
        what: &'static str,
        /// Its flat index.
        index: usize,
        /// The value.
        value: f32,
    },
    /// A loss the method cannot use with this model or these targets.
    #[error("loss {loss} cannot be used here: {reason}")]
    Loss {
        /// The loss.
        loss: Loss,
        /// Why not.
        reason: String,
    },
    /// An error from the model layer (e.g. a base parameter vector of the wrong length).
    #[error(transparent)]
    Model(#[from] initsift_nn::Error),
    /// An error from the autodiff engine.
    #[error(transparent)]
    Graph(#[from] initsift_tensor::Error),
    /// An error from the initializer schemes.
    #[error(transparent)]
    Init(#[from] initsift_init::Error),
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, Error>;
