//! The checked inputs every method shares: model, loss, data in f64, base parameters, and the
//! graph pieces (parameters declared once, a loss on a batch through them).

use initsift_nn::{Layer, Loss, ModelSpec, ParamBlock, ParamKind};
use initsift_tensor::{Graph, NodeId, Shape};
use ndarray::{Array2, ArrayView2, Axis};

use crate::error::{Error, Result};

/// The data a method runs on: inputs, targets (one-hot rows for cross-entropy) and the loss.
#[derive(Debug, Clone, Copy)]
pub struct Data<'a> {
    /// Inputs `[n × input_dim]`.
    pub x: ArrayView2<'a, f32>,
    /// Targets `[n × output_dim]`.
    pub y: ArrayView2<'a, f32>,
    /// The loss of the task (LSUV does not use it).
    pub loss: Loss,
}

impl<'a> Data<'a> {
    /// Inputs, targets and loss.
    pub fn new(x: ArrayView2<'a, f32>, y: ArrayView2<'a, f32>, loss: Loss) -> Self {
        Self { x, y, loss }
    }
}

/// Checked model, loss, data and base parameters (in f64).
pub(crate) struct Problem<'a> {
    pub spec: ModelSpec,
    pub loss: Loss,
    pub layout: Vec<ParamBlock>,
    pub x: ArrayView2<'a, f32>,
    pub y: ArrayView2<'a, f32>,
    pub base: Vec<f64>,
}

impl<'a> Problem<'a> {
    /// Checks everything a method needs; `uses_loss` is false for LSUV, which reads neither
    /// the targets nor the loss, and only the first rows of the inputs, whose values it checks
    /// itself ([`finite_rows`]).
    pub fn new(spec: &ModelSpec, base: &[f32], data: Data<'a>, uses_loss: bool) -> Result<Self> {
        if !spec
            .layers()
            .iter()
            .any(|l| matches!(l, Layer::Linear { .. }))
        {
            return Err(Error::NoLinearLayers {
                model: spec.name().to_string(),
            });
        }
        spec.check_params(base)?;
        finite("base parameters", base)?;
        let width = |what, expected, actual| {
            if expected == actual {
                Ok(())
            } else {
                Err(Error::BatchWidth {
                    what,
                    model: spec.name().to_string(),
                    expected,
                    actual,
                })
            }
        };
        width("inputs", spec.input_dim(), data.x.ncols())?;
        width("targets", spec.output_dim(), data.y.ncols())?;
        let (inputs, targets) = (data.x.nrows(), data.y.nrows());
        if inputs != targets || inputs == 0 {
            return Err(Error::Rows { inputs, targets });
        }
        if uses_loss {
            finite_view("inputs", data.x)?;
            finite_view("targets", data.y)?;
            check_loss(spec, data)?;
        }
        Ok(Self {
            spec: spec.clone(),
            loss: data.loss,
            layout: spec.param_layout(),
            x: data.x,
            y: data.y,
            base: base.iter().map(|&v| f64::from(v)).collect(),
        })
    }

    /// Rows of the data.
    pub fn rows(&self) -> usize {
        self.x.nrows()
    }

    /// The `k`-th chunk of `m` rows of the data taken in order and cyclically (rows
    /// `(k·m + i) mod n`), as a data loader without shuffling that restarts when exhausted.
    pub fn chunk(&self, k: usize, m: usize) -> (Array2<f64>, Array2<f64>) {
        let n = self.rows();
        let rows: Vec<usize> = (0..m).map(|i| (k * m + i) % n).collect();
        let take = |a: &ArrayView2<'_, f32>| a.select(Axis(0), &rows).mapv(f64::from);
        (take(&self.x), take(&self.y))
    }

    /// α_min per tensor: `min_scale` for weights, 0 for biases (the official groups).
    pub fn min_scales(&self, min_scale: f64) -> Vec<f64> {
        self.layout
            .iter()
            .map(|b| match b.kind {
                ParamKind::Weight => min_scale,
                ParamKind::Bias => 0.0,
            })
            .collect()
    }
}

