//! Second and higher derivatives: gradient-of-gradient-norm (GradInit), Hessian-vector products,
//! the cosine of two gradients (NIO/GradCosine), a meta-gradient through one SGD step, and
//! third/fourth derivatives of scalar functions against closed forms and finite differences.

mod common;

use common::{
    Dist, H1, H2, Problem, Rng, SECOND_ORDER_TOL, assert_all_close, assert_close, fd_directional,
    fd_gradient, random_array, rng,
};
use initsift_tensor::{Graph, NodeId, Shape};
use ndarray::{Array2, arr2};
use rand::RngExt;

/// Which small model a test runs on.
#[derive(Debug, Clone, Copy)]
enum Model {
    /// x → tanh(x W1ᵀ + b1) → · W2ᵀ + b2, MSE against real targets.
    TanhMlpMse,
    /// x → tanh(x W1ᵀ + b1) → · W2ᵀ + b2 = logits, softmax cross-entropy against one-hot rows.
    TanhMlpSoftmaxCe,
}

const N: usize = 5;
const D: usize = 3;
const H: usize = 4;
const O: usize = 3;

fn weight_blocks() -> [(Shape, Dist); 4] {
    [
        (Shape::new(H, D), Dist::SMOOTH),
        (Shape::new(1, H), Dist::SMOOTH),
        (Shape::new(O, H), Dist::SMOOTH),
        (Shape::new(1, O), Dist::SMOOTH),
    ]
}

/// A random batch (inputs, targets) for `model`.
fn batch(r: &mut Rng, model: Model) -> (Array2<f64>, Array2<f64>) {
    let x = random_array(r, Shape::new(N, D), Dist::SMOOTH);
    let t = match model {
        Model::TanhMlpMse => random_array(r, Shape::new(N, O), Dist::SMOOTH),
        Model::TanhMlpSoftmaxCe => {
            let mut t = Array2::zeros((N, O));
            for i in 0..N {
                t[(i, r.random_range(0..O))] = 1.0;
            }
            t
        }
    };
    (x, t)
}

/// The loss of `model` on (x, t) with weights given as nodes (params, or expressions of them).
fn loss(g: &mut Graph, model: Model, w: &[NodeId], x: NodeId, t: NodeId) -> NodeId {
    let z1 = g.matmul_t(x, false, w[0], true).unwrap();
    let z1 = g.add(z1, w[1]).unwrap();
    let a1 = g.tanh(z1);
    let z2 = g.matmul_t(a1, false, w[2], true).unwrap();
    let z2 = g.add(z2, w[3]).unwrap();
    match model {
        Model::TanhMlpMse => g.mse(z2, t).unwrap(),
        Model::TanhMlpSoftmaxCe => g.softmax_cross_entropy(z2, t).unwrap(),
    }
}

/// A problem holding `model` with random weights and one random batch; returns it with the loss.
fn setup(r: &mut Rng, model: Model) -> (Problem, NodeId) {
    let mut p = Problem::new(r, &weight_blocks());
    let (x, t) = batch(r, model);
    let (x, t) = (p.input(x), p.input(t));
    let w = p.params.clone();
    let l = loss(&mut p.graph, model, &w, x, t);
    (p, l)
}

/// Σ_i a_i · b_i over matching lists of nodes.
fn dot_all(g: &mut Graph, a: &[NodeId], b: &[NodeId]) -> NodeId {
    let mut acc = g.dot(a[0], b[0]).unwrap();
    for (&x, &y) in a.iter().zip(b).skip(1) {
        let d = g.dot(x, y).unwrap();
        acc = g.add(acc, d).unwrap();
    }
    acc
}

const MODELS: [Model; 2] = [Model::TanhMlpMse, Model::TanhMlpSoftmaxCe];

#[test]
fn gradient_of_gradient_norm() {
    // GradInit differentiates ‖∇θ L‖² (create_graph=True). Its gradient, 2·H·∇L, is checked
    // coordinate by coordinate against central differences of the value ‖∇θ L‖².
    let mut r = rng(100);
    for model in MODELS {
        for _ in 0..3 {
            let (mut p, l) = setup(&mut r, model);
            let w = p.params.clone();
            let gl = p.graph.grad(l, &w).unwrap();
            let gn = p.graph.squared_norm(&gl).unwrap();
            let dgn = p.graph.grad(gn, &w).unwrap();
            let analytic = p.eval_flat(&p.theta, &dgn);
            let numeric = fd_gradient(|t| p.eval_scalar(t, gn), &p.theta, H1);
            assert_close(
                &format!("{model:?}: ∇‖∇L‖²"),
                &analytic,
                &numeric,
                SECOND_ORDER_TOL,
            );
            // And it is not trivially zero (so the check has teeth).
            assert!(analytic.iter().any(|v| v.abs() > 1e-3), "{analytic:?}");
        }
    }
}

#[test]
fn hessian_vector_product_against_gradient_differences() {
    let mut r = rng(101);
    for model in MODELS {
        for _ in 0..3 {
            let (mut p, l) = setup(&mut r, model);
            let w = p.params.clone();
            let gl = p.graph.grad(l, &w).unwrap();
            // Grad of (∇L · v) versus (∇L(θ+hv) − ∇L(θ−hv)) / 2h.
            p.check_hvp(&mut r, &format!("{model:?}"), &gl);
        }
    }
}

