//! The trainer's matrix products `C = C + A·B` for one run's small layers, written out with
//! register tiles over A's rows and B's columns and no packing: at these sizes (e.g. a
//! 32×64 first layer on a 64-row minibatch) a general sgemm spends as long copying its
//! operands into panels as multiplying them.
//!
//! Every element of C is one chain over the inner index in order, from C's old value (or
//! zero): `c = fma(a, b, c)` on a CPU with FMA, `c = c + a·b` without. That is how
//! matrixmultiply's kernels (the engine's) sum an output element, so a product of up to its
//! depth block (256) equals the engine's bit for bit. The tile shape and vector width change
//! how many elements are computed at once, never an element's bits; the products therefore
//! give the same bits under every forced ISA — which picks the vector width when it has FMA;
//! the portable ISA multiplies with the CPU's FMA when there is one, as matrixmultiply does.

use crate::Isa;

mod lanes;

/// matrixmultiply's f32 depth block (its `kc`): a product of at most this depth is one chain
/// per element there, so [`gemm`] gives its bits; deeper ones it sums block by block.
pub(crate) const ENGINE_DEPTH_BLOCK: usize = 256;

/// A row-major matrix in a slice: element `(i, j)` at `data[i * stride + j]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mat<'a> {
    pub(crate) data: &'a [f32],
    pub(crate) stride: usize,
}

/// A row-major destination: element `(i, j)` at `data[i * stride + j]`.
#[derive(Debug)]
pub(crate) struct MatMut<'a> {
    pub(crate) data: &'a mut [f32],
    pub(crate) stride: usize,
}

/// The product's shape: `m × depth` times `depth × n`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dims {
    pub(crate) m: usize,
    pub(crate) depth: usize,
    pub(crate) n: usize,
}

/// How C starts, and what is added to each of its rows at the end.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Init<'a> {
    /// `C = A·B` (C's old contents are ignored).
    Zero,
    /// `C = A·B + bias[i]` on row i, the bias added after the sum.
    Bias(&'a [f32]),
    /// `C = C + A·B`, summed from C's old value on.
    Accumulate,
}

/// `C = init + A·B` (see [`Init`]) for the `dims.m × dims.n` block of C.
pub(crate) fn gemm(isa: Isa, a: Mat<'_>, b: Mat<'_>, c: MatMut<'_>, dims: Dims, init: Init<'_>) {
    if dims.m == 0 || dims.n == 0 {
        return;
    }
    assert!(
        a.data.len() >= (dims.m - 1) * a.stride + dims.depth
            && c.data.len() >= (dims.m - 1) * c.stride + dims.n
            && (dims.depth == 0 || b.data.len() >= (dims.depth - 1) * b.stride + dims.n),
        "gemm operands too short for {dims:?}"
    );
    if let Init::Bias(bias) = init {
        assert!(bias.len() >= dims.m, "a bias per row of C");
    }
    let lanes = lanes_for(isa);
    gemm_on(lanes, lanes, a, b, c, dims, init);
}

/// The lanes for a product under `isa`: ones the CPU runs, with FMA when the CPU has FMA (so
/// that every ISA rounds alike); the `*_on` bodies run the clone of the same name.
fn lanes_for(isa: Isa) -> Isa {
    match isa {
        Isa::Avx512 if isa.is_supported() => Isa::Avx512,
        _ if Isa::Avx2.is_supported() => Isa::Avx2,
        _ => Isa::Portable,
    }
}

