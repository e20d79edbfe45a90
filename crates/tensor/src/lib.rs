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
//!
//! # Example: a loss, its gradient, and the gradient of the gradient norm (GradInit)
//!
//! ```
//! use initsift_tensor::{Graph, Shape};
//! use ndarray::arr2;
//! # fn main() -> Result<(), initsift_tensor::Error> {
//! // y = tanh(x·Wᵀ + b), loss = MSE against t; W is [2×3] (PyTorch layout), b is [1×2].
//! let mut g = Graph::new();
//! let x = g.input(Shape::new(4, 3))?;
//! let t = g.input(Shape::new(4, 2))?;
//! let w = g.param(Shape::new(2, 3))?;
//! let b = g.param(Shape::new(1, 2))?; // broadcast over the 4 rows
//! let z = g.matmul_t(x, false, w, true)?;
//! let z = g.add(z, b)?;
//! let y = g.tanh(z);
//! let loss = g.mse(y, t)?;
//!
//! let grads = g.grad(loss, &[w, b])?; // nodes shaped like w and b
//! let norm2 = g.squared_norm(&grads)?; // ‖∇L‖², itself a node
//! let meta = g.grad(norm2, &[w, b])?; // ∇‖∇L‖² = 2·H·∇L
//!
//! let params: [f64; 8] = [0.1, -0.2, 0.3, 0.5, 0.0, -0.4, 0.05, -0.05];
//! let xs = arr2(&[[1.0, 0.0, -1.0], [0.5, 2.0, 0.0], [0.0, 0.0, 1.0], [-1.0, 1.0, 1.0]]);
//! let ts = arr2(&[[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.0, 0.0]]);
//! let v = g.eval(&params, &[xs.view(), ts.view()])?; // f64; the same graph runs in f32
//! assert_eq!(v.get(grads[0]).shape(), &[2, 3]);
//! assert!(v.scalar(loss) > 0.0 && v.scalar(norm2) > 0.0);
//! assert!(v.slice(meta[1]).iter().all(|d| d.is_finite()));
//!
//! // Wrong feeds are errors that say what was expected.
//! let err = g.eval(&params[..7], &[xs.view(), ts.view()]).unwrap_err();
//! assert_eq!(err.to_string(), "parameter vector has 7 values, the graph expects 8");
//! # Ok(()) }
//! ```

pub mod check;
mod error;
mod eval;
mod grad;
mod graph;
mod real;
pub mod scalar;
mod tanh;

pub use error::{Error, Result};
pub use eval::Values;
pub use graph::{Binary, Graph, Node, NodeId, Op, Shape, Unary};
pub use real::Real;
pub use tanh::tanh_f32;
