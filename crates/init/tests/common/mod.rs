//! Statistics helpers for the tests: moments with tolerances derived from the sample size,
//! Kolmogorov–Smirnov, correlation, and the truncated normal's moments by quadrature.
#![allow(dead_code)]

use initsift_init::lanes::normal64::{normal_cdf, normal_pdf};

/// Tolerance multiplier: 5 standard errors (two-sided false-alarm rate about 6e-7).
pub const Z: f64 = 5.0;

/// Sample mean and unbiased variance, accumulated in f64.
pub fn mean_var(xs: &[f32]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().map(|&x| x as f64).sum::<f64>() / n;
    let var = xs.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var)
}

/// Asserts the sample mean within Z·σ/√n of `mean` and the sample variance within
/// Z·√((μ₄ − σ⁴)/n) of `var`, μ₄ the law's central fourth moment.
pub fn assert_moments(label: &str, xs: &[f32], mean: f64, var: f64, mu4: f64) {
    let n = xs.len() as f64;
    assert!(n >= 1e5, "{label}: only {n} draws");
    assert!(
        xs.iter().all(|x| x.is_finite()),
        "{label}: non-finite value"
    );
    let (m, v) = mean_var(xs);
    let tol_mean = Z * (var / n).sqrt();
    let tol_var = Z * ((mu4 - var * var) / n).sqrt();
    assert!(
        (m - mean).abs() <= tol_mean,
        "{label}: mean {m} vs {mean} (tolerance {tol_mean}, n = {n})"
    );
    assert!(
        (v - var).abs() <= tol_var,
        "{label}: variance {v} vs {var} (tolerance {tol_var}, n = {n})"
    );
}

/// Moments of N(mean, std²): (mean, variance, central μ₄).
pub fn normal_moments(mean: f64, std: f64) -> (f64, f64, f64) {
    (mean, std * std, 3.0 * std.powi(4))
}

/// Moments of U(low, high).
pub fn uniform_moments(low: f64, high: f64) -> (f64, f64, f64) {
    let h = (high - low) / 2.0;
    ((low + high) / 2.0, h * h / 3.0, h.powi(4) / 5.0)
}

/// Moments of N(mean, std²) truncated to [a, b], by Simpson quadrature of the density.
pub fn trunc_moments(mean: f64, std: f64, a: f64, b: f64) -> (f64, f64, f64) {
    let steps = 200_000;
    let h = (b - a) / steps as f64;
    let mut m = [0.0f64; 5];
    for i in 0..=steps {
        let x = a + i as f64 * h;
        let w = if i == 0 || i == steps {
            1.0
        } else if i % 2 == 1 {
            4.0
        } else {
            2.0
        };
        let d = w * normal_pdf((x - mean) / std);
        for (k, mk) in m.iter_mut().enumerate() {
            *mk += d * x.powi(k as i32);
        }
    }
    let mu = m[1] / m[0];
    // Central moments from raw moments.
    let e = |k: usize| m[k] / m[0];
    let var = e(2) - mu * mu;
    let mu4 = e(4) - 4.0 * mu * e(3) + 6.0 * mu * mu * e(2) - 3.0 * mu.powi(4);
    (mu, var, mu4)
}

/// The truncated normal's CDF.
pub fn trunc_cdf(mean: f64, std: f64, a: f64, b: f64, x: f64) -> f64 {
    let (pa, pb) = (normal_cdf((a - mean) / std), normal_cdf((b - mean) / std));
    ((normal_cdf((x.clamp(a, b) - mean) / std) - pa) / (pb - pa)).clamp(0.0, 1.0)
}

/// The two-sided Kolmogorov–Smirnov statistic of `xs` against `cdf`.
pub fn ks_statistic(xs: &[f32], cdf: impl Fn(f64) -> f64) -> f64 {
    let mut v: Vec<f64> = xs.iter().map(|&x| x as f64).collect();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len() as f64;
    let mut d = 0.0f64;
    for (i, &x) in v.iter().enumerate() {
        let f = cdf(x);
        d = d.max((i as f64 + 1.0) / n - f).max(f - i as f64 / n);
    }
    d
}

/// The asymptotic KS critical value c(α)/√n, c(α) = √(−ln(α/2)/2).
pub fn ks_critical(n: usize, alpha: f64) -> f64 {
    (-(alpha / 2.0).ln() / 2.0).sqrt() / (n as f64).sqrt()
}

/// Asserts the KS statistic below the critical value at α = 1e-3.
pub fn assert_ks(label: &str, xs: &[f32], cdf: impl Fn(f64) -> f64) {
    let d = ks_statistic(xs, cdf);
    let crit = ks_critical(xs.len(), 1e-3);
    assert!(
        d < crit,
        "{label}: KS D = {d} ≥ critical {crit} (n = {})",
        xs.len()
    );
}

/// Pearson correlation.
pub fn correlation(xs: &[f32], ys: &[f32]) -> f64 {
    let (mx, vx) = mean_var(xs);
    let (my, vy) = mean_var(ys);
    let n = xs.len() as f64;
    let cov = xs
        .iter()
        .zip(ys)
        .map(|(&x, &y)| (x as f64 - mx) * (y as f64 - my))
        .sum::<f64>()
        / (n - 1.0);
    cov / (vx * vy).sqrt()
}

/// Asserts |r| ≤ Z/√n: under independence r has standard error about 1/√n.
pub fn assert_uncorrelated(label: &str, xs: &[f32], ys: &[f32]) {
    let r = correlation(xs, ys);
    let tol = Z / (xs.len() as f64).sqrt();
    assert!(
        r.abs() <= tol,
        "{label}: correlation {r} beyond {tol} (n = {})",
        xs.len()
    );
}
