//! What each run did: the engine's `TrainOutcome` fields plus the held-out metrics, the
//! epochs to the targets and, on request, the per-epoch curves.

use initsift_nn::StopReason;
use serde::{Deserialize, Serialize};

/// The held-out metrics at the final parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum HeldOut {
    /// Class targets: the loss and the accuracy on the test split.
    Classification {
        /// Mean loss.
        loss: f64,
        /// Fraction of rows correct.
        accuracy: f64,
    },
    /// Real targets: the mean squared error and R² = 1 − SSres/SStot on the test split.
    Regression {
        /// Mean squared error.
        mse: f64,
        /// Coefficient of determination.
        r2: f64,
    },
}

impl HeldOut {
    /// The metric the held-out target and curve use: accuracy, or R² for regression.
    pub fn metric(&self) -> f64 {
        match *self {
            HeldOut::Classification { accuracy, .. } => accuracy,
            HeldOut::Regression { r2, .. } => r2,
        }
    }
}

/// The first epoch count at which each target was met (`None`: never, or not asked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EpochsToTarget {
    /// Epochs completed when the epoch training loss was first ≤ the target (`e + 1` for
    /// epoch `e`, counted as the stop rules count).
    pub train_loss: Option<usize>,
    /// Epochs completed when the held-out metric was first ≥ the target.
    pub held_out: Option<usize>,
}

/// Per-epoch curves of one run.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Curves {
    /// The epoch training loss (what the stop rules see), one per epoch run.
    pub train_loss: Vec<f64>,
    /// The held-out metric after each epoch's steps (empty without a test split).
    pub held_out: Vec<f64>,
}

/// One run's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MlpRunOutcome {
    /// Epochs completed, counted as the engine Trainer counts them.
    pub epochs: usize,
    /// Why the run stopped.
    pub stop: StopReason,
    /// Loss on the whole training set at the initial parameters.
    pub initial_loss: f64,
    /// Accuracy on the training set at the initial parameters.
    pub initial_accuracy: f64,
    /// Loss on the whole training set at the final parameters.
    pub final_loss: f64,
    /// Accuracy on the training set at the final parameters.
    pub final_accuracy: f64,
    /// Held-out metrics at the final parameters (when a test split was given).
    pub held_out: Option<HeldOut>,
    /// Time to the configured targets.
    pub epochs_to_target: EpochsToTarget,
    /// Per-epoch curves, when asked for.
    pub curves: Option<Curves>,
}

/// Every run's outcome, in run order, with the final parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MlpTrainReport {
    /// One outcome per run.
    pub outcomes: Vec<MlpRunOutcome>,
    /// Final parameters, run-major (`runs × param_len`), in the model's flat layout.
    pub final_params: Vec<f32>,
}
