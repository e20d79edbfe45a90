//! Lockstep training throughput in run-epochs (one run's forward, backward and update): relu1
//! with Adam(0.01, β₂ 0.99) and MSE on XOR, on every ISA this CPU has. Target ≥ 2×10⁸
//! run-epochs/s on 2 cores; peers on this machine class: PyTorch per-run loop 3.0×10³, PyTorch
//! batched over runs 1.1×10⁷, JAX vmap+scan+jit 1.5×10⁷.
//!
//! Only the epoch budget stops runs, so every bench iteration does exactly runs × epochs
//! run-epochs. Initial parameters are relu1's reference plan (N(0, 0.5²) weights, zero biases).
//! The ISA is forced per bench id; threads are rayon's default pool.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use initsift::batch::lockstep::{Lockstep, LockstepConfig};
use initsift::batch::{Isa, Preset};
use initsift::init::Stream;
use initsift::nn::{Adam, Loss, OptimizerConfig, StopRules};

const RUNS: usize = 1 << 15;
const EPOCHS: usize = 200;

fn lockstep(c: &mut Criterion) {
    let preset = Preset::Relu1;
    let config = LockstepConfig {
        preset,
        optimizer: OptimizerConfig::Adam(Adam {
            lr: 0.01,
            beta2: 0.99,
            ..Adam::default()
        }),
        loss: Loss::Mse,
        stop: StopRules {
            max_epochs: EPOCHS,
            loss_below: None,
            plateau: None,
        },
    };
    let stream = Stream::new(&preset.spec(), &preset.plan(), 1).expect("preset plan");
    let mut init = vec![0.0f32; RUNS * preset.param_len()];
    stream.fill_batch(0, &mut init).expect("whole runs");
    let mut group = c.benchmark_group("lockstep");
    group.sample_size(10);
    group.throughput(Throughput::Elements((RUNS * EPOCHS) as u64));
    for isa in Isa::available() {
        let trainer = Lockstep::new(config, isa).expect("valid config");
        group.bench_function(format!("relu1_adam_mse/{isa}"), |b| {
            b.iter(|| black_box(trainer.train(RUNS, &init).expect("trains")))
        });
    }
    group.finish();
}

criterion_group!(benches, lockstep);
criterion_main!(benches);
