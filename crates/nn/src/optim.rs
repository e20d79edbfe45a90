//! Optimizers with torch.optim's exact update rules and defaults (single-tensor code path).
//!
//! Each optimizer is split in two: per-step constants (learning rate, bias corrections, ...)
//! computed once per step in `f64` and rounded to `f32`, as PyTorch rounds Python scalars to the
//! tensor's dtype; and a per-element update over `f32` that the lockstep trainer can run in
//! SIMD lanes with exactly the same arithmetic.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// `torch.optim.SGD`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Sgd {
    /// Learning rate (PyTorch default 1e-3).
    pub lr: f64,
    /// Momentum factor (default 0).
    pub momentum: f64,
    /// Dampening for momentum (default 0).
    pub dampening: f64,
    /// L2 penalty added to the gradient (default 0).
    pub weight_decay: f64,
    /// Nesterov momentum (default false; needs momentum > 0 and dampening 0).
    pub nesterov: bool,
}

impl Default for Sgd {
    fn default() -> Self {
        Self {
            lr: 1e-3,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
        }
    }
}

/// `torch.optim.Adam`, and with `decoupled` the update of `torch.optim.AdamW`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Adam {
    /// Learning rate (default 1e-3).
    pub lr: f64,
    /// β₁ (default 0.9).
    pub beta1: f64,
    /// β₂ (default 0.999).
    pub beta2: f64,
    /// ε added to the denominator (default 1e-8).
    pub eps: f64,
    /// Weight decay: an L2 term for Adam (default 0), decoupled for AdamW (default 1e-2).
    pub weight_decay: f64,
    /// AMSGrad variant (default false).
    pub amsgrad: bool,
}

impl Default for Adam {
    fn default() -> Self {
        Self {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
            amsgrad: false,
        }
    }
}

/// `torch.optim.RMSprop`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RmsProp {
    /// Learning rate (default 1e-2).
    pub lr: f64,
    /// Smoothing constant α (default 0.99).
    pub alpha: f64,
    /// ε added to the denominator (default 1e-8).
    pub eps: f64,
    /// L2 penalty (default 0).
    pub weight_decay: f64,
    /// Momentum factor (default 0).
    pub momentum: f64,
    /// Centered variant: normalize by the estimated variance (default false).
    pub centered: bool,
}

impl Default for RmsProp {
    fn default() -> Self {
        Self {
            lr: 1e-2,
            alpha: 0.99,
            eps: 1e-8,
            weight_decay: 0.0,
            momentum: 0.0,
            centered: false,
        }
    }
}

/// An optimizer and its hyper-parameters, as data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum OptimizerConfig {
    /// SGD.
    Sgd(Sgd),
    /// Adam (L2 weight decay).
    Adam(Adam),
    /// AdamW (decoupled weight decay).
    AdamW(Adam),
    /// RMSprop.
    RmsProp(RmsProp),
}

impl OptimizerConfig {
    /// SGD with PyTorch's defaults and the given learning rate.
    pub fn sgd(lr: f64) -> Self {
        Self::Sgd(Sgd {
            lr,
            ..Sgd::default()
        })
    }
    /// Adam with PyTorch's defaults and the given learning rate.
    pub fn adam(lr: f64) -> Self {
        Self::Adam(Adam {
            lr,
            ..Adam::default()
        })
    }
    /// AdamW with PyTorch's defaults (weight decay 1e-2) and the given learning rate.
    pub fn adamw(lr: f64) -> Self {
        Self::AdamW(Adam {
            lr,
            weight_decay: 1e-2,
            ..Adam::default()
        })
    }
    /// RMSprop with PyTorch's defaults and the given learning rate.
    pub fn rmsprop(lr: f64) -> Self {
        Self::RmsProp(RmsProp {
            lr,
            ..RmsProp::default()
        })
    }

    /// The learning rate.
    pub fn lr(&self) -> f64 {
        match self {
            Self::Sgd(o) => o.lr,
            Self::Adam(o) | Self::AdamW(o) => o.lr,
            Self::RmsProp(o) => o.lr,
        }
    }

