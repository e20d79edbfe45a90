//! Symbolic reverse mode: gradients are appended to the graph as ordinary nodes.
//!
//! This is PyTorch's `create_graph=True`: a gradient is a node, so a gradient norm or the cosine
//! of two gradients can itself be differentiated (GradInit, NIO), and the same interpreter
//! evaluates everything, in any element type.

use crate::error::{Error, Result};
use crate::graph::{Binary, Graph, NodeId, Op, Shape, Unary};

impl Graph {
    /// The gradient of the scalar `y` with respect to each node of `wrt`, as new nodes of the
    /// same shapes. A node `y` does not depend on gets a zero gradient.
    pub fn grad(&mut self, y: NodeId, wrt: &[NodeId]) -> Result<Vec<NodeId>> {
        self.check_id(y)?;
        let shape = self.shape(y);
        if shape != Shape::SCALAR {
            return Err(Error::NonScalarOutput(shape));
        }
        let seed = self.constant(1.0, Shape::SCALAR)?;
        self.vjp(y, seed, wrt)
    }

    /// The vector–Jacobian product `seedᵀ · ∂y/∂w` for each `w` in `wrt`, where `seed` has the
    /// shape of `y`.
    pub fn vjp(&mut self, y: NodeId, seed: NodeId, wrt: &[NodeId]) -> Result<Vec<NodeId>> {
        self.check_id(y)?;
        self.check_id(seed)?;
        for &w in wrt {
            self.check_id(w)?;
        }
        let (sy, ss) = (self.shape(y), self.shape(seed));
        if sy != ss {
            let rule = "the seed must have the output's shape";
            return Err(Error::ShapeMismatch {
                op: "vjp",
                left: sy,
                right: ss,
                rule,
            });
        }
        // Only nodes between `wrt` and `y` carry adjoints.
        let end = y.index() + 1;
        let mut depends = vec![false; end];
        for &w in wrt {
            if w.index() < end {
                depends[w.index()] = true;
            }
        }
        for i in 0..end {
            if !depends[i] {
                depends[i] = self.nodes()[i].op.args().any(|a| depends[a.index()]);
            }
        }
        let mut adjoint: Vec<Option<NodeId>> = vec![None; end];
        adjoint[y.index()] = Some(seed);
        for i in (0..end).rev() {
            let Some(g) = adjoint[i] else { continue };
            if !depends[i] {
                continue;
            }
            let node = self.nodes()[i];
            let out = NodeId(i as u32);
            for (arg, contribution) in self.local_vjps(node.op, out, g)? {
                if !depends[arg.index()] {
                    continue;
                }
                adjoint[arg.index()] = Some(match adjoint[arg.index()] {
                    None => contribution,
                    Some(acc) => self.add(acc, contribution)?,
                });
            }
        }
        wrt.iter()
            .map(|&w| match adjoint.get(w.index()).copied().flatten() {
                Some(g) => Ok(g),
                None => {
                    let s = self.shape(w);
                    self.constant(0.0, s)
                }
            })
            .collect()
    }

