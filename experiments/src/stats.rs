//! The statistics every report uses: Wilson intervals for rates, numpy-style percentiles,
//! bootstrap intervals for medians and correlations, and Pearson/Spearman correlation.

use rand::RngExt;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::Serialize;

use crate::seed::derive_seed;

/// z for a two-sided 95 % interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// The Wilson score interval for `k` successes in `n` trials at normal quantile `z`.
/// For n = 0 it is the uninformative [0, 1].
pub fn wilson(k: u64, n: u64, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    // At k = 0 (k = n) the bound is exactly 0 (1); rounding would leave a crumb.
    let lo = if k == 0.0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let hi = if k == n {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    (lo, hi)
}

/// The `q`-th percentile (0–100) of sorted data with numpy's default linear interpolation.
///
/// # Panics
/// If `sorted` is empty.
pub fn percentile_sorted(sorted: &[f64], q: f64) -> f64 {
    assert!(!sorted.is_empty(), "percentile of no data");
    let h = (sorted.len() - 1) as f64 * q / 100.0;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Sorts a copy (NaN last) and takes the percentile.
pub fn percentile(values: &[f64], q: f64) -> f64 {
    percentile_sorted(&sorted(values), q)
}

/// The arithmetic mean (NaN for no data).
pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// The median (numpy's: the mean of the two middle values for even counts).
pub fn median(values: &[f64]) -> f64 {
    percentile(values, 50.0)
}

fn sorted(values: &[f64]) -> Vec<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

/// The five-number summary the reports use.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    /// 10th percentile.
    pub p10: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub median: f64,
    /// 75th percentile.
    pub p75: f64,
    /// Maximum.
    pub max: f64,
}

impl Spread {
    /// The summary of non-empty data; `None` for none.
    pub fn of(values: &[f64]) -> Option<Self> {
        if values.is_empty() {
            return None;
        }
        let s = sorted(values);
        Some(Self {
            p10: percentile_sorted(&s, 10.0),
            p25: percentile_sorted(&s, 25.0),
            median: percentile_sorted(&s, 50.0),
            p75: percentile_sorted(&s, 75.0),
            max: s[s.len() - 1],
        })
    }
}

/// A percentile-bootstrap 95 % interval of `stat` over `resamples` resamples with replacement,
/// from a fixed seed (so reports are reproducible). `None` for empty data.
pub fn bootstrap_ci(
    values: &[f64],
    stat: impl Fn(&[f64]) -> f64,
    resamples: usize,
    seed: u64,
) -> Option<(f64, f64)> {
    if values.is_empty() || resamples == 0 {
        return None;
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut buf = vec![0.0; values.len()];
    let mut stats: Vec<f64> = (0..resamples)
        .map(|_| {
            for b in buf.iter_mut() {
                *b = values[rng.random_range(0..values.len())];
            }
            stat(&buf)
        })
        .collect();
    stats.sort_by(f64::total_cmp);
    Some((
        percentile_sorted(&stats, 2.5),
        percentile_sorted(&stats, 97.5),
    ))
}

/// Bootstrap interval of a statistic of paired data (resampling pairs), e.g. a correlation.
pub fn bootstrap_pairs_ci(
    x: &[f64],
    y: &[f64],
    stat: impl Fn(&[f64], &[f64]) -> f64,
    resamples: usize,
    seed: u64,
) -> Option<(f64, f64)> {
    if x.len() != y.len() || x.len() < 3 || resamples == 0 {
        return None;
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (mut bx, mut by) = (vec![0.0; x.len()], vec![0.0; x.len()]);
    let mut stats: Vec<f64> = (0..resamples)
        .map(|_| {
            for i in 0..x.len() {
                let j = rng.random_range(0..x.len());
                (bx[i], by[i]) = (x[j], y[j]);
            }
            stat(&bx, &by)
        })
        .filter(|s| s.is_finite())
        .collect();
    if stats.is_empty() {
        return None;
    }
    stats.sort_by(f64::total_cmp);
    Some((
        percentile_sorted(&stats, 2.5),
        percentile_sorted(&stats, 97.5),
    ))
}

/// Pearson's correlation coefficient (NaN when either side is constant or n < 2).
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    if n < 2 {
        return f64::NAN;
    }
    let (mx, my) = (
        x[..n].iter().sum::<f64>() / n as f64,
        y[..n].iter().sum::<f64>() / n as f64,
    );
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for i in 0..n {
        let (dx, dy) = (x[i] - mx, y[i] - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    sxy / (sxx * syy).sqrt()
}

/// Ranks from 1, ties given their average rank (as scipy's `rankdata`).
pub fn ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut r = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    r
}

/// Spearman's rank correlation (Pearson on average ranks).
pub fn spearman(x: &[f64], y: &[f64]) -> f64 {
    pearson(&ranks(x), &ranks(y))
}

/// The in-sample R² of the least-squares fit `y ≈ b + Σ w_k·x_k` (an intercept plus one
/// coefficient per column of `rows`): 1 − SS_res / SS_tot. Solved by Householder QR in f64,
/// which stays accurate for unstandardized, badly scaled columns. NaN when there are no more
/// rows than unknowns or `y` is constant; a column that is a combination of earlier ones adds
/// nothing (what is left of it after the earlier reflections is below 1e-12 of its own norm, and
/// it is dropped).
pub fn least_squares_r2(rows: &[Vec<f64>], y: &[f64]) -> f64 {
    let n = rows.len().min(y.len());
    let k = rows.first().map_or(0, Vec::len) + 1;
    if n <= k {
        return f64::NAN;
    }
    // Column-major design matrix with the intercept first.
    let mut a: Vec<Vec<f64>> = (0..k)
        .map(|j| {
            (0..n)
                .map(|i| if j == 0 { 1.0 } else { rows[i][j - 1] })
                .collect()
        })
        .collect();
    let mut b: Vec<f64> = y[..n].to_vec();
    let own_norms: Vec<f64> = a
        .iter()
        .map(|c| c.iter().map(|v| v * v).sum::<f64>().sqrt())
        .collect();
    // r: the next pivot row; a dropped column takes none.
    let mut r = 0;
    for j in 0..k {
        // Householder reflection zeroing a[j][r+1..].
        let norm = a[j][r..].iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm <= 1e-12 * own_norms[j] {
            continue;
        }
        let alpha = if a[j][r] > 0.0 { -norm } else { norm };
        let mut v: Vec<f64> = a[j][r..].to_vec();
        v[0] -= alpha;
        let vv: f64 = v.iter().map(|x| x * x).sum();
        for col in a.iter_mut().skip(j).chain(std::iter::once(&mut b)) {
            let dot: f64 = v.iter().zip(&col[r..]).map(|(p, q)| p * q).sum();
            let f = 2.0 * dot / vv;
            for (c, p) in col[r..].iter_mut().zip(&v) {
                *c -= f * p;
            }
        }
        r += 1;
    }
    // After the reflections, the residual is the part of b below the pivot rows.
    let ss_res: f64 = b[r..].iter().map(|v| v * v).sum();
    let m = y[..n].iter().sum::<f64>() / n as f64;
    let ss_tot: f64 = y[..n].iter().map(|v| (v - m) * (v - m)).sum();
    if ss_tot == 0.0 {
        return f64::NAN;
    }
    1.0 - ss_res / ss_tot
}

/// One correlation across runs with its bootstrap 95 % intervals (JSON keys: x, y, n,
/// pearson_r, pearson_ci95, r2, spearman_rho, spearman_ci95).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Correlation {
    /// What is on the x axis.
    pub x: &'static str,
    /// What is on the y axis.
    pub y: &'static str,
    /// Pairs.
    pub n: usize,
    /// Pearson's r.
    pub pearson_r: f64,
    /// Its bootstrap 95 % interval.
    pub pearson_ci95: Option<(f64, f64)>,
    /// r².
    pub r2: f64,
    /// Spearman's ρ.
    pub spearman_rho: f64,
    /// Its bootstrap 95 % interval.
    pub spearman_ci95: Option<(f64, f64)>,
}

impl Correlation {
    /// Pearson and Spearman of `ys` on `xs`, each with a 1000-resample pairs bootstrap seeded
    /// from `seed`.
    pub fn of(x: &'static str, y: &'static str, xs: &[f64], ys: &[f64], seed: u64) -> Self {
        let r = pearson(xs, ys);
        let boot = |stat: fn(&[f64], &[f64]) -> f64, label| {
            bootstrap_pairs_ci(xs, ys, stat, 1000, derive_seed(seed, label))
        };
        Self {
            x,
            y,
            n: xs.len(),
            pearson_r: r,
            pearson_ci95: boot(pearson, "pearson"),
            r2: r * r,
            spearman_rho: spearman(xs, ys),
            spearman_ci95: boot(spearman, "spearman"),
        }
    }
}

/// How a figure of the write-up compares with ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// Ours lies inside the write-up's own 95 % interval.
    #[serde(rename = "consistent")]
    Consistent,
    /// It does not.
    #[serde(rename = "not consistent")]
    NotConsistent,
}

impl Verdict {
    /// The plain-words form used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Consistent => "consistent",
            Verdict::NotConsistent => "not consistent",
        }
    }
}

