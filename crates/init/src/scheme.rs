//! Initializer schemes as data, and their resolution into a [`Law`] once a tensor's shape and
//! fans are known. Scales are computed in f64 in the same order as `torch/nn/init.py` and
//! Keras' `VarianceScaling`, then cast to f32 once.

use std::fmt;

use initsift_nn::ParamKind;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::gain::{FanMode, Fans, Nonlinearity};
use crate::lanes::normal64::normal_cdf;
use crate::law::{Law, NormalLaw, TruncNormalLaw, UniformLaw};

/// The std of a standard normal truncated to [−2, 2], by which Keras divides its
/// `truncated_normal` std so the final std is √s (Keras' literal, digits as published).
#[allow(clippy::excessive_precision)]
pub const KERAS_TRUNCATION_STD: f64 = 0.879_625_661_034_239_78;

/// Smallest mass a truncated normal's interval may hold relative to Φ at its upper end (after
/// mirroring, see [`TruncNormalLaw`]). p is drawn as `p_mid + p_half·v` in f32, so an interval
/// of relative mass m is resolved by about m·2²³ distinct values: 1e-4 keeps at least ~800.
/// Deep one-sided tails are fine (their mass is relative to a tiny Φ); only slivers are
/// refused.
pub const MIN_RELATIVE_MASS: f64 = 1e-4;

/// Smallest Φ at the upper end of the (mirrored) interval: below it p would leave f32's normal
/// range. It allows cut-offs down to about 11σ into a tail.
pub const MIN_UPPER_CDF: f64 = 1e-30;

/// A Keras `VarianceScaling` distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Distribution {
    /// N(0, (√s/0.8796…)²) truncated at ±2 of that std: final std √s. Keras maps `normal` here.
    TruncatedNormal,
    /// N(0, s).
    UntruncatedNormal,
    /// U(−√(3s), √(3s)).
    Uniform,
}

impl Distribution {
    /// The names [`Distribution::from_str`](std::str::FromStr::from_str) accepts.
    pub const KNOWN: &'static str = "truncated_normal, normal (= truncated_normal, as Keras), \
        untruncated_normal, uniform";

    /// Keras' name.
    pub fn name(self) -> &'static str {
        match self {
            Distribution::TruncatedNormal => "truncated_normal",
            Distribution::UntruncatedNormal => "untruncated_normal",
            Distribution::Uniform => "uniform",
        }
    }
}

impl fmt::Display for Distribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Distribution {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "truncated_normal" | "normal" => Ok(Distribution::TruncatedNormal),
            "untruncated_normal" => Ok(Distribution::UntruncatedNormal),
            "uniform" => Ok(Distribution::Uniform),
            _ => Err(Error::UnknownDistribution {
                name: s.to_string(),
                known: Self::KNOWN,
            }),
        }
    }
}

