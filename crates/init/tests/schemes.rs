//! Every scheme: ≥ 10⁵ draws at two fan sizes, moments (or bounds, cut-offs, exact structure)
//! against the formula, computed here independently of the library, with tolerances derived
//! from the sample size (see common/mod.rs).

mod common;

use common::*;
use initsift_init::{
    Distribution, FanMode, InitPlan, Law, Nonlinearity, Scheme, Stream, calculate_gain,
};
use initsift_nn::{Activation, ModelSpec};

/// Two shapes `[rows = fan_out, cols = fan_in]` and how many candidates give ≥ 10⁵ draws.
const SHAPES: [(usize, usize, u64); 2] = [(250, 400, 1), (64, 16, 100)];

/// All draws of `count` candidates of a one-tensor stream.
fn draws(scheme: &Scheme, rows: usize, cols: usize, count: u64, seed: u64) -> Vec<f32> {
    let stream = Stream::for_tensor(scheme, rows, cols, seed).unwrap();
    let mut out = vec![0.0f32; rows * cols * count as usize];
    stream.fill_batch(1000, &mut out).unwrap();
    out
}

fn check_uniform_bound(label: &str, xs: &[f32], bound: f64) {
    let (m, v, m4) = uniform_moments(-bound, bound);
    assert_moments(label, xs, m, v, m4);
    let b = bound as f32;
    let n = xs.len() as f64;
    let max = xs.iter().cloned().fold(f32::MIN, f32::max) as f64;
    let min = xs.iter().cloned().fold(f32::MAX, f32::min) as f64;
    assert!(
        max <= b as f64 && min >= -b as f64,
        "{label}: outside ±{bound}: [{min}, {max}]"
    );
    // P(max < b − 2b·t/n) = (1 − t/n)ⁿ ≈ e^{−t}; t = 20.
    let slack = 2.0 * bound * 20.0 / n;
    assert!(
        max >= bound - slack && min <= -bound + slack,
        "{label}: range [{min}, {max}] too narrow"
    );
}

fn check_normal(label: &str, xs: &[f32], mean: f64, std: f64) {
    let (m, v, m4) = normal_moments(mean, std);
    assert_moments(label, xs, m, v, m4);
}

fn check_trunc(label: &str, xs: &[f32], mean: f64, std: f64, a: f64, b: f64) {
    assert!(
        xs.iter()
            .all(|&x| x as f64 >= a as f32 as f64 && x as f64 <= b as f32 as f64),
        "{label}: a value outside [{a}, {b}]"
    );
    let (m, v, m4) = trunc_moments(mean, std, a, b);
    assert_moments(label, xs, m, v, m4);
    assert_ks(label, xs, |x| trunc_cdf(mean, std, a, b, x));
}

#[test]
fn constants_zeros_ones_eye() {
    for (rows, cols, count) in SHAPES {
        for (scheme, want) in [
            (Scheme::Zeros, 0.0f32),
            (Scheme::Ones, 1.0),
            (Scheme::Constant { value: -0.25 }, -0.25),
        ] {
            let xs = draws(&scheme, rows, cols, count, 1);
            assert!(xs.len() >= 100_000);
            assert!(xs.iter().all(|&x| x == want), "{scheme}: not all {want}");
        }
        let xs = draws(&Scheme::Eye, rows, cols, count, 1);
        for cand in xs.chunks(rows * cols) {
            for r in 0..rows {
                for c in 0..cols {
                    let want = if r == c { 1.0 } else { 0.0 };
                    assert_eq!(
                        cand[r * cols + c],
                        want,
                        "eye at ({r}, {c}) of {rows}×{cols}"
                    );
                }
            }
        }
    }
}

#[test]
fn uniform_and_normal() {
    for (rows, cols, count) in SHAPES {
        let xs = draws(
            &Scheme::Uniform {
                low: -0.5,
                high: 2.0,
            },
            rows,
            cols,
            count,
            2,
        );
        let (m, v, m4) = uniform_moments(-0.5, 2.0);
        assert_moments("uniform(-0.5, 2)", &xs, m, v, m4);
        assert!(xs.iter().all(|&x| (-0.5..=2.0).contains(&x)));
        assert_ks("uniform(-0.5, 2)", &xs, |x| {
            ((x + 0.5) / 2.5).clamp(0.0, 1.0)
        });

        let xs = draws(
            &Scheme::Normal {
                mean: 0.3,
                std: 0.5,
            },
            rows,
            cols,
            count,
            3,
        );
        check_normal("normal(0.3, 0.5)", &xs, 0.3, 0.5);
    }
}

