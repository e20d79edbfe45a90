//! initsift-datadep: data-dependent initializers as one call.
//!
//! (model, base parameters, data, config) → (parameters, [`Trace`]): [`initialize`] runs
//! LSUV, GradInit, NIO (GradCosine) or MetaInit, chosen by one serde config,
//! [`DataDependent`], on any [`ModelSpec`] MLP and any loss of initsift-nn. Second
//! derivatives (and MetaInit's third) come from the engine's symbolic grad; nothing is
//! differenced numerically. The methods evaluate in f64 (LSUV's forward pass in f32, as the
//! official script's float blobs; its variances in f64) and return f32 parameters in the
//! spec's flat (state_dict) layout.
//!
//! Each method follows its official code where paper and code differ: NIO
//! `HarborYuan/GradCosine` ([`NioConfig`],
//! [`sub_batches`], [`RescaleAdam`]), GradInit `zhuchen03/gradinit` ([`GradInitConfig`]),
//! MetaInit the paper's Fig. 2 code ([`MetaInitConfig`]), LSUV the official Caffe script
//! ([`LsuvConfig`]). The objectives are public ([`GradCosine`], [`OneStepLoss`],
//! [`GradientQuotient`]) so they can be measured at any initialization.
//!
//! ```
//! use initsift_datadep::{DataDependent, Data, NioConfig, initialize};
//! use initsift_nn::{Activation, Loss, ModelSpec};
//! use ndarray::array;
//! # fn main() -> Result<(), initsift_datadep::Error> {
//! let spec = ModelSpec::mlp("2-3-2", Activation::Tanh)?;
//! let base = vec![0.5, -0.3, 0.2, 0.8, -0.6, 0.1, 0.05, 0.0, -0.05, 0.4, -0.7, 0.3, 0.9, -0.2, 0.6, 0.1, -0.1];
//! let x = array![[0.0f32, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]];
//! let y = array![[1.0f32, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]];
//! let config = DataDependent::Nio(NioConfig { iterations: 5, ..NioConfig::default() });
//! let (params, trace) = initialize(&spec, &base, Data::new(x.view(), y.view(), Loss::CrossEntropy), &config)?;
//! assert_eq!(params.len(), base.len());
//! assert_eq!(trace.steps.len(), 5);
//! // The config is serde: `{"method": "nio"}` alone gives every default.
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod config;
mod error;
mod gradcosine;
mod gradinit;
mod lsuv;
mod metainit;
mod nio;
mod one_step;
mod problem;
mod quotient;
mod rescale;
mod subbatch;
mod trace;

pub use config::{
    DataDependent, GradInitConfig, LsuvConfig, MetaInitConfig, NioConfig, OptTarget, StepOptimizer,
};
pub use error::{Error, Result};
pub use gradcosine::{GradCosine, GradCosineValues, Quantity};
pub use initsift_nn::ModelSpec;
pub use one_step::{NormValues, OneStepLoss};
pub use problem::Data;
pub use quotient::GradientQuotient;
pub use rescale::RescaleAdam;
pub use subbatch::sub_batches;
pub use trace::{Divergence, StepKind, Trace, TraceStep};

/// Runs the method `config` names from `base` (the spec's flat layout) on `data`.
///
/// Errors, before any work: a bad hyper-parameter (γ ≤ 0, D < 2 or D > B, r ∉ [0, 1), T = 0,
/// tol ≤ 0, …), a model without Linear layers, data whose width or row count does not fit,
/// non-finite base parameters or data the method reads (LSUV reads only the inputs of its
/// batch, the first `batch_size` rows), a loss the method cannot use. A run whose objective
/// turns non-finite stops, says so in [`Trace::diverged`], and returns the last finite
/// parameters.
pub fn initialize(
    spec: &ModelSpec,
    base: &[f32],
    data: Data<'_>,
    config: &DataDependent,
) -> Result<(Vec<f32>, Trace)> {
    let uses_loss = !matches!(config, DataDependent::Lsuv(_));
    let p = problem::Problem::new(spec, base, data, uses_loss)?;
    let (theta, trace) = match config {
        DataDependent::Lsuv(c) => lsuv::run(&p, c)?,
        DataDependent::GradInit(c) => gradinit::run(&p, c)?,
        DataDependent::Nio(c) => nio::run(&p, c)?,
        DataDependent::MetaInit(c) => metainit::run(&p, c)?,
    };
    Ok((theta.iter().map(|&v| v as f32).collect(), trace))
}
