//! Parameters for the tests: a candidate stream of an N(0, σ²) plan, and a coarse grid that
//! hits the kinks.

// Each test binary uses part of these.
#![allow(dead_code)]

use initsift_batch::Preset;
use initsift_init::{InitPlan, Scheme, Stream};

/// `runs` initial parameter vectors of `preset`, run-major: candidates `0..runs` of the stream
/// `seed` of a plan with N(0, `weight_std`²) weights and N(0, `bias_std`²) biases (exact zeros
/// for 0) on every layer.
pub fn normal_inits(
    preset: Preset,
    runs: usize,
    seed: u64,
    weight_std: f64,
    bias_std: f64,
) -> Vec<f32> {
    let spec = preset.spec();
    let normal = |std: f64| Scheme::Normal { mean: 0.0, std };
    let bias = if bias_std == 0.0 {
        Scheme::Zeros
    } else {
        normal(bias_std)
    };
    let plan = InitPlan::same_for_all("test_normal", &spec, normal(weight_std), bias);
    let stream = Stream::new(&spec, &plan, seed).expect("an elementwise plan of the preset");
    let mut init = vec![0.0; runs * preset.param_len()];
    stream
        .fill_batch(0, &mut init)
        .expect("whole parameter vectors");
    init
}

/// `n` values from the grid {−1, −0.5, 0, 0.5, 1}, picked by a xorshift whose state `state`
/// holds (and keeps, for the next call): as parameters of the presets they put pre-activations
/// and outputs on the kinks (exact zeros) often.
pub fn kink_grid(n: usize, state: &mut u64) -> Vec<f32> {
    let grid = [-1.0f32, -0.5, 0.0, 0.5, 1.0];
    (0..n)
        .map(|_| {
            *state ^= *state << 13;
            *state ^= *state >> 7;
            *state ^= *state << 17;
            grid[(*state % grid.len() as u64) as usize]
        })
        .collect()
}
