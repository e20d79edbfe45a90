//! Fused candidate scoring: the initial loss (and on request accuracy and gradient norm) of
//! hundreds of millions of candidate initializations per second, for the XOR presets.
//!
//! - [`FusedScorer`]: abs1, relu1 and relu2 on XOR; parameters generated in SIMD lanes from a
//!   [`Stream`](initsift_init::Stream), equal to the scalar stream bit for bit; one kernel
//!   compiled per ISA. Implements [`Scorer`](initsift_init::select::Scorer), so every
//!   selection strategy runs on it.
//! - The generic path for any MLP on any data set is [`crate::mlp`].
//! - [`scorer_for`] picks between them (and the engine, on request).

mod choose;
mod error;
mod eval;
mod fused;
mod generate;
pub mod math;

pub use choose::{ScorerPath, scorer_for, scorer_with};
pub use fused::{FusedScorer, SCORE_LANES};
