//! The fused XOR scorers and the generic MLP scorer against their slow twin, the engine's
//! `EngineScorer`: candidate by candidate, on every ISA this machine has, for any thread count.
//!
//! The AVX-512 clone is compiled everywhere but only runs where the CPU has AVX-512; on a
//! machine without it (e.g. an AVX2-only Zen 3) `Isa::available()` omits it and these tests
//! cover AVX2 and the portable clone.

use initsift_batch::Isa;
use initsift_batch::Preset;
use initsift_batch::mlp::MlpScorer;
use initsift_batch::score::{FusedScorer, ScorerPath, scorer_for, scorer_with};
use initsift_data::xor;
use initsift_init::select::{
    BestOfN, EngineScorer, GradientFilter, Percentile, PercentilePick, Score, ScoreError, Scorer,
    SelectError, Strategy, Transfer, select,
};
use initsift_init::{InitPlan, Scheme, Stream};
use initsift_nn::{Activation, Loss, ModelSpec};
use ndarray::Array2;

fn engine(model: Preset, loss: Loss) -> EngineScorer {
    let y = match model {
        Preset::Relu2 => xor::one_hot_targets(),
        _ => xor::scalar_targets(),
    };
    EngineScorer::new(&model.spec(), loss, xor::inputs_centered().view(), y.view()).unwrap()
}

fn blank(n: usize) -> Vec<Score> {
    vec![Score::NAN; n]
}

fn rel(a: f32, b: f32) -> f64 {
    let (a, b) = (f64::from(a), f64::from(b));
    if a == b {
        0.0
    } else {
        (a - b).abs() / b.abs().max(f64::MIN_POSITIVE)
    }
}

/// Largest relative errors (loss, gradient norm) and accuracy mismatches of `got` vs `want`.
fn compare(got: &[Score], want: &[Score]) -> (f64, f64, usize) {
    let mut worst = (0.0f64, 0.0f64, 0usize);
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g.loss.is_finite(), w.loss.is_finite(), "{g:?} vs {w:?}");
        if w.loss.is_finite() {
            worst.0 = worst.0.max(rel(g.loss, w.loss));
            // Gradient norms are sums of signed terms and can cancel; judge them relative to
            // the loss's scale (≥ 1e-3) as well as their own.
            let scale = w.grad_norm.abs().max(1e-3);
            worst.1 = worst
                .1
                .max(f64::from((g.grad_norm - w.grad_norm).abs() / scale));
        }
        worst.2 += usize::from(g.accuracy != w.accuracy);
    }
    worst
}

#[test]
fn fused_scores_equal_the_engine_on_every_isa() {
    let cases: &[(Preset, Loss, usize)] = &[
        (Preset::Abs1, Loss::Mse, 100_000),
        (Preset::Relu1, Loss::Mse, 100_000),
        (Preset::Relu2, Loss::Mse, 100_000),
        (Preset::Abs1, Loss::BceWithLogits, 100_000),
        (Preset::Relu1, Loss::BceWithLogits, 100_000),
        (Preset::Relu2, Loss::BceWithLogits, 100_000),
        (Preset::Relu2, Loss::CrossEntropy, 100_000),
    ];
    for &(model, loss, n) in cases {
        let stream = Stream::new(&model.spec(), &model.plan(), 2024).unwrap();
        let mut want = blank(n);
        engine(model, loss)
            .score_stream(&stream, 1000, true, &mut want)
            .unwrap();
        for isa in Isa::available() {
            let fused = FusedScorer::new(model, loss)
                .and_then(|s| s.with_isa(Some(isa)))
                .unwrap();
            let mut got = blank(n);
            fused.score_stream(&stream, 1000, true, &mut got).unwrap();
            let (loss_err, grad_err, acc_mismatch) = compare(&got, &want);
            println!(
                "{model} {loss} {isa}: {n} candidates, max rel. error loss {loss_err:.2e}, \
                 grad norm {grad_err:.2e}; accuracy mismatches {acc_mismatch}"
            );
            assert!(loss_err <= 1e-5, "{model} {loss} {isa}: loss {loss_err:e}");
            assert!(
                grad_err <= 1e-5,
                "{model} {loss} {isa}: grad norm {grad_err:e}"
            );
            assert_eq!(acc_mismatch, 0, "{model} {loss} {isa}");
            let mut losses = vec![0.0f32; n];
            fused.losses(&stream, 1000, &mut losses).unwrap();
            assert!(
                losses
                    .iter()
                    .zip(&got)
                    .all(|(l, s)| l.to_bits() == s.loss.to_bits())
            );
        }
    }
}

