//! Polynomial f32 kernels for the streams: ln, sin/cos on [−π/2, π/2], Box–Muller and the
//! inverse normal CDF.
//!
//! Every function uses only f32 `+ − × ÷`, `sqrt` (correctly rounded by IEEE 754 on every
//! ISA), `min`/`max`, integer bit manipulation and selects, and never `mul_add` or a libm call:
//! Rust does not contract `a*b + c` into an FMA, so an AVX2 or AVX-512 lane version that
//! performs the same operations in the same order rounds identically, bit for bit.
//!
//! Published coefficients are kept with their published digits (so they can be checked
//! against the source); the compiler rounds each to the nearest f32 once, the same for the
//! scalar and any lane version.

#![allow(clippy::excessive_precision)]

use std::f32::consts::FRAC_PI_2;

#[cfg(doc)]
use crate::lanes::counter::{open_unit, signed_unit};

/// ln 2, high part (0.693138122…): few enough mantissa bits that `k·LN2_HI` is exact for
/// |k| ≤ 128.
const LN2_HI: f32 = f32::from_bits(0x3F31_7180);
/// ln 2 − LN2_HI (9.0580006e-6).
const LN2_LO: f32 = f32::from_bits(0x3717_F7D1);
/// Bits of √½, the lower end of the mantissa fold.
const SQRT_HALF_BITS: i32 = 0x3F35_04F3;
/// Bits of 1.0.
const ONE_BITS: i32 = 0x3F80_0000;

/// Natural logarithm of a positive, finite, normal f32 (absolute error below 1.5e-7 in
/// (0, 2], relative error below 2e-7 elsewhere; tested against std).
///
/// x = 2ᵏ·f with f folded into [√½, √2) by integer ops (as musl's `logf`), then
/// ln f = 2·atanh(s), s = (f − 1)/(f + 1), |s| ≤ 0.1716, by its odd series up to s¹¹ (the first
/// omitted term is below 1e-10 relative). Zero, subnormals, infinities and NaN are outside
/// the contract; the streams never pass them (their arguments are ≥ 2⁻²⁴).
///
/// Two stages, [`ln_reduce`] then [`ln_finish`], so that lane kernels can run them as separate
/// short loops with the same bits.
#[inline]
pub fn ln(x: f32) -> f32 {
    let (k, s) = ln_reduce(x);
    ln_finish(k, s)
}

/// The first stage of [`ln`]: the exponent k (as f32) and s = (f − 1)/(f + 1).
#[inline]
pub fn ln_reduce(x: f32) -> (f32, f32) {
    let ix = x.to_bits() as i32 + (ONE_BITS - SQRT_HALF_BITS);
    let k = (ix >> 23) - 127;
    let f = f32::from_bits(((ix & 0x007F_FFFF) + SQRT_HALF_BITS) as u32);
    (k as f32, (f - 1.0) / (f + 1.0))
}

/// [`ln_reduce`] of [`open_unit`]`(h)`, bit for bit, without forming the uniform: it is
/// m·2⁻²⁴ for the odd integer m = (h >> 8) | 1 < 2²⁴ (exact in f32), so the reduction runs on m
/// and takes 24 off the exponent. Two operations fewer per radius in lane kernels.
#[inline]
pub fn ln_reduce_open_unit(h: u32) -> (f32, f32) {
    let m = ((h >> 8) | 1) as f32;
    let (k, s) = ln_reduce(m);
    (k - 24.0, s)
}

/// The second stage of [`ln`]: k·ln 2 + 2·atanh(s).
#[inline]
pub fn ln_finish(k: f32, s: f32) -> f32 {
    let z = s * s;
    let series = 1.0 / 3.0 + z * (1.0 / 5.0 + z * (1.0 / 7.0 + z * (1.0 / 9.0 + z * (1.0 / 11.0))));
    let two_s = s + s;
    let ln_f = two_s + two_s * z * series;
    k * LN2_HI + (k * LN2_LO + ln_f)
}

