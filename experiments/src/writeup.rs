//! The write-up's own runs, replayed: the exact initializations behind its tables — the
//! loss-sampling arms and the abs1 runs of its convergence-time article — regenerated from its
//! seeds by tools/pytorch/writeup_runs.py (which also records what PyTorch makes of each run),
//! trained again here and summarised as the write-up summarised them.
//!
//! This separates the two questions a re-check must not mix: does initsift compute what the
//! reference computed (then these 50-run tables come out exactly as published), and what do the
//! claims look like at 10⁴ runs per arm (the rest of each report).

use anyhow::{Context, Result, bail};
use initsift_batch::Isa;
use initsift_batch::lockstep::Preset;
use initsift_batch::lockstep::{Lockstep, LockstepConfig, LockstepReport, RunOutcome};
use initsift_batch::score::FusedScorer;
use initsift_init::select::Score;
use initsift_nn::{Adam, Loss, OptimizerConfig, StopReason, StopRules, Trainer};
use serde::{Deserialize, Serialize};

use crate::report::md_table;
use crate::stats::{least_squares_r2, mean, pearson, percentile};
use crate::study::PaperScan;
use crate::xor::accuracy_buckets;

/// The fixture, embedded so the binaries need no path.
const FIXTURE: &str = include_str!("../fixtures/writeup_runs.json");

/// What PyTorch did with one run under the reference loop.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct TorchOutcome {
    /// Epochs completed.
    pub epochs: usize,
    /// Why the run stopped.
    pub stop: StopReason,
    /// Final loss.
    pub final_loss: f64,
    /// Final accuracy.
    pub final_accuracy: f64,
}

/// One run of the write-up: its init (initsift's flat layout) and the redraws that found it.
#[derive(Debug, Clone, Deserialize)]
pub struct WriteupRun {
    /// Initial parameters.
    pub init: Vec<f32>,
    /// Draws of the arm's sampling loop up to and including this init (0 for a control).
    pub draws: u64,
    /// PyTorch's outcome.
    pub torch: TorchOutcome,
}

/// One arm of the write-up (50 runs; the abs1 traces: 100).
#[derive(Debug, Clone, Deserialize)]
pub struct WriteupArm {
    /// The arm's name in our reports (`control`, `below_0.468`, …).
    pub name: String,
    /// Its runs, in the reference's order.
    pub runs: Vec<WriteupRun>,
}

/// One study's runs: its seed, its 100-draw initial-loss scan and its arms.
#[derive(Debug, Clone, Deserialize)]
pub struct WriteupStudy {
    /// The report it belongs to: `xor_single`, `xor_two_layer` or `abs_distance`.
    pub study: String,
    /// The reference's seed.
    pub seed: u64,
    /// The 100 inits of the 0-epoch scan the thresholds came from (empty: no scan).
    pub scan: Vec<Vec<f32>>,
    /// The arms.
    pub arms: Vec<WriteupArm>,
}

#[derive(Debug, Deserialize)]
struct Fixture {
    torch_version: String,
    studies: Vec<WriteupStudy>,
}

/// A study's runs from the embedded fixture, and the PyTorch version that recorded them.
pub fn load(study: &str) -> Result<(WriteupStudy, String)> {
    let fixture: Fixture =
        serde_json::from_str(FIXTURE).context("parsing the embedded writeup_runs.json")?;
    let torch = fixture.torch_version;
    match fixture.studies.into_iter().find(|s| s.study == study) {
        Some(s) => Ok((s, torch)),
        None => bail!("writeup_runs.json has no study {study:?}"),
    }
}

/// The reference's training recipe for a study's runs (tr_xor_configs.md §2(c), §2(d)):
/// - `xor_single`: relu1, Adam(0.01, betas (0.9, 0.99)), MSE, at most 800 epochs, stop at
///   loss < 1e-7 or by the plateau rule (1e-24, patience 10);
/// - `xor_two_layer`: relu2, SGD(0.1), MSE, at most 600 epochs, stop at loss < 1e-7, no plateau;
/// - `abs_distance` (abs1_convergence): abs1, SGD(0.1), MSE, at most 1000 epochs, stop at
///   loss < 1e-7, no plateau.
pub fn recipe(study: &str) -> Result<LockstepConfig> {
    let no_plateau = |max_epochs| StopRules {
        max_epochs,
        loss_below: Some(1e-7),
        plateau: None,
    };
    let (preset, optimizer, stop) = match study {
        "xor_single" => (
            Preset::Relu1,
            OptimizerConfig::Adam(Adam {
                lr: 0.01,
                beta1: 0.9,
                beta2: 0.99,
                ..Adam::default()
            }),
            StopRules::reference(800),
        ),
        "xor_two_layer" => (Preset::Relu2, OptimizerConfig::sgd(0.1), no_plateau(600)),
        "abs_distance" => (Preset::Abs1, OptimizerConfig::sgd(0.1), no_plateau(1000)),
        other => bail!("no reference recipe for study {other:?}"),
    };
    Ok(LockstepConfig {
        preset,
        optimizer,
        loss: Loss::Mse,
        stop,
    })
}

