//! Diversity: spread picks over the good set by greedy farthest-point selection.

use serde::{Deserialize, Serialize};

use super::scan::{Check, Ctx};
use crate::select::error::SelectError;

/// The good set of `n` (bottom `percentile`), then `count` picks by greedy farthest-point in
/// parameter space, starting from its best candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diversity {
    /// Pool size.
    pub n: u64,
    /// In (0, 100).
    pub percentile: f64,
    /// Picks (`k` in older JSON).
    #[serde(alias = "k")]
    pub count: usize,
}

impl Diversity {
    /// The serde tag and name in errors.
    pub const NAME: &'static str = "diversity";

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
        let params: Vec<Vec<f32>> = good.iter().map(|(i, _)| ctx.stream.candidate(*i)).collect();
        ctx.sel.picks = farthest_points(&params, self.count)
            .into_iter()
            .map(|j| ctx.stream_pick(good[j]))
            .collect();
        Ok(())
    }
}

/// Greedy farthest-point selection (Gonzalez): start at index 0 (the best), then repeatedly
/// take the point whose distance to its nearest pick is largest (ties: lower index).
pub fn farthest_points(points: &[Vec<f32>], count: usize) -> Vec<usize> {
    if points.is_empty() || count == 0 {
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
    while picks.len() < count.min(points.len()) {
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
