//! The optimizers in lanes: initsift-nn's per-step constants and per-element updates, applied
//! lane by lane, so each lane rounds exactly as the engine's `Optimizer::step`.

use initsift_nn::optim::{AdamStep, RmsPropStep, SgdStep};
use initsift_nn::{Adam, OptimizerConfig, RmsProp, Sgd};

use super::nets::{MAX_PARAMS, Params};
use super::width::{LANES, ZERO};

/// Adam's per-step constants are precomputed for at most this many steps (two `powf` per step
/// would otherwise cost about as much as a lane block's update); later steps compute them.
const ADAM_TABLE_MAX: usize = 1 << 16;

/// An optimizer's configuration with the step constants every block shares.
#[derive(Debug, Clone)]
pub(crate) enum OptPlan {
    /// SGD.
    Sgd(Sgd),
    /// Adam or AdamW, with `AdamStep` for steps `1..=table.len()`.
    Adam {
        o: Adam,
        decoupled: bool,
        table: Vec<AdamStep>,
    },
    /// RMSprop.
    RmsProp(RmsProp),
}

impl OptPlan {
    /// The plan for `config` and runs of at most `max_epochs` steps.
    pub(crate) fn new(config: &OptimizerConfig, max_epochs: usize) -> Self {
        match *config {
            OptimizerConfig::Sgd(o) => OptPlan::Sgd(o),
            OptimizerConfig::Adam(o) | OptimizerConfig::AdamW(o) => {
                let decoupled = matches!(config, OptimizerConfig::AdamW(_));
                let n = max_epochs.min(ADAM_TABLE_MAX) as u64;
                let table = (1..=n).map(|t| AdamStep::new(&o, decoupled, t)).collect();
                OptPlan::Adam {
                    o,
                    decoupled,
                    table,
                }
            }
            OptimizerConfig::RmsProp(o) => OptPlan::RmsProp(o),
        }
    }
}

/// One lane block's optimizer state (momentum buffers, moment estimates), parameter-major.
#[derive(Clone, Copy)]
pub(crate) struct OptLanes {
    slots: [Params; 3],
}

impl OptLanes {
    /// A fresh state, as a freshly built optimizer (all zeros).
    #[inline(always)]
    pub(crate) fn new() -> Self {
        Self {
            slots: [[ZERO; MAX_PARAMS]; 3],
        }
    }

    /// Copies lane `from` of every slot of `src` into lane `to` (to move a run to another
    /// lane).
    #[inline(always)]
    pub(crate) fn move_lane(&mut self, to: usize, src: &OptLanes, from: usize) {
        for (dst, s) in self.slots.iter_mut().zip(&src.slots) {
            for (d, v) in dst.iter_mut().zip(s) {
                d[to] = v[from];
            }
        }
    }

    /// Copies the first `np` parameters of every slot from `src` (a whole block's state).
    #[inline(always)]
    pub(crate) fn copy_rows(&mut self, src: &OptLanes, np: usize) {
        for (dst, s) in self.slots.iter_mut().zip(&src.slots) {
            dst[..np].copy_from_slice(&s[..np]);
        }
    }

    /// Zeroes lane `l` of every slot (see the kernel's parking of stopped lanes).
    #[inline(always)]
    pub(crate) fn park(&mut self, l: usize) {
        for slot in &mut self.slots {
            for p in slot.iter_mut() {
                p[l] = 0.0;
            }
        }
    }

    /// Step `t` (1-based) of every lane: the first `np` parameters of `p` move by `g`.
    #[inline(always)]
    pub(crate) fn step(&mut self, plan: &OptPlan, t: u64, np: usize, p: &mut Params, g: &Params) {
        let [s0, s1, s2] = &mut self.slots;
        match plan {
            OptPlan::Sgd(o) => {
                let k = SgdStep::new(o, t);
                if o.momentum != 0.0 {
                    for i in 0..np {
                        for l in 0..LANES {
                            k.momentum(&mut p[i][l], g[i][l], &mut s0[i][l]);
                        }
                    }
                } else {
                    for i in 0..np {
                        for l in 0..LANES {
                            k.plain(&mut p[i][l], g[i][l]);
                        }
                    }
                }
            }
            OptPlan::Adam {
                o,
                decoupled,
                table,
            } => {
                let k = match table.get(t as usize - 1) {
                    Some(k) => *k,
                    None => AdamStep::new(o, *decoupled, t),
                };
                if o.amsgrad {
                    for i in 0..np {
                        for l in 0..LANES {
                            let vmax = Some(&mut s2[i][l]);
                            k.update(&mut p[i][l], g[i][l], &mut s0[i][l], &mut s1[i][l], vmax);
                        }
                    }
                } else {
                    for i in 0..np {
                        for l in 0..LANES {
                            k.update(&mut p[i][l], g[i][l], &mut s0[i][l], &mut s1[i][l], None);
                        }
                    }
                }
            }
            OptPlan::RmsProp(o) => {
                let k = RmsPropStep::new(o);
                match (o.centered, o.momentum > 0.0) {
                    (false, false) => {
                        for i in 0..np {
                            for l in 0..LANES {
                                k.update(&mut p[i][l], g[i][l], &mut s0[i][l], None, None);
                            }
                        }
                    }
                    (false, true) => {
                        for i in 0..np {
                            for l in 0..LANES {
                                let buf = Some(&mut s1[i][l]);
                                k.update(&mut p[i][l], g[i][l], &mut s0[i][l], None, buf);
                            }
                        }
                    }
                    (true, false) => {
                        for i in 0..np {
                            for l in 0..LANES {
                                let avg = Some(&mut s2[i][l]);
                                k.update(&mut p[i][l], g[i][l], &mut s0[i][l], avg, None);
                            }
                        }
                    }
                    (true, true) => {
                        for i in 0..np {
                            for l in 0..LANES {
                                let avg = Some(&mut s2[i][l]);
                                let buf = Some(&mut s1[i][l]);
                                k.update(&mut p[i][l], g[i][l], &mut s0[i][l], avg, buf);
                            }
                        }
                    }
                }
            }
        }
    }
}