/// Coefficients of sin x ≈ x + x·z·(S0 + z·(S1 + z·(S2 + z·S3))), z = x², on [−π/2, π/2]:
/// the minimax (least maximum absolute error) fit of that form, by linear programming on 4001
/// points of [0, π/2] (docs/derivations/sincos_minimax.py). Truncation error 4.6e-9, far under
/// f32 rounding; in f32 the Box–Muller rotation is about as accurate as with Taylor to x¹³ (max
/// error 4.9e-7 vs 4.1e-7 over all 2²⁴ angle uniforms), with two fewer terms.
const SIN_P: [f32; 4] = [
    -0.166_666_570_965_289_64,
    0.008_333_017_292_108_466,
    -0.000_198_066_152_377_104_67,
    2.600_054_841_352_920_4e-6,
];
/// Coefficients of cos x ≈ 1 + z·(C0 + z·(C1 + z·(C2 + z·C3))) on [−π/2, π/2], fitted as
/// `SIN_P`: truncation error 5.3e-8, under half an ulp of 1 (6e-8); Taylor needed x¹².
const COS_P: [f32; 4] = [
    -0.499_999_322_931_345_9,
    0.041_663_989_457_073_09,
    -0.001_385_592_720_101_094,
    2.319_438_684_600_630_4e-5,
];

/// sin and cos of x ∈ [−π/2, π/2] by minimax polynomials (sin to x⁹, cos to x⁸; see
/// `SIN_P` and `COS_P`), Horner in x². No range reduction: callers stay in range.
#[inline]
pub fn sin_cos_half_range(x: f32) -> (f32, f32) {
    let z = x * x;
    let sin_p = SIN_P[0] + z * (SIN_P[1] + z * (SIN_P[2] + z * SIN_P[3]));
    let cos_p = COS_P[0] + z * (COS_P[1] + z * (COS_P[2] + z * COS_P[3]));
    (x + x * z * sin_p, 1.0 + z * cos_p)
}

/// Box–Muller: two independent N(0, 1) values from a radius uniform `u ∈ (0, 1)` and an angle
/// uniform `v ∈ (−1, 1)`.
///
/// r = √(−2 ln u); the angle θ = 2π·(v + 1)/2 = 2φ + π with φ = v·π/2 ∈ (−π/2, π/2), so with
/// s = sin φ, c = cos φ from [`sin_cos_half_range`] and the double-angle identities:
/// cos θ = s² − c² and sin θ = −2sc. Branch-free and without range reduction.
///
/// Lane kernels run its stages as separate short loops ([`ln_reduce_open_unit`] or
/// [`ln_reduce`], [`ln_finish`], [`box_muller_radius_of_ln`], [`box_muller_angle_of_hash`] or
/// [`box_muller_angle`], [`box_muller_combine`]): the same bits, but many short independent
/// chains in flight instead of one long one.
#[inline]
pub fn box_muller(u: f32, v: f32) -> (f32, f32) {
    let r = box_muller_radius_of_ln(ln(u));
    let (s, c) = box_muller_angle(v);
    box_muller_combine(r, s, c)
}

/// The radius r = √(−2 ln u) from ln u.
#[inline]
pub fn box_muller_radius_of_ln(ln_u: f32) -> f32 {
    (-2.0 * ln_u).sqrt()
}

/// (sin φ, cos φ) of the half angle φ = v·π/2 of the angle uniform `v`.
#[inline]
pub fn box_muller_angle(v: f32) -> (f32, f32) {
    sin_cos_half_range(v * FRAC_PI_2)
}

/// [`box_muller_angle`]`(`[`signed_unit`]`(h))`, bit for bit, with one multiplication fewer:
/// `signed_unit` is n·2⁻²⁴ for an odd integer n (exact), and n·2⁻²⁴·fl(π/2) = n·fl(π/2·2⁻²⁴)
/// exactly (scaling by a power of two), so both round the same real number.
#[inline]
pub fn box_muller_angle_of_hash(h: u32) -> (f32, f32) {
    /// fl(π/2)·2⁻²⁴, exact.
    const HALF_PI_ULP: f32 = FRAC_PI_2 / 16_777_216.0;
    let k = (h >> 8) as i32;
    sin_cos_half_range((2 * k + 1 - (1 << 24)) as f32 * HALF_PI_ULP)
}

