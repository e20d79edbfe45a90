//! Selection strategies: every variant of loss-based sampling the write-ups name.
//!
//! A strategy scans candidates of a [`Stream`] in index order, keeping (index, score) pairs —
//! never parameter sets — and returns [`Pick`]s whose [`Origin`] regenerates the chosen
//! parameters. NaN and infinite scores never win; they are counted. Ties go to the lower
//! index, so a selection depends only on (stream, scorer, strategy), never on threads or
//! chunking.

use std::cmp::Ordering;
use std::ops::ControlFlow;

use rand::SeedableRng;
use rand::seq::index::sample;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use super::error::{SelectError, SelectResult};
use super::score::{Score, Scorer};
use crate::counter::mix64;
use crate::scheme::Scheme;
use crate::stream::{Candidate, Stream};

/// The default draw budget of adaptive sampling.
pub const DEFAULT_BUDGET: u64 = 1_000_000;

/// Which side of a threshold is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// loss < threshold (the write-up's arms).
    Below,
    /// loss > threshold (the write-up's "inverse" validation arm).
    Above,
}

/// Where an adaptive threshold comes from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Threshold {
    /// A fixed value.
    Given {
        /// The threshold.
        value: f64,
    },
    /// The best loss of a pilot of `pilot` candidates from an independent stream.
    BestOfPilot {
        /// Pilot size.
        pilot: u64,
    },
    /// A percentile of a pilot of `pilot` candidates from an independent stream.
    PilotPercentile {
        /// Pilot size.
        pilot: u64,
        /// The percentile, in (0, 100).
        percentile: f64,
    },
}

/// How the percentile strategy picks from its good set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PercentilePick {
    /// The lowest losses.
    Best,
    /// Uniformly at random (seeded by the stream), without replacement.
    Uniform,
}

/// A selection strategy, as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "strategy")]
pub enum Strategy {
    /// `count` picks, each the best of its own `n` consecutive candidates.
    BestOfN {
        /// Candidates per pick.
        n: u64,
        /// Picks.
        count: usize,
    },
    /// Score `n`; the good set is the bottom `percentile` (threshold = the sample quantile,
    /// numpy's linear rule); pick `count` from it.
    Percentile {
        /// Pool size.
        n: u64,
        /// In (0, 100).
        percentile: f64,
        /// How to pick.
        pick: PercentilePick,
        /// Picks.
        count: usize,
    },
    /// Draw in index order until `count` candidates satisfy the condition, within `budget`
    /// draws (the reference's rejection loop, bounded). With `Side::Above`, the inverse arm.
    Adaptive {
        /// Accepted side.
        side: Side,
        /// Where the threshold comes from.
        threshold: Threshold,
        /// Accepted candidates wanted.
        count: usize,
        /// Most draws, all picks together.
        budget: u64,
    },
    /// Score `n` with gradient norms; keep those with norm in `[min, max]`; pick the `count`
    /// lowest losses among them.
    GradientFilter {
        /// Pool size.
        n: u64,
        /// Lowest gradient norm kept.
        min: f64,
        /// Highest gradient norm kept.
        max: f64,
        /// Picks.
        count: usize,
    },
    /// The good set of `n` (bottom `percentile`), then `k` picks by greedy farthest-point in
    /// parameter space, starting from its best candidate.
    Diversity {
        /// Pool size.
        n: u64,
        /// In (0, 100).
        percentile: f64,
        /// Picks.
        k: usize,
    },
    /// Pick the `count` lowest `w_loss·loss + w_grad·‖∇L‖ + w_param·‖θ‖` of `n`.
    MultiObjective {
        /// Pool size.
        n: u64,
        /// Weight of the loss.
        w_loss: f64,
        /// Weight of the gradient norm.
        w_grad: f64,
        /// Weight of the parameter norm.
        w_param: f64,
        /// Picks.
        count: usize,
    },
    /// Best of `n`, then `rounds` rounds of `per_round` Gaussian perturbations around the
    /// incumbent with radius `radius·shrink^r`; keeps a perturbation when it is better.
    Refine {
        /// Initial pool.
        n: u64,
        /// Rounds.
        rounds: usize,
        /// Perturbations per round.
        per_round: u64,
        /// First round's radius (std of each coordinate's perturbation).
        radius: f64,
        /// Factor per round, in (0, 1].
        shrink: f64,
    },
    /// The cross-entropy method: round 0 draws `per_round` from the stream; each later round
    /// draws from a diagonal Gaussian fitted to the previous round's elite fraction.
    Informed {
        /// Rounds after the first.
        rounds: usize,
        /// Draws per round.
        per_round: u64,
        /// Elite fraction, in (0, 1].
        elite: f64,
    },
    /// The best of `n` stream candidates and the given prior initializations.
    Transfer {
        /// Stream candidates.
        n: u64,
        /// Prior initializations (e.g. from a related task).
        priors: Vec<Vec<f32>>,
    },
}

