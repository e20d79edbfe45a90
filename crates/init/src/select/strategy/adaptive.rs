//! Adaptive sampling: draw until `count` candidates pass a loss threshold (the reference's
//! rejection loop, bounded by a budget).

use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};

use super::scan::{Check, Ctx, TAG_PILOT, by_loss, derive, sample_percentile, scan};
use super::selection::Status;
use crate::select::error::SelectError;
use crate::select::score::Score;
use crate::stream::Stream;

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

/// Draw in index order until `count` candidates satisfy the condition, within `budget`
/// draws (the reference's rejection loop, bounded). With `Side::Above`, the inverse arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adaptive {
    /// Accepted side.
    pub side: Side,
    /// Where the threshold comes from.
    pub threshold: Threshold,
    /// Accepted candidates wanted.
    pub count: usize,
    /// Most draws, all picks together (see [`super::DEFAULT_BUDGET`]).
    pub budget: u64,
}

impl Adaptive {
    /// The serde tag and name in errors.
    pub const NAME: &'static str = "adaptive";

    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), SelectError> {
        let c = Check(Self::NAME);
        c.positive("budget", self.budget)?;
        c.picks("count", self.count)?;
        match self.threshold {
            Threshold::Given { value } if value.is_nan() => {
                Err(c.bad("threshold", "NaN".into(), "must be a number"))
            }
            Threshold::BestOfPilot { pilot } => c.positive("pilot", pilot),
            Threshold::PilotPercentile { pilot, percentile } => {
                c.positive("pilot", pilot)?;
                c.percentile(percentile)
            }
            Threshold::Given { .. } => Ok(()),
        }
    }

    pub(super) fn run(&self, ctx: &mut Ctx<'_>) -> Result<(), SelectError> {
        let thr = self.resolve_threshold(ctx)?;
        ctx.sel.threshold = Some(thr);
        let side = self.side;
        let mut best: Option<(u64, Score)> = None;
        let mut accepted = Vec::new();
        ctx.scan(0, self.budget, false, |i, s| {
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
            if accepted.len() == self.count {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })?;
        if accepted.len() < self.count {
            ctx.sel.status = Status::BudgetExhausted;
        }
        ctx.sel.picks = accepted.into_iter().map(|c| ctx.stream_pick(c)).collect();
        ctx.sel.best = best.map(|c| ctx.stream_pick(c));
        Ok(())
    }

    fn resolve_threshold(&self, ctx: &Ctx<'_>) -> Result<f64, SelectError> {
        let pilot_of = |pilot: u64| -> Result<Vec<f32>, SelectError> {
            let stream = ctx.stream;
            let pilot_stream =
                Stream::from_compiled(stream.plan().clone(), derive(stream.seed(), TAG_PILOT, 0));
            let mut losses = Vec::with_capacity(pilot as usize);
            scan(ctx.scorer, &pilot_stream, 0, pilot, false, |_, s| {
                losses.push(s.loss);
                ControlFlow::Continue(())
            })?;
            if losses.is_empty() {
                return Err(ctx.nothing(pilot));
            }
            Ok(losses)
        };
        Ok(match self.threshold {
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
}
