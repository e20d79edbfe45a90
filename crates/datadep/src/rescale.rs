//! `RescaleAdam` (GradInit's `gradinit_optimizers.py`, copied verbatim into NIO's repository):
//! Adam on one scalar α_k per parameter tensor, θ_k = α_k·θ_k⁽⁰⁾.
//!
//! Its quirks, kept: the gradient h_k is clipped to [−c, c]; constraint and objective steps
//! keep separate first moments and step counters but share the second moment; the first bias
//! correction uses the current kind's counter, the second the sum of both; α is clamped below
//! at α_min (and above at α_max only if given, as GradInit's fairseq copy); tensors whose
//! initial or current norm is 0 are skipped, counters included.

use serde::{Deserialize, Serialize};

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const EPS: f64 = 1e-8;

/// One tensor's optimizer state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
struct ScaleState {
    alpha: f64,
    objective_steps: u32,
    constraint_steps: u32,
    objective_moment: f64,
    constraint_moment: f64,
    second_moment: f64,
}

/// RescaleAdam over the tensors of one model.
#[derive(Debug, Clone)]
pub struct RescaleAdam {
    lr: f64,
    clip: f64,
    min_scale: Vec<f64>,
    max_scale: Option<f64>,
    skip: Vec<bool>,
    state: Vec<ScaleState>,
}

impl RescaleAdam {
    /// One scale per tensor, all 1; `min_scale[k]` is tensor k's α_min; `zero_norm[k]` marks
    /// tensors that start at norm 0 (never updated). `clip` 0 turns clipping off.
    pub fn new(
        lr: f64,
        clip: f64,
        min_scale: Vec<f64>,
        max_scale: Option<f64>,
        zero_norm: Vec<bool>,
    ) -> Self {
        let state = vec![
            ScaleState {
                alpha: 1.0,
                ..ScaleState::default()
            };
            min_scale.len()
        ];
        Self {
            lr,
            clip,
            min_scale,
            max_scale,
            skip: zero_norm,
            state,
        }
    }

    /// The scales α_k.
    pub fn scales(&self) -> Vec<f64> {
        self.state.iter().map(|s| s.alpha).collect()
    }

    /// One step with h_k = ∂J/∂α_k (or ∂GN/∂α_k for a constraint step).
    pub fn step(&mut self, h: &[f64], constraint: bool) {
        for (k, s) in self.state.iter_mut().enumerate() {
            if self.skip[k] || s.alpha == 0.0 {
                continue;
            }
            let g = if self.clip > 0.0 {
                h[k].clamp(-self.clip, self.clip)
            } else {
                h[k]
            };
            let (steps, moment) = if constraint {
                s.constraint_steps += 1;
                s.constraint_moment = s.constraint_moment * BETA1 + g * (1.0 - BETA1);
                (s.constraint_steps, s.constraint_moment)
            } else {
                s.objective_steps += 1;
                s.objective_moment = s.objective_moment * BETA1 + g * (1.0 - BETA1);
                (s.objective_steps, s.objective_moment)
            };
            s.second_moment = s.second_moment * BETA2 + g * g * (1.0 - BETA2);
            let bc1 = 1.0 - BETA1.powi(steps as i32);
            let bc2 = 1.0 - BETA2.powi((s.constraint_steps + s.objective_steps) as i32);
            let denom = (s.second_moment / bc2).sqrt() + EPS;
            let mut alpha = (s.alpha - self.lr / bc1 * moment / denom).max(self.min_scale[k]);
            if let Some(max) = self.max_scale {
                alpha = alpha.min(max);
            }
            s.alpha = alpha;
        }
    }
}

/// θ = α ⊙ θ⁽⁰⁾, block by block.
pub(crate) fn scaled(layout: &[initsift_nn::ParamBlock], base: &[f64], scales: &[f64]) -> Vec<f64> {
    let mut theta = base.to_vec();
    for (b, &a) in layout.iter().zip(scales) {
        theta[b.range()].iter_mut().for_each(|t| *t *= a);
    }
    theta
}

/// Which tensors have norm 0 in `base` (skipped by the scale optimizers).
pub(crate) fn zero_norm(layout: &[initsift_nn::ParamBlock], base: &[f64]) -> Vec<bool> {
    layout
        .iter()
        .map(|b| base[b.range()].iter().all(|&v| v == 0.0))
        .collect()
}
