//! Informed sampling: the cross-entropy method over a diagonal Gaussian.

use serde::{Deserialize, Serialize};

use super::scan::{Check, Ctx, TAG_INFORMED, by_loss, derive, standard_normal};
use super::selection::{Origin, Pick};
use crate::select::error::SelectError;

/// The cross-entropy method: round 0 draws `per_round` from the stream; each later round
/// draws from a diagonal Gaussian fitted to the previous round's elite fraction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Informed {
    /// Rounds after the first.
    pub rounds: usize,
    /// Draws per round.
    pub per_round: u64,
    /// Elite fraction, in (0, 1].
    pub elite: f64,
}

impl Informed {
    /// The serde tag and name in errors.
    pub const NAME: &'static str = "informed";

    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), SelectError> {
        let c = Check(Self::NAME);
        c.positive("per_round", self.per_round)?;
        c.fraction("elite", self.elite)
    }

    /// How many of `len` finite candidates form the elite.
    fn keep(&self, len: usize) -> usize {
        ((self.elite * len as f64).ceil() as usize).clamp(1, len)
    }

    pub(super) fn run(&self, ctx: &mut Ctx<'_>) -> Result<(), SelectError> {
        let mut pool = ctx.collect(self.per_round, false)?;
        pool.sort_by(by_loss);
        let first = *pool.first().ok_or_else(|| ctx.nothing(self.per_round))?;
        let mut best = ctx.stream_pick(first);
        let mut elite: Vec<Vec<f32>> = pool[..self.keep(pool.len())]
            .iter()
            .map(|(i, _)| ctx.stream.candidate(*i))
            .collect();
        let p = ctx.stream.param_len();
        for r in 0..self.rounds {
            let (mean, std) = fit_diagonal(&elite, p);
            let zseed = derive(ctx.stream.seed(), TAG_INFORMED, r as u64);
            let mut cands = vec![0.0f32; self.per_round as usize * p];
            standard_normal(p, zseed)?.par_fill_batch(0, &mut cands)?;
            for c in cands.chunks_exact_mut(p) {
                for ((v, m), s) in c.iter_mut().zip(&mean).zip(&std) {
                    *v = m + s * *v;
                }
            }
            let mut round = ctx.score_finite(&cands)?;
            if round.is_empty() {
                continue;
            }
            round.sort_by(by_loss);
            let (j, s) = round[0];
            if s.loss < best.score.loss {
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
            elite = round[..self.keep(round.len())]
                .iter()
                .map(|(j, _)| cands[*j as usize * p..(*j as usize + 1) * p].to_vec())
                .collect();
        }
        ctx.sel.best = Some(best.clone());
        ctx.sel.picks.push(best);
        Ok(())
    }
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
