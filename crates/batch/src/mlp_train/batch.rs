//! One batch of runs training in lockstep on one thread: every active run takes the same
//! minibatch steps (so they share the optimizer's step constants), each is judged by its own
//! stop rules after every epoch, and finished runs leave the batch (compaction), so the
//! GEMMs shrink with the work left.

use std::ops::Range;

use initsift_init::select::{Score, Scorer};
use initsift_nn::{EpochOrder, StopReason, StopTracker};

use super::config::{MinibatchOrder, run_seed};
use super::data::Gathered;
use super::kernel::{Scratch, run_grads};
use super::optim::{state_slots, step};
use super::outcome::{Curves, EpochsToTarget};
use super::train::MlpTrainer;

/// What the epoch loop learns about a run (the rest of its outcome is evaluated afterwards).
#[derive(Debug, Clone, Default)]
pub(crate) struct RunRecord {
    pub(crate) epochs: usize,
    pub(crate) stop: Option<StopReason>,
    pub(crate) to_target: EpochsToTarget,
    pub(crate) curves: Option<Curves>,
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
    /// Each slot's parameters and optimizer buffers (slot-major, flat layout), active slots
    /// first.
    params: Vec<f32>,
    state: Vec<Vec<f32>>,
    /// One run's gradient (each slot's in turn, stepped at once).
    grad: Vec<f32>,
    /// The batch-local run in each active slot.
    slots: Vec<usize>,
    trackers: Vec<StopTracker>,
    orders: Orders,
    scratch: Scratch,
    /// The epoch's rows (shared or given order) or the minibatch's (per-run orders).
    rows: Option<Gathered>,
    /// Loss sums per slot of the last minibatch.
    sums: Vec<f32>,
    /// Steps taken.
    t: u64,
}

