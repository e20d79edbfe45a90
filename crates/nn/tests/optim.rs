//! Each optimizer against a 3-step trajectory: literal values worked by hand for the simple
//! cases, and an independent f64 transcription of torch.optim's documented algorithm for the
//! rest (it shares no code with the crate).

use initsift_nn::optim::lerp;
use initsift_nn::{Adam, OptimizerConfig, RmsProp, Sgd};

/// Runs 3 steps on two parameters with gradients g(p) = c·p + d (a quadratic loss), so weight
/// decay and the parameter feedback both matter.
fn trajectory(config: OptimizerConfig) -> Vec<[f32; 2]> {
    let mut p = [1.0f32, -0.5];
    let mut opt = config.build(2).unwrap();
    let mut out = Vec::new();
    for _ in 0..3 {
        let g = [0.8 * p[0] + 0.3, 1.7 * p[1] - 0.2];
        opt.step(&mut p, &g);
        out.push(p);
    }
    out
}

fn grad64(p: [f64; 2]) -> [f64; 2] {
    [0.8 * p[0] + 0.3, 1.7 * p[1] - 0.2]
}

fn assert_close(actual: &[[f32; 2]], expected: &[[f64; 2]], tol: f64) {
    for (t, (a, e)) in actual.iter().zip(expected).enumerate() {
        for k in 0..2 {
            let err = (f64::from(a[k]) - e[k]).abs();
            assert!(
                err <= tol * e[k].abs().max(1.0),
                "step {t} param {k}: {} vs {} (err {err:e})",
                a[k],
                e[k]
            );
        }
    }
}

#[test]
fn sgd_plain_by_hand() {
    // lr 0.1: p1 = 1 − 0.1·1.1 = 0.89; g = 0.8·0.89 + 0.3 = 1.012, p2 = 0.7888;
    // g = 0.93104, p3 = 0.695696. Second parameter: g = −1.05 → p1 = −0.395; g = −0.8715 →
    // p2 = −0.30785; g = −0.723345 → p3 = −0.2355155.
    let t = trajectory(OptimizerConfig::sgd(0.1));
    assert_close(
        &t,
        &[[0.89, -0.395], [0.7888, -0.30785], [0.695696, -0.2355155]],
        1e-6,
    );
}

#[test]
fn sgd_momentum_by_hand() {
    // Constant gradients 1, 2, 3 with momentum 0.9: buf = 1, 2.9, 5.61; p = 0.9, 0.61, 0.049.
    let mut p = [1.0f32];
    let mut opt = OptimizerConfig::Sgd(Sgd {
        lr: 0.1,
        momentum: 0.9,
        ..Sgd::default()
    })
    .build(1)
    .unwrap();
    let mut seen = Vec::new();
    for g in [1.0f32, 2.0, 3.0] {
        opt.step(&mut p, &[g]);
        seen.push(p[0]);
    }
    for (a, e) in seen.iter().zip([0.9f32, 0.61, 0.049]) {
        assert!((a - e).abs() < 1e-6, "{seen:?}");
    }
}

fn sgd_reference(o: Sgd) -> Vec<[f64; 2]> {
    let (mut p, mut buf) = ([1.0f64, -0.5], [0.0f64; 2]);
    let mut out = Vec::new();
    for t in 1..=3 {
        let g = grad64(p);
        for k in 0..2 {
            let mut gk = g[k] + o.weight_decay * p[k];
            if o.momentum != 0.0 {
                buf[k] = if t == 1 {
                    gk
                } else {
                    o.momentum * buf[k] + (1.0 - o.dampening) * gk
                };
                gk = if o.nesterov {
                    gk + o.momentum * buf[k]
                } else {
                    buf[k]
                };
            }
            p[k] -= o.lr * gk;
        }
        out.push(p);
    }
    out
}

#[test]
fn sgd_variants_match_the_algorithm() {
    for o in [
        Sgd {
            lr: 0.05,
            momentum: 0.9,
            dampening: 0.1,
            weight_decay: 0.01,
            nesterov: false,
        },
        Sgd {
            lr: 0.05,
            momentum: 0.8,
            dampening: 0.0,
            weight_decay: 0.1,
            nesterov: true,
        },
        Sgd {
            lr: 0.2,
            weight_decay: 0.5,
            ..Sgd::default()
        },
    ] {
        assert_close(
            &trajectory(OptimizerConfig::Sgd(o)),
            &sgd_reference(o),
            1e-6,
        );
    }
}

fn adam_reference(o: Adam, decoupled: bool) -> Vec<[f64; 2]> {
    let (mut p, mut m, mut v, mut vmax) = ([1.0f64, -0.5], [0.0f64; 2], [0.0f64; 2], [0.0f64; 2]);
    let mut out = Vec::new();
    for t in 1..=3 {
        let g = grad64(p);
        for k in 0..2 {
            if decoupled {
                p[k] *= 1.0 - o.lr * o.weight_decay;
            }
            let gk = if decoupled {
                g[k]
            } else {
                g[k] + o.weight_decay * p[k]
            };
            m[k] = o.beta1 * m[k] + (1.0 - o.beta1) * gk;
            v[k] = o.beta2 * v[k] + (1.0 - o.beta2) * gk * gk;
            vmax[k] = vmax[k].max(v[k]);
            let second = if o.amsgrad { vmax[k] } else { v[k] };
            let bc1 = 1.0 - o.beta1.powi(t);
            let bc2 = 1.0 - o.beta2.powi(t);
            p[k] -= o.lr / bc1 * m[k] / (second.sqrt() / bc2.sqrt() + o.eps);
        }
        out.push(p);
    }
    out
}

