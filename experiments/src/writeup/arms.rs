//! The loss-sampling arms and the 100-draw scans of the write-up, replayed and compared with its
//! printed figures.

use anyhow::{Result, bail};
use initsift_batch::Isa;
use initsift_batch::lockstep::{Lockstep, LockstepConfig, RunOutcome};
use initsift_batch::score::FusedScorer;
use initsift_init::select::{Score, Scorer};
use serde::Serialize;

use super::{Published, StudyId, load, recipe, train_arm};
use crate::report::md_table;
use crate::stats::{mean, percentile};
use crate::xor::{LossStats, writeup_accuracy_buckets};

/// One replayed arm: the write-up's figures computed from initsift's runs, and its published ones.
#[derive(Debug, Clone, Serialize)]
pub struct ReplayArm {
    /// The arm.
    pub name: String,
    /// Runs (50).
    pub runs: usize,
    /// Successful runs (all four points correct).
    pub successes: u64,
    /// `int(np.percentile(epochs, 50))` over all runs.
    pub median_epochs: u64,
    /// Fewest epochs.
    pub min_epochs: u64,
    /// Most epochs.
    pub max_epochs: u64,
    /// `int(np.percentile(epochs, 10))`.
    pub p10_epochs: u64,
    /// Runs with a mirror pair, counted as the reference counts them.
    pub mirror_pairs: u64,
    /// Mean redraws per accepted init in the reference's sampling loop.
    pub mean_draws: f64,
    /// Runs whose epochs, stop reason and final accuracy equal PyTorch's.
    pub same_as_torch: usize,
    /// What the write-up printed.
    pub published: Published,
    /// Every run's outcome, for checks of the write-up's statements (not serialized).
    #[serde(skip)]
    pub outcomes: Vec<RunOutcome>,
}

impl ReplayArm {
    /// Whether every printed figure equals ours.
    pub fn matches_published(&self) -> bool {
        let p = &self.published;
        p.successes == self.successes
            && p.median_epochs.is_none_or(|m| m == self.median_epochs)
            && p.range
                .is_none_or(|r| r == (self.min_epochs, self.max_epochs))
            && p.p10_epochs.is_none_or(|q| q == self.p10_epochs)
            && p.mirror_pairs.is_none_or(|m| m == self.mirror_pairs)
    }
}

/// The scan's statistics, computed by the fused scorer from the write-up's 100 inits.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ReplayScan {
    /// Initial-loss statistics (numpy's linear-interpolation percentiles).
    pub losses: LossStats,
    /// Shares of initial accuracy 100 %, 75 %, 50 %, ≤ 25 %, in percent.
    pub accuracy_pct: [f64; 4],
}

/// A replayed study.
#[derive(Debug, Clone, Serialize)]
pub struct Replay {
    /// The reference's seed.
    pub seed: u64,
    /// The PyTorch version that recorded the comparison outcomes.
    pub torch_version: String,
    /// The 100-draw scan (none for a study without one).
    pub scan: Option<ReplayScan>,
    /// Whether the control arm's inits are the first runs of the scan (the thresholds and the
    /// control then share draws, so the arms are not independent of the thresholds).
    pub control_is_scan_prefix: bool,
    /// The arms.
    pub arms: Vec<ReplayArm>,
}

/// `int(np.percentile(values, q))`, the write-up's epoch figure.
fn truncated_percentile(values: &[f64], q: f64) -> u64 {
    percentile(values, q) as u64
}

/// Replays the study's runs with the lockstep trainer under its [`recipe`] on `isa`, beside
/// each arm's printed figures.
pub fn replay(id: StudyId, isa: Isa) -> Result<Replay> {
    let Some(published) = id.published() else {
        bail!("the write-up prints no arm figures for {}", id.name());
    };
    let config = recipe(id);
    let (runs, torch_version) = load(id)?;
    let scan = if runs.scan.is_empty() {
        None
    } else {
        let scores = initial_scores(&runs.scan, config, isa)?;
        let losses: Vec<f64> = scores.iter().map(|s| f64::from(s.loss)).collect();
        Some(ReplayScan {
            losses: LossStats::of(&losses),
            accuracy_pct: writeup_accuracy_buckets(&scores).map(|share| 100.0 * share),
        })
    };

    let control_is_scan_prefix = runs.arms.iter().any(|a| {
        a.name == "control"
            && a.runs.len() <= runs.scan.len()
            && a.runs.iter().zip(&runs.scan).all(|(r, s)| r.init == *s)
    });

    let trainer = Lockstep::new(config, isa)?;
    let mut arms = Vec::new();
    for arm in &runs.arms {
        let Some(printed) = published.arm(&arm.name) else {
            bail!("no published figures for arm {} of {}", arm.name, id.name());
        };
        let (report, same_as_torch) = train_arm(&trainer, arm)?;
        let epochs: Vec<f64> = report.outcomes.iter().map(|o| o.epochs as f64).collect();
        let draws: Vec<f64> = arm.runs.iter().map(|r| r.draws as f64).collect();
        arms.push(ReplayArm {
            name: arm.name.clone(),
            runs: arm.runs.len(),
            successes: report.outcomes.iter().filter(|o| o.success).count() as u64,
            median_epochs: truncated_percentile(&epochs, 50.0),
            min_epochs: truncated_percentile(&epochs, 0.0),
            max_epochs: truncated_percentile(&epochs, 100.0),
            p10_epochs: truncated_percentile(&epochs, 10.0),
            mirror_pairs: report
                .outcomes
                .iter()
                .filter(|o| {
                    o.final_accuracy >= 0.75 && o.final_layer.is_some_and(|l| l.is_mirror_pair())
                })
                .count() as u64,
            mean_draws: mean(&draws),
            same_as_torch,
            published: printed,
            outcomes: report.outcomes,
        });
    }
    Ok(Replay {
        seed: runs.seed,
        torch_version,
        scan,
        control_is_scan_prefix,
        arms,
    })
}

