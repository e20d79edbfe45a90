//! Model-level steps applied after the per-block schemes, from the reference code
//! (tr_xor_configs.md §2(a)): mirror init and bounded-hypersphere init.
//!
//! Both are deterministic functions of the filled vector with a fixed operation order, so a
//! lane version (one candidate per lane) reproduces them exactly.

use serde::{Deserialize, Serialize};

/// A post-step as data, addressing a Linear layer by its ordinal (0 = the model's first Linear
/// layer), not by its index among all layers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum PostStep {
    /// `init_mirror`: unit 1 := −unit 0 (weight row 1 = −row 0, and bias 1 = −bias 0). Needs a
    /// layer with at least 2 units; other units are left as drawn.
    Mirror {
        /// Linear-layer ordinal.
        linear: usize,
    },
    /// `init_bounded_hypersphere`: b_k = radius·‖w_k‖ for every unit k, so each unit's
    /// hyperplane is tangent to the sphere of that radius around 0, normal pointing inward
    /// (x = 0 is on the active side). Needs a layer with a bias.
    BoundedHypersphere {
        /// Linear-layer ordinal.
        linear: usize,
        /// The radius (finite, ≥ 0).
        radius: f64,
    },
}

impl std::fmt::Display for PostStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PostStep::Mirror { linear } => write!(f, "mirror(L{linear})"),
            PostStep::BoundedHypersphere { linear, radius } => {
                write!(f, "bounded_hypersphere(L{linear}, r={radius})")
            }
        }
    }
}

/// A post-step with its offsets in the flat vector resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum CompiledPost {
    /// See [`PostStep::Mirror`].
    Mirror {
        /// Offset of the weight `[rows, cols]`.
        weight: usize,
        /// Columns of the weight (the layer's inputs).
        cols: usize,
        /// Offset of the bias, if any.
        bias: Option<usize>,
    },
    /// See [`PostStep::BoundedHypersphere`].
    BoundedHypersphere {
        /// Offset of the weight `[rows, cols]`.
        weight: usize,
        /// Units.
        rows: usize,
        /// Inputs.
        cols: usize,
        /// Offset of the bias.
        bias: usize,
        /// The radius, in f32.
        radius: f32,
    },
}

impl CompiledPost {
    /// Applies the step to one candidate's flat vector.
    ///
    /// The hypersphere norm is a sequential f32 sum of w·w over the row in column order, then
    /// `sqrt`, then `× radius`: the order a lane version must keep.
    pub fn apply(&self, params: &mut [f32]) {
        match *self {
            CompiledPost::Mirror { weight, cols, bias } => {
                for c in 0..cols {
                    params[weight + cols + c] = -params[weight + c];
                }
                if let Some(b) = bias {
                    params[b + 1] = -params[b];
                }
            }
            CompiledPost::BoundedHypersphere {
                weight,
                rows,
                cols,
                bias,
                radius,
            } => {
                for k in 0..rows {
                    let row = &params[weight + k * cols..weight + (k + 1) * cols];
                    let mut sum = 0.0f32;
                    for &w in row {
                        sum += w * w;
                    }
                    params[bias + k] = radius * sum.sqrt();
                }
            }
        }
    }
}
