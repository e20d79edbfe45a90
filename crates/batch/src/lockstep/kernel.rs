//! The group kernel: a group of lane blocks trained in lockstep, each run stopping on its own.
//!
//! Every lane follows the Trainer's epoch: loss and gradient at the pre-step parameters, one
//! optimizer step, then the stop rules on that loss. A run that stops at epoch `e` has its
//! post-step parameters copied out at that moment and reports `e + 1` epochs. Its lane is then
//! parked: parameters and optimizer state set to zero, where abs1 and relu1 have a zero
//! gradient and so stay put (relu2 drifts gently), instead of training on, possibly into
//! subnormals or NaN that would slow the vector ops of the whole block. Whatever a parked lane
//! computes is ignored, and lanes never mix, so it cannot reach another lane.
//!
//! Runs stop at very different epochs (a dead start plateaus after 12, a slow success takes
//! hundreds), so a block would mostly compute parked lanes. All runs of a group start together,
//! so at any epoch every live run is at the same step `t` and shares Adam's step constants:
//! every [`CHUNK`] epochs the group moves its live runs into as few blocks as hold them
//! (compaction) and stops computing the emptied ones. A run's arithmetic never depends on its
//! lane, so compaction changes speed, never bits.

use initsift_nn::StopRules;

use super::heads::{Bce, Head, Mse};
use super::nets::{Abs1, MAX_PARAMS, Net, Params, Relu1, Relu2};
use super::optim::{OptLanes, OptPlan};
use super::stop::{GO_ON, StopLanes};
use super::width::{LANES, Lane, ZERO, gather_rows};
use crate::xor::{CLASS, Preset};

/// Epochs a block runs before the next block of its group takes over (its state stays in L1
/// meanwhile) and between compactions.
const CHUNK: usize = 16;

/// The loss heads the kernels implement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeadKind {
    /// Mean squared error.
    Mse,
    /// Binary cross-entropy on logits.
    Bce,
}

/// What every group of one training call shares.
#[derive(Debug)]
pub(crate) struct Job<'a> {
    pub(crate) preset: Preset,
    pub(crate) head: HeadKind,
    pub(crate) plan: &'a OptPlan,
    pub(crate) rules: StopRules,
}

/// One run's raw result from the kernel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LaneResult {
    pub(crate) epochs: usize,
    pub(crate) code: u32,
    pub(crate) initial_loss: f32,
    pub(crate) initial_correct: u32,
    pub(crate) final_loss: f32,
    pub(crate) final_correct: u32,
}

impl Default for LaneResult {
    fn default() -> Self {
        Self {
            epochs: 0,
            code: GO_ON,
            initial_loss: 0.0,
            initial_correct: 0,
            final_loss: 0.0,
            final_correct: 0,
        }
    }
}

crate::isa_dispatch! {
    /// Trains `results.len()` runs from `init` (run-major, `P` values per run); writes each
    /// run's result and final parameters (run-major) into `finals`.
    pub(crate) fn train_group(
        job: &Job<'_>,
        init: &[f32],
        results: &mut [LaneResult],
        finals: &mut [f32],
    ) {
        match (job.preset, job.head) {
            (Preset::Abs1, HeadKind::Mse) => run_group::<Abs1, Mse>(job, init, results, finals),
            (Preset::Abs1, HeadKind::Bce) => run_group::<Abs1, Bce>(job, init, results, finals),
            (Preset::Relu1, HeadKind::Mse) => run_group::<Relu1, Mse>(job, init, results, finals),
            (Preset::Relu1, HeadKind::Bce) => run_group::<Relu1, Bce>(job, init, results, finals),
            (Preset::Relu2, HeadKind::Mse) => run_group::<Relu2, Mse>(job, init, results, finals),
            (Preset::Relu2, HeadKind::Bce) => run_group::<Relu2, Bce>(job, init, results, finals),
        }
    }
}

/// Loss and number of correct points per lane at `p`, with the engine's accuracy rules:
/// `output ≥ threshold` against the class for one output, first-maximum argmax (a NaN never
/// wins) against the one-hot target for two.
#[inline(always)]
fn evaluate<N: Net, H: Head>(p: &Params) -> (Lane, [u32; LANES]) {
    let mut out = [ZERO; 8];
    N::forward(p, &mut out);
    let loss = H::loss(N::K, &out);
    let mut correct = [0u32; LANES];
    for (i, &class) in CLASS.iter().enumerate() {
        for l in 0..LANES {
            let predicted = if N::K == 1 {
                usize::from(out[i][l] >= H::THRESHOLD)
            } else {
                let (o0, o1) = (out[2 * i][l], out[2 * i + 1][l]);
                let best0 = if o0 > f32::NEG_INFINITY {
                    o0
                } else {
                    f32::NEG_INFINITY
                };
                usize::from(o1 > best0)
            };
            correct[l] += u32::from(predicted == class);
        }
    }
    (loss, correct)
}

/// One block of the group: the live runs' parameters, optimizer and stop-rule state.
#[derive(Clone, Copy)]
struct Block {
    p: Params,
    opt: OptLanes,
    stop: StopLanes,
    /// The run (index into the group) each lane holds.
    run: [usize; LANES],
    /// All-ones for a lane whose run is still training.
    live: [u32; LANES],
    count: usize,
}

impl Block {
    /// Copies `src`'s state, parameters and optimizer slots only up to `np`.
    #[inline(always)]
    fn load(&mut self, src: &Block, np: usize) {
        self.p[..np].copy_from_slice(&src.p[..np]);
        self.opt.copy_rows(&src.opt, np);
        self.stop = src.stop;
        self.run = src.run;
        self.live = src.live;
        self.count = src.count;
    }

