//! Every op's first derivatives against central finite differences in f64, on random shapes and
//! values away from kinks; and, through the same problems, a Hessian-vector product of every op
//! against finite differences of its gradient graph (so each op's backward is itself
//! differentiated correctly). Tolerances are justified in `common/mod.rs`.

mod common;

use common::{Dist, Rng, check_op, random_shape, rng};
use initsift_tensor::{Graph, NodeId, Result, Shape};
use rand::RngExt;

/// Random trials per op (shapes and values are re-drawn each time).
const TRIALS: usize = 10;

fn unary_case(
    rng: &mut Rng,
    what: &str,
    dist: Dist,
    f: impl Fn(&mut Graph, NodeId) -> NodeId + Copy,
) {
    for _ in 0..TRIALS {
        let s = random_shape(rng);
        check_op(rng, what, &[(s, dist)], |g, p| Ok(f(g, p[0])));
    }
}

#[test]
fn matmul_all_transpose_combinations() {
    let mut r = rng(1);
    for ta in [false, true] {
        for tb in [false, true] {
            for _ in 0..TRIALS {
                let (n, k, m) = (
                    r.random_range(1..5),
                    r.random_range(1..5),
                    r.random_range(1..5),
                );
                let sa = if ta {
                    Shape::new(k, n)
                } else {
                    Shape::new(n, k)
                };
                let sb = if tb {
                    Shape::new(m, k)
                } else {
                    Shape::new(k, m)
                };
                let what = format!("matmul ta={ta} tb={tb} {sa}·{sb}");
                check_op(
                    &mut r,
                    &what,
                    &[(sa, Dist::SMOOTH), (sb, Dist::SMOOTH)],
                    |g, p| {
                        let c = g.matmul_t(p[0], ta, p[1], tb)?;
                        assert_eq!(g.shape(c), Shape::new(n, m));
                        Ok(c)
                    },
                );
            }
        }
    }
}

#[test]
fn matmul_same_operand_twice() {
    // A·Aᵀ and Aᵀ·A: both operands are the same node, so both adjoints accumulate into it.
    let mut r = rng(2);
    for _ in 0..TRIALS {
        let s = random_shape(&mut r);
        check_op(&mut r, "A·Aᵀ", &[(s, Dist::SMOOTH)], |g, p| {
            g.matmul_t(p[0], false, p[0], true)
        });
        check_op(&mut r, "Aᵀ·A", &[(s, Dist::SMOOTH)], |g, p| {
            g.matmul_t(p[0], true, p[0], false)
        });
    }
}

type BinaryBuilder = fn(&mut Graph, NodeId, NodeId) -> Result<NodeId>;

/// Every broadcasting pattern of a binary op over a base `n×m` shape: equal shapes, and a row
/// `[1×m]`, column `[n×1]` or scalar `[1×1]` on either side, plus a column against a row.
fn broadcast_patterns(n: usize, m: usize) -> Vec<(Shape, Shape)> {
    let full = Shape::new(n, m);
    let row = Shape::new(1, m);
    let col = Shape::new(n, 1);
    let one = Shape::SCALAR;
    vec![
        (full, full),
        (full, row),
        (row, full),
        (full, col),
        (col, full),
        (full, one),
        (one, full),
        (col, row),
        (row, col),
    ]
}

fn binary_case(seed: u64, what: &str, db: Dist, f: BinaryBuilder) {
    let mut r = rng(seed);
    for _ in 0..TRIALS {
        // At least 2×2 so "row", "column" and "scalar" are all distinct from "full".
        let (n, m) = (r.random_range(2..5), r.random_range(2..5));
        for (sa, sb) in broadcast_patterns(n, m) {
            let label = format!("{what} {sa} with {sb}");
            check_op(&mut r, &label, &[(sa, Dist::SMOOTH), (sb, db)], |g, p| {
                let c = f(g, p[0], p[1])?;
                let want = Shape::new(sa.rows.max(sb.rows), sa.cols.max(sb.cols));
                assert_eq!(g.shape(c), want, "{label}: output shape");
                Ok(c)
            });
        }
    }
}

#[test]
fn add_every_broadcast_pattern() {
    binary_case(10, "add", Dist::SMOOTH, |g, a, b| g.add(a, b));
}

#[test]
fn sub_every_broadcast_pattern() {
    binary_case(11, "sub", Dist::SMOOTH, |g, a, b| g.sub(a, b));
}

