//! The rank with ties: an entry's rank is 1 + the number of entries whose 95 % interval lies
//! wholly on the better side of its own. Entries whose intervals overlap never outrank each
//! other, so every entry that overlaps the leader's interval (and is beaten by no one) shares
//! rank 1; a wide interval can share a rank with two entries that are apart from each other.
//! An entry whose mean or interval is not finite is outranked by every finite one.

/// The rank of each interval `(lo, hi)` with its `mean` (same order as given).
pub fn ranks_with_ties(entries: &[(f64, (f64, f64))], higher_is_better: bool) -> Vec<usize> {
    let finite =
        |(m, (lo, hi)): &(f64, (f64, f64))| m.is_finite() && lo.is_finite() && hi.is_finite();
    let beats = |j: &(f64, (f64, f64)), i: &(f64, (f64, f64))| match (finite(j), finite(i)) {
        (true, false) => true,
        (false, _) => false,
        (true, true) => {
            let ((_, (jlo, jhi)), (_, (ilo, ihi))) = (j, i);
            if higher_is_better {
                jlo > ihi
            } else {
                jhi < ilo
            }
        }
    };
    entries
        .iter()
        .map(|i| 1 + entries.iter().filter(|j| beats(j, i)).count())
        .collect()
}
