//! The engine's activations and their local derivatives, one scalar at a time, written so that
//! a lane loop over them compiles to vector selects. Kinks follow PyTorch: relu'(0) = 0,
//! |·|'(0) = 0, and NaN passes through ReLU so a diverged run stays visible.

/// The engine's ReLU: `x` if `x > 0` or NaN, else 0. One compare, so it compiles to a select.
#[inline(always)]
pub(crate) fn relu(x: f32) -> f32 {
    if x <= 0.0 { 0.0 } else { x }
}

/// The engine's `step`, ReLU's local derivative: 1 where x > 0, else 0 (also at 0 and NaN).
#[inline(always)]
pub(crate) fn step(x: f32) -> f32 {
    if x > 0.0 { 1.0 } else { 0.0 }
}

/// The engine's `sign`, Abs's local derivative: ±1, and `x·0` at ±0 (NaN stays NaN). Two
/// selects over values computed up front, so it vectorizes.
#[inline(always)]
pub(crate) fn sign(x: f32) -> f32 {
    let not_positive = if x < 0.0 { -1.0 } else { x * 0.0 };
    if x > 0.0 { 1.0 } else { not_positive }
}
