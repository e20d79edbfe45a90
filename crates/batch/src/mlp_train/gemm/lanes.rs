//! The vector types of the [`Lanes`] trait: AVX-512 and AVX2 registers with fused
//! multiply-add, and for CPUs without FMA, SSE registers (plain arrays off x86-64) with a
//! separate multiply and add. A lane of each rounds exactly as the scalar `mul_add` (or
//! `a * b + c`) of [`Lanes::scalar_mul_add`].

use super::Lanes;

#[cfg(target_arch = "x86_64")]
pub(super) use x86::{Baseline, Ymm, Zmm};

#[cfg(not(target_arch = "x86_64"))]
pub(super) use portable::Baseline;

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::*;

    use super::Lanes;

    /// Writes the transpose of the 8×8 block at `src` (rows `src_stride` apart) to `dst` (rows
    /// `dst_stride` apart): unpack pairs of rows, shuffle pairs of pairs, swap 128-bit halves.
    ///
    /// # Safety
    /// The CPU supports AVX.
    #[inline(always)]
    unsafe fn transpose8(src: &[f32], src_stride: usize, dst: &mut [f32], dst_stride: usize) {
        let _ = (&src[7 * src_stride..][..8], &dst[7 * dst_stride..][..8]);
        // SAFETY: AVX by the caller; rows 0..8 of 8 values each, `stride` apart, lie within
        // `src` and `dst` (the last one was checked just above, the others come before it).
        unsafe {
            let s = src.as_ptr();
            let r: [__m256; 8] = [
                _mm256_loadu_ps(s),
                _mm256_loadu_ps(s.add(src_stride)),
                _mm256_loadu_ps(s.add(2 * src_stride)),
                _mm256_loadu_ps(s.add(3 * src_stride)),
                _mm256_loadu_ps(s.add(4 * src_stride)),
                _mm256_loadu_ps(s.add(5 * src_stride)),
                _mm256_loadu_ps(s.add(6 * src_stride)),
                _mm256_loadu_ps(s.add(7 * src_stride)),
            ];
            let t = [
                _mm256_unpacklo_ps(r[0], r[1]),
                _mm256_unpackhi_ps(r[0], r[1]),
                _mm256_unpacklo_ps(r[2], r[3]),
                _mm256_unpackhi_ps(r[2], r[3]),
                _mm256_unpacklo_ps(r[4], r[5]),
                _mm256_unpackhi_ps(r[4], r[5]),
                _mm256_unpacklo_ps(r[6], r[7]),
                _mm256_unpackhi_ps(r[6], r[7]),
            ];
            let u = [
                _mm256_shuffle_ps::<0x44>(t[0], t[2]),
                _mm256_shuffle_ps::<0xEE>(t[0], t[2]),
                _mm256_shuffle_ps::<0x44>(t[1], t[3]),
                _mm256_shuffle_ps::<0xEE>(t[1], t[3]),
                _mm256_shuffle_ps::<0x44>(t[4], t[6]),
                _mm256_shuffle_ps::<0xEE>(t[4], t[6]),
                _mm256_shuffle_ps::<0x44>(t[5], t[7]),
                _mm256_shuffle_ps::<0xEE>(t[5], t[7]),
            ];
            let d = dst.as_mut_ptr();
            for j in 0..4 {
                _mm256_storeu_ps(
                    d.add(j * dst_stride),
                    _mm256_permute2f128_ps::<0x20>(u[j], u[j + 4]),
                );
                _mm256_storeu_ps(
                    d.add((j + 4) * dst_stride),
                    _mm256_permute2f128_ps::<0x31>(u[j], u[j + 4]),
                );
            }
        }
    }

    /// 16 lanes in an AVX-512 register, multiplied and added by FMA.
    #[derive(Clone, Copy)]
    pub(in crate::mlp_train::gemm) struct Zmm(__m512);

    impl Zmm {
        /// A zero vector.
        ///
        /// # Safety
        /// The CPU supports AVX-512F and FMA.
        #[inline(always)]
        pub(in crate::mlp_train::gemm) unsafe fn new() -> Self {
            // SAFETY: the caller vouches for AVX-512F.
            Self(unsafe { _mm512_setzero_ps() })
        }
    }

    impl Lanes for Zmm {
        const WIDTH: usize = 16;

        const BLOCK: usize = 8;

        #[inline(always)]
        fn transpose_block(
            self,
            src: &[f32],
            src_stride: usize,
            dst: &mut [f32],
            dst_stride: usize,
        ) {
            // SAFETY: AVX as above (AVX-512 and AVX2 CPUs have it).
            unsafe { transpose8(src, src_stride, dst, dst_stride) }
        }

        #[inline(always)]
        fn splat(self, x: f32) -> Self {
            // SAFETY: a `Zmm` exists only on a CPU with AVX-512F and FMA (see `new`).
            Self(unsafe { _mm512_set1_ps(x) })
        }

        #[inline(always)]
        fn load(self, s: &[f32]) -> Self {
            let s = &s[..Self::WIDTH];
            // SAFETY: AVX-512F as above; `s` holds the 16 values read.
            Self(unsafe { _mm512_loadu_ps(s.as_ptr()) })
        }

        #[inline(always)]
        fn store(self, s: &mut [f32]) {
            let s = &mut s[..Self::WIDTH];
            // SAFETY: AVX-512F as above; `s` holds the 16 values written.
            unsafe { _mm512_storeu_ps(s.as_mut_ptr(), self.0) }
        }

        #[inline(always)]
        fn mul_add(self, a: Self, b: Self) -> Self {
            // SAFETY: AVX-512F as above.
            Self(unsafe { _mm512_fmadd_ps(a.0, b.0, self.0) })
        }

        #[inline(always)]
        fn scalar_mul_add(acc: f32, a: f32, b: f32) -> f32 {
            a.mul_add(b, acc)
        }

        #[inline(always)]
        fn add(self, b: Self) -> Self {
            // SAFETY: AVX-512F as above.
            Self(unsafe { _mm512_add_ps(self.0, b.0) })
        }
    }

    /// 8 lanes in an AVX register, multiplied and added by FMA.
    #[derive(Clone, Copy)]
    pub(in crate::mlp_train::gemm) struct Ymm(__m256);

    impl Ymm {
        /// A zero vector.
        ///
        /// # Safety
        /// The CPU supports AVX2 and FMA.
        #[inline(always)]
        pub(in crate::mlp_train::gemm) unsafe fn new() -> Self {
            // SAFETY: the caller vouches for AVX2.
            Self(unsafe { _mm256_setzero_ps() })
        }
    }

    impl Lanes for Ymm {
        const WIDTH: usize = 8;

        const BLOCK: usize = 8;

        #[inline(always)]
        fn transpose_block(
            self,
            src: &[f32],
            src_stride: usize,
            dst: &mut [f32],
            dst_stride: usize,
        ) {
            // SAFETY: AVX as above (AVX-512 and AVX2 CPUs have it).
            unsafe { transpose8(src, src_stride, dst, dst_stride) }
        }

        #[inline(always)]
        fn splat(self, x: f32) -> Self {
            // SAFETY: a `Ymm` exists only on a CPU with AVX2 and FMA (see `new`).
            Self(unsafe { _mm256_set1_ps(x) })
        }

        #[inline(always)]
        fn load(self, s: &[f32]) -> Self {
            let s = &s[..Self::WIDTH];
            // SAFETY: AVX2 as above; `s` holds the 8 values read.
            Self(unsafe { _mm256_loadu_ps(s.as_ptr()) })
        }

        #[inline(always)]
        fn store(self, s: &mut [f32]) {
            let s = &mut s[..Self::WIDTH];
            // SAFETY: AVX2 as above; `s` holds the 8 values written.
            unsafe { _mm256_storeu_ps(s.as_mut_ptr(), self.0) }
        }

        #[inline(always)]
        fn mul_add(self, a: Self, b: Self) -> Self {
            // SAFETY: AVX2 and FMA as above.
            Self(unsafe { _mm256_fmadd_ps(a.0, b.0, self.0) })
        }

        #[inline(always)]
        fn scalar_mul_add(acc: f32, a: f32, b: f32) -> f32 {
            a.mul_add(b, acc)
        }

        #[inline(always)]
        fn add(self, b: Self) -> Self {
            // SAFETY: AVX2 as above.
            Self(unsafe { _mm256_add_ps(self.0, b.0) })
        }
    }

    /// 4 lanes in an SSE register (SSE2 is part of x86-64), multiplied and added apart.
    #[derive(Clone, Copy)]
    pub(in crate::mlp_train::gemm) struct Baseline(__m128);

    impl Baseline {
        /// A zero vector.
        #[inline(always)]
        pub(in crate::mlp_train::gemm) fn new() -> Self {
            // SAFETY: every x86-64 CPU has SSE2.
            Self(unsafe { _mm_setzero_ps() })
        }
    }

    impl Lanes for Baseline {
        const WIDTH: usize = 4;
        const BLOCK: usize = 4;

        #[inline(always)]
        fn transpose_block(
            self,
            src: &[f32],
            src_stride: usize,
            dst: &mut [f32],
            dst_stride: usize,
        ) {
            let r: [&[f32]; 4] = [
                &src[..4],
                &src[src_stride..][..4],
                &src[2 * src_stride..][..4],
                &src[3 * src_stride..][..4],
            ];
            let _ = &dst[3 * dst_stride..][..4];
            // SAFETY: SSE2 is part of x86-64; the four rows read and the four written hold four
            // values each (checked just above).
            unsafe {
                let (a, b, c, d) = (
                    _mm_loadu_ps(r[0].as_ptr()),
                    _mm_loadu_ps(r[1].as_ptr()),
                    _mm_loadu_ps(r[2].as_ptr()),
                    _mm_loadu_ps(r[3].as_ptr()),
                );
                let (t0, t1) = (_mm_unpacklo_ps(a, b), _mm_unpacklo_ps(c, d));
                let (t2, t3) = (_mm_unpackhi_ps(a, b), _mm_unpackhi_ps(c, d));
                let p = dst.as_mut_ptr();
                _mm_storeu_ps(p, _mm_movelh_ps(t0, t1));
                _mm_storeu_ps(p.add(dst_stride), _mm_movehl_ps(t1, t0));
                _mm_storeu_ps(p.add(2 * dst_stride), _mm_movelh_ps(t2, t3));
                _mm_storeu_ps(p.add(3 * dst_stride), _mm_movehl_ps(t3, t2));
            }
        }

        #[inline(always)]
        fn splat(self, x: f32) -> Self {
            // SAFETY: SSE2 is part of x86-64.
            Self(unsafe { _mm_set1_ps(x) })
        }

        #[inline(always)]
        fn load(self, s: &[f32]) -> Self {
            let s = &s[..Self::WIDTH];
            // SAFETY: SSE2 as above; `s` holds the 4 values read.
            Self(unsafe { _mm_loadu_ps(s.as_ptr()) })
        }

        #[inline(always)]
        fn store(self, s: &mut [f32]) {
            let s = &mut s[..Self::WIDTH];
            // SAFETY: SSE2 as above; `s` holds the 4 values written.
            unsafe { _mm_storeu_ps(s.as_mut_ptr(), self.0) }
        }

        #[inline(always)]
        fn mul_add(self, a: Self, b: Self) -> Self {
            // SAFETY: SSE2 as above.
            Self(unsafe { _mm_add_ps(self.0, _mm_mul_ps(a.0, b.0)) })
        }

        #[inline(always)]
        fn scalar_mul_add(acc: f32, a: f32, b: f32) -> f32 {
            acc + a * b
        }

        #[inline(always)]
        fn add(self, b: Self) -> Self {
            // SAFETY: SSE2 as above.
            Self(unsafe { _mm_add_ps(self.0, b.0) })
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod portable {
    use super::Lanes;

    /// 4 lanes in an array, for targets without the x86 types, multiplied and added apart.
    #[derive(Clone, Copy)]
    pub(in crate::mlp_train::gemm) struct Baseline([f32; 4]);

    impl Baseline {
        /// A zero vector.
        #[inline(always)]
        pub(in crate::mlp_train::gemm) fn new() -> Self {
            Self([0.0; 4])
        }
    }

    impl Lanes for Baseline {
        const WIDTH: usize = 4;
        const BLOCK: usize = 4;

        #[inline(always)]
        fn transpose_block(
            self,
            src: &[f32],
            src_stride: usize,
            dst: &mut [f32],
            dst_stride: usize,
        ) {
            for i in 0..4 {
                for j in 0..4 {
                    dst[j * dst_stride + i] = src[i * src_stride + j];
                }
            }
        }

        #[inline(always)]
        fn splat(self, x: f32) -> Self {
            Self([x; 4])
        }

        #[inline(always)]
        fn load(self, s: &[f32]) -> Self {
            Self(s[..4].try_into().expect("4 values"))
        }

        #[inline(always)]
        fn store(self, s: &mut [f32]) {
            s[..4].copy_from_slice(&self.0);
        }

        #[inline(always)]
        fn mul_add(self, a: Self, b: Self) -> Self {
            Self(std::array::from_fn(|l| self.0[l] + a.0[l] * b.0[l]))
        }

        #[inline(always)]
        fn scalar_mul_add(acc: f32, a: f32, b: f32) -> f32 {
            acc + a * b
        }

        #[inline(always)]
        fn add(self, b: Self) -> Self {
            Self(std::array::from_fn(|l| self.0[l] + b.0[l]))
        }
    }
}
