//! MetaInit (the paper's Fig. 2): sign-SGD with momentum on each weight matrix's norm,
//! descending the gradient quotient. Biases are not tuned.

use initsift_nn::ParamKind;

use crate::config::{MetaInitConfig, batch_rows};
use crate::error::Result;
use crate::problem::{Problem, torch_sign};
use crate::quotient::GradientQuotient;
use crate::rescale::scaled;
use crate::trace::{Recorder, StepKind, Trace};

/// Runs MetaInit; step t uses the data's t-th chunk of B rows (cyclic, in order).
///
/// Per weight tensor W (norm n): s = sign(⟨W, ∂GQ/∂W⟩/n), m ← μ·m − lr·s, W ← W·(n + m)/n.
/// A weight matrix of norm 0 is skipped (Fig. 2 would divide by 0).
pub(crate) fn run(p: &Problem, c: &MetaInitConfig) -> Result<(Vec<f64>, Trace)> {
    c.validate()?;
    let b = batch_rows("meta_init", c.batch_size, p.rows(), 1)?;
    let mut gq = GradientQuotient::new(&p.spec, p.loss, b, c.eps)?;
    let weights: Vec<usize> = (0..p.layout.len())
        .filter(|&k| p.layout[k].kind == ParamKind::Weight)
        .collect();
    let base_norms: Vec<f64> = weights
        .iter()
        .map(|&k| {
            p.base[p.layout[k].range()]
                .iter()
                .map(|v| v * v)
                .sum::<f64>()
                .sqrt()
        })
        .collect();
    let mut scales = vec![1.0; p.layout.len()];
    let mut memory = vec![0.0; weights.len()];
    let mut rec = Recorder::new("meta_init");
    for t in 0..c.iterations {
        let theta = scaled(&p.layout, &p.base, &scales);
        let (x, y) = p.chunk(t, b);
        let q = gq.evaluate(&theta, x.view(), y.view())?;
        if !q.is_finite() {
            rec.diverged("objective");
            break;
        }
        let h = gq.scale_gradient(&p.base)?;
        let mut next = scales.clone();
        for (i, &k) in weights.iter().enumerate() {
            let n = scales[k].abs() * base_norms[i];
            if n == 0.0 {
                continue;
            }
            // ⟨W, ∂GQ/∂W⟩ = α_k·∂GQ/∂α_k.
            let s = torch_sign(scales[k] * h[i]);
            memory[i] = c.momentum * memory[i] - c.lr * s;
            next[k] = scales[k] * (n + memory[i]) / n;
        }
        if next.iter().any(|v| !v.is_finite()) {
            rec.diverged("scale");
            break;
        }
        scales = next;
        rec.step(StepKind::Objective, Some(q), None, scales.clone());
    }
    Ok((scaled(&p.layout, &p.base, &scales), rec.finish()))
}
