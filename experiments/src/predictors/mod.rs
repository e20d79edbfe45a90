//! init_predictors (issue 15 item 4): which quantity at initialization predicts the outcome of
//! training? Across many random inits per task, every quantity of [`quantity`] is measured at
//! each init and every outcome of [`outcome`] after training it; [`correlate`] gives Spearman's
//! ρ per pair with bootstrap intervals, [`select`] best-of-K by each quantity from the same
//! pool, [`report`] the write-up. The tasks are in [`task`].

pub mod correlate;
pub mod outcome;
pub mod quantity;
pub mod report;
pub mod select;
pub mod task;

use anyhow::Result;
use initsift_init::Stream;

use crate::seed::derive_seed;
use correlate::{Pair, correlate};
use outcome::{Outcomes, train};
use quantity::{Measured, measure};
use select::{Selected, check_k, select_at};
use task::PredictorTask;

/// One task's results.
#[derive(Debug, Clone)]
pub struct TaskResult {
    /// The task.
    pub task: PredictorTask,
    /// The quantities of every init.
    pub measured: Measured,
    /// The outcomes of every init.
    pub outcomes: Outcomes,
    /// Every (quantity, outcome) correlation.
    pub pairs: Vec<Pair>,
    /// Per K: random and every selector.
    pub selections: Vec<(usize, Vec<Selected>)>,
    /// Seconds spent measuring the quantities (wall clock, all threads).
    pub measuring_seconds: f64,
}

/// Draws `n` inits of `task` from its plan (stream seed from `seed`), measures, trains,
/// correlates and selects at each of `ks`. Bad `ks` fail before any work.
pub fn run_task(task: PredictorTask, n: usize, ks: &[usize], seed: u64) -> Result<TaskResult> {
    for &k in ks {
        check_k(k, n)?;
    }
    let stream = Stream::new(
        &task.board.spec,
        &task.plan,
        derive_seed(seed, &format!("{}/inits", task.name())),
    )?;
    let t0 = std::time::Instant::now();
    let measured = measure(&task, &stream, n)?;
    let measuring_seconds = t0.elapsed().as_secs_f64();
    let outcomes = train(&task, &stream, n)?;
    let pairs = correlate(
        &measured,
        &outcomes,
        derive_seed(seed, &format!("{}/bootstrap", task.name())),
    );
    let selections = ks
        .iter()
        .map(|&k| Ok((k, select_at(&measured, &outcomes, k, task.is_xor())?)))
        .collect::<Result<_>>()?;
    Ok(TaskResult {
        task,
        measured,
        outcomes,
        pairs,
        selections,
        measuring_seconds,
    })
}
