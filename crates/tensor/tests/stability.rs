//! Numerical stability at extreme inputs, in f64 and f32: no overflow to inf/NaN where the true
//! value is finite, correct limits, and NaN propagating where it must (a diverged run stays
//! visible).

use initsift_tensor::{Graph, NodeId, Real, Shape};
use ndarray::Array2;

/// Evaluates `build` on one input row `xs` (and an optional target row), returning the output
/// and its gradient w.r.t. the input (of Σ output), as f64.
fn run<T: Real>(
    xs: &[f64],
    target: Option<&[f64]>,
    shape: Shape,
    build: impl Fn(&mut Graph, NodeId, Option<NodeId>) -> NodeId,
) -> (Vec<f64>, Vec<f64>) {
    let mut g = Graph::new();
    let x = g.input(shape).unwrap();
    let t = target.map(|_| g.input(shape).unwrap());
    let y = build(&mut g, x, t);
    let s = g.sum(y);
    let d = g.grad(s, &[x]).unwrap()[0];
    let arr = |v: &[f64]| {
        Array2::from_shape_fn((shape.rows, shape.cols), |(i, j)| {
            T::from_f64(v[i * shape.cols + j])
        })
    };
    let xa = arr(xs);
    let ta = target.map(arr);
    let mut inputs = vec![xa.view()];
    if let Some(ta) = &ta {
        inputs.push(ta.view());
    }
    let v = g.eval::<T>(&[], &inputs).unwrap();
    let f = |n| v.slice(n).iter().map(|&t| Real::to_f64(t)).collect();
    (f(y), f(d))
}

fn row(n: usize) -> Shape {
    Shape::new(1, n)
}

#[track_caller]
/// Finite, and |got − want| ≤ max(rel·|want|, abs).
fn near(what: &str, got: &[f64], want: &[f64], rel: f64, abs: f64) {
    assert_eq!(got.len(), want.len());
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(g.is_finite(), "{what}[{i}] = {g} is not finite");
        assert!(
            (g - w).abs() <= (rel * w.abs()).max(abs),
            "{what}[{i}]: {g:e} vs {w:e}"
        );
    }
}

/// f64 tolerances: relative to 1e-14, and the tiny tails (e^−100 ≈ 3.7e−44) relatively too.
const F64: (f64, f64) = (1e-14, 0.0);
/// f32 tolerances: relative to 1e-6; absolute 1e-30 for subnormal tails like e^−100.
const F32: (f64, f64) = (1e-6, 1e-30);

const EXTREMES: [f64; 4] = [100.0, -100.0, 1e4, -1e4];

#[test]
fn softplus_at_extreme_logits() {
    let e100 = (-100f64).exp();
    // f64: softplus(x) = x + ln(1 + e^−x) for x ≫ 0, ≈ eˣ for x ≪ 0 (relative accuracy).
    let (y, d) = run::<f64>(&EXTREMES, None, row(4), |g, x, _| g.softplus(x));
    near("softplus f64", &y, &[100.0, e100, 1e4, 0.0], F64.0, F64.1);
    near("softplus' f64", &d, &[1.0, e100, 1.0, 0.0], F64.0, F64.1);
    let (y, d) = run::<f32>(&EXTREMES, None, row(4), |g, x, _| g.softplus(x));
    near("softplus f32", &y, &[100.0, e100, 1e4, 0.0], F32.0, F32.1);
    near("softplus' f32", &d, &[1.0, e100, 1.0, 0.0], F32.0, F32.1);
}

#[test]
fn sigmoid_tanh_at_extremes() {
    let e100 = (-100f64).exp();
    let (y, d) = run::<f64>(&EXTREMES, None, row(4), |g, x, _| g.sigmoid(x));
    near("sigmoid f64", &y, &[1.0, e100, 1.0, 0.0], F64.0, F64.1);
    near("sigmoid' f64", &d, &[0.0, e100, 0.0, 0.0], F64.0, F64.1);
    let (y, d) = run::<f32>(&EXTREMES, None, row(4), |g, x, _| g.sigmoid(x));
    near("sigmoid f32", &y, &[1.0, e100, 1.0, 0.0], F32.0, F32.1);
    near("sigmoid' f32", &d, &[0.0, e100, 0.0, 0.0], F32.0, F32.1);
    let (y, d) = run::<f32>(&EXTREMES, None, row(4), |g, x, _| g.tanh(x));
    near("tanh f32", &y, &[1.0, -1.0, 1.0, -1.0], 0.0, 0.0);
    near("tanh' f32", &d, &[0.0; 4], 0.0, 0.0);
}

