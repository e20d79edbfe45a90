//! initsift against PyTorch's own numbers (tools/pytorch/datadep_reference.py, float64,
//! autograd with create_graph=True): every objective and its gradient with respect to the
//! scales at a fixed point, and ten iterations of NIO and GradInit through `initialize`.
//!
//! Tolerance: both sides compute in f64 from the same f32-exact parameters and data and
//! differ only in summation order (≈1e-16 relative per op). Measured agreement is below 1e-12
//! at the fixed point and below 1e-11 over the runs; the tests allow 1e-11 and 1e-10 relative
//! (to max(1, |value|)). Any wrong rule (a changed counter, clip, bias correction, sub-batch
//! bound or a missing detach) moves values by far more than that.

mod common;

use common::{digits, digits_relu, digits64, fixed_params};
use initsift_datadep::{
    Data, DataDependent, GradCosine, GradInitConfig, GradientQuotient, NioConfig, OneStepLoss,
    OptTarget, Quantity, StepKind, StepOptimizer, TraceStep, initialize,
};
use initsift_nn::Loss;
use ndarray::{Axis, concatenate, s};
use serde_json::Value;

const FIXTURE: &str = include_str!("fixtures/torch_datadep.json");

fn fixture() -> Value {
    serde_json::from_str(FIXTURE).expect("valid JSON")
}

fn close(what: &str, ours: f64, theirs: f64, tol: f64) {
    let err = (ours - theirs).abs() / theirs.abs().max(1.0);
    assert!(
        err <= tol,
        "{what}: ours {ours}, torch {theirs}, rel err {err:e}"
    );
}

fn close_all(what: &str, ours: &[f64], theirs: &Value, tol: f64) {
    let theirs: Vec<f64> = serde_json::from_value(theirs.clone()).expect("numbers");
    assert_eq!(ours.len(), theirs.len(), "{what}: lengths");
    for (i, (&o, &t)) in ours.iter().zip(&theirs).enumerate() {
        close(&format!("{what}[{i}]"), o, t, tol);
    }
}

const FIXED_TOL: f64 = 1e-11;
const RUN_TOL: f64 = 1e-10;

#[test]
fn gradcosine_and_its_scale_gradients_match_torch() {
    let f = &fixture()["fixed_point"];
    let spec = digits_relu();
    let base = fixed_params(&spec);
    let (x, y) = digits64(64);
    for (name, target) in [("gc", OptTarget::Gc), ("gc_gn_sqrt", OptTarget::GcGnSqrt)] {
        let t = &f[format!("gradcosine_{name}")];
        let mut gc = GradCosine::new(&spec, Loss::CrossEntropy, 64, 4, 0.2, target, 1.0).unwrap();
        let v = gc.evaluate(&base, x.view(), y.view()).unwrap();
        close("gc", v.gc, t["gc"].as_f64().unwrap(), FIXED_TOL);
        close("gn", v.gn, t["gn"].as_f64().unwrap(), FIXED_TOL);
        close("var", v.var, t["var"].as_f64().unwrap(), FIXED_TOL);
        close(
            "objective",
            v.objective,
            t["objective"].as_f64().unwrap(),
            FIXED_TOL,
        );
        let dj = gc.scale_gradient(Quantity::Objective, &base).unwrap();
        close_all(
            &format!("{name} d_objective"),
            &dj,
            &t["d_objective"],
            FIXED_TOL,
        );
        let dgn = gc.scale_gradient(Quantity::Constraint, &base).unwrap();
        close_all(&format!("{name} d_gn"), &dgn, &t["d_gn"], FIXED_TOL);
    }
}

#[test]
fn gradinit_one_step_loss_and_norm_match_torch() {
    let f = &fixture()["fixed_point"];
    let spec = digits_relu();
    let base = fixed_params(&spec);
    let (x, y) = digits64(128);
    let (xs, ys) = (x.slice(s![..64, ..]), y.slice(s![..64, ..]));
    let xt = concatenate![Axis(0), x.slice(s![..32, ..]), x.slice(s![64..96, ..])];
    let yt = concatenate![Axis(0), y.slice(s![..32, ..]), y.slice(s![64..96, ..])];
    for (name, opt, normalize) in [
        ("sgd", StepOptimizer::Sgd, true),
        ("adam", StepOptimizer::Adam, false),
    ] {
        let t = &f[format!("gradinit_{name}")];
        let mut one = OneStepLoss::new(&spec, Loss::CrossEntropy, 64, opt, normalize, 0.1).unwrap();
        let n = one.norm(&base, xs, ys).unwrap();
        close("norm", n.norm, t["norm"].as_f64().unwrap(), FIXED_TOL);
        let dn = one.constraint_gradient(&base).unwrap();
        close_all(&format!("{name} d_norm"), &dn, &t["d_norm"], FIXED_TOL);
        let (j, dj) = one
            .objective(&base, &n.direction, xt.view(), yt.view(), &base)
            .unwrap();
        close("objective", j, t["objective"].as_f64().unwrap(), FIXED_TOL);
        close_all(
            &format!("{name} d_objective"),
            &dj,
            &t["d_objective"],
            FIXED_TOL,
        );
    }
}

