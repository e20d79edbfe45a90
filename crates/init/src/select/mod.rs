//! Choosing initializations by their score: the [`Scorer`] trait (engine and fused kernels),
//! and the selection strategies of loss-based sampling ([`Strategy`], [`select`]).
//!
//! ```
//! use initsift_init::select::{BestOfN, EngineScorer, select};
//! use initsift_init::{InitPlan, Stream};
//! use initsift_nn::{Loss, ModelSpec};
//! use ndarray::array;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let spec = ModelSpec::relu1();
//! let x = array![[-1.0f32, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]];
//! let y = array![[0.0f32], [1.0], [1.0], [0.0]];
//! let scorer = EngineScorer::new(&spec, Loss::Mse, x.view(), y.view())?;
//! let stream = Stream::new(&spec, &InitPlan::relu1(), 7)?;
//! let best = select(&BestOfN { n: 1000, count: 1 }.into(), &scorer, &stream)?;
//! let pick = &best.picks[0];
//! // The pick is an address: regenerate its parameters instead of storing them.
//! let params = pick.params(&stream)?;
//! assert_eq!(params.len(), 6);
//! println!("best of 1000: loss {} at {:?}", pick.score.loss, pick.origin);
//! # Ok(()) }
//! ```

mod error;
mod score;
mod strategy;

pub use error::{ScoreError, SelectError};
pub use score::{EngineScorer, Score, Scorer, check_data};
pub use strategy::{
    Adaptive, BestOfN, DEFAULT_BUDGET, Diversity, GradientFilter, Informed, MultiObjective, Origin,
    Percentile, PercentilePick, Perturbation, Pick, Refine, Selection, Side, Status, Strategy,
    Threshold, Transfer, farthest_points, sample_percentile, select,
};
