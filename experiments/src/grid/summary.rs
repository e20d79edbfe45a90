//! One cell's summary, with the keys the issue fixes: success with its Wilson interval, epoch
//! percentiles with the median's bootstrap interval, the measured costs and the time to a
//! success counting sampling.

use initsift_batch::lockstep::{LockstepReport, RunOutcome};
use serde::Serialize;

use super::Cell;
use crate::cost::{ArmOutcomes, UnitCosts, time_to_success};
use crate::stats::{Z95, percentile_sorted, wilson};

/// Epoch percentiles and the median's 95 % bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Epochs {
    /// Runs counted.
    pub n: usize,
    /// 10th percentile.
    pub p10: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub median: f64,
    /// 75th percentile.
    pub p75: f64,
    /// Mean.
    pub mean: f64,
    /// The percentile-bootstrap 95 % interval of the median, computed exactly (the limit of
    /// infinitely many resamples, see [`exact_bootstrap_median_ci`]).
    pub median_ci95: (f64, f64),
}

impl Epochs {
    /// The summary of non-empty data; `None` for none.
    pub fn of(values: &[f64]) -> Option<Self> {
        if values.is_empty() {
            return None;
        }
        let mut s = values.to_vec();
        s.sort_by(f64::total_cmp);
        Some(Self {
            n: s.len(),
            p10: percentile_sorted(&s, 10.0),
            p25: percentile_sorted(&s, 25.0),
            median: percentile_sorted(&s, 50.0),
            p75: percentile_sorted(&s, 75.0),
            mean: s.iter().sum::<f64>() / s.len() as f64,
            median_ci95: exact_bootstrap_median_ci(&s),
        })
    }
}

/// ln P(X ≥ m) for X ~ Binomial(n, p), summed in log space (no underflow at n = 10⁶).
fn ln_binomial_tail(n: usize, p: f64, m: usize) -> f64 {
    if m == 0 {
        return 0.0;
    }
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return if m <= n { 0.0 } else { f64::NEG_INFINITY };
    }
    let (lp, lq) = (p.ln(), (1.0 - p).ln());
    // ln pmf(m) from ln C(n, m) = Σ ln((n − i)/(i + 1)).
    let mut ln_pmf = (0..m)
        .map(|i| ((n - i) as f64 / (i + 1) as f64).ln())
        .sum::<f64>()
        + m as f64 * lp
        + (n - m) as f64 * lq;
    let mut terms = Vec::with_capacity(n - m + 1);
    for k in m..=n {
        terms.push(ln_pmf);
        if k < n {
            ln_pmf += ((n - k) as f64 / (k + 1) as f64).ln() + lp - lq;
        }
    }
    let top = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    top + terms.iter().map(|t| (t - top).exp()).sum::<f64>().ln()
}

