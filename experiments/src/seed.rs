//! Seeds for every purpose of a study, derived from its one master seed.

use initsift_init::lanes::counter::mix64;

/// Derives an independent seed for a named purpose (a stream, a resample) from the master seed.
pub fn derive_seed(master: u64, label: &str) -> u64 {
    // FNV-1a of the label, then SplitMix64's finalizer with the master seed.
    let h = label.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    mix64(master ^ mix64(h))
}
