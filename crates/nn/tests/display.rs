//! The text forms reports render recipes from: each optimizer, stop rule set and stop reason
//! has one, and a stop reason's equals its serde form.

use initsift_nn::{Adam, OptimizerConfig, Plateau, RmsProp, Sgd, StopReason, StopRules};

#[test]
fn optimizers_read_as_the_reports_state_them() {
    let adam = OptimizerConfig::Adam(Adam {
        lr: 0.01,
        beta1: 0.9,
        beta2: 0.99,
        ..Adam::default()
    });
    assert_eq!(adam.to_string(), "Adam(lr 0.01, betas (0.9, 0.99))");
    assert_eq!(format!("{adam:#}"), "Adam lr 0.01");
    assert_eq!(
        OptimizerConfig::sgd(0.1).to_string(),
        "SGD(lr 0.1, no momentum)"
    );
    let nesterov = OptimizerConfig::Sgd(Sgd {
        lr: 0.1,
        momentum: 0.9,
        nesterov: true,
        weight_decay: 1e-4,
        ..Sgd::default()
    });
    assert_eq!(
        nesterov.to_string(),
        "SGD(lr 0.1, momentum 0.9, nesterov, weight decay 0.0001)"
    );
    assert_eq!(
        OptimizerConfig::adamw(0.001).to_string(),
        "AdamW(lr 0.001, betas (0.9, 0.999), weight decay 0.01)"
    );
    let rms = OptimizerConfig::RmsProp(RmsProp {
        eps: 1e-6,
        centered: true,
        ..RmsProp::default()
    });
    assert_eq!(
        rms.to_string(),
        "RMSprop(lr 0.01, alpha 0.99, centered, eps 1e-6)"
    );
}

#[test]
fn stop_rules_read_as_the_reports_state_them() {
    assert_eq!(
        StopRules::reference(800).to_string(),
        "at most 800 epochs; stop at loss < 1e-7 or after 11 epochs without a new minimum \
         (plateau 1e-24 / 10)"
    );
    let no_plateau = StopRules {
        max_epochs: 600,
        loss_below: Some(1e-7),
        plateau: None,
    };
    assert_eq!(
        no_plateau.to_string(),
        "at most 600 epochs; stop at loss < 1e-7"
    );
    let plateau_only = StopRules {
        max_epochs: 5,
        loss_below: None,
        plateau: Some(Plateau {
            min_delta: 0.5,
            patience: 2,
        }),
    };
    assert_eq!(
        plateau_only.to_string(),
        "at most 5 epochs; stop after 3 epochs without a new minimum (plateau 5e-1 / 2)"
    );
}

#[test]
fn a_stop_reason_has_one_text_form() {
    for reason in [
        StopReason::Converged,
        StopReason::Plateau,
        StopReason::MaxEpochs,
        StopReason::Diverged,
    ] {
        assert_eq!(
            serde_json::to_string(&reason).unwrap(),
            format!("\"{reason}\""),
            "{reason:?}"
        );
    }
    assert_eq!(StopReason::MaxEpochs.to_string(), "max_epochs");
}
