//! Selection strategies: every variant of loss-based sampling the write-ups name, one file
//! each.
//!
//! A strategy scans candidates of a [`Stream`] in index order, keeping (index, score) pairs —
//! never parameter sets — and returns [`Pick`]s whose [`Origin`] regenerates the chosen
//! parameters. NaN and infinite scores never win; they are counted. Ties go to the lower
//! index, so a selection depends only on (stream, scorer, strategy), never on threads or
//! chunking.
//!
//! Each strategy is a parameter struct with `validate` (every parameter named in its error)
//! and `run`; [`Strategy`] is the enum of them, serialized with a `"strategy"` tag beside the
//! parameters (`{"strategy": "best_of_n", "n": 100, "count": 1}`).

mod adaptive;
mod best_of_n;
mod diversity;
mod gradient_filter;
mod informed;
mod multi_objective;
mod percentile;
mod refine;
mod scan;
mod selection;
mod transfer;

use serde::{Deserialize, Serialize};

pub use adaptive::{Adaptive, Side, Threshold};
pub use best_of_n::BestOfN;
pub use diversity::{Diversity, farthest_points};
pub use gradient_filter::GradientFilter;
pub use informed::Informed;
pub use multi_objective::MultiObjective;
pub use percentile::{Percentile, PercentilePick};
pub use refine::Refine;
pub use scan::sample_percentile;
pub use selection::{Origin, Perturbation, Pick, Selection, Status};
pub use transfer::Transfer;

use super::error::SelectError;
use super::score::Scorer;
use crate::stream::Stream;
use scan::Ctx;

/// The default draw budget of adaptive sampling.
pub const DEFAULT_BUDGET: u64 = 1_000_000;

/// A selection strategy, as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "strategy")]
pub enum Strategy {
    /// See [`BestOfN`].
    BestOfN(BestOfN),
    /// See [`Percentile`].
    Percentile(Percentile),
    /// See [`Adaptive`].
    Adaptive(Adaptive),
    /// See [`GradientFilter`].
    GradientFilter(GradientFilter),
    /// See [`Diversity`].
    Diversity(Diversity),
    /// See [`MultiObjective`].
    MultiObjective(MultiObjective),
    /// See [`Refine`].
    Refine(Refine),
    /// See [`Informed`].
    Informed(Informed),
    /// See [`Transfer`].
    Transfer(Transfer),
}

/// Applies `$body` to the parameter struct of any variant.
macro_rules! each {
    ($strategy:expr, $s:ident => $body:expr) => {
        match $strategy {
            Strategy::BestOfN($s) => $body,
            Strategy::Percentile($s) => $body,
            Strategy::Adaptive($s) => $body,
            Strategy::GradientFilter($s) => $body,
            Strategy::Diversity($s) => $body,
            Strategy::MultiObjective($s) => $body,
            Strategy::Refine($s) => $body,
            Strategy::Informed($s) => $body,
            Strategy::Transfer($s) => $body,
        }
    };
}

impl Strategy {
    /// The strategy's name (its serde tag).
    pub fn name(&self) -> &'static str {
        match self {
            Strategy::BestOfN(_) => BestOfN::NAME,
            Strategy::Percentile(_) => Percentile::NAME,
            Strategy::Adaptive(_) => Adaptive::NAME,
            Strategy::GradientFilter(_) => GradientFilter::NAME,
            Strategy::Diversity(_) => Diversity::NAME,
            Strategy::MultiObjective(_) => MultiObjective::NAME,
            Strategy::Refine(_) => Refine::NAME,
            Strategy::Informed(_) => Informed::NAME,
            Strategy::Transfer(_) => Transfer::NAME,
        }
    }

    /// Checks every parameter; the error names the strategy, the parameter and the rule.
    pub fn validate(&self) -> Result<(), SelectError> {
        each!(self, s => s.validate())
    }
}

macro_rules! from_params {
    ($($t:ident),*) => {$(
        impl From<$t> for Strategy {
            fn from(s: $t) -> Self {
                Strategy::$t(s)
            }
        }
    )*};
}
from_params!(
    BestOfN,
    Percentile,
    Adaptive,
    GradientFilter,
    Diversity,
    MultiObjective,
    Refine,
    Informed,
    Transfer
);

/// Runs `strategy` on `stream` with `scorer`.
pub fn select(
    strategy: &Strategy,
    scorer: &(impl Scorer + ?Sized),
    stream: &Stream,
) -> Result<Selection, SelectError> {
    scorer.check_stream(stream)?;
    strategy.validate()?;
    let mut ctx = Ctx {
        scorer: &Dyn(scorer),
        stream,
        name: strategy.name(),
        sel: Selection {
            strategy: strategy.name().to_string(),
            stream_seed: stream.seed(),
            picks: Vec::new(),
            best: None,
            draws: 0,
            nonfinite: 0,
            threshold: None,
            status: Status::Found,
        },
    };
    each!(strategy, s => s.run(&mut ctx))?;
    Ok(ctx.sel)
}

/// A `?Sized` scorer seen through `&dyn Scorer`, so the strategies compile once.
struct Dyn<'a, S: ?Sized>(&'a S);

impl<S: Scorer + ?Sized> Scorer for Dyn<'_, S> {
    fn param_len(&self) -> usize {
        self.0.param_len()
    }

    fn score_params(
        &self,
        params: &[f32],
        want_grad: bool,
        out: &mut [super::score::Score],
    ) -> Result<(), super::ScoreError> {
        self.0.score_params(params, want_grad, out)
    }

    fn score_stream(
        &self,
        stream: &Stream,
        first: u64,
        want_grad: bool,
        out: &mut [super::score::Score],
    ) -> Result<(), super::ScoreError> {
        self.0.score_stream(stream, first, want_grad, out)
    }

    fn losses(
        &self,
        stream: &Stream,
        first: u64,
        out: &mut [f32],
    ) -> Result<(), super::ScoreError> {
        self.0.losses(stream, first, out)
    }

    fn model_name(&self) -> &str {
        self.0.model_name()
    }

    fn check_stream(&self, stream: &Stream) -> Result<(), super::ScoreError> {
        self.0.check_stream(stream)
    }

    fn check_params(&self, params: &[f32], count: usize) -> Result<(), super::ScoreError> {
        self.0.check_params(params, count)
    }
}
