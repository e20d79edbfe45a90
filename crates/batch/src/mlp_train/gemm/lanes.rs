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
