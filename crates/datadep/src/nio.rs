//! NIO (`GradCosInitializer.train` in `HarborYuan/GradCosine`): per iteration, GN > γ → a
//! constraint step on GN, otherwise an objective step on J, both through RescaleAdam.

use crate::config::{NioConfig, batch_rows, require};
use crate::error::Result;
use crate::gradcosine::{GradCosine, Quantity};
use crate::problem::Problem;
use crate::rescale::{RescaleAdam, scaled, zero_norm};
use crate::trace::{Recorder, StepKind, Trace, first_non_finite};

/// Runs NIO; batch t is the data's t-th chunk of B rows (cyclic, in order).
pub(crate) fn run(p: &Problem, c: &NioConfig) -> Result<(Vec<f64>, Trace)> {
    c.validate()?;
    let b = batch_rows("nio", c.batch_size, p.rows(), 1)?;
    let d = c.sub_batches as f64;
    require(
        "nio",
        "sub_batches",
        d,
        d <= b as f64,
        "is larger than the batch size",
    )?;
    let mut gc = GradCosine::new(
        &p.spec,
        p.loss,
        b,
        c.sub_batches,
        c.overlap,
        c.target,
        c.gn_mul,
    )?;
    let skip = zero_norm(&p.layout, &p.base);
    let mut opt = RescaleAdam::new(c.lr, c.grad_clip, p.min_scales(c.min_scale), None, skip);
    let mut rec = Recorder::new("nio");
    for t in 0..c.iterations {
        let theta = scaled(&p.layout, &p.base, &opt.scales());
        let (x, y) = p.chunk(t, b);
        let v = gc.evaluate(&theta, x.view(), y.view())?;
        if let Some(q) = first_non_finite(&[("objective", v.objective), ("gradient norm", v.gn)]) {
            rec.diverged(q);
            break;
        }
        let constraint = v.gn > c.gamma;
        let which = if constraint {
            Quantity::Constraint
        } else {
            Quantity::Objective
        };
        let h = gc.scale_gradient(which, &p.base)?;
        if h.iter().any(|v| !v.is_finite()) {
            rec.diverged("scale gradient");
            break;
        }
        opt.step(&h, constraint);
        let kind = if constraint {
            StepKind::Constraint
        } else {
            StepKind::Objective
        };
        rec.step(kind, Some(v.objective), Some(v.gn), opt.scales());
    }
    Ok((scaled(&p.layout, &p.base, &opt.scales()), rec.finish()))
}
