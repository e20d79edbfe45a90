//! Shared helpers for the integration tests: seeded random data, an independent central
//! difference, and checkers that compare the engine's symbolic derivatives with it.
//!
//! The finite differences here are written out again on purpose rather than taken from
//! `initsift_tensor::check`, so that a bug there cannot hide a bug in `grad`.
//!
//! Tolerances. Central differences in f64 with step h have truncation error ≈ h²·|f'''|/6 and
//! rounding error ≈ ε·|f|/h (ε ≈ 1.1e-16). With h = 1e-6·max(1, |θ|) and |f|, |f'''| ≲ 100 on
//! the small random problems used here, both terms are ≲ 1e-8, so `FIRST_ORDER_TOL = 1e-6`
//! (error divided by max(1, |numeric|)) leaves two orders of margin while any real mistake in a
//! derivative (a wrong sign, factor or missing term) gives errors of order 1e-2..1.
//! Second order differentiates a computed gradient, so h = 1e-5 balances truncation
//! (≈1e-10·|g'''|) against rounding in the longer gradient graph (≈1e-15·|g|/1e-5 = 1e-10·|g|);
//! `SECOND_ORDER_TOL = 1e-6` again leaves ≥ 100× margin.

#![allow(dead_code)]

use initsift_tensor::{Graph, NodeId, Result, Shape};
use ndarray::{Array2, ArrayView2};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Relative (for large entries) / absolute (for small entries) tolerance of first-order checks.
pub const FIRST_ORDER_TOL: f64 = 1e-6;
/// The same for derivatives of gradient graphs.
pub const SECOND_ORDER_TOL: f64 = 1e-6;
/// Step scale of first-order central differences.
pub const H1: f64 = 1e-6;
/// Step scale of second-order central differences (differences of a gradient).
pub const H2: f64 = 1e-5;

pub type Rng = Xoshiro256PlusPlus;

