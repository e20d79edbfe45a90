//! Best-of-K by a quantity, from the pool of inits already trained: the pool is cut into
//! disjoint groups of K consecutive inits, each selector picks its group's extreme, and the
//! random arm takes each group's first init (the inits are independent draws, so the first is
//! a random one). Selector and random share the group, so their difference is paired.

use anyhow::{Result, bail};
use serde::Serialize;

use super::outcome::{Outcome, Outcomes};
use super::quantity::{Direction, Measured, Quantity};
use crate::real::metrics::{MeanCi, Sign};
use crate::stats::{Z95, wilson};

/// A selection rule: a quantity and the direction it is picked in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Selector {
    /// The quantity.
    pub quantity: Quantity,
    /// Pick the lowest or the highest.
    pub direction: Direction,
}

impl Selector {
    /// Every quantity in its intended direction, and the gradient norm also picked high (its
    /// good direction is the open question: GradInit bounds it from above, yet a larger
    /// gradient may also mean faster early progress).
    pub fn all() -> Vec<Selector> {
        let mut v: Vec<Selector> = Quantity::ALL
            .iter()
            .map(|&quantity| Selector {
                quantity,
                direction: quantity.intended(),
            })
            .collect();
        v.insert(
            2,
            Selector {
                quantity: Quantity::GradientNorm,
                direction: Direction::High,
            },
        );
        v
    }

    /// `low initial_loss`, `high grad_cosine`, …
    pub fn name(&self) -> String {
        format!("{} {}", self.direction.as_str(), self.quantity.name())
    }
}

/// Checks that best-of-`k` can cut a pool of `n` inits into groups.
pub fn check_k(k: usize, n: usize) -> Result<()> {
    if k == 0 {
        bail!("K = 0: best-of-K needs K ≥ 1");
    }
    if k > n {
        bail!("K = {k} exceeds the pool of {n} inits: no group of {k} can be formed");
    }
    Ok(())
}

/// The index picked in each disjoint group of `k` consecutive values (⌊n/k⌋ groups; a
/// remainder is left out): the lowest or highest finite value, the first on ties. Non-finite
/// values never win; a group with none finite gives its first index.
pub fn best_of_k(values: &[f64], k: usize, direction: Direction) -> Result<Vec<usize>> {
    check_k(k, values.len())?;
    Ok((0..values.len() / k)
        .map(|g| {
            let group = g * k..(g + 1) * k;
            group
                .clone()
                .filter(|&i| values[i].is_finite())
                .reduce(|best, i| {
                    let better = match direction {
                        Direction::Low => values[i] < values[best],
                        Direction::High => values[i] > values[best],
                    };
                    if better { i } else { best }
                })
                .unwrap_or(group.start)
        })
        .collect())
}

/// The random arm's picks: each group's first init.
pub fn random_picks(n: usize, k: usize) -> Result<Vec<usize>> {
    check_k(k, n)?;
    Ok((0..n / k).map(|g| g * k).collect())
}

/// One outcome of a set of picks.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeStat {
    /// The outcome.
    pub outcome: &'static str,
    /// Mean over picks with its 95 % interval (Wilson for a success rate).
    pub mean: f64,
    /// The interval.
    pub ci95: (f64, f64),
    /// Pick minus the same group's random init, paired, with its 95 % interval (absent for
    /// the random arm itself).
    pub minus_random: Option<MeanCi>,
    /// `better`, `worse` or `no difference` than random, by that interval.
    pub versus_random: Option<&'static str>,
}

/// A selector's result at one K.
#[derive(Debug, Clone, Serialize)]
pub struct Selected {
    /// `random` or the selector's name.
    pub selector: String,
    /// Seconds of the quantity for the K inits of one pick (0 for random).
    pub cost_seconds: f64,
    /// Each outcome.
    pub outcomes: Vec<OutcomeStat>,
}

/// Whether a paired difference is better, worse or no different, for an outcome whose good
/// direction is `better`.
fn versus(d: &MeanCi, better: Direction) -> &'static str {
    match (d.sign(), better) {
        (Sign::Covers, _) => "no difference",
        (Sign::Above, Direction::High) | (Sign::Below, Direction::Low) => "better",
        _ => "worse",
    }
}

/// The outcomes of `picks`, against the random picks `random` of the same groups when given.
pub fn stats(
    outcomes: &Outcomes,
    picks: &[usize],
    random: Option<&[usize]>,
    binary_test: bool,
) -> Vec<OutcomeStat> {
    Outcome::ALL
        .iter()
        .map(|&o| {
            let all = outcomes.of(o);
            let v: Vec<f64> = picks.iter().map(|&i| all[i]).collect();
            let (mean, ci95) = if binary_test && o == Outcome::TestMetric {
                let k = v.iter().filter(|&&s| s > 0.5).count() as u64;
                let n = v.len() as u64;
                (k as f64 / n as f64, wilson(k, n, Z95))
            } else {
                let m = MeanCi::of(&v);
                (m.mean, m.ci95)
            };
            let minus_random = random.map(|r| {
                let d: Vec<f64> = v.iter().zip(r).map(|(a, &j)| a - all[j]).collect();
                MeanCi::of(&d)
            });
            OutcomeStat {
                outcome: o.name(),
                mean,
                ci95,
                versus_random: minus_random.as_ref().map(|d| versus(d, o.better())),
                minus_random,
            }
        })
        .collect()
}

/// Random and every selector at `k`.
pub fn select_at(
    measured: &Measured,
    outcomes: &Outcomes,
    k: usize,
    binary_test: bool,
) -> Result<Vec<Selected>> {
    let n = outcomes.of(Outcome::FinalTrainLoss).len();
    let random = random_picks(n, k)?;
    let mut out = vec![Selected {
        selector: "random".into(),
        cost_seconds: 0.0,
        outcomes: stats(outcomes, &random, None, binary_test),
    }];
    for s in Selector::all() {
        let picks = best_of_k(measured.of(s.quantity), k, s.direction)?;
        out.push(Selected {
            selector: s.name(),
            cost_seconds: k as f64 * measured.seconds(s.quantity),
            outcomes: stats(outcomes, &picks, Some(&random), binary_test),
        });
    }
    Ok(out)
}
