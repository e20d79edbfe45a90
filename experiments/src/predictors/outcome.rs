//! What each init became: epochs to a target train loss, the final train loss and the test
//! metric, from real_tasks' training seam (real data) or the lockstep trainer (XOR).

use anyhow::{Context, Result};
use initsift_batch::lockstep::Lockstep;
use initsift_init::Stream;
use initsift_nn::StopReason;
use serde::Serialize;

use super::quantity::Direction;
use super::task::PredictorTask;
use crate::leaderboard::task::Training;
use crate::real::deceive::epochs_to;
use crate::real::metrics::{Better, held_out_score};
use crate::real::train::train_runs;
use crate::stats::median;

/// An outcome of training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Epochs until the train loss first reaches the task's target (censored runs count one
    /// epoch more than the budget).
    EpochsToTarget,
    /// The train loss at the end.
    FinalTrainLoss,
    /// Test accuracy (real data) or success, all four points right (XOR).
    TestMetric,
}

impl Outcome {
    /// Every outcome, in report order.
    pub const ALL: [Outcome; 3] = [
        Outcome::EpochsToTarget,
        Outcome::FinalTrainLoss,
        Outcome::TestMetric,
    ];

    /// Its name in the JSON and the tables.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::EpochsToTarget => "epochs_to_target",
            Outcome::FinalTrainLoss => "final_train_loss",
            Outcome::TestMetric => "test_metric",
        }
    }

    /// Which way is better: fewer epochs, lower loss, higher test metric.
    pub fn better(self) -> Direction {
        match self {
            Outcome::TestMetric => Direction::High,
            _ => Direction::Low,
        }
    }
}

/// Every outcome of every init, in init order.
#[derive(Debug, Clone)]
pub struct Outcomes {
    /// `values[o][i]`: outcome `Outcome::ALL[o]` of init `i`.
    pub values: Vec<Vec<f64>>,
    /// The target train loss of epochs to target.
    pub target: f64,
    /// How the target was set, in words.
    pub target_rule: String,
    /// What the test metric is, in words.
    pub test_metric: &'static str,
    /// Wall-clock seconds of all training.
    pub training_seconds: f64,
}

impl Outcomes {
    /// The values of `o`.
    pub fn of(&self, o: Outcome) -> &[f64] {
        let i = Outcome::ALL
            .iter()
            .position(|&x| x == o)
            .expect("every outcome is in ALL");
        &self.values[i]
    }
}

/// Inits trained per call of the real-data seam (bounds the memory of the inits).
const CHUNK: usize = 1000;

/// Trains inits `0..n` of `stream` on `task`.
pub fn train(task: &PredictorTask, stream: &Stream, n: usize) -> Result<Outcomes> {
    let t0 = std::time::Instant::now();
    let mut out = match &task.board.training {
        Training::Real { problem, setup } => {
            let mut runs = Vec::with_capacity(n);
            for first in (0..n).step_by(CHUNK) {
                let inits: Vec<Vec<f32>> = (first..n.min(first + CHUNK))
                    .map(|i| stream.candidate(i as u64))
                    .collect();
                runs.extend(
                    train_runs(problem, &task.board.spec, setup, &inits)
                        .with_context(|| format!("training task {}", task.name()))?,
                );
            }
            // Half the runs reach the target by mid-training, so epochs to it spread over
            // the budget instead of piling up at its end.
            let mid = (setup.epochs / 2).max(1);
            let at_mid: Vec<f64> = runs.iter().map(|o| o.epoch_loss[mid - 1]).collect();
            let target = median(&at_mid);
            Outcomes {
                values: vec![
                    runs.iter()
                        .map(|o| epochs_to(&o.epoch_loss, target, Better::Lower))
                        .collect(),
                    runs.iter().map(|o| o.final_loss).collect(),
                    runs.iter().map(held_out_score).collect(),
                ],
                target,
                target_rule: format!(
                    "the median epoch train loss of all inits at epoch {mid} of {}",
                    setup.epochs
                ),
                test_metric: "accuracy on the held-out 25 % split",
                training_seconds: 0.0,
            }
        }
        Training::Xor { config, isa } => {
            let trainer = Lockstep::new(*config, *isa)?;
            let report = trainer
                .train_with(n, |r, out| {
                    stream
                        .fill(r as u64, out)
                        .expect("stream and preset lengths agree")
                })
                .with_context(|| format!("training task {}", task.name()))?;
            let max = config.stop.max_epochs;
            Outcomes {
                values: vec![
                    report
                        .outcomes
                        .iter()
                        .map(|o| match o.stop {
                            StopReason::Converged => o.epochs as f64,
                            _ => (max + 1) as f64,
                        })
                        .collect(),
                    report.outcomes.iter().map(|o| o.final_loss).collect(),
                    report
                        .outcomes
                        .iter()
                        .map(|o| if o.success { 1.0 } else { 0.0 })
                        .collect(),
                ],
                target: config.stop.loss_below.unwrap_or(f64::NAN),
                target_rule: "the recipe's convergence threshold (its stop rule's loss bound)"
                    .into(),
                test_metric: "success: all four XOR points right at the end (XOR has no \
                              held-out data; the four points are the test)",
                training_seconds: 0.0,
            }
        }
    };
    out.training_seconds = t0.elapsed().as_secs_f64();
    Ok(out)
}
