//! Values and derivatives exactly at kinks follow PyTorch, and the losses' gradients have
//! PyTorch's closed forms (σ(x) − t for BCE-with-logits, softmax − target for cross-entropy).

mod common;

use common::{Dist, assert_all_close, random_array, rng};
use initsift_tensor::{Graph, NodeId, Real, Shape};
use ndarray::{Array2, arr2};
use rand::RngExt;

/// f(x) and d/dx Σ f(x) at the given points, in element type `T`.
fn value_and_derivative<T: Real>(
    f: impl Fn(&mut Graph, NodeId) -> NodeId,
    xs: &[f64],
) -> (Vec<f64>, Vec<f64>) {
    let mut g = Graph::new();
    let x = g.input(Shape::new(1, xs.len())).unwrap();
    let y = f(&mut g, x);
    let s = g.sum(y);
    let d = g.grad(s, &[x]).unwrap()[0];
    let xv = Array2::from_shape_fn((1, xs.len()), |(_, j)| T::from_f64(xs[j]));
    let v = g.eval::<T>(&[], &[xv.view()]).unwrap();
    let out = |n| v.slice(n).iter().map(|&t| Real::to_f64(t)).collect();
    (out(y), out(d))
}

type Builder = fn(&mut Graph, NodeId) -> NodeId;
type OpFn = Box<dyn Fn(&mut Graph, NodeId) -> NodeId>;

/// An op with PyTorch's value and derivative at exactly 0.
struct Convention {
    name: String,
    op: OpFn,
    value: f64,
    deriv: f64,
}

fn conv(name: impl Into<String>, op: OpFn, value: f64, deriv: f64) -> Convention {
    Convention {
        name: name.into(),
        op,
        value,
        deriv,
    }
}

fn conventions() -> Vec<Convention> {
    let b = |f: Builder| -> OpFn { Box::new(f) };
    let mut v = vec![
        conv("relu", b(|g, x| g.relu(x)), 0.0, 0.0),
        conv("abs", b(|g, x| g.abs(x)), 0.0, 0.0),
        conv("sign", b(|g, x| g.sign(x)), 0.0, 0.0),
        conv("step", b(|g, x| g.step(x)), 0.0, 0.0),
        // No kink: the smooth values.
        conv("sigmoid", b(|g, x| g.sigmoid(x)), 0.5, 0.25),
        conv(
            "softplus",
            b(|g, x| g.softplus(x)),
            std::f64::consts::LN_2,
            0.5,
        ),
        conv("tanh", b(|g, x| g.tanh(x)), 0.0, 1.0),
        conv("square", b(|g, x| g.square(x)), 0.0, 0.0),
    ];
    for slope in [0.01, 0.2, -0.1, -0.8, 1.5] {
        let op: OpFn = Box::new(move |g, x| g.leaky_relu(x, slope));
        v.push(conv(format!("leaky_relu {slope}"), op, 0.0, slope));
    }
    for alpha in [1.0, 0.5] {
        let op: OpFn = Box::new(move |g, x| g.elu(x, alpha));
        v.push(conv(format!("elu {alpha}"), op, 0.0, alpha));
    }
    v
}

fn check_conventions<T: Real>() {
    for Convention {
        name,
        op,
        value,
        deriv,
    } in conventions()
    {
        // +0 and −0 alike (PyTorch treats −0.0 as 0 in every one of these).
        let (y, d) = value_and_derivative::<T>(&op, &[0.0, -0.0]);
        for k in 0..2 {
            assert!(
                (y[k] - value).abs() <= 1e-7 && (d[k] - deriv).abs() <= 1e-7,
                "{name} ({}) at {}: value {} (want {value}), derivative {} (want {deriv})",
                std::any::type_name::<T>(),
                [0.0, -0.0][k],
                y[k],
                d[k]
            );
        }
    }
}

#[test]
fn kink_conventions_at_zero_f64() {
    check_conventions::<f64>();
}

#[test]
fn kink_conventions_at_zero_f32() {
    check_conventions::<f32>();
}