/// A rate: is our estimate inside the Wilson 95 % interval of the write-up's `k / n`?
pub fn rate_verdict(paper_k: u64, paper_n: u64, ours: f64) -> (Verdict, (f64, f64)) {
    let ci = wilson(paper_k, paper_n, Z95);
    let v = if ours >= ci.0 && ours <= ci.1 {
        Verdict::Consistent
    } else {
        Verdict::NotConsistent
    };
    (v, ci)
}

/// A statistic of `paper_n` runs (a median, a percentile, a mean): the write-up reports no
/// interval, so this builds the interval the statistic of `paper_n` runs has under our
/// distribution (the 2.5–97.5 % range over 2000 resamples of `paper_n` of our values) and asks
/// whether the write-up's value lies in it.
pub fn stat_verdict(
    paper_value: f64,
    paper_n: usize,
    ours: &[f64],
    stat: impl Fn(&[f64]) -> f64,
    seed: u64,
) -> Option<(Verdict, (f64, f64))> {
    if ours.is_empty() || paper_n == 0 {
        return None;
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut buf = vec![0.0; paper_n];
    let mut stats: Vec<f64> = (0..2000)
        .map(|_| {
            for b in buf.iter_mut() {
                *b = ours[rng.random_range(0..ours.len())];
            }
            stat(&buf)
        })
        .collect();
    stats.sort_by(f64::total_cmp);
    let ci = (
        percentile_sorted(&stats, 2.5),
        percentile_sorted(&stats, 97.5),
    );
    let v = if paper_value >= ci.0 && paper_value <= ci.1 {
        Verdict::Consistent
    } else {
        Verdict::NotConsistent
    };
    Some((v, ci))
}

/// Holm's step-down correction: which of the hypotheses with one-sided or two-sided
/// `p_values` are rejected at family-wise error rate `alpha`. The i-th smallest p (from 0) is
/// rejected while every smaller one was and p ≤ alpha / (m − i); NaN p-values are never rejected.
pub fn holm(p_values: &[f64], alpha: f64) -> Vec<bool> {
    let m = p_values.len();
    // NaN (of either sign: 0/0 is a negative NaN on x86) sorts after every p-value.
    let key = |p: f64| if p.is_nan() { f64::INFINITY } else { p };
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| key(p_values[a]).total_cmp(&key(p_values[b])));
    let mut rejected = vec![false; m];
    for (i, &k) in order.iter().enumerate() {
        let p = p_values[k];
        if p.is_nan() || p > alpha / (m - i) as f64 {
            break;
        }
        rejected[k] = true;
    }
    rejected
}

