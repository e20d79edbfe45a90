//! LSUV's orthonormal pre-init: an orthonormal basis of the column (or row) space of a
//! Gaussian matrix, as the official script's `svd_orthonormal` takes (it keeps the SVD's U or
//! Vᵀ, whichever has the weight's shape; here Q of the QR decomposition, which spans the same
//! space and is likewise uniformly distributed).
//!
//! Q comes from Cholesky QR in f64 on the matrix's n orthonormal-to-be vectors v_1..v_n (the
//! tall matrix's columns, each of length m, stored contiguously): G = [⟨v_i, v_j⟩],
//! G = RᵀR (Cholesky, diag R > 0), then q_j = (v_j − Σ_{i<j} R_ij·q_i)·(1/R_jj). The q's Gram
//! matrix is then checked, and the pass repeated on them while it is off the identity by
//! more than [`ACCEPT`] (CholeskyQR2: the second pass is orthonormal to rounding whenever the
//! first Cholesky succeeds); Householder QR (initsift-init's `orthogonalize`) takes over if a
//! Cholesky meets a non-positive pivot or the check still fails, so the result is always
//! checked. The work is m·n² multiply-adds in dot products and axpys of length m,
//! which vectorize; with diag R > 0, Q is the matrix `torch.nn.init.orthogonal_` computes from
//! the same Gaussian.
//!
//! Every loop below runs elementwise or in a fixed order (dot products in [`LANES`]
//! interleaved partial sums added by [`tree_sum`]), with no FMA contraction, so the bits do not depend on the ISA.

use initsift_batch::{Isa, isa_dispatch};
use initsift_init::lanes::counter::{element_key, stream_base};
use initsift_init::lanes::fastmath::{
    box_muller_angle_of_hash, box_muller_combine, box_muller_radius_of_ln, ln_finish,
    ln_reduce_open_unit,
};
use initsift_init::orthogonal::orthogonalize;

use super::forward::{LANES, transpose_into, tree_sum};

/// Salt of the pre-init's Gaussians ("LSUVORTH"), apart from every scheme's stream.
const SALT: u64 = 0x4C53_5556_4F52_5448;

/// Largest |QᵀQ − I| entry accepted after one Cholesky QR pass (far under f32 rounding).
const ACCEPT: f64 = 1e-12;

/// Cholesky QR passes at most, before Householder QR takes over.
const MAX_PASSES: usize = 3;

/// Writes an orthonormal `rows × cols` matrix (row-major) into `out`: W·Wᵀ = I when rows ≤
/// cols, Wᵀ·W = I when rows ≥ cols. Its Gaussian is keyed by (`seed`, `offset`), the block's
/// position in the flat layout, so each tensor of a model gets its own.
pub(crate) fn orthonormal(
    isa: Isa,
    seed: u64,
    offset: usize,
    rows: usize,
    cols: usize,
    out: &mut [f32],
) {
    let mut gaussian = vec![0.0f32; rows * cols];
    fill_gaussian(isa, seed, offset, &mut gaussian);
    orthonormalize(isa, &gaussian, rows, cols, out);
}

/// An orthonormal basis of the span of the n = min(rows, cols) vectors of length m =
/// max(rows, cols) in `gaussian`, one after the other, written as a `rows × cols` matrix: the
/// vectors are W's rows when rows < cols, else its columns (as `orthogonal_`, which
/// transposes only when rows < cols).
fn orthonormalize(isa: Isa, gaussian: &[f32], rows: usize, cols: usize, out: &mut [f32]) {
    let (m, n) = (rows.max(cols), rows.min(cols));
    let mut q: Vec<f64> = gaussian.iter().map(|&v| f64::from(v)).collect();
    let vectors: Vec<f32> = if cholesky_qr(isa, &mut q, m, n) {
        q.iter().map(|&v| v as f32).collect()
    } else {
        let mut w = vec![0.0f32; m * n];
        // Householder QR of the tall m × n matrix whose columns are the vectors.
        orthogonalize(&transpose(gaussian, n, m), m, n, 1.0, &mut w);
        transpose(&w, m, n)
    };
    if rows < cols {
        out.copy_from_slice(&vectors);
    } else {
        transpose_into(&vectors, n, m, out, n);
    }
}

