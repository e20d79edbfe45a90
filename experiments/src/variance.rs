//! The variance sweep's building blocks (seed 004): weights N(0, c·2/fan_in) with zero biases for a
//! grid of scale factors c (c = 1 is He-normal), the tasks it trains on, and one training run.

use anyhow::{Context, Result, bail};
use initsift_data::{Builtin, Standardizer, Stratify};
use initsift_init::{Distribution, FanMode, InitPlan, Scheme};
use initsift_nn::{Activation, Loss, ModelSpec, OptimizerConfig, StopRules, TrainConfig, Trainer};
use ndarray::Array2;
use serde::Serialize;

/// The default grid: 2^k for k = −3, −2.25, …, 3 (nine points from 1/8 to 8, c = 1 among them).
pub fn default_grid() -> Vec<f64> {
    (0..9)
        .map(|i| 2f64.powf(-3.0 + 0.75 * f64::from(i)))
        .collect()
}

/// Parses `--c-grid` (comma-separated positive numbers); the grid must hold c = 1, the He-normal
/// reference every other point is compared with.
pub fn parse_grid(text: &str) -> Result<Vec<f64>> {
    let mut grid = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let c: f64 = item
            .parse()
            .with_context(|| format!("--c-grid: `{item}` is not a number"))?;
        if !(c.is_finite() && c > 0.0) {
            bail!(
                "--c-grid: c = {item} is not a positive finite number (the weight variance is c·2/fan_in)"
            );
        }
        grid.push(c);
    }
    if grid.is_empty() {
        bail!("--c-grid `{text}` is empty: give at least c = 1, e.g. 0.5,1,2");
    }
    if !grid.contains(&1.0) {
        bail!("--c-grid `{text}` lacks c = 1, the He-normal reference");
    }
    grid.sort_by(f64::total_cmp);
    grid.dedup();
    Ok(grid)
}

/// Weights N(0, c·2/fan_in) (Keras' `VarianceScaling(2c, fan_in, untruncated_normal)`), biases 0,
/// on every Linear layer of `spec`.
pub fn scaled_he_plan(spec: &ModelSpec, c: f64) -> InitPlan {
    InitPlan::same_for_all(
        format!("he_normal_x{c}"),
        spec,
        Scheme::VarianceScaling {
            scale: 2.0 * c,
            mode: FanMode::FanIn,
            distribution: Distribution::UntruncatedNormal,
        },
        Scheme::Zeros,
    )
}

/// A data set ready for training: the model, its loss and the split rows.
#[derive(Debug, Clone)]
pub struct Task {
    /// The data set's name.
    pub name: &'static str,
    /// How the features were scaled.
    pub preprocessing: &'static str,
    /// The model.
    pub spec: ModelSpec,
    /// The loss.
    pub loss: Loss,
    /// Training inputs and targets.
    pub train: (Array2<f32>, Array2<f32>),
    /// Test inputs and targets.
    pub test: (Array2<f32>, Array2<f32>),
}

/// The test share of every split.
pub const TEST_FRACTION: f64 = 0.25;

impl Task {
    /// digits with features/16 (pixel counts 0–16 to [0, 1]), cross-entropy, model `widths`
    /// (ReLU), a stratified 75/25 split from `split_seed`.
    pub fn digits(widths: &str, split_seed: u64) -> Result<Self> {
        let data = Builtin::Digits.load()?;
        let (train, test) = data.train_test_split(TEST_FRACTION, split_seed, Stratify::ByClass)?;
        let xy = |d: &initsift_data::Dataset| -> Result<_> {
            Ok((d.features().mapv(|v| v / 16.0), d.one_hot()?))
        };
        Ok(Self {
            name: "digits",
            preprocessing: "features/16",
            spec: ModelSpec::mlp(widths, Activation::Relu)?,
            loss: Loss::CrossEntropy,
            train: xy(&train)?,
            test: xy(&test)?,
        })
    }

    /// breast_cancer standardised with the training rows' statistics, BCE on one logit, model
    /// `widths` (ReLU), a stratified 75/25 split from `split_seed`.
    pub fn breast_cancer(widths: &str, split_seed: u64) -> Result<Self> {
        let data = Builtin::BreastCancer.load()?;
        let (train, test) = data.train_test_split(TEST_FRACTION, split_seed, Stratify::ByClass)?;
        let scaler = Standardizer::fit_dataset(&train)?;
        let xy = |d: &initsift_data::Dataset| -> Result<_> {
            Ok((scaler.transform(d.features())?, d.target_column()))
        };
        Ok(Self {
            name: "breast_cancer",
            preprocessing: "standardised (training rows' mean and std)",
            spec: ModelSpec::mlp(widths, Activation::Relu)?,
            loss: Loss::BceWithLogits,
            train: xy(&train)?,
            test: xy(&test)?,
        })
    }

    /// A trainer on the training rows with minibatches of `batch`, shuffled from `shuffle_seed`,
    /// for `epochs` epochs under `optimizer`.
    pub fn trainer(
        &self,
        optimizer: OptimizerConfig,
        epochs: usize,
        batch: usize,
        shuffle_seed: u64,
    ) -> Result<Trainer> {
        let config = TrainConfig {
            batch_size: Some(batch),
            shuffle_seed,
            ..self.full_batch(optimizer, epochs)
        };
        self.engine(&self.train, config)
    }

    /// A trainer that only evaluates, on the test rows.
    pub fn tester(&self) -> Result<Trainer> {
        self.engine(&self.test, self.full_batch(OptimizerConfig::sgd(0.1), 0))
    }

    fn full_batch(&self, optimizer: OptimizerConfig, epochs: usize) -> TrainConfig {
        let stop = StopRules {
            max_epochs: epochs,
            loss_below: None,
            plateau: None,
        };
        TrainConfig::full_batch(optimizer, self.loss, stop)
    }

    fn engine(&self, (x, y): &(Array2<f32>, Array2<f32>), config: TrainConfig) -> Result<Trainer> {
        Ok(Trainer::new(&self.spec, x.view(), y.view(), config)?)
    }
}

/// What one training run gives.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RunResult {
    /// Loss on the training rows after the last epoch.
    pub final_train_loss: f64,
    /// Accuracy on the test rows then.
    pub test_accuracy: f64,
}

/// Trains `init` with `trainer` and scores the result with `tester`.
pub fn run_once(trainer: &mut Trainer, tester: &mut Trainer, init: &[f32]) -> Result<RunResult> {
    let outcome = trainer.train(init)?;
    let (_, test_accuracy) = tester.evaluate(&outcome.params)?;
    Ok(RunResult {
        final_train_loss: outcome.final_loss,
        test_accuracy,
    })
}
