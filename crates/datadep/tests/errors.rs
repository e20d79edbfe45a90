//! Bad input: a typed error naming the value, before any work; nothing panics.

mod common;

use common::{digits, digits_relu, fixed_params};
use initsift_datadep::{
    Data, DataDependent, Error, GradInitConfig, LsuvConfig, MetaInitConfig, NioConfig, initialize,
};
use initsift_nn::{Activation, Layer, Loss, ModelSpec};
use ndarray::Array2;

fn base(spec: &ModelSpec) -> Vec<f32> {
    fixed_params(spec).iter().map(|&v| v as f32).collect()
}

fn run(config: DataDependent) -> Error {
    let spec = digits_relu();
    let (x, y) = digits(64);
    let data = Data::new(x.view(), y.view(), Loss::CrossEntropy);
    initialize(&spec, &base(&spec), data, &config).unwrap_err()
}

#[test]
fn bad_hyper_parameters_name_the_field_and_value() {
    let nio = |c: NioConfig| DataDependent::Nio(c);
    let gi = |c: GradInitConfig| DataDependent::GradInit(c);
    let cases: Vec<(DataDependent, &str, f64)> = vec![
        (
            nio(NioConfig {
                gamma: 0.0,
                ..Default::default()
            }),
            "gamma",
            0.0,
        ),
        (
            nio(NioConfig {
                gamma: -1.0,
                ..Default::default()
            }),
            "gamma",
            -1.0,
        ),
        (
            nio(NioConfig {
                sub_batches: 0,
                ..Default::default()
            }),
            "sub_batches",
            0.0,
        ),
        (
            nio(NioConfig {
                sub_batches: 1,
                ..Default::default()
            }),
            "sub_batches",
            1.0,
        ),
        (
            nio(NioConfig {
                sub_batches: 65,
                ..Default::default()
            }),
            "sub_batches",
            65.0,
        ),
        (
            nio(NioConfig {
                sub_batches: 9,
                batch_size: Some(8),
                ..Default::default()
            }),
            "sub_batches",
            9.0,
        ),
        (
            nio(NioConfig {
                overlap: 1.0,
                ..Default::default()
            }),
            "overlap",
            1.0,
        ),
        (
            nio(NioConfig {
                overlap: -0.1,
                ..Default::default()
            }),
            "overlap",
            -0.1,
        ),
        (
            nio(NioConfig {
                iterations: 0,
                ..Default::default()
            }),
            "iterations",
            0.0,
        ),
        (
            nio(NioConfig {
                lr: 0.0,
                ..Default::default()
            }),
            "lr",
            0.0,
        ),
        (
            nio(NioConfig {
                batch_size: Some(65),
                ..Default::default()
            }),
            "batch_size",
            65.0,
        ),
        (
            gi(GradInitConfig {
                gamma: 0.0,
                ..Default::default()
            }),
            "gamma",
            0.0,
        ),
        (
            gi(GradInitConfig {
                eta: -0.1,
                ..Default::default()
            }),
            "eta",
            -0.1,
        ),
        (
            gi(GradInitConfig {
                iterations: 0,
                ..Default::default()
            }),
            "iterations",
            0.0,
        ),
        (
            gi(GradInitConfig {
                min_scale: -1.0,
                ..Default::default()
            }),
            "min_scale",
            -1.0,
        ),
        (
            gi(GradInitConfig {
                max_scale: Some(0.001),
                ..Default::default()
            }),
            "max_scale",
            0.001,
        ),
        (
            gi(GradInitConfig {
                batch_size: Some(1),
                ..Default::default()
            }),
            "batch_size",
            1.0,
        ),
        (
            DataDependent::Lsuv(LsuvConfig {
                tol: 0.0,
                ..Default::default()
            }),
            "tol",
            0.0,
        ),
        (
            DataDependent::Lsuv(LsuvConfig {
                tol: -0.5,
                ..Default::default()
            }),
            "tol",
            -0.5,
        ),
        (
            DataDependent::Lsuv(LsuvConfig {
                max_iterations: 0,
                ..Default::default()
            }),
            "iterations",
            0.0,
        ),
        (
            DataDependent::MetaInit(MetaInitConfig {
                iterations: 0,
                ..Default::default()
            }),
            "iterations",
            0.0,
        ),
        (
            DataDependent::MetaInit(MetaInitConfig {
                momentum: 1.0,
                ..Default::default()
            }),
            "momentum",
            1.0,
        ),
        (
            DataDependent::MetaInit(MetaInitConfig {
                eps: 0.0,
                ..Default::default()
            }),
            "eps",
            0.0,
        ),
    ];
    for (config, field, value) in cases {
        match run(config.clone()) {
            Error::BadConfig { name, value: v, .. } => {
                assert_eq!((name, v), (field, value), "{config:?}");
            }
            e => panic!("{config:?}: {e}"),
        }
    }
    let msg = run(nio(NioConfig {
        overlap: 1.0,
        ..Default::default()
    }))
    .to_string();
    assert_eq!(msg, "nio: overlap = 1: must be in [0, 1)");
}

