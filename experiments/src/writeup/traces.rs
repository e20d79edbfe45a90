//! The abs1 runs behind the write-up's convergence-time article, replayed: their trace
//! statistics and the article's R² fit rebuilt from their traces.

use anyhow::{Result, bail};
use initsift_batch::Isa;
use initsift_batch::lockstep::{Lockstep, LockstepConfig};
use initsift_nn::{StopReason, Trainer};
use serde::Serialize;

use super::{StudyId, WriteupArm, load, recipe, train_arm};
use crate::report::md_table;
use crate::stats::{least_squares_r2, mean, pearson};

/// The abs1 runs behind the write-up's convergence-time article, replayed: the statistics of
/// their trace lengths (epochs completed; the article's dataset has one row per recorded epoch
/// but the last of each trace), the across-run relations the report measures at 10⁴ runs, and
/// the article's fit rebuilt from the traces.
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
    let y =
        ndarray::Array2::from_shape_vec((4, config.preset.output_len()), config.preset.targets())?;
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

/// Replays the single traced arm (abs1_convergence) of `abs_distance` with the lockstep
/// trainer under its [`recipe`].
pub fn replay_traces(isa: Isa) -> Result<TraceReplay> {
    let id = StudyId::AbsDistance;
    let config = recipe(id);
    let (runs, torch_version) = load(id)?;
    let [arm] = runs.arms.as_slice() else {
        bail!(
            "{}: expected one traced arm, found {}",
            id.name(),
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

/// The replay of the reference's traced runs, as a section of the `abs_distance` report.
pub fn trace_replay_md(r: &TraceReplay) -> String {
    let sgd = recipe(StudyId::AbsDistance).optimizer;
    let rows = [
        ("runs", "100".to_string(), r.runs.to_string()),
        (
            "epochs, all runs",
            "3,445".into(),
            r.total_epochs.to_string(),
        ),
        (
            "dataset rows (epochs but the last of each run)",
            "3,345".into(),
            r.dataset_rows.to_string(),
        ),
        (
            "mean epochs per run",
            "34.45".into(),
            format!("{:.2}", r.mean_epochs),
        ),
        (
            "variance of epochs per run",
            "9.11".into(),
            format!("{:.2}", r.epochs_variance),
        ),
        (
            "largest epochs remaining",
            "38".into(),
            (r.max_epochs - 1).to_string(),
        ),
    ]
    .map(|(what, theirs, ours)| vec![what.to_string(), theirs, ours]);
    let exact = rows.iter().all(|row| row[1].replace(',', "") == row[2]);
    format!(
        "### The reference's own runs, replayed\n\n\
         Its fit came from 100 abs1 runs ({sgd:#}, seed {}). Replaying the reference code's `torch.nn.init` calls from that \
         seed regenerates their inits (`tools/pytorch/writeup_runs.py`, which also records each run in PyTorch {}); this binary \
         trains them with initsift's lockstep trainer. {} of {} runs end as in PyTorch (same epochs, stop reason and final \
         accuracy), and the article's dataset statistics come out {}:\n\n{}\n\
         On these 100 runs, the across-run relations measured above: epochs vs distance r = {:.3}, epochs vs initial loss \
         r = {:.3}.\n\n\
         The article's fit itself, rebuilt: its 18 features of each trace point against the trace's endpoint, one row per \
         epoch but the last, predicting the epochs remaining (the traces are the parameters after every step, from \
         initsift's engine). The least-squares fit of that linear form has an in-sample R² of {:.4}; the article's \
         gradient-trained fit reported 0.9666, {}. Without the three log features the fit gives R² {:.4}, and the L2 \
         distance to the endpoint alone {:.4}. All describe how far along its own trajectory a run is, with the endpoint \
         known only after training; none relates an init to its run's length before training.\n",
        r.seed,
        r.torch_version,
        r.same_as_torch,
        r.runs,
        if exact { "exactly" } else { "**differently**" },
        md_table(&["figure", "article", "initsift, the same runs"], &rows),
        r.r_epochs_distance,
        r.r_epochs_initial_loss,
        r.article_fit_r2,
        if r.article_fit_r2 >= 0.9666 {
            "which least squares, the best such a fit can do in-sample, bounds from above: consistent"
        } else {
            "**above** what least squares, the best such a fit can do in-sample, reaches here"
        },
        r.without_logs_r2,
        r.distance_only_r2,
    )
}
