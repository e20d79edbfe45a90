//! Hand-derived forward and backward passes of the presets on XOR, in lanes.
//!
//! Each pass mirrors the engine's graph for the preset node by node: a matmul accumulates from 0
//! in index order (`acc = 0 + x₀w₀`, then `+ x₁w₁`), the bias is added after, a bias gradient
//! sums rows in order from 0, and kinks follow PyTorch (`relu'(0) = 0`, `abs'(0) = 0`). So a lane
//! gets the engine's bits, not just its value up to rounding.

use super::heads::Head;
use super::width::{LANES, Lane, ZERO};
use crate::preset::XOR_X;

/// The most parameters a preset has (relu2).
pub(crate) const MAX_PARAMS: usize = 12;

/// Parameters (or gradients) of a lane block, parameter-major.
pub(crate) type Params = [Lane; MAX_PARAMS];

/// One preset's passes.
pub(crate) trait Net {
    /// Parameters per run.
    const P: usize;
    /// Outputs per data point.
    const K: usize;
    /// The outputs of the four points, row-major `[point][output]`.
    fn forward(p: &Params, out: &mut [Lane; 8]);
    /// The loss at `p` and its gradient, written into `g`.
    fn loss_grad<H: Head>(p: &Params, g: &mut Params) -> Lane;
}

/// The engine's ReLU (`x if x > 0 or NaN, else 0`): NaN passes through, so a diverged run
/// stays visible. Written as one compare so it compiles to a vector select.
#[inline(always)]
fn relu(x: f32) -> f32 {
    if x <= 0.0 { 0.0 } else { x }
}

/// The engine's `step`, ReLU's local derivative: 1 where x > 0, else 0 (also at 0 and NaN).
#[inline(always)]
fn step(x: f32) -> f32 {
    if x > 0.0 { 1.0 } else { 0.0 }
}

/// The engine's `sign`, Abs's local derivative: ±1, and `x·0` at ±0 (NaN stays NaN).
/// Written as two selects over values computed up front, so it vectorizes.
#[inline(always)]
fn sign(x: f32) -> f32 {
    let not_positive = if x < 0.0 { -1.0 } else { x * 0.0 };
    if x > 0.0 { 1.0 } else { not_positive }
}

/// Pre-activations of a Linear(2, `U`) layer on the XOR inputs: `z[i][j] = (0 + x_i0·W_j0 +
/// x_i1·W_j1) + b_j`, with `W` at `p[w..w+2U]` row-major and `b` at `p[b..b+U]`.
#[inline(always)]
fn first_layer<const U: usize>(p: &Params, w: usize, b: usize, z: &mut [[Lane; U]; 4]) {
    for (i, x) in XOR_X.iter().enumerate() {
        for j in 0..U {
            for l in 0..LANES {
                let mut acc = 0.0f32;
                acc += x[0] * p[w + 2 * j][l];
                acc += x[1] * p[w + 2 * j + 1][l];
                z[i][j][l] = acc + p[b + j][l];
            }
        }
    }
}

/// Gradient of the first layer from `∂L/∂z`: the bias gets `Σᵢ gzᵢ` (from 0, in row order), the
/// weights `gW[j][k] = Σᵢ gz[i][j]·x_ik` (the engine's `gzᵀ·x`).
#[inline(always)]
fn first_layer_grad<const U: usize>(gz: &[[Lane; U]; 4], w: usize, b: usize, g: &mut Params) {
    for j in 0..U {
        for l in 0..LANES {
            let mut acc = 0.0f32;
            for gzi in gz {
                acc += gzi[j][l];
            }
            g[b + j][l] = acc;
        }
        for k in 0..2 {
            for l in 0..LANES {
                let mut acc = 0.0f32;
                for (gzi, x) in gz.iter().zip(&XOR_X) {
                    acc += gzi[j][l] * x[k];
                }
                g[w + 2 * j + k][l] = acc;
            }
        }
    }
}

/// abs1: `y = |w·x + b|`.
pub(crate) struct Abs1;

impl Net for Abs1 {
    const P: usize = 3;
    const K: usize = 1;

    #[inline(always)]
    fn forward(p: &Params, out: &mut [Lane; 8]) {
        let mut z = [[ZERO; 1]; 4];
        first_layer::<1>(p, 0, 2, &mut z);
        for i in 0..4 {
            for l in 0..LANES {
                out[i][l] = z[i][0][l].abs();
            }
        }
    }

    #[inline(always)]
    fn loss_grad<H: Head>(p: &Params, g: &mut Params) -> Lane {
        let mut z = [[ZERO; 1]; 4];
        first_layer::<1>(p, 0, 2, &mut z);
        let mut out = [ZERO; 8];
        for i in 0..4 {
            for l in 0..LANES {
                out[i][l] = z[i][0][l].abs();
            }
        }
        let mut gout = [ZERO; 8];
        let loss = H::loss_grad(1, &out, &mut gout);
        let mut gz = [[ZERO; 1]; 4];
        for i in 0..4 {
            for l in 0..LANES {
                gz[i][0][l] = gout[i][l] * sign(z[i][0][l]);
            }
        }
        first_layer_grad::<1>(&gz, 0, 2, g);
        loss
    }
}

