//! Properties of the batched MLP trainer that need no twin: the same bits on any thread count
//! and whatever runs share a batch, a diverging run that leaves the others untouched, the
//! held-out metrics and times-to-target against their definitions, and bad input.

use initsift_batch::mlp_train::{
    HeldOut, MinibatchOrder, MlpTrainConfig, MlpTrainError, MlpTrainer, Targets,
};
use initsift_data::{Dataset, Standardizer, Stratify, Targets as DataTargets, builtin};
use initsift_init::{InitPlan, Stream};
use initsift_nn::{Activation, Loss, ModelSpec, OptimizerConfig, Sgd, StopReason, StopRules};
use ndarray::{Array1, Array2};

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool")
        .install(f)
}

fn digits_splits(rows: usize) -> (Dataset, Dataset) {
    let d = builtin::digits()
        .expect("digits")
        .random_subset(rows, 1)
        .expect("subset");
    let (train, test) = d
        .train_test_split(0.25, 2, Stratify::ByClass)
        .expect("split");
    let s = Standardizer::fit_dataset(&train).expect("scaler");
    (
        s.transform_dataset(&train).expect("train"),
        s.transform_dataset(&test).expect("test"),
    )
}

fn stop(max_epochs: usize) -> StopRules {
    StopRules {
        max_epochs,
        loss_below: Some(0.4),
        plateau: None,
    }
}

fn inits(spec: &ModelSpec, runs: usize) -> Vec<f32> {
    let stream = Stream::new(spec, &InitPlan::torch_default(spec), 5).expect("stream");
    let mut init = vec![0.0; runs * spec.param_len()];
    stream.fill_batch(0, &mut init).expect("fill");
    init
}

#[test]
fn same_bits_on_any_thread_count_and_in_any_batch() {
    let (train, test) = digits_splits(400);
    let spec = ModelSpec::mlp("64-16-10", Activation::Tanh).expect("spec");
    let config =
        MlpTrainConfig::full_batch(OptimizerConfig::adam(1e-2), Loss::CrossEntropy, stop(8))
            .minibatch(25, 4);
    let trainer = MlpTrainer::new(&spec, &train, Some(&test), config).expect("trainer");
    let runs = 150;
    assert!(trainer.runs_per_batch() < runs, "several batches");
    let mut init = inits(&spec, runs);
    // The first 20 runs start at zero: symmetric hidden units that never learn, so they run
    // out of epochs while the others converge and leave their batches.
    init[..20 * spec.param_len()].fill(0.0);
    let reports: Vec<_> = [1, 2, 3]
        .map(|t| in_pool(t, || trainer.train(runs, &init).expect("train")))
        .into();
    assert!(reports.iter().all(|r| *r == reports[0]), "thread counts");
    assert!(
        reports[0]
            .outcomes
            .iter()
            .any(|o| o.stop == StopReason::Converged)
    );
    assert!(
        reports[0]
            .outcomes
            .iter()
            .any(|o| o.stop == StopReason::MaxEpochs)
    );
    // Runs 70..77 alone: a batch of their own, yet the same bits.
    let p = spec.param_len();
    let alone = trainer.train(7, &init[70 * p..77 * p]).expect("train");
    assert_eq!(alone.outcomes, reports[0].outcomes[70..77]);
    assert_eq!(alone.final_params, reports[0].final_params[70 * p..77 * p]);
}

#[test]
fn a_diverging_run_stops_and_leaves_the_other_runs_bits_unchanged() {
    let (train, _) = digits_splits(300);
    let spec = ModelSpec::mlp("64-12-10", Activation::Relu).expect("spec");
    let sgd = OptimizerConfig::Sgd(Sgd {
        lr: 0.5,
        momentum: 0.9,
        ..Sgd::default()
    });
    for batch in [None, Some(32)] {
        let mut config = MlpTrainConfig::full_batch(sgd, Loss::CrossEntropy, stop(6));
        config.batch_size = batch;
        let trainer = MlpTrainer::new(&spec, &train, None, config).expect("trainer");
        let p = spec.param_len();
        let runs = 9;
        let healthy = inits(&spec, runs);
        let mut mixed = healthy.clone();
        // Run 4's weights scaled up until its logits overflow within the first epochs.
        mixed[4 * p..5 * p].iter_mut().for_each(|v| *v *= 1e19);
        let with = trainer.train(runs, &mixed).expect("train");
        let without = trainer.train(runs, &healthy).expect("train");
        let diverged = &with.outcomes[4];
        assert_eq!(diverged.stop, StopReason::Diverged, "{diverged:?}");
        assert!(
            diverged.epochs < 6 && !diverged.final_loss.is_finite(),
            "{diverged:?}"
        );
        for r in (0..runs).filter(|&r| r != 4) {
            assert_eq!(with.outcomes[r], without.outcomes[r], "run {r} ({batch:?})");
            assert_eq!(
                with.final_params[r * p..(r + 1) * p],
                without.final_params[r * p..(r + 1) * p],
                "run {r} ({batch:?})"
            );
        }
    }
}

