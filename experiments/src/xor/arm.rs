//! Arms: how each run's initialization is chosen (through the selection strategies or a scan),
//! and the lockstep training of the chosen inits.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use initsift_batch::Preset;
use initsift_batch::lockstep::{FirstLayerStats, Lockstep, LockstepReport};
use initsift_init::Stream;
use initsift_init::select::{
    Adaptive, BestOfN, Origin, Pick, Score, Scorer, Side, Status, Strategy, Threshold, select,
};
use serde::Serialize;

use super::Study;
use super::summary::{ArmSummary, summarize};
use crate::driver::with_progress;
use crate::seed::derive_seed;
use crate::writeup::Published;

/// How an arm chooses each run's initialization.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum InitRule {
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

impl InitRule {
    /// The threshold of a threshold rule.
    pub fn threshold(&self) -> Option<f64> {
        match *self {
            Self::Threshold { value, .. } => Some(value),
            _ => None,
        }
    }

    /// Whether this is rejection sampling below a threshold.
    pub fn is_below(&self) -> bool {
        matches!(
            self,
            Self::Threshold {
                side: Side::Below,
                ..
            }
        )
    }
}

/// One arm of a study.
#[derive(Debug, Clone, PartialEq)]
pub struct Arm {
    /// Its name in the reports (`control`, `below_0.468`, …); it also names its stream.
    pub name: String,
    /// How inits are chosen.
    pub rule: InitRule,
    /// The write-up's figures, if it reports this arm.
    pub published: Option<Published>,
}

/// The initial losses of `n` candidates of `stream`, with their accuracies.
pub fn initial_scores(scorer: &dyn Scorer, stream: &Stream, n: usize) -> Result<Vec<Score>> {
    let mut out = vec![Score::NAN; n];
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

/// The inits an arm chose: (candidate index, initial score) per run, and what it cost.
struct Chosen {
    inits: Vec<(u64, Score)>,
    draws: u64,
    budget_exhausted: bool,
}

/// Chooses the arm's inits from its own stream (`arm/NAME`) and trains them.
pub fn run_arm(study: &Study, scorer: &dyn Scorer, arm: &Arm) -> Result<ArmRuns> {
    let stream = study.stream(&format!("arm/{}", arm.name))?;
    let start = Instant::now();
    let runs = study.runs;
    let Chosen {
        inits,
        draws,
        budget_exhausted,
    } = match arm.rule {
        InitRule::Control => Chosen {
            inits: (0u64..)
                .zip(initial_scores(scorer, &stream, runs)?)
                .collect(),
            draws: runs as u64,
            budget_exhausted: false,
        },
        InitRule::Threshold { side, value } => {
            let strategy = Strategy::Adaptive(Adaptive {
                side,
                threshold: Threshold::Given { value },
                count: runs,
                budget: budget(runs),
            });
            let sel = select(&strategy, scorer, &stream)?;
            Chosen {
                inits: stream_picks(&sel.picks)?,
                draws: sel.draws,
                budget_exhausted: sel.status == Status::BudgetExhausted,
            }
        }
        InitRule::BestOf { k } => {
            let sel = select(&BestOfN { n: k, count: runs }.into(), scorer, &stream)?;
            Chosen {
                inits: stream_picks(&sel.picks)?,
                draws: sel.draws,
                budget_exhausted: false,
            }
        }
        InitRule::Class1Alive => class1_alive(scorer, &stream, study.preset(), runs)?,
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

/// Runs every arm (a progress bar on stderr) and summarises each with bootstrap resamples
/// seeded by its name.
pub fn run_arms(study: &Study, arms: &[Arm]) -> Result<Vec<(ArmRuns, ArmSummary)>> {
    let scorer = study.scorer()?;
    with_progress(
        arms,
        "arms",
        |arm| &arm.name,
        |arm| {
            let runs = run_arm(study, scorer.as_ref(), arm)?;
            let summary = summarize(&runs, derive_seed(study.seed, &arm.name));
            Ok((runs, summary))
        },
    )
}

/// Scans `stream` in index order for inits with no dead class-1 point, within the budget.
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
    let mut scores = vec![Score::NAN; accepted.len()];
    let flat: Vec<f32> = accepted.iter().flat_map(|&i| stream.candidate(i)).collect();
    scorer.score_params(&flat, false, &mut scores)?;
    let budget_exhausted = accepted.len() < runs;
    Ok(Chosen {
        inits: accepted.into_iter().zip(scores).collect(),
        draws: index,
        budget_exhausted,
    })
}

fn stream_picks(picks: &[Pick]) -> Result<Vec<(u64, Score)>> {
    picks
        .iter()
        .map(|p| match &p.origin {
            Origin::Stream { candidate } => Ok((candidate.index, p.score)),
            other => bail!("expected a stream candidate, got {other:?}"),
        })
        .collect()
}
