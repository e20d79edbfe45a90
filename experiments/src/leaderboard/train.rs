//! Training every run of an entry under the task's one budget, and what each run gives: the
//! initial loss, the training loss after the checkpoint epochs and at the end, the epoch it
//! reached the target, and the held-out metric.

use anyhow::Result;
use initsift_batch::lockstep::{Lockstep, LockstepConfig, LockstepReport};
use initsift_nn::{StopReason, StopRules};

use super::task::{BoardTask, Training};
use crate::real::train::{HeldOut, train_runs};

/// The epochs after which the training loss is reported.
pub const CHECKPOINTS: [usize; 3] = [1, 5, 20];

/// When a run's training loss first reached a target.
#[derive(Debug, Clone, PartialEq)]
pub enum Reach {
    /// The per-epoch training losses (real tasks): the target is chosen afterwards.
    Curve(Vec<f64>),
    /// The epoch the stop rule's loss threshold fired (XOR: the recipe's `loss < 1e-7`), or
    /// `None` when it never did.
    Converged(Option<usize>),
}

/// What one run did.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// Loss on every training row at the init.
    pub initial_loss: f64,
    /// The training loss after each of [`CHECKPOINTS`].
    pub checkpoints: Vec<f64>,
    /// Loss on every training row at the final parameters.
    pub final_loss: f64,
    /// The held-out metric: test accuracy, test MSE, or 1/0 for an XOR success.
    pub final_test: f64,
    /// When the training loss reached the target.
    pub reach: Reach,
    /// Epochs trained.
    pub epochs: usize,
}

impl RunRecord {
    /// The first epoch (1-based) whose training loss is ≤ `target` (for [`Reach::Curve`]);
    /// the convergence epoch otherwise.
    pub fn epochs_to(&self, target: f64) -> Option<usize> {
        match &self.reach {
            Reach::Curve(c) => c.iter().position(|&l| l <= target).map(|e| e + 1),
            Reach::Converged(e) => *e,
        }
    }
}

/// Trains `inits` on `task` (run order kept).
///
/// Real tasks: real_tasks' seam ([`train_runs`]), every run all epochs; the checkpoint loss is
/// the epoch's training loss (the size-weighted mean of its minibatch losses before each
/// step). XOR: the write-up's recipe and stop rules; the checkpoint loss is the loss after
/// that many full-batch steps, from runs of exactly that length (no early stop).
pub fn train_inits(task: &BoardTask, inits: &[Vec<f32>]) -> Result<Vec<RunRecord>> {
    match &task.training {
        Training::Real { problem, setup } => {
            let outcomes = train_runs(problem, &task.spec, setup, inits)?;
            Ok(outcomes
                .into_iter()
                .map(|o| RunRecord {
                    initial_loss: o.initial_loss,
                    checkpoints: CHECKPOINTS
                        .iter()
                        .map(|&e| o.epoch_loss.get(e - 1).copied().unwrap_or(f64::NAN))
                        .collect(),
                    final_loss: o.final_loss,
                    final_test: match o.held_out {
                        HeldOut::Accuracy(a) => a,
                        HeldOut::Mse { mse, .. } => mse,
                    },
                    epochs: o.epoch_loss.len(),
                    reach: Reach::Curve(o.epoch_loss),
                })
                .collect())
        }
        Training::Xor { config, isa } => {
            let flat: Vec<f32> = inits.concat();
            let train = |c: LockstepConfig| -> Result<LockstepReport> {
                Ok(Lockstep::new(c, *isa)?.train(inits.len(), &flat)?)
            };
            let main = train(*config)?;
            let at: Vec<LockstepReport> = CHECKPOINTS
                .iter()
                .map(|&e| {
                    train(LockstepConfig {
                        stop: StopRules {
                            max_epochs: e,
                            loss_below: None,
                            plateau: None,
                        },
                        ..*config
                    })
                })
                .collect::<Result<_>>()?;
            Ok(main
                .outcomes
                .iter()
                .enumerate()
                .map(|(r, o)| RunRecord {
                    initial_loss: o.initial_loss,
                    checkpoints: at.iter().map(|rep| rep.outcomes[r].final_loss).collect(),
                    final_loss: o.final_loss,
                    final_test: if o.success { 1.0 } else { 0.0 },
                    reach: Reach::Converged((o.stop == StopReason::Converged).then_some(o.epochs)),
                    epochs: o.epochs,
                })
                .collect())
        }
    }
}