/// The initial scores (loss, accuracy) of `inits` through the fused scorer of `config`'s preset
/// and loss.
fn initial_scores(inits: &[Vec<f32>], config: LockstepConfig, isa: Isa) -> Result<Vec<Score>> {
    let scorer = FusedScorer::new(config.preset, config.loss)?.with_isa(Some(isa))?;
    let params: Vec<f32> = inits.iter().flatten().copied().collect();
    let mut scores = vec![Score::NAN; inits.len()];
    scorer.score_params(&params, false, &mut scores)?;
    Ok(scores)
}

/// The replay as a report section.
pub fn replay_md(id: StudyId, r: &Replay) -> String {
    let study = id.name();
    let paper = id.published().map(|p| p.scan);
    let scan = r
        .scan
        .as_ref()
        .zip(paper)
        .map_or_else(String::new, |(scan, paper)| {
            let s = &scan.losses;
            md_table(
                &[
                    "statistic",
                    "write-up (100 draws)",
                    "initsift, the same 100 inits",
                ],
                &[
                    ("mean", paper.mean, s.mean),
                    ("median", paper.median, s.median),
                    ("25th percentile", paper.p25, s.p25),
                    ("minimum", paper.min, s.min),
                    ("maximum", paper.max, s.max),
                ]
                .map(|(name, theirs, ours)| {
                    vec![name.to_string(), format!("{theirs}"), format!("{ours:.4}")]
                })
                .into_iter()
                .chain([vec![
                    "initial accuracy 100 / 75 / 50 / ≤ 25 % (percent of draws)".to_string(),
                    paper.accuracy_pct.map(|p| p.to_string()).join(" / "),
                    scan.accuracy_pct.map(|p| format!("{p:.0}")).join(" / "),
                ]])
                .collect::<Vec<_>>(),
            )
        });
    let conclusion = if r
        .arms
        .iter()
        .all(|a| a.matches_published() && a.same_as_torch == a.runs)
    {
        "So initsift computes what the reference computed, run for run; the write-up's figures are what \
         its 50 draws gave. Where they differ from the 10⁴-run figures in this report, that is the \
         spread of a 50-run sample, not a different computation."
    } else {
        "**Some figures or runs differ** (rows above): initsift does not reproduce the reference's \
         computation there."
    };
    let epochs = |e: Option<u64>| e.map_or("–".to_string(), |e| e.to_string());
    let rows: Vec<Vec<String>> = r
        .arms
        .iter()
        .map(|a| {
            let p = &a.published;
            vec![
                a.name.clone(),
                format!("{}/{}", p.successes, a.runs),
                format!("{}/{}", a.successes, a.runs),
                epochs(p.median_epochs),
                a.median_epochs.to_string(),
                p.range.map_or("–".into(), |(lo, hi)| format!("{lo}–{hi}")),
                format!("{}–{}", a.min_epochs, a.max_epochs),
                epochs(p.p10_epochs),
                a.p10_epochs.to_string(),
                epochs(p.mirror_pairs),
                a.mirror_pairs.to_string(),
                format!("{:.1}", a.mean_draws),
                format!("{}/{}", a.same_as_torch, a.runs),
                if a.matches_published() {
                    "yes"
                } else {
                    "**no**"
                }
                .into(),
            ]
        })
        .collect();
    let arms = md_table(
        &[
            "arm",
            "success, write-up",
            "success, initsift",
            "median epochs, write-up",
            "initsift",
            "range, write-up",
            "initsift",
            "p10 epochs, write-up",
            "initsift",
            "mirror pairs, write-up",
            "initsift",
            "redraws per init",
            "runs as in PyTorch",
            "all printed figures equal",
        ],
        &rows,
    );
    format!(
        "The write-up's tables come from 50 runs per arm drawn from one seeded stream (seed {}). \
         Replaying the reference code's sequence of `torch.nn.init` calls from that seed regenerates \
         its exact inits (`tools/pytorch/writeup_runs.py`, which also records each run in \
         PyTorch {}); `{study}` trains them with initsift's lockstep trainer and summarises them as the \
         write-up did (epochs: `int(np.percentile(...))` over all runs, failures included). \
         \"Runs as in PyTorch\": same epochs, stop reason and final accuracy. Mirror pairs are counted as \
         the reference counts them: runs with final accuracy ≥ 0.75 whose two first-layer weight rows have \
         cosine < −0.95.\n\n\
         {scan}\n{}\n{arms}\n\
         {}\n",
        r.seed,
        r.torch_version,
        if r.control_is_scan_prefix {
            "The control's 50 inits are the first 50 of these 100: the thresholds were measured on \
             the control's own draws.\n"
        } else {
            "The control's inits are not the first draws of the scan.\n"
        },
        conclusion,
    )
}
