//! The interpreter: one forward loop over the arena, generic over the element type.
//!
//! All node values live in one flat buffer laid out once per graph, so repeated evaluation
//! (a training loop) allocates nothing. Because every node only reads nodes with smaller ids,
//! the buffer splits into "already computed" and "being written" without copies.

use ndarray::{ArrayView2, ArrayViewMut2, linalg::general_mat_mul};

use crate::error::{Error, Result};
use crate::graph::{Binary, Graph, NodeId, Op, Shape, Unary};
use crate::real::Real;
use crate::scalar::{sigmoid, softplus};

/// The values of every node of one graph evaluation, in one flat buffer.
#[derive(Debug, Clone)]
pub struct Values<T> {
    data: Vec<T>,
    offsets: Vec<usize>,
    shapes: Vec<Shape>,
}

impl<T: Real> Values<T> {
    /// A zeroed buffer laid out for `graph`.
    pub fn for_graph(graph: &Graph) -> Self {
        let mut offsets = Vec::with_capacity(graph.len());
        let mut total = 0;
        for node in graph.nodes() {
            offsets.push(total);
            total += node.shape.len();
        }
        let shapes = graph.nodes().iter().map(|n| n.shape).collect();
        Self {
            data: vec![T::zero(); total],
            offsets,
            shapes,
        }
    }

    /// True when this buffer is laid out for a graph with these nodes.
    ///
    /// Fix: this compared only the node count, so a buffer from another graph with as many
    /// nodes but other shapes was reused with the wrong offsets (a slice panic inside
    /// `eval_into`, or silently wrong values). Comparing the shapes costs one pass over tens
    /// of nodes, small next to evaluating them.
    fn fits(&self, graph: &Graph) -> bool {
        self.shapes.len() == graph.len()
            && self
                .shapes
                .iter()
                .zip(graph.nodes())
                .all(|(&s, n)| s == n.shape)
    }

    /// The value of a node, row-major.
    pub fn slice(&self, id: NodeId) -> &[T] {
        let i = id.index();
        &self.data[self.offsets[i]..self.offsets[i] + self.shapes[i].len()]
    }

    /// The value of a node as a 2-D view.
    pub fn get(&self, id: NodeId) -> ArrayView2<'_, T> {
        let s = self.shapes[id.index()];
        ArrayView2::from_shape((s.rows, s.cols), self.slice(id)).expect("layout matches shape")
    }

    /// The value of a 1×1 node (or the first element of any node).
    pub fn scalar(&self, id: NodeId) -> T {
        self.slice(id)[0]
    }
}