    /// Moves the run in lane `from` of `src` into the free lane `to` of `self`.
    #[inline(always)]
    fn take(&mut self, to: usize, src: &mut Block, from: usize) {
        for (dst, s) in self.p.iter_mut().zip(&src.p) {
            dst[to] = s[from];
        }
        self.opt.move_lane(to, &src.opt, from);
        self.stop.move_lane(to, &src.stop, from);
        self.run[to] = src.run[from];
        self.live[to] = u32::MAX;
        self.count += 1;
        src.live[from] = 0;
        src.count -= 1;
    }
}

/// Moves the live runs of `blocks` into the fewest leading blocks; returns how many are used.
#[inline(always)]
fn compact(blocks: &mut [Block]) -> usize {
    let live: usize = blocks.iter().map(|b| b.count).sum();
    let keep = live.div_ceil(LANES);
    if keep == blocks.len() {
        return keep;
    }
    let (front, back) = blocks.split_at_mut(keep);
    let mut free = front
        .iter()
        .enumerate()
        .flat_map(|(b, blk)| {
            (0..LANES)
                .filter(move |&l| blk.live[l] == 0)
                .map(move |l| (b, l))
        })
        .collect::<Vec<_>>()
        .into_iter();
    for src in back {
        for from in 0..LANES {
            if src.live[from] != 0 {
                let (b, to) = free.next().expect("the kept blocks hold every live run");
                front[b].take(to, src, from);
            }
        }
    }
    keep
}

/// Epochs `start..end` of one block.
#[inline(always)]
fn train_chunk<N: Net, H: Head>(
    job: &Job<'_>,
    blk: &mut Block,
    start: usize,
    end: usize,
    g: &mut Params,
    results: &mut [LaneResult],
    finals: &mut [f32],
) {
    let np = N::P;
    for e in start..end {
        if blk.count == 0 {
            break;
        }
        let loss = N::loss_grad::<H>(&blk.p, g);
        blk.opt.step(job.plan, e as u64 + 1, np, &mut blk.p, g);
        let code = blk.stop.observe(&loss);
        let any = code
            .iter()
            .zip(&blk.live)
            .fold(0, |any, (&c, &live)| any | (c & live));
        if any == 0 {
            continue;
        }
        for (l, &c) in code.iter().enumerate() {
            if blk.live[l] != 0 && c != GO_ON {
                let run = blk.run[l];
                results[run].epochs = e + 1;
                results[run].code = c;
                for i in 0..np {
                    finals[run * np + i] = blk.p[i][l];
                    blk.p[i][l] = 0.0;
                }
                blk.opt.park(l);
                blk.live[l] = 0;
                blk.count -= 1;
            }
        }
    }
}

#[inline(always)]
fn run_group<N: Net, H: Head>(
    job: &Job<'_>,
    init: &[f32],
    results: &mut [LaneResult],
    finals: &mut [f32],
) {
    let np = N::P;
    let runs = results.len();
    debug_assert!(init.len() == runs * np && finals.len() == init.len());
    let mut blocks: Vec<Block> = init
        .chunks(LANES * np)
        .enumerate()
        .map(|(b, rows)| {
            let mut p = [ZERO; MAX_PARAMS];
            gather_rows(rows, np, &mut p);
            let count = rows.len() / np;
            let mut live = [0u32; LANES];
            live[..count].fill(u32::MAX);
            Block {
                p,
                opt: OptLanes::new(),
                stop: StopLanes::new(&job.rules),
                run: std::array::from_fn(|l| b * LANES + l),
                live,
                count,
            }
        })
        .collect();
    for (b, blk) in blocks.iter().enumerate() {
        let (loss, correct) = evaluate::<N, H>(&blk.p);
        for (l, r) in results[b * LANES..].iter_mut().take(blk.count).enumerate() {
            r.initial_loss = loss[l];
            r.initial_correct = correct[l];
        }
    }

    let max_epochs = job.rules.max_epochs;
    let mut g: Params = [ZERO; MAX_PARAMS];
    let mut active = blocks.len();
    let mut local = blocks[0];
    let mut start = 0;
    while start < max_epochs && active > 0 {
        let end = (start + CHUNK).min(max_epochs);
        for blk in &mut blocks[..active] {
            // Work on a stack copy: the epoch loop then sees locals nothing else can alias
            // (measured faster than working in place, even with the two copies).
            local.load(blk, np);
            train_chunk::<N, H>(job, &mut local, start, end, &mut g, results, finals);
            blk.load(&local, np);
        }
        start = end;
        active = compact(&mut blocks[..active]);
    }
    for blk in &blocks[..active] {
        for l in (0..LANES).filter(|&l| blk.live[l] != 0) {
            let run = blk.run[l];
            results[run].epochs = max_epochs;
            results[run].code = GO_ON;
            for i in 0..np {
                finals[run * np + i] = blk.p[i][l];
            }
        }
    }
    for (b, rows) in finals.chunks(LANES * np).enumerate() {
        let mut p = [ZERO; MAX_PARAMS];
        gather_rows(rows, np, &mut p);
        let (loss, correct) = evaluate::<N, H>(&p);
        for (l, r) in results[b * LANES..]
            .iter_mut()
            .take(rows.len() / np)
            .enumerate()
        {
            r.final_loss = loss[l];
            r.final_correct = correct[l];
        }
    }
}
