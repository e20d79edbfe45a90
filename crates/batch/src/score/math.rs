//! Branch-free f32 math for lane loops: `exp` of a non-positive argument, `ln(1 + e)`,
//! softplus and the logistic sigmoid.
//!
//! These exist because std's `exp`/`ln_1p` are libm calls that LLVM cannot vectorize. They use
//! only `+ − × ÷`, compares, selects and integer bit operations, so every ISA clone computes the
//! same bits. Against std they differ by a few ulps, far inside the 1e-5 relative tolerance the
//! fused scorers are held to against the engine (which uses std).

#![allow(clippy::excessive_precision)]

use initsift_init::lanes::fastmath::ln;

/// 1.5·2²³: adding it rounds an f32 of magnitude below 2²² to an integer (round to nearest
/// even), and the integer can be read back from the low mantissa bits, with no float→int
/// conversion (whose saturating semantics cost extra instructions in Rust).
const ROUND_MAGIC: f32 = 12_582_912.0;
/// Below this, e^x would be subnormal; clamping keeps the 2ⁿ construction valid.
const EXP_MIN_ARG: f32 = -87.0;
/// Cephes' split of ln 2: `n·LN2_HI` is exact for the |n| ≤ 126 used here.
const LN2_HI: f32 = 0.693_359_375;
const LN2_LO: f32 = -2.121_944_4e-4;

/// eˣ for x ≤ 0 (relative error about 1e-7; clamped to e⁻⁸⁷ below −87; NaN stays NaN).
///
/// Cephes `expf`: x = n·ln 2 + r with |r| ≤ ln2/2, e^r by a degree-6 polynomial, times 2ⁿ built
/// from its exponent bits.
#[inline(always)]
pub fn exp_nonpositive(x: f32) -> f32 {
    // A compare-and-select, not `max`: NaN must stay NaN.
    let x = if x < EXP_MIN_ARG { EXP_MIN_ARG } else { x };
    let t = x * std::f32::consts::LOG2_E + ROUND_MAGIC;
    let n = t - ROUND_MAGIC;
    let n_int = t.to_bits() as i32 - ROUND_MAGIC.to_bits() as i32;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    let mut p = 1.987_569_15e-4;
    p = p * r + 1.398_199_950_7e-3;
    p = p * r + 8.333_451_907_3e-3;
    p = p * r + 4.166_579_589_4e-2;
    p = p * r + 1.666_666_545_9e-1;
    p = p * r + 5.000_000_120_1e-1;
    let er = p * (r * r) + r + 1.0;
    // n ∈ [−126, 0] here, so the biased exponent is a normal one.
    er * f32::from_bits(((n_int + 127) << 23) as u32)
}

/// ln(1 + e) for e ∈ [0, 1] (or NaN), accurate for small e: with u = 1 + e rounded,
/// ln(u)·e/(u − 1) corrects the rounding of u (Goldberg's trick); e itself when u rounds to 1.
#[inline(always)]
pub fn ln_1p_unit(e: f32) -> f32 {
    let u = 1.0 + e;
    let corrected = ln(u) * (e / (u - 1.0));
    if u == 1.0 { e } else { corrected }
}

/// softplus(x) = ln(1 + eˣ) = max(x, 0) + ln(1 + e^−|x|), as the engine computes it.
#[inline(always)]
pub fn softplus(x: f32) -> f32 {
    let pos = if x > 0.0 { x } else { 0.0 };
    pos + ln_1p_unit(exp_nonpositive(-x.abs()))
}

/// The logistic sigmoid σ(x), from `e = e^−|x|` (shared with [`softplus`]): 1/(1 + e) for
/// x ≥ 0, e/(1 + e) otherwise — the engine's overflow-free pair of formulas.
#[inline(always)]
pub fn sigmoid_from(x: f32, e: f32) -> f32 {
    let one_plus = 1.0 + e;
    if x >= 0.0 {
        1.0 / one_plus
    } else {
        e / one_plus
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f32, b: f32) -> f64 {
        ((a as f64 - b as f64) / (b as f64).abs().max(1e-30)).abs()
    }

    #[test]
    fn exp_matches_std_on_its_range() {
        let mut worst = 0.0f64;
        for i in 0..=200_000 {
            let x = -87.0 * i as f32 / 200_000.0;
            worst = worst.max(rel(exp_nonpositive(x), x.exp()));
        }
        assert!(worst < 4e-7, "max relative error {worst:e}");
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert!(exp_nonpositive(f32::NAN).is_nan());
        assert!(exp_nonpositive(-1e30) > 0.0);
    }

    #[test]
    fn softplus_and_sigmoid_match_std() {
        let mut worst = (0.0f64, 0.0f64);
        for i in -100_000..=100_000 {
            let x = i as f32 * 4e-4;
            let std_sp = x.max(0.0) + (-x.abs()).exp().ln_1p();
            let std_sig = if x >= 0.0 {
                1.0 / (1.0 + (-x).exp())
            } else {
                x.exp() / (1.0 + x.exp())
            };
            worst.0 = worst.0.max(rel(softplus(x), std_sp));
            worst.1 = worst
                .1
                .max(rel(sigmoid_from(x, exp_nonpositive(-x.abs())), std_sig));
        }
        assert!(worst.0 < 1e-6 && worst.1 < 1e-6, "{worst:?}");
        assert!(softplus(f32::NAN).is_nan());
        assert_eq!(ln_1p_unit(1e-30), 1e-30);
    }
}
