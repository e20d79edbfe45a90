//! The per-run analyses of seeds/001, done as tr_xor_configs.md §4–5 says they should be.
//!
//! Definitions (first layer only; abs1 has no ReLU and gets none):
//! - Pre-activation of unit `j` on point `i`: `z_ij = w_j·x_i + b_j`, computed in f32 exactly
//!   as the kernels and the engine compute it.
//! - A **dead data point** has every first-layer pre-activation ≤ 0: no ReLU passes it, so no
//!   gradient reaches the first layer from it (reference `analyze_dead_data`).
//! - A **dead unit** has pre-activation ≤ 0 on all four points: it outputs 0 everywhere and gets
//!   no gradient.
//! - **Mirror pair**: the cosine of the two first-layer weight rows (biases ignored), each row
//!   normalized as `F.normalize` does (divided by max(‖w‖, 1e-12), so a zero row gives cosine
//!   0), is < −0.95; **perfect** when |cos + 1| < 1e-3. The reference counts mirror pairs only
//!   among runs with final accuracy ≥ 0.75 and divides by those runs: that filter belongs to
//!   the report, so every run carries its cosine here.
//!
//! A NaN pre-activation is not ≤ 0, so a diverged run's units and points count as alive.

use serde::{Deserialize, Serialize};

use crate::xor::{CLASS, INPUTS, Preset, linear_unit};

/// Cosine below which two first-layer rows form a mirror pair.
pub const MIRROR_COSINE: f64 = -0.95;
/// Distance from −1 within which a mirror pair is "perfect".
pub const PERFECT_MIRROR_TOLERANCE: f64 = 1e-3;

/// First-layer statistics of one parameter vector of relu1 or relu2.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FirstLayerStats {
    /// Units whose pre-activation is ≤ 0 on all four points (0–2).
    pub dead_units: u8,
    /// Points whose pre-activations are all ≤ 0 (0–4).
    pub dead_points: u8,
    /// Dead points by XOR class: `[class 0 (points 0, 3), class 1 (points 1, 2)]`.
    pub dead_points_by_class: [u8; 2],
    /// Cosine of the two first-layer weight rows.
    pub row_cosine: f64,
}

impl FirstLayerStats {
    /// The statistics of `params` (the preset's flat layout), or `None` for abs1.
    pub fn of(preset: Preset, params: &[f32]) -> Option<Self> {
        if preset == Preset::Abs1 {
            return None;
        }
        let mut alive_unit = [false; 2];
        let (mut dead_points, mut by_class) = (0u8, [0u8; 2]);
        for (&x, &class) in INPUTS.iter().zip(&CLASS) {
            let mut alive = false;
            for (j, unit_alive) in alive_unit.iter_mut().enumerate() {
                let z = linear_unit(x, params[2 * j], params[2 * j + 1], params[4 + j]);
                let active = z > 0.0 || z.is_nan();
                alive |= active;
                *unit_alive |= active;
            }
            if !alive {
                dead_points += 1;
                by_class[class] += 1;
            }
        }
        let row = |j: usize| [f64::from(params[2 * j]), f64::from(params[2 * j + 1])];
        let unit = |w: [f64; 2]| {
            // f32 values squared cannot overflow f64, so no hypot needed.
            let n = (w[0] * w[0] + w[1] * w[1]).sqrt().max(1e-12);
            [w[0] / n, w[1] / n]
        };
        let (u0, u1) = (unit(row(0)), unit(row(1)));
        Some(Self {
            dead_units: alive_unit.iter().filter(|&&a| !a).count() as u8,
            dead_points,
            dead_points_by_class: by_class,
            row_cosine: u0[0] * u1[0] + u0[1] * u1[1],
        })
    }

    /// Whether the two rows form a mirror pair (cosine < −0.95).
    pub fn is_mirror_pair(&self) -> bool {
        self.row_cosine < MIRROR_COSINE
    }

    /// Whether they form a perfect one (|cosine + 1| < 1e-3).
    pub fn is_perfect_mirror(&self) -> bool {
        self.is_mirror_pair() && (self.row_cosine + 1.0).abs() < PERFECT_MIRROR_TOLERANCE
    }
}

/// ‖a − b‖₂ over two parameter vectors, accumulated in f64.
pub fn distance(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| {
            let d = f64::from(x) - f64::from(y);
            d * d
        })
        .sum::<f64>()
        .sqrt()
}