crate::isa_dispatch! {
    /// [`gemm`]'s body, compiled per ISA; `lanes` picks the vector type (the clone's).
    fn gemm_on(lanes: Isa, a: Mat<'_>, b: Mat<'_>, c: MatMut<'_>, dims: Dims, init: Init<'_>) {
        match lanes {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `lanes_for` gives AVX-512 lanes only on a CPU with AVX-512 and FMA.
            Isa::Avx512 => rows::<4, 4, _>(unsafe { lanes::Zmm::new() }, a, b, c, dims, init),
            #[cfg(target_arch = "x86_64")]
            // 6×16 tiles: 12 accumulators (enough independent chains to keep both FMA
            // units busy through their latency), 2 B vectors and a broadcast fill 15 of the
            // 16 registers; 4×16 ran the trainer's shapes 1.15–2.3× slower (alone, in L1).
            // SAFETY: `lanes_for` gives AVX2 lanes only on a CPU with AVX2 and FMA.
            Isa::Avx2 => rows::<6, 2, _>(unsafe { lanes::Ymm::new() }, a, b, c, dims, init),
            _ => rows::<4, 2, _>(lanes::Baseline::new(), a, b, c, dims, init),
        }
    }
}

/// A's rows `MR` at a time, then 4, 2 and 1 at a time.
#[inline(always)]
fn rows<const MR: usize, const NV: usize, V: Lanes>(
    v: V,
    a: Mat<'_>,
    b: Mat<'_>,
    c: MatMut<'_>,
    dims: Dims,
    init: Init<'_>,
) {
    let mut i0 = 0;
    while i0 + MR <= dims.m {
        columns::<MR, NV, V>(v, a, b, &mut *c.data, c.stride, i0, dims, init);
        i0 += MR;
    }
    while MR > 4 && i0 + 4 <= dims.m {
        columns::<4, NV, V>(v, a, b, &mut *c.data, c.stride, i0, dims, init);
        i0 += 4;
    }
    while MR > 2 && i0 + 2 <= dims.m {
        columns::<2, NV, V>(v, a, b, &mut *c.data, c.stride, i0, dims, init);
        i0 += 2;
    }
    while i0 < dims.m {
        columns::<1, NV, V>(v, a, b, &mut *c.data, c.stride, i0, dims, init);
        i0 += 1;
    }
}

/// Rows `i0..i0 + MR` of C: `NV` vectors of B's columns at a time, then two, then one, then
/// one column.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn columns<const MR: usize, const NV: usize, V: Lanes>(
    v: V,
    a: Mat<'_>,
    b: Mat<'_>,
    c: &mut [f32],
    ldc: usize,
    i0: usize,
    dims: Dims,
    init: Init<'_>,
) {
    let mut j0 = 0;
    while j0 + NV * V::WIDTH <= dims.n {
        tile::<MR, NV, V>(v, a, b, c, ldc, (i0, j0), dims.depth, init);
        j0 += NV * V::WIDTH;
    }
    while NV > 2 && j0 + 2 * V::WIDTH <= dims.n {
        tile::<MR, 2, V>(v, a, b, c, ldc, (i0, j0), dims.depth, init);
        j0 += 2 * V::WIDTH;
    }
    while j0 + V::WIDTH <= dims.n {
        tile::<MR, 1, V>(v, a, b, c, ldc, (i0, j0), dims.depth, init);
        j0 += V::WIDTH;
    }
    for j in j0..dims.n {
        column::<MR, V>(a, b, c, ldc, (i0, j), dims.depth, init);
    }
}

