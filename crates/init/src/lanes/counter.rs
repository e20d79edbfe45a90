//! The counter-based generator: a value at (stream seed, candidate index, parameter position)
//! is a hash of the three, with no state carried from one value to the next.
//!
//! Two levels, split so that SIMD lanes (one lane per candidate) only run 32-bit integer ops:
//!
//! 1. **Position keys** (per stream, per position, per salt; computed once, outside the hot
//!    loop): `key = mix64(base(seed, salt) + (position + 1)·γ)`, SplitMix64's finalizer over a
//!    Weyl sequence, split into two 32-bit halves.
//! 2. **Element hash** (per candidate, per position; the hot loop):
//!    `h = lowbias32(lowbias32(index_lo ^ key.lo) ^ index_hi ^ key.hi)`. `lowbias32` is
//!    Wellons' two-multiply xorshift hash, a bijection on u32 with low avalanche bias; it
//!    needs only `wrapping_mul`, shifts and xors, which AVX2 and AVX-512 have for 32-bit lanes.
//!    Round 1 is a bijection of the low index word, so candidates `0..2³²` never share a round-1
//!    value at a position; round 2 keys by position again, which breaks the XOR coincidences
//!    (`i ^ k_p = i' ^ k_q`) a single round would copy between candidates.
//!
//! Uniforms take the hash's top bits, where multiplicative hashes are best.
//!
//! The two rounds are computed with the xorshift between them cancelled: `lowbias32` ends and
//! begins with `x ^= x >> 16`, an involution on u32 that is linear over XOR, so
//! `lowbias32(lowbias32(a) ^ c) = tail(head(a) ^ xs16(c))` (`head`: round 1 without its last
//! xorshift, `tail`: round 2 without its first). `xs16(index_hi)` is computed once per
//! candidate ([`IndexWords`]) and `xs16(key.hi)` once per position, which saves two of the
//! six xorshift steps per value with the same bits.

use serde::{Deserialize, Serialize};

/// Salt of the primary key of every position (uniform, truncated normal, Box–Muller radius).
pub const SALT_PRIMARY: u64 = 0x5052_494D_4152_5921;
/// Salt of the secondary key (the Box–Muller angle).
pub const SALT_SECONDARY: u64 = 0x5345_434F_4E44_4152;
/// Salt of the keys that choose which rows `sparse` zeroes.
pub const SALT_SPARSE: u64 = 0x5350_4152_5345_2121;

/// The golden-ratio Weyl increment of SplitMix64.
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's finalizer (Steele, Lea & Flood 2014): a bijection on u64 with full avalanche.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Wellons' `lowbias32` (hash-prospector): xorshift-multiply, twice. A bijection on u32.
#[inline]
pub fn lowbias32(x: u32) -> u32 {
    xorshift16(lowbias32_head(x))
}

/// `x ^ (x >> 16)`: `lowbias32`'s first and last step; its own inverse.
#[inline]
pub fn xorshift16(x: u32) -> u32 {
    x ^ (x >> 16)
}

/// `lowbias32` without its last xorshift.
#[inline]
fn lowbias32_head(mut x: u32) -> u32 {
    x = xorshift16(x).wrapping_mul(0x7FEB_352D);
    x ^= x >> 15;
    x.wrapping_mul(0x846C_A68B)
}

/// `lowbias32` without its first xorshift.
#[inline]
fn lowbias32_tail(mut x: u32) -> u32 {
    x = x.wrapping_mul(0x7FEB_352D);
    x ^= x >> 15;
    xorshift16(x.wrapping_mul(0x846C_A68B))
}

/// The two 32-bit words that key one (stream, salt, position).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ElementKey {
    /// XORed into the candidate index's low word before round 1.
    pub lo: u32,
    /// XORed in before round 2.
    pub hi: u32,
}

/// The base of a stream's Weyl sequence for one salt: depends on every bit of seed and salt.
#[inline]
pub fn stream_base(seed: u64, salt: u64) -> u64 {
    mix64(seed ^ mix64(salt))
}

/// The key of `position` in the sequence that starts at `base` (see [`stream_base`]).
#[inline]
pub fn element_key(base: u64, position: u64) -> ElementKey {
    let z = mix64(base.wrapping_add(position.wrapping_add(1).wrapping_mul(GAMMA)));
    ElementKey {
        lo: z as u32,
        hi: (z >> 32) as u32,
    }
}

/// A candidate index as the two 32-bit words the hash takes (lanes carry one per candidate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexWords {
    /// Bits 0..32.
    pub lo: u32,
    /// Bits 32..64 after [`xorshift16`]: the form round 2 takes them in (see the module docs).
    pub hi_mixed: u32,
}

impl IndexWords {
    /// Splits an index.
    #[inline]
    pub fn new(index: u64) -> Self {
        Self::from_words(index as u32, (index >> 32) as u32)
    }

    /// The index `hi·2³² + lo`.
    #[inline]
    pub fn from_words(lo: u32, hi: u32) -> Self {
        Self {
            lo,
            hi_mixed: xorshift16(hi),
        }
    }
}

/// The hash of one (candidate, position): two keyed `lowbias32` rounds,
/// `lowbias32(lowbias32(index_lo ^ key.lo) ^ index_hi ^ key.hi)`, computed with the xorshift
/// between the rounds cancelled (see the module docs).
#[inline]
pub fn element_hash(key: ElementKey, index: IndexWords) -> u32 {
    lowbias32_tail(lowbias32_head(index.lo ^ key.lo) ^ index.hi_mixed ^ xorshift16(key.hi))
}

/// 2⁻²⁴ (exact in f32).
const TWO_POW_M24: f32 = 1.0 / 16_777_216.0;
/// 2⁻²³ (exact in f32).
const TWO_POW_M23: f32 = 1.0 / 8_388_608.0;

/// A 24-bit uniform on (−1, 1): with k the hash's top 24 bits, `v = (2k + 1 − 2²⁴)·2⁻²⁴`.
///
/// This is `2u − 1` for the 24-bit uniform `u = (k + 0.5)·2⁻²⁴` the design asks for, and it is
/// exact in f32 (an odd integer below 2²⁴ times a power of two), symmetric about 0 and never
/// ±1. `u` itself is *not* exact in f32 above 0.5 (it needs 25 significant bits, and the top
/// value rounds to 1.0), which is why every transform here works from `v`.
#[inline]
pub fn signed_unit(h: u32) -> f32 {
    let k = (h >> 8) as i32;
    (2 * k + 1 - (1 << 24)) as f32 * TWO_POW_M24
}

/// A uniform strictly inside (0, 1) that is exact in f32: with k the hash's top 23 bits,
/// `u = (k + 0.5)·2⁻²³`, from 2⁻²⁴ to 1 − 2⁻²⁴. Used where a logarithm needs u itself (the
/// Box–Muller radius); 23 bits because a half-offset 24-bit grid does not fit f32's mantissa
/// above 0.5. The largest radius is √(2·24·ln 2) ≈ 5.77.
#[inline]
pub fn open_unit(h: u32) -> f32 {
    ((h >> 9) as f32 + 0.5) * TWO_POW_M23
}
