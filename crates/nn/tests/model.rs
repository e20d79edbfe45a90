//! ModelSpec: the flat layout, presets, spec parsing, and gradients through built models.

use initsift_nn::{Activation, Layer, Loss, ModelSpec, ParamKind};
use initsift_tensor::{Graph, Shape, check};
use ndarray::{Array2, array};

#[test]
fn presets_have_the_reference_parameter_counts_and_state_dict_order() {
    assert_eq!(ModelSpec::abs1().param_len(), 3);
    assert_eq!(ModelSpec::relu1().param_len(), 6);
    assert_eq!(ModelSpec::relu2().param_len(), 12);
    let layout = ModelSpec::relu2().param_layout();
    let seen: Vec<_> = layout
        .iter()
        .map(|b| (b.name.as_str(), b.kind, b.offset, b.rows, b.cols))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("layers.0.weight", ParamKind::Weight, 0, 2, 2),
            ("layers.0.bias", ParamKind::Bias, 4, 1, 2),
            ("layers.2.weight", ParamKind::Weight, 6, 2, 2),
            ("layers.2.bias", ParamKind::Bias, 10, 1, 2),
        ]
    );
    let mlp = ModelSpec::mlp("64-32-10", Activation::Relu).unwrap();
    assert_eq!(mlp.param_len(), 64 * 32 + 32 + 32 * 10 + 10);
    let w2 = &mlp.param_layout()[2];
    assert_eq!((w2.fan_in, w2.fan_out, w2.offset), (32, 10, 64 * 32 + 32));
}

#[test]
fn relu1_computes_the_sum_of_two_relu_units() {
    // W = [[1, 2], [-1, 0.5]] (row per unit), b = [0.5, -1]: unit 0 = relu(x0 + 2x1 + 0.5),
    // unit 1 = relu(−x0 + 0.5x1 − 1).
    let params = [1.0f64, 2.0, -1.0, 0.5, 0.5, -1.0];
    let x = array![[1.0f64, 1.0], [-2.0, 0.0], [0.0, -1.0]];
    let mut g = Graph::new();
    let xi = g.input(Shape::new(3, 2)).unwrap();
    let f = ModelSpec::relu1().build(&mut g, xi).unwrap();
    let v = g.eval(&params, &[x.view()]).unwrap();
    assert_eq!(v.get(f.output), array![[3.5], [1.0], [0.0]]);
}

#[test]
fn gradients_through_models_match_finite_differences() {
    let x = array![[-1.0f64, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]];
    let onehot = array![[1.0f64, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]];
    let cases: Vec<(ModelSpec, Loss, Array2<f64>)> = vec![
        (ModelSpec::relu2(), Loss::CrossEntropy, onehot.clone()),
        (ModelSpec::relu2(), Loss::Mse, onehot),
        (
            ModelSpec::mlp("2-3-1", Activation::Tanh).unwrap(),
            Loss::BceWithLogits,
            array![[0.0], [1.0], [1.0], [0.0]],
        ),
        (
            ModelSpec::mlp("2-4-3-1", Activation::Elu { alpha: 0.7 }).unwrap(),
            Loss::Mse,
            array![[0.0], [1.0], [1.0], [0.0]],
        ),
        (
            ModelSpec::abs1(),
            Loss::Mse,
            array![[0.0], [1.0], [1.0], [0.0]],
        ),
    ];
    for (spec, loss, y) in cases {
        let mut g = Graph::new();
        let xi = g.input(Shape::new(4, 2)).unwrap();
        let yi = g.input(Shape::new(4, y.ncols())).unwrap();
        let f = spec.build(&mut g, xi).unwrap();
        let l = loss.build(&mut g, f.output, yi).unwrap();
        // Parameters away from ReLU/abs kinks at these inputs.
        let params: Vec<f64> = (0..spec.param_len())
            .map(|i| 0.37 + 0.23 * ((i * 7 % 11) as f64) - 1.1)
            .collect();
        let r = check::check_param_grad(&mut g, l, &params, &[x.view(), y.view()]).unwrap();
        assert!(r.max_rel_err < 1e-6, "{spec} with {loss}: {r:?}");
    }
}

#[test]
fn bad_specs_are_explained() {
    let err = ModelSpec::mlp("64-32-10", "swish".parse().unwrap_or(Activation::Relu))
        .map(|_| ())
        .err();
    assert!(err.is_none());
    let err = "swish".parse::<Activation>().unwrap_err().to_string();
    assert!(
        err.contains("swish") && err.contains("relu") && err.contains("tanh"),
        "{err}"
    );
    assert_eq!(
        "leaky_relu:-0.8".parse::<Activation>().unwrap(),
        Activation::LeakyRelu { slope: -0.8 }
    );
    assert!(
        "relu:2"
            .parse::<Activation>()
            .unwrap_err()
            .to_string()
            .contains("takes no parameter")
    );
    assert!(
        "elu:abc"
            .parse::<Activation>()
            .unwrap_err()
            .to_string()
            .contains("abc")
    );
    for (spec, needle) in [
        ("64", "at least"),
        ("64-0-10", "width of 0"),
        ("64-x-10", "`x`"),
        ("", "``"),
    ] {
        let err = ModelSpec::mlp(spec, Activation::Relu)
            .unwrap_err()
            .to_string();
        assert!(err.contains(needle), "{spec}: {err}");
    }
    let err = ModelSpec::new(
        "m",
        3,
        vec![Layer::Linear {
            inputs: 2,
            outputs: 1,
            bias: true,
        }],
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("takes 2") && err.contains("receives 3"),
        "{err}"
    );
    let err = ModelSpec::relu1()
        .check_params(&[0.0f32; 7])
        .unwrap_err()
        .to_string();
    assert!(err.contains("6 parameters") && err.contains('7'), "{err}");
    assert!(
        ModelSpec::preset("relu3")
            .unwrap_err()
            .to_string()
            .contains("relu1")
    );
}

#[test]
fn display_names_every_layer() {
    let s = ModelSpec::relu1().to_string();
    assert_eq!(s, "relu1 (in 2 → Linear(2,2) → relu → Sum; 6 params)");
}
