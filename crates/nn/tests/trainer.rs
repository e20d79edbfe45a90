//! The Trainer's stop rules, epoch counting and outcomes on cases with known answers.

use initsift_nn::{
    AccuracyRule, Loss, ModelSpec, OptimizerConfig, Plateau, StopReason, StopRules, StopTracker,
    TrainConfig, Trainer,
};
use ndarray::{Array2, array};

fn xor() -> (Array2<f32>, Array2<f32>) {
    (
        array![[-1.0f32, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]],
        array![[0.0f32], [1.0], [1.0], [0.0]],
    )
}

fn relu1_trainer(optimizer: OptimizerConfig, stop: StopRules) -> Trainer {
    let (x, y) = xor();
    let config = TrainConfig::full_batch(optimizer, Loss::Mse, stop);
    Trainer::new(&ModelSpec::relu1(), x.view(), y.view(), config).unwrap()
}

/// An exact XOR solution for relu1: ReLU((x0 − x1)/2) + ReLU((x1 − x0)/2) = |x0 − x1| / 2.
/// A start from which Adam(0.01, β₂ 0.99) reaches L < 1e-7 (92 epochs) before any plateau;
/// closer starts can oscillate into the plateau rule at 100 % accuracy, as the reference's can.
const INITS_GOOD: [f32; 6] = [0.2, -0.1, -0.3, 0.25, 0.0, 0.0];

const SOLVED: [f32; 6] = [0.5, -0.5, -0.5, 0.5, 0.0, 0.0];

#[test]
fn exact_solution_stops_after_one_epoch() {
    // L(θ_0) = 0 < 1e-7: the reference breaks at e = 0 and reports e + 1 = 1 epoch.
    let mut t = relu1_trainer(OptimizerConfig::adam(0.01), StopRules::reference(800));
    let out = t.train(&SOLVED).unwrap();
    assert_eq!((out.epochs, out.stop), (1, StopReason::Converged));
    assert_eq!((out.initial_loss, out.initial_accuracy), (0.0, 1.0));
    assert_eq!(out.final_accuracy, 1.0);
}

#[test]
fn dead_network_plateaus_after_twelve_epochs() {
    // All units dead: output 0, zero gradient, loss exactly 0.5 every epoch. Epoch 0 sets the
    // best; epochs 1..=11 raise the counter to 11 > patience 10, so the run stops at e = 11 and
    // reports 12 epochs.
    let mut t = relu1_trainer(OptimizerConfig::adam(0.01), StopRules::reference(800));
    let dead = [0.1, 0.1, -0.1, -0.1, -5.0, -5.0];
    let out = t.train(&dead).unwrap();
    assert_eq!((out.epochs, out.stop), (12, StopReason::Plateau));
    assert_eq!((out.initial_loss, out.final_loss), (0.5, 0.5));
    assert_eq!(out.params, dead.to_vec());
    assert_eq!(out.final_accuracy, 0.5);
}

#[test]
fn plateau_patience_counts_exactly() {
    let rules = StopRules {
        max_epochs: 100,
        loss_below: None,
        plateau: Some(Plateau {
            min_delta: 0.1,
            patience: 3,
        }),
    };
    let mut tr = StopTracker::default();
    // The best is also lowered by non-improving epochs (best = min(best, loss)), as in the
    // reference: 1.0 sets it; 0.95, 0.86, 0.80 each improve by < 0.1 over the running minimum
    // (counter 1, 2, 3 = patience); 0.79 makes it 4 > 3 and stops.
    let losses = [1.0, 0.95, 0.86, 0.80, 0.79];
    let stops: Vec<_> = losses.iter().map(|&l| tr.observe(&rules, l)).collect();
    assert_eq!(stops, [None, None, None, None, Some(StopReason::Plateau)]);
    // A drop of more than min_delta from the running minimum resets the counter.
    let mut tr = StopTracker::default();
    for l in [1.0, 0.95, 0.94, 0.93, 0.8, 0.79, 0.78, 0.77] {
        assert_eq!(tr.observe(&rules, l), None, "at {l}");
    }
}

