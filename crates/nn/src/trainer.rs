//! The Trainer: full-batch or minibatch epochs with the reference code's stop rules.
//!
//! Epoch `e` (tr_xor_configs.md §1.2): evaluate the loss `L_e` at the pre-step parameters θ_e
//! together with its gradient, take one optimizer step per batch, then apply the stop rules to
//! `L_e`. A run stopped at epoch `e` reports `e + 1` epochs completed (the steps taken); a run
//! no rule stops reports the maximum. The final loss and accuracy are measured at the
//! post-step parameters.

use std::fmt;

use initsift_tensor::{Graph, NodeId, Shape, Values};
use ndarray::{Array2, ArrayView2, Axis};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::loss::{AccuracyRule, Loss};
use crate::model::ModelSpec;
use crate::optim::OptimizerConfig;

/// The plateau rule: stop when the loss has not set a new minimum by more than `min_delta` for
/// more than `patience` consecutive epochs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Plateau {
    /// Improvement needed to count as a new minimum (reference: 1e-24).
    pub min_delta: f64,
    /// Epochs without one that are tolerated (reference: 10; the 11th stops).
    pub patience: usize,
}

/// When a run stops.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StopRules {
    /// Upper bound on epochs (0: no training, only the evaluation at the initial parameters).
    pub max_epochs: usize,
    /// Stop when the epoch loss is below this (reference: 1e-7).
    pub loss_below: Option<f64>,
    /// The plateau rule, if active.
    pub plateau: Option<Plateau>,
}

impl StopRules {
    /// The reference code's relu1 rules: loss < 1e-7, plateau 1e-24 / 10, at most `max_epochs`.
    pub fn reference(max_epochs: usize) -> Self {
        Self {
            max_epochs,
            loss_below: Some(1e-7),
            plateau: Some(Plateau {
                min_delta: 1e-24,
                patience: 10,
            }),
        }
    }
}

/// The rules as a report states them: `at most 800 epochs; stop at loss < 1e-7 or after 11
/// epochs without a new minimum (plateau 1e-24 / 10)`.
impl fmt::Display for StopRules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at most {} epochs", self.max_epochs)?;
        let plateau = self.plateau.map(|p| {
            format!(
                "after {} epochs without a new minimum (plateau {:e} / {})",
                p.patience + 1,
                p.min_delta,
                p.patience
            )
        });
        match (self.loss_below, plateau) {
            (Some(l), Some(p)) => write!(f, "; stop at loss < {l:e} or {p}"),
            (Some(l), None) => write!(f, "; stop at loss < {l:e}"),
            (None, Some(p)) => write!(f, "; stop {p}"),
            (None, None) => Ok(()),
        }
    }
}

/// Why a run stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The loss fell below the threshold.
    Converged,
    /// The plateau rule fired.
    Plateau,
    /// The epoch budget ran out.
    MaxEpochs,
    /// The loss became NaN or infinite.
    Diverged,
}

impl StopReason {
    /// The one text form, as serde writes it: `converged`, `plateau`, `max_epochs`, `diverged`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Converged => "converged",
            Self::Plateau => "plateau",
            Self::MaxEpochs => "max_epochs",
            Self::Diverged => "diverged",
        }
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The stop rules' state over one run; shared with the lockstep trainer so both count alike.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StopTracker {
    best: f64,
    since_best: usize,
}

impl Default for StopTracker {
    fn default() -> Self {
        Self {
            best: f64::INFINITY,
            since_best: 0,
        }
    }
}

impl StopTracker {
    /// Feeds epoch `loss` (taken at the pre-step parameters); returns why to stop, if so.
    pub fn observe(&mut self, rules: &StopRules, loss: f64) -> Option<StopReason> {
        if !loss.is_finite() {
            return Some(StopReason::Diverged);
        }
        if rules.loss_below.is_some_and(|t| loss < t) {
            return Some(StopReason::Converged);
        }
        if let Some(p) = rules.plateau {
            if self.best - loss > p.min_delta {
                self.best = loss;
                self.since_best = 0;
            } else {
                self.since_best += 1;
                if self.since_best > p.patience {
                    return Some(StopReason::Plateau);
                }
            }
            self.best = self.best.min(loss);
        }
        None
    }
}

/// The minibatch order of successive epochs: the rows `0..n`, reshuffled in place at the start
/// of every epoch by a Xoshiro256++ generator seeded with the trainer's `shuffle_seed`. The
/// Trainer and the batched trainers draw their orders here, so a seed means one order
/// everywhere.
#[derive(Debug, Clone)]
pub struct EpochOrder {
    rng: Xoshiro256PlusPlus,
    order: Vec<usize>,
}