fn finite(what: &'static str, values: &[f32]) -> Result<()> {
    if all_finite(values) {
        return Ok(());
    }
    let (index, &value) = values
        .iter()
        .enumerate()
        .find(|(_, v)| !v.is_finite())
        .expect("all_finite found one");
    Err(Error::NonFinite { what, index, value })
}

/// Whether every value is finite, in a branch-free integer fold that vectorizes: a value is
/// not finite exactly when its exponent bits are all ones, and then adding one to the
/// exponent field carries into bit 31.
fn all_finite(values: &[f32]) -> bool {
    const EXPONENT: u32 = 0x7F80_0000;
    const EXPONENT_ONE: u32 = 1 << 23;
    let carries = values.iter().fold(0u32, |acc, v| {
        acc | ((v.to_bits() & EXPONENT) + EXPONENT_ONE)
    });
    carries & 0x8000_0000 == 0
}

/// [`finite`] over the first `rows` inputs of `x`, the rows LSUV reads (flat indices are
/// then those of the whole `x`).
pub(crate) fn finite_rows(x: ArrayView2<'_, f32>, rows: usize) -> Result<()> {
    finite_view("inputs", x.slice(ndarray::s![..rows, ..]))
}

/// [`finite`] over a view (flat indices in row-major order).
fn finite_view(what: &'static str, values: ArrayView2<'_, f32>) -> Result<()> {
    match values.as_slice() {
        Some(s) => finite(what, s),
        None => finite(what, &values.iter().copied().collect::<Vec<_>>()),
    }
}

fn check_loss(spec: &ModelSpec, data: Data<'_>) -> Result<()> {
    let bad = |reason: String| {
        Err(Error::Loss {
            loss: data.loss,
            reason,
        })
    };
    match data.loss {
        Loss::CrossEntropy if spec.output_dim() < 2 => bad(format!(
            "model {} has one output, and cross-entropy over one column is constantly 0",
            spec.name()
        )),
        Loss::BceWithLogits => match data.y.iter().find(|t| !(0.0..=1.0).contains(*t)) {
            Some(t) => bad(format!("target {t} is outside [0, 1]")),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

/// Declares one parameter node per block of the layout, in order.
pub(crate) fn declare_params(g: &mut Graph, layout: &[ParamBlock]) -> Result<Vec<NodeId>> {
    layout
        .iter()
        .map(|b| Ok(g.param(Shape::new(b.rows, b.cols))?))
        .collect()
}

/// Declares inputs for a batch of `rows` and appends the loss of the model through `params`.
pub(crate) fn batch_loss(
    g: &mut Graph,
    spec: &ModelSpec,
    loss: Loss,
    params: &[NodeId],
    rows: usize,
) -> Result<NodeId> {
    let x = g.input(Shape::new(rows, spec.input_dim()))?;
    let y = g.input(Shape::new(rows, spec.output_dim()))?;
    let out = spec.forward_with(g, x, params)?;
    Ok(loss.build(g, out, y)?)
}

/// dJ/dα_k = ⟨∇_{θ_k} J, θ_k⁽⁰⁾⟩ for θ_k = α_k·θ_k⁽⁰⁾, from the gradient's flat values.
pub(crate) fn scale_gradient(layout: &[ParamBlock], grads: &[&[f64]], base: &[f64]) -> Vec<f64> {
    layout
        .iter()
        .zip(grads)
        .map(|(b, g)| g.iter().zip(&base[b.range()]).map(|(g, t)| g * t).sum())
        .collect()
}

/// `torch.sign`: −1, 0 or +1 (Rust's `signum` gives +1 at 0).
pub(crate) fn torch_sign(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// The point an objective was last evaluated at, kept so that the derivative asked for next
/// is evaluated at the same parameters and batch.
pub(crate) struct Feed {
    pub theta: Vec<f64>,
    pub x: Array2<f64>,
    pub y: Array2<f64>,
}

impl Feed {
    pub fn new(theta: &[f64], x: ArrayView2<'_, f64>, y: ArrayView2<'_, f64>) -> Self {
        Self {
            theta: theta.to_vec(),
            x: x.to_owned(),
            y: y.to_owned(),
        }
    }
}
