//! Errors from building or evaluating a graph.

use crate::graph::Shape;

/// What went wrong while building or evaluating a graph.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// Two operands whose shapes an op cannot combine.
    #[error("{op}: shapes {left} and {right} do not fit together ({rule})")]
    ShapeMismatch {
        /// The op being built.
        op: &'static str,
        /// Shape of the first operand.
        left: Shape,
        /// Shape of the second operand (or the requested target shape).
        right: Shape,
        /// The rule the shapes broke.
        rule: &'static str,
    },
    /// A shape with a zero dimension.
    #[error("{what}: shape {shape} has a zero dimension")]
    EmptyShape {
        /// Where the shape was given.
        what: &'static str,
        /// The offending shape.
        shape: Shape,
    },
    /// `grad` was asked for the gradient of a non-scalar node.
    #[error("grad: the output must be a 1x1 scalar, got {0}")]
    NonScalarOutput(Shape),
    /// A node id that does not belong to this graph.
    #[error("node id {id} is not in this graph ({len} nodes)")]
    UnknownNode {
        /// The id given.
        id: usize,
        /// The graph's node count.
        len: usize,
    },
    /// A parameter vector of the wrong length.
    #[error("parameter vector has {actual} values, the graph expects {expected}")]
    ParamLength {
        /// Length the graph was built for.
        expected: usize,
        /// Length given.
        actual: usize,
    },
    /// The wrong number of inputs.
    #[error("{actual} inputs given, the graph declares {expected}")]
    InputCount {
        /// Declared input count.
        expected: usize,
        /// Given input count.
        actual: usize,
    },
    /// An input whose shape differs from the declared one.
    #[error("input {index} has shape {actual}, the graph declares {expected}")]
    InputShape {
        /// Index of the input.
        index: usize,
        /// Declared shape.
        expected: Shape,
        /// Given shape.
        actual: Shape,
    },
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, Error>;