impl Strategy {
    /// The strategy's name.
    pub fn name(&self) -> &'static str {
        match self {
            Strategy::BestOfN { .. } => "best_of_n",
            Strategy::Percentile { .. } => "percentile",
            Strategy::Adaptive { .. } => "adaptive",
            Strategy::GradientFilter { .. } => "gradient_filter",
            Strategy::Diversity { .. } => "diversity",
            Strategy::MultiObjective { .. } => "multi_objective",
            Strategy::Refine { .. } => "refine",
            Strategy::Informed { .. } => "informed",
            Strategy::Transfer { .. } => "transfer",
        }
    }
}

/// One step of a refinement chain: the perturbation `radius · z(seed, index)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Perturbation {
    /// Seed of the standard-normal stream.
    pub seed: u64,
    /// Index in it.
    pub index: u64,
    /// The radius it was scaled by.
    pub radius: f32,
}

/// Where a picked initialization comes from; [`Origin::params`] regenerates it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Origin {
    /// A candidate of the stream.
    Stream {
        /// Its address.
        candidate: Candidate,
    },
    /// A stream candidate moved by a chain of perturbations (progressive refinement).
    Refined {
        /// The starting candidate.
        base: Candidate,
        /// The accepted perturbations, in order.
        steps: Vec<Perturbation>,
    },
    /// `mean + std ⊙ z(seed, index)` (informed sampling: the fitted law is part of the address).
    Sampled {
        /// Seed of the standard-normal stream.
        seed: u64,
        /// Index in it.
        index: u64,
        /// The fitted mean.
        mean: Vec<f32>,
        /// The fitted standard deviations.
        std: Vec<f32>,
    },
    /// The `i`-th given prior.
    Prior {
        /// Its position in the strategy's list.
        i: usize,
    },
}

impl Origin {
    /// Regenerates the parameters (`stream` is the one the selection ran on; `priors` are the
    /// transfer strategy's, if any).
    pub fn params(&self, stream: &Stream, priors: &[Vec<f32>]) -> SelectResult<Vec<f32>> {
        let p = stream.param_len();
        Ok(match self {
            Origin::Stream { candidate } => {
                stream_of(stream, candidate.seed)?.candidate(candidate.index)
            }
            Origin::Refined { base, steps } => {
                let mut theta = stream_of(stream, base.seed)?.candidate(base.index);
                for s in steps {
                    let z = standard_normal(p, s.seed)?.candidate(s.index);
                    theta
                        .iter_mut()
                        .zip(z)
                        .for_each(|(t, z)| *t += s.radius * z);
                }
                theta
            }
            Origin::Sampled {
                seed,
                index,
                mean,
                std,
            } => {
                let z = standard_normal(p, *seed)?.candidate(*index);
                mean.iter()
                    .zip(std)
                    .zip(z)
                    .map(|((m, s), z)| m + s * z)
                    .collect()
            }
            Origin::Prior { i } => priors
                .get(*i)
                .cloned()
                .ok_or_else(|| SelectError::Mismatch(format!("prior {i} was not given")))?,
        })
    }
}