    /// Checks the hyper-parameters as torch.optim's constructors do.
    pub fn validate(&self) -> Result<()> {
        let nonneg = |name, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err(Error::BadHyperParameter {
                    name,
                    value: v,
                    rule: "must be finite and >= 0",
                })
            }
        };
        let unit = |name, v: f64| {
            if (0.0..1.0).contains(&v) {
                Ok(())
            } else {
                Err(Error::BadHyperParameter {
                    name,
                    value: v,
                    rule: "must lie in [0, 1)",
                })
            }
        };
        nonneg("lr", self.lr())?;
        match *self {
            Self::Sgd(o) => {
                nonneg("momentum", o.momentum)?;
                nonneg("dampening", o.dampening)?;
                nonneg("weight_decay", o.weight_decay)?;
                if o.nesterov && (o.momentum <= 0.0 || o.dampening != 0.0) {
                    return Err(Error::BadHyperParameter {
                        name: "momentum",
                        value: o.momentum,
                        rule: "Nesterov momentum requires momentum > 0 and dampening = 0",
                    });
                }
            }
            Self::Adam(o) | Self::AdamW(o) => {
                unit("beta1", o.beta1)?;
                unit("beta2", o.beta2)?;
                nonneg("eps", o.eps)?;
                nonneg("weight_decay", o.weight_decay)?;
            }
            Self::RmsProp(o) => {
                nonneg("alpha", o.alpha)?;
                nonneg("eps", o.eps)?;
                nonneg("weight_decay", o.weight_decay)?;
                nonneg("momentum", o.momentum)?;
            }
        }
        Ok(())
    }

    /// A fresh optimizer state for `n` parameters.
    pub fn build(&self, n: usize) -> Result<Optimizer> {
        self.validate()?;
        let slots = match *self {
            Self::Sgd(o) => usize::from(o.momentum != 0.0),
            Self::Adam(o) | Self::AdamW(o) => 2 + usize::from(o.amsgrad),
            Self::RmsProp(o) => 1 + usize::from(o.momentum > 0.0) + usize::from(o.centered),
        };
        Ok(Optimizer {
            config: *self,
            state: vec![vec![0.0; n]; slots],
            steps: 0,
        })
    }
}

impl OptimizerConfig {
    /// torch.optim's class name: `SGD`, `Adam`, `AdamW` or `RMSprop`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Sgd(_) => "SGD",
            Self::Adam(_) => "Adam",
            Self::AdamW(_) => "AdamW",
            Self::RmsProp(_) => "RMSprop",
        }
    }
}

/// The recipe as a report states it: the class name, the learning rate and the
/// hyper-parameters that define it (momentum, betas, alpha), then any other that differs from
/// PyTorch's default. `SGD(lr 0.1, no momentum)`, `Adam(lr 0.01, betas (0.9, 0.99))`. The
/// alternate form `{:#}` is the short name prose uses: `SGD lr 0.1`.
impl fmt::Display for OptimizerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            return write!(f, "{} lr {}", self.name(), self.lr());
        }
        write!(f, "{}(lr {}", self.name(), self.lr())?;
        let (eps, weight_decay) = match *self {
            Self::Sgd(o) => {
                if o.momentum == 0.0 {
                    f.write_str(", no momentum")?;
                } else {
                    write!(f, ", momentum {}", o.momentum)?;
                }
                if o.dampening != 0.0 {
                    write!(f, ", dampening {}", o.dampening)?;
                }
                if o.nesterov {
                    f.write_str(", nesterov")?;
                }
                (None, o.weight_decay)
            }
            Self::Adam(o) | Self::AdamW(o) => {
                write!(f, ", betas ({}, {})", o.beta1, o.beta2)?;
                if o.amsgrad {
                    f.write_str(", amsgrad")?;
                }
                (Some(o.eps), o.weight_decay)
            }
            Self::RmsProp(o) => {
                write!(f, ", alpha {}", o.alpha)?;
                if o.momentum != 0.0 {
                    write!(f, ", momentum {}", o.momentum)?;
                }
                if o.centered {
                    f.write_str(", centered")?;
                }
                (Some(o.eps), o.weight_decay)
            }
        };
        if let Some(eps) = eps.filter(|&e| e != 1e-8) {
            write!(f, ", eps {eps:e}")?;
        }
        if weight_decay != 0.0 {
            write!(f, ", weight decay {weight_decay}")?;
        }
        f.write_str(")")
    }
}

