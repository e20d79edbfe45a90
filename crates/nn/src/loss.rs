//! Losses, as PyTorch names them, and the accuracy rule that goes with each.

use std::fmt;
use std::str::FromStr;

use initsift_tensor::{Graph, NodeId};
use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A training loss (all with PyTorch's default `reduction="mean"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    /// `MSELoss()`: mean of squared errors over every output element.
    Mse,
    /// `BCEWithLogitsLoss()`: binary cross-entropy on logits, mean over elements; 0/1 targets.
    BceWithLogits,
    /// `CrossEntropyLoss()` with probability targets (one-hot rows): mean over rows.
    CrossEntropy,
}

impl Loss {
    /// Appends the loss of `output` against `target` (same shape) to the graph.
    pub fn build(self, g: &mut Graph, output: NodeId, target: NodeId) -> Result<NodeId> {
        Ok(match self {
            Loss::Mse => g.mse(output, target)?,
            Loss::BceWithLogits => g.bce_with_logits(output, target)?,
            Loss::CrossEntropy => g.softmax_cross_entropy(output, target)?,
        })
    }

    /// The accuracy rule that fits this loss for a model with `outputs` output columns.
    pub fn accuracy_rule(self, outputs: usize) -> AccuracyRule {
        match (self, outputs) {
            (_, n) if n > 1 => AccuracyRule::Argmax,
            (Loss::BceWithLogits, _) => AccuracyRule::Threshold(0.0),
            _ => AccuracyRule::Threshold(0.5),
        }
    }
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Loss::Mse => "mse",
            Loss::BceWithLogits => "bce_with_logits",
            Loss::CrossEntropy => "cross_entropy",
        })
    }
}

impl FromStr for Loss {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mse" => Ok(Loss::Mse),
            "bce_with_logits" | "bce" => Ok(Loss::BceWithLogits),
            "cross_entropy" | "ce" => Ok(Loss::CrossEntropy),
            _ => Err(Error::BadSpec {
                spec: s.to_string(),
                reason: "unknown loss; known: mse, bce_with_logits, cross_entropy".into(),
            }),
        }
    }
}

/// How a prediction row is judged correct.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccuracyRule {
    /// One output column: predicted class is `output ≥ t`, true class is `target ≥ 0.5`
    /// (the reference's `accuracy_binary_threshold` with t = 0.5; t = 0 for logits).
    Threshold(f64),
    /// Several columns: `argmax(output) == argmax(target)`, first maximum on ties (as
    /// `torch.argmax`).
    Argmax,
}

impl AccuracyRule {
    /// Which rows are correct.
    pub fn correct(self, output: ArrayView2<'_, f32>, target: ArrayView2<'_, f32>) -> Vec<bool> {
        output
            .outer_iter()
            .zip(target.outer_iter())
            .map(|(o, t)| match self {
                AccuracyRule::Threshold(th) => (f64::from(o[0]) >= th) == (t[0] >= 0.5),
                AccuracyRule::Argmax => argmax(o.iter().copied()) == argmax(t.iter().copied()),
            })
            .collect()
    }

    /// Fraction of rows correct (0 for no rows).
    pub fn accuracy(self, output: ArrayView2<'_, f32>, target: ArrayView2<'_, f32>) -> f64 {
        let n = output.nrows();
        if n == 0 {
            return 0.0;
        }
        self.correct(output, target)
            .into_iter()
            .filter(|&c| c)
            .count() as f64
            / n as f64
    }
}

/// Index of the first maximum; a NaN never wins unless everything is NaN (then index 0).
pub fn argmax(values: impl Iterator<Item = f32>) -> usize {
    let mut best = (0, f32::NEG_INFINITY);
    for (i, v) in values.enumerate() {
        if v > best.1 {
            best = (i, v);
        }
    }
    best.0
}
