//! The interpreter and the gradient bookkeeping: f32 against f64, buffer reuse, matmul against a
//! naive reference on both code paths, zero gradients, fan-out accumulation, non-scalar seeds.

mod common;

use common::{Dist, FIRST_ORDER_TOL, Problem, assert_close, fd_gradient, random_array, rng};
use initsift_tensor::{Graph, NodeId, Shape, Values};
use ndarray::{Array2, ArrayView2, arr2};

/// A 3-layer MLP (tanh, relu) with MSE loss; returns (graph, x, t, loss, grads, param count).
fn mlp(n: usize, dims: &[usize]) -> (Graph, NodeId, NodeId, NodeId, Vec<NodeId>) {
    let mut g = Graph::new();
    let x = g.input(Shape::new(n, dims[0])).unwrap();
    let t = g.input(Shape::new(n, *dims.last().unwrap())).unwrap();
    let mut h = x;
    let mut params = Vec::new();
    for (k, w) in dims.windows(2).enumerate() {
        let wt = g.param(Shape::new(w[1], w[0])).unwrap();
        let b = g.param(Shape::new(1, w[1])).unwrap();
        params.extend([wt, b]);
        let z = g.matmul_t(h, false, wt, true).unwrap();
        let z = g.add(z, b).unwrap();
        h = match k {
            _ if k + 2 == dims.len() => z,
            0 => g.tanh(z),
            _ => g.relu(z),
        };
    }
    let l = g.mse(h, t).unwrap();
    let grads = g.grad(l, &params).unwrap();
    (g, x, t, l, grads)
}

#[test]
fn f32_agrees_with_f64_on_a_random_mlp() {
    let mut r = rng(300);
    // Wide enough that the layer products take the packed-GEMM path too (64·32·20 > 4096).
    let (n, dims) = (64, [8, 32, 20, 4]);
    let (g, _, _, l, grads) = mlp(n, &dims);
    let theta = Dist::Uniform(-0.5, 0.5).vec(&mut r, g.param_len());
    let x = random_array(&mut r, Shape::new(n, dims[0]), Dist::SMOOTH);
    let t = random_array(&mut r, Shape::new(n, 4), Dist::SMOOTH);
    let v64 = g.eval(&theta, &[x.view(), t.view()]).unwrap();
    let theta32: Vec<f32> = theta.iter().map(|&v| v as f32).collect();
    let (x32, t32) = (x.mapv(|v| v as f32), t.mapv(|v| v as f32));
    let v32 = g.eval(&theta32, &[x32.view(), t32.view()]).unwrap();
    // Loss: relative.
    let (a, b) = (v64.scalar(l), f64::from(v32.scalar(l)));
    assert!((a - b).abs() <= 1e-6 * a.abs(), "loss f64 {a} vs f32 {b}");
    // Gradients: each entry within 1e-5 of the largest entry of its block (f32 has ε ≈ 6e-8;
    // the sums run over 64 rows and up to 32 features, so a few 1e-7 relative is expected).
    for &gn in &grads {
        let g64 = v64.slice(gn);
        let scale = g64.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        assert!(scale > 0.0);
        for (i, (&a, &b)) in g64.iter().zip(v32.slice(gn)).enumerate() {
            let err = (a - f64::from(b)).abs() / scale;
            assert!(
                err < 1e-5,
                "grad entry {i}: f64 {a} vs f32 {b} (scale {scale})"
            );
        }
    }
}

#[test]
fn eval_into_reuses_the_buffer_and_is_bit_identical() {
    let mut r = rng(301);
    let (g, _, _, l, grads) = mlp(5, &[3, 4, 4, 2]);
    let x = random_array(&mut r, Shape::new(5, 3), Dist::SMOOTH);
    let t = random_array(&mut r, Shape::new(5, 2), Dist::SMOOTH);
    let inputs = [x.view(), t.view()];
    let mut buf = Values::for_graph(&g);
    for _ in 0..3 {
        let theta = Dist::SMOOTH.vec(&mut r, g.param_len());
        g.eval_into(&theta, &inputs, &mut buf).unwrap();
        let fresh = g.eval(&theta, &inputs).unwrap();
        for &n in grads.iter().chain([&l]) {
            let a: Vec<u64> = buf.slice(n).iter().map(|v| v.to_bits()).collect();
            let b: Vec<u64> = fresh.slice(n).iter().map(|v| v.to_bits()).collect();
            assert_eq!(a, b);
        }
        assert_eq!(buf.get(l), fresh.get(l));
    }
}