#[test]
fn isa_clones_are_bit_identical_and_lanes_equal_the_scalar_stream() {
    for model in Preset::ALL {
        for &loss in model.fused_losses() {
            let stream = Stream::new(&model.spec(), &model.plan(), 77).unwrap();
            // An odd count and a start just below 2³² exercise partial groups and the carry
            // into the index's high word.
            let (first, n) = ((1u64 << 32) - 1000, 5_003);
            let reference = {
                let mut params = vec![0.0f32; n * model.param_len()];
                stream.fill_batch(first, &mut params).unwrap();
                let mut out = blank(n);
                FusedScorer::new(model, loss)
                    .and_then(|s| s.with_isa(Some(Isa::Portable)))
                    .unwrap()
                    .score_params(&params, true, &mut out)
                    .unwrap();
                out
            };
            for isa in Isa::available() {
                let mut got = blank(n);
                FusedScorer::new(model, loss)
                    .and_then(|s| s.with_isa(Some(isa)))
                    .unwrap()
                    .score_stream(&stream, first, true, &mut got)
                    .unwrap();
                for (g, r) in got.iter().zip(&reference) {
                    assert_eq!(
                        [g.loss, g.grad_norm, g.accuracy].map(f32::to_bits),
                        [r.loss, r.grad_norm, r.accuracy].map(f32::to_bits),
                        "{model} {loss} {isa}"
                    );
                }
            }
        }
    }
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

#[test]
fn selections_do_not_depend_on_threads_and_match_the_engine() {
    let strategies = [
        Strategy::BestOfN(BestOfN {
            n: 50_000,
            count: 3,
        }),
        Strategy::Percentile(Percentile {
            n: 40_000,
            percentile: 5.0,
            pick: PercentilePick::Uniform,
            count: 4,
        }),
        Strategy::GradientFilter(GradientFilter {
            n: 30_000,
            min: 0.1,
            max: 1.0,
            count: 2,
        }),
    ];
    for model in Preset::ALL {
        let stream = Stream::new(&model.spec(), &model.plan(), 5).unwrap();
        let fused = FusedScorer::new(model, Loss::Mse).unwrap();
        for strategy in &strategies {
            let runs: Vec<_> = [1, 2, 8]
                .map(|t| in_pool(t, || select(strategy, &fused, &stream).unwrap()))
                .into();
            // Debug text, not `==`: unrequested gradient norms are NaN, and NaN ≠ NaN.
            let text = |s: &initsift_init::select::Selection| format!("{s:?}");
            assert_eq!(
                text(&runs[0]),
                text(&runs[1]),
                "{model} {}",
                strategy.name()
            );
            assert_eq!(
                text(&runs[0]),
                text(&runs[2]),
                "{model} {}",
                strategy.name()
            );
            // MSE losses are the engine's bits, so the engine selects the same candidates.
            let slow = select(strategy, &engine(model, Loss::Mse), &stream).unwrap();
            let origins = |s: &initsift_init::select::Selection| {
                s.picks.iter().map(|p| p.origin.clone()).collect::<Vec<_>>()
            };
            assert_eq!(
                origins(&runs[0]),
                origins(&slow),
                "{model} {}",
                strategy.name()
            );
        }
    }
}

#[test]
fn non_finite_scores_are_counted_and_never_selected() {
    // A law wide enough that a good share of the forward passes overflow: (y − t)² is infinite
    // once y > 1.8e19.
    // (Gradient norms overflow sooner; the selection below asks only for losses.)
    let spec = ModelSpec::relu1();
    let plan = InitPlan::same_for_all(
        "huge",
        &spec,
        Scheme::Normal {
            mean: 0.0,
            std: 6e18,
        },
        Scheme::Zeros,
    );
    let stream = Stream::new(&spec, &plan, 3).unwrap();
    let fused = FusedScorer::new(Preset::Relu1, Loss::Mse).unwrap();
    let slow = engine(Preset::Relu1, Loss::Mse);
    let n = 20_000;
    let (mut got, mut want) = (blank(n), blank(n));
    fused.score_stream(&stream, 0, true, &mut got).unwrap();
    slow.score_stream(&stream, 0, true, &mut want).unwrap();
    let nonfinite = got.iter().filter(|s| !s.is_finite(false)).count();
    println!("relu1 with std 6e18: {nonfinite} of {n} non-finite losses");
    assert!(nonfinite > n / 20 && nonfinite < n - n / 20, "{nonfinite}");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g.is_finite(true), w.is_finite(true), "{g:?} vs {w:?}");
    }
    let strategy = Strategy::BestOfN(BestOfN {
        n: n as u64,
        count: 1,
    });
    let sel = select(&strategy, &fused, &stream).unwrap();
    assert_eq!(sel.nonfinite as usize, nonfinite);
    assert!(sel.picks[0].score.loss.is_finite());
    // NaN parameters given directly: a NaN score, and a NaN prior never wins a transfer.
    let mut one = blank(1);
    fused.score_params(&[f32::NAN; 6], false, &mut one).unwrap();
    assert!(one[0].loss.is_nan());
    let mut params = vec![0.5f32; 6 * 100];
    for c in (0..100).step_by(7) {
        params[c * 6 + c % 6] = if c % 2 == 0 { f32::NAN } else { f32::INFINITY };
    }
    let mut scores = blank(100);
    fused.score_params(&params, true, &mut scores).unwrap();
    for (c, s) in scores.iter().enumerate() {
        assert_eq!(s.is_finite(true), c % 7 != 0, "candidate {c}: {s:?}");
    }
    let transfer = Strategy::Transfer(Transfer {
        n: 100,
        priors: vec![vec![f32::NAN; 6]],
    });
    let good = Stream::new(&spec, &InitPlan::relu1(), 3).unwrap();
    let sel = select(&transfer, &fused, &good).unwrap();
    assert_eq!(sel.nonfinite, 1);
    assert!(matches!(
        sel.picks[0].origin,
        initsift_init::select::Origin::Stream { .. }
    ));
}

