//! The fused forward pass, loss, accuracy and analytic gradient norm of abs1, relu1 and relu2 on
//! the four centred XOR points, one candidate per lane.
//!
//! Every formula mirrors the engine's graph operation by operation where it can: products with
//! the ±1 inputs are written as the sums and differences they equal exactly, sums run in the
//! engine's order, and means multiply by the exact power of two 1/n. The loss therefore equals
//! the engine's to the bit for MSE (up to the sign of a zero, which no later operation can
//! see); BCE and cross-entropy use the vectorizable [`super::math`] instead of libm, a few ulps
//! off. The kink conventions are the engine's (PyTorch's): ReLU'(0) = 0, |·|'(0) = 0, and NaN
//! passes through ReLU.

// Lane loops index several arrays by the lane number: the form LLVM vectorizes.
#![allow(clippy::needless_range_loop)]

use super::math::{exp_nonpositive, ln_1p_unit, sigmoid_from};
use crate::xor::{IS_CLASS_1, ONE_HOT, SCALAR, relu, sign, step};

// The centred XOR inputs (−1,−1), (1,−1), (−1,1), (1,1) (`crate::xor::INPUTS`) appear below as
// the signs in `unit` and `unit_grad`, which the tests hold to the engine. The engine-order
// passes of `crate::xor` (the lockstep trainer's) give the same values up to the sign of a zero
// but take 12 operations per unit where `unit` takes 6, in the loop that scores every candidate.

/// What one lane computes: loss, accuracy (0 unless asked) and gradient norm (0 unless asked).
pub(crate) type LaneScore = (f32, f32, f32);

/// A loss applied per output element: the engine's value and its derivative in the output.
pub(crate) trait ElementLoss {
    /// The accuracy threshold on a single output (0.5 for MSE outputs, 0 for logits).
    const THRESHOLD: f32;
    /// (value, ∂value/∂y).
    fn value_grad(y: f32, t: f32) -> (f32, f32);
}

/// `MSELoss`: (y − t)², derivative 2(y − t).
pub(crate) struct Mse;
/// `BCEWithLogitsLoss`: softplus(y) − y·t, derivative σ(y) − t.
pub(crate) struct Bce;

impl ElementLoss for Mse {
    const THRESHOLD: f32 = 0.5;
    #[inline(always)]
    fn value_grad(y: f32, t: f32) -> (f32, f32) {
        let d = y - t;
        (d * d, 2.0 * d)
    }
}

impl ElementLoss for Bce {
    const THRESHOLD: f32 = 0.0;
    #[inline(always)]
    fn value_grad(y: f32, t: f32) -> (f32, f32) {
        let e = exp_nonpositive(-y.abs());
        let pos = if y > 0.0 { y } else { 0.0 };
        (pos + ln_1p_unit(e) - y * t, sigmoid_from(y, e) - t)
    }
}

/// A loss over relu2's two outputs per row.
pub(crate) trait RowLoss {
    /// The mean's factor: 1/8 for elementwise losses over 4 × 2 outputs, 1/4 for row losses.
    const SCALE: f32;
    /// Adds row `i`'s contribution to `acc` (in the engine's order) and returns ∂/∂o of the
    /// row's unscaled value.
    fn add_row(acc: f32, o: [f32; 2], t: [f32; 2]) -> (f32, [f32; 2]);
}

impl<E: ElementLoss> RowLoss for E {
    const SCALE: f32 = 0.125;
    #[inline(always)]
    fn add_row(acc: f32, o: [f32; 2], t: [f32; 2]) -> (f32, [f32; 2]) {
        let (v0, g0) = E::value_grad(o[0], t[0]);
        let (v1, g1) = E::value_grad(o[1], t[1]);
        ((acc + v0) + v1, [g0, g1])
    }
}

/// `CrossEntropyLoss` with probability targets: lse(o)·Σt − Σ t·o per row, derivative
/// softmax(o)·Σt − t. For two logits lse = max + ln(1 + e^−|o₀−o₁|).
pub(crate) struct CrossEntropy;

impl RowLoss for CrossEntropy {
    const SCALE: f32 = 0.25;
    #[inline(always)]
    fn add_row(acc: f32, o: [f32; 2], t: [f32; 2]) -> (f32, [f32; 2]) {
        let diff = o[0] - o[1];
        let e = exp_nonpositive(-diff.abs());
        let m = if o[0] >= o[1] { o[0] } else { o[1] };
        let lse = m + ln_1p_unit(e);
        let mass = t[0] + t[1];
        let picked = t[0] * o[0] + t[1] * o[1];
        // softmax₀ = σ(o₀ − o₁), softmax₁ = σ(o₁ − o₀), both from the same e.
        let p0 = sigmoid_from(diff, e);
        let p1 = sigmoid_from(-diff, e);
        (
            acc + (lse * mass - picked),
            [p0 * mass - t[0], p1 * mass - t[1]],
        )
    }
}

/// Pre-activations of one unit with weights (a, c) and bias b on the four XOR rows: the
/// engine's `(x₀·a + x₁·c) + b` with x ∈ {±1}, which is exactly b − s, d + b, b − d, s + b for
/// s = a + c, d = a − c.
#[inline(always)]
fn unit(a: f32, c: f32, b: f32) -> [f32; 4] {
    let (s, d) = (a + c, a - c);
    [b - s, d + b, b - d, s + b]
}

/// The gradient of an input-layer unit from its pre-activation gradients `g` on the four
/// rows: (∂w₀, ∂w₁, ∂b) = (Σ x₀g, Σ x₁g, Σ g), summed in row order.
#[inline(always)]
fn unit_grad(g: [f32; 4]) -> (f32, f32, f32) {
    (
        ((-g[0] + g[1]) - g[2]) + g[3],
        ((-g[0] - g[1]) + g[2]) + g[3],
        ((g[0] + g[1]) + g[2]) + g[3],
    )
}

