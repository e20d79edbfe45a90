//! The study's tasks: digits and breast_cancer at real_tasks' base configurations, relu1 and
//! relu2 XOR at the write-up's recipes, each with its init plan, its training rows and the
//! fixed batch the data-dependent quantities are measured on.

use anyhow::{Context, Result, bail};
use initsift_batch::Preset;
use initsift_batch::lockstep::LockstepConfig;
use initsift_init::InitPlan;
use initsift_nn::{Activation, Loss, ModelSpec, OptimizerConfig};
use ndarray::{Array2, Axis};

use crate::real::task::{Problem, Task};
use crate::real::train::Setup;
use crate::seed::derive_seed;
use crate::writeup::{StudyId, recipe};

/// The task names `--tasks` accepts.
pub const KNOWN_TASKS: &str = "digits, breast_cancer, relu1, relu2";

/// Rows of the fixed batch on real data (NIO's released B; GradInit's and MetaInit's batch).
pub const BATCH_ROWS: usize = 64;

/// How a task trains.
#[derive(Debug, Clone)]
pub enum Training {
    /// Minibatch training through real_tasks' one training seam.
    Real {
        /// The prepared data (split and scaled as real_tasks does).
        problem: Box<Problem>,
        /// Optimizer, minibatch, epochs and the shared minibatch order.
        setup: Setup,
    },
    /// Full-batch lockstep training on the four XOR points.
    Xor(LockstepConfig),
}

/// The rows the data-dependent quantities see, in f64 as the methods evaluate.
#[derive(Debug, Clone)]
pub struct FixedBatch {
    /// Inputs.
    pub x: Array2<f64>,
    /// Targets.
    pub y: Array2<f64>,
    /// Which training rows (indices into the training split), in batch order.
    pub rows: Vec<usize>,
}

/// One task, ready to draw, measure and train.
#[derive(Debug, Clone)]
pub struct PredictorTask {
    /// Its name (one of [`KNOWN_TASKS`]).
    pub name: &'static str,
    /// The model.
    pub spec: ModelSpec,
    /// The training loss.
    pub loss: Loss,
    /// The random init every candidate is drawn from.
    pub plan: InitPlan,
    /// Training inputs (the initial loss and gradient norm are taken on all of them).
    pub x_train: Array2<f32>,
    /// Training targets.
    pub y_train: Array2<f32>,
    /// The batch of GradCosine, the one-step loss and the gradient quotient.
    pub batch: FixedBatch,
    /// How it trains.
    pub training: Training,
}

impl PredictorTask {
    /// The task called `name`, its split and fixed batch drawn from `seed`.
    pub fn from_name(name: &str, seed: u64) -> Result<Self> {
        match name {
            "digits" => real("digits", "64-32-10", 64, seed),
            "breast_cancer" => real("breast_cancer", "30-16-1", 32, seed),
            "relu1" => Ok(xor("relu1", StudyId::XorSingle)),
            "relu2" => Ok(xor("relu2", StudyId::XorTwoLayer)),
            other => bail!("unknown task `{other}`; known: {KNOWN_TASKS}"),
        }
    }

    /// Whether the outcome on held-out data is XOR's success (else test accuracy).
    pub fn is_xor(&self) -> bool {
        matches!(self.training, Training::Xor(_))
    }

    /// The architecture as widths, e.g. `64-32-10 relu`.
    pub fn arch(&self) -> String {
        self.spec.to_string()
    }

    /// The training recipe in words, for the report.
    pub fn recipe(&self) -> String {
        match &self.training {
            Training::Real { problem, setup } => format!(
                "{}; {} · minibatch {} · {} epochs · loss {}",
                problem.task.describe(),
                setup.optimizer,
                setup.batch_size,
                setup.epochs,
                self.loss
            ),
            Training::Xor(c) => format!(
                "the four centred XOR points, full batch; {} · loss {} · {}",
                c.optimizer, c.loss, c.stop
            ),
        }
    }
}

/// real_tasks' `NAME_base` configuration: ReLU, Adam at 1e-3, 20 epochs.
fn real(name: &'static str, arch: &str, batch_size: usize, seed: u64) -> Result<PredictorTask> {
    let ctx = || format!("task {name}");
    let problem = Task::from_name(name)?
        .load(derive_seed(seed, name))
        .with_context(ctx)?;
    let spec = ModelSpec::mlp(arch, Activation::Relu)?;
    problem.check_spec(&spec)?;
    let rows = initsift_data::random_subset_indices(
        problem.n_train(),
        BATCH_ROWS,
        derive_seed(seed, &format!("{name}/batch")),
    )?;
    let batch = FixedBatch {
        x: problem.x_train.select(Axis(0), &rows).mapv(f64::from),
        y: problem.y_train.select(Axis(0), &rows).mapv(f64::from),
        rows,
    };
    Ok(PredictorTask {
        name,
        plan: InitPlan::torch_default(&spec),
        loss: problem.loss,
        x_train: problem.x_train.clone(),
        y_train: problem.y_train.clone(),
        batch,
        training: Training::Real {
            setup: Setup {
                optimizer: OptimizerConfig::adam(1e-3),
                batch_size,
                epochs: 20,
                order_seed: derive_seed(seed, &format!("{name}/order")),
            },
            problem: Box::new(problem),
        },
        spec,
    })
}

/// A preset at the write-up's recipe, from the preset's own init plan.
fn xor(name: &'static str, id: StudyId) -> PredictorTask {
    let config = recipe(id);
    let preset: Preset = config.preset;
    let x = initsift_data::xor::inputs_centered();
    let y = Array2::from_shape_vec((4, preset.output_len()), preset.targets())
        .expect("four rows of the preset's outputs");
    PredictorTask {
        name,
        spec: preset.spec(),
        loss: config.loss,
        plan: preset.plan(),
        batch: FixedBatch {
            x: x.mapv(f64::from),
            y: y.mapv(f64::from),
            rows: (0..4).collect(),
        },
        x_train: x,
        y_train: y,
        training: Training::Xor(config),
    }
}
