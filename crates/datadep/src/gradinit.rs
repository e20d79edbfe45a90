//! GradInit (`gradinit` in `zhuchen03/gradinit`'s `gradinit_utils.py`).
//!
//! Batches, as the code draws them from its loader: S = S_a ∪ S_b (two loads of B/2 rows);
//! a constraint step uses only S; an objective step draws S_c and uses S̃ = S_a ∪ S_c
//! (with `batch_no_overlap`, S_c and then a fresh S_a). Loads are the data's chunks of B/2
//! rows in order, cyclically.

use ndarray::{Array2, Axis, concatenate};

use crate::config::{GradInitConfig, batch_rows};
use crate::error::Result;
use crate::one_step::OneStepLoss;
use crate::problem::Problem;
use crate::rescale::{RescaleAdam, scaled, zero_norm};
use crate::trace::{Recorder, StepKind, Trace, first_non_finite};

/// Two loads stacked.
fn stack(
    a: &(Array2<f64>, Array2<f64>),
    b: &(Array2<f64>, Array2<f64>),
) -> (Array2<f64>, Array2<f64>) {
    (
        concatenate![Axis(0), a.0, b.0],
        concatenate![Axis(0), a.1, b.1],
    )
}

/// Runs GradInit.
pub(crate) fn run(p: &Problem, c: &GradInitConfig) -> Result<(Vec<f64>, Trace)> {
    c.validate()?;
    let half = batch_rows("grad_init", c.batch_size, p.rows(), 2)? / 2;
    let mut one = OneStepLoss::new(
        &p.spec,
        p.loss,
        2 * half,
        c.optimizer,
        c.normalize_grad,
        c.eta,
    )?;
    let skip = zero_norm(&p.layout, &p.base);
    let mins = p.min_scales(c.min_scale);
    let mut opt = RescaleAdam::new(c.lr, c.grad_clip, mins, c.max_scale, skip);
    let mut rec = Recorder::new("grad_init");
    let mut load = 0;
    let mut next = || {
        load += 1;
        p.chunk(load - 1, half)
    };
    for _ in 0..c.iterations {
        let theta = scaled(&p.layout, &p.base, &opt.scales());
        let a = next();
        let s = stack(&a, &next());
        let n = one.norm(&theta, s.0.view(), s.1.view())?;
        if let Some(q) = first_non_finite(&[("loss", n.loss), ("gradient norm", n.norm)]) {
            rec.diverged(q);
            break;
        }
        if n.norm > c.gamma {
            let h = one.constraint_gradient(&p.base)?;
            if h.iter().any(|v| !v.is_finite()) {
                rec.diverged("scale gradient");
                break;
            }
            opt.step(&h, true);
            rec.step(StepKind::Constraint, None, Some(n.norm), opt.scales());
            continue;
        }
        let c_load = next();
        let a = if c.batch_no_overlap { next() } else { a };
        let st = stack(&a, &c_load);
        let (j, h) = one.objective(&theta, &n.direction, st.0.view(), st.1.view(), &p.base)?;
        if !j.is_finite() || h.iter().any(|v| !v.is_finite()) {
            rec.diverged("objective");
            break;
        }
        opt.step(&h, false);
        rec.step(StepKind::Objective, Some(j), Some(n.norm), opt.scales());
    }
    Ok((scaled(&p.layout, &p.base, &opt.scales()), rec.finish()))
}
