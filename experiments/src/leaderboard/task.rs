//! A leaderboard task: a model, its training rows (which selection scores on), the fixed batch
//! the data-dependent methods run on, and how runs train — a real-data task at its base
//! configuration (`real::base`) or an XOR preset with its write-up recipe.

use anyhow::{Result, bail};
use initsift_batch::Isa;
use initsift_batch::Preset;
use initsift_batch::lockstep::LockstepConfig;
use initsift_batch::score::scorer_for;
use initsift_data::xor::{inputs_centered, one_hot_targets, scalar_targets};
use initsift_datadep::Data;
use initsift_init::select::Scorer;
use initsift_init::{InitPlan, Stream};
use initsift_nn::{Activation, Loss, ModelSpec};
use ndarray::{Array2, Axis};

use crate::real::arm::{Arm, Pick, ScoredOn, base_plan};
use crate::real::base::{BASE_CONFIGS, BASE_EPOCHS, BaseConfig};
use crate::real::config::Prepared;
use crate::real::task::{Problem, Target};
use crate::real::train::Setup;
use crate::seed::derive_seed;
use crate::writeup::{StudyId, recipe};

/// The base scheme every selection and data-dependent entry starts from.
pub const TORCH_DEFAULT: &str = "torch_default";

/// Rows of the fixed batch the data-dependent methods run on (every row when a task has fewer).
pub const BATCH_ROWS: usize = 64;

/// The XOR tasks: the preset and the write-up study whose recipe trains it.
pub const XOR_TASKS: [(Preset, StudyId); 2] = [
    (Preset::Relu1, StudyId::XorSingle),
    (Preset::Relu2, StudyId::XorTwoLayer),
];

/// Every task name, in report order.
pub fn known_tasks() -> Vec<&'static str> {
    BASE_CONFIGS
        .iter()
        .map(|b| b.task)
        .chain(XOR_TASKS.iter().map(|(p, _)| p.name()))
        .collect()
}

/// How a task's runs train.
#[derive(Debug, Clone)]
pub enum Training {
    /// Minibatch training on a real data set for a fixed number of epochs (real_tasks' seam).
    Real {
        /// The data, split and scaled.
        problem: Box<Problem>,
        /// Optimizer, minibatch size, epochs, minibatch order.
        setup: Setup,
    },
    /// Full-batch lockstep training on XOR with the write-up's recipe and stop rules.
    Xor {
        /// Preset, optimizer, loss and stop rules.
        config: LockstepConfig,
        /// The ISA the kernels run on.
        isa: Isa,
    },
}

/// What a task's held-out metric is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Test accuracy (higher is better).
    Accuracy,
    /// Test MSE of a standardized target (lower is better).
    TestMse,
    /// Reconstruction MSE on the test rows (lower is better).
    ReconstructionMse,
    /// Runs that classify all four XOR points (higher is better).
    SuccessRate,
}

impl Metric {
    /// Its name in the JSON and the report.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Accuracy => "test_accuracy",
            Metric::TestMse => "test_mse",
            Metric::ReconstructionMse => "reconstruction_mse",
            Metric::SuccessRate => "success_rate",
        }
    }

    /// Whether higher values are better.
    pub fn higher_is_better(self) -> bool {
        matches!(self, Metric::Accuracy | Metric::SuccessRate)
    }
}

/// One task of the leaderboard.
#[derive(Debug, Clone)]
pub struct BoardTask {
    /// Its name (a real_tasks task or an XOR preset).
    pub name: &'static str,
    /// Its architecture as reports write it.
    pub arch: String,
    /// The model.
    pub spec: ModelSpec,
    /// The hidden activation (Kaiming's gain follows it).
    pub activation: Activation,
    /// The training loss.
    pub loss: Loss,
    /// Training inputs: selection scores candidates on all of them.
    pub x_train: Array2<f32>,
    /// Training targets.
    pub y_train: Array2<f32>,
    /// The training rows (indices) of the data-dependent methods' fixed batch.
    pub batch_rows: Vec<usize>,
    /// How runs train.
    pub training: Training,
    /// The task's own seed (streams derive from it).
    pub seed: u64,
}

impl BoardTask {
    /// The task called `name` (see [`known_tasks`]) under master seed `seed`.
    pub fn from_name(name: &str, seed: u64, isa: Isa) -> Result<Self> {
        if let Some(b) = BaseConfig::of_task(name) {
            return Self::real(b, seed);
        }
        match XOR_TASKS.iter().find(|(p, _)| p.name() == name) {
            Some(&(preset, study)) => Self::xor(preset, recipe(study), seed, isa),
            None => bail!("unknown task `{name}`; known: {}", known_tasks().join(", ")),
        }
    }