pub fn rng(seed: u64) -> Rng {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

/// How values of a random operand are drawn.
#[derive(Debug, Clone, Copy)]
pub enum Dist {
    /// Uniform in [lo, hi).
    Uniform(f64, f64),
    /// Uniform in (−hi, −lo] ∪ [lo, hi): away from a kink or pole at 0.
    AwayFromZero(f64, f64),
}

impl Dist {
    /// The default for smooth ops.
    pub const SMOOTH: Dist = Dist::Uniform(-2.0, 2.0);
    /// For ops with a kink at 0 (|x| ≥ 1e-3, far beyond the 1e-6 finite-difference step).
    pub const KINKED: Dist = Dist::AwayFromZero(1e-3, 2.0);
    /// For log/sqrt.
    pub const POSITIVE: Dist = Dist::Uniform(0.2, 3.0);
    /// For denominators.
    pub const DENOM: Dist = Dist::AwayFromZero(0.5, 2.0);

    pub fn sample(self, rng: &mut Rng) -> f64 {
        match self {
            Dist::Uniform(lo, hi) => rng.random_range(lo..hi),
            Dist::AwayFromZero(lo, hi) => {
                let m = rng.random_range(lo..hi);
                if rng.random::<bool>() { m } else { -m }
            }
        }
    }

    pub fn vec(self, rng: &mut Rng, n: usize) -> Vec<f64> {
        (0..n).map(|_| self.sample(rng)).collect()
    }
}

/// A random shape with each dimension in 1..=4 (so 1×1, row, column and full shapes all occur).
pub fn random_shape(rng: &mut Rng) -> Shape {
    Shape::new(rng.random_range(1..5), rng.random_range(1..5))
}

pub fn random_array(rng: &mut Rng, shape: Shape, dist: Dist) -> Array2<f64> {
    Array2::from_shape_vec((shape.rows, shape.cols), dist.vec(rng, shape.len())).unwrap()
}

/// Central difference of `f` at `at` along coordinate axes, step h·max(1, |θ_i|).
pub fn fd_gradient(mut f: impl FnMut(&[f64]) -> f64, at: &[f64], h: f64) -> Vec<f64> {
    let mut x = at.to_vec();
    let mut out = Vec::with_capacity(at.len());
    for i in 0..at.len() {
        let step = h * at[i].abs().max(1.0);
        x[i] = at[i] + step;
        let up = f(&x);
        x[i] = at[i] - step;
        let down = f(&x);
        x[i] = at[i];
        out.push((up - down) / (2.0 * step));
    }
    out
}

/// Central difference of a vector-valued `f` along the direction `v`: (f(θ+hv) − f(θ−hv)) / 2h.
pub fn fd_directional(
    mut f: impl FnMut(&[f64]) -> Vec<f64>,
    at: &[f64],
    v: &[f64],
    h: f64,
) -> Vec<f64> {
    let shifted = |s: f64| at.iter().zip(v).map(|(a, b)| a + s * b).collect::<Vec<_>>();
    let up = f(&shifted(h));
    let down = f(&shifted(-h));
    up.iter()
        .zip(&down)
        .map(|(u, d)| (u - d) / (2.0 * h))
        .collect()
}

/// max_i |a_i − n_i| / max(1, |n_i|); NaN anywhere gives NaN (so `< tol` fails).
pub fn max_rel_err(analytic: &[f64], numeric: &[f64]) -> f64 {
    assert_eq!(analytic.len(), numeric.len(), "length mismatch");
    let mut worst = 0.0_f64;
    for (&a, &n) in analytic.iter().zip(numeric) {
        let e = (a - n).abs() / n.abs().max(1.0);
        if e.is_nan() || !a.is_finite() || !n.is_finite() {
            return f64::NAN;
        }
        worst = worst.max(e);
    }
    worst
}

/// Asserts `max_rel_err(analytic, numeric) < tol`, printing both vectors on failure.
#[track_caller]
pub fn assert_close(what: &str, analytic: &[f64], numeric: &[f64], tol: f64) {
    let err = max_rel_err(analytic, numeric);
    assert!(
        err < tol,
        "{what}: max rel err {err:e} ≥ {tol:e}\n analytic {analytic:?}\n numeric  {numeric:?}"
    );
}

/// Element-wise |a − b| ≤ tol·max(1, |b|), for exact-ish comparisons with closed forms.
#[track_caller]
pub fn assert_all_close(what: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: length mismatch");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol * w.abs().max(1.0),
            "{what}[{i}]: got {g:e}, want {w:e}\n got  {got:?}\n want {want:?}"
        );
    }
}

/// Copies the values of `nodes` (in order) out of an evaluation, concatenated.
pub fn flat(values: &initsift_tensor::Values<f64>, nodes: &[NodeId]) -> Vec<f64> {
    nodes
        .iter()
        .flat_map(|&n| values.slice(n).to_vec())
        .collect()
}

/// A graph whose parameters are the "variables" of a check, with fixed inputs.
pub struct Problem {
    pub graph: Graph,
    /// Parameter nodes in declaration order (their blocks are contiguous in `theta`).
    pub params: Vec<NodeId>,
    /// The parameter vector the check is done at.
    pub theta: Vec<f64>,
    /// Input values (in declaration order).
    pub inputs: Vec<Array2<f64>>,
}

impl Problem {
    /// A problem with one parameter block per `(shape, dist)`, drawn from `rng`.
    pub fn new(rng: &mut Rng, blocks: &[(Shape, Dist)]) -> Self {
        let mut graph = Graph::new();
        let mut params = Vec::new();
        let mut theta = Vec::new();
        for &(shape, dist) in blocks {
            params.push(graph.param(shape).unwrap());
            theta.extend(dist.vec(rng, shape.len()));
        }
        Self {
            graph,
            params,
            theta,
            inputs: Vec::new(),
        }
    }

    /// Declares an input with a fixed value.
    pub fn input(&mut self, value: Array2<f64>) -> NodeId {
        let id = self
            .graph
            .input(Shape::new(value.nrows(), value.ncols()))
            .unwrap();
        self.inputs.push(value);
        id
    }