#[test]
fn bad_data_and_models_are_named() {
    let spec = digits_relu();
    let (x, y) = digits(64);
    let config = DataDependent::Nio(NioConfig::default());
    let wide = Array2::<f32>::zeros((64, 65));
    let err = initialize(
        &spec,
        &base(&spec),
        Data::new(wide.view(), y.view(), Loss::CrossEntropy),
        &config,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::BatchWidth {
                what: "inputs",
                expected: 64,
                actual: 65,
                ..
            }
        ),
        "{err}"
    );
    let narrow = Array2::<f32>::zeros((64, 3));
    let err = initialize(
        &spec,
        &base(&spec),
        Data::new(x.view(), narrow.view(), Loss::CrossEntropy),
        &config,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::BatchWidth {
                what: "targets",
                expected: 10,
                actual: 3,
                ..
            }
        ),
        "{err}"
    );
    let short = y.slice(ndarray::s![..10, ..]);
    let err = initialize(
        &spec,
        &base(&spec),
        Data::new(x.view(), short, Loss::CrossEntropy),
        &config,
    )
    .unwrap_err();
    assert_eq!(
        err,
        Error::Rows {
            inputs: 64,
            targets: 10
        }
    );
    let mut nan = x.clone();
    nan[(3, 5)] = f32::NAN;
    let err = initialize(
        &spec,
        &base(&spec),
        Data::new(nan.view(), y.view(), Loss::CrossEntropy),
        &config,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NonFinite {
                what: "inputs",
                index: 197,
                ..
            }
        ),
        "{err}"
    );
    let err = initialize(
        &spec,
        &base(&spec)[1..],
        Data::new(x.view(), y.view(), Loss::CrossEntropy),
        &config,
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::Model(initsift_nn::Error::ParamLength { .. })),
        "{err}"
    );

    let no_linear =
        ModelSpec::new("act-only", 64, vec![Layer::Activation(Activation::Relu)]).unwrap();
    let x10 = x.slice(ndarray::s![.., ..]).to_owned();
    let y64 = x.clone();
    let err = initialize(
        &no_linear,
        &[],
        Data::new(x10.view(), y64.view(), Loss::Mse),
        &config,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "model act-only has no Linear layer, so there is no tensor to initialize"
    );
}

#[test]
fn unusable_losses_are_named() {
    let (x, y) = digits(64);
    let one_out = ModelSpec::mlp("64-8-1", Activation::Relu).unwrap();
    let y1 = y.slice(ndarray::s![.., ..1]).to_owned();
    let config = DataDependent::GradInit(GradInitConfig::default());
    let err = initialize(
        &one_out,
        &base(&one_out),
        Data::new(x.view(), y1.view(), Loss::CrossEntropy),
        &config,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Loss {
                loss: Loss::CrossEntropy,
                ..
            }
        ),
        "{err}"
    );
    let y2 = y.mapv(|v| 2.0 * v);
    let spec = digits_relu();
    let err = initialize(
        &spec,
        &base(&spec),
        Data::new(x.view(), y2.view(), Loss::BceWithLogits),
        &config,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "loss bce_with_logits cannot be used here: target 2 is outside [0, 1]"
    );
    // LSUV does not use the loss, so the same data is fine for it.
    let lsuv = DataDependent::Lsuv(LsuvConfig::default());
    assert!(
        initialize(
            &spec,
            &base(&spec),
            Data::new(x.view(), y2.view(), Loss::BceWithLogits),
            &lsuv
        )
        .is_ok()
    );
}

/// LSUV reads the inputs of its batch only (the first `batch_size` rows) and never the
/// targets: a non-finite value there is an error naming its flat index, one elsewhere changes
/// nothing.
#[test]
fn lsuv_checks_the_rows_it_reads() {
    let spec = digits_relu();
    let (x, y) = digits(96);
    let lsuv = DataDependent::Lsuv(LsuvConfig {
        batch_size: Some(64),
        ..LsuvConfig::default()
    });
    let run = |x: &Array2<f32>, y: &Array2<f32>| {
        let data = Data::new(x.view(), y.view(), Loss::CrossEntropy);
        initialize(&spec, &base(&spec), data, &lsuv)
    };
    let mut bad = x.clone();
    bad[(63, 5)] = f32::INFINITY;
    let err = run(&bad, &y).unwrap_err();
    let named = matches!(
        err,
        Error::NonFinite {
            what: "inputs",
            index: 4037,
            ..
        }
    );
    assert!(named, "{err}");
    let (mut outside, mut targets) = (x.clone(), y.clone());
    outside[(64, 5)] = f32::NAN;
    targets[(0, 0)] = f32::NAN;
    assert_eq!(run(&outside, &targets).unwrap().0, run(&x, &y).unwrap().0);
}
