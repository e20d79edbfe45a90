//! A `Dataset` turned into the inputs and target matrix a loss needs, with every check that
//! names a bad value: width, NaN/Inf, targets that do not fit the loss or the outputs.

use initsift_data::{Dataset, Targets};
use initsift_nn::{Loss, ModelSpec};
use ndarray::{Array2, ArrayView2};

use super::error::{MlpTrainError, MlpTrainResult};
use super::gemm::transpose;
use crate::Isa;
use crate::mlp::loss::TileLoss;

/// Inputs and targets in the form the engine takes them (rows × features, rows × outputs).
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub(crate) name: String,
    pub(crate) x: Array2<f32>,
    pub(crate) y: Array2<f32>,
    /// Regression data: Σ (y − ȳ)², the denominator of R².
    pub(crate) total_squares: Option<f64>,
}

/// Checks `data` against `spec` and `loss` and builds its target matrix: one-hot rows for a
/// multi-output model on classes, the class index (0/1) or real value for a one-output model.
pub(crate) fn prepare(
    spec: &ModelSpec,
    loss: Loss,
    data: &Dataset,
    role: &'static str,
) -> MlpTrainResult<Prepared> {
    let name = data.name().to_string();
    if data.n_features() != spec.input_dim() {
        return Err(MlpTrainError::DataWidth {
            model: spec.name().to_string(),
            data: name,
            expected: spec.input_dim(),
            actual: data.n_features(),
        });
    }
    if data.n_samples() == 0 {
        return Err(MlpTrainError::EmptyData { data: name, role });
    }
    check_finite(&name, "feature", data.features().view())?;
    let k = spec.output_dim();
    let bad = |reason: String| MlpTrainError::Targets {
        data: name.clone(),
        loss,
        model: spec.name().to_string(),
        reason,
    };
    let (y, total_squares) = match data.targets() {
        Targets::Real(values) => {
            if loss != Loss::Mse {
                return Err(bad(
                    "real-valued (regression) targets; only mse takes them".into()
                ));
            }
            if k != 1 {
                return Err(bad(format!(
                    "one real target per row, but the model has {k} outputs"
                )));
            }
            let y = data.target_column();
            check_finite(&name, "target", y.view())?;
            let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / values.len() as f64;
            let ss = values.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum();
            (y, Some(ss))
        }
        Targets::Classes { labels, .. } => {
            // A one-output model takes classes 0 and 1 (CE on one logit has only class 0).
            let width = match (k, loss) {
                (1, Loss::CrossEntropy) => 1,
                (1, _) => 2,
                (k, _) => k,
            };
            if let Some((row, label)) = labels.iter().enumerate().find(|(_, l)| **l >= width) {
                return Err(bad(format!(
                    "class index {label} at row {row} is past the output width ({k} output{}, \
                     classes 0..{width})",
                    if k == 1 { "" } else { "s" },
                )));
            }
            let y = if k == 1 {
                data.target_column()
            } else {
                initsift_data::one_hot(labels, k).map_err(|e| bad(e.to_string()))?
            };
            (y, None)
        }
    };
    Ok(Prepared {
        name,
        x: data.features().as_standard_layout().into_owned(),
        y: y.as_standard_layout().into_owned(),
        total_squares,
    })
}

