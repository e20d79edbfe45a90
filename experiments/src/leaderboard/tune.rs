//! The best-variance entry's tuning: weights N(0, c·2/fan_in) for every c of the variance
//! sweep's grid, trained on tuning seeds that no leaderboard run uses; the c of the lowest
//! mean final training loss wins (no test rows are looked at). Its cost is reported apart
//! from the per-init cost: it is paid once per task, not per initialization.

use std::time::Instant;

use anyhow::{Context, Result};
use initsift_init::Stream;
use serde::Serialize;

use super::task::BoardTask;
use super::train::train_inits;
use crate::real::metrics::MeanCi;
use crate::variance::scaled_he_plan;

/// One grid point's tuning result.
#[derive(Debug, Clone, Serialize)]
pub struct TunePoint {
    /// The scale factor (1 = He-normal).
    pub c: f64,
    /// Mean final training loss over the tuning runs.
    pub final_train_loss: MeanCi,
}

/// The tuning of one task.
#[derive(Debug, Clone, Serialize)]
pub struct Tuning {
    /// Every grid point.
    pub grid: Vec<TunePoint>,
    /// Runs per grid point (seeds disjoint from the leaderboard's).
    pub runs: usize,
    /// The chosen c.
    pub best_c: f64,
    /// Wall seconds of the whole tuning (drawing and training).
    pub seconds: f64,
    /// Run-epochs trained for it.
    pub run_epochs: u64,
}

/// Tunes c over `grid` with `runs` runs per point; run `r` starts from the same standard
/// normals at every c (the variance sweep's pairing), from the task's `variance_tune` streams.
pub fn tune_variance(task: &BoardTask, grid: &[f64], runs: usize) -> Result<Tuning> {
    let t0 = Instant::now();
    let mut points = Vec::with_capacity(grid.len());
    let mut run_epochs = 0u64;
    for &c in grid {
        let plan = scaled_he_plan(&task.spec, c);
        let inits = (0..runs)
            .map(|r| {
                let seed = task.stream_seed("variance_tune", r);
                Ok(Stream::new(&task.spec, &plan, seed)?.candidate(0))
            })
            .collect::<Result<Vec<_>>>()?;
        let records = train_inits(task, &inits)?;
        run_epochs += records.iter().map(|r| r.epochs as u64).sum::<u64>();
        let finals: Vec<f64> = records.iter().map(|r| r.final_loss).collect();
        points.push(TunePoint {
            c,
            final_train_loss: MeanCi::of(&finals),
        });
    }
    let best_c = points
        .iter()
        .filter(|p| p.final_train_loss.mean.is_finite())
        .min_by(|a, b| a.final_train_loss.mean.total_cmp(&b.final_train_loss.mean))
        .context("every c of the grid gave a non-finite mean final loss")?
        .c;
    Ok(Tuning {
        grid: points,
        runs,
        best_c,
        seconds: t0.elapsed().as_secs_f64(),
        run_epochs,
    })
}
