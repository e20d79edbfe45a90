//! How to train: the engine's `TrainConfig` for many runs, plus the minibatch order, the
//! time-to-target thresholds and whether to keep per-epoch curves.

use initsift_init::lanes::counter::mix64;
use initsift_nn::{Loss, OptimizerConfig, StopRules, TrainConfig};
use serde::{Deserialize, Serialize};

/// Salt of the per-run order seeds, so they differ from every other seed derived from `seed`.
const ORDER_SALT: u64 = 0x4f52_4445_525f_5255;

/// The minibatch order of each epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MinibatchOrder {
    /// Every run sees the same orders, drawn by [`initsift_nn::EpochOrder`] from `seed` (the
    /// engine Trainer's `shuffle_seed`): arms then differ only in their inits.
    Shared {
        /// The shuffle seed.
        seed: u64,
    },
    /// Run `r` draws its own orders from [`run_seed`]`(seed, r)`.
    PerRun {
        /// The seed the runs' shuffle seeds derive from.
        seed: u64,
    },
    /// Given orders shared by all runs, one permutation of the training rows per epoch (e.g.
    /// recorded from a PyTorch `DataLoader`); at least `max_epochs` of them.
    Given(Vec<Vec<usize>>),
}

/// The shuffle seed of run `run` under [`MinibatchOrder::PerRun`]`{ seed }` (what the engine
/// Trainer's `shuffle_seed` must be to train that run alike).
pub fn run_seed(seed: u64, run: usize) -> u64 {
    mix64(seed ^ mix64(run as u64 ^ ORDER_SALT))
}

/// Thresholds whose first crossing is recorded (time-to-target); they never stop a run.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Targets {
    /// The first epoch whose training loss (the stop rules' epoch loss) is ≤ this.
    pub train_loss_at_most: Option<f64>,
    /// The first epoch after which the held-out metric (accuracy; R² for regression) is ≥ this.
    /// Needs a test split.
    pub held_out_at_least: Option<f64>,
}

/// How to train many runs of one model on one data set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MlpTrainConfig {
    /// The optimizer (every torch.optim variant initsift-nn has).
    pub optimizer: OptimizerConfig,
    /// MSE, BCE-with-logits or softmax cross-entropy.
    pub loss: Loss,
    /// The stop rules, per run.
    pub stop: StopRules,
    /// Minibatch size; `None` (or the number of rows) for full batch.
    pub batch_size: Option<usize>,
    /// The minibatch order (ignored for full batch).
    pub order: MinibatchOrder,
    /// Time-to-target thresholds.
    pub targets: Targets,
    /// Keep per-epoch curves (training loss, held-out metric).
    pub curves: bool,
}

impl MlpTrainConfig {
    /// Full-batch training with the given optimizer, loss and stop rules; no targets, no curves.
    pub fn full_batch(optimizer: OptimizerConfig, loss: Loss, stop: StopRules) -> Self {
        Self {
            optimizer,
            loss,
            stop,
            batch_size: None,
            order: MinibatchOrder::Shared { seed: 0 },
            targets: Targets::default(),
            curves: false,
        }
    }

    /// The same with minibatches of `size` rows in the shared order of `seed`.
    pub fn minibatch(mut self, size: usize, seed: u64) -> Self {
        self.batch_size = Some(size);
        self.order = MinibatchOrder::Shared { seed };
        self
    }

    /// The engine Trainer's configuration that trains run `run` alike (its slow twin), or
    /// `None` for given orders, which the engine cannot replay.
    pub fn engine_config(&self, run: usize) -> Option<TrainConfig> {
        let shuffle_seed = match self.order {
            MinibatchOrder::Shared { seed } => seed,
            MinibatchOrder::PerRun { seed } => run_seed(seed, run),
            MinibatchOrder::Given(_) => return None,
        };
        Some(TrainConfig {
            batch_size: self.batch_size,
            shuffle_seed,
            record_curve: self.curves,
            ..TrainConfig::full_batch(self.optimizer, self.loss, self.stop)
        })
    }
}
