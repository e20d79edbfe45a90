//! A `ModelSpec` compiled into the steps the batched kernel runs, with the per-element
//! activation functions and derivatives of the engine.

use initsift_nn::{Activation, Layer, ModelSpec};

/// One step of the forward pass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Step {
    /// y = x·Wᵀ + b, W `[outputs, inputs]` at `weight` in the flat vector.
    Linear {
        weight: usize,
        bias: Option<usize>,
        inputs: usize,
        outputs: usize,
    },
    /// An elementwise activation.
    Act(Activation),
    /// Row sums: `[n×m] → [n×1]`.
    Sum,
}

/// The steps of `spec`, in order, with flat-vector offsets (state_dict layout).
pub(crate) fn compile(spec: &ModelSpec) -> Vec<Step> {
    let mut offset = 0;
    spec.layers()
        .iter()
        .map(|layer| match *layer {
            Layer::Linear {
                inputs,
                outputs,
                bias,
            } => {
                let weight = offset;
                offset += inputs * outputs;
                let bias = bias.then(|| {
                    offset += outputs;
                    offset - outputs
                });
                Step::Linear {
                    weight,
                    bias,
                    inputs,
                    outputs,
                }
            }
            Layer::Activation(a) => Step::Act(a),
            Layer::SumFeatures => Step::Sum,
        })
        .collect()
}

/// The engine's activation value (`initsift-tensor`'s interpreter, in f32).
#[inline]
pub fn activate(a: Activation, x: f32) -> f32 {
    match a {
        Activation::Identity => x,
        // NaN passes through, as in the engine.
        Activation::Relu => {
            if x <= 0.0 {
                0.0
            } else {
                x
            }
        }
        Activation::LeakyRelu { slope } => {
            if x > 0.0 {
                x
            } else {
                slope as f32 * x
            }
        }
        Activation::Abs => x.abs(),
        Activation::Tanh => initsift_tensor::tanh_f32(x),
        Activation::Sigmoid => {
            if x >= 0.0 {
                1.0 / (1.0 + (-x).exp())
            } else {
                let e = x.exp();
                e / (1.0 + e)
            }
        }
        Activation::Elu { alpha } => {
            if x > 0.0 {
                x
            } else {
                alpha as f32 * x.exp_m1()
            }
        }
    }
}

/// The engine's derivative of the activation at pre-activation `x` with value `y`, with
/// PyTorch's conventions at kinks (ReLU'(0) = 0, |·|'(0) = 0, leaky slope and α at 0).
#[inline]
pub(crate) fn derivative(a: Activation, x: f32, y: f32) -> f32 {
    let step = if x > 0.0 { 1.0 } else { 0.0 };
    match a {
        Activation::Identity => 1.0,
        Activation::Relu => step,
        Activation::LeakyRelu { slope } => {
            let s = slope as f32;
            step * (1.0 - s) + s
        }
        Activation::Abs => {
            if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                x * 0.0
            }
        }
        Activation::Tanh => 1.0 - y * y,
        Activation::Sigmoid => y * (1.0 - y),
        Activation::Elu { alpha } => {
            let neg = alpha as f32 * (x - activate(Activation::Relu, x)).exp();
            step + (1.0 - step) * neg
        }
    }
}
