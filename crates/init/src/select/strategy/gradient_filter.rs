//! Gradient filter: the lowest losses among candidates whose gradient norm lies in a band.

use serde::{Deserialize, Serialize};

use super::scan::{Check, Ctx, by_loss};
use crate::select::error::SelectError;

/// Score `n` with gradient norms; keep those with norm in `[min, max]`; pick the `count`
/// lowest losses among them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradientFilter {
    /// Pool size.
    pub n: u64,
    /// Lowest gradient norm kept.
    pub min: f64,
    /// Highest gradient norm kept.
    pub max: f64,
    /// Picks.
    pub count: usize,
}

impl GradientFilter {
    /// The serde tag and name in errors.
    pub const NAME: &'static str = "gradient_filter";

    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), SelectError> {
        let c = Check(Self::NAME);
        c.positive("n", self.n)?;
        c.picks("count", self.count)?;
        let (min, max) = (self.min, self.max);
        if min.is_nan() || max.is_nan() || min > max {
            return Err(c.bad(
                "min..max",
                format!("{min}..{max}"),
                "must be an ordered band",
            ));
        }
        Ok(())
    }

    pub(super) fn run(&self, ctx: &mut Ctx<'_>) -> Result<(), SelectError> {
        let mut pool = ctx.collect(self.n, true)?;
        pool.retain(|(_, s)| (self.min..=self.max).contains(&f64::from(s.grad_norm)));
        if pool.is_empty() {
            return Err(Check(Self::NAME).bad(
                "min..max",
                format!("{}..{}", self.min, self.max),
                "no candidate's gradient norm fell in the band",
            ));
        }
        pool.sort_by(by_loss);
        pool.truncate(self.count);
        ctx.sel.picks = pool.into_iter().map(|c| ctx.stream_pick(c)).collect();
        Ok(())
    }
}
