//! The optimizers over a batch's flat buffers: initsift-nn's per-step constants and per-element
//! updates (so every element rounds as the engine's `Optimizer::step`), compiled per ISA so the
//! loops are as wide as the CPU. Every run of a batch is at the same step, so they share the
//! step constants.

use initsift_nn::OptimizerConfig;
use initsift_nn::optim::{AdamStep, RmsPropStep, SgdStep};

/// How many state buffers (momentum, moments, …) `config` keeps per parameter, as
/// `OptimizerConfig::build` allocates them.
pub(crate) fn state_slots(config: &OptimizerConfig) -> usize {
    match *config {
        OptimizerConfig::Sgd(o) => usize::from(o.momentum != 0.0),
        OptimizerConfig::Adam(o) | OptimizerConfig::AdamW(o) => 2 + usize::from(o.amsgrad),
        OptimizerConfig::RmsProp(o) => 1 + usize::from(o.momentum > 0.0) + usize::from(o.centered),
    }
}

crate::isa_dispatch! {
    /// Step `t` (1-based) on `p` from `g`; `state` holds [`state_slots`] buffers of `p`'s
    /// length.
    pub(crate) fn step(
        config: &OptimizerConfig,
        t: u64,
        p: &mut [f32],
        g: &[f32],
        state: &mut [&mut [f32]],
    ) {
    match (*config, state) {
        (OptimizerConfig::Sgd(o), []) => {
            let k = SgdStep::new(&o, t);
            p.iter_mut().zip(g).for_each(|(p, &g)| k.plain(p, g));
        }
        (OptimizerConfig::Sgd(o), [buf]) => {
            let k = SgdStep::new(&o, t);
            for ((p, &g), b) in p.iter_mut().zip(g).zip(buf.iter_mut()) {
                k.momentum(p, g, b);
            }
        }
        (OptimizerConfig::Adam(o) | OptimizerConfig::AdamW(o), state) => {
            let decoupled = matches!(config, OptimizerConfig::AdamW(_));
            let k = AdamStep::new(&o, decoupled, t);
            match state {
                [m, v] => {
                    for (((p, &g), m), v) in p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut())
                    {
                        k.update(p, g, m, v, None);
                    }
                }
                [m, v, vmax] => {
                    let it = p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut());
                    for ((((p, &g), m), v), vm) in it.zip(vmax.iter_mut()) {
                        k.update(p, g, m, v, Some(vm));
                    }
                }
                _ => unreachable!("state_slots gives Adam 2 or 3 buffers"),
            }
        }
        (OptimizerConfig::RmsProp(o), state) => {
            let k = RmsPropStep::new(&o);
            // Slot order as `OptimizerConfig::build`: square_avg, then momentum, then grad_avg.
            match (state, o.momentum > 0.0, o.centered) {
                ([sq], false, false) => {
                    for ((p, &g), sq) in p.iter_mut().zip(g).zip(sq.iter_mut()) {
                        k.update(p, g, sq, None, None);
                    }
                }
                ([sq, buf], true, false) => {
                    for (((p, &g), sq), b) in
                        p.iter_mut().zip(g).zip(sq.iter_mut()).zip(buf.iter_mut())
                    {
                        k.update(p, g, sq, None, Some(b));
                    }
                }
                ([sq, avg], false, true) => {
                    for (((p, &g), sq), a) in
                        p.iter_mut().zip(g).zip(sq.iter_mut()).zip(avg.iter_mut())
                    {
                        k.update(p, g, sq, Some(a), None);
                    }
                }
                ([sq, buf, avg], true, true) => {
                    let it = p.iter_mut().zip(g).zip(sq.iter_mut()).zip(buf.iter_mut());
                    for ((((p, &g), sq), b), a) in it.zip(avg.iter_mut()) {
                        k.update(p, g, sq, Some(a), Some(b));
                    }
                }
                _ => unreachable!("state_slots gives RMSprop 1 to 3 buffers"),
            }
        }
        (OptimizerConfig::Sgd(_), _) => unreachable!("state_slots gives SGD 0 or 1 buffer"),
    }
    }
}
