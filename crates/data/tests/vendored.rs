//! The vendored data sets: known shapes, classes and values, embedded bytes equal to data/.

use std::path::PathBuf;

use initsift_data::{Builtin, Dataset, Error, TargetKind, Targets, builtin, load_csv};

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")
}

#[test]
fn digits_has_1797_images_of_64_pixels_0_to_16_in_10_classes() {
    let digits = builtin::digits().unwrap();
    assert_eq!(digits.name(), "digits");
    assert_eq!(digits.features().dim(), (1797, 64));
    assert_eq!(digits.n_classes(), Some(10));
    assert_eq!(
        digits.class_counts().unwrap(),
        vec![178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    );
    assert!(
        digits
            .features()
            .iter()
            .all(|&v| (0.0..=16.0).contains(&v) && v.fract() == 0.0),
        "pixel counts are whole numbers in 0..=16"
    );
    assert_eq!(digits.features().iter().copied().fold(0.0, f32::max), 16.0);
    let first: Vec<f32> = digits.features().row(0).iter().take(8).copied().collect();
    assert_eq!(first, [0.0, 0.0, 5.0, 13.0, 9.0, 1.0, 0.0, 0.0]);
    assert_eq!(digits.labels().unwrap()[0], 0);
    assert_eq!(digits.labels().unwrap()[1796], 8);
    assert_eq!(digits.feature_names()[0], "x0");
    assert_eq!(digits.feature_names()[63], "x63");
}

#[test]
fn breast_cancer_has_569_rows_30_features_2_classes() {
    let data = builtin::breast_cancer().unwrap();
    assert_eq!(data.features().dim(), (569, 30));
    assert_eq!(data.n_classes(), Some(2));
    assert_eq!(data.class_counts().unwrap(), vec![212, 357]);
    assert_eq!(data.features()[[0, 0]], 17.99);
    assert_eq!(data.features()[[0, 3]], 1001.0);
    assert_eq!(data.feature_names()[0], "mean_radius");
}

#[test]
fn iris_has_150_rows_4_features_3_balanced_classes() {
    let data = builtin::iris().unwrap();
    assert_eq!(data.features().dim(), (150, 4));
    assert_eq!(data.class_counts().unwrap(), vec![50, 50, 50]);
    let first: Vec<f32> = data.features().row(0).to_vec();
    assert_eq!(first, [5.1, 3.5, 1.4, 0.2]);
}

#[test]
fn wine_has_178_rows_13_features_3_classes() {
    let data = builtin::wine().unwrap();
    assert_eq!(data.features().dim(), (178, 13));
    assert_eq!(data.class_counts().unwrap(), vec![59, 71, 48]);
    assert_eq!(data.features()[[0, 12]], 1065.0);
}

#[test]
fn diabetes_has_442_rows_10_features_and_real_targets() {
    let data = builtin::diabetes().unwrap();
    assert_eq!(data.features().dim(), (442, 10));
    assert_eq!(data.n_classes(), None);
    let values = data.values().unwrap();
    assert_eq!(values.len(), 442);
    assert_eq!(&values.as_slice().unwrap()[..3], &[151.0, 75.0, 141.0]);
    assert_eq!(values.iter().copied().fold(f32::INFINITY, f32::min), 25.0);
    assert_eq!(values.iter().copied().fold(0.0, f32::max), 346.0);
    assert!(matches!(
        data.one_hot(),
        Err(Error::NotClassification { .. })
    ));
}

#[test]
fn embedded_bytes_are_the_files_in_data_dir() {
    for set in Builtin::ALL {
        let path = data_dir().join(format!("{}.csv.gz", set.name()));
        let on_disk = std::fs::read(&path).unwrap();
        assert_eq!(set.csv_gz(), on_disk.as_slice(), "{}", set.name());
    }
}

#[test]
fn loading_by_path_with_inferred_targets_equals_the_builtin() {
    for set in Builtin::ALL {
        let path = data_dir().join(format!("{}.csv.gz", set.name()));
        let from_path = load_csv(&path, TargetKind::Infer).unwrap();
        let embedded = set.load().unwrap();
        // Inference reaches the kind the builtin fixes: classes 0..k-1 all present for the
        // four classification sets; diabetes' integer-valued targets start at 25, not 0.
        assert_eq!(from_path, embedded, "{}", set.name());
    }
}

#[test]
fn builtin_by_name_and_unknown_name() {
    for set in Builtin::ALL {
        assert_eq!(Dataset::builtin(set.name()).unwrap(), set.load().unwrap());
        assert_eq!(Builtin::from_name(set.name()).unwrap(), set);
    }
    let message = Dataset::builtin("mnist").unwrap_err().to_string();
    assert!(message.contains("\"mnist\""), "{message}");
    assert!(
        message.contains("digits, breast_cancer, iris, wine, diabetes"),
        "{message}"
    );
}

#[test]
fn builtin_kinds_match_the_targets() {
    for set in Builtin::ALL {
        let data = set.load().unwrap();
        let is_classes = matches!(data.targets(), Targets::Classes { .. });
        assert_eq!(is_classes, set.target_kind() == TargetKind::Classification);
    }
}
