//! The quantities measured at each init, which way each is meant to be used, and what each
//! costs per init.
//!
//! The initial loss and the gradient norm are taken on the whole training set by the scorer a
//! selection would use (`scorer_for`); GradCosine, NIO's objective, GradInit's one-step loss and
//! MetaInit's gradient quotient on the task's fixed batch, through initsift-datadep's public
//! objectives (f64, grad of grad), at their official defaults.

use std::time::Instant;

use anyhow::Result;
use initsift_batch::score::scorer_for;
use initsift_datadep::{
    GradCosine, GradInitConfig, GradientQuotient, MetaInitConfig, NioConfig, OneStepLoss, OptTarget,
};
use initsift_init::Stream;
use initsift_init::select::Score;
use rayon::prelude::*;
use serde::Serialize;

use super::task::PredictorTask;

/// Which way of a quantity (or an outcome) is the good one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Lower is better.
    Low,
    /// Higher is better.
    High,
}

impl Direction {
    /// +1 for [`Direction::High`], −1 for [`Direction::Low`]: multiplying a value by it makes
    /// "larger is better".
    pub fn sign(self) -> f64 {
        match self {
            Direction::High => 1.0,
            Direction::Low => -1.0,
        }
    }

    /// `low` or `high`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Low => "low",
            Direction::High => "high",
        }
    }
}

/// A quantity at initialization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    /// The loss on the whole training set (seed 000's selection score).
    InitialLoss,
    /// ‖∇θ L‖₂ on the whole training set (what GradInit bounds).
    GradientNorm,
    /// NIO's GradCosine GC on the fixed batch (NIO maximises it).
    GradCosine,
    /// NIO's released objective J = −GC − Σ_d ‖g_d‖ (`gc_gn_sqrt`, λ = 1; minimised).
    NioGcGnSqrt,
    /// GradInit's objective: the loss after one normalised SGD step of η = 0.1, over η.
    OneStepLoss,
    /// MetaInit's gradient quotient (minimised).
    GradientQuotient,
}

impl Quantity {
    /// Every quantity, in report order.
    pub const ALL: [Quantity; 6] = [
        Quantity::InitialLoss,
        Quantity::GradientNorm,
        Quantity::GradCosine,
        Quantity::NioGcGnSqrt,
        Quantity::OneStepLoss,
        Quantity::GradientQuotient,
    ];

    /// Its name in the JSON and the tables.
    pub fn name(self) -> &'static str {
        match self {
            Quantity::InitialLoss => "initial_loss",
            Quantity::GradientNorm => "gradient_norm",
            Quantity::GradCosine => "grad_cosine",
            Quantity::NioGcGnSqrt => "nio_gc_gn_sqrt",
            Quantity::OneStepLoss => "gradinit_one_step_loss",
            Quantity::GradientQuotient => "metainit_gradient_quotient",
        }
    }

    /// The direction the method that uses it pushes it: low loss (seed 000), low gradient norm
    /// (GradInit's bound), high GC (NIO), low J, low one-step loss (GradInit), low GQ
    /// (MetaInit).
    pub fn intended(self) -> Direction {
        match self {
            Quantity::GradCosine => Direction::High,
            _ => Direction::Low,
        }
    }

    /// The exact definition, for the report.
    pub fn definition(self) -> &'static str {
        match self {
            Quantity::InitialLoss => "training loss on every training row (f32, scorer_for)",
            Quantity::GradientNorm => {
                "‖∇θ L‖₂ of the training loss on every training row (f32, scorer_for)"
            }
            Quantity::GradCosine => {
                "GC = mean cosine between the D = 2 sub-batch gradients (NIO defaults: D = 2, \
                 r = 0, the whole fixed batch) on the fixed batch (f64)"
            }
            Quantity::NioGcGnSqrt => {
                "NIO's released objective J = −GC − λ·Σ_d ‖g_d‖, λ = 1 (opt_target gc_gn_sqrt), \
                 same sub-batches (f64)"
            }
            Quantity::OneStepLoss => {
                "GradInit's objective L(S; θ − η·g/‖g‖₂)/η, official defaults (SGD, η = 0.1, \
                 normalised gradient), S = S̃ = the fixed batch (f64)"
            }
            Quantity::GradientQuotient => {
                "MetaInit's GQ = mean |(g − Hg)/(g + ε·sign g) − 1| over weight entries, \
                 ε = 1e-5, on the fixed batch (f64)"
            }
        }
    }
}

/// Every quantity of every init, and its cost.
#[derive(Debug, Clone)]
pub struct Measured {
    /// `values[q][i]`: quantity `Quantity::ALL[q]` of init `i`.
    pub values: Vec<Vec<f64>>,
    /// Mean single-thread seconds per init of each quantity (the two NIO quantities come from
    /// one evaluation and share its cost).
    pub seconds_per_init: Vec<f64>,
}

impl Measured {
    /// The values of `q`.
    pub fn of(&self, q: Quantity) -> &[f64] {
        &self.values[index(q)]
    }

