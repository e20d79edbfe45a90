//! Lane blocks: structure-of-arrays storage shared by the batch kernels.
//!
//! A lane array `[f32; N]` holds one scalar of `N` independent runs or candidates. Kernels loop
//! `for l in 0..N` over such arrays with no cross-lane dependency, which LLVM turns into
//! full-width vector code inside each `#[target_feature]` clone (ymm under AVX2, zmm under
//! AVX-512). The width is a constant, not taken from the ISA, so every clone computes the same
//! lanes in the same order and results do not depend on the ISA.

/// The default lane width: one zmm, two ymm. Kernels whose work is a long dependency chain
/// (the lockstep trainer) use wider blocks to give the CPU independent work.
pub const LANES: usize = 16;

/// One scalar of each of [`LANES`] runs.
pub type Lane = [f32; LANES];

/// Transposes up to `N` run-major rows of `width` values (`rows[r * width + i]`) into `width`
/// lanes (`out[i][r]`); lanes past the last row are zero.
#[inline(always)]
pub fn gather_rows<const N: usize>(rows: &[f32], width: usize, out: &mut [[f32; N]]) {
    for lane in out.iter_mut().take(width) {
        *lane = [0.0; N];
    }
    for (r, row) in rows.chunks_exact(width).take(N).enumerate() {
        for (i, &v) in row.iter().enumerate() {
            out[i][r] = v;
        }
    }
}

/// The inverse of [`gather_rows`]: writes lane `r` of `width` lanes into row `r` of `rows`, for
/// as many rows as `rows` holds (at most `N`).
#[inline(always)]
pub fn scatter_rows<const N: usize>(lanes: &[[f32; N]], width: usize, rows: &mut [f32]) {
    for (r, row) in rows.chunks_exact_mut(width).take(N).enumerate() {
        for (i, v) in row.iter_mut().enumerate() {
            *v = lanes[i][r];
        }
    }
}
