//! The Trainer's stop rules in lanes: initsift-nn's `StopTracker` logic, evaluated for every lane
//! at once without branches, with the same f64 comparisons in the same precedence (divergence,
//! then the loss threshold, then the plateau rule).

use initsift_nn::{StopReason, StopRules};

use super::width::{LANES, Lane};

/// No stop this epoch.
pub(crate) const GO_ON: u32 = 0;
/// The loss was NaN or infinite.
pub(crate) const DIVERGED: u32 = 1;
/// The loss fell below the threshold.
pub(crate) const CONVERGED: u32 = 2;
/// The plateau rule fired.
pub(crate) const PLATEAU: u32 = 3;

/// The stop reason a code stands for.
pub(crate) fn reason(code: u32) -> StopReason {
    match code {
        DIVERGED => StopReason::Diverged,
        CONVERGED => StopReason::Converged,
        PLATEAU => StopReason::Plateau,
        _ => StopReason::MaxEpochs,
    }
}

/// The stop-rule state of a lane block.
#[derive(Clone, Copy)]
pub(crate) struct StopLanes {
    best: [f64; LANES],
    since_best: [u32; LANES],
    /// The loss threshold; −∞ when there is none (nothing is below it).
    below: f64,
    /// `(min_delta, patience)` of the plateau rule.
    plateau: Option<(f64, u32)>,
}

impl StopLanes {
    /// Fresh state for `rules`.
    #[inline(always)]
    pub(crate) fn new(rules: &StopRules) -> Self {
        Self {
            best: [f64::INFINITY; LANES],
            since_best: [0; LANES],
            below: rules.loss_below.unwrap_or(f64::NEG_INFINITY),
            plateau: rules
                .plateau
                .map(|p| (p.min_delta, u32::try_from(p.patience).unwrap_or(u32::MAX))),
        }
    }

    /// Copies lane `from` of `src` into lane `to` (to move a run to another lane).
    #[inline(always)]
    pub(crate) fn move_lane(&mut self, to: usize, src: &StopLanes, from: usize) {
        self.best[to] = src.best[from];
        self.since_best[to] = src.since_best[from];
    }

    /// Feeds each lane's epoch loss; returns a stop code per lane ([`GO_ON`] for none).
    ///
    /// Lanes that already stopped keep being fed; their codes are ignored by the caller.
    #[inline(always)]
    pub(crate) fn observe(&mut self, loss: &Lane) -> [u32; LANES] {
        let mut code = [GO_ON; LANES];
        let mut plateau = [false; LANES];
        if let Some((min_delta, patience)) = self.plateau {
            for l in 0..LANES {
                let x = f64::from(loss[l]);
                let improved = self.best[l] - x > min_delta;
                let since = if improved {
                    0
                } else {
                    self.since_best[l].saturating_add(1)
                };
                self.since_best[l] = since;
                plateau[l] = !improved && since > patience;
                let best = if improved { x } else { self.best[l] };
                self.best[l] = best.min(x);
            }
        }
        for l in 0..LANES {
            let x = f64::from(loss[l]);
            code[l] = if !x.is_finite() {
                DIVERGED
            } else if x < self.below {
                CONVERGED
            } else if plateau[l] {
                PLATEAU
            } else {
                GO_ON
            };
        }
        code
    }
}
