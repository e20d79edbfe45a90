//! Splits, subsets, standardization, one-hot encoding, the XOR family and Dataset invariants.

use std::collections::BTreeSet;

use initsift_data::{
    Dataset, Error, Standardizer, Stratify, Targets, builtin, one_hot, random_subset_indices,
    split_indices, test_size, xor,
};
use ndarray::{Array1, Array2, Axis, array};

fn digits() -> Dataset {
    builtin::digits().unwrap()
}

#[test]
fn split_is_deterministic_for_a_seed_and_varies_with_it() {
    let data = digits();
    for stratify in [Stratify::No, Stratify::ByClass] {
        let a = split_indices(&data, 0.25, 42, stratify).unwrap();
        let b = split_indices(&data, 0.25, 42, stratify).unwrap();
        let c = split_indices(&data, 0.25, 43, stratify).unwrap();
        assert_eq!(a, b);
        assert_ne!(a.test, c.test);
    }
}

#[test]
fn split_is_disjoint_covers_every_row_and_is_sorted() {
    let data = digits();
    for stratify in [Stratify::No, Stratify::ByClass] {
        let split = split_indices(&data, 0.3, 1, stratify).unwrap();
        assert_eq!(split.test.len(), 540, "ceil(0.3 * 1797) = ceil(539.1)");
        assert_eq!(split.train.len(), 1797 - 540);
        let test: BTreeSet<usize> = split.test.iter().copied().collect();
        let train: BTreeSet<usize> = split.train.iter().copied().collect();
        assert_eq!(test.len(), split.test.len(), "no repeats in test");
        assert_eq!(train.len(), split.train.len(), "no repeats in train");
        assert!(test.is_disjoint(&train));
        assert_eq!(test.union(&train).count(), 1797);
        assert!(split.test.is_sorted() && split.train.is_sorted());
    }
}

#[test]
fn split_datasets_carry_the_selected_rows() {
    let data = digits();
    let split = split_indices(&data, 0.25, 9, Stratify::No).unwrap();
    let (train, test) = data.train_test_split(0.25, 9, Stratify::No).unwrap();
    assert_eq!(test.features().row(0), data.features().row(split.test[0]));
    assert_eq!(
        train.labels().unwrap()[5],
        data.labels().unwrap()[split.train[5]]
    );
    assert_eq!(test.n_classes(), Some(10));
}

#[test]
fn stratified_split_keeps_class_proportions() {
    let data = digits();
    let counts = data.class_counts().unwrap();
    for (fraction, seed) in [(0.25, 3), (0.1, 4), (0.5, 5)] {
        let (train, test) = data
            .train_test_split(fraction, seed, Stratify::ByClass)
            .unwrap();
        let n_test = test.n_samples();
        let test_counts = test.class_counts().unwrap();
        for (class, (&all, &held)) in counts.iter().zip(&test_counts).enumerate() {
            let share = n_test as f64 * all as f64 / 1797.0;
            assert!(
                held as f64 >= share.floor() && held as f64 <= share.ceil(),
                "fraction {fraction}, class {class}: {held} test rows for share {share}"
            );
        }
        let train_counts = train.class_counts().unwrap();
        for class in 0..10 {
            assert_eq!(train_counts[class] + test_counts[class], counts[class]);
        }
    }
    // Iris: 50 per class, a fifth each in test.
    let (_, test) = builtin::iris()
        .unwrap()
        .train_test_split(0.2, 0, Stratify::ByClass)
        .unwrap();
    assert_eq!(test.class_counts().unwrap(), vec![10, 10, 10]);
}

#[test]
fn unstratified_split_is_not_balanced_by_construction() {
    // A sanity check that the stratified path does something: over a few seeds, a plain split
    // of iris misses the exact 10/10/10 at least once.
    let iris = builtin::iris().unwrap();
    let unbalanced = (0..10).any(|seed| {
        let (_, test) = iris.train_test_split(0.2, seed, Stratify::No).unwrap();
        test.class_counts().unwrap() != vec![10, 10, 10]
    });
    assert!(unbalanced);
}

#[test]
fn split_argument_errors() {
    let data = digits();
    for bad in [0.0, 1.0, -0.1, 1.5, f64::NAN, 1e-13] {
        let error = split_indices(&data, bad, 0, Stratify::No).unwrap_err();
        assert!(
            matches!(
                error,
                Error::InvalidArgument {
                    name: "test_fraction",
                    ..
                }
            ),
            "{bad}"
        );
    }
    let diabetes = builtin::diabetes().unwrap();
    let error = diabetes
        .train_test_split(0.2, 0, Stratify::ByClass)
        .unwrap_err();
    assert!(matches!(error, Error::NotClassification { .. }));
    assert!(diabetes.train_test_split(0.2, 0, Stratify::No).is_ok());
    let one = digits().first(1).unwrap();
    assert!(
        split_indices(&one, 0.5, 0, Stratify::No).is_err(),
        "one row cannot be split"
    );
}

