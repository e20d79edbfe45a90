//! Multi-objective: the lowest weighted sum of loss, gradient norm and parameter norm.

use serde::{Deserialize, Serialize};

use super::scan::{Check, Ctx};
use crate::select::error::SelectError;
use crate::select::score::Score;

/// Pick the `count` lowest `w_loss·loss + w_grad·‖∇L‖ + w_param·‖θ‖` of `n`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultiObjective {
    /// Pool size.
    pub n: u64,
    /// Weight of the loss.
    pub w_loss: f64,
    /// Weight of the gradient norm.
    pub w_grad: f64,
    /// Weight of the parameter norm.
    pub w_param: f64,
    /// Picks.
    pub count: usize,
}

impl MultiObjective {
    /// The serde tag and name in errors.
    pub const NAME: &'static str = "multi_objective";

    /// Checks the parameters.
    pub fn validate(&self) -> Result<(), SelectError> {
        let c = Check(Self::NAME);
        c.positive("n", self.n)?;
        c.picks("count", self.count)?;
        let w = [self.w_loss, self.w_grad, self.w_param];
        if w.iter().any(|v| !v.is_finite() || *v < 0.0) {
            return Err(c.bad("weights", format!("{w:?}"), "must be finite and >= 0"));
        }
        if w.iter().all(|v| *v == 0.0) {
            return Err(c.bad("weights", format!("{w:?}"), "all zero: nothing to minimise"));
        }
        Ok(())
    }

    pub(super) fn run(&self, ctx: &mut Ctx<'_>) -> Result<(), SelectError> {
        let want_grad = self.w_grad != 0.0;
        let pool = ctx.collect(self.n, want_grad)?;
        let stream = ctx.stream;
        let mut scored: Vec<(f64, u64, Score)> = pool
            .into_iter()
            .map(|(i, s)| {
                let norm = if self.w_param != 0.0 {
                    stream
                        .candidate(i)
                        .iter()
                        .map(|v| f64::from(*v).powi(2))
                        .sum::<f64>()
                        .sqrt()
                } else {
                    0.0
                };
                let g = if want_grad {
                    f64::from(s.grad_norm)
                } else {
                    0.0
                };
                let objective =
                    self.w_loss * f64::from(s.loss) + self.w_grad * g + self.w_param * norm;
                (objective, i, s)
            })
            .collect();
        scored.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        ctx.check_count(self.count, scored.len())?;
        ctx.sel.picks = scored
            .into_iter()
            .take(self.count)
            .map(|(_, i, s)| ctx.stream_pick((i, s)))
            .collect();
        Ok(())
    }
}