#[test]
fn max_epochs_and_zero_epochs() {
    let mut t = relu1_trainer(
        OptimizerConfig::sgd(1e-4),
        StopRules {
            max_epochs: 7,
            loss_below: Some(1e-7),
            plateau: None,
        },
    );
    let init = [0.3, -0.2, -0.4, 0.5, 0.1, 0.0];
    let out = t.train(&init).unwrap();
    assert_eq!((out.epochs, out.stop), (7, StopReason::MaxEpochs));
    let mut t0 = relu1_trainer(
        OptimizerConfig::sgd(0.1),
        StopRules {
            max_epochs: 0,
            loss_below: Some(1e-7),
            plateau: None,
        },
    );
    let out = t0.train(&init).unwrap();
    assert_eq!((out.epochs, out.stop), (0, StopReason::MaxEpochs));
    assert_eq!(out.final_loss, out.initial_loss);
    assert_eq!(out.params, init.to_vec());
}

#[test]
fn nan_and_overflow_stop_as_diverged() {
    let mut t = relu1_trainer(OptimizerConfig::adam(0.01), StopRules::reference(800));
    let out = t.train(&[f32::NAN, 0.0, 0.0, 0.0, 0.0, 0.0]).unwrap();
    assert_eq!((out.epochs, out.stop), (1, StopReason::Diverged));
    // SGD with a huge step on abs1 overshoots until the loss overflows f32.
    let (x, y) = xor();
    let stop = StopRules {
        max_epochs: 500,
        loss_below: Some(1e-7),
        plateau: None,
    };
    let config = TrainConfig::full_batch(OptimizerConfig::sgd(50.0), Loss::Mse, stop);
    let mut abs = Trainer::new(&ModelSpec::abs1(), x.view(), y.view(), config).unwrap();
    let out = abs.train(&[0.5, 0.3, 0.1]).unwrap();
    assert_eq!(out.stop, StopReason::Diverged);
    assert!(out.epochs < 500 && !out.final_loss.is_finite());
}

#[test]
fn relu1_from_a_good_init_reaches_1e7() {
    let mut t = relu1_trainer(
        OptimizerConfig::Adam(initsift_nn::Adam {
            lr: 0.01,
            beta2: 0.99,
            ..Default::default()
        }),
        StopRules::reference(800),
    );
    let out = t.train(&INITS_GOOD).unwrap();
    assert_eq!(out.stop, StopReason::Converged, "{out:?}");
    assert!(
        out.final_loss < 1e-6 && out.final_accuracy == 1.0,
        "{out:?}"
    );
    assert!(out.epochs > 10 && out.epochs < 800);
}

#[test]
fn curve_is_the_pre_step_loss_of_each_epoch() {
    let (x, y) = xor();
    let mut config = TrainConfig::full_batch(
        OptimizerConfig::sgd(0.05),
        Loss::Mse,
        StopRules {
            max_epochs: 5,
            loss_below: None,
            plateau: None,
        },
    );
    config.record_curve = true;
    let mut t = Trainer::new(&ModelSpec::relu1(), x.view(), y.view(), config).unwrap();
    let out = t.train(&[0.3, -0.2, -0.4, 0.5, 0.1, 0.0]).unwrap();
    assert_eq!(out.curve.len(), 5);
    assert_eq!(out.curve[0], out.initial_loss);
    assert!(out.curve.windows(2).all(|w| w[1] < w[0]), "{:?}", out.curve);
    assert!(out.final_loss < out.curve[4]);
}

#[test]
fn minibatch_of_full_size_equals_full_batch_and_is_seeded() {
    let (x, y) = xor();
    let stop = StopRules {
        max_epochs: 30,
        loss_below: Some(1e-7),
        plateau: None,
    };
    let full = TrainConfig::full_batch(OptimizerConfig::adam(0.01), Loss::Mse, stop);
    let init = [0.3, -0.2, -0.4, 0.5, 0.1, 0.0];
    let a = Trainer::new(&ModelSpec::relu1(), x.view(), y.view(), full)
        .unwrap()
        .train(&init)
        .unwrap();
    let b = Trainer::new(
        &ModelSpec::relu1(),
        x.view(),
        y.view(),
        TrainConfig {
            batch_size: Some(4),
            ..full
        },
    )
    .unwrap()
    .train(&init)
    .unwrap();
    assert_eq!(a, b);
    let mini = TrainConfig {
        batch_size: Some(3),
        shuffle_seed: 7,
        ..full
    };
    let c = Trainer::new(&ModelSpec::relu1(), x.view(), y.view(), mini)
        .unwrap()
        .train(&init)
        .unwrap();
    let d = Trainer::new(&ModelSpec::relu1(), x.view(), y.view(), mini)
        .unwrap()
        .train(&init)
        .unwrap();
    assert_eq!(c, d);
    assert_ne!(
        c.params, a.params,
        "two steps per epoch move differently from one"
    );
}

