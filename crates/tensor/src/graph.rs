//! The graph: an arena of `Copy` nodes, each an op over earlier nodes with a fixed 2-D shape.
//!
//! Nodes only refer to nodes with smaller ids, so the arena order is a topological order and
//! every interpreter is one forward loop. Builders check shapes when a node is added, so a graph
//! that exists can always be evaluated.

use std::fmt;

use crate::error::{Error, Result};

/// The shape of a node's value: `rows × cols` (batch × features; scalars are 1×1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shape {
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
}

impl Shape {
    /// A `rows × cols` shape.
    pub const fn new(rows: usize, cols: usize) -> Self {
        Self { rows, cols }
    }
    /// The 1×1 shape of a scalar.
    pub const SCALAR: Shape = Shape::new(1, 1);
    /// Number of elements.
    pub const fn len(self) -> usize {
        self.rows * self.cols
    }
    /// True when a dimension is zero.
    pub const fn is_empty(self) -> bool {
        self.len() == 0
    }
    /// The shape of the transpose.
    pub const fn t(self) -> Self {
        Self::new(self.cols, self.rows)
    }
    /// True when a value of this shape can be broadcast to `target`: each dimension equal or 1.
    pub const fn broadcasts_to(self, target: Shape) -> bool {
        (self.rows == target.rows || self.rows == 1) && (self.cols == target.cols || self.cols == 1)
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}x{}]", self.rows, self.cols)
    }
}

/// Index of a node in its graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(pub(crate) u32);

impl NodeId {
    /// Position of the node in the arena.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Elementwise functions of one operand.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unary {
    /// −x.
    Neg,
    /// c·x.
    Scale(f64),
    /// x + c.
    Shift(f64),
    /// max(x, 0); derivative 0 at 0 (as PyTorch).
    Relu,
    /// x if x > 0 else slope·x; derivative slope at 0 (as PyTorch). Any slope, negative too.
    LeakyRelu(f64),
    /// |x|; derivative sign(x), 0 at 0 (as PyTorch).
    Abs,
    /// tanh x.
    Tanh,
    /// 1 / (1 + e^−x), evaluated without overflow.
    Sigmoid,
    /// x if x > 0 else α(eˣ − 1); derivative α at 0 (as PyTorch).
    Elu(f64),
    /// eˣ.
    Exp,
    /// ln x.
    Log,
    /// √x.
    Sqrt,
    /// x².
    Square,
    /// ln(1 + eˣ), evaluated without overflow.
    Softplus,
    /// 1 if x > 0 else 0. Derivative helper: its own derivative is taken as 0.
    Step,
    /// sign(x) with sign(0) = 0. Derivative helper: its own derivative is taken as 0.
    Sign,
}

/// Elementwise functions of two operands, with 2-D broadcasting (each dimension equal or 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binary {
    /// a + b.
    Add,
    /// a − b.
    Sub,
    /// a · b.
    Mul,
    /// a / b.
    Div,
}

/// What a node computes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    /// The `k`-th input given at evaluation.
    Input(usize),
    /// A block of the flat parameter vector, row-major, starting at `offset`.
    Param {
        /// Start of the block in the flat parameter vector.
        offset: usize,
    },
    /// Every element equal to a constant.
    Const(f64),
    /// `op(a) · op(b)`, where `op` transposes when its flag is set.
    MatMul {
        /// Left operand.
        a: NodeId,
        /// Right operand.
        b: NodeId,
        /// Transpose `a`.
        ta: bool,
        /// Transpose `b`.
        tb: bool,
    },
    /// Elementwise function of one node.
    Unary(Unary, NodeId),
    /// Elementwise function of two nodes, broadcast to the node's shape.
    Binary(Binary, NodeId, NodeId),
    /// Sum over the dimensions in which the node's shape is 1 and the operand's is not.
    SumTo(NodeId),
    /// Repeat the operand along its dimensions of size 1 up to the node's shape.
    Broadcast(NodeId),
    /// Numerically stable ln Σ exp over the dimensions reduced, as [`Op::SumTo`].
    LogSumExpTo(NodeId),
}

