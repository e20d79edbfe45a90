//! Per-arm metrics with 95 % intervals: means with normal-theory intervals (±1.96·s/√n, fine at
//! the hundreds of runs per arm used here), rates with Wilson intervals, and the head start —
//! selected minus random train loss at every epoch — with the interval of a difference of two
//! independent means.

use serde::Serialize;

use super::train::{HeldOut, RunOutcome};
use crate::stats::wilson;
use initsift_init::lanes::normal64::normal_cdf;

/// The normal quantile of every 95 % interval here (rounded, as the reports have always used
/// it): standard errors on each side of a mean, and the Wilson interval's z.
const Z: f64 = 1.96;

/// A mean and its 95 % interval (JSON: `{"mean", "ci95"}`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanCi {
    /// The mean.
    pub mean: f64,
    /// Its 95 % interval.
    pub ci95: (f64, f64),
}

impl MeanCi {
    /// The mean of `values` with ±1.96 standard errors (a zero-width interval for one value).
    pub fn of(values: &[f64]) -> MeanCi {
        let (mean, se) = mean_se(values);
        MeanCi {
            mean,
            ci95: (mean - Z * se, mean + Z * se),
        }
    }

    /// `a − b` for independent samples, with ±1.96·√(se_a² + se_b²).
    pub fn difference(a: &[f64], b: &[f64]) -> MeanCi {
        let ((ma, sa), (mb, sb)) = (mean_se(a), mean_se(b));
        let (d, se) = (ma - mb, (sa * sa + sb * sb).sqrt());
        MeanCi {
            mean: d,
            ci95: (d - Z * se, d + Z * se),
        }
    }

    /// The one-sided p-value, by the normal theory of the interval, of "the mean is above 0"
    /// (`above`) or "below 0" (not `above`): Φ(∓mean/se), se read back from the interval.
    /// NaN for a zero-width interval at 0.
    pub fn p_beyond_zero(&self, above: bool) -> f64 {
        let se = (self.ci95.1 - self.ci95.0) / (2.0 * Z);
        let z = if above { self.mean } else { -self.mean } / se;
        normal_cdf(-z)
    }

    /// Whether the interval lies wholly below 0 / above 0 / covers it.
    pub fn sign(&self) -> Sign {
        if self.ci95.1 < 0.0 {
            Sign::Below
        } else if self.ci95.0 > 0.0 {
            Sign::Above
        } else {
            Sign::Covers
        }
    }
}

/// Where an interval lies relative to 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    /// Wholly below.
    Below,
    /// Contains 0.
    Covers,
    /// Wholly above.
    Above,
}

fn mean_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Epochs to a target (train loss, or the held-out metric): how many runs reached it and the
/// median epochs (runs that never reach it are censored: counted as never, not as an error).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ToTarget {
    /// The target: an epoch train loss to reach from above, or a held-out metric (test
    /// accuracy from below, test MSE from above).
    pub target: f64,
    /// Runs that reached it within the epochs run.
    pub reached: usize,
    /// Share reached, with its Wilson interval.
    pub reached_ci95: (f64, f64),
    /// Median epochs to the target over all runs, censored runs counted as later than any
    /// (`None` when fewer than half reached it).
    pub median_epochs: Option<usize>,
    /// Runs.
    pub runs: usize,
}

/// Which way a metric improves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Lower is better (losses, MSE): a target is reached at or below it.
    Lower,
    /// Higher is better (accuracy): a target is reached at or above it.
    Higher,
}

impl Better {
    /// Whether `value` has reached `target`.
    pub fn reached(self, value: f64, target: f64) -> bool {
        match self {
            Better::Lower => value <= target,
            Better::Higher => value >= target,
        }
    }

    /// The held-out metric's direction for a task: accuracy for classes, MSE otherwise.
    pub fn held_out(classification: bool) -> Better {
        if classification {
            Better::Higher
        } else {
            Better::Lower
        }
    }
}

/// Epochs completed when `curve` (one value per epoch) first reached `target`.
pub fn first_reach(curve: &[f64], target: f64, better: Better) -> Option<usize> {
    curve
        .iter()
        .position(|&v| better.reached(v, target))
        .map(|e| e + 1)
}

impl ToTarget {
    /// Of `outcomes`' epoch train losses against `target`.
    pub fn of(outcomes: &[RunOutcome], target: f64) -> ToTarget {
        Self::of_curves(
            outcomes.iter().map(|o| &o.epoch_loss[..]),
            target,
            Better::Lower,
        )
    }

    /// Of `outcomes`' per-epoch held-out metric against `target` (test accuracy reached from
    /// below, test MSE from above).
    pub fn held_out(outcomes: &[RunOutcome], target: f64, better: Better) -> ToTarget {
        Self::of_curves(
            outcomes.iter().map(|o| &o.held_out_curve[..]),
            target,
            better,
        )
    }

    fn of_curves<'a>(
        curves: impl Iterator<Item = &'a [f64]>,
        target: f64,
        better: Better,
    ) -> ToTarget {
        let mut hits: Vec<Option<usize>> = curves.map(|c| first_reach(c, target, better)).collect();
        hits.sort_by_key(|h| h.unwrap_or(usize::MAX));
        let reached = hits.iter().filter(|h| h.is_some()).count();
        let n = hits.len();
        ToTarget {
            target,
            reached,
            reached_ci95: wilson(reached as u64, n as u64, Z),
            median_epochs: hits.get(n.saturating_sub(1) / 2).copied().flatten(),
            runs: n,
        }
    }
}

/// The train loss after epoch `e` (1-based) of each run.
pub fn loss_at(outcomes: &[RunOutcome], e: usize) -> Vec<f64> {
    outcomes.iter().map(|o| o.epoch_loss[e - 1]).collect()
}