#[test]
fn relu2_cross_entropy_minibatches_learn_xor() {
    let x = array![[-1.0f32, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]];
    let y = array![[1.0f32, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]];
    let stop = StopRules {
        max_epochs: 2000,
        loss_below: Some(1e-3),
        plateau: None,
    };
    let config = TrainConfig {
        batch_size: Some(2),
        shuffle_seed: 3,
        ..TrainConfig::full_batch(OptimizerConfig::adam(0.05), Loss::CrossEntropy, stop)
    };
    let mut t = Trainer::new(&ModelSpec::relu2(), x.view(), y.view(), config).unwrap();
    assert_eq!(t.accuracy_rule(), AccuracyRule::Argmax);
    let init = [
        1.0, -1.0, -1.0, 1.0, 0.1, 0.1, -1.0, -1.0, 1.0, 1.0, 0.5, -0.5,
    ];
    let out = t.train(&init).unwrap();
    assert_eq!(out.final_accuracy, 1.0, "{out:?}");
}

#[test]
fn accuracy_rules() {
    let out = array![[0.5f32], [0.49], [2.0], [-1.0]];
    let tgt = array![[1.0f32], [0.0], [0.0], [0.0]];
    assert_eq!(
        AccuracyRule::Threshold(0.5).correct(out.view(), tgt.view()),
        vec![true, true, false, true]
    );
    let logits = array![[0.1f32, 0.2], [3.0, -1.0], [1.0, 1.0]];
    let onehot = array![[0.0f32, 1.0], [0.0, 1.0], [1.0, 0.0]];
    // Ties pick the first maximum, as torch.argmax.
    assert_eq!(
        AccuracyRule::Argmax.accuracy(logits.view(), onehot.view()),
        2.0 / 3.0
    );
    assert_eq!(
        Loss::BceWithLogits.accuracy_rule(1),
        AccuracyRule::Threshold(0.0)
    );
}

#[test]
fn bad_inputs_are_errors_that_name_the_values() {
    let (x, y) = xor();
    let config = TrainConfig::full_batch(
        OptimizerConfig::adam(0.01),
        Loss::Mse,
        StopRules::reference(10),
    );
    let mut t = Trainer::new(&ModelSpec::relu1(), x.view(), y.view(), config).unwrap();
    let err = t.train(&[0.0; 5]).unwrap_err().to_string();
    assert!(err.contains('6') && err.contains('5'), "{err}");
    let err = Trainer::new(&ModelSpec::relu2(), x.view(), y.view(), config)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("1 target columns") && err.contains("2 outputs"),
        "{err}"
    );
    let wide = Array2::<f32>::zeros((4, 3));
    let err = Trainer::new(&ModelSpec::relu1(), wide.view(), y.view(), config)
        .unwrap_err()
        .to_string();
    assert!(err.contains("takes 2") && err.contains("has 3"), "{err}");
    let bad_lr = TrainConfig::full_batch(
        OptimizerConfig::adam(-1.0),
        Loss::Mse,
        StopRules::reference(10),
    );
    assert!(Trainer::new(&ModelSpec::relu1(), x.view(), y.view(), bad_lr).is_err());
    let zero_batch = TrainConfig {
        batch_size: Some(0),
        ..config
    };
    assert!(
        Trainer::new(&ModelSpec::relu1(), x.view(), y.view(), zero_batch)
            .unwrap_err()
            .to_string()
            .contains("batch_size")
    );
}
