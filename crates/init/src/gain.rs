//! Fans, fan modes and PyTorch's `calculate_gain`, computed in the same f64 order as
//! `torch/nn/init.py` so derived scales match PyTorch to the last bit before the f32 cast.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The fans of one tensor. Construct them explicitly for the framework whose layout you hold:
/// PyTorch weights are `[out, in]`, Keras kernels `[in, out]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fans {
    /// Inputs per output unit.
    pub fan_in: usize,
    /// Outputs per input unit.
    pub fan_out: usize,
}

impl Fans {
    /// Fans of a PyTorch 2-D weight `[rows = out, cols = in]`: fan_in = cols, fan_out = rows.
    pub fn torch_weight(rows: usize, cols: usize) -> Self {
        Self {
            fan_in: cols,
            fan_out: rows,
        }
    }

    /// Fans of a Keras 2-D kernel `[rows = in, cols = out]`: fan_in = rows, fan_out = cols.
    pub fn keras_kernel(rows: usize, cols: usize) -> Self {
        Self {
            fan_in: rows,
            fan_out: cols,
        }
    }
}

/// Which fan a scheme scales by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum FanMode {
    /// fan_in: preserves the forward pass's variance.
    FanIn,
    /// fan_out: preserves the backward pass's variance.
    FanOut,
    /// (fan_in + fan_out) / 2: Keras only (Glorot's compromise).
    FanAvg,
}

impl FanMode {
    /// The modes Kaiming (PyTorch) accepts.
    pub const KNOWN_KAIMING: &'static str = "fan_in, fan_out";
    /// The modes Keras `VarianceScaling` accepts.
    pub const KNOWN_VARIANCE_SCALING: &'static str = "fan_in, fan_out, fan_avg";

    /// The fan this mode selects, as f64 (Keras' fan_avg is fractional).
    pub fn fan(self, fans: Fans) -> f64 {
        match self {
            FanMode::FanIn => fans.fan_in as f64,
            FanMode::FanOut => fans.fan_out as f64,
            FanMode::FanAvg => (fans.fan_in + fans.fan_out) as f64 / 2.0,
        }
    }

    /// The name used by both frameworks.
    pub fn name(self) -> &'static str {
        match self {
            FanMode::FanIn => "fan_in",
            FanMode::FanOut => "fan_out",
            FanMode::FanAvg => "fan_avg",
        }
    }
}

impl fmt::Display for FanMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FanMode {
    type Err = Error;

    /// Parses `fan_in`, `fan_out` or `fan_avg` (case-insensitive). Whether a scheme accepts
    /// `fan_avg` is checked when the scheme is resolved.
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fan_in" => Ok(FanMode::FanIn),
            "fan_out" => Ok(FanMode::FanOut),
            "fan_avg" => Ok(FanMode::FanAvg),
            _ => Err(Error::UnknownMode {
                name: s.to_string(),
                context: "initializers",
                known: Self::KNOWN_VARIANCE_SCALING,
            }),
        }
    }
}

impl TryFrom<String> for FanMode {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl From<FanMode> for String {
    fn from(m: FanMode) -> String {
        m.name().to_string()
    }
}

/// A nonlinearity name of PyTorch's `calculate_gain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Nonlinearity {
    /// `linear`: gain 1.
    Linear,
    /// `conv1d`: gain 1.
    Conv1d,
    /// `conv2d`: gain 1.
    Conv2d,
    /// `conv3d`: gain 1.
    Conv3d,
    /// `conv_transpose1d`: gain 1.
    ConvTranspose1d,
    /// `conv_transpose2d`: gain 1.
    ConvTranspose2d,
    /// `conv_transpose3d`: gain 1.
    ConvTranspose3d,
    /// `sigmoid`: gain 1.
    Sigmoid,
    /// `tanh`: gain 5/3.
    Tanh,
    /// `relu`: gain √2.
    Relu,
    /// `leaky_relu`: gain √(2/(1+s²)), s the negative slope (0.01 when not given).
    LeakyRelu,
    /// `selu`: gain 3/4 (PyTorch ≥ 1.8, PR 50664).
    Selu,
}

