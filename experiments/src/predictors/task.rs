//! The study's tasks: digits and breast_cancer at their real_tasks base configurations, relu1
//! and relu2 XOR at the write-up's recipes — the leaderboard's tasks ([`BoardTask`]: model,
//! training rows, fixed batch, training), each with the random init its candidates are drawn
//! from and its fixed batch in f64 as the data-dependent objectives evaluate.

use anyhow::{Result, bail};
use initsift_batch::Isa;
use initsift_init::InitPlan;
use ndarray::Array2;

use crate::leaderboard::task::{BoardTask, TORCH_DEFAULT, Training};

/// The task names `--tasks` accepts.
pub const KNOWN_TASKS: [&str; 4] = ["digits", "breast_cancer", "relu1", "relu2"];

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
    /// The model, its training rows and fixed batch, and how it trains.
    pub board: BoardTask,
    /// The random init every candidate is drawn from: torch_default on real data, the preset's
    /// own on XOR.
    pub plan: InitPlan,
    /// The batch of GradCosine, the one-step loss and the gradient quotient.
    pub batch: FixedBatch,
}

impl PredictorTask {
    /// The task called `name` (one of [`KNOWN_TASKS`]) under master seed `seed`, its XOR
    /// kernels on `isa`.
    pub fn from_name(name: &str, seed: u64, isa: Isa) -> Result<Self> {
        if !KNOWN_TASKS.contains(&name) {
            bail!("unknown task `{name}`; known: {}", KNOWN_TASKS.join(", "));
        }
        let board = BoardTask::from_name(name, seed, isa)?;
        let plan = match &board.training {
            Training::Xor { config, .. } => config.preset.plan(),
            Training::Real { .. } => board.plan(TORCH_DEFAULT)?,
        };
        let (x, y) = board.batch();
        let batch = FixedBatch {
            x: x.mapv(f64::from),
            y: y.mapv(f64::from),
            rows: board.batch_rows.clone(),
        };
        Ok(Self { board, plan, batch })
    }

    /// Its name.
    pub fn name(&self) -> &'static str {
        self.board.name
    }

    /// Whether the outcome on held-out data is XOR's success (else test accuracy).
    pub fn is_xor(&self) -> bool {
        matches!(self.board.training, Training::Xor { .. })
    }

    /// The model as its spec prints.
    pub fn arch(&self) -> String {
        self.board.spec.to_string()
    }

    /// The training recipe in words, for the report.
    pub fn recipe(&self) -> String {
        match &self.board.training {
            Training::Real { problem, setup } => format!(
                "{}; {} · minibatch {} · {} epochs · loss {}",
                problem.task.describe(),
                setup.optimizer,
                setup.batch_size,
                setup.epochs,
                self.board.loss
            ),
            Training::Xor { config, .. } => format!(
                "the four centred XOR points, full batch; {} · loss {} · {}",
                config.optimizer, config.loss, config.stop
            ),
        }
    }
}