#[test]
fn test_size_rounds_up_but_ignores_float_noise() {
    assert_eq!(
        test_size(100, 0.07).unwrap(),
        7,
        "0.07 * 100 = 7.000000000000001"
    );
    assert_eq!(test_size(10, 0.25).unwrap(), 3);
    assert_eq!(test_size(150, 0.2).unwrap(), 30);
    assert_eq!(test_size(1797, 0.3).unwrap(), 540);
    assert!(
        test_size(10, 0.99).is_err(),
        "ceil(9.9) = 10 leaves no training row"
    );
}

#[test]
fn random_subset_of_256_digits() {
    let data = digits();
    let rows = random_subset_indices(1797, 256, 11).unwrap();
    assert_eq!(rows.len(), 256);
    assert!(rows.is_sorted());
    assert_eq!(rows.iter().collect::<BTreeSet<_>>().len(), 256, "distinct");
    assert!(rows.iter().all(|&r| r < 1797));
    assert_eq!(rows, random_subset_indices(1797, 256, 11).unwrap());
    assert_ne!(rows, random_subset_indices(1797, 256, 12).unwrap());
    let subset = data.random_subset(256, 11).unwrap();
    assert_eq!(subset, data.select(&rows).unwrap());
    assert_eq!(subset.n_classes(), Some(10));
    // A uniform draw of 256 of 1797 touches every class.
    assert!(subset.class_counts().unwrap().iter().all(|&c| c > 0));
    assert_eq!(
        random_subset_indices(5, 5, 0).unwrap(),
        vec![0, 1, 2, 3, 4],
        "all rows"
    );
}

#[test]
fn subset_size_and_index_errors() {
    let data = digits();
    assert!(matches!(
        data.random_subset(0, 0),
        Err(Error::InvalidArgument { name: "k", .. })
    ));
    assert!(data.random_subset(1798, 0).is_err());
    assert!(data.first(0).is_err());
    assert!(data.first(1798).is_err());
    let first = data.first(3).unwrap();
    assert_eq!(
        first.features(),
        &data.features().slice(ndarray::s![..3, ..])
    );
    assert!(matches!(
        data.select(&[0, 1797]),
        Err(Error::InvalidArgument { name: "rows", .. })
    ));
    assert_eq!(
        data.select(&[5, 5]).unwrap().n_samples(),
        2,
        "repeats allowed"
    );
}

/// Column means and population standard deviations in f64.
fn column_moments(x: &Array2<f32>) -> Vec<(f64, f64)> {
    x.axis_iter(Axis(1))
        .map(|column| {
            let n = column.len() as f64;
            let mean = column.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
            let var = column
                .iter()
                .map(|&v| (f64::from(v) - mean).powi(2))
                .sum::<f64>()
                / n;
            (mean, var.sqrt())
        })
        .collect()
}

#[test]
fn standardization_gives_mean_0_std_1_on_the_fitted_set() {
    for data in [
        digits(),
        builtin::breast_cancer().unwrap(),
        builtin::wine().unwrap(),
    ] {
        let (train, test) = data.train_test_split(0.25, 5, Stratify::No).unwrap();
        let scaler = Standardizer::fit_dataset(&train).unwrap();
        let scaled = scaler.transform_dataset(&train).unwrap();
        let raw = column_moments(train.features());
        for (j, ((mean, std), (_, raw_std))) in column_moments(scaled.features())
            .into_iter()
            .zip(raw)
            .enumerate()
        {
            assert!(mean.abs() < 1e-5, "{} column {j}: mean {mean}", data.name());
            if raw_std == 0.0 {
                assert_eq!(std, 0.0, "constant column stays constant (zeros)");
                assert_eq!(scaler.std()[j], 1.0);
            } else {
                assert!(
                    (std - 1.0).abs() < 1e-5,
                    "{} column {j}: std {std}",
                    data.name()
                );
            }
        }
        // The test set is transformed with the training statistics, not its own.
        let scaled_test = scaler.transform_dataset(&test).unwrap();
        let (j, v) = (3, test.features()[[0, 3]]);
        let expected = (v - scaler.mean()[j]) / scaler.std()[j];
        assert_eq!(scaled_test.features()[[0, j]], expected);
        assert_eq!(scaled_test.targets(), test.targets());
    }
}

#[test]
fn digits_has_constant_columns_that_standardize_to_zero() {
    let data = digits();
    let scaler = Standardizer::fit_dataset(&data).unwrap();
    // Pixel 0 (top-left corner) is 0 in every image.
    assert_eq!(scaler.mean()[0], 0.0);
    assert_eq!(scaler.std()[0], 1.0);
    let scaled = scaler.transform(data.features()).unwrap();
    assert!(scaled.column(0).iter().all(|&v| v == 0.0));
    assert!(scaled.iter().all(|v| v.is_finite()));
}

