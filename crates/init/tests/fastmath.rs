//! Accuracy of the polynomial f32 kernels against std (f64) and exactness of the uniforms.

use initsift_init::lanes::counter::{ElementKey, IndexWords, element_hash, lowbias32};
use initsift_init::lanes::counter::{open_unit, signed_unit};
use initsift_init::lanes::fastmath::{
    box_muller, box_muller_angle, box_muller_angle_of_hash, inv_normal_cdf, ln, ln_reduce,
    ln_reduce_open_unit, sin_cos_half_range,
};
use initsift_init::lanes::normal64::{normal_cdf, normal_quantile};

#[test]
fn ln_matches_std_over_the_whole_range() {
    let mut worst_abs = 0.0f64;
    let mut worst_rel = 0.0f64;
    // Log-spaced from 2^-126 to 2^127, plus a dense sweep around 1.
    let mut xs: Vec<f32> = (0..2_000_000)
        .map(|i| (-87.0 + 175.0 * i as f64 / 2e6).exp() as f32)
        .collect();
    xs.extend((0..200_000).map(|i| 0.5 + i as f32 / 200_000.0 * 1.5));
    for x in xs {
        if !x.is_normal() {
            continue;
        }
        let want = (x as f64).ln();
        let got = ln(x) as f64;
        let err = (got - want).abs();
        if want.abs() <= 1.0 {
            worst_abs = worst_abs.max(err);
        } else {
            worst_rel = worst_rel.max(err / want.abs());
        }
    }
    assert!(
        worst_abs < 1.5e-7,
        "ln absolute error {worst_abs} where |ln x| ≤ 1"
    );
    assert!(
        worst_rel < 2e-7,
        "ln relative error {worst_rel} where |ln x| > 1"
    );
}

#[test]
fn sin_cos_match_std_on_half_range() {
    let (mut ws, mut wc) = (0.0f64, 0.0f64);
    for i in 0..=1_000_000 {
        let x = (-std::f64::consts::FRAC_PI_2 + std::f64::consts::PI * i as f64 / 1e6) as f32;
        let (s, c) = sin_cos_half_range(x);
        ws = ws.max((s as f64 - (x as f64).sin()).abs());
        wc = wc.max((c as f64 - (x as f64).cos()).abs());
    }
    assert!(ws < 2e-7, "sin error {ws}");
    assert!(wc < 2e-7, "cos error {wc}");
}

#[test]
fn box_muller_matches_f64_formula() {
    let mut worst = 0.0f64;
    for i in 0..200_000u32 {
        let u = open_unit(i.wrapping_mul(2_654_435_761));
        let v = signed_unit(i.wrapping_mul(2_246_822_519) ^ 0x5bd1_e995);
        let (z0, z1) = box_muller(u, v);
        let r = (-2.0 * (u as f64).ln()).sqrt();
        let theta = std::f64::consts::PI * (v as f64 + 1.0);
        worst = worst
            .max((z0 as f64 - r * theta.cos()).abs() / r.max(1.0))
            .max((z1 as f64 - r * theta.sin()).abs() / r.max(1.0));
    }
    assert!(
        worst < 1e-6,
        "Box–Muller error {worst} (relative to max(r, 1))"
    );
}

#[test]
fn inverse_normal_cdf_matches_f64_reference() {
    let mut worst = 0.0f64;
    let mut ps: Vec<f32> = (1..100_000).map(|i| i as f32 / 100_000.0).collect();
    ps.extend((1..300).map(|i| (-(i as f64) * 0.25).exp() as f32));
    ps.extend((1..300).map(|i| (1.0 - (-(i as f64) * 0.05).exp()) as f32));
    for p in ps {
        if !(p > 0.0 && p < 1.0) {
            continue;
        }
        let want = normal_quantile(p as f64);
        let got = inv_normal_cdf(p) as f64;
        let err = (got - want).abs();
        // Relative where the quantile is away from 0, absolute near it.
        let scaled = if want.abs() > 0.01 {
            err / want.abs()
        } else {
            err / 0.01
        };
        worst = worst.max(scaled);
    }
    assert!(worst < 1e-6, "Φ⁻¹ error {worst}");
}

