//! What a method did: one [`TraceStep`] per iteration, and how the run ended.

use std::time::Instant;

use serde::{Deserialize, Serialize};

/// Which update an iteration made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum StepKind {
    /// A step on the objective (GradInit, NIO, MetaInit).
    Objective,
    /// A step that lowers the gradient norm because it exceeded γ (GradInit, NIO).
    Constraint,
    /// LSUV measured layer `layer`'s output variance (and rescaled its weight if needed).
    Rescale {
        /// Index of the Linear layer in [`initsift_nn::ModelSpec::layers`].
        layer: usize,
    },
}

/// One iteration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceStep {
    /// 0-based iteration.
    pub iteration: usize,
    /// The update made.
    pub kind: StepKind,
    /// The objective the method minimises, at the parameters the iteration started from:
    /// NIO's J (e.g. −GC for `gc`), GradInit's L(S̃; θ − η·d)/η (objective steps only),
    /// MetaInit's gradient quotient, LSUV's output variance.
    pub objective: Option<f64>,
    /// The constrained quantity at the same parameters: NIO's mean sub-batch gradient norm,
    /// GradInit's ‖g‖₂ (SGD) or ‖g‖₁ (Adam); none for LSUV and MetaInit.
    pub constraint: Option<f64>,
    /// Per parameter tensor (layout order), the scale after the update relative to the start
    /// (LSUV: relative to the orthonormal pre-init).
    pub scales: Vec<f64>,
    /// Seconds since the method started, at the end of the iteration.
    pub seconds: f64,
}

/// Why a run stopped early.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Divergence {
    /// The iteration whose evaluation was not finite; its update was not applied.
    pub iteration: usize,
    /// What was not finite, e.g. `objective`.
    pub quantity: String,
}

/// The record of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    /// The method's name (the config's tag).
    pub method: String,
    /// One entry per iteration that completed.
    pub steps: Vec<TraceStep>,
    /// Set when a non-finite value stopped the run; the parameters returned are then the
    /// last finite ones (those before that iteration).
    pub diverged: Option<Divergence>,
    /// Wall time of the whole call, in seconds.
    pub seconds: f64,
}

/// Builds a [`Trace`] while a method runs.
pub(crate) struct Recorder {
    trace: Trace,
    start: Instant,
}

impl Recorder {
    pub(crate) fn new(method: &str) -> Self {
        Self {
            trace: Trace {
                method: method.to_string(),
                steps: Vec::new(),
                diverged: None,
                seconds: 0.0,
            },
            start: Instant::now(),
        }
    }

    pub(crate) fn step(
        &mut self,
        kind: StepKind,
        objective: Option<f64>,
        constraint: Option<f64>,
        scales: Vec<f64>,
    ) {
        let iteration = self.trace.steps.len();
        let seconds = self.start.elapsed().as_secs_f64();
        self.trace.steps.push(TraceStep {
            iteration,
            kind,
            objective,
            constraint,
            scales,
            seconds,
        });
    }

    /// Records that `quantity` was not finite at the next iteration.
    pub(crate) fn diverged(&mut self, quantity: &str) {
        self.trace.diverged = Some(Divergence {
            iteration: self.trace.steps.len(),
            quantity: quantity.to_string(),
        });
    }

    pub(crate) fn finish(mut self) -> Trace {
        self.trace.seconds = self.start.elapsed().as_secs_f64();
        self.trace
    }
}

/// The first non-finite name among `(name, value)` pairs.
pub(crate) fn first_non_finite<'a>(values: &[(&'a str, f64)]) -> Option<&'a str> {
    values.iter().find(|(_, v)| !v.is_finite()).map(|(n, _)| *n)
}
