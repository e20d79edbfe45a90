//! One optimizer step's gradients for a batch of runs that share a minibatch: the forward and
//! backward passes, feature-major (a layer's values are `[width, rows]`), in row tiles.
//!
//! The batch keeps its runs' first-layer weights stacked, `[runs·h, inputs]`, so the first
//! layer of every run is one wide sgemm `W₁·Xᵀ` per tile and its weight gradient one sgemm
//! `dZ₁·X` straight into the stacked gradient (accumulated over tiles). Later layers are
//! per-run sgemms; activations and losses are the batched scorer's (`crate::mlp`). Every
//! output element of an sgemm is one run's dot product over the same inner dimension, so a
//! run's numbers never depend on which other runs share its batch.

use initsift_nn::Activation;
use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2, ArrayViewMut2, s};

use super::layers::{self, Dense};
use crate::Isa;
use crate::mlp::kernel::{add_bias, backward_step, forward_step, shape};
use crate::mlp::loss::{LossScratch, TileLoss};
use crate::mlp::net::{Step, compile, derivative};

/// Rows per tile: a tile's stacked first-layer values stay in L2 while the runs read them.
pub(crate) const TILE_ROWS: usize = 128;

/// A `ModelSpec` split as the batch stores it: the first layer's weights `[h, inputs]`
/// (stacked across runs), and the rest of the flat vector (`first`'s bias, later layers).
#[derive(Debug, Clone)]
pub(crate) struct Net {
    /// Steps after the first, with offsets into the rest.
    rest_steps: Vec<Step>,
    /// Offset of the first layer's bias in the rest.
    first_bias: Option<usize>,
    /// First-layer units.
    pub(crate) hidden: usize,
    /// Inputs.
    pub(crate) inputs: usize,
    /// Rest length per run.
    pub(crate) rest_len: usize,
}

