//! The write-up's own runs, replayed: the exact initializations behind its tables — the
//! loss-sampling arms and the abs1 runs of its convergence-time article — regenerated from its
//! seeds by tools/pytorch/writeup_runs.py (which also records what PyTorch makes of each run),
//! trained again here and summarised as the write-up summarised them.
//!
//! This separates the two questions a re-check must not mix: does initsift compute what the
//! reference computed (then these 50-run tables come out exactly as published), and what do the
//! claims look like at 10⁴ runs per arm (the rest of each report).

mod arms;
mod published;
mod traces;

pub use arms::{Replay, ReplayArm, ReplayScan, replay, replay_md};
pub use published::{Published, PublishedScan, PublishedStudy};
pub use traces::{TraceReplay, replay_traces, trace_replay_md};

use anyhow::{Context, Result, bail};
use initsift_batch::Preset;
use initsift_batch::lockstep::{Lockstep, LockstepConfig, LockstepReport};
use initsift_nn::{Adam, Loss, OptimizerConfig, StopReason, StopRules};
use serde::Deserialize;

/// The fixture, embedded so the binaries need no path.
const FIXTURE: &str = include_str!("../../fixtures/writeup_runs.json");

/// What PyTorch did with one run under the reference loop.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct TorchOutcome {
    /// Epochs completed.
    pub epochs: usize,
    /// Why the run stopped.
    pub stop: StopReason,
    /// Final loss.
    pub final_loss: f64,
    /// Final accuracy.
    pub final_accuracy: f64,
}

/// One run of the write-up: its init (initsift's flat layout) and the redraws that found it.
#[derive(Debug, Clone, Deserialize)]
pub struct WriteupRun {
    /// Initial parameters.
    pub init: Vec<f32>,
    /// Draws of the arm's sampling loop up to and including this init (0 for a control).
    pub draws: u64,
    /// PyTorch's outcome.
    pub torch: TorchOutcome,
}

/// One arm of the write-up (50 runs; the abs1 traces: 100).
#[derive(Debug, Clone, Deserialize)]
pub struct WriteupArm {
    /// The arm's name in our reports (`control`, `below_0.468`, …).
    pub name: String,
    /// Its runs, in the reference's order.
    pub runs: Vec<WriteupRun>,
}

/// The reports that replay a part of the write-up, each with the reference code's recipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StudyId {
    /// relu1 loss sampling (`xor_single`).
    XorSingle,
    /// relu2 loss sampling (`xor_two_layer`).
    XorTwoLayer,
    /// The abs1 runs of the convergence-time article (`abs_distance`).
    AbsDistance,
}

impl StudyId {
    /// Every id.
    pub const ALL: [Self; 3] = [Self::XorSingle, Self::XorTwoLayer, Self::AbsDistance];

    /// The report's name, which is also the fixture's key for its runs.
    pub fn name(self) -> &'static str {
        match self {
            Self::XorSingle => "xor_single",
            Self::XorTwoLayer => "xor_two_layer",
            Self::AbsDistance => "abs_distance",
        }
    }

    /// The write-up's printed arm and scan figures (none for the traced abs1 runs).
    pub fn published(self) -> Option<&'static PublishedStudy> {
        match self {
            Self::XorSingle => Some(&published::XOR_SINGLE),
            Self::XorTwoLayer => Some(&published::XOR_TWO_LAYER),
            Self::AbsDistance => None,
        }
    }
}

/// One study's runs: its seed, its 100-draw initial-loss scan and its arms.
#[derive(Debug, Clone, Deserialize)]
pub struct WriteupRuns {
    /// The report it belongs to: `xor_single`, `xor_two_layer` or `abs_distance`.
    pub study: String,
    /// The reference's seed.
    pub seed: u64,
    /// The 100 inits of the 0-epoch scan the thresholds came from (empty: no scan).
    pub scan: Vec<Vec<f32>>,
    /// The arms.
    pub arms: Vec<WriteupArm>,
}

#[derive(Debug, Deserialize)]
struct Fixture {
    torch_version: String,
    studies: Vec<WriteupRuns>,
}

/// A study's runs from the embedded fixture, and the PyTorch version that recorded them.
pub fn load(id: StudyId) -> Result<(WriteupRuns, String)> {
    let fixture: Fixture =
        serde_json::from_str(FIXTURE).context("parsing the embedded writeup_runs.json")?;
    let torch = fixture.torch_version;
    match fixture.studies.into_iter().find(|s| s.study == id.name()) {
        Some(s) => Ok((s, torch)),
        None => bail!("writeup_runs.json has no study {:?}", id.name()),
    }
}

/// The reference's training recipe for a study's runs (tr_xor_configs.md §2(c), §2(d)):
/// - `xor_single`: relu1, Adam(0.01, betas (0.9, 0.99)), MSE, at most 800 epochs, stop at
///   loss < 1e-7 or by the plateau rule (1e-24, patience 10);
/// - `xor_two_layer`: relu2, SGD(0.1), MSE, at most 600 epochs, stop at loss < 1e-7, no plateau;
/// - `abs_distance` (abs1_convergence): abs1, SGD(0.1), MSE, at most 1000 epochs, stop at
///   loss < 1e-7, no plateau.
pub fn recipe(id: StudyId) -> LockstepConfig {
    let no_plateau = |max_epochs| StopRules {
        max_epochs,
        loss_below: Some(1e-7),
        plateau: None,
    };
    let (preset, optimizer, stop) = match id {
        StudyId::XorSingle => (
            Preset::Relu1,
            OptimizerConfig::Adam(Adam {
                lr: 0.01,
                beta1: 0.9,
                beta2: 0.99,
                ..Adam::default()
            }),
            StopRules::reference(800),
        ),
        StudyId::XorTwoLayer => (Preset::Relu2, OptimizerConfig::sgd(0.1), no_plateau(600)),
        StudyId::AbsDistance => (Preset::Abs1, OptimizerConfig::sgd(0.1), no_plateau(1000)),
    };
    LockstepConfig {
        preset,
        optimizer,
        loss: Loss::Mse,
        stop,
    }
}

/// Trains one arm's inits; returns the report and how many runs end as in PyTorch (same epochs,
/// stop reason and final accuracy).
pub(crate) fn train_arm(trainer: &Lockstep, arm: &WriteupArm) -> Result<(LockstepReport, usize)> {
    let init: Vec<f32> = arm
        .runs
        .iter()
        .flat_map(|r| r.init.iter().copied())
        .collect();
    let report = trainer.train(arm.runs.len(), &init)?;
    let same_as_torch = report
        .outcomes
        .iter()
        .zip(&arm.runs)
        .filter(|(o, r)| {
            (o.epochs, o.stop, o.final_accuracy)
                == (r.torch.epochs, r.torch.stop, r.torch.final_accuracy)
        })
        .count();
    Ok((report, same_as_torch))
}
