//! RQ5, where low initial loss deceives: rank correlations between the initial loss and each
//! outcome over random inits, the lowest-loss decile against the rest, the initial-loss
//! quantile sweep, and inits that score low by collapse (outputs nearly the same on every row).

use anyhow::Result;
use initsift_init::{InitPlan, Stream};
use initsift_nn::ModelSpec;
use initsift_tensor::{Graph, Shape, Values};
use ndarray::{Array2, ArrayView2};
use serde::Serialize;

use super::config::Prepared;
use super::metrics::{Better, MeanCi, Sign, first_reach, held_out_score};
use super::train::{RunOutcome, train_runs};
use crate::seed::derive_seed;
use crate::stats::{Correlation, holm};

/// One outcome's relation to the initial loss.
#[derive(Debug, Clone, Serialize)]
pub struct Relation {
    /// The outcome.
    pub outcome: &'static str,
    /// Spearman's ρ (initial loss, outcome) with its bootstrap interval, and Pearson's r.
    pub correlation: Correlation,
    /// Lowest-initial-loss decile minus the other 90 %.
    pub decile_minus_rest: MeanCi,
    /// Whether the decile does worse with an interval that excludes 0.
    pub decile_worse: bool,
    /// The one-sided p-value of "the decile does worse" (the normal approximation its
    /// interval uses): `decile_worse` is p ≤ 0.025, which 2.5 % of cases reach by chance.
    pub decile_p_worse: f64,
    /// Whether it does worse after Holm's correction over every case of the study (set by
    /// [`holm_flags`]; family-wise error rate [`FAMILY_ALPHA`]).
    pub decile_worse_holm: bool,
}

/// The family-wise error rate of the Holm-corrected decile flags: one-sided 2.5 %, each
/// flag's own level, so that a flag that survives Holm is always a flag.
pub const FAMILY_ALPHA: f64 = 0.025;

/// Sets every relation's `decile_worse_holm` by Holm's correction over all of them (one
/// family: every configuration and outcome of the study).
pub fn holm_flags<'a>(relations: impl IntoIterator<Item = &'a mut Relation>) {
    let mut all: Vec<&mut Relation> = relations.into_iter().collect();
    let p: Vec<f64> = all.iter().map(|r| r.decile_p_worse).collect();
    for (r, rejected) in all.iter_mut().zip(holm(&p, FAMILY_ALPHA)) {
        r.decile_worse_holm = rejected;
    }
}

/// Epochs to the target, censored runs counted as one more than the epochs run.
pub fn epochs_to(curve: &[f64], target: f64, better: Better) -> f64 {
    first_reach(curve, target, better).unwrap_or(curve.len() + 1) as f64
}