/// Accuracy of one-output predictions under threshold `th`: row i is correct when
/// `(y ≥ th) == class_i`.
#[inline(always)]
fn accuracy_threshold(y: [f32; 4], th: f32) -> f32 {
    let mut count = 0.0f32;
    for i in 0..4 {
        count += if (y[i] >= th) == IS_CLASS_1[i] {
            1.0
        } else {
            0.0
        };
    }
    count * 0.25
}

/// abs1 on one lane: `θ = [w₀, w₁, b]`, y = |w·x + b|.
#[inline(always)]
pub(crate) fn abs1<E: ElementLoss, const ACC: bool, const GRAD: bool>(t: [f32; 3]) -> LaneScore {
    let z = unit(t[0], t[1], t[2]);
    let y = z.map(f32::abs);
    let mut acc = 0.0f32;
    let mut g = [0.0f32; 4];
    for i in 0..4 {
        let (v, dv) = E::value_grad(y[i], SCALAR[i]);
        acc += v;
        g[i] = dv * 0.25 * sign(z[i]);
    }
    let accuracy = if ACC {
        accuracy_threshold(y, E::THRESHOLD)
    } else {
        0.0
    };
    let grad = if GRAD {
        let (dw0, dw1, db) = unit_grad(g);
        ((dw0 * dw0 + dw1 * dw1) + db * db).sqrt()
    } else {
        0.0
    };
    (acc * 0.25, accuracy, grad)
}

/// relu1 on one lane: `θ = [W₀₀, W₀₁, W₁₀, W₁₁, b₀, b₁]`, y = Σⱼ relu(Wⱼ·x + bⱼ).
#[inline(always)]
pub(crate) fn relu1<E: ElementLoss, const ACC: bool, const GRAD: bool>(t: [f32; 6]) -> LaneScore {
    let z0 = unit(t[0], t[1], t[4]);
    let z1 = unit(t[2], t[3], t[5]);
    let mut y = [0.0f32; 4];
    let mut acc = 0.0f32;
    let mut g = [0.0f32; 4];
    for i in 0..4 {
        y[i] = relu(z0[i]) + relu(z1[i]);
        let (v, dv) = E::value_grad(y[i], SCALAR[i]);
        acc += v;
        g[i] = dv * 0.25;
    }
    let accuracy = if ACC {
        accuracy_threshold(y, E::THRESHOLD)
    } else {
        0.0
    };
    let grad = if GRAD {
        let (a0, c0, b0) = unit_grad([0, 1, 2, 3].map(|i| g[i] * step(z0[i])));
        let (a1, c1, b1) = unit_grad([0, 1, 2, 3].map(|i| g[i] * step(z1[i])));
        let sw = ((a0 * a0 + c0 * c0) + a1 * a1) + c1 * c1;
        let sb = b0 * b0 + b1 * b1;
        (sw + sb).sqrt()
    } else {
        0.0
    };
    (acc * 0.25, accuracy, grad)
}

/// relu2 on one lane: `θ = [W (2×2), b (2), V (2×2), c (2)]`, o = V·relu(W·x + b) + c.
#[inline(always)]
pub(crate) fn relu2<R: RowLoss, const ACC: bool, const GRAD: bool>(t: [f32; 12]) -> LaneScore {
    let z0 = unit(t[0], t[1], t[4]);
    let z1 = unit(t[2], t[3], t[5]);
    let v = [[t[6], t[7]], [t[8], t[9]]];
    let c = [t[10], t[11]];
    let mut acc = 0.0f32;
    let mut h = [[0.0f32; 2]; 4];
    let mut g = [[0.0f32; 2]; 4];
    let mut correct = 0.0f32;
    for i in 0..4 {
        h[i] = [relu(z0[i]), relu(z1[i])];
        let o = [0, 1].map(|k| (h[i][0] * v[k][0] + h[i][1] * v[k][1]) + c[k]);
        let (a, dv) = R::add_row(acc, o, ONE_HOT[i]);
        acc = a;
        g[i] = dv.map(|d| d * R::SCALE);
        if ACC {
            // torch.argmax: the first maximum; a NaN never wins unless all are NaN.
            let m0 = if o[0] > f32::NEG_INFINITY {
                o[0]
            } else {
                f32::NEG_INFINITY
            };
            correct += if (o[1] > m0) == IS_CLASS_1[i] {
                1.0
            } else {
                0.0
            };
        }
    }
    let grad = if GRAD {
        let mut sv = 0.0f32;
        for k in 0..2 {
            for j in 0..2 {
                let d = ((g[0][k] * h[0][j] + g[1][k] * h[1][j]) + g[2][k] * h[2][j])
                    + g[3][k] * h[3][j];
                sv += d * d;
            }
        }
        let dc = [0, 1].map(|k| ((g[0][k] + g[1][k]) + g[2][k]) + g[3][k]);
        let sc = dc[0] * dc[0] + dc[1] * dc[1];
        let dz = |j: usize, z: &[f32; 4]| {
            [0, 1, 2, 3].map(|i| (g[i][0] * v[0][j] + g[i][1] * v[1][j]) * step(z[i]))
        };
        let (a0, c0, b0) = unit_grad(dz(0, &z0));
        let (a1, c1, b1) = unit_grad(dz(1, &z1));
        let sw = ((a0 * a0 + c0 * c0) + a1 * a1) + c1 * c1;
        let sb = b0 * b0 + b1 * b1;
        (((sw + sb) + sv) + sc).sqrt()
    } else {
        0.0
    };
    (acc * R::SCALE, correct * 0.25, grad)
}
