//! [`FusedScorer`]: candidates of a stream scored on XOR in one pass per lane group —
//! parameters generated in lanes, forward pass, loss, and on request accuracy and gradient norm
//! — for abs1, relu1 and relu2.

// Lane loops index several arrays by the lane number: the form LLVM vectorizes.
#![allow(clippy::needless_range_loop)]

use initsift_init::Stream;
use initsift_init::select::{Score, ScoreError, Scorer};
use initsift_nn::Loss;
use rayon::prelude::*;

use super::eval::{self, Bce, CrossEntropy, LaneScore, Mse};
use super::generate::LaneGenerator;
use crate::{Isa, Preset};

/// Candidates per lane group: four zmm or eight ymm per value. Wider than one register because
/// the hash → ln → sqrt chain of Box–Muller is long: more independent registers per stage keep
/// the vector pipes busier (measured on Zen 3 with AVX2, relu1 candidates/s per core: 16 lanes
/// 1.07×10⁸, 32 lanes 1.31×10⁸, 64 lanes 1.34×10⁸ with the first kernel; 32 lanes 1.91×10⁸,
/// 64 lanes 2.00×10⁸, 128 lanes 1.91×10⁸ with the staged Box–Muller). A constant, not the ISA's
/// width, so every clone computes the same lanes the same way.
pub const SCORE_LANES: usize = 64;

/// Candidates per rayon task: large enough to amortise scheduling and dispatch, small enough
/// that a 2¹⁵-candidate call of the selection strategies still spreads over every core.
/// Results do not depend on it.
const TASK: usize = 2048;

/// Scores candidates of abs1, relu1 or relu2 on the four centred XOR points (inputs
/// (±1, ±1), targets 0, 1, 1, 0 — one-hot for relu2), fused: each lane group of [`SCORE_LANES`]
/// candidates generates its parameters in lanes (bit-equal to [`Stream::candidate`]), runs
/// the forward pass and the loss, and on request the accuracy and the analytic ‖∇θ L‖₂.
///
/// The kernel is compiled for AVX-512, AVX2+FMA and the portable baseline
/// ([`isa_dispatch!`](crate::isa_dispatch)); the ISA is chosen when the scorer is built
/// ([`Isa::select`]: the option, else `INITSIFT_ISA`, else the best the CPU has). Lane groups
/// are spread over rayon's threads. A candidate's score depends only on its index, so results
/// are the same bits for every thread count, chunking and ISA.
///
/// Streams whose plan has a block-level law (orthogonal, sparse) still work: their lane groups
/// take the scalar stream candidate by candidate (correct, much slower).
#[derive(Debug, Clone)]
pub struct FusedScorer {
    model: Preset,
    loss: Loss,
    isa: Isa,
}

