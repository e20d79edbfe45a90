//! initsift-tensor: a small reverse-mode autodiff engine for small MLPs.
//!
//! - A [`Graph`] is an arena of `Copy` nodes over 2-D values (batch × features; scalars 1×1),
//!   built once per architecture, shape-checked as it is built.
//! - [`Graph::eval`] interprets it in any [`Real`] element type: `f64` for gradient checks,
//!   `f32` for training. Values live in one reusable flat buffer ([`Values`]).
//! - [`Graph::grad`] appends the gradient computation to the same graph, so gradients are
//!   graph values and can be differentiated again (PyTorch's `create_graph=True`).
//! - [`check`] compares gradients with central finite differences.
//!
//! Kinks follow PyTorch: relu'(0) = 0, abs'(0) = 0, leaky_relu'(0) = slope, elu'(0) = α.

pub mod check;
mod error;
mod eval;
mod grad;
mod graph;
mod real;

pub use error::{Error, Result};
pub use eval::Values;
pub use graph::{Binary, Graph, Node, NodeId, Op, Shape, Unary};
pub use real::Real;
