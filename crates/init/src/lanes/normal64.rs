//! The standard normal CDF and density in f64, for setting up truncated normals (once per
//! tensor, outside the hot loop) and for tests. Accurate to about 1e-14 relative.

use std::f64::consts::PI;

/// 1/√π.
const FRAC_1_SQRT_PI: f64 = 0.564_189_583_547_756_3;

/// erfc(z) for z ≥ 0.
///
/// Below 3: 1 − erf(z) with erf(z) = (2/√π)·e^{−z²}·Σ 2ⁿz^{2n+1}/(1·3·…·(2n+1)), a series of
/// positive terms (no cancellation inside the sum). From 3 on: the continued fraction
/// erfc(z) = e^{−z²}/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + …)))), evaluated bottom-up,
/// which keeps relative accuracy deep in the tail.
fn erfc_nonnegative(z: f64) -> f64 {
    if z < 3.0 {
        let z2 = z * z;
        let mut term = z;
        let mut sum = z;
        let mut n = 0.0;
        while term > sum * 1e-17 {
            n += 1.0;
            term *= 2.0 * z2 / (2.0 * n + 1.0);
            sum += term;
        }
        1.0 - 2.0 * FRAC_1_SQRT_PI * (-z2).exp() * sum
    } else {
        let mut tail = z;
        for k in (1..=60).rev() {
            tail = z + (k as f64 / 2.0) / tail;
        }
        FRAC_1_SQRT_PI * (-z * z).exp() / tail
    }
}

/// Φ(x), the standard normal CDF.
pub fn normal_cdf(x: f64) -> f64 {
    let z = x / std::f64::consts::SQRT_2;
    if z < 0.0 {
        0.5 * erfc_nonnegative(-z)
    } else {
        1.0 - 0.5 * erfc_nonnegative(z)
    }
}

/// φ(x), the standard normal density.
pub fn normal_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * PI).sqrt()
}

/// Φ⁻¹(p) in f64 for p ∈ (0, 1), by bisection on [`normal_cdf`] then Newton steps: slow but
/// simple and accurate, for tests and set-up, never the hot loop.
pub fn normal_quantile(p: f64) -> f64 {
    assert!(
        p > 0.0 && p < 1.0,
        "normal_quantile needs p in (0, 1), got {p}"
    );
    let (mut lo, mut hi) = (-40.0f64, 40.0f64);
    for _ in 0..80 {
        let mid = 0.5 * (lo + hi);
        if normal_cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let mut x = 0.5 * (lo + hi);
    for _ in 0..3 {
        let d = normal_pdf(x);
        if d > 0.0 {
            x -= (normal_cdf(x) - p) / d;
        }
    }
    x
}
