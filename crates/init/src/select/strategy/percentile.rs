//! Percentile: picks from the bottom `percentile` of a pool.

use rand::SeedableRng;
use rand::seq::index::sample;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use super::scan::{Check, Ctx, TAG_UNIFORM, derive};
use crate::select::error::SelectError;

/// How the percentile strategy picks from its good set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PercentilePick {
    /// The lowest losses.
    Best,
    /// Uniformly at random (seeded by the stream), without replacement.
    Uniform,
}

/// Score `n`; the good set is the bottom `percentile` (threshold = the sample quantile,
/// numpy's linear rule); pick `count` from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Percentile {
    /// Pool size.
    pub n: u64,
    /// In (0, 100).
    pub percentile: f64,
    /// How to pick.
    pub pick: PercentilePick,
    /// Picks.
    pub count: usize,
}

impl Percentile {
    /// The serde tag and name in errors.
    pub const NAME: &'static str = "percentile";

    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), SelectError> {
        let c = Check(Self::NAME);
        c.positive("n", self.n)?;
        c.percentile(self.percentile)?;
        c.picks("count", self.count)
    }

    pub(super) fn run(&self, ctx: &mut Ctx<'_>) -> Result<(), SelectError> {
        let pool = ctx.collect(self.n, false)?;
        let good = ctx.good_set(pool, self.percentile)?;
        ctx.check_count(self.count, good.len())?;
        let chosen = match self.pick {
            PercentilePick::Best => good[..self.count].to_vec(),
            PercentilePick::Uniform => {
                let seed = derive(ctx.stream.seed(), TAG_UNIFORM, 0);
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
                let mut idx = sample(&mut rng, good.len(), self.count).into_vec();
                idx.sort_unstable();
                idx.into_iter().map(|i| good[i]).collect()
            }
        };
        ctx.sel.picks = chosen.into_iter().map(|c| ctx.stream_pick(c)).collect();
        Ok(())
    }
}
