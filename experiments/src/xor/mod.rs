//! The machinery of studies on the XOR presets: a [`Study`] (what training fixes), arms (how
//! each run's initialization is chosen, [`arm`]), per-arm summaries with intervals and the
//! write-up's figures beside ours ([`summary`]), the per-run CSV ([`csv`]), initial-loss
//! statistics ([`loss`]), and the driver of the write-up's loss-sampling re-checks
//! ([`sampling`]).

pub mod arm;
pub mod csv;
pub mod loss;
pub mod sampling;
pub mod summary;

pub use arm::{Arm, ArmRuns, InitRule, budget, initial_scores, run_arm, run_arms};
pub use csv::runs_csv;
pub use loss::{LossStats, accuracy_buckets, writeup_accuracy_buckets};
pub use summary::{ArmSummary, EpochFigure, Figure, StopCounts, summarize};

use anyhow::Result;
use initsift_batch::Isa;
use initsift_batch::Preset;
use initsift_batch::lockstep::LockstepConfig;
use initsift_batch::score::FusedScorer;
use initsift_init::select::Scorer;
use initsift_init::{InitPlan, Stream};

use crate::driver::Session;
use crate::seed::derive_seed;

/// Everything a study fixes about training. The preset is the config's: one source of truth
/// for the scorer, the streams and the trainer.
#[derive(Debug, Clone)]
pub struct Study {
    /// Preset, optimizer, loss and stop rules.
    pub config: LockstepConfig,
    /// The init plan of the preset's parameters.
    pub plan: InitPlan,
    /// The ISA the kernels run on.
    pub isa: Isa,
    /// The master seed.
    pub seed: u64,
    /// Runs per arm.
    pub runs: usize,
}

impl Study {
    /// A study of `config` from `plan`, with the session's ISA, seed and runs per arm.
    pub fn new(config: LockstepConfig, plan: InitPlan, session: &Session) -> Self {
        Self {
            config,
            plan,
            isa: session.isa,
            seed: session.seed(),
            runs: session.runs(),
        }
    }

    /// The preset trained and scored.
    pub fn preset(&self) -> Preset {
        self.config.preset
    }

    /// The scorer of initial losses on XOR under this study's loss: the fused SIMD kernel
    /// (held to the engine's `EngineScorer` candidate by candidate in initsift-batch's tests).
    pub fn scorer(&self) -> Result<Box<dyn Scorer>> {
        Ok(Box::new(
            FusedScorer::new(self.preset(), self.config.loss)?.with_isa(Some(self.isa))?,
        ))
    }

    /// The stream named `label`, independent of every other label's.
    pub fn stream(&self, label: &str) -> Result<Stream> {
        Ok(Stream::new(
            &self.preset().spec(),
            &self.plan,
            derive_seed(self.seed, label),
        )?)
    }
}