#[test]
fn gradient_quotient_and_its_scale_gradient_match_torch() {
    let t = &fixture()["fixed_point"]["metainit"];
    let spec = digits_relu();
    let base = fixed_params(&spec);
    let (x, y) = digits64(64);
    let mut gq = GradientQuotient::new(&spec, Loss::CrossEntropy, 64, 1e-5).unwrap();
    let v = gq.evaluate(&base, x.view(), y.view()).unwrap();
    close("gq", v, t["gq"].as_f64().unwrap(), FIXED_TOL);
    let d = gq.scale_gradient(&base).unwrap();
    close_all("d_gq", &d, &t["d_gq"], FIXED_TOL);
}

fn compare_runs(what: &str, ours: &[TraceStep], theirs: &Value) {
    let theirs = theirs.as_array().expect("steps");
    assert_eq!(ours.len(), theirs.len(), "{what}: iterations");
    for (i, (o, t)) in ours.iter().zip(theirs).enumerate() {
        let kind = match o.kind {
            StepKind::Constraint => "constraint",
            StepKind::Objective => "objective",
            StepKind::Rescale { .. } => "rescale",
        };
        assert_eq!(kind, t["kind"].as_str().unwrap(), "{what} step {i}");
        close(
            &format!("{what} step {i} constraint"),
            o.constraint.unwrap(),
            t["constraint"].as_f64().unwrap(),
            RUN_TOL,
        );
        match (o.objective, t["objective"].as_f64()) {
            (Some(a), Some(b)) => close(&format!("{what} step {i} objective"), a, b, RUN_TOL),
            (None, None) => {}
            (a, b) => panic!("{what} step {i}: objective {a:?} vs torch {b:?}"),
        }
        close_all(
            &format!("{what} step {i} scales"),
            &o.scales,
            &t["scales"],
            RUN_TOL,
        );
    }
}

fn run(config: DataDependent) -> Vec<TraceStep> {
    let spec = digits_relu();
    let base: Vec<f32> = fixed_params(&spec).iter().map(|&v| v as f32).collect();
    let (x, y) = digits(128);
    let data = Data::new(x.view(), y.view(), Loss::CrossEntropy);
    let (params, trace) = initialize(&spec, &base, data, &config).unwrap();
    assert!(params.iter().all(|v| v.is_finite()));
    assert!(trace.diverged.is_none());
    trace.steps
}

#[test]
fn ten_nio_iterations_match_torch() {
    let f = fixture();
    let released = NioConfig {
        sub_batches: 4,
        overlap: 0.2,
        gamma: 10.0,
        lr: 0.05,
        iterations: 10,
        target: OptTarget::GcGnSqrt,
        batch_size: Some(64),
        ..NioConfig::default()
    };
    compare_runs(
        "nio released",
        &run(DataDependent::Nio(released)),
        &f["nio"]["released"],
    );
    let constrained = NioConfig {
        sub_batches: 2,
        overlap: 0.0,
        gamma: 0.45,
        lr: 0.05,
        iterations: 10,
        target: OptTarget::Gc,
        batch_size: Some(64),
        ..NioConfig::default()
    };
    compare_runs(
        "nio constrained",
        &run(DataDependent::Nio(constrained)),
        &f["nio"]["constrained"],
    );
}

#[test]
fn ten_gradinit_iterations_match_torch() {
    let f = fixture();
    let sgd = GradInitConfig {
        gamma: 1.0,
        lr: 0.05,
        eta: 0.1,
        iterations: 10,
        batch_size: Some(64),
        ..GradInitConfig::default()
    };
    compare_runs(
        "gradinit sgd",
        &run(DataDependent::GradInit(sgd)),
        &f["gradinit"]["sgd"],
    );
    let adam = GradInitConfig {
        optimizer: StepOptimizer::Adam,
        normalize_grad: false,
        gamma: 15.0,
        lr: 0.05,
        eta: 0.01,
        iterations: 10,
        batch_size: Some(64),
        ..GradInitConfig::default()
    };
    compare_runs(
        "gradinit adam",
        &run(DataDependent::GradInit(adam)),
        &f["gradinit"]["adam_constrained"],
    );
}
