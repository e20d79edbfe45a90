//! Resolved laws: what a scheme becomes once its fans are known — f32 constants and a pure
//! per-element transform from hash-derived uniforms, or a block-level scalar path.

use serde::{Deserialize, Serialize};

use crate::lanes::fastmath::inv_normal_cdf;

/// U(low, high) as `mid + half·v`, v ∈ (−1, 1) from [`crate::lanes::counter::signed_unit`], clamped
/// to [low, high] against rounding. For the symmetric bounds of every fan-based scheme
/// `mid = 0`, so the sampled law is exactly symmetric.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct UniformLaw {
    /// Lower bound.
    pub low: f32,
    /// Upper bound.
    pub high: f32,
    /// (low + high)/2, computed in f64.
    pub mid: f32,
    /// (high − low)/2, computed in f64.
    pub half: f32,
}

impl UniformLaw {
    /// U(low, high) from f64 bounds (low ≤ high, both finite in f32; checked by the caller).
    pub fn new(low: f64, high: f64) -> Self {
        Self {
            low: low as f32,
            high: high as f32,
            mid: (0.5 * (low + high)) as f32,
            half: (0.5 * (high - low)) as f32,
        }
    }

    /// The value for the signed uniform `v`.
    #[inline]
    pub fn at(&self, v: f32) -> f32 {
        (self.mid + self.half * v).max(self.low).min(self.high)
    }
}

/// N(mean, std²) as `mean + std·z` for a standard normal z from Box–Muller.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NormalLaw {
    /// Mean.
    pub mean: f32,
    /// Standard deviation (≥ 0).
    pub std: f32,
}

impl NormalLaw {
    /// The value for the standard normal `z`.
    #[inline]
    pub fn at(&self, z: f32) -> f32 {
        self.mean + self.std * z
    }
}

/// N(mean, std²) restricted to [a, b] (absolute cut-offs, as `torch.nn.init.trunc_normal_`),
/// sampled by the **inverse CDF, without rejection**: with α = (a − mean)/std and
/// β = (b − mean)/std, `z = Φ⁻¹(p)` for p uniform on (Φ(α), Φ(β)), then `mean + std·z`. This is
/// exact in distribution (the same law as torch's rejection sampler), costs one uniform per
/// value and has no data-dependent loop.
///
/// Precision: when the interval's mass sits above 0 (α + β > 0) the problem is mirrored
/// (sample on [−β, −α], negate), so the farther cut-off is always in the lower tail, where p is
/// small and f32 keeps its relative precision. p = `p_mid + p_half·v` is clamped into
/// [f32::MIN_POSITIVE, 1 − 2⁻²⁴] so Φ⁻¹ never sees 0 or 1, z is clamped to [α, β] against
/// polynomial error, and the result to [a, b] against rounding.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TruncNormalLaw {
    /// Mean of the untruncated normal.
    pub mean: f32,
    /// Std of the untruncated normal (> 0).
    pub std: f32,
    /// Lower cut-off (absolute).
    pub a: f32,
    /// Upper cut-off (absolute).
    pub b: f32,
    /// +1, or −1 when the standardized problem is mirrored.
    pub sign: f32,
    /// Lower standardized cut-off of the (possibly mirrored) problem.
    pub z_low: f32,
    /// Upper standardized cut-off of the (possibly mirrored) problem.
    pub z_high: f32,
    /// (Φ(z_low) + Φ(z_high))/2.
    pub p_mid: f32,
    /// (Φ(z_high) − Φ(z_low))/2.
    pub p_half: f32,
}

/// Largest f32 below 1.
const ONE_MINUS_ULP: f32 = 1.0 - 1.0 / 16_777_216.0;

impl TruncNormalLaw {
    /// The law for f64 parameters already validated (std > 0, a < b, enough mass).
    pub fn new(mean: f64, std: f64, a: f64, b: f64) -> Self {
        let (alpha, beta) = ((a - mean) / std, (b - mean) / std);
        let (sign, z_low, z_high) = if alpha + beta > 0.0 {
            (-1.0, -beta, -alpha)
        } else {
            (1.0, alpha, beta)
        };
        let (p_low, p_high) = (
            crate::lanes::normal64::normal_cdf(z_low),
            crate::lanes::normal64::normal_cdf(z_high),
        );
        Self {
            mean: mean as f32,
            std: std as f32,
            a: a as f32,
            b: b as f32,
            sign,
            z_low: z_low as f32,
            z_high: z_high as f32,
            p_mid: (0.5 * (p_low + p_high)) as f32,
            p_half: (0.5 * (p_high - p_low)) as f32,
        }
    }

    /// The value for the signed uniform `v`.
    #[inline]
    pub fn at(&self, v: f32) -> f32 {
        let p = (self.p_mid + self.p_half * v).clamp(f32::MIN_POSITIVE, ONE_MINUS_ULP);
        let z = inv_normal_cdf(p).max(self.z_low).min(self.z_high);
        (self.mean + self.std * (self.sign * z))
            .max(self.a)
            .min(self.b)
    }
}

/// What one parameter block's values are drawn from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "law")]
pub enum Law {
    /// Every value is this constant (zeros, ones, constant).
    Constant {
        /// The value.
        value: f32,
    },
    /// The identity matrix (1 where row = column, else 0).
    Eye,
    /// Uniform, per element.
    Uniform(UniformLaw),
    /// Normal, per element (Box–Muller pairs).
    Normal(NormalLaw),
    /// Truncated normal, per element (inverse CDF).
    TruncNormal(TruncNormalLaw),
    /// Block-level: QR of a stream-drawn N(0, 1) matrix, sign-fixed, times `gain`.
    Orthogonal {
        /// The gain.
        gain: f64,
    },
    /// Block-level: N(0, std²) from the stream, then `zeros_per_column` rows zeroed in every
    /// column, chosen by stream-drawn keys.
    Sparse {
        /// ⌈sparsity·rows⌉.
        zeros_per_column: usize,
        /// The non-zero values' law.
        normal: NormalLaw,
    },
}

impl Law {
    /// True when every value is a per-element function of (seed, index, position) — the laws a
    /// SIMD lane kernel can reproduce. Orthogonal (a QR over the whole block) and sparse (a
    /// per-column choice) are block-level: they run the scalar path, still deterministic.
    pub fn is_elementwise(&self) -> bool {
        !matches!(self, Law::Orthogonal { .. } | Law::Sparse { .. })
    }

    /// Are the constants, and every value the law can produce, finite f32s? A law that fails
    /// this is rejected, so no candidate can hold an infinity or a NaN. A normal's values lie
    /// within 6 std of its mean (Box–Muller's radius is at most 5.77).
    pub(crate) fn is_finite(&self) -> bool {
        let all = |xs: &[f32]| xs.iter().all(|x| x.is_finite());
        let normal_ok = |n: &NormalLaw| {
            all(&[n.mean, n.std]) && (n.mean.abs() as f64 + 6.0 * n.std as f64) < f32::MAX as f64
        };
        match self {
            Law::Constant { value } => value.is_finite(),
            Law::Eye => true,
            Law::Uniform(u) => all(&[u.low, u.high, u.mid, u.half]),
            Law::Normal(n) => normal_ok(n),
            Law::TruncNormal(t) => all(&[t.mean, t.std, t.a, t.b, t.p_mid, t.p_half]),
            Law::Orthogonal { gain } => (*gain as f32).is_finite(),
            Law::Sparse { normal, .. } => normal_ok(normal),
        }
    }
}
