//! Elementwise functions whose exact evaluation order other kernels must share: the lockstep
//! trainer calls these same functions so that its lanes round exactly as the engine does.

use crate::real::Real;

/// σ(x) without overflow for either sign.
#[inline]
pub fn sigmoid<T: Real>(x: T) -> T {
    if x >= T::zero() {
        T::one() / (T::one() + (-x).exp())
    } else {
        let e = x.exp();
        e / (T::one() + e)
    }
}

/// ln(1 + eˣ) without overflow: max(x, 0) + ln(1 + e^−|x|).
#[inline]
pub fn softplus<T: Real>(x: T) -> T {
    x.max(T::zero()) + (-x.abs()).exp().ln_1p()
}