#[cfg(test)]
mod tests {
    use super::least_squares_r2;

    #[test]
    fn least_squares_r2_known_answers() {
        // Exactly linear data (badly scaled columns): R² = 1.
        let rows: Vec<Vec<f64>> = (0..50)
            .map(|i| vec![i as f64 * 1e6, ((i * 7) % 11) as f64 * 1e-6])
            .collect();
        let y: Vec<f64> = rows
            .iter()
            .map(|r| 3.0 + 2e-6 * r[0] - 4e6 * r[1])
            .collect();
        assert!((least_squares_r2(&rows, &y) - 1.0).abs() < 1e-9);
        // A straight-line fit of y = x² on x = 0..=4: the line 4x − 2 leaves a residual sum
        // of squares of 14, of a total 174 about the mean 6, so R² = 1 − 14/174.
        let rows: Vec<Vec<f64>> = (0..5).map(|i| vec![i as f64]).collect();
        let y: Vec<f64> = (0..5).map(|i| (i * i) as f64).collect();
        assert!((least_squares_r2(&rows, &y) - (1.0 - 14.0 / 174.0)).abs() < 1e-12);
        // A duplicated column adds nothing.
        let dup: Vec<Vec<f64>> = rows.iter().map(|r| vec![r[0], 2.0 * r[0]]).collect();
        assert!((least_squares_r2(&dup, &y) - (1.0 - 14.0 / 174.0)).abs() < 1e-9);
        // Too few rows, constant target.
        assert!(least_squares_r2(&rows[..2], &y[..2]).is_nan());
        assert!(least_squares_r2(&rows, &[1.0; 5]).is_nan());
    }