/// One chosen initialization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pick {
    /// How to regenerate it.
    pub origin: Origin,
    /// Its score.
    pub score: Score,
}

/// Whether a strategy found all it was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Done.
    Found,
    /// Adaptive sampling hit its budget; `picks` holds what was accepted and `best` the best
    /// candidate seen.
    BudgetExhausted,
}

/// The outcome of a strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Selection {
    /// The strategy's name.
    pub strategy: String,
    /// The stream's seed.
    pub stream_seed: u64,
    /// The picks.
    pub picks: Vec<Pick>,
    /// The best candidate seen (lowest loss; highest for `Side::Above`).
    pub best: Option<Pick>,
    /// Candidates scored (for adaptive sampling: up to the last acceptance).
    pub draws: u64,
    /// Candidates whose score was NaN or infinite.
    pub nonfinite: u64,
    /// The loss threshold used, if any.
    pub threshold: Option<f64>,
    /// Found, or budget exhausted.
    pub status: Status,
}

/// Candidates scored per call of the scorer; selections do not depend on it.
const SCAN_CHUNK: u64 = 1 << 15;

/// Tags that derive the independent streams a strategy needs from the stream's seed.
const TAG_PILOT: u64 = 0x0050_494C_4F54;
const TAG_PERTURB: u64 = 0x0050_4552_5455_5242;
const TAG_UNIFORM: u64 = 0x554E_4946;

fn derive(seed: u64, tag: u64, round: u64) -> u64 {
    mix64(seed ^ mix64(tag.wrapping_add(round.wrapping_mul(0x9E37_79B9_7F4A_7C15))))
}

fn stream_of(stream: &Stream, seed: u64) -> SelectResult<Stream> {
    Ok(if seed == stream.seed() {
        stream.clone()
    } else {
        Stream::from_compiled(stream.plan().clone(), seed)
    })
}

fn standard_normal(p: usize, seed: u64) -> SelectResult<Stream> {
    Ok(Stream::for_tensor(
        &Scheme::Normal {
            mean: 0.0,
            std: 1.0,
        },
        1,
        p,
        seed,
    )?)
}

/// Lower loss first, then lower index; used for every "best".
fn by_loss(a: &(u64, Score), b: &(u64, Score)) -> Ordering {
    a.1.loss.total_cmp(&b.1.loss).then(a.0.cmp(&b.0))
}

/// numpy's linear-interpolation percentile of finite values.
pub fn sample_percentile(values: &mut [f32], q: f64) -> f64 {
    values.sort_by(f32::total_cmp);
    let h = (values.len() - 1) as f64 * q / 100.0;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(values.len() - 1);
    let (a, b) = (f64::from(values[lo]), f64::from(values[hi]));
    a + (h - lo as f64) * (b - a)
}

/// Scores candidates `first..first + n` of `stream` in index order, calling `visit` with each
/// finite one until it breaks; returns (visited, non-finite). `n = u64::MAX` scans on.
fn scan(
    scorer: &(impl Scorer + ?Sized),
    stream: &Stream,
    first: u64,
    n: u64,
    want_grad: bool,
    mut visit: impl FnMut(u64, Score) -> ControlFlow<()>,
) -> SelectResult<(u64, u64)> {
    let mut buf = Vec::new();
    let (mut visited, mut nonfinite) = (0u64, 0u64);
    while visited < n {
        let len = SCAN_CHUNK.min(n - visited) as usize;
        buf.resize(
            len,
            Score {
                loss: 0.0,
                grad_norm: 0.0,
                accuracy: 0.0,
            },
        );
        scorer.score_stream(stream, first + visited, want_grad, &mut buf)?;
        for s in &buf {
            let index = first + visited;
            visited += 1;
            if !s.is_finite(want_grad) {
                nonfinite += 1;
                continue;
            }
            if visit(index, *s).is_break() {
                return Ok((visited, nonfinite));
            }
        }
    }
    Ok((visited, nonfinite))
}

