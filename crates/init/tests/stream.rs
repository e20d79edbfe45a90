//! Candidate streams: the normals and uniforms fit their CDFs (Kolmogorov–Smirnov), a
//! candidate is the same bits alone, in a batch and on any thread count, and streams of
//! different seeds, indices and positions are uncorrelated.

mod common;

use common::*;
use initsift_init::lanes::normal64::normal_cdf;
use initsift_init::{Candidate, InitPlan, LayerInit, PostStep, Scheme, Stream};
use initsift_nn::{Activation, ModelSpec};

fn standard_normal() -> Scheme {
    Scheme::Normal {
        mean: 0.0,
        std: 1.0,
    }
}

/// Position `pos` of candidates `first..first + n` of a one-tensor stream.
fn across_candidates(
    scheme: &Scheme,
    len: usize,
    seed: u64,
    first: u64,
    n: usize,
    pos: usize,
) -> Vec<f32> {
    let stream = Stream::for_tensor(scheme, 1, len, seed).unwrap();
    let mut all = vec![0.0f32; len * n];
    stream.fill_batch(first, &mut all).unwrap();
    all.chunks(len).map(|c| c[pos]).collect()
}

#[test]
fn ks_normals_within_a_candidate_and_across_candidates() {
    let n = 200_000;
    let big = Stream::for_tensor(&standard_normal(), 1, n, 7)
        .unwrap()
        .candidate(3);
    assert_ks("normal, one candidate", &big, normal_cdf);
    // Both halves of the Box–Muller pairs, separately.
    let even: Vec<f32> = big.iter().step_by(2).cloned().collect();
    let odd: Vec<f32> = big.iter().skip(1).step_by(2).cloned().collect();
    assert_ks("normal, cos half", &even, normal_cdf);
    assert_ks("normal, sin half", &odd, normal_cdf);
    // One position across many candidates: the direction SIMD lanes run in.
    for pos in [0, 1, 2] {
        let xs = across_candidates(&standard_normal(), 3, 8, 0, 100_000, pos);
        assert_ks(
            &format!("normal, position {pos} across candidates"),
            &xs,
            normal_cdf,
        );
    }
}

#[test]
fn ks_uniforms_within_and_across_candidates() {
    let u = Scheme::Uniform {
        low: -1.0,
        high: 1.0,
    };
    let cdf = |x: f64| ((x + 1.0) / 2.0).clamp(0.0, 1.0);
    let big = Stream::for_tensor(&u, 1, 200_000, 9).unwrap().candidate(0);
    assert_ks("uniform, one candidate", &big, cdf);
    let xs = across_candidates(&u, 2, 10, 1 << 40, 100_000, 1);
    assert_ks("uniform, across candidates (index ≥ 2⁴⁰)", &xs, cdf);
}

#[test]
fn ks_truncated_normal_across_candidates() {
    let (mean, std, a, b) = (0.0, 1.0, -1.0, 2.5);
    let s = Scheme::TruncNormal { mean, std, a, b };
    let xs = across_candidates(&s, 1, 11, 0, 100_000, 0);
    assert_ks("trunc normal across candidates", &xs, |x| {
        trunc_cdf(mean, std, a, b, x)
    });
}

fn mixed_spec_and_plan() -> (ModelSpec, InitPlan) {
    let spec = ModelSpec::mlp("7-5-3", Activation::Tanh).unwrap();
    let plan = InitPlan::new(
        "mixed",
        vec![
            LayerInit::new(
                Scheme::XavierNormal { gain: 1.0 },
                Scheme::Uniform {
                    low: -0.1,
                    high: 0.1,
                },
            ),
            LayerInit::new(
                Scheme::LecunNormal,
                Scheme::Normal {
                    mean: 0.0,
                    std: 0.3,
                },
            ),
        ],
    );
    (spec, plan)
}

fn assert_same_bits(a: &[f32], b: &[f32], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert_eq!(
            x.to_bits(),
            y.to_bits(),
            "{what}: value {i} differs: {x} vs {y}"
        );
    }
}

