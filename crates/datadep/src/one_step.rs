//! GradInit's quantities as graphs: the gradient norm N(g) on S (differentiated again for
//! constraint steps) and the loss one optimizer step later on S̃.

use initsift_nn::{Loss, ModelSpec, ParamBlock};
use initsift_tensor::{Graph, NodeId, Values};
use ndarray::ArrayView2;

use crate::config::StepOptimizer;
use crate::error::Result;
use crate::problem::{Feed, batch_loss, declare_params, scale_gradient, torch_sign};

/// N(g) and its pieces at one point.
#[derive(Debug, Clone, PartialEq)]
pub struct NormValues {
    /// L(S; θ).
    pub loss: f64,
    /// N(g): ‖g‖₂ for SGD, ‖g‖₁ for Adam.
    pub norm: f64,
    /// The step direction d (detached, as the code's `grad.detach()` / `grad.sign()`), flat.
    pub direction: Vec<f64>,
}

/// GradInit's objective and constraint for one model, loss, batch size 2m and optimizer.
pub struct OneStepLoss {
    layout: Vec<ParamBlock>,
    optimizer: StepOptimizer,
    normalize: bool,
    eta: f64,
    first: Graph,
    first_nodes: (NodeId, Vec<NodeId>, NodeId),
    constraint: (usize, Vec<NodeId>),
    first_values: Values<f64>,
    second: Graph,
    second_nodes: (NodeId, Vec<NodeId>),
    second_values: Values<f64>,
    fed: Option<Feed>,
}

impl OneStepLoss {
    /// Graphs for batches of `rows` rows (S and S̃ have the same size).
    pub fn new(
        spec: &ModelSpec,
        loss: Loss,
        rows: usize,
        optimizer: StepOptimizer,
        normalize_grad: bool,
        eta: f64,
    ) -> Result<Self> {
        let layout = spec.param_layout();
        let mut g = Graph::new();
        let params = declare_params(&mut g, &layout)?;
        let l = batch_loss(&mut g, spec, loss, &params, rows)?;
        let grads = g.grad(l, &params)?;
        let norm = match optimizer {
            StepOptimizer::Sgd => {
                let sq = g.squared_norm(&grads)?;
                g.sqrt(sq)
            }
            StepOptimizer::Adam => {
                let mut total = None;
                for &gk in &grads {
                    let a = g.abs(gk);
                    let s = g.sum(a);
                    total = Some(match total {
                        None => s,
                        Some(t) => g.add(t, s)?,
                    });
                }
                total.expect("a model with a Linear layer has a tensor")
            }
        };
        let first_start = g.len();
        let constraint = (first_start, g.grad(norm, &params)?);
        let first_values = Values::for_graph(&g);

        let mut g2 = Graph::new();
        let params2 = declare_params(&mut g2, &layout)?;
        let l2 = batch_loss(&mut g2, spec, loss, &params2, rows)?;
        let grads2 = g2.grad(l2, &params2)?;
        let second_values = Values::for_graph(&g2);
        Ok(Self {
            layout,
            optimizer,
            normalize: normalize_grad,
            eta,
            first: g,
            first_nodes: (l, grads, norm),
            constraint,
            first_values,
            second: g2,
            second_nodes: (l2, grads2),
            second_values,
            fed: None,
        })
    }

    /// L(S; θ), N(g) and the step direction d on S = (`x`, `y`).
    pub fn norm(
        &mut self,
        theta: &[f64],
        x: ArrayView2<'_, f64>,
        y: ArrayView2<'_, f64>,
    ) -> Result<NormValues> {
        let (l, grads, norm) = &self.first_nodes;
        let last = grads.iter().copied().fold((*l).max(*norm), NodeId::max);
        self.first
            .eval_range_into(theta, &[x, y], &mut self.first_values, 0, last)?;
        let n = self.first_values.scalar(*norm);
        self.fed = Some(Feed::new(theta, x, y));
        let mut direction = Vec::with_capacity(theta.len());
        for &gk in grads {
            direction.extend_from_slice(self.first_values.slice(gk));
        }
        match self.optimizer {
            StepOptimizer::Sgd if self.normalize => direction.iter_mut().for_each(|d| *d /= n),
            StepOptimizer::Sgd => {}
            StepOptimizer::Adam => direction.iter_mut().for_each(|d| *d = torch_sign(*d)),
        }
        Ok(NormValues {
            loss: self.first_values.scalar(*l),
            norm: n,
            direction,
        })
    }

    /// ∂N(g)/∂α_k (θ = α ⊙ `base`) at the point of the last [`OneStepLoss::norm`].
    pub fn constraint_gradient(&mut self, base: &[f64]) -> Result<Vec<f64>> {
        let f = self.fed.as_ref().expect("norm() runs first");
        let (first, nodes) = &self.constraint;
        let last = *nodes.iter().max().expect("tensors");
        let inputs = [f.x.view(), f.y.view()];
        self.first
            .eval_range_into(&f.theta, &inputs, &mut self.first_values, *first, last)?;
        let grads: Vec<&[f64]> = nodes.iter().map(|&n| self.first_values.slice(n)).collect();
        Ok(scale_gradient(&self.layout, &grads, base))
    }

    /// J = L(S̃; θ − η·d)/η and ∂J/∂α_k with d held fixed (the code detaches it), on
    /// S̃ = (`x`, `y`).
    pub fn objective(
        &mut self,
        theta: &[f64],
        direction: &[f64],
        x: ArrayView2<'_, f64>,
        y: ArrayView2<'_, f64>,
        base: &[f64],
    ) -> Result<(f64, Vec<f64>)> {
        let stepped: Vec<f64> = theta
            .iter()
            .zip(direction)
            .map(|(t, d)| t - self.eta * d)
            .collect();
        self.second
            .eval_into(&stepped, &[x, y], &mut self.second_values)?;
        let (l, grads) = &self.second_nodes;
        let j = self.second_values.scalar(*l) / self.eta;
        let grads: Vec<&[f64]> = grads.iter().map(|&n| self.second_values.slice(n)).collect();
        let mut h = scale_gradient(&self.layout, &grads, base);
        h.iter_mut().for_each(|v| *v /= self.eta);
        Ok((j, h))
    }
}
