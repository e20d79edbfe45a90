//! Scoring candidates: the [`Scorer`] trait both engines implement, and the engine's own
//! implementation (any `ModelSpec`, any data, any loss), which fast paths are tested against.

use initsift_nn::{AccuracyRule, Loss, ModelSpec};
use initsift_tensor::{Graph, NodeId, Shape, Values};
use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::error::ScoreError;
use crate::stream::Stream;

/// What a scorer says of one candidate at initialization.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// The initial loss.
    pub loss: f32,
    /// ‖∇θ L‖₂ at the candidate (NaN unless requested).
    pub grad_norm: f32,
    /// The initial accuracy (fraction of rows correct).
    pub accuracy: f32,
}

impl Score {
    /// A score with every field NaN: the filler of buffers a scorer writes into, never a
    /// winner.
    pub const NAN: Score = Score {
        loss: f32::NAN,
        grad_norm: f32::NAN,
        accuracy: f32::NAN,
    };

    /// True when the loss (and a requested gradient norm) is finite: only such scores can win.
    pub fn is_finite(&self, want_grad: bool) -> bool {
        self.loss.is_finite() && (!want_grad || self.grad_norm.is_finite())
    }
}

/// Scores candidate initializations: the API every scorer shares. Implemented by the engine
/// ([`EngineScorer`]) and by the fused and batched kernels of initsift-batch (whose
/// `scorer_for` picks among them), which tests hold to the engine.
///
/// Zero candidates (an empty `out`) is not an error: there is nothing to do.
pub trait Scorer: Sync {
    /// Parameters per candidate.
    fn param_len(&self) -> usize;

    /// Scores the parameter vectors concatenated in `params` (`out.len()` of them).
    fn score_params(
        &self,
        params: &[f32],
        want_grad: bool,
        out: &mut [Score],
    ) -> Result<(), ScoreError>;

    /// Scores candidates `first, first + 1, …` of `stream` (`out.len()` of them). The default
    /// regenerates their parameters and calls [`Scorer::score_params`]; fused kernels generate
    /// them in lanes instead.
    fn score_stream(
        &self,
        stream: &Stream,
        first: u64,
        want_grad: bool,
        out: &mut [Score],
    ) -> Result<(), ScoreError> {
        self.check_stream(stream)?;
        ScoreError::check_range(first, out.len())?;
        let mut params = vec![0.0f32; out.len() * self.param_len()];
        stream.par_fill_batch(first, &mut params)?;
        self.score_params(&params, want_grad, out)
    }

    /// The initial losses of candidates `first, first + 1, …` of `stream`, one per element of
    /// `out`. The default keeps the loss of [`Scorer::score_stream`]; kernels with a cheaper
    /// loss-only pass override it.
    fn losses(&self, stream: &Stream, first: u64, out: &mut [f32]) -> Result<(), ScoreError> {
        let mut scores = vec![Score::NAN; out.len()];
        self.score_stream(stream, first, false, &mut scores)?;
        out.iter_mut().zip(&scores).for_each(|(o, s)| *o = s.loss);
        Ok(())
    }

    /// The model's name, for errors.
    fn model_name(&self) -> &str;

    /// Checks that `stream` makes candidates of this scorer's length.
    fn check_stream(&self, stream: &Stream) -> Result<(), ScoreError> {
        if stream.param_len() != self.param_len() {
            return Err(ScoreError::ParamLength {
                source_name: format!("the stream of plan {}", stream.plan().name),
                model: self.model_name().to_string(),
                expected: self.param_len(),
                actual: stream.param_len(),
            });
        }
        Ok(())
    }

    /// Checks that `params` holds `count` candidates of this scorer's length.
    fn check_params(&self, params: &[f32], count: usize) -> Result<(), ScoreError> {
        let p = self.param_len();
        if params.len() != count * p {
            return Err(ScoreError::ParamLength {
                source_name: format!("a buffer of {} values for {count} candidates", params.len()),
                model: self.model_name().to_string(),
                expected: p,
                actual: params.len() / count.max(1),
            });
        }
        Ok(())
    }
}

/// Candidates scored per rayon task: large enough to amortise scheduling, small enough to
/// spread over cores. Results do not depend on it.
const CHUNK: usize = 256;

