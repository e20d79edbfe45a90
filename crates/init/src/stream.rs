//! Candidate streams: (seed, index) → a flat parameter vector, as a pure function of (seed,
//! index, plan). Nothing is carried between candidates or between parameters, so any candidate
//! regenerates alone in O(params), and batch, thread and chunk boundaries cannot change a bit.

use std::fmt;

use initsift_nn::ModelSpec;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::lanes::counter::{
    IndexWords, SALT_PRIMARY, SALT_SECONDARY, SALT_SPARSE, element_key, stream_base,
};
use crate::lanes::element::{PositionKeys, normal_pair, trunc_normal_value, uniform_value};
use crate::law::{Law, NormalLaw};
use crate::orthogonal::orthogonalize;
use crate::plan::{CompiledBlock, CompiledPlan, InitPlan};
use crate::scheme::Scheme;
use crate::sparse::zero_rows_per_column;

/// The address of one candidate initialization: a stream seed and an index in that stream.
/// Store this, not the parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Candidate {
    /// The stream's seed.
    pub seed: u64,
    /// The candidate's index in the stream.
    pub index: u64,
}

impl Candidate {
    /// Regenerates this candidate's parameters under `plan` for `spec`.
    pub fn params(&self, spec: &ModelSpec, plan: &InitPlan) -> Result<Vec<f32>> {
        Ok(Stream::new(spec, plan, self.seed)?.candidate(self.index))
    }
}

impl fmt::Display for Candidate {
    /// `seed:index`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.seed, self.index)
    }
}

/// A compiled plan with one seed's position keys: the generator of candidates `0..2⁶⁴`.
///
/// Elementwise laws (constant, eye, uniform, normal, truncated normal) are per-element
/// functions (see [`crate::lanes::element`]) that a SIMD lane version can reproduce. Orthogonal and
/// sparse blocks are block-level and always take the scalar path here — still a pure function
/// of (seed, index, plan), because their Gaussians and selection keys come from the same
/// counter hash; [`Stream::is_elementwise`] tells a fast path when it must fall back to it.
#[derive(Debug, Clone)]
pub struct Stream {
    seed: u64,
    plan: CompiledPlan,
    keys: Vec<PositionKeys>,
    sparse_base: u64,
}

/// N(0, 1), the Gaussian behind orthogonal blocks.
const STANDARD_NORMAL: NormalLaw = NormalLaw {
    mean: 0.0,
    std: 1.0,
};

impl Stream {
    /// The stream of `plan` on `spec` under `seed` (validates the plan).
    pub fn new(spec: &ModelSpec, plan: &InitPlan, seed: u64) -> Result<Self> {
        Ok(Self::from_compiled(plan.compile(spec)?, seed))
    }

    /// The stream of one PyTorch weight `[rows, cols]` under `scheme` (fans from the shape).
    pub fn for_tensor(scheme: &Scheme, rows: usize, cols: usize, seed: u64) -> Result<Self> {
        Ok(Self::from_compiled(
            CompiledPlan::single_tensor(scheme, rows, cols)?,
            seed,
        ))
    }

