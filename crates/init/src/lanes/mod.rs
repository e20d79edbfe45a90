//! For kernels: the arithmetic beneath [`Stream`](crate::Stream), exposed so that SIMD lanes
//! (initsift-batch) can reproduce candidates bit for bit. A user regenerates candidates through
//! `Stream` and `Candidate`; nothing here is needed for that.
//!
//! - [`counter`]: the counter-based hash (seed, index, position) → 32 random bits, and the
//!   integer → unit-interval maps.
//! - [`fastmath`]: polynomial ln/sin/cos and Box–Muller in plain f32, the same in every lane.
//! - [`element`]: one parameter's value from its hash (normal pair, uniform, truncated normal).
//! - [`normal64`]: f64 normal CDF and its inverse, for laws resolved once per tensor.

pub mod counter;
pub mod element;
pub mod fastmath;
pub mod normal64;