/// Initial losses.
pub fn initial(outcomes: &[RunOutcome]) -> Vec<f64> {
    outcomes.iter().map(|o| o.initial_loss).collect()
}

/// Final train losses.
pub fn final_loss(outcomes: &[RunOutcome]) -> Vec<f64> {
    outcomes.iter().map(|o| o.final_loss).collect()
}

/// The held-out metric where higher is better: test accuracy, or R².
pub fn held_out_score(o: &RunOutcome) -> f64 {
    match o.held_out {
        HeldOut::Accuracy(a) => a,
        HeldOut::Mse { r2, .. } => r2,
    }
}

/// Test accuracies (classification) or test MSEs.
pub fn held_out_values(outcomes: &[RunOutcome]) -> Vec<f64> {
    outcomes
        .iter()
        .map(|o| match o.held_out {
            HeldOut::Accuracy(a) => a,
            HeldOut::Mse { mse, .. } => mse,
        })
        .collect()
}

/// Test R² (regression and reconstruction; `None` for classification).
pub fn r2_values(outcomes: &[RunOutcome]) -> Option<Vec<f64>> {
    outcomes
        .iter()
        .map(|o| match o.held_out {
            HeldOut::Accuracy(_) => None,
            HeldOut::Mse { r2, .. } => Some(r2),
        })
        .collect()
}

/// `selected − random` train loss at every epoch (1-based index `e` at position `e − 1`).
pub fn head_start(selected: &[RunOutcome], random: &[RunOutcome]) -> Vec<MeanCi> {
    let epochs = selected
        .first()
        .map_or(0, |o| o.epoch_loss.len())
        .min(random.first().map_or(0, |o| o.epoch_loss.len()));
    (1..=epochs)
        .map(|e| MeanCi::difference(&loss_at(selected, e), &loss_at(random, e)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(curve: &[f64]) -> RunOutcome {
        RunOutcome {
            initial_loss: 1.0,
            epoch_loss: curve.to_vec(),
            final_loss: *curve.last().unwrap(),
            held_out: HeldOut::Accuracy(0.5),
            held_out_curve: vec![0.5; curve.len()],
            seconds: 0.0,
        }
    }

    #[test]
    fn epochs_to_target_counts_and_censors() {
        let runs = [
            run(&[3.0, 2.0, 1.0]),
            run(&[3.0, 0.5, 0.4]),
            run(&[3.0, 3.0, 3.0]),
        ];
        let t = ToTarget::of(&runs, 1.0);
        assert_eq!((t.reached, t.runs), (2, 3));
        // Epochs 2 and 3 reached; the third run is censored and sorts last: median = 3.
        assert_eq!(t.median_epochs, Some(3));
        let never = ToTarget::of(&runs, 0.1);
        assert_eq!((never.reached, never.median_epochs), (0, None));
    }

    #[test]
    fn held_out_targets_count_in_the_metrics_direction() {
        let mut runs = [run(&[1.0, 1.0, 1.0]), run(&[1.0, 1.0, 1.0])];
        runs[0].held_out_curve = vec![0.5, 0.8, 0.9];
        runs[1].held_out_curve = vec![0.9, 0.7, 0.95];
        let acc = ToTarget::held_out(&runs, 0.9, Better::Higher);
        // Run 0 reaches 0.9 after epoch 3, run 1 after epoch 1: median of (1, 3) by the
        // lower-middle rule = 1.
        assert_eq!((acc.reached, acc.median_epochs), (2, Some(1)));
        let mse = ToTarget::held_out(&runs, 0.7, Better::Lower);
        assert_eq!((mse.reached, mse.median_epochs), (2, Some(1)));
        let never = ToTarget::held_out(&runs, 0.96, Better::Higher);
        assert_eq!(
            (never.reached, never.median_epochs, never.runs),
            (0, None, 2)
        );
    }

    #[test]
    fn mean_intervals_follow_the_formula() {
        let m = MeanCi::of(&[1.0, 2.0, 3.0, 4.0]);
        // s = √(5/3), se = s/2.
        let se = (5.0f64 / 3.0).sqrt() / 2.0;
        assert!((m.mean - 2.5).abs() < 1e-12);
        assert!((m.ci95.1 - (2.5 + 1.96 * se)).abs() < 1e-12);
        let d = MeanCi::difference(&[1.0, 2.0, 3.0, 4.0], &[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(d.sign(), Sign::Covers);
        assert_eq!(
            MeanCi::difference(&[5.0, 5.1], &[1.0, 1.1]).sign(),
            Sign::Above
        );
    }

    #[test]
    fn one_sided_p_values_agree_with_the_interval() {
        // mean 2.5, se √(5/3)/2 ≈ 0.645: z ≈ 3.87, p(above) = Φ(−3.87) ≈ 5.4e-5.
        let m = MeanCi::of(&[1.0, 2.0, 3.0, 4.0]);
        let z = 2.5 / ((5.0f64 / 3.0).sqrt() / 2.0);
        assert!((m.p_beyond_zero(true) - normal_cdf(-z)).abs() < 1e-15);
        assert!((m.p_beyond_zero(false) - normal_cdf(z)).abs() < 1e-15);
        // An interval whose lower end is exactly 0 is z = 1.96 away: p = 0.025.
        let edge = MeanCi {
            mean: 1.96,
            ci95: (0.0, 3.92),
        };
        assert!((edge.p_beyond_zero(true) - 0.025).abs() < 1e-4);
        let zero = MeanCi {
            mean: 0.0,
            ci95: (0.0, 0.0),
        };
        assert!(zero.p_beyond_zero(true).is_nan());
    }
}
