//! Candidate parameters in lanes: one candidate per lane, parameter-major (`out[p][l]` is
//! parameter p of candidate `first + l`).
//!
//! Each lane applies initsift-init's own per-element functions ([`initsift_init::element`]) in
//! the stream's order, so the values equal [`Stream::candidate`] bit for bit on every ISA: the
//! functions use only plain f32 operations (no `mul_add`, no libm), which every clone rounds
//! alike. The law is matched once per block, outside the lane loops, so the loops themselves are
//! straight-line code LLVM vectorizes.

// Lane loops index several arrays by the lane number: the form LLVM vectorizes.
#![allow(clippy::needless_range_loop)]

use initsift_init::counter::{IndexWords, element_hash, open_unit, signed_unit};
use initsift_init::element::{PositionKeys, normal_pair, trunc_normal_value, uniform_value};
use initsift_init::fastmath::{box_muller_radius, box_muller_rotate};
use initsift_init::law::NormalLaw;
use initsift_init::post::CompiledPost;
use initsift_init::{Law, Stream};

/// The candidate indices of one lane group, split into the 32-bit words the hash takes.
#[derive(Clone, Copy)]
pub(crate) struct LaneIndices<const L: usize> {
    lo: [u32; L],
    hi: [u32; L],
}

impl<const L: usize> LaneIndices<L> {
    /// Lanes `first, first + 1, …` (wrapping past 2⁶⁴ − 1; callers discard such lanes).
    #[inline(always)]
    pub(crate) fn new(first: u64) -> Self {
        let mut lo = [0; L];
        let mut hi = [0; L];
        for l in 0..L {
            let i = IndexWords::new(first.wrapping_add(l as u64));
            lo[l] = i.lo;
            hi[l] = i.hi;
        }
        Self { lo, hi }
    }

    #[inline(always)]
    fn word(&self, l: usize) -> IndexWords {
        IndexWords {
            lo: self.lo[l],
            hi: self.hi[l],
        }
    }
}

/// Fills `out` (one lane array per parameter, `stream.param_len()` of them) with candidates
/// `first..first + L` of `stream`. Block-level laws (orthogonal, sparse) take the scalar stream
/// lane by lane: correct, not fast.
#[inline(always)]
pub(crate) fn generate<const L: usize>(stream: &Stream, first: u64, out: &mut [[f32; L]]) {
    if !stream.is_elementwise() {
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
            Law::Normal(law) => normal_block(law, keys, &idx, dst),
            Law::Orthogonal { .. } | Law::Sparse { .. } => {
                unreachable!("is_elementwise() excluded block-level laws")
            }
        }
    }
    for step in &plan.post {
        post_step(step, out);
    }
}

/// Box–Muller pairs keyed by each pair's even position; an odd block's last value takes z₀.
#[inline(always)]
fn normal_block<const L: usize>(
    law: &NormalLaw,
    keys: &[PositionKeys],
    idx: &LaneIndices<L>,
    dst: &mut [[f32; L]],
) {
    for (pair, k) in dst.chunks_mut(2).zip(keys.chunks(2)) {
        let key = k[0];
        match pair {
            [a, b] => {
                // normal_pair in three short lane loops (hashes, radius, rotation): the same
                // operations per lane, but each loop's iterations are short and independent,
                // so far more of them are in flight than in one long dependency chain.
                let (mut u, mut v) = ([0.0f32; L], [0.0f32; L]);
                for l in 0..L {
                    u[l] = open_unit(element_hash(key.primary, idx.word(l)));
                }
                for l in 0..L {
                    v[l] = signed_unit(element_hash(key.secondary, idx.word(l)));
                }
                for l in 0..L {
                    u[l] = box_muller_radius(u[l]);
                }
                for l in 0..L {
                    let (z0, z1) = box_muller_rotate(u[l], v[l]);
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
        generate::<16>(&stream, first, &mut lanes);
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
