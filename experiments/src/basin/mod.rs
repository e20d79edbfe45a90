//! Basin maps: how the initial condition decides the outcome (Kolen & Pollack 1990, "Back
//! propagation is sensitive to initial conditions"). Every point of a 2-D slice of init space
//! is trained in lockstep; the map keeps each point's epochs, outcome and initial loss, measures
//! where low initial loss still fails and how fragmented the basins are, and renders PNGs.

mod png;
mod render;
mod slice;

pub use png::{crc32, encode_rgb};
pub use render::{Mark, render_epochs, render_outcomes};
pub use slice::{MAX_RESOLUTION, Slice};

use initsift_batch::Isa;
use initsift_batch::lockstep::{Lockstep, LockstepConfig, LockstepError, RunOutcome};
use initsift_nn::StopReason;
use serde::Serialize;
use thiserror::Error;

/// Bad basin-map input.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum BasinError {
    /// A resolution of 0 or above [`MAX_RESOLUTION`].
    #[error("map resolution {given}: must be between 1 and {MAX_RESOLUTION}")]
    Resolution {
        /// What was given.
        given: usize,
    },
    /// A half width that is not a positive number.
    #[error("slice half width {given}: must be a finite number > 0")]
    HalfWidth {
        /// What was given.
        given: f64,
    },
    /// A direction or init of the wrong length.
    #[error("slice {which} has {given} values; the model has {want} parameters")]
    Length {
        /// Which vector.
        which: &'static str,
        /// Its length.
        given: usize,
        /// The model's parameter count.
        want: usize,
    },
    /// A zero (or non-finite) direction.
    #[error("a slice direction is zero or not finite")]
    ZeroDirection,
    /// Two directions on one line.
    #[error("the slice directions are parallel (cosine {cosine:.9}): they span no plane")]
    Parallel {
        /// Their cosine.
        cosine: f64,
    },
    /// The init stream behind random directions failed.
    #[error("drawing slice directions: {0}")]
    Init(String),
    /// The trainer refused the configuration.
    #[error(transparent)]
    Lockstep(#[from] LockstepError),
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// All four points correct.
    Success,
    /// Stuck with three points correct.
    Stuck75,
    /// Stuck with two.
    Stuck50,
    /// One or none.
    Stuck25,
    /// The loss became NaN or infinite.
    Diverged,
}

impl Outcome {
    /// Every outcome, in legend order.
    pub const ALL: [Outcome; 5] = [
        Outcome::Success,
        Outcome::Stuck75,
        Outcome::Stuck50,
        Outcome::Stuck25,
        Outcome::Diverged,
    ];

    /// The outcome of a run.
    pub fn of(run: &RunOutcome) -> Self {
        if run.stop == StopReason::Diverged {
            Outcome::Diverged
        } else if run.success {
            Outcome::Success
        } else if run.final_accuracy >= 0.625 {
            Outcome::Stuck75
        } else if run.final_accuracy >= 0.375 {
            Outcome::Stuck50
        } else {
            Outcome::Stuck25
        }
    }

    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Stuck75 => "stuck at 75 %",
            Outcome::Stuck50 => "stuck at 50 %",
            Outcome::Stuck25 => "stuck at ≤ 25 %",
            Outcome::Diverged => "diverged",
        }
    }
}

/// One point of the map.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pixel {
    /// Epochs completed.
    pub epochs: u32,
    /// How the run ended.
    pub outcome: Outcome,
    /// Loss at the point itself.
    pub initial_loss: f64,
}

/// A trained slice: `resolution²` pixels, row `j` (along `v`) major, column `i` (along `u`).
#[derive(Debug, Clone)]
pub struct BasinMap {
    /// The slice.
    pub slice: Slice,
    /// How every point was trained.
    pub config: LockstepConfig,
    /// The pixels.
    pub pixels: Vec<Pixel>,
}

/// Rows trained per lockstep call: bounds memory at large resolutions; results do not depend
/// on it (a run's arithmetic never depends on its lane, block or batch).
const ROWS_PER_BATCH: usize = 64;

impl BasinMap {
    /// Trains every point of `slice` under `config` on `isa`.
    pub fn compute(slice: Slice, config: LockstepConfig, isa: Isa) -> Result<Self, BasinError> {
        let want = config.preset.param_len();
        if slice.param_len() != want {
            return Err(BasinError::Length {
                which: "origin",
                given: slice.param_len(),
                want,
            });
        }
        let trainer = Lockstep::new(config, isa)?;
        let res = slice.resolution;
        let mut pixels = Vec::with_capacity(res * res);
        for first_row in (0..res).step_by(ROWS_PER_BATCH) {
            let rows = ROWS_PER_BATCH.min(res - first_row);
            let report = trainer.train_with(rows * res, |r, out| {
                slice.point(r % res, first_row + r / res, out)
            })?;
            pixels.extend(report.outcomes.iter().map(|o| Pixel {
                epochs: o.epochs as u32,
                outcome: Outcome::of(o),
                initial_loss: o.initial_loss,
            }));
        }
        Ok(Self {
            slice,
            config,
            pixels,
        })
    }

    /// The pixel at column `i`, row `j`.
    pub fn pixel(&self, i: usize, j: usize) -> Pixel {
        self.pixels[j * self.slice.resolution + i]
    }

    /// Share of the slice per outcome, in [`Outcome::ALL`] order.
    pub fn outcome_shares(&self) -> [f64; 5] {
        let n = self.pixels.len() as f64;
        Outcome::ALL.map(|o| self.pixels.iter().filter(|p| p.outcome == o).count() as f64 / n)
    }

    /// Below an initial-loss threshold: the share of the slice there, and the share of those
    /// points that still fail (`None` when no point is below).
    pub fn low_loss_failing(&self, threshold: f64) -> (f64, Option<f64>) {
        let below: Vec<&Pixel> = self
            .pixels
            .iter()
            .filter(|p| p.initial_loss < threshold)
            .collect();
        let share = below.len() as f64 / self.pixels.len() as f64;
        let failing = below
            .iter()
            .filter(|p| p.outcome != Outcome::Success)
            .count();
        (
            share,
            (!below.is_empty()).then(|| failing as f64 / below.len() as f64),
        )
    }

    /// Basin boundary length per unit area of the slice: every pair of neighbouring points with
    /// different outcomes contributes one grid spacing of boundary (a staircase length, which
    /// overstates a diagonal boundary by up to √2). 0 for a one-point map.
    pub fn boundary_density(&self) -> f64 {
        let res = self.slice.resolution;
        if res < 2 {
            return 0.0;
        }
        let mut edges = 0usize;
        for j in 0..res {
            for i in 0..res {
                let o = self.pixel(i, j).outcome;
                if i + 1 < res && self.pixel(i + 1, j).outcome != o {
                    edges += 1;
                }
                if j + 1 < res && self.pixel(i, j + 1).outcome != o {
                    edges += 1;
                }
            }
        }
        let spacing = 2.0 * self.slice.half_width / (res - 1) as f64;
        let side = 2.0 * self.slice.half_width;
        edges as f64 * spacing / (side * side)
    }
}