impl Nonlinearity {
    /// Every name [`Nonlinearity::from_str`] accepts.
    pub const KNOWN: &'static str = "linear, conv1d, conv2d, conv3d, conv_transpose1d, \
        conv_transpose2d, conv_transpose3d, sigmoid, tanh, relu, leaky_relu, selu";

    /// PyTorch's name.
    pub fn name(self) -> &'static str {
        match self {
            Nonlinearity::Linear => "linear",
            Nonlinearity::Conv1d => "conv1d",
            Nonlinearity::Conv2d => "conv2d",
            Nonlinearity::Conv3d => "conv3d",
            Nonlinearity::ConvTranspose1d => "conv_transpose1d",
            Nonlinearity::ConvTranspose2d => "conv_transpose2d",
            Nonlinearity::ConvTranspose3d => "conv_transpose3d",
            Nonlinearity::Sigmoid => "sigmoid",
            Nonlinearity::Tanh => "tanh",
            Nonlinearity::Relu => "relu",
            Nonlinearity::LeakyRelu => "leaky_relu",
            Nonlinearity::Selu => "selu",
        }
    }

    /// `torch.nn.init.calculate_gain(self, param)`. `param` is only read for `leaky_relu`
    /// (the negative slope, 0.01 when `None`), exactly as PyTorch; it must be finite.
    pub fn gain(self, param: Option<f64>) -> Result<f64> {
        Ok(match self {
            Nonlinearity::Linear
            | Nonlinearity::Conv1d
            | Nonlinearity::Conv2d
            | Nonlinearity::Conv3d
            | Nonlinearity::ConvTranspose1d
            | Nonlinearity::ConvTranspose2d
            | Nonlinearity::ConvTranspose3d
            | Nonlinearity::Sigmoid => 1.0,
            Nonlinearity::Tanh => 5.0 / 3.0,
            Nonlinearity::Relu => 2.0f64.sqrt(),
            Nonlinearity::LeakyRelu => {
                let slope = param.unwrap_or(0.01);
                if !slope.is_finite() {
                    return Err(Error::BadParameter {
                        scheme: "calculate_gain(leaky_relu)".into(),
                        name: "negative_slope",
                        value: slope,
                        rule: "a finite number",
                    });
                }
                // Same expression as torch: math.sqrt(2.0 / (1 + negative_slope ** 2)).
                (2.0 / (1.0 + slope * slope)).sqrt()
            }
            Nonlinearity::Selu => 3.0 / 4.0,
        })
    }
}

impl fmt::Display for Nonlinearity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Nonlinearity {
    type Err = Error;

    /// Parses one of [`Nonlinearity::KNOWN`] (case-insensitive).
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "linear" => Nonlinearity::Linear,
            "conv1d" => Nonlinearity::Conv1d,
            "conv2d" => Nonlinearity::Conv2d,
            "conv3d" => Nonlinearity::Conv3d,
            "conv_transpose1d" => Nonlinearity::ConvTranspose1d,
            "conv_transpose2d" => Nonlinearity::ConvTranspose2d,
            "conv_transpose3d" => Nonlinearity::ConvTranspose3d,
            "sigmoid" => Nonlinearity::Sigmoid,
            "tanh" => Nonlinearity::Tanh,
            "relu" => Nonlinearity::Relu,
            "leaky_relu" => Nonlinearity::LeakyRelu,
            "selu" => Nonlinearity::Selu,
            _ => {
                return Err(Error::UnknownNonlinearity {
                    name: s.to_string(),
                    known: Self::KNOWN,
                });
            }
        })
    }
}

impl TryFrom<String> for Nonlinearity {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl From<Nonlinearity> for String {
    fn from(n: Nonlinearity) -> String {
        n.name().to_string()
    }
}

/// `torch.nn.init.calculate_gain(nonlinearity, param)` by name: an unknown name is an error
/// that lists the known ones.
pub fn calculate_gain(nonlinearity: &str, param: Option<f64>) -> Result<f64> {
    nonlinearity.parse::<Nonlinearity>()?.gain(param)
}
