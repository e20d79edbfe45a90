//! Best of n: each pick the lowest loss of its own `n` consecutive candidates.

use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};

use super::scan::{Check, Ctx, by_loss};
use crate::select::error::SelectError;
use crate::select::score::Score;

/// `count` picks, each the best of its own `n` consecutive candidates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BestOfN {
    /// Candidates per pick.
    pub n: u64,
    /// Picks.
    pub count: usize,
}

impl BestOfN {
    /// The serde tag and name in errors.
    pub const NAME: &'static str = "best_of_n";

    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), SelectError> {
        let c = Check(Self::NAME);
        c.positive("n", self.n)?;
        c.picks("count", self.count)
    }

    pub(super) fn run(&self, ctx: &mut Ctx<'_>) -> Result<(), SelectError> {
        for g in 0..self.count as u64 {
            let mut best: Option<(u64, Score)> = None;
            let v = ctx.scan(g * self.n, self.n, false, |i, s| {
                if best.is_none_or(|b| by_loss(&(i, s), &b).is_lt()) {
                    best = Some((i, s));
                }
                ControlFlow::Continue(())
            })?;
            let pick = ctx.stream_pick(best.ok_or_else(|| ctx.nothing(v))?);
            if ctx
                .sel
                .best
                .as_ref()
                .is_none_or(|b| pick.score.loss < b.score.loss)
            {
                ctx.sel.best = Some(pick.clone());
            }
            ctx.sel.picks.push(pick);
        }
        Ok(())
    }
}