#[test]
fn hessian_is_symmetric() {
    // uᵀ(H v) = vᵀ(H u) for two random directions: both computed symbolically.
    let mut r = rng(102);
    for model in MODELS {
        let (mut p, l) = setup(&mut r, model);
        let w = p.params.clone();
        let gl = p.graph.grad(l, &w).unwrap();
        let dirs: Vec<Vec<NodeId>> = (0..2)
            .map(|_| {
                w.iter()
                    .map(|&wi| {
                        let s = p.graph.shape(wi);
                        p.input(random_array(&mut r, s, Dist::Uniform(-1.0, 1.0)))
                    })
                    .collect()
            })
            .collect();
        let gu = dot_all(&mut p.graph, &gl, &dirs[0]);
        let gv = dot_all(&mut p.graph, &gl, &dirs[1]);
        let hu = p.graph.grad(gu, &w).unwrap();
        let hv = p.graph.grad(gv, &w).unwrap();
        let v_hu = dot_all(&mut p.graph, &dirs[1], &hu);
        let u_hv = dot_all(&mut p.graph, &dirs[0], &hv);
        let a = p.eval_scalar(&p.theta, v_hu);
        let b = p.eval_scalar(&p.theta, u_hv);
        assert!(
            (a - b).abs() <= 1e-12 * a.abs().max(1.0),
            "{model:?}: {a} vs {b}"
        );
        assert!(a.abs() > 1e-6, "{model:?}: degenerate check, vᵀHu = {a}");
    }
}

#[test]
fn cosine_of_two_gradients_differentiated() {
    // NIO/GradCosine: cos(∇L₁, ∇L₂) for two batches, differentiated w.r.t. the weights.
    let mut r = rng(103);
    for model in MODELS {
        for _ in 0..3 {
            let mut p = Problem::new(&mut r, &weight_blocks());
            let w = p.params.clone();
            let mut grads = Vec::new();
            for _ in 0..2 {
                let (x, t) = batch(&mut r, model);
                let (x, t) = (p.input(x), p.input(t));
                let l = loss(&mut p.graph, model, &w, x, t);
                grads.push(p.graph.grad(l, &w).unwrap());
            }
            let g = &mut p.graph;
            let num = dot_all(g, &grads[0], &grads[1]);
            let n1 = g.squared_norm(&grads[0]).unwrap();
            let n2 = g.squared_norm(&grads[1]).unwrap();
            let n12 = g.mul(n1, n2).unwrap();
            let den = g.sqrt(n12);
            let cos = g.div(num, den).unwrap();
            let dcos = g.grad(cos, &w).unwrap();

            // The value is the cosine of the two evaluated gradient vectors.
            let g1 = p.eval_flat(&p.theta, &grads[0]);
            let g2 = p.eval_flat(&p.theta, &grads[1]);
            let dot: f64 = g1.iter().zip(&g2).map(|(a, b)| a * b).sum();
            let norm = |v: &[f64]| v.iter().map(|a| a * a).sum::<f64>().sqrt();
            let want = dot / (norm(&g1) * norm(&g2));
            let got = p.eval_scalar(&p.theta, cos);
            assert!((got - want).abs() < 1e-12, "{model:?}: cos {got} vs {want}");
            assert!(got.abs() <= 1.0 + 1e-12);

            let analytic = p.eval_flat(&p.theta, &dcos);
            let numeric = fd_gradient(|t| p.eval_scalar(t, cos), &p.theta, H1);
            assert_close(
                &format!("{model:?}: ∇cos"),
                &analytic,
                &numeric,
                SECOND_ORDER_TOL,
            );
        }
    }
}

#[test]
fn meta_gradient_through_one_sgd_step() {
    // d/dθ L(θ − η ∇L(θ)): the loss after one gradient step, as GradInit's inner step.
    let mut r = rng(104);
    for model in MODELS {
        let mut p = Problem::new(&mut r, &weight_blocks());
        let w = p.params.clone();
        let (x, t) = batch(&mut r, model);
        let (x, t) = (p.input(x), p.input(t));
        let l = loss(&mut p.graph, model, &w, x, t);
        let gl = p.graph.grad(l, &w).unwrap();
        let stepped: Vec<NodeId> = w
            .iter()
            .zip(&gl)
            .map(|(&wi, &gi)| {
                let s = p.graph.scale(gi, -0.3);
                p.graph.add(wi, s).unwrap()
            })
            .collect();
        let l2 = loss(&mut p.graph, model, &stepped, x, t);
        let d = p.graph.grad(l2, &w).unwrap();
        let analytic = p.eval_flat(&p.theta, &d);
        let numeric = fd_gradient(|th| p.eval_scalar(th, l2), &p.theta, H1);
        assert_close(
            &format!("{model:?}: ∇L(θ−η∇L)"),
            &analytic,
            &numeric,
            SECOND_ORDER_TOL,
        );
    }
}

