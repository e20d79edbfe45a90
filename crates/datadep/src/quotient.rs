//! MetaInit's gradient quotient (the paper's Fig. 2, `gradient_quotient`), as one graph:
//! g = ∇_W L and Hg = ∇_W ½‖g‖² are graph values, GQ is differentiated a third time.

use initsift_nn::{Loss, ModelSpec, ParamBlock, ParamKind};
use initsift_tensor::{Graph, NodeId, Values};
use ndarray::ArrayView2;

use crate::error::Result;
use crate::problem::{Feed, batch_loss, declare_params, scale_gradient};

/// GQ = (1/N) Σ_i |(g_i − (Hg)_i)/(g_i + ε·s_i) − 1| over the N entries of the weight
/// matrices (biases are not tuned and not counted, as Fig. 2's `len(p.size()) >= 2`), with
/// s_i = +1 if g_i ≥ 0 else −1, held constant (the code's `.detach()`).
pub struct GradientQuotient {
    graph: Graph,
    weights: Vec<ParamBlock>,
    gq: NodeId,
    grad_first: usize,
    grads: Vec<NodeId>,
    values: Values<f64>,
    fed: Option<Feed>,
}

impl GradientQuotient {
    /// The graph for batches of `rows` rows.
    pub fn new(spec: &ModelSpec, loss: Loss, rows: usize, eps: f64) -> Result<Self> {
        let layout = spec.param_layout();
        let mut g = Graph::new();
        let params = declare_params(&mut g, &layout)?;
        let l = batch_loss(&mut g, spec, loss, &params, rows)?;
        let (weights, wnodes): (Vec<ParamBlock>, Vec<NodeId>) = layout
            .iter()
            .zip(&params)
            .filter(|(b, _)| b.kind == ParamKind::Weight)
            .map(|(b, &n)| (b.clone(), n))
            .unzip();
        let grads = g.grad(l, &wnodes)?;
        let sq = g.squared_norm(&grads)?;
        let half = g.scale(sq, 0.5);
        let hg = g.grad(half, &wnodes)?;
        let mut total = None;
        for (&gk, &hk) in grads.iter().zip(&hg) {
            let neg = g.neg(gk);
            let below = g.step(neg); // 1 where g < 0
            let s = g.scale(below, -2.0 * eps);
            let s = g.shift(s, eps); // ε·(+1 or −1)
            let den = g.add(gk, s)?;
            let num = g.sub(gk, hk)?;
            let q = g.div(num, den)?;
            let q = g.shift(q, -1.0);
            let a = g.abs(q);
            let part = g.sum(a);
            total = Some(match total {
                None => part,
                Some(t) => g.add(t, part)?,
            });
        }
        let count: usize = weights.iter().map(ParamBlock::len).sum();
        let gq = g.scale(
            total.expect("a Linear layer has a weight"),
            1.0 / count as f64,
        );
        let grad_first = g.len();
        let grads = g.grad(gq, &wnodes)?;
        let values = Values::for_graph(&g);
        Ok(Self {
            graph: g,
            weights,
            gq,
            grad_first,
            grads,
            values,
            fed: None,
        })
    }

    /// The weight blocks GQ is taken over, in layout order.
    pub fn weights(&self) -> &[ParamBlock] {
        &self.weights
    }

    /// GQ at `theta` on the batch (`x`, `y`).
    pub fn evaluate(
        &mut self,
        theta: &[f64],
        x: ArrayView2<'_, f64>,
        y: ArrayView2<'_, f64>,
    ) -> Result<f64> {
        self.graph
            .eval_range_into(theta, &[x, y], &mut self.values, 0, self.gq)?;
        self.fed = Some(Feed::new(theta, x, y));
        Ok(self.values.scalar(self.gq))
    }

    /// ∂GQ/∂α_k per weight tensor (θ_k = α_k·`base`_k) at the last evaluated point.
    pub fn scale_gradient(&mut self, base: &[f64]) -> Result<Vec<f64>> {
        let f = self.fed.as_ref().expect("evaluate() runs first");
        let last = *self.grads.iter().max().expect("weights");
        self.graph.eval_range_into(
            &f.theta,
            &[f.x.view(), f.y.view()],
            &mut self.values,
            self.grad_first,
            last,
        )?;
        let grads: Vec<&[f64]> = self.grads.iter().map(|&n| self.values.slice(n)).collect();
        Ok(scale_gradient(&self.weights, &grads, base))
    }
}