#[test]
fn eval_into_a_buffer_laid_out_for_another_graph() {
    // A buffer from a graph with the same node count but other shapes must not be reused as is
    // (it would read and write the wrong slices); a buffer from before the graph grew neither.
    let mut g1 = Graph::new();
    let a = g1.input(Shape::new(1, 2)).unwrap();
    let b = g1.exp(a);
    let _ = g1.sum(b);
    let mut g2 = Graph::new();
    let p = g2.input(Shape::new(3, 4)).unwrap();
    let q = g2.tanh(p);
    let s2 = g2.sum(q);
    assert_eq!(g1.len(), g2.len());
    let x2 = Array2::from_shape_fn((3, 4), |(i, j)| 0.1 * (i * 4 + j) as f64);
    let mut buf = g1
        .eval(&[] as &[f64], &[arr2(&[[0.5, 0.7]]).view()])
        .unwrap();
    g2.eval_into(&[], &[x2.view()], &mut buf).unwrap();
    let want: f64 = x2.iter().map(|v| v.tanh()).sum();
    assert!(
        (buf.scalar(s2) - want).abs() < 1e-14,
        "{} vs {want}",
        buf.scalar(s2)
    );
    assert_eq!(buf.get(q).shape(), &[3, 4]);
    // The graph grows (a gradient is appended): the old buffer is re-laid out.
    let d = g2.grad(s2, &[p]).unwrap()[0];
    g2.eval_into(&[], &[x2.view()], &mut buf).unwrap();
    let want_d = x2.mapv(|v| 1.0 - v.tanh().powi(2));
    assert!(
        buf.get(d)
            .iter()
            .zip(&want_d)
            .all(|(a, b)| (a - b).abs() < 1e-15)
    );
}

