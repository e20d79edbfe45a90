//! The machinery the XOR studies share: arms (how each run's initialization is chosen),
//! sampling through the selection strategies, lockstep training, and per-arm summaries with
//! the write-up's figures beside ours.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use initsift_batch::Isa;
use initsift_batch::lockstep::{
    FirstLayerStats, Lockstep, LockstepConfig, LockstepReport, Preset, RunOutcome,
};
use initsift_batch::score::FusedScorer;
use initsift_init::counter::mix64;
use initsift_init::select::{
    Adaptive, BestOfN, Origin, Score, Scorer, Side, Status, Strategy, Threshold, select,
};
use initsift_init::{InitPlan, Stream};
use initsift_nn::StopReason;
use serde::Serialize;

use crate::stats::{
    Spread, Verdict, Z95, bootstrap_ci, median, percentile, rate_verdict, stat_verdict, wilson,
};

/// Derives an independent seed for a named purpose from the master seed.
pub fn derive_seed(master: u64, label: &str) -> u64 {
    // FNV-1a of the label, then SplitMix64's finalizer with the master seed.
    let h = label.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    mix64(master ^ mix64(h))
}

/// How an arm chooses each run's initialization.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Selection {
    /// The stream's candidates in order: the plain initialization.
    Control,
    /// Rejection sampling in index order: accept when the initial loss is below (or above) the
    /// threshold, as the reference code does (but with a budget).
    Threshold {
        /// Accepted side.
        side: Side,
        /// The threshold.
        value: f64,
    },
    /// Each run takes the best of its own `k` candidates.
    BestOf {
        /// Candidates per run.
        k: u64,
    },
    /// A matched control for the dead-data explanation: accept, in index order, inits in which
    /// no class-1 point is dead (all its first-layer pre-activations ≤ 0), whatever the loss.
    Class1Alive,
}

/// The write-up's figures for an arm.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PaperArm {
    /// Successful runs.
    pub successes: u64,
    /// Runs.
    pub runs: u64,
    /// Median epochs (over all runs, as the reference code computed it).
    pub median_epochs: Option<f64>,
    /// 10th-percentile epochs (relu2's table reports this instead of the median).
    pub p10_epochs: Option<f64>,
}

/// One arm of a study.
#[derive(Debug, Clone, PartialEq)]
pub struct Arm {
    /// Its name in the JSON (`control`, `below_0.468`, …).
    pub name: String,
    /// How inits are chosen.
    pub selection: Selection,
    /// The write-up's figures, if it reports this arm.
    pub paper: Option<PaperArm>,
}

/// Everything a study fixes about training.
#[derive(Debug, Clone)]
pub struct Study {
    /// The preset.
    pub preset: Preset,
    /// Its init plan.
    pub plan: InitPlan,
    /// Optimizer, loss and stop rules.
    pub config: LockstepConfig,
    /// The ISA the kernels run on.
    pub isa: Isa,
    /// The master seed.
    pub seed: u64,
    /// Runs per arm.
    pub runs: usize,
}

impl Study {
    /// The scorer of initial losses on XOR under this study's loss: the fused SIMD kernel
    /// (held to the engine's `EngineScorer` candidate by candidate in initsift-batch's tests).
    pub fn scorer(&self) -> Result<Box<dyn Scorer>> {
        Ok(Box::new(
            FusedScorer::new(self.preset, self.config.loss)?.with_isa(Some(self.isa))?,
        ))
    }

    /// The stream named `label`, independent of every other label's.
    pub fn stream(&self, label: &str) -> Result<Stream> {
        Ok(Stream::new(
            &self.preset.spec(),
            &self.plan,
            derive_seed(self.seed, label),
        )?)
    }
}

/// The initial losses of `n` candidates of `stream`, with their accuracies.
pub fn initial_scores(scorer: &dyn Scorer, stream: &Stream, n: usize) -> Result<Vec<Score>> {
    let mut out = vec![
        Score {
            loss: 0.0,
            grad_norm: 0.0,
            accuracy: 0.0
        };
        n
    ];
    for (k, chunk) in out.chunks_mut(1 << 16).enumerate() {
        scorer.score_stream(stream, (k << 16) as u64, false, chunk)?;
    }
    Ok(out)
}