#[test]
fn mul_every_broadcast_pattern() {
    binary_case(12, "mul", Dist::SMOOTH, |g, a, b| g.mul(a, b));
}

#[test]
fn div_every_broadcast_pattern() {
    binary_case(13, "div", Dist::DENOM, |g, a, b| g.div(a, b));
}

#[test]
fn binary_ops_with_the_same_operand() {
    let mut r = rng(14);
    for _ in 0..TRIALS {
        let s = random_shape(&mut r);
        check_op(&mut r, "a+a", &[(s, Dist::SMOOTH)], |g, p| {
            g.add(p[0], p[0])
        });
        check_op(&mut r, "a-a", &[(s, Dist::SMOOTH)], |g, p| {
            g.sub(p[0], p[0])
        });
        check_op(&mut r, "a*a", &[(s, Dist::SMOOTH)], |g, p| {
            g.mul(p[0], p[0])
        });
        check_op(&mut r, "a/a", &[(s, Dist::DENOM)], |g, p| g.div(p[0], p[0]));
    }
}

#[test]
fn neg_scale_shift() {
    let mut r = rng(20);
    unary_case(&mut r, "neg", Dist::SMOOTH, |g, a| g.neg(a));
    for c in [-1.7, 0.0, 0.5, 3.0] {
        unary_case(&mut r, &format!("scale {c}"), Dist::SMOOTH, move |g, a| {
            g.scale(a, c)
        });
        unary_case(&mut r, &format!("shift {c}"), Dist::SMOOTH, move |g, a| {
            g.shift(a, c)
        });
    }
}

#[test]
fn relu_abs_away_from_the_kink() {
    let mut r = rng(21);
    unary_case(&mut r, "relu", Dist::KINKED, |g, a| g.relu(a));
    unary_case(&mut r, "abs", Dist::KINKED, |g, a| g.abs(a));
}

#[test]
fn leaky_relu_every_slope() {
    let mut r = rng(22);
    for slope in [0.01, 0.2, -0.1, -0.8, 1.5] {
        let what = format!("leaky_relu {slope}");
        unary_case(&mut r, &what, Dist::KINKED, move |g, a| {
            g.leaky_relu(a, slope)
        });
    }
}

#[test]
fn elu_both_alphas() {
    let mut r = rng(23);
    for alpha in [1.0, 0.5] {
        let what = format!("elu {alpha}");
        unary_case(&mut r, &what, Dist::KINKED, move |g, a| g.elu(a, alpha));
    }
}

#[test]
fn smooth_activations() {
    let mut r = rng(24);
    unary_case(&mut r, "tanh", Dist::Uniform(-3.0, 3.0), |g, a| g.tanh(a));
    unary_case(&mut r, "sigmoid", Dist::Uniform(-5.0, 5.0), |g, a| {
        g.sigmoid(a)
    });
    unary_case(&mut r, "softplus", Dist::Uniform(-5.0, 5.0), |g, a| {
        g.softplus(a)
    });
}

#[test]
fn exp_log_sqrt_square() {
    let mut r = rng(25);
    unary_case(&mut r, "exp", Dist::SMOOTH, |g, a| g.exp(a));
    unary_case(&mut r, "log", Dist::POSITIVE, |g, a| g.log(a));
    unary_case(&mut r, "sqrt", Dist::POSITIVE, |g, a| g.sqrt(a));
    unary_case(&mut r, "square", Dist::SMOOTH, |g, a| g.square(a));
}

#[test]
fn step_and_sign_have_zero_derivative() {
    // Derivative helpers: piecewise constant, so the true derivative away from 0 is 0.
    let mut r = rng(26);
    unary_case(&mut r, "step", Dist::KINKED, |g, a| g.step(a));
    unary_case(&mut r, "sign", Dist::KINKED, |g, a| g.sign(a));
}