/// An arm's figures as the write-up prints them (epochs are `int(np.percentile(...))` over all
/// 50 runs, failures included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Published {
    /// Successful runs of 50.
    pub successes: u64,
    /// Median epochs, if printed.
    pub median_epochs: Option<u64>,
    /// Fewest and most epochs, if printed.
    pub range: Option<(u64, u64)>,
    /// 10th-percentile epochs, if printed.
    pub p10_epochs: Option<u64>,
    /// Runs with a mirror pair, if printed (the reference counts runs with final accuracy
    /// ≥ 0.75 whose first-layer weight rows have cosine < −0.95).
    pub mirror_pairs: Option<u64>,
}

/// The relu1 study's printed figures (results file §3.2: success, and median and range of epochs
/// over all 50 runs; mirror pairs from its "Mirror weight symmetry" lines), by our arm names.
pub const XOR_SINGLE_PUBLISHED: &[(&str, Published)] = &[
    ("control", printed(29, 123, (33, 275), Some(29))),
    ("below_0.468", printed(35, 101, (29, 176), None)),
    ("below_0.325", printed(43, 105, (20, 160), None)),
    ("below_0.0724", printed(50, 49, (25, 99), Some(50))),
    ("above_0.468", printed(14, 105, (32, 259), None)),
];

/// The relu2 study's printed figures (success and 10th-percentile epochs over all 50 runs).
pub const XOR_TWO_LAYER_PUBLISHED: &[(&str, Published)] = &[
    (
        "control",
        Published {
            successes: 10,
            median_epochs: None,
            range: None,
            p10_epochs: Some(410),
            mirror_pairs: None,
        },
    ),
    (
        "below_0.326",
        Published {
            successes: 19,
            median_epochs: None,
            range: None,
            p10_epochs: Some(379),
            mirror_pairs: None,
        },
    ),
];

const fn printed(
    successes: u64,
    median: u64,
    range: (u64, u64),
    mirror_pairs: Option<u64>,
) -> Published {
    Published {
        successes,
        median_epochs: Some(median),
        range: Some(range),
        p10_epochs: None,
        mirror_pairs,
    }
}

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
    /// Mean initial loss.
    pub mean: f64,
    /// Median (numpy linear interpolation).
    pub median: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Minimum.
    pub min: f64,
    /// Maximum.
    pub max: f64,
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