#[test]
fn adam_first_step_is_lr_times_sign() {
    // Step 1: m̂ = g and v̂ = g², so the step is lr·g/(|g| + ε) ≈ lr·sign(g).
    let t = trajectory(OptimizerConfig::adam(0.01));
    assert!(
        (t[0][0] - 0.99).abs() < 1e-6 && (t[0][1] + 0.49).abs() < 1e-6,
        "{t:?}"
    );
}

#[test]
fn adam_adamw_amsgrad_match_the_algorithm() {
    let cases = [
        (
            Adam {
                lr: 0.01,
                beta1: 0.9,
                beta2: 0.99,
                ..Adam::default()
            },
            false,
        ),
        (
            Adam {
                lr: 0.1,
                weight_decay: 0.05,
                ..Adam::default()
            },
            false,
        ),
        (
            Adam {
                lr: 0.1,
                amsgrad: true,
                beta2: 0.5,
                ..Adam::default()
            },
            false,
        ),
        (
            Adam {
                lr: 0.1,
                weight_decay: 0.2,
                ..Adam::default()
            },
            true,
        ),
    ];
    for (o, decoupled) in cases {
        let config = if decoupled {
            OptimizerConfig::AdamW(o)
        } else {
            OptimizerConfig::Adam(o)
        };
        assert_close(&trajectory(config), &adam_reference(o, decoupled), 2e-6);
    }
}

fn rmsprop_reference(o: RmsProp) -> Vec<[f64; 2]> {
    let (mut p, mut sq, mut ga, mut buf) = ([1.0f64, -0.5], [0.0f64; 2], [0.0f64; 2], [0.0f64; 2]);
    let mut out = Vec::new();
    for _ in 1..=3 {
        let g = grad64(p);
        for k in 0..2 {
            let gk = g[k] + o.weight_decay * p[k];
            sq[k] = o.alpha * sq[k] + (1.0 - o.alpha) * gk * gk;
            let mut avg = sq[k];
            if o.centered {
                ga[k] = o.alpha * ga[k] + (1.0 - o.alpha) * gk;
                avg -= ga[k] * ga[k];
            }
            let avg = avg.sqrt() + o.eps;
            if o.momentum > 0.0 {
                buf[k] = o.momentum * buf[k] + gk / avg;
                p[k] -= o.lr * buf[k];
            } else {
                p[k] -= o.lr * gk / avg;
            }
        }
        out.push(p);
    }
    out
}

#[test]
fn rmsprop_first_step_by_hand() {
    // Step 1: square_avg = 0.01·g², so the step is lr·g/(0.1·|g| + ε) ≈ 10·lr·sign(g).
    let t = trajectory(OptimizerConfig::rmsprop(0.01));
    assert!(
        (t[0][0] - 0.9).abs() < 1e-5 && (t[0][1] + 0.4).abs() < 1e-5,
        "{t:?}"
    );
}

#[test]
fn rmsprop_variants_match_the_algorithm() {
    for o in [
        RmsProp::default(),
        RmsProp {
            lr: 0.01,
            centered: true,
            ..RmsProp::default()
        },
        RmsProp {
            lr: 0.01,
            momentum: 0.9,
            weight_decay: 0.1,
            ..RmsProp::default()
        },
        RmsProp {
            lr: 0.001,
            alpha: 0.5,
            momentum: 0.5,
            centered: true,
            ..RmsProp::default()
        },
    ] {
        assert_close(
            &trajectory(OptimizerConfig::RmsProp(o)),
            &rmsprop_reference(o),
            2e-6,
        );
    }
}

#[test]
fn lerp_is_torch_two_sided() {
    assert_eq!(lerp(1.0, 3.0, 0.25), 1.5);
    assert_eq!(lerp(1.0, 3.0, 0.75), 2.5);
    assert_eq!(lerp(2.0, 2.0, 0.9), 2.0);
}

#[test]
fn defaults_are_torch_defaults() {
    let a = Adam::default();
    assert_eq!(
        (a.lr, a.beta1, a.beta2, a.eps, a.weight_decay, a.amsgrad),
        (1e-3, 0.9, 0.999, 1e-8, 0.0, false)
    );
    let r = RmsProp::default();
    assert_eq!(
        (r.lr, r.alpha, r.eps, r.momentum, r.centered),
        (1e-2, 0.99, 1e-8, 0.0, false)
    );
    let s = Sgd::default();
    assert_eq!(
        (s.lr, s.momentum, s.dampening, s.nesterov),
        (1e-3, 0.0, 0.0, false)
    );
    let OptimizerConfig::AdamW(w) = OptimizerConfig::adamw(1e-3) else {
        unreachable!()
    };
    assert_eq!(w.weight_decay, 1e-2);
}

#[test]
fn bad_hyper_parameters_are_named() {
    let err = OptimizerConfig::sgd(-0.1).build(1).unwrap_err().to_string();
    assert!(err.contains("lr") && err.contains("-0.1"), "{err}");
    let err = OptimizerConfig::sgd(f64::NAN)
        .build(1)
        .unwrap_err()
        .to_string();
    assert!(err.contains("lr") && err.contains("NaN"), "{err}");
    let bad = OptimizerConfig::Adam(Adam {
        beta2: 1.0,
        ..Adam::default()
    });
    assert!(bad.validate().unwrap_err().to_string().contains("beta2"));
    let nesterov = OptimizerConfig::Sgd(Sgd {
        nesterov: true,
        ..Sgd::default()
    });
    assert!(
        nesterov
            .validate()
            .unwrap_err()
            .to_string()
            .contains("Nesterov")
    );
}