/// One `MR × NV·WIDTH` tile of C at `(i0, j0)`, its sums held in registers over the whole
/// depth.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn tile<const MR: usize, const NV: usize, V: Lanes>(
    v: V,
    a: Mat<'_>,
    b: Mat<'_>,
    c: &mut [f32],
    ldc: usize,
    (i0, j0): (usize, usize),
    depth: usize,
    init: Init<'_>,
) {
    let w = V::WIDTH;
    let mut acc = [[v.splat(0.0); NV]; MR];
    if let Init::Accumulate = init {
        for (t, acc) in acc.iter_mut().enumerate() {
            for (u, acc) in acc.iter_mut().enumerate() {
                *acc = v.load(&c[(i0 + t) * ldc + j0 + u * w..]);
            }
        }
    }
    // Plain loops rather than `array::from_fn`: its callee is compiled without the clone's
    // features, so the intrinsics in the closure would not be inlined.
    let mut a_rows: [&[f32]; MR] = [&[]; MR];
    for (t, row) in a_rows.iter_mut().enumerate() {
        *row = &a.data[(i0 + t) * a.stride..][..depth];
    }
    let mut bk = [v; NV];
    for k in 0..depth {
        let b_row = &b.data[k * b.stride + j0..][..NV * w];
        for (u, bk) in bk.iter_mut().enumerate() {
            *bk = v.load(&b_row[u * w..]);
        }
        for (acc, row) in acc.iter_mut().zip(&a_rows) {
            let at = v.splat(row[k]);
            for (acc, &bk) in acc.iter_mut().zip(&bk) {
                *acc = acc.mul_add(at, bk);
            }
        }
    }
    for (t, acc) in acc.iter_mut().enumerate() {
        if let Init::Bias(bias) = init {
            let bt = v.splat(bias[i0 + t]);
            acc.iter_mut().for_each(|acc| *acc = acc.add(bt));
        }
        for (u, acc) in acc.iter().enumerate() {
            acc.store(&mut c[(i0 + t) * ldc + j0 + u * w..]);
        }
    }
}

/// Column `j` of rows `i0..i0 + MR` of C, one element at a time (the same arithmetic as a
/// lane of [`tile`]).
#[inline(always)]
fn column<const MR: usize, V: Lanes>(
    a: Mat<'_>,
    b: Mat<'_>,
    c: &mut [f32],
    ldc: usize,
    (i0, j): (usize, usize),
    depth: usize,
    init: Init<'_>,
) {
    for t in 0..MR {
        let i = i0 + t;
        let mut acc = match init {
            Init::Accumulate => c[i * ldc + j],
            _ => 0.0,
        };
        for k in 0..depth {
            acc = V::scalar_mul_add(acc, a.data[i * a.stride + k], b.data[k * b.stride + j]);
        }
        if let Init::Bias(bias) = init {
            acc += bias[i];
        }
        c[i * ldc + j] = acc;
    }
}

/// A vector of f32 lanes. A value of a type exists only where the CPU runs its instructions
/// (its constructor says so), so the operations, which take one, are safe.
trait Lanes: Copy {
    /// Lanes per vector.
    const WIDTH: usize;
    /// Side of the square blocks [`transpose_block`](Self::transpose_block) moves.
    const BLOCK: usize;
    /// Writes the transpose of the `BLOCK × BLOCK` block at `src` (rows `src_stride` apart)
    /// to `dst` (rows `dst_stride` apart).
    fn transpose_block(self, src: &[f32], src_stride: usize, dst: &mut [f32], dst_stride: usize);
    /// Every lane `x`.
    fn splat(self, x: f32) -> Self;
    /// The first `WIDTH` values of `s`.
    fn load(self, s: &[f32]) -> Self;
    /// Into the first `WIDTH` values of `s`.
    fn store(self, s: &mut [f32]);
    /// `self + a·b` per lane, rounded as [`scalar_mul_add`](Self::scalar_mul_add).
    fn mul_add(self, a: Self, b: Self) -> Self;
    /// One lane's `acc + a·b`: fused (one rounding) or not, as the type multiplies.
    fn scalar_mul_add(acc: f32, a: f32, b: f32) -> f32;
    /// `self + b` per lane.
    fn add(self, b: Self) -> Self;
}

/// `out = aᵀ`: `a` is `rows × cols` row-major, `out` `cols × rows`.
pub(crate) fn transpose(isa: Isa, a: &[f32], rows: usize, cols: usize, out: &mut [f32]) {
    let (a, out) = (&a[..rows * cols], &mut out[..rows * cols]);
    let lanes = lanes_for(isa);
    transpose_on(lanes, lanes, a, rows, cols, out);
}

