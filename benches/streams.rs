//! Candidate-stream throughput: normals per second from the scalar stream on one thread (the
//! reference the SIMD lane version must equal bit for bit; the fused-scoring issue needs
//! ≥ 10⁹ normals/s across 2 cores from that vectorized version). Also uniforms and truncated
//! normals per second, and relu2 candidates through `fill_batch`, for context.
//!
//! Every iteration fills a fresh candidate index, so nothing is cached between iterations.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use initsift::init::{InitPlan, Scheme, Stream};
use initsift::nn::ModelSpec;

/// Values per iteration for the one-tensor benches.
const LEN: usize = 1 << 16;

fn one_tensor(c: &mut Criterion, id: &str, scheme: Scheme) {
    let stream = Stream::for_tensor(&scheme, 1, LEN, 42).expect("valid scheme");
    let mut out = vec![0.0f32; LEN];
    let mut index = 0u64;
    let mut group = c.benchmark_group("streams");
    group.throughput(Throughput::Elements(LEN as u64));
    group.bench_function(id, |b| {
        b.iter(|| {
            index += 1;
            stream
                .fill(black_box(index), &mut out)
                .expect("buffer fits");
            black_box(&out);
        })
    });
    group.finish();
}

fn streams(c: &mut Criterion) {
    one_tensor(
        c,
        "normal_scalar_1thread",
        Scheme::Normal {
            mean: 0.0,
            std: 1.0,
        },
    );
    one_tensor(
        c,
        "uniform_scalar_1thread",
        Scheme::Uniform {
            low: -1.0,
            high: 1.0,
        },
    );
    one_tensor(
        c,
        "trunc_normal_scalar_1thread",
        Scheme::TruncNormal {
            mean: 0.0,
            std: 1.0,
            a: -2.0,
            b: 2.0,
        },
    );

    // relu2 candidates: 8 normal weights and 4 zero biases each; throughput counts normals.
    const CANDIDATES: usize = 4096;
    let stream = Stream::new(&ModelSpec::relu2(), &InitPlan::relu2(), 42).expect("preset fits");
    let mut out = vec![0.0f32; CANDIDATES * stream.param_len()];
    let mut first = 0u64;
    let mut group = c.benchmark_group("streams");
    group.throughput(Throughput::Elements((CANDIDATES * 8) as u64));
    group.bench_function("relu2_batch_normals_1thread", |b| {
        b.iter(|| {
            first += CANDIDATES as u64;
            stream
                .fill_batch(black_box(first), &mut out)
                .expect("buffer fits");
            black_box(&out);
        })
    });
    group.finish();
}

criterion_group!(benches, streams);
criterion_main!(benches);
