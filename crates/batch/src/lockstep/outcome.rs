//! What one lockstep run did.

use initsift_nn::StopReason;
use serde::{Deserialize, Serialize};

use super::analysis::FirstLayerStats;

/// One run's outcome: the engine's `TrainOutcome` fields (without the parameters, which the
/// report keeps in one flat array) plus the per-run analyses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunOutcome {
    /// Epochs completed, counted as the Trainer counts them: `e + 1` when a rule fires at epoch
    /// `e` (the step taken at that epoch counts), `max_epochs` when none does.
    pub epochs: usize,
    /// Why the run stopped.
    pub stop: StopReason,
    /// Loss at the initial parameters.
    pub initial_loss: f64,
    /// Accuracy (fraction of the 4 points correct) at the initial parameters.
    pub initial_accuracy: f64,
    /// Loss at the final, post-step parameters.
    pub final_loss: f64,
    /// Accuracy at the final parameters.
    pub final_accuracy: f64,
    /// All four points correct at the final parameters (the reference's "success").
    pub success: bool,
    /// ‖θ_final − θ_init‖₂, in f64.
    pub distance: f64,
    /// First-layer statistics at the initial parameters (`None` for abs1).
    pub initial_layer: Option<FirstLayerStats>,
    /// First-layer statistics at the final parameters (`None` for abs1).
    pub final_layer: Option<FirstLayerStats>,
}

/// Outcomes of every run, in run order, with their final parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LockstepReport {
    /// One outcome per run.
    pub outcomes: Vec<RunOutcome>,
    /// Final parameters, run-major (`runs × param_len`), in the preset's flat layout.
    pub final_params: Vec<f32>,
}
