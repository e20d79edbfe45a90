//! Transfer: the best of stream candidates and given prior initializations.

use serde::{Deserialize, Serialize};

use super::scan::{Check, Ctx, by_loss};
use super::selection::{Origin, Pick};
use crate::select::error::SelectError;

/// The best of `n` stream candidates and the given prior initializations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transfer {
    /// Stream candidates.
    pub n: u64,
    /// Prior initializations (e.g. from a related task).
    pub priors: Vec<Vec<f32>>,
}

impl Transfer {
    /// The serde tag and name in errors.
    pub const NAME: &'static str = "transfer";

    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), SelectError> {
        if self.n == 0 && self.priors.is_empty() {
            return Err(Check(Self::NAME).bad("n", "0".into(), "zero candidates and no priors"));
        }
        Ok(())
    }

    pub(super) fn run(&self, ctx: &mut Ctx<'_>) -> Result<(), SelectError> {
        let p = ctx.stream.param_len();
        if let Some((index, bad)) = self.priors.iter().enumerate().find(|(_, v)| v.len() != p) {
            return Err(SelectError::PriorLength {
                index,
                actual: bad.len(),
                expected: p,
            });
        }
        let pool = ctx.collect(self.n, false)?;
        let mut best = pool.into_iter().min_by(by_loss).map(|c| ctx.stream_pick(c));
        for (i, s) in ctx.score_finite(&self.priors.concat())? {
            if best.as_ref().is_none_or(|b| s.loss < b.score.loss) {
                let i = i as usize;
                best = Some(Pick {
                    origin: Origin::Prior {
                        i,
                        params: self.priors[i].clone(),
                    },
                    score: s,
                });
            }
        }
        let best = best.ok_or_else(|| ctx.nothing(ctx.sel.draws))?;
        ctx.sel.best = Some(best.clone());
        ctx.sel.picks.push(best);
        Ok(())
    }
}