#[test]
fn normal_cdf_known_values() {
    let cases = [
        (0.0, 0.5),
        (-2.0, 0.022_750_131_948_179_195),
        (1.959_963_984_540_054, 0.975),
        (-5.0, 2.866_515_718_791_939e-7),
        (-10.0, 7.619_853_024_160_527e-24),
        (3.0, 0.998_650_101_968_369_9),
    ];
    for (x, want) in cases {
        let got = normal_cdf(x);
        assert!(
            ((got - want) / want).abs() < 1e-12,
            "Φ({x}) = {got}, want {want}"
        );
    }
    // Continuity where the algorithm switches (z = 3, x = 3√2).
    let x = 3.0 * std::f64::consts::SQRT_2;
    assert!((normal_cdf(x - 1e-12) - normal_cdf(x + 1e-12)).abs() < 1e-14);
}

#[test]
fn uniforms_are_exact_open_and_symmetric() {
    // Every 24-bit value of the signed uniform, and every 23-bit value of the open one.
    for k in 0..(1u32 << 24) {
        let v = signed_unit(k << 8);
        let want = (2.0 * k as f64 + 1.0 - 16_777_216.0) / 16_777_216.0;
        assert_eq!(v as f64, want, "signed_unit not exact at k = {k}");
        assert!(v > -1.0 && v < 1.0);
        assert_eq!(signed_unit((k << 8) | 0xFF), v, "low bits must not matter");
        assert_eq!(
            signed_unit(((1 << 24) - 1 - k) << 8),
            -v,
            "not symmetric at k = {k}"
        );
    }
    for k in 0..(1u32 << 23) {
        let u = open_unit(k << 9);
        assert_eq!(
            u as f64,
            (k as f64 + 0.5) / 8_388_608.0,
            "open_unit not exact at k = {k}"
        );
        assert!(u > 0.0 && u < 1.0);
    }
}

#[test]
fn lane_shortcuts_equal_their_definitions_bit_for_bit() {
    // Every hash value the uniforms can see (their top 23 or 24 bits), with junk low bits.
    for k in 0..(1u32 << 24) {
        let h = (k << 8) | (k.wrapping_mul(0x9E37_79B9) >> 24);
        let (want_s, want_c) = box_muller_angle(signed_unit(h));
        let (s, c) = box_muller_angle_of_hash(h);
        assert_eq!(
            (s.to_bits(), c.to_bits()),
            (want_s.to_bits(), want_c.to_bits()),
            "angle at h = {h:#x}"
        );
        let (want_k, want_s) = ln_reduce(open_unit(h));
        let (k, s) = ln_reduce_open_unit(h);
        assert_eq!(
            (k.to_bits(), s.to_bits()),
            (want_k.to_bits(), want_s.to_bits()),
            "ln reduction at h = {h:#x}"
        );
    }
}

#[test]
fn element_hash_is_two_keyed_lowbias32_rounds() {
    // The folded form (the xorshift between the rounds cancelled) against the plain definition,
    // over indices with and without a high word and keys from a Weyl sequence.
    let mut z = 0x0123_4567_89AB_CDEFu64;
    for i in 0..1_000_000u64 {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let key = ElementKey {
            lo: z as u32,
            hi: (z >> 32) as u32,
        };
        let index = match i % 3 {
            0 => i,
            1 => i << 32 | i,
            _ => z.rotate_left(17),
        };
        let (lo, hi) = (index as u32, (index >> 32) as u32);
        let want = lowbias32(lowbias32(lo ^ key.lo) ^ hi ^ key.hi);
        assert_eq!(
            element_hash(key, IndexWords::new(index)),
            want,
            "index {index}"
        );
    }
}
