//! The batched forward (and backward) pass of a task's candidates over the data, in row tiles,
//! feature-major: a layer's values for a tile are `[width, rows]`, so bias, activation and loss
//! loops run along contiguous tile rows and vectorize.
//!
//! The first Linear layer of every candidate sees the same inputs, so the task's first-layer
//! weights are stacked into one `[B·h, in]` matrix and multiplied by the tile's inputs in one
//! wide product; candidate c's first-layer values are then rows `c·h..(c+1)·h` of it. Later
//! layers are per-candidate products `W·A`. Forward products up to the engine's depth block
//! ([`ENGINE_DEPTH_BLOCK`]) run on the trainer's register-tiled [`gemm`] (no packing; the
//! engine's bits, see there), deeper ones on matrixmultiply (ndarray's `general_mat_mul`) as the
//! engine does; activations run in the ISA's clone. The backward pass (gradient norms only)
//! stays on matrixmultiply: its accumulating products round as matrixmultiply's `β = 1`
//! does, and the stacked first-layer gradient is one sgemm per tile too.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2, ArrayViewMut2, Axis, ShapeBuilder, s};

use super::loss::{LossScratch, TileLoss};
use super::net::{Step, derivative};
use crate::Isa;
use crate::mlp_train::gemm::{ENGINE_DEPTH_BLOCK, Mat};
use crate::mlp_train::kernel::act_forward;
use crate::mlp_train::layers::{self, Dense};

/// Per-thread buffers, reused across tasks.
#[derive(Default)]
pub(crate) struct Scratch {
    stacked: Array2<f32>,
    zcat: Array2<f32>,
    dzcat: Array2<f32>,
    dstacked: Array2<f32>,
    /// Each step's output for one candidate and tile, `[width, rows]`.
    vals: Vec<Array2<f32>>,
    deltas: Vec<Array2<f32>>,
    grads: Vec<f32>,
    loss: LossScratch,
}

/// Resizes `a` to rows × cols (contents unspecified) without reallocating when it fits.
pub(crate) fn shape(a: &mut Array2<f32>, rows: usize, cols: usize) {
    if a.dim() != (rows, cols) {
        *a = Array2::zeros((rows, cols));
    }
}

/// The model and data a task runs on.
pub(crate) struct Problem<'a> {
    pub(crate) steps: &'a [Step],
    pub(crate) x: ArrayView2<'a, f32>,
    /// `x` transposed (`[in, rows]`, standard layout): the first layer's right operand.
    pub(crate) xt: ArrayView2<'a, f32>,
    pub(crate) loss: &'a TileLoss,
    pub(crate) tile: usize,
    pub(crate) param_len: usize,
    pub(crate) isa: Isa,
}

/// Per candidate: (loss, accuracy, gradient norm or NaN).
pub(crate) type Scored = (f32, f32, f32);

/// Running totals of one candidate over the tiles.
#[derive(Clone, Copy, Default)]
struct Totals {
    sum: f32,
    correct: usize,
}

