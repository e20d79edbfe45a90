//! The XOR task every kernel of this crate is written for: the data in the forms the kernels
//! read, the presets (abs1, relu1, relu2), and their forward passes in the engine's operation
//! order, shared by the lockstep trainer, the fused scorer and [`Preset::outputs`].
//!
//! The data has one definition, initsift-data's `xor` module (the centred inputs, tr_xor's
//! `xor_data_centered()`); the constants here are that module's, in the shapes the lane loops
//! index.

mod activation;
mod pass;
mod preset;

pub(crate) use activation::{relu, sign, step};
pub(crate) use pass::{abs1_outputs, linear_unit, relu1_outputs, relu2_outputs};
pub use preset::{Preset, PresetError};

use initsift_data::xor::{INPUTS_CENTERED, LABELS, ONE_HOT_TARGETS, SCALAR_TARGETS};

/// The four inputs, centred: `[[-1,-1],[1,-1],[-1,1],[1,1]]`.
pub(crate) const INPUTS: [[f32; 2]; 4] = INPUTS_CENTERED;

/// The class of each point (XOR-true = 1).
pub(crate) const CLASS: [usize; 4] = LABELS;

/// Whether each point is of class 1 (the form the accuracy compares against).
pub(crate) const IS_CLASS_1: [bool; 4] = [
    LABELS[0] == 1,
    LABELS[1] == 1,
    LABELS[2] == 1,
    LABELS[3] == 1,
];

/// The targets of one-output presets, per point.
pub(crate) const SCALAR: [f32; 4] = SCALAR_TARGETS;

/// The one-hot targets of two-output presets, `[point][output]`.
pub(crate) const ONE_HOT: [[f32; 2]; 4] = ONE_HOT_TARGETS;

/// The target of output element `e` (row-major `[point][output]`) of a preset with `k` outputs
/// per point.
#[inline(always)]
pub(crate) fn target(k: usize, e: usize) -> f32 {
    if k == 1 {
        SCALAR[e]
    } else {
        ONE_HOT[e / 2][e % 2]
    }
}
