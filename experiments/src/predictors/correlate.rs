//! Spearman's ρ between each quantity and each outcome, with its bootstrap interval, and the
//! same ρ oriented so that a positive value means "inits the quantity rates better (in the
//! direction its method pushes it) end with better outcomes".

use rayon::prelude::*;
use serde::Serialize;

use super::outcome::{Outcome, Outcomes};
use super::quantity::{Measured, Quantity};
use crate::seed::derive_seed;
use crate::stats::Correlation;

/// What a correlation says about a quantity as a predictor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Prediction {
    /// The oriented ρ's interval lies above 0: the intended direction predicts better outcomes.
    Better,
    /// It lies below 0: the intended direction predicts worse outcomes.
    Worse,
    /// It covers 0 (or there is no interval).
    NoRelation,
}

/// One (quantity, outcome) pair.
#[derive(Debug, Clone, Serialize)]
pub struct Pair {
    /// The quantity.
    pub quantity: &'static str,
    /// The outcome.
    pub outcome: &'static str,
    /// ρ and r of the raw values (quantity, outcome), over the inits where both are finite.
    pub correlation: Correlation,
    /// ρ × (+1 if the quantity is meant high, −1 if low) × (+1 if the outcome is better high,
    /// −1 if low).
    pub rho_oriented: f64,
    /// Its 95 % interval (the raw interval, flipped when the sign is −1).
    pub rho_oriented_ci95: Option<(f64, f64)>,
    /// The verdict of the oriented interval.
    pub prediction: Prediction,
}

/// Every pair, quantity-major in report order; bootstraps seeded from `seed`.
pub fn correlate(measured: &Measured, outcomes: &Outcomes, seed: u64) -> Vec<Pair> {
    let pairs: Vec<(Quantity, Outcome)> = Quantity::ALL
        .iter()
        .flat_map(|&q| Outcome::ALL.iter().map(move |&o| (q, o)))
        .collect();
    pairs
        .par_iter()
        .map(|&(q, o)| {
            pair(
                q,
                o,
                measured.of(q),
                outcomes.of(o),
                derive_seed(seed, &format!("{}/{}", q.name(), o.name())),
            )
        })
        .collect()
}

/// The pairs `(xs[i], ys[i])` where both are finite, as two columns.
pub fn finite_pairs(xs: &[f64], ys: &[f64]) -> (Vec<f64>, Vec<f64>) {
    xs.iter()
        .zip(ys)
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|(&x, &y)| (x, y))
        .unzip()
}

/// One pair from the raw values (non-finite pairs left out).
pub fn pair(q: Quantity, o: Outcome, xs: &[f64], ys: &[f64], seed: u64) -> Pair {
    let (xs, ys) = finite_pairs(xs, ys);
    let correlation = Correlation::of(q.name(), o.name(), &xs, &ys, seed);
    let sign = q.intended().sign() * o.better().sign();
    let rho_oriented = sign * correlation.spearman_rho;
    let rho_oriented_ci95 = correlation
        .spearman_ci95
        .map(|(lo, hi)| if sign > 0.0 { (lo, hi) } else { (-hi, -lo) });
    let prediction = match rho_oriented_ci95 {
        Some((lo, _)) if lo > 0.0 => Prediction::Better,
        Some((_, hi)) if hi < 0.0 => Prediction::Worse,
        _ => Prediction::NoRelation,
    };
    Pair {
        quantity: q.name(),
        outcome: o.name(),
        correlation,
        rho_oriented,
        rho_oriented_ci95,
        prediction,
    }
}
