//! What a strategy returns: [`Selection`], its [`Pick`]s, and each pick's [`Origin`] — the
//! address that regenerates its parameters.

use serde::{Deserialize, Serialize};

use super::scan::{standard_normal, stream_of};
use crate::select::error::SelectError;
use crate::select::score::Score;
use crate::stream::{Candidate, Stream};

/// One step of a refinement chain: the perturbation `radius · z(seed, index)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Perturbation {
    /// Seed of the standard-normal stream.
    pub seed: u64,
    /// Index in it.
    pub index: u64,
    /// The radius it was scaled by.
    pub radius: f32,
}

/// Where a picked initialization comes from; [`Origin::params`] regenerates it from the
/// stream the selection ran on, and nothing else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Origin {
    /// A candidate of the stream.
    Stream {
        /// Its address.
        candidate: Candidate,
    },
    /// A stream candidate moved by a chain of perturbations (progressive refinement).
    Refined {
        /// The starting candidate.
        base: Candidate,
        /// The accepted perturbations, in order.
        steps: Vec<Perturbation>,
    },
    /// `mean + std ⊙ z(seed, index)` (informed sampling: the fitted law is part of the address).
    Sampled {
        /// Seed of the standard-normal stream.
        seed: u64,
        /// Index in it.
        index: u64,
        /// The fitted mean.
        mean: Vec<f32>,
        /// The fitted standard deviations.
        std: Vec<f32>,
    },
    /// The `i`-th prior of the transfer strategy (a prior has no stream address, so the pick
    /// carries its values).
    Prior {
        /// Its position in the strategy's list.
        i: usize,
        /// Its parameters.
        params: Vec<f32>,
    },
}

impl Origin {
    /// Regenerates the parameters (`stream` is the one the selection ran on).
    pub fn params(&self, stream: &Stream) -> Result<Vec<f32>, SelectError> {
        let p = stream.param_len();
        Ok(match self {
            Origin::Stream { candidate } => {
                stream_of(stream, candidate.seed).candidate(candidate.index)
            }
            Origin::Refined { base, steps } => {
                let mut theta = stream_of(stream, base.seed).candidate(base.index);
                for s in steps {
                    let z = standard_normal(p, s.seed)?.candidate(s.index);
                    theta
                        .iter_mut()
                        .zip(z)
                        .for_each(|(t, z)| *t += s.radius * z);
                }
                theta
            }
            Origin::Sampled {
                seed,
                index,
                mean,
                std,
            } => {
                let z = standard_normal(p, *seed)?.candidate(*index);
                mean.iter()
                    .zip(std)
                    .zip(z)
                    .map(|((m, s), z)| m + s * z)
                    .collect()
            }
            Origin::Prior { params, .. } => params.clone(),
        })
    }
}

/// One chosen initialization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pick {
    /// How to regenerate it.
    pub origin: Origin,
    /// Its score.
    pub score: Score,
}

impl Pick {
    /// The pick's parameters, regenerated from `stream` (the one the selection ran on).
    pub fn params(&self, stream: &Stream) -> Result<Vec<f32>, SelectError> {
        self.origin.params(stream)
    }
}

/// Whether a strategy found all it was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Done.
    Found,
    /// Adaptive sampling hit its budget; `picks` holds what was accepted.
    BudgetExhausted,
}

/// The outcome of a strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Selection {
    /// The strategy's name.
    pub strategy: String,
    /// The stream's seed.
    pub stream_seed: u64,
    /// The picks.
    pub picks: Vec<Pick>,
    /// The best candidate the strategy scored, picked or not: the lowest finite loss (the
    /// highest for adaptive sampling with `Side::Above`); ties to the lower index.
    pub best: Option<Pick>,
    /// Candidates scored (for adaptive sampling: up to the last acceptance).
    pub draws: u64,
    /// Candidates whose score was NaN or infinite.
    pub nonfinite: u64,
    /// The loss threshold used, if any.
    pub threshold: Option<f64>,
    /// Found, or budget exhausted.
    pub status: Status,
}
