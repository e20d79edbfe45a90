//! What every strategy shares: scanning a stream in index order, the good set below a
//! percentile, the "best finite" rule, and the tags that derive a strategy's own streams.

use std::cmp::Ordering;
use std::ops::ControlFlow;

use super::{Origin, Pick, Selection};
use crate::lanes::counter::mix64;
use crate::scheme::Scheme;
use crate::select::error::SelectError;
use crate::select::score::{Score, Scorer};
use crate::stream::{Candidate, Stream};

/// Candidates scored per call of the scorer; selections do not depend on it.
const SCAN_CHUNK: u64 = 1 << 15;

/// Tag of the adaptive strategy's pilot stream.
pub(super) const TAG_PILOT: u64 = 0x0050_494C_4F54;
/// Tag of progressive refinement's perturbation streams (one per round).
pub(super) const TAG_PERTURB: u64 = 0x0050_4552_5455_5242;
/// Tag of the percentile strategy's uniform draw.
pub(super) const TAG_UNIFORM: u64 = 0x554E_4946;
/// Tag of informed sampling's standard-normal streams. Its value is the perturbation tag
/// advanced by 10⁶ rounds, which is where informed sampling has always drawn from: round `r`
/// of this tag is round 10⁶ + `r` of [`TAG_PERTURB`], so recorded picks keep their seeds.
pub(super) const TAG_INFORMED: u64 =
    TAG_PERTURB.wrapping_add(1_000_000u64.wrapping_mul(ROUND_STEP));

/// The step between rounds of one tag (2⁶⁴/φ).
const ROUND_STEP: u64 = 0x9E37_79B9_7F4A_7C15;

/// The seed of stream `round` of `tag`, derived from a selection's stream seed.
pub(super) fn derive(seed: u64, tag: u64, round: u64) -> u64 {
    mix64(seed ^ mix64(tag.wrapping_add(round.wrapping_mul(ROUND_STEP))))
}

/// The stream of `seed` under the plan of `stream`.
pub(super) fn stream_of(stream: &Stream, seed: u64) -> Stream {
    if seed == stream.seed() {
        stream.clone()
    } else {
        Stream::from_compiled(stream.plan().clone(), seed)
    }
}

/// A stream of `p` independent standard normals per candidate.
pub(super) fn standard_normal(p: usize, seed: u64) -> Result<Stream, SelectError> {
    Ok(Stream::for_tensor(
        &Scheme::Normal {
            mean: 0.0,
            std: 1.0,
        },
        1,
        p,
        seed,
    )?)
}

/// Lower loss first, then lower index; used for every "best".
pub(super) fn by_loss(a: &(u64, Score), b: &(u64, Score)) -> Ordering {
    a.1.loss.total_cmp(&b.1.loss).then(a.0.cmp(&b.0))
}

/// numpy's linear-interpolation percentile of finite values.
pub fn sample_percentile(values: &mut [f32], q: f64) -> f64 {
    values.sort_by(f32::total_cmp);
    let h = (values.len() - 1) as f64 * q / 100.0;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(values.len() - 1);
    let (a, b) = (f64::from(values[lo]), f64::from(values[hi]));
    a + (h - lo as f64) * (b - a)
}

/// What a strategy runs on: the scorer, the stream, and the selection it fills in.
pub(super) struct Ctx<'a> {
    pub scorer: &'a dyn Scorer,
    pub stream: &'a Stream,
    pub name: &'static str,
    pub sel: Selection,
}