/// The runs of one arm: where each init came from, and what training did.
#[derive(Debug, Clone)]
pub struct ArmRuns {
    /// The arm.
    pub arm: Arm,
    /// The stream's seed.
    pub stream_seed: u64,
    /// Each run's candidate index and initial score.
    pub inits: Vec<(u64, Score)>,
    /// Candidates scored to choose them.
    pub draws: u64,
    /// Whether the draw budget ran out before every run had an init.
    pub budget_exhausted: bool,
    /// Seconds spent choosing inits.
    pub sampling_seconds: f64,
    /// Seconds spent training.
    pub training_seconds: f64,
    /// The lockstep trainer's outcomes.
    pub report: LockstepReport,
}

/// Draw budget for threshold arms: generous (the rarest write-up arm accepts ~0.5 % of draws)
/// but finite, unlike the reference's unbounded loop.
pub fn budget(runs: usize) -> u64 {
    (runs as u64).saturating_mul(2000).max(1_000_000)
}

/// Chooses the arm's inits and trains them.
pub fn run_arm(study: &Study, scorer: &dyn Scorer, arm: &Arm) -> Result<ArmRuns> {
    let stream = study.stream(&format!("arm/{}", arm.name))?;
    let start = Instant::now();
    let runs = study.runs;
    let Chosen {
        inits,
        draws,
        budget_exhausted,
    } = match arm.selection {
        Selection::Control => {
            let scores = initial_scores(scorer, &stream, runs)?;
            let inits = scores
                .into_iter()
                .enumerate()
                .map(|(i, s)| (i as u64, s))
                .collect();
            Chosen {
                inits,
                draws: runs as u64,
                budget_exhausted: false,
            }
        }
        Selection::Threshold { side, value } => {
            let threshold = Threshold::Given { value };
            let strategy = Strategy::Adaptive(Adaptive {
                side,
                threshold,
                count: runs,
                budget: budget(runs),
            });
            let sel = select(&strategy, scorer, &stream)?;
            let budget_exhausted = sel.status == Status::BudgetExhausted;
            Chosen {
                inits: stream_picks(&sel.picks)?,
                draws: sel.draws,
                budget_exhausted,
            }
        }
        Selection::BestOf { k } => {
            let sel = select(&BestOfN { n: k, count: runs }.into(), scorer, &stream)?;
            Chosen {
                inits: stream_picks(&sel.picks)?,
                draws: sel.draws,
                budget_exhausted: false,
            }
        }
        Selection::Class1Alive => class1_alive(scorer, &stream, study.preset, runs)?,
    };
    let sampling_seconds = start.elapsed().as_secs_f64();
    if inits.is_empty() {
        bail!(
            "arm {}: no initialization met its condition within {} draws",
            arm.name,
            draws
        );
    }
    let start = Instant::now();
    let trainer = Lockstep::new(study.config, study.isa)?;
    let report = trainer
        .train_with(inits.len(), |r, out| {
            stream
                .fill(inits[r].0, out)
                .expect("stream and preset lengths agree")
        })
        .with_context(|| format!("training arm {}", arm.name))?;
    Ok(ArmRuns {
        arm: arm.clone(),
        stream_seed: stream.seed(),
        inits,
        draws,
        budget_exhausted,
        sampling_seconds,
        training_seconds: start.elapsed().as_secs_f64(),
        report,
    })
}

/// Scans `stream` in index order for inits with no dead class-1 point, within the budget.
/// The inits an arm chose: (candidate index, initial score) per run, and what it cost.
struct Chosen {
    inits: Vec<(u64, Score)>,
    draws: u64,
    budget_exhausted: bool,
}

fn class1_alive(
    scorer: &dyn Scorer,
    stream: &Stream,
    preset: Preset,
    runs: usize,
) -> Result<Chosen> {
    let mut accepted = Vec::with_capacity(runs);
    let mut params = vec![0.0f32; preset.param_len()];
    let mut index = 0u64;
    while accepted.len() < runs && index < budget(runs) {
        stream.fill(index, &mut params)?;
        let stats = FirstLayerStats::of(preset, &params)
            .context("class-1 filter needs a two-unit first layer")?;
        if stats.dead_points_by_class[1] == 0 {
            accepted.push(index);
        }
        index += 1;
    }
    let mut scores = vec![
        Score {
            loss: 0.0,
            grad_norm: 0.0,
            accuracy: 0.0
        };
        accepted.len()
    ];
    let flat: Vec<f32> = accepted.iter().flat_map(|&i| stream.candidate(i)).collect();
    scorer.score_params(&flat, false, &mut scores)?;
    let budget_exhausted = accepted.len() < runs;
    Ok(Chosen {
        inits: accepted.into_iter().zip(scores).collect(),
        draws: index,
        budget_exhausted,
    })
}