/// Where a lane group's parameters come from.
#[derive(Clone, Copy)]
enum Source<'a> {
    /// Candidates `first..` of a stream.
    Stream(&'a Stream, u64),
    /// Candidate-major parameter vectors.
    Params(&'a [f32]),
}

/// What to write per candidate.
enum Sink<'a> {
    /// Losses only.
    Loss(&'a mut [f32]),
    /// Full scores, with or without the gradient norm.
    Scores(&'a mut [Score], bool),
}

impl FusedScorer {
    /// A scorer of `model` under `loss` on the best ISA (or the one `INITSIFT_ISA` forces);
    /// [`FusedScorer::with_isa`] forces another.
    pub fn new(model: Preset, loss: Loss) -> Result<Self, ScoreError> {
        if !model.fused_losses().contains(&loss) {
            return Err(ScoreError::UnsupportedLoss {
                model: model.name(),
                loss: loss.to_string(),
                supported: match model {
                    Preset::Relu2 => "mse, bce_with_logits, cross_entropy",
                    _ => "mse, bce_with_logits",
                },
            });
        }
        Ok(Self {
            model,
            loss,
            isa: Isa::select(None)?,
        })
    }

    /// The same scorer on a forced ISA (`None`: as [`FusedScorer::new`]). An ISA the CPU
    /// lacks is an error naming it, never a silent fallback.
    pub fn with_isa(mut self, isa: Option<Isa>) -> Result<Self, ScoreError> {
        self.isa = Isa::select(isa)?;
        Ok(self)
    }

    /// The preset.
    pub fn model(&self) -> Preset {
        self.model
    }

    /// The loss.
    pub fn loss(&self) -> Loss {
        self.loss
    }

    /// The ISA the kernel runs on.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// Splits the work into tasks of [`TASK`] candidates on rayon's pool.
    fn run(&self, source: Source<'_>, sink: Sink<'_>) {
        let p = self.model.param_len();
        let task_source = |t: usize| match source {
            Source::Stream(s, first) => Source::Stream(s, first.wrapping_add((t * TASK) as u64)),
            Source::Params(v) => Source::Params(&v[(t * TASK * p).min(v.len())..]),
        };
        let (isa, model, loss) = (self.isa, self.model, self.loss);
        match sink {
            Sink::Loss(out) => out.par_chunks_mut(TASK).enumerate().for_each(|(t, o)| {
                score_task(isa, model, loss, task_source(t), Sink::Loss(o));
            }),
            Sink::Scores(out, grad) => out.par_chunks_mut(TASK).enumerate().for_each(|(t, o)| {
                score_task(isa, model, loss, task_source(t), Sink::Scores(o, grad));
            }),
        }
    }
}

impl Scorer for FusedScorer {
    fn param_len(&self) -> usize {
        self.model.param_len()
    }

    fn model_name(&self) -> &str {
        self.model.name()
    }

    /// Given parameters through the fused kernel.
    fn score_params(
        &self,
        params: &[f32],
        want_grad: bool,
        out: &mut [Score],
    ) -> Result<(), ScoreError> {
        self.check_params(params, out.len())?;
        if !out.is_empty() {
            self.run(Source::Params(params), Sink::Scores(out, want_grad));
        }
        Ok(())
    }

    /// The fused path: parameters generated in lanes, never materialised.
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
            self.run(Source::Stream(stream, first), Sink::Scores(out, want_grad));
        }
        Ok(())
    }

    /// The loss-only kernel: no accuracy, no gradient.
    fn losses(&self, stream: &Stream, first: u64, out: &mut [f32]) -> Result<(), ScoreError> {
        self.check_stream(stream)?;
        ScoreError::check_range(first, out.len())?;
        if !out.is_empty() {
            self.run(Source::Stream(stream, first), Sink::Loss(out));
        }
        Ok(())
    }
}

/// One preset's per-lane evaluation, `P` parameters per candidate.
trait LaneKernel<const P: usize> {
    fn eval<const ACC: bool, const GRAD: bool>(theta: [f32; P]) -> LaneScore;
}

struct Abs1<E>(std::marker::PhantomData<E>);
struct Relu1<E>(std::marker::PhantomData<E>);
struct Relu2<R>(std::marker::PhantomData<R>);

impl<E: eval::ElementLoss> LaneKernel<3> for Abs1<E> {
    #[inline(always)]
    fn eval<const ACC: bool, const GRAD: bool>(t: [f32; 3]) -> LaneScore {
        eval::abs1::<E, ACC, GRAD>(t)
    }
}

impl<E: eval::ElementLoss> LaneKernel<6> for Relu1<E> {
    #[inline(always)]
    fn eval<const ACC: bool, const GRAD: bool>(t: [f32; 6]) -> LaneScore {
        eval::relu1::<E, ACC, GRAD>(t)
    }
}

impl<R: eval::RowLoss> LaneKernel<12> for Relu2<R> {
    #[inline(always)]
    fn eval<const ACC: bool, const GRAD: bool>(t: [f32; 12]) -> LaneScore {
        eval::relu2::<R, ACC, GRAD>(t)
    }
}

