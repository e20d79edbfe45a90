//! A 2-D slice of init space: an origin and two orthonormal directions, sampled on a square
//! grid of `resolution × resolution` points.

use initsift_init::{Scheme, Stream};
use serde::Serialize;

use super::BasinError;

/// The largest resolution a map accepts (4096² runs).
pub const MAX_RESOLUTION: usize = 4096;

/// |cos| above which two directions count as parallel.
const PARALLEL_COSINE: f64 = 1.0 - 1e-9;

/// `origin + a·u + b·v` for a, b in `[−half_width, half_width]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Slice {
    /// The point at the centre.
    pub origin: Vec<f32>,
    /// First direction (unit length; the image's x axis).
    pub u: Vec<f32>,
    /// Second direction (unit length, orthogonal to `u`; the image's y axis, upwards).
    pub v: Vec<f32>,
    /// Half the side of the square, in parameter units.
    pub half_width: f64,
    /// Points per side.
    pub resolution: usize,
}

fn norm(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>().sqrt()
}

fn dot(x: &[f64], y: &[f64]) -> f64 {
    x.iter().zip(y).map(|(a, b)| a * b).sum()
}

impl Slice {
    /// A slice through `origin` spanned by `u` and `v` (normalised, and `v` made orthogonal to
    /// `u` by Gram–Schmidt); errors for mismatched lengths, zero or parallel directions, a
    /// resolution of 0 or above [`MAX_RESOLUTION`], or a half width that is not positive.
    pub fn new(
        origin: Vec<f32>,
        u: &[f32],
        v: &[f32],
        half_width: f64,
        resolution: usize,
    ) -> Result<Self, BasinError> {
        if resolution == 0 || resolution > MAX_RESOLUTION {
            return Err(BasinError::Resolution { given: resolution });
        }
        if !(half_width.is_finite() && half_width > 0.0) {
            return Err(BasinError::HalfWidth { given: half_width });
        }
        for (name, d) in [("u", u), ("v", v)] {
            if d.len() != origin.len() {
                return Err(BasinError::Length {
                    which: name,
                    given: d.len(),
                    want: origin.len(),
                });
            }
        }
        let u: Vec<f64> = u.iter().map(|&x| f64::from(x)).collect();
        let v: Vec<f64> = v.iter().map(|&x| f64::from(x)).collect();
        let (nu, nv) = (norm(&u), norm(&v));
        if !(nu > 0.0 && nu.is_finite() && nv > 0.0 && nv.is_finite()) {
            return Err(BasinError::ZeroDirection);
        }
        let cos = dot(&u, &v) / (nu * nv);
        if cos.abs() > PARALLEL_COSINE {
            return Err(BasinError::Parallel { cosine: cos });
        }
        let u: Vec<f64> = u.iter().map(|x| x / nu).collect();
        let along = dot(&v, &u);
        let w: Vec<f64> = v.iter().zip(&u).map(|(v, u)| v - along * u).collect();
        let nw = norm(&w);
        Ok(Self {
            origin,
            u: u.iter().map(|&x| x as f32).collect(),
            v: w.iter().map(|&x| (x / nw) as f32).collect(),
            half_width,
            resolution,
        })
    }

    /// Two directions from `seed`'s standard-normal stream (candidates 0 and 1).
    pub fn random(
        origin: Vec<f32>,
        seed: u64,
        half_width: f64,
        resolution: usize,
    ) -> Result<Self, BasinError> {
        let z = Stream::for_tensor(
            &Scheme::Normal {
                mean: 0.0,
                std: 1.0,
            },
            1,
            origin.len(),
            seed,
        )
        .map_err(|e| BasinError::Init(e.to_string()))?;
        let (u, v) = (z.candidate(0), z.candidate(1));
        Self::new(origin, &u, &v, half_width, resolution)
    }

    /// The plane through a failing and a succeeding init: origin at their midpoint, `u` from
    /// the failing to the succeeding one, `v` from `seed`; the half width is their distance, so
    /// they sit at a quarter and three quarters of the image's width.
    pub fn through(
        failing: &[f32],
        succeeding: &[f32],
        seed: u64,
        resolution: usize,
    ) -> Result<Self, BasinError> {
        if failing.len() != succeeding.len() {
            return Err(BasinError::Length {
                which: "succeeding init",
                given: succeeding.len(),
                want: failing.len(),
            });
        }
        let origin: Vec<f32> = failing
            .iter()
            .zip(succeeding)
            .map(|(f, s)| 0.5 * (f + s))
            .collect();
        let u: Vec<f32> = failing.iter().zip(succeeding).map(|(f, s)| s - f).collect();
        let distance = norm(&u.iter().map(|&x| f64::from(x)).collect::<Vec<_>>());
        let random = Self::random(origin.clone(), seed, 1.0, 1)?;
        Self::new(origin, &u, &random.v, distance, resolution)
    }

    /// The slice coordinate of grid index `i`: evenly from −half_width to +half_width, the
    /// centre index exactly 0 when the resolution is odd.
    pub fn coordinate(&self, i: usize) -> f64 {
        if self.resolution == 1 {
            return 0.0;
        }
        let centre = (self.resolution - 1) as f64 / 2.0;
        self.half_width * (i as f64 - centre) / centre
    }

    /// The grid index nearest to slice coordinate `a` (clamped to the grid).
    pub fn index_of(&self, a: f64) -> usize {
        if self.resolution == 1 {
            return 0;
        }
        let centre = (self.resolution - 1) as f64 / 2.0;
        (a / self.half_width * centre + centre)
            .round()
            .clamp(0.0, (self.resolution - 1) as f64) as usize
    }

    /// Writes the point at column `i` (along `u`) and row `j` (along `v`) into `out`.
    pub fn point(&self, i: usize, j: usize, out: &mut [f32]) {
        let (a, b) = (self.coordinate(i) as f32, self.coordinate(j) as f32);
        for (k, o) in out.iter_mut().enumerate() {
            *o = self.origin[k] + a * self.u[k] + b * self.v[k];
        }
    }

    /// Parameters per point.
    pub fn param_len(&self) -> usize {
        self.origin.len()
    }
}