    /// For the node `out = op(args)` with upstream adjoint `g`, the adjoint contribution to each
    /// argument, built from ordinary (hence differentiable) ops. Kinks follow PyTorch.
    fn local_vjps(&mut self, op: Op, out: NodeId, g: NodeId) -> Result<Vec<(NodeId, NodeId)>> {
        let mut res = Vec::with_capacity(2);
        match op {
            Op::Input(_) | Op::Param { .. } | Op::Const(_) => {}
            Op::MatMul { a, b, ta, tb } => {
                // C = A'B' with A' = op(A), B' = op(B): dA' = g B'ᵀ, dB' = A'ᵀ g.
                let ga = if ta {
                    self.matmul_t(b, tb, g, true)?
                } else {
                    self.matmul_t(g, false, b, !tb)?
                };
                let gb = if tb {
                    self.matmul_t(g, true, a, ta)?
                } else {
                    self.matmul_t(a, !ta, g, false)?
                };
                res.push((a, ga));
                res.push((b, gb));
            }
            Op::Binary(f, a, b) => {
                let (sa, sb) = (self.shape(a), self.shape(b));
                let (da, db) = match f {
                    Binary::Add => (g, g),
                    Binary::Sub => (g, self.neg(g)),
                    Binary::Mul => (self.mul(g, b)?, self.mul(g, a)?),
                    Binary::Div => {
                        // d(a/b)/db = −(a/b)/b.
                        let go = self.mul(g, out)?;
                        let q = self.div(go, b)?;
                        (self.div(g, b)?, self.neg(q))
                    }
                };
                res.push((a, self.sum_to(da, sa)?));
                res.push((b, self.sum_to(db, sb)?));
            }
            Op::Unary(f, a) => {
                if let Some(d) = self.unary_vjp(f, a, out, g)? {
                    res.push((a, d));
                }
            }
            Op::SumTo(a) => {
                let s = self.shape(a);
                res.push((a, self.broadcast(g, s)?));
            }
            Op::Broadcast(a) => {
                let s = self.shape(a);
                res.push((a, self.sum_to(g, s)?));
            }
            Op::LogSumExpTo(a) => {
                // ∂ lse / ∂x = softmax(x) = exp(x − lse), within each reduced group.
                let s = self.shape(a);
                let gb = self.broadcast(g, s)?;
                let lse = self.broadcast(out, s)?;
                let centered = self.sub(a, lse)?;
                let soft = self.exp(centered);
                res.push((a, self.mul(gb, soft)?));
            }
        }
        Ok(res)
    }

    fn unary_vjp(&mut self, f: Unary, a: NodeId, out: NodeId, g: NodeId) -> Result<Option<NodeId>> {
        let local = match f {
            Unary::Neg => return Ok(Some(self.neg(g))),
            Unary::Scale(c) => return Ok(Some(self.scale(g, c))),
            Unary::Shift(_) => return Ok(Some(g)),
            // Their derivative is zero almost everywhere: they contribute nothing.
            Unary::Step | Unary::Sign => return Ok(None),
            Unary::Relu => self.step(a),
            Unary::LeakyRelu(s) => {
                // 1 where x > 0, s elsewhere (s at 0, as PyTorch).
                let st = self.step(a);
                let sc = self.scale(st, 1.0 - s);
                self.shift(sc, s)
            }
            Unary::Abs => self.sign(a),
            Unary::Tanh => {
                let sq = self.square(out);
                let neg = self.neg(sq);
                self.shift(neg, 1.0)
            }
            Unary::Sigmoid => {
                let neg = self.neg(out);
                let one_minus = self.shift(neg, 1.0);
                self.mul(out, one_minus)?
            }
            Unary::Elu(alpha) => {
                // 1 where x > 0, α·eˣ elsewhere (α at 0, as PyTorch).
                // Fix: this was `s + αeˣ − s·αeˣ` (s = step(x)), which cancels catastrophically
                // once αeˣ ≫ 1 (elu'(50) came out 0 in f64, elu'(x > ~17) 0 or 2 in f32) and is
                // inf − inf = NaN once eˣ overflows. Now s + (1 − s)·α·e^min(x, 0): the
                // exponential never exceeds 1 and each branch is exact. min(x, 0) is built as
                // x − relu(x), whose derivative is 1 at 0, so elu''(0) = α as in PyTorch's
                // double backward.
                let st = self.step(a);
                let relu_a = self.relu(a);
                let min0 = self.sub(a, relu_a)?; // min(x, 0)
                let ex = self.exp(min0);
                let e = self.scale(ex, alpha);
                let nst = self.neg(st);
                let not_pos = self.shift(nst, 1.0); // 1 where x ≤ 0
                let neg_branch = self.mul(not_pos, e)?;
                self.add(st, neg_branch)?
            }
            Unary::Exp => out,
            Unary::Log => return Ok(Some(self.div(g, a)?)),
            Unary::Sqrt => {
                let twice = self.scale(out, 2.0);
                return Ok(Some(self.div(g, twice)?));
            }
            Unary::Square => self.scale(a, 2.0),
            Unary::Softplus => self.sigmoid(a),
        };
        Ok(Some(self.mul(g, local)?))
    }
}
