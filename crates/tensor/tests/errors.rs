//! Bad input gives an `Error` (naming what was wrong), never a panic.

use initsift_tensor::check::{compare, numerical_gradient};
use initsift_tensor::{Error, Graph, NodeId, Shape};
use ndarray::{Array2, ArrayView2};

/// Asserts a `ShapeMismatch` from `op` between `left` and `right`, and that its message names
/// the op and both shapes.
#[track_caller]
fn assert_mismatch(res: Result<NodeId, Error>, op: &str, left: Shape, right: Shape) {
    let err = res.expect_err("a shape mismatch must be an error");
    match &err {
        Error::ShapeMismatch {
            op: o,
            left: l,
            right: r,
            ..
        } => {
            assert_eq!((*o, *l, *r), (op, left, right), "{err}");
        }
        other => panic!("expected ShapeMismatch, got {other:?}"),
    }
    let msg = err.to_string();
    for part in [op.to_string(), left.to_string(), right.to_string()] {
        assert!(
            msg.contains(&part),
            "message {msg:?} does not name {part:?}"
        );
    }
}

fn s(r: usize, c: usize) -> Shape {
    Shape::new(r, c)
}

#[test]
fn shape_mismatches_name_both_shapes() {
    let mut g = Graph::new();
    let a23 = g.input(s(2, 3)).unwrap();
    let a32 = g.input(s(3, 2)).unwrap();
    let a21 = g.input(s(2, 1)).unwrap();
    let a43 = g.input(s(4, 3)).unwrap();
    let before = g.len();

    assert_mismatch(g.add(a23, a32), "add", s(2, 3), s(3, 2));
    assert_mismatch(g.sub(a23, a43), "sub", s(2, 3), s(4, 3));
    assert_mismatch(g.mul(a32, a23), "mul", s(3, 2), s(2, 3));
    assert_mismatch(g.div(a21, a43), "div", s(2, 1), s(4, 3));
    // matmul names the operand shapes after the requested transposes.
    assert_mismatch(g.matmul(a23, a23), "matmul", s(2, 3), s(2, 3));
    assert_mismatch(
        g.matmul_t(a23, true, a32, false),
        "matmul",
        s(3, 2),
        s(3, 2),
    );
    assert_mismatch(
        g.matmul_t(a23, false, a43, false),
        "matmul",
        s(2, 3),
        s(4, 3),
    );
    // Losses want equal shapes, even where a broadcast would exist.
    assert_mismatch(g.mse(a23, a21), "mse", s(2, 3), s(2, 1));
    assert_mismatch(
        g.bce_with_logits(a23, a32),
        "bce_with_logits",
        s(2, 3),
        s(3, 2),
    );
    assert_mismatch(
        g.softmax_cross_entropy(a43, a23),
        "softmax_cross_entropy",
        s(4, 3),
        s(2, 3),
    );
    // Reductions and broadcasts: target shape named second.
    assert_mismatch(g.sum_to(a23, s(3, 1)), "sum_to", s(2, 3), s(3, 1));
    assert_mismatch(g.sum_to(a21, s(2, 3)), "sum_to", s(2, 1), s(2, 3));
    assert_mismatch(g.mean_to(a23, s(1, 2)), "sum_to", s(2, 3), s(1, 2));
    assert_mismatch(
        g.logsumexp_to(a23, s(2, 2)),
        "logsumexp_to",
        s(2, 3),
        s(2, 2),
    );
    assert_mismatch(g.broadcast(a23, s(4, 3)), "broadcast", s(2, 3), s(4, 3));
    assert_mismatch(g.broadcast(a23, s(1, 3)), "broadcast", s(2, 3), s(1, 3));
    assert_mismatch(g.dot(a23, a32), "mul", s(2, 3), s(3, 2));
    // A failed builder adds nothing to the graph.
    assert_eq!(g.len(), before);
}

#[test]
fn vjp_seed_must_match_the_output() {
    let mut g = Graph::new();
    let x = g.param(s(2, 3)).unwrap();
    let y = g.tanh(x);
    let seed = g.input(s(3, 2)).unwrap();
    assert_mismatch(g.vjp(y, seed, &[x]).map(|v| v[0]), "vjp", s(2, 3), s(3, 2));
}

#[test]
fn grad_of_a_non_scalar_is_an_error() {
    let mut g = Graph::new();
    let x = g.param(s(2, 3)).unwrap();
    let y = g.sum_rows(x);
    let err = g.grad(y, &[x]).unwrap_err();
    assert_eq!(err, Error::NonScalarOutput(s(2, 1)));
    assert!(err.to_string().contains("[2x1]"), "{err}");
}

#[test]
fn wrong_parameter_length_names_expected_and_actual() {
    let mut g = Graph::new();
    let w = g.param(s(2, 3)).unwrap();
    let b = g.param(s(1, 3)).unwrap();
    let _ = g.add(w, b).unwrap();
    assert_eq!(g.param_len(), 9);
    for len in [0, 8, 10] {
        let err = g.eval(&vec![0.0f64; len], &[]).unwrap_err();
        assert_eq!(
            err,
            Error::ParamLength {
                expected: 9,
                actual: len
            }
        );
        let msg = err.to_string();
        assert!(msg.contains('9') && msg.contains(&len.to_string()), "{msg}");
    }
    let mut buf = g.eval(&[0.0f32; 9], &[]).unwrap();
    assert!(g.eval_into(&[0.0f32; 3], &[], &mut buf).is_err());
}

