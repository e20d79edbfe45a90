//! Running every configuration of the study: its arms, the reference target, the head starts,
//! subset-vs-full rank correlations and the RQ5 relations.

use anyhow::Result;
use initsift_init::Stream;
use serde::Serialize;

use super::arm::{ScoredOn, base_plan, scorer};
use super::config::{ArmRuns, ConfigPlan, Prepared};
use super::deceive::{Relation, relations};
use super::metrics::{Better, MeanCi, head_start, held_out_values};
use crate::seed::derive_seed;
use crate::stats::{Correlation, median};

/// Candidates scored on both the full set and a subset for the rank correlation.
pub const RANK_CANDIDATES: usize = 2000;

/// How well a subset's scores rank candidates as the full set's do.
#[derive(Debug, Clone, Serialize)]
pub struct SubsetRank {
    /// Rows in the subset.
    pub rows: usize,
    /// Spearman (and Pearson) between subset and full initial losses, with intervals.
    pub correlation: Correlation,
}

/// A configuration's results.
#[derive(Debug, Clone)]
pub struct ConfigResult {
    /// The configuration.
    pub prepared: Prepared,
    /// One entry per arm, in plan order (the first is the random reference).
    pub arms: Vec<ArmRuns>,
    /// The target train loss: the reference arm's median final-epoch train loss.
    pub target: f64,
    /// The held-out target: the reference arm's median final test accuracy (classification)
    /// or test MSE, reached from below or above as [`ConfigResult::held_out_better`] says.
    pub held_out_target: f64,
    /// Per non-reference arm, `selected − random` train loss at every epoch, against the
    /// random arm of the same scheme (or the reference when there is none).
    pub head_starts: Vec<(String, Vec<MeanCi>)>,
    /// Subset-vs-full rank correlations, one per subset size the arms use.
    pub subset_ranks: Vec<SubsetRank>,
    /// RQ5 over the reference arm's random inits (all [`ConfigPlan::runs_of`]`(0)` of them).
    pub relations: Vec<Relation>,
}

impl ConfigResult {
    /// The random arm of `scheme` (the reference when the scheme has none).
    pub fn random_of(&self, scheme: &str) -> &ArmRuns {
        self.arms
            .iter()
            .find(|a| a.arm.scheme == scheme && a.arm.pick == super::arm::Pick::Random)
            .unwrap_or(&self.arms[0])
    }

    /// Which way the held-out metric improves (accuracy up, MSE down).
    pub fn held_out_better(&self) -> Better {
        Better::held_out(self.prepared.problem.is_classification())
    }
}

/// Runs `plan`: every arm, then the analyses.
pub fn run_config(p: Prepared, seed: u64) -> Result<ConfigResult> {
    let arms = p
        .plan
        .arms
        .iter()
        .enumerate()
        .map(|(i, a)| p.run_arm(a, p.plan.runs_of(i), seed))
        .collect::<Result<Vec<_>>>()?;
    let finals: Vec<f64> = arms[0]
        .outcomes
        .iter()
        .map(|o| *o.epoch_loss.last().expect("at least one epoch"))
        .collect();
    let target = median(&finals);
    let held_out_target = median(&held_out_values(&arms[0].outcomes));
    let better = Better::held_out(p.problem.is_classification());
    let mut result = ConfigResult {
        relations: relations(
            &arms[0].outcomes,
            (target, held_out_target, better),
            derive_seed(seed, &p.plan.id),
        ),
        subset_ranks: subset_ranks(&p, seed)?,
        prepared: p,
        arms,
        target,
        held_out_target,
        head_starts: Vec::new(),
    };
    result.head_starts = result
        .arms
        .iter()
        .filter(|a| a.arm.pick != super::arm::Pick::Random)
        .map(|a| {
            let random = result.random_of(a.arm.scheme);
            (a.arm.name(), head_start(&a.outcomes, &random.outcomes))
        })
        .collect();
    Ok(result)
}

/// For every subset size the arms score on: the Spearman correlation between subset and full
/// initial losses of [`RANK_CANDIDATES`] candidates of the reference arm's scheme.
fn subset_ranks(p: &Prepared, seed: u64) -> Result<Vec<SubsetRank>> {
    let mut sizes: Vec<usize> = p
        .plan
        .arms
        .iter()
        .filter_map(|a| match a.scored_on {
            ScoredOn::Subset(k) => Some(k),
            ScoredOn::Full => None,
        })
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    if sizes.is_empty() {
        return Ok(Vec::new());
    }
    let plan = base_plan(p.plan.arms[0].scheme, &p.spec, p.activation)?;
    let stream = Stream::new(
        &p.spec,
        &plan,
        derive_seed(seed, &format!("{}/rank", p.plan.id)),
    )?;
    let losses = |on: ScoredOn| -> Result<Vec<f64>> {
        let s = scorer(
            &p.problem,
            &p.spec,
            on,
            derive_seed(seed, &format!("{}/subset", p.plan.id)),
        )?;
        let mut out = vec![0.0f32; RANK_CANDIDATES];
        s.losses(&stream, 0, &mut out)?;
        Ok(out.into_iter().map(f64::from).collect())
    };
    let full = losses(ScoredOn::Full)?;
    sizes
        .into_iter()
        .map(|k| {
            Ok(SubsetRank {
                rows: k,
                correlation: Correlation::of(
                    "full_initial_loss",
                    "subset_initial_loss",
                    &full,
                    &losses(ScoredOn::Subset(k))?,
                    derive_seed(seed, &format!("{}/rank/{k}", p.plan.id)),
                ),
            })
        })
        .collect()
}

/// Checks every plan before any work, so a bad name fails at once.
pub fn prepare_all(plans: &[ConfigPlan], seed: u64) -> Result<Vec<Prepared>> {
    plans.iter().map(|c| c.prepare(seed)).collect()
}