/// d¹..d⁴/dx⁴ of f(x) as scalar nodes, with x an input.
fn derivatives(f: impl Fn(&mut Graph, NodeId) -> NodeId) -> (Graph, NodeId, [NodeId; 5]) {
    let mut g = Graph::new();
    let x = g.input(Shape::SCALAR).unwrap();
    let mut d = [f(&mut g, x); 5];
    for k in 1..5 {
        d[k] = g.grad(d[k - 1], &[x]).unwrap()[0];
    }
    (g, x, d)
}

fn at(g: &Graph, x: f64, nodes: &[NodeId]) -> Vec<f64> {
    let v = g.eval(&[] as &[f64], &[arr2(&[[x]]).view()]).unwrap();
    nodes.iter().map(|&n| v.scalar(n)).collect()
}

#[test]
fn third_order_of_x_tanh_x() {
    // f = x·t with t = tanh x, s = 1 − t²:
    // f' = t + x s, f'' = 2s − 2x t s, f''' = −6 t s − 2x s² + 4x t² s.
    let (g, _, d) = derivatives(|g, x| {
        let t = g.tanh(x);
        g.mul(x, t).unwrap()
    });
    for x in [-2.5, -0.7, -0.1, 0.0, 0.3, 1.1, 3.0] {
        let (t, s) = (f64::tanh(x), 1.0 - f64::tanh(x).powi(2));
        let want = [
            x * t,
            t + x * s,
            2.0 * s - 2.0 * x * t * s,
            -6.0 * t * s - 2.0 * x * s * s + 4.0 * x * t * t * s,
        ];
        let got = at(&g, x, &d[..4]);
        assert_all_close(&format!("x tanh x at {x}"), &got, &want, 1e-12);
        // Fourth order, by central differences of the symbolic third derivative.
        let fd4 = fd_directional(|xs| at(&g, xs[0], &d[3..4]), &[x], &[1.0], H2);
        assert_close(
            &format!("d⁴ x tanh x at {x}"),
            &at(&g, x, &d[4..5]),
            &fd4,
            SECOND_ORDER_TOL,
        );
    }
}

#[test]
fn higher_derivatives_of_softplus_and_sigmoid() {
    // softplus' = σ, softplus'' = σ(1−σ), softplus''' = σ(1−σ)(1−2σ),
    // softplus'''' = σ(1−σ)(1 − 6σ + 6σ²).
    let (g, _, d) = derivatives(|g, x| g.softplus(x));
    for x in [-6.0, -1.3, 0.0, 0.4, 2.2, 8.0] {
        let s = 1.0 / (1.0 + f64::exp(-x));
        let want = [
            f64::ln_1p(f64::exp(x)),
            s,
            s * (1.0 - s),
            s * (1.0 - s) * (1.0 - 2.0 * s),
            s * (1.0 - s) * (1.0 - 6.0 * s + 6.0 * s * s),
        ];
        assert_all_close(&format!("softplus at {x}"), &at(&g, x, &d), &want, 1e-12);
    }
}

#[test]
fn higher_derivatives_of_rational_and_root() {
    // f = √x / (1 + x²) checked against central differences of each lower derivative.
    let (g, _, d) = derivatives(|g, x| {
        let num = g.sqrt(x);
        let sq = g.square(x);
        let den = g.shift(sq, 1.0);
        g.div(num, den).unwrap()
    });
    for x in [0.3, 0.9, 1.7, 4.0] {
        for k in 1..4 {
            let fd = fd_directional(|xs| at(&g, xs[0], &d[k - 1..k]), &[x], &[1.0], H2);
            let what = format!("d{k} sqrt(x)/(1+x²) at {x}");
            assert_close(&what, &at(&g, x, &d[k..k + 1]), &fd, SECOND_ORDER_TOL);
        }
    }
}

#[test]
fn second_derivatives_of_piecewise_ops_away_from_kinks() {
    // elu'' = α eˣ for x < 0, 0 for x > 0; relu'' = abs'' = leaky'' = 0.
    for alpha in [1.0, 0.5] {
        let (g, _, d) = derivatives(|g, x| g.elu(x, alpha));
        for x in [-3.0_f64, -0.5, 0.5, 3.0, 50.0] {
            let want = if x > 0.0 {
                [x, 1.0, 0.0]
            } else {
                [alpha * x.exp_m1(), alpha * x.exp(), alpha * x.exp()]
            };
            assert_all_close(
                &format!("elu {alpha} at {x}"),
                &at(&g, x, &d[..3]),
                &want,
                1e-12,
            );
        }
    }
    for (name, f) in [
        (
            "relu",
            (|g: &mut Graph, x| g.relu(x)) as fn(&mut Graph, NodeId) -> NodeId,
        ),
        ("abs", |g, x| g.abs(x)),
        ("leaky -0.8", |g, x| g.leaky_relu(x, -0.8)),
    ] {
        let (g, _, d) = derivatives(f);
        for x in [-1.5, 0.7] {
            assert_eq!(at(&g, x, &d[2..3]), [0.0], "{name}'' at {x}");
        }
    }
}
