//! LSUV (Mishkin & Matas 2016), following the official Caffe script
//! (`ducha-aiki/LSUVinit`, `tools/extra/lsuv_init.py`): orthonormal pre-init of every weight
//! matrix, then layer by layer, on one batch, W ← W/√v while |v − 1| > tol, where v is the
//! population variance of the layer's output (the Linear's output, before its activation) over
//! every element of the batch.
//!
//! As in the script (a Caffe net, float32 blobs), the forward pass runs in f32; the variances
//! are taken in f64. Biases are kept as the base init has them.

mod forward;
mod orthonormal;

use initsift_batch::Isa;
use initsift_nn::{Layer, ParamBlock, ParamKind};

use crate::config::{LsuvConfig, batch_rows};
use crate::error::Result;
use crate::problem::{Problem, finite_rows};
use crate::trace::{Recorder, StepKind, Trace};
use forward::{Moments, Values, variance};

/// Runs LSUV on the first B rows of the data (the only data it reads, and checks).
///
/// Rescaling W by c turns the layer's output z = h·Wᵀ + b into c·(h·Wᵀ) + b, so each layer
/// takes one product A = h·Wᵀ (h: the batch through the layers before it) and its per-feature
/// moments; the iterations then evaluate Var(c·A + b) for the running c from those moments,
/// as a forward pass with W·c would (up to rounding).
pub(crate) fn run(p: &Problem, c: &LsuvConfig) -> Result<(Vec<f64>, Trace)> {
    run_on(Isa::best(), p, c)
}

/// [`run`] with the kernels' clones for `isa` (every clone gives the same bits).
fn run_on(isa: Isa, p: &Problem, c: &LsuvConfig) -> Result<(Vec<f64>, Trace)> {
    c.validate()?;
    let b = batch_rows("lsuv", c.batch_size, p.rows(), 1)?;
    finite_rows(p.x, b)?;
    let mut theta = p.base.clone();
    if let Some(seed) = c.orthonormal_seed {
        pre_init(isa, p, seed, &mut theta);
    }
    let mut tracker = Scales::new(&p.layout, &theta);
    let mut rec = Recorder::new("lsuv");
    let mut h = Values::inputs(p.x.slice(ndarray::s![..b, ..]));
    let mut blocks = p.layout.iter().enumerate().peekable();
    for layer in p.spec.layers() {
        match *layer {
            Layer::Activation(a) => h.activate(isa, a),
            Layer::SumFeatures => h = h.sum_features(),
            Layer::Linear { .. } => {
                let (k, weight) = blocks.next().expect("a Linear layer has a weight block");
                let bias = blocks
                    .next_if(|(_, n)| n.layer == weight.layer && n.kind == ParamKind::Bias)
                    .map(|(_, n)| theta[n.range()].to_vec());
                let w: Vec<f32> = theta[weight.range()].iter().map(|&v| v as f32).collect();
                h = h.product(isa, &w, weight.rows);
                let fit = LayerFit {
                    moments: h.moments(isa),
                    bias: bias.as_deref(),
                    rows: b,
                    tensor: k,
                    layer: weight.layer,
                };
                let (scale, finite) = fit.run(c, &mut tracker, &mut rec);
                rescale(&mut theta[weight.range()], scale);
                if !finite {
                    rec.diverged("output variance");
                    return Ok((theta, rec.finish()));
                }
                h.affine(isa, scale, bias.as_deref());
            }
        }
    }
    Ok((theta, rec.finish()))
}

/// One Linear layer's output on the batch, as LSUV rescales it.
struct LayerFit<'a> {
    /// Per-feature moments of A = h·Wᵀ.
    moments: Vec<Moments>,
    bias: Option<&'a [f64]>,
    /// Rows of the batch.
    rows: usize,
    /// The weight's index in the layout.
    tensor: usize,
    /// The layer's index in the spec.
    layer: usize,
}

impl LayerFit<'_> {
    /// The iterations: measure v = Var(c·A + b), stop when |v − 1| ≤ tol or at the last
    /// iteration, else c ← c/√v; one trace step each. Returns c, and false if a variance was
    /// not finite or 0 (the run stops there, with c as it was).
    fn run(&self, c: &LsuvConfig, tracker: &mut Scales, rec: &mut Recorder) -> (f64, bool) {
        let mut scale = 1.0;
        for iteration in 0..=c.max_iterations {
            let v = variance(&self.moments, self.bias, scale, self.rows);
            if !v.is_finite() || v == 0.0 {
                return (scale, false);
            }
            let done = (v - 1.0).abs() <= c.tol || iteration == c.max_iterations;
            if !done {
                scale /= v.sqrt();
                tracker.set(self.tensor, scale);
            }
            let kind = StepKind::Rescale { layer: self.layer };
            rec.step(kind, Some(v), None, tracker.scales.clone());
            if done {
                break;
            }
        }
        (scale, true)
    }
}

/// W ← c·W, once per layer (the iterations only track c).
fn rescale(w: &mut [f64], c: f64) {
    w.iter_mut().for_each(|v| *v *= c);
}

/// Replaces every weight matrix by an orthonormal one (gain 1), keyed by its offset.
fn pre_init(isa: Isa, p: &Problem, seed: u64, theta: &mut [f64]) {
    for block in p.layout.iter().filter(|b| b.kind == ParamKind::Weight) {
        let mut w = vec![0.0f32; block.len()];
        orthonormal::orthonormal(isa, seed, block.offset, block.rows, block.cols, &mut w);
        theta[block.range()]
            .iter_mut()
            .zip(w)
            .for_each(|(t, v)| *t = f64::from(v));
    }
}

/// Per tensor, the scale relative to the start (after the pre-init): the product of the
/// rescales applied, and 1 for a tensor of norm 0 (which rescaling leaves as it is).
struct Scales {
    scales: Vec<f64>,
    zero: Vec<bool>,
}

impl Scales {
    fn new(layout: &[ParamBlock], theta: &[f64]) -> Self {
        Self {
            scales: vec![1.0; layout.len()],
            zero: layout
                .iter()
                .map(|b| theta[b.range()].iter().all(|&v| v == 0.0))
                .collect(),
        }
    }

    fn set(&mut self, k: usize, scale: f64) {
        if !self.zero[k] {
            self.scales[k] = scale;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Data;
    use initsift_nn::{Loss, ModelSpec};

    /// The whole run, pre-init included, on every ISA the machine has: the same bits.
    #[test]
    fn every_isa_gives_the_same_bits() {
        let digits = initsift_data::builtin::digits()
            .unwrap()
            .first(100)
            .unwrap();
        let x = digits.features().mapv(|v| v / 16.0);
        let y = digits.one_hot().unwrap();
        for (widths, act) in [("64-32-10", "relu"), ("64-48-48-10", "tanh")] {
            let spec = ModelSpec::mlp(widths, act.parse().unwrap()).unwrap();
            let base: Vec<f32> = (0..spec.param_len())
                .map(|i| (i as f32 * 0.1).sin() * 0.2)
                .collect();
            let p = Problem::new(
                &spec,
                &base,
                Data::new(x.view(), y.view(), Loss::CrossEntropy),
                false,
            )
            .unwrap();
            let config = LsuvConfig {
                batch_size: Some(77),
                ..LsuvConfig::default()
            };
            let (reference, _) = run_on(Isa::Portable, &p, &config).unwrap();
            for isa in Isa::available() {
                let (theta, _) = run_on(isa, &p, &config).unwrap();
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&theta), bits(&reference), "{widths} {isa}");
            }
        }
    }
}
