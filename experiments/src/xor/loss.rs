//! Statistics of initial losses and initial accuracies, as the write-up tabulated them.

use initsift_init::select::Score;
use serde::Serialize;

use crate::stats::percentile_sorted;

/// Statistics of an initial-loss sample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LossStats {
    /// Draws.
    pub draws: usize,
    /// Mean.
    pub mean: f64,
    /// Median.
    pub median: f64,
    /// 25th percentile.
    pub p25: f64,
    /// 1st percentile.
    pub p1: f64,
    /// Minimum.
    pub min: f64,
    /// Maximum.
    pub max: f64,
}

impl LossStats {
    /// The statistics of finite losses (non-finite ones are dropped).
    pub fn of(losses: &[f64]) -> Self {
        let mut v: Vec<f64> = losses.iter().copied().filter(|l| l.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        let p = |q| percentile_sorted(&v, q);
        Self {
            draws: v.len(),
            mean: v.iter().sum::<f64>() / v.len() as f64,
            median: p(50.0),
            p25: p(25.0),
            p1: p(1.0),
            min: v[0],
            max: v[v.len() - 1],
        }
    }
}

/// Shares of initial accuracies in the write-up's buckets: 100 %, 75 %, 50 %, ≤ 25 %.
pub fn writeup_accuracy_buckets(scores: &[Score]) -> [f64; 4] {
    let b = accuracy_buckets(scores);
    [b[4], b[3], b[2], b[1] + b[0]]
}

/// Shares of initial accuracies in the buckets 0, 25, 50, 75, 100 %.
pub fn accuracy_buckets(scores: &[Score]) -> [f64; 5] {
    let mut counts = [0usize; 5];
    for s in scores {
        let b = (f64::from(s.accuracy) * 4.0).round().clamp(0.0, 4.0) as usize;
        counts[b] += 1;
    }
    counts.map(|c| c as f64 / scores.len() as f64)
}
