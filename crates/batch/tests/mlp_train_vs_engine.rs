//! The batched MLP trainer against its slow twin, the engine `Trainer` (one run at a time),
//! run by run, on every ISA this machine has: ≥ 500 digits runs under three configurations,
//! small random MLPs (every activation, loss and optimizer variant) on the other built-in data
//! sets, and the XOR presets (abs1, relu1 with its summing head, relu2).
//!
//! ## Tolerance
//! The twins cannot agree bit for bit: the batched trainer computes exp and ln with the
//! scorer's vectorized polynomials (within 2 ulp of libm), sums bias gradients in a fixed
//! tree of partial sums, and its full-batch weight gradients chain all rows in one sum where
//! matrixmultiply adds blocks of 256. Its matrix products otherwise round as the engine's
//! (one fused multiply-add chain per output over the inner dimension in order, as
//! matrixmultiply's kernels), so each step's gradient differs from the engine's by a few ulps,
//! relative. Along a training trajectory such perturbations add
//! up at most linearly while the optimizer does not amplify them, so after `s` steps the
//! epoch loss may differ by about `s · k · u` relative, with u = 2⁻²⁴ the unit roundoff and
//! k = 8 roundings per step (a generous count: ≤ 2 for each transcendental on the loss path,
//! and the reordered sums); one step is counted at least, for the loss at the initial point.
//! [`bound`] is that figure; every compared loss must lie within it. Where a perturbation
//! flips a stop rule (a loss within the bound of its threshold), the stop epochs differ: at
//! least 99 % of the runs must stop at the same epoch for the same reason, and the curves are
//! compared over the epochs both ran.

use initsift_batch::Isa;
use initsift_batch::mlp_train::{MinibatchOrder, MlpRunOutcome, MlpTrainConfig, MlpTrainer};
use initsift_data::{Dataset, Standardizer, Stratify, Targets, builtin};
use initsift_init::{InitPlan, Stream};
use initsift_nn::{
    Activation, Adam, Loss, ModelSpec, OptimizerConfig, Plateau, RmsProp, Sgd, StopRules,
    TrainOutcome, Trainer,
};
use ndarray::Array2;
use rayon::prelude::*;

/// The relative tolerance after `steps` optimizer steps (see the module docs).
fn bound(steps: usize) -> f64 {
    (steps.max(1) * 8) as f64 * f64::from(f32::EPSILON) / 2.0
}

fn rel(a: f64, b: f64) -> f64 {
    if a == b || (a.is_nan() && b.is_nan()) {
        0.0
    } else {
        ((a - b) / b.abs().max(1e-12)).abs()
    }
}

/// Standardized train and test splits of a built-in set (the scaler fitted on train; real
/// targets standardized too, so regression runs train rather than diverge).
fn splits(data: Dataset, test: f64) -> (Dataset, Dataset) {
    let data = match data.values() {
        Some(v) => {
            let (mean, std) = (v.mean().expect("rows"), v.std(0.0));
            let scaled = v.mapv(|t| (t - mean) / std);
            let names = data.feature_names().to_vec();
            Dataset::new(
                data.name(),
                names,
                data.features().clone(),
                Targets::Real(scaled),
            )
            .expect("same shapes")
        }
        None => data,
    };
    let stratify = if data.n_classes().is_some() {
        Stratify::ByClass
    } else {
        Stratify::No
    };
    let (train, test) = data.train_test_split(test, 7, stratify).expect("split");
    let scaler = Standardizer::fit_dataset(&train).expect("scaler");
    (
        scaler.transform_dataset(&train).expect("train"),
        scaler.transform_dataset(&test).expect("test"),
    )
}

/// The targets the trainer builds for `spec` from `data` (one-hot or one column).
fn targets(spec: &ModelSpec, data: &Dataset) -> Array2<f32> {
    if spec.output_dim() == 1 {
        data.target_column()
    } else {
        data.one_hot().expect("classes")
    }
}

/// The engine Trainer's outcome for each run.
fn engine_runs(
    spec: &ModelSpec,
    train: &Dataset,
    config: &MlpTrainConfig,
    init: &[f32],
) -> Vec<TrainOutcome> {
    let p = spec.param_len();
    let y = targets(spec, train);
    init.par_chunks(p)
        .enumerate()
        .map(|(r, theta)| {
            let engine = config
                .engine_config(r)
                .expect("the engine replays this order");
            Trainer::new(spec, train.features().view(), y.view(), engine)
                .expect("valid engine config")
                .train(theta)
                .expect("engine training")
        })
        .collect()
}

/// Deviations of one comparison.
#[derive(Default)]
struct Tally {
    runs: usize,
    stop_mismatches: usize,
    worst: f64,
    worst_at: String,
}

impl Tally {
    /// Prints the worst deviation and asserts that ≥ 99 % of the runs stopped alike.
    fn report(&self, what: &str) {
        println!(
            "{} {what}: {} stop mismatches; worst deviation {:.2} of the bound at {}",
            self.runs, self.stop_mismatches, self.worst, self.worst_at
        );
        assert!(
            self.stop_mismatches * 100 <= self.runs,
            "{} of {} runs stopped at another epoch",
            self.stop_mismatches,
            self.runs
        );
    }