impl EpochOrder {
    /// The order generator for `rows` rows and `seed`.
    pub fn new(rows: usize, seed: u64) -> Self {
        Self {
            rng: Xoshiro256PlusPlus::seed_from_u64(seed),
            order: (0..rows).collect(),
        }
    }

    /// Reshuffles and returns the next epoch's row order.
    pub fn next_epoch(&mut self) -> &[usize] {
        self.order.shuffle(&mut self.rng);
        &self.order
    }
}

/// How to train.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// The optimizer.
    pub optimizer: OptimizerConfig,
    /// The loss.
    pub loss: Loss,
    /// The stop rules.
    pub stop: StopRules,
    /// Minibatch size; `None` for full batch (one step per epoch).
    pub batch_size: Option<usize>,
    /// Seed of the per-epoch shuffle of minibatches.
    pub shuffle_seed: u64,
    /// Keep the per-epoch loss curve.
    pub record_curve: bool,
    /// How accuracy is judged; `None` picks [`Loss::accuracy_rule`].
    pub accuracy: Option<AccuracyRule>,
}

impl TrainConfig {
    /// Full-batch training with the given optimizer, loss and stop rules.
    pub fn full_batch(optimizer: OptimizerConfig, loss: Loss, stop: StopRules) -> Self {
        Self {
            optimizer,
            loss,
            stop,
            batch_size: None,
            shuffle_seed: 0,
            record_curve: false,
            accuracy: None,
        }
    }
}

/// What one run did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOutcome {
    /// Epochs completed, counted as the reference counts them.
    pub epochs: usize,
    /// Why the run stopped.
    pub stop: StopReason,
    /// Loss at the initial parameters (whole data set).
    pub initial_loss: f64,
    /// Accuracy at the initial parameters.
    pub initial_accuracy: f64,
    /// Loss at the final, post-step parameters.
    pub final_loss: f64,
    /// Accuracy at the final parameters.
    pub final_accuracy: f64,
    /// The final parameters.
    pub params: Vec<f32>,
    /// Per-epoch losses (at the pre-step parameters), when requested.
    pub curve: Vec<f64>,
}

/// A model, a loss and its gradient, compiled for one batch size.
#[derive(Debug, Clone)]
struct Compiled {
    graph: Graph,
    output: NodeId,
    loss: NodeId,
    grads: Vec<(NodeId, usize)>,
    values: Values<f32>,
}

impl Compiled {
    fn new(spec: &ModelSpec, loss: Loss, rows: usize, targets: usize) -> Result<Self> {
        let mut graph = Graph::new();
        let x = graph.input(Shape::new(rows, spec.input_dim()))?;
        let y = graph.input(Shape::new(rows, targets))?;
        let fwd = spec.build(&mut graph, x)?;
        let loss = loss.build(&mut graph, fwd.output, y)?;
        let grad_nodes = graph.grad(loss, &fwd.params)?;
        let grads = spec
            .param_layout()
            .iter()
            .zip(grad_nodes)
            .map(|(block, g)| (g, block.offset))
            .collect();
        let values = Values::for_graph(&graph);
        Ok(Self {
            graph,
            output: fwd.output,
            loss,
            grads,
            values,
        })
    }

    /// Loss and gradient at `params`; the gradient is written into `grad`.
    fn loss_and_grad(
        &mut self,
        params: &[f32],
        x: ArrayView2<f32>,
        y: ArrayView2<f32>,
        grad: &mut [f32],
    ) -> Result<f32> {
        self.graph.eval_into(params, &[x, y], &mut self.values)?;
        for &(g, offset) in &self.grads {
            let block = self.values.slice(g);
            grad[offset..offset + block.len()].copy_from_slice(block);
        }
        Ok(self.values.scalar(self.loss))
    }

    /// Loss and output at `params`, without the gradient.
    fn forward(
        &mut self,
        params: &[f32],
        x: ArrayView2<f32>,
        y: ArrayView2<f32>,
    ) -> Result<(f32, ArrayView2<'_, f32>)> {
        self.graph
            .eval_until_into(params, &[x, y], &mut self.values, self.loss)?;
        Ok((self.values.scalar(self.loss), self.values.get(self.output)))
    }
}

/// Trains a model on fixed data from any number of initial parameter vectors.
#[derive(Debug, Clone)]
pub struct Trainer {
    spec: ModelSpec,
    config: TrainConfig,
    x: Array2<f32>,
    y: Array2<f32>,
    rule: AccuracyRule,
    full: Compiled,
    batch: Option<(usize, Compiled, Option<Compiled>)>,
}