/// relu1: `y = ReLU(z₀) + ReLU(z₁)` (a fixed sum, no output weights).
pub(crate) struct Relu1;

impl Relu1 {
    #[inline(always)]
    fn outputs(z: &[[Lane; 2]; 4], out: &mut [Lane; 8]) {
        for i in 0..4 {
            for l in 0..LANES {
                // The engine's row sum starts from 0.
                out[i][l] = (0.0 + relu(z[i][0][l])) + relu(z[i][1][l]);
            }
        }
    }
}

impl Net for Relu1 {
    const P: usize = 6;
    const K: usize = 1;

    #[inline(always)]
    fn forward(p: &Params, out: &mut [Lane; 8]) {
        let mut z = [[ZERO; 2]; 4];
        first_layer::<2>(p, 0, 4, &mut z);
        Self::outputs(&z, out);
    }

    #[inline(always)]
    fn loss_grad<H: Head>(p: &Params, g: &mut Params) -> Lane {
        let mut z = [[ZERO; 2]; 4];
        first_layer::<2>(p, 0, 4, &mut z);
        let mut out = [ZERO; 8];
        Self::outputs(&z, &mut out);
        let mut gout = [ZERO; 8];
        let loss = H::loss_grad(1, &out, &mut gout);
        let mut gz = [[ZERO; 2]; 4];
        for i in 0..4 {
            for j in 0..2 {
                for l in 0..LANES {
                    gz[i][j][l] = gout[i][l] * step(z[i][j][l]);
                }
            }
        }
        first_layer_grad::<2>(&gz, 0, 4, g);
        loss
    }
}

/// relu2: Linear(2,2) → ReLU → Linear(2,2); `W1 = p[0..4]`, `b1 = p[4..6]`, `W2 = p[6..10]`,
/// `b2 = p[10..12]`.
pub(crate) struct Relu2;

impl Relu2 {
    /// Hidden activations and outputs: `o[i][j] = (0 + h_i0·W2_j0 + h_i1·W2_j1) + b2_j`.
    #[inline(always)]
    fn hidden_and_outputs(
        p: &Params,
        z: &[[Lane; 2]; 4],
        h: &mut [[Lane; 2]; 4],
        out: &mut [Lane; 8],
    ) {
        for i in 0..4 {
            for j in 0..2 {
                for l in 0..LANES {
                    h[i][j][l] = relu(z[i][j][l]);
                }
            }
            for j in 0..2 {
                for l in 0..LANES {
                    let mut acc = 0.0f32;
                    acc += h[i][0][l] * p[6 + 2 * j][l];
                    acc += h[i][1][l] * p[6 + 2 * j + 1][l];
                    out[2 * i + j][l] = acc + p[10 + j][l];
                }
            }
        }
    }
}

impl Net for Relu2 {
    const P: usize = 12;
    const K: usize = 2;

    #[inline(always)]
    fn forward(p: &Params, out: &mut [Lane; 8]) {
        let mut z = [[ZERO; 2]; 4];
        let mut h = [[ZERO; 2]; 4];
        first_layer::<2>(p, 0, 4, &mut z);
        Self::hidden_and_outputs(p, &z, &mut h, out);
    }

    #[inline(always)]
    fn loss_grad<H: Head>(p: &Params, g: &mut Params) -> Lane {
        let mut z = [[ZERO; 2]; 4];
        let mut h = [[ZERO; 2]; 4];
        let mut out = [ZERO; 8];
        first_layer::<2>(p, 0, 4, &mut z);
        Self::hidden_and_outputs(p, &z, &mut h, &mut out);
        let mut gout = [ZERO; 8];
        let loss = H::loss_grad(2, &out, &mut gout);
        // Second layer: b2 gets the row sums of ∂L/∂o, W2 gets (∂L/∂o)ᵀ·h, h gets (∂L/∂o)·W2.
        for j in 0..2 {
            for l in 0..LANES {
                let mut acc = 0.0f32;
                for i in 0..4 {
                    acc += gout[2 * i + j][l];
                }
                g[10 + j][l] = acc;
            }
            for k in 0..2 {
                for l in 0..LANES {
                    let mut acc = 0.0f32;
                    for i in 0..4 {
                        acc += gout[2 * i + j][l] * h[i][k][l];
                    }
                    g[6 + 2 * j + k][l] = acc;
                }
            }
        }
        let mut gz = [[ZERO; 2]; 4];
        for i in 0..4 {
            for k in 0..2 {
                for l in 0..LANES {
                    let mut acc = 0.0f32;
                    acc += gout[2 * i][l] * p[6 + k][l];
                    acc += gout[2 * i + 1][l] * p[6 + 2 + k][l];
                    gz[i][k][l] = acc * step(z[i][k][l]);
                }
            }
        }
        first_layer_grad::<2>(&gz, 0, 4, g);
        loss
    }
}