/// Runs `strategy` on `stream` with `scorer`.
pub fn select(
    strategy: &Strategy,
    scorer: &(impl Scorer + ?Sized),
    stream: &Stream,
) -> SelectResult<Selection> {
    scorer.check_stream(stream)?;
    validate(strategy)?;
    let name = strategy.name();
    let seed = stream.seed();
    let stream_pick = |(index, score): (u64, Score)| Pick {
        origin: Origin::Stream {
            candidate: Candidate { seed, index },
        },
        score,
    };
    let mut sel = Selection {
        strategy: name.to_string(),
        stream_seed: seed,
        picks: Vec::new(),
        best: None,
        draws: 0,
        nonfinite: 0,
        threshold: None,
        status: Status::Found,
    };
    let nothing = |draws| SelectError::NothingFinite {
        strategy: name,
        draws,
    };
    match strategy {
        Strategy::BestOfN { n, count } => {
            for g in 0..*count as u64 {
                let mut best: Option<(u64, Score)> = None;
                let (v, nf) = scan(scorer, stream, g * n, *n, false, |i, s| {
                    if best.is_none_or(|b| by_loss(&(i, s), &b).is_lt()) {
                        best = Some((i, s));
                    }
                    ControlFlow::Continue(())
                })?;
                sel.draws += v;
                sel.nonfinite += nf;
                sel.picks.push(stream_pick(best.ok_or_else(|| nothing(v))?));
            }
        }
        Strategy::Percentile {
            n,
            percentile,
            pick,
            count,
        } => {
            let pool = collect(scorer, stream, *n, false, &mut sel)?;
            let (good, thr) = good_set(pool, *percentile, name, sel.draws)?;
            sel.threshold = Some(thr);
            check_k(name, *count, good.len())?;
            let chosen: Vec<(u64, Score)> = match pick {
                PercentilePick::Best => good[..*count].to_vec(),
                PercentilePick::Uniform => {
                    let mut rng = Xoshiro256PlusPlus::seed_from_u64(derive(seed, TAG_UNIFORM, 0));
                    let mut idx = sample(&mut rng, good.len(), *count).into_vec();
                    idx.sort_unstable();
                    idx.into_iter().map(|i| good[i]).collect()
                }
            };
            sel.picks = chosen.into_iter().map(stream_pick).collect();
        }
        Strategy::Adaptive {
            side,
            threshold,
            count,
            budget,
        } => {
            let thr = resolve_threshold(threshold, scorer, stream, name)?;
            sel.threshold = Some(thr);
            let mut best: Option<(u64, Score)> = None;
            let mut accepted = Vec::new();
            let (v, nf) = scan(scorer, stream, 0, *budget, false, |i, s| {
                let better = |b: &(u64, Score)| match side {
                    Side::Below => by_loss(&(i, s), b).is_lt(),
                    Side::Above => by_loss(&(i, s), b).is_gt(),
                };
                if best.as_ref().is_none_or(better) {
                    best = Some((i, s));
                }
                let loss = f64::from(s.loss);
                let ok = match side {
                    Side::Below => loss < thr,
                    Side::Above => loss > thr,
                };
                if ok {
                    accepted.push((i, s));
                }
                if accepted.len() == *count {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })?;
            sel.draws = v;
            sel.nonfinite = nf;
            if accepted.len() < *count {
                sel.status = Status::BudgetExhausted;
            }
            sel.picks = accepted.into_iter().map(stream_pick).collect();
            sel.best = best.map(stream_pick);
            return Ok(sel);
        }
        Strategy::GradientFilter { n, min, max, count } => {
            let mut pool = collect(scorer, stream, *n, true, &mut sel)?;
            pool.retain(|(_, s)| (*min..=*max).contains(&f64::from(s.grad_norm)));
            if pool.is_empty() {
                return Err(SelectError::BadParameter {
                    strategy: name,
                    name: "min..max",
                    value: format!("{min}..{max}"),
                    rule: "no candidate's gradient norm fell in the band",
                });
            }
            pool.sort_by(by_loss);
            pool.truncate(*count);
            sel.picks = pool.into_iter().map(stream_pick).collect();
        }
        Strategy::Diversity { n, percentile, k } => {
            let pool = collect(scorer, stream, *n, false, &mut sel)?;
            let (good, thr) = good_set(pool, *percentile, name, sel.draws)?;
            sel.threshold = Some(thr);
            check_k(name, *k, good.len())?;
            let params: Vec<Vec<f32>> = good.iter().map(|(i, _)| stream.candidate(*i)).collect();
            sel.picks = farthest_points(&params, *k)
                .into_iter()
                .map(|j| stream_pick(good[j]))
                .collect();
        }
        Strategy::MultiObjective {
            n,
            w_loss,
            w_grad,
            w_param,
            count,
        } => {
            let want_grad = *w_grad != 0.0;
            let pool = collect(scorer, stream, *n, want_grad, &mut sel)?;
            let mut scored: Vec<(f64, u64, Score)> = pool
                .into_iter()
                .map(|(i, s)| {
                    let norm = if *w_param != 0.0 {
                        stream
                            .candidate(i)
                            .iter()
                            .map(|v| f64::from(*v).powi(2))
                            .sum::<f64>()
                            .sqrt()
                    } else {
                        0.0
                    };
                    let g = if want_grad {
                        f64::from(s.grad_norm)
                    } else {
                        0.0
                    };
                    (
                        w_loss * f64::from(s.loss) + w_grad * g + w_param * norm,
                        i,
                        s,
                    )
                })
                .collect();
            scored.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            check_k(name, *count, scored.len())?;
            sel.picks = scored
                .into_iter()
                .take(*count)
                .map(|(_, i, s)| stream_pick((i, s)))
                .collect();
        }
        Strategy::Refine {
            n,
            rounds,
            per_round,
            radius,
            shrink,
        } => {
            let pool = collect(scorer, stream, *n, false, &mut sel)?;
            let (i0, s0) = pool
                .into_iter()
                .min_by(by_loss)
                .ok_or_else(|| nothing(*n))?;
            let base = Candidate { seed, index: i0 };
            let (mut theta, mut best, mut steps) = (stream.candidate(i0), s0, Vec::new());
            let p = theta.len();
            for r in 0..*rounds {
                let rad = (radius * shrink.powi(r as i32)) as f32;
                let zseed = derive(seed, TAG_PERTURB, r as u64);
                let z = standard_normal(p, zseed)?;
                let mut cands = vec![0.0f32; *per_round as usize * p];
                z.par_fill_batch(0, &mut cands)?;
                cands.chunks_exact_mut(p).for_each(|c| {
                    c.iter_mut()
                        .zip(&theta)
                        .for_each(|(v, t)| *v = t + rad * *v)
                });
                let mut scores = vec![s0; *per_round as usize];
                scorer.score_params(&cands, false, &mut scores)?;
                sel.draws += per_round;
                let mut round_best: Option<(u64, Score)> = None;
                for (j, s) in scores.iter().enumerate() {
                    if !s.is_finite(false) {
                        sel.nonfinite += 1;
                    } else if round_best.is_none_or(|b| by_loss(&(j as u64, *s), &b).is_lt()) {
                        round_best = Some((j as u64, *s));
                    }
                }
                if let Some((j, s)) = round_best.filter(|(_, s)| s.loss < best.loss) {
                    theta.copy_from_slice(&cands[j as usize * p..(j as usize + 1) * p]);
                    best = s;
                    steps.push(Perturbation {
                        seed: zseed,
                        index: j,
                        radius: rad,
                    });
                }
            }
            sel.picks.push(Pick {
                origin: Origin::Refined { base, steps },
                score: best,
            });
        }
        Strategy::Informed {
            rounds,
            per_round,
            elite,
        } => {
            let pool = collect(scorer, stream, *per_round, false, &mut sel)?;
            let mut best = pool
                .iter()
                .copied()
                .min_by(by_loss)
                .map(stream_pick)
                .ok_or_else(|| nothing(*per_round))?;
            let keep = |len: usize| ((elite * len as f64).ceil() as usize).clamp(1, len);
            let mut elite_params: Vec<Vec<f32>> = {
                let mut sorted = pool;
                sorted.sort_by(by_loss);
                let k = keep(sorted.len());
                sorted[..k]
                    .iter()
                    .map(|(i, _)| stream.candidate(*i))
                    .collect()
            };
            let p = stream.param_len();
            for r in 0..*rounds {
                let (mean, std) = fit_diagonal(&elite_params, p);
                let zseed = derive(seed, TAG_PERTURB, 1_000_000 + r as u64);
                let mut cands = vec![0.0f32; *per_round as usize * p];
                standard_normal(p, zseed)?.par_fill_batch(0, &mut cands)?;
                for c in cands.chunks_exact_mut(p) {
                    for ((v, m), s) in c.iter_mut().zip(&mean).zip(&std) {
                        *v = m + s * *v;
                    }
                }
                let mut scores = vec![best.score; *per_round as usize];
                scorer.score_params(&cands, false, &mut scores)?;
                sel.draws += per_round;
                let mut round: Vec<(u64, Score)> = Vec::new();
                for (j, s) in scores.into_iter().enumerate() {
                    if s.is_finite(false) {
                        round.push((j as u64, s))
                    } else {
                        sel.nonfinite += 1
                    }
                }
                if round.is_empty() {
                    continue;
                }
                round.sort_by(by_loss);
                if round[0].1.loss < best.score.loss {
                    let (j, s) = round[0];
                    best = Pick {
                        origin: Origin::Sampled {
                            seed: zseed,
                            index: j,
                            mean: mean.clone(),
                            std: std.clone(),
                        },
                        score: s,
                    };
                }
                let k = keep(round.len());
                elite_params = round[..k]
                    .iter()
                    .map(|(j, _)| cands[*j as usize * p..(*j as usize + 1) * p].to_vec())
                    .collect();
            }
            sel.picks.push(best);
        }
        Strategy::Transfer { n, priors } => {
            let p = stream.param_len();
            if let Some((i, bad)) = priors.iter().enumerate().find(|(_, v)| v.len() != p) {
                return Err(SelectError::Mismatch(format!(
                    "prior {i} has {} parameters, the model has {p}",
                    bad.len()
                )));
            }
            let pool = collect(scorer, stream, *n, false, &mut sel)?;
            let mut best = pool.into_iter().min_by(by_loss).map(stream_pick);
            let flat: Vec<f32> = priors.concat();
            let mut scores = vec![
                Score {
                    loss: 0.0,
                    grad_norm: 0.0,
                    accuracy: 0.0
                };
                priors.len()
            ];
            scorer.score_params(&flat, false, &mut scores)?;
            sel.draws += priors.len() as u64;
            for (i, s) in scores.into_iter().enumerate() {
                if !s.is_finite(false) {
                    sel.nonfinite += 1;
                } else if best.as_ref().is_none_or(|b| s.loss < b.score.loss) {
                    best = Some(Pick {
                        origin: Origin::Prior { i },
                        score: s,
                    });
                }
            }
            sel.picks.push(best.ok_or_else(|| nothing(sel.draws))?);
        }
    }
    sel.best = sel
        .picks
        .iter()
        .min_by(|a, b| a.score.loss.total_cmp(&b.score.loss))
        .cloned();
    Ok(sel)
}

/// Scores `n` candidates from index 0 and keeps the finite ones.
fn collect(
    scorer: &(impl Scorer + ?Sized),
    stream: &Stream,
    n: u64,
    want_grad: bool,
    sel: &mut Selection,
) -> SelectResult<Vec<(u64, Score)>> {
    let mut pool = Vec::with_capacity(n.min(1 << 24) as usize);
    let (v, nf) = scan(scorer, stream, 0, n, want_grad, |i, s| {
        pool.push((i, s));
        ControlFlow::Continue(())
    })?;
    sel.draws += v;
    sel.nonfinite += nf;
    Ok(pool)
}

/// The candidates at or below the `percentile`-th sample quantile, best first, and the
/// threshold.
fn good_set(
    pool: Vec<(u64, Score)>,
    percentile: f64,
    strategy: &'static str,
    draws: u64,
) -> SelectResult<(Vec<(u64, Score)>, f64)> {
    if pool.is_empty() {
        return Err(SelectError::NothingFinite { strategy, draws });
    }
    let mut losses: Vec<f32> = pool.iter().map(|(_, s)| s.loss).collect();
    let thr = sample_percentile(&mut losses, percentile);
    let mut good: Vec<_> = pool
        .into_iter()
        .filter(|(_, s)| f64::from(s.loss) <= thr)
        .collect();
    good.sort_by(by_loss);
    Ok((good, thr))
}

fn check_k(strategy: &'static str, k: usize, pool: usize) -> SelectResult<()> {
    if k > pool {
        return Err(SelectError::BadParameter {
            strategy,
            name: "k",
            value: k.to_string(),
            rule: if pool == 0 {
                "the pool is empty"
            } else {
                "larger than the pool it picks from"
            },
        });
    }
    Ok(())
}

/// Greedy farthest-point selection (Gonzalez): start at index 0 (the best), then repeatedly
/// take the point whose distance to its nearest pick is largest (ties: lower index).
pub fn farthest_points(points: &[Vec<f32>], k: usize) -> Vec<usize> {
    if points.is_empty() || k == 0 {
        return Vec::new();
    }
    let dist = |a: &[f32], b: &[f32]| {
        a.iter()
            .zip(b)
            .map(|(x, y)| f64::from(x - y).powi(2))
            .sum::<f64>()
    };
    let mut picks = vec![0];
    let mut nearest: Vec<f64> = points.iter().map(|p| dist(p, &points[0])).collect();
    while picks.len() < k.min(points.len()) {
        let (next, _) = nearest
            .iter()
            .enumerate()
            .fold(
                (0, f64::NEG_INFINITY),
                |acc, (i, &d)| if d > acc.1 { (i, d) } else { acc },
            );
        picks.push(next);
        for (i, p) in points.iter().enumerate() {
            nearest[i] = nearest[i].min(dist(p, &points[next]));
        }
    }
    picks
}

/// Per-coordinate mean and (population) standard deviation, floored at 1e-6 so the next
/// round still explores.
fn fit_diagonal(points: &[Vec<f32>], p: usize) -> (Vec<f32>, Vec<f32>) {
    let n = points.len() as f64;
    let mut mean = vec![0.0f64; p];
    for x in points {
        mean.iter_mut()
            .zip(x)
            .for_each(|(m, v)| *m += f64::from(*v) / n);
    }
    let mut var = vec![0.0f64; p];
    for x in points {
        var.iter_mut()
            .zip(x)
            .zip(&mean)
            .for_each(|((s, v), m)| *s += (f64::from(*v) - m).powi(2) / n);
    }
    (
        mean.iter().map(|m| *m as f32).collect(),
        var.iter().map(|v| v.sqrt().max(1e-6) as f32).collect(),
    )
}

fn resolve_threshold(
    threshold: &Threshold,
    scorer: &(impl Scorer + ?Sized),
    stream: &Stream,
    strategy: &'static str,
) -> SelectResult<f64> {
    let pilot_of = |pilot: u64| -> SelectResult<Vec<f32>> {
        let pilot_stream =
            Stream::from_compiled(stream.plan().clone(), derive(stream.seed(), TAG_PILOT, 0));
        let mut losses = Vec::with_capacity(pilot as usize);
        scan(scorer, &pilot_stream, 0, pilot, false, |_, s| {
            losses.push(s.loss);
            ControlFlow::Continue(())
        })?;
        if losses.is_empty() {
            return Err(SelectError::NothingFinite {
                strategy,
                draws: pilot,
            });
        }
        Ok(losses)
    };
    Ok(match *threshold {
        Threshold::Given { value } => value,
        Threshold::BestOfPilot { pilot } => pilot_of(pilot)?
            .into_iter()
            .map(f64::from)
            .fold(f64::INFINITY, f64::min),
        Threshold::PilotPercentile { pilot, percentile } => {
            sample_percentile(&mut pilot_of(pilot)?, percentile)
        }
    })
}

fn validate(strategy: &Strategy) -> SelectResult<()> {
    let name = strategy.name();
    let bad = |param: &'static str, value: String, rule: &'static str| {
        Err(SelectError::BadParameter {
            strategy: name,
            name: param,
            value,
            rule,
        })
    };
    let pct = |p: f64| {
        if p > 0.0 && p < 100.0 {
            Ok(())
        } else {
            bad("percentile", p.to_string(), "must lie in (0, 100)")
        }
    };
    let positive = |param, n: u64| {
        if n > 0 {
            Ok(())
        } else {
            bad(param, n.to_string(), "zero candidates")
        }
    };
    let picks = |param, k: usize| {
        if k > 0 {
            Ok(())
        } else {
            bad(param, k.to_string(), "must be at least 1")
        }
    };
    match strategy {
        Strategy::BestOfN { n, count } => {
            positive("n", *n)?;
            picks("count", *count)
        }
        Strategy::Percentile {
            n,
            percentile,
            count,
            ..
        } => {
            positive("n", *n)?;
            pct(*percentile)?;
            picks("count", *count)
        }
        Strategy::Adaptive {
            threshold,
            count,
            budget,
            ..
        } => {
            positive("budget", *budget)?;
            picks("count", *count)?;
            match *threshold {
                Threshold::Given { value } if value.is_nan() => {
                    bad("threshold", "NaN".into(), "must be a number")
                }
                Threshold::BestOfPilot { pilot } => positive("pilot", pilot),
                Threshold::PilotPercentile { pilot, percentile } => {
                    positive("pilot", pilot)?;
                    pct(percentile)
                }
                Threshold::Given { .. } => Ok(()),
            }
        }
        Strategy::GradientFilter { n, min, max, count } => {
            positive("n", *n)?;
            picks("count", *count)?;
            if min.is_nan() || max.is_nan() || min > max {
                return bad(
                    "min..max",
                    format!("{min}..{max}"),
                    "must be an ordered band",
                );
            }
            Ok(())
        }
        Strategy::Diversity { n, percentile, k } => {
            positive("n", *n)?;
            pct(*percentile)?;
            picks("k", *k)
        }
        Strategy::MultiObjective {
            n,
            w_loss,
            w_grad,
            w_param,
            count,
        } => {
            positive("n", *n)?;
            picks("count", *count)?;
            let w = [*w_loss, *w_grad, *w_param];
            if w.iter().any(|v| !v.is_finite() || *v < 0.0) {
                return bad("weights", format!("{w:?}"), "must be finite and >= 0");
            }
            if w.iter().all(|v| *v == 0.0) {
                return bad("weights", format!("{w:?}"), "all zero: nothing to minimise");
            }
            Ok(())
        }
        Strategy::Refine {
            n,
            per_round,
            radius,
            shrink,
            ..
        } => {
            positive("n", *n)?;
            positive("per_round", *per_round)?;
            if !(radius.is_finite() && *radius > 0.0) {
                return bad("radius", radius.to_string(), "must be finite and > 0");
            }
            if !(*shrink > 0.0 && *shrink <= 1.0) {
                return bad("shrink", shrink.to_string(), "must lie in (0, 1]");
            }
            Ok(())
        }
        Strategy::Informed {
            per_round, elite, ..
        } => {
            positive("per_round", *per_round)?;
            if !(*elite > 0.0 && *elite <= 1.0) {
                return bad("elite", elite.to_string(), "must lie in (0, 1]");
            }
            Ok(())
        }
        Strategy::Transfer { n, priors } => {
            if *n == 0 && priors.is_empty() {
                return bad("n", "0".into(), "zero candidates and no priors");
            }
            Ok(())
        }
    }
}