#[test]
fn block_level_plans_fall_back_to_the_scalar_stream() {
    let spec = ModelSpec::relu2();
    let plan = InitPlan::same_for_all(
        "orth",
        &spec,
        Scheme::Orthogonal { gain: 1.0 },
        Scheme::Zeros,
    );
    let stream = Stream::new(&spec, &plan, 9).unwrap();
    assert!(!stream.is_elementwise());
    let n = 3_000;
    let (mut got, mut want) = (blank(n), blank(n));
    FusedScorer::new(Preset::Relu2, Loss::Mse)
        .unwrap()
        .score_stream(&stream, 10, true, &mut got)
        .unwrap();
    engine(Preset::Relu2, Loss::Mse)
        .score_stream(&stream, 10, true, &mut want)
        .unwrap();
    let (l, g, a) = compare(&got, &want);
    assert!(l <= 1e-5 && g <= 1e-5 && a == 0, "{l:e} {g:e} {a}");
}

/// digits features and one-hot targets, optionally a seeded subset.
fn digits(subset: Option<usize>) -> (Array2<f32>, Array2<f32>) {
    let mut d = initsift_data::builtin::digits().unwrap();
    if let Some(k) = subset {
        d = d.random_subset(k, 11).unwrap();
    }
    (d.features().clone(), d.one_hot().unwrap())
}