#[test]
fn held_out_metrics_and_times_to_target_follow_their_definitions() {
    // Regression: R² = 1 − SSres/SStot on the test split, recomputed here from the final
    // parameters with a plain forward pass in f64.
    let d = builtin::diabetes().expect("diabetes");
    let y = d.values().expect("real");
    let (mean, std) = (y.mean().expect("rows"), y.std(0.0));
    let d = Dataset::new(
        "diabetes",
        d.feature_names().to_vec(),
        d.features().clone(),
        DataTargets::Real(y.mapv(|v| (v - mean) / std)),
    )
    .expect("shapes");
    let (train, test) = d.train_test_split(0.3, 1, Stratify::No).expect("split");
    let s = Standardizer::fit_dataset(&train).expect("scaler");
    let (train, test) = (
        s.transform_dataset(&train).unwrap(),
        s.transform_dataset(&test).unwrap(),
    );
    let spec = ModelSpec::mlp("10-8-1", Activation::Identity).expect("spec");
    let mut config = MlpTrainConfig::full_batch(OptimizerConfig::adam(1e-2), Loss::Mse, stop(30));
    config.stop.loss_below = None;
    config.curves = true;
    config.targets = Targets {
        train_loss_at_most: Some(0.7),
        held_out_at_least: Some(0.3),
    };
    let trainer = MlpTrainer::new(&spec, &train, Some(&test), config).expect("trainer");
    let report = trainer.train(4, &inits(&spec, 4)).expect("train");
    let p = spec.param_len();
    for (r, out) in report.outcomes.iter().enumerate() {
        let theta = &report.final_params[r * p..(r + 1) * p];
        let (mse, r2) = linear_regression_metrics(theta, test.features(), test.values().unwrap());
        let Some(HeldOut::Regression { mse: m, r2: q }) = out.held_out else {
            panic!("regression metrics expected: {:?}", out.held_out)
        };
        assert!(
            (m - mse).abs() <= 1e-5 * mse && (q - r2).abs() <= 1e-5,
            "{m} {mse} {q} {r2}"
        );
        let curves = out.curves.as_ref().expect("curves");
        assert_eq!(curves.train_loss.len(), 30);
        assert_eq!(curves.held_out.len(), 30);
        assert_eq!(
            *curves.held_out.last().unwrap(),
            q,
            "the last point is the final metric"
        );
        let first =
            |v: &[f64], hit: &dyn Fn(f64) -> bool| v.iter().position(|&x| hit(x)).map(|e| e + 1);
        assert_eq!(
            out.epochs_to_target.train_loss,
            first(&curves.train_loss, &|x| x <= 0.7)
        );
        assert_eq!(
            out.epochs_to_target.held_out,
            first(&curves.held_out, &|x| x >= 0.3)
        );
        assert!(
            out.epochs_to_target.train_loss.is_some() && out.epochs_to_target.held_out.is_some()
        );
    }
}

/// MSE and R² of the linear-ReLU-free model 10-8-1 (identity activation) in f64.
fn linear_regression_metrics(theta: &[f32], x: &Array2<f32>, y: &Array1<f32>) -> (f64, f64) {
    let t = |i: usize| f64::from(theta[i]);
    let (w1, b1, w2, b2) = (0, 80, 88, 96);
    let mut sse = 0.0;
    for (row, &target) in x.rows().into_iter().zip(y) {
        let mut out = t(b2);
        for j in 0..8 {
            let h: f64 = (0..10)
                .map(|k| t(w1 + j * 10 + k) * f64::from(row[k]))
                .sum::<f64>()
                + t(b1 + j);
            out += t(w2 + j) * h;
        }
        sse += (out - f64::from(target)).powi(2);
    }
    let n = y.len() as f64;
    let mean = y.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let sst: f64 = y.iter().map(|&v| (f64::from(v) - mean).powi(2)).sum();
    (sse / n, 1.0 - sse / sst)
}

