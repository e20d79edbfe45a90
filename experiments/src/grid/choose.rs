//! Choosing each run's initialization with initsift-init's selection strategies: one fresh
//! stream per (preset, scheme, selection), fresh candidates per run, and the cost measured.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use initsift_batch::Isa;
use initsift_batch::Preset;
use initsift_batch::score::{ScorerPath, scorer_with};
use initsift_data::xor::inputs_centered;
use initsift_init::select::{
    Adaptive, BestOfN, Diversity, GradientFilter, Informed, MultiObjective, Percentile,
    PercentilePick, Score, Scorer, Side, Status, Strategy, Threshold, Transfer, select,
};
use initsift_init::{CompiledPlan, Stream};
use initsift_nn::Loss;
use ndarray::Array2;
use rand::RngExt;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use super::{SchemeId, SelectionId};
use crate::seed::derive_seed;
use crate::stats::percentile;

/// The scorer of a preset's initial MSE on the XOR points: initsift-batch's one scorer entry,
/// which picks the fused kernel here, on `isa`.
pub fn xor_scorer(preset: Preset, isa: Isa) -> Result<Box<dyn Scorer + Send>> {
    let x = inputs_centered();
    let y = Array2::from_shape_vec((x.nrows(), preset.output_len()), preset.targets())?;
    Ok(scorer_with(
        ScorerPath::Auto,
        Some(isa),
        &preset.spec(),
        Loss::Mse,
        x.view(),
        y.view(),
    )?)
}

/// The inits a selection chose for a cell's runs, and what choosing them cost.
#[derive(Debug, Clone)]
pub struct Chosen {
    /// `runs × P` initial parameters, run-major.
    pub inits: Vec<f32>,
    /// Each pick's initial score.
    pub scores: Vec<Score>,
    /// Candidates scored, all runs together.
    pub draws: u64,
    /// Wall-clock seconds the selection took.
    pub sampling_seconds: f64,
}

/// What a (preset, scheme) pair fixes for its selections.
pub struct Source<'a> {
    /// The preset.
    pub preset: Preset,
    /// The scheme.
    pub scheme: SchemeId,
    /// The scheme's compiled plan.
    pub plan: CompiledPlan,
    /// The scorer of initial losses (and gradient norms).
    pub scorer: &'a (dyn Scorer + Sync),
    /// The master seed.
    pub seed: u64,
    /// The gradient-norm filter's window: the 10th and 90th percentiles of a pilot.
    pub grad_window: (f64, f64),
    /// Prior inits for the transfer rule: picks of an independent stream.
    pub priors: Vec<Vec<f32>>,
}

/// Draws of the gradient-norm pilot.
const GRAD_PILOT: usize = 10_000;
/// Transfer priors: this many best-of-[`PRIOR_POOL`] picks of an independent stream.
const PRIORS: usize = 10;
const PRIOR_POOL: u64 = 100;

impl<'a> Source<'a> {
    /// The source of (preset, scheme) under `seed`: its plan, a gradient-norm pilot of
    /// 10 000 draws (the filter keeps its 10th–90th percentiles) and 10 transfer priors (best
    /// of 100 each, from a stream no cell draws from).
    pub fn new(
        preset: Preset,
        scheme: SchemeId,
        scorer: &'a (dyn Scorer + Sync),
        seed: u64,
    ) -> Result<Self> {
        let plan = scheme.plan(preset).compile(&preset.spec())?;
        let mut src = Source {
            preset,
            scheme,
            plan,
            scorer,
            seed,
            grad_window: (0.0, f64::INFINITY),
            priors: Vec::new(),
        };
        let pilot = src.stream("gradient-pilot");
        let mut scores = vec![Score::NAN; GRAD_PILOT];
        scorer.score_stream(&pilot, 0, true, &mut scores)?;
        let norms: Vec<f64> = scores
            .iter()
            .map(|s| f64::from(s.grad_norm))
            .filter(|g| g.is_finite())
            .collect();
        src.grad_window = (percentile(&norms, 10.0), percentile(&norms, 90.0));
        let related = src.stream("transfer-priors");
        let picks = select(
            &BestOfN {
                n: PRIOR_POOL,
                count: PRIORS,
            }
            .into(),
            scorer,
            &related,
        )?;
        src.priors = picks
            .picks
            .iter()
            .map(|p| p.params(&related))
            .collect::<Result<_, _>>()?;
        Ok(src)
    }

    /// The stream named `label`, independent of every other label's.
    pub fn stream(&self, label: &str) -> Stream {
        let seed = derive_seed(
            self.seed,
            &format!("{}/{}/{label}", self.preset, self.scheme),
        );
        Stream::from_compiled(self.plan.clone(), seed)
    }
}

