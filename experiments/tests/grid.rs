//! The grid's ids: parsing, bad input, and each scheme's plan drawing from its law.

use experiments::grid::{Grid, GridError, OptimizerId, SchemeId, SelectionId};
use initsift_batch::Preset;
use initsift_init::Stream;

#[test]
fn every_id_round_trips() {
    for s in SchemeId::ALL {
        assert_eq!(s.id().parse::<SchemeId>().unwrap(), s);
    }
    for o in OptimizerId::ALL {
        assert_eq!(o.id().parse::<OptimizerId>().unwrap(), o);
    }
    let grid = Grid::full();
    for sel in &grid.selections {
        assert_eq!(sel.to_string().parse::<SelectionId>().unwrap(), *sel);
    }
    // 1 random + 5 best-of + 16 percentile; 9 variants at each of 2 budgets.
    assert_eq!(SelectionId::main_grid().len(), 22);
    assert_eq!(SelectionId::variants().len(), 18);
    assert_eq!(OptimizerId::Sgd.lr_grid(), [0.03, 0.1, 0.3]);
}

#[test]
fn the_full_grid_has_every_cell_once() {
    let cells = Grid::full().cells().unwrap();
    // Main rules: 3 presets × 10 schemes × 3 optimizers × 3 rates × 22; variants: relu1 and
    // relu2 × normal_0.5 × 3 optimizers × reference rate × 18.
    assert_eq!(cells.len(), 3 * 10 * 3 * 3 * 22 + 2 * 3 * 18);
    let mut ids: Vec<String> = cells.iter().map(|c| c.id()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), cells.len());
}

#[test]
fn bad_ids_are_typed_errors_that_list_the_known_ones() {
    let e = "glorot".parse::<SchemeId>().unwrap_err();
    assert!(e.to_string().contains("xavier_uniform") && e.to_string().contains("`glorot`"));
    let e = "adagrad".parse::<OptimizerId>().unwrap_err();
    assert!(e.to_string().contains("adam, sgd, rmsprop"));
    assert!(matches!(
        "best_of_0".parse::<SelectionId>(),
        Err(GridError::ZeroCount { what: "K", .. })
    ));
    assert!(matches!(
        "percentile_5_of_0".parse::<SelectionId>(),
        Err(GridError::ZeroCount { what: "N", .. })
    ));
    for p in ["0", "100", "150", "2.5"] {
        assert!(
            matches!(
                format!("percentile_{p}_of_100").parse::<SelectionId>(),
                Err(GridError::Percentile { .. })
            ),
            "{p}"
        );
    }
    assert!(matches!(
        "best_of_ten".parse::<SelectionId>(),
        Err(GridError::UnknownSelection { .. })
    ));
    assert!(matches!(
        "refine_5".parse::<SelectionId>(),
        Err(GridError::SmallBudget { .. })
    ));
    assert!(matches!(
        Grid::parse(&["relu3"], &[], &[], &[]),
        Err(GridError::UnknownPreset { .. })
    ));
}

#[test]
fn an_empty_grid_is_an_error() {
    let mut g = Grid::full();
    g.schemes.clear();
    assert!(matches!(g.cells(), Err(GridError::Empty { .. })));
    // Variants only on abs1: no cell is left.
    let g = Grid::parse(&["abs1"], &[], &["refine_100"], &[]).unwrap();
    let e = g.cells().unwrap_err();
    assert!(e.to_string().contains("empty"), "{e}");
}

/// Standard deviations of the first layer's weights and biases over 20 000 draws.
fn first_layer_std(preset: Preset, scheme: SchemeId) -> (f64, f64) {
    let plan = scheme.plan(preset);
    let stream = Stream::new(&preset.spec(), &plan, 5).unwrap();
    let (mut w, mut b) = (Vec::new(), Vec::new());
    for i in 0..20_000 {
        let p = stream.candidate(i);
        w.extend(p[..4].iter().map(|&x| f64::from(x)));
        b.extend(p[4..6].iter().map(|&x| f64::from(x)));
    }
    let std = |v: &[f64]| (v.iter().map(|x| x * x).sum::<f64>() / v.len() as f64).sqrt();
    (std(&w), std(&b))
}

#[test]
fn each_scheme_draws_from_its_law() {
    // relu1's first layer is Linear(2, 2): fan_in = fan_out = 2. Root mean squares of the
    // laws: N(0, 0.5²) 0.5; torch default U(±1/√2) 1/√6 (bias too); Xavier 2/(2+2) → √½;
    // Kaiming with the ReLU gain √2/√2 = 1; LeCun √½; orthogonal rows of a 2×2 orthogonal
    // matrix, E[w²] = ½; sparse: half of each column 0, the rest N(0, 0.5²), √(½·¼).
    let half = 0.5f64.sqrt();
    let want = [
        (SchemeId::Normal05, 0.5, 0.0),
        (SchemeId::TorchDefault, 1.0 / 6f64.sqrt(), 1.0 / 6f64.sqrt()),
        (SchemeId::XavierUniform, half, 0.0),
        (SchemeId::XavierNormal, half, 0.0),
        (SchemeId::KaimingUniform, 1.0, 0.0),
        (SchemeId::KaimingNormal, 1.0, 0.0),
        (SchemeId::LecunNormal, half, 0.0),
        (SchemeId::Orthogonal, half, 0.0),
        (SchemeId::Sparse, (0.5f64 * 0.25).sqrt(), 0.0),
        (SchemeId::Zeros, 0.0, 0.0),
    ];
    for (scheme, w_rms, b_rms) in want {
        let (w, b) = first_layer_std(Preset::Relu1, scheme);
        // 80 000 weights: the RMS's relative standard error is at most ~0.4 % for these laws;
        // 2 % is five of them.
        assert!(
            (w - w_rms).abs() <= 0.02 * w_rms + 1e-12,
            "{scheme}: weights {w} vs {w_rms}"
        );
        assert!(
            (b - b_rms).abs() <= 0.02 * b_rms + 1e-12,
            "{scheme}: biases {b} vs {b_rms}"
        );
    }
    // Orthogonal: each draw's rows are orthonormal (not only right on average).
    let s = Stream::new(
        &Preset::Relu1.spec(),
        &SchemeId::Orthogonal.plan(Preset::Relu1),
        5,
    )
    .unwrap();
    let p = s.candidate(3);
    let dot = p[0] * p[2] + p[1] * p[3];
    assert!(dot.abs() < 1e-5 && (p[0] * p[0] + p[1] * p[1] - 1.0).abs() < 1e-5);
    // Sparse: exactly one of the two rows is zero in each column.
    let s = Stream::new(
        &Preset::Relu1.spec(),
        &SchemeId::Sparse.plan(Preset::Relu1),
        5,
    )
    .unwrap();
    for i in 0..100 {
        let p = s.candidate(i);
        for col in 0..2 {
            let zeros = [p[col], p[2 + col]].iter().filter(|&&x| x == 0.0).count();
            assert_eq!(zeros, 1, "draw {i}, column {col}");
        }
    }
}

#[test]
fn normal_half_on_relu2_is_the_write_ups_plan() {
    assert_eq!(
        SchemeId::Normal05.plan(Preset::Relu2).layers,
        Preset::Relu2.plan().layers
    );
}