/// An optimizer with its state (momentum buffers, moment estimates, step count).
#[derive(Debug, Clone)]
pub struct Optimizer {
    config: OptimizerConfig,
    state: Vec<Vec<f32>>,
    steps: u64,
}

impl Optimizer {
    /// The configuration.
    pub fn config(&self) -> &OptimizerConfig {
        &self.config
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Clears the state, as a freshly built optimizer.
    pub fn reset(&mut self) {
        self.state.iter_mut().for_each(|s| s.fill(0.0));
        self.steps = 0;
    }

    /// One update of `params` from `grads` (same length as at build time).
    ///
    /// # Panics
    /// If the lengths differ from the length the optimizer was built for.
    pub fn step(&mut self, params: &mut [f32], grads: &[f32]) {
        let n = params.len();
        assert_eq!(
            grads.len(),
            n,
            "gradient length differs from parameter length"
        );
        assert!(
            self.state.iter().all(|s| s.len() == n),
            "optimizer built for other length"
        );
        self.steps += 1;
        let t = self.steps;
        match self.config {
            OptimizerConfig::Sgd(o) => {
                let k = SgdStep::new(&o, t);
                match self.state.first_mut() {
                    None => params
                        .iter_mut()
                        .zip(grads)
                        .for_each(|(p, &g)| k.plain(p, g)),
                    Some(buf) => {
                        for ((p, &g), b) in params.iter_mut().zip(grads).zip(buf.iter_mut()) {
                            k.momentum(p, g, b);
                        }
                    }
                }
            }
            OptimizerConfig::Adam(o) | OptimizerConfig::AdamW(o) => {
                let decoupled = matches!(self.config, OptimizerConfig::AdamW(_));
                let k = AdamStep::new(&o, decoupled, t);
                let (m, rest) = self.state.split_at_mut(1);
                let (v, vmax) = rest.split_at_mut(1);
                for i in 0..n {
                    let vm = vmax.first_mut().map(|b| &mut b[i]);
                    k.update(&mut params[i], grads[i], &mut m[0][i], &mut v[0][i], vm);
                }
            }
            OptimizerConfig::RmsProp(o) => {
                let k = RmsPropStep::new(&o);
                let mut slots = self.state.iter_mut();
                let sq = slots.next().expect("square_avg slot");
                let mut buf = if o.momentum > 0.0 { slots.next() } else { None };
                let mut gavg = if o.centered { slots.next() } else { None };
                for i in 0..n {
                    let b = buf.as_mut().map(|b| &mut b[i]);
                    let ga = gavg.as_mut().map(|b| &mut b[i]);
                    k.update(&mut params[i], grads[i], &mut sq[i], ga, b);
                }
            }
        }
    }
}

/// `torch.lerp(start, end, w)` for one element, with PyTorch's two-sided formula.
#[inline]
pub fn lerp(start: f32, end: f32, w: f32) -> f32 {
    if w.abs() < 0.5 {
        start + w * (end - start)
    } else {
        end - (end - start) * (1.0 - w)
    }
}

/// SGD's per-step constants.
#[derive(Debug, Clone, Copy)]
pub struct SgdStep {
    neg_lr: f32,
    momentum: f32,
    one_minus_dampening: f32,
    weight_decay: f32,
    nesterov: bool,
    first: bool,
}

impl SgdStep {
    /// Constants for step `t` (1-based).
    pub fn new(o: &Sgd, t: u64) -> Self {
        Self {
            neg_lr: (-o.lr) as f32,
            momentum: o.momentum as f32,
            one_minus_dampening: (1.0 - o.dampening) as f32,
            weight_decay: o.weight_decay as f32,
            nesterov: o.nesterov,
            first: t == 1,
        }
    }

    #[inline]
    fn decayed(&self, p: f32, g: f32) -> f32 {
        if self.weight_decay != 0.0 {
            g + self.weight_decay * p
        } else {
            g
        }
    }

    /// Update without momentum: `p += −lr·g`.
    #[inline]
    pub fn plain(&self, p: &mut f32, g: f32) {
        let g = self.decayed(*p, g);
        *p += self.neg_lr * g;
    }

