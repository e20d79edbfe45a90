//! The forward pass LSUV measures, in f32 and feature-major: a layer's values on the batch
//! are `[width × stride]`, one row per feature and one column per data row (the batch's rows
//! padded with zeros to a whole number of [`TILE`]s), so every loop runs along contiguous
//! rows and vectorizes. Sums run in a fixed order (products over inputs in order, means and
//! variances in [`LANES`] interleaved f64 partial sums added by [`tree_sum`]), never
//! FMA-contracted, so the bits do not depend on the ISA.

use initsift_batch::mlp::activate;
use initsift_batch::{Isa, isa_dispatch};
use initsift_nn::Activation;
use ndarray::ArrayView2;

/// Columns per product tile: its accumulators stay in registers over the inputs.
const TILE: usize = 32;
/// Interleaved partial sums of a sum in f64 (the moments here, dot products in the pre-init).
pub(crate) const LANES: usize = 8;

/// One layer's values on the batch, feature-major.
pub(crate) struct Values {
    /// Features (rows of `values`).
    width: usize,
    /// Data rows of the batch (the valid columns).
    rows: usize,
    /// Stored columns: `rows` rounded up to a multiple of [`TILE`].
    stride: usize,
    /// `[width × stride]`, row-major; columns `rows..stride` are padding.
    values: Vec<f32>,
}

/// A feature's mean over the batch and its sum of squared deviations from it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Moments {
    pub mean: f64,
    pub squares: f64,
}

impl Values {
    /// The batch `x` (`[rows × features]`) transposed.
    pub fn inputs(x: ArrayView2<'_, f32>) -> Self {
        let (rows, width) = x.dim();
        let stride = rows.div_ceil(TILE) * TILE;
        let mut values = vec![0.0; width * stride];
        match x.as_slice() {
            Some(x) => transpose_into(x, rows, width, &mut values, stride),
            None => {
                let x = x.iter().copied().collect::<Vec<_>>();
                transpose_into(&x, rows, width, &mut values, stride);
            }
        }
        Self {
            width,
            rows,
            stride,
            values,
        }
    }

    /// A = W·H for `w` (`[outputs × width]`, row-major): the Linear layer's output before
    /// its bias.
    pub fn product(&self, isa: Isa, w: &[f32], outputs: usize) -> Self {
        let mut values = vec![0.0; outputs * self.stride];
        product(isa, w, self.width, &self.values, self.stride, &mut values);
        Self {
            width: outputs,
            rows: self.rows,
            stride: self.stride,
            values,
        }
    }

    /// Each feature's [`Moments`] over the batch's rows.
    pub fn moments(&self, isa: Isa) -> Vec<Moments> {
        let mut out = Vec::with_capacity(self.width);
        moments(isa, &self.values, self.stride, self.rows, &mut out);
        out
    }

    /// In place: feature f becomes `c·v + bias[f]` (rounded once from f64).
    pub fn affine(&mut self, isa: Isa, c: f64, bias: Option<&[f64]>) {
        affine(isa, &mut self.values, self.stride, c, bias);
    }

    /// In place: the activation, elementwise (the engine's f32 values).
    pub fn activate(&mut self, isa: Isa, a: Activation) {
        activate_all(isa, &mut self.values, a);
    }

    /// The sum over features, `[1 × stride]`, added in feature order.
    pub fn sum_features(&self) -> Self {
        let mut values = vec![0.0; self.stride];
        for row in self.values.chunks_exact(self.stride) {
            values.iter_mut().zip(row).for_each(|(s, &v)| *s += v);
        }
        Self {
            width: 1,
            rows: self.rows,
            stride: self.stride,
            values,
        }
    }
}

/// `src` (`rows × cols`, row-major) transposed into the first `rows` columns of `dst`
/// (`cols × stride`): eight rows at a time, each output run of eight written whole.
pub(crate) fn transpose_into(
    src: &[f32],
    rows: usize,
    cols: usize,
    dst: &mut [f32],
    stride: usize,
) {
    const BLOCK: usize = 8;
    let full = rows - rows % BLOCK;
    for r0 in (0..full).step_by(BLOCK) {
        let block = &src[r0 * cols..(r0 + BLOCK) * cols];
        for c in 0..cols {
            let run: [f32; BLOCK] = std::array::from_fn(|k| block[k * cols + c]);
            dst[c * stride + r0..c * stride + r0 + BLOCK].copy_from_slice(&run);
        }
    }
    for r in full..rows {
        for (c, &v) in src[r * cols..(r + 1) * cols].iter().enumerate() {
            dst[c * stride + r] = v;
        }
    }
}

/// Population variance, over every element of the batch, of the layer output `c·A + b` from
/// A's per-feature moments: with m_f = c·mean_f + b_f and m̄ their average,
/// (c²·Σ squares_f + rows·Σ (m_f − m̄)²) / (rows·width) (the law of total variance; no
/// cancellation, unlike the mean of z² minus the squared mean).
pub(crate) fn variance(moments: &[Moments], bias: Option<&[f64]>, c: f64, rows: usize) -> f64 {
    let mean = |f: usize| c * moments[f].mean + bias.map_or(0.0, |b| b[f]);
    let width = moments.len();
    let grand = (0..width).map(mean).sum::<f64>() / width as f64;
    let within = c * c * moments.iter().map(|m| m.squares).sum::<f64>();
    let between = (0..width).map(|f| (mean(f) - grand).powi(2)).sum::<f64>();
    (within + rows as f64 * between) / (rows * width) as f64
}

