//! The per-element math of the streams, as small pure functions over u32 and f32. The scalar
//! stream is built from exactly these, and a SIMD lane loop (one candidate per lane) must
//! apply the same functions, in the same order, to equal it bit for bit.
//!
//! For parameter position p of candidate i (with keys from [`crate::Stream::keys`]):
//!
//! - uniform and truncated-normal blocks: `law.at(signed_unit(element_hash(primary_p, i)))`;
//! - normal blocks, in pairs (block-relative positions 2m and 2m + 1, both keyed by the even
//!   position p = offset + 2m): [`normal_pair`] gives (z₀, z₁) and the two values are
//!   `law.at(z₀)`, `law.at(z₁)`; an odd-length block's last value takes z₀ of its own pair.

use crate::lanes::counter::{ElementKey, IndexWords, element_hash, open_unit, signed_unit};
use crate::lanes::fastmath::box_muller;
use crate::law::{TruncNormalLaw, UniformLaw};

/// The keys of one parameter position: primary (uniforms, truncated normals, the Box–Muller
/// radius) and secondary (the Box–Muller angle).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PositionKeys {
    /// Primary key.
    pub primary: ElementKey,
    /// Secondary key.
    pub secondary: ElementKey,
}

/// A uniform block's value at a position.
#[inline]
pub fn uniform_value(law: &UniformLaw, keys: PositionKeys, index: IndexWords) -> f32 {
    law.at(signed_unit(element_hash(keys.primary, index)))
}

/// A truncated-normal block's value at a position.
#[inline]
pub fn trunc_normal_value(law: &TruncNormalLaw, keys: PositionKeys, index: IndexWords) -> f32 {
    law.at(signed_unit(element_hash(keys.primary, index)))
}

/// Two standard normals for the pair keyed by `keys` (the pair's even position): the radius
/// from the primary hash, the angle from the secondary hash.
#[inline]
pub fn normal_pair(keys: PositionKeys, index: IndexWords) -> (f32, f32) {
    let u = open_unit(element_hash(keys.primary, index));
    let v = signed_unit(element_hash(keys.secondary, index));
    box_muller(u, v)
}