    /// The stream of an already compiled plan. Computes the per-position keys (O(params)).
    pub fn from_compiled(plan: CompiledPlan, seed: u64) -> Self {
        let (primary, secondary) = (
            stream_base(seed, SALT_PRIMARY),
            stream_base(seed, SALT_SECONDARY),
        );
        let keys = (0..plan.param_len as u64)
            .map(|p| PositionKeys {
                primary: element_key(primary, p),
                secondary: element_key(secondary, p),
            })
            .collect();
        Self {
            seed,
            plan,
            keys,
            sparse_base: stream_base(seed, SALT_SPARSE),
        }
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Parameters per candidate.
    pub fn param_len(&self) -> usize {
        self.plan.param_len
    }

    /// The compiled plan (blocks with their laws, post-steps).
    pub fn plan(&self) -> &CompiledPlan {
        &self.plan
    }

    /// The keys of every parameter position, for lane kernels.
    pub fn keys(&self) -> &[PositionKeys] {
        &self.keys
    }

    /// True when no block is block-level (orthogonal, sparse): every value is an elementwise
    /// function a SIMD lane kernel can reproduce.
    pub fn is_elementwise(&self) -> bool {
        self.plan.is_elementwise()
    }

    /// Candidate `index`'s parameters into `out` (length [`Stream::param_len`]).
    pub fn fill(&self, index: u64, out: &mut [f32]) -> Result<()> {
        if out.len() != self.param_len() {
            return Err(Error::BufferLength {
                per_candidate: self.param_len(),
                actual: out.len(),
                rule: "it must equal the parameters per candidate",
            });
        }
        self.fill_unchecked(index, out);
        Ok(())
    }

    /// Candidate `index`'s parameters.
    pub fn candidate(&self, index: u64) -> Vec<f32> {
        let mut out = vec![0.0; self.param_len()];
        self.fill_unchecked(index, &mut out);
        out
    }

    /// Candidates `first, first + 1, …` into consecutive `param_len` chunks of `out`; returns
    /// how many. `out.len()` must be a multiple of `param_len`.
    pub fn fill_batch(&self, first: u64, out: &mut [f32]) -> Result<usize> {
        let count = self.batch_count(first, out.len())?;
        if count > 0 {
            for (k, chunk) in out.chunks_exact_mut(self.param_len()).enumerate() {
                self.fill_unchecked(first + k as u64, chunk);
            }
        }
        Ok(count)
    }

    /// [`Stream::fill_batch`] on rayon's pool: the same bits, whatever the thread count,
    /// because each chunk depends only on its own index.
    pub fn par_fill_batch(&self, first: u64, out: &mut [f32]) -> Result<usize> {
        let count = self.batch_count(first, out.len())?;
        if count > 0 {
            out.par_chunks_exact_mut(self.param_len())
                .enumerate()
                .for_each(|(k, chunk)| self.fill_unchecked(first + k as u64, chunk));
        }
        Ok(count)
    }

    fn batch_count(&self, first: u64, len: usize) -> Result<usize> {
        let per = self.param_len();
        if per == 0 {
            return if len == 0 {
                Ok(0)
            } else {
                Err(Error::BufferLength {
                    per_candidate: 0,
                    actual: len,
                    rule: "a plan without parameters fills only empty buffers",
                })
            };
        }
        if !len.is_multiple_of(per) {
            return Err(Error::BufferLength {
                per_candidate: per,
                actual: len,
                rule: "it must be a whole number of candidates",
            });
        }
        let count = len / per;
        if count > 0 && first.checked_add(count as u64 - 1).is_none() {
            return Err(Error::IndexOverflow { first, count });
        }
        Ok(count)
    }

    fn fill_unchecked(&self, index: u64, out: &mut [f32]) {
        let index = IndexWords::new(index);
        for block in &self.plan.blocks {
            self.fill_block(
                block,
                index,
                &mut out[block.offset..block.offset + block.len()],
            );
        }
        for step in &self.plan.post {
            step.apply(out);
        }
    }

    fn fill_block(&self, block: &CompiledBlock, index: IndexWords, out: &mut [f32]) {
        let keys = &self.keys[block.offset..block.offset + block.len()];
        match &block.law {
            Law::Constant { value } => out.fill(*value),
            Law::Eye => {
                out.fill(0.0);
                for d in 0..block.rows.min(block.cols) {
                    out[d * block.cols + d] = 1.0;
                }
            }
            Law::Uniform(law) => {
                for (x, k) in out.iter_mut().zip(keys) {
                    *x = uniform_value(law, *k, index);
                }
            }
            Law::TruncNormal(law) => {
                for (x, k) in out.iter_mut().zip(keys) {
                    *x = trunc_normal_value(law, *k, index);
                }
            }
            Law::Normal(law) => fill_normal(law, keys, index, out),
            Law::Orthogonal { gain } => {
                let mut gaussian = vec![0.0f32; out.len()];
                fill_normal(&STANDARD_NORMAL, keys, index, &mut gaussian);
                orthogonalize(&gaussian, block.rows, block.cols, *gain, out);
            }
            Law::Sparse {
                zeros_per_column,
                normal,
            } => {
                fill_normal(normal, keys, index, out);
                zero_rows_per_column(
                    out,
                    block.rows,
                    block.cols,
                    *zeros_per_column,
                    self.sparse_base,
                    block.offset,
                    index,
                );
            }
        }
    }
}

/// Normal values in Box–Muller pairs keyed by each pair's even position.
fn fill_normal(law: &NormalLaw, keys: &[PositionKeys], index: IndexWords, out: &mut [f32]) {
    for (pair, k) in out.chunks_mut(2).zip(keys.chunks(2)) {
        let (z0, z1) = normal_pair(k[0], index);
        pair[0] = law.at(z0);
        if let Some(x) = pair.get_mut(1) {
            *x = law.at(z1);
        }
    }
}
