//! The lockstep trainer: thousands of abs1 / relu1 / relu2 runs on XOR at once, one run per SIMD
//! lane, with the engine Trainer's semantics run by run (tr_xor_configs.md §1.2–1.3).
//!
//! - Data: the centred XOR points `[[-1,-1],[1,-1],[-1,1],[1,1]]`, targets `[0,1,1,0]`, one-hot
//!   for relu2; full batch, one optimizer step per epoch.
//! - Layout: runs are grouped in blocks of [`TRAIN_LANES`]; a block's
//!   parameters are parameter-major, lane-minor. Forward and backward are hand-derived per
//!   preset and mirror the engine's graph operation by operation; the optimizers call
//!   initsift-nn's per-element updates; the stop rules are the Trainer's. So a lane computes
//!   the engine's bits (tests hold it to that, run by run).
//! - Stopping: each run stops by the Trainer's rules and counts epochs as it does; groups of
//!   up to 16 blocks start together and, as runs stop, move their live runs into fewer blocks
//!   (every run of a group is at the same step, so they share Adam's step constants).
//! - Dispatch and determinism: one kernel compiled for AVX-512, AVX2+FMA and the baseline
//!   ([`isa_dispatch!`](crate::isa_dispatch)); a run's arithmetic never depends on its lane,
//!   block, group or thread, so results are the same bits on every ISA and any thread count.
//! - Initial parameters come as a `runs × P` slice ([`Lockstep::train`]) or from a function of
//!   the run index ([`Lockstep::train_with`]), e.g. an initsift-init candidate stream:
//!   `trainer.train_with(runs, |r, out| stream.fill(first + r as u64, out).expect("P values"))`.

mod analysis;
mod error;
mod heads;
mod kernel;
mod nets;
mod optim;
mod outcome;
mod stop;
mod train;
mod width;

pub use analysis::{FirstLayerStats, MIRROR_COSINE, PERFECT_MIRROR_TOLERANCE};
pub use error::LockstepError;
pub use outcome::{LockstepReport, RunOutcome};
pub use train::{Lockstep, LockstepConfig};
pub use width::TRAIN_LANES;