#[test]
fn second_derivatives_at_zero() {
    // PyTorch's double backward: elu''(0) = α (its x ≤ 0 branch), 0 for the piecewise-linear
    // ops; the smooth ops' true values.
    let cases: Vec<(&str, Builder, f64)> = vec![
        ("elu 1", |g, x| g.elu(x, 1.0), 1.0),
        ("elu 0.5", |g, x| g.elu(x, 0.5), 0.5),
        ("relu", |g, x| g.relu(x), 0.0),
        ("abs", |g, x| g.abs(x), 0.0),
        ("leaky_relu -0.8", |g, x| g.leaky_relu(x, -0.8), 0.0),
        ("softplus", |g, x| g.softplus(x), 0.25),
        ("sigmoid", |g, x| g.sigmoid(x), 0.0),
        ("tanh", |g, x| g.tanh(x), 0.0),
    ];
    for (name, f, want) in cases {
        let mut g = Graph::new();
        let x = g.input(Shape::SCALAR).unwrap();
        let y = f(&mut g, x);
        let d1 = g.grad(y, &[x]).unwrap()[0];
        let d2 = g.grad(d1, &[x]).unwrap()[0];
        for z in [0.0, -0.0] {
            let v = g.eval(&[] as &[f64], &[arr2(&[[z]]).view()]).unwrap();
            assert_eq!(v.scalar(d2), want, "{name}'' at {z}");
        }
    }
}

#[test]
fn piecewise_derivatives_on_each_side() {
    let xs = [-2.0, -1e-300, 1e-300, 3.0];
    let cases: Vec<(&str, Builder, [f64; 4])> = vec![
        ("relu", |g, x| g.relu(x), [0.0, 0.0, 1.0, 1.0]),
        ("abs", |g, x| g.abs(x), [-1.0, -1.0, 1.0, 1.0]),
        (
            "leaky -0.8",
            |g, x| g.leaky_relu(x, -0.8),
            [-0.8, -0.8, 1.0, 1.0],
        ),
        (
            "leaky 1.5",
            |g, x| g.leaky_relu(x, 1.5),
            [1.5, 1.5, 1.0, 1.0],
        ),
        (
            "elu 0.5",
            |g, x| g.elu(x, 0.5),
            [0.5 * (-2.0f64).exp(), 0.5, 1.0, 1.0],
        ),
        ("sign", |g, x| g.sign(x), [0.0; 4]),
        ("step", |g, x| g.step(x), [0.0; 4]),
    ];
    for (name, f, want) in cases {
        let (_, d) = value_and_derivative::<f64>(f, &xs);
        assert_all_close(name, &d, &want, 1e-15);
    }
    let (y, _) = value_and_derivative::<f64>(|g, x| g.sign(x), &xs);
    assert_eq!(y, [-1.0, -1.0, 1.0, 1.0]);
    let (y, _) = value_and_derivative::<f64>(|g, x| g.step(x), &xs);
    assert_eq!(y, [0.0, 0.0, 1.0, 1.0]);
}

