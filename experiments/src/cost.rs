//! The proposal's cost–benefit model (seeds/000 §3.4, §4.2, §5.3), computed from measured
//! runs: expected time to a success counting sampling and restarts, net benefit against the
//! plain draw, the break-even and the best sampling budget, the §4.2 heuristic against what was
//! measured, the §5.3 bound, and the per-FLOP extrapolation (a model, not a measurement).

use serde::Serialize;

use crate::stats::Z95;

/// Measured unit costs of one configuration.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct UnitCosts {
    /// Seconds to score one candidate (one forward pass over the data).
    pub seconds_per_candidate: f64,
    /// Seconds for one epoch of one run.
    pub seconds_per_epoch: f64,
}

/// What a selection rule did, per run: the inputs of the cost model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ArmOutcomes {
    /// Candidates scored per run.
    pub draws_per_run: f64,
    /// Runs.
    pub runs: usize,
    /// Successful runs.
    pub successes: usize,
    /// Mean epochs over all runs (a failed run's epochs are spent before the restart).
    pub mean_epochs: f64,
    /// Sample variance of epochs.
    pub var_epochs: f64,
    /// Sample covariance of epochs and the success indicator.
    pub cov_epochs_success: f64,
}

impl ArmOutcomes {
    /// The summary of runs given as (epochs, success).
    pub fn of(draws_per_run: f64, runs: &[(f64, bool)]) -> Self {
        let n = runs.len() as f64;
        let successes = runs.iter().filter(|r| r.1).count();
        let mean_epochs = runs.iter().map(|r| r.0).sum::<f64>() / n;
        let p = successes as f64 / n;
        let denom = (n - 1.0).max(1.0);
        let var_epochs = runs
            .iter()
            .map(|r| (r.0 - mean_epochs).powi(2))
            .sum::<f64>()
            / denom;
        let cov_epochs_success = runs
            .iter()
            .map(|r| (r.0 - mean_epochs) * (f64::from(u8::from(r.1)) - p))
            .sum::<f64>()
            / denom;
        Self {
            draws_per_run,
            runs: runs.len(),
            successes,
            mean_epochs,
            var_epochs,
            cov_epochs_success,
        }
    }

    /// The success rate.
    pub fn success_rate(&self) -> f64 {
        self.successes as f64 / self.runs as f64
    }
}

/// A value with its standard error and normal 95 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// The point estimate.
    pub value: f64,
    /// Its standard error (delta method; the unit costs are taken as fixed).
    pub se: f64,
    /// value ± 1.96 se.
    pub ci95: (f64, f64),
}

impl Estimate {
    fn new(value: f64, se: f64) -> Self {
        Self {
            value,
            se,
            ci95: (value - Z95 * se, value + Z95 * se),
        }
    }
}

/// Expected seconds to one success when a failed run is restarted from a fresh selection:
/// T = (draws·t_c + E[epochs]·t_e) / p. `None` when no run succeeded.
pub fn time_to_success(arm: &ArmOutcomes, costs: UnitCosts) -> Option<Estimate> {
    if arm.successes == 0 {
        return None;
    }
    let n = arm.runs as f64;
    let p = arm.success_rate();
    let (tc, te) = (costs.seconds_per_candidate, costs.seconds_per_epoch);
    let attempt = arm.draws_per_run * tc + arm.mean_epochs * te;
    let t = attempt / p;
    // Delta method in (mean epochs, p): ∂T/∂E = t_e/p, ∂T/∂p = −T/p.
    let (de, dp) = (te / p, -t / p);
    let var = de * de * arm.var_epochs / n
        + dp * dp * p * (1.0 - p) / n
        + 2.0 * de * dp * arm.cov_epochs_success / n;
    Some(Estimate::new(t, var.max(0.0).sqrt()))
}

/// Net benefit of `arm` over `baseline` (independent runs): T(baseline) − T(arm), positive when
/// the selection pays for itself. `None` when either never succeeded.
pub fn net_benefit(
    baseline: &ArmOutcomes,
    arm: &ArmOutcomes,
    costs: UnitCosts,
) -> Option<Estimate> {
    let b = time_to_success(baseline, costs)?;
    let a = time_to_success(arm, costs)?;
    Some(Estimate::new(b.value - a.value, b.se.hypot(a.se)))
}

/// Epochs saved per run (mean over all runs), with its standard error.
pub fn epochs_saved(baseline: &ArmOutcomes, arm: &ArmOutcomes) -> Estimate {
    let se = (baseline.var_epochs / baseline.runs as f64 + arm.var_epochs / arm.runs as f64).sqrt();
    Estimate::new(baseline.mean_epochs - arm.mean_epochs, se)
}

