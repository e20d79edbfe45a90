//! The lockstep trainer against its slow twin, the engine's Trainer, run by run.
//!
//! Both compute in f32 with the same operation order (the kernels mirror the engine's graph),
//! so runs are expected to agree bit for bit. The assertions still leave room for float ties —
//! runs whose stop epoch or success flips because a loss sits on a threshold within rounding
//! — counting them and bounding them at 1% of runs; the counts are printed.
//!
//! Final losses must agree within 1e-5 relative, with an absolute floor of 1e-9: below that a
//! converged run's loss (threshold 1e-7) is dominated by f32 cancellation in `out − y`, and a
//! relative bound says nothing (tests still print the largest deviation).

mod common;

use common::{kink_grid, normal_inits};
use initsift_batch::lockstep::{Lockstep, LockstepConfig};
use initsift_batch::{Isa, Preset};
use initsift_data::xor::INPUTS_CENTERED;
use initsift_nn::{
    Adam, Loss, OptimizerConfig, Plateau, RmsProp, Sgd, StopReason, StopRules, Trainer,
};
use ndarray::Array2;
use rayon::prelude::*;

const RUNS: usize = 1000;

fn xor(preset: Preset) -> (Array2<f32>, Array2<f32>) {
    let x = initsift_data::xor::inputs_centered();
    let y = Array2::from_shape_vec((4, preset.output_len()), preset.targets()).unwrap();
    (x, y)
}

fn reference(max_epochs: usize, patience: Option<usize>) -> StopRules {
    StopRules {
        max_epochs,
        loss_below: Some(1e-7),
        plateau: patience.map(|patience| Plateau {
            min_delta: 1e-24,
            patience,
        }),
    }
}

fn adam(lr: f64, beta2: f64) -> OptimizerConfig {
    OptimizerConfig::Adam(Adam {
        lr,
        beta2,
        ..Adam::default()
    })
}

/// Runs one configuration both ways from N(0, 0.5²) weights and N(0, `bias_std`²) biases and
/// checks agreement; returns the number of float ties.
fn agree(config: LockstepConfig, bias_std: f64, seed: u64) -> usize {
    let init = normal_inits(config.preset, RUNS, seed, 0.5, bias_std);
    agree_from(config, &init)
}

/// Runs one configuration both ways from `init` (`RUNS` runs) and checks agreement.
fn agree_from(config: LockstepConfig, init: &[f32]) -> usize {
    let preset = config.preset;
    let p = preset.param_len();
    // One thread: the biggest groups, so compaction merges up to 4 blocks.
    let fast = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| {
            Lockstep::new(config, Isa::best())
                .unwrap()
                .train(RUNS, init)
                .unwrap()
        });
    let (x, y) = xor(preset);
    let trainer = Trainer::new(&preset.spec(), x.view(), y.view(), config.train_config()).unwrap();
    let slow: Vec<_> = init
        .par_chunks(p)
        .map_init(|| trainer.clone(), |t, row| t.train(row).unwrap())
        .collect();

    let (mut ties, mut bit_equal, mut worst_rel) = (0, 0, 0.0f64);
    for (r, (f, s)) in fast.outcomes.iter().zip(&slow).enumerate() {
        let fin = &fast.final_params[r * p..(r + 1) * p];
        if fin
            .iter()
            .zip(&s.params)
            .all(|(a, b)| a.to_bits() == b.to_bits())
        {
            bit_equal += 1;
        }
        assert_eq!(f.initial_loss, s.initial_loss, "run {r}: initial loss");
        assert_eq!(f.initial_accuracy, s.initial_accuracy, "run {r}");
        let success = s.final_accuracy == 1.0;
        if f.epochs != s.epochs || f.stop != s.stop || f.success != success {
            ties += 1;
            eprintln!(
                "tie? run {r}: lockstep {} epochs {:?} success {}, engine {} epochs {:?} success {success}",
                f.epochs, f.stop, f.success, s.epochs, s.stop
            );
            continue;
        }
        if s.stop != StopReason::Diverged {
            let diff = (f.final_loss - s.final_loss).abs();
            let rel = diff / s.final_loss.abs().max(1e-300);
            if s.final_loss.abs() > 1e-9 {
                worst_rel = worst_rel.max(rel);
            }
            assert!(
                diff <= 1e-5 * s.final_loss.abs() || diff <= 1e-9,
                "run {r}: final loss {} vs engine {}",
                f.final_loss,
                s.final_loss
            );
            assert_eq!(f.final_accuracy, s.final_accuracy, "run {r}");
        }
    }
    eprintln!(
        "{} {:?} {}: {RUNS} runs, {ties} ties, {bit_equal} bit-equal final params, worst final-loss rel diff {worst_rel:e}, successes {}",
        preset,
        config.optimizer,
        config.loss,
        fast.outcomes.iter().filter(|o| o.success).count()
    );
    assert!(ties * 100 <= RUNS, "{ties} ties in {RUNS} runs");
    ties
}

fn cfg(preset: Preset, optimizer: OptimizerConfig, loss: Loss, stop: StopRules) -> LockstepConfig {
    LockstepConfig {
        preset,
        optimizer,
        loss,
        stop,
    }
}