#[test]
fn standardizer_constant_nonzero_column_and_inverse() {
    let x = array![[0.1_f32, 1.0], [0.1, 2.0], [0.1, 4.0]];
    let scaler = Standardizer::fit(&x).unwrap();
    assert_eq!(scaler.mean()[0], 0.1);
    assert_eq!(scaler.std()[0], 1.0);
    let scaled = scaler.transform(&x).unwrap();
    assert!(scaled.column(0).iter().all(|&v| v == 0.0));
    let back = scaler.inverse_transform(&scaled).unwrap();
    for (a, b) in back.iter().zip(&x) {
        assert!((a - b).abs() < 1e-6);
    }
    let mut in_place = x.clone();
    scaler.transform_in_place(&mut in_place).unwrap();
    assert_eq!(in_place, scaled);
}

#[test]
fn standardizer_errors() {
    let scaler = Standardizer::fit(&array![[1.0_f32, 2.0], [3.0, 5.0]]).unwrap();
    let wrong = Array2::<f32>::zeros((2, 3));
    assert!(matches!(
        scaler.transform(&wrong),
        Err(Error::ShapeMismatch {
            expected: 2,
            found: 3,
            ..
        })
    ));
    assert!(Standardizer::fit(&Array2::<f32>::zeros((0, 3))).is_err());
    let nan = array![[1.0_f32, f32::NAN]];
    assert!(matches!(
        Standardizer::fit(&nan),
        Err(Error::NonFiniteValue {
            row: 0,
            column: 1,
            ..
        })
    ));
}

#[test]
fn one_hot_encoding() {
    let encoded = one_hot(&[2, 0, 1], 3).unwrap();
    assert_eq!(
        encoded,
        array![[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    );
    assert!(one_hot(&[0, 3], 3).is_err());
    let digits_one_hot = digits().one_hot().unwrap();
    assert_eq!(digits_one_hot.dim(), (1797, 10));
    assert!(digits_one_hot.rows().into_iter().all(|r| r.sum() == 1.0));
    assert_eq!(digits_one_hot[[0, 0]], 1.0);
}

#[test]
fn xor_is_the_reference_data() {
    let data = xor();
    assert_eq!(
        data.features(),
        &array![[-1.0_f32, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]]
    );
    assert_eq!(data.target_column(), array![[0.0_f32], [1.0], [1.0], [0.0]]);
    assert_eq!(data.target_column().dim(), (4, 1));
    assert_eq!(
        data.one_hot().unwrap(),
        array![[1.0_f32, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 0.0]]
    );
    assert_eq!(data.labels(), Some(&[0, 1, 1, 0][..]));
    assert_eq!(data.n_classes(), Some(2));
    assert_eq!(xor::scalar_targets(), data.target_column());
    assert_eq!(xor::one_hot_targets(), data.one_hot().unwrap());
    assert_eq!(&xor::inputs_centered(), data.features());
    // The targets are XOR of the inputs read as bits (1 = high).
    for (row, label) in data.features().rows().into_iter().zip(xor::LABELS) {
        assert_eq!(usize::from((row[0] > 0.0) != (row[1] > 0.0)), label);
    }
}

#[test]
fn xor_binary_inputs() {
    let data = initsift_data::xor_binary();
    assert_eq!(
        data.features(),
        &array![[0.0_f32, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    );
    assert_eq!(data.targets(), xor().targets());
    // Centered = 2 · binary − 1, row for row.
    assert_eq!(
        data.features().mapv(|v| 2.0 * v - 1.0),
        xor::inputs_centered()
    );
}

#[test]
fn dataset_new_checks_shapes() {
    let x = Array2::<f32>::zeros((3, 2));
    let names = || vec!["a".to_string(), "b".to_string()];
    let classes = |labels: Vec<usize>, n_classes| Targets::Classes { labels, n_classes };
    assert!(Dataset::new("ok", names(), x.clone(), classes(vec![0, 1, 0], 2)).is_ok());
    assert!(Dataset::new("rows", names(), x.clone(), classes(vec![0, 1], 2)).is_err());
    assert!(
        Dataset::new(
            "names",
            vec!["a".into()],
            x.clone(),
            classes(vec![0, 1, 0], 2)
        )
        .is_err()
    );
    assert!(Dataset::new("label", names(), x.clone(), classes(vec![0, 2, 0], 2)).is_err());
    let real = Targets::Real(Array1::from(vec![0.5, 1.5, 2.5]));
    let data = Dataset::new("real", names(), x, real).unwrap();
    assert_eq!(data.target_column(), array![[0.5_f32], [1.5], [2.5]]);
    assert!(data.check_width(2).is_ok());
    let message = data.check_width(64).unwrap_err().to_string();
    assert!(
        message.contains("real") && message.contains("64"),
        "{message}"
    );
}
