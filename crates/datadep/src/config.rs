//! The method configs: one serde type, [`DataDependent`], tagged by `method`.
//!
//! Every field has a documented default (`#[serde(default)]`), so `{"method": "nio"}` is a
//! complete config. Defaults follow the official code; where the official code has none that
//! fits an MLP on a small table, the choice is said.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A data-dependent initializer and its hyper-parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum DataDependent {
    /// Layer-sequential unit variance (Mishkin & Matas 2016).
    Lsuv(LsuvConfig),
    /// GradInit (Zhu et al. 2021).
    GradInit(GradInitConfig),
    /// Neural Initialization Optimization by GradCosine (Yang et al. 2022).
    Nio(NioConfig),
    /// MetaInit (Dauphin & Schoenholz 2019).
    MetaInit(MetaInitConfig),
}

impl DataDependent {
    /// The method's name as the serde tag spells it.
    pub fn name(&self) -> &'static str {
        match self {
            DataDependent::Lsuv(_) => "lsuv",
            DataDependent::GradInit(_) => "grad_init",
            DataDependent::Nio(_) => "nio",
            DataDependent::MetaInit(_) => "meta_init",
        }
    }
}

/// LSUV. Tolerance rule: the official Caffe script's (`ducha-aiki/LSUVinit`,
/// `tools/extra/lsuv_init.py`): rescale while |Var − 1| > `tol` on the variance, at most
/// `max_iterations` times per layer, with `tol` = 0.02 and 20 iterations. The PyTorch port uses
/// 0.1 on the std and 10 iterations, the Keras port 0.1 on the variance; set the fields to
/// follow them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LsuvConfig {
    /// Tolerance on |Var(layer output) − 1|. Default 0.02 (official Caffe script).
    pub tol: f64,
    /// Rescales per layer at most. Default 20 (official Caffe script).
    pub max_iterations: usize,
    /// Seed of the orthonormal pre-init of every weight matrix; `None` keeps the base weights
    /// (LSUV on top of any base init). Default `Some(0)`.
    pub orthonormal_seed: Option<u64>,
    /// Rows of the batch the variances are measured on: the first rows of the data; `None`
    /// (default) takes every row.
    pub batch_size: Option<usize>,
}

impl Default for LsuvConfig {
    fn default() -> Self {
        Self {
            tol: 0.02,
            max_iterations: 20,
            orthonormal_seed: Some(0),
            batch_size: None,
        }
    }
}

/// The optimizer whose first step GradInit makes cheap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepOptimizer {
    /// SGD: constraint on ‖g‖₂, step η·g (or η·g/‖g‖₂ with `normalize_grad`).
    Sgd,
    /// Adam: constraint on ‖g‖₁, step η·sign(g) (Adam's first step).
    Adam,
}

/// GradInit. Defaults are the official CIFAR-10 launch scripts' (`zhuchen03/gradinit`,
/// `launch/run_gradinit*.sh`: SGD, η = 0.1, γ = 1, normalized gradient, α_min = 0.01, clip 1)
/// with τ = 0.01 (the VGG-19 no-BN script) and T = 390 (the code's default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GradInitConfig {
    /// The target optimizer A. Default SGD.
    pub optimizer: StepOptimizer,
    /// η, the step size of the one step. Default 0.1.
    pub eta: f64,
    /// γ, the bound on ‖g‖ (L2 for SGD, L1 for Adam). Default 1.
    pub gamma: f64,
    /// SGD only: step along g/‖g‖₂ (`--gradinit-normalize-grad`). Default true.
    pub normalize_grad: bool,
    /// τ, RescaleAdam's learning rate on the scales. Default 0.01.
    pub lr: f64,
    /// T, iterations. Default 390.
    pub iterations: usize,
    /// α_min of weight tensors (biases: 0). Default 0.01.
    pub min_scale: f64,
    /// Upper clamp on every scale (the fairseq copy's `max_scale`); `None` (default): none.
    pub max_scale: Option<f64>,
    /// Per-scale gradient clip c; 0 turns clipping off (as the code's `grad_clip > 0` test).
    /// Default 1.
    pub grad_clip: f64,
    /// B: the batch S = S_a ∪ S_b of two halves of B/2 rows. `None` (default): every row.
    pub batch_size: Option<usize>,
    /// Draw a fresh half in place of S_a for S̃ (`--batch-no-overlap`). Default false.
    pub batch_no_overlap: bool,
}

