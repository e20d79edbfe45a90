//! GradCosine and the quantities NIO optimises, as one graph: the sub-batch gradients g_d are
//! graph values (PyTorch's `create_graph=True`), so GC, GN and V are differentiated again by
//! the engine's symbolic grad.

use std::ops::Range;

use initsift_nn::{Loss, ModelSpec, ParamBlock};
use initsift_tensor::{Graph, NodeId, Values};
use ndarray::{ArrayView2, s};

use crate::config::OptTarget;
use crate::error::Result;
use crate::problem::{Feed, batch_loss, declare_params, scale_gradient};
use crate::subbatch::sub_batches;

/// GC, GN, V and NIO's objective J at one point (see [`GradCosine`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradCosineValues {
    /// GC = 1/(D(D−1)) Σ_{i≠j} ⟨g_i, g_j⟩/(‖g_i‖‖g_j‖).
    pub gc: f64,
    /// GN = mean_d ‖g_d‖ (the constrained quantity).
    pub gn: f64,
    /// V = Σ_p Var_d(g_d,p) (population variance over the D sub-batches, per coordinate p).
    pub var: f64,
    /// J of the config's `opt_target` (minimised).
    pub objective: f64,
}

/// Which derivative to take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// The objective J.
    Objective,
    /// The constrained quantity (GN for NIO, ‖g‖ for GradInit).
    Constraint,
}

struct Derivative {
    first: usize,
    nodes: Vec<NodeId>,
}

/// NIO's quantities for one model, loss, batch size B, D sub-batches and overlap r.
///
/// Call [`GradCosine::evaluate`] at θ, then [`GradCosine::scale_gradient`] for ∂J/∂α or
/// ∂GN/∂α at the same point (only the derivative asked for is evaluated).
pub struct GradCosine {
    graph: Graph,
    layout: Vec<ParamBlock>,
    ranges: Vec<Range<usize>>,
    nodes: [NodeId; 4],
    objective: Derivative,
    constraint: Derivative,
    values: Values<f64>,
    fed: Option<Feed>,
}

impl GradCosine {
    /// Builds the graph. Requires 2 ≤ `d` ≤ `batch` and 0 ≤ `r` < 1 (checked by
    /// [`crate::NioConfig`]; here they only shape the graph).
    pub fn new(
        spec: &ModelSpec,
        loss: Loss,
        batch: usize,
        d: usize,
        r: f64,
        target: OptTarget,
        gn_mul: f64,
    ) -> Result<Self> {
        let layout = spec.param_layout();
        let ranges = sub_batches(batch, d, r);
        let mut g = Graph::new();
        let params = declare_params(&mut g, &layout)?;
        let mut grads = Vec::with_capacity(d);
        for range in &ranges {
            let l = batch_loss(&mut g, spec, loss, &params, range.len())?;
            grads.push(g.grad(l, &params)?);
        }
        let mut norms = Vec::with_capacity(d);
        for gd in &grads {
            let sq = g.squared_norm(gd)?;
            norms.push(g.sqrt(sq));
        }
        let gc = cosine_mean(&mut g, &grads, &norms)?;
        let sum_norms = sum(&mut g, &norms)?;
        let gn = g.scale(sum_norms, 1.0 / d as f64);
        let var = variance(&mut g, &grads)?;
        let objective = objective(&mut g, target, gn_mul, gc, var, &norms, sum_norms)?;
        let constraint = Derivative {
            first: g.len(),
            nodes: g.grad(gn, &params)?,
        };
        let objective_grad = Derivative {
            first: g.len(),
            nodes: g.grad(objective, &params)?,
        };
        let values = Values::for_graph(&g);
        Ok(Self {
            graph: g,
            layout,
            ranges,
            nodes: [gc, gn, var, objective],
            objective: objective_grad,
            constraint,
            values,
            fed: None,
        })
    }

    /// The sub-batch row ranges.
    pub fn ranges(&self) -> &[Range<usize>] {
        &self.ranges
    }

    /// GC, GN, V and J at parameters `theta` on the batch `x`, `y` (B rows).
    pub fn evaluate(
        &mut self,
        theta: &[f64],
        x: ArrayView2<'_, f64>,
        y: ArrayView2<'_, f64>,
    ) -> Result<GradCosineValues> {
        let last = *self.nodes.iter().max().expect("four nodes");
        let inputs = feed(&self.ranges, x, y);
        self.graph
            .eval_range_into(theta, &inputs, &mut self.values, 0, last)?;
        let v = |n: NodeId| self.values.scalar(n);
        let [gc, gn, var, objective] = self.nodes;
        let out = GradCosineValues {
            gc: v(gc),
            gn: v(gn),
            var: v(var),
            objective: v(objective),
        };
        self.fed = Some(Feed::new(theta, x, y));
        Ok(out)
    }