    pub fn views(&self) -> Vec<ArrayView2<'_, f64>> {
        self.inputs.iter().map(|a| a.view()).collect()
    }

    /// Values of `nodes` at `theta`, concatenated.
    pub fn eval_flat(&self, theta: &[f64], nodes: &[NodeId]) -> Vec<f64> {
        let v = self.graph.eval(theta, &self.views()).expect("eval");
        flat(&v, nodes)
    }

    /// Value of the scalar `y` at `theta`.
    pub fn eval_scalar(&self, theta: &[f64], y: NodeId) -> f64 {
        let v = self.graph.eval(theta, &self.views()).expect("eval");
        assert_eq!(self.graph.shape(y), Shape::SCALAR);
        v.scalar(y)
    }

    /// Reduces `out` to a scalar by a dot product with fixed random weights (an input), so the
    /// gradient of every output element enters the check with a different weight.
    pub fn weighted_scalar(&mut self, rng: &mut Rng, out: NodeId) -> NodeId {
        let s = self.graph.shape(out);
        let w = random_array(rng, s, Dist::Uniform(-1.0, 1.0));
        let w = self.input(w);
        self.graph.dot(out, w).unwrap()
    }

    /// Checks the symbolic gradient of the scalar `y` w.r.t. all parameters against central
    /// differences; returns the gradient nodes.
    #[track_caller]
    pub fn check_first(&mut self, what: &str, y: NodeId) -> Vec<NodeId> {
        let params = self.params.clone();
        let grads = self.graph.grad(y, &params).expect("grad");
        for (&p, &g) in params.iter().zip(&grads) {
            assert_eq!(
                self.graph.shape(p),
                self.graph.shape(g),
                "{what}: gradient shape"
            );
        }
        let analytic = self.eval_flat(&self.theta, &grads);
        let numeric = fd_gradient(|t| self.eval_scalar(t, y), &self.theta, H1);
        assert_close(what, &analytic, &numeric, FIRST_ORDER_TOL);
        grads
    }

    /// Checks a Hessian-vector product: the symbolic grad of (∇y · v) against the central
    /// difference of the gradient graph along `v`, for a random direction `v`.
    #[track_caller]
    pub fn check_hvp(&mut self, rng: &mut Rng, what: &str, grads: &[NodeId]) {
        let params = self.params.clone();
        let v = Dist::Uniform(-1.0, 1.0).vec(rng, self.theta.len());
        // v as inputs shaped like the parameter blocks.
        let mut gv = None;
        let mut at = 0;
        for (&p, &gi) in params.iter().zip(grads) {
            let s = self.graph.shape(p);
            let block = Array2::from_shape_vec((s.rows, s.cols), v[at..at + s.len()].to_vec());
            at += s.len();
            let vi = self.input(block.unwrap());
            let d = self.graph.dot(gi, vi).unwrap();
            gv = Some(match gv {
                None => d,
                Some(acc) => self.graph.add(acc, d).unwrap(),
            });
        }
        let hv = self.graph.grad(gv.unwrap(), &params).expect("grad of grad");
        let analytic = self.eval_flat(&self.theta, &hv);
        let numeric = fd_directional(|t| self.eval_flat(t, grads), &self.theta, &v, H2);
        assert_close(
            &format!("{what} (Hessian-vector product)"),
            &analytic,
            &numeric,
            SECOND_ORDER_TOL,
        );
    }
}

/// Builds a problem from blocks, reduces `build`'s output to a scalar by random weights, and
/// checks first derivatives and a Hessian-vector product.
#[track_caller]
pub fn check_op(
    rng: &mut Rng,
    what: &str,
    blocks: &[(Shape, Dist)],
    build: impl FnOnce(&mut Graph, &[NodeId]) -> Result<NodeId>,
) {
    let mut p = Problem::new(rng, blocks);
    let params = p.params.clone();
    let out = build(&mut p.graph, &params).unwrap_or_else(|e| panic!("{what}: build: {e}"));
    let y = if p.graph.shape(out) == Shape::SCALAR {
        out
    } else {
        p.weighted_scalar(rng, out)
    };
    let grads = p.check_first(what, y);
    p.check_hvp(rng, what, &grads);
}