impl TryFrom<String> for Distribution {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl From<Distribution> for String {
    fn from(d: Distribution) -> String {
        d.name().to_string()
    }
}

fn one() -> f64 {
    1.0
}
fn fan_in() -> FanMode {
    FanMode::FanIn
}
fn leaky_relu() -> Nonlinearity {
    Nonlinearity::LeakyRelu
}

/// One initializer for one tensor. Serialized with a `scheme` tag, e.g.
/// `{"scheme":"kaiming_normal","a":0.0,"mode":"fan_in","nonlinearity":"relu"}`; omitted
/// fields take PyTorch's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "scheme", rename_all = "snake_case")]
pub enum Scheme {
    /// 0.
    Zeros,
    /// 1.
    Ones,
    /// A constant.
    Constant {
        /// The value.
        value: f64,
    },
    /// U(low, high).
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound (≥ low).
        high: f64,
    },
    /// N(mean, std²).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation (≥ 0).
        std: f64,
    },
    /// N(mean, std²) restricted to [a, b]; **a and b are absolute cut-offs**, as
    /// `torch.nn.init.trunc_normal_` (defaults there: mean 0, std 1, a −2, b 2).
    TruncNormal {
        /// Mean of the untruncated normal.
        mean: f64,
        /// Std of the untruncated normal (> 0).
        std: f64,
        /// Lower cut-off.
        a: f64,
        /// Upper cut-off (> a).
        b: f64,
    },
    /// Glorot: U(±gain·√(6/(fan_in + fan_out))).
    XavierUniform {
        /// Gain (≥ 0).
        #[serde(default = "one")]
        gain: f64,
    },
    /// Glorot: N(0, (gain·√(2/(fan_in + fan_out)))²).
    XavierNormal {
        /// Gain (≥ 0).
        #[serde(default = "one")]
        gain: f64,
    },
    /// He: U(±gain·√(3/fan)), gain = calculate_gain(nonlinearity, a).
    KaimingUniform {
        /// Negative slope, read only for `leaky_relu` (PyTorch default 0).
        #[serde(default)]
        a: f64,
        /// `fan_in` (default) or `fan_out`.
        #[serde(default = "fan_in")]
        mode: FanMode,
        /// PyTorch default `leaky_relu`.
        #[serde(default = "leaky_relu")]
        nonlinearity: Nonlinearity,
    },
    /// He: N(0, (gain/√fan)²), gain = calculate_gain(nonlinearity, a).
    KaimingNormal {
        /// Negative slope, read only for `leaky_relu` (PyTorch default 0).
        #[serde(default)]
        a: f64,
        /// `fan_in` (default) or `fan_out`.
        #[serde(default = "fan_in")]
        mode: FanMode,
        /// PyTorch default `leaky_relu`.
        #[serde(default = "leaky_relu")]
        nonlinearity: Nonlinearity,
    },
    /// LeCun uniform as Keras: `VarianceScaling(1, fan_in, uniform)`, U(±√(3/fan_in)).
    LecunUniform,
    /// LeCun normal as Keras: `VarianceScaling(1, fan_in, truncated_normal)`, final std
    /// √(1/fan_in).
    LecunNormal,
    /// Keras `VarianceScaling`: s = scale / max(1, n), n the fan of `mode`.
    VarianceScaling {
        /// Scale (> 0).
        #[serde(default = "one")]
        scale: f64,
        /// `fan_in`, `fan_out` or `fan_avg`.
        #[serde(default = "fan_in")]
        mode: FanMode,
        /// The distribution.
        distribution: Distribution,
    },
    /// `orthogonal_(gain)`: QR of a N(0, 1) matrix, columns of Q times sign(diag R),
    /// transposed for wide shapes, times gain. Weights only. **Block-level, not elementwise**:
    /// it runs the scalar path (see [`Law::is_elementwise`]).
    Orthogonal {
        /// Gain.
        #[serde(default = "one")]
        gain: f64,
    },
    /// `sparse_(sparsity, std)`: N(0, std²), then ⌈sparsity·rows⌉ rows zeroed in every column.
    /// Weights only. **Block-level, not elementwise** (a per-column choice): scalar path.
    Sparse {
        /// Fraction of each column set to 0, in [0, 1).
        sparsity: f64,
        /// Std of the non-zero values (PyTorch default 0.01).
        std: f64,
    },
    /// `eye_`: the identity (ones where row = column). Weights only.
    Eye,
    /// PyTorch's `nn.Linear.reset_parameters`: weight `kaiming_uniform_(a=√5)` and bias
    /// U(±1/√fan_in); both come to U(±1/√fan_in).
    TorchLinearDefault,
}

/// The tensor a scheme is resolved for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target<'a> {
    /// Its name, for messages (e.g. `layers.0.weight`).
    pub name: &'a str,
    /// Weight matrix or bias vector.
    pub kind: ParamKind,
    /// Rows (out features for a weight; 1 for a bias).
    pub rows: usize,
    /// Columns (in features for a weight; out features for a bias).
    pub cols: usize,
    /// Fans (for a bias: its layer's fans, as PyTorch's Linear default uses).
    pub fans: Fans,
}

impl<'a> Target<'a> {
    /// A PyTorch weight `[rows = out, cols = in]` with its fans.
    pub fn torch_weight(name: &'a str, rows: usize, cols: usize) -> Self {
        Self {
            name,
            kind: ParamKind::Weight,
            rows,
            cols,
            fans: Fans::torch_weight(rows, cols),
        }
    }
}

