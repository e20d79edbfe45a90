//! One batch of runs training in lockstep on one thread: every active run takes the same
//! minibatch steps (so they share the optimizer's step constants), each is judged by its own
//! stop rules after every epoch, and finished runs leave the batch (compaction), so the
//! GEMMs shrink with the work left.

use initsift_init::select::{Score, Scorer};
use initsift_nn::{EpochOrder, StopReason, StopTracker};
use ndarray::{Array2, ArrayView2};

use super::config::{MinibatchOrder, run_seed};
use super::kernel::{Runs, Scratch, minibatch_grads, standard};
use super::optim::{state_slots, step};
use super::outcome::{Curves, EpochsToTarget};
use super::train::MlpTrainer;
use crate::mlp::kernel::shape;
use crate::mlp::loss::TileLoss;

/// What the epoch loop learns about a run (the rest of its outcome is evaluated afterwards).
#[derive(Debug, Clone, Default)]
pub(crate) struct RunRecord {
    pub(crate) epochs: usize,
    pub(crate) stop: Option<StopReason>,
    pub(crate) to_target: EpochsToTarget,
    pub(crate) curves: Option<Curves>,
}

/// Parameters, gradients or an optimizer buffer of a batch: the stacked first-layer weights
/// (`slots × h × inputs`) and the rests (`slots × rest_len`), active slots first.
struct Slab {
    first: Vec<f32>,
    rest: Vec<f32>,
}

impl Slab {
    fn zeros(count: usize, f: usize, q: usize) -> Self {
        Self {
            first: vec![0.0; count * f],
            rest: vec![0.0; count * q],
        }
    }

    /// Moves slot `from`'s values to slot `to`.
    fn move_slot(&mut self, from: usize, to: usize, f: usize, q: usize) {
        self.first.copy_within(from * f..(from + 1) * f, to * f);
        self.rest.copy_within(from * q..(from + 1) * q, to * q);
    }

    /// Slot `s`'s values in the model's flat layout.
    fn write_flat(&self, s: usize, f: usize, q: usize, out: &mut [f32]) {
        out[..f].copy_from_slice(&self.first[s * f..(s + 1) * f]);
        out[f..].copy_from_slice(&self.rest[s * q..(s + 1) * q]);
    }
}

/// Where each epoch's minibatch order comes from.
enum Orders {
    Shared(EpochOrder),
    PerRun(Vec<EpochOrder>),
    Given,
}

/// A batch of runs and its training state.
pub(crate) struct Batch<'a> {
    trainer: &'a MlpTrainer,
    params: Slab,
    grads: Slab,
    state: Vec<Slab>,
    /// The batch-local run in each active slot.
    slots: Vec<usize>,
    trackers: Vec<StopTracker>,
    orders: Orders,
    scratch: Scratch,
    /// Minibatch inputs and targets, gathered.
    xb: Array2<f32>,
    yb: Array2<f32>,
    /// Loss sums per slot of the last minibatch.
    sums: Vec<f32>,
    /// Steps taken.
    t: u64,
}

impl<'a> Batch<'a> {
    /// Runs `first_run..` of `trainer` from `init` (run-major, flat layout).
    pub(crate) fn new(trainer: &'a MlpTrainer, first_run: usize, init: &[f32]) -> Self {
        let net = &trainer.net;
        let (f, q) = (net.first_len(), net.rest_len);
        let count = init.len() / (f + q);
        let mut params = Slab::zeros(count, f, q);
        for (s, run) in init.chunks_exact(f + q).enumerate() {
            params.first[s * f..(s + 1) * f].copy_from_slice(&run[..f]);
            params.rest[s * q..(s + 1) * q].copy_from_slice(&run[f..]);
        }
        let rows = trainer.train.x.nrows();
        let orders = match &trainer.config.order {
            MinibatchOrder::Shared { seed } => Orders::Shared(EpochOrder::new(rows, *seed)),
            MinibatchOrder::PerRun { seed } => Orders::PerRun(
                (0..count)
                    .map(|r| EpochOrder::new(rows, run_seed(*seed, first_run + r)))
                    .collect(),
            ),
            MinibatchOrder::Given(_) => Orders::Given,
        };
        Self {
            trainer,
            params,
            grads: Slab::zeros(count, f, q),
            state: (0..state_slots(&trainer.config.optimizer))
                .map(|_| Slab::zeros(count, f, q))
                .collect(),
            slots: (0..count).collect(),
            trackers: vec![StopTracker::default(); count],
            orders,
            scratch: Scratch::default(),
            xb: Array2::zeros((0, 0)),
            yb: Array2::zeros((0, 0)),
            sums: vec![0.0; count],
            t: 0,
        }
    }

