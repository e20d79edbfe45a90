//! Candidate parameters in lanes: one candidate per lane, parameter-major (`out[p][l]` is
//! parameter p of candidate `first + l`).
//!
//! Each lane applies initsift-init's own per-element functions ([`initsift_init::lanes::element`]) in
//! the stream's order, so the values equal [`Stream::candidate`] bit for bit on every ISA: the
//! functions use only plain f32 operations (no `mul_add`, no libm), which every clone rounds
//! alike. The law is matched once per block, outside the lane loops, so the loops themselves are
//! straight-line code LLVM vectorizes.

// Lane loops index several arrays by the lane number: the form LLVM vectorizes.
#![allow(clippy::needless_range_loop)]

use initsift_init::lanes::counter::{IndexWords, element_hash};
use initsift_init::lanes::element::{PositionKeys, normal_pair, trunc_normal_value, uniform_value};
use initsift_init::lanes::fastmath::{
    box_muller_angle_of_hash, box_muller_combine, box_muller_radius_of_ln, ln_finish,
    ln_reduce_open_unit,
};
use initsift_init::law::NormalLaw;
use initsift_init::post::CompiledPost;
use initsift_init::{Law, Stream};

/// The candidate indices of one lane group, split into the 32-bit words the hash takes.
#[derive(Clone, Copy)]
pub(crate) struct LaneIndices<const L: usize> {
    lo: [u32; L],
    hi_mixed: [u32; L],
}

impl<const L: usize> LaneIndices<L> {
    /// Lanes `first, first + 1, …` (wrapping past 2⁶⁴ − 1; callers discard such lanes). Built
    /// in 32-bit lanes — the low word plus l, the high word plus the carry — because 64-bit
    /// lane adds and the shuffles that split them cost more than the rest of the group setup.
    #[inline(always)]
    pub(crate) fn new(first: u64) -> Self {
        let (first_lo, first_hi) = (first as u32, (first >> 32) as u32);
        let mut lo = [0; L];
        let mut hi_mixed = [0; L];
        for l in 0..L {
            lo[l] = first_lo.wrapping_add(l as u32);
            let hi = first_hi.wrapping_add(u32::from(lo[l] < first_lo));
            hi_mixed[l] = IndexWords::from_words(lo[l], hi).hi_mixed;
        }
        Self { lo, hi_mixed }
    }

    #[inline(always)]
    fn word(&self, l: usize) -> IndexWords {
        IndexWords {
            lo: self.lo[l],
            hi_mixed: self.hi_mixed[l],
        }
    }
}

/// Generates lane groups of one stream's candidates. Made once per task and reused for every
/// group: the plan's elementwise check and the Box–Muller stage arrays are paid once, not per
/// group.
pub(crate) struct LaneGenerator<'a, const L: usize> {
    stream: &'a Stream,
    elementwise: bool,
    scratch: PairScratch<L>,
}

/// The stage arrays of one Box–Muller pair in lanes: the two hashes, ln's two halves, the
/// radius (`u`), the half angle's sine (`v`) and cosine.
struct PairScratch<const L: usize> {
    hp: [u32; L],
    hs: [u32; L],
    u: [f32; L],
    v: [f32; L],
    k: [f32; L],
    s: [f32; L],
    c: [f32; L],
}

impl<'a, const L: usize> LaneGenerator<'a, L> {
    /// A generator of `stream`'s candidates.
    pub(crate) fn new(stream: &'a Stream) -> Self {
        Self {
            stream,
            elementwise: stream.is_elementwise(),
            scratch: PairScratch {
                hp: [0; L],
                hs: [0; L],
                u: [0.0; L],
                v: [0.0; L],
                k: [0.0; L],
                s: [0.0; L],
                c: [0.0; L],
            },
        }
    }

    /// Fills `out` (one lane array per parameter, `stream.param_len()` of them) with candidates
    /// `first..first + L`. Block-level laws (orthogonal, sparse) take the scalar stream lane by
    /// lane: correct, not fast.
    #[inline(always)]
    pub(crate) fn generate(&mut self, first: u64, out: &mut [[f32; L]]) {
        let stream = self.stream;
        if !self.elementwise {
            return scalar_fallback(stream, first, out);
        }
        let idx = LaneIndices::<L>::new(first);
        let keys = stream.keys();
        let plan = stream.plan();
        for block in &plan.blocks {
            let range = block.offset..block.offset + block.len();
            let (dst, keys) = (&mut out[range.clone()], &keys[range]);
            match &block.law {
                Law::Constant { value } => dst.fill([*value; L]),
                Law::Eye => {
                    for (p, d) in dst.iter_mut().enumerate() {
                        let diagonal = p / block.cols == p % block.cols;
                        *d = [if diagonal { 1.0 } else { 0.0 }; L];
                    }
                }
                Law::Uniform(law) => {
                    for (d, k) in dst.iter_mut().zip(keys) {
                        for l in 0..L {
                            d[l] = uniform_value(law, *k, idx.word(l));
                        }
                    }
                }
                Law::TruncNormal(law) => {
                    for (d, k) in dst.iter_mut().zip(keys) {
                        for l in 0..L {
                            d[l] = trunc_normal_value(law, *k, idx.word(l));
                        }
                    }
                }
                Law::Normal(law) => normal_block(law, keys, &idx, &mut self.scratch, dst),
                Law::Orthogonal { .. } | Law::Sparse { .. } => {
                    unreachable!("is_elementwise() excluded block-level laws")
                }
            }
        }
        for step in &plan.post {
            post_step(step, out);
        }
    }
}

