//! Shared by the tests: a digits batch and fixed parameters, both written the same way in
//! tools/pytorch/datadep_reference.py.
#![allow(dead_code)]

use initsift_nn::{Activation, ModelSpec, ParamKind};
use ndarray::Array2;

/// The first `rows` digits, pixels / 16, one-hot targets (f32, as `initialize` takes them).
pub fn digits(rows: usize) -> (Array2<f32>, Array2<f32>) {
    let ds = initsift_data::builtin::digits().expect("vendored digits");
    let ds = ds.first(rows).expect("enough rows");
    let x = ds.features().mapv(|v| v / 16.0);
    let y = ds.one_hot().expect("classes");
    (x, y)
}

/// The same in f64, for the objectives' own API.
pub fn digits64(rows: usize) -> (Array2<f64>, Array2<f64>) {
    let (x, y) = digits(rows);
    (x.mapv(f64::from), y.mapv(f64::from))
}

/// Fixed parameters: tensor k, entry j = s·sin(0.7·j + 0.3·k + 1) with s = 1/√fan_in for
/// weights and 0.1/√fan_in for biases, rounded to f32 (as `initialize` takes them).
pub fn fixed_params(spec: &ModelSpec) -> Vec<f64> {
    let mut theta = vec![0.0; spec.param_len()];
    for (k, b) in spec.param_layout().iter().enumerate() {
        let s = match b.kind {
            ParamKind::Weight => 1.0,
            ParamKind::Bias => 0.1,
        } / (b.fan_in as f64).sqrt();
        for (j, t) in theta[b.range()].iter_mut().enumerate() {
            *t = (s * (0.7 * j as f64 + 0.3 * k as f64 + 1.0).sin()) as f32 as f64;
        }
    }
    theta
}

/// digits 64-32-10 with ReLU.
pub fn digits_relu() -> ModelSpec {
    ModelSpec::mlp("64-32-10", Activation::Relu).expect("valid")
}

/// digits 64-16-10 with tanh (smooth: finite differences meet no kink).
pub fn digits_tanh() -> ModelSpec {
    ModelSpec::mlp("64-16-10", Activation::Tanh).expect("valid")
}

/// θ = α ⊙ base, block by block.
pub fn scaled(spec: &ModelSpec, base: &[f64], alpha: &[f64]) -> Vec<f64> {
    let mut theta = base.to_vec();
    for (b, &a) in spec.param_layout().iter().zip(alpha) {
        theta[b.range()].iter_mut().for_each(|t| *t *= a);
    }
    theta
}