#[test]
fn bce_with_logits_at_extreme_logits() {
    // Per element the loss is softplus(x) − x·t, and the gradient of the mean is (σ(x) − t)/N;
    // here scaled by N = 4 so the output is the total and the gradient σ(x) − t.
    let e100 = (-100f64).exp();
    let total = |g: &mut Graph, x, t: Option<NodeId>| {
        let l = g.bce_with_logits(x, t.unwrap()).unwrap();
        g.scale(l, 4.0)
    };
    // Right answers: loss ≈ 2e^−100 (absolute 1e-43 covers dropping the e^−100 of x = 100,
    // since 100 + e^−100 − 100 rounds to 0).
    let t = [1.0, 0.0, 1.0, 0.0];
    let want_d = [0.0, e100, 0.0, 0.0];
    let (y, d) = run::<f64>(&EXTREMES, Some(&t), row(4), total);
    near("bce right f64", &y, &[2.0 * e100], 0.0, 1e-43);
    near("bce' right f64", &d, &want_d, F64.0, F64.1);
    let (y, d) = run::<f32>(&EXTREMES, Some(&t), row(4), total);
    near("bce right f32", &y, &[2.0 * e100], 0.0, 1e-30);
    near("bce' right f32", &d, &want_d, F32.0, F32.1);
    // Wrong answers: loss |x| each, gradient ±1.
    let t = [0.0, 1.0, 0.0, 1.0];
    let want_y = [100.0 + 100.0 + 1e4 + 1e4];
    let want_d = [1.0, -1.0, 1.0, -1.0];
    let (y, d) = run::<f64>(&EXTREMES, Some(&t), row(4), total);
    near("bce wrong f64", &y, &want_y, F64.0, F64.1);
    near("bce' wrong f64", &d, &want_d, F64.0, F64.1);
    let (y, d) = run::<f32>(&EXTREMES, Some(&t), row(4), total);
    near("bce wrong f32", &y, &want_y, F32.0, F32.1);
    near("bce' wrong f32", &d, &want_d, F32.0, F32.1);
}

/// The gradient exp(x − lse) inherits the rounding of lse ≈ 1000.69: ulp ≈ 1.1e-13 in f64,
/// 6.1e-5 in f32. PyTorch's logsumexp backward uses the same formula, with the same error.
const LSE_GRAD: f64 = 1e-12;
const LSE_GRAD_F32: f64 = 1e-4;

#[test]
fn logsumexp_of_huge_equal_values() {
    let ln2 = std::f64::consts::LN_2;
    for v in [1000.0, -1000.0] {
        // Per row.
        let (y, d) = run::<f64>(&[v, v], None, row(2), |g, x, _| g.logsumexp_rows(x));
        near("lse rows", &y, &[v + ln2], 1e-15, 0.0);
        near("lse' rows", &d, &[0.5, 0.5], LSE_GRAD, 0.0);
        // Per column ([2×1] → [1×1] is both per column and whole).
        let (y, d) = run::<f64>(&[v, v], None, Shape::new(2, 1), |g, x, _| {
            g.logsumexp_to(x, Shape::new(1, 1)).unwrap()
        });
        near("lse col", &y, &[v + ln2], 1e-15, 0.0);
        near("lse' col", &d, &[0.5, 0.5], LSE_GRAD, 0.0);
        let (y, _) = run::<f64>(&[v, v, v, v], None, Shape::new(2, 2), |g, x, _| {
            g.logsumexp_to(x, Shape::new(1, 2)).unwrap()
        });
        near("lse cols 2x2", &y, &[v + ln2, v + ln2], 1e-15, 0.0);
        let (y, d) = run::<f32>(&[v, v], None, row(2), |g, x, _| g.logsumexp_rows(x));
        near("lse rows f32", &y, &[v + ln2], F32.0, F32.1);
        near("lse' rows f32", &d, &[0.5, 0.5], LSE_GRAD_F32, 0.0);
    }
    // A masked entry (−inf) contributes nothing; huge spreads give one-hot gradients.
    let (y, d) = run::<f64>(&[f64::NEG_INFINITY, 0.0], None, row(2), |g, x, _| {
        g.logsumexp_rows(x)
    });
    assert_eq!((y, d), (vec![0.0], vec![0.0, 1.0]));
    let (y, d) = run::<f32>(&[1e4, 0.0, -1e4], None, row(3), |g, x, _| {
        g.logsumexp_rows(x)
    });
    assert_eq!((y, d), (vec![1e4], vec![1.0, 0.0, 0.0]));
}