fn stream_picks(picks: &[initsift_init::select::Pick]) -> Result<Vec<(u64, Score)>> {
    picks
        .iter()
        .map(|p| match &p.origin {
            Origin::Stream { candidate } => Ok((candidate.index, p.score)),
            other => bail!("expected a stream candidate, got {other:?}"),
        })
        .collect()
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
    pub selection: Selection,
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
    /// The write-up's figures.
    pub paper: Option<PaperFigures>,
    /// Each figure beside ours, with its verdict.
    pub figures: Vec<Figure>,
    /// "consistent" when every figure is, "not consistent" when any is not, "no figure" when
    /// the write-up has none for this arm.
    pub verdict: String,
}

/// The write-up's figures as the JSON gives them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PaperFigures {
    /// Its success rate.
    pub success_rate: f64,
    /// Its median epochs (over all runs), if reported.
    pub median_epochs: Option<f64>,
    /// Its 10th-percentile epochs, if reported.
    pub p10_epochs: Option<f64>,
    /// Its runs.
    pub runs: u64,
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
    let mut figures = Vec::new();
    if let Some(p) = runs.arm.paper {
        let (v, ci) = rate_verdict(p.successes, p.runs, success_rate);
        figures.push(Figure {
            figure: "success_rate".into(),
            paper: p.successes as f64 / p.runs as f64,
            ours: success_rate,
            interval: ci,
            basis: format!(
                "Wilson 95 % interval of the write-up's {}/{}",
                p.successes, p.runs
            ),
            verdict: v,
        });
        let epoch_figure = |name: &str, value: f64, q: f64| {
            let stat = |s: &[f64]| percentile(s, q);
            stat_verdict(value, p.runs as usize, &all, stat, derive_seed(seed, name)).map(|(v, ci)| Figure {
                figure: name.into(),
                paper: value,
                ours: percentile(&all, q),
                interval: ci,
                basis: format!("2.5–97.5 % range of the statistic over {} runs resampled from ours (all runs, as the reference computed it)", p.runs),
                verdict: v,
            })
        };
        if let Some(m) = p.median_epochs {
            figures.extend(epoch_figure("median_epochs", m, 50.0));
        }
        if let Some(m) = p.p10_epochs {
            figures.extend(epoch_figure("p10_epochs", m, 10.0));
        }
    }
    let verdict = if figures.is_empty() {
        "no figure".to_string()
    } else if figures.iter().all(|f| f.verdict == Verdict::Consistent) {
        Verdict::Consistent.as_str().to_string()
    } else {
        Verdict::NotConsistent.as_str().to_string()
    };
    ArmSummary {
        name: runs.arm.name.clone(),
        threshold: match runs.arm.selection {
            Selection::Threshold { value, .. } => Some(value),
            _ => None,
        },
        selection: runs.arm.selection,
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
        paper: runs.arm.paper.map(|p| PaperFigures {
            success_rate: p.successes as f64 / p.runs as f64,
            median_epochs: p.median_epochs,
            p10_epochs: p.p10_epochs,
            runs: p.runs,
        }),
        figures,
        verdict,
    }
}

/// The per-run CSV of a study (one row per run of every arm).
pub fn runs_csv(arms: &[ArmRuns]) -> String {
    let mut s = String::from(
        "arm,run,stream_seed,init_index,initial_loss,initial_accuracy,epochs,stop,final_loss,final_accuracy,success,distance,dead_points_init,dead_class1_init,row_cosine_final,mirror_final\n",
    );
    for a in arms {
        for (r, (o, (index, _))) in a.report.outcomes.iter().zip(&a.inits).enumerate() {
            let stop = match o.stop {
                StopReason::Converged => "converged",
                StopReason::Plateau => "plateau",
                StopReason::MaxEpochs => "max_epochs",
                StopReason::Diverged => "diverged",
            };
            let (dead, dead1) = o.initial_layer.map_or((String::new(), String::new()), |l| {
                (
                    l.dead_points.to_string(),
                    l.dead_points_by_class[1].to_string(),
                )
            });
            let (cos, mirror) = o.final_layer.map_or((String::new(), String::new()), |l| {
                (
                    format!("{:.6}", l.row_cosine),
                    l.is_mirror_pair().to_string(),
                )
            });
            s.push_str(&format!(
                "{},{r},{},{index},{:.9},{},{},{stop},{:.9e},{},{},{:.6},{dead},{dead1},{cos},{mirror}\n",
                a.arm.name, a.stream_seed, o.initial_loss, o.initial_accuracy, o.epochs, o.final_loss, o.final_accuracy, o.success, o.distance
            ));
        }
    }
    s
}

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
        let p = |q| crate::stats::percentile_sorted(&v, q);
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
