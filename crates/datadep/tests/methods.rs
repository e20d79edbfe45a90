//! The methods' facts on digits: sub-batch bounds, GC of identical sub-batches, LSUV's
//! variances, the constraints when active, the objectives improving, divergence handling,
//! determinism.

mod common;

use common::{digits, digits_relu, digits64, fixed_params};
use initsift_datadep::{
    Data, DataDependent, GradCosine, GradInitConfig, GradientQuotient, LsuvConfig, MetaInitConfig,
    NioConfig, OneStepLoss, OptTarget, StepKind, StepOptimizer, initialize, sub_batches,
};
use initsift_nn::{Loss, ModelSpec, ParamKind};
use initsift_tensor::Graph;
use ndarray::{Array2, Axis, concatenate, s};

fn base32(spec: &ModelSpec) -> Vec<f32> {
    fixed_params(spec).iter().map(|&v| v as f32).collect()
}

#[test]
fn sub_batch_bounds_follow_the_official_rule() {
    // init_methods.md §1.3's worked example (the released config).
    assert_eq!(sub_batches(64, 4, 0.2), vec![0..19, 12..38, 25..57, 38..64]);
    // r = 0: disjoint blocks of ⌊B/D⌋, the last takes the remainder.
    assert_eq!(sub_batches(10, 3, 0.0), vec![0..3, 3..6, 6..10]);
    assert_eq!(sub_batches(2, 2, 0.0), vec![0..1, 1..2]);
}

/// A batch whose D sub-batches hold the same rows has D equal gradients: GC = 1, V = 0.
#[test]
fn gradcosine_of_identical_sub_batches_is_one() {
    let spec = digits_relu();
    let theta = fixed_params(&spec);
    let (x, y) = digits64(16);
    let xs = concatenate![Axis(0), x, x, x];
    let ys = concatenate![Axis(0), y, y, y];
    let mut gc =
        GradCosine::new(&spec, Loss::CrossEntropy, 48, 3, 0.0, OptTarget::Gc, 1.0).unwrap();
    let v = gc.evaluate(&theta, xs.view(), ys.view()).unwrap();
    assert!((v.gc - 1.0).abs() < 1e-12, "GC = {}", v.gc);
    assert!(v.var.abs() < 1e-12 * v.gn * v.gn, "V = {}", v.var);
    // And a different batch gives GC < 1.
    let (x2, y2) = digits64(48);
    let v2 = gc.evaluate(&theta, x2.view(), y2.view()).unwrap();
    assert!(v2.gc < 0.99, "GC = {}", v2.gc);
}

/// Each Linear layer's output variance on LSUV's batch, measured independently by the engine.
fn layer_variances(spec: &ModelSpec, theta: &[f32], x: &Array2<f32>) -> Vec<f64> {
    let mut out = Vec::new();
    for (i, l) in spec.layers().iter().enumerate() {
        if !matches!(l, initsift_nn::Layer::Linear { .. }) {
            continue;
        }
        let prefix =
            ModelSpec::new("prefix", spec.input_dim(), spec.layers()[..=i].to_vec()).unwrap();
        let mut g = Graph::new();
        let input = g
            .input(initsift_tensor::Shape::new(x.nrows(), x.ncols()))
            .unwrap();
        let o = prefix.build(&mut g, input).unwrap().output;
        let xs = x.mapv(f64::from);
        let th: Vec<f64> = theta[..prefix.param_len()]
            .iter()
            .map(|&v| f64::from(v))
            .collect();
        let v = g.eval(&th, &[xs.view()]).unwrap();
        let vals = v.slice(o);
        let n = vals.len() as f64;
        let mean = vals.iter().sum::<f64>() / n;
        out.push(vals.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / n);
    }
    out
}