/// Chooses `runs` inits by `selection`.
pub fn choose(src: &Source<'_>, selection: SelectionId, runs: usize) -> Result<Chosen> {
    let start = Instant::now();
    let p = src.preset.param_len();
    let label = selection.to_string();
    let stream = src.stream(&label);
    let (inits, scores, draws) = match selection {
        SelectionId::Random => {
            let mut inits = vec![0.0f32; runs * p];
            stream.par_fill_batch(0, &mut inits)?;
            let mut scores = vec![Score::NAN; runs];
            src.scorer.score_params(&inits, false, &mut scores)?;
            (inits, scores, runs as u64)
        }
        SelectionId::BestOf { k } => {
            let sel = select(&BestOfN { n: k, count: runs }.into(), src.scorer, &stream)?;
            let mut inits = Vec::with_capacity(runs * p);
            for pick in &sel.picks {
                inits.extend(pick.params(&stream)?);
            }
            let scores = sel.picks.iter().map(|pick| pick.score).collect();
            (inits, scores, sel.draws)
        }
        _ => per_run(src, selection, runs, &label)?,
    };
    Ok(Chosen {
        inits,
        scores,
        draws,
        sampling_seconds: start.elapsed().as_secs_f64(),
    })
}

/// The strategy a per-run rule runs on each run's own stream, and how to read its result.
fn strategy(src: &Source<'_>, selection: SelectionId) -> Result<Strategy> {
    Ok(match selection {
        SelectionId::Percentile { p, n } => Percentile {
            n,
            percentile: f64::from(p),
            pick: PercentilePick::Uniform,
            count: 1,
        }
        .into(),
        SelectionId::GradFilter { n } => GradientFilter {
            n,
            min: src.grad_window.0,
            max: src.grad_window.1,
            count: 1,
        }
        .into(),
        SelectionId::MultiObjective { weighting, n } => {
            let (w_loss, w_grad, w_param) = weighting.weights();
            MultiObjective {
                n,
                w_loss,
                w_grad,
                w_param,
                count: 1,
            }
            .into()
        }
        SelectionId::Diversity { n } => Diversity {
            n,
            percentile: 10.0,
            count: 5,
        }
        .into(),
        SelectionId::Adaptive { n } => Adaptive {
            side: Side::Below,
            threshold: Threshold::BestOfPilot { pilot: n / 2 },
            count: 1,
            budget: n - n / 2,
        }
        .into(),
        SelectionId::Refine { n } => initsift_init::select::Refine {
            n: n / 2,
            rounds: 5,
            per_round: n / 10,
            radius: 0.1,
            shrink: 0.5,
        }
        .into(),
        SelectionId::Informed { n } => Informed {
            rounds: 4,
            per_round: n / 5,
            elite: 0.1,
        }
        .into(),
        SelectionId::Transfer { n } => Transfer {
            n,
            priors: src.priors.clone(),
        }
        .into(),
        SelectionId::Random | SelectionId::BestOf { .. } => {
            bail!("{selection} is not a per-run rule")
        }
    })
}

/// Rules that take one pick from each run's own pool: every run gets its own stream. Returns
/// the inits (run-major), their scores and the draws.
fn per_run(
    src: &Source<'_>,
    selection: SelectionId,
    runs: usize,
    label: &str,
) -> Result<(Vec<f32>, Vec<Score>, u64)> {
    let strategy = strategy(src, selection)?;
    let results: Vec<Result<(Vec<f32>, Score, u64)>> = (0..runs)
        .into_par_iter()
        .map(|r| {
            let stream = src.stream(&format!("{label}/run{r}"));
            let sel = select(&strategy, src.scorer, &stream)
                .with_context(|| format!("{selection}, run {r}"))?;
            let pick = match (selection, sel.status) {
                // A diverse set of five: one drawn uniformly.
                (SelectionId::Diversity { .. }, _) => {
                    let mut rng =
                        Xoshiro256PlusPlus::seed_from_u64(derive_seed(stream.seed(), "diversity"));
                    &sel.picks[rng.random_range(0..sel.picks.len())]
                }
                // No draw beat the pilot's best within the budget: the best seen.
                (SelectionId::Adaptive { .. }, Status::BudgetExhausted) if sel.picks.is_empty() => {
                    sel.best.as_ref().context("adaptive: nothing finite")?
                }
                _ => &sel.picks[0],
            };
            let params = pick.params(&stream)?;
            Ok((params, pick.score, sel.draws + pilot_draws(selection)))
        })
        .collect();
    let mut inits = Vec::with_capacity(runs * src.preset.param_len());
    let mut scores = Vec::with_capacity(runs);
    let mut draws = 0;
    for r in results {
        let (params, score, d) = r?;
        inits.extend(params);
        scores.push(score);
        draws += d;
    }
    Ok((inits, scores, draws))
}

/// Draws a rule scores outside its stream's count (the adaptive rule's pilot).
fn pilot_draws(selection: SelectionId) -> u64 {
    match selection {
        SelectionId::Adaptive { n } => n / 2,
        _ => 0,
    }
}
