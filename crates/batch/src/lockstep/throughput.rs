//! Reference initializations and the timing entry point for the throughput binary.

use std::time::Instant;

use initsift_nn::{Loss, OptimizerConfig, StopRules};

use super::{Lockstep, LockstepConfig, LockstepError, Preset};
use crate::Isa;

/// SplitMix64: a counter-based source, so run `r`'s parameters depend only on (seed, r).
fn splitmix(state: u64) -> u64 {
    let mut z = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A standard normal for (seed, run, index), by Box–Muller on two counter-hashed uniforms.
fn normal(seed: u64, run: u64, index: u64) -> f64 {
    let base = splitmix(seed ^ splitmix(run)).wrapping_add(index.wrapping_mul(2));
    let u = |k: u64| ((splitmix(base.wrapping_add(k)) >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    (-2.0 * u(0).ln()).sqrt() * (std::f64::consts::TAU * u(1)).cos()
}

/// Whether parameter `i` of `preset`'s flat layout is a bias.
pub fn is_bias(preset: Preset, i: usize) -> bool {
    match preset {
        Preset::Abs1 => i == 2,
        Preset::Relu1 => i >= 4,
        Preset::Relu2 => matches!(i, 4 | 5 | 10 | 11),
    }
}

/// Run `run`'s initial parameters for tests and benchmarks: weights N(0, `weight_std`²),
/// biases N(0, `bias_std`²) (0 gives exact zeros), from a counter-based hash of (seed, run).
/// Not an initializer scheme of the study (those live in initsift-init).
pub fn normal_init(
    preset: Preset,
    seed: u64,
    run: usize,
    weight_std: f64,
    bias_std: f64,
    out: &mut [f32],
) {
    for (i, v) in out.iter_mut().enumerate().take(preset.param_len()) {
        let std = if is_bias(preset, i) {
            bias_std
        } else {
            weight_std
        };
        *v = (std * normal(seed, run as u64, i as u64)) as f32;
    }
}

/// `runs` runs of [`normal_init`], run-major.
pub fn normal_inits(
    preset: Preset,
    runs: usize,
    seed: u64,
    weight_std: f64,
    bias_std: f64,
) -> Vec<f32> {
    let p = preset.param_len();
    let mut v = vec![0.0; runs * p];
    for (r, row) in v.chunks_exact_mut(p).enumerate() {
        normal_init(preset, seed, r, weight_std, bias_std, row);
    }
    v
}

/// Seconds to train `runs` runs × `epochs` epochs of `preset` with `optimizer` and `loss` on
/// `isa`, for the throughput binary (run-epochs/s = runs·epochs / seconds). Only the epoch
/// budget stops a run (no loss threshold, no plateau rule), so every run does all `epochs`
/// unless it diverges; inits are N(0, 0.5²) weights and zero biases, generated before the clock
/// starts. The time includes the per-run work around training (initial and final evaluation,
/// the analyses, collecting outcomes). Uses the current rayon pool.
pub fn time_lockstep(
    preset: Preset,
    optimizer: OptimizerConfig,
    loss: Loss,
    isa: Isa,
    runs: usize,
    epochs: usize,
) -> Result<f64, LockstepError> {
    let trainer = Lockstep::new(
        LockstepConfig {
            preset,
            optimizer,
            loss,
            stop: StopRules {
                max_epochs: epochs,
                loss_below: None,
                plateau: None,
            },
        },
        isa,
    )?;
    let init = normal_inits(preset, runs, 1, 0.5, 0.0);
    let start = Instant::now();
    let report = trainer.train(runs, &init)?;
    let seconds = start.elapsed().as_secs_f64();
    std::hint::black_box(&report);
    Ok(seconds)
}