#[test]
fn generic_scorer_equals_the_engine_on_digits_and_xor() {
    let spec = ModelSpec::mlp("64-32-10", Activation::Relu).unwrap();
    let plan = InitPlan::torch_default(&spec);
    let stream = Stream::new(&spec, &plan, 8).unwrap();
    for (subset, n) in [(None, 150), (Some(256), 300)] {
        let (x, y) = digits(subset);
        let fast = MlpScorer::new(&spec, Loss::CrossEntropy, x.view(), y.view()).unwrap();
        let slow = EngineScorer::new(&spec, Loss::CrossEntropy, x.view(), y.view()).unwrap();
        let (mut got, mut want) = (blank(n), blank(n));
        fast.score_stream(&stream, 40, true, &mut got).unwrap();
        slow.score_stream(&stream, 40, true, &mut want).unwrap();
        let (l, g, a) = compare(&got, &want);
        println!("digits {subset:?}: {n} candidates, max rel. error loss {l:.2e}, grad {g:.2e}");
        assert!(l <= 1e-5 && g <= 1e-5 && a == 0, "{l:e} {g:e} {a}");
    }
    // Batches are cut by candidate index, never by thread: the same picks on 1, 2 and 8 threads.
    let (x, y) = digits(Some(256));
    let fast = MlpScorer::new(&spec, Loss::CrossEntropy, x.view(), y.view()).unwrap();
    let strategy = Strategy::BestOfN(BestOfN { n: 300, count: 2 });
    let picks = [1, 2, 8].map(|t| {
        let sel = in_pool(t, || select(&strategy, &fast, &stream).unwrap());
        format!("{sel:?}")
    });
    assert!(picks[0] == picks[1] && picks[0] == picks[2], "{picks:?}");
    // Other layers, activations and losses on XOR-sized data.
    let cases = [
        (ModelSpec::relu1(), Loss::Mse),
        (ModelSpec::abs1(), Loss::BceWithLogits),
        (
            ModelSpec::mlp("2-5-3-1", Activation::Tanh).unwrap(),
            Loss::BceWithLogits,
        ),
        (
            ModelSpec::mlp("2-4-2", Activation::Elu { alpha: 0.7 }).unwrap(),
            Loss::Mse,
        ),
        (
            ModelSpec::mlp("2-6-2", Activation::LeakyRelu { slope: -0.1 }).unwrap(),
            Loss::CrossEntropy,
        ),
        (
            ModelSpec::mlp("2-3-2", Activation::Sigmoid).unwrap(),
            Loss::CrossEntropy,
        ),
    ];
    for (spec, loss) in cases {
        let (x, y) = if spec.output_dim() == 2 {
            (xor::inputs_centered(), xor::one_hot_targets())
        } else {
            (xor::inputs_centered(), xor::scalar_targets())
        };
        let plan = InitPlan::torch_default(&spec);
        let stream = Stream::new(&spec, &plan, 1).unwrap();
        let n = 2_000;
        let (mut got, mut want) = (blank(n), blank(n));
        MlpScorer::new(&spec, loss, x.view(), y.view())
            .unwrap()
            .score_stream(&stream, 0, true, &mut got)
            .unwrap();
        EngineScorer::new(&spec, loss, x.view(), y.view())
            .unwrap()
            .score_stream(&stream, 0, true, &mut want)
            .unwrap();
        let (l, g, a) = compare(&got, &want);
        println!(
            "{} {loss}: max rel. error loss {l:.2e}, grad {g:.2e}",
            spec.name()
        );
        // Gradient norms through sigmoid/tanh layers sum many cancelling terms computed in a
        // different order from the engine's graph: a looser bound there (observed ≈ 1e-5).
        assert!(
            l <= 1e-5 && g <= 1e-4 && a == 0,
            "{}: {l:e} {g:e} {a}",
            spec.name()
        );
    }
}

