//! Progressive refinement: best of n, then shrinking Gaussian perturbations of the incumbent.

use serde::{Deserialize, Serialize};

use super::scan::{Check, Ctx, TAG_PERTURB, by_loss, derive, standard_normal};
use super::selection::{Origin, Perturbation, Pick};
use crate::select::error::SelectError;
use crate::stream::Candidate;

/// Best of `n`, then `rounds` rounds of `per_round` Gaussian perturbations around the
/// incumbent with radius `radius·shrink^r`; keeps a perturbation when it is better.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refine {
    /// Initial pool.
    pub n: u64,
    /// Rounds.
    pub rounds: usize,
    /// Perturbations per round.
    pub per_round: u64,
    /// First round's radius (std of each coordinate's perturbation).
    pub radius: f64,
    /// Factor per round, in (0, 1].
    pub shrink: f64,
}

impl Refine {
    /// The serde tag and name in errors.
    pub const NAME: &'static str = "refine";

    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), SelectError> {
        let c = Check(Self::NAME);
        c.positive("n", self.n)?;
        c.positive("per_round", self.per_round)?;
        if !(self.radius.is_finite() && self.radius > 0.0) {
            return Err(c.bad("radius", self.radius.to_string(), "must be finite and > 0"));
        }
        c.fraction("shrink", self.shrink)
    }

    pub(super) fn run(&self, ctx: &mut Ctx<'_>) -> Result<(), SelectError> {
        let pool = ctx.collect(self.n, false)?;
        let (i0, s0) = pool
            .into_iter()
            .min_by(by_loss)
            .ok_or_else(|| ctx.nothing(self.n))?;
        let seed = ctx.stream.seed();
        let base = Candidate { seed, index: i0 };
        let (mut theta, mut best, mut steps) = (ctx.stream.candidate(i0), s0, Vec::new());
        let p = theta.len();
        for r in 0..self.rounds {
            let rad = (self.radius * self.shrink.powi(r as i32)) as f32;
            let zseed = derive(seed, TAG_PERTURB, r as u64);
            let mut cands = vec![0.0f32; self.per_round as usize * p];
            standard_normal(p, zseed)?.par_fill_batch(0, &mut cands)?;
            cands.chunks_exact_mut(p).for_each(|c| {
                c.iter_mut()
                    .zip(&theta)
                    .for_each(|(v, t)| *v = t + rad * *v)
            });
            let round_best = ctx.score_finite(&cands)?.into_iter().min_by(by_loss);
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
        let pick = Pick {
            origin: Origin::Refined { base, steps },
            score: best,
        };
        ctx.sel.best = Some(pick.clone());
        ctx.sel.picks.push(pick);
        Ok(())
    }
}
