//! A run's Linear layers, feature-major (`[width, rows]`, rows contiguous), as products of
//! [`gemm`](super::gemm): forward `W·X`, weight gradient `dY·Xᵀ` (from the input row-major),
//! input gradient `Wᵀ·dY`; bias gradients are row sums.
//!
//! Every product sums over its inner index in order (see `gemm`); a row sum adds 16
//! interleaved partial sums in a fixed tree. Rust never fuses `a*b + c`, so every ISA gives
//! the same bits.

use super::gemm::{Dims, Init, Mat, MatMut, gemm, transpose};
use crate::Isa;

/// Partial sums of a row reduction.
const LANES: usize = 16;

/// A Linear layer's weights `[outputs, inputs]` (row-major) and optional bias, in a run's
/// flat parameters.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dense<'a> {
    pub(crate) w: &'a [f32],
    pub(crate) b: Option<&'a [f32]>,
    pub(crate) inputs: usize,
    pub(crate) outputs: usize,
}

/// `out[j] = Σₖ W[j][k]·input[k] + b[j]` over `rows` columns (`input` is `inputs × rows`).
pub(crate) fn forward(isa: Isa, layer: Dense<'_>, input: Mat<'_>, rows: usize, out: &mut [f32]) {
    let init = match layer.b {
        Some(b) => Init::Bias(b),
        None => Init::Zero,
    };
    gemm(
        isa,
        Mat {
            data: layer.w,
            stride: layer.inputs,
        },
        input,
        MatMut {
            data: out,
            stride: rows,
        },
        Dims {
            m: layer.outputs,
            depth: layer.inputs,
            n: rows,
        },
        init,
    );
}

/// Adds `dW[j][k] += Σᵣ d_out[j][r]·input[r][k]` and `db[j] += Σᵣ d_out[j][r]` into `grad_w`
/// and `grad_b` (`input_rows` is the layer's input row-major, `rows × inputs`), and when
/// asked writes `d_in[k] = Σⱼ W[j][k]·d_out[j]` (`weights_t` is a buffer for `Wᵀ`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn backward(
    isa: Isa,
    layer: Dense<'_>,
    input_rows: Mat<'_>,
    d_out: &[f32],
    rows: usize,
    grad_w: &mut [f32],
    grad_b: Option<&mut [f32]>,
    d_in: Option<(&mut [f32], &mut Vec<f32>)>,
) {
    let Dense {
        w, inputs, outputs, ..
    } = layer;
    gemm(
        isa,
        Mat {
            data: d_out,
            stride: rows,
        },
        input_rows,
        MatMut {
            data: grad_w,
            stride: inputs,
        },
        Dims {
            m: outputs,
            depth: rows,
            n: inputs,
        },
        Init::Accumulate,
    );
    if let Some(gb) = grad_b {
        add_row_sums(isa, d_out, rows, gb);
    }
    if let Some((d_in, weights_t)) = d_in {
        weights_t.resize(w.len(), 0.0);
        transpose(isa, w, outputs, inputs, weights_t);
        gemm(
            isa,
            Mat {
                data: weights_t,
                stride: outputs,
            },
            Mat {
                data: d_out,
                stride: rows,
            },
            MatMut {
                data: d_in,
                stride: rows,
            },
            Dims {
                m: inputs,
                depth: outputs,
                n: rows,
            },
            Init::Zero,
        );
    }
}

crate::isa_dispatch! {
    /// `out[j] += Σᵣ a[j][r]` for each row of `a` (`out.len()` rows of `rows`): a bias
    /// gradient.
    pub(crate) fn add_row_sums(a: &[f32], rows: usize, out: &mut [f32]) {
        for (o, row) in out.iter_mut().zip(a.chunks_exact(rows)) {
            *o += sum(row);
        }
    }
}

/// Σ a in [`LANES`] interleaved partial sums, then the partials in a fixed tree, then the
/// tail in order.
#[inline(always)]
fn sum(a: &[f32]) -> f32 {
    let mut acc = [0.0f32; LANES];
    let ca = a.chunks_exact(LANES);
    let tail = ca.remainder();
    for x in ca {
        for l in 0..LANES {
            acc[l] += x[l];
        }
    }
    tail.iter().fold(tree(acc), |s, x| s + x)
}

/// The 16 partial sums added pairwise: (0+8, 1+9, …), then halves again.
#[inline(always)]
fn tree(mut acc: [f32; LANES]) -> f32 {
    let mut width = LANES;
    while width > 1 {
        width /= 2;
        for l in 0..width {
            acc[l] += acc[l + width];
        }
    }
    acc[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The layers against plain f64 loops, on a shape with a tail (rows not a multiple of 16).
    #[test]
    fn layers_match_plain_loops_and_every_isa_gives_the_same_bits() {
        let (inputs, outputs, rows) = (7, 5, 37);
        let val = |i: usize| ((i * 37 + 11) % 23) as f32 * 0.11 - 1.2;
        let w: Vec<f32> = (0..inputs * outputs).map(val).collect();
        let b: Vec<f32> = (0..outputs).map(|i| val(i + 500)).collect();
        let x: Vec<f32> = (0..inputs * rows).map(|i| val(i + 900)).collect();
        let d: Vec<f32> = (0..outputs * rows).map(|i| val(i + 1700)).collect();
        let layer = Dense {
            w: &w,
            b: Some(&b),
            inputs,
            outputs,
        };
        let mut results = Vec::new();
        for isa in Isa::available() {
            let mut out = vec![0.0; outputs * rows];
            let input = Mat {
                data: &x,
                stride: rows,
            };
            forward(isa, layer, input, rows, &mut out);
            let (mut gw, mut gb, mut dx) =
                (vec![0.5; w.len()], vec![0.25; outputs], vec![0.0; x.len()]);
            let mut x_rows = vec![0.0; x.len()];
            transpose(isa, &x, inputs, rows, &mut x_rows);
            let input_rows = Mat {
                data: &x_rows,
                stride: inputs,
            };
            backward(
                isa,
                layer,
                input_rows,
                &d,
                rows,
                &mut gw,
                Some(&mut gb),
                Some((&mut dx, &mut Vec::new())),
            );
            results.push((out, gw, gb, dx));
        }
        assert!(
            results.iter().all(|r| *r == results[0]),
            "ISA clones differ"
        );
        let (out, gw, gb, dx) = &results[0];
        let close = |a: f32, b: f64| (f64::from(a) - b).abs() <= 1e-5 * (1.0 + b.abs());
        for j in 0..outputs {
            for r in 0..rows {
                let want: f64 = (0..inputs)
                    .map(|k| f64::from(w[j * inputs + k]) * f64::from(x[k * rows + r]))
                    .sum::<f64>()
                    + f64::from(b[j]);
                assert!(close(out[j * rows + r], want));
            }
            let want_b = 0.25 + (0..rows).map(|r| f64::from(d[j * rows + r])).sum::<f64>();
            assert!(close(gb[j], want_b));
            for k in 0..inputs {
                let want = 0.5
                    + (0..rows)
                        .map(|r| f64::from(d[j * rows + r]) * f64::from(x[k * rows + r]))
                        .sum::<f64>();
                assert!(close(gw[j * inputs + k], want));
            }
        }
        for k in 0..inputs {
            for r in 0..rows {
                let want: f64 = (0..outputs)
                    .map(|j| f64::from(w[j * inputs + k]) * f64::from(d[j * rows + r]))
                    .sum();
                assert!(close(dx[k * rows + r], want));
            }
        }
    }
}