impl Scheme {
    /// Resolves the scheme for one tensor: checks every parameter and fan, and computes the
    /// law's constants. Errors name the bad value.
    pub fn resolve(&self, target: &Target<'_>) -> Result<Law> {
        let law = self.resolve_unchecked(target)?;
        if !law.is_finite() {
            return Err(Error::Unsupported {
                scheme: self.to_string(),
                target: target.name.to_string(),
                reason: "its values would overflow f32".into(),
            });
        }
        Ok(law)
    }

    fn resolve_unchecked(&self, t: &Target<'_>) -> Result<Law> {
        let bad = |name: &'static str, value: f64, rule: &'static str| Error::BadParameter {
            scheme: self.to_string(),
            name,
            value,
            rule,
        };
        let finite = |name: &'static str, value: f64| {
            if value.is_finite() {
                Ok(value)
            } else {
                Err(bad(name, value, "finite"))
            }
        };
        let non_negative = |name: &'static str, value: f64| {
            if value.is_finite() && value >= 0.0 {
                Ok(value)
            } else {
                Err(bad(name, value, "finite and ≥ 0"))
            }
        };
        let fan = |which: &'static str, n: usize| {
            if n == 0 {
                Err(Error::ZeroFan {
                    scheme: self.to_string(),
                    target: t.name.to_string(),
                    which,
                })
            } else {
                Ok(n as f64)
            }
        };
        let matrix_only = |what: &str| {
            if t.kind == ParamKind::Weight && t.rows > 0 && t.cols > 0 {
                Ok(())
            } else {
                Err(Error::Unsupported {
                    scheme: self.to_string(),
                    target: t.name.to_string(),
                    reason: format!("{what} needs a non-empty weight matrix, as PyTorch"),
                })
            }
        };
        let symmetric = |bound: f64| Law::Uniform(UniformLaw::new(-bound, bound));
        let normal = |std: f64| {
            Law::Normal(NormalLaw {
                mean: 0.0,
                std: std as f32,
            })
        };

        Ok(match *self {
            Scheme::Zeros => Law::Constant { value: 0.0 },
            Scheme::Ones => Law::Constant { value: 1.0 },
            Scheme::Constant { value } => Law::Constant {
                value: finite("value", value)? as f32,
            },
            Scheme::Uniform { low, high } => {
                let (low, high) = (finite("low", low)?, finite("high", high)?);
                if high < low {
                    return Err(bad("high", high, "≥ low"));
                }
                Law::Uniform(UniformLaw::new(low, high))
            }
            Scheme::Normal { mean, std } => Law::Normal(NormalLaw {
                mean: finite("mean", mean)? as f32,
                std: non_negative("std", std)? as f32,
            }),
            Scheme::TruncNormal { mean, std, a, b } => {
                let (mean, a, b) = (finite("mean", mean)?, finite("a", a)?, finite("b", b)?);
                if !(std.is_finite() && std > 0.0) {
                    return Err(bad("std", std, "finite and > 0"));
                }
                if b <= a {
                    return Err(bad("b", b, "> a"));
                }
                check_truncated_mass(self, t, mean, std, a, b)?;
                Law::TruncNormal(TruncNormalLaw::new(mean, std, a, b))
            }
            Scheme::XavierUniform { gain } | Scheme::XavierNormal { gain } => {
                let gain = non_negative("gain", gain)?;
                let sum = fan("fan_in", t.fans.fan_in)? + fan("fan_out", t.fans.fan_out)?;
                // torch: std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
                let std = gain * (2.0 / sum).sqrt();
                if matches!(self, Scheme::XavierUniform { .. }) {
                    symmetric(3.0f64.sqrt() * std)
                } else {
                    normal(std)
                }
            }
            Scheme::KaimingUniform {
                a,
                mode,
                nonlinearity,
            }
            | Scheme::KaimingNormal {
                a,
                mode,
                nonlinearity,
            } => {
                let std = kaiming_std(self, t, a, mode, nonlinearity)?;
                if matches!(self, Scheme::KaimingUniform { .. }) {
                    // torch: bound = math.sqrt(3.0) * std
                    symmetric(3.0f64.sqrt() * std)
                } else {
                    normal(std)
                }
            }
            Scheme::LecunUniform => {
                return Scheme::VarianceScaling {
                    scale: 1.0,
                    mode: FanMode::FanIn,
                    distribution: Distribution::Uniform,
                }
                .resolve_unchecked(t);
            }
            Scheme::LecunNormal => {
                return Scheme::VarianceScaling {
                    scale: 1.0,
                    mode: FanMode::FanIn,
                    distribution: Distribution::TruncatedNormal,
                }
                .resolve_unchecked(t);
            }
            Scheme::VarianceScaling {
                scale,
                mode,
                distribution,
            } => {
                if !(scale.is_finite() && scale > 0.0) {
                    return Err(bad("scale", scale, "finite and > 0"));
                }
                let n = match mode {
                    FanMode::FanIn => fan("fan_in", t.fans.fan_in)?,
                    FanMode::FanOut => fan("fan_out", t.fans.fan_out)?,
                    FanMode::FanAvg => {
                        fan("fan_in", t.fans.fan_in)?;
                        fan("fan_out", t.fans.fan_out)?;
                        mode.fan(t.fans)
                    }
                };
                // keras: scale /= max(1.0, n)
                let s = scale / n.max(1.0);
                match distribution {
                    Distribution::TruncatedNormal => {
                        let std = s.sqrt() / KERAS_TRUNCATION_STD;
                        Law::TruncNormal(TruncNormalLaw::new(0.0, std, -2.0 * std, 2.0 * std))
                    }
                    Distribution::UntruncatedNormal => normal(s.sqrt()),
                    Distribution::Uniform => symmetric((3.0 * s).sqrt()),
                }
            }
            Scheme::Orthogonal { gain } => {
                matrix_only("orthogonal")?;
                Law::Orthogonal {
                    gain: finite("gain", gain)?,
                }
            }
            Scheme::Sparse { sparsity, std } => {
                matrix_only("sparse")?;
                if !(sparsity.is_finite() && (0.0..1.0).contains(&sparsity)) {
                    return Err(bad("sparsity", sparsity, "in [0, 1)"));
                }
                let std = non_negative("std", std)?;
                // torch: num_zeros = int(math.ceil(sparsity * rows))
                let zeros_per_column = (sparsity * t.rows as f64).ceil() as usize;
                Law::Sparse {
                    zeros_per_column,
                    normal: NormalLaw {
                        mean: 0.0,
                        std: std as f32,
                    },
                }
            }
            Scheme::Eye => {
                matrix_only("eye")?;
                Law::Eye
            }
            Scheme::TorchLinearDefault => {
                let fan_in = fan("fan_in", t.fans.fan_in)?;
                match t.kind {
                    // torch: kaiming_uniform_(weight, a=math.sqrt(5)) with its defaults.
                    ParamKind::Weight => {
                        let a = 5.0f64.sqrt();
                        let gain = Nonlinearity::LeakyRelu.gain(Some(a))?;
                        symmetric(3.0f64.sqrt() * (gain / fan_in.sqrt()))
                    }
                    // torch: bound = 1 / math.sqrt(fan_in)
                    ParamKind::Bias => symmetric(1.0 / fan_in.sqrt()),
                }
            }
        })
    }

    /// True for schemes whose values are per-element functions of (seed, index, position);
    /// false for `orthogonal` and `sparse`, which need the whole block (scalar path).
    pub fn is_elementwise(&self) -> bool {
        !matches!(self, Scheme::Orthogonal { .. } | Scheme::Sparse { .. })
    }
}