    /// A real-data task at its base configuration; the split and minibatch order are
    /// real_tasks' for the same seed.
    pub fn real(base: &BaseConfig, seed: u64) -> Result<Self> {
        let reference = Arm {
            scheme: TORCH_DEFAULT,
            pick: Pick::Random,
            scored_on: ScoredOn::Full,
        };
        let Prepared {
            problem,
            spec,
            activation,
            setup,
            ..
        } = base.plan(vec![reference], 1, BASE_EPOCHS).prepare(seed)?;
        let task_seed = derive_seed(seed, &format!("leaderboard/{}", base.task));
        let n = problem.n_train();
        let batch_rows = initsift_data::random_subset_indices(
            n,
            BATCH_ROWS.min(n),
            derive_seed(task_seed, "batch"),
        )?;
        Ok(Self {
            name: base.task,
            arch: base.arch.to_string(),
            loss: problem.loss,
            x_train: problem.x_train.clone(),
            y_train: problem.y_train.clone(),
            spec,
            activation,
            batch_rows,
            training: Training::Real {
                problem: Box::new(problem),
                setup,
            },
            seed: task_seed,
        })
    }

    /// An XOR preset trained with `config` (its loss and recipe); the batch is all four points.
    pub fn xor(preset: Preset, config: LockstepConfig, seed: u64, isa: Isa) -> Result<Self> {
        let y = match preset.output_len() {
            1 => scalar_targets(),
            _ => one_hot_targets(),
        };
        Ok(Self {
            name: preset.name(),
            arch: preset.spec().to_string(),
            spec: preset.spec(),
            activation: Activation::Relu,
            loss: config.loss,
            x_train: inputs_centered(),
            y_train: y,
            batch_rows: (0..4).collect(),
            training: Training::Xor { config, isa },
            seed: derive_seed(seed, &format!("leaderboard/{}", preset.name())),
        })
    }

    /// The held-out metric.
    pub fn metric(&self) -> Metric {
        match &self.training {
            Training::Xor { .. } => Metric::SuccessRate,
            Training::Real { problem, .. } => match problem.task.target {
                Target::Classes => Metric::Accuracy,
                Target::Regression => Metric::TestMse,
                Target::Reconstruction => Metric::ReconstructionMse,
            },
        }
    }

    /// Training rows.
    pub fn n_train(&self) -> usize {
        self.x_train.nrows()
    }

    /// The fixed batch's inputs and targets.
    pub fn batch(&self) -> (Array2<f32>, Array2<f32>) {
        (
            self.x_train.select(Axis(0), &self.batch_rows),
            self.y_train.select(Axis(0), &self.batch_rows),
        )
    }

    /// The data-dependent methods' view of `batch` (from [`BoardTask::batch`]).
    pub fn data<'a>(&self, batch: &'a (Array2<f32>, Array2<f32>)) -> Data<'a> {
        Data::new(batch.0.view(), batch.1.view(), self.loss)
    }

    /// The seed of run `run`'s stream of `purpose` (a scheme's draws, LSUV's pre-init, …):
    /// every entry that starts from torch_default shares that scheme's stream per run.
    pub fn stream_seed(&self, purpose: &str, run: usize) -> u64 {
        derive_seed(self.seed, &format!("{purpose}/{run}"))
    }

    /// The init plan of base scheme `scheme` on this task's model.
    pub fn plan(&self, scheme: &str) -> Result<InitPlan> {
        base_plan(scheme, &self.spec, self.activation)
    }

    /// Run `run`'s stream of base scheme `scheme`; its candidate 0 is the run's plain draw.
    pub fn stream(&self, scheme: &str, run: usize) -> Result<Stream> {
        Ok(Stream::new(
            &self.spec,
            &self.plan(scheme)?,
            self.stream_seed(scheme, run),
        )?)
    }

    /// Scores candidates' initial loss on every training row (the fused kernel on XOR).
    pub fn scorer(&self) -> Result<Box<dyn Scorer + Send>> {
        Ok(scorer_for(
            &self.spec,
            self.loss,
            self.x_train.view(),
            self.y_train.view(),
        )?)
    }

    /// Epochs the plain training runs at most.
    pub fn max_epochs(&self) -> usize {
        match &self.training {
            Training::Real { setup, .. } => setup.epochs,
            Training::Xor { config, .. } => config.stop.max_epochs,
        }
    }
}
