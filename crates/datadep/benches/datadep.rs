//! Each method's init time on digits 64-32-10 (ReLU, cross-entropy; B = 64, T = 100; all 1797
//! rows, batches in order), the configs tools/pytorch/datadep_reference.py times in PyTorch
//! (float32, one thread; it writes `torch_seconds` into crates/datadep/tests/fixtures/
//! torch_datadep.json). Target: ≥ 5× faster than PyTorch.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use initsift_datadep::{
    Data, DataDependent, GradInitConfig, LsuvConfig, MetaInitConfig, NioConfig, OptTarget,
    initialize,
};
use initsift_nn::{Activation, Loss, ModelSpec, ParamKind};

/// The fixed parameters of the tests and the PyTorch script.
fn fixed_params(spec: &ModelSpec) -> Vec<f32> {
    let mut theta = vec![0.0f32; spec.param_len()];
    for (k, b) in spec.param_layout().iter().enumerate() {
        let s = if b.kind == ParamKind::Weight {
            1.0
        } else {
            0.1
        } / (b.fan_in as f64).sqrt();
        for (j, t) in theta[b.range()].iter_mut().enumerate() {
            *t = (s * (0.7 * j as f64 + 0.3 * k as f64 + 1.0).sin()) as f32;
        }
    }
    theta
}

fn methods(c: &mut Criterion) {
    let spec = ModelSpec::mlp("64-32-10", Activation::Relu).unwrap();
    let base = fixed_params(&spec);
    let digits = initsift_data::builtin::digits().unwrap();
    let x = digits.features().mapv(|v| v / 16.0);
    let y = digits.one_hot().unwrap();
    let data = Data::new(x.view(), y.view(), Loss::CrossEntropy);
    let configs = [
        (
            "nio",
            DataDependent::Nio(NioConfig {
                lr: 0.003,
                iterations: 100,
                ..NioConfig::released()
            }),
        ),
        (
            "grad_init",
            DataDependent::GradInit(GradInitConfig {
                iterations: 100,
                batch_size: Some(64),
                ..GradInitConfig::default()
            }),
        ),
        (
            "meta_init",
            DataDependent::MetaInit(MetaInitConfig {
                iterations: 100,
                batch_size: Some(64),
                ..MetaInitConfig::default()
            }),
        ),
        (
            "lsuv",
            DataDependent::Lsuv(LsuvConfig {
                batch_size: Some(64),
                ..LsuvConfig::default()
            }),
        ),
    ];
    let mut group = c.benchmark_group("datadep/digits_64-32-10_B64_T100");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    for (name, config) in &configs {
        if let DataDependent::Nio(n) = config {
            debug_assert_eq!(n.target, OptTarget::GcGnSqrt);
        }
        group.bench_function(*name, |b| {
            b.iter(|| black_box(initialize(&spec, &base, data, config).unwrap()))
        });
    }
    group.finish();
}

criterion_group!(benches, methods);
criterion_main!(benches);