/// Inputs and a target matrix given as arrays (rows × features, rows × outputs), e.g. an
/// autoencoder's, whose targets are its inputs. Under MSE, R²'s denominator is taken over all
/// outputs with one grand mean (R² = 1 − MSE / Var(y)); for one output that is the usual R².
pub(crate) fn prepare_arrays(
    spec: &ModelSpec,
    loss: Loss,
    name: &str,
    x: ArrayView2<'_, f32>,
    y: ArrayView2<'_, f32>,
    role: &'static str,
) -> MlpTrainResult<Prepared> {
    let data = name.to_string();
    if x.ncols() != spec.input_dim() {
        return Err(MlpTrainError::DataWidth {
            model: spec.name().to_string(),
            data,
            expected: spec.input_dim(),
            actual: x.ncols(),
        });
    }
    if x.nrows() == 0 {
        return Err(MlpTrainError::EmptyData { data, role });
    }
    let bad = |reason: String| MlpTrainError::Targets {
        data: data.clone(),
        loss,
        model: spec.name().to_string(),
        reason,
    };
    if y.dim() != (x.nrows(), spec.output_dim()) {
        return Err(bad(format!(
            "a {} × {} target matrix for {} rows and {} outputs",
            y.nrows(),
            y.ncols(),
            x.nrows(),
            spec.output_dim()
        )));
    }
    check_finite(name, "feature", x)?;
    check_finite(name, "target", y)?;
    let total_squares = (loss == Loss::Mse).then(|| {
        let n = y.len() as f64;
        let mean = y.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
        let squares: f64 = y.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum();
        squares / y.ncols() as f64
    });
    Ok(Prepared {
        name: data,
        x: x.as_standard_layout().into_owned(),
        y: y.as_standard_layout().into_owned(),
        total_squares,
    })
}

/// Training rows gathered in one order (an epoch's, a minibatch's), in both layouts the
/// passes read, and the loss on their targets: a minibatch is then a range of rows.
#[derive(Debug, Clone)]
pub(crate) struct Gathered {
    /// `rows × inputs`, row-major.
    pub(crate) x_rows: Vec<f32>,
    /// `inputs × rows` (feature-major).
    pub(crate) x_columns: Vec<f32>,
    /// How many rows.
    pub(crate) count: usize,
    /// The loss on the gathered rows' targets.
    pub(crate) loss: TileLoss,
    y: Vec<f32>,
}

impl Gathered {
    /// The rows `order` of `data`.
    pub(crate) fn new(data: &Prepared, loss: Loss, order: &[usize]) -> Self {
        let (mut x_rows, mut x_columns, mut y) = (Vec::new(), Vec::new(), Vec::new());
        let loss = fill(data, loss, order, (&mut x_rows, &mut x_columns, &mut y));
        Self {
            x_rows,
            x_columns,
            count: order.len(),
            loss,
            y,
        }
    }

    /// The rows `order` of `data` in `slot`, reusing its buffers.
    pub(crate) fn into_slot<'s>(
        slot: &'s mut Option<Self>,
        data: &Prepared,
        loss: Loss,
        order: &[usize],
    ) -> &'s mut Self {
        match slot {
            Some(g) => {
                let buffers = (&mut g.x_rows, &mut g.x_columns, &mut g.y);
                g.loss = fill(data, loss, order, buffers);
                g.count = order.len();
                g
            }
            None => slot.insert(Self::new(data, loss, order)),
        }
    }
}

/// Gathers the rows `order` of `data` into `(x_rows, x_columns, y)`; the loss on their targets.
fn fill(
    data: &Prepared,
    loss: Loss,
    order: &[usize],
    (x_rows, x_columns, y): (&mut Vec<f32>, &mut Vec<f32>, &mut Vec<f32>),
) -> TileLoss {
    let (d, k) = (data.x.ncols(), data.y.ncols());
    let x = data.x.as_slice().expect("standard layout");
    let targets = data.y.as_slice().expect("standard layout");
    x_rows.clear();
    y.clear();
    for &r in order {
        x_rows.extend_from_slice(&x[r * d..(r + 1) * d]);
        y.extend_from_slice(&targets[r * k..(r + 1) * k]);
    }
    x_columns.resize(x_rows.len(), 0.0);
    // A copy: every ISA's clone moves the same values.
    transpose(Isa::best(), x_rows, order.len(), d, x_columns);
    let y = ArrayView2::from_shape((order.len(), k), y).expect("rows × outputs targets");
    TileLoss::new(loss, y)
}

fn check_finite(data: &str, what: &'static str, a: ArrayView2<'_, f32>) -> MlpTrainResult<()> {
    match a.indexed_iter().find(|(_, v)| !v.is_finite()) {
        None => Ok(()),
        Some(((row, column), &value)) => Err(MlpTrainError::NonFinite {
            data: data.to_string(),
            what,
            row,
            column,
            value,
        }),
    }
}