impl Ctx<'_> {
    /// The strategy's name, for errors.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The error for "no candidate had a finite score" after `draws` draws.
    pub fn nothing(&self, draws: u64) -> SelectError {
        SelectError::NothingFinite {
            strategy: self.name(),
            draws,
        }
    }

    /// A pick of stream candidate `index`.
    pub fn stream_pick(&self, (index, score): (u64, Score)) -> Pick {
        Pick {
            origin: Origin::Stream {
                candidate: Candidate {
                    seed: self.stream.seed(),
                    index,
                },
            },
            score,
        }
    }

    /// Scores candidates `first..first + n` of the stream in index order, calling `visit` with
    /// each finite one until it breaks; counts the draws and non-finite scores.
    pub fn scan(
        &mut self,
        first: u64,
        n: u64,
        want_grad: bool,
        visit: impl FnMut(u64, Score) -> ControlFlow<()>,
    ) -> Result<u64, SelectError> {
        let (v, nf) = scan(self.scorer, self.stream, first, n, want_grad, visit)?;
        self.sel.draws += v;
        self.sel.nonfinite += nf;
        Ok(v)
    }

    /// Scores `n` candidates from index 0 and keeps the finite ones; the best of them is the
    /// selection's best seen.
    pub fn collect(&mut self, n: u64, want_grad: bool) -> Result<Vec<(u64, Score)>, SelectError> {
        let mut pool = Vec::with_capacity(n.min(1 << 24) as usize);
        self.scan(0, n, want_grad, |i, s| {
            pool.push((i, s));
            ControlFlow::Continue(())
        })?;
        self.sel.best = pool
            .iter()
            .copied()
            .min_by(by_loss)
            .map(|c| self.stream_pick(c));
        Ok(pool)
    }

    /// Scores the parameter vectors concatenated in `params`, counts them as draws, and
    /// returns the finite ones as (position, score) in order, counting the others.
    pub fn score_finite(&mut self, params: &[f32]) -> Result<Vec<(u64, Score)>, SelectError> {
        let mut scores = vec![Score::NAN; params.len() / self.stream.param_len()];
        self.scorer.score_params(params, false, &mut scores)?;
        self.sel.draws += scores.len() as u64;
        let mut finite = Vec::with_capacity(scores.len());
        for (j, s) in scores.into_iter().enumerate() {
            if s.is_finite(false) {
                finite.push((j as u64, s));
            } else {
                self.sel.nonfinite += 1;
            }
        }
        Ok(finite)
    }

    /// The candidates at or below the `percentile`-th sample quantile, best first, and the
    /// threshold (recorded in the selection).
    pub fn good_set(
        &mut self,
        pool: Vec<(u64, Score)>,
        percentile: f64,
    ) -> Result<Vec<(u64, Score)>, SelectError> {
        if pool.is_empty() {
            return Err(self.nothing(self.sel.draws));
        }
        let mut losses: Vec<f32> = pool.iter().map(|(_, s)| s.loss).collect();
        let thr = sample_percentile(&mut losses, percentile);
        let mut good: Vec<_> = pool
            .into_iter()
            .filter(|(_, s)| f64::from(s.loss) <= thr)
            .collect();
        good.sort_by(by_loss);
        self.sel.threshold = Some(thr);
        Ok(good)
    }

    /// Checks that `count` picks can be taken from a pool of `pool`.
    pub fn check_count(&self, count: usize, pool: usize) -> Result<(), SelectError> {
        if count > pool {
            return Err(SelectError::BadParameter {
                strategy: self.name(),
                name: "count",
                value: count.to_string(),
                rule: if pool == 0 {
                    "the pool is empty"
                } else {
                    "larger than the pool it picks from"
                },
            });
        }
        Ok(())
    }
}

/// Scores candidates `first..first + n` of `stream` in index order, calling `visit` with each
/// finite one until it breaks; returns (visited, non-finite). `n = u64::MAX` scans on.
pub(super) fn scan(
    scorer: &dyn Scorer,
    stream: &Stream,
    first: u64,
    n: u64,
    want_grad: bool,
    mut visit: impl FnMut(u64, Score) -> ControlFlow<()>,
) -> Result<(u64, u64), SelectError> {
    let mut buf = Vec::new();
    let (mut visited, mut nonfinite) = (0u64, 0u64);
    while visited < n {
        let len = SCAN_CHUNK.min(n - visited) as usize;
        buf.resize(len, Score::NAN);
        scorer.score_stream(stream, first + visited, want_grad, &mut buf)?;
        for s in &buf {
            let index = first + visited;
            visited += 1;
            if !s.is_finite(want_grad) {
                nonfinite += 1;
                continue;
            }
            if visit(index, *s).is_break() {
                return Ok((visited, nonfinite));
            }
        }
    }
    Ok((visited, nonfinite))
}

/// Checks for the `validate` methods: each returns the named [`SelectError::BadParameter`].
pub(super) struct Check(pub &'static str);

impl Check {
    /// A `BadParameter` of this strategy.
    pub fn bad(&self, name: &'static str, value: String, rule: &'static str) -> SelectError {
        SelectError::BadParameter {
            strategy: self.0,
            name,
            value,
            rule,
        }
    }

    /// At least one candidate.
    pub fn positive(&self, name: &'static str, n: u64) -> Result<(), SelectError> {
        if n > 0 {
            Ok(())
        } else {
            Err(self.bad(name, n.to_string(), "zero candidates"))
        }
    }

    /// At least one pick.
    pub fn picks(&self, name: &'static str, k: usize) -> Result<(), SelectError> {
        if k > 0 {
            Ok(())
        } else {
            Err(self.bad(name, k.to_string(), "must be at least 1"))
        }
    }

    /// A percentile in (0, 100).
    pub fn percentile(&self, p: f64) -> Result<(), SelectError> {
        if p > 0.0 && p < 100.0 {
            Ok(())
        } else {
            Err(self.bad("percentile", p.to_string(), "must lie in (0, 100)"))
        }
    }

    /// A fraction in (0, 1].
    pub fn fraction(&self, name: &'static str, f: f64) -> Result<(), SelectError> {
        if f > 0.0 && f <= 1.0 {
            Ok(())
        } else {
            Err(self.bad(name, f.to_string(), "must lie in (0, 1]"))
        }
    }
}
