//! The passes an initialization used, counted from what its method does: candidates scored
//! (one forward pass each over every training row), and the data-dependent methods' passes
//! over their fixed batch, read off their [`Trace`].
//!
//! Per iteration on the batch (the graphs of initsift-datadep):
//! - GradInit: a constraint step is one forward and one backward pass (g on S) and one
//!   second-order reverse sweep (∇_α‖g‖); an objective step is the same forward and backward,
//!   then a forward and a backward pass at θ − η·d (d detached: first order only).
//! - NIO: one forward and one backward pass over the D sub-batches (each sub-batch's g), and
//!   one second-order reverse sweep (∇_α of GC or of the mean gradient norm).
//! - MetaInit: one forward and one backward pass (g), a second-order sweep (Hg) and a
//!   third-order one (∇ of the gradient quotient).
//! - LSUV: one forward pass per Linear layer it measures, each stopping at that layer.
//!
//! An iteration stopped by a non-finite value counts the passes that found it (one forward
//! and one backward; LSUV: the layer's forward pass).

use std::collections::BTreeSet;

use initsift_datadep::{StepKind, Trace};
use serde::Serialize;

/// Passes one initialization used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Passes {
    /// Forward passes over every training row (candidates scored).
    pub scoring_forward: u64,
    /// Forward passes over the fixed batch.
    pub batch_forward: u64,
    /// First-order backward passes over the fixed batch.
    pub batch_backward: u64,
    /// Reverse sweeps through a gradient (second or third order) over the fixed batch.
    pub batch_higher_order: u64,
}

impl Passes {
    /// `k` candidates scored: `k` forward passes over the training rows.
    pub fn scoring(k: u64) -> Passes {
        Passes {
            scoring_forward: k,
            ..Passes::default()
        }
    }

    /// What the data-dependent run recorded in `trace` did.
    pub fn of_trace(trace: &Trace) -> Passes {
        let per = |f, b, h| Passes {
            batch_forward: f,
            batch_backward: b,
            batch_higher_order: h,
            ..Passes::default()
        };
        let stopped = u64::from(trace.diverged.is_some());
        match trace.method.as_str() {
            "lsuv" => {
                let layers: BTreeSet<usize> = trace
                    .steps
                    .iter()
                    .filter_map(|s| match s.kind {
                        StepKind::Rescale { layer } => Some(layer),
                        _ => None,
                    })
                    .collect();
                per(layers.len() as u64 + stopped, 0, 0)
            }
            method => {
                let total = trace
                    .steps
                    .iter()
                    .map(|s| match (method, s.kind) {
                        ("grad_init", StepKind::Objective) => per(2, 2, 0),
                        ("meta_init", _) => per(1, 1, 2),
                        // GradInit's constraint steps and every NIO step.
                        _ => per(1, 1, 1),
                    })
                    .fold(Passes::default(), Passes::plus);
                total.plus(per(stopped, stopped, 0))
            }
        }
    }

    /// The sum of two counts.
    pub fn plus(self, o: Passes) -> Passes {
        Passes {
            scoring_forward: self.scoring_forward + o.scoring_forward,
            batch_forward: self.batch_forward + o.batch_forward,
            batch_backward: self.batch_backward + o.batch_backward,
            batch_higher_order: self.batch_higher_order + o.batch_higher_order,
        }
    }

    /// Row-passes: every pass times the rows it ran on (`n_train` for scoring, `batch` for
    /// the batch's), one scalar to compare methods by.
    pub fn row_passes(&self, n_train: usize, batch: usize) -> u64 {
        self.scoring_forward * n_train as u64
            + (self.batch_forward + self.batch_backward + self.batch_higher_order) * batch as u64
    }
}
