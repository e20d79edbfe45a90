//! Making every run's initialization for an entry, timed one by one, with the passes it used.
//! Runs are independent (each draws from its own streams), so they run in parallel and give
//! the same bits on any thread count.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use initsift_datadep::{DataDependent, LsuvConfig, NioConfig, Trace, initialize};
use initsift_init::Stream;
use initsift_init::select::{Score, Scorer};
use rayon::prelude::*;

use super::entry::Method;
use super::passes::Passes;
use super::task::{BoardTask, TORCH_DEFAULT};
use crate::real::arm::{Arm, Pick, ScoredOn, pick_inits};
use crate::seed::derive_seed;
use crate::variance::scaled_he_plan;

/// One run's initialization.
#[derive(Debug, Clone)]
pub struct Init {
    /// The parameters (the spec's flat layout).
    pub params: Vec<f32>,
    /// Wall seconds to make it.
    pub seconds: f64,
    /// Passes it used.
    pub passes: Passes,
    /// Whether a data-dependent method stopped on a non-finite value (its last finite
    /// parameters are kept).
    pub diverged: bool,
}

/// The initializations of runs `0..runs` of `method` on `task` (`best_c`: the tuned scale,
/// needed by [`Method::BestVariance`]).
pub fn make_inits(
    task: &BoardTask,
    method: &Method,
    runs: usize,
    best_c: Option<f64>,
) -> Result<Vec<Init>> {
    let scorer = task.scorer()?;
    let batch = task.batch();
    let data = task.data(&batch);
    let one = |r: usize| -> Result<Init> {
        let t0 = Instant::now();
        let (params, passes, trace) = match method {
            Method::Scheme(s) => (task.stream(s, r)?.candidate(0), Passes::default(), None),
            Method::Select(pick) => (best(task, &*scorer, *pick, r)?, pick_passes(*pick), None),
            Method::DataDependent(config) => {
                let base = task.stream(TORCH_DEFAULT, r)?.candidate(0);
                let (p, trace) = initialize(&task.spec, &base, data, &for_run(task, config, r))?;
                (p, Passes::of_trace(&trace), Some(trace))
            }
            Method::BestVariance => {
                let c = best_c.context("the best-variance entry needs the tuned c")?;
                let plan = scaled_he_plan(&task.spec, c);
                let stream = Stream::new(&task.spec, &plan, task.stream_seed("variance", r))?;
                (stream.candidate(0), Passes::default(), None)
            }
            Method::LsuvThenBestOf(k) => {
                let (p, passes) = lsuv_then_best(task, &*scorer, &data, *k, r)?;
                (p, passes, None)
            }
            Method::BestOfThenNio(k) => {
                let base = best(task, &*scorer, Pick::BestOf(*k), r)?;
                let nio = DataDependent::Nio(NioConfig::default());
                let (p, trace) = initialize(&task.spec, &base, data, &nio)?;
                let passes = pick_passes(Pick::BestOf(*k)).plus(Passes::of_trace(&trace));
                (p, passes, Some(trace))
            }
        };
        Ok(Init {
            params,
            seconds: t0.elapsed().as_secs_f64(),
            passes,
            diverged: trace.is_some_and(|t: Trace| t.diverged.is_some()),
        })
    };
    (0..runs).into_par_iter().map(one).collect()
}

/// `config` for run `run`: LSUV's orthonormal pre-init is drawn from the run's own stream
/// (the default's fixed seed would give every run the same weights); others as given.
pub fn for_run(task: &BoardTask, config: &DataDependent, run: usize) -> DataDependent {
    match config {
        DataDependent::Lsuv(c) => DataDependent::Lsuv(LsuvConfig {
            orthonormal_seed: Some(task.stream_seed("lsuv", run)),
            ..c.clone()
        }),
        other => other.clone(),
    }
}

/// Run `run`'s pick by `pick` from its torch_default stream (real_tasks' arm machinery).
fn best(
    task: &BoardTask,
    scorer: &(dyn Scorer + Send),
    pick: Pick,
    run: usize,
) -> Result<Vec<f32>> {
    let arm = Arm {
        scheme: TORCH_DEFAULT,
        pick,
        scored_on: ScoredOn::Full,
    };
    let plan = task.plan(TORCH_DEFAULT)?;
    let mut picks = pick_inits(&arm, &plan, &task.spec, scorer, 1, |_| {
        task.stream_seed(TORCH_DEFAULT, run)
    })?;
    Ok(picks.remove(0).0)
}

fn pick_passes(pick: Pick) -> Passes {
    match pick {
        Pick::Random => Passes::default(),
        other => Passes::scoring(other.draws()),
    }
}

/// LSUV on candidates `0..k` of run `run`'s torch_default stream (candidate `i`'s pre-init
/// drawn from its own seed), then the one of lowest initial training loss (NaN never wins;
/// ties go to the lower index).
fn lsuv_then_best(
    task: &BoardTask,
    scorer: &(dyn Scorer + Send),
    data: &initsift_datadep::Data<'_>,
    k: u64,
    run: usize,
) -> Result<(Vec<f32>, Passes)> {
    if k == 0 {
        bail!("lsuv then best_of_0: K must be at least 1");
    }
    let stream = task.stream(TORCH_DEFAULT, run)?;
    let mut passes = Passes::scoring(k);
    let mut all = Vec::with_capacity(k as usize * task.spec.param_len());
    for i in 0..k {
        let config = DataDependent::Lsuv(LsuvConfig {
            orthonormal_seed: Some(derive_seed(task.stream_seed("lsuv", run), &i.to_string())),
            ..LsuvConfig::default()
        });
        let (p, trace) = initialize(&task.spec, &stream.candidate(i), *data, &config)?;
        passes = passes.plus(Passes::of_trace(&trace));
        all.extend(p);
    }
    let mut scores = vec![Score::NAN; k as usize];
    scorer.score_params(&all, false, &mut scores)?;
    let winner = (0..k as usize)
        .filter(|&i| scores[i].loss.is_finite())
        .min_by(|&a, &b| scores[a].loss.total_cmp(&scores[b].loss).then(a.cmp(&b)))
        .context("every LSUV candidate had a non-finite initial loss")?;
    let n = task.spec.param_len();
    Ok((all[winner * n..(winner + 1) * n].to_vec(), passes))
}