crate::isa_dispatch! {
    /// Scores one task's candidates on the clone `isa` names.
    fn score_task(model: Preset, loss: Loss, source: Source<'_>, sink: Sink<'_>) {
        match (model, loss) {
            (Preset::Abs1, Loss::BceWithLogits) => drive::<3, Abs1<Bce>>(source, sink),
            (Preset::Abs1, _) => drive::<3, Abs1<Mse>>(source, sink),
            (Preset::Relu1, Loss::BceWithLogits) => drive::<6, Relu1<Bce>>(source, sink),
            (Preset::Relu1, _) => drive::<6, Relu1<Mse>>(source, sink),
            (Preset::Relu2, Loss::BceWithLogits) => drive::<12, Relu2<Bce>>(source, sink),
            (Preset::Relu2, Loss::CrossEntropy) => {
                drive::<12, Relu2<CrossEntropy>>(source, sink)
            }
            (Preset::Relu2, _) => drive::<12, Relu2<Mse>>(source, sink),
        }
    }
}

/// Picks the kernel variant for what the sink wants (dead work is compiled out).
#[inline(always)]
fn drive<const P: usize, K: LaneKernel<P>>(source: Source<'_>, sink: Sink<'_>) {
    match sink {
        Sink::Loss(out) => groups::<P, K, false, false>(source, out.len(), |k, m, r| {
            out[k..k + m].copy_from_slice(&r.0[..m]);
        }),
        Sink::Scores(out, grad) => {
            let n = out.len();
            let write = |k: usize, m: usize, r: &Group| {
                for (l, s) in out[k..k + m].iter_mut().enumerate() {
                    *s = Score {
                        loss: r.0[l],
                        grad_norm: if grad { r.2[l] } else { f32::NAN },
                        accuracy: r.1[l],
                    };
                }
            };
            if grad {
                groups::<P, K, true, true>(source, n, write)
            } else {
                groups::<P, K, true, false>(source, n, write)
            }
        }
    }
}

/// Loss, accuracy and gradient norm of one lane group.
type Group = ([f32; SCORE_LANES], [f32; SCORE_LANES], [f32; SCORE_LANES]);

/// Runs `n` candidates in lane groups; `write(k, m, group)` stores candidates `k..k + m`.
#[inline(always)]
fn groups<const P: usize, K: LaneKernel<P>, const ACC: bool, const GRAD: bool>(
    source: Source<'_>,
    n: usize,
    mut write: impl FnMut(usize, usize, &Group),
) {
    let mut theta = [[0.0f32; SCORE_LANES]; P];
    // The stream's generator is made once per task (see LaneGenerator).
    let mut generator = match source {
        Source::Stream(stream, first) => Ok((LaneGenerator::<SCORE_LANES>::new(stream), first)),
        Source::Params(params) => Err(params),
    };
    let mut k = 0;
    while k < n {
        let m = (n - k).min(SCORE_LANES);
        match &mut generator {
            Ok((generator, first)) => generator.generate(first.wrapping_add(k as u64), &mut theta),
            Err(params) => {
                let rows = &params[k * P..(k + m) * P];
                for (p, lane) in theta.iter_mut().enumerate() {
                    for l in 0..SCORE_LANES {
                        lane[l] = if l < m { rows[l * P + p] } else { 0.0 };
                    }
                }
            }
        }
        let mut r: Group = ([0.0; SCORE_LANES], [0.0; SCORE_LANES], [0.0; SCORE_LANES]);
        for l in 0..SCORE_LANES {
            let t: [f32; P] = std::array::from_fn(|p| theta[p][l]);
            (r.0[l], r.1[l], r.2[l]) = K::eval::<ACC, GRAD>(t);
        }
        write(k, m, &r);
        k += SCORE_LANES;
    }
}
