//! init_predictors' machinery on constructed cases: Spearman's ρ with known answers (with and
//! without ties, and on a bivariate normal against its closed form), the oriented ρ's sign
//! convention, best-of-K picking each group's extreme, and K refused with the value named.

use experiments::predictors::correlate::{Prediction, pair};
use experiments::predictors::outcome::Outcome;
use experiments::predictors::quantity::{Direction, Quantity};
use experiments::predictors::select::{best_of_k, check_k, random_picks};
use experiments::predictors::task::PredictorTask;
use experiments::stats::spearman;
use initsift_batch::Isa;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

fn isa() -> Isa {
    Isa::select(None).unwrap()
}

#[test]
fn spearman_known_answers_with_and_without_ties() {
    // Any increasing map gives ρ = 1, any decreasing −1.
    let x: Vec<f64> = (1..=30).map(f64::from).collect();
    let cubes: Vec<f64> = x.iter().map(|v| v * v * v).collect();
    let falling: Vec<f64> = x.iter().map(|v| (-v).exp()).collect();
    assert!((spearman(&x, &cubes) - 1.0).abs() < 1e-12);
    assert!((spearman(&x, &falling) + 1.0).abs() < 1e-12);
    // No ties: ρ = 1 − 6Σd²/(n(n² − 1)); d = (−1, 1, −1, 1, 0), Σd² = 4, n = 5 → 0.8.
    let y = [2.0, 1.0, 4.0, 3.0, 5.0];
    assert!((spearman(&x[..5], &y) - 0.8).abs() < 1e-12);
    // Ties take their average rank: x ranks (1, 2.5, 2.5, 4) against (1, 2, 3, 4) give
    // 4.5/√(4.5·5) (scipy.stats.spearmanr: 0.9486832980505138).
    let r = spearman(&[1.0, 2.0, 2.0, 3.0], &[1.0, 2.0, 3.0, 4.0]);
    assert!((r - 4.5 / (4.5f64 * 5.0).sqrt()).abs() < 1e-12, "{r}");
    assert!((r - 0.948_683_298_050_513_8).abs() < 1e-12);
    // A constant outcome (every XOR run succeeds) has no ρ.
    assert!(spearman(&x[..4], &[1.0; 4]).is_nan());
}