/// Where sampling stops paying for itself.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "n_samples")]
pub enum BreakEven {
    /// Net benefit is already ≤ 0 at the smallest budget measured.
    Never,
    /// The budget at which net benefit falls to 0 (linear between measured budgets).
    At(f64),
    /// Net benefit is still positive at the largest budget measured.
    Beyond(f64),
}

/// The break-even budget from measured `(n_samples, net benefit)` points; the plain draw
/// (n = 1, net 0) is the implicit start. Points need not be sorted.
pub fn break_even(points: &[(f64, f64)]) -> BreakEven {
    let mut pts: Vec<(f64, f64)> = points.iter().copied().filter(|p| p.1.is_finite()).collect();
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let Some(&(_, first_net)) = pts.first() else {
        return BreakEven::Never;
    };
    if first_net <= 0.0 {
        return BreakEven::Never;
    }
    for w in pts.windows(2) {
        let ((n0, b0), (n1, b1)) = (w[0], w[1]);
        if b0 > 0.0 && b1 <= 0.0 {
            return BreakEven::At(n0 + (n1 - n0) * b0 / (b0 - b1));
        }
    }
    BreakEven::Beyond(pts[pts.len() - 1].0)
}

/// The budget with the least expected time to a success among `(n_samples, time)` points
/// (`None` when no point has a finite time).
pub fn optimum(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    points
        .iter()
        .copied()
        .filter(|p| p.1.is_finite())
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.total_cmp(&b.0)))
}

/// The epoch reduction the proposal's §4.2 heuristic assumes.
pub const ASSUMED_EPOCH_REDUCTION: f64 = 0.2;

/// seeds/000 §4.2, `should_use_sampling_init`: sampling pays when 20 % of the expected epochs
/// cost more than `n_samples` forward passes.
pub fn should_use_sampling_init(n_samples: f64, expected_epochs: f64, costs: UnitCosts) -> bool {
    ASSUMED_EPOCH_REDUCTION * expected_epochs * costs.seconds_per_epoch
        > n_samples * costs.seconds_per_candidate
}

/// One configuration judged by the heuristic and by measurement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeuristicCase {
    /// What the heuristic said.
    pub said_yes: bool,
    /// Whether the measured net benefit was positive.
    pub worth_it: bool,
    /// Measured relative epoch reduction (mean over all runs).
    pub epoch_reduction: f64,
    /// Measured change of the success rate.
    pub success_change: f64,
    /// Why the heuristic was wrong (empty when it was right).
    pub why_wrong: String,
}

impl HeuristicCase {
    /// Judges one arm against its baseline.
    pub fn judge(baseline: &ArmOutcomes, arm: &ArmOutcomes, costs: UnitCosts) -> Option<Self> {
        let net = net_benefit(baseline, arm, costs)?;
        let said_yes = should_use_sampling_init(arm.draws_per_run, baseline.mean_epochs, costs);
        let worth_it = net.value > 0.0;
        let epoch_reduction = 1.0 - arm.mean_epochs / baseline.mean_epochs;
        let success_change = arm.success_rate() - baseline.success_rate();
        let why_wrong = match (said_yes, worth_it) {
            (true, false) if epoch_reduction < ASSUMED_EPOCH_REDUCTION => format!(
                "epochs fell {:.0} %, not the assumed 20 %",
                100.0 * epoch_reduction
            ),
            (true, false) => "success rate fell, so restarts ate the saving".to_string(),
            (false, true) if success_change > 0.0 => format!(
                "it ignores restarts: success rose {:+.1} points",
                100.0 * success_change
            ),
            (false, true) => format!(
                "epochs fell {:.0} %, more than the assumed 20 %",
                100.0 * epoch_reduction
            ),
            _ => String::new(),
        };
        Some(Self {
            said_yes,
            worth_it,
            epoch_reduction,
            success_change,
            why_wrong,
        })
    }
}

/// The heuristic's confusion table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Confusion {
    /// Said yes, was worth it.
    pub yes_worth: usize,
    /// Said yes, was not.
    pub yes_not_worth: usize,
    /// Said no, was worth it.
    pub no_worth: usize,
    /// Said no, was not.
    pub no_not_worth: usize,
}