/// The relations of the initial loss to epochs to the train-loss target, epochs to the
/// held-out target, final train loss and the held-out score, across `random` runs; `targets`
/// is (train-loss target, held-out target, the held-out metric's direction).
pub fn relations(random: &[RunOutcome], targets: (f64, f64, Better), seed: u64) -> Vec<Relation> {
    let (target, held_target, better) = targets;
    let init: Vec<f64> = random.iter().map(|o| o.initial_loss).collect();
    // (name, values, whether higher is worse)
    let outcomes: [(&'static str, Vec<f64>, bool); 4] = [
        (
            "epochs_to_target",
            random
                .iter()
                .map(|o| epochs_to(&o.epoch_loss, target, Better::Lower))
                .collect(),
            true,
        ),
        (
            "epochs_to_test_target",
            random
                .iter()
                .map(|o| epochs_to(&o.held_out_curve, held_target, better))
                .collect(),
            true,
        ),
        (
            "final_train_loss",
            random.iter().map(|o| o.final_loss).collect(),
            true,
        ),
        (
            "held_out_score",
            random.iter().map(held_out_score).collect(),
            false,
        ),
    ];
    let mut order: Vec<usize> = (0..init.len()).collect();
    order.sort_by(|&a, &b| init[a].total_cmp(&init[b]));
    let cut = (init.len() / 10).max(1);
    outcomes
        .into_iter()
        .map(|(name, ys, higher_worse)| {
            let (low, rest): (Vec<f64>, Vec<f64>) = (
                order[..cut].iter().map(|&i| ys[i]).collect(),
                order[cut..].iter().map(|&i| ys[i]).collect(),
            );
            let d = MeanCi::difference(&low, &rest);
            let worse = if higher_worse {
                d.sign() == Sign::Above
            } else {
                d.sign() == Sign::Below
            };
            Relation {
                outcome: name,
                correlation: Correlation::of(
                    "initial_loss",
                    name,
                    &init,
                    &ys,
                    derive_seed(seed, name),
                ),
                decile_minus_rest: d,
                decile_worse: worse,
                decile_p_worse: d.p_beyond_zero(higher_worse),
                decile_worse_holm: false,
            }
        })
        .collect()
}

/// The network's outputs on `x` at `params`.
pub fn outputs(spec: &ModelSpec, params: &[f32], x: ArrayView2<'_, f32>) -> Result<Array2<f32>> {
    let mut g = Graph::new();
    let input = g.input(Shape::new(x.nrows(), x.ncols()))?;
    let fwd = spec.build(&mut g, input)?;
    let mut values = Values::for_graph(&g);
    g.eval_until_into(params, &[x], &mut values, fwd.output)?;
    Ok(values.get(fwd.output).to_owned())
}

/// Whether a classifier's predicted distributions are nearly the same on every row: the mean
/// total-variation distance between each row's softmax (sigmoid for one output) and their
/// average is below `COLLAPSE_TV`.
pub fn is_collapsed(logits: &Array2<f32>) -> bool {
    let probs: Vec<Vec<f64>> = logits
        .rows()
        .into_iter()
        .map(|r| {
            if r.len() == 1 {
                let p = 1.0 / (1.0 + (-f64::from(r[0])).exp());
                vec![p, 1.0 - p]
            } else {
                let m = r.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
                let e: Vec<f64> = r.iter().map(|&v| f64::from(v - m).exp()).collect();
                let s: f64 = e.iter().sum();
                e.into_iter().map(|v| v / s).collect()
            }
        })
        .collect();
    let k = probs[0].len();
    let n = probs.len() as f64;
    let mean: Vec<f64> = (0..k)
        .map(|j| probs.iter().map(|p| p[j]).sum::<f64>() / n)
        .collect();
    let tv = probs
        .iter()
        .map(|p| 0.5 * p.iter().zip(&mean).map(|(a, b)| (a - b).abs()).sum::<f64>())
        .sum::<f64>()
        / n;
    tv < COLLAPSE_TV
}

/// The collapse threshold on the mean total-variation distance (see [`is_collapsed`]).
pub const COLLAPSE_TV: f64 = 0.02;

/// One band of the quantile sweep.
#[derive(Debug, Clone, Serialize)]
pub struct Band {
    /// Its name (`best_0.1pct`, …).
    pub band: &'static str,
    /// Its range of initial-loss ranks in the pool, as fractions.
    pub quantiles: (f64, f64),
    /// Initial loss of the trained candidates.
    pub initial_loss: MeanCi,
    /// Train loss after epoch 1.
    pub train_loss_1: MeanCi,
    /// Final train loss.
    pub final_train_loss: MeanCi,
    /// Final held-out score (test accuracy).
    pub test_accuracy: MeanCi,
    /// Candidates trained.
    pub runs: usize,
    /// Of them, collapsed at init.
    pub collapsed: usize,
}

/// The bands: best 0.1 %, 1 %, 10 %, the middle 10 % and the worst 10 %.
pub const BANDS: [(&str, f64, f64); 5] = [
    ("best_0.1pct", 0.0, 0.001),
    ("best_1pct", 0.0, 0.01),
    ("best_10pct", 0.0, 0.1),
    ("median_10pct", 0.45, 0.55),
    ("worst_10pct", 0.9, 1.0),
];

/// The quantile sweep: scores `pool` candidates of `plan` on the full training set, trains
/// `per_band` from each band (evenly spaced in its rank range), and counts collapsed inits
/// in the bands and in the whole pool's sample.
pub fn quantile_sweep(
    p: &Prepared,
    plan: &InitPlan,
    pool: usize,
    per_band: usize,
    seed: u64,
) -> Result<(Vec<Band>, usize, usize)> {
    let scorer = super::arm::scorer(&p.problem, &p.spec, super::arm::ScoredOn::Full, 0)?;
    let stream = Stream::new(&p.spec, plan, derive_seed(seed, "quantile_sweep"))?;
    let mut losses = vec![0.0f32; pool];
    scorer.losses(&stream, 0, &mut losses)?;
    let mut order: Vec<usize> = (0..pool).collect();
    order.sort_by(|&a, &b| losses[a].total_cmp(&losses[b]));
    let collapsed = |params: &[f32]| -> Result<bool> {
        Ok(is_collapsed(&outputs(
            &p.spec,
            params,
            p.problem.x_train.view(),
        )?))
    };
    let mut bands = Vec::new();
    for (name, lo, hi) in BANDS {
        let (a, b) = (
            (lo * pool as f64) as usize,
            ((hi * pool as f64) as usize).max(1),
        );
        let take = per_band.min(b - a);
        let inits: Vec<Vec<f32>> = (0..take)
            .map(|i| stream.candidate(order[a + i * (b - a) / take] as u64))
            .collect();
        let n_collapsed = inits
            .iter()
            .map(|c| collapsed(c))
            .collect::<Result<Vec<_>>>()?;
        let runs = train_runs(&p.problem, &p.spec, &p.setup, &inits)?;
        let col =
            |f: &dyn Fn(&RunOutcome) -> f64| MeanCi::of(&runs.iter().map(f).collect::<Vec<_>>());
        bands.push(Band {
            band: name,
            quantiles: (lo, hi),
            initial_loss: col(&|o| o.initial_loss),
            train_loss_1: col(&|o| o.epoch_loss[0]),
            final_train_loss: col(&|o| o.final_loss),
            test_accuracy: col(&held_out_score),
            runs: take,
            collapsed: n_collapsed.iter().filter(|&&c| c).count(),
        });
    }
    // Collapse over the pool: a systematic sample of up to 2000 candidates.
    let sample = pool.min(2000);
    let mut pool_collapsed = 0;
    for i in 0..sample {
        if collapsed(&stream.candidate((i * pool / sample) as u64))? {
            pool_collapsed += 1;
        }
    }
    Ok((bands, pool_collapsed, sample))
}