    /// Trains every run until its stop rules fire or the epochs run out; fills each run's
    /// record and final parameters (run-major, flat layout).
    pub(crate) fn train(mut self, records: &mut [RunRecord], finals: &mut [f32]) {
        let tr = self.trainer;
        let config = &tr.config;
        let (f, q) = (tr.net.first_len(), tr.net.rest_len);
        let p = f + q;
        if config.curves {
            records
                .iter_mut()
                .for_each(|r| r.curves = Some(Curves::default()));
        }
        let want_held_out = tr.test_scorer.is_some()
            && (config.curves || config.targets.held_out_at_least.is_some());
        let full_loss = tr
            .batch_size
            .is_none()
            .then(|| TileLoss::new(config.loss, tr.train.y.view()));
        let mut losses = Vec::new();
        let mut flat = Vec::new();
        let mut metrics = Vec::new();
        for e in 0..config.stop.max_epochs {
            let active = self.slots.len();
            if active == 0 {
                break;
            }
            losses.clear();
            match &full_loss {
                Some(loss) => {
                    self.full_batch_epoch(loss);
                    losses.extend(
                        self.sums[..active]
                            .iter()
                            .map(|&s| f64::from(s * loss.scale)),
                    );
                }
                None => self.minibatch_epoch(e, &mut losses),
            }
            if want_held_out {
                self.held_out_metrics(&mut flat, &mut metrics);
            }
            let mut survivors = Vec::with_capacity(active);
            for s in 0..active {
                let local = self.slots[s];
                let rec = &mut records[local];
                let loss = losses[s];
                if let Some(c) = &mut rec.curves {
                    c.train_loss.push(loss);
                    if want_held_out {
                        c.held_out.push(metrics[s]);
                    }
                }
                if rec.to_target.train_loss.is_none()
                    && config.targets.train_loss_at_most.is_some_and(|x| loss <= x)
                {
                    rec.to_target.train_loss = Some(e + 1);
                }
                if want_held_out
                    && rec.to_target.held_out.is_none()
                    && config
                        .targets
                        .held_out_at_least
                        .is_some_and(|a| metrics[s] >= a)
                {
                    rec.to_target.held_out = Some(e + 1);
                }
                match self.trackers[local].observe(&config.stop, loss) {
                    Some(reason) => {
                        rec.epochs = e + 1;
                        rec.stop = Some(reason);
                        self.params
                            .write_flat(s, f, q, &mut finals[local * p..(local + 1) * p]);
                    }
                    None => survivors.push(s),
                }
            }
            self.compact(&survivors);
        }
        for (s, &local) in self.slots.iter().enumerate() {
            records[local].epochs = config.stop.max_epochs;
            self.params
                .write_flat(s, f, q, &mut finals[local * p..(local + 1) * p]);
        }
    }

    /// The held-out metric of every active slot at its current parameters, into `metrics`
    /// (`flat` is a buffer for the parameters in the flat layout).
    fn held_out_metrics(&self, flat: &mut Vec<f32>, metrics: &mut Vec<f64>) {
        let tr = self.trainer;
        let (f, q) = (tr.net.first_len(), tr.net.rest_len);
        let active = self.slots.len();
        flat.resize(active * (f + q), 0.0);
        for (s, out) in flat.chunks_exact_mut(f + q).enumerate() {
            self.params.write_flat(s, f, q, out);
        }
        let scorer = tr.test_scorer.as_ref().expect("a test split");
        let mut scores = vec![Score::NAN; active];
        scorer
            .score_params(flat, false, &mut scores)
            .expect("the batch's parameters have the model's length");
        metrics.clear();
        metrics.extend(scores.iter().map(|s| tr.held_out(s).metric()));
    }

    /// One full-batch step of every active run; their loss sums land in `self.sums`.
    fn full_batch_epoch(&mut self, loss: &TileLoss) {
        let x = self.trainer.train.x.view();
        let active = self.slots.len();
        self.grads_of(0..active, loss, x);
        self.step_all();
    }