impl Default for GradInitConfig {
    fn default() -> Self {
        Self {
            optimizer: StepOptimizer::Sgd,
            eta: 0.1,
            gamma: 1.0,
            normalize_grad: true,
            lr: 0.01,
            iterations: 390,
            min_scale: 0.01,
            max_scale: None,
            grad_clip: 1.0,
            batch_size: None,
            batch_no_overlap: false,
        }
    }
}

/// NIO's objective variants (`opt_target` in `HarborYuan/GradCosine`); J is minimised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptTarget {
    /// J = −GC (the class default).
    Gc,
    /// J = −GC − λ·Σ_d ‖g_d‖².
    GcGn,
    /// J = −GC − λ·Σ_d ‖g_d‖ (the released ImageNet config).
    GcGnSqrt,
    /// J = V, the summed per-coordinate population variance of the g_d.
    Gv,
    /// J = V − λ·Σ_d ‖g_d‖².
    GvGn,
    /// J = V − λ·Σ_d ‖g_d‖.
    GvGnSqrt,
}

/// NIO. Defaults are the `GradCosInitializer` class defaults (D = 2, r = 0, γ = 5, τ = 0.05,
/// T = 100, α_min = 0.01, clip 1, `gc`, λ = 1); the released ImageNet config differs
/// (D = 4, r = 0.2, γ = 10, τ = 0.003, `gc_gn_sqrt`, B = 64): see [`NioConfig::released`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NioConfig {
    /// D, the number of sub-batches (at least 2: GC is a mean over pairs). Default 2.
    pub sub_batches: usize,
    /// r, the overlap of neighbouring sub-batches, in [0, 1). Default 0.
    pub overlap: f64,
    /// γ, the bound on the mean sub-batch gradient norm. Default 5.
    pub gamma: f64,
    /// τ, RescaleAdam's learning rate on the scales. Default 0.05.
    pub lr: f64,
    /// T, iterations. Default 100.
    pub iterations: usize,
    /// α_min of weight tensors (biases: 0). Default 0.01.
    pub min_scale: f64,
    /// Per-scale gradient clip c; 0 turns clipping off. Default 1.
    pub grad_clip: f64,
    /// The objective. Default `gc`.
    pub target: OptTarget,
    /// λ (`gn_mul`). Default 1.
    pub gn_mul: f64,
    /// B, rows per iteration; `None` (default): every row.
    pub batch_size: Option<usize>,
}

impl Default for NioConfig {
    fn default() -> Self {
        Self {
            sub_batches: 2,
            overlap: 0.0,
            gamma: 5.0,
            lr: 0.05,
            iterations: 100,
            min_scale: 0.01,
            grad_clip: 1.0,
            target: OptTarget::Gc,
            gn_mul: 1.0,
            batch_size: None,
        }
    }
}

impl NioConfig {
    /// The released ImageNet ResNet-50 config (`resnet50_gc_gn.py`): B = 64, D = 4, r = 0.2,
    /// γ = 10, τ = 0.003, T = 100, `gc_gn_sqrt`.
    pub fn released() -> Self {
        Self {
            sub_batches: 4,
            overlap: 0.2,
            gamma: 10.0,
            lr: 0.003,
            target: OptTarget::GcGnSqrt,
            batch_size: Some(64),
            ..Self::default()
        }
    }
}

/// MetaInit. Defaults are the paper's Fig. 2 (lr 0.1, momentum 0.9, 500 steps, ε = 1e-5).
/// Unlike Fig. 2, which draws synthetic N(0, 1) inputs and random labels, the batches are
/// the data's rows (as GradInit's repository's variant does).
///
/// The step moves each weight norm by up to lr/(1 − μ) = 1 per step at the defaults: on
/// small MLPs whose weight norms are O(1) (digits 64-32-10) that overshoots and the gradient
/// quotient oscillates; lr = 0.01 descends steadily there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetaInitConfig {
    /// Step size of the sign step on each weight norm. Default 0.1.
    pub lr: f64,
    /// Momentum μ of the norm steps, in [0, 1). Default 0.9.
    pub momentum: f64,
    /// Steps. Default 500.
    pub iterations: usize,
    /// ε of the gradient quotient. Default 1e-5.
    pub eps: f64,
    /// B, rows per step; `None` (default): every row.
    pub batch_size: Option<usize>,
}

