//! LSUV (Mishkin & Matas 2016), following the official Caffe script
//! (`ducha-aiki/LSUVinit`, `tools/extra/lsuv_init.py`): orthonormal pre-init of every weight
//! matrix, then layer by layer, on one batch, W ← W/√v while |v − 1| > tol, where v is the
//! population variance of the layer's output (the Linear's output, before its activation) over
//! every element of the batch.
//!
//! The pre-init uses initsift-init's orthogonal scheme (PyTorch's `orthogonal_`: QR of a
//! Gaussian matrix with the sign fix) where the script takes the SVD of one; both give a
//! uniformly random orthonormal matrix. Biases are kept as the base init has them.

use initsift_init::{Scheme, Stream};
use initsift_nn::{ModelSpec, ParamBlock, ParamKind};
use initsift_tensor::{Graph, Shape};

use crate::config::{LsuvConfig, batch_rows};
use crate::error::Result;
use crate::problem::Problem;
use crate::trace::{Recorder, StepKind, Trace};

/// Runs LSUV on the first B rows of the data.
///
/// Rescaling W by c turns the layer's output z = h·Wᵀ + b into c·(h·Wᵀ) + b, so each layer
/// takes one forward pass to its input h and one product A = h·Wᵀ; the iterations then
/// measure Var(c·A + b) for the running c, as a forward pass with W·c would (up to rounding).
pub(crate) fn run(p: &Problem, c: &LsuvConfig) -> Result<(Vec<f64>, Trace)> {
    c.validate()?;
    let b = batch_rows("lsuv", c.batch_size, p.rows(), 1)?;
    let x = p.x.slice(ndarray::s![..b, ..]).mapv(f64::from);
    let mut theta = p.base.clone();
    if let Some(seed) = c.orthonormal_seed {
        orthonormal(p, seed, &mut theta)?;
    }
    let start = theta.clone();
    let mut rec = Recorder::new("lsuv");
    for (k, block) in p.layout.iter().enumerate() {
        if block.kind != ParamKind::Weight {
            continue;
        }
        let bias = p
            .layout
            .get(k + 1)
            .filter(|n| n.layer == block.layer && n.kind == ParamKind::Bias);
        let (product, bias_values) = layer_product(p, block, bias, &theta, &x)?;
        let mut scale = 1.0;
        for iteration in 0..=c.max_iterations {
            let v = variance(&product, bias_values.as_deref(), scale);
            if !v.is_finite() || v == 0.0 {
                rec.diverged("output variance");
                return Ok((theta, rec.finish()));
            }
            let done = (v - 1.0).abs() <= c.tol || iteration == c.max_iterations;
            if !done {
                let r = v.sqrt();
                scale /= r;
                theta[block.range()].iter_mut().for_each(|w| *w /= r);
            }
            rec.step(
                StepKind::Rescale { layer: block.layer },
                Some(v),
                None,
                scales(p, &start, &theta),
            );
            if done {
                break;
            }
        }
    }
    Ok((theta, rec.finish()))
}

/// A = h·Wᵀ for the Linear layer of `weight` (h: the model's layers before it, on `x`),
/// row-major, and the bias values broadcast per column (if the layer has a bias).
fn layer_product(
    p: &Problem,
    weight: &ParamBlock,
    bias: Option<&ParamBlock>,
    theta: &[f64],
    x: &ndarray::Array2<f64>,
) -> Result<(Vec<f64>, Option<Vec<f64>>)> {
    let layers = p.spec.layers()[..weight.layer].to_vec();
    let before = ModelSpec::new(p.spec.name(), p.spec.input_dim(), layers)?;
    let n_before = before.param_len();
    let mut g = Graph::new();
    let input = g.input(Shape::new(x.nrows(), x.ncols()))?;
    let h = before.build(&mut g, input)?.output;
    let w = g.param(Shape::new(weight.rows, weight.cols))?;
    let product = g.matmul_t(h, false, w, true)?;
    let params = &theta[..n_before];
    let params: Vec<f64> = params
        .iter()
        .chain(&theta[weight.range()])
        .copied()
        .collect();
    let values = g.eval(&params, &[x.view()])?;
    let bias = bias.map(|b| theta[b.range()].to_vec());
    Ok((values.slice(product).to_vec(), bias))
}

/// Population variance (numpy's `np.var`) of c·A + b over every element.
fn variance(product: &[f64], bias: Option<&[f64]>, c: f64) -> f64 {
    let z = |f: &mut dyn FnMut(f64)| match bias {
        Some(b) => product
            .chunks_exact(b.len())
            .for_each(|row| row.iter().zip(b).for_each(|(&a, &b)| f(c * a + b))),
        None => product.iter().for_each(|&a| f(c * a)),
    };
    let n = product.len() as f64;
    let mut sum = 0.0;
    z(&mut |v| sum += v);
    let mean = sum / n;
    let mut squares = 0.0;
    z(&mut |v| squares += (v - mean) * (v - mean));
    squares / n
}

/// Replaces every weight matrix by an orthonormal one (gain 1), tensor k from stream index k.
fn orthonormal(p: &Problem, seed: u64, theta: &mut [f64]) -> Result<()> {
    for (k, block) in p.layout.iter().enumerate() {
        if block.kind == ParamKind::Weight {
            let scheme = Scheme::Orthogonal { gain: 1.0 };
            let stream = Stream::for_tensor(&scheme, block.rows, block.cols, seed)?;
            let w = stream.candidate(k as u64);
            theta[block.range()]
                .iter_mut()
                .zip(w)
                .for_each(|(t, v)| *t = f64::from(v));
        }
    }
    Ok(())
}

/// Per tensor ‖θ_k‖/‖start_k‖ (1 for tensors of norm 0).
fn scales(p: &Problem, start: &[f64], theta: &[f64]) -> Vec<f64> {
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    p.layout
        .iter()
        .map(|b| {
            let s = norm(&start[b.range()]);
            if s == 0.0 {
                1.0
            } else {
                norm(&theta[b.range()]) / s
            }
        })
        .collect()
}