    /// Update with a momentum buffer (cloned from the gradient on the first step).
    #[inline]
    pub fn momentum(&self, p: &mut f32, g: f32, buf: &mut f32) {
        let g = self.decayed(*p, g);
        *buf = if self.first {
            g
        } else {
            *buf * self.momentum + self.one_minus_dampening * g
        };
        let d = if self.nesterov {
            g + self.momentum * *buf
        } else {
            *buf
        };
        *p += self.neg_lr * d;
    }
}

/// Adam's (and AdamW's) per-step constants.
#[derive(Debug, Clone, Copy)]
pub struct AdamStep {
    one_minus_beta1: f32,
    beta2: f32,
    one_minus_beta2: f32,
    neg_step_size: f32,
    bias_correction2_sqrt: f32,
    eps: f32,
    l2: f32,
    decay_factor: f32,
    decoupled: bool,
}

impl AdamStep {
    /// Constants for step `t` (1-based); `decoupled` selects AdamW's weight decay.
    pub fn new(o: &Adam, decoupled: bool, t: u64) -> Self {
        // Python's `beta ** step` on floats is C `pow`.
        let bias_correction1 = 1.0 - o.beta1.powf(t as f64);
        let bias_correction2 = 1.0 - o.beta2.powf(t as f64);
        Self {
            one_minus_beta1: (1.0 - o.beta1) as f32,
            beta2: o.beta2 as f32,
            one_minus_beta2: (1.0 - o.beta2) as f32,
            neg_step_size: (-(o.lr / bias_correction1)) as f32,
            bias_correction2_sqrt: bias_correction2.sqrt() as f32,
            eps: o.eps as f32,
            l2: if decoupled {
                0.0
            } else {
                o.weight_decay as f32
            },
            decay_factor: (1.0 - o.lr * o.weight_decay) as f32,
            decoupled: decoupled && o.weight_decay != 0.0,
        }
    }

    /// One element's update; `vmax` is the AMSGrad running maximum when enabled.
    #[inline]
    pub fn update(&self, p: &mut f32, g: f32, m: &mut f32, v: &mut f32, vmax: Option<&mut f32>) {
        if self.decoupled {
            *p *= self.decay_factor;
        }
        let g = if self.l2 != 0.0 { g + self.l2 * *p } else { g };
        *m = lerp(*m, g, self.one_minus_beta1);
        *v = *v * self.beta2 + self.one_minus_beta2 * g * g;
        let second = match vmax {
            Some(vm) => {
                *vm = vm.max(*v);
                *vm
            }
            None => *v,
        };
        let denom = second.sqrt() / self.bias_correction2_sqrt + self.eps;
        *p += self.neg_step_size * (*m / denom);
    }
}

/// RMSprop's per-step constants.
#[derive(Debug, Clone, Copy)]
pub struct RmsPropStep {
    alpha: f32,
    one_minus_alpha: f32,
    eps: f32,
    weight_decay: f32,
    momentum: f32,
    neg_lr: f32,
}

impl RmsPropStep {
    /// Constants (RMSprop has no step-dependent terms).
    pub fn new(o: &RmsProp) -> Self {
        Self {
            alpha: o.alpha as f32,
            one_minus_alpha: (1.0 - o.alpha) as f32,
            eps: o.eps as f32,
            weight_decay: o.weight_decay as f32,
            momentum: o.momentum as f32,
            neg_lr: (-o.lr) as f32,
        }
    }

    /// One element's update; `grad_avg` when centered, `buf` when momentum > 0.
    #[inline]
    pub fn update(
        &self,
        p: &mut f32,
        g: f32,
        square_avg: &mut f32,
        grad_avg: Option<&mut f32>,
        buf: Option<&mut f32>,
    ) {
        let g = if self.weight_decay != 0.0 {
            g + self.weight_decay * *p
        } else {
            g
        };
        *square_avg = *square_avg * self.alpha + self.one_minus_alpha * g * g;
        let avg = match grad_avg {
            Some(ga) => {
                *ga = lerp(*ga, g, self.one_minus_alpha);
                (*square_avg + -1.0 * *ga * *ga).sqrt()
            }
            None => square_avg.sqrt(),
        } + self.eps;
        match buf {
            Some(b) => {
                *b = *b * self.momentum + g / avg;
                *p += self.neg_lr * *b;
            }
            None => *p += self.neg_lr * (g / avg),
        }
    }
}