    fn loss(&mut self, what: String, ours: f64, engine: f64, steps: usize) {
        let d = rel(ours, engine);
        let slack = d / bound(steps);
        if slack > self.worst {
            self.worst = slack;
            self.worst_at = format!("{what}: {ours} vs engine {engine} (rel. {d:.2e})");
        }
        assert!(
            d <= bound(steps),
            "{what}: {ours} vs engine {engine}, rel. {d:.2e} > bound {:.2e} after {steps} steps",
            bound(steps)
        );
    }
}

/// Compares every run's stop epoch and reason, curve, final loss and accuracy.
fn compare(
    case: &str,
    ours: &[MlpRunOutcome],
    engine: &[TrainOutcome],
    steps_per_epoch: usize,
    tally: &mut Tally,
) {
    for (r, (a, b)) in ours.iter().zip(engine).enumerate() {
        tally.runs += 1;
        let curve = &a.curves.as_ref().expect("curves were asked for").train_loss;
        for (e, (&x, &y)) in curve.iter().zip(&b.curve).enumerate() {
            let what = format!("{case} run {r} epoch {e}");
            tally.loss(what, x, y, e * steps_per_epoch);
        }
        if (a.epochs, a.stop) != (b.epochs, b.stop) {
            tally.stop_mismatches += 1;
            continue;
        }
        let steps = a.epochs * steps_per_epoch;
        tally.loss(
            format!("{case} run {r} final"),
            a.final_loss,
            b.final_loss,
            steps,
        );
        // At most a row or two of digits may flip at a decision boundary; none do elsewhere.
        assert!(
            (a.final_accuracy - b.final_accuracy).abs() <= 2.0 / 1797.0 + 1e-6,
            "{case} run {r}: accuracy {} vs engine {}",
            a.final_accuracy,
            b.final_accuracy
        );
    }
}

/// Trains `init` on every ISA (asserting identical bits) and returns the outcomes.
fn batched_on_every_isa(
    spec: &ModelSpec,
    train: &Dataset,
    test: Option<&Dataset>,
    config: &MlpTrainConfig,
    init: &[f32],
) -> Vec<MlpRunOutcome> {
    let runs = init.len() / spec.param_len();
    let reports: Vec<_> = Isa::available()
        .into_iter()
        .map(|isa| {
            let report = MlpTrainer::new(spec, train, test, config.clone())
                .and_then(|t| t.with_isa(Some(isa)))
                .expect("valid trainer")
                .train(runs, init)
                .expect("training");
            (isa, report)
        })
        .collect();
    // Compared as text, so NaNs of a diverged run compare equal when their bits do.
    let (first_isa, first) = &reports[0];
    for (isa, report) in &reports[1..] {
        assert!(
            format!("{report:?}") == format!("{first:?}"),
            "{} on {isa} differs from {first_isa}",
            spec.name()
        );
    }
    reports.into_iter().next().expect("one ISA").1.outcomes
}

fn stream_inits(spec: &ModelSpec, seed: u64, runs: usize) -> Vec<f32> {
    let stream = Stream::new(spec, &InitPlan::torch_default(spec), seed).expect("stream");
    let mut init = vec![0.0f32; runs * spec.param_len()];
    stream.fill_batch(0, &mut init).expect("inits");
    init
}

#[test]
fn digits_runs_match_the_engine() {
    let digits = builtin::digits()
        .expect("digits")
        .random_subset(480, 3)
        .expect("subset");
    let (train, test) = splits(digits, 0.2);
    let n = train.n_samples();
    let spec = ModelSpec::mlp("64-24-10", Activation::Relu).expect("spec");
    let cases = [
        (
            "adam, minibatch 32, shared order",
            512,
            OptimizerConfig::adam(1e-3),
            Some(32),
            MinibatchOrder::Shared { seed: 3 },
            StopRules {
                max_epochs: 12,
                loss_below: Some(0.3),
                plateau: None,
            },
        ),
        (
            "nesterov sgd with weight decay, full batch",
            128,
            OptimizerConfig::Sgd(Sgd {
                lr: 0.1,
                momentum: 0.9,
                nesterov: true,
                weight_decay: 1e-3,
                ..Sgd::default()
            }),
            None,
            MinibatchOrder::Shared { seed: 0 },
            StopRules {
                max_epochs: 40,
                loss_below: Some(0.2),
                plateau: Some(Plateau {
                    min_delta: 1e-3,
                    patience: 3,
                }),
            },
        ),
        (
            "centered rmsprop with momentum, minibatch 64, per-run order",
            128,
            OptimizerConfig::RmsProp(RmsProp {
                lr: 1e-3,
                momentum: 0.5,
                centered: true,
                ..RmsProp::default()
            }),
            Some(64),
            MinibatchOrder::PerRun { seed: 9 },
            StopRules {
                max_epochs: 10,
                loss_below: Some(0.25),
                plateau: None,
            },
        ),
    ];
    let mut tally = Tally::default();
    for (name, runs, optimizer, batch, order, stop) in cases {
        let mut config = MlpTrainConfig::full_batch(optimizer, Loss::CrossEntropy, stop);
        config.batch_size = batch;
        config.order = order;
        config.curves = true;
        let init = stream_inits(&spec, 17, runs);
        let ours = batched_on_every_isa(&spec, &train, Some(&test), &config, &init);
        let engine = engine_runs(&spec, &train, &config, &init);
        compare(
            name,
            &ours,
            &engine,
            batch.map_or(1, |b| n.div_ceil(b)),
            &mut tally,
        );
    }
    tally.report("digits runs");
    assert!(tally.runs >= 500);
}

