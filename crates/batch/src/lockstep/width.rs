//! The lockstep block width.
//!
//! An epoch is one long dependency chain (forward → loss → backward → optimizer → next epoch,
//! with a square root and two divisions in Adam), so a block of 16 runs leaves the CPU waiting
//! on latency. 64 runs per block give 8 independent ymm (4 zmm) per operation and measured 2×
//! the throughput of 16 on AVX2; 128 spills out of L1 and is slower. Lanes never interact, so
//! the width changes speed, never results.

/// Runs per lockstep block.
pub const TRAIN_LANES: usize = 64;

/// The block width inside the trainer.
pub(crate) const LANES: usize = TRAIN_LANES;

/// One scalar of each run of a block.
pub(crate) type Lane = [f32; LANES];

/// A lane of zeros.
pub(crate) const ZERO: Lane = [0.0; LANES];

/// Transposes up to `LANES` run-major rows of `width` values (`rows[r * width + i]`) into
/// `width` lanes (`out[i][r]`); lanes past the last row are zero.
#[inline(always)]
pub(crate) fn gather_rows(rows: &[f32], width: usize, out: &mut [Lane]) {
    for lane in out.iter_mut().take(width) {
        *lane = ZERO;
    }
    for (r, row) in rows.chunks_exact(width).take(LANES).enumerate() {
        for (i, &v) in row.iter().enumerate() {
            out[i][r] = v;
        }
    }
}