impl Net {
    /// The split of `spec`'s compiled steps, or `None` when the first step is not Linear.
    pub(crate) fn new(spec: &initsift_nn::ModelSpec) -> Option<Self> {
        let steps = compile(spec);
        let Some(&Step::Linear {
            bias,
            inputs,
            outputs,
            ..
        }) = steps.first()
        else {
            return None;
        };
        let first_len = inputs * outputs;
        let shift = |o: usize| o - first_len;
        let rest_steps = steps[1..]
            .iter()
            .map(|s| match *s {
                Step::Linear {
                    weight,
                    bias,
                    inputs,
                    outputs,
                } => Step::Linear {
                    weight: shift(weight),
                    bias: bias.map(shift),
                    inputs,
                    outputs,
                },
                other => other,
            })
            .collect();
        Some(Self {
            rest_steps,
            first_bias: bias.map(shift),
            hidden: outputs,
            inputs,
            rest_len: spec.param_len() - first_len,
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
    zcat: Array2<f32>,
    dzcat: Array2<f32>,
    vals: Vec<Array2<f32>>,
    deltas: Vec<Array2<f32>>,
    loss: LossScratch,
}

/// A batch's parameters and gradients, as [`minibatch_grads`] reads and writes them.
pub(crate) struct Runs<'a> {
    /// Stacked first-layer weights, `runs × h × inputs`.
    pub(crate) first: &'a [f32],
    /// The rest, `runs × rest_len`.
    pub(crate) rest: &'a [f32],
    /// Gradient of `first` (overwritten).
    pub(crate) grad_first: &'a mut [f32],
    /// Gradient of `rest` (overwritten).
    pub(crate) grad_rest: &'a mut [f32],
}

/// The gradients of every run in `runs` on the minibatch `x` (rows × inputs, standard layout)
/// under `loss` (whose targets are the minibatch's), and each run's loss sum before the mean's
/// factor added to `sums` (row order, as the engine sums).
pub(crate) fn minibatch_grads(
    net: &Net,
    isa: Isa,
    loss: &TileLoss,
    x: ArrayView2<'_, f32>,
    runs: Runs<'_>,
    sums: &mut [f32],
    sc: &mut Scratch,
) {
    let (h, q) = (net.hidden, net.rest_len);
    let count = sums.len();
    let w1 = ArrayView2::from_shape((count * h, net.inputs), runs.first)
        .expect("the stacked first layer has this shape");
    let mut gw1 = ArrayViewMut2::from_shape((count * h, net.inputs), runs.grad_first)
        .expect("the stacked gradient has this shape");
    runs.grad_rest.fill(0.0);
    let n = x.nrows();
    let mut r0 = 0;
    while r0 < n {
        let r1 = (r0 + TILE_ROWS).min(n);
        let xt = x.slice(s![r0..r1, ..]);
        let rows = r1 - r0;
        shape(&mut sc.zcat, count * h, rows);
        shape(&mut sc.dzcat, count * h, rows);
        general_mat_mul(1.0, &w1, &xt.t(), 0.0, &mut sc.zcat);
        for (c, sum) in sums.iter_mut().enumerate() {
            let block = s![c * h..(c + 1) * h, ..];
            let mut correct = 0;
            run_tile(
                net,
                isa,
                loss,
                r0,
                &runs.rest[c * q..(c + 1) * q],
                sc.zcat.slice(block),
                (&mut sc.vals, &mut sc.deltas, &mut sc.loss),
                sc.dzcat.slice_mut(block),
                &mut runs.grad_rest[c * q..(c + 1) * q],
                (sum, &mut correct),
            );
        }
        let beta = if r0 == 0 { 0.0 } else { 1.0 };
        general_mat_mul(1.0, &sc.dzcat, &xt, beta, &mut gw1);
        r0 = r1;
    }
}

/// One run on one tile: the first layer's bias, the later steps, the loss and its gradient,
/// and the backward pass down to the first layer's pre-activation gradient `dz1`.
#[allow(clippy::too_many_arguments)]
fn run_tile(
    net: &Net,
    isa: Isa,
    loss: &TileLoss,
    r0: usize,
    rest: &[f32],
    z1: ArrayView2<'_, f32>,
    (vals, deltas, loss_scratch): (
        &mut Vec<Array2<f32>>,
        &mut Vec<Array2<f32>>,
        &mut LossScratch,
    ),
    mut dz1: ArrayViewMut2<'_, f32>,
    grad_rest: &mut [f32],
    (sum, correct): (&mut f32, &mut usize),
) {
    let steps = &net.rest_steps;
    let n_vals = steps.len() + 1;
    vals.resize_with(n_vals, || Array2::zeros((0, 0)));
    deltas.resize_with(n_vals, || Array2::zeros((0, 0)));
    let (h, rows) = z1.dim();
    shape(&mut vals[0], h, rows);
    vals[0]
        .as_slice_mut()
        .expect("standard layout")
        .copy_from_slice(z1.to_slice().expect("a run's block of rows is contiguous"));
    if let Some(b) = net.first_bias {
        add_bias(&mut vals[0], &rest[b..b + h]);
    }
    for (i, &step) in steps.iter().enumerate() {
        let (done, later) = vals.split_at_mut(i + 1);
        match dense(step, rest) {
            Some(layer) => {
                shape(&mut later[0], layer.outputs, rows);
                let out = later[0].as_slice_mut().expect("standard layout");
                layers::forward(isa, layer, standard(&done[i]), rows, out);
            }
            None => forward_step(step, rest, &done[i], &mut later[0]),
        }
    }
    let last = n_vals - 1;
    let k = vals[last].nrows();
    shape(&mut deltas[last], k, rows);
    loss.tile(
        isa,
        r0,
        vals[last].view(),
        loss_scratch,
        sum,
        correct,
        Some(deltas[last].view_mut()),
    );
    for i in (0..steps.len()).rev() {
        let (lower, upper) = deltas.split_at_mut(i + 1);
        match steps[i] {
            Step::Linear {
                weight,
                bias,
                inputs,
                outputs,
            } => {
                shape(&mut lower[i], inputs, rows);
                let layer = dense(steps[i], rest).expect("a Linear step");
                let (gw, gb) = grad_rest[weight..].split_at_mut(inputs * outputs);
                let gb = bias.map(|b| &mut gb[b - weight - inputs * outputs..][..outputs]);
                layers::backward(
                    isa,
                    layer,
                    standard(&vals[i]),
                    standard(&upper[0]),
                    rows,
                    gw,
                    gb,
                    Some(lower[i].as_slice_mut().expect("standard layout")),
                );
            }
            Step::Act(a) => {
                shape(&mut lower[i], vals[i].nrows(), rows);
                act_backward(
                    isa,
                    a,
                    standard(&upper[0]),
                    standard(&vals[i]),
                    standard(&vals[i + 1]),
                    lower[i].as_slice_mut().expect("standard layout"),
                );
            }
            step => backward_step(
                step,
                rest,
                (&vals[i], &vals[i + 1]),
                &upper[0],
                &mut lower[i],
                grad_rest,
            ),
        }
    }
    if let Some(b) = net.first_bias {
        layers::add_row_sums(isa, standard(&deltas[0]), rows, &mut grad_rest[b..b + h]);
    }
    dz1.as_slice_mut()
        .expect("a run's block of rows is contiguous")
        .copy_from_slice(standard(&deltas[0]));
}

/// The Linear layer `step` reads from `rest`, if it is one.
fn dense(step: Step, rest: &[f32]) -> Option<Dense<'_>> {
    match step {
        Step::Linear {
            weight,
            bias,
            inputs,
            outputs,
        } => Some(Dense {
            w: &rest[weight..weight + inputs * outputs],
            b: bias.map(|b| &rest[b..b + outputs]),
            inputs,
            outputs,
        }),
        _ => None,
    }
}

/// The values of a standard-layout array.
pub(crate) fn standard(a: &Array2<f32>) -> &[f32] {
    a.as_slice().expect("standard layout")
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