/// `a` (rows × cols, row-major) transposed.
fn transpose(a: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut t = vec![0.0; a.len()];
    transpose_into(a, rows, cols, &mut t, rows);
    t
}

isa_dispatch! {
    /// Standard normals from Box–Muller pairs: pair j, from the 64-bit key of position
    /// `offset + 2j` (radius from its low word, angle from its high word), fills entries j and
    /// len/2 + j, so both halves are written in contiguous runs; an odd length's last entry
    /// takes the first value of pair len/2.
    fn fill_gaussian(seed: u64, offset: usize, out: &mut [f32]) {
        let base = stream_base(seed, SALT);
        let half = out.len() / 2;
        let (first, rest) = out.split_at_mut(half);
        let (second, tail) = rest.split_at_mut(half);
        for (j, (a, b)) in first.iter_mut().zip(second.iter_mut()).enumerate() {
            (*a, *b) = normal_pair(base, offset + 2 * j);
        }
        if let Some(last) = tail.first_mut() {
            *last = normal_pair(base, offset + 2 * half).0;
        }
    }
}

#[inline(always)]
fn normal_pair(base: u64, position: usize) -> (f32, f32) {
    let key = element_key(base, position as u64);
    let (k, s) = ln_reduce_open_unit(key.lo);
    let r = box_muller_radius_of_ln(ln_finish(k, s));
    let (sin, cos) = box_muller_angle_of_hash(key.hi);
    box_muller_combine(r, sin, cos)
}

/// Replaces the n vectors of length m in `v` (m ≥ n) by an orthonormal basis of their span
/// (Gram–Schmidt's, i.e. QR's Q with diag R > 0): Cholesky QR passes until |QᵀQ − I| ≤
/// [`ACCEPT`], at most [`MAX_PASSES`] (one is the rule, two when the vectors are
/// ill-conditioned).
/// False (and `v` unspecified) if a Cholesky factorization breaks down or three passes do not
/// reach it.
fn cholesky_qr(isa: Isa, v: &mut [f64], m: usize, n: usize) -> bool {
    let mut g = vec![0.0; n * n];
    gram(isa, v, m, n, &mut g);
    for _ in 0..MAX_PASSES {
        if !qr_pass(isa, v, m, n, &mut g) {
            return false;
        }
        gram(isa, v, m, n, &mut g);
        if off_identity(&g, n) <= ACCEPT {
            return true;
        }
    }
    false
}

/// v ← v·R⁻¹ with R = chol(G), G the vectors' Gram matrix (in `g`). False if the Cholesky
/// breaks down.
fn qr_pass(isa: Isa, v: &mut [f64], m: usize, n: usize, g: &mut [f64]) -> bool {
    if !cholesky(isa, g, n) {
        return false;
    }
    substitute(isa, v, m, n, g);
    true
}

/// The largest |G − I| entry of the upper triangle of G (NaN if any entry is NaN).
fn off_identity(g: &[f64], n: usize) -> f64 {
    let mut worst = 0.0f64;
    for i in 0..n {
        let row = &g[i * n + i..(i + 1) * n];
        let off = row[1..].iter().fold(0.0f64, |w, e| w.max(e.abs()));
        worst = worst.max(off).max((row[0] - 1.0).abs());
        if row.iter().any(|e| e.is_nan()) {
            return f64::NAN;
        }
    }
    worst
}

isa_dispatch! {
    /// The upper triangle of the Gram matrix G[i, j] = ⟨v_i, v_j⟩ (zeros below it), four j's
    /// at a time so that v_i's chunks are loaded once for four dot products.
    fn gram(v: &[f64], m: usize, n: usize, g: &mut [f64]) {
        for i in 0..n {
            let vi = &v[i * m..(i + 1) * m];
            g[i * n..i * n + i].fill(0.0);
            let mut j = i;
            while j + 4 <= n {
                let dots = dots::<4>(vi, &v[j * m..(j + 4) * m]);
                g[i * n + j..i * n + j + 4].copy_from_slice(&dots);
                j += 4;
            }
            for j in j..n {
                g[i * n + j] = dots::<1>(vi, &v[j * m..(j + 1) * m])[0];
            }
        }
    }
}

