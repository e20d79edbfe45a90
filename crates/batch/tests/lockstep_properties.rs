//! Properties of the lockstep trainer that need no engine: the same bits on every ISA and any
//! thread count, lane isolation, errors for bad input, and the per-run analyses.

mod common;

use common::normal_inits;
use initsift_batch::lockstep::{
    FirstLayerStats, Lockstep, LockstepConfig, LockstepError, LockstepReport, TRAIN_LANES,
};
use initsift_batch::{Isa, Preset};
use initsift_nn::{Adam, Loss, OptimizerConfig, Sgd, StopReason, StopRules};

fn config(preset: Preset, optimizer: OptimizerConfig, loss: Loss) -> LockstepConfig {
    LockstepConfig {
        preset,
        optimizer,
        loss,
        stop: StopRules::reference(400),
    }
}

/// A mix that covers every kernel: each preset, each loss head, each optimizer family.
fn configs() -> Vec<LockstepConfig> {
    let momentum = OptimizerConfig::Sgd(Sgd {
        lr: 0.05,
        momentum: 0.9,
        nesterov: true,
        ..Sgd::default()
    });
    let adam = OptimizerConfig::Adam(Adam {
        lr: 0.01,
        beta2: 0.99,
        ..Adam::default()
    });
    vec![
        config(Preset::Abs1, OptimizerConfig::sgd(0.1), Loss::Mse),
        config(Preset::Abs1, adam, Loss::BceWithLogits),
        config(Preset::Relu1, adam, Loss::Mse),
        config(
            Preset::Relu1,
            OptimizerConfig::rmsprop(0.01),
            Loss::BceWithLogits,
        ),
        config(Preset::Relu2, momentum, Loss::Mse),
        config(
            Preset::Relu2,
            OptimizerConfig::adamw(0.01),
            Loss::BceWithLogits,
        ),
    ]
}

/// Exact comparison, floats by their bits (so NaN == NaN and −0 ≠ +0).
fn assert_same_bits(a: &LockstepReport, b: &LockstepReport, what: &str) {
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(
        bits(&a.final_params),
        bits(&b.final_params),
        "{what}: params"
    );
    assert_eq!(a.outcomes.len(), b.outcomes.len());
    for (r, (x, y)) in a.outcomes.iter().zip(&b.outcomes).enumerate() {
        assert_eq!(
            format!("{x:?}").replace("NaN", "nan"),
            format!("{y:?}").replace("NaN", "nan"),
            "{what}: run {r}"
        );
        assert_eq!(
            x.final_loss.to_bits(),
            y.final_loss.to_bits(),
            "{what}: run {r}"
        );
    }
}

#[test]
fn every_available_isa_gives_the_portable_bits() {
    let runs = 517; // not a multiple of the lane count: a partial last block
    let available = Isa::available();
    eprintln!("ISAs tested: {available:?} (AVX-512 only where the CPU has it)");
    for c in configs() {
        let init = normal_inits(c.preset, runs, 7, 0.5, 0.1);
        let reference = Lockstep::new(c, Isa::Portable)
            .unwrap()
            .train(runs, &init)
            .unwrap();
        for &isa in &available {
            let got = Lockstep::new(c, isa).unwrap().train(runs, &init).unwrap();
            assert_same_bits(
                &got,
                &reference,
                &format!("{} {:?} on {isa}", c.preset, c.loss),
            );
        }
    }
}

#[test]
fn thread_count_does_not_change_results() {
    let runs = 300;
    for c in configs() {
        let init = normal_inits(c.preset, runs, 8, 0.5, 0.0);
        let trainer = Lockstep::new(c, Isa::best()).unwrap();
        let with = |n: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .unwrap()
                .install(|| trainer.train(runs, &init).unwrap())
        };
        let one = with(1);
        for n in [2, 8] {
            assert_same_bits(&with(n), &one, &format!("{} on {n} threads", c.preset));
        }
    }
}

