//! The one training seam: [`train_runs`] trains many runs of one model from given inits and
//! returns what the study measures of each. It runs the batched MLP trainer of initsift-batch
//! (`mlp_train`), whose slow twin is the engine `Trainer` (held to it run by run in
//! initsift-batch's tests).

use std::time::Instant;

use anyhow::{Context, Result, bail};
use initsift_batch::mlp_train::{self, MlpTrainConfig, MlpTrainer};
use initsift_nn::{ModelSpec, OptimizerConfig, StopRules};

use super::task::Problem;

/// How every run of a configuration trains.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Setup {
    /// The optimizer.
    pub optimizer: OptimizerConfig,
    /// Minibatch rows.
    pub batch_size: usize,
    /// Epochs (every run trains all of them: no early stop).
    pub epochs: usize,
    /// Seed of the minibatch order, shared by all runs so that arms differ only in their inits.
    pub order_seed: u64,
}

/// The held-out result of one run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HeldOut {
    /// Accuracy on the test split.
    Accuracy(f64),
    /// Test MSE and R² (= 1 − MSE / Var(y_test), over all outputs).
    Mse {
        /// Mean squared error.
        mse: f64,
        /// Coefficient of determination.
        r2: f64,
    },
}

/// What one run did.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    /// Loss on the whole training set at the init.
    pub initial_loss: f64,
    /// The epoch training loss of every epoch: the size-weighted mean of its minibatch losses
    /// at their pre-step parameters (what the engine and the batched trainer both record).
    pub epoch_loss: Vec<f64>,
    /// Loss on the whole training set at the final parameters.
    pub final_loss: f64,
    /// On the test split, at the final parameters.
    pub held_out: HeldOut,
    /// The held-out metric after every epoch: test accuracy (classification) or test MSE
    /// (regression, reconstruction); its last entry is `held_out`'s accuracy or MSE.
    pub held_out_curve: Vec<f64>,
    /// This run's share of the batch's wall-clock training seconds (the batch's time over its
    /// runs: runs train together, so no run has a time of its own).
    pub seconds: f64,
}

/// Trains `spec` on `problem` from each init in `inits`, all together on the batched trainer
/// (run order kept; the same bits on any thread count: a run's arithmetic depends only on its
/// init and the minibatch order, which all runs share).
pub fn train_runs(
    problem: &Problem,
    spec: &ModelSpec,
    setup: &Setup,
    inits: &[Vec<f32>],
) -> Result<Vec<RunOutcome>> {
    problem.check_spec(spec)?;
    if inits.is_empty() {
        return Ok(Vec::new());
    }
    let stop = StopRules {
        max_epochs: setup.epochs,
        loss_below: None,
        plateau: None,
    };
    let config = MlpTrainConfig {
        curves: true,
        ..MlpTrainConfig::full_batch(setup.optimizer, problem.loss, stop)
            .minibatch(setup.batch_size, setup.order_seed)
    };
    let trainer = MlpTrainer::from_arrays(
        spec,
        problem.task.name,
        (problem.x_train.view(), problem.y_train.view()),
        Some((problem.x_test.view(), problem.y_test.view())),
        config,
    )?;
    let per_run = spec.param_len();
    if let Some((r, p)) = inits.iter().enumerate().find(|(_, p)| p.len() != per_run) {
        bail!(
            "init of run {r} has {} values; {} has {per_run} parameters",
            p.len(),
            spec.name()
        );
    }
    let t0 = Instant::now();
    let report = trainer.train_with(inits.len(), |r, out| out.copy_from_slice(&inits[r]))?;
    let seconds = t0.elapsed().as_secs_f64() / inits.len() as f64;
    let y_var = variance(problem.y_test.iter().copied());
    let classification = problem.is_classification();
    report
        .outcomes
        .into_iter()
        .enumerate()
        .map(|(r, o)| {
            let ctx = || format!("run {r}: the batched trainer");
            let held = o
                .held_out
                .context("no held-out metrics")
                .with_context(ctx)?;
            let curves = o.curves.context("no curves").with_context(ctx)?;
            let (held_out, held_out_curve) = match (held, classification) {
                (mlp_train::HeldOut::Classification { accuracy, .. }, true) => {
                    (HeldOut::Accuracy(accuracy), curves.held_out)
                }
                // The curve holds R² = 1 − MSE / Var(y_test); turned back into MSE.
                (mlp_train::HeldOut::Regression { mse, r2 }, false) => (
                    HeldOut::Mse { mse, r2 },
                    curves
                        .held_out
                        .iter()
                        .map(|r2| (1.0 - r2) * y_var)
                        .collect(),
                ),
                (h, _) => bail!("run {r}: held-out metrics {h:?} do not fit the task"),
            };
            Ok(RunOutcome {
                initial_loss: o.initial_loss,
                epoch_loss: curves.train_loss,
                final_loss: o.final_loss,
                held_out,
                held_out_curve,
                seconds,
            })
        })
        .collect()
}

/// The population variance of `values`.
fn variance(values: impl Iterator<Item = f32> + Clone) -> f64 {
    let (n, sum) = values
        .clone()
        .fold((0usize, 0.0f64), |(n, s), v| (n + 1, s + f64::from(v)));
    let m = sum / n as f64;
    values.map(|v| (f64::from(v) - m).powi(2)).sum::<f64>() / n as f64
}