impl Problem<'_> {
    /// Scores the candidates in `theta` (candidate-major) into `out`.
    pub(crate) fn run(&self, theta: &[f32], want_grad: bool, sc: &mut Scratch, out: &mut [Scored]) {
        let p = self.param_len;
        let b_count = out.len();
        let Step::Linear {
            weight,
            bias,
            inputs,
            outputs: h,
        } = self.steps[0]
        else {
            unreachable!("MlpScorer::new checks that the first step is Linear")
        };
        // Stack the first-layer weights: row c·h + o is unit o of candidate c.
        shape(&mut sc.stacked, b_count * h, inputs);
        for c in 0..b_count {
            let w = &theta[c * p + weight..c * p + weight + h * inputs];
            sc.stacked
                .slice_mut(s![c * h..(c + 1) * h, ..])
                .as_slice_mut()
                .expect("rows of a standard-layout array")
                .copy_from_slice(w);
        }
        if want_grad {
            sc.grads.clear();
            sc.grads.resize(b_count * p, 0.0);
            shape(&mut sc.dstacked, b_count * h, inputs);
            sc.dstacked.fill(0.0);
        }
        let mut totals = vec![Totals::default(); b_count];
        let n = self.x.nrows();
        let mut r0 = 0;
        while r0 < n {
            let r1 = (r0 + self.tile).min(n);
            let xt = self.x.slice(s![r0..r1, ..]);
            let rows = r1 - r0;
            shape(&mut sc.zcat, b_count * h, rows);
            let stacked = Dense {
                w: sc.stacked.as_slice().expect("standard layout"),
                b: None,
                inputs,
                outputs: b_count * h,
            };
            let x_columns = Mat {
                data: &self.xt.as_slice().expect("standard layout")[r0..],
                stride: n,
            };
            let zcat = sc.zcat.as_slice_mut().expect("standard layout");
            engine_forward(self.isa, stacked, x_columns, rows, zcat);
            if want_grad {
                shape(&mut sc.dzcat, b_count * h, rows);
            }
            for (c, total) in totals.iter_mut().enumerate() {
                let block = s![c * h..(c + 1) * h, ..];
                let grads = if want_grad {
                    &mut sc.grads[c * p..(c + 1) * p]
                } else {
                    &mut []
                };
                let tile = CandidateTile {
                    r0,
                    th: &theta[c * p..(c + 1) * p],
                    z1: sc.zcat.slice(block),
                    bias,
                };
                let dz1 = want_grad.then(|| sc.dzcat.slice_mut(block));
                let parts = (&mut sc.vals, &mut sc.deltas, &mut sc.loss);
                self.candidate_tile(tile, parts, dz1, grads, total);
            }
            if want_grad {
                general_mat_mul(1.0, &sc.dzcat, &xt, 1.0, &mut sc.dstacked);
            }
            r0 = r1;
        }
        for (c, (o, total)) in out.iter_mut().zip(&totals).enumerate() {
            let grad_norm = if want_grad {
                let g = &mut sc.grads[c * p..(c + 1) * p];
                g[weight..weight + h * inputs].copy_from_slice(
                    sc.dstacked
                        .slice(s![c * h..(c + 1) * h, ..])
                        .as_slice()
                        .expect("rows of a standard-layout array"),
                );
                // Block by block, as the engine's squared_norm: Σ per block, then the blocks.
                let mut squares = 0.0f32;
                for (lo, hi) in blocks(self.steps) {
                    squares += g[lo..hi].iter().fold(0.0f32, |s, v| s + v * v);
                }
                squares.sqrt()
            } else {
                f32::NAN
            };
            *o = (
                total.sum * self.loss.scale,
                (total.correct as f64 / n as f64) as f32,
                grad_norm,
            );
        }
    }

    /// One candidate on one tile: the first layer's bias, the later steps, the loss, and on
    /// request the backward pass down to the first layer's pre-activation gradient `dz1`.
    fn candidate_tile(
        &self,
        tile: CandidateTile<'_>,
        (vals, deltas, loss_scratch): Parts<'_>,
        dz1: Option<ArrayViewMut2<'_, f32>>,
        grads: &mut [f32],
        total: &mut Totals,
    ) {
        let steps = self.steps;
        let CandidateTile { r0, th, z1, bias } = tile;
        vals.resize_with(steps.len(), || Array2::zeros((0, 0)));
        deltas.resize_with(steps.len(), || Array2::zeros((0, 0)));
        let (h, rows) = z1.dim();
        shape(&mut vals[0], h, rows);
        vals[0].assign(&z1);
        if let Some(b) = bias {
            add_bias(
                vals[0].as_slice_mut().expect("standard layout"),
                rows,
                &th[b..b + h],
            );
        }
        for i in 1..steps.len() {
            let (done, rest) = vals.split_at_mut(i);
            forward_step(self.isa, steps[i], th, &done[i - 1], &mut rest[0]);
        }
        let last = steps.len() - 1;
        let k = vals[last].nrows();
        shape(&mut deltas[last], k, rows);
        let want_grad = dz1.is_some();
        self.loss.tile(
            self.isa,
            r0,
            vals[last].view(),
            loss_scratch,
            &mut total.sum,
            Some(&mut total.correct),
            want_grad.then(|| deltas[last].view_mut()),
        );
        let Some(mut dz1) = dz1 else { return };
        for i in (1..steps.len()).rev() {
            let (lower, upper) = deltas.split_at_mut(i);
            backward_step(
                steps[i],
                th,
                (&vals[i - 1], &vals[i]),
                &upper[0],
                &mut lower[i - 1],
                grads,
            );
        }
        if let Some(b) = bias {
            add_row_sums(&deltas[0], &mut grads[b..b + h]);
        }
        dz1.assign(&deltas[0]);
    }
}

/// What one candidate's tile starts from.
struct CandidateTile<'a> {
    r0: usize,
    th: &'a [f32],
    z1: ArrayView2<'a, f32>,
    bias: Option<usize>,
}

/// A candidate's step values, step gradients and loss buffers.
type Parts<'a> = (
    &'a mut Vec<Array2<f32>>,
    &'a mut Vec<Array2<f32>>,
    &'a mut LossScratch,
);

/// Adds `b[j]` to row j of `a`, `[width, rows]` row-major.
fn add_bias(a: &mut [f32], rows: usize, b: &[f32]) {
    for (row, &bj) in a.chunks_exact_mut(rows).zip(b) {
        row.iter_mut().for_each(|v| *v += bj);
    }
}

