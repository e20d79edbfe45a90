//! The grid's optimizers at the reference recipe's rates, and the small LR grid around them.

use std::fmt;
use std::str::FromStr;

use initsift_nn::{Adam, OptimizerConfig, RmsProp};
use serde::Serialize;

use super::GridError;

/// The factors of the LR grid around each optimizer's reference rate, so no optimizer is judged
/// at one arbitrary rate.
pub const LR_FACTORS: [f64; 3] = [0.3, 1.0, 3.0];

/// An optimizer of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub enum OptimizerId {
    /// Adam, betas (0.9, 0.99) as the reference; reference lr 0.01.
    Adam,
    /// Plain SGD; reference lr 0.1.
    Sgd,
    /// RMSprop with torch's defaults (alpha 0.99, eps 1e-8); reference lr 0.01.
    Rmsprop,
}

impl OptimizerId {
    /// Every optimizer.
    pub const ALL: [OptimizerId; 3] = [OptimizerId::Adam, OptimizerId::Sgd, OptimizerId::Rmsprop];

    /// The id used in the JSON.
    pub fn id(self) -> &'static str {
        match self {
            OptimizerId::Adam => "adam",
            OptimizerId::Sgd => "sgd",
            OptimizerId::Rmsprop => "rmsprop",
        }
    }

    /// The reference code's rate for this optimizer.
    pub fn reference_lr(self) -> f64 {
        match self {
            OptimizerId::Adam | OptimizerId::Rmsprop => 0.01,
            OptimizerId::Sgd => 0.1,
        }
    }

    /// The rates of the LR grid, reference rate × [`LR_FACTORS`].
    pub fn lr_grid(self) -> [f64; 3] {
        LR_FACTORS.map(|f| self.lr_at(f))
    }

    /// The reference rate times `factor`, rounded to the decimal it means (0.3 × 0.1 is 0.03,
    /// not 0.030000000000000002).
    pub fn lr_at(self, factor: f64) -> f64 {
        (factor * self.reference_lr() * 1e9).round() / 1e9
    }

    /// The optimizer at `lr`.
    pub fn config(self, lr: f64) -> OptimizerConfig {
        match self {
            OptimizerId::Adam => OptimizerConfig::Adam(Adam {
                lr,
                beta1: 0.9,
                beta2: 0.99,
                ..Adam::default()
            }),
            OptimizerId::Sgd => OptimizerConfig::sgd(lr),
            OptimizerId::Rmsprop => OptimizerConfig::RmsProp(RmsProp {
                lr,
                ..RmsProp::default()
            }),
        }
    }
}

impl fmt::Display for OptimizerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl From<OptimizerId> for String {
    fn from(o: OptimizerId) -> String {
        o.id().to_string()
    }
}

impl FromStr for OptimizerId {
    type Err = GridError;

    fn from_str(s: &str) -> Result<Self, GridError> {
        Self::ALL
            .into_iter()
            .find(|o| o.id() == s)
            .ok_or_else(|| GridError::UnknownOptimizer {
                given: s.to_string(),
                known: Self::ALL.map(Self::id).join(", "),
            })
    }
}