/// ⟨a, b_k⟩ for the J vectors b_k of length a.len() laid out one after the other in `b`:
/// each in [`LANES`] interleaved partial sums, then [`tree_sum`].
#[inline(always)]
fn dots<const J: usize>(a: &[f64], b: &[f64]) -> [f64; J] {
    let m = a.len();
    let mut acc = [[0.0f64; LANES]; J];
    let full = m - m % LANES;
    for start in (0..full).step_by(LANES) {
        let x: &[f64; LANES] = a[start..start + LANES].try_into().expect("a chunk");
        for (k, acc) in acc.iter_mut().enumerate() {
            let y: &[f64; LANES] = b[k * m + start..k * m + start + LANES]
                .try_into()
                .expect("a chunk");
            for l in 0..LANES {
                acc[l] += x[l] * y[l];
            }
        }
    }
    for (k, acc) in acc.iter_mut().enumerate() {
        for (l, (x, y)) in a[full..]
            .iter()
            .zip(&b[k * m + full..(k + 1) * m])
            .enumerate()
        {
            acc[l] += x * y;
        }
    }
    acc.map(tree_sum)
}

isa_dispatch! {
    /// In place on the upper triangle: G = RᵀR with R upper and diag R > 0 (right-looking, one
    /// row of R at a time). Each trailing row is updated whole, so every update is a
    /// full-length loop; what lands below the diagonal is never read. False at a pivot that
    /// is not positive.
    fn cholesky(g: &mut [f64], n: usize) -> bool {
        for i in 0..n {
            let (done, rest) = g.split_at_mut((i + 1) * n);
            let row = &mut done[i * n..];
            let pivot = row[i];
            if !(pivot > 0.0 && pivot.is_finite()) {
                return false;
            }
            let r = pivot.sqrt();
            row[i] = r;
            let inverse = 1.0 / r;
            row[i + 1..].iter_mut().for_each(|v| *v *= inverse);
            for (k, target) in rest.chunks_exact_mut(n).enumerate() {
                let rik = row[i + 1 + k];
                target.iter_mut().zip(row.iter()).for_each(|(t, &v)| *t -= rik * v);
            }
        }
        true
    }
}

isa_dispatch! {
    /// q_j = (v_j − Σ_{i<j} R[i, j]·q_i)·(1/R[j, j]) in place, j in order: v ← v·R⁻¹. Runs
    /// 4·[`LANES`] positions at a time (then [`LANES`], then one), so each q_j's partial
    /// vector stays in registers while the q_i stream past, in four independent chains.
    fn substitute(v: &mut [f64], m: usize, n: usize, r: &[f64]) {
        let mut start = 0;
        while start < m {
            if start + 4 * LANES <= m {
                substitute_tile::<{ 4 * LANES }>(v, m, n, r, start);
                start += 4 * LANES;
            } else if start + LANES <= m {
                substitute_tile::<LANES>(v, m, n, r, start);
                start += LANES;
            } else {
                substitute_tile::<1>(v, m, n, r, start);
                start += 1;
            }
        }
    }
}