impl<'a> Batch<'a> {
    /// Runs `first_run..` of `trainer` from `init` (run-major, flat layout).
    pub(crate) fn new(trainer: &'a MlpTrainer, first_run: usize, init: &[f32]) -> Self {
        let count = init.len() / trainer.net.param_len;
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
            params: init.to_vec(),
            grad: vec![0.0; trainer.net.param_len],
            state: vec![vec![0.0; init.len()]; state_slots(&trainer.config.optimizer)],
            slots: (0..count).collect(),
            trackers: vec![StopTracker::default(); count],
            orders,
            scratch: Scratch::default(),
            rows: None,
            sums: vec![0.0; count],
            t: 0,
        }
    }

    /// Trains every run until its stop rules fire or the epochs run out; fills each run's
    /// record and final parameters (run-major, flat layout).
    pub(crate) fn train(mut self, records: &mut [RunRecord], finals: &mut [f32]) {
        let tr = self.trainer;
        let config = &tr.config;
        let p = tr.net.param_len;
        if config.curves {
            records
                .iter_mut()
                .for_each(|r| r.curves = Some(Curves::default()));
        }
        let want_held_out = tr.test_scorer.is_some()
            && (config.curves || config.targets.held_out_at_least.is_some());
        let mut losses = Vec::new();
        let mut metrics = Vec::new();
        for e in 0..config.stop.max_epochs {
            let active = self.slots.len();
            if active == 0 {
                break;
            }
            losses.clear();
            match tr.batch_size {
                None => {
                    self.full_batch_epoch();
                    let scale = tr.all_rows.loss.scale;
                    losses.extend(self.sums[..active].iter().map(|&s| f64::from(s * scale)));
                }
                Some(_) => self.minibatch_epoch(e, &mut losses),
            }
            if want_held_out {
                self.held_out_metrics(&mut metrics);
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
                        finals[local * p..(local + 1) * p]
                            .copy_from_slice(&self.params[s * p..(s + 1) * p]);
                    }
                    None => survivors.push(s),
                }
            }
            self.compact(&survivors);
        }
        for (s, &local) in self.slots.iter().enumerate() {
            records[local].epochs = config.stop.max_epochs;
            finals[local * p..(local + 1) * p].copy_from_slice(&self.params[s * p..(s + 1) * p]);
        }
    }

    /// The held-out metric of every active slot at its current parameters, into `metrics`.
    fn held_out_metrics(&self, metrics: &mut Vec<f64>) {
        let tr = self.trainer;
        let active = self.slots.len();
        let scorer = tr.test_scorer.as_ref().expect("a test split");
        let mut scores = vec![Score::NAN; active];
        scorer
            .score_params(
                &self.params[..active * tr.net.param_len],
                false,
                &mut scores,
            )
            .expect("the batch's parameters have the model's length");
        metrics.clear();
        metrics.extend(scores.iter().map(|s| tr.held_out(s).metric()));
    }

    /// One full-batch step of every active run; their loss sums land in `self.sums`.
    fn full_batch_epoch(&mut self) {
        let all = &self.trainer.all_rows;
        self.t += 1;
        self.step_slots(0..self.slots.len(), all, 0..all.count);
    }

    /// One epoch of minibatch steps; pushes each active slot's epoch loss (the engine's
    /// size-weighted mean of the minibatch losses) to `losses`.
    fn minibatch_epoch(&mut self, e: usize, losses: &mut Vec<f64>) {
        let tr = self.trainer;
        let b = tr.batch_size.expect("minibatch epochs have a batch size");
        let n = tr.train.x.nrows();
        let active = self.slots.len();
        let mut totals = vec![0.0f64; active];
        // Taken out of `self` while its rows are read, put back at the end.
        let mut rows = self.rows.take();
        match &mut self.orders {
            Orders::PerRun(orders) => {
                let epoch: Vec<Vec<usize>> = self
                    .slots
                    .iter()
                    .map(|&local| orders[local].next_epoch().to_vec())
                    .collect();
                for j in 0..n.div_ceil(b) {
                    self.t += 1;
                    for (s, order) in epoch.iter().enumerate() {
                        let chunk = &order[j * b..((j + 1) * b).min(n)];
                        let g = Gathered::into_slot(&mut rows, &tr.train, tr.config.loss, chunk);
                        self.step_slots(s..s + 1, g, 0..chunk.len());
                        totals[s] += f64::from(self.sums[s] * g.loss.scale) * chunk.len() as f64;
                    }
                }
            }
            orders => {
                let order = match orders {
                    Orders::Shared(o) => o.next_epoch(),
                    _ => match &tr.config.order {
                        MinibatchOrder::Given(given) => &given[e],
                        _ => unreachable!("Orders::Given comes from MinibatchOrder::Given"),
                    },
                };
                // The whole epoch in its order: each minibatch is then a range of its rows.
                let g = Gathered::into_slot(&mut rows, &tr.train, tr.config.loss, order);
                for start in (0..n).step_by(b) {
                    let chunk = start..(start + b).min(n);
                    let len = chunk.len();
                    g.loss.mean_over(len);
                    self.t += 1;
                    self.step_slots(0..active, g, chunk);
                    for (total, &sum) in totals.iter_mut().zip(&self.sums) {
                        *total += f64::from(sum * g.loss.scale) * len as f64;
                    }
                }
            }
        }
        self.rows = rows;
        losses.extend(totals.iter().map(|t| t / n as f64));
    }

    /// Optimizer step `self.t` of the slots `slots` on the rows `range` of `data`: each slot's
    /// gradient, then at once its step, while its parameters and moments are in cache (every
    /// slot is at the same step, and a slot's step reads only its own numbers). Loss sums
    /// into `self.sums`.
    fn step_slots(&mut self, slots: Range<usize>, data: &Gathered, range: Range<usize>) {
        let tr = self.trainer;
        let p = tr.net.param_len;
        for s in slots {
            let at = s * p..(s + 1) * p;
            self.sums[s] = 0.0;
            run_grads(
                &tr.net,
                tr.isa,
                data,
                range.clone(),
                &self.params[at.clone()],
                &mut self.grad,
                &mut self.sums[s],
                &mut self.scratch,
            );
            // The slot's part of each optimizer buffer (at most three), without allocating
            // on this per-slot, per-step path.
            let buffers = self.state.len();
            let mut state: [&mut [f32]; 3] = [&mut [], &mut [], &mut []];
            for (part, buf) in state.iter_mut().zip(&mut self.state) {
                *part = &mut buf[at.clone()];
            }
            step(
                tr.isa,
                &tr.config.optimizer,
                self.t,
                &mut self.params[at],
                &self.grad,
                &mut state[..buffers],
            );
        }
    }

    /// Keeps only the slots `survivors` (ascending), moved to the front in order.
    fn compact(&mut self, survivors: &[usize]) {
        if survivors.len() == self.slots.len() {
            return;
        }
        let p = self.trainer.net.param_len;
        for (to, &from) in survivors.iter().enumerate() {
            if to != from {
                self.params.copy_within(from * p..(from + 1) * p, to * p);
                for s in &mut self.state {
                    s.copy_within(from * p..(from + 1) * p, to * p);
                }
                self.slots[to] = self.slots[from];
            }
        }
        self.slots.truncate(survivors.len());
    }
}