#[test]
fn sums_and_means() {
    let mut r = rng(30);
    for _ in 0..TRIALS {
        let s = random_shape(&mut r);
        let b = [(s, Dist::SMOOTH)];
        check_op(&mut r, "sum", &b, |g, p| Ok(g.sum(p[0])));
        check_op(&mut r, "sum_rows", &b, |g, p| Ok(g.sum_rows(p[0])));
        check_op(&mut r, "sum_cols", &b, |g, p| Ok(g.sum_cols(p[0])));
        check_op(&mut r, "mean", &b, |g, p| Ok(g.mean(p[0])));
        check_op(&mut r, "mean_rows", &b, |g, p| Ok(g.mean_rows(p[0])));
        check_op(&mut r, "mean_cols", &b, |g, p| Ok(g.mean_cols(p[0])));
        // sum_to / mean_to with every target the shape reduces to (including itself).
        for target in [
            s,
            Shape::new(s.rows, 1),
            Shape::new(1, s.cols),
            Shape::SCALAR,
        ] {
            check_op(&mut r, &format!("sum_to {s}→{target}"), &b, |g, p| {
                g.sum_to(p[0], target)
            });
            check_op(&mut r, &format!("mean_to {s}→{target}"), &b, |g, p| {
                g.mean_to(p[0], target)
            });
        }
    }
}

#[test]
fn broadcast_every_pattern() {
    let mut r = rng(31);
    for _ in 0..TRIALS {
        let (n, m) = (r.random_range(1..5), r.random_range(1..5));
        let target = Shape::new(n, m);
        for from in [Shape::new(1, m), Shape::new(n, 1), Shape::SCALAR, target] {
            let what = format!("broadcast {from}→{target}");
            check_op(&mut r, &what, &[(from, Dist::SMOOTH)], |g, p| {
                let b = g.broadcast(p[0], target)?;
                assert_eq!(g.shape(b), target);
                Ok(b)
            });
        }
    }
}

#[test]
fn logsumexp_per_row_per_column_whole() {
    let mut r = rng(32);
    for _ in 0..TRIALS {
        let s = random_shape(&mut r);
        let b = [(s, Dist::Uniform(-4.0, 4.0))];
        check_op(&mut r, "logsumexp_rows", &b, |g, p| {
            Ok(g.logsumexp_rows(p[0]))
        });
        check_op(&mut r, "logsumexp cols", &b, |g, p| {
            g.logsumexp_to(p[0], Shape::new(1, s.cols))
        });
        check_op(&mut r, "logsumexp whole", &b, |g, p| {
            g.logsumexp_to(p[0], Shape::SCALAR)
        });
        check_op(&mut r, "logsumexp to itself", &b, |g, p| {
            g.logsumexp_to(p[0], s)
        });
    }
}

#[test]
fn mse_loss() {
    let mut r = rng(40);
    for _ in 0..TRIALS {
        let s = random_shape(&mut r);
        // Gradients w.r.t. both the prediction and the target.
        check_op(
            &mut r,
            "mse",
            &[(s, Dist::SMOOTH), (s, Dist::SMOOTH)],
            |g, p| g.mse(p[0], p[1]),
        );
    }
}

#[test]
fn bce_with_logits_loss() {
    let mut r = rng(41);
    for _ in 0..TRIALS {
        let s = random_shape(&mut r);
        let blocks = [(s, Dist::Uniform(-4.0, 4.0)), (s, Dist::Uniform(0.0, 1.0))];
        check_op(&mut r, "bce_with_logits", &blocks, |g, p| {
            g.bce_with_logits(p[0], p[1])
        });
    }
}

/// Random target rows: one-hot, or a random probability distribution.
fn targets(r: &mut Rng, s: Shape, one_hot: bool) -> ndarray::Array2<f64> {
    let mut t = ndarray::Array2::zeros((s.rows, s.cols));
    for mut row in t.rows_mut() {
        if one_hot {
            row[r.random_range(0..s.cols)] = 1.0;
        } else {
            row.iter_mut().for_each(|x| *x = r.random_range(0.05..1.0));
            let total = row.sum();
            row.iter_mut().for_each(|x| *x /= total);
        }
    }
    t
}

#[test]
fn softmax_cross_entropy_one_hot_and_soft_targets() {
    let mut r = rng(42);
    for one_hot in [true, false] {
        for _ in 0..TRIALS {
            let s = random_shape(&mut r);
            let t = targets(&mut r, s, one_hot);
            let mut p = common::Problem::new(&mut r, &[(s, Dist::Uniform(-4.0, 4.0))]);
            let tn = p.input(t);
            let logits = p.params[0];
            let y = p.graph.softmax_cross_entropy(logits, tn).unwrap();
            let what = format!("softmax_cross_entropy one_hot={one_hot} {s}");
            let grads = p.check_first(&what, y);
            p.check_hvp(&mut r, &what, &grads);
        }
    }
    // Soft targets as parameters too: the loss is also differentiable in the target.
    for _ in 0..TRIALS {
        let s = random_shape(&mut r);
        let blocks = [(s, Dist::Uniform(-4.0, 4.0)), (s, Dist::Uniform(0.0, 1.0))];
        check_op(
            &mut r,
            "softmax_cross_entropy wrt target",
            &blocks,
            |g, p| g.softmax_cross_entropy(p[0], p[1]),
        );
    }
}

