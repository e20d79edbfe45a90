//! [`scorer_for`]: one entry point that picks the fastest scorer that computes the same
//! scores, as ndarray's `dot` picks its kernel.

use initsift_init::select::{EngineScorer, ScoreError, Scorer, check_data};
use initsift_nn::{Loss, ModelSpec};
use ndarray::ArrayView2;

use super::fused::FusedScorer;
use crate::mlp::MlpScorer;
use crate::xor::INPUTS;
use crate::{Isa, Preset};

/// Which scorer [`scorer_with`] builds. Every path computes the engine's scores (tests hold
/// each to [`EngineScorer`]); they differ in speed and in what they accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ScorerPath {
    /// The fused kernel where it applies (see [`ScorerPath::auto`]), the batched MLP path
    /// otherwise.
    #[default]
    Auto,
    /// [`FusedScorer`]: abs1, relu1 or relu2 on the four centred XOR points, under a loss the
    /// preset's kernel has; anything else is an error.
    Fused,
    /// [`MlpScorer`]: any MLP (Linear first layer) on any data.
    Batched,
    /// [`EngineScorer`]: the engine's graph, any model, one candidate at a time (the slow
    /// twin every fast path is tested against).
    Engine,
}

impl ScorerPath {
    /// The path [`ScorerPath::Auto`] takes for these arguments: [`ScorerPath::Fused`] when
    /// `spec` is an XOR preset's model, `x` the centred XOR points, `y` the preset's targets
    /// and the preset's kernel has `loss`; else [`ScorerPath::Batched`].
    pub fn auto(
        spec: &ModelSpec,
        loss: Loss,
        x: ArrayView2<'_, f32>,
        y: ArrayView2<'_, f32>,
    ) -> ScorerPath {
        match xor_preset(spec, loss, x, y) {
            Some(_) => ScorerPath::Fused,
            None => ScorerPath::Batched,
        }
    }
}

/// The preset whose fused kernel scores exactly this problem, if any.
fn xor_preset(
    spec: &ModelSpec,
    loss: Loss,
    x: ArrayView2<'_, f32>,
    y: ArrayView2<'_, f32>,
) -> Option<Preset> {
    let preset = Preset::from_spec(spec).ok()?;
    let is_xor = x.dim() == (INPUTS.len(), 2)
        && x.rows()
            .into_iter()
            .zip(INPUTS)
            .all(|(r, p)| r.iter().eq(&p))
        && y.dim() == (INPUTS.len(), preset.output_len())
        && y.iter().eq(preset.targets().iter());
    (is_xor && preset.fused_losses().contains(&loss)).then_some(preset)
}

/// The scorer of `spec` under `loss` on inputs `x` and targets `y` (rows × outputs, one-hot
/// for cross-entropy): the fused kernel for the XOR presets on the XOR data, the batched MLP
/// path otherwise, on the best ISA (or `INITSIFT_ISA`'s). [`scorer_with`] chooses the path
/// and the ISA.
///
/// ```
/// use initsift_batch::score::scorer_for;
/// use initsift_init::select::{BestOfN, select};
/// use initsift_init::{InitPlan, Stream};
/// use initsift_nn::{Loss, ModelSpec};
/// use ndarray::array;
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let spec = ModelSpec::relu1();
/// let x = array![[-1.0f32, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]];
/// let y = array![[0.0f32], [1.0], [1.0], [0.0]];
/// let scorer = scorer_for(&spec, Loss::Mse, x.view(), y.view())?; // the fused kernel
/// let stream = Stream::new(&spec, &InitPlan::relu1(), 7)?;
/// let sel = select(&BestOfN { n: 10_000, count: 1 }.into(), &*scorer, &stream)?;
/// assert_eq!(sel.picks[0].params(&stream)?.len(), 6);
/// # Ok(()) }
/// ```
pub fn scorer_for(
    spec: &ModelSpec,
    loss: Loss,
    x: ArrayView2<'_, f32>,
    y: ArrayView2<'_, f32>,
) -> Result<Box<dyn Scorer + Send>, ScoreError> {
    scorer_with(ScorerPath::Auto, None, spec, loss, x, y)
}

/// The scorer of [`scorer_for`] on the given `path`, its kernels on a forced `isa` (`None`:
/// the best, or `INITSIFT_ISA`'s; the engine has no ISA). A path that cannot run the
/// problem is an error naming why.
pub fn scorer_with(
    path: ScorerPath,
    isa: Option<Isa>,
    spec: &ModelSpec,
    loss: Loss,
    x: ArrayView2<'_, f32>,
    y: ArrayView2<'_, f32>,
) -> Result<Box<dyn Scorer + Send>, ScoreError> {
    check_data(spec, x, y)?;
    let path = match path {
        ScorerPath::Auto => ScorerPath::auto(spec, loss, x, y),
        other => other,
    };
    Ok(match path {
        ScorerPath::Fused => {
            let preset =
                xor_preset(spec, loss, x, y).ok_or_else(|| ScoreError::UnsupportedModel {
                    model: spec.name().to_string(),
                    reason: format!(
                        "the fused kernels score abs1, relu1 and relu2 on the four centred \
                         XOR points under their own losses, not this model, data and {loss}"
                    ),
                })?;
            Box::new(FusedScorer::new(preset, loss)?.with_isa(isa)?)
        }
        ScorerPath::Engine => Box::new(EngineScorer::new(spec, loss, x, y)?),
        ScorerPath::Batched | ScorerPath::Auto => {
            Box::new(MlpScorer::new(spec, loss, x, y)?.with_isa(isa)?)
        }
    })
}