#[test]
fn wrong_inputs_are_errors() {
    let mut g = Graph::new();
    let x = g.input(s(2, 3)).unwrap();
    let t = g.input(s(2, 1)).unwrap();
    let _ = g.mul(x, t).unwrap();
    let (a23, a21, a32) = (
        Array2::<f64>::zeros((2, 3)),
        Array2::zeros((2, 1)),
        Array2::zeros((3, 2)),
    );
    let err = g.eval(&[], &[a23.view()]).unwrap_err();
    assert_eq!(
        err,
        Error::InputCount {
            expected: 2,
            actual: 1
        }
    );
    assert!(err.to_string().contains('1') && err.to_string().contains('2'));
    let err = g
        .eval(&[], &[a23.view(), a21.view(), a21.view()])
        .unwrap_err();
    assert_eq!(
        err,
        Error::InputCount {
            expected: 2,
            actual: 3
        }
    );
    let err = g.eval(&[], &[a32.view(), a21.view()]).unwrap_err();
    assert_eq!(
        err,
        Error::InputShape {
            index: 0,
            expected: s(2, 3),
            actual: s(3, 2)
        }
    );
    let msg = err.to_string();
    assert!(msg.contains("[2x3]") && msg.contains("[3x2]"), "{msg}");
    let err = g.eval(&[], &[a23.view(), a23.view()]).unwrap_err();
    assert_eq!(
        err,
        Error::InputShape {
            index: 1,
            expected: s(2, 1),
            actual: s(2, 3)
        }
    );
    // A transposed view has the transposed shape.
    assert!(g.eval(&[], &[a32.t(), a21.view()]).is_ok());
    let none: &[ArrayView2<'_, f64>] = &[];
    assert!(matches!(g.eval(&[], none), Err(Error::InputCount { .. })));
}

#[test]
fn zero_size_shapes_are_errors() {
    let mut g = Graph::new();
    for shape in [s(0, 3), s(2, 0), s(0, 0)] {
        assert_eq!(
            g.input(shape),
            Err(Error::EmptyShape {
                what: "input",
                shape
            })
        );
        assert_eq!(
            g.param(shape),
            Err(Error::EmptyShape {
                what: "param",
                shape
            })
        );
        assert_eq!(
            g.constant(1.0, shape),
            Err(Error::EmptyShape {
                what: "constant",
                shape
            })
        );
    }
    assert_eq!(g.len(), 0);
    assert_eq!(
        g.param_len(),
        0,
        "a rejected param must not reserve parameter space"
    );
    assert!(
        g.input_shapes().is_empty(),
        "a rejected input must not be declared"
    );
    // Reducing or broadcasting to a zero-size target is an error too, not an empty node.
    let x = g.input(s(1, 3)).unwrap();
    for target in [s(0, 3), s(1, 0)] {
        assert!(
            matches!(g.broadcast(x, target), Err(Error::EmptyShape { .. })),
            "broadcast to {target}"
        );
        assert!(
            matches!(g.sum_to(x, target), Err(Error::EmptyShape { .. })),
            "sum_to {target}"
        );
        assert!(
            matches!(g.mean_to(x, target), Err(Error::EmptyShape { .. })),
            "mean_to {target}"
        );
        assert!(
            matches!(g.logsumexp_to(x, target), Err(Error::EmptyShape { .. })),
            "lse to {target}"
        );
    }
    assert!(g.nodes().iter().all(|n| !n.shape.is_empty()));
    let err = g.constant(0.0, s(0, 2)).unwrap_err();
    assert!(err.to_string().contains("[0x2]"), "{err}");
}

#[test]
fn node_ids_from_another_graph_are_errors_in_grad() {
    let mut big = Graph::new();
    let x = big.param(s(1, 1)).unwrap();
    let mut y = x;
    for _ in 0..5 {
        y = big.tanh(y);
    }
    let mut small = Graph::new();
    let p = small.param(s(1, 1)).unwrap();
    let q = small.square(p);
    assert_eq!(
        small.grad(y, &[p]),
        Err(Error::UnknownNode {
            id: y.index(),
            len: 2
        })
    );
    assert!(matches!(
        small.grad(q, &[y]),
        Err(Error::UnknownNode { .. })
    ));
    assert!(matches!(
        small.vjp(q, y, &[p]),
        Err(Error::UnknownNode { .. })
    ));
    assert!(small.check_id(y).is_err() && small.check_id(q).is_ok());
}

#[test]
fn gradient_check_reports_nan() {
    // A NaN analytic or numeric entry must make the check fail under either error measure.
    let c = compare(&[1.0, f64::NAN, 2.0], &[1.0, 1.0, 2.0]);
    assert!(c.max_rel_err.is_nan(), "{c:?}");
    assert!(c.max_abs_err.is_nan(), "max_abs_err hides a NaN: {c:?}");
    assert_eq!(c.worst, 1);
    let c = compare(&[1.0, 2.0], &[1.0, f64::NAN]);
    assert!(c.max_abs_err.is_nan() && c.max_rel_err.is_nan(), "{c:?}");
    // And reports an ordinary error where it is.
    let c = compare(&[1.0, 2.0, 300.0], &[1.0, 2.5, 303.0]);
    assert_eq!(c.worst, 1);
    assert!((c.max_abs_err - 3.0).abs() < 1e-12 && (c.max_rel_err - 0.5 / 2.5).abs() < 1e-12);
    // The library's central difference on a known function.
    let d = numerical_gradient(|x| x[0].powi(3) + x[0] * x[1], &[2.0, -1.0], 1e-6);
    assert!(
        (d[0] - 11.0).abs() < 1e-7 && (d[1] - 2.0).abs() < 1e-7,
        "{d:?}"
    );
}