#[test]
fn trunc_normal_absolute_cutoffs() {
    for (rows, cols, count) in SHAPES {
        // torch defaults: mean 0, std 1, a −2, b 2.
        let s = Scheme::TruncNormal {
            mean: 0.0,
            std: 1.0,
            a: -2.0,
            b: 2.0,
        };
        check_trunc(
            "trunc_normal(0, 1, -2, 2)",
            &draws(&s, rows, cols, count, 4),
            0.0,
            1.0,
            -2.0,
            2.0,
        );
        // Absolute, asymmetric cut-offs (mirrored internally: mass above the mean).
        let s = Scheme::TruncNormal {
            mean: 0.5,
            std: 2.0,
            a: -1.0,
            b: 6.0,
        };
        check_trunc(
            "trunc_normal(0.5, 2, -1, 6)",
            &draws(&s, rows, cols, count, 5),
            0.5,
            2.0,
            -1.0,
            6.0,
        );
        // A one-sided tail interval, 3σ..5σ.
        let s = Scheme::TruncNormal {
            mean: 0.0,
            std: 0.1,
            a: 0.3,
            b: 0.5,
        };
        check_trunc(
            "trunc_normal(0, 0.1, 0.3, 0.5)",
            &draws(&s, rows, cols, count, 6),
            0.0,
            0.1,
            0.3,
            0.5,
        );
        // std small against the cut-offs: effectively untruncated (a, b are not multiples of std).
        let s = Scheme::TruncNormal {
            mean: 0.0,
            std: 0.02,
            a: -2.0,
            b: 2.0,
        };
        check_normal(
            "trunc_normal(0, 0.02, -2, 2)",
            &draws(&s, rows, cols, count, 7),
            0.0,
            0.02,
        );
    }
}

#[test]
fn gains_match_calculate_gain_table() {
    let cases = [
        ("linear", None, 1.0),
        ("conv2d", None, 1.0),
        ("conv_transpose3d", None, 1.0),
        ("sigmoid", None, 1.0),
        ("tanh", None, 5.0 / 3.0),
        ("relu", None, 2.0f64.sqrt()),
        ("leaky_relu", None, (2.0 / (1.0 + 0.01f64 * 0.01)).sqrt()),
        ("leaky_relu", Some(0.2), (2.0 / 1.04f64).sqrt()),
        ("leaky_relu", Some(0.0), 2.0f64.sqrt()),
        ("selu", None, 0.75),
    ];
    for (name, param, want) in cases {
        assert_eq!(
            calculate_gain(name, param).unwrap(),
            want,
            "gain({name}, {param:?})"
        );
    }
    // nn.Linear's a = √5: gain √(1/3), so the bound is exactly 1/√fan_in up to rounding.
    let g = calculate_gain("leaky_relu", Some(5.0f64.sqrt())).unwrap();
    assert!((g - (1.0f64 / 3.0).sqrt()).abs() < 1e-15);
}

#[test]
fn xavier_uniform_and_normal() {
    for (rows, cols, count) in SHAPES {
        let (fi, fo) = (cols as f64, rows as f64);
        for gain in [1.0, 5.0 / 3.0] {
            let xs = draws(&Scheme::XavierUniform { gain }, rows, cols, count, 8);
            check_uniform_bound("xavier_uniform", &xs, gain * (6.0 / (fi + fo)).sqrt());
            let xs = draws(&Scheme::XavierNormal { gain }, rows, cols, count, 9);
            check_normal("xavier_normal", &xs, 0.0, gain * (2.0 / (fi + fo)).sqrt());
        }
    }
}