isa_dispatch! {
    /// out[o, ·] = Σ_i w[o, i]·h[i, ·], summed over i in order, [`TILE`] columns and two
    /// outputs at a time (each h tile loaded once for both; four independent chains).
    fn product(w: &[f32], inputs: usize, h: &[f32], stride: usize, out: &mut [f32]) {
        let mut pairs = out.chunks_exact_mut(2 * stride).zip(w.chunks_exact(2 * inputs));
        for (out_rows, w_rows) in pairs.by_ref() {
            let (out0, out1) = out_rows.split_at_mut(stride);
            let (w0, w1) = w_rows.split_at(inputs);
            for (t, (tile0, tile1)) in out0
                .chunks_exact_mut(TILE)
                .zip(out1.chunks_exact_mut(TILE))
                .enumerate()
            {
                let (mut acc0, mut acc1) = ([0.0f32; TILE], [0.0f32; TILE]);
                for (i, (&a, &b)) in w0.iter().zip(w1).enumerate() {
                    let h_tile = tile_of(h, i * stride + t * TILE);
                    for l in 0..TILE {
                        acc0[l] += a * h_tile[l];
                        acc1[l] += b * h_tile[l];
                    }
                }
                tile0.copy_from_slice(&acc0);
                tile1.copy_from_slice(&acc1);
            }
        }
        let rows = out.len() / stride;
        if rows % 2 == 1 {
            let (out_row, w_row) = (&mut out[(rows - 1) * stride..], &w[(rows - 1) * inputs..]);
            for (t, tile) in out_row.chunks_exact_mut(TILE).enumerate() {
                let mut acc = [0.0f32; TILE];
                for (i, &a) in w_row.iter().enumerate() {
                    let h_tile = tile_of(h, i * stride + t * TILE);
                    for l in 0..TILE {
                        acc[l] += a * h_tile[l];
                    }
                }
                tile.copy_from_slice(&acc);
            }
        }
    }
}

/// The [`TILE`] values of `h` from `start`.
#[inline(always)]
fn tile_of(h: &[f32], start: usize) -> &[f32; TILE] {
    h[start..start + TILE].try_into().expect("a tile")
}

isa_dispatch! {
    fn moments(values: &[f32], stride: usize, rows: usize, out: &mut Vec<Moments>) {
        for row in values.chunks_exact(stride) {
            let row = &row[..rows];
            let mean = lane_sum(row, |v| v) / rows as f64;
            let squares = lane_sum(row, |v| (v - mean) * (v - mean));
            out.push(Moments { mean, squares });
        }
    }
}

/// Σ f(v) over `row` in f64: [`LANES`] interleaved partial sums, then [`tree_sum`].
#[inline(always)]
fn lane_sum(row: &[f32], f: impl Fn(f64) -> f64) -> f64 {
    let mut acc = [0.0f64; LANES];
    let mut chunks = row.chunks_exact(LANES);
    for chunk in chunks.by_ref() {
        for (a, &v) in acc.iter_mut().zip(chunk) {
            *a += f(f64::from(v));
        }
    }
    for (a, &v) in acc.iter_mut().zip(chunks.remainder()) {
        *a += f(f64::from(v));
    }
    tree_sum(acc)
}

/// The [`LANES`] partial sums added pairwise, halves first: a fixed order whose dependency
/// chain is log₂ LANES additions long.
#[inline(always)]
pub(crate) fn tree_sum(mut lanes: [f64; LANES]) -> f64 {
    const { assert!(LANES.is_power_of_two()) };
    let mut width = LANES;
    while width > 1 {
        width /= 2;
        for l in 0..width {
            lanes[l] += lanes[l + width];
        }
    }
    lanes[0]
}

isa_dispatch! {
    fn affine(values: &mut [f32], stride: usize, c: f64, bias: Option<&[f64]>) {
        for (f, row) in values.chunks_exact_mut(stride).enumerate() {
            let b = bias.map_or(0.0, |b| b[f]);
            row.iter_mut().for_each(|v| *v = (c * f64::from(*v) + b) as f32);
        }
    }
}

isa_dispatch! {
    fn activate_all(values: &mut [f32], a: Activation) {
        values.iter_mut().for_each(|v| *v = activate(a, *v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    /// The product, moments and variance against plain f64 loops, on every ISA (same bits).
    #[test]
    fn product_and_variance_match_direct_sums() {
        let (rows, inputs, outputs) = (37, 5, 3);
        let x = Array2::from_shape_fn((rows, inputs), |(r, i)| {
            ((r * 7 + i * 3) % 11) as f32 / 4.0 - 1.0
        });
        let w: Vec<f32> = (0..outputs * inputs)
            .map(|k| (k as f32 * 0.37).sin())
            .collect();
        let bias = [0.5, -0.25, 2.0];
        let c = 1.7;
        let h = Values::inputs(x.view());
        let reference = h.product(Isa::Portable, &w, outputs);
        for isa in Isa::available() {
            assert_eq!(
                h.product(isa, &w, outputs).values,
                reference.values,
                "{isa}"
            );
        }
        let mut z = Vec::new();
        for r in 0..rows {
            for o in 0..outputs {
                let a: f64 = (0..inputs)
                    .map(|i| f64::from(w[o * inputs + i]) * f64::from(x[[r, i]]))
                    .sum();
                let got = f64::from(reference.values[o * reference.stride + r]);
                assert!((got - a).abs() < 1e-5, "A[{r}, {o}]: {got} vs {a}");
                z.push(c * a + bias[o]);
            }
        }
        let mean = z.iter().sum::<f64>() / z.len() as f64;
        let want = z.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / z.len() as f64;
        let got = variance(&reference.moments(Isa::Portable), Some(&bias), c, rows);
        assert!((got - want).abs() < 1e-5 * want, "{got} vs {want}");
    }
}