    use super::*;

    #[test]
    fn wilson_known_values() {
        // 29/50 (the write-up's control) and 14/50: the roots of (p − p̂)² = z²p(1 − p)/n,
        // solved independently as a quadratic: 0.442334–0.706250 and 0.174742–0.416651.
        for (k, lo_e, hi_e) in [
            (29, 0.442_334_4, 0.706_250_0),
            (14, 0.174_741_7, 0.416_651_2),
        ] {
            let (lo, hi) = wilson(k, 50, Z95);
            assert!(
                (lo - lo_e).abs() < 1e-6 && (hi - hi_e).abs() < 1e-6,
                "{k}: {lo} {hi}"
            );
        }
        // 50/50: the lower bound is n / (n + z²) = 0.92865.
        let (lo, hi) = wilson(50, 50, Z95);
        assert!((lo - 50.0 / (50.0 + Z95 * Z95)).abs() < 1e-12 && hi == 1.0);
        assert_eq!(wilson(0, 0, Z95), (0.0, 1.0));
        let (lo, _) = wilson(0, 10, Z95);
        assert_eq!(lo, 0.0);
        // A write-up's 0/100 and our 0 % agree.
        assert_eq!(rate_verdict(0, 100, 0.0).0, Verdict::Consistent);
        assert_eq!(rate_verdict(100, 100, 1.0).0, Verdict::Consistent);
    }

    #[test]
    fn percentiles_follow_numpy_linear() {
        let v = [1.0, 2.0, 3.0, 4.0];
        // numpy.percentile([1,2,3,4], [10, 25, 50, 75, 100]) = 1.3, 1.75, 2.5, 3.25, 4.
        for (q, e) in [
            (10.0, 1.3),
            (25.0, 1.75),
            (50.0, 2.5),
            (75.0, 3.25),
            (100.0, 4.0),
        ] {
            assert!((percentile(&v, q) - e).abs() < 1e-12, "{q}");
        }
        let s = Spread::of(&[5.0, 1.0, 3.0]).unwrap();
        assert_eq!((s.median, s.max, s.p25), (3.0, 5.0, 2.0));
        assert!(Spread::of(&[]).is_none());
    }

