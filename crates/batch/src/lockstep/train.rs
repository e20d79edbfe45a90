//! The lockstep trainer: validation, blocks of [`TRAIN_LANES`](super::TRAIN_LANES) runs spread over rayon, outcomes.

use initsift_nn::{Loss, OptimizerConfig, StopRules, TrainConfig};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::LockstepError;
use super::analysis::{FirstLayerStats, distance};
use super::kernel::{HeadKind, Job, LaneResult, train_group};
use super::optim::OptPlan;
use super::outcome::{LockstepReport, RunOutcome};
use super::stop::reason;
use super::width::LANES;
use crate::{Isa, Preset};

/// How to train: the engine's full-batch [`TrainConfig`] for one preset.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LockstepConfig {
    /// The model.
    pub preset: Preset,
    /// The optimizer (SGD with momentum/Nesterov/dampening/weight decay, Adam, AdamW with or
    /// without AMSGrad, RMSprop in every variant).
    pub optimizer: OptimizerConfig,
    /// MSE, or BCE-with-logits.
    pub loss: Loss,
    /// The stop rules.
    pub stop: StopRules,
}

impl LockstepConfig {
    /// The engine's configuration that trains the same way (for the slow twin).
    pub fn train_config(&self) -> TrainConfig {
        TrainConfig::full_batch(self.optimizer, self.loss, self.stop)
    }
}

/// Trains many runs of one preset on XOR in lockstep, one run per SIMD lane, with the engine
/// Trainer's semantics run by run.
///
/// ```
/// use initsift_batch::lockstep::{Lockstep, LockstepConfig};
/// use initsift_batch::{Isa, Preset};
/// use initsift_nn::{Loss, OptimizerConfig, StopReason, StopRules};
/// # fn main() -> Result<(), initsift_batch::lockstep::LockstepError> {
/// let config = LockstepConfig {
///     preset: Preset::Relu1,
///     optimizer: OptimizerConfig::adam(0.01),
///     loss: Loss::Mse,
///     stop: StopRules::reference(800),
/// };
/// let trainer = Lockstep::new(config, Isa::select(None).unwrap())?;
/// // Two runs: a mirror-pair start, and one with both units dead on every point.
/// let init = [0.6, -0.4, -0.6, 0.4, 0.0, 0.0, 0.1, 0.1, 0.2, 0.2, -5.0, -5.0];
/// let report = trainer.train(2, &init)?;
/// assert!(report.outcomes[0].success);
/// assert_eq!(report.outcomes[1].stop, StopReason::Plateau);
/// assert_eq!(report.outcomes[1].epochs, 12); // 1 + 11 epochs without a new minimum
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Lockstep {
    config: LockstepConfig,
    head: HeadKind,
    plan: OptPlan,
    isa: Isa,
}

impl Lockstep {
    /// A trainer for `config` whose kernels run on `isa` (from [`Isa::select`]; an ISA this CPU
    /// lacks runs the portable clone).
    pub fn new(config: LockstepConfig, isa: Isa) -> Result<Self, LockstepError> {
        let lr = config.optimizer.lr();
        if lr.is_nan() || lr <= 0.0 || lr.is_infinite() {
            return Err(LockstepError::LearningRate(lr));
        }
        config.optimizer.validate()?;
        if config.stop.max_epochs == 0 {
            return Err(LockstepError::NoEpochs);
        }
        let head = match config.loss {
            Loss::Mse => HeadKind::Mse,
            Loss::BceWithLogits => HeadKind::Bce,
            loss => {
                return Err(LockstepError::UnsupportedLoss {
                    preset: config.preset,
                    loss,
                });
            }
        };
        Ok(Self {
            config,
            head,
            plan: OptPlan::new(&config.optimizer, config.stop.max_epochs),
            isa,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &LockstepConfig {
        &self.config
    }

    /// The ISA the kernels run on.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// Trains `runs` runs from `init`, run-major (`runs × param_len` values in the preset's
    /// flat layout).
    pub fn train(&self, runs: usize, init: &[f32]) -> Result<LockstepReport, LockstepError> {
        let per_run = self.config.preset.param_len();
        let expected = runs.saturating_mul(per_run);
        if runs > 0 && init.len() != expected {
            return Err(LockstepError::InitLength {
                preset: self.config.preset,
                runs,
                per_run,
                expected,
                actual: init.len(),
            });
        }
        self.train_with(runs, |r, out| {
            out.copy_from_slice(&init[r * per_run..(r + 1) * per_run])
        })
    }

    /// Trains `runs` runs whose initial parameters `init(run, out)` writes into `out` (length
    /// `param_len`): e.g. a candidate stream addressed by (seed, index), so no `runs × P` array
    /// is needed. `init` is called once per run, from any thread.
    pub fn train_with<F>(&self, runs: usize, init: F) -> Result<LockstepReport, LockstepError>
    where
        F: Fn(usize, &mut [f32]) + Sync,
    {
        if runs == 0 {
            return Err(LockstepError::NoRuns);
        }
        let preset = self.config.preset;
        let per_run = preset.param_len();
        let job = Job {
            preset,
            head: self.head,
            plan: &self.plan,
            rules: self.config.stop,
        };
        let mut outcomes = vec![placeholder(); runs];
        let mut final_params = vec![0.0f32; runs * per_run];
        let group = LANES * group_blocks(runs);
        outcomes
            .par_chunks_mut(group)
            .zip(final_params.par_chunks_mut(group * per_run))
            .enumerate()
            .for_each(|(index, (outcomes, finals))| {
                let first = index * group;
                let mut start = vec![0.0f32; finals.len()];
                for (r, row) in start.chunks_exact_mut(per_run).enumerate() {
                    init(first + r, row);
                }
                let mut raw = vec![LaneResult::default(); outcomes.len()];
                train_group(self.isa, &job, &start, &mut raw, finals);
                for (r, out) in outcomes.iter_mut().enumerate() {
                    let (from, to) = (
                        &start[r * per_run..(r + 1) * per_run],
                        &finals[r * per_run..(r + 1) * per_run],
                    );
                    *out = outcome(preset, &raw[r], from, to);
                }
            });
        Ok(LockstepReport {
            outcomes,
            final_params,
        })
    }
}

/// Blocks per group: up to 16 (1024 runs) so compaction has blocks to merge, but at least ~4
/// groups per rayon thread so all threads get work. Results do not depend on it.
fn group_blocks(runs: usize) -> usize {
    let blocks = runs.div_ceil(LANES);
    blocks
        .div_ceil(4 * rayon::current_num_threads())
        .clamp(1, 16)
}

/// A value every slot holds until its group writes it.
fn placeholder() -> RunOutcome {
    RunOutcome {
        epochs: 0,
        stop: initsift_nn::StopReason::MaxEpochs,
        initial_loss: 0.0,
        initial_accuracy: 0.0,
        final_loss: 0.0,
        final_accuracy: 0.0,
        success: false,
        distance: 0.0,
        initial_layer: None,
        final_layer: None,
    }
}

fn outcome(preset: Preset, raw: &LaneResult, init: &[f32], fin: &[f32]) -> RunOutcome {
    RunOutcome {
        epochs: raw.epochs,
        stop: reason(raw.code),
        initial_loss: f64::from(raw.initial_loss),
        initial_accuracy: f64::from(raw.initial_correct) / 4.0,
        final_loss: f64::from(raw.final_loss),
        final_accuracy: f64::from(raw.final_correct) / 4.0,
        success: raw.final_correct == 4,
        distance: distance(fin, init),
        initial_layer: FirstLayerStats::of(preset, init),
        final_layer: FirstLayerStats::of(preset, fin),
    }
}