/// A small deterministic generator for the random cases.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

#[test]
fn small_random_mlps_match_the_engine() {
    let activations = [
        Activation::Identity,
        Activation::Relu,
        Activation::LeakyRelu { slope: 0.1 },
        Activation::Abs,
        Activation::Tanh,
        Activation::Sigmoid,
        Activation::Elu { alpha: 0.7 },
    ];
    let optimizers = [
        OptimizerConfig::sgd(0.05),
        OptimizerConfig::Sgd(Sgd {
            lr: 0.02,
            momentum: 0.8,
            dampening: 0.1,
            weight_decay: 1e-3,
            nesterov: false,
        }),
        OptimizerConfig::adam(5e-3),
        OptimizerConfig::Adam(Adam {
            lr: 3e-3,
            amsgrad: true,
            weight_decay: 1e-3,
            ..Adam::default()
        }),
        OptimizerConfig::adamw(5e-3),
        OptimizerConfig::rmsprop(2e-3),
    ];
    // (data, loss, input width, output width)
    let sets = [
        ("iris", Loss::CrossEntropy, 4, 3),
        ("wine", Loss::Mse, 13, 3),
        ("breast_cancer", Loss::BceWithLogits, 30, 1),
        ("diabetes", Loss::Mse, 10, 1),
    ];
    let mut rng = Lcg(2024);
    let mut tally = Tally::default();
    for case in 0..28 {
        let (set, loss, inputs, outputs) = sets[case % sets.len()];
        let activation = activations[case % activations.len()];
        let optimizer = optimizers[rng.below(optimizers.len())];
        let depth = 1 + rng.below(3);
        let mut widths = vec![inputs.to_string()];
        widths.extend((0..depth).map(|_| (2 + rng.below(10)).to_string()));
        widths.push(outputs.to_string());
        let spec = ModelSpec::mlp(&widths.join("-"), activation).expect("spec");
        let (train, test) = splits(Dataset::builtin(set).expect("built in"), 0.25);
        let n = train.n_samples();
        let batch = [None, Some(16), Some(50)][rng.below(3)];
        let stop = StopRules {
            max_epochs: 6 + rng.below(10),
            loss_below: None,
            plateau: Some(Plateau {
                min_delta: 1e-4,
                patience: 2,
            }),
        };
        let mut config = MlpTrainConfig::full_batch(optimizer, loss, stop);
        config.batch_size = batch;
        config.order = MinibatchOrder::Shared { seed: case as u64 };
        config.curves = true;
        let init = stream_inits(&spec, case as u64, 6);
        let ours = batched_on_every_isa(&spec, &train, Some(&test), &config, &init);
        let engine = engine_runs(&spec, &train, &config, &init);
        let name = format!(
            "case {case}: {} {activation:?} {loss} on {set}",
            spec.name()
        );
        compare(
            &name,
            &ours,
            &engine,
            batch.map_or(1, |b| n.div_ceil(b)),
            &mut tally,
        );
    }
    tally.report("runs of random MLPs");
}

#[test]
fn xor_presets_match_the_engine() {
    // abs1 and relu1 (a SumFeatures head) under MSE and BCE, relu2 under cross-entropy: the
    // lockstep trainer's models, through the general path.
    let cases = [
        (ModelSpec::abs1(), Loss::Mse),
        (ModelSpec::abs1(), Loss::BceWithLogits),
        (ModelSpec::relu1(), Loss::Mse),
        (ModelSpec::relu1(), Loss::BceWithLogits),
        (ModelSpec::relu2(), Loss::CrossEntropy),
    ];
    let data = initsift_data::xor();
    let mut tally = Tally::default();
    for (spec, loss) in cases {
        let stop = StopRules {
            max_epochs: 60,
            loss_below: None,
            plateau: None,
        };
        let mut config = MlpTrainConfig::full_batch(OptimizerConfig::adam(0.01), loss, stop);
        config.curves = true;
        let init = stream_inits(&spec, 3, 64);
        let ours = batched_on_every_isa(&spec, &data, None, &config, &init);
        let engine = engine_runs(&spec, &data, &config, &init);
        compare(
            &format!("{} {loss}", spec.name()),
            &ours,
            &engine,
            1,
            &mut tally,
        );
    }
    tally.report("XOR preset runs");
}
