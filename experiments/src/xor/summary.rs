//! Per-arm summaries: success with its Wilson interval, epoch spreads with bootstrap intervals
//! of the medians, stop reasons, mirror and dead-data rates, and the write-up's figures beside
//! ours with a verdict each.

use initsift_batch::lockstep::RunOutcome;
use initsift_nn::StopReason;
use serde::{Serialize, Serializer};

use super::arm::{ArmRuns, InitRule};
use crate::seed::derive_seed;
use crate::stats::{
    Spread, Verdict, Z95, bootstrap_ci, median, percentile, rate_verdict, stat_verdict, wilson,
};
use crate::writeup::Published;

/// An epoch statistic the write-up prints for an arm (over all runs, failures included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpochFigure {
    /// The median (relu1's table).
    Median,
    /// The 10th percentile (relu2's table).
    P10,
}

impl EpochFigure {
    /// Both, in the order the figures are listed.
    pub const ALL: [Self; 2] = [Self::Median, Self::P10];

    /// Its name in the JSON: `median_epochs`, `p10_epochs`.
    pub fn key(self) -> &'static str {
        match self {
            Self::Median => "median_epochs",
            Self::P10 => "p10_epochs",
        }
    }

    /// Its name in report tables: `median epochs`, `p10 epochs`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Median => "median epochs",
            Self::P10 => "p10 epochs",
        }
    }

    /// The percentile (0–100) it takes.
    pub fn q(self) -> f64 {
        match self {
            Self::Median => 50.0,
            Self::P10 => 10.0,
        }
    }

    /// The write-up's value, if it printed this statistic.
    pub fn published(self, p: &Published) -> Option<u64> {
        match self {
            Self::Median => p.median_epochs,
            Self::P10 => p.p10_epochs,
        }
    }

    /// Ours, from a spread.
    pub fn of(self, s: &Spread) -> f64 {
        match self {
            Self::Median => s.median,
            Self::P10 => s.p10,
        }
    }
}

/// Counts of each stop reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StopCounts {
    /// Loss below threshold.
    pub converged: usize,
    /// The plateau rule.
    pub plateau: usize,
    /// The epoch budget.
    pub max_epochs: usize,
    /// NaN/Inf.
    pub diverged: usize,
}

impl StopCounts {
    fn of(outcomes: &[RunOutcome]) -> Self {
        let mut c = Self::default();
        for o in outcomes {
            match o.stop {
                StopReason::Converged => c.converged += 1,
                StopReason::Plateau => c.plateau += 1,
                StopReason::MaxEpochs => c.max_epochs += 1,
                StopReason::Diverged => c.diverged += 1,
            }
        }
        c
    }
}

/// One of the write-up's figures beside ours.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    /// What is compared.
    pub figure: String,
    /// The write-up's value.
    pub paper: f64,
    /// Ours.
    pub ours: f64,
    /// The interval the verdict uses (see `basis`).
    pub interval: (f64, f64),
    /// How the interval was made.
    pub basis: String,
    /// consistent / not consistent.
    pub verdict: Verdict,
}

/// The JSON summary of one arm (keys that outside checks read are kept as the issue gives
/// them).
#[derive(Debug, Clone, Serialize)]
pub struct ArmSummary {
    /// Arm name.
    pub name: String,
    /// The loss threshold (null for control and best-of-K).
    pub threshold: Option<f64>,
    /// How inits were chosen.
    #[serde(rename = "selection")]
    pub rule: InitRule,
    /// The stream the inits came from (with `init_index` in the CSV, regenerates each init).
    pub stream_seed: u64,
    /// Runs trained.
    pub runs: usize,
    /// Runs with all four points correct at the end.
    pub successes: usize,
    /// successes / runs.
    pub success_rate: f64,
    /// Wilson 95 % interval.
    pub success_ci95: (f64, f64),
    /// Epochs over all runs.
    pub epochs_all: Option<Spread>,
    /// Bootstrap 95 % interval of the median over all runs.
    pub epochs_all_median_ci95: Option<(f64, f64)>,
    /// Epochs over successful runs.
    pub epochs_success: Option<Spread>,
    /// Bootstrap 95 % interval of the median over successful runs.
    pub epochs_success_median_ci95: Option<(f64, f64)>,
    /// Mean initial loss of the chosen inits.
    pub mean_initial_loss: f64,
    /// Candidates drawn per accepted init.
    pub draws_per_accept: f64,
    /// Candidates drawn in all.
    pub draws: u64,
    /// Whether the draw budget ran out (then `runs` < the runs asked for).
    pub budget_exhausted: bool,
    /// Seconds choosing inits.
    pub sampling_seconds: f64,
    /// Seconds training.
    pub training_seconds: f64,
    /// Mirror pairs (final first-layer row cosine < −0.95) among successful runs.
    pub mirror_rate_success: Option<f64>,
    /// Mirror pairs among all runs (the denominator the write-up's control figure used).
    pub mirror_rate_all: Option<f64>,
    /// Perfect mirrors (cosine within 1e-3 of −1) among successful runs.
    pub perfect_mirror_rate_success: Option<f64>,
    /// Runs whose init had a class-1 point dead (all pre-activations ≤ 0).
    pub dead_class1_init_rate: Option<f64>,
    /// Runs whose init had any point dead.
    pub dead_point_init_rate: Option<f64>,
    /// Why runs stopped.
    pub stop_reasons: StopCounts,
    /// The write-up's figures (in the JSON: its success rate, median and p10 epochs, runs).
    #[serde(serialize_with = "published_json")]
    pub paper: Option<Published>,
    /// Each figure beside ours, with its verdict.
    pub figures: Vec<Figure>,
    /// "consistent" when every figure is, "not consistent" when any is not, "no figure" when
    /// the write-up has none for this arm.
    pub verdict: String,
}