impl Graph {
    /// Evaluates every node at `params` (the flat parameter vector) and `inputs`.
    pub fn eval<T: Real>(&self, params: &[T], inputs: &[ArrayView2<'_, T>]) -> Result<Values<T>> {
        let mut values = Values::for_graph(self);
        self.eval_into(params, inputs, &mut values)?;
        Ok(values)
    }

    /// Evaluates every node into a buffer from an earlier evaluation (no allocation when the
    /// buffer already fits this graph).
    pub fn eval_into<T: Real>(
        &self,
        params: &[T],
        inputs: &[ArrayView2<'_, T>],
        values: &mut Values<T>,
    ) -> Result<()> {
        match self.nodes().len().checked_sub(1) {
            Some(last) => self.eval_until_into(params, inputs, values, NodeId(last as u32)),
            None => self.check_feed(params.len(), inputs),
        }
    }

    /// Evaluates nodes `0..=last` only: e.g. a forward pass of a graph that also holds its
    /// gradient (gradient nodes come after the loss). Later nodes keep stale values.
    pub fn eval_until_into<T: Real>(
        &self,
        params: &[T],
        inputs: &[ArrayView2<'_, T>],
        values: &mut Values<T>,
        last: NodeId,
    ) -> Result<()> {
        self.eval_range_into(params, inputs, values, 0, last)
    }

    /// Evaluates the nodes with index `first..=last` only, reading nodes before `first` from
    /// `values` as an earlier evaluation at the same `params` and `inputs` left them: e.g. one
    /// of two gradients appended after a shared forward pass (`first` = [`Graph::len`] before
    /// the gradient was appended), chosen once the forward values are known.
    /// A buffer that does not fit this graph is laid out afresh and evaluated from node 0.
    pub fn eval_range_into<T: Real>(
        &self,
        params: &[T],
        inputs: &[ArrayView2<'_, T>],
        values: &mut Values<T>,
        first: usize,
        last: NodeId,
    ) -> Result<()> {
        self.check_id(last)?;
        self.check_feed(params.len(), inputs)?;
        let mut first = first.min(last.index());
        if !values.fits(self) {
            *values = Values::for_graph(self);
            first = 0;
        }
        for (i, node) in self.nodes()[..=last.index()].iter().enumerate().skip(first) {
            let (done, rest) = values.data.split_at_mut(values.offsets[i]);
            let out = &mut rest[..node.shape.len()];
            let arg = |id: NodeId| -> &[T] {
                let j = id.index();
                &done[values.offsets[j]..values.offsets[j] + values.shapes[j].len()]
            };
            match node.op {
                Op::Input(k) => copy_row_major(inputs[k], out),
                Op::Param { offset } => out.copy_from_slice(&params[offset..offset + out.len()]),
                Op::Const(c) => out.fill(T::from_f64(c)),
                Op::MatMul { a, b, ta, tb } => {
                    let (sa, sb) = (values.shapes[a.index()], values.shapes[b.index()]);
                    matmul(arg(a), sa, ta, arg(b), sb, tb, out, node.shape);
                }
                Op::Unary(f, a) => unary(f, arg(a), out),
                Op::Binary(f, a, b) => {
                    let (sa, sb) = (values.shapes[a.index()], values.shapes[b.index()]);
                    binary(f, arg(a), sa, arg(b), sb, out, node.shape);
                }
                Op::SumTo(a) => sum_to(arg(a), values.shapes[a.index()], out, node.shape),
                Op::Broadcast(a) => broadcast(arg(a), values.shapes[a.index()], out, node.shape),
                Op::LogSumExpTo(a) => {
                    logsumexp_to(arg(a), values.shapes[a.index()], out, node.shape)
                }
            }
        }
        Ok(())
    }

    /// Checks a parameter length and inputs against the graph's declarations.
    pub fn check_feed<T>(&self, params_len: usize, inputs: &[ArrayView2<'_, T>]) -> Result<()> {
        if params_len != self.param_len() {
            return Err(Error::ParamLength {
                expected: self.param_len(),
                actual: params_len,
            });
        }
        let declared = self.input_shapes();
        if inputs.len() != declared.len() {
            return Err(Error::InputCount {
                expected: declared.len(),
                actual: inputs.len(),
            });
        }
        for (index, (x, &expected)) in inputs.iter().zip(declared).enumerate() {
            let actual = Shape::new(x.nrows(), x.ncols());
            if actual != expected {
                return Err(Error::InputShape {
                    index,
                    expected,
                    actual,
                });
            }
        }
        Ok(())
    }
}

fn copy_row_major<T: Real>(x: ArrayView2<'_, T>, out: &mut [T]) {
    match x.as_slice() {
        Some(s) => out.copy_from_slice(s),
        None => out.iter_mut().zip(x.iter()).for_each(|(o, &v)| *o = v),
    }
}

/// Below this many multiply-adds a plain loop beats setting up a packed GEMM.
const SMALL_MATMUL: usize = 4096;

#[allow(clippy::too_many_arguments)]
fn matmul<T: Real>(
    a: &[T],
    sa: Shape,
    ta: bool,
    b: &[T],
    sb: Shape,
    tb: bool,
    out: &mut [T],
    so: Shape,
) {
    let view = |x, s: Shape, t: bool| {
        let v = ArrayView2::from_shape((s.rows, s.cols), x).expect("layout matches shape");
        if t { v.reversed_axes() } else { v }
    };
    let (av, bv) = (view(a, sa, ta), view(b, sb, tb));
    let inner = av.ncols();
    if so.len() * inner <= SMALL_MATMUL {
        for i in 0..so.rows {
            for j in 0..so.cols {
                let mut acc = T::zero();
                for k in 0..inner {
                    acc = acc + av[(i, k)] * bv[(k, j)];
                }
                out[i * so.cols + j] = acc;
            }
        }
    } else {
        let mut ov = ArrayViewMut2::from_shape((so.rows, so.cols), out).expect("layout");
        general_mat_mul(T::one(), &av, &bv, T::zero(), &mut ov);
    }
}

fn unary<T: Real>(f: Unary, a: &[T], out: &mut [T]) {
    let zero = T::zero();
    let one = T::one();
    let map = |g: &dyn Fn(T) -> T, out: &mut [T]| {
        out.iter_mut().zip(a).for_each(|(o, &x)| *o = g(x));
    };
    match f {
        Unary::Neg => map(&|x| -x, out),
        Unary::Scale(c) => {
            let c = T::from_f64(c);
            map(&|x| c * x, out)
        }
        Unary::Shift(c) => {
            let c = T::from_f64(c);
            map(&|x| x + c, out)
        }
        // NaN passes through, so a diverged run stays visible.
        Unary::Relu => map(&|x| if x > zero || x.is_nan() { x } else { zero }, out),
        Unary::LeakyRelu(s) => {
            let s = T::from_f64(s);
            map(&|x| if x > zero { x } else { s * x }, out)
        }
        Unary::Abs => map(&|x| x.abs(), out),
        Unary::Tanh => map(&|x| x.engine_tanh(), out),
        Unary::Sigmoid => map(&sigmoid, out),
        Unary::Elu(alpha) => {
            let alpha = T::from_f64(alpha);
            map(&|x| if x > zero { x } else { alpha * x.exp_m1() }, out)
        }
        Unary::Exp => map(&|x| x.exp(), out),
        Unary::Log => map(&|x| x.ln(), out),
        Unary::Sqrt => map(&|x| x.sqrt(), out),
        Unary::Square => map(&|x| x * x, out),
        Unary::Softplus => map(&softplus, out),
        Unary::Step => map(&|x| if x > zero { one } else { zero }, out),
        Unary::Sign => map(
            &|x| {
                if x > zero {
                    one
                } else if x < zero {
                    -one
                } else {
                    x * zero
                }
            },
            out,
        ),
    }
}

/// Index of the element of an operand of shape `s` that broadcasts to position (i, j).
#[inline]
fn bidx(s: Shape, i: usize, j: usize) -> usize {
    let r = if s.rows == 1 { 0 } else { i };
    let c = if s.cols == 1 { 0 } else { j };
    r * s.cols + c
}

fn binary<T: Real>(f: Binary, a: &[T], sa: Shape, b: &[T], sb: Shape, out: &mut [T], so: Shape) {
    // One monomorphic loop per op: a `match` inside the element loop is not hoisted, and
    // dispatching per element cost more than the arithmetic.
    match f {
        Binary::Add => binary_with(|x, y| x + y, a, sa, b, sb, out, so),
        Binary::Sub => binary_with(|x, y| x - y, a, sa, b, sb, out, so),
        Binary::Mul => binary_with(|x, y| x * y, a, sa, b, sb, out, so),
        Binary::Div => binary_with(|x, y| x / y, a, sa, b, sb, out, so),
    }
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn binary_with<T: Real>(
    op: impl Fn(T, T) -> T,
    a: &[T],
    sa: Shape,
    b: &[T],
    sb: Shape,
    out: &mut [T],
    so: Shape,
) {
    if sa == so && sb == so {
        out.iter_mut()
            .zip(a.iter().zip(b))
            .for_each(|(o, (&x, &y))| *o = op(x, y));
    } else if sa == so && sb.len() == 1 {
        let y = b[0];
        out.iter_mut().zip(a).for_each(|(o, &x)| *o = op(x, y));
    } else if sb == so && sa.len() == 1 {
        let x = a[0];
        out.iter_mut().zip(b).for_each(|(o, &y)| *o = op(x, y));
    } else if sa == so && sb.rows == 1 {
        for (row_o, row_a) in out.chunks_exact_mut(so.cols).zip(a.chunks_exact(so.cols)) {
            row_o
                .iter_mut()
                .zip(row_a.iter().zip(b))
                .for_each(|(o, (&x, &y))| *o = op(x, y));
        }
    } else {
        for i in 0..so.rows {
            for j in 0..so.cols {
                out[i * so.cols + j] = op(a[bidx(sa, i, j)], b[bidx(sb, i, j)]);
            }
        }
    }
}

fn sum_to<T: Real>(a: &[T], sa: Shape, out: &mut [T], so: Shape) {
    // Every target element adds its operands in row-major order, whichever path runs, so the
    // paths give the same bits; the special cases only keep the accumulator in a register.
    if so.len() == 1 {
        out[0] = a.iter().fold(T::zero(), |acc, &v| acc + v);
    } else if so.rows == sa.rows && so.cols == 1 {
        for (o, row) in out.iter_mut().zip(a.chunks_exact(sa.cols)) {
            *o = row.iter().fold(T::zero(), |acc, &v| acc + v);
        }
    } else if so.rows == 1 && so.cols == sa.cols {
        out.fill(T::zero());
        for row in a.chunks_exact(sa.cols) {
            out.iter_mut().zip(row).for_each(|(o, &v)| *o = *o + v);
        }
    } else {
        out.fill(T::zero());
        for i in 0..sa.rows {
            for j in 0..sa.cols {
                let k = bidx(so, i, j);
                out[k] = out[k] + a[i * sa.cols + j];
            }
        }
    }
}

fn broadcast<T: Real>(a: &[T], sa: Shape, out: &mut [T], so: Shape) {
    for i in 0..so.rows {
        for j in 0..so.cols {
            out[i * so.cols + j] = a[bidx(sa, i, j)];
        }
    }
}

fn logsumexp_to<T: Real>(a: &[T], sa: Shape, out: &mut [T], so: Shape) {
    // Each output element reduces its own group of rows × columns: the max first, then
    // max + ln Σ exp(x − max). Groups are visited one at a time, so nothing is allocated.
    for io in 0..so.rows {
        for jo in 0..so.cols {
            let rows = if so.rows == sa.rows {
                io..io + 1
            } else {
                0..sa.rows
            };
            let cols = if so.cols == sa.cols {
                jo..jo + 1
            } else {
                0..sa.cols
            };
            let mut m = T::neg_infinity();
            for i in rows.clone() {
                for j in cols.clone() {
                    m = m.max(a[i * sa.cols + j]);
                }
            }
            let mut sum = T::zero();
            for i in rows.clone() {
                for j in cols.clone() {
                    let x = a[i * sa.cols + j];
                    sum = sum + (if m.is_finite() { x - m } else { x }).exp();
                }
            }
            out[io * so.cols + jo] = if m.is_finite() {
                m + sum.ln()
            } else {
                sum.ln()
            };
        }
    }
}
