//! Candidate-scoring throughput (candidates per second, `Throughput::Elements`): relu1 on XOR
//! through the fused kernel on every ISA this CPU has (target ≥ 4×10⁸/s on 2 cores; peers on
//! this machine class: PyTorch batched 1.5×10⁷, JAX 1×10⁷, NumPy 2.4×10⁶, the reference loop
//! 4.6×10³), and the digits 64-32-10 ReLU MLP (cross-entropy) through the generic batched path,
//! on all 1797 samples and on a 256-sample subset.
//!
//! Every iteration scores fresh candidate indices (losses only), on rayon's default pool. The
//! throughput binary (`cargo run --release -p experiments --bin throughput`) measures the other
//! presets, the engine and the sgemm bound.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use initsift::batch::Isa;
use initsift::batch::Preset;
use initsift::batch::mlp::MlpScorer;
use initsift::batch::score::FusedScorer;
use initsift::init::select::Scorer;
use initsift::init::{InitPlan, Stream};
use initsift::nn::{Activation, Loss, ModelSpec};

/// relu1 candidates per iteration.
const RELU1_BATCH: usize = 1 << 20;
/// digits candidates per iteration.
const DIGITS_BATCH: usize = 256;

fn relu1(c: &mut Criterion) {
    let model = Preset::Relu1;
    let stream = Stream::new(&model.spec(), &model.plan(), 42).expect("preset plan");
    let mut out = vec![0.0f32; RELU1_BATCH];
    let mut group = c.benchmark_group("candidates");
    group.throughput(Throughput::Elements(RELU1_BATCH as u64));
    for isa in Isa::available() {
        let scorer = FusedScorer::new(model, Loss::Mse)
            .and_then(|s| s.with_isa(Some(isa)))
            .expect("available ISA");
        let mut first = 0u64;
        group.bench_function(format!("relu1_fused_{isa}"), |b| {
            b.iter(|| {
                scorer
                    .losses(&stream, black_box(first), &mut out)
                    .expect("valid request");
                first += RELU1_BATCH as u64;
                black_box(&out);
            })
        });
    }
    group.finish();
}

fn digits(c: &mut Criterion) {
    let spec = ModelSpec::mlp("64-32-10", Activation::Relu).expect("valid widths");
    let stream = Stream::new(&spec, &InitPlan::torch_default(&spec), 42).expect("valid plan");
    let full = initsift::data::builtin::digits().expect("vendored data");
    let sub = full.random_subset(256, 42).expect("256 ≤ 1797");
    let mut group = c.benchmark_group("candidates");
    group.sample_size(10);
    for (id, data, batch) in [
        ("digits_64_32_10_full", full, DIGITS_BATCH),
        ("digits_64_32_10_sub256", sub, DIGITS_BATCH * 4),
    ] {
        let (x, y) = (data.features().clone(), data.one_hot().expect("classes"));
        let scorer = MlpScorer::new(&spec, Loss::CrossEntropy, x.view(), y.view()).expect("fits");
        let mut out = vec![0.0f32; batch];
        let mut first = 0u64;
        group.throughput(Throughput::Elements(batch as u64));
        group.bench_function(id, |b| {
            b.iter(|| {
                scorer
                    .losses(&stream, black_box(first), &mut out)
                    .expect("valid request");
                first += batch as u64;
                black_box(&out);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, relu1, digits);
criterion_main!(benches);