/// `out = W·input + b` (`input` is `inputs × rows`, `out` `outputs × rows`, row-major) with the
/// engine's bits: the trainer's [`gemm`] up to matrixmultiply's depth block, where the two
/// agree, and matrixmultiply itself beyond it.
fn engine_forward(isa: Isa, layer: Dense<'_>, input: Mat<'_>, rows: usize, out: &mut [f32]) {
    let Dense {
        w,
        b,
        inputs,
        outputs,
    } = layer;
    if inputs <= ENGINE_DEPTH_BLOCK {
        layers::forward(isa, layer, input, rows, out);
        return;
    }
    let w = ArrayView2::from_shape((outputs, inputs), w).expect("outputs × inputs");
    let x = ArrayView2::from_shape(
        (inputs, rows).strides((input.stride, 1)),
        &input.data[..(inputs - 1) * input.stride + rows],
    )
    .expect("inputs × rows, rows `stride` apart");
    let mut o = ArrayViewMut2::from_shape((outputs, rows), &mut *out).expect("outputs × rows");
    general_mat_mul(1.0, &w, &x, 0.0, &mut o);
    if let Some(b) = b {
        add_bias(out, rows, b);
    }
}

/// `out[j] += Σ_r a[j][r]` in row order (a bias gradient).
pub(crate) fn add_row_sums(a: &Array2<f32>, out: &mut [f32]) {
    for (row, o) in a.axis_iter(Axis(0)).zip(out) {
        *o += row.iter().fold(0.0f32, |s, v| s + v);
    }
}

/// Applies step `step` (not the first) to `input` (`[width, rows]`) into `output`.
fn forward_step(isa: Isa, step: Step, th: &[f32], input: &Array2<f32>, output: &mut Array2<f32>) {
    let rows = input.ncols();
    match step {
        Step::Linear {
            weight,
            bias,
            inputs,
            outputs,
        } => {
            shape(output, outputs, rows);
            let layer = Dense {
                w: &th[weight..weight + outputs * inputs],
                b: bias.map(|b| &th[b..b + outputs]),
                inputs,
                outputs,
            };
            let input = Mat {
                data: input.as_slice().expect("standard layout"),
                stride: rows,
            };
            let out = output.as_slice_mut().expect("standard layout");
            engine_forward(isa, layer, input, rows, out);
        }
        Step::Act(a) => {
            shape(output, input.nrows(), rows);
            let (out, inp) = (
                output.as_slice_mut().expect("standard layout"),
                input.as_slice().expect("standard layout"),
            );
            act_forward(isa, a, inp, out);
        }
        Step::Sum => {
            shape(output, 1, rows);
            output.fill(0.0);
            let out = output.as_slice_mut().expect("standard layout");
            for row in input.axis_iter(Axis(0)) {
                out.iter_mut().zip(row).for_each(|(o, &v)| *o += v);
            }
        }
    }
}

/// Back through step `step`: `d_out` is ∂L/∂output; writes ∂L/∂input into `d_in` and adds the
/// step's parameter gradients into `grads`.
pub(crate) fn backward_step(
    step: Step,
    th: &[f32],
    (input, output): (&Array2<f32>, &Array2<f32>),
    d_out: &Array2<f32>,
    d_in: &mut Array2<f32>,
    grads: &mut [f32],
) {
    shape(d_in, input.nrows(), input.ncols());
    match step {
        Step::Linear {
            weight,
            bias,
            inputs,
            outputs,
        } => {
            let w =
                ArrayView2::from_shape((outputs, inputs), &th[weight..weight + outputs * inputs])
                    .expect("the layout block has this shape");
            let mut dw = ArrayViewMut2::from_shape(
                (outputs, inputs),
                &mut grads[weight..weight + outputs * inputs],
            )
            .expect("the layout block has this shape");
            general_mat_mul(1.0, d_out, &input.t(), 1.0, &mut dw);
            if let Some(b) = bias {
                add_row_sums(d_out, &mut grads[b..b + outputs]);
            }
            general_mat_mul(1.0, &w.t(), d_out, 0.0, d_in);
        }
        Step::Act(a) => {
            ndarray::Zip::from(&mut *d_in)
                .and(d_out)
                .and(input)
                .and(output)
                .for_each(|di, &g, &x, &y| *di = g * derivative(a, x, y));
        }
        Step::Sum => {
            for mut row in d_in.axis_iter_mut(Axis(0)) {
                row.assign(&d_out.row(0));
            }
        }
    }
}

/// The parameter blocks (weight, bias) of the steps, as flat ranges in layout order.
fn blocks(steps: &[Step]) -> impl Iterator<Item = (usize, usize)> + '_ {
    steps.iter().flat_map(|s| match *s {
        Step::Linear {
            weight,
            bias,
            inputs,
            outputs,
        } => {
            let w = Some((weight, weight + inputs * outputs));
            let b = bias.map(|b| (b, b + outputs));
            [w, b].into_iter().flatten().collect::<Vec<_>>()
        }
        _ => Vec::new(),
    })
}
