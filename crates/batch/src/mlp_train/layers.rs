//! The per-run Linear layers after the first, feature-major (`[width, rows]`, rows
//! contiguous): small matrix products written out so they vectorize along the rows without
//! the packing a general sgemm does for every call, which costs more than the arithmetic at
//! these sizes (e.g. 10×32 weights on 64 rows).
//!
//! Every sum has one fixed order, spelled out in the code (in-order over the inner index for
//! the products; 16 interleaved partial sums added in a fixed tree for the row reductions),
//! and Rust never fuses `a*b + c`, so every ISA clone gives the same bits.

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};

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

crate::isa_dispatch! {
    /// `out[j] = Σₖ W[j][k]·input[k] + b[j]` over `rows` columns.
    pub(crate) fn forward(layer: Dense<'_>, input: &[f32], rows: usize, out: &mut [f32]) {
    let Dense {
        w,
        b,
        inputs,
        outputs,
    } = layer;
    for j in 0..outputs {
        let acc = &mut out[j * rows..(j + 1) * rows];
        acc.fill(0.0);
        axpys(acc, &w[j * inputs..(j + 1) * inputs], 1, input, rows);
        if let Some(b) = b {
            let bj = b[j];
            acc.iter_mut().for_each(|v| *v += bj);
        }
    }
    }
}

crate::isa_dispatch! {
    /// Adds `dW[j][k] += Σᵣ d_out[j][r]·input[k][r]` and `db[j] += Σᵣ d_out[j][r]` into
    /// `grad_w` and `grad_b`, and writes `d_in[k] = Σⱼ W[j][k]·d_out[j]` when asked.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn backward(
        layer: Dense<'_>,
        input: &[f32],
        d_out: &[f32],
        rows: usize,
        grad_w: &mut [f32],
        grad_b: Option<&mut [f32]>,
        d_in: Option<&mut [f32]>,
    ) {
    let Dense {
        w, inputs, outputs, ..
    } = layer;
    // dW += d_out · inputᵀ: a reduction over the rows, where an sgemm's register tiles beat
    // per-element dot products (matrixmultiply sums each element over the rows in order).
    let d = ArrayView2::from_shape((outputs, rows), d_out).expect("d_out is outputs × rows");
    let x = ArrayView2::from_shape((inputs, rows), input).expect("input is inputs × rows");
    let mut gw = ArrayViewMut2::from_shape((outputs, inputs), grad_w).expect("grad_w shape");
    general_mat_mul(1.0, &d, &x.t(), 1.0, &mut gw);
    if let Some(gb) = grad_b {
        for (g, row) in gb.iter_mut().zip(d_out.chunks_exact(rows)) {
            *g += sum(row);
        }
    }
    if let Some(d_in) = d_in {
        for k in 0..inputs {
            let acc = &mut d_in[k * rows..(k + 1) * rows];
            acc.fill(0.0);
            // Column k of W: W[j][k] for j in order.
            axpys(acc, &w[k..], inputs, d_out, rows);
        }
    }
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

/// `acc += Σᵢ coef[i·stride]·x[i]` over the rows `x[i]` (each `rows` long), i in order;
/// `LANES` columns at a time, so the partial row stays in a register across all i.
#[inline(always)]
fn axpys(acc: &mut [f32], coef: &[f32], stride: usize, x: &[f32], rows: usize) {
    let terms = x.len() / rows;
    let full = rows / LANES * LANES;
    for c0 in (0..full).step_by(LANES) {
        let mut a: [f32; LANES] = acc[c0..c0 + LANES].try_into().expect("LANES values");
        for i in 0..terms {
            let ci = coef[i * stride];
            let xi = &x[i * rows + c0..i * rows + c0 + LANES];
            for l in 0..LANES {
                a[l] += ci * xi[l];
            }
        }
        acc[c0..c0 + LANES].copy_from_slice(&a);
    }
    for (r, a) in acc.iter_mut().enumerate().skip(full) {
        for i in 0..terms {
            *a += coef[i * stride] * x[i * rows + r];
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
    use crate::Isa;

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
            forward(isa, layer, &x, rows, &mut out);
            let (mut gw, mut gb, mut dx) =
                (vec![0.5; w.len()], vec![0.25; outputs], vec![0.0; x.len()]);
            backward(
                isa,
                layer,
                &x,
                &d,
                rows,
                &mut gw,
                Some(&mut gb),
                Some(&mut dx),
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