#[test]
fn bad_input_is_an_error_naming_the_value() {
    let (train, test) = digits_splits(200);
    let spec = ModelSpec::mlp("64-8-10", Activation::Relu).expect("spec");
    let base = MlpTrainConfig::full_batch(OptimizerConfig::adam(1e-3), Loss::CrossEntropy, stop(3));
    let err = |spec: &ModelSpec, train: &Dataset, test: Option<&Dataset>, c: &MlpTrainConfig| {
        MlpTrainer::new(spec, train, test, c.clone()).expect_err("bad input")
    };
    let n = train.n_samples();
    let iris = builtin::iris().expect("iris");
    let diabetes = builtin::diabetes().expect("diabetes");
    let narrow = ModelSpec::mlp("4-8-2", Activation::Relu).expect("spec");
    let wide10 = ModelSpec::mlp("10-4-3", Activation::Relu).expect("spec");
    let mut nan = train.features().clone();
    nan[(5, 7)] = f32::NAN;
    let nan = Dataset::new(
        "digits-nan",
        train.feature_names().to_vec(),
        nan,
        train.targets().clone(),
    )
    .expect("shapes");
    let empty = test.select(&[]).expect("empty");
    let with = |f: &dyn Fn(&mut MlpTrainConfig)| {
        let mut c = base.clone();
        f(&mut c);
        c
    };
    let cases: Vec<(MlpTrainError, Vec<String>)> = vec![
        (
            err(&spec, &iris, None, &base),
            vec!["iris".into(), "4".into(), "64".into()],
        ),
        (
            err(&wide10, &diabetes, None, &base),
            vec![
                "diabetes".into(),
                "regression".into(),
                "cross_entropy".into(),
            ],
        ),
        (
            err(&narrow, &iris, None, &base),
            vec!["class index 2".into(), "2 outputs".into()],
        ),
        (
            err(&spec, &train, None, &with(&|c| c.batch_size = Some(0))),
            vec!["batch_size = 0".into()],
        ),
        (
            err(&spec, &train, None, &with(&|c| c.batch_size = Some(n + 1))),
            vec![format!("batch_size = {}", n + 1), format!("1..={n}")],
        ),
        (
            err(&spec, &nan, None, &base),
            vec![
                "digits-nan".into(),
                "row 5".into(),
                "column 7".into(),
                "NaN".into(),
            ],
        ),
        (
            err(&spec, &train, Some(&empty), &base),
            vec!["test".into(), "no rows".into()],
        ),
        (
            err(
                &spec,
                &train,
                None,
                &with(&|c| c.targets.held_out_at_least = Some(0.9)),
            ),
            vec!["test split".into(), "held_out_at_least".into()],
        ),
        (
            err(
                &spec,
                &train,
                None,
                &with(&|c| {
                    c.batch_size = Some(10);
                    c.order =
                        MinibatchOrder::Given(vec![(0..n).rev().collect(), vec![0; n], vec![]]);
                }),
            ),
            vec!["epoch 1".into(), "permutation".into()],
        ),
        (
            err(
                &spec,
                &train,
                None,
                &with(&|c| c.optimizer = OptimizerConfig::sgd(f64::NAN)),
            ),
            vec!["lr".into(), "NaN".into()],
        ),
    ];
    for (e, needles) in &cases {
        let text = e.to_string();
        for needle in needles {
            assert!(
                text.contains(needle.as_str()),
                "`{text}` should name `{needle}`"
            );
        }
    }
    let trainer = MlpTrainer::new(&spec, &train, Some(&test), base).expect("valid");
    let e = trainer.train(0, &[]).unwrap_err();
    assert!(
        matches!(e, MlpTrainError::NoRuns) && e.to_string().contains("runs = 0"),
        "{e}"
    );
    let e = trainer.train(2, &[0.0; 10]).unwrap_err().to_string();
    assert!(
        e.contains("2 runs") && e.contains(&(2 * spec.param_len()).to_string()) && e.contains("10"),
        "{e}"
    );
    let other = Stream::new(&narrow, &InitPlan::torch_default(&narrow), 1).expect("stream");
    let e = trainer.train_stream(&other, 0, 3).unwrap_err().to_string();
    assert!(e.contains(&spec.param_len().to_string()), "{e}");
}