/// Box–Muller pairs keyed by each pair's even position; an odd block's last value takes z₀.
#[inline(always)]
fn normal_block<const L: usize>(
    law: &NormalLaw,
    keys: &[PositionKeys],
    idx: &LaneIndices<L>,
    scratch: &mut PairScratch<L>,
    dst: &mut [[f32; L]],
) {
    let PairScratch {
        hp,
        hs,
        u,
        v,
        k,
        s,
        c,
    } = scratch;
    for (pair, key) in dst.chunks_mut(2).zip(keys.chunks(2)) {
        let key = key[0];
        match pair {
            [a, b] => {
                // normal_pair as seven short lane loops (the stages of fastmath::box_muller):
                // the same operations per lane, but each loop's iterations are short and
                // independent, so far more of them are in flight than in one long chain
                // (measured on Zen 3: 1.22× over three loops, about 1.5× over one).
                for l in 0..L {
                    hp[l] = element_hash(key.primary, idx.word(l));
                }
                for l in 0..L {
                    hs[l] = element_hash(key.secondary, idx.word(l));
                }
                for l in 0..L {
                    (k[l], s[l]) = ln_reduce_open_unit(hp[l]);
                }
                for l in 0..L {
                    u[l] = ln_finish(k[l], s[l]);
                }
                for l in 0..L {
                    u[l] = box_muller_radius_of_ln(u[l]);
                }
                for l in 0..L {
                    (v[l], c[l]) = box_muller_angle_of_hash(hs[l]);
                }
                for l in 0..L {
                    let (z0, z1) = box_muller_combine(u[l], v[l], c[l]);
                    a[l] = law.at(z0);
                    b[l] = law.at(z1);
                }
            }
            [a] => {
                for l in 0..L {
                    a[l] = law.at(normal_pair(key, idx.word(l)).0);
                }
            }
            _ => {}
        }
    }
}

/// [`CompiledPost::apply`] on lanes, in its operation order.
#[inline(always)]
fn post_step<const L: usize>(step: &CompiledPost, out: &mut [[f32; L]]) {
    match *step {
        CompiledPost::Mirror { weight, cols, bias } => {
            for c in 0..cols {
                out[weight + cols + c] = out[weight + c].map(|w| -w);
            }
            if let Some(b) = bias {
                out[b + 1] = out[b].map(|w| -w);
            }
        }
        CompiledPost::BoundedHypersphere {
            weight,
            rows,
            cols,
            bias,
            radius,
        } => {
            for k in 0..rows {
                let mut sum = [0.0f32; L];
                for c in 0..cols {
                    let w = out[weight + k * cols + c];
                    for l in 0..L {
                        sum[l] += w[l] * w[l];
                    }
                }
                out[bias + k] = sum.map(|s| radius * s.sqrt());
            }
        }
    }
}

/// The scalar stream, transposed into lanes (plans with block-level laws).
#[cold]
fn scalar_fallback<const L: usize>(stream: &Stream, first: u64, out: &mut [[f32; L]]) {
    let mut theta = vec![0.0f32; stream.param_len()];
    for l in 0..L {
        stream
            .fill(first.wrapping_add(l as u64), &mut theta)
            .expect("the buffer has the stream's length");
        for (lane, &v) in out.iter_mut().zip(&theta) {
            lane[l] = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use initsift_init::{InitPlan, PostStep, Scheme};
    use initsift_nn::{Activation, ModelSpec};

    fn check(spec: &ModelSpec, plan: &InitPlan, first: u64) {
        let stream = Stream::new(spec, plan, 99).unwrap();
        let mut lanes = vec![[0.0f32; 16]; stream.param_len()];
        LaneGenerator::<16>::new(&stream).generate(first, &mut lanes);
        for l in 0..16 {
            let want = stream.candidate(first.wrapping_add(l as u64));
            for (p, w) in want.iter().enumerate() {
                assert_eq!(
                    lanes[p][l].to_bits(),
                    w.to_bits(),
                    "{} p{p} l{l}",
                    plan.name
                );
            }
        }
    }

    #[test]
    fn every_law_and_post_step_equals_the_scalar_stream() {
        let spec = ModelSpec::mlp("3-5-2", Activation::Relu).unwrap();
        let schemes = [
            Scheme::Zeros,
            Scheme::Eye,
            Scheme::Uniform {
                low: -0.3,
                high: 0.7,
            },
            Scheme::Normal {
                mean: 0.1,
                std: 2.0,
            },
            Scheme::TruncNormal {
                mean: 0.0,
                std: 1.0,
                a: -1.5,
                b: 2.0,
            },
            Scheme::TorchLinearDefault,
            Scheme::Orthogonal { gain: 1.0 },
        ];
        for w in &schemes {
            let plan = InitPlan::same_for_all(
                "t",
                &spec,
                w.clone(),
                Scheme::Normal {
                    mean: 0.0,
                    std: 0.1,
                },
            );
            for first in [0, 12_345, (1 << 32) - 5, u64::MAX - 20] {
                check(&spec, &plan, first);
            }
        }
        let relu1 = ModelSpec::relu1();
        check(&relu1, &InitPlan::relu1_mirror(), 7);
        check(&relu1, &InitPlan::relu1_bhs(1.4), 7);
        check(
            &relu1,
            &InitPlan::relu1().then(PostStep::Mirror { linear: 0 }),
            1 << 40,
        );
    }
}