/// (r cos θ, r sin θ) from the radius and the half angle's (sin φ, cos φ).
#[inline]
pub fn box_muller_combine(r: f32, s: f32, c: f32) -> (f32, f32) {
    (r * (s * s - c * c), r * (-2.0 * (s * c)))
}

/// Giles' single-precision erfinv polynomial P(w) for w = −ln(1 − x²) < 5.
#[inline]
fn erfinv_central(w: f32) -> f32 {
    let w = w - 2.5;
    let mut p = 2.810_226_36e-8;
    p = 3.432_739_39e-7 + p * w;
    p = -3.523_387_7e-6 + p * w;
    p = -4.391_506_54e-6 + p * w;
    p = 2.185_808_7e-4 + p * w;
    p = -1.253_725_03e-3 + p * w;
    p = -4.177_681_64e-3 + p * w;
    p = 2.466_407_27e-1 + p * w;
    1.501_409_41 + p * w
}

/// Giles' single-precision erfinv polynomial P(w) for 5 ≤ w ≲ 16.6 (the range float inputs
/// x = 2p − 1 reach).
#[inline]
fn erfinv_tail(w: f32) -> f32 {
    let w = w.sqrt() - 3.0;
    let mut p = -2.002_142_57e-4;
    p = 1.009_505_58e-4 + p * w;
    p = 1.349_343_22e-3 + p * w;
    p = -3.673_428_44e-3 + p * w;
    p = 5.739_507_73e-3 + p * w;
    p = -7.622_461_3e-3 + p * w;
    p = 9.438_870_47e-3 + p * w;
    p = 1.001_674_06 + p * w;
    2.832_976_82 + p * w
}

/// Acklam's lower-tail rational function of s = √(−2 ln t): Φ⁻¹(t) for small t (negative).
#[inline]
fn quantile_far_tail(s: f32) -> f32 {
    let num = ((((-7.784_894_002_430_293e-3 * s - 3.223_964_580_411_365e-1) * s
        - 2.400_758_277_161_838)
        * s
        - 2.549_732_539_343_734)
        * s
        + 4.374_664_141_464_968)
        * s
        + 2.938_163_982_698_783;
    let den = (((7.784_695_709_041_462e-3 * s + 3.224_671_290_700_398e-1) * s
        + 2.445_134_137_142_996)
        * s
        + 3.754_408_661_907_416)
        * s
        + 1.0;
    num / den
}

/// Where Giles' tail polynomial hands over to Acklam's far-tail function (w = 16 ⇔
/// min(p, 1 − p) ≈ 2.8e-8).
const FAR_TAIL_W: f32 = 16.0;

/// The standard normal quantile Φ⁻¹(p) for p ∈ (0, 1) (f32 normal numbers), in f32; relative
/// error below 1e-6 where |Φ⁻¹(p)| > 0.01 (tested against an f64 reference).
///
/// With w = −ln(4p(1 − p)) (= −ln(1 − x²) for x = 2p − 1, computed so small p keeps its
/// relative precision), three regions:
/// - w < 5 and 5 ≤ w < 16: M. Giles, "Approximating the erfinv function" (GPU Computing Gems
///   Jade, 2011), single-precision polynomials: Φ⁻¹(p) = √2·x·P(w);
/// - w ≥ 16 (min(p, 1 − p) < 2.8e-8, beyond Giles' float range): P. J. Acklam's tail
///   rational function of s = √(−2 ln t), t = min(p, 1 − p). There 1 − t rounds to 1 in f32, so
///   −2 ln t = 2(w + ln 4) without a second logarithm; negated for the upper tail.
///
/// A lane version computes every region and selects; the scalar branches evaluate exactly the
/// selected expression, so the bits agree.
#[inline]
pub fn inv_normal_cdf(p: f32) -> f32 {
    let w = -ln((4.0 * p) * (1.0 - p));
    let x = 2.0 * p - 1.0;
    if w < 5.0 {
        std::f32::consts::SQRT_2 * (erfinv_central(w) * x)
    } else if w < FAR_TAIL_W {
        std::f32::consts::SQRT_2 * (erfinv_tail(w) * x)
    } else {
        let z = quantile_far_tail((2.0 * (w + LN_4)).sqrt());
        if x < 0.0 { z } else { -z }
    }
}

/// ln 4.
const LN_4: f32 = 1.386_294_4;