impl Confusion {
    /// Counts cases.
    pub fn of<'a>(cases: impl IntoIterator<Item = &'a HeuristicCase>) -> Self {
        let mut c = Self::default();
        for case in cases {
            match (case.said_yes, case.worth_it) {
                (true, true) => c.yes_worth += 1,
                (true, false) => c.yes_not_worth += 1,
                (false, true) => c.no_worth += 1,
                (false, false) => c.no_not_worth += 1,
            }
        }
        c
    }

    /// Share of cases the heuristic got right.
    pub fn accuracy(&self) -> f64 {
        let total = self.yes_worth + self.yes_not_worth + self.no_worth + self.no_not_worth;
        (self.yes_worth + self.no_not_worth) as f64 / total.max(1) as f64
    }
}

/// seeds/000 §5.3: `best_possible_epochs = min_distance / rate`, read from the linear fit
/// `epochs = α·distance + β` over runs; `improvement_ratio = best_possible / mean epochs`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DistanceBound {
    /// Epochs per unit of init-to-solution distance.
    pub alpha: f64,
    /// Intercept.
    pub beta: f64,
    /// The least distance seen.
    pub min_distance: f64,
    /// α·min_distance + β.
    pub best_possible_epochs: f64,
    /// Mean epochs of the runs fitted.
    pub mean_epochs: f64,
    /// best_possible / mean.
    pub improvement_ratio: f64,
}

/// The §5.3 bound from `(distance, epochs)` of runs; `None` for fewer than two distinct
/// distances.
pub fn distance_bound(runs: &[(f64, f64)]) -> Option<DistanceBound> {
    let n = runs.len() as f64;
    let mx = runs.iter().map(|r| r.0).sum::<f64>() / n;
    let my = runs.iter().map(|r| r.1).sum::<f64>() / n;
    let sxx: f64 = runs.iter().map(|r| (r.0 - mx).powi(2)).sum();
    if runs.len() < 2 || sxx <= 0.0 {
        return None;
    }
    let sxy: f64 = runs.iter().map(|r| (r.0 - mx) * (r.1 - my)).sum();
    let alpha = sxy / sxx;
    let beta = my - alpha * mx;
    let min_distance = runs.iter().map(|r| r.0).fold(f64::INFINITY, f64::min);
    let best_possible_epochs = alpha * min_distance + beta;
    Some(DistanceBound {
        alpha,
        beta,
        min_distance,
        best_possible_epochs,
        mean_epochs: my,
        improvement_ratio: best_possible_epochs / my,
    })
}

/// A model size for the on-paper extrapolation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ModelScale {
    /// A label.
    pub name: &'static str,
    /// Forward FLOPs per sample.
    pub forward_flops: f64,
    /// Training samples per epoch.
    pub train_samples: f64,
    /// Samples each candidate is scored on.
    pub score_samples: f64,
    /// Epochs a plain init needs.
    pub baseline_epochs: f64,
}

/// The extrapolated cost–benefit of one model at one budget.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Extrapolation {
    /// Seconds to score one candidate: forward FLOPs × score samples × seconds per FLOP.
    pub seconds_per_candidate: f64,
    /// Seconds per epoch: 3 × forward FLOPs × train samples × seconds per FLOP.
    pub seconds_per_epoch: f64,
    /// The largest budget that pays for a relative epoch saving `saving`:
    /// 1 + saving·E·t_epoch / t_candidate.
    pub break_even_n: f64,
}