#[test]
fn non_contiguous_inputs_are_read_logically() {
    let mut g = Graph::new();
    let x = g.input(Shape::new(3, 2)).unwrap();
    let w = g.param(Shape::new(2, 2)).unwrap();
    let y = g.matmul(x, w).unwrap();
    let xt = arr2(&[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);
    let owned = xt.t().to_owned();
    let theta = [1.0, -1.0, 0.5, 2.0];
    let a = g.eval(&theta, &[xt.t()]).unwrap();
    let b = g.eval(&theta, &[owned.view()]).unwrap();
    assert_eq!(a.get(y), b.get(y));
    assert_eq!(a.get(x), owned);
}

/// Naive product op(a)·op(b).
fn naive(a: &Array2<f64>, ta: bool, b: &Array2<f64>, tb: bool) -> Array2<f64> {
    let a = if ta { a.t().to_owned() } else { a.clone() };
    let b = if tb { b.t().to_owned() } else { b.clone() };
    Array2::from_shape_fn((a.nrows(), b.ncols()), |(i, j)| {
        (0..a.ncols()).map(|k| a[(i, k)] * b[(k, j)]).sum()
    })
}

#[test]
fn matmul_matches_a_naive_product_on_both_paths() {
    let mut r = rng(302);
    for (n, k, m) in [(1, 1, 1), (2, 3, 4), (4, 1, 3), (17, 16, 18), (40, 3, 50)] {
        for ta in [false, true] {
            for tb in [false, true] {
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
                let a = random_array(&mut r, sa, Dist::SMOOTH);
                let b = random_array(&mut r, sb, Dist::SMOOTH);
                let mut g = Graph::new();
                let (an, bn) = (g.input(sa).unwrap(), g.input(sb).unwrap());
                let c = g.matmul_t(an, ta, bn, tb).unwrap();
                let v = g.eval(&[] as &[f64], &[a.view(), b.view()]).unwrap();
                let want = naive(&a, ta, &b, tb);
                let err = (&v.get(c) - &want)
                    .iter()
                    .fold(0.0f64, |m, e| m.max(e.abs()));
                assert!(err < 1e-12, "{n}x{k}x{m} ta={ta} tb={tb}: err {err}");
            }
        }
    }
}

#[test]
fn gradient_wrt_an_unrelated_node_is_zero() {
    let mut g = Graph::new();
    let a = g.param(Shape::new(2, 3)).unwrap();
    let unused = g.param(Shape::new(4, 1)).unwrap();
    let x = g.input(Shape::new(1, 3)).unwrap();
    let sa = g.square(a);
    let y = g.sum(sa);
    let later = g.exp(a); // created after y: y cannot depend on it
    let grads = g.grad(y, &[unused, x, later, a, y]).unwrap();
    for (&n, s) in grads
        .iter()
        .zip([Shape::new(4, 1), Shape::new(1, 3), Shape::new(2, 3)])
    {
        assert_eq!(g.shape(n), s);
    }
    let theta: Vec<f64> = (0..10).map(|i| i as f64 - 3.5).collect();
    let v = g.eval(&theta, &[arr2(&[[1.0, 2.0, 3.0]]).view()]).unwrap();
    assert_eq!(v.slice(grads[0]), [0.0; 4]);
    assert_eq!(v.slice(grads[1]), [0.0; 3]);
    assert_eq!(v.slice(grads[2]), [0.0; 6]);
    let want: Vec<f64> = theta[..6].iter().map(|t| 2.0 * t).collect();
    assert_eq!(v.slice(grads[3]), want.as_slice());
    assert_eq!(v.slice(grads[4]), [1.0], "dy/dy");
}

#[test]
fn fan_out_accumulates() {
    // y = Σ a·a + Σ (a + a) + Σ tanh(a)·a: dy/da = 2a + 2 + (1 − tanh²a)·a + tanh a.
    let mut g = Graph::new();
    let a = g.param(Shape::new(2, 2)).unwrap();
    let m = g.mul(a, a).unwrap();
    let s = g.add(a, a).unwrap();
    let t = g.tanh(a);
    let ta = g.mul(t, a).unwrap();
    let (m, s, ta) = (g.sum(m), g.sum(s), g.sum(ta));
    let y = g.add(m, s).unwrap();
    let y = g.add(y, ta).unwrap();
    let d = g.grad(y, &[a, a]).unwrap();
    let theta = [0.3_f64, -1.2, 2.0, 0.0];
    let v = g.eval(&theta, &[]).unwrap();
    let want: Vec<f64> = theta
        .iter()
        .map(|&x| 2.0 * x + 2.0 + (1.0 - x.tanh().powi(2)) * x + x.tanh())
        .collect();
    common::assert_all_close("fan-out", v.slice(d[0]), &want, 1e-15);
    assert_eq!(v.slice(d[0]), v.slice(d[1]), "the same node twice in wrt");
}

#[test]
fn vjp_with_a_non_scalar_seed() {
    // y = tanh(x·W) [n×m], seed S [n×m]: ∂(Σ S⊙y)/∂W = xᵀ(S ⊙ (1 − y²)), ∂/∂x = (S ⊙ (1 − y²))Wᵀ.
    let mut r = rng(303);
    let (n, k, m) = (4, 3, 5);
    let mut p = Problem::new(
        &mut r,
        &[
            (Shape::new(n, k), Dist::SMOOTH),
            (Shape::new(k, m), Dist::SMOOTH),
        ],
    );
    let seed_val = random_array(&mut r, Shape::new(n, m), Dist::SMOOTH);
    let seed = p.input(seed_val.clone());
    let (x, w) = (p.params[0], p.params[1]);
    let z = p.graph.matmul(x, w).unwrap();
    let y = p.graph.tanh(z);
    let vj = p.graph.vjp(y, seed, &[x, w]).unwrap();
    let v = p.graph.eval(&p.theta, &p.views()).unwrap();
    let yv = v.get(y).to_owned();
    let gz = &seed_val * &yv.mapv(|t| 1.0 - t * t);
    let xv = v.get(x).to_owned();
    let wv = v.get(w).to_owned();
    let want_w = xv.t().dot(&gz);
    let want_x = gz.dot(&wv.t());
    common::assert_all_close("vjp W", v.slice(vj[1]), want_w.as_slice().unwrap(), 1e-14);
    common::assert_all_close("vjp x", v.slice(vj[0]), want_x.as_slice().unwrap(), 1e-14);
    // And against finite differences of Σ S⊙y.
    let sy = p.graph.dot(y, seed).unwrap();
    let analytic = p.eval_flat(&p.theta, &vj);
    let numeric = fd_gradient(|t| p.eval_scalar(t, sy), &p.theta, common::H1);
    assert_close("vjp vs fd", &analytic, &numeric, FIRST_ORDER_TOL);
    // The vjp is a graph value: its own gradient (here of Σ vjp_W²) is checked too.
    let sq = p.graph.squared_norm(&vj[1..]).unwrap();
    p.check_first("grad of a vjp", sq);
}

#[test]
fn values_views_and_scalars() {
    let mut g = Graph::new();
    let c = g.constant(2.5, Shape::new(2, 3)).unwrap();
    let s = g.sum(c);
    let v: Values<f32> = g.eval(&[], &[] as &[ArrayView2<'_, f32>]).unwrap();
    assert_eq!(v.get(c), Array2::from_elem((2, 3), 2.5f32));
    assert_eq!(v.scalar(s), 15.0);
    assert_eq!(g.param_len(), 0);
    assert!(g.input_shapes().is_empty());
}

#[test]
fn eval_until_into_evaluates_a_prefix_only() {
    let mut r = rng(304);
    let (g, _, _, l, grads) = mlp(5, &[3, 4, 2]);
    let x = random_array(&mut r, Shape::new(5, 3), Dist::SMOOTH);
    let t = random_array(&mut r, Shape::new(5, 2), Dist::SMOOTH);
    let inputs = [x.view(), t.view()];
    let theta0 = Dist::SMOOTH.vec(&mut r, g.param_len());
    let theta1 = Dist::SMOOTH.vec(&mut r, g.param_len());
    let mut buf = g.eval(&theta0, &inputs).unwrap();
    let stale: Vec<f64> = buf.slice(grads[0]).to_vec();
    // Forward only, at new parameters: the loss is fresh, gradient nodes (after it) are stale.
    g.eval_until_into(&theta1, &inputs, &mut buf, l).unwrap();
    let fresh = g.eval(&theta1, &inputs).unwrap();
    assert_eq!(buf.scalar(l).to_bits(), fresh.scalar(l).to_bits());
    assert_eq!(buf.slice(grads[0]), stale.as_slice());
    assert_ne!(fresh.slice(grads[0]), stale.as_slice());
    // Errors as eval's, plus an id that is not in the graph.
    assert!(
        g.eval_until_into(&theta1[1..], &inputs, &mut buf, l)
            .is_err()
    );
    let mut big = Graph::new();
    let mut last = big.input(Shape::SCALAR).unwrap();
    for _ in 0..g.len() {
        last = big.exp(last);
    }
    assert!(matches!(
        g.eval_until_into(&theta1, &inputs, &mut buf, last),
        Err(initsift_tensor::Error::UnknownNode { .. })
    ));
}

type UnaryBuilder = fn(&mut Graph, NodeId) -> NodeId;
/// (name, op, f64 reference).
type UnaryCase = (&'static str, UnaryBuilder, fn(f64) -> f64);

#[test]
fn forward_values_match_std_math() {
    // Finite-difference checks compare the engine with itself; this pins the forward values
    // to an independent f64 reference, for every elementwise op and reduction.
    let mut r = rng(305);
    let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
    let unary: Vec<UnaryCase> = vec![
        ("neg", |g, x| g.neg(x), |x| -x),
        ("scale", |g, x| g.scale(x, -1.7), |x| -1.7 * x),
        ("shift", |g, x| g.shift(x, 0.3), |x| x + 0.3),
        ("relu", |g, x| g.relu(x), |x| x.max(0.0)),
        (
            "leaky",
            |g, x| g.leaky_relu(x, -0.8),
            |x| if x > 0.0 { x } else { -0.8 * x },
        ),
        ("abs", |g, x| g.abs(x), f64::abs),
        ("tanh", |g, x| g.tanh(x), f64::tanh),
        (
            "elu",
            |g, x| g.elu(x, 0.5),
            |x| if x > 0.0 { x } else { 0.5 * (x.exp() - 1.0) },
        ),
        ("exp", |g, x| g.exp(x), f64::exp),
        ("square", |g, x| g.square(x), |x| x * x),
        ("softplus", |g, x| g.softplus(x), |x| (1.0 + x.exp()).ln()),
        (
            "step",
            |g, x| g.step(x),
            |x| if x > 0.0 { 1.0 } else { 0.0 },
        ),
        ("sign", |g, x| g.sign(x), f64::signum),
    ];
    let s = Shape::new(3, 4);
    let x = random_array(&mut r, s, Dist::Uniform(-3.0, 3.0));
    let xp = random_array(&mut r, s, Dist::POSITIVE);
    let check = |name: &str, f: UnaryBuilder, xs: &Array2<f64>, want: Array2<f64>| {
        let mut g = Graph::new();
        let xn = g.input(s).unwrap();
        let y = f(&mut g, xn);
        let v = g.eval(&[] as &[f64], &[xs.view()]).unwrap();
        common::assert_all_close(name, v.slice(y), want.as_slice().unwrap(), 1e-14);
    };
    for (name, f, reference) in unary {
        check(name, f, &x, x.mapv(reference));
    }
    check("sigmoid", |g, x| g.sigmoid(x), &x, x.mapv(sig));
    check("log", |g, x| g.log(x), &xp, xp.mapv(f64::ln));
    check("sqrt", |g, x| g.sqrt(x), &xp, xp.mapv(f64::sqrt));

    // Binary ops with broadcasting, and reductions, against ndarray.
    let mut g = Graph::new();
    let a = g.input(s).unwrap();
    let row = g.input(Shape::new(1, 4)).unwrap();
    let col = g.input(Shape::new(3, 1)).unwrap();
    let add = g.add(a, row).unwrap();
    let sub = g.sub(col, a).unwrap();
    let mul = g.mul(col, row).unwrap();
    let div = g.div(a, col).unwrap();
    let sr = g.sum_rows(a);
    let sc = g.sum_cols(a);
    let mean = g.mean(a);
    let mc = g.mean_cols(a);
    let bc = g.broadcast(row, s).unwrap();
    let lse = g.logsumexp_rows(a);
    let rv = random_array(&mut r, Shape::new(1, 4), Dist::SMOOTH);
    let cv = random_array(&mut r, Shape::new(3, 1), Dist::DENOM);
    let v = g
        .eval(&[] as &[f64], &[x.view(), rv.view(), cv.view()])
        .unwrap();
    let close = |name: &str, n: NodeId, want: Array2<f64>| {
        common::assert_all_close(
            name,
            v.slice(n),
            want.as_standard_layout().as_slice().unwrap(),
            1e-14,
        )
    };
    close("add row", add, &x + &rv);
    close("sub col", sub, &cv - &x);
    close("mul col·row", mul, &cv * &rv);
    close("div col", div, &x / &cv);
    close(
        "sum_rows",
        sr,
        x.sum_axis(ndarray::Axis(1)).insert_axis(ndarray::Axis(1)),
    );
    close(
        "sum_cols",
        sc,
        x.sum_axis(ndarray::Axis(0)).insert_axis(ndarray::Axis(0)),
    );
    close("mean", mean, arr2(&[[x.mean().unwrap()]]));
    close(
        "mean_cols",
        mc,
        x.mean_axis(ndarray::Axis(0))
            .unwrap()
            .insert_axis(ndarray::Axis(0)),
    );
    close("broadcast", bc, rv.broadcast((3, 4)).unwrap().to_owned());
    let want_lse = x.map_axis(ndarray::Axis(1), |row| row.mapv(f64::exp).sum().ln());
    close(
        "logsumexp_rows",
        lse,
        want_lse.insert_axis(ndarray::Axis(1)),
    );
}

/// PyTorch's cross-entropy with probability targets is −Σ t·log_softmax(x), so targets that do
/// not sum to 1 scale the log-sum-exp term too.
#[test]
fn cross_entropy_with_unnormalised_targets_matches_pytorch() {
    use initsift_tensor::{Graph, Shape};
    let mut g = Graph::new();
    let x = g.input(Shape::new(1, 3)).unwrap();
    let t = g.input(Shape::new(1, 3)).unwrap();
    let l = g.softmax_cross_entropy(x, t).unwrap();
    let xs = ndarray::array![[0.5f64, -1.0, 2.0]];
    let ts = ndarray::array![[2.0f64, 0.0, 0.5]];
    let v = g.eval(&[] as &[f64], &[xs.view(), ts.view()]).unwrap();
    let lse = (0.5f64.exp() + (-1.0f64).exp() + 2.0f64.exp()).ln();
    let expected = 2.0 * (lse - 0.5) + 0.5 * (lse - 2.0);
    assert!(
        (v.scalar(l) - expected).abs() < 1e-12,
        "{} vs {expected}",
        v.scalar(l)
    );
}