/// Gradients of `loss(logits, target)` w.r.t. the logits (a parameter) at given values.
fn loss_grad(
    logits: &Array2<f64>,
    target: &Array2<f64>,
    loss: impl Fn(&mut Graph, NodeId, NodeId) -> NodeId,
) -> (f64, Array2<f64>) {
    let mut g = Graph::new();
    let s = Shape::new(logits.nrows(), logits.ncols());
    let x = g.param(s).unwrap();
    let t = g.input(s).unwrap();
    let l = loss(&mut g, x, t);
    let d = g.grad(l, &[x]).unwrap()[0];
    let v = g
        .eval(logits.as_slice().unwrap(), &[target.view()])
        .unwrap();
    (v.scalar(l), v.get(d).to_owned())
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

#[test]
fn bce_with_logits_gradient_is_sigmoid_minus_target() {
    let mut r = rng(200);
    for _ in 0..5 {
        let s = common::random_shape(&mut r);
        let n = s.len() as f64;
        let t = random_array(&mut r, s, Dist::Uniform(0.0, 1.0));
        // At logit 0: (0.5 − t) / N (the mean over N elements); loss ln 2.
        let zeros = Array2::zeros((s.rows, s.cols));
        let (l, d) = loss_grad(&zeros, &t, |g, x, t| g.bce_with_logits(x, t).unwrap());
        assert!((l - std::f64::consts::LN_2).abs() < 1e-15, "bce(0) = {l}");
        let want: Vec<f64> = t.iter().map(|t| (0.5 - t) / n).collect();
        assert_all_close("bce grad at 0", d.as_slice().unwrap(), &want, 1e-15);
        // Anywhere: (σ(x) − t) / N, and the loss −[t ln σ(x) + (1 − t) ln(1 − σ(x))] averaged.
        let x = random_array(&mut r, s, Dist::Uniform(-6.0, 6.0));
        let (l, d) = loss_grad(&x, &t, |g, x, t| g.bce_with_logits(x, t).unwrap());
        let want: Vec<f64> = x
            .iter()
            .zip(&t)
            .map(|(x, t)| (sigmoid(*x) - t) / n)
            .collect();
        assert_all_close("bce grad", d.as_slice().unwrap(), &want, 1e-14);
        let want_l = x
            .iter()
            .zip(&t)
            .map(|(x, t)| -(t * sigmoid(*x).ln() + (1.0 - t) * (1.0 - sigmoid(*x)).ln()))
            .sum::<f64>()
            / n;
        assert!((l - want_l).abs() < 1e-12, "bce {l} vs {want_l}");
    }
}

fn softmax_rows(x: &Array2<f64>) -> Array2<f64> {
    let mut p = x.clone();
    for mut row in p.rows_mut() {
        let m = row.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
        row.mapv_inplace(|v| (v - m).exp());
        let total = row.sum();
        row.mapv_inplace(|v| v / total);
    }
    p
}

#[test]
fn softmax_cross_entropy_gradient_is_softmax_minus_target_over_rows() {
    let mut r = rng(201);
    for one_hot in [true, false] {
        for _ in 0..5 {
            let s = common::random_shape(&mut r);
            let x = random_array(&mut r, s, Dist::Uniform(-5.0, 5.0));
            let mut t = Array2::zeros((s.rows, s.cols));
            for mut row in t.rows_mut() {
                if one_hot {
                    row[r.random_range(0..s.cols)] = 1.0;
                } else {
                    row.mapv_inplace(|_| r.random_range(0.01..1.0));
                    let total = row.sum();
                    row.mapv_inplace(|v| v / total);
                }
            }
            let (l, d) = loss_grad(&x, &t, |g, x, t| g.softmax_cross_entropy(x, t).unwrap());
            let p = softmax_rows(&x);
            let want = (&p - &t) / s.rows as f64;
            assert_all_close(
                "softmax CE grad",
                d.as_slice().unwrap(),
                want.as_slice().unwrap(),
                1e-14,
            );
            // Loss: −mean_i Σ_j t_ij ln p_ij (PyTorch CrossEntropyLoss with probability targets).
            let want_l = -(&t * &p.mapv(f64::ln)).sum() / s.rows as f64;
            assert!((l - want_l).abs() < 1e-12, "CE {l} vs {want_l}");
        }
    }
    // All-zero logits: uniform softmax, gradient (1/k − t)/n, loss ln k.
    let t = arr2(&[[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.25, 0.75]]);
    let (l, d) = loss_grad(&Array2::zeros((2, 4)), &t, |g, x, t| {
        g.softmax_cross_entropy(x, t).unwrap()
    });
    assert!((l - 4f64.ln()).abs() < 1e-15);
    let want = t.mapv(|t| (0.25 - t) / 2.0);
    assert_all_close(
        "CE at 0",
        d.as_slice().unwrap(),
        want.as_slice().unwrap(),
        1e-15,
    );
}

#[test]
fn mse_gradient_closed_form() {
    let mut r = rng(202);
    let s = Shape::new(3, 4);
    let p = random_array(&mut r, s, Dist::SMOOTH);
    let t = random_array(&mut r, s, Dist::SMOOTH);
    let (l, d) = loss_grad(&p, &t, |g, x, t| g.mse(x, t).unwrap());
    let diff = &p - &t;
    assert!((l - diff.mapv(|v| v * v).sum() / 12.0).abs() < 1e-14);
    let want = diff.mapv(|v| 2.0 * v / 12.0);
    assert_all_close(
        "mse grad",
        d.as_slice().unwrap(),
        want.as_slice().unwrap(),
        1e-15,
    );
}