/// n pairs of a bivariate normal with correlation `r` (Box–Muller).
fn bivariate_normal(n: usize, r: f64, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut normal = || {
        let (u, v): (f64, f64) = (rng.random(), rng.random());
        (-2.0 * (1.0 - u).ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    };
    (0..n)
        .map(|_| {
            let (a, b) = (normal(), normal());
            (a, r * a + (1.0 - r * r).sqrt() * b)
        })
        .unzip()
}

#[test]
fn spearman_of_a_bivariate_normal_matches_its_closed_form_within_its_interval() {
    // For a bivariate normal with correlation r, Spearman's ρ = (6/π)·asin(r/2).
    let r: f64 = 0.5;
    let want = 6.0 / std::f64::consts::PI * (r / 2.0).asin();
    let (x, y) = bivariate_normal(10_000, r, 7);
    let p = pair(Quantity::InitialLoss, Outcome::FinalTrainLoss, &x, &y, 11);
    let (lo, hi) = p.correlation.spearman_ci95.unwrap();
    assert!(lo < want && want < hi, "{want} outside ({lo}, {hi})");
    // The interval's width matches the ρ's standard error, ≈ √((1 − ρ²)²·1.06/n)·2·1.96
    // (Fieller et al.), within a quarter.
    let se = ((1.0 - want * want).powi(2) * 1.06 / 10_000.0).sqrt();
    let width = hi - lo;
    assert!(
        (width / (2.0 * 1.96 * se) - 1.0).abs() < 0.25,
        "width {width} vs {}",
        2.0 * 1.96 * se
    );
    // Independent draws: no relation.
    let (x, _) = bivariate_normal(2000, 0.0, 1);
    let (y, _) = bivariate_normal(2000, 0.0, 2);
    let p = pair(Quantity::InitialLoss, Outcome::FinalTrainLoss, &x, &y, 3);
    assert_eq!(p.prediction, Prediction::NoRelation);
}

#[test]
fn the_oriented_rho_is_positive_when_the_intended_direction_predicts_better() {
    let q: Vec<f64> = (0..50).map(f64::from).collect();
    let down: Vec<f64> = q.iter().map(|v| 100.0 - v).collect();
    // GradCosine is meant high; a lower final loss is better: high GC ↔ low loss is good.
    let p = pair(Quantity::GradCosine, Outcome::FinalTrainLoss, &q, &down, 1);
    assert!((p.correlation.spearman_rho + 1.0).abs() < 1e-12);
    assert!((p.rho_oriented - 1.0).abs() < 1e-12);
    assert_eq!(p.prediction, Prediction::Better);
    let (lo, hi) = p.rho_oriented_ci95.unwrap();
    assert!(lo <= 1.0 && hi >= 0.99, "({lo}, {hi})");
    // The initial loss is meant low; a higher test metric is better: low loss ↔ high
    // accuracy is good, so ρ = −1 orients to +1, and ρ = +1 to −1.
    let p = pair(Quantity::InitialLoss, Outcome::TestMetric, &q, &down, 1);
    assert_eq!(p.prediction, Prediction::Better);
    let p = pair(Quantity::InitialLoss, Outcome::TestMetric, &q, &q, 1);
    assert!((p.rho_oriented + 1.0).abs() < 1e-12);
    assert_eq!(p.prediction, Prediction::Worse);
    // Non-finite quantities (GC of a dead sub-batch) are left out of the pairs.
    let mut gappy = q.clone();
    gappy[3] = f64::NAN;
    gappy[9] = f64::INFINITY;
    let p = pair(
        Quantity::GradCosine,
        Outcome::FinalTrainLoss,
        &gappy,
        &down,
        1,
    );
    assert_eq!(p.correlation.n, 48);
    assert!((p.rho_oriented - 1.0).abs() < 1e-12);
}

#[test]
fn best_of_k_picks_each_groups_extreme() {
    let v = [
        3.0,
        1.0,
        2.0,
        1.0, // group 0: lowest 1.0 first at 1, highest 3.0 at 0
        f64::NAN,
        5.0,
        -4.0,
        f64::INFINITY, // group 1: NaN and ∞ never win
        f64::NAN,
        f64::NAN,
        f64::NAN,
        f64::NAN, // group 2: nothing finite → its first
        0.0,
        0.0, // a remainder of 2 < K is left out
    ];
    assert_eq!(best_of_k(&v, 4, Direction::Low).unwrap(), vec![1, 6, 8]);
    assert_eq!(best_of_k(&v, 4, Direction::High).unwrap(), vec![0, 5, 8]);
    assert_eq!(random_picks(v.len(), 4).unwrap(), vec![0, 4, 8]);
    // K = 1 picks everything; K = n picks one.
    assert_eq!(
        best_of_k(&v[..3], 1, Direction::Low).unwrap(),
        vec![0, 1, 2]
    );
    assert_eq!(best_of_k(&v[..4], 4, Direction::Low).unwrap(), vec![1]);
    // On random data, every pick is the minimum of its group.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let data: Vec<f64> = (0..1000).map(|_| rng.random::<f64>()).collect();
    for (g, &i) in best_of_k(&data, 10, Direction::Low)
        .unwrap()
        .iter()
        .enumerate()
    {
        let group = &data[g * 10..(g + 1) * 10];
        assert!((g * 10..(g + 1) * 10).contains(&i));
        assert!(group.iter().all(|&x| data[i] <= x));
    }
}

#[test]
fn bad_k_and_unknown_tasks_are_refused_naming_the_value() {
    let e = check_k(0, 100).unwrap_err().to_string();
    assert!(e.contains("K = 0"), "{e}");
    let e = check_k(101, 100).unwrap_err().to_string();
    assert!(e.contains("K = 101") && e.contains("pool of 100"), "{e}");
    assert!(check_k(100, 100).is_ok());
    assert!(best_of_k(&[1.0, 2.0], 3, Direction::Low).is_err());
    assert!(random_picks(5, 0).is_err());
    let e = PredictorTask::from_name("mnist", 1, isa())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("unknown task `mnist`") && e.contains("relu2"),
        "{e}"
    );
}

#[test]
fn the_tasks_fix_their_batches_and_recipes() {
    let digits = PredictorTask::from_name("digits", 2025, isa()).unwrap();
    assert_eq!(digits.batch.rows.len(), 64);
    assert_eq!(digits.batch.x.dim(), (64, 64));
    assert_eq!(digits.batch.y.dim(), (64, 10));
    // The batch is the named training rows, in f64.
    let r = digits.batch.rows[5];
    assert_eq!(
        digits.batch.x[[5, 7]],
        f64::from(digits.board.x_train[[r, 7]])
    );
    let relu2 = PredictorTask::from_name("relu2", 2025, isa()).unwrap();
    assert!(relu2.is_xor() && !digits.is_xor());
    assert_eq!(relu2.batch.rows, vec![0, 1, 2, 3]);
    assert_eq!(relu2.batch.y.dim(), (4, 2));
    // The same seed draws the same batch; another seed another.
    let again = PredictorTask::from_name("digits", 2025, isa()).unwrap();
    assert_eq!(again.batch.rows, digits.batch.rows);
    let other = PredictorTask::from_name("digits", 2026, isa()).unwrap();
    assert_ne!(other.batch.rows, digits.batch.rows);
}