#[test]
fn bad_input_is_an_error_naming_the_value() {
    let relu1 = Stream::new(&ModelSpec::relu1(), &InitPlan::relu1(), 1).unwrap();
    let relu2 = Stream::new(&ModelSpec::relu2(), &InitPlan::relu2(), 1).unwrap();
    let fused = FusedScorer::new(Preset::Relu1, Loss::Mse).unwrap();
    // Zero candidates is nothing to do, on every path (the trait's rule).
    fused.losses(&relu1, 0, &mut []).unwrap();
    fused.score_stream(&relu1, 0, true, &mut []).unwrap();
    fused.score_params(&[], true, &mut []).unwrap();
    let err = fused
        .losses(&relu2, 0, &mut [0.0; 4])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("12") && err.contains("relu1") && err.contains('6'),
        "{err}"
    );
    let err = fused
        .score_stream(&relu1, u64::MAX - 1, false, &mut blank(5))
        .unwrap_err();
    assert!(matches!(err, ScoreError::IndexOverflow { .. }), "{err}");
    let err = FusedScorer::new(Preset::Abs1, Loss::CrossEntropy)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cross_entropy") && err.contains("abs1"),
        "{err}"
    );
    for isa in Isa::ALL {
        match FusedScorer::new(Preset::Relu1, Loss::Mse).and_then(|s| s.with_isa(Some(isa))) {
            Ok(s) => assert!(isa.is_supported() && s.isa() == isa),
            Err(e) => {
                assert!(!isa.is_supported());
                assert!(e.to_string().contains(isa.name()), "{e}");
            }
        }
    }
    // The generic scorer: data width, targets, zero candidates, stream length.
    let spec = ModelSpec::mlp("64-32-10", Activation::Relu).unwrap();
    let (x, y) = (xor::inputs_centered(), xor::one_hot_targets());
    let err = MlpScorer::new(&spec, Loss::CrossEntropy, x.view(), y.view())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("64") && err.contains("the data has 2"),
        "{err}"
    );
    let (dx, dy) = digits(Some(64));
    let err = MlpScorer::new(&spec, Loss::CrossEntropy, dx.view(), x.view())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("4x2") && err.contains("64 input rows"),
        "{err}"
    );
    let mlp = MlpScorer::new(&spec, Loss::CrossEntropy, dx.view(), dy.view()).unwrap();
    let err = mlp
        .losses(&relu1, 0, &mut [0.0; 3])
        .unwrap_err()
        .to_string();
    assert!(err.contains('6') && err.contains("2410"), "{err}");
    let stream = Stream::new(&spec, &InitPlan::torch_default(&spec), 1).unwrap();
    mlp.score_stream(&stream, 0, false, &mut []).unwrap();
    mlp.losses(&stream, 0, &mut []).unwrap();
    mlp.score_params(&[], false, &mut []).unwrap();
    // Through the Scorer trait the mismatch reaches the strategies as a selection error.
    let err = select(
        &Strategy::BestOfN(BestOfN { n: 10, count: 1 }),
        &fused,
        &relu2,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            SelectError::Score(ScoreError::ParamLength {
                expected: 6,
                actual: 12,
                ..
            })
        ),
        "{err}"
    );
}

#[test]
fn xor_constants_of_the_kernels_match_the_data_crate() {
    for model in Preset::ALL {
        let want = match model {
            Preset::Relu2 => xor::one_hot_targets(),
            _ => xor::scalar_targets(),
        };
        let got = Array2::from_shape_vec(want.dim(), model.targets()).unwrap();
        assert_eq!(got, want, "{model}");
        assert_eq!(model.spec().param_len(), model.param_len());
        assert_eq!(Preset::from_spec(&model.spec()).ok(), Some(model));
    }
}

