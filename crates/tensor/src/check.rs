//! Gradient checking by central finite differences in `f64`.

use ndarray::ArrayView2;

use crate::error::Result;
use crate::graph::{Graph, NodeId};

/// How far an analytic gradient is from a numerical one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradCheck {
    /// Largest |analytic − numeric|.
    pub max_abs_err: f64,
    /// Largest |analytic − numeric| / max(1, |numeric|): relative for large entries, absolute
    /// for small ones, so entries near zero do not blow up.
    pub max_rel_err: f64,
    /// The index where `max_rel_err` was reached.
    pub worst: usize,
}

/// Central-difference gradient of `f` at `at`, with step `h_i = h · max(1, |θ_i|)`.
pub fn numerical_gradient(mut f: impl FnMut(&[f64]) -> f64, at: &[f64], h: f64) -> Vec<f64> {
    let mut x = at.to_vec();
    (0..at.len())
        .map(|i| {
            let step = h * at[i].abs().max(1.0);
            x[i] = at[i] + step;
            let up = f(&x);
            x[i] = at[i] - step;
            let down = f(&x);
            x[i] = at[i];
            (up - down) / (2.0 * step)
        })
        .collect()
}

/// Compares an analytic gradient with a numerical one, entry by entry.
///
/// # Panics
/// If the two have different lengths.
pub fn compare(analytic: &[f64], numeric: &[f64]) -> GradCheck {
    assert_eq!(
        analytic.len(),
        numeric.len(),
        "gradients of different lengths"
    );
    let mut res = GradCheck {
        max_abs_err: 0.0,
        max_rel_err: 0.0,
        worst: 0,
    };
    for (i, (&a, &n)) in analytic.iter().zip(numeric).enumerate() {
        let abs = (a - n).abs();
        let rel = abs / n.abs().max(1.0);
        // Fix: was `res.max_abs_err.max(abs)`, and `f64::max` drops a NaN, so a NaN gradient
        // entry left `max_abs_err` finite (e.g. 0) and a `max_abs_err < tol` check passed.
        // Now a NaN is kept once seen.
        if !res.max_abs_err.is_nan() && (abs.is_nan() || abs > res.max_abs_err) {
            res.max_abs_err = abs;
        }
        if rel > res.max_rel_err || rel.is_nan() {
            res.max_rel_err = rel;
            res.worst = i;
        }
    }
    res
}

/// Checks the symbolic gradient of the scalar node `y` with respect to all parameters against
/// central differences, at `params` and `inputs`. The graph gains the gradient nodes.
///
/// ```
/// use initsift_tensor::{Graph, Shape, check::check_param_grad};
/// # fn main() -> Result<(), initsift_tensor::Error> {
/// let mut g = Graph::new();
/// let x = g.input(Shape::new(3, 2))?;
/// let w = g.param(Shape::new(2, 1))?;
/// let z = g.matmul(x, w)?;
/// let s = g.softplus(z);
/// let y = g.mean(s);
/// let xs = ndarray::arr2(&[[1.0, -2.0], [0.5, 0.5], [3.0, 0.0]]);
/// let c = check_param_grad(&mut g, y, &[0.3, -0.7], &[xs.view()])?;
/// // Central differences in f64 with h = 1e-6 are accurate to ~1e-9 here.
/// assert!(c.max_rel_err < 1e-6, "{c:?}");
/// # Ok(()) }
/// ```
pub fn check_param_grad(
    graph: &mut Graph,
    y: NodeId,
    params: &[f64],
    inputs: &[ArrayView2<'_, f64>],
) -> Result<GradCheck> {
    let param_nodes: Vec<NodeId> = (0..graph.len())
        .map(|i| NodeId(i as u32))
        .filter(|&id| matches!(graph.node(id).op, crate::graph::Op::Param { .. }))
        .collect();
    let grads = graph.grad(y, &param_nodes)?;
    let values = graph.eval(params, inputs)?;
    let mut analytic = vec![0.0; params.len()];
    for (&p, &g) in param_nodes.iter().zip(&grads) {
        let crate::graph::Op::Param { offset } = graph.node(p).op else {
            unreachable!()
        };
        let block = values.slice(g);
        analytic[offset..offset + block.len()].copy_from_slice(block);
    }
    let g = &*graph;
    let numeric = numerical_gradient(
        |theta| {
            g.eval(theta, inputs)
                .map(|v| v.scalar(y))
                .unwrap_or(f64::NAN)
        },
        params,
        1e-6,
    );
    Ok(compare(&analytic, &numeric))
}
