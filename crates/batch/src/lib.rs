//! initsift-batch: SIMD kernels that score or train thousands of tiny networks at once.
//!
//! Every kernel has a scalar twin in the engine (initsift-tensor / initsift-nn) that tests hold
//! it to. The instruction set is chosen at run time ([`Isa`]).

#![warn(missing_docs)]

pub mod isa;
pub mod lanes;
pub mod lockstep;
pub mod mlp;
pub mod mlp_train;
pub mod preset;
pub mod score;

pub use isa::{ISA_ENV, Isa, IsaError};
pub use preset::{Preset, XOR_CLASS, XOR_X};
