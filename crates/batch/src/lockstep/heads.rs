//! Loss heads in lanes: the loss of the four points' outputs and its gradient with respect to
//! the outputs, with the engine's operation order (initsift-tensor `mse`, `bce_with_logits` and
//! their symbolic gradients), so each lane rounds exactly as the engine does.

use super::width::{LANES, Lane, ZERO};
use crate::xor::target;
use initsift_tensor::scalar::{sigmoid, softplus};

/// A loss over the `4·k` output elements, mean-reduced as PyTorch's default.
pub(crate) trait Head {
    /// The output at or above which a one-output prediction is class 1 (0.5 on MSE outputs, 0
    /// on logits), as initsift-nn's `Loss::accuracy_rule`.
    const THRESHOLD: f32;
    /// The loss per lane; `gout` receives ∂loss/∂output per element.
    fn loss_grad(k: usize, out: &[Lane; 8], gout: &mut [Lane; 8]) -> Lane;
    /// The loss per lane, without the gradient.
    #[inline(always)]
    fn loss(k: usize, out: &[Lane; 8]) -> Lane {
        let mut unused = [ZERO; 8];
        Self::loss_grad(k, out, &mut unused)
    }
}

/// `mean((out − y)²)`: the engine sums the squares in row order from 0, then multiplies by the
/// f32-rounded 1/n; its gradient is `(1/n)·(2·d)` (the seed scaled, times `Square`'s local 2d).
pub(crate) struct Mse;

impl Head for Mse {
    const THRESHOLD: f32 = 0.5;
    #[inline(always)]
    fn loss_grad(k: usize, out: &[Lane; 8], gout: &mut [Lane; 8]) -> Lane {
        let scale = (1.0 / (4 * k) as f64) as f32;
        let mut sum = ZERO;
        for e in 0..4 * k {
            let t = target(k, e);
            for l in 0..LANES {
                let d = out[e][l] - t;
                sum[l] += d * d;
                gout[e][l] = scale * (2.0 * d);
            }
        }
        let mut loss = ZERO;
        for l in 0..LANES {
            loss[l] = scale * sum[l];
        }
        loss
    }
}

/// `mean(softplus(x) − x·t)` on logits. The gradient reaches the logits along two paths, which
/// the engine adds in reverse node order: first `−(1/n)·t` (through `x·t`), then
/// `(1/n)·σ(x)` (through softplus). σ and softplus are the engine's own functions
/// ([`initsift_tensor::scalar`]); their libm `exp`/`ln_1p` stay per-lane calls (the presets'
/// speed target is for MSE).
pub(crate) struct Bce;

impl Head for Bce {
    const THRESHOLD: f32 = 0.0;
    #[inline(always)]
    fn loss_grad(k: usize, out: &[Lane; 8], gout: &mut [Lane; 8]) -> Lane {
        let scale = (1.0 / (4 * k) as f64) as f32;
        let mut sum = ZERO;
        for e in 0..4 * k {
            let t = target(k, e);
            for l in 0..LANES {
                let x = out[e][l];
                sum[l] += softplus(x) - x * t;
                gout[e][l] = -scale * t + scale * sigmoid(x);
            }
        }
        let mut loss = ZERO;
        for l in 0..LANES {
            loss[l] = scale * sum[l];
        }
        loss
    }
}