#[test]
fn kaiming_uniform_and_normal_every_mode_and_gain() {
    let nonlinearities = [
        (Nonlinearity::Relu, 0.0, 2.0f64.sqrt()),
        (Nonlinearity::LeakyRelu, 0.0, 2.0f64.sqrt()),
        (Nonlinearity::LeakyRelu, 0.2, (2.0 / 1.04f64).sqrt()),
        (Nonlinearity::Tanh, 0.0, 5.0 / 3.0),
        (Nonlinearity::Selu, 0.0, 0.75),
        (Nonlinearity::Linear, 0.0, 1.0),
    ];
    for (rows, cols, count) in SHAPES {
        for mode in [FanMode::FanIn, FanMode::FanOut] {
            let fan = if mode == FanMode::FanIn { cols } else { rows } as f64;
            for (nonlinearity, a, gain) in nonlinearities {
                let label = format!("kaiming {mode} {nonlinearity} a={a} {rows}×{cols}");
                let xs = draws(
                    &Scheme::KaimingUniform {
                        a,
                        mode,
                        nonlinearity,
                    },
                    rows,
                    cols,
                    count,
                    10,
                );
                check_uniform_bound(&label, &xs, gain * (3.0 / fan).sqrt());
                let xs = draws(
                    &Scheme::KaimingNormal {
                        a,
                        mode,
                        nonlinearity,
                    },
                    rows,
                    cols,
                    count,
                    11,
                );
                check_normal(&label, &xs, 0.0, gain / fan.sqrt());
            }
        }
    }
}

#[test]
fn lecun_and_variance_scaling() {
    // The std of N(0, 1) truncated to [−2, 2], recomputed: √(1 − 4φ(2)/(Φ(2) − Φ(−2))).
    use initsift_init::lanes::normal64::{normal_cdf, normal_pdf};
    let c = (1.0 - 4.0 * normal_pdf(2.0) / (normal_cdf(2.0) - normal_cdf(-2.0))).sqrt();
    assert!(
        (c - initsift_init::scheme::KERAS_TRUNCATION_STD).abs() < 1e-15,
        "{c}"
    );
    let keras_c = initsift_init::scheme::KERAS_TRUNCATION_STD;
    for (rows, cols, count) in SHAPES {
        let (fi, fo) = (cols as f64, rows as f64);
        let xs = draws(&Scheme::LecunUniform, rows, cols, count, 12);
        check_uniform_bound("lecun_uniform", &xs, (3.0 / fi).sqrt());
        // Keras truncated_normal: std √s/C cut at ±2 of it, so the final std is √s.
        let xs = draws(&Scheme::LecunNormal, rows, cols, count, 13);
        let pre = (1.0 / fi).sqrt() / keras_c;
        check_trunc("lecun_normal", &xs, 0.0, pre, -2.0 * pre, 2.0 * pre);
        let (_, v) = mean_var(&xs);
        let (_, var, mu4) = trunc_moments(0.0, pre, -2.0 * pre, 2.0 * pre);
        assert!(
            (var - 1.0 / fi).abs() < 1e-9 * var,
            "the 0.8796 correction restores variance 1/fan_in"
        );
        assert!((v - 1.0 / fi).abs() <= Z * ((mu4 - var * var) / xs.len() as f64).sqrt());

        for mode in [FanMode::FanIn, FanMode::FanOut, FanMode::FanAvg] {
            let n = match mode {
                FanMode::FanIn => fi,
                FanMode::FanOut => fo,
                FanMode::FanAvg => (fi + fo) / 2.0,
            };
            let scale = 2.0;
            let s = scale / n.max(1.0);
            let vs = |distribution| Scheme::VarianceScaling {
                scale,
                mode,
                distribution,
            };
            let label = format!("variance_scaling {mode} {rows}×{cols}");
            let xs = draws(&vs(Distribution::Uniform), rows, cols, count, 14);
            check_uniform_bound(&label, &xs, (3.0 * s).sqrt());
            let xs = draws(&vs(Distribution::UntruncatedNormal), rows, cols, count, 15);
            check_normal(&label, &xs, 0.0, s.sqrt());
            let xs = draws(&vs(Distribution::TruncatedNormal), rows, cols, count, 16);
            let pre = s.sqrt() / keras_c;
            check_trunc(&label, &xs, 0.0, pre, -2.0 * pre, 2.0 * pre);
        }
    }
}

