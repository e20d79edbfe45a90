//! The grid's selection rules, held to their definitions on the engine scorer: best-of-K is
//! the minimum of K fresh draws, percentile picks lie at or below the sample quantile, the plain
//! draw is the stream's own candidates, and `zeros` never succeeds.

use experiments::grid::{
    Grid, OptimizerId, RunOptions, SchemeId, SelectionId, Source, choose, run_cells, xor_scorer,
};
use initsift_batch::Isa;
use initsift_batch::Preset;
use initsift_init::Stream;
use initsift_init::select::{EngineScorer, Score, Scorer};
use initsift_nn::Loss;
use ndarray::Array2;

fn engine(preset: Preset) -> EngineScorer {
    let x = initsift_data::xor::inputs_centered();
    let y = Array2::from_shape_vec((4, preset.output_len()), preset.targets()).unwrap();
    EngineScorer::new(&preset.spec(), Loss::Mse, x.view(), y.view()).unwrap()
}

fn losses(scorer: &dyn Scorer, stream: &Stream, first: u64, n: usize) -> Vec<f32> {
    let mut out = vec![Score::NAN; n];
    scorer.score_stream(stream, first, false, &mut out).unwrap();
    out.iter().map(|s| s.loss).collect()
}

#[test]
fn best_of_k_is_the_minimum_of_k_fresh_draws() {
    let isa = Isa::select(None).unwrap();
    for (preset, scheme) in [
        (Preset::Relu1, SchemeId::Normal05),
        (Preset::Relu2, SchemeId::XavierUniform),
        (Preset::Relu1, SchemeId::Orthogonal),
    ] {
        let fused = xor_scorer(preset, isa).unwrap();
        let src = Source::new(preset, scheme, fused.as_ref(), 3).unwrap();
        let (k, runs) = (50usize, 20usize);
        let chosen = choose(&src, SelectionId::BestOf { k: k as u64 }, runs).unwrap();
        assert_eq!(chosen.draws, (k * runs) as u64);
        let stream = src.stream(&format!("best_of_{k}"));
        let slow = engine(preset);
        let p = preset.param_len();
        for r in 0..runs {
            let l = losses(&slow, &stream, (r * k) as u64, k);
            let (arg, min) =
                l.iter().enumerate().fold(
                    (0, f32::INFINITY),
                    |b, (i, &x)| if x < b.1 { (i, x) } else { b },
                );
            assert_eq!(
                &chosen.inits[r * p..(r + 1) * p],
                &stream.candidate((r * k + arg) as u64)[..],
                "{preset}/{scheme} run {r}"
            );
            assert!((chosen.scores[r].loss - min).abs() <= 1e-6 * min.max(1.0));
        }
    }
}

#[test]
fn percentile_picks_lie_at_or_below_the_sample_quantile() {
    let isa = Isa::select(None).unwrap();
    let preset = Preset::Relu1;
    let fused = xor_scorer(preset, isa).unwrap();
    let src = Source::new(preset, SchemeId::KaimingNormal, fused.as_ref(), 4).unwrap();
    let (pct, n, runs) = (10u32, 200u64, 40usize);
    let chosen = choose(&src, SelectionId::Percentile { p: pct, n }, runs).unwrap();
    assert_eq!(chosen.draws, n * runs as u64);
    let slow = engine(preset);
    let mut at_minimum = 0;
    for r in 0..runs {
        let stream = src.stream(&format!("percentile_{pct}_of_{n}/run{r}"));
        let mut l: Vec<f64> = losses(&slow, &stream, 0, n as usize)
            .into_iter()
            .map(f64::from)
            .collect();
        l.sort_by(f64::total_cmp);
        let h = (l.len() - 1) as f64 * f64::from(pct) / 100.0;
        let q = l[h.floor() as usize]
            + (h - h.floor()) * (l[h.ceil() as usize] - l[h.floor() as usize]);
        let pick = f64::from(chosen.scores[r].loss);
        assert!(
            pick <= q + 1e-6,
            "run {r}: pick {pick} above the 10 % quantile {q}"
        );
        at_minimum += usize::from((pick - l[0]).abs() < 1e-7);
    }
    // Uniform over a good set of ~20: the minimum about 1 run in 20, not every time.
    assert!(
        at_minimum < runs / 2,
        "{at_minimum} of {runs} picks were the minimum"
    );
}

#[test]
fn the_plain_draw_is_the_streams_own_candidates() {
    let isa = Isa::select(None).unwrap();
    let preset = Preset::Relu2;
    let fused = xor_scorer(preset, isa).unwrap();
    let src = Source::new(preset, SchemeId::Sparse, fused.as_ref(), 6).unwrap();
    let chosen = choose(&src, SelectionId::Random, 33).unwrap();
    let stream = src.stream("random");
    for r in 0..33 {
        assert_eq!(
            &chosen.inits[r * 12..(r + 1) * 12],
            &stream.candidate(r as u64)[..]
        );
    }
}

#[test]
fn zeros_never_succeeds() {
    let mut grid = Grid::parse(
        &["abs1", "relu1", "relu2"],
        &["zeros"],
        &["random", "best_of_10"],
        &[],
    )
    .unwrap();
    grid.lr_factors = vec![0.3, 1.0, 3.0];
    let cells = grid.cells().unwrap();
    assert_eq!(cells.len(), 3 * 3 * 3 * 2);
    let opts = RunOptions {
        runs: 16,
        seed: 1,
        isa: Isa::select(None).unwrap(),
    };
    for r in run_cells(&cells, opts).unwrap() {
        assert_eq!(r.summary.successes, 0, "{}", r.cell.id());
        assert_eq!(r.summary.runs, 16);
    }
    assert_eq!(OptimizerId::ALL.len(), 3);
}
