//! initsift chooses neural-network initializations by their loss, and measures when that helps.
//!
//! This facade gathers the workspace's crates under short names:
//!
//! - [`tensor`]: the autodiff engine — an arena graph of 2-D ops, interpreted in `f32` or `f64`,
//!   whose gradients are graph nodes (grad of grad).
//! - [`nn`]: models as data ([`ModelSpec`](nn::ModelSpec)), losses, torch.optim's optimizers,
//!   the engine [`Trainer`](nn::Trainer) and its stop rules.
//! - [`init`]: initializer schemes with PyTorch parity, init plans, and candidate streams
//!   (`(seed, index)` → parameters).
//! - [`select`]: choosing candidates by their score — the [`Scorer`](select::Scorer) trait and
//!   the selection strategies (best-of-N, percentile, threshold, …).
//! - [`batch`]: SIMD kernels — fused scoring of the XOR presets, batched scoring of any MLP,
//!   the lockstep trainer — and [`scorer_for`](batch::score::scorer_for), which picks the path.
//! - [`data`]: the XOR family, the vendored real data sets, a CSV loader, splits and scaling.
//! - [`datadep`]: data-dependent initializers (LSUV, GradInit, NIO, MetaInit) as one call,
//!   [`initialize`](datadep::initialize), with a trace of what each did.
//!
//! [`prelude`] holds the types a user types every day. With the default `cli` feature, `cli`
//! holds the logic of the `initsift` command line (`cargo install --path .`).

pub use initsift_batch as batch;
pub use initsift_data as data;
pub use initsift_datadep as datadep;
pub use initsift_init as init;
pub use initsift_init::select;
pub use initsift_nn as nn;
pub use initsift_tensor as tensor;

#[cfg(feature = "cli")]
pub mod cli;

/// The everyday types: `use initsift::prelude::*;`.
pub mod prelude {
    pub use initsift_batch::Isa;
    pub use initsift_batch::score::{ScorerPath, scorer_for, scorer_with};
    pub use initsift_data::{Builtin, Dataset, Standardizer, Stratify, TargetKind, load_csv};
    pub use initsift_init::select::{BestOfN, Pick, Score, Scorer, Selection, Strategy, select};
    pub use initsift_init::{Candidate, InitPlan, Scheme, Stream};
    pub use initsift_nn::{
        Activation, Loss, ModelSpec, OptimizerConfig, StopReason, StopRules, TrainConfig,
        TrainOutcome, Trainer,
    };
}

/// The README's Rust examples, compiled and run as doctests so that they cannot rot.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
