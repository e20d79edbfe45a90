//! The XOR presets the kernels are written for (abs1, relu1, relu2), and the XOR data they
//! score and train on (tr_xor_configs.md §1.1). Shared by the lockstep trainer and the fused
//! scorers.

use std::fmt;

use initsift_init::InitPlan;
use initsift_nn::{Loss, ModelSpec};
use serde::{Deserialize, Serialize};

use crate::lockstep::LockstepError;

/// The XOR inputs, centred: `[[-1,-1],[1,-1],[-1,1],[1,1]]`.
pub const XOR_X: [[f32; 2]; 4] = [[-1.0, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]];

/// The XOR classes of the four points (XOR-true = 1); one-output presets use them as targets.
pub const XOR_CLASS: [usize; 4] = [0, 1, 1, 0];

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
    pub const fn outputs(self) -> usize {
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
    pub fn from_spec(spec: &ModelSpec) -> Result<Self, LockstepError> {
        Self::ALL
            .into_iter()
            .find(|p| {
                let s = p.spec();
                s.input_dim() == spec.input_dim() && s.layers() == spec.layers()
            })
            .ok_or_else(|| LockstepError::UnknownModel(spec.to_string()))
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
        XOR_CLASS
            .iter()
            .flat_map(|&c| match self.outputs() {
                1 => vec![c as f32],
                _ => vec![f32::from(c == 0), f32::from(c == 1)],
            })
            .collect()
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
