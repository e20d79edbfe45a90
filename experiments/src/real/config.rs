//! One configuration of the study (task × architecture × activation × optimizer × arms) and
//! running it: pick every arm's inits, train them through the seam, keep the outcomes.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use initsift_nn::{Activation, ModelSpec, OptimizerConfig, Sgd};

use super::arm::{Arm, Pick, ScoredOn, base_plan, pick_inits, scorer};
use super::task::{Problem, Task};
use super::train::{RunOutcome, Setup, train_runs};
use crate::seed::derive_seed;

/// The optimizer names a configuration accepts.
pub const KNOWN_OPTIMIZERS: &str = "adam, sgd_momentum, rmsprop";

/// The optimizer `name` at learning rate `lr` (SGD with momentum 0.9).
pub fn optimizer(name: &str, lr: f64) -> Result<OptimizerConfig> {
    let o = match name {
        "adam" => OptimizerConfig::adam(lr),
        "sgd_momentum" => OptimizerConfig::Sgd(Sgd {
            lr,
            momentum: 0.9,
            ..Sgd::default()
        }),
        "rmsprop" => OptimizerConfig::rmsprop(lr),
        other => bail!("unknown optimizer `{other}`; known: {KNOWN_OPTIMIZERS}"),
    };
    o.validate()?;
    Ok(o)
}

/// A configuration as a descriptor writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigPlan {
    /// Its id in the JSON and the report.
    pub id: String,
    /// The task name.
    pub task: &'static str,
    /// All widths, input to output, e.g. `64-32-10`.
    pub arch: String,
    /// The activation's name.
    pub activation: &'static str,
    /// The optimizer's name.
    pub optimizer: &'static str,
    /// Its learning rate.
    pub lr: f64,
    /// Minibatch rows.
    pub batch_size: usize,
    /// Epochs.
    pub epochs: usize,
    /// The arms; the first must be a random arm scored on nothing (the reference).
    pub arms: Vec<Arm>,
    /// Runs per arm.
    pub runs: usize,
    /// Runs of the reference (first) arm, whose random inits RQ5 relates to their outcomes:
    /// `max(runs, reference_runs)`, so 0 means `runs`.
    pub reference_runs: usize,
}

impl ConfigPlan {
    /// Runs of arm `index` (the reference is arm 0).
    pub fn runs_of(&self, index: usize) -> usize {
        if index == 0 {
            self.runs.max(self.reference_runs)
        } else {
            self.runs
        }
    }
}

/// A configuration checked and ready to run.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The plan.
    pub plan: ConfigPlan,
    /// The data.
    pub problem: Problem,
    /// The model.
    pub spec: ModelSpec,
    /// The activation.
    pub activation: Activation,
    /// How runs train.
    pub setup: Setup,
}

impl ConfigPlan {
    /// Checks every name and width against the task, before any work.
    pub fn prepare(&self, seed: u64) -> Result<Prepared> {
        let ctx = || format!("configuration {}", self.id);
        let task = Task::from_name(self.task).with_context(ctx)?;
        let activation: Activation = self.activation.parse().with_context(ctx)?;
        let spec = ModelSpec::mlp(&self.arch, activation).with_context(ctx)?;
        let problem = task.load(derive_seed(seed, self.task)).with_context(ctx)?;
        problem.check_spec(&spec).with_context(ctx)?;
        let opt = optimizer(self.optimizer, self.lr).with_context(ctx)?;
        if self.runs == 0 || self.epochs == 0 || self.batch_size == 0 {
            bail!("{}: runs, epochs and batch size must be at least 1", ctx());
        }
        match self.arms.first() {
            Some(a) if a.pick == Pick::Random => {}
            _ => bail!(
                "{}: the first arm must be a random one (the reference)",
                ctx()
            ),
        }
        for arm in &self.arms {
            base_plan(arm.scheme, &spec, activation).with_context(ctx)?;
            if let Pick::BestOf(0) = arm.pick {
                bail!("{}: arm {}: K must be at least 1", ctx(), arm.name());
            }
            if let ScoredOn::Subset(k) = arm.scored_on {
                problem.subset(k, 0).with_context(ctx)?;
            }
        }
        Ok(Prepared {
            setup: Setup {
                optimizer: opt,
                batch_size: self.batch_size,
                epochs: self.epochs,
                order_seed: derive_seed(seed, &format!("{}/order", self.id)),
            },
            plan: self.clone(),
            problem,
            spec,
            activation,
        })
    }
}

/// One arm's runs.
#[derive(Debug, Clone)]
pub struct ArmRuns {
    /// The arm.
    pub arm: Arm,
    /// One outcome per run.
    pub outcomes: Vec<RunOutcome>,
    /// The score each pick was chosen by (on its scoring rows; empty for random arms).
    pub pick_scores: Vec<f32>,
    /// Seconds spent sampling and scoring candidates.
    pub sampling_seconds: f64,
    /// Seconds spent training (wall clock for the arm).
    pub training_seconds: f64,
}

impl Prepared {
    /// Picks and trains `runs` runs of `arm` (run `r` draws from the same stream whatever
    /// `runs` is, so a longer arm extends a shorter one).
    pub fn run_arm(&self, arm: &Arm, runs: usize, seed: u64) -> Result<ArmRuns> {
        let t0 = Instant::now();
        let plan = base_plan(arm.scheme, &self.spec, self.activation)?;
        let label = format!("{}/{}", self.plan.id, arm.name());
        let scorer = scorer(
            &self.problem,
            &self.spec,
            arm.scored_on,
            derive_seed(seed, &format!("{}/subset", self.plan.id)),
        )?;
        let picks = pick_inits(arm, &plan, &self.spec, &*scorer, runs, |r| {
            derive_seed(seed, &format!("{label}/{r}"))
        })?;
        let sampling_seconds = t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let (inits, scores): (Vec<_>, Vec<_>) = picks.into_iter().unzip();
        let outcomes = train_runs(&self.problem, &self.spec, &self.setup, &inits)?;
        Ok(ArmRuns {
            arm: *arm,
            outcomes,
            pick_scores: scores.into_iter().flatten().collect(),
            sampling_seconds,
            training_seconds: t1.elapsed().as_secs_f64(),
        })
    }
}