#[test]
fn torch_linear_default_weight_and_bias() {
    for (inputs, outputs, count) in [(400usize, 250usize, 1u64), (16, 64, 100)] {
        let spec = ModelSpec::mlp(&format!("{inputs}-{outputs}"), Activation::Relu).unwrap();
        let stream = Stream::new(&spec, &InitPlan::torch_default(&spec), 20).unwrap();
        let bound = 1.0 / (inputs as f64).sqrt();
        let per = stream.param_len();
        let bias_count = 100_000u64.div_ceil(outputs as u64);
        let mut all = vec![0.0f32; per * count.max(bias_count) as usize];
        stream.par_fill_batch(0, &mut all).unwrap();
        let weights: Vec<f32> = all
            .chunks(per)
            .take(count as usize)
            .flat_map(|c| c[..inputs * outputs].to_vec())
            .collect();
        let biases: Vec<f32> = all
            .chunks(per)
            .flat_map(|c| c[inputs * outputs..].to_vec())
            .collect();
        check_uniform_bound("torch default weight", &weights, bound);
        check_uniform_bound("torch default bias", &biases, bound);
        // The resolved bound equals 1/√fan_in (kaiming a=√5 path and the bias path agree).
        for block in &stream.plan().blocks {
            let Law::Uniform(u) = &block.law else {
                panic!("not uniform")
            };
            assert!(
                (u.half as f64 - bound).abs() <= 1e-7 * bound,
                "{}: {}",
                block.name,
                u.half
            );
        }
    }
}

/// Gram matrix G = W·Wᵀ (rows ≤ cols) or Wᵀ·W (rows > cols), in f64.
fn gram(w: &[f32], rows: usize, cols: usize) -> (usize, Vec<f64>) {
    let wide = rows <= cols;
    let k = rows.min(cols);
    let at = |i: usize, j: usize| -> f64 {
        (if wide {
            w[i * cols + j]
        } else {
            w[j * cols + i]
        }) as f64
    };
    let inner = rows.max(cols);
    let mut g = vec![0.0; k * k];
    for a in 0..k {
        for b in 0..k {
            g[a * k + b] = (0..inner).map(|t| at(a, t) * at(b, t)).sum();
        }
    }
    (k, g)
}

#[test]
fn orthogonal_is_orthogonal_with_gain_for_every_shape() {
    for (rows, cols, count, gain) in [
        (320usize, 320usize, 1u64, 1.0f64),
        (200, 500, 1, 2.0),
        (500, 200, 1, 0.5),
        (16, 64, 100, 1.0),
        (64, 16, 100, 1.5),
    ] {
        let xs = draws(&Scheme::Orthogonal { gain }, rows, cols, count, 21);
        assert!(xs.len() >= 100_000);
        for cand in xs.chunks(rows * cols).take(3) {
            let (k, g) = gram(cand, rows, cols);
            for a in 0..k {
                for b in 0..k {
                    let want = if a == b { gain * gain } else { 0.0 };
                    assert!(
                        (g[a * k + b] - want).abs() < 1e-5,
                        "{rows}×{cols} gain {gain}: G[{a},{b}] = {}",
                        g[a * k + b]
                    );
                }
            }
        }
        // Entries: mean 0; E[w²] = gain²/max(rows, cols) exactly (rows of W or columns are
        // orthonormal times gain). The mean's standard error uses the entry variance.
        let var = gain * gain / rows.max(cols) as f64;
        let (m, _) = mean_var(&xs);
        let ms = xs.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!(
            m.abs() <= Z * (var / xs.len() as f64).sqrt(),
            "{rows}×{cols}: mean {m}"
        );
        assert!(
            (ms - var).abs() < 1e-5 * var,
            "{rows}×{cols}: mean square {ms} vs {var}"
        );
    }
}

#[test]
fn orthogonal_sign_fix_makes_q_haar() {
    // Without the sign fix, Householder's Q has a biased first column (q₁₁ = −|a₁₁|/‖a₁‖ < 0
    // always). With it, diagonal entries of a Haar matrix have mean 0 and E[q²] = 1/n.
    let n = 8;
    let count = 2000u64;
    let xs = draws(&Scheme::Orthogonal { gain: 1.0 }, n, n, count, 22);
    let diag: Vec<f32> = xs
        .chunks(n * n)
        .flat_map(|c| (0..n).map(move |d| c[d * n + d]))
        .collect();
    let var = 1.0 / n as f64;
    let (m, _) = mean_var(&diag);
    assert!(
        m.abs() <= Z * (var / diag.len() as f64).sqrt(),
        "diagonal mean {m}"
    );
    let first: Vec<f32> = xs.chunks(n * n).map(|c| c[0]).collect();
    let positive = first.iter().filter(|&&x| x > 0.0).count() as f64 / first.len() as f64;
    assert!(
        (positive - 0.5).abs() <= Z * (0.25 / first.len() as f64).sqrt(),
        "P(q₁₁ > 0) = {positive}"
    );
}

