//! The presets' forward passes on the four XOR points, one parameter vector at a time, in the
//! engine's operation order: a matmul accumulates from 0 in index order (`0 + x₀w₀`, then
//! `+ x₁w₁`), the bias is added after, and a row sum starts from 0. So they give the engine's
//! bits, and lane loops over them vectorize (the lockstep trainer evaluates its blocks with
//! them).

use super::INPUTS;
use super::activation::relu;

/// One unit of a Linear(2, ·) layer on input `x`: `(0 + x₀·w₀ + x₁·w₁) + b`.
#[inline(always)]
pub(crate) fn linear_unit(x: [f32; 2], w0: f32, w1: f32, b: f32) -> f32 {
    let mut acc = 0.0f32;
    acc += x[0] * w0;
    acc += x[1] * w1;
    acc + b
}

/// abs1's outputs `|w·xᵢ + b|` for `t = [w₀, w₁, b]`, one per point.
#[inline(always)]
pub(crate) fn abs1_outputs(t: &[f32]) -> [f32; 4] {
    INPUTS.map(|x| linear_unit(x, t[0], t[1], t[2]).abs())
}

/// relu1's outputs `ReLU(z₀) + ReLU(z₁)` (the engine's row sum, from 0) for `t = [W (2×2),
/// b (2)]`, one per point.
#[inline(always)]
pub(crate) fn relu1_outputs(t: &[f32]) -> [f32; 4] {
    INPUTS.map(|x| {
        let z0 = linear_unit(x, t[0], t[1], t[4]);
        let z1 = linear_unit(x, t[2], t[3], t[5]);
        (0.0 + relu(z0)) + relu(z1)
    })
}

/// relu2's outputs `V·ReLU(W·x + b) + c` for `t = [W (2×2), b (2), V (2×2), c (2)]`,
/// row-major `[point][output]`.
#[inline(always)]
pub(crate) fn relu2_outputs(t: &[f32]) -> [f32; 8] {
    let mut out = [0.0f32; 8];
    for (i, x) in INPUTS.into_iter().enumerate() {
        let h = [0, 1].map(|j| relu(linear_unit(x, t[2 * j], t[2 * j + 1], t[4 + j])));
        for j in 0..2 {
            out[2 * i + j] = linear_unit(h, t[6 + 2 * j], t[6 + 2 * j + 1], t[10 + j]);
        }
    }
    out
}
