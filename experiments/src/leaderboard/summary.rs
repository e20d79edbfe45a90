//! One entry's figures with 95 % intervals: means with ±1.96 standard errors (real_tasks'
//! [`MeanCi`]), rates with Wilson intervals, and epochs to the target as a censored median
//! with a bootstrap interval.

use serde::Serialize;
use serde_json::Value;

use super::init::Init;
use super::passes::Passes;
use super::task::Metric;
use super::train::{CHECKPOINTS, RunRecord};
use crate::real::metrics::MeanCi;
use crate::stats::{Z95, bootstrap_ci, wilson};

/// Bootstrap resamples of the epochs-to-target median.
pub const RESAMPLES: usize = 2000;

/// The mean passes per init.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanPasses {
    /// Forward passes over every training row.
    pub scoring_forward: f64,
    /// Forward passes over the fixed batch.
    pub batch_forward: f64,
    /// First-order backward passes over the fixed batch.
    pub batch_backward: f64,
    /// Higher-order reverse sweeps over the fixed batch.
    pub batch_higher_order: f64,
    /// Every pass times its rows.
    pub row_passes: f64,
}

/// The training loss at the checkpoints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainLoss {
    /// At the init (every training row).
    pub initial: MeanCi,
    /// After each checkpoint epoch.
    pub after_epoch: Vec<AtEpoch>,
    /// At the final parameters (every training row).
    #[serde(rename = "final")]
    pub last: MeanCi,
}

/// The training loss after one checkpoint epoch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AtEpoch {
    /// The epoch (1-based).
    pub epoch: usize,
    /// Mean and interval over the runs.
    #[serde(flatten)]
    pub loss: MeanCi,
}

/// Epochs to the target training loss.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EpochsToTarget {
    /// The target (real tasks: the torch_default entry's median final-epoch training loss;
    /// XOR: the recipe's convergence threshold).
    pub target: f64,
    /// Runs that reached it.
    pub reached: usize,
    /// Their share's Wilson interval.
    pub reached_ci95: (f64, f64),
    /// Median epochs over all runs, runs that never reached it counted as later than any
    /// (`None`: fewer than half reached it).
    pub median: Option<usize>,
    /// Its bootstrap interval (an infinite end, written null: not reached in the budget).
    pub median_ci95: Option<(f64, f64)>,
}

/// One entry's summary.
#[derive(Debug, Clone, Serialize)]
pub struct EntrySummary {
    /// The entry's name.
    pub method: String,
    /// Its config.
    pub config: Value,
    /// Mean wall seconds per init.
    pub init_seconds: f64,
    /// Its interval.
    pub init_seconds_ci95: (f64, f64),
    /// Mean passes per init.
    pub passes: MeanPasses,
    /// Runs.
    pub runs: usize,
    /// Inits whose data-dependent method stopped on a non-finite value.
    pub diverged_inits: usize,
    /// Runs whose final training loss is not finite.
    pub non_finite_runs: usize,
    /// The held-out metric.
    pub final_test: MeanCi,
    /// Epochs to the target.
    pub epochs_to_target: EpochsToTarget,
    /// The training loss.
    pub train_loss: TrainLoss,
    /// Rank by the held-out metric (ties where intervals overlap; see `rank`).
    pub rank: usize,
    /// Rank by the final training loss, the same rule.
    pub rank_train_loss: usize,
}

/// The lower median of `values` (no interpolation: censored runs are +∞).
fn lower_median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v[(v.len() - 1) / 2]
}

/// The bootstrap interval of the lower median of `epochs` (+∞: never reached). Never-reached
/// runs enter the resamples as a finite stand-in, since interpolating between infinities gives
/// NaN; an end beyond every finite epoch is "never" (+∞).
fn censored_ci(epochs: &[f64], seed: u64) -> Option<(f64, f64)> {
    let last = epochs
        .iter()
        .copied()
        .filter(|e| e.is_finite())
        .fold(0.0, f64::max);
    let stand_in = last + 1.0;
    let finite: Vec<f64> = epochs
        .iter()
        .map(|&e| if e.is_finite() { e } else { stand_in })
        .collect();
    let never = |b: f64| if b > last { f64::INFINITY } else { b };
    bootstrap_ci(&finite, lower_median, RESAMPLES, seed).map(|(lo, hi)| (never(lo), never(hi)))
}

impl EpochsToTarget {
    /// Of `records` against `target`; `seed` fixes the bootstrap.
    pub fn of(records: &[RunRecord], target: f64, seed: u64) -> Self {
        let epochs: Vec<f64> = records
            .iter()
            .map(|r| r.epochs_to(target).map_or(f64::INFINITY, |e| e as f64))
            .collect();
        let reached = epochs.iter().filter(|e| e.is_finite()).count();
        let median = (!epochs.is_empty()).then(|| lower_median(&epochs));
        Self {
            target,
            reached,
            reached_ci95: wilson(reached as u64, records.len() as u64, Z95),
            median: median.filter(|m| m.is_finite()).map(|m| m as usize),
            median_ci95: censored_ci(&epochs, seed),
        }
    }
}

/// The held-out metric's mean and interval: Wilson for the XOR success rate, ±1.96 s.e.
/// otherwise.
pub fn final_test(records: &[RunRecord], metric: Metric) -> MeanCi {
    let values: Vec<f64> = records.iter().map(|r| r.final_test).collect();
    match metric {
        Metric::SuccessRate => {
            let k = values.iter().filter(|&&v| v == 1.0).count() as u64;
            let n = values.len() as u64;
            MeanCi {
                mean: k as f64 / n as f64,
                ci95: wilson(k, n, Z95),
            }
        }
        _ => MeanCi::of(&values),
    }
}

/// The training loss at the init, the checkpoints and the end.
pub fn train_loss(records: &[RunRecord]) -> TrainLoss {
    let of = |f: &dyn Fn(&RunRecord) -> f64| MeanCi::of(&records.iter().map(f).collect::<Vec<_>>());
    TrainLoss {
        initial: of(&|r| r.initial_loss),
        after_epoch: CHECKPOINTS
            .iter()
            .enumerate()
            .map(|(k, &epoch)| AtEpoch {
                epoch,
                loss: of(&|r| r.checkpoints[k]),
            })
            .collect(),
        last: of(&|r| r.final_loss),
    }
}

/// Mean passes per init.
pub fn mean_passes(inits: &[Init], n_train: usize, batch: usize) -> MeanPasses {
    let n = inits.len() as f64;
    let mean =
        |f: &dyn Fn(&Passes) -> u64| inits.iter().map(|i| f(&i.passes) as f64).sum::<f64>() / n;
    MeanPasses {
        scoring_forward: mean(&|p| p.scoring_forward),
        batch_forward: mean(&|p| p.batch_forward),
        batch_backward: mean(&|p| p.batch_backward),
        batch_higher_order: mean(&|p| p.batch_higher_order),
        row_passes: mean(&|p| p.row_passes(n_train, batch)),
    }
}