#[test]
fn lsuv_output_variances_are_one_within_tol() {
    let (x, y) = digits(200);
    for (widths, act) in [("64-32-10", "relu"), ("64-32-16-10", "tanh")] {
        let spec = ModelSpec::mlp(widths, act.parse().unwrap()).unwrap();
        let base = base32(&spec);
        let config = LsuvConfig {
            batch_size: Some(128),
            ..LsuvConfig::default()
        };
        let data = Data::new(x.view(), y.view(), Loss::CrossEntropy);
        let (theta, trace) =
            initialize(&spec, &base, data, &DataDependent::Lsuv(config.clone())).unwrap();
        assert!(trace.diverged.is_none());
        let batch = x.slice(s![..128, ..]).to_owned();
        for (l, v) in layer_variances(&spec, &theta, &batch).iter().enumerate() {
            assert!(
                (v - 1.0).abs() <= config.tol + 1e-6,
                "{widths} layer {l}: Var = {v}"
            );
        }
        // Every layer was visited, in order.
        let layers: Vec<usize> = trace
            .steps
            .iter()
            .map(|s| match s.kind {
                StepKind::Rescale { layer } => layer,
                k => panic!("LSUV step {k:?}"),
            })
            .collect();
        assert!(layers.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(layers.first(), Some(&0));
    }
}

/// The pre-init is orthonormal: each weight divided by its final scale (from the trace) has
/// W·Wᵀ = I (wide) or Wᵀ·W = I (tall) to f32 rounding, on wide, tall and square layers.
#[test]
fn lsuv_pre_init_is_orthonormal() {
    let (x, y) = digits(128);
    for widths in ["64-32-10", "64-100-100-10"] {
        let spec = ModelSpec::mlp(widths, "relu".parse().unwrap()).unwrap();
        let data = Data::new(x.view(), y.view(), Loss::CrossEntropy);
        let (theta, trace) = initialize(
            &spec,
            &base32(&spec),
            data,
            &DataDependent::Lsuv(LsuvConfig::default()),
        )
        .unwrap();
        let scales = &trace.steps.last().expect("steps").scales;
        for (k, b) in spec.param_layout().iter().enumerate() {
            if b.kind != ParamKind::Weight {
                continue;
            }
            let w = &theta[b.range()];
            let at = |r: usize, c: usize| f64::from(w[r * b.cols + c]) / scales[k];
            let (n, m) = (b.rows.min(b.cols), b.rows.max(b.cols));
            // Vector i, entry e: row i of a wide W, column i of a tall one.
            let entry = |i: usize, e: usize| if b.rows < b.cols { at(i, e) } else { at(e, i) };
            let mut worst = 0.0f64;
            for i in 0..n {
                for j in 0..n {
                    let dot: f64 = (0..m).map(|e| entry(i, e) * entry(j, e)).sum();
                    worst = worst.max((dot - if i == j { 1.0 } else { 0.0 }).abs());
                }
            }
            assert!(worst < 1e-5, "{widths} {}: |WWᵀ − I| = {worst}", b.name);
        }
    }
}

/// With γ below the starting gradient norm, NIO takes constraint steps, and they lower GN
/// until it is within γ; afterwards objective steps keep it near γ.
#[test]
fn nio_constraint_steps_bring_gn_under_gamma() {
    let spec = digits_relu();
    let (x, y) = digits(64);
    let gamma = 0.3;
    let config = NioConfig {
        gamma,
        iterations: 60,
        batch_size: Some(64),
        ..NioConfig::default()
    };
    let data = Data::new(x.view(), y.view(), Loss::CrossEntropy);
    let (_, trace) = initialize(&spec, &base32(&spec), data, &DataDependent::Nio(config)).unwrap();
    let first = &trace.steps[0];
    assert!(first.constraint.unwrap() > gamma);
    for s in &trace.steps {
        let active = s.constraint.unwrap() > gamma;
        assert_eq!(
            active,
            s.kind == StepKind::Constraint,
            "step {}",
            s.iteration
        );
    }
    let reached = trace
        .steps
        .iter()
        .position(|s| s.constraint.unwrap() <= gamma)
        .expect("GN falls under γ");
    assert!(
        trace.steps[reached..]
            .iter()
            .all(|s| s.constraint.unwrap() <= 1.2 * gamma)
    );
}

#[test]
fn gradinit_constraint_steps_bring_the_norm_under_gamma() {
    let spec = digits_relu();
    let (x, y) = digits(256);
    for (opt, gamma) in [(StepOptimizer::Sgd, 0.3), (StepOptimizer::Adam, 10.0)] {
        let config = GradInitConfig {
            optimizer: opt,
            normalize_grad: opt == StepOptimizer::Sgd,
            gamma,
            lr: 0.05,
            iterations: 60,
            batch_size: Some(64),
            ..GradInitConfig::default()
        };
        let data = Data::new(x.view(), y.view(), Loss::CrossEntropy);
        let (_, trace) = initialize(
            &spec,
            &base32(&spec),
            data,
            &DataDependent::GradInit(config),
        )
        .unwrap();
        assert_eq!(trace.steps[0].kind, StepKind::Constraint, "{opt:?}");
        for s in &trace.steps {
            let active = s.constraint.unwrap() > gamma;
            assert_eq!(
                active,
                s.kind == StepKind::Constraint,
                "{opt:?} step {}",
                s.iteration
            );
            assert_eq!(s.objective.is_some(), !active);
        }
        assert!(
            trace.steps.iter().any(|s| s.kind == StepKind::Objective),
            "{opt:?}: the norm never fell under γ"
        );
    }
}

/// Each method's objective on one fixed batch, before and after a run on digits.
#[test]
fn objectives_improve_over_the_run_on_digits() {
    let spec = digits_relu();
    let base = base32(&spec);
    let base64: Vec<f64> = base.iter().map(|&v| f64::from(v)).collect();
    let (x, y) = digits(256);
    let (x64, y64) = digits64(256);
    let data = Data::new(x.view(), y.view(), Loss::CrossEntropy);
    let as64 = |p: &[f32]| p.iter().map(|&v| f64::from(v)).collect::<Vec<f64>>();

    // NIO (gc): GC on the full 256-row batch rises.
    let nio = NioConfig {
        gamma: 100.0,
        iterations: 100,
        ..NioConfig::default()
    };
    let (after, _) = initialize(&spec, &base, data, &DataDependent::Nio(nio)).unwrap();
    let mut gc =
        GradCosine::new(&spec, Loss::CrossEntropy, 256, 2, 0.0, OptTarget::Gc, 1.0).unwrap();
    let before_gc = gc.evaluate(&base64, x64.view(), y64.view()).unwrap().gc;
    let after_gc = gc
        .evaluate(&as64(&after), x64.view(), y64.view())
        .unwrap()
        .gc;
    assert!(after_gc > before_gc + 0.01, "GC {before_gc} → {after_gc}");

    // GradInit (SGD): the loss after one normalized step, S = rows [0,128), S̃ = [128, 256).
    let gi = GradInitConfig {
        gamma: 100.0,
        lr: 0.05,
        iterations: 100,
        batch_size: Some(128),
        ..GradInitConfig::default()
    };
    let (after, _) = initialize(&spec, &base, data, &DataDependent::GradInit(gi)).unwrap();
    let mut one = OneStepLoss::new(
        &spec,
        Loss::CrossEntropy,
        128,
        StepOptimizer::Sgd,
        true,
        0.1,
    )
    .unwrap();
    let one_step = |one: &mut OneStepLoss, theta: &[f64]| {
        let (xs, ys) = (x64.slice(s![..128, ..]), y64.slice(s![..128, ..]));
        let (xt, yt) = (x64.slice(s![128.., ..]), y64.slice(s![128.., ..]));
        let n = one.norm(theta, xs, ys).unwrap();
        one.objective(theta, &n.direction, xt, yt, theta).unwrap().0
    };
    let (j0, j1) = (
        one_step(&mut one, &base64),
        one_step(&mut one, &as64(&after)),
    );
    assert!(j1 < 0.98 * j0, "one-step loss/η {j0} → {j1}");

    // MetaInit: GQ on the full batch falls (lr 0.01: Fig. 2's 0.1 moves these O(1) weight
    // norms by up to 1 per step with momentum and oscillates).
    let mi = MetaInitConfig {
        lr: 0.01,
        iterations: 100,
        ..MetaInitConfig::default()
    };
    let (after, _) = initialize(&spec, &base, data, &DataDependent::MetaInit(mi)).unwrap();
    let mut gq = GradientQuotient::new(&spec, Loss::CrossEntropy, 256, 1e-5).unwrap();
    let q0 = gq.evaluate(&base64, x64.view(), y64.view()).unwrap();
    let q1 = gq.evaluate(&as64(&after), x64.view(), y64.view()).unwrap();
    assert!(q1 < 0.9 * q0, "GQ {q0} → {q1}");
}

/// Biases that start at 0 have no direction to scale: they stay 0, and their scale stays 1.
#[test]
fn zero_norm_tensors_are_skipped() {
    let spec = digits_relu();
    let mut base = base32(&spec);
    for b in spec
        .param_layout()
        .iter()
        .filter(|b| b.kind == ParamKind::Bias)
    {
        base[b.range()].iter_mut().for_each(|v| *v = 0.0);
    }
    let (x, y) = digits(64);
    let data = Data::new(x.view(), y.view(), Loss::CrossEntropy);
    for config in [
        DataDependent::Nio(NioConfig {
            iterations: 10,
            ..NioConfig::default()
        }),
        DataDependent::GradInit(GradInitConfig {
            iterations: 10,
            ..GradInitConfig::default()
        }),
    ] {
        let (theta, trace) = initialize(&spec, &base, data, &config).unwrap();
        for (k, b) in spec.param_layout().iter().enumerate() {
            if b.kind == ParamKind::Bias {
                assert!(theta[b.range()].iter().all(|&v| v == 0.0));
                assert!(trace.steps.iter().all(|s| s.scales[k] == 1.0));
            }
        }
        assert!(
            trace.steps.last().unwrap().scales[0] != 1.0,
            "{}",
            config.name()
        );
    }
}

/// A non-finite objective at the first iteration: the run stops there, says so, and returns
/// the base parameters. (λ = 1e300 with inputs of order 1e30 overflows J = −GC − λ·Σ‖g_d‖².)
#[test]
fn divergence_at_the_start_returns_the_base() {
    let spec = digits_relu();
    let (x, y) = digits(64);
    let x = x.mapv(|v| v * 1e30);
    let data = Data::new(x.view(), y.view(), Loss::CrossEntropy);
    let config = DataDependent::Nio(NioConfig {
        target: OptTarget::GcGn,
        gn_mul: 1e300,
        iterations: 10,
        ..NioConfig::default()
    });
    let base = base32(&spec);
    let (theta, trace) = initialize(&spec, &base, data, &config).unwrap();
    let d = trace.diverged.as_ref().expect("diverges");
    assert_eq!((d.iteration, d.quantity.as_str()), (0, "objective"));
    assert!(trace.steps.is_empty());
    assert_eq!(theta, base);
}

/// A dead second layer (every hidden ReLU off: negative weights and biases on non-negative
/// pixels; output bias 0) has output variance 0: LSUV stops before dividing by it, keeps the first layer's
/// rescale, and says where it stopped.
#[test]
fn lsuv_stops_at_a_dead_layer_with_finite_parameters() {
    let spec = digits_relu();
    let mut base = base32(&spec);
    let layout = spec.param_layout();
    for v in &mut base[layout[0].range()] {
        *v = -v.abs();
    }
    base[layout[1].range()].iter_mut().for_each(|v| *v = -10.0);
    base[layout[3].range()].iter_mut().for_each(|v| *v = 0.0);
    let (x, y) = digits(64);
    let data = Data::new(x.view(), y.view(), Loss::CrossEntropy);
    let config = DataDependent::Lsuv(LsuvConfig {
        orthonormal_seed: None,
        ..LsuvConfig::default()
    });
    let (theta, trace) = initialize(&spec, &base, data, &config).unwrap();
    let d = trace.diverged.as_ref().expect("stops");
    assert!(d.iteration >= 1, "{d:?}");
    assert!(
        trace
            .steps
            .iter()
            .all(|s| s.kind == StepKind::Rescale { layer: 0 })
    );
    assert!(theta.iter().all(|v| v.is_finite()));
    assert_ne!(theta[layout[0].range()], base[layout[0].range()]);
    assert_eq!(theta[layout[2].range()], base[layout[2].range()]);
}

#[test]
fn same_inputs_give_the_same_bits() {
    let spec = digits_relu();
    let (x, y) = digits(128);
    let data = Data::new(x.view(), y.view(), Loss::CrossEntropy);
    for config in [
        DataDependent::Lsuv(LsuvConfig::default()),
        DataDependent::Nio(NioConfig {
            iterations: 5,
            batch_size: Some(64),
            ..NioConfig::released()
        }),
        DataDependent::GradInit(GradInitConfig {
            iterations: 5,
            batch_size: Some(64),
            ..GradInitConfig::default()
        }),
        DataDependent::MetaInit(MetaInitConfig {
            iterations: 5,
            ..MetaInitConfig::default()
        }),
    ] {
        let a = initialize(&spec, &base32(&spec), data, &config).unwrap();
        let b = initialize(&spec, &base32(&spec), data, &config).unwrap();
        assert_eq!(a.0, b.0, "{}", config.name());
    }
}

#[test]
fn configs_round_trip_and_default_from_the_tag_alone() {
    let c: DataDependent = serde_json::from_str(r#"{"method": "nio"}"#).unwrap();
    assert_eq!(c, DataDependent::Nio(NioConfig::default()));
    let c: DataDependent =
        serde_json::from_str(r#"{"method": "grad_init", "optimizer": "adam", "gamma": 10}"#)
            .unwrap();
    let DataDependent::GradInit(g) = &c else {
        panic!()
    };
    assert_eq!(
        (g.optimizer, g.gamma, g.eta),
        (StepOptimizer::Adam, 10.0, 0.1)
    );
    for c in [
        DataDependent::Lsuv(LsuvConfig::default()),
        DataDependent::Nio(NioConfig::released()),
        DataDependent::GradInit(GradInitConfig::default()),
        DataDependent::MetaInit(MetaInitConfig::default()),
    ] {
        let back: DataDependent =
            serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(back, c);
    }
    assert!(serde_json::from_str::<DataDependent>(r#"{"method": "nio", "gama": 1}"#).is_err());
}

#[test]
fn the_trace_serializes() {
    let spec = digits_relu();
    let (x, y) = digits(64);
    let data = Data::new(x.view(), y.view(), Loss::CrossEntropy);
    let (_, trace) = initialize(
        &spec,
        &base32(&spec),
        data,
        &DataDependent::Nio(NioConfig {
            iterations: 3,
            ..NioConfig::default()
        }),
    )
    .unwrap();
    let json = serde_json::to_value(&trace).unwrap();
    assert_eq!(json["method"], "nio");
    assert_eq!(json["steps"].as_array().unwrap().len(), 3);
    assert_eq!(json["steps"][0]["scales"].as_array().unwrap().len(), 4);
    assert!(trace.steps.windows(2).all(|w| w[0].seconds <= w[1].seconds));
    let _: Array2<f32> = x;
}

/// Every method runs on every loss of the engine (and a tanh model), ends finite, and moves
/// the parameters.
#[test]
fn every_method_runs_on_every_loss() {
    let (x, y) = digits(96);
    let spec = ModelSpec::mlp("64-8-10", "tanh".parse().unwrap()).unwrap();
    let base = base32(&spec);
    for loss in [Loss::CrossEntropy, Loss::Mse, Loss::BceWithLogits] {
        let data = Data::new(x.view(), y.view(), loss);
        for config in [
            DataDependent::Lsuv(LsuvConfig::default()),
            DataDependent::Nio(NioConfig {
                iterations: 5,
                ..NioConfig::default()
            }),
            DataDependent::GradInit(GradInitConfig {
                iterations: 5,
                gamma: 100.0,
                ..GradInitConfig::default()
            }),
            DataDependent::MetaInit(MetaInitConfig {
                iterations: 5,
                lr: 0.01,
                ..MetaInitConfig::default()
            }),
        ] {
            let (theta, trace) = initialize(&spec, &base, data, &config).unwrap();
            assert!(trace.diverged.is_none(), "{loss} {}", config.name());
            assert!(theta.iter().all(|v| v.is_finite()));
            assert_ne!(theta, base, "{loss} {}", config.name());
        }
    }
}

/// GradInit's optional upper clamp (the fairseq copy's `max_scale`) holds every scale.
#[test]
fn gradinit_max_scale_caps_the_scales() {
    let spec = digits_relu();
    let (x, y) = digits(128);
    let data = Data::new(x.view(), y.view(), Loss::CrossEntropy);
    let run = |max_scale| {
        let config = DataDependent::GradInit(GradInitConfig {
            gamma: 100.0,
            lr: 0.2,
            iterations: 40,
            batch_size: Some(64),
            max_scale,
            ..GradInitConfig::default()
        });
        initialize(&spec, &base32(&spec), data, &config).unwrap().1
    };
    let free = run(None);
    let top = free
        .steps
        .iter()
        .flat_map(|s| s.scales.iter().copied())
        .fold(0.0, f64::max);
    assert!(
        top > 0.5,
        "the free run never exceeds 0.5 ({top}), so the cap is not exercised"
    );
    let capped = run(Some(0.5));
    assert!(
        capped
            .steps
            .iter()
            .all(|s| s.scales.iter().all(|&a| a <= 0.5))
    );
}
