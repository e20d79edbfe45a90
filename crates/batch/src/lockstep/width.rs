//! The lockstep block width.
//!
//! An epoch is one long dependency chain (forward → loss → backward → optimizer → next epoch,
//! with a square root and two divisions in Adam), so a block of 16 runs leaves the CPU waiting
//! on latency. 64 runs per block give 8 independent ymm (4 zmm) per operation and measured 2×
//! the throughput of 16 on AVX2; 128 spills out of L1 and is slower. Lanes never interact, so
//! the width changes speed, never results.

/// Runs per lockstep block.
pub const LANES: usize = 64;

/// One scalar of each run of a block.
pub(crate) type Lane = [f32; LANES];

/// A lane of zeros.
pub(crate) const ZERO: Lane = [0.0; LANES];