/// PyTorch's Kaiming std: gain(nonlinearity, a) / √fan.
fn kaiming_std(
    scheme: &Scheme,
    t: &Target<'_>,
    a: f64,
    mode: FanMode,
    nonlinearity: Nonlinearity,
) -> Result<f64> {
    if !a.is_finite() {
        return Err(Error::BadParameter {
            scheme: scheme.to_string(),
            name: "a",
            value: a,
            rule: "finite",
        });
    }
    let (which, n) = match mode {
        FanMode::FanIn => ("fan_in", t.fans.fan_in),
        FanMode::FanOut => ("fan_out", t.fans.fan_out),
        FanMode::FanAvg => {
            return Err(Error::UnknownMode {
                name: mode.name().into(),
                context: "kaiming",
                known: FanMode::KNOWN_KAIMING,
            });
        }
    };
    if n == 0 {
        return Err(Error::ZeroFan {
            scheme: scheme.to_string(),
            target: t.name.into(),
            which,
        });
    }
    // torch: gain = calculate_gain(nonlinearity, a); std = gain / math.sqrt(fan)
    let gain = nonlinearity.gain(Some(a))?;
    Ok(gain / (n as f64).sqrt())
}

/// Rejects truncation intervals too thin ([`MIN_RELATIVE_MASS`]) or too deep in a tail
/// ([`MIN_UPPER_CDF`]) for 24-bit inverse-CDF sampling in f32.
fn check_truncated_mass(
    scheme: &Scheme,
    t: &Target<'_>,
    mean: f64,
    std: f64,
    a: f64,
    b: f64,
) -> Result<()> {
    let (alpha, beta) = ((a - mean) / std, (b - mean) / std);
    let (lo, hi) = if alpha + beta > 0.0 {
        (-beta, -alpha)
    } else {
        (alpha, beta)
    };
    let (p_lo, p_hi) = (normal_cdf(lo), normal_cdf(hi));
    let mass = p_hi - p_lo;
    let reason = if p_hi < MIN_UPPER_CDF {
        format!(
            "[a, b] = [{a}, {b}] lies more than {:.1} std into a tail of N({mean}, {std}²), \
             beyond what inverse-CDF sampling in f32 reaches (Φ ≥ {MIN_UPPER_CDF:e})",
            -hi
        )
    } else if mass < MIN_RELATIVE_MASS * p_hi {
        format!(
            "[a, b] = [{a}, {b}] holds {mass:e} of N({mean}, {std}²), a sliver that 24-bit \
             inverse-CDF sampling in f32 cannot resolve (needs ≥ {MIN_RELATIVE_MASS:e} of Φ at its upper end)"
        )
    } else {
        return Ok(());
    };
    Err(Error::Unsupported {
        scheme: scheme.to_string(),
        target: t.name.to_string(),
        reason,
    })
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scheme::Zeros => write!(f, "zeros"),
            Scheme::Ones => write!(f, "ones"),
            Scheme::Constant { value } => write!(f, "constant({value})"),
            Scheme::Uniform { low, high } => write!(f, "uniform({low}, {high})"),
            Scheme::Normal { mean, std } => write!(f, "normal(mean={mean}, std={std})"),
            Scheme::TruncNormal { mean, std, a, b } => {
                write!(f, "trunc_normal(mean={mean}, std={std}, a={a}, b={b})")
            }
            Scheme::XavierUniform { gain } => write!(f, "xavier_uniform(gain={gain})"),
            Scheme::XavierNormal { gain } => write!(f, "xavier_normal(gain={gain})"),
            Scheme::KaimingUniform {
                a,
                mode,
                nonlinearity,
            } => {
                write!(f, "kaiming_uniform(a={a}, {mode}, {nonlinearity})")
            }
            Scheme::KaimingNormal {
                a,
                mode,
                nonlinearity,
            } => {
                write!(f, "kaiming_normal(a={a}, {mode}, {nonlinearity})")
            }
            Scheme::LecunUniform => write!(f, "lecun_uniform"),
            Scheme::LecunNormal => write!(f, "lecun_normal"),
            Scheme::VarianceScaling {
                scale,
                mode,
                distribution,
            } => {
                write!(f, "variance_scaling(scale={scale}, {mode}, {distribution})")
            }
            Scheme::Orthogonal { gain } => write!(f, "orthogonal(gain={gain})"),
            Scheme::Sparse { sparsity, std } => write!(f, "sparse({sparsity}, std={std})"),
            Scheme::Eye => write!(f, "eye"),
            Scheme::TorchLinearDefault => write!(f, "torch_linear_default"),
        }
    }
}
