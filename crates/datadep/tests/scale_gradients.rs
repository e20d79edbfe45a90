//! Every objective's gradient with respect to the per-tensor scales, from the engine's
//! symbolic grad (second order; MetaInit third), against central finite differences of the
//! objective itself, all in f64.
//!
//! Tolerance: central differences with h = 1e-5 have truncation error O(h²·f''') ≈ 1e-10 and
//! rounding error O(ε·|f|/h) ≈ 1e-11 for these O(1) objectives; 1e-6 relative (to max(1, |g|))
//! leaves a wide margin and still fails on any wrong term (a dropped factor is O(1)).

mod common;

use common::{digits_tanh, digits64, fixed_params, scaled};
use initsift_datadep::{
    GradCosine, GradientQuotient, OneStepLoss, OptTarget, Quantity, StepOptimizer,
};
use initsift_nn::Loss;
use initsift_tensor::check::{compare, numerical_gradient};

const H: f64 = 1e-5;
const TOL: f64 = 1e-6;
/// GQ divides by g_i + ε·s_i, small for some entries, so its higher derivatives are large
/// (its gradient here is O(100)): h = 1e-5 leaves a truncation error of about 6e-6 relative,
/// h = 1e-6 about 100 times less.
const H_QUOTIENT: f64 = 1e-6;

/// Scales away from 1 so that the check is not at a special point.
fn alphas(n: usize) -> Vec<f64> {
    (0..n).map(|k| 0.8 + 0.15 * k as f64).collect()
}

#[test]
fn gradcosine_objectives_and_gn_match_finite_differences() {
    let spec = digits_tanh();
    let base = fixed_params(&spec);
    let (x, y) = digits64(48);
    let a0 = alphas(spec.param_layout().len());
    let targets = [
        OptTarget::Gc,
        OptTarget::GcGn,
        OptTarget::GcGnSqrt,
        OptTarget::Gv,
        OptTarget::GvGn,
        OptTarget::GvGnSqrt,
    ];
    for target in targets {
        let mut gc = GradCosine::new(&spec, Loss::CrossEntropy, 48, 3, 0.2, target, 0.5).unwrap();
        for which in [Quantity::Objective, Quantity::Constraint] {
            gc.evaluate(&scaled(&spec, &base, &a0), x.view(), y.view())
                .unwrap();
            let analytic = gc.scale_gradient(which, &base).unwrap();
            let numeric = numerical_gradient(
                |a| {
                    let v = gc
                        .evaluate(&scaled(&spec, &base, a), x.view(), y.view())
                        .unwrap();
                    match which {
                        Quantity::Objective => v.objective,
                        Quantity::Constraint => v.gn,
                    }
                },
                &a0,
                H,
            );
            let check = compare(&analytic, &numeric);
            assert!(
                check.max_rel_err < TOL,
                "{target:?} {which:?}: {check:?}\n{analytic:?}\n{numeric:?}"
            );
        }
    }
}

#[test]
fn gradcosine_with_mse_matches_finite_differences() {
    let spec = digits_tanh();
    let base = fixed_params(&spec);
    let (x, y) = digits64(40);
    let a0 = alphas(spec.param_layout().len());
    let mut gc = GradCosine::new(&spec, Loss::Mse, 40, 2, 0.0, OptTarget::Gc, 1.0).unwrap();
    gc.evaluate(&scaled(&spec, &base, &a0), x.view(), y.view())
        .unwrap();
    let analytic = gc.scale_gradient(Quantity::Objective, &base).unwrap();
    let numeric = numerical_gradient(
        |a| {
            gc.evaluate(&scaled(&spec, &base, a), x.view(), y.view())
                .unwrap()
                .objective
        },
        &a0,
        H,
    );
    let check = compare(&analytic, &numeric);
    assert!(check.max_rel_err < TOL, "{check:?}");
}

/// GradInit's objective step differentiates L(S̃; θ − η·d)/η with d held fixed (the code
/// detaches d), so the finite differences hold d at its value at α₀ too; its constraint
/// step differentiates the full N(g(α)).
#[test]
fn gradinit_one_step_loss_and_norm_match_finite_differences() {
    let spec = digits_tanh();
    let base = fixed_params(&spec);
    let (x, y) = digits64(64);
    let (xs, ys) = (
        x.slice(ndarray::s![..32, ..]),
        y.slice(ndarray::s![..32, ..]),
    );
    let (xt, yt) = (
        x.slice(ndarray::s![32.., ..]),
        y.slice(ndarray::s![32.., ..]),
    );
    let a0 = alphas(spec.param_layout().len());
    for (opt, normalize) in [
        (StepOptimizer::Sgd, true),
        (StepOptimizer::Sgd, false),
        (StepOptimizer::Adam, false),
    ] {
        let mut one = OneStepLoss::new(&spec, Loss::CrossEntropy, 32, opt, normalize, 0.1).unwrap();
        let theta0 = scaled(&spec, &base, &a0);
        let n = one.norm(&theta0, xs, ys).unwrap();
        let (_, analytic) = one.objective(&theta0, &n.direction, xt, yt, &base).unwrap();
        let d = n.direction.clone();
        let numeric = numerical_gradient(
            |a| {
                one.objective(&scaled(&spec, &base, a), &d, xt, yt, &base)
                    .unwrap()
                    .0
            },
            &a0,
            H,
        );
        let check = compare(&analytic, &numeric);
        assert!(check.max_rel_err < TOL, "{opt:?} objective: {check:?}");

        one.norm(&theta0, xs, ys).unwrap();
        let analytic = one.constraint_gradient(&base).unwrap();
        let numeric = numerical_gradient(
            |a| one.norm(&scaled(&spec, &base, a), xs, ys).unwrap().norm,
            &a0,
            H,
        );
        let check = compare(&analytic, &numeric);
        assert!(check.max_rel_err < TOL, "{opt:?} constraint: {check:?}");
    }
}

#[test]
fn gradient_quotient_matches_finite_differences() {
    let spec = digits_tanh();
    let base = fixed_params(&spec);
    let (x, y) = digits64(32);
    let a0 = alphas(spec.param_layout().len());
    let mut gq = GradientQuotient::new(&spec, Loss::CrossEntropy, 32, 1e-5).unwrap();
    gq.evaluate(&scaled(&spec, &base, &a0), x.view(), y.view())
        .unwrap();
    let analytic = gq.scale_gradient(&base).unwrap();
    // Differentiate along the weight scales only (GQ is taken over the weights).
    let weights: Vec<usize> = (0..a0.len()).step_by(2).collect();
    let at: Vec<f64> = weights.iter().map(|&k| a0[k]).collect();
    let numeric = numerical_gradient(
        |w| {
            let mut a = a0.clone();
            for (&k, &v) in weights.iter().zip(w) {
                a[k] = v;
            }
            gq.evaluate(&scaled(&spec, &base, &a), x.view(), y.view())
                .unwrap()
        },
        &at,
        H_QUOTIENT,
    );
    let check = compare(&analytic, &numeric);
    assert!(
        check.max_rel_err < TOL,
        "{check:?}\n{analytic:?}\n{numeric:?}"
    );
}