crate::isa_dispatch! {
    /// [`transpose`]'s body, compiled per ISA; `lanes` picks the vector type (the clone's).
    fn transpose_on(lanes: Isa, a: &[f32], rows: usize, cols: usize, out: &mut [f32]) {
        match lanes {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `lanes_for` gives AVX-512 lanes only on a CPU with AVX-512 and FMA.
            Isa::Avx512 => transpose_blocks(unsafe { lanes::Zmm::new() }, a, rows, cols, out),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `lanes_for` gives AVX2 lanes only on a CPU with AVX2 and FMA.
            Isa::Avx2 => transpose_blocks(unsafe { lanes::Ymm::new() }, a, rows, cols, out),
            _ => transpose_blocks(lanes::Baseline::new(), a, rows, cols, out),
        }
    }
}

/// Whole `BLOCK × BLOCK` blocks through registers, the edges one element at a time.
#[inline(always)]
fn transpose_blocks<V: Lanes>(v: V, a: &[f32], rows: usize, cols: usize, out: &mut [f32]) {
    let (full_r, full_c) = (rows / V::BLOCK * V::BLOCK, cols / V::BLOCK * V::BLOCK);
    for r0 in (0..full_r).step_by(V::BLOCK) {
        for c0 in (0..full_c).step_by(V::BLOCK) {
            v.transpose_block(&a[r0 * cols + c0..], cols, &mut out[c0 * rows + r0..], rows);
        }
    }
    for r in 0..rows {
        let start = if r < full_r { full_c } else { 0 };
        for c in start..cols {
            out[c * rows + r] = a[r * cols + c];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn val(i: usize) -> f32 {
        ((i * 37 + 11) % 23) as f32 * 0.11 - 1.2
    }

    const SHAPES: [(usize, usize, usize); 7] = [
        (7, 5, 37),
        (10, 32, 64),
        (32, 10, 56),
        (9, 64, 131),
        (64, 200, 64),
        // The deepest product the scorer hands to `gemm`, with row and column tails.
        (70, ENGINE_DEPTH_BLOCK, 33),
        (1, 1, 1),
    ];

    /// Operands of a `m × depth · depth × n` product with padded strides, a bias and an old C.
    struct Case {
        dims: Dims,
        a: Vec<f32>,
        b: Vec<f32>,
        bias: Vec<f32>,
        old: Vec<f32>,
    }

    impl Case {
        fn new((m, depth, n): (usize, usize, usize)) -> Self {
            Self {
                dims: Dims { m, depth, n },
                a: (0..m * (depth + 3)).map(val).collect(),
                b: (0..depth * (n + 5)).map(|i| val(i + 900)).collect(),
                bias: (0..m).map(|i| val(i + 77)).collect(),
                old: (0..m * (n + 2)).map(|i| val(i + 1700)).collect(),
            }
        }

        fn operands(&self) -> (Mat<'_>, Mat<'_>) {
            let Dims { depth, n, .. } = self.dims;
            (
                Mat {
                    data: &self.a,
                    stride: depth + 3,
                },
                Mat {
                    data: &self.b,
                    stride: n + 5,
                },
            )
        }

        /// C by a scalar loop over k in order, `step(c, a, b)` per term.
        fn expected(&self, init: Init<'_>, step: impl Fn(f32, f32, f32) -> f32) -> Vec<f32> {
            let Dims { m, depth, n } = self.dims;
            let (lda, ldb, ldc) = (depth + 3, n + 5, n + 2);
            let mut want = self.old.clone();
            for i in 0..m {
                for j in 0..n {
                    let mut s = match init {
                        Init::Accumulate => self.old[i * ldc + j],
                        _ => 0.0,
                    };
                    for k in 0..depth {
                        s = step(s, self.a[i * lda + k], self.b[k * ldb + j]);
                    }
                    if let Init::Bias(bias) = init {
                        s += bias[i];
                    }
                    want[i * ldc + j] = s;
                }
            }
            want
        }
    }

    fn same_bits(a: &[f32], b: &[f32]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
    }

    /// Every init, on shapes with row and column tails, against a scalar in-order chain of
    /// fused multiply-adds (on a CPU with FMA; else of products then sums): the same bits
    /// under every ISA.
    #[test]
    fn products_are_in_order_chains_with_the_same_bits_on_every_isa() {
        let fused = Isa::Avx2.is_supported();
        for shape in SHAPES {
            let case = Case::new(shape);
            let (a, b) = case.operands();
            for init in [Init::Zero, Init::Bias(&case.bias), Init::Accumulate] {
                let want = if fused {
                    case.expected(init, |c, a, b| a.mul_add(b, c))
                } else {
                    case.expected(init, |c, a, b| c + a * b)
                };
                for isa in Isa::available() {
                    let mut got = case.old.clone();
                    let c = MatMut {
                        data: &mut got,
                        stride: shape.2 + 2,
                    };
                    gemm(isa, a, b, c, case.dims, init);
                    assert!(same_bits(&got, &want), "{isa} {init:?} on {shape:?}");
                }
            }
        }
    }

    /// The lanes of CPUs without FMA: products rounded, then added, in order.
    #[test]
    fn the_baseline_lanes_round_products_then_sums() {
        for shape in SHAPES {
            let case = Case::new(shape);
            let (a, b) = case.operands();
            for init in [Init::Zero, Init::Bias(&case.bias), Init::Accumulate] {
                let mut got = case.old.clone();
                let c = MatMut {
                    data: &mut got,
                    stride: shape.2 + 2,
                };
                rows::<4, 2, _>(lanes::Baseline::new(), a, b, c, case.dims, init);
                let want = case.expected(init, |c, a, b| c + a * b);
                assert!(same_bits(&got, &want), "{init:?} on {shape:?}");
            }
        }
    }

    /// Up to matrixmultiply's depth block, a product equals the engine's sgemm bit for bit.
    #[test]
    fn products_equal_matrixmultiply() {
        use ndarray::linalg::general_mat_mul;
        use ndarray::{Array2, ArrayView2};
        for shape @ (m, depth, n) in SHAPES {
            let case = Case::new(shape);
            let (a, b) = case.operands();
            let a_nd = ArrayView2::from_shape((m, depth + 3), &case.a).unwrap();
            let b_nd = ArrayView2::from_shape((depth, n + 5), &case.b).unwrap();
            let mut want = Array2::zeros((m, n));
            general_mat_mul(
                1.0,
                &a_nd.slice(ndarray::s![.., ..depth]),
                &b_nd.slice(ndarray::s![.., ..n]),
                0.0,
                &mut want,
            );
            for isa in Isa::available() {
                let mut got = vec![0.0; m * n];
                let c = MatMut {
                    data: &mut got,
                    stride: n,
                };
                gemm(isa, a, b, c, case.dims, Init::Zero);
                let want = want.as_slice().unwrap();
                assert!(same_bits(&got, want), "{isa} on {shape:?}");
            }
        }
    }

    #[test]
    fn transpose_swaps_indices() {
        for (rows, cols) in [(19, 37), (32, 64), (64, 10), (3, 2)] {
            let a: Vec<f32> = (0..rows * cols).map(|i| i as f32).collect();
            let check = |t: &[f32], what: &str| {
                for r in 0..rows {
                    for c in 0..cols {
                        assert_eq!(t[c * rows + r], a[r * cols + c], "{what} {rows}×{cols}");
                    }
                }
            };
            for isa in Isa::available() {
                let mut t = vec![f32::NAN; rows * cols];
                transpose(isa, &a, rows, cols, &mut t);
                check(&t, isa.name());
            }
            let mut t = vec![f32::NAN; rows * cols];
            transpose_blocks(lanes::Baseline::new(), &a, rows, cols, &mut t);
            check(&t, "baseline lanes");
        }
    }
}