    /// One epoch of minibatch steps; pushes each active slot's epoch loss (the engine's
    /// size-weighted mean of the minibatch losses) to `losses`.
    fn minibatch_epoch(&mut self, e: usize, losses: &mut Vec<f64>) {
        let tr = self.trainer;
        let b = tr.batch_size.expect("minibatch epochs have a batch size");
        let n = tr.train.x.nrows();
        let active = self.slots.len();
        let mut totals = vec![0.0f64; active];
        match &mut self.orders {
            Orders::PerRun(orders) => {
                let epoch: Vec<Vec<usize>> = self
                    .slots
                    .iter()
                    .map(|&local| orders[local].next_epoch().to_vec())
                    .collect();
                for j in 0..n.div_ceil(b) {
                    for (s, order) in epoch.iter().enumerate() {
                        let chunk = &order[j * b..((j + 1) * b).min(n)];
                        let loss = self.gather(chunk);
                        let xb = std::mem::take(&mut self.xb);
                        self.grads_of(s..s + 1, &loss, xb.view());
                        self.xb = xb;
                        totals[s] += f64::from(self.sums[s] * loss.scale) * chunk.len() as f64;
                    }
                    self.step_all();
                }
            }
            orders => {
                let order = match orders {
                    Orders::Shared(o) => o.next_epoch().to_vec(),
                    _ => match &tr.config.order {
                        MinibatchOrder::Given(given) => given[e].clone(),
                        _ => unreachable!("Orders::Given comes from MinibatchOrder::Given"),
                    },
                };
                for chunk in order.chunks(b) {
                    let loss = self.gather(chunk);
                    let xb = std::mem::take(&mut self.xb);
                    self.grads_of(0..active, &loss, xb.view());
                    self.xb = xb;
                    for (total, &sum) in totals.iter_mut().zip(&self.sums) {
                        *total += f64::from(sum * loss.scale) * chunk.len() as f64;
                    }
                    self.step_all();
                }
            }
        }
        losses.extend(totals.iter().map(|t| t / n as f64));
    }

    /// Gathers the rows `chunk` into the minibatch buffers; the loss on their targets.
    fn gather(&mut self, chunk: &[usize]) -> TileLoss {
        let data = &self.trainer.train;
        shape(&mut self.xb, chunk.len(), data.x.ncols());
        shape(&mut self.yb, chunk.len(), data.y.ncols());
        let (d, k) = (data.x.ncols(), data.y.ncols());
        let (x, y) = (standard(&data.x), standard(&data.y));
        let xb = self.xb.as_slice_mut().expect("standard layout");
        let yb = self.yb.as_slice_mut().expect("standard layout");
        for (i, &r) in chunk.iter().enumerate() {
            xb[i * d..(i + 1) * d].copy_from_slice(&x[r * d..(r + 1) * d]);
            yb[i * k..(i + 1) * k].copy_from_slice(&y[r * k..(r + 1) * k]);
        }
        TileLoss::new(self.trainer.config.loss, self.yb.view())
    }

    /// Gradients of the slots `range` on inputs `x` under `loss`; loss sums into `self.sums`.
    fn grads_of(&mut self, range: std::ops::Range<usize>, loss: &TileLoss, x: ArrayView2<'_, f32>) {
        let net = &self.trainer.net;
        let (f, q) = (net.first_len(), net.rest_len);
        let sums = &mut self.sums[range.clone()];
        sums.fill(0.0);
        minibatch_grads(
            net,
            self.trainer.isa,
            loss,
            x,
            Runs {
                first: &self.params.first[range.start * f..range.end * f],
                rest: &self.params.rest[range.start * q..range.end * q],
                grad_first: &mut self.grads.first[range.start * f..range.end * f],
                grad_rest: &mut self.grads.rest[range.start * q..range.end * q],
            },
            sums,
            &mut self.scratch,
        );
    }

    /// One optimizer step of every active slot.
    fn step_all(&mut self) {
        self.t += 1;
        let tr = self.trainer;
        let (f, q) = (tr.net.first_len(), tr.net.rest_len);
        let active = self.slots.len();
        let mut first: Vec<&mut [f32]> = self
            .state
            .iter_mut()
            .map(|s| &mut s.first[..active * f])
            .collect();
        step(
            tr.isa,
            &tr.config.optimizer,
            self.t,
            &mut self.params.first[..active * f],
            &self.grads.first[..active * f],
            &mut first,
        );
        let mut rest: Vec<&mut [f32]> = self
            .state
            .iter_mut()
            .map(|s| &mut s.rest[..active * q])
            .collect();
        step(
            tr.isa,
            &tr.config.optimizer,
            self.t,
            &mut self.params.rest[..active * q],
            &self.grads.rest[..active * q],
            &mut rest,
        );
    }

    /// Keeps only the slots `survivors` (ascending), moved to the front in order.
    fn compact(&mut self, survivors: &[usize]) {
        if survivors.len() == self.slots.len() {
            return;
        }
        let (f, q) = (self.trainer.net.first_len(), self.trainer.net.rest_len);
        for (to, &from) in survivors.iter().enumerate() {
            if to != from {
                self.params.move_slot(from, to, f, q);
                for s in &mut self.state {
                    s.move_slot(from, to, f, q);
                }
                self.slots[to] = self.slots[from];
            }
        }
        self.slots.truncate(survivors.len());
    }
}
