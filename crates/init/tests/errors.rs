//! Bad input: every error names the bad value, and nothing panics.

use initsift_init::{
    Distribution, Error, FanMode, InitPlan, LayerInit, Nonlinearity, PostStep, Scheme, Stream,
    Target, calculate_gain,
};
use initsift_nn::ModelSpec;

fn err(scheme: Scheme, rows: usize, cols: usize) -> Error {
    Stream::for_tensor(&scheme, rows, cols, 0).expect_err(&format!("{scheme} should fail"))
}

#[test]
fn zero_fans_are_errors_naming_the_fan() {
    let fan_based = [
        Scheme::XavierUniform { gain: 1.0 },
        Scheme::XavierNormal { gain: 1.0 },
        Scheme::KaimingUniform {
            a: 0.0,
            mode: FanMode::FanIn,
            nonlinearity: Nonlinearity::Relu,
        },
        Scheme::KaimingNormal {
            a: 0.0,
            mode: FanMode::FanIn,
            nonlinearity: Nonlinearity::Relu,
        },
        Scheme::LecunUniform,
        Scheme::LecunNormal,
        Scheme::VarianceScaling {
            scale: 1.0,
            mode: FanMode::FanAvg,
            distribution: Distribution::Uniform,
        },
        Scheme::TorchLinearDefault,
    ];
    for scheme in fan_based {
        let e = err(scheme.clone(), 3, 0);
        assert!(
            matches!(
                &e,
                Error::ZeroFan {
                    which: "fan_in",
                    ..
                }
            ),
            "{scheme}: {e}"
        );
        assert!(e.to_string().contains("fan_in is 0"), "{e}");
    }
    let e = err(
        Scheme::KaimingNormal {
            a: 0.0,
            mode: FanMode::FanOut,
            nonlinearity: Nonlinearity::Relu,
        },
        0,
        3,
    );
    assert!(
        matches!(
            e,
            Error::ZeroFan {
                which: "fan_out",
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn bad_parameters_name_the_value() {
    let cases: Vec<(Scheme, &str, f64)> = vec![
        (
            Scheme::Normal {
                mean: 0.0,
                std: -0.5,
            },
            "std",
            -0.5,
        ),
        (
            Scheme::Sparse {
                sparsity: 1.0,
                std: 0.01,
            },
            "sparsity",
            1.0,
        ),
        (
            Scheme::Sparse {
                sparsity: -0.1,
                std: 0.01,
            },
            "sparsity",
            -0.1,
        ),
        (
            Scheme::Sparse {
                sparsity: 0.5,
                std: -1.0,
            },
            "std",
            -1.0,
        ),
        (
            Scheme::VarianceScaling {
                scale: -2.0,
                mode: FanMode::FanIn,
                distribution: Distribution::Uniform,
            },
            "scale",
            -2.0,
        ),
        (
            Scheme::VarianceScaling {
                scale: 0.0,
                mode: FanMode::FanIn,
                distribution: Distribution::Uniform,
            },
            "scale",
            0.0,
        ),
        (
            Scheme::TruncNormal {
                mean: 0.0,
                std: 0.0,
                a: -1.0,
                b: 1.0,
            },
            "std",
            0.0,
        ),
        (
            Scheme::TruncNormal {
                mean: 0.0,
                std: 1.0,
                a: 1.0,
                b: 1.0,
            },
            "b",
            1.0,
        ),
        (
            Scheme::Uniform {
                low: 1.0,
                high: -1.0,
            },
            "high",
            -1.0,
        ),
        (Scheme::XavierUniform { gain: -1.0 }, "gain", -1.0),
        (
            Scheme::KaimingUniform {
                a: f64::INFINITY,
                mode: FanMode::FanIn,
                nonlinearity: Nonlinearity::LeakyRelu,
            },
            "a",
            f64::INFINITY,
        ),
    ];
    for (scheme, name, value) in cases {
        let e = err(scheme.clone(), 4, 4);
        match &e {
            Error::BadParameter {
                name: n, value: v, ..
            } => {
                assert_eq!((*n, *v), (name, value), "{scheme}: {e}");
            }
            other => panic!("{scheme}: expected BadParameter, got {other}"),
        }
        assert!(e.to_string().contains(&format!("{name} = {value}")), "{e}");
    }
    let e = err(Scheme::Constant { value: f64::NAN }, 2, 2);
    assert!(e.to_string().contains("value = NaN"), "{e}");
    let e = err(
        Scheme::Normal {
            mean: 0.0,
            std: 1e38,
        },
        2,
        2,
    );
    assert!(e.to_string().contains("overflow f32"), "{e}");
    let e = err(
        Scheme::TruncNormal {
            mean: 0.0,
            std: 1.0,
            a: 0.0,
            b: 1e-9,
        },
        2,
        2,
    );
    assert!(e.to_string().contains("sliver"), "{e}");
    let e = err(
        Scheme::TruncNormal {
            mean: 0.0,
            std: 1.0,
            a: 20.0,
            b: 30.0,
        },
        2,
        2,
    );
    assert!(e.to_string().contains("into a tail"), "{e}");
}

#[test]
fn unknown_names_list_the_known_ones() {
    let e = calculate_gain("relux", None).unwrap_err();
    assert!(matches!(e, Error::UnknownNonlinearity { .. }));
    let msg = e.to_string();
    assert!(
        msg.contains("`relux`") && msg.contains("leaky_relu") && msg.contains("selu"),
        "{msg}"
    );
    let e = "fan_mid".parse::<FanMode>().unwrap_err().to_string();
    assert!(e.contains("`fan_mid`") && e.contains("fan_avg"), "{e}");
    let e = "gaussian".parse::<Distribution>().unwrap_err().to_string();
    assert!(
        e.contains("`gaussian`") && e.contains("untruncated_normal"),
        "{e}"
    );
    // Kaiming knows fan_in and fan_out only.
    let e = err(
        Scheme::KaimingNormal {
            a: 0.0,
            mode: FanMode::FanAvg,
            nonlinearity: Nonlinearity::Relu,
        },
        3,
        3,
    );
    assert!(matches!(e, Error::UnknownMode { .. }), "{e}");
    assert!(e.to_string().contains("`fan_avg`") && e.to_string().contains("fan_in, fan_out"));
    // Through serde too: a plan file with a typo names it.
    let json = r#"{"scheme":"kaiming_normal","nonlinearity":"rectifier"}"#;
    let e = serde_json::from_str::<Scheme>(json)
        .unwrap_err()
        .to_string();
    assert!(e.contains("rectifier") && e.contains("leaky_relu"), "{e}");
    let e = InitPlan::preset("relu3").unwrap_err().to_string();
    assert!(e.contains("relu3") && e.contains("relu2"), "{e}");
    // Gains: a non-finite leaky slope.
    assert!(Nonlinearity::LeakyRelu.gain(Some(f64::NAN)).is_err());
}

#[test]
fn matrix_only_schemes_refuse_biases() {
    let spec = ModelSpec::relu1();
    for scheme in [
        Scheme::Orthogonal { gain: 1.0 },
        Scheme::Sparse {
            sparsity: 0.5,
            std: 0.1,
        },
        Scheme::Eye,
    ] {
        let plan = InitPlan::new("p", vec![LayerInit::new(Scheme::Zeros, scheme.clone())]);
        let e = plan.validate(&spec).unwrap_err();
        assert!(matches!(e, Error::Unsupported { .. }), "{scheme}: {e}");
        assert!(e.to_string().contains("layers.0.bias"), "{e}");
    }
    // Direct resolution of a bias target.
    let t = Target {
        kind: initsift_nn::ParamKind::Bias,
        ..Target::torch_weight("b", 1, 4)
    };
    assert!(Scheme::Eye.resolve(&t).is_err());
}

#[test]
fn plans_that_do_not_fit_the_model() {
    let relu2 = ModelSpec::relu2();
    let e = InitPlan::relu1().validate(&relu2).unwrap_err();
    assert!(matches!(e, Error::PlanMismatch { .. }));
    let msg = e.to_string();
    assert!(
        msg.contains("relu1_normal") && msg.contains("relu2") && msg.contains("1 layer entries"),
        "{msg}"
    );

    let no_bias = ModelSpec::new(
        "nb",
        2,
        vec![initsift_nn::Layer::Linear {
            inputs: 2,
            outputs: 3,
            bias: false,
        }],
    )
    .unwrap();
    let e = InitPlan::relu1()
        .validate(&no_bias)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no bias") && e.contains("zeros"), "{e}");
    let e = InitPlan::new(
        "p",
        vec![LayerInit {
            weight: Scheme::Zeros,
            bias: None,
        }],
    )
    .validate(&ModelSpec::relu1())
    .unwrap_err()
    .to_string();
    assert!(e.contains("has a bias"), "{e}");

    let e = InitPlan::relu1()
        .then(PostStep::Mirror { linear: 1 })
        .validate(&ModelSpec::relu1())
        .unwrap_err();
    assert!(e.to_string().contains("L1"), "{e}");
    let e = InitPlan::abs1()
        .then(PostStep::Mirror { linear: 0 })
        .validate(&ModelSpec::abs1())
        .unwrap_err();
    assert!(e.to_string().contains("at least 2 units"), "{e}");
    let e = InitPlan::new(
        "p",
        vec![LayerInit {
            weight: Scheme::Zeros,
            bias: None,
        }],
    )
    .then(PostStep::BoundedHypersphere {
        linear: 0,
        radius: 1.0,
    })
    .validate(&no_bias)
    .unwrap_err();
    assert!(e.to_string().contains("has none"), "{e}");
    let e = InitPlan::relu1_bhs(-1.0)
        .validate(&ModelSpec::relu1())
        .unwrap_err();
    assert!(e.to_string().contains("radius = -1"), "{e}");
}

#[test]
fn buffers_of_the_wrong_length_and_index_overflow() {
    let spec = ModelSpec::relu2();
    let stream = Stream::new(&spec, &InitPlan::relu2(), 1).unwrap();
    let mut short = vec![0.0f32; 11];
    assert!(matches!(
        stream.fill(0, &mut short),
        Err(Error::BufferLength { actual: 11, .. })
    ));
    let mut ragged = vec![0.0f32; 25];
    assert!(matches!(
        stream.fill_batch(0, &mut ragged),
        Err(Error::BufferLength { .. })
    ));
    let mut two = vec![0.0f32; 24];
    assert!(matches!(
        stream.fill_batch(u64::MAX, &mut two),
        Err(Error::IndexOverflow { .. })
    ));
    assert_eq!(stream.fill_batch(u64::MAX - 1, &mut two).unwrap(), 2);
    let mut empty: Vec<f32> = Vec::new();
    assert_eq!(stream.par_fill_batch(0, &mut empty).unwrap(), 0);
}
