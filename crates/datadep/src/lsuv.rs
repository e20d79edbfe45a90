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
use initsift_nn::{ModelSpec, ParamKind};
use initsift_tensor::Graph;

use crate::config::{LsuvConfig, batch_rows};
use crate::error::Result;
use crate::problem::Problem;
use crate::trace::{Recorder, StepKind, Trace};

/// Runs LSUV on the first B rows of the data.
pub(crate) fn run(p: &Problem, c: &LsuvConfig) -> Result<(Vec<f64>, Trace)> {
    c.validate()?;
    let b = batch_rows("lsuv", c.batch_size, p.rows(), 1)?;
    let x = p.x.slice(ndarray::s![..b, ..]);
    let mut theta = p.base.clone();
    if let Some(seed) = c.orthonormal_seed {
        orthonormal(p, seed, &mut theta)?;
    }
    let start = theta.clone();
    let mut rec = Recorder::new("lsuv");
    for block in &p.layout {
        if block.kind != ParamKind::Weight {
            continue;
        }
        let prefix = ModelSpec::new(
            p.spec.name(),
            p.spec.input_dim(),
            p.spec.layers()[..=block.layer].to_vec(),
        )?;
        let n_params = prefix.param_len();
        let mut g = Graph::new();
        let input = g.input(initsift_tensor::Shape::new(b, p.spec.input_dim()))?;
        let out = prefix.build(&mut g, input)?.output;
        for iteration in 0..=c.max_iterations {
            let values = g.eval(&theta[..n_params], &[x])?;
            let v = variance(values.slice(out));
            if !v.is_finite() || v == 0.0 {
                rec.diverged("output variance");
                return Ok((theta, rec.finish()));
            }
            let done = (v - 1.0).abs() <= c.tol || iteration == c.max_iterations;
            if !done {
                let r = v.sqrt();
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

/// Population variance (numpy's `np.var`).
fn variance(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n
}

/// Per tensor ‖θ_k‖/‖start_k‖ (1 for tensors of norm 0).
fn scales(p: &Problem, start: &[f64], theta: &[f64]) -> Vec<f64> {
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    p.layout
        .iter()
        .map(|b| {
            let s = norm(&start[b.range()]);
            if s == 0.0 { 1.0 } else { norm(&theta[b.range()]) / s }
        })
        .collect()
}