/// The outputs of a ReLU MLP at `theta` (state_dict layout) on `x`, in f64.
fn relu_mlp_outputs(widths: &[usize], theta: &[f32], x: &Array2<f32>) -> Array2<f64> {
    let mut a = x.mapv(f64::from);
    let mut at = 0;
    for (l, w) in widths.windows(2).enumerate() {
        let (fan_in, fan_out) = (w[0], w[1]);
        let weight = Array2::from_shape_fn((fan_out, fan_in), |(o, i)| {
            f64::from(theta[at + o * fan_in + i])
        });
        at += fan_in * fan_out;
        let bias = Array1::from_shape_fn(fan_out, |o| f64::from(theta[at + o]));
        at += fan_out;
        a = a.dot(&weight.t()) + &bias;
        if l + 2 < widths.len() {
            a.mapv_inplace(|v| v.max(0.0));
        }
    }
    a
}

/// Arrays train exactly as the `Dataset` holding them; an autoencoder (targets = inputs, 64
/// outputs) gets its test MSE over all outputs and R² = 1 − MSE / Var(y), the variance over
/// all outputs with one grand mean; misshapen arrays are errors naming their shape.
#[test]
fn arrays_train_as_datasets_and_multi_output_r2_spans_all_outputs() {
    let (train, test) = digits_splits(300);
    let spec = ModelSpec::mlp("64-8-10", Activation::Relu).expect("spec");
    let mut config =
        MlpTrainConfig::full_batch(OptimizerConfig::adam(1e-2), Loss::CrossEntropy, stop(4))
            .minibatch(32, 3);
    config.curves = true;
    let init = inits(&spec, 5);
    let from_data = MlpTrainer::new(&spec, &train, Some(&test), config.clone())
        .expect("trainer")
        .train(5, &init)
        .expect("train");
    let (y_train, y_test) = (train.one_hot().unwrap(), test.one_hot().unwrap());
    let from_arrays = MlpTrainer::from_arrays(
        &spec,
        "digits",
        (train.features().view(), y_train.view()),
        Some((test.features().view(), y_test.view())),
        config,
    )
    .expect("trainer")
    .train(5, &init)
    .expect("train");
    assert_eq!(from_arrays, from_data);

    let widths = [64, 8, 64];
    let auto = ModelSpec::mlp("64-8-64", Activation::Relu).expect("spec");
    let config = MlpTrainConfig::full_batch(OptimizerConfig::adam(1e-2), Loss::Mse, stop(3));
    let (x, xt) = (train.features(), test.features());
    let trainer = MlpTrainer::from_arrays(
        &auto,
        "digits-auto",
        (x.view(), x.view()),
        Some((xt.view(), xt.view())),
        config,
    )
    .expect("trainer");
    let report = trainer.train(3, &inits(&auto, 3)).expect("train");
    let p = auto.param_len();
    let xt64 = xt.mapv(f64::from);
    let mean = xt64.mean().unwrap();
    let var = xt64.mapv(|v| (v - mean).powi(2)).mean().unwrap();
    for (r, out) in report.outcomes.iter().enumerate() {
        let theta = &report.final_params[r * p..(r + 1) * p];
        let recon = relu_mlp_outputs(&widths, theta, xt);
        let mse = (&recon - &xt64).mapv(|v| v * v).mean().unwrap();
        let Some(HeldOut::Regression { mse: m, r2 }) = out.held_out else {
            panic!("regression metrics expected: {:?}", out.held_out)
        };
        // f32 sums of 4 800 squared errors: relative rounding ≈ √n·ε ≈ 1e-5.
        assert!((m - mse).abs() <= 1e-4 * mse, "run {r}: {m} vs {mse}");
        assert!((r2 - (1.0 - m / var)).abs() <= 1e-9, "run {r}: {r2}");
    }

    let short = x.slice(ndarray::s![..10, ..]);
    let e = MlpTrainer::from_arrays(
        &auto,
        "digits-auto",
        (x.view(), short.view()),
        None,
        MlpTrainConfig::full_batch(OptimizerConfig::adam(1e-2), Loss::Mse, stop(3)),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("digits-auto") && e.contains("10 × 64") && e.contains(&x.nrows().to_string()),
        "{e}"
    );
}
