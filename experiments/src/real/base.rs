//! The base configuration of every task of the real-data study: the architecture, optimizer,
//! learning rate and minibatch size each task trains with unless a study varies them. real_tasks
//! runs them as its `*_base` configurations; the leaderboard ranks initializers on them.

use super::arm::Arm;
use super::config::ConfigPlan;

/// Epochs every base configuration trains.
pub const BASE_EPOCHS: usize = 20;

/// One task's base configuration (ReLU, every layer).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BaseConfig {
    /// The configuration's id in real_tasks (`digits_base`, …).
    pub id: &'static str,
    /// The task name (see [`super::task::KNOWN_TASKS`]).
    pub task: &'static str,
    /// All widths, input to output.
    pub arch: &'static str,
    /// The optimizer's name (see [`super::config::KNOWN_OPTIMIZERS`]).
    pub optimizer: &'static str,
    /// Its learning rate.
    pub lr: f64,
    /// Minibatch rows.
    pub batch_size: usize,
}

/// Every task at its base architecture, in report order.
pub const BASE_CONFIGS: [BaseConfig; 6] = [
    base("digits_base", "digits", "64-32-10", 1e-3, 64),
    base("breast_cancer_base", "breast_cancer", "30-16-1", 1e-3, 32),
    base("iris_base", "iris", "4-16-3", 1e-2, 16),
    base("wine_base", "wine", "13-16-3", 1e-2, 16),
    base("diabetes_base", "diabetes", "10-32-1", 1e-3, 32),
    base(
        "digits_autoencoder",
        "digits_autoencoder",
        "64-16-64",
        1e-3,
        64,
    ),
];

const fn base(
    id: &'static str,
    task: &'static str,
    arch: &'static str,
    lr: f64,
    batch_size: usize,
) -> BaseConfig {
    BaseConfig {
        id,
        task,
        arch,
        optimizer: "adam",
        lr,
        batch_size,
    }
}

impl BaseConfig {
    /// The base configuration of `task`, if it has one.
    pub fn of_task(task: &str) -> Option<&'static BaseConfig> {
        BASE_CONFIGS.iter().find(|b| b.task == task)
    }

    /// This configuration as a study plan with `arms`, `runs` per arm and `epochs`.
    pub fn plan(&self, arms: Vec<Arm>, runs: usize, epochs: usize) -> ConfigPlan {
        ConfigPlan {
            id: self.id.to_string(),
            task: self.task,
            arch: self.arch.to_string(),
            activation: "relu",
            optimizer: self.optimizer,
            lr: self.lr,
            batch_size: self.batch_size,
            epochs,
            arms,
            runs,
            reference_runs: 0,
        }
    }
}
