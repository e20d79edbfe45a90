//! One task's leaderboard: tune the best variance, make and train every entry's inits, and
//! summarise and rank them.

use anyhow::{Context, Result};

use super::entry::{Entry, Method};
use super::init::{Init, make_inits};
use super::rank::ranks_with_ties;
use super::summary::{EntrySummary, EpochsToTarget, final_test, mean_passes, train_loss};
use super::task::{BoardTask, Training};
use super::train::{Reach, RunRecord, train_inits};
use super::tune::{Tuning, tune_variance};
use crate::real::metrics::MeanCi;
use crate::seed::derive_seed;
use crate::stats::median;

/// The entry every other is measured against: epochs to target use its median final-epoch
/// training loss (as real_tasks' reference arm).
pub const REFERENCE: &str = "torch_default";

/// Sizes of one task's run.
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    /// Runs (seeds) per entry.
    pub runs: usize,
    /// Runs per grid point of the variance tuning.
    pub tune_runs: usize,
    /// The tuning grid of c.
    pub grid: Vec<f64>,
}

/// One entry's runs.
#[derive(Debug, Clone)]
pub struct EntryRuns {
    /// The entry.
    pub entry: Entry,
    /// Each run's init (parameters dropped after training).
    pub inits: Vec<Init>,
    /// Each run's outcome.
    pub records: Vec<RunRecord>,
}

/// One task's results.
#[derive(Debug, Clone)]
pub struct TaskBoard {
    /// The task.
    pub task: BoardTask,
    /// The variance tuning (when the best-variance entry runs).
    pub tuning: Option<Tuning>,
    /// Every entry's runs, in entry order.
    pub runs: Vec<EntryRuns>,
    /// Every entry's summary, in entry order.
    pub summaries: Vec<EntrySummary>,
}

/// Runs every entry on `task` (the first entry must be [`REFERENCE`]).
pub fn run_task(task: BoardTask, entries: &[Entry], budget: &Budget) -> Result<TaskBoard> {
    anyhow::ensure!(
        entries.first().is_some_and(|e| e.name == REFERENCE),
        "the first entry must be {REFERENCE}, the reference"
    );
    let tuning = entries
        .iter()
        .any(|e| e.method == Method::BestVariance)
        .then(|| tune_variance(&task, &budget.grid, budget.tune_runs))
        .transpose()?;
    let best_c = tuning.as_ref().map(|t| t.best_c);
    let runs = entries
        .iter()
        .map(|e| {
            let mut inits = make_inits(&task, &e.method, budget.runs, best_c)
                .with_context(|| format!("{}: entry {}", task.name, e.name))?;
            let params: Vec<Vec<f32>> = inits
                .iter_mut()
                .map(|i| std::mem::take(&mut i.params))
                .collect();
            let records = train_inits(&task, &params)?;
            Ok(EntryRuns {
                entry: e.clone(),
                inits,
                records,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let summaries = summarize(&task, &runs, best_c);
    Ok(TaskBoard {
        task,
        tuning,
        runs,
        summaries,
    })
}

/// The target training loss: the reference's median final-epoch training loss (real tasks),
/// or the recipe's convergence threshold (XOR).
pub fn target(task: &BoardTask, reference: &[RunRecord]) -> f64 {
    match &task.training {
        Training::Xor { config, .. } => config.stop.loss_below.unwrap_or(0.0),
        Training::Real { .. } => median(
            &reference
                .iter()
                .map(|r| match &r.reach {
                    Reach::Curve(c) => c.last().copied().unwrap_or(f64::NAN),
                    Reach::Converged(_) => r.final_loss,
                })
                .collect::<Vec<_>>(),
        ),
    }
}

fn summarize(task: &BoardTask, runs: &[EntryRuns], best_c: Option<f64>) -> Vec<EntrySummary> {
    let target = target(task, &runs[0].records);
    let metric = task.metric();
    let mut out: Vec<EntrySummary> = runs
        .iter()
        .map(|r| {
            let seconds: Vec<f64> = r.inits.iter().map(|i| i.seconds).collect();
            let s = MeanCi::of(&seconds);
            EntrySummary {
                method: r.entry.name.clone(),
                config: r.entry.config(task, best_c),
                init_seconds: s.mean,
                init_seconds_ci95: s.ci95,
                passes: mean_passes(&r.inits, task.n_train(), task.batch_rows.len()),
                runs: r.records.len(),
                diverged_inits: r.inits.iter().filter(|i| i.diverged).count(),
                non_finite_runs: r
                    .records
                    .iter()
                    .filter(|x| !x.final_loss.is_finite())
                    .count(),
                final_test: final_test(&r.records, metric),
                epochs_to_target: EpochsToTarget::of(
                    &r.records,
                    target,
                    derive_seed(task.seed, &format!("bootstrap/{}", r.entry.name)),
                ),
                train_loss: train_loss(&r.records),
                rank: 0,
                rank_train_loss: 0,
            }
        })
        .collect();
    let pairs = |f: &dyn Fn(&EntrySummary) -> MeanCi| -> Vec<(f64, (f64, f64))> {
        out.iter().map(|s| (f(s).mean, f(s).ci95)).collect()
    };
    let test = ranks_with_ties(&pairs(&|s| s.final_test), metric.higher_is_better());
    let train = ranks_with_ties(&pairs(&|s| s.train_loss.last), false);
    for (s, (a, b)) in out.iter_mut().zip(test.into_iter().zip(train)) {
        s.rank = a;
        s.rank_train_loss = b;
    }
    out
}
