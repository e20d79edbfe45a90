//! The safetensors hand-off: written by `export`, read back by the safetensors crate itself,
//! with equal bits and PyTorch shapes; files that do not fit the model are refused by name.

use std::collections::BTreeMap;

use initsift_nn::{Activation, ModelSpec, export};
use safetensors::tensor::{Dtype, SafeTensors};

/// Values that exercise every bit pattern class: signed zeros, subnormals, extremes, NaN.
fn awkward_params(n: usize) -> Vec<f32> {
    let specials = [
        0.0,
        -0.0,
        f32::MIN_POSITIVE / 4.0,
        f32::MAX,
        f32::MIN,
        f32::NAN,
        1.0 / 3.0,
    ];
    (0..n)
        .map(|i| {
            if i % 5 == 0 {
                specials[(i / 5) % specials.len()]
            } else {
                (i as f32 * 0.37).sin()
            }
        })
        .collect()
}

#[test]
fn round_trip_through_a_file_keeps_bits_shapes_and_metadata() {
    let spec = ModelSpec::mlp("5-4-3-2", Activation::Relu).unwrap();
    let params = awkward_params(spec.param_len());
    let extra = BTreeMap::from([("initsift_arch".to_string(), "5-4-3-2".to_string())]);
    let bytes = export::to_safetensors(&spec, &params, &extra).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("init.safetensors");
    std::fs::write(&path, &bytes).unwrap();
    let read = std::fs::read(&path).unwrap();

    // Read with the safetensors crate directly, not through our importer.
    let file = SafeTensors::deserialize(&read).unwrap();
    let mut names = file.names();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight"
        ]
    );
    let expected_shapes: [(&str, &[usize]); 6] = [
        ("0.weight", &[4, 5]),
        ("0.bias", &[4]),
        ("2.weight", &[3, 4]),
        ("2.bias", &[3]),
        ("4.weight", &[2, 3]),
        ("4.bias", &[2]),
    ];
    let mut flat_bits = Vec::new();
    for (key, shape) in expected_shapes {
        let view = file.tensor(key).unwrap();
        assert_eq!(view.dtype(), Dtype::F32, "{key}");
        assert_eq!(view.shape(), shape, "{key}");
        flat_bits.extend(
            view.data()
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])),
        );
    }
    let want_bits: Vec<u32> = params.iter().map(|v| v.to_bits()).collect();
    assert_eq!(flat_bits, want_bits);

    let meta = export::safetensors_metadata(&read, "init.safetensors").unwrap();
    assert_eq!(meta.get("format").map(String::as_str), Some("pt"));
    assert_eq!(
        meta.get("initsift_arch").map(String::as_str),
        Some("5-4-3-2")
    );

    let back = export::from_safetensors(&spec, &read, "init.safetensors").unwrap();
    let back_bits: Vec<u32> = back.iter().map(|v| v.to_bits()).collect();
    assert_eq!(back_bits, want_bits);
}

#[test]
fn a_file_for_another_arch_is_refused_naming_key_and_shapes() {
    let small = ModelSpec::mlp("5-4-2", Activation::Relu).unwrap();
    let bytes =
        export::to_safetensors(&small, &vec![0.5; small.param_len()], &BTreeMap::new()).unwrap();

    let wider = ModelSpec::mlp("5-6-2", Activation::Relu).unwrap();
    let error = export::from_safetensors(&wider, &bytes, "w.safetensors").unwrap_err();
    let text = error.to_string();
    assert!(text.starts_with("w.safetensors: "), "{text}");
    assert!(text.contains("`0.weight` has shape [4, 5]"), "{text}");
    assert!(text.contains("[6, 5]"), "{text}");

    let deeper = ModelSpec::mlp("5-4-4-2", Activation::Relu).unwrap();
    let text = export::from_safetensors(&deeper, &bytes, "w.safetensors")
        .unwrap_err()
        .to_string();
    assert!(text.contains("missing key `4.weight`"), "{text}");
    assert!(text.contains("expected exactly: 0.weight [4, 5]"), "{text}");

    let shallower = ModelSpec::mlp("5-2", Activation::Relu).unwrap();
    let text = export::from_safetensors(&shallower, &bytes, "w.safetensors")
        .unwrap_err()
        .to_string();
    assert!(text.contains("unexpected key `2.bias`"), "{text}");

    let text = export::from_safetensors(&small, b"not a file at all", "junk.bin")
        .unwrap_err()
        .to_string();
    assert!(
        text.starts_with("junk.bin: not a safetensors file"),
        "{text}"
    );
}
