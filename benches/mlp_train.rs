//! Batched MLP training throughput (run-epochs per second, `Throughput::Elements`): digits
//! 64-32-10 ReLU, cross-entropy, Adam(1e-3), 1400 standardized rows, minibatch 64 and full
//! batch, on every ISA this CPU has. Target ≥ 8×10³ run-epochs/s on 2 cores (the engine
//! Trainer: ~1.1×10³ per thread; matrixmultiply's sgemm bound: ~1×10⁴). The throughput binary
//! (`cargo run --release -p experiments --bin throughput`) reports the same figures against
//! the engine and the sgemm bound.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use initsift::batch::Isa;
use initsift::batch::mlp_train::{MlpTrainConfig, MlpTrainer};
use initsift::data::{Standardizer, builtin};
use initsift::init::{InitPlan, Stream};
use initsift::nn::{Activation, Loss, ModelSpec, OptimizerConfig, StopRules};

/// Runs per iteration.
const RUNS: usize = 256;
/// Epochs per run.
const EPOCHS: usize = 2;

fn mlp_train(c: &mut Criterion) {
    let spec = ModelSpec::mlp("64-32-10", Activation::Relu).expect("spec");
    let data = builtin::digits()
        .and_then(|d| d.random_subset(1400, 1))
        .expect("digits");
    let scaler = Standardizer::fit_dataset(&data).expect("scaler");
    let data = scaler.transform_dataset(&data).expect("standardized");
    let stream = Stream::new(&spec, &InitPlan::torch_default(&spec), 42).expect("stream");
    let stop = StopRules {
        max_epochs: EPOCHS,
        loss_below: None,
        plateau: None,
    };
    let mut group = c.benchmark_group("mlp_train");
    group.sample_size(10);
    group.throughput(Throughput::Elements((RUNS * EPOCHS) as u64));
    for batch in [64, data.n_samples()] {
        let config =
            MlpTrainConfig::full_batch(OptimizerConfig::adam(1e-3), Loss::CrossEntropy, stop)
                .minibatch(batch, 1);
        for isa in Isa::available() {
            let trainer = MlpTrainer::new(&spec, &data, None, config.clone())
                .and_then(|t| t.with_isa(Some(isa)))
                .expect("trainer");
            group.bench_function(format!("digits_64_32_10_adam_batch{batch}_{isa}"), |b| {
                b.iter(|| black_box(trainer.train_stream(&stream, 0, RUNS).expect("train")))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, mlp_train);
criterion_main!(benches);
