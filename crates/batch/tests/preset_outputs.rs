//! `Preset::outputs` against the engine's forward pass, bit for bit, and its errors.

mod common;

use common::kink_grid;
use initsift_batch::{Preset, PresetError};
use initsift_data::xor::inputs_centered;
use initsift_init::Stream;
use initsift_tensor::{Graph, Shape};

/// The engine's outputs of `preset` at `params` on the XOR inputs, row-major.
fn engine_outputs(preset: Preset, params: &[f32]) -> Vec<f32> {
    let x = inputs_centered();
    let mut g = Graph::new();
    let input = g.input(Shape::new(4, 2)).unwrap();
    let forward = preset.spec().build(&mut g, input).unwrap();
    let values = g.eval(params, &[x.view()]).unwrap();
    values.get(forward.output).iter().copied().collect()
}

#[test]
fn outputs_are_the_engines_bits() {
    // Kinks and ties: every parameter from a grid with 0, so pre-activations hit 0 exactly;
    // then candidates of the preset's own plan; then a NaN, which ReLU must pass through.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for preset in Preset::ALL {
        let p = preset.param_len();
        let stream = Stream::new(&preset.spec(), &preset.plan(), 11).unwrap();
        let mut cases: Vec<Vec<f32>> = kink_grid(500 * p, &mut state)
            .chunks_exact(p)
            .map(<[f32]>::to_vec)
            .collect();
        cases.extend((0..500).map(|i| stream.candidate(i)));
        let mut with_nan = stream.candidate(0);
        with_nan[0] = f32::NAN;
        cases.push(with_nan);
        for params in &cases {
            let got = preset.outputs(params).unwrap();
            let want = engine_outputs(preset, params);
            assert_eq!(got.len(), 4 * preset.output_len(), "{preset}");
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got), bits(&want), "{preset} at {params:?}");
        }
    }
}

#[test]
fn outputs_of_a_wrong_length_vector_is_an_error_naming_both_lengths() {
    let err = Preset::Relu2.outputs(&[0.0; 6]).unwrap_err();
    assert_eq!(
        err,
        PresetError::ParamLength {
            preset: Preset::Relu2,
            expected: 12,
            actual: 6
        }
    );
    let text = err.to_string();
    assert!(
        text.contains("relu2") && text.contains("12") && text.contains('6'),
        "{text}"
    );
}