/// [`substitute`] on positions `start..start + W`.
#[inline(always)]
fn substitute_tile<const W: usize>(v: &mut [f64], m: usize, n: usize, r: &[f64], start: usize) {
    for j in 0..n {
        let mut acc: [f64; W] = v[j * m + start..][..W].try_into().expect("a tile");
        for i in 0..j {
            let rij = r[i * n + j];
            let qi: &[f64; W] = v[i * m + start..][..W].try_into().expect("a tile");
            for (a, &q) in acc.iter_mut().zip(qi) {
                *a -= rij * q;
            }
        }
        let inverse = 1.0 / r[j * n + j];
        for (t, &a) in v[j * m + start..][..W].iter_mut().zip(&acc) {
            *t = a * inverse;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// max |W·Wᵀ − I| (rows ≤ cols) or |Wᵀ·W − I| (rows ≥ cols), in f64.
    fn defect(w: &[f32], rows: usize, cols: usize) -> f64 {
        let (m, n) = (rows.max(cols), rows.min(cols));
        let at = |i: usize, k: usize| -> f64 {
            // Entry k of orthonormal vector i.
            f64::from(if rows >= cols {
                w[k * cols + i]
            } else {
                w[i * cols + k]
            })
        };
        let mut worst = 0.0f64;
        for i in 0..n {
            for j in 0..n {
                let dot: f64 = (0..m).map(|k| at(i, k) * at(j, k)).sum();
                worst = worst.max((dot - if i == j { 1.0 } else { 0.0 }).abs());
            }
        }
        worst
    }

    #[test]
    fn orthonormal_to_f32_rounding_on_every_shape_and_isa() {
        for (rows, cols) in [
            (32, 64),
            (10, 32),
            (64, 32),
            (1, 5),
            (5, 1),
            (3, 3),
            (64, 64),
            (128, 100),
        ] {
            let mut reference = vec![0.0f32; rows * cols];
            orthonormal(Isa::Portable, 7, 11, rows, cols, &mut reference);
            let d = defect(&reference, rows, cols);
            // f32 rounding of unit vectors: about √m·2⁻²⁴ per dot product.
            assert!(d < 2e-6, "{rows}×{cols}: {d}");
            for isa in Isa::available() {
                let mut w = vec![0.0f32; rows * cols];
                orthonormal(isa, 7, 11, rows, cols, &mut w);
                assert_eq!(w, reference, "{rows}×{cols} {isa}");
            }
        }
    }

    /// With diag R > 0, Cholesky QR's Q is Householder QR's with the sign fix: the matrix
    /// `orthogonal_` (initsift-init's `orthogonalize`) makes from the same Gaussian.
    #[test]
    fn equals_householder_qr_of_the_same_gaussian() {
        for (rows, cols) in [(32, 64), (10, 32), (64, 32), (16, 16)] {
            let (m, n) = (rows.max(cols), rows.min(cols));
            let mut gaussian = vec![0.0f32; m * n];
            fill_gaussian(Isa::Portable, 3, 0, &mut gaussian);
            // The vectors are W's rows (rows < cols) or its columns.
            let w = if rows < cols {
                gaussian.clone()
            } else {
                transpose(&gaussian, n, m)
            };
            let mut householder = vec![0.0f32; rows * cols];
            orthogonalize(&w, rows, cols, 1.0, &mut householder);
            let mut ours = vec![0.0f32; rows * cols];
            orthonormal(Isa::Portable, 3, 0, rows, cols, &mut ours);
            let worst = ours
                .iter()
                .zip(&householder)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(worst < 1e-5, "{rows}×{cols}: {worst}");
        }
    }

    /// A zero vector breaks Cholesky down (pivot exactly 0); Householder QR takes over and
    /// still returns an orthonormal matrix.
    #[test]
    fn breakdown_falls_back_to_householder() {
        let (rows, cols) = (3, 6);
        let mut v: Vec<f32> = (0..rows * cols)
            .map(|i| ((i * 7 % 11) as f32) - 5.0)
            .collect();
        v[cols..2 * cols].fill(0.0);
        let as_f64: Vec<f64> = v.iter().map(|&x| f64::from(x)).collect();
        assert!(!cholesky_qr(Isa::Portable, &mut as_f64.clone(), cols, rows));
        let mut w = vec![0.0f32; rows * cols];
        orthonormalize(Isa::Portable, &v, rows, cols, &mut w);
        assert!(defect(&w, rows, cols) < 1e-6, "{}", defect(&w, rows, cols));
    }

    #[test]
    fn gaussians_have_mean_zero_and_variance_one() {
        let n = 1 << 16;
        let mut z = vec![0.0f32; n];
        fill_gaussian(Isa::Portable, 1, 0, &mut z);
        let mean = z.iter().map(|&v| f64::from(v)).sum::<f64>() / n as f64;
        let var = z
            .iter()
            .map(|&v| (f64::from(v) - mean).powi(2))
            .sum::<f64>()
            / n as f64;
        // Standard errors: 1/√n for the mean, √(2/n) for the variance; 5 of each.
        assert!(mean.abs() < 5.0 / (n as f64).sqrt(), "mean {mean}");
        assert!(
            (var - 1.0).abs() < 5.0 * (2.0 / n as f64).sqrt(),
            "var {var}"
        );
    }
}
