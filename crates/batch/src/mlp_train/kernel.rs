//! One optimizer step's gradient for one run on a minibatch: the forward and backward passes,
//! feature-major (a layer's values are `[width, rows]`), in row tiles.
//!
//! Its Linear layers are small products ([`gemm`](super::gemm)) of the run's own weights with
//! the tile; activations and losses are the batched scorer's (`crate::mlp`). The first layer
//! reads the tile both feature-major (forward, `W₁·Xᵀ`) and row-major (weight gradient,
//! `dZ₁·X`); later layers transpose their input for the weight gradient. The runs of a batch
//! take their gradients one after another on the same rows, and the caller steps each run's
//! optimizer right after its gradient, while its parameters, gradient and moments are still in
//! cache. A run's numbers depend only on its parameters and the data, never on which other
//! runs share its batch.

use std::ops::Range;

use initsift_nn::Activation;
use ndarray::{ArrayView2, ArrayViewMut2};

use super::data::Gathered;
use super::gemm::{Mat, transpose};
use super::layers::{self, Dense};
use crate::Isa;
use crate::mlp::loss::{LossScratch, TileLoss};
use crate::mlp::net::{Step, activate, compile, derivative};

/// Rows per tile: a tile's inputs (in both layouts) stay in L1 while the runs read them.
pub(crate) const TILE_ROWS: usize = 64;

/// A `ModelSpec` as the trainer runs it: its steps, the first of them Linear, with offsets into
/// the flat parameter vector.
#[derive(Debug, Clone)]
pub(crate) struct Net {
    steps: Vec<Step>,
    /// Inputs.
    pub(crate) inputs: usize,
    /// First-layer units.
    pub(crate) hidden: usize,
    /// Parameters per run.
    pub(crate) param_len: usize,
}

impl Net {
    /// `spec`'s compiled steps, or `None` when the first step is not Linear.
    pub(crate) fn new(spec: &initsift_nn::ModelSpec) -> Option<Self> {
        let steps = compile(spec);
        let Some(&Step::Linear {
            inputs, outputs, ..
        }) = steps.first()
        else {
            return None;
        };
        Some(Self {
            steps,
            inputs,
            hidden: outputs,
            param_len: spec.param_len(),
        })
    }

    /// First-layer weights per run.
    pub(crate) fn first_len(&self) -> usize {
        self.hidden * self.inputs
    }
}

/// Per-thread buffers of the passes.
#[derive(Default)]
pub(crate) struct Scratch {
    /// Each step's output for one run and tile, `[width, rows]`.
    vals: Vec<Vec<f32>>,
    /// ∂L/∂ each step's output.
    deltas: Vec<Vec<f32>>,
    /// A layer's input, row-major (`[rows, width]`), for its weight gradient.
    input_rows: Vec<f32>,
    /// A layer's weights transposed, for its input gradient.
    weights_t: Vec<f32>,
    loss: LossScratch,
}

/// A tile's inputs, in both layouts.
#[derive(Debug, Clone, Copy)]
struct Inputs<'a> {
    /// `rows × inputs`, row-major.
    rows: Mat<'a>,
    /// `inputs × rows`, row-major (feature-major).
    columns: Mat<'a>,
    /// How many rows.
    count: usize,
}

/// One run's gradient on the gathered rows `range` of `data` under its loss, tile by tile,
/// into `grads` (overwritten), and its loss sum before the mean's factor added to `sum` (row
/// order, as the engine sums).
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_grads(
    net: &Net,
    isa: Isa,
    data: &Gathered,
    range: Range<usize>,
    params: &[f32],
    grads: &mut [f32],
    sum: &mut f32,
    sc: &mut Scratch,
) {
    let d = net.inputs;
    grads.fill(0.0);
    let mut r0 = range.start;
    while r0 < range.end {
        let rows = TILE_ROWS.min(range.end - r0);
        let tile = Inputs {
            rows: Mat {
                data: &data.x_rows[r0 * d..],
                stride: d,
            },
            columns: Mat {
                data: &data.x_columns[r0..],
                stride: data.count,
            },
            count: rows,
        };
        run_tile(net, isa, &data.loss, r0, tile, params, grads, sc, sum);
        r0 += rows;
    }
}