impl Trainer {
    /// A trainer for `spec` on inputs `x` `[n × input_dim]` and targets `y` `[n × outputs]`
    /// (0/1 values for MSE/BCE, one-hot rows for cross-entropy).
    pub fn new(
        spec: &ModelSpec,
        x: ArrayView2<f32>,
        y: ArrayView2<f32>,
        config: TrainConfig,
    ) -> Result<Self> {
        config.optimizer.validate()?;
        let n = x.nrows();
        if n == 0 {
            return Err(Error::Targets("the data set has no rows".into()));
        }
        if y.nrows() != n {
            return Err(Error::Targets(format!(
                "{} target rows for {n} input rows",
                y.nrows()
            )));
        }
        if x.ncols() != spec.input_dim() {
            return Err(Error::DataWidth {
                model: spec.name().to_string(),
                expected: spec.input_dim(),
                actual: x.ncols(),
            });
        }
        if y.ncols() != spec.output_dim() {
            return Err(Error::Targets(format!(
                "{} target columns, model {} has {} outputs",
                y.ncols(),
                spec.name(),
                spec.output_dim()
            )));
        }
        let full = Compiled::new(spec, config.loss, n, y.ncols())?;
        let batch = match config.batch_size {
            None => None,
            Some(0) => {
                return Err(Error::BadHyperParameter {
                    name: "batch_size",
                    value: 0.0,
                    rule: "must be at least 1",
                });
            }
            Some(b) if b >= n => None,
            Some(b) => {
                let main = Compiled::new(spec, config.loss, b, y.ncols())?;
                let rem = match n % b {
                    0 => None,
                    r => Some(Compiled::new(spec, config.loss, r, y.ncols())?),
                };
                Some((b, main, rem))
            }
        };
        let rule = config
            .accuracy
            .unwrap_or_else(|| config.loss.accuracy_rule(spec.output_dim()));
        Ok(Self {
            spec: spec.clone(),
            config,
            x: x.to_owned(),
            y: y.to_owned(),
            rule,
            full,
            batch,
        })
    }

    /// The accuracy rule in use.
    pub fn accuracy_rule(&self) -> AccuracyRule {
        self.rule
    }

    /// Loss and accuracy of `params` on the whole data set.
    pub fn evaluate(&mut self, params: &[f32]) -> Result<(f64, f64)> {
        self.spec.check_params(params)?;
        let (x, y) = (self.x.view(), self.y.view());
        let (loss, out) = self.full.forward(params, x, y)?;
        Ok((f64::from(loss), self.rule.accuracy(out, y)))
    }

    /// Trains from `init` until a stop rule fires.
    pub fn train(&mut self, init: &[f32]) -> Result<TrainOutcome> {
        self.spec.check_params(init)?;
        let (initial_loss, initial_accuracy) = self.evaluate(init)?;
        let mut params = init.to_vec();
        let mut grad = vec![0.0f32; params.len()];
        let mut opt = self.config.optimizer.build(params.len())?;
        let mut tracker = StopTracker::default();
        let mut curve = Vec::new();
        let mut order = EpochOrder::new(self.x.nrows(), self.config.shuffle_seed);
        let rules = self.config.stop;
        let (mut epochs, mut stop) = (rules.max_epochs, StopReason::MaxEpochs);
        for e in 0..rules.max_epochs {
            let loss = match &mut self.batch {
                None => {
                    let l = self.full.loss_and_grad(
                        &params,
                        self.x.view(),
                        self.y.view(),
                        &mut grad,
                    )?;
                    opt.step(&mut params, &grad);
                    f64::from(l)
                }
                Some((b, main, rem)) => {
                    let order = order.next_epoch();
                    let mut total = 0.0;
                    for chunk in order.chunks(*b) {
                        let c = if chunk.len() == *b {
                            &mut *main
                        } else {
                            rem.as_mut().expect("remainder graph")
                        };
                        let xb = self.x.select(Axis(0), chunk);
                        let yb = self.y.select(Axis(0), chunk);
                        let l = c.loss_and_grad(&params, xb.view(), yb.view(), &mut grad)?;
                        opt.step(&mut params, &grad);
                        total += f64::from(l) * chunk.len() as f64;
                    }
                    total / order.len() as f64
                }
            };
            if self.config.record_curve {
                curve.push(loss);
            }
            if let Some(reason) = tracker.observe(&rules, loss) {
                (epochs, stop) = (e + 1, reason);
                break;
            }
        }
        let (final_loss, final_accuracy) = self.evaluate(&params)?;
        Ok(TrainOutcome {
            epochs,
            stop,
            initial_loss,
            initial_accuracy,
            final_loss,
            final_accuracy,
            params,
            curve,
        })
    }
}
