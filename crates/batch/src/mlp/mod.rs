//! The generic batched scorer: any [`ModelSpec`] whose first layer is Linear (every MLP), on any
//! data set, under any [`Loss`] — the path for a user's own model and for real data (e.g.
//! digits with a 64-32-10 ReLU MLP on all 1797 samples or on a 256-sample subset).
//!
//! Candidates are scored in batches: their parameters come from the stream in bulk
//! ([`Stream::fill_batch`]), the first layers of a batch run as one wide product over a tile
//! of data rows, later layers as per-candidate products (`kernel` says which gemm), and the
//! loss, accuracy and (on request) gradient norm follow the engine's formulas. Batches are
//! spread over rayon's threads; a candidate's score depends only on its parameters, never on
//! the batch it landed in.

pub(crate) mod kernel;
pub(crate) mod loss;
pub(crate) mod net;

use initsift_init::Stream;
use initsift_init::select::{Score, ScoreError, Scorer, check_data};
use initsift_nn::{Loss, ModelSpec};
use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;

use crate::Isa;
use kernel::{Problem, Scored, Scratch};
use loss::TileLoss;
use net::Step;
pub use net::activate;

/// Data rows per tile: the tile's stacked first-layer output (rows × batch·hidden) stays in
/// L2 while later layers read it.
const TILE_ROWS: usize = 128;
/// Target size, in floats, of a tile's stacked first-layer output; sets the batch size.
const STACKED_FLOATS: usize = 1 << 16;
/// Most candidates per batch.
const MAX_BATCH: usize = 64;

/// Scores candidates of any MLP on given data in batches (see the module docs).
#[derive(Debug, Clone)]
pub struct MlpScorer {
    spec: ModelSpec,
    steps: Vec<Step>,
    x: Array2<f32>,
    /// `x` transposed, `[features, rows]`.
    xt: Array2<f32>,
    loss: TileLoss,
    batch: usize,
    isa: Isa,
}

impl MlpScorer {
    /// A scorer of `spec` under `loss` on inputs `x` (rows × features) and targets `y` (rows ×
    /// outputs, one-hot for cross-entropy), as the engine's `EngineScorer` takes them, on the
    /// best ISA (or `INITSIFT_ISA`'s); [`MlpScorer::with_isa`] forces another.
    pub fn new(
        spec: &ModelSpec,
        loss: Loss,
        x: ArrayView2<'_, f32>,
        y: ArrayView2<'_, f32>,
    ) -> Result<Self, ScoreError> {
        check_data(spec, x, y)?;
        let steps = net::compile(spec);
        let Some(&Step::Linear { outputs: h, .. }) = steps.first() else {
            return Err(ScoreError::UnsupportedModel {
                model: spec.name().to_string(),
                reason: "the batched scorer needs a Linear first layer".into(),
            });
        };
        let rows = x.nrows().min(TILE_ROWS);
        Ok(Self {
            spec: spec.clone(),
            steps,
            x: x.as_standard_layout().into_owned(),
            xt: x.t().as_standard_layout().into_owned(),
            loss: TileLoss::new(loss, y),
            batch: (STACKED_FLOATS / (rows * h)).clamp(1, MAX_BATCH),
            isa: Isa::select(None)?,
        })
    }

    /// The same scorer on a forced ISA (`None`: the best, or `INITSIFT_ISA`): its forward
    /// products, activations, loss and accuracy loops. The products matrixmultiply still does
    /// (deeper than its depth block, and the backward pass) pick their own kernels at run time.
    pub fn with_isa(mut self, isa: Option<Isa>) -> Result<Self, ScoreError> {
        self.isa = Isa::select(isa)?;
        Ok(self)
    }

    /// The ISA of the forward products and the elementwise loops.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// The model.
    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    /// Candidates per batch (per rayon task).
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// The forward FLOPs of one candidate on all rows: 2·rows·Σ inputs·outputs over the
    /// Linear layers (the sgemm work; biases, activations and the loss are not counted).
    pub fn forward_flops(&self) -> f64 {
        let macs: usize = self
            .steps
            .iter()
            .map(|s| match *s {
                Step::Linear {
                    inputs, outputs, ..
                } => inputs * outputs,
                _ => 0,
            })
            .sum();
        2.0 * self.x.nrows() as f64 * macs as f64
    }

    fn scores_from(&self, source: Source<'_>, want_grad: bool, out: &mut [Score]) {
        let mut scores = vec![(0.0, 0.0, 0.0); out.len()];
        self.run(source, want_grad, &mut scores);
        for (o, s) in out.iter_mut().zip(scores) {
            *o = Score {
                loss: s.0,
                accuracy: s.1,
                grad_norm: s.2,
            };
        }
    }

    /// Batches of [`MlpScorer::batch`] candidates on rayon's pool.
    fn run(&self, source: Source<'_>, want_grad: bool, out: &mut [Scored]) {
        let p = self.spec.param_len();
        let problem = Problem {
            steps: &self.steps,
            x: self.x.view(),
            xt: self.xt.view(),
            loss: &self.loss,
            tile: TILE_ROWS,
            param_len: p,
            isa: self.isa,
        };
        out.par_chunks_mut(self.batch).enumerate().for_each_init(
            || (Scratch::default(), Vec::new()),
            |(scratch, theta), (t, o)| {
                let first = t * self.batch;
                let params = match source {
                    Source::Stream(stream, start) => {
                        theta.resize(o.len() * p, 0.0);
                        stream
                            .fill_batch(start + first as u64, theta)
                            .expect("length and index range were checked");
                        &theta[..]
                    }
                    Source::Params(v) => &v[first * p..(first + o.len()) * p],
                };
                problem.run(params, want_grad, scratch, o);
            },
        );
    }
}

/// Where a batch's parameters come from.
#[derive(Clone, Copy)]
enum Source<'a> {
    Stream(&'a Stream, u64),
    Params(&'a [f32]),
}

impl Scorer for MlpScorer {
    fn param_len(&self) -> usize {
        self.spec.param_len()
    }

    fn model_name(&self) -> &str {
        self.spec.name()
    }

    /// Given parameters, batched.
    fn score_params(
        &self,
        params: &[f32],
        want_grad: bool,
        out: &mut [Score],
    ) -> Result<(), ScoreError> {
        self.check_params(params, out.len())?;
        if !out.is_empty() {
            self.scores_from(Source::Params(params), want_grad, out);
        }
        Ok(())
    }

    /// Parameters generated batch by batch inside the workers, never all at once.
    fn score_stream(
        &self,
        stream: &Stream,
        first: u64,
        want_grad: bool,
        out: &mut [Score],
    ) -> Result<(), ScoreError> {
        self.check_stream(stream)?;
        ScoreError::check_range(first, out.len())?;
        if !out.is_empty() {
            self.scores_from(Source::Stream(stream, first), want_grad, out);
        }
        Ok(())
    }
}
