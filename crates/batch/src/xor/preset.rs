//! The XOR presets the kernels are written for (abs1, relu1, relu2; tr_xor_configs.md §1.1).
//! Shared by the lockstep trainer and the fused scorer.

use std::fmt;

use initsift_init::InitPlan;
use initsift_nn::{Loss, ModelSpec};
use serde::{Deserialize, Serialize};

use super::{ONE_HOT, SCALAR, abs1_outputs, relu1_outputs, relu2_outputs};

/// A model or parameter vector that is not one of the presets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PresetError {
    /// A model spec that is none of the presets.
    #[error("model `{model}` is not an XOR preset (abs1, relu1, relu2)")]
    NotAPreset {
        /// The model, as its spec prints.
        model: String,
    },
    /// A parameter vector of the wrong length for the preset.
    #[error("{preset} has {expected} parameters, got a vector of {actual}")]
    ParamLength {
        /// The preset.
        preset: Preset,
        /// Its parameter count.
        expected: usize,
        /// The length given.
        actual: usize,
    },
}

/// A model the lockstep trainer has hand-derived kernels for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// `y = |w·x + b|`: Linear(2,1) → Abs; parameters `[w0, w1, b]`.
    Abs1,
    /// `y = ReLU(W₀·x + b₀) + ReLU(W₁·x + b₁)`: parameters `W[2×2]` row-major, then `b[2]`.
    Relu1,
    /// Linear(2,2) → ReLU → Linear(2,2), one-hot targets: `W1, b1, W2, b2` (12 parameters).
    Relu2,
}

impl Preset {
    /// Every preset.
    pub const ALL: [Preset; 3] = [Preset::Abs1, Preset::Relu1, Preset::Relu2];

    /// The preset's name, as [`ModelSpec::preset`] knows it.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Abs1 => "abs1",
            Preset::Relu1 => "relu1",
            Preset::Relu2 => "relu2",
        }
    }

    /// Parameters per run (the [`ModelSpec`] flat layout).
    pub const fn param_len(self) -> usize {
        match self {
            Preset::Abs1 => 3,
            Preset::Relu1 => 6,
            Preset::Relu2 => 12,
        }
    }

    /// Output columns per data point (2 for relu2's one-hot targets).
    pub const fn output_len(self) -> usize {
        match self {
            Preset::Relu2 => 2,
            _ => 1,
        }
    }

    /// First-layer units (the rows of the first weight matrix).
    pub const fn hidden_units(self) -> usize {
        match self {
            Preset::Abs1 => 1,
            _ => 2,
        }
    }

    /// The engine's model for this preset.
    pub fn spec(self) -> ModelSpec {
        match self {
            Preset::Abs1 => ModelSpec::abs1(),
            Preset::Relu1 => ModelSpec::relu1(),
            Preset::Relu2 => ModelSpec::relu2(),
        }
    }

    /// The preset a model spec is, if it is one (compared structurally, not by name).
    pub fn from_spec(spec: &ModelSpec) -> Result<Self, PresetError> {
        Self::ALL
            .into_iter()
            .find(|p| {
                let s = p.spec();
                s.input_dim() == spec.input_dim() && s.layers() == spec.layers()
            })
            .ok_or_else(|| PresetError::NotAPreset {
                model: spec.to_string(),
            })
    }

    /// The preset's reference init plan (`InitPlan::abs1()`, `relu1()`, `relu2()`).
    pub fn plan(self) -> InitPlan {
        match self {
            Preset::Abs1 => InitPlan::abs1(),
            Preset::Relu1 => InitPlan::relu1(),
            Preset::Relu2 => InitPlan::relu2(),
        }
    }

    /// The losses the fused scoring kernel has for this preset.
    pub fn fused_losses(self) -> &'static [Loss] {
        match self {
            Preset::Abs1 | Preset::Relu1 => &[Loss::Mse, Loss::BceWithLogits],
            Preset::Relu2 => &[Loss::Mse, Loss::BceWithLogits, Loss::CrossEntropy],
        }
    }

    /// The training targets, row-major `[point][output]`: the classes for one output, one-hot
    /// rows (`class 0 → [1,0]`, `class 1 → [0,1]`) for two.
    pub fn targets(self) -> Vec<f32> {
        match self.output_len() {
            1 => SCALAR.to_vec(),
            _ => ONE_HOT.concat(),
        }
    }

    /// The network's outputs on the four XOR points for one flat parameter vector, row-major
    /// `[point][output]` ([`Preset::output_len`] per point), computed as the engine and the
    /// kernels compute them (same bits).
    pub fn outputs(self, params: &[f32]) -> Result<Vec<f32>, PresetError> {
        if params.len() != self.param_len() {
            return Err(PresetError::ParamLength {
                preset: self,
                expected: self.param_len(),
                actual: params.len(),
            });
        }
        Ok(match self {
            Preset::Abs1 => abs1_outputs(params).to_vec(),
            Preset::Relu1 => relu1_outputs(params).to_vec(),
            Preset::Relu2 => relu2_outputs(params).to_vec(),
        })
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