#[test]
fn candidate_bits_alone_in_a_batch_and_across_threads() {
    let (spec, plan) = mixed_spec_and_plan();
    let orthogonal = InitPlan::same_for_all(
        "ortho_sparse",
        &spec,
        Scheme::Orthogonal { gain: 1.0 },
        Scheme::Zeros,
    );
    let mut sparse = InitPlan::same_for_all(
        "sparse",
        &spec,
        Scheme::Sparse {
            sparsity: 0.4,
            std: 0.1,
        },
        Scheme::Ones,
    );
    sparse.layers[1].weight = Scheme::TruncNormal {
        mean: 0.0,
        std: 1.0,
        a: -0.5,
        b: 3.0,
    };
    for plan in [plan, orthogonal, sparse] {
        let stream = Stream::new(&spec, &plan, 0xDEAD_BEEF).unwrap();
        let per = stream.param_len();
        let first = u32::MAX as u64 - 100; // the batch crosses the 2³² index boundary
        let count = 777;
        let mut serial = vec![0.0f32; per * count];
        assert_eq!(stream.fill_batch(first, &mut serial).unwrap(), count);
        for k in [0usize, 1, 100, 101, 776] {
            let alone = Candidate {
                seed: 0xDEAD_BEEF,
                index: first + k as u64,
            }
            .params(&spec, &plan)
            .unwrap();
            assert_same_bits(&alone, &serial[k * per..(k + 1) * per], "alone vs batch");
            let mut into = vec![0.0f32; per];
            stream.fill(first + k as u64, &mut into).unwrap();
            assert_same_bits(&into, &alone, "fill vs candidate");
        }
        // A batch starting elsewhere (different chunking) agrees on the overlap.
        let mut shifted = vec![0.0f32; per * 50];
        stream.fill_batch(first + 33, &mut shifted).unwrap();
        assert_same_bits(&shifted, &serial[33 * per..83 * per], "shifted batch");
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut parallel = vec![0.0f32; per * count];
            pool.install(|| stream.par_fill_batch(first, &mut parallel))
                .unwrap();
            assert_same_bits(&parallel, &serial, &format!("{threads} threads"));
        }
    }
}

#[test]
fn golden_values_pin_the_stream() {
    // The scalar stream is the reference SIMD kernels must equal; these bits pin it so an
    // accidental change to the hash or the transforms is caught.
    let (spec, plan) = mixed_spec_and_plan();
    let stream = Stream::new(&spec, &plan, 2024).unwrap();
    let got: Vec<u32> = stream
        .candidate(5)
        .iter()
        .take(6)
        .map(|x| x.to_bits())
        .collect();
    let relu2 = Stream::new(&ModelSpec::relu2(), &InitPlan::relu2(), 42)
        .unwrap()
        .candidate(0);
    let got2: Vec<u32> = relu2.iter().map(|x| x.to_bits()).collect();
    assert_eq!(got, GOLDEN_MIXED);
    assert_eq!(got2, GOLDEN_RELU2);
}

const GOLDEN_MIXED: [u32; 6] = [
    0xbec4_53eb,
    0xbee1_c0ab,
    0x3de7_40f9,
    0x3e0a_0bfe,
    0xbe7e_1f5e,
    0x3d98_d4d2,
];
const GOLDEN_RELU2: [u32; 12] = [
    0xbfb0_979c,
    0xbfb7_7295,
    0xbf09_4234,
    0xbfca_e844,
    0,
    0,
    0x3f12_79da,
    0x3d8b_63da,
    0xbf8e_e245,
    0x3e40_b193,
    0,
    0,
];

/// n standard normals for (seed, index range, position) of a 2-wide normal tensor.
fn normals(seed: u64, first: u64, n: usize) -> Vec<f32> {
    let stream = Stream::for_tensor(&standard_normal(), 1, 4, seed).unwrap();
    let mut all = vec![0.0f32; 4 * n];
    stream.fill_batch(first, &mut all).unwrap();
    all
}

#[test]
fn streams_are_uncorrelated_across_seeds_indices_and_positions() {
    let n = 100_000;
    let a = normals(1, 0, n / 4);
    assert_uncorrelated("seed 1 vs seed 2", &a, &normals(2, 0, n / 4));
    assert_uncorrelated(
        "seed 1 vs seed 1 + 2⁶³",
        &a,
        &normals(1 | (1 << 63), 0, n / 4),
    );
    // Neighbouring indices, and indices 2³² apart (same low word, the weakest direction).
    let b = normals(1, 1, n / 4);
    assert_uncorrelated("index i vs i + 1", &a, &b);
    assert_uncorrelated("index i vs i + 2³²", &a, &normals(1, 1 << 32, n / 4));
    // Neighbouring positions: a Box–Muller pair (0, 1) and across pairs (1, 2).
    let col = |v: &[f32], p: usize| -> Vec<f32> { v.chunks(4).map(|c| c[p]).collect() };
    let big = normals(3, 0, n);
    assert_uncorrelated("positions 0 vs 1", &col(&big, 0), &col(&big, 1));
    assert_uncorrelated("positions 1 vs 2", &col(&big, 1), &col(&big, 2));
    // Independence beyond linear: squares of a Box–Muller pair (they share the radius).
    let sq = |v: Vec<f32>| -> Vec<f32> { v.iter().map(|x| x * x).collect() };
    assert_uncorrelated("z0² vs z1²", &sq(col(&big, 0)), &sq(col(&big, 1)));
    // Uniform streams of two seeds.
    let u = Scheme::Uniform {
        low: 0.0,
        high: 1.0,
    };
    let ua = Stream::for_tensor(&u, 1, n, 5).unwrap().candidate(0);
    let ub = Stream::for_tensor(&u, 1, n, 6).unwrap().candidate(0);
    assert_uncorrelated("uniform seed 5 vs 6", &ua, &ub);
}