impl Default for MetaInitConfig {
    fn default() -> Self {
        Self {
            lr: 0.1,
            momentum: 0.9,
            iterations: 500,
            eps: 1e-5,
            batch_size: None,
        }
    }
}

/// Checks shared by the configs: a value must satisfy `ok`, else a [`Error::BadConfig`].
pub(crate) fn require(
    method: &'static str,
    name: &'static str,
    value: f64,
    ok: bool,
    rule: &'static str,
) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::BadConfig {
            method,
            name,
            value,
            rule,
        })
    }
}

pub(crate) fn positive(method: &'static str, name: &'static str, value: f64) -> Result<()> {
    require(
        method,
        name,
        value,
        value > 0.0 && value.is_finite(),
        "must be finite and > 0",
    )
}

pub(crate) fn iterations(method: &'static str, value: usize) -> Result<()> {
    require(
        method,
        "iterations",
        value as f64,
        value > 0,
        "must be at least 1",
    )
}

/// The batch size B a config asks for, checked against the rows available.
pub(crate) fn batch_rows(
    method: &'static str,
    batch_size: Option<usize>,
    rows: usize,
    min: usize,
) -> Result<usize> {
    let b = batch_size.unwrap_or(rows);
    require(
        method,
        "batch_size",
        b as f64,
        b <= rows,
        "is larger than the number of data rows",
    )?;
    require(
        method,
        "batch_size",
        b as f64,
        b >= min,
        "is too small for this method",
    )?;
    Ok(b)
}

impl LsuvConfig {
    pub(crate) fn validate(&self) -> Result<()> {
        positive("lsuv", "tol", self.tol)?;
        iterations("lsuv", self.max_iterations)
    }
}

/// Scale-optimizer fields GradInit and NIO share.
pub(crate) fn rescale_fields(method: &'static str, lr: f64, min: f64, clip: f64) -> Result<()> {
    positive(method, "lr", lr)?;
    require(
        method,
        "min_scale",
        min,
        min >= 0.0 && min.is_finite(),
        "must be finite and >= 0",
    )?;
    require(
        method,
        "grad_clip",
        clip,
        clip >= 0.0 && !clip.is_nan(),
        "must be >= 0 (0 = off)",
    )
}

impl GradInitConfig {
    pub(crate) fn validate(&self) -> Result<()> {
        let m = "grad_init";
        positive(m, "eta", self.eta)?;
        require(
            m,
            "gamma",
            self.gamma,
            self.gamma > 0.0,
            "must be > 0 (+inf: no constraint)",
        )?;
        rescale_fields(m, self.lr, self.min_scale, self.grad_clip)?;
        if let Some(max) = self.max_scale {
            let ok = max >= self.min_scale && !max.is_nan();
            require(m, "max_scale", max, ok, "must be >= min_scale")?;
        }
        iterations(m, self.iterations)
    }
}

impl NioConfig {
    pub(crate) fn validate(&self) -> Result<()> {
        let m = "nio";
        let d = self.sub_batches as f64;
        require(
            m,
            "sub_batches",
            d,
            self.sub_batches >= 2,
            "must be at least 2 (GC is a mean over pairs)",
        )?;
        let r = self.overlap;
        require(
            m,
            "overlap",
            r,
            (0.0..1.0).contains(&r),
            "must be in [0, 1)",
        )?;
        require(
            m,
            "gamma",
            self.gamma,
            self.gamma > 0.0,
            "must be > 0 (+inf: no constraint)",
        )?;
        rescale_fields(m, self.lr, self.min_scale, self.grad_clip)?;
        require(
            m,
            "gn_mul",
            self.gn_mul,
            self.gn_mul.is_finite(),
            "must be finite",
        )?;
        iterations(m, self.iterations)
    }
}

impl MetaInitConfig {
    pub(crate) fn validate(&self) -> Result<()> {
        let m = "meta_init";
        positive(m, "lr", self.lr)?;
        let mu = self.momentum;
        require(
            m,
            "momentum",
            mu,
            (0.0..1.0).contains(&mu),
            "must be in [0, 1)",
        )?;
        positive(m, "eps", self.eps)?;
        iterations(m, self.iterations)
    }
}