#[test]
fn dot_and_squared_norm() {
    let mut r = rng(50);
    for _ in 0..TRIALS {
        let (n, m) = (r.random_range(1..5), r.random_range(1..5));
        let s = Shape::new(n, m);
        check_op(
            &mut r,
            "dot",
            &[(s, Dist::SMOOTH), (s, Dist::SMOOTH)],
            |g, p| g.dot(p[0], p[1]),
        );
        check_op(
            &mut r,
            "dot row-broadcast",
            &[(s, Dist::SMOOTH), (Shape::new(1, m), Dist::SMOOTH)],
            |g, p| g.dot(p[0], p[1]),
        );
        check_op(&mut r, "dot self", &[(s, Dist::SMOOTH)], |g, p| {
            g.dot(p[0], p[0])
        });
        let blocks = [
            (s, Dist::SMOOTH),
            (random_shape(&mut r), Dist::SMOOTH),
            (Shape::SCALAR, Dist::SMOOTH),
        ];
        check_op(&mut r, "squared_norm", &blocks, |g, p| g.squared_norm(p));
        check_op(&mut r, "squared_norm repeated part", &blocks, |g, p| {
            g.squared_norm(&[p[0], p[1], p[0]])
        });
    }
}

#[test]
fn composite_mlp_with_library_gradcheck() {
    // The library's own checker agrees with the symbolic gradient on a composite model (and the
    // independent check in `common` agrees too).
    let mut r = rng(60);
    let (n, d, h, o) = (5, 3, 4, 2);
    let blocks = [
        (Shape::new(h, d), Dist::SMOOTH),
        (Shape::new(1, h), Dist::SMOOTH),
        (Shape::new(o, h), Dist::SMOOTH),
        (Shape::new(1, o), Dist::SMOOTH),
    ];
    let mut p = common::Problem::new(&mut r, &blocks);
    let x = p.input(common::random_array(&mut r, Shape::new(n, d), Dist::SMOOTH));
    let t = p.input(common::random_array(&mut r, Shape::new(n, o), Dist::SMOOTH));
    let g = &mut p.graph;
    let z1 = g.matmul_t(x, false, p.params[0], true).unwrap();
    let z1 = g.add(z1, p.params[1]).unwrap();
    let a1 = g.elu(z1, 0.7);
    let z2 = g.matmul_t(a1, false, p.params[2], true).unwrap();
    let z2 = g.add(z2, p.params[3]).unwrap();
    let y = g.mse(z2, t).unwrap();
    let grads = p.check_first("elu mlp", y);
    p.check_hvp(&mut r, "elu mlp", &grads);
    let inputs = p.inputs.clone();
    let views: Vec<_> = inputs.iter().map(|a| a.view()).collect();
    let c = initsift_tensor::check::check_param_grad(&mut p.graph, y, &p.theta, &views).unwrap();
    assert!(c.max_rel_err < common::FIRST_ORDER_TOL, "{c:?}");
    assert!(c.max_abs_err < common::FIRST_ORDER_TOL, "{c:?}");
}

#[test]
fn matmul_packed_gemm_path() {
    // Above 4096 multiply-adds the interpreter switches from its loop to ndarray's GEMM; the
    // forward product and both adjoint products (same sizes) then take that path.
    let mut r = rng(3);
    let (n, k, m) = (17, 16, 18);
    for (ta, tb) in [(false, false), (true, true)] {
        let sa = if ta {
            Shape::new(k, n)
        } else {
            Shape::new(n, k)
        };
        let sb = if tb {
            Shape::new(m, k)
        } else {
            Shape::new(k, m)
        };
        assert!(n * k * m > 4096);
        check_op(
            &mut r,
            "large matmul",
            &[(sa, Dist::SMOOTH), (sb, Dist::SMOOTH)],
            |g, p| g.matmul_t(p[0], ta, p[1], tb),
        );
    }
}