/// Extrapolates from measured seconds per FLOP (one rate for scoring, one for training): an
/// epoch costs about 3 forward passes per sample, a candidate one forward pass over the scoring
/// samples; `saving` is the relative epoch reduction assumed to carry over.
pub fn extrapolate(
    model: &ModelScale,
    seconds_per_score_flop: f64,
    seconds_per_train_flop: f64,
    saving: f64,
) -> Extrapolation {
    let seconds_per_candidate = model.forward_flops * model.score_samples * seconds_per_score_flop;
    let seconds_per_epoch =
        3.0 * model.forward_flops * model.train_samples * seconds_per_train_flop;
    Extrapolation {
        seconds_per_candidate,
        seconds_per_epoch,
        break_even_n: 1.0
            + saving * model.baseline_epochs * seconds_per_epoch / seconds_per_candidate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arm(draws: f64, epochs: f64, successes: usize, runs: usize) -> ArmOutcomes {
        let v: Vec<(f64, bool)> = (0..runs).map(|i| (epochs, i < successes)).collect();
        ArmOutcomes::of(draws, &v)
    }

    #[test]
    fn break_even_on_a_constructed_case() {
        // Selection saves 50 epochs whatever the budget; an epoch costs 1 s, a candidate 0.1 s.
        // Net benefit at n is 50 − 0.1·(n − 1): zero at n = 501.
        let costs = UnitCosts {
            seconds_per_candidate: 0.1,
            seconds_per_epoch: 1.0,
        };
        let base = arm(1.0, 100.0, 10, 10);
        let points: Vec<(f64, f64)> = [10.0, 100.0, 500.0, 1000.0]
            .iter()
            .map(|&n| {
                let a = arm(n, 50.0, 10, 10);
                (n, net_benefit(&base, &a, costs).unwrap().value)
            })
            .collect();
        assert!((points[0].1 - (50.0 - 0.9)).abs() < 1e-9);
        match break_even(&points) {
            BreakEven::At(n) => assert!((n - 501.0).abs() < 1e-9, "{n}"),
            other => panic!("{other:?}"),
        }
        let times: Vec<(f64, f64)> = points.iter().map(|&(n, b)| (n, 100.1 - b)).collect();
        assert_eq!(optimum(&times).unwrap().0, 10.0);
    }

    #[test]
    fn restarts_count_in_time_to_success() {
        let costs = UnitCosts {
            seconds_per_candidate: 0.0,
            seconds_per_epoch: 1.0,
        };
        // Half the runs succeed: a success takes two attempts of 100 epochs on average.
        let t = time_to_success(&arm(1.0, 100.0, 5, 10), costs).unwrap();
        assert!((t.value - 200.0).abs() < 1e-12);
        assert!(time_to_success(&arm(1.0, 100.0, 0, 10), costs).is_none());
    }

    #[test]
    fn break_even_edges() {
        assert_eq!(break_even(&[(10.0, -1.0), (100.0, 5.0)]), BreakEven::Never);
        assert_eq!(
            break_even(&[(10.0, 1.0), (100.0, 5.0)]),
            BreakEven::Beyond(100.0)
        );
        assert_eq!(break_even(&[]), BreakEven::Never);
    }

    #[test]
    fn delta_method_matches_the_binomial_variance() {
        // Constant epochs: all variance is the success rate's, Var(T) = (T/p)² p(1−p)/n.
        let costs = UnitCosts {
            seconds_per_candidate: 0.0,
            seconds_per_epoch: 1.0,
        };
        let a = arm(1.0, 10.0, 40, 100);
        let t = time_to_success(&a, costs).unwrap();
        let want = (t.value / 0.4) * (0.4f64 * 0.6 / 100.0).sqrt();
        assert!((t.se - want).abs() < 1e-12);
    }

    #[test]
    fn heuristic_confusion_on_constructed_cases() {
        let costs = UnitCosts {
            seconds_per_candidate: 0.01,
            seconds_per_epoch: 1.0,
        };
        let base = arm(1.0, 100.0, 5, 10);
        // 20 % of 100 epochs = 20 s > 100 × 0.01 s: it says yes. Same epochs, same success: the
        // sampling is lost, so it was wrong.
        let flat = HeuristicCase::judge(&base, &arm(100.0, 100.0, 5, 10), costs).unwrap();
        assert!(flat.said_yes && !flat.worth_it);
        assert!(flat.why_wrong.contains("not the assumed 20 %"));
        // 5000 draws cost 50 s: it says no; but success doubles, halving restarts.
        let rescue = HeuristicCase::judge(&base, &arm(5000.0, 100.0, 10, 10), costs).unwrap();
        assert!(!rescue.said_yes && rescue.worth_it);
        assert!(rescue.why_wrong.contains("restarts"));
        let c = Confusion::of([&flat, &rescue]);
        assert_eq!((c.yes_not_worth, c.no_worth, c.accuracy()), (1, 1, 0.0));
    }

    #[test]
    fn distance_bound_recovers_a_line() {
        let runs: Vec<(f64, f64)> = (1..=10).map(|d| (d as f64, 3.0 * d as f64 + 7.0)).collect();
        let b = distance_bound(&runs).unwrap();
        assert!((b.alpha - 3.0).abs() < 1e-12 && (b.beta - 7.0).abs() < 1e-12);
        assert!((b.best_possible_epochs - 10.0).abs() < 1e-12);
        assert!((b.improvement_ratio - 10.0 / 23.5).abs() < 1e-12);
        assert!(distance_bound(&[(1.0, 2.0), (1.0, 3.0)]).is_none());
    }

    #[test]
    fn extrapolation_break_even() {
        let m = ModelScale {
            name: "m",
            forward_flops: 1e6,
            train_samples: 1000.0,
            score_samples: 100.0,
            baseline_epochs: 50.0,
        };
        let e = extrapolate(&m, 1e-9, 1e-9, 0.2);
        // An epoch is 30 candidates; 20 % of 50 epochs = 10 epochs = 300 candidates.
        assert!((e.break_even_n - 301.0).abs() < 1e-9);
    }
}