    #[test]
    fn correlations_on_constructed_data() {
        let x: Vec<f64> = (0..20).map(f64::from).collect();
        let y: Vec<f64> = x.iter().map(|v| 3.0 * v - 1.0).collect();
        assert!((pearson(&x, &y) - 1.0).abs() < 1e-12);
        let cubic: Vec<f64> = x.iter().map(|v| (v - 10.0).powi(3)).collect();
        assert!((spearman(&x, &cubic) - 1.0).abs() < 1e-12);
        assert!(pearson(&x, &cubic) < 1.0);
        let neg: Vec<f64> = x.iter().map(|v| -v).collect();
        assert!((spearman(&x, &neg) + 1.0).abs() < 1e-12);
        assert_eq!(ranks(&[10.0, 20.0, 10.0, 30.0]), vec![1.5, 3.0, 1.5, 4.0]);
        assert!(pearson(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]).is_nan());
    }

    #[test]
    fn bootstrap_interval_covers_the_median_and_shrinks_with_n() {
        let small: Vec<f64> = (0..50).map(|i| f64::from(i % 10)).collect();
        let large: Vec<f64> = (0..5000).map(|i| f64::from(i % 10)).collect();
        let (a, b) = bootstrap_ci(&small, median, 1000, 1).unwrap();
        let (c, d) = bootstrap_ci(&large, median, 1000, 1).unwrap();
        assert!(a <= 4.5 && 4.5 <= b);
        assert!(d - c <= b - a);
        assert_eq!(
            bootstrap_ci(&small, median, 1000, 1),
            bootstrap_ci(&small, median, 1000, 1)
        );
    }

    #[test]
    fn verdicts_serialize_as_plain_words() {
        assert_eq!(
            serde_json::to_string(&Verdict::NotConsistent).unwrap(),
            "\"not consistent\""
        );
        assert_eq!(
            serde_json::to_string(&Verdict::Consistent).unwrap(),
            "\"consistent\""
        );
    }

    #[test]
    fn verdicts_on_constructed_cases() {
        // 58 % of 50 vs. ours 0.60: inside; vs. ours 0.30: outside.
        assert_eq!(rate_verdict(29, 50, 0.60).0, Verdict::Consistent);
        assert_eq!(rate_verdict(29, 50, 0.30).0, Verdict::NotConsistent);
        // 100 % of 50 cannot be told from 95 %, but 85 % is outside its interval.
        assert_eq!(rate_verdict(50, 50, 0.95).0, Verdict::Consistent);
        assert_eq!(rate_verdict(50, 50, 0.85).0, Verdict::NotConsistent);
        let ours: Vec<f64> = (0..10_000).map(|i| f64::from(100 + i % 41)).collect();
        assert_eq!(
            stat_verdict(120.0, 50, &ours, median, 3).unwrap().0,
            Verdict::Consistent
        );
        assert_eq!(
            stat_verdict(49.0, 50, &ours, median, 3).unwrap().0,
            Verdict::NotConsistent
        );
        assert!(stat_verdict(1.0, 50, &[], median, 3).is_none());
    }

    #[test]
    fn holm_steps_down_and_stops_at_the_first_kept_hypothesis() {
        // m = 4 at 0.05: thresholds 0.0125, 0.01667, 0.025, 0.05 for the sorted p.
        assert_eq!(
            holm(&[0.04, 0.001, 0.016, 0.03], 0.05),
            [false, true, true, false]
        );
        // 0.03 > 0.05/2 stops the steps, so the 0.04 behind it is kept though 0.04 ≤ 0.05.
        assert_eq!(holm(&[0.01, 0.03, 0.04], 0.05), [true, false, false]);
        // Bonferroni would keep 0.02 (> 0.05/3); Holm's second step rejects it (≤ 0.025).
        assert_eq!(holm(&[0.02, 0.001, 0.9], 0.05), [true, true, false]);
        assert_eq!(holm(&[f64::NAN, 0.001], 0.05), [false, true]);
        assert_eq!(holm(&[-f64::NAN, 0.001, 0.02], 0.05), [false, true, true]);
        assert!(holm(&[], 0.05).is_empty());
    }
}