/// Runs stop at different epochs, so a group compacts its live runs into fewer blocks as it
/// goes: a run must come out the same whether it trained in a big group (one thread: 16
/// blocks per group), or alone in its block with its 63 neighbours.
#[test]
fn compaction_does_not_change_results() {
    let runs = 64 * 64;
    let lanes = TRAIN_LANES;
    for c in configs() {
        let p = c.preset.param_len();
        let init = normal_inits(c.preset, runs, 10, 0.5, 0.0);
        let trainer = Lockstep::new(c, Isa::best()).unwrap();
        let grouped = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| trainer.train(runs, &init).unwrap());
        let epochs: Vec<usize> = grouped.outcomes.iter().map(|o| o.epochs).collect();
        assert!(
            epochs.iter().min() < epochs.iter().max(),
            "{}: runs should stop at different epochs",
            c.preset
        );
        let mut alone = LockstepReport {
            outcomes: Vec::new(),
            final_params: Vec::new(),
        };
        for chunk in init.chunks(lanes * p) {
            let r = trainer.train(chunk.len() / p, chunk).unwrap();
            alone.outcomes.extend(r.outcomes);
            alone.final_params.extend(r.final_params);
        }
        assert_same_bits(&grouped, &alone, &format!("{} grouped vs alone", c.preset));
    }
}

#[test]
fn a_nan_run_diverges_and_leaves_the_other_lanes_untouched() {
    let runs = 100;
    for c in configs() {
        let p = c.preset.param_len();
        let clean = normal_inits(c.preset, runs, 9, 0.5, 0.1);
        let mut poisoned = clean.clone();
        poisoned[5 * p] = f32::NAN; // run 5, in the first block
        poisoned[70 * p + 1] = f32::INFINITY; // run 70, in the second
        let trainer = Lockstep::new(c, Isa::best()).unwrap();
        let a = trainer.train(runs, &clean).unwrap();
        let b = trainer.train(runs, &poisoned).unwrap();
        for bad in [5, 70] {
            let o = &b.outcomes[bad];
            assert_eq!(
                (o.stop, o.epochs),
                (StopReason::Diverged, 1),
                "{}: run {bad}",
                c.preset
            );
            assert!(!o.success);
        }
        for r in (0..runs).filter(|r| ![5, 70].contains(r)) {
            assert_eq!(a.outcomes[r], b.outcomes[r], "{}: run {r}", c.preset);
            let (x, y) = (&a.final_params[r * p..][..p], &b.final_params[r * p..][..p]);
            assert!(x.iter().zip(y).all(|(u, v)| u.to_bits() == v.to_bits()));
        }
    }
}

#[test]
fn runs_stop_on_their_own() {
    // A dead start (zero gradient) plateaus after 1 + 11 epochs; a mirror start converges; a
    // third run shares their block and runs to the budget under SGD with a tiny rate.
    let c = LockstepConfig {
        preset: Preset::Relu1,
        optimizer: OptimizerConfig::sgd(1e-6),
        loss: Loss::Mse,
        stop: StopRules::reference(50),
    };
    let init = [
        0.1, 0.1, 0.2, 0.2, -5.0, -5.0, // all pre-activations < 0
        0.5, -0.5, -0.5, 0.5, 0.0, 0.0, // exact solution: loss 0 < 1e-7
        0.3, -0.2, -0.4, 0.5, 0.0, 0.0, // moves slowly, keeps improving
    ];
    let r = Lockstep::new(c, Isa::best())
        .unwrap()
        .train(3, &init)
        .unwrap();
    let got: Vec<_> = r.outcomes.iter().map(|o| (o.stop, o.epochs)).collect();
    assert_eq!(
        got,
        [
            (StopReason::Plateau, 12),
            (StopReason::Converged, 1),
            (StopReason::MaxEpochs, 50)
        ]
    );
    let dead = r.outcomes[0].initial_layer.unwrap();
    assert_eq!((dead.dead_units, dead.dead_points), (2, 4));
    assert_eq!(dead.dead_points_by_class, [2, 2]);
    assert_eq!(r.outcomes[0].distance, 0.0);
    let mirror = r.outcomes[1].final_layer.unwrap();
    assert!(mirror.is_mirror_pair() && mirror.is_perfect_mirror());
    assert!(r.outcomes[1].success && r.outcomes[1].final_loss == 0.0);
    // Unit 0 = relu(x0 − x1) is active only on point 1; unit 1 only on point 2: each unit is
    // alive, points 0 and 3 (class 0) are dead.
    assert_eq!((mirror.dead_units, mirror.dead_points), (0, 2));
    assert_eq!(mirror.dead_points_by_class, [2, 0]);
    assert!(r.outcomes[2].distance > 0.0);
}

