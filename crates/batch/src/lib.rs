//! initsift-batch: SIMD kernels that score or train thousands of tiny networks at once.
//!
//! Every kernel has a scalar twin in the engine (initsift-tensor / initsift-nn) that tests hold
//! it to. The instruction set is chosen at run time ([`Isa`]). The XOR kernels (the fused
//! scorer, the lockstep trainer) are written for the models [`Preset`] names, whose forward
//! pass [`Preset::outputs`] also gives one parameter vector at a time.

#![warn(missing_docs)]

pub mod isa;
pub mod lockstep;
pub mod mlp;
pub mod mlp_train;
pub mod score;
mod xor;

pub use isa::{ISA_ENV, Isa, IsaError};
pub use xor::{Preset, PresetError};
