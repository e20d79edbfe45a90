//! NIO's overlapping sub-batches (`batch_settings` in `HarborYuan/GradCosine`).

use std::ops::Range;

/// The D half-open row ranges of a batch of `batch` rows with overlap `r`, exactly as the
/// official code computes them (ℓ = ⌊B/D⌋, each bound truncated after the same float
/// products, left to right):
/// S₀ = [0, ⌊(1+r)·ℓ·1⌋), S_i = [⌊(1−r)·ℓ·i⌋, ⌊(1+r)·ℓ·(i+1)⌋), S_{D−1} = [⌊(1−r)·ℓ·(D−1)⌋, B).
///
/// ```
/// use initsift_datadep::sub_batches;
/// assert_eq!(sub_batches(64, 4, 0.2), vec![0..19, 12..38, 25..57, 38..64]);
/// assert_eq!(sub_batches(10, 3, 0.0), vec![0..3, 3..6, 6..10]);
/// ```
///
/// Callers ensure 2 ≤ D ≤ B and 0 ≤ r < 1 (the methods check their configs), so every range
/// is non-empty and inside the batch.
pub fn sub_batches(batch: usize, d: usize, r: f64) -> Vec<Range<usize>> {
    let length = (batch as f64 / d as f64) as usize as f64;
    let bound = |x: f64| (x as usize).min(batch);
    (0..d)
        .map(|i| {
            let i_f = i as f64;
            if i == 0 {
                0..bound((1.0 + r) * length * 1.0)
            } else if i == d - 1 {
                bound((1.0 - r) * length * i_f)..batch
            } else {
                bound((1.0 - r) * length * i_f)..bound((1.0 + r) * length * (i_f + 1.0))
            }
        })
        .collect()
}