#[test]
fn softmax_cross_entropy_with_huge_logits() {
    // Row 0 is right by a margin of 2e4 (loss 0); row 1 is wrong by 2e4 (loss 2e4): mean 1e4.
    let logits = [1e4, -1e4, 0.0, -1e4, 1e4, 0.0];
    let target = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
    let ce = |g: &mut Graph, x, t: Option<NodeId>| g.softmax_cross_entropy(x, t.unwrap()).unwrap();
    let want_d = [0.0, 0.0, 0.0, -0.5, 0.5, 0.0];
    let (y, d) = run::<f64>(&logits, Some(&target), Shape::new(2, 3), ce);
    assert_eq!(y, [1e4]);
    assert_eq!(d, want_d);
    let (y, d) = run::<f32>(&logits, Some(&target), Shape::new(2, 3), ce);
    assert_eq!(y, [1e4]);
    assert_eq!(d, want_d);
}

#[test]
fn elu_gradient_for_large_inputs() {
    // elu'(x) = 1 for every x > 0 and α·eˣ → 0 for x ≪ 0, with no overflow of eˣ.
    let xs = [20.0, 50.0, 100.0, 800.0, -50.0, -1e4];
    for alpha in [1.0, 0.5] {
        let want_y = [20.0, 50.0, 100.0, 800.0, -alpha, -alpha];
        let want_d = [1.0, 1.0, 1.0, 1.0, alpha * (-50f64).exp(), 0.0];
        let (y, d) = run::<f64>(&xs, None, row(6), |g, x, _| g.elu(x, alpha));
        near("elu f64", &y, &want_y, 1e-15, 0.0);
        near("elu' f64", &d, &want_d, 1e-15, 0.0);
        let (y, d) = run::<f32>(&xs, None, row(6), |g, x, _| g.elu(x, alpha));
        near("elu f32", &y, &want_y, 1e-7, 1e-30);
        near("elu' f32", &d, &want_d, 1e-7, 1e-30);
    }
}

type Builder = fn(&mut Graph, NodeId) -> NodeId;

#[test]
fn nan_propagates() {
    // relu(NaN) is NaN (as PyTorch), as is every other elementwise op except the 0/1 helper
    // `step`; reductions, matmul and losses containing a NaN are NaN.
    let ops: Vec<(&str, Builder)> = vec![
        ("relu", |g, x| g.relu(x)),
        ("leaky_relu", |g, x| g.leaky_relu(x, 0.1)),
        ("abs", |g, x| g.abs(x)),
        ("tanh", |g, x| g.tanh(x)),
        ("sigmoid", |g, x| g.sigmoid(x)),
        ("softplus", |g, x| g.softplus(x)),
        ("elu", |g, x| g.elu(x, 1.0)),
        ("exp", |g, x| g.exp(x)),
        ("log", |g, x| g.log(x)),
        ("sqrt", |g, x| g.sqrt(x)),
        ("square", |g, x| g.square(x)),
        ("sign", |g, x| g.sign(x)),
        ("sum", |g, x| g.sum(x)),
        ("mean_rows", |g, x| g.mean_rows(x)),
        ("logsumexp_rows", |g, x| g.logsumexp_rows(x)),
        ("matmul", |g, x| g.matmul_t(x, false, x, true).unwrap()),
        ("mse", |g, x| {
            let z = g.constant(0.0, g.shape(x)).unwrap();
            g.mse(x, z).unwrap()
        }),
    ];
    for (name, f) in ops {
        for t in [false, true] {
            let (y, _) = if t {
                run::<f32>(&[f64::NAN], None, row(1), |g, x, _| f(g, x))
            } else {
                run::<f64>(&[f64::NAN], None, row(1), |g, x, _| f(g, x))
            };
            assert!(y[0].is_nan(), "{name}(NaN) = {} (f32 {t})", y[0]);
        }
    }
    // A NaN among ordinary values poisons its reduced group only.
    let (y, _) = run::<f64>(
        &[1.0, f64::NAN, 2.0, 3.0],
        None,
        Shape::new(2, 2),
        |g, x, _| g.logsumexp_rows(x),
    );
    assert!(y[0].is_nan() && y[1].is_finite(), "{y:?}");
    let (y, _) = run::<f64>(&[f64::NAN, 1.0], None, row(2), |g, x, _| g.step(x));
    assert_eq!(y, [0.0, 1.0]);
}