/// One run on one tile: the forward pass, the loss and its gradient, and the backward pass,
/// adding the run's parameter gradients into `grads`.
#[allow(clippy::too_many_arguments)]
fn run_tile(
    net: &Net,
    isa: Isa,
    loss: &TileLoss,
    r0: usize,
    x: Inputs<'_>,
    params: &[f32],
    grads: &mut [f32],
    sc: &mut Scratch,
    sum: &mut f32,
) {
    let steps = &net.steps;
    let rows = x.count;
    sc.vals.resize_with(steps.len(), Vec::new);
    sc.deltas.resize_with(steps.len(), Vec::new);
    let mut width = 0;
    for (i, &step) in steps.iter().enumerate() {
        let (done, later) = sc.vals.split_at_mut(i);
        let out = &mut later[0];
        match step {
            Step::Linear { outputs, .. } => {
                let input = match done.last() {
                    None => x.columns,
                    Some(v) => Mat {
                        data: v,
                        stride: rows,
                    },
                };
                out.resize(outputs * rows, 0.0);
                layers::forward(isa, dense(step, params), input, rows, out);
                width = outputs;
            }
            Step::Act(a) => {
                let input = done.last().expect("the first step is Linear");
                out.resize(input.len(), 0.0);
                act_forward(isa, a, input, out);
            }
            Step::Sum => {
                let input = done.last().expect("the first step is Linear");
                out.clear();
                out.resize(rows, 0.0);
                for row in input.chunks_exact(rows) {
                    out.iter_mut().zip(row).for_each(|(o, &v)| *o += v);
                }
                width = 1;
            }
        }
    }
    let last = steps.len() - 1;
    sc.deltas[last].resize(width * rows, 0.0);
    loss.tile(
        isa,
        r0,
        ArrayView2::from_shape((width, rows), &sc.vals[last]).expect("outputs × rows"),
        &mut sc.loss,
        sum,
        None,
        Some(
            ArrayViewMut2::from_shape((width, rows), &mut sc.deltas[last]).expect("outputs × rows"),
        ),
    );
    for i in (0..steps.len()).rev() {
        let (lower, upper) = sc.deltas.split_at_mut(i);
        let d_out = &upper[0];
        let input = if i == 0 { None } else { Some(&sc.vals[i - 1]) };
        match steps[i] {
            Step::Linear {
                weight,
                bias,
                inputs,
                outputs,
            } => {
                let input_rows = match input {
                    None => x.rows,
                    Some(v) => {
                        sc.input_rows.resize(v.len(), 0.0);
                        transpose(isa, v, inputs, rows, &mut sc.input_rows);
                        Mat {
                            data: &sc.input_rows,
                            stride: inputs,
                        }
                    }
                };
                let (gw, gb) = grads[weight..].split_at_mut(inputs * outputs);
                let gb = bias.map(|b| &mut gb[b - weight - inputs * outputs..][..outputs]);
                let d_in = lower.last_mut().map(|d| {
                    d.resize(inputs * rows, 0.0);
                    (d.as_mut_slice(), &mut sc.weights_t)
                });
                layers::backward(
                    isa,
                    dense(steps[i], params),
                    input_rows,
                    d_out,
                    rows,
                    gw,
                    gb,
                    d_in,
                );
            }
            Step::Act(a) => {
                let d_in = lower.last_mut().expect("the first step is Linear");
                d_in.resize(d_out.len(), 0.0);
                let x = input.expect("the first step is Linear");
                act_backward(isa, a, d_out, x, &sc.vals[i], d_in);
            }
            Step::Sum => {
                let d_in = lower.last_mut().expect("the first step is Linear");
                let x = input.expect("the first step is Linear");
                d_in.resize(x.len(), 0.0);
                d_in.chunks_exact_mut(rows)
                    .for_each(|row| row.copy_from_slice(d_out));
            }
        }
    }
}

/// The Linear layer `step` reads from `params`.
fn dense(step: Step, params: &[f32]) -> Dense<'_> {
    match step {
        Step::Linear {
            weight,
            bias,
            inputs,
            outputs,
        } => Dense {
            w: &params[weight..weight + inputs * outputs],
            b: bias.map(|b| &params[b..b + outputs]),
            inputs,
            outputs,
        },
        _ => unreachable!("dense is called on Linear steps"),
    }
}

crate::isa_dispatch! {
    /// `y = f(x)` elementwise, the activation matched once so each arm's loop is monomorphic
    /// and vectorizes (the engine's value, bit for bit).
    pub(crate) fn act_forward(a: Activation, x: &[f32], y: &mut [f32]) {
        match a {
            Activation::Relu => map(x, y, |x| activate(Activation::Relu, x)),
            Activation::Tanh => map(x, y, |x| activate(Activation::Tanh, x)),
            Activation::Identity => y.copy_from_slice(x),
            other => map(x, y, |x| activate(other, x)),
        }
    }
}

#[inline(always)]
fn map(x: &[f32], y: &mut [f32], f: impl Fn(f32) -> f32) {
    y.iter_mut().zip(x).for_each(|(y, &x)| *y = f(x));
}

crate::isa_dispatch! {
    /// `d_in = d_out · f'(x)` elementwise, the activation matched once so each arm's loop is
    /// monomorphic and vectorizes (the engine's derivative, bit for bit).
    fn act_backward(a: Activation, d_out: &[f32], x: &[f32], y: &[f32], d_in: &mut [f32]) {
        match a {
            Activation::Relu => each(d_out, x, y, d_in, |x, y| derivative(Activation::Relu, x, y)),
            Activation::Identity => d_in.copy_from_slice(d_out),
            Activation::Tanh => each(d_out, x, y, d_in, |x, y| derivative(Activation::Tanh, x, y)),
            Activation::Sigmoid => {
                each(d_out, x, y, d_in, |x, y| derivative(Activation::Sigmoid, x, y))
            }
            other => each(d_out, x, y, d_in, |x, y| derivative(other, x, y)),
        }
    }
}

#[inline(always)]
fn each(d_out: &[f32], x: &[f32], y: &[f32], d_in: &mut [f32], f: impl Fn(f32, f32) -> f32) {
    for (((di, &g), &x), &y) in d_in.iter_mut().zip(d_out).zip(x).zip(y) {
        *di = g * f(x, y);
    }
}
