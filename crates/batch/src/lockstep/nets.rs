//! Hand-derived forward and backward passes of the presets on XOR, in lanes.
//!
//! Each pass mirrors the engine's graph for the preset node by node: the forward arithmetic is
//! [`crate::xor`]'s scalar passes (a matmul accumulates from 0 in index order, the bias is added
//! after), a bias gradient sums rows in order from 0, and kinks follow PyTorch (`relu'(0) = 0`,
//! `abs'(0) = 0`). So a lane gets the engine's bits, not just its value up to rounding.

use super::heads::Head;
use super::width::{LANES, Lane, ZERO};
use crate::xor::{
    INPUTS, abs1_outputs, linear_unit, relu, relu1_outputs, relu2_outputs, sign, step,
};

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
    /// The outputs of the four points for one run's parameters `t`, row-major
    /// `[point][output]` (the first `4·K` of 8).
    fn outputs(t: &[f32; MAX_PARAMS]) -> [f32; 8];
    /// The loss at `p` and its gradient, written into `g`.
    fn loss_grad<H: Head>(p: &Params, g: &mut Params) -> Lane;

    /// The outputs of the four points per lane, row-major `[point][output]`.
    #[inline(always)]
    fn forward(p: &Params, out: &mut [Lane; 8]) {
        for l in 0..LANES {
            let o = Self::outputs(&std::array::from_fn(|i| p[i][l]));
            for (lane, v) in out.iter_mut().zip(o) {
                lane[l] = v;
            }
        }
    }
}

/// Pre-activations of a Linear(2, `U`) layer on the XOR inputs: `z[i][j]` is
/// [`linear_unit`] of point `i` with `W` at `p[w..w+2U]` row-major and `b` at `p[b..b+U]`.
#[inline(always)]
fn first_layer<const U: usize>(p: &Params, w: usize, b: usize, z: &mut [[Lane; U]; 4]) {
    for (i, &x) in INPUTS.iter().enumerate() {
        for j in 0..U {
            for l in 0..LANES {
                z[i][j][l] = linear_unit(x, p[w + 2 * j][l], p[w + 2 * j + 1][l], p[b + j][l]);
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
                for (gzi, x) in gz.iter().zip(&INPUTS) {
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
    fn outputs(t: &[f32; MAX_PARAMS]) -> [f32; 8] {
        let o = abs1_outputs(t);
        [o[0], o[1], o[2], o[3], 0.0, 0.0, 0.0, 0.0]
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
    /// The outputs from the pre-activations: the engine's row sum starts from 0.
    #[inline(always)]
    fn sum_units(z: &[[Lane; 2]; 4], out: &mut [Lane; 8]) {
        for i in 0..4 {
            for l in 0..LANES {
                out[i][l] = (0.0 + relu(z[i][0][l])) + relu(z[i][1][l]);
            }
        }
    }
}

impl Net for Relu1 {
    const P: usize = 6;
    const K: usize = 1;

    #[inline(always)]
    fn outputs(t: &[f32; MAX_PARAMS]) -> [f32; 8] {
        let o = relu1_outputs(t);
        [o[0], o[1], o[2], o[3], 0.0, 0.0, 0.0, 0.0]
    }

    #[inline(always)]
    fn loss_grad<H: Head>(p: &Params, g: &mut Params) -> Lane {
        let mut z = [[ZERO; 2]; 4];
        first_layer::<2>(p, 0, 4, &mut z);
        let mut out = [ZERO; 8];
        Self::sum_units(&z, &mut out);
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
                    let hl = [h[i][0][l], h[i][1][l]];
                    out[2 * i + j][l] =
                        linear_unit(hl, p[6 + 2 * j][l], p[6 + 2 * j + 1][l], p[10 + j][l]);
                }
            }
        }
    }
}

impl Net for Relu2 {
    const P: usize = 12;
    const K: usize = 2;

    #[inline(always)]
    fn outputs(t: &[f32; MAX_PARAMS]) -> [f32; 8] {
        relu2_outputs(t)
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