/// Replays `study`'s runs with the lockstep trainer under its [`recipe`] on `isa`; `published`
/// gives each arm's printed figures by name.
pub fn replay(study: &str, isa: Isa, published: &[(&str, Published)]) -> Result<Replay> {
    let config = recipe(study)?;
    let (runs, torch_version) = load(study)?;
    let scan = if runs.scan.is_empty() {
        None
    } else {
        let scores = initial_scores(&runs.scan, config, isa)?;
        let losses: Vec<f64> = scores.iter().map(|s| f64::from(s.loss)).collect();
        let b = accuracy_buckets(&scores).map(|share| 100.0 * share);
        Some(ReplayScan {
            mean: mean(&losses),
            median: percentile(&losses, 50.0),
            p25: percentile(&losses, 25.0),
            min: losses.iter().copied().fold(f64::INFINITY, f64::min),
            max: losses.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            accuracy_pct: [b[4], b[3], b[2], b[1] + b[0]],
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
        let Some((_, printed)) = published.iter().find(|(name, _)| *name == arm.name) else {
            bail!("no published figures for arm {} of {study}", arm.name);
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
            published: *printed,
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
    let scorer = FusedScorer::with_isa(config.preset, config.loss, Some(isa))?;
    let params: Vec<f32> = inits.iter().flatten().copied().collect();
    let mut scores = vec![
        Score {
            loss: 0.0,
            grad_norm: 0.0,
            accuracy: 0.0,
        };
        inits.len()
    ];
    scorer.scores_of_params(&params, false, &mut scores)?;
    Ok(scores)
}

/// Trains one arm's inits; returns the report and how many runs end as in PyTorch (same epochs,
/// stop reason and final accuracy).
fn train_arm(trainer: &Lockstep, arm: &WriteupArm) -> Result<(LockstepReport, usize)> {
    let init: Vec<f32> = arm
        .runs
        .iter()
        .flat_map(|r| r.init.iter().copied())
        .collect();
    let report = trainer.train(arm.runs.len(), &init)?;
    let same_as_torch = report
        .outcomes
        .iter()
        .zip(&arm.runs)
        .filter(|(o, r)| {
            (o.epochs, o.stop, o.final_accuracy)
                == (r.torch.epochs, r.torch.stop, r.torch.final_accuracy)
        })
        .count();
    Ok((report, same_as_torch))
}

/// The abs1 runs behind the write-up's convergence-time article, replayed: the statistics of
/// their trace lengths (epochs completed; the article's dataset has one row per recorded epoch
/// but the last of each trace), and the across-run relations this report measures at 10⁴ runs.
#[derive(Debug, Clone, Serialize)]
pub struct TraceReplay {
    /// The reference's seed.
    pub seed: u64,
    /// The PyTorch version that recorded the comparison outcomes.
    pub torch_version: String,
    /// Runs (100).
    pub runs: usize,
    /// Runs that converged (loss < 1e-7).
    pub converged: usize,
    /// Runs whose epochs, stop reason and final accuracy equal PyTorch's.
    pub same_as_torch: usize,
    /// Epochs over all runs (the article: 3,445).
    pub total_epochs: u64,
    /// Mean epochs (34.45).
    pub mean_epochs: f64,
    /// Population variance of the epochs (9.11).
    pub epochs_variance: f64,
    /// Fewest epochs.
    pub min_epochs: u64,
    /// Most epochs (the article's largest "epochs remaining", 38, is one less).
    pub max_epochs: u64,
    /// Rows of the article's dataset: total epochs minus one per run (3,345).
    pub dataset_rows: u64,
    /// Pearson r of epochs vs ‖θ_final − θ_init‖ over these runs.
    pub r_epochs_distance: f64,
    /// Pearson r of epochs vs the initial loss over these runs.
    pub r_epochs_initial_loss: f64,
    /// In-sample R² of the least-squares fit of the article's 18 features to the epochs
    /// remaining, over the article's dataset rebuilt from these runs' traces (the article:
    /// 0.9666 from a gradient-trained fit of the same linear form).
    pub article_fit_r2: f64,
    /// The same without the three ln(|d| + 1e-8) features.
    pub without_logs_r2: f64,
    /// The same with the L2 distance to the trace's endpoint alone.
    pub distance_only_r2: f64,
}

/// The article's 18 features of a trace point θ_j against the trace's endpoint θ_f
/// (tr_xor_configs.md §2(c)): the differences d = θ_j − θ_f, ‖d‖₁, ‖d‖₂, the cosine distance
/// 1 − cos(θ_j, θ_f), |d|, θ_j / (θ_f + 1e-8), ln(|d| + 1e-8), and the pairwise products of d.
fn article_features(point: &[f64], end: &[f64]) -> Vec<f64> {
    let d: Vec<f64> = point.iter().zip(end).map(|(p, e)| p - e).collect();
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let cosine = point.iter().zip(end).map(|(p, e)| p * e).sum::<f64>() / (norm(point) * norm(end));
    let mut f = d.clone();
    f.push(d.iter().map(|x| x.abs()).sum());
    f.push(norm(&d));
    f.push(1.0 - cosine);
    f.extend(d.iter().map(|x| x.abs()));
    f.extend(point.iter().zip(end).map(|(p, e)| p / (e + 1e-8)));
    f.extend(d.iter().map(|x| (x.abs() + 1e-8).ln()));
    for i in 0..d.len() {
        for j in i + 1..d.len() {
            f.push(d[i] * d[j]);
        }
    }
    f
}

/// The article's regression dataset.
struct ArticleDataset {
    /// The 18 features per row.
    rows: Vec<Vec<f64>>,
    /// The target: epochs remaining.
    remaining: Vec<f64>,
    /// ‖θ_j − θ_f‖₂ per row.
    distance: Vec<f64>,
}

/// The article's dataset from runs of `config`: for each run, the parameters after every
/// optimizer step (its trace, as the reference's ParameterTraceMonitor records it); every point
/// but the last becomes a row of features against the last, with the epochs remaining as the
/// target. Traces come from the engine's Trainer stopped after 1, 2, … steps, which takes the
/// same steps as the full run.
fn article_dataset(
    config: LockstepConfig,
    arm: &WriteupArm,
    epochs: &[usize],
) -> Result<ArticleDataset> {
    let x = initsift_data::xor::inputs_centered();
    let y = ndarray::Array2::from_shape_vec((4, config.preset.outputs()), config.preset.targets())?;
    let longest = epochs.iter().copied().max().unwrap_or(0);
    let mut trainers = (1..=longest)
        .map(|steps| {
            let mut c = config.train_config();
            c.stop.max_epochs = steps;
            Trainer::new(&config.preset.spec(), x.view(), y.view(), c)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let (mut rows, mut remaining, mut distance) = (Vec::new(), Vec::new(), Vec::new());
    for (run, &e) in arm.runs.iter().zip(epochs) {
        let trace = trainers[..e]
            .iter_mut()
            .map(|t| {
                Ok(t.train(&run.init)?
                    .params
                    .iter()
                    .map(|&v| f64::from(v))
                    .collect())
            })
            .collect::<Result<Vec<Vec<f64>>>>()?;
        let end = &trace[e - 1];
        for (j, point) in trace[..e - 1].iter().enumerate() {
            let features = article_features(point, end);
            // ‖d‖₂ follows the n differences and ‖d‖₁.
            distance.push(features[end.len() + 1]);
            rows.push(features);
            remaining.push((e - 1 - j) as f64);
        }
    }
    Ok(ArticleDataset {
        rows,
        remaining,
        distance,
    })
}

/// Replays `study`'s single traced arm (abs1_convergence) with the lockstep trainer under its
/// [`recipe`].
pub fn replay_traces(study: &str, isa: Isa) -> Result<TraceReplay> {
    let config = recipe(study)?;
    let (runs, torch_version) = load(study)?;
    let [arm] = runs.arms.as_slice() else {
        bail!(
            "{study}: expected one traced arm, found {}",
            runs.arms.len()
        );
    };
    let (report, same_as_torch) = train_arm(&Lockstep::new(config, isa)?, arm)?;
    let o = &report.outcomes;
    let epochs: Vec<f64> = o.iter().map(|o| o.epochs as f64).collect();
    let m = mean(&epochs);
    let squared: Vec<f64> = epochs.iter().map(|e| (e - m) * (e - m)).collect();
    let distance: Vec<f64> = o.iter().map(|o| o.distance).collect();
    let initial: Vec<f64> = o.iter().map(|o| o.initial_loss).collect();
    let total = o.iter().map(|o| o.epochs as u64).sum::<u64>();
    let epochs_per_run: Vec<usize> = o.iter().map(|o| o.epochs).collect();
    let ArticleDataset {
        rows,
        remaining,
        distance: trace_distance,
    } = article_dataset(config, arm, &epochs_per_run)?;
    let distance_rows: Vec<Vec<f64>> = trace_distance.iter().map(|&d| vec![d]).collect();
    // The logs follow d, ‖d‖₁, ‖d‖₂, the cosine distance, |d| and the ratios: 3n + 3 in.
    let n = config.preset.param_len();
    let without_logs: Vec<Vec<f64>> = rows
        .iter()
        .map(|r| [&r[..3 * n + 3], &r[4 * n + 3..]].concat())
        .collect();
    Ok(TraceReplay {
        seed: runs.seed,
        torch_version,
        runs: o.len(),
        converged: o.iter().filter(|o| o.stop == StopReason::Converged).count(),
        same_as_torch,
        total_epochs: total,
        mean_epochs: m,
        epochs_variance: mean(&squared),
        min_epochs: o.iter().map(|o| o.epochs as u64).min().unwrap_or(0),
        max_epochs: o.iter().map(|o| o.epochs as u64).max().unwrap_or(0),
        dataset_rows: total - o.len() as u64,
        r_epochs_distance: pearson(&epochs, &distance),
        r_epochs_initial_loss: pearson(&epochs, &initial),
        article_fit_r2: least_squares_r2(&rows, &remaining),
        without_logs_r2: least_squares_r2(&without_logs, &remaining),
        distance_only_r2: least_squares_r2(&distance_rows, &remaining),
    })
}

/// The replay as a report section.
pub fn replay_md(study: &str, r: &Replay, paper: &PaperScan) -> String {
    let scan = r.scan.as_ref().map_or_else(String::new, |s| {
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
                s.accuracy_pct.map(|p| format!("{p:.0}")).join(" / "),
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
