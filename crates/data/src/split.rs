//! Seeded train/test splits and random subsets.
//!
//! Everything here is a function of (data, sizes, seed) only: the same seed gives the same rows,
//! bit for bit, on any machine. Chosen rows are returned in ascending order, so a split or subset
//! keeps the data set's original row order.

use crate::dataset::{Dataset, check_subset_size};
use crate::error::{Error, Result};
use crate::rng::{generator, partial_shuffle};

/// Whether a split keeps each class's share of the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stratify {
    /// Rows are drawn without regard to their targets.
    #[default]
    No,
    /// Each class is split on its own, so train and test have (nearly) the class proportions
    /// of the whole set; needs class targets.
    ByClass,
}

/// Row indices of a train/test split: disjoint, together every row once, each ascending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitIndices {
    /// Rows for training.
    pub train: Vec<usize>,
    /// Rows held out for testing.
    pub test: Vec<usize>,
}

/// The number of test rows for a fraction: ⌈fraction · n⌉, as scikit-learn's
/// `train_test_split`, except that a product within 1e-9 of a whole number counts as that
/// number (so 0.07 · 100, which is 7.000000000000001 in floating point, gives 7, not 8).
///
/// The fraction must lie strictly between 0 and 1, and both sides must get at least one row.
pub fn test_size(n: usize, test_fraction: f64) -> Result<usize> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(Error::InvalidArgument {
            name: "test_fraction",
            reason: format!("must lie strictly between 0 and 1, got {test_fraction}"),
        });
    }
    let raw = test_fraction * n as f64;
    let n_test = if (raw - raw.round()).abs() < 1e-9 {
        raw.round()
    } else {
        raw.ceil()
    } as usize;
    if n_test == 0 || n_test >= n {
        return Err(Error::InvalidArgument {
            name: "test_fraction",
            reason: format!(
                "a fraction of {test_fraction} of {n} rows gives {n_test} test and {} training \
                 rows; both need at least one",
                n.saturating_sub(n_test)
            ),
        });
    }
    Ok(n_test)
}

/// Splits the rows of `data` into train and test, `test_size(n, test_fraction)` rows in test.
///
/// With [`Stratify::ByClass`] the test rows are allotted to classes in proportion to their
/// sizes — each class gets ⌊share⌋ or ⌈share⌉ of its exact share `n_test · count / n`, the
/// leftover rows going to the classes with the largest remainders (ties to the lower class) —
/// and drawn within each class.
pub fn split_indices(
    data: &Dataset,
    test_fraction: f64,
    seed: u64,
    stratify: Stratify,
) -> Result<SplitIndices> {
    let n = data.n_samples();
    let n_test = test_size(n, test_fraction)?;
    let mut rng = generator(seed);
    let mut test = match stratify {
        Stratify::No => {
            let mut rows: Vec<usize> = (0..n).collect();
            partial_shuffle(&mut rows, n_test, &mut rng);
            rows.truncate(n_test);
            rows
        }
        Stratify::ByClass => {
            let labels = data.labels().ok_or_else(|| Error::NotClassification {
                operation: "a stratified split",
                dataset: data.name().to_string(),
            })?;
            let n_classes = data.n_classes().unwrap_or(0);
            let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_classes];
            for (row, &label) in labels.iter().enumerate() {
                members[label].push(row);
            }
            let counts: Vec<usize> = members.iter().map(Vec::len).collect();
            let quotas = allot(&counts, n_test, n);
            let mut test = Vec::with_capacity(n_test);
            // Classes in order, one generator: the draw for class c depends on the seed and the
            // sizes of classes before it, nothing else.
            for (rows, quota) in members.iter_mut().zip(quotas) {
                partial_shuffle(rows, quota, &mut rng);
                test.extend_from_slice(&rows[..quota]);
            }
            test
        }
    };
    test.sort_unstable();
    let mut in_test = vec![false; n];
    for &row in &test {
        in_test[row] = true;
    }
    let train = (0..n).filter(|&row| !in_test[row]).collect();
    Ok(SplitIndices { train, test })
}

/// Largest-remainder allotment of `total` rows to classes of sizes `counts` (summing to `n`).
///
/// Integer arithmetic throughout, so the allotment is exact and platform independent. Each
/// class gets at most its size: its share is below its size because `total < n`.
fn allot(counts: &[usize], total: usize, n: usize) -> Vec<usize> {
    // u128: total · count can exceed u64 only for absurd n, but costs nothing to rule out.
    let shares: Vec<(usize, u128)> = counts
        .iter()
        .map(|&c| {
            let exact = total as u128 * c as u128;
            ((exact / n as u128) as usize, exact % n as u128)
        })
        .collect();
    let mut quotas: Vec<usize> = shares.iter().map(|&(floor, _)| floor).collect();
    let leftover = total - quotas.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..counts.len()).collect();
    // Stable sort: equal remainders keep ascending class order.
    order.sort_by(|&a, &b| shares[b].1.cmp(&shares[a].1));
    for &class in order.iter().take(leftover) {
        quotas[class] += 1;
    }
    quotas
}

/// `k` distinct row indices out of `0..n`, drawn uniformly with the seed, in ascending order.
/// `k` must be in `1..=n`.
pub fn random_subset_indices(n: usize, k: usize, seed: u64) -> Result<Vec<usize>> {
    check_subset_size(k, n)?;
    let mut rows: Vec<usize> = (0..n).collect();
    partial_shuffle(&mut rows, k, &mut generator(seed));
    rows.truncate(k);
    rows.sort_unstable();
    Ok(rows)
}

impl Dataset {
    /// Splits into `(train, test)` data sets; see [`split_indices`] for the rule.
    pub fn train_test_split(
        &self,
        test_fraction: f64,
        seed: u64,
        stratify: Stratify,
    ) -> Result<(Dataset, Dataset)> {
        let SplitIndices { train, test } = split_indices(self, test_fraction, seed, stratify)?;
        Ok((self.select(&train)?, self.select(&test)?))
    }

    /// `k` rows drawn uniformly without replacement with the seed, in their original order
    /// (e.g. a 256-sample subset of digits for cheap candidate scoring).
    pub fn random_subset(&self, k: usize, seed: u64) -> Result<Dataset> {
        self.select(&random_subset_indices(self.n_samples(), k, seed)?)
    }
}

#[cfg(test)]
mod tests {
    use super::allot;

    #[test]
    fn largest_remainder_with_ties_to_the_lower_class() {
        // Shares 2.5, 1.5, 1.0: floors 2, 1, 1; one row left, remainders tie, class 0 wins.
        assert_eq!(allot(&[5, 3, 2], 5, 10), vec![3, 1, 1]);
        assert_eq!(allot(&[50, 50, 50], 30, 150), vec![10, 10, 10]);
        assert_eq!(allot(&[1, 0, 9], 9, 10), vec![1, 0, 8]);
        let quotas = allot(
            &[178, 182, 177, 183, 181, 182, 181, 179, 174, 180],
            450,
            1797,
        );
        assert_eq!(quotas.iter().sum::<usize>(), 450);
    }
}