/// The percentile-bootstrap 95 % interval of the median of `sorted` data, exactly: a resample's
/// median (its ⌈n/2⌉-th order statistic) is ≤ x₍ₖ₎ exactly when at least ⌈n/2⌉ of the n draws
/// are ≤ x₍ₖ₎, a Binomial(n, k/n) event; the interval runs from the first order statistic whose
/// probability reaches 2.5 % to the first that reaches 97.5 %.
pub fn exact_bootstrap_median_ci(sorted: &[f64]) -> (f64, f64) {
    let n = sorted.len();
    let m = n.div_ceil(2);
    // The k-th distinct value's CDF mass is (count ≤ it)/n; search over positions.
    let cdf = |k: usize| ln_binomial_tail(n, k as f64 / n as f64, m).exp();
    let first_reaching = |level: f64| {
        let (mut lo, mut hi) = (1usize, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            // Ties: the mass at or below sorted[mid − 1] counts every equal value.
            let at = sorted.partition_point(|&x| x <= sorted[mid - 1]);
            if cdf(at) >= level {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        sorted[lo - 1]
    };
    (first_reaching(0.025), first_reaching(0.975))
}

/// Success rate with its Wilson interval.
fn rate(k: usize, n: usize) -> (f64, (f64, f64)) {
    (k as f64 / n as f64, wilson(k as u64, n as u64, Z95))
}

/// Seconds to one success, counting sampling.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TimeToSuccess {
    /// Mean over successful runs of (sampling per run + that run's epochs × seconds per epoch).
    pub mean_per_success_seconds: Option<f64>,
    /// Expected seconds to a first success when failed runs are restarts:
    /// (sampling per run + mean epochs × seconds per epoch) / success rate.
    pub expected_seconds: Option<f64>,
    /// Its 95 % interval (delta method).
    pub expected_ci95: Option<(f64, f64)>,
}

/// One cell of `xor_grid.json`.
#[derive(Debug, Clone, Serialize)]
pub struct CellSummary {
    /// The preset.
    pub preset: String,
    /// The scheme id.
    pub scheme: String,
    /// The optimizer id.
    pub optimizer: String,
    /// Its learning rate.
    pub lr: f64,
    /// The selection id.
    pub selection: String,
    /// Runs.
    pub runs: usize,
    /// Runs with all four points correct.
    pub successes: usize,
    /// successes / runs.
    pub success_rate: f64,
    /// Wilson 95 % interval.
    pub success_ci95: (f64, f64),
    /// Epochs over all runs.
    pub epochs_all: Option<Epochs>,
    /// Epochs over successful runs.
    pub epochs_success: Option<Epochs>,
    /// Candidates scored, all runs together.
    pub draws: u64,
    /// Candidates scored per run.
    pub draws_per_run: f64,
    /// Measured seconds choosing the inits (the same inits serve every optimizer and rate).
    pub sampling_seconds: f64,
    /// Measured seconds training this cell's runs.
    pub training_seconds: f64,
    /// Sampling plus training, per success.
    pub time_to_success: TimeToSuccess,
    /// Mean initial loss of the chosen inits.
    pub mean_initial_loss: f64,
    /// Share of successful runs ending in a mirror pair (first-layer rows opposite).
    pub mirror_rate_success: Option<f64>,
    /// Share of runs whose init had a dead first-layer unit (no point activates it).
    pub dead_unit_init_rate: Option<f64>,
    /// The cost-model inputs (not in the key list; for cost_benefit).
    pub outcomes: ArmOutcomes,
}

fn share(
    outcomes: &[RunOutcome],
    keep: impl Fn(&RunOutcome) -> bool,
    hit: impl Fn(&RunOutcome) -> Option<bool>,
) -> Option<f64> {
    let v: Vec<bool> = outcomes
        .iter()
        .filter(|o| keep(o))
        .filter_map(hit)
        .collect();
    (!v.is_empty()).then(|| v.iter().filter(|&&h| h).count() as f64 / v.len() as f64)
}

/// Summarises a cell's runs.
pub fn summarize(
    cell: &Cell,
    report: &LockstepReport,
    draws: u64,
    sampling_seconds: f64,
    training_seconds: f64,
) -> CellSummary {
    let o = &report.outcomes;
    let runs = o.len();
    let successes = o.iter().filter(|r| r.success).count();
    let (success_rate, success_ci95) = rate(successes, runs);
    let all: Vec<f64> = o.iter().map(|r| r.epochs as f64).collect();
    let succ: Vec<f64> = o
        .iter()
        .filter(|r| r.success)
        .map(|r| r.epochs as f64)
        .collect();
    let total_epochs: f64 = all.iter().sum();
    let draws_per_run = draws as f64 / runs as f64;
    let costs = UnitCosts {
        seconds_per_candidate: sampling_seconds / draws.max(1) as f64,
        seconds_per_epoch: training_seconds / total_epochs.max(1.0),
    };
    let pairs: Vec<(f64, bool)> = o.iter().map(|r| (r.epochs as f64, r.success)).collect();
    let outcomes = ArmOutcomes::of(draws_per_run, &pairs);
    let expected = time_to_success(&outcomes, costs);
    let per_run_sampling = sampling_seconds / runs as f64;
    CellSummary {
        preset: cell.preset.to_string(),
        scheme: cell.scheme.to_string(),
        optimizer: cell.optimizer.to_string(),
        lr: cell.lr,
        selection: cell.selection.to_string(),
        runs,
        successes,
        success_rate,
        success_ci95,
        epochs_all: Epochs::of(&all),
        epochs_success: Epochs::of(&succ),
        draws,
        draws_per_run,
        sampling_seconds,
        training_seconds,
        time_to_success: TimeToSuccess {
            mean_per_success_seconds: (!succ.is_empty()).then(|| {
                per_run_sampling
                    + succ.iter().sum::<f64>() / succ.len() as f64 * costs.seconds_per_epoch
            }),
            expected_seconds: expected.map(|e| e.value),
            expected_ci95: expected.map(|e| e.ci95),
        },
        mean_initial_loss: o.iter().map(|r| r.initial_loss).sum::<f64>() / runs as f64,
        mirror_rate_success: share(
            o,
            |r| r.success,
            |r| r.final_layer.map(|l| l.is_mirror_pair()),
        ),
        dead_unit_init_rate: share(o, |_| true, |r| r.initial_layer.map(|l| l.dead_units > 0)),
        outcomes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::{bootstrap_ci, median};

    #[test]
    fn exact_bootstrap_matches_resampling() {
        // An odd sample with ties, like epoch counts.
        let data: Vec<f64> = (0..201)
            .map(|i| ((i * 37) % 50) as f64 + (i % 7) as f64)
            .collect();
        let mut sorted = data.clone();
        sorted.sort_by(f64::total_cmp);
        let exact = exact_bootstrap_median_ci(&sorted);
        let resampled = bootstrap_ci(&data, median, 20_000, 9).unwrap();
        // The resampled percentiles converge on the exact ones; with 20 000 resamples they sit
        // within one distinct value of each other.
        assert!(
            (exact.0 - resampled.0).abs() <= 1.0,
            "{exact:?} vs {resampled:?}"
        );
        assert!(
            (exact.1 - resampled.1).abs() <= 1.0,
            "{exact:?} vs {resampled:?}"
        );
        assert!(exact.0 <= median(&data) && median(&data) <= exact.1);
    }

    #[test]
    fn binomial_tail_known_values() {
        // P(X ≥ 1) for Bin(3, 0.5) = 7/8; P(X ≥ 2) for Bin(4, 0.25) = 1 − (81 + 108)/256.
        assert!((ln_binomial_tail(3, 0.5, 1).exp() - 0.875).abs() < 1e-12);
        assert!((ln_binomial_tail(4, 0.25, 2).exp() - (1.0 - 189.0 / 256.0)).abs() < 1e-12);
        assert!(ln_binomial_tail(1_000_000, 0.5, 500_000).exp() > 0.5);
        let constant = exact_bootstrap_median_ci(&[3.0; 9]);
        assert_eq!(constant, (3.0, 3.0));
    }
}