impl Op {
    /// The operands of this op, in order.
    pub fn args(&self) -> impl Iterator<Item = NodeId> {
        let (a, b) = match *self {
            Op::Input(_) | Op::Param { .. } | Op::Const(_) => (None, None),
            Op::MatMul { a, b, .. } | Op::Binary(_, a, b) => (Some(a), Some(b)),
            Op::Unary(_, a) | Op::SumTo(a) | Op::Broadcast(a) | Op::LogSumExpTo(a) => {
                (Some(a), None)
            }
        };
        a.into_iter().chain(b)
    }
}

/// One node: an op and the shape of its value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Node {
    /// What the node computes.
    pub op: Op,
    /// The shape of its value.
    pub shape: Shape,
}

/// A computation graph over 2-D values, built once and evaluated many times.
///
/// ```
/// use initsift_tensor::{Graph, Shape};
/// # fn main() -> Result<(), initsift_tensor::Error> {
/// let mut g = Graph::new();
/// let x = g.input(Shape::new(1, 1))?;
/// let y = g.square(x);
/// let dy = g.grad(y, &[x])?[0]; // 2x, itself a node
/// let ddy = g.grad(dy, &[x])?[0]; // 2
/// let v = g.eval(&[] as &[f64], &[ndarray::arr2(&[[3.0]]).view()])?;
/// assert_eq!((v.scalar(dy), v.scalar(ddy)), (6.0, 2.0));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Graph {
    nodes: Vec<Node>,
    inputs: Vec<Shape>,
    param_len: usize,
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// All nodes, in topological order.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True when the graph has no node.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The declared input shapes, by input index.
    pub fn input_shapes(&self) -> &[Shape] {
        &self.inputs
    }

    /// Length of the flat parameter vector the graph reads.
    pub fn param_len(&self) -> usize {
        self.param_len
    }

    /// The shape of a node.
    pub fn shape(&self, id: NodeId) -> Shape {
        self.node(id).shape
    }

    /// The node behind an id.
    ///
    /// # Panics
    /// If the id belongs to another graph (a programming error, not a user-input one).
    pub fn node(&self, id: NodeId) -> &Node {
        match self.nodes.get(id.index()) {
            Some(node) => node,
            None => panic!(
                "{}",
                Error::UnknownNode {
                    id: id.index(),
                    len: self.nodes.len()
                }
            ),
        }
    }

    /// Checks that an id belongs to this graph.
    pub fn check_id(&self, id: NodeId) -> Result<()> {
        if id.index() < self.nodes.len() {
            Ok(())
        } else {
            Err(Error::UnknownNode {
                id: id.index(),
                len: self.nodes.len(),
            })
        }
    }

    fn push(&mut self, op: Op, shape: Shape) -> NodeId {
        for arg in op.args() {
            self.node(arg);
        }
        let id = NodeId(u32::try_from(self.nodes.len()).expect("graph exceeds u32::MAX nodes"));
        self.nodes.push(Node { op, shape });
        id
    }

    fn nonempty(what: &'static str, shape: Shape) -> Result<Shape> {
        if shape.is_empty() {
            Err(Error::EmptyShape { what, shape })
        } else {
            Ok(shape)
        }
    }

    /// Declares the next input (index = number of inputs declared before).
    pub fn input(&mut self, shape: Shape) -> Result<NodeId> {
        let shape = Self::nonempty("input", shape)?;
        let op = Op::Input(self.inputs.len());
        self.inputs.push(shape);
        Ok(self.push(op, shape))
    }

    /// Declares the next parameter block, placed right after the blocks declared before it.
    pub fn param(&mut self, shape: Shape) -> Result<NodeId> {
        let shape = Self::nonempty("param", shape)?;
        let offset = self.param_len;
        self.param_len += shape.len();
        Ok(self.push(Op::Param { offset }, shape))
    }

    /// A constant-valued node of any shape.
    pub fn constant(&mut self, value: f64, shape: Shape) -> Result<NodeId> {
        let shape = Self::nonempty("constant", shape)?;
        Ok(self.push(Op::Const(value), shape))
    }

    /// `op(a) · op(b)`, transposing an operand when its flag is set.
    pub fn matmul_t(&mut self, a: NodeId, ta: bool, b: NodeId, tb: bool) -> Result<NodeId> {
        let (sa, sb) = (self.shape(a), self.shape(b));
        let (la, lb) = (if ta { sa.t() } else { sa }, if tb { sb.t() } else { sb });
        if la.cols != lb.rows {
            return Err(Error::ShapeMismatch {
                op: "matmul",
                left: la,
                right: lb,
                rule: "inner dimensions must agree",
            });
        }
        Ok(self.push(Op::MatMul { a, b, ta, tb }, Shape::new(la.rows, lb.cols)))
    }

    /// `a · b`.
    pub fn matmul(&mut self, a: NodeId, b: NodeId) -> Result<NodeId> {
        self.matmul_t(a, false, b, false)
    }

    fn unary(&mut self, f: Unary, a: NodeId) -> NodeId {
        let shape = self.shape(a);
        self.push(Op::Unary(f, a), shape)
    }

    fn binary(&mut self, f: Binary, a: NodeId, b: NodeId) -> Result<NodeId> {
        let (sa, sb) = (self.shape(a), self.shape(b));
        let out = Shape::new(sa.rows.max(sb.rows), sa.cols.max(sb.cols));
        if !sa.broadcasts_to(out) || !sb.broadcasts_to(out) {
            let op = match f {
                Binary::Add => "add",
                Binary::Sub => "sub",
                Binary::Mul => "mul",
                Binary::Div => "div",
            };
            let rule = "each dimension must be equal or 1 in one operand";
            return Err(Error::ShapeMismatch {
                op,
                left: sa,
                right: sb,
                rule,
            });
        }
        Ok(self.push(Op::Binary(f, a, b), out))
    }

    /// `a + b`, broadcasting (e.g. a bias row over a batch).
    pub fn add(&mut self, a: NodeId, b: NodeId) -> Result<NodeId> {
        self.binary(Binary::Add, a, b)
    }
    /// `a − b`, broadcasting.
    pub fn sub(&mut self, a: NodeId, b: NodeId) -> Result<NodeId> {
        self.binary(Binary::Sub, a, b)
    }
    /// `a · b` elementwise, broadcasting.
    pub fn mul(&mut self, a: NodeId, b: NodeId) -> Result<NodeId> {
        self.binary(Binary::Mul, a, b)
    }
    /// `a / b` elementwise, broadcasting.
    pub fn div(&mut self, a: NodeId, b: NodeId) -> Result<NodeId> {
        self.binary(Binary::Div, a, b)
    }

    /// −a.
    pub fn neg(&mut self, a: NodeId) -> NodeId {
        self.unary(Unary::Neg, a)
    }
    /// c·a.
    pub fn scale(&mut self, a: NodeId, c: f64) -> NodeId {
        self.unary(Unary::Scale(c), a)
    }
    /// a + c.
    pub fn shift(&mut self, a: NodeId, c: f64) -> NodeId {
        self.unary(Unary::Shift(c), a)
    }
    /// max(a, 0).
    pub fn relu(&mut self, a: NodeId) -> NodeId {
        self.unary(Unary::Relu, a)
    }
    /// Leaky ReLU with any slope (negative slopes too).
    pub fn leaky_relu(&mut self, a: NodeId, slope: f64) -> NodeId {
        self.unary(Unary::LeakyRelu(slope), a)
    }
    /// |a|.
    pub fn abs(&mut self, a: NodeId) -> NodeId {
        self.unary(Unary::Abs, a)
    }
    /// tanh a.
    pub fn tanh(&mut self, a: NodeId) -> NodeId {
        self.unary(Unary::Tanh, a)
    }
    /// The logistic sigmoid.
    pub fn sigmoid(&mut self, a: NodeId) -> NodeId {
        self.unary(Unary::Sigmoid, a)
    }
    /// ELU with scale α.
    pub fn elu(&mut self, a: NodeId, alpha: f64) -> NodeId {
        self.unary(Unary::Elu(alpha), a)
    }
    /// eᵃ.
    pub fn exp(&mut self, a: NodeId) -> NodeId {
        self.unary(Unary::Exp, a)
    }
    /// ln a.
    pub fn log(&mut self, a: NodeId) -> NodeId {
        self.unary(Unary::Log, a)
    }
    /// √a.
    pub fn sqrt(&mut self, a: NodeId) -> NodeId {
        self.unary(Unary::Sqrt, a)
    }
    /// a².
    pub fn square(&mut self, a: NodeId) -> NodeId {
        self.unary(Unary::Square, a)
    }
    /// ln(1 + eᵃ).
    pub fn softplus(&mut self, a: NodeId) -> NodeId {
        self.unary(Unary::Softplus, a)
    }
    /// 1 where a > 0, else 0 (zero derivative).
    pub fn step(&mut self, a: NodeId) -> NodeId {
        self.unary(Unary::Step, a)
    }
    /// sign(a), 0 at 0 (zero derivative).
    pub fn sign(&mut self, a: NodeId) -> NodeId {
        self.unary(Unary::Sign, a)
    }

    fn reduce_check(&self, op: &'static str, a: NodeId, target: Shape) -> Result<()> {
        // Fix: a zero-size target used to be reported as a ShapeMismatch here (and let
        // through by `broadcast`, which built an empty node); it is an EmptyShape.
        Self::nonempty(op, target)?;
        let sa = self.shape(a);
        if target.broadcasts_to(sa) {
            Ok(())
        } else {
            let rule = "each target dimension must equal the operand's or be 1";
            Err(Error::ShapeMismatch {
                op,
                left: sa,
                right: target,
                rule,
            })
        }
    }

    /// Sums `a` down to `target`: the dimensions where `target` is 1 are summed over.
    pub fn sum_to(&mut self, a: NodeId, target: Shape) -> Result<NodeId> {
        self.reduce_check("sum_to", a, target)?;
        if self.shape(a) == target {
            return Ok(a);
        }
        Ok(self.push(Op::SumTo(a), target))
    }

    /// Repeats `a` along its dimensions of size 1 up to `target`.
    pub fn broadcast(&mut self, a: NodeId, target: Shape) -> Result<NodeId> {
        // Fix: `[1×m]` "broadcast" to `[0×m]` passed the check below and pushed an empty node.
        let target = Self::nonempty("broadcast", target)?;
        let sa = self.shape(a);
        if !sa.broadcasts_to(target) {
            let rule = "each operand dimension must equal the target's or be 1";
            return Err(Error::ShapeMismatch {
                op: "broadcast",
                left: sa,
                right: target,
                rule,
            });
        }
        if sa == target {
            return Ok(a);
        }
        Ok(self.push(Op::Broadcast(a), target))
    }

    /// Stable ln Σ exp of `a` down to `target` (e.g. `[n×1]` for per-row log-sum-exp).
    pub fn logsumexp_to(&mut self, a: NodeId, target: Shape) -> Result<NodeId> {
        self.reduce_check("logsumexp_to", a, target)?;
        Ok(self.push(Op::LogSumExpTo(a), target))
    }

    /// Sum of all elements, as a 1×1 scalar.
    pub fn sum(&mut self, a: NodeId) -> NodeId {
        self.sum_to(a, Shape::SCALAR)
            .expect("every shape reduces to 1x1")
    }

    /// Per-row sums: `[n×m] → [n×1]`.
    pub fn sum_rows(&mut self, a: NodeId) -> NodeId {
        let rows = self.shape(a).rows;
        self.sum_to(a, Shape::new(rows, 1))
            .expect("n x 1 reduces any n x m")
    }

    /// Per-column sums: `[n×m] → [1×m]`.
    pub fn sum_cols(&mut self, a: NodeId) -> NodeId {
        let cols = self.shape(a).cols;
        self.sum_to(a, Shape::new(1, cols))
            .expect("1 x m reduces any n x m")
    }

    /// Mean of `a` down to `target` (the sum divided by the number of elements summed).
    pub fn mean_to(&mut self, a: NodeId, target: Shape) -> Result<NodeId> {
        let count = self.shape(a).len() / target.len().max(1);
        let s = self.sum_to(a, target)?;
        Ok(self.scale(s, 1.0 / count as f64))
    }

    /// Mean of all elements, as a 1×1 scalar.
    pub fn mean(&mut self, a: NodeId) -> NodeId {
        self.mean_to(a, Shape::SCALAR)
            .expect("every shape reduces to 1x1")
    }

    /// Per-row means: `[n×m] → [n×1]`.
    pub fn mean_rows(&mut self, a: NodeId) -> NodeId {
        let rows = self.shape(a).rows;
        self.mean_to(a, Shape::new(rows, 1))
            .expect("n x 1 reduces any n x m")
    }

    /// Per-column means: `[n×m] → [1×m]`.
    pub fn mean_cols(&mut self, a: NodeId) -> NodeId {
        let cols = self.shape(a).cols;
        self.mean_to(a, Shape::new(1, cols))
            .expect("1 x m reduces any n x m")
    }

    /// Per-row log-sum-exp: `[n×m] → [n×1]`.
    pub fn logsumexp_rows(&mut self, a: NodeId) -> NodeId {
        let rows = self.shape(a).rows;
        self.logsumexp_to(a, Shape::new(rows, 1))
            .expect("n x 1 reduces any n x m")
    }

    /// Σ a·b over all elements (shapes must be equal or broadcast), as a 1×1 scalar.
    pub fn dot(&mut self, a: NodeId, b: NodeId) -> Result<NodeId> {
        let p = self.mul(a, b)?;
        Ok(self.sum(p))
    }

    /// Σ over several nodes of the sum of their squares: the squared L2 norm of a concatenation.
    pub fn squared_norm(&mut self, parts: &[NodeId]) -> Result<NodeId> {
        let mut total = None;
        for &p in parts {
            let sq = self.square(p);
            let s = self.sum(sq);
            total = Some(match total {
                None => s,
                Some(t) => self.add(t, s)?,
            });
        }
        match total {
            Some(t) => Ok(t),
            None => self.constant(0.0, Shape::SCALAR),
        }
    }

    /// Mean squared error, `mean((pred − target)²)` over all elements (PyTorch `MSELoss()`).
    pub fn mse(&mut self, pred: NodeId, target: NodeId) -> Result<NodeId> {
        self.same_shape("mse", pred, target)?;
        let d = self.sub(pred, target)?;
        let sq = self.square(d);
        Ok(self.mean(sq))
    }

    /// Binary cross-entropy on logits, mean over elements (PyTorch `BCEWithLogitsLoss()`):
    /// `mean(softplus(x) − x·t)`, exact and overflow-free; its gradient is `σ(x) − t` everywhere.
    pub fn bce_with_logits(&mut self, logits: NodeId, target: NodeId) -> Result<NodeId> {
        self.same_shape("bce_with_logits", logits, target)?;
        let sp = self.softplus(logits);
        let xt = self.mul(logits, target)?;
        let per = self.sub(sp, xt)?;
        Ok(self.mean(per))
    }

    /// Softmax cross-entropy of logits `[n×k]` against target probabilities (one-hot rows, or
    /// any distribution) `[n×k]`, mean over rows (PyTorch `CrossEntropyLoss()` with
    /// probability targets): `mean_i(−Σ_j t_ij log_softmax(x_i)_j) = mean_i(lse(x_i)·Σ_j t_ij −
    /// Σ_j t_ij x_ij)`, so targets need not sum to 1 (as PyTorch); stable for any logits.
    pub fn softmax_cross_entropy(&mut self, logits: NodeId, target: NodeId) -> Result<NodeId> {
        self.same_shape("softmax_cross_entropy", logits, target)?;
        let lse = self.logsumexp_rows(logits);
        let mass = self.sum_rows(target);
        let weighted = self.mul(lse, mass)?;
        let tx = self.mul(target, logits)?;
        let picked = self.sum_rows(tx);
        let per_row = self.sub(weighted, picked)?;
        Ok(self.mean(per_row))
    }

    fn same_shape(&self, op: &'static str, a: NodeId, b: NodeId) -> Result<()> {
        let (sa, sb) = (self.shape(a), self.shape(b));
        if sa == sb {
            Ok(())
        } else {
            Err(Error::ShapeMismatch {
                op,
                left: sa,
                right: sb,
                rule: "shapes must be equal",
            })
        }
    }
}