/// The write-up's figures of an arm as the arms JSON gives them (outside checks read
/// `paper.success_rate` and `paper.median_epochs`).
fn published_json<S: Serializer>(p: &Option<Published>, s: S) -> Result<S::Ok, S::Error> {
    #[derive(Serialize)]
    struct Json {
        success_rate: f64,
        median_epochs: Option<f64>,
        p10_epochs: Option<f64>,
        runs: u64,
    }
    p.map(|p| Json {
        success_rate: p.success_rate(),
        median_epochs: p.median_epochs.map(|e| e as f64),
        p10_epochs: p.p10_epochs.map(|e| e as f64),
        runs: Published::RUNS,
    })
    .serialize(s)
}

fn rate_where(
    outcomes: &[RunOutcome],
    keep: impl Fn(&RunOutcome) -> bool,
    hit: impl Fn(&RunOutcome) -> Option<bool>,
) -> Option<f64> {
    let pool: Vec<bool> = outcomes
        .iter()
        .filter(|o| keep(o))
        .filter_map(&hit)
        .collect();
    (!pool.is_empty()).then(|| pool.iter().filter(|&&h| h).count() as f64 / pool.len() as f64)
}

/// The write-up's figures of an arm beside ours: its success rate against the Wilson interval
/// of its k/n, each printed epoch statistic against the range of that statistic over n of our
/// runs (`all`: our epochs over all runs).
fn published_figures(p: &Published, success_rate: f64, all: &[f64], seed: u64) -> Vec<Figure> {
    let n = Published::RUNS;
    let (v, ci) = rate_verdict(p.successes, n, success_rate);
    let mut figures = vec![Figure {
        figure: "success_rate".into(),
        paper: p.success_rate(),
        ours: success_rate,
        interval: ci,
        basis: format!(
            "Wilson 95 % interval of the write-up's {}/{}",
            p.successes, n
        ),
        verdict: v,
    }];
    for e in EpochFigure::ALL {
        let Some(value) = e.published(p).map(|v| v as f64) else {
            continue;
        };
        let stat = |s: &[f64]| percentile(s, e.q());
        figures.extend(
            stat_verdict(value, n as usize, all, stat, derive_seed(seed, e.key())).map(|(v, ci)| Figure {
                figure: e.key().into(),
                paper: value,
                ours: percentile(all, e.q()),
                interval: ci,
                basis: format!("2.5–97.5 % range of the statistic over {n} runs resampled from ours (all runs, as the reference computed it)"),
                verdict: v,
            }),
        );
    }
    figures
}

/// Summarises an arm; `seed` fixes the bootstrap resamples.
pub fn summarize(runs: &ArmRuns, seed: u64) -> ArmSummary {
    let o = &runs.report.outcomes;
    let n = o.len();
    let successes = o.iter().filter(|r| r.success).count();
    let all: Vec<f64> = o.iter().map(|r| r.epochs as f64).collect();
    let succ: Vec<f64> = o
        .iter()
        .filter(|r| r.success)
        .map(|r| r.epochs as f64)
        .collect();
    let boot = |v: &[f64], tag: &str| bootstrap_ci(v, median, 2000, derive_seed(seed, tag));
    let mirror = |r: &RunOutcome| r.final_layer.map(|l| l.is_mirror_pair());
    let success_rate = successes as f64 / n as f64;
    let figures = runs.arm.published.map_or_else(Vec::new, |p| {
        published_figures(&p, success_rate, &all, seed)
    });
    let verdict = if figures.is_empty() {
        "no figure".to_string()
    } else if figures.iter().all(|f| f.verdict == Verdict::Consistent) {
        Verdict::Consistent.as_str().to_string()
    } else {
        Verdict::NotConsistent.as_str().to_string()
    };
    ArmSummary {
        name: runs.arm.name.clone(),
        threshold: runs.arm.rule.threshold(),
        rule: runs.arm.rule,
        stream_seed: runs.stream_seed,
        runs: n,
        successes,
        success_rate,
        success_ci95: wilson(successes as u64, n as u64, Z95),
        epochs_all: Spread::of(&all),
        epochs_all_median_ci95: boot(&all, "boot-all"),
        epochs_success: Spread::of(&succ),
        epochs_success_median_ci95: boot(&succ, "boot-success"),
        mean_initial_loss: runs
            .inits
            .iter()
            .map(|(_, s)| f64::from(s.loss))
            .sum::<f64>()
            / n as f64,
        draws_per_accept: runs.draws as f64 / n as f64,
        draws: runs.draws,
        budget_exhausted: runs.budget_exhausted,
        sampling_seconds: runs.sampling_seconds,
        training_seconds: runs.training_seconds,
        mirror_rate_success: rate_where(o, |r| r.success, mirror),
        mirror_rate_all: rate_where(o, |_| true, mirror),
        perfect_mirror_rate_success: rate_where(
            o,
            |r| r.success,
            |r| r.final_layer.map(|l| l.is_perfect_mirror()),
        ),
        dead_class1_init_rate: rate_where(
            o,
            |_| true,
            |r| r.initial_layer.map(|l| l.dead_points_by_class[1] > 0),
        ),
        dead_point_init_rate: rate_where(
            o,
            |_| true,
            |r| r.initial_layer.map(|l| l.dead_points > 0),
        ),
        stop_reasons: StopCounts::of(o),
        paper: runs.arm.published,
        figures,
        verdict,
    }
}
