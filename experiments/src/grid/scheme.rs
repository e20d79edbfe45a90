//! The grid's init schemes (seeds/000 §3.1, seeds/003): ids, the plan each gives a preset, and
//! the prior each encodes.

use std::fmt;
use std::str::FromStr;

use initsift_batch::Preset;
use initsift_init::{FanMode, InitPlan, Nonlinearity, Scheme};
use serde::Serialize;

use super::GridError;

/// An init scheme of the grid. Biases are 0 unless the scheme says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub enum SchemeId {
    /// The write-up's N(0, 0.5²) weights (relu2: its reference plan, Kaiming then Xavier).
    Normal05,
    /// `nn.Linear.reset_parameters`: weight and bias U(±1/√fan_in).
    TorchDefault,
    /// Glorot uniform, gain 1.
    XavierUniform,
    /// Glorot normal, gain 1.
    XavierNormal,
    /// He uniform, ReLU gain, fan_in.
    KaimingUniform,
    /// He normal, ReLU gain, fan_in.
    KaimingNormal,
    /// LeCun normal (Keras: truncated, std √(1/fan_in)).
    LecunNormal,
    /// `orthogonal_`, gain 1.
    Orthogonal,
    /// `sparse_(0.5, 0.5)`: half of each column zeroed, the rest N(0, 0.5²).
    Sparse,
    /// All zeros: the symmetric start gradient descent cannot leave.
    Zeros,
}

impl SchemeId {
    /// Every scheme, in report order.
    pub const ALL: [SchemeId; 10] = [
        SchemeId::Normal05,
        SchemeId::TorchDefault,
        SchemeId::XavierUniform,
        SchemeId::XavierNormal,
        SchemeId::KaimingUniform,
        SchemeId::KaimingNormal,
        SchemeId::LecunNormal,
        SchemeId::Orthogonal,
        SchemeId::Sparse,
        SchemeId::Zeros,
    ];

    /// The id used in the JSON.
    pub fn id(self) -> &'static str {
        match self {
            SchemeId::Normal05 => "normal_0.5",
            SchemeId::TorchDefault => "torch_default",
            SchemeId::XavierUniform => "xavier_uniform",
            SchemeId::XavierNormal => "xavier_normal",
            SchemeId::KaimingUniform => "kaiming_uniform",
            SchemeId::KaimingNormal => "kaiming_normal",
            SchemeId::LecunNormal => "lecun_normal",
            SchemeId::Orthogonal => "orthogonal",
            SchemeId::Sparse => "sparse",
            SchemeId::Zeros => "zeros",
        }
    }

    /// The weight scheme of every layer (`None` for `normal_0.5` and `torch_default`, whose
    /// plans are the preset's reference and PyTorch's default).
    fn weight(self) -> Option<Scheme> {
        let relu = |uniform: bool| {
            let (a, mode, nonlinearity) = (0.0, FanMode::FanIn, Nonlinearity::Relu);
            if uniform {
                Scheme::KaimingUniform {
                    a,
                    mode,
                    nonlinearity,
                }
            } else {
                Scheme::KaimingNormal {
                    a,
                    mode,
                    nonlinearity,
                }
            }
        };
        Some(match self {
            SchemeId::Normal05 | SchemeId::TorchDefault => return None,
            SchemeId::XavierUniform => Scheme::XavierUniform { gain: 1.0 },
            SchemeId::XavierNormal => Scheme::XavierNormal { gain: 1.0 },
            SchemeId::KaimingUniform => relu(true),
            SchemeId::KaimingNormal => relu(false),
            SchemeId::LecunNormal => Scheme::LecunNormal,
            SchemeId::Orthogonal => Scheme::Orthogonal { gain: 1.0 },
            SchemeId::Sparse => Scheme::Sparse {
                sparsity: 0.5,
                std: 0.5,
            },
            SchemeId::Zeros => Scheme::Zeros,
        })
    }

    /// The plan this scheme gives `preset`.
    pub fn plan(self, preset: Preset) -> InitPlan {
        let spec = preset.spec();
        let mut plan = match (self, self.weight()) {
            (SchemeId::Normal05, _) => preset.plan(),
            (SchemeId::TorchDefault, _) => InitPlan::torch_default(&spec),
            (_, Some(weight)) => InitPlan::same_for_all(self.id(), &spec, weight, Scheme::Zeros),
            (_, None) => unreachable!("only normal_0.5 and torch_default have no weight scheme"),
        };
        plan.name = format!("{}_{}", preset.name(), self.id());
        plan
    }

    /// The prior the scheme encodes (seeds/003's lens): what it assumes about a good start.
    pub fn prior(self) -> &'static str {
        match self {
            SchemeId::Normal05 => "a fixed scale (std 0.5) chosen for these nets by hand",
            SchemeId::TorchDefault => {
                "keep pre-activations O(1) (Var 1/(3·fan_in)); biases break symmetry too"
            }
            SchemeId::XavierUniform | SchemeId::XavierNormal => {
                "preserve variance forwards and backwards for a linear net (2/(fan_in+fan_out))"
            }
            SchemeId::KaimingUniform | SchemeId::KaimingNormal => {
                "preserve forward variance through ReLUs (2/fan_in)"
            }
            SchemeId::LecunNormal => "preserve forward variance for a linear/SELU net (1/fan_in)",
            SchemeId::Orthogonal => "norm-preserving rows: hyperplanes at right angles",
            SchemeId::Sparse => "few connections per unit (half of each column zero)",
            SchemeId::Zeros => "no prior: every unit the same (symmetry is never broken)",
        }
    }

    /// The ids, comma-separated (for error messages).
    pub fn known() -> String {
        Self::ALL.map(Self::id).join(", ")
    }
}

impl fmt::Display for SchemeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl From<SchemeId> for String {
    fn from(s: SchemeId) -> String {
        s.id().to_string()
    }
}

impl FromStr for SchemeId {
    type Err = GridError;

    fn from_str(s: &str) -> Result<Self, GridError> {
        Self::ALL
            .into_iter()
            .find(|k| k.id() == s)
            .ok_or_else(|| GridError::UnknownScheme {
                given: s.to_string(),
                known: Self::known(),
            })
    }
}