#[test]
fn post_steps_mirror_and_hypersphere() {
    let spec = ModelSpec::relu1();
    let mirror = Stream::new(&spec, &InitPlan::relu1_mirror(), 1).unwrap();
    let base = Stream::new(&spec, &InitPlan::relu1(), 1).unwrap();
    for i in 0..1000 {
        let (m, b) = (mirror.candidate(i), base.candidate(i));
        assert_eq!(&m[..2], &b[..2], "unit 0 is the base draw");
        assert_eq!([m[2], m[3]], [-m[0], -m[1]], "unit 1 = −unit 0");
        assert_eq!([m[4], m[5]], [0.0, 0.0]);
    }
    let r = 1.4;
    let bhs = Stream::new(&spec, &InitPlan::relu1_bhs(r), 2).unwrap();
    for i in 0..1000 {
        let p = bhs.candidate(i);
        for k in 0..2 {
            let (w0, w1, b) = (p[2 * k] as f64, p[2 * k + 1] as f64, p[4 + k] as f64);
            let norm = (w0 * w0 + w1 * w1).sqrt();
            assert!((b - r * norm).abs() < 1e-6 * (1.0 + b), "b = r‖w‖");
            // The hyperplane w·x + b = 0 is at distance r from 0, with 0 on the active side.
            assert!((b.abs() / norm - r).abs() < 1e-5 && b >= 0.0);
        }
    }
    // Both steps in order on a wider model: mirror then hypersphere keeps unit 1's bias = r‖w₁‖.
    let spec = ModelSpec::mlp("3-4-1", Activation::Relu).unwrap();
    let plan = InitPlan::same_for_all("w", &spec, standard_normal(), Scheme::Zeros)
        .then(PostStep::Mirror { linear: 0 })
        .then(PostStep::BoundedHypersphere {
            linear: 0,
            radius: 0.5,
        });
    let p = Stream::new(&spec, &plan, 3).unwrap().candidate(0);
    assert_eq!(&p[3..6], &[-p[0], -p[1], -p[2]]);
    assert_eq!(
        p[12], p[13],
        "mirrored units have equal norms, so equal biases"
    );
}

#[test]
fn no_scheme_produces_a_non_finite_value() {
    let spec = ModelSpec::mlp("33-17-5", Activation::Relu).unwrap();
    let schemes = [
        Scheme::Normal {
            mean: 0.0,
            std: 1e30,
        },
        Scheme::TruncNormal {
            mean: 0.0,
            std: 1.0,
            a: -30.0,
            b: -10.0,
        },
        Scheme::TruncNormal {
            mean: 0.0,
            std: 1.0,
            a: 10.0,
            b: 30.0,
        },
        Scheme::TruncNormal {
            mean: 0.0,
            std: 1e-3,
            a: -1e3,
            b: 1e3,
        },
        Scheme::Uniform {
            low: -3e38,
            high: 3e38,
        },
        Scheme::Orthogonal { gain: 1e30 },
        Scheme::Sparse {
            sparsity: 0.99,
            std: 1.0,
        },
        Scheme::LecunNormal,
        Scheme::Eye,
    ];
    for scheme in schemes {
        let plan = InitPlan::same_for_all("x", &spec, scheme.clone(), Scheme::Zeros);
        let stream = Stream::new(&spec, &plan, 4).unwrap();
        let mut all = vec![0.0f32; stream.param_len() * 2000];
        stream.par_fill_batch(0, &mut all).unwrap();
        assert!(
            all.iter().all(|x| x.is_finite()),
            "{scheme} produced a non-finite value"
        );
    }
    // Deep-tail truncation stays inside its cut-offs.
    let s = Scheme::TruncNormal {
        mean: 0.0,
        std: 1.0,
        a: 10.0,
        b: 30.0,
    };
    let xs = Stream::for_tensor(&s, 100, 1000, 5).unwrap().candidate(0);
    assert!(xs.iter().all(|&x| (10.0..=30.0).contains(&x)));
    let (m, _) = mean_var(&xs);
    assert!(
        (m - 10.098).abs() < 0.01,
        "mean of N(0,1) | X > 10 is about 10.098, got {m}"
    );
}