    /// The cost of `q` per init.
    pub fn seconds(&self, q: Quantity) -> f64 {
        self.seconds_per_init[index(q)]
    }
}

fn index(q: Quantity) -> usize {
    Quantity::ALL
        .iter()
        .position(|&x| x == q)
        .expect("every quantity is in ALL")
}

/// Measures every quantity at inits `0..n` of `stream`.
pub fn measure(task: &PredictorTask, stream: &Stream, n: usize) -> Result<Measured> {
    let (losses, loss_s) = scores(task, stream, n, false)?;
    let (norms, norm_s) = scores(task, stream, n, true)?;
    let datadep = datadep_quantities(task, stream, n)?;
    let mean_s = |k: usize| datadep.iter().map(|d| d.seconds[k]).sum::<f64>() / n as f64;
    let col = |f: fn(&DataDep) -> f64| datadep.iter().map(f).collect::<Vec<f64>>();
    Ok(Measured {
        values: vec![
            losses.iter().map(|s| f64::from(s.loss)).collect(),
            norms.iter().map(|s| f64::from(s.grad_norm)).collect(),
            col(|d| d.gc),
            col(|d| d.nio_objective),
            col(|d| d.one_step),
            col(|d| d.gq),
        ],
        seconds_per_init: vec![loss_s, norm_s, mean_s(0), mean_s(0), mean_s(1), mean_s(2)],
    })
}

/// Scores on the training rows on one thread (so the time is one core's), and seconds per init.
fn scores(
    task: &PredictorTask,
    stream: &Stream,
    n: usize,
    want_grad: bool,
) -> Result<(Vec<Score>, f64)> {
    let scorer = scorer_for(
        &task.board.spec,
        task.board.loss,
        task.board.x_train.view(),
        task.board.y_train.view(),
    )?;
    let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let mut out = vec![Score::NAN; n];
    let t0 = Instant::now();
    pool.install(|| scorer.score_stream(stream, 0, want_grad, &mut out))?;
    Ok((out, t0.elapsed().as_secs_f64() / n as f64))
}

/// The data-dependent quantities of one init and the seconds of each evaluation.
struct DataDep {
    gc: f64,
    nio_objective: f64,
    one_step: f64,
    gq: f64,
    /// GradCosine, one-step loss, gradient quotient.
    seconds: [f64; 3],
}

/// The objectives of initsift-datadep at their defaults, one set per thread.
struct Objectives {
    gc: GradCosine,
    one_step: OneStepLoss,
    gq: GradientQuotient,
}

impl Objectives {
    fn new(task: &PredictorTask) -> Result<Self> {
        let (spec, loss, rows) = (&task.board.spec, task.board.loss, task.batch.x.nrows());
        let nio = NioConfig::default();
        let gradinit = GradInitConfig::default();
        let metainit = MetaInitConfig::default();
        Ok(Self {
            // One graph gives GC and the released objective: GC does not depend on the target.
            gc: GradCosine::new(
                spec,
                loss,
                rows,
                nio.sub_batches,
                nio.overlap,
                OptTarget::GcGnSqrt,
                nio.gn_mul,
            )?,
            one_step: OneStepLoss::new(
                spec,
                loss,
                rows,
                gradinit.optimizer,
                gradinit.normalize_grad,
                gradinit.eta,
            )?,
            gq: GradientQuotient::new(spec, loss, rows, metainit.eps)?,
        })
    }

    fn evaluate(&mut self, task: &PredictorTask, init: &[f32]) -> Result<DataDep> {
        let theta: Vec<f64> = init.iter().map(|&v| f64::from(v)).collect();
        let (x, y) = (task.batch.x.view(), task.batch.y.view());
        let t0 = Instant::now();
        let gc = self.gc.evaluate(&theta, x, y)?;
        let t1 = Instant::now();
        let norm = self.one_step.norm(&theta, x, y)?;
        let (one_step, _) = self
            .one_step
            .objective(&theta, &norm.direction, x, y, &theta)?;
        let t2 = Instant::now();
        let gq = self.gq.evaluate(&theta, x, y)?;
        let t3 = Instant::now();
        Ok(DataDep {
            gc: gc.gc,
            nio_objective: gc.objective,
            one_step,
            gq,
            seconds: [
                (t1 - t0).as_secs_f64(),
                (t2 - t1).as_secs_f64(),
                (t3 - t2).as_secs_f64(),
            ],
        })
    }
}

fn datadep_quantities(task: &PredictorTask, stream: &Stream, n: usize) -> Result<Vec<DataDep>> {
    Objectives::new(task)?; // errors surface here, before the threads start
    (0..n)
        .into_par_iter()
        .map_init(
            || {
                (
                    Objectives::new(task).expect("built once above"),
                    vec![0.0f32; stream.param_len()],
                )
            },
            |(objectives, init), i| {
                stream.fill(i as u64, init)?;
                objectives.evaluate(task, init)
            },
        )
        .collect()
}
