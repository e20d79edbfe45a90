//! Scoring candidates: the [`Scorer`] trait both engines implement, and the engine's own
//! implementation (any `ModelSpec`, any data, any loss), which fast paths are tested against.

use initsift_nn::{AccuracyRule, Loss, ModelSpec};
use initsift_tensor::{Graph, NodeId, Shape, Values};
use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::error::{SelectError, SelectResult};
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
    /// True when the loss (and a requested gradient norm) is finite: only such scores can win.
    pub fn is_finite(&self, want_grad: bool) -> bool {
        self.loss.is_finite() && (!want_grad || self.grad_norm.is_finite())
    }
}

/// Scores candidate initializations. Implemented by the engine ([`EngineScorer`]) and by the
/// fused SIMD kernels of initsift-batch, which tests hold to the engine.
pub trait Scorer: Sync {
    /// Parameters per candidate.
    fn param_len(&self) -> usize;

    /// Scores the parameter vectors concatenated in `params` (`out.len()` of them).
    fn score_params(&self, params: &[f32], want_grad: bool, out: &mut [Score]) -> SelectResult<()>;

    /// Scores candidates `first, first + 1, …` of `stream` (`out.len()` of them). The default
    /// regenerates their parameters and calls [`Scorer::score_params`]; fused kernels generate
    /// them in lanes instead.
    fn score_stream(
        &self,
        stream: &Stream,
        first: u64,
        want_grad: bool,
        out: &mut [Score],
    ) -> SelectResult<()> {
        self.check_stream(stream)?;
        let mut params = vec![0.0f32; out.len() * self.param_len()];
        stream.par_fill_batch(first, &mut params)?;
        self.score_params(&params, want_grad, out)
    }

    /// Checks that `stream` makes candidates of this scorer's length.
    fn check_stream(&self, stream: &Stream) -> SelectResult<()> {
        if stream.param_len() != self.param_len() {
            return Err(SelectError::Mismatch(format!(
                "the stream makes {} parameters per candidate, the scorer's model has {}",
                stream.param_len(),
                self.param_len()
            )));
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
}

impl EngineScorer {
    /// A scorer of `spec` on inputs `x` and targets `y` (shaped as for the Trainer) under
    /// `loss`.
    pub fn new(
        spec: &ModelSpec,
        loss: Loss,
        x: ArrayView2<'_, f32>,
        y: ArrayView2<'_, f32>,
    ) -> SelectResult<Self> {
        if x.ncols() != spec.input_dim() {
            return Err(initsift_nn::Error::DataWidth {
                model: spec.name().to_string(),
                expected: spec.input_dim(),
                actual: x.ncols(),
            }
            .into());
        }
        if y.nrows() != x.nrows() || y.ncols() != spec.output_dim() || x.nrows() == 0 {
            return Err(SelectError::Mismatch(format!(
                "targets {}x{} do not fit {} input rows and model {}'s {} outputs",
                y.nrows(),
                y.ncols(),
                x.nrows(),
                spec.name(),
                spec.output_dim()
            )));
        }
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

    fn score_params(&self, params: &[f32], want_grad: bool, out: &mut [Score]) -> SelectResult<()> {
        let p = self.param_len;
        if params.len() != out.len() * p {
            return Err(SelectError::Mismatch(format!(
                "{} parameter values for {} candidates of {p}",
                params.len(),
                out.len()
            )));
        }
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