/// The engine as a scorer: the model's graph with its loss and gradient norm, evaluated in
/// `f32` for one candidate at a time, candidates spread over rayon's threads.
#[derive(Debug, Clone)]
pub struct EngineScorer {
    graph: Graph,
    output: NodeId,
    loss: NodeId,
    grad_norm: NodeId,
    x: Array2<f32>,
    y: Array2<f32>,
    rule: AccuracyRule,
    param_len: usize,
    model: String,
}

impl EngineScorer {
    /// A scorer of `spec` on inputs `x` and targets `y` (shaped as for the Trainer) under
    /// `loss`.
    pub fn new(
        spec: &ModelSpec,
        loss: Loss,
        x: ArrayView2<'_, f32>,
        y: ArrayView2<'_, f32>,
    ) -> Result<Self, ScoreError> {
        check_data(spec, x, y)?;
        let mut graph = Graph::new();
        let xi = graph
            .input(Shape::new(x.nrows(), x.ncols()))
            .map_err(initsift_nn::Error::from)?;
        let yi = graph
            .input(Shape::new(y.nrows(), y.ncols()))
            .map_err(initsift_nn::Error::from)?;
        let fwd = spec.build(&mut graph, xi)?;
        let loss_node = loss.build(&mut graph, fwd.output, yi)?;
        let grads = graph
            .grad(loss_node, &fwd.params)
            .map_err(initsift_nn::Error::from)?;
        let sq = graph
            .squared_norm(&grads)
            .map_err(initsift_nn::Error::from)?;
        let grad_norm = graph.sqrt(sq);
        Ok(Self {
            graph,
            output: fwd.output,
            loss: loss_node,
            grad_norm,
            x: x.to_owned(),
            y: y.to_owned(),
            rule: loss.accuracy_rule(spec.output_dim()),
            param_len: spec.param_len(),
            model: spec.name().to_string(),
        })
    }

    fn score_one(&self, params: &[f32], want_grad: bool, values: &mut Values<f32>) -> Score {
        let inputs = [self.x.view(), self.y.view()];
        let last = if want_grad { self.grad_norm } else { self.loss };
        self.graph
            .eval_until_into(params, &inputs, values, last)
            .expect("lengths and shapes were checked when the scorer was built");
        Score {
            loss: values.scalar(self.loss),
            grad_norm: if want_grad {
                values.scalar(self.grad_norm)
            } else {
                f32::NAN
            },
            accuracy: self.rule.accuracy(values.get(self.output), self.y.view()) as f32,
        }
    }
}

impl Scorer for EngineScorer {
    fn param_len(&self) -> usize {
        self.param_len
    }

    fn model_name(&self) -> &str {
        &self.model
    }

    fn score_params(
        &self,
        params: &[f32],
        want_grad: bool,
        out: &mut [Score],
    ) -> Result<(), ScoreError> {
        let p = self.param_len;
        self.check_params(params, out.len())?;
        out.par_chunks_mut(CHUNK)
            .zip(params.par_chunks(CHUNK * p))
            .for_each_init(
                || Values::for_graph(&self.graph),
                |values, (scores, block)| {
                    for (s, theta) in scores.iter_mut().zip(block.chunks_exact(p)) {
                        *s = self.score_one(theta, want_grad, values);
                    }
                },
            );
        Ok(())
    }
}

/// Checks that inputs `x` and targets `y` fit `spec` (as every scorer and the Trainer take
/// them): `x` has the model's input width and at least one row, `y` one row per input row and
/// the model's output width.
pub fn check_data(
    spec: &ModelSpec,
    x: ArrayView2<'_, f32>,
    y: ArrayView2<'_, f32>,
) -> Result<(), ScoreError> {
    if x.ncols() != spec.input_dim() {
        return Err(ScoreError::DataWidth {
            model: spec.name().to_string(),
            expected: spec.input_dim(),
            actual: x.ncols(),
        });
    }
    let reason = if x.nrows() == 0 {
        "the data has no rows".to_string()
    } else if y.nrows() != x.nrows() || y.ncols() != spec.output_dim() {
        format!(
            "{}x{} targets for {} input rows and model {}'s {} outputs",
            y.nrows(),
            y.ncols(),
            x.nrows(),
            spec.name(),
            spec.output_dim()
        )
    } else {
        return Ok(());
    };
    Err(ScoreError::Targets { reason })
}