#[test]
fn analyses_follow_their_definitions() {
    assert_eq!(FirstLayerStats::of(Preset::Abs1, &[1.0, 2.0, 3.0]), None);
    // Orthogonal rows: cosine 0, no pair. Bias 1 on unit 1 keeps every point alive.
    let s = FirstLayerStats::of(Preset::Relu1, &[1.0, 0.0, 0.0, 1.0, 0.0, 3.0]).unwrap();
    assert_eq!((s.row_cosine, s.dead_units, s.dead_points), (0.0, 0, 0));
    assert!(!s.is_mirror_pair());
    // cos = −0.96: a mirror pair, not a perfect one; a zero row has cosine 0 (F.normalize).
    let a = 0.96f32.acos();
    let s = FirstLayerStats::of(Preset::Relu2, &{
        let mut v = [0.0f32; 12];
        v[..4].copy_from_slice(&[1.0, 0.0, -a.cos(), a.sin()]);
        v
    })
    .unwrap();
    assert!(
        s.is_mirror_pair() && !s.is_perfect_mirror(),
        "{}",
        s.row_cosine
    );
    let zero_row = FirstLayerStats::of(Preset::Relu1, &[0.0, 0.0, 1.0, 1.0, 0.0, 0.0]).unwrap();
    assert_eq!(zero_row.row_cosine, 0.0);
    // Zero pre-activation counts as dead (≤ 0): unit 0 is zero everywhere.
    assert_eq!(zero_row.dead_units, 1);
}

#[test]
fn bad_input_is_an_error_that_names_the_value() {
    let good = config(Preset::Relu1, OptimizerConfig::adam(0.01), Loss::Mse);
    let isa = Isa::Portable;
    let trainer = Lockstep::new(good, isa).unwrap();
    let err = |e: LockstepError| e.to_string();

    assert!(err(trainer.train(0, &[]).unwrap_err()).contains("runs = 0"));
    let e = err(trainer.train(2, &[0.0; 11]).unwrap_err());
    assert!(
        e.contains("12") && e.contains("11") && e.contains("relu1"),
        "{e}"
    );
    let e = err(trainer.train_with(0, |_, _| {}).unwrap_err());
    assert!(e.contains("runs = 0"), "{e}");

    let mut c = good;
    c.stop.max_epochs = 0;
    assert!(err(Lockstep::new(c, isa).unwrap_err()).contains("max_epochs = 0"));
    for (lr, shown) in [(0.0, "lr = 0"), (-0.5, "lr = -0.5"), (f64::NAN, "lr = NaN")] {
        for o in [
            OptimizerConfig::sgd(lr),
            OptimizerConfig::adam(lr),
            OptimizerConfig::rmsprop(lr),
        ] {
            let c = LockstepConfig {
                optimizer: o,
                ..good
            };
            let e = err(Lockstep::new(c, isa).unwrap_err());
            assert!(e.contains(shown), "{e}");
        }
    }
    let c = LockstepConfig {
        optimizer: OptimizerConfig::Adam(Adam {
            beta1: 1.5,
            ..Adam::default()
        }),
        ..good
    };
    assert!(err(Lockstep::new(c, isa).unwrap_err()).contains("beta1 = 1.5"));
    let c = LockstepConfig {
        loss: Loss::CrossEntropy,
        ..good
    };
    assert!(err(Lockstep::new(c, isa).unwrap_err()).contains("cross_entropy"));
    assert!(
        Preset::from_spec(
            &initsift_nn::ModelSpec::mlp("2-3-1", initsift_nn::Activation::Relu).unwrap()
        )
        .is_err()
    );
    assert_eq!(
        Preset::from_spec(&Preset::Relu2.spec()).unwrap(),
        Preset::Relu2
    );
}
