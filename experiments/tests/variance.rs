//! The variance sweep's init and grid: drawn weights have variance c·2/fan_in, biases are 0, and
//! bad grids are refused with the bad value named.

use experiments::variance::{default_grid, parse_grid, scaled_he_plan};
use initsift_init::Stream;
use initsift_nn::{Activation, ModelSpec, ParamKind};

#[test]
fn drawn_weights_have_variance_c_times_two_over_fan_in() {
    let spec = ModelSpec::mlp("64-32-10", Activation::Relu).unwrap();
    let candidates = 200u64;
    for c in [0.125, 1.0, 8.0] {
        let stream = Stream::new(&spec, &scaled_he_plan(&spec, c), 7).unwrap();
        let draws: Vec<Vec<f32>> = (0..candidates).map(|i| stream.candidate(i)).collect();
        for block in spec.param_layout() {
            let values = draws
                .iter()
                .flat_map(|p| p[block.offset..block.offset + block.rows * block.cols].iter());
            match block.kind {
                ParamKind::Bias => assert!(values.into_iter().all(|&v| v == 0.0), "{}", block.name),
                ParamKind::Weight => {
                    let v: Vec<f64> = values.map(|&v| f64::from(v)).collect();
                    let n = v.len() as f64;
                    let mean = v.iter().sum::<f64>() / n;
                    // The mean is known (0): the second moment estimates the variance, with
                    // standard error σ²·√(2/n) for a normal sample.
                    let var = v.iter().map(|x| x * x).sum::<f64>() / n;
                    let want = c * 2.0 / block.fan_in as f64;
                    let se = want * (2.0 / n).sqrt();
                    assert!(
                        (var - want).abs() < 5.0 * se,
                        "c = {c}, {}: variance {var} vs {want} (se {se})",
                        block.name
                    );
                    assert!(
                        mean.abs() < 5.0 * (want / n).sqrt(),
                        "{}: mean {mean}",
                        block.name
                    );
                }
            }
        }
    }
}

#[test]
fn scaled_draws_share_their_standard_normals_across_c() {
    // Run r at every c starts from the same draws, scaled: the sweep's pairing relies on it.
    let spec = ModelSpec::mlp("64-32-10", Activation::Relu).unwrap();
    let at = |c: f64| {
        Stream::new(&spec, &scaled_he_plan(&spec, c), 11)
            .unwrap()
            .candidate(3)
    };
    let (one, four) = (at(1.0), at(4.0));
    for (a, b) in one.iter().zip(&four) {
        assert!(
            (2.0 * a - b).abs() <= 1e-6 * b.abs().max(1e-6),
            "{a} vs {b}"
        );
    }
}

#[test]
fn the_default_grid_spans_an_eighth_to_eight_with_he_in_it() {
    let g = default_grid();
    assert!(g.len() >= 9);
    assert_eq!(g[0], 0.125);
    assert_eq!(*g.last().unwrap(), 8.0);
    assert!(g.contains(&1.0));
    assert!(
        g.windows(2)
            .all(|w| (w[1] / w[0] - g[1] / g[0]).abs() < 1e-12),
        "log-spaced"
    );
}

#[test]
fn bad_grids_are_refused_naming_the_value() {
    assert_eq!(parse_grid("2, 1,0.5").unwrap(), vec![0.5, 1.0, 2.0]);
    for (text, needle) in [
        ("", "empty"),
        (" , ", "empty"),
        ("0,1", "c = 0"),
        ("-1,1", "c = -1"),
        ("NaN,1", "c = NaN"),
        ("inf,1", "c = inf"),
        ("x,1", "`x`"),
        ("0.5,2", "lacks c = 1"),
    ] {
        let e = parse_grid(text).unwrap_err().to_string();
        assert!(e.contains(needle), "{text:?}: {e}");
    }
}
