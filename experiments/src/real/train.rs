//! The one training seam: [`train_runs`] trains many runs of one model from given inits and
//! returns what the study measures of each. It runs the engine `Trainer` (one run per rayon
//! task); the batched MLP trainer of initsift-batch replaces it here and nowhere else.

use std::time::Instant;

use anyhow::Result;
use initsift_nn::{Loss, ModelSpec, OptimizerConfig, StopRules, TrainConfig, Trainer};
use rayon::prelude::*;

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
    /// Wall-clock seconds of this run's training.
    pub seconds: f64,
}

/// Trains `spec` on `problem` from each init in `inits` (run order kept; the same bits on any
/// thread count: runs are independent and share only the minibatch order).
pub fn train_runs(
    problem: &Problem,
    spec: &ModelSpec,
    setup: &Setup,
    inits: &[Vec<f32>],
) -> Result<Vec<RunOutcome>> {
    problem.check_spec(spec)?;
    let config = TrainConfig {
        batch_size: Some(setup.batch_size),
        shuffle_seed: setup.order_seed,
        record_curve: true,
        ..TrainConfig::full_batch(
            setup.optimizer,
            problem.loss,
            StopRules {
                max_epochs: setup.epochs,
                loss_below: None,
                plateau: None,
            },
        )
    };
    let train = Trainer::new(spec, problem.x_train.view(), problem.y_train.view(), config)?;
    let test = Trainer::new(spec, problem.x_test.view(), problem.y_test.view(), config)?;
    let y_var = variance(problem.y_test.iter().copied());
    let classification = problem.is_classification();
    inits
        .par_iter()
        .map_init(
            || (train.clone(), test.clone()),
            |(train, test), init| {
                let t0 = Instant::now();
                let out = train.train(init)?;
                let (test_loss, test_acc) = test.evaluate(&out.params)?;
                let held_out = if classification {
                    HeldOut::Accuracy(test_acc)
                } else {
                    debug_assert_eq!(problem.loss, Loss::Mse);
                    HeldOut::Mse {
                        mse: test_loss,
                        r2: 1.0 - test_loss / y_var,
                    }
                };
                Ok(RunOutcome {
                    initial_loss: out.initial_loss,
                    epoch_loss: out.curve,
                    final_loss: out.final_loss,
                    held_out,
                    seconds: t0.elapsed().as_secs_f64(),
                })
            },
        )
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