#[test]
fn abs1_agrees_with_the_engine() {
    let p = Preset::Abs1;
    let sgd_nesterov = OptimizerConfig::Sgd(Sgd {
        lr: 0.05,
        momentum: 0.9,
        nesterov: true,
        weight_decay: 1e-3,
        ..Sgd::default()
    });
    // abs1_convergence: SGD 0.1, no plateau stop, 1000 epochs.
    agree(
        cfg(
            p,
            OptimizerConfig::sgd(0.1),
            Loss::Mse,
            reference(1000, None),
        ),
        0.0,
        1,
    );
    agree(
        cfg(p, adam(0.01, 0.99), Loss::Mse, reference(1000, None)),
        0.0,
        2,
    );
    agree(
        cfg(
            p,
            OptimizerConfig::rmsprop(0.01),
            Loss::Mse,
            reference(400, Some(10)),
        ),
        0.1,
        3,
    );
    agree(
        cfg(
            p,
            sgd_nesterov,
            Loss::BceWithLogits,
            reference(300, Some(10)),
        ),
        0.1,
        4,
    );
    agree(
        cfg(
            p,
            OptimizerConfig::adamw(0.02),
            Loss::BceWithLogits,
            reference(300, Some(10)),
        ),
        0.1,
        5,
    );
}

#[test]
fn relu1_agrees_with_the_engine() {
    let p = Preset::Relu1;
    let sgd_momentum = OptimizerConfig::Sgd(Sgd {
        lr: 0.05,
        momentum: 0.9,
        dampening: 0.1,
        weight_decay: 1e-3,
        ..Sgd::default()
    });
    let rms_centered = OptimizerConfig::RmsProp(RmsProp {
        lr: 0.005,
        momentum: 0.5,
        centered: true,
        ..RmsProp::default()
    });
    let amsgrad = OptimizerConfig::Adam(Adam {
        lr: 0.01,
        amsgrad: true,
        weight_decay: 1e-4,
        ..Adam::default()
    });
    // relu1_normal: Adam(0.01, (0.9, 0.99)), 800 epochs, plateau 1e-24/10.
    agree(
        cfg(p, adam(0.01, 0.99), Loss::Mse, reference(800, Some(10))),
        0.0,
        11,
    );
    // relu1_convergence: SGD 0.1, patience 20, 600 epochs.
    agree(
        cfg(
            p,
            OptimizerConfig::sgd(0.1),
            Loss::Mse,
            reference(600, Some(20)),
        ),
        0.0,
        12,
    );
    agree(
        cfg(
            p,
            OptimizerConfig::rmsprop(0.01),
            Loss::Mse,
            reference(400, Some(10)),
        ),
        0.1,
        13,
    );
    agree(
        cfg(p, rms_centered, Loss::Mse, reference(300, Some(10))),
        0.1,
        14,
    );
    agree(
        cfg(
            p,
            sgd_momentum,
            Loss::BceWithLogits,
            reference(300, Some(10)),
        ),
        0.1,
        15,
    );
    agree(
        cfg(p, amsgrad, Loss::BceWithLogits, reference(300, Some(10))),
        0.1,
        16,
    );
    let adamw = OptimizerConfig::adamw(0.01);
    agree(cfg(p, adamw, Loss::Mse, reference(300, Some(10))), 0.1, 17);
}

#[test]
fn relu2_agrees_with_the_engine() {
    let p = Preset::Relu2;
    // relu2_two_mse_sgd: SGD 0.1, no plateau stop, 600 epochs.
    agree(
        cfg(
            p,
            OptimizerConfig::sgd(0.1),
            Loss::Mse,
            reference(600, None),
        ),
        0.0,
        21,
    );
    agree(
        cfg(p, adam(0.01, 0.99), Loss::Mse, reference(500, Some(10))),
        0.0,
        22,
    );
    agree(
        cfg(
            p,
            OptimizerConfig::rmsprop(0.01),
            Loss::Mse,
            reference(300, Some(10)),
        ),
        0.1,
        23,
    );
    // relu2_two_bce (shortened).
    agree(
        cfg(
            p,
            adam(0.01, 0.99),
            Loss::BceWithLogits,
            reference(300, Some(10)),
        ),
        0.0,
        24,
    );
}

/// Starts on a coarse grid, so pre-activations and outputs hit the kinks (relu'(0) = 0,
/// abs'(0) = 0) exactly and often: the kernels must take the engine's side of every kink.
#[test]
fn kinks_follow_the_engine() {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut zero_pre_activations = 0;
    for preset in Preset::ALL {
        let init = kink_grid(RUNS * preset.param_len(), &mut state);
        for row in init.chunks_exact(preset.param_len()).take(200) {
            for x in &INPUTS_CENTERED {
                for j in 0..preset.hidden_units() {
                    let z = x[0] * row[2 * j]
                        + x[1] * row[2 * j + 1]
                        + row[2 * preset.hidden_units() + j];
                    zero_pre_activations += usize::from(z == 0.0);
                }
            }
        }
        let stop = reference(200, Some(10));
        agree_from(cfg(preset, adam(0.01, 0.99), Loss::Mse, stop), &init);
        agree_from(
            cfg(preset, OptimizerConfig::sgd(0.1), Loss::Mse, stop),
            &init,
        );
        agree_from(
            cfg(
                preset,
                OptimizerConfig::rmsprop(0.01),
                Loss::BceWithLogits,
                stop,
            ),
            &init,
        );
    }
    assert!(
        zero_pre_activations > 100,
        "the grid should hit kinks: {zero_pre_activations}"
    );
}