#[test]
fn sparse_zeroes_exactly_ceil_sparsity_rows_per_column() {
    for (rows, cols, count, sparsity, std) in [
        (250usize, 400usize, 1u64, 0.1f64, 0.01f64),
        (64, 16, 120, 0.3, 0.5),
    ] {
        let xs = draws(&Scheme::Sparse { sparsity, std }, rows, cols, count, 23);
        let zeros = (sparsity * rows as f64).ceil() as usize;
        let mut same_pattern = 0;
        for cand in xs.chunks(rows * cols) {
            let pattern =
                |c: usize| -> Vec<bool> { (0..rows).map(|r| cand[r * cols + c] == 0.0).collect() };
            let first = pattern(0);
            for c in 0..cols {
                let p = pattern(c);
                assert_eq!(
                    p.iter().filter(|&&z| z).count(),
                    zeros,
                    "column {c} of {rows}×{cols}"
                );
                same_pattern += usize::from(c > 0 && p == first);
            }
        }
        assert!(same_pattern < 5, "zero rows are not chosen per column");
        // Which rows are zeroed is uniform: each row is zero in a fraction zeros/rows of columns.
        let nonzero: Vec<f32> = xs.iter().cloned().filter(|&x| x != 0.0).collect();
        assert!(nonzero.len() >= 70_000);
        let (m, v, m4) = normal_moments(0.0, std);
        let n = nonzero.len() as f64;
        let (sm, sv) = mean_var(&nonzero);
        assert!((sm - m).abs() <= Z * (v / n).sqrt(), "sparse mean {sm}");
        assert!(
            (sv - v).abs() <= Z * ((m4 - v * v) / n).sqrt(),
            "sparse variance {sv}"
        );
        let hits = xs
            .chunks(rows * cols)
            .map(|c| (0..cols).filter(|&col| c[col] == 0.0).count())
            .sum::<usize>();
        let trials = (cols * xs.len() / (rows * cols)) as f64;
        let p = zeros as f64 / rows as f64;
        assert!(
            (hits as f64 / trials - p).abs() <= Z * (p * (1.0 - p) / trials).sqrt(),
            "row 0 zeroed in {hits} of {trials} columns, expected a fraction {p}"
        );
    }
}

#[test]
fn relu_presets_follow_the_reference_laws() {
    // relu2: layer 1 kaiming normal (relu) std 1, layer 2 xavier normal std √(2/4), biases 0.
    let spec = ModelSpec::relu2();
    let stream = Stream::new(&spec, &InitPlan::relu2(), 30).unwrap();
    let mut all = vec![0.0f32; 12 * 25_000];
    stream.fill_batch(0, &mut all).unwrap();
    let pick = |range: std::ops::Range<usize>| -> Vec<f32> {
        all.chunks(12)
            .flat_map(|c| c[range.clone()].to_vec())
            .collect()
    };
    check_normal("relu2 W1", &pick(0..4), 0.0, 1.0);
    check_normal("relu2 W2", &pick(6..10), 0.0, 0.5f64.sqrt());
    assert!(pick(4..6).iter().chain(&pick(10..12)).all(|&b| b == 0.0));
    // relu1 and abs1: N(0, 0.5²) weights, zero biases.
    for (spec, plan, w) in [
        (ModelSpec::relu1(), InitPlan::relu1(), 4usize),
        (ModelSpec::abs1(), InitPlan::abs1(), 2),
    ] {
        let stream = Stream::new(&spec, &plan, 31).unwrap();
        let per = stream.param_len();
        let mut all = vec![0.0f32; per * (100_000 / w + 1)];
        stream.fill_batch(0, &mut all).unwrap();
        let weights: Vec<f32> = all.chunks(per).flat_map(|c| c[..w].to_vec()).collect();
        check_normal(&plan.name, &weights, 0.0, 0.5);
        assert!(all.chunks(per).all(|c| c[w..].iter().all(|&b| b == 0.0)));
    }
}