#[test]
fn scorer_for_picks_the_fused_kernel_for_xor_presets_and_every_path_equals_the_engine() {
    let n = 3_000;
    for model in Preset::ALL {
        let y = match model {
            Preset::Relu2 => xor::one_hot_targets(),
            _ => xor::scalar_targets(),
        };
        let (spec, x) = (model.spec(), xor::inputs_centered());
        let stream = Stream::new(&spec, &model.plan(), 5).unwrap();
        for &loss in model.fused_losses() {
            assert_eq!(
                ScorerPath::auto(&spec, loss, x.view(), y.view()),
                ScorerPath::Fused,
                "{model} {loss}"
            );
            let mut want = blank(n);
            engine(model, loss)
                .score_stream(&stream, 7, true, &mut want)
                .unwrap();
            let auto = scorer_for(&spec, loss, x.view(), y.view()).unwrap();
            let mut fused = blank(n);
            FusedScorer::new(model, loss)
                .unwrap()
                .score_stream(&stream, 7, true, &mut fused)
                .unwrap();
            let mut got = blank(n);
            auto.score_stream(&stream, 7, true, &mut got).unwrap();
            // Auto is the fused kernel itself: the same bits.
            assert!(
                got.iter()
                    .zip(&fused)
                    .all(|(g, f)| g.loss.to_bits() == f.loss.to_bits())
            );
            for path in [ScorerPath::Batched, ScorerPath::Engine] {
                for isa in Isa::available() {
                    let scorer =
                        scorer_with(path, Some(isa), &spec, loss, x.view(), y.view()).unwrap();
                    let mut got = blank(n);
                    scorer.score_stream(&stream, 7, true, &mut got).unwrap();
                    let (l, g, a) = compare(&got, &want);
                    assert!(
                        l <= 1e-5 && g <= 1e-5 && a == 0,
                        "{model} {loss} {path:?} {isa}: {l:e} {g:e} {a}"
                    );
                }
            }
        }
    }
    // Not the XOR data (shifted inputs), or a loss the kernel lacks: the batched path.
    let spec = ModelSpec::relu1();
    let shifted = xor::inputs_centered().mapv(|v| v + 0.5);
    let y = xor::scalar_targets();
    assert_eq!(
        ScorerPath::auto(&spec, Loss::Mse, shifted.view(), y.view()),
        ScorerPath::Batched
    );
    let err = scorer_with(
        ScorerPath::Fused,
        None,
        &spec,
        Loss::Mse,
        shifted.view(),
        y.view(),
    )
    .err()
    .expect("no fused kernel for shifted data");
    assert!(matches!(err, ScoreError::UnsupportedModel { .. }), "{err}");
    let digits_spec = ModelSpec::mlp("64-32-10", Activation::Relu).unwrap();
    let (dx, dy) = digits(Some(64));
    assert_eq!(
        ScorerPath::auto(&digits_spec, Loss::CrossEntropy, dx.view(), dy.view()),
        ScorerPath::Batched
    );
    let stream = Stream::new(&digits_spec, &InitPlan::torch_default(&digits_spec), 2).unwrap();
    let auto = scorer_for(&digits_spec, Loss::CrossEntropy, dx.view(), dy.view()).unwrap();
    let slow = EngineScorer::new(&digits_spec, Loss::CrossEntropy, dx.view(), dy.view()).unwrap();
    let (mut got, mut want) = (blank(200), blank(200));
    auto.score_stream(&stream, 0, true, &mut got).unwrap();
    slow.score_stream(&stream, 0, true, &mut want).unwrap();
    let (l, g, a) = compare(&got, &want);
    assert!(l <= 1e-5 && g <= 1e-5 && a == 0, "{l:e} {g:e} {a}");
    // Data that fits no model is refused before any path is chosen.
    let err = scorer_for(&spec, Loss::Mse, dx.view(), dy.view())
        .err()
        .expect("64 features for a 2-input model");
    assert!(matches!(err, ScoreError::DataWidth { .. }), "{err}");
}
