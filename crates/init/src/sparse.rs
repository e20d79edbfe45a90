//! `torch.nn.init.sparse_`'s per-column choice of zeroed rows, drawn from the counter stream.
//!
//! PyTorch zeroes the first ⌈sparsity·rows⌉ entries of a fresh `randperm(rows)` per column. Here
//! each entry (r, c) gets a hash key from the stream, and the rows with the smallest
//! (key, row) pairs are zeroed: a uniformly random subset of the requested size (ties, of
//! probability about rows²/2³³ per column, fall to the lower row). The choice needs the whole
//! column, so this is block-level (scalar) work, deterministic as the keys are.

use crate::lanes::counter::{IndexWords, element_hash, element_key};

/// Zeroes `zeros_per_column` entries in every column of `block` (`rows × cols`, row-major),
/// choosing them with keys at flat positions `offset + r·cols + c` of the sequence `base`.
pub fn zero_rows_per_column(
    block: &mut [f32],
    rows: usize,
    cols: usize,
    zeros_per_column: usize,
    base: u64,
    offset: usize,
    index: IndexWords,
) {
    if zeros_per_column == 0 {
        return;
    }
    let mut keyed: Vec<(u32, usize)> = Vec::with_capacity(rows);
    for c in 0..cols {
        keyed.clear();
        keyed.extend((0..rows).map(|r| {
            let position = (offset + r * cols + c) as u64;
            (element_hash(element_key(base, position), index), r)
        }));
        keyed.sort_unstable();
        for &(_, r) in keyed.iter().take(zeros_per_column) {
            block[r * cols + c] = 0.0;
        }
    }
}
