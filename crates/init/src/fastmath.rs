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
#[inline]
pub fn ln(x: f32) -> f32 {
    let ix = x.to_bits() as i32 + (ONE_BITS - SQRT_HALF_BITS);
    let k = (ix >> 23) - 127;
    let f = f32::from_bits(((ix & 0x007F_FFFF) + SQRT_HALF_BITS) as u32);
    let s = (f - 1.0) / (f + 1.0);
    let z = s * s;
    let series = 1.0 / 3.0 + z * (1.0 / 5.0 + z * (1.0 / 7.0 + z * (1.0 / 9.0 + z * (1.0 / 11.0))));
    let two_s = s + s;
    let ln_f = two_s + two_s * z * series;
    let kf = k as f32;
    kf * LN2_HI + (kf * LN2_LO + ln_f)
}

/// sin and cos of x ∈ [−π/2, π/2] by Taylor polynomials (sin to x¹³, cos to x¹²; truncation
/// below 1e-8 on the interval), Horner in x². No range reduction: callers stay in range.
#[inline]
pub fn sin_cos_half_range(x: f32) -> (f32, f32) {
    let z = x * x;
    let sin_p = -1.0 / 6.0
        + z * (1.0 / 120.0
            + z * (-1.0 / 5_040.0
                + z * (1.0 / 362_880.0 + z * (-1.0 / 39_916_800.0 + z * (1.0 / 6_227_020_800.0)))));
    let cos_p = -0.5
        + z * (1.0 / 24.0
            + z * (-1.0 / 720.0
                + z * (1.0 / 40_320.0 + z * (-1.0 / 3_628_800.0 + z * (1.0 / 479_001_600.0)))));
    (x + x * z * sin_p, 1.0 + z * cos_p)
}

/// Box–Muller: two independent N(0, 1) values from a radius uniform `u ∈ (0, 1)` and an angle
/// uniform `v ∈ (−1, 1)`.
///
/// r = √(−2 ln u); the angle θ = 2π·(v + 1)/2 = 2φ + π with φ = v·π/2 ∈ (−π/2, π/2), so with
/// s = sin φ, c = cos φ from [`sin_cos_half_range`] and the double-angle identities:
/// cos θ = s² − c² and sin θ = −2sc. Branch-free and without range reduction.
#[inline]
pub fn box_muller(u: f32, v: f32) -> (f32, f32) {
    box_muller_rotate(box_muller_radius(u), v)
}

/// The radius half of [`box_muller`]: r = √(−2 ln u). Split out so lane kernels can run the two
/// halves as separate short loops (more independent work in flight) with the same bits.
#[inline]
pub fn box_muller_radius(u: f32) -> f32 {
    (-2.0 * ln(u)).sqrt()
}

/// The angle half of [`box_muller`]: (r cos θ, r sin θ) for the angle uniform `v`.
#[inline]
pub fn box_muller_rotate(r: f32, v: f32) -> (f32, f32) {
    let (s, c) = sin_cos_half_range(v * FRAC_PI_2);
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