    /// ∂/∂α_k of J or GN at the point of the last [`GradCosine::evaluate`], for θ = α ⊙ `base`
    /// (dJ/dα_k = ⟨∇_{θ_k} J, θ_k⁽⁰⁾⟩).
    pub fn scale_gradient(&mut self, which: Quantity, base: &[f64]) -> Result<Vec<f64>> {
        let f = self.fed.as_ref().expect("evaluate() runs first");
        let d = match which {
            Quantity::Objective => &self.objective,
            Quantity::Constraint => &self.constraint,
        };
        let inputs = feed(&self.ranges, f.x.view(), f.y.view());
        let last = *d.nodes.iter().max().expect("one node per tensor");
        self.graph
            .eval_range_into(&f.theta, &inputs, &mut self.values, d.first, last)?;
        let grads: Vec<&[f64]> = d.nodes.iter().map(|&n| self.values.slice(n)).collect();
        Ok(scale_gradient(&self.layout, &grads, base))
    }
}

/// Inputs in declaration order: x_d, y_d per sub-batch.
fn feed<'a>(
    ranges: &[Range<usize>],
    x: ArrayView2<'a, f64>,
    y: ArrayView2<'a, f64>,
) -> Vec<ArrayView2<'a, f64>> {
    ranges
        .iter()
        .flat_map(|r| {
            [
                x.slice_move(s![r.clone(), ..]),
                y.slice_move(s![r.clone(), ..]),
            ]
        })
        .collect()
}

fn sum(g: &mut Graph, nodes: &[NodeId]) -> Result<NodeId> {
    let mut total = nodes[0];
    for &n in &nodes[1..] {
        total = g.add(total, n)?;
    }
    Ok(total)
}

/// 2/(D(D−1)) Σ_{i<j} cos(g_i, g_j), equal to the code's mean over the off-diagonal.
fn cosine_mean(g: &mut Graph, grads: &[Vec<NodeId>], norms: &[NodeId]) -> Result<NodeId> {
    let d = grads.len();
    let mut cosines = Vec::new();
    for i in 0..d {
        for j in i + 1..d {
            let parts = grads[i]
                .iter()
                .zip(&grads[j])
                .map(|(&a, &b)| g.dot(a, b))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            let dot = sum(g, &parts)?;
            let nn = g.mul(norms[i], norms[j])?;
            cosines.push(g.div(dot, nn)?);
        }
    }
    let total = sum(g, &cosines)?;
    Ok(g.scale(total, 2.0 / (d * (d - 1)) as f64))
}

/// Σ_p (1/D) Σ_d (g_d[p] − mean_d g_d[p])².
fn variance(g: &mut Graph, grads: &[Vec<NodeId>]) -> Result<NodeId> {
    let d = grads.len();
    let mut deviations = Vec::new();
    for k in 0..grads[0].len() {
        let column: Vec<NodeId> = grads.iter().map(|gd| gd[k]).collect();
        let total = sum(g, &column)?;
        let mean = g.scale(total, 1.0 / d as f64);
        for &gd in &column {
            deviations.push(g.sub(gd, mean)?);
        }
    }
    let sq = g.squared_norm(&deviations)?;
    Ok(g.scale(sq, 1.0 / d as f64))
}

fn objective(
    g: &mut Graph,
    target: OptTarget,
    gn_mul: f64,
    gc: NodeId,
    var: NodeId,
    norms: &[NodeId],
    sum_norms: NodeId,
) -> Result<NodeId> {
    let squares: Vec<NodeId> = norms.iter().map(|&n| g.square(n)).collect();
    let sum_squares = sum(g, &squares)?;
    let (base, bonus) = match target {
        OptTarget::Gc => (g.neg(gc), None),
        OptTarget::GcGn => (g.neg(gc), Some(sum_squares)),
        OptTarget::GcGnSqrt => (g.neg(gc), Some(sum_norms)),
        OptTarget::Gv => (var, None),
        OptTarget::GvGn => (var, Some(sum_squares)),
        OptTarget::GvGnSqrt => (var, Some(sum_norms)),
    };
    match bonus {
        None => Ok(base),
        Some(b) => {
            let b = g.scale(b, gn_mul);
            Ok(g.sub(base, b)?)
        }
    }
}
