//! initsift-init: initializer schemes with PyTorch/Keras parity, init plans as data, and
//! counter-based candidate streams.
//!
//! - [`Scheme`]: one initializer for one tensor (zeros … orthogonal, sparse, PyTorch's Linear
//!   default), resolved into a [`Law`] once fans are known, with PyTorch's fan conventions
//!   (weight `[out, in]`) and its `calculate_gain` ([`calculate_gain`]).
//! - [`InitPlan`]: a weight and a bias scheme per Linear layer plus post-steps ([`PostStep`]:
//!   mirror, bounded hypersphere); serde, `Display`, validated against a `ModelSpec`; presets
//!   for relu1, relu2 and abs1.
//! - [`Stream`]: a [`Candidate`] `(seed, index)` → its flat parameter vector, a pure function of
//!   (seed, index, plan) through a counter hash and polynomial f32 transforms ([`lanes`], for
//!   kernels) that SIMD lanes can reproduce bit for bit.
//!
//! ```
//! use initsift_init::{Candidate, InitPlan, Stream};
//! use initsift_nn::ModelSpec;
//! # fn main() -> Result<(), initsift_init::Error> {
//! let spec = ModelSpec::relu2();
//! let plan = InitPlan::relu2();
//! let stream = Stream::new(&spec, &plan, 42)?;
//! let mut batch = vec![0.0f32; 1000 * stream.param_len()];
//! stream.fill_batch(0, &mut batch)?;
//! // Any candidate regenerates alone, bit for bit.
//! let again = Candidate { seed: 42, index: 517 }.params(&spec, &plan)?;
//! assert_eq!(&batch[517 * 12..518 * 12], &again[..]);
//! println!("{plan}");
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod error;
pub mod gain;
pub mod lanes;
pub mod law;
pub mod orthogonal;
pub mod plan;
pub mod post;
pub mod scheme;
pub mod select;
pub mod sparse;
pub mod stream;

pub use error::{Error, Result};
pub use gain::{FanMode, Fans, Nonlinearity, calculate_gain};
pub use law::Law;
pub use plan::{CompiledBlock, CompiledPlan, InitPlan, LayerInit};
pub use post::PostStep;
pub use scheme::{Distribution, Scheme, Target};
pub use stream::{Candidate, Stream};
