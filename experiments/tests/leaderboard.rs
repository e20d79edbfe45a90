//! The leaderboard's machinery on constructed cases: the rank with ties, pass counting, the
//! censored epochs-to-target median, and entries whose inits must equal the library calls.

use experiments::leaderboard::entry::Method;
use experiments::leaderboard::init::make_inits;
use experiments::leaderboard::passes::Passes;
use experiments::leaderboard::rank::ranks_with_ties;
use experiments::leaderboard::summary::{EpochsToTarget, final_test};
use experiments::leaderboard::task::{BoardTask, Metric};
use experiments::leaderboard::train::{Reach, RunRecord};
use experiments::real::arm::Pick;
use initsift_batch::Isa;
use initsift_datadep::{
    Data, DataDependent, Divergence, LsuvConfig, NioConfig, StepKind, Trace, TraceStep, initialize,
};
use initsift_init::{InitPlan, Stream};
use ndarray::Axis;

#[test]
fn ranks_tie_where_intervals_overlap() {
    // A and B overlap (both rank 1); D is wide and overlaps both, so nobody beats it; C lies
    // wholly below A and B (two entries beat it) but overlaps D.
    let a = (0.93, (0.90, 0.95));
    let b = (0.94, (0.92, 0.97));
    let c = (0.55, (0.50, 0.60));
    let d = (0.70, (0.55, 0.93));
    assert_eq!(ranks_with_ties(&[a, b, c, d], true), vec![1, 1, 3, 1]);
    // Lower is better: the same intervals read the other way round.
    assert_eq!(ranks_with_ties(&[a, b, c, d], false), vec![2, 2, 1, 1]);
    // Disjoint intervals give 1, 2, 3; a non-finite entry comes after every finite one.
    let e = (f64::NAN, (f64::NAN, f64::NAN));
    let ranks = ranks_with_ties(
        &[(1.0, (0.9, 1.1)), (2.0, (1.9, 2.1)), e, (3.0, (2.9, 3.1))],
        false,
    );
    assert_eq!(ranks, vec![1, 2, 4, 3]);
    // Touching intervals overlap (a tie), not a win.
    assert_eq!(
        ranks_with_ties(&[(1.0, (0.5, 1.5)), (2.0, (1.5, 2.5))], true),
        vec![1, 1]
    );
}

fn step(iteration: usize, kind: StepKind) -> TraceStep {
    TraceStep {
        iteration,
        kind,
        objective: Some(1.0),
        constraint: None,
        scales: Vec::new(),
        seconds: 0.0,
    }
}

fn trace(method: &str, kinds: &[StepKind], diverged: bool) -> Trace {
    Trace {
        method: method.to_string(),
        steps: kinds.iter().enumerate().map(|(i, &k)| step(i, k)).collect(),
        diverged: diverged.then(|| Divergence {
            iteration: kinds.len(),
            quantity: "objective".to_string(),
        }),
        seconds: 0.0,
    }
}

fn passes(scoring: u64, f: u64, b: u64, h: u64) -> Passes {
    Passes {
        scoring_forward: scoring,
        batch_forward: f,
        batch_backward: b,
        batch_higher_order: h,
    }
}

#[test]
fn passes_are_counted_from_what_each_method_does() {
    use StepKind::{Constraint, Objective, Rescale};
    // GradInit: 2 constraint steps (f, b, second-order each) + 3 objective steps (2 f, 2 b).
    let gi = trace(
        "grad_init",
        &[Constraint, Constraint, Objective, Objective, Objective],
        false,
    );
    assert_eq!(Passes::of_trace(&gi), passes(0, 2 + 6, 2 + 6, 2));
    // NIO: every step one forward, one backward and one second-order sweep; a divergence
    // adds the forward and backward that found it.
    let nio = trace("nio", &[Constraint, Objective, Objective], true);
    assert_eq!(Passes::of_trace(&nio), passes(0, 4, 4, 3));
    // MetaInit: Hg and ∇GQ are two higher-order sweeps per step.
    let mi = trace("meta_init", &[Objective; 4], false);
    assert_eq!(Passes::of_trace(&mi), passes(0, 4, 4, 8));
    // LSUV: one forward pass per layer measured, however many rescales it took.
    let l = |layer| Rescale { layer };
    let lsuv = trace("lsuv", &[l(0), l(0), l(0), l(2), l(4)], false);
    assert_eq!(Passes::of_trace(&lsuv), passes(0, 3, 0, 0));
    // best-of-K: K forward passes over the training rows; row-passes weigh each by its rows.
    let both = Passes::scoring(100).plus(Passes::of_trace(&nio));
    assert_eq!(both, passes(100, 4, 4, 3));
    assert_eq!(both.row_passes(1000, 64), 100 * 1000 + 11 * 64);
}

fn record(curve: &[f64], test: f64) -> RunRecord {
    RunRecord {
        initial_loss: 3.0,
        checkpoints: vec![curve[0]],
        final_loss: *curve.last().unwrap(),
        final_test: test,
        reach: Reach::Curve(curve.to_vec()),
        epochs: curve.len(),
    }
}

#[test]
fn epochs_to_target_is_a_censored_median_and_success_a_wilson_rate() {
    let runs = [
        record(&[3.0, 2.0, 1.0], 1.0),
        record(&[3.0, 0.5, 0.4], 1.0),
        record(&[3.0, 3.0, 3.0], 0.0),
        record(&[0.9, 0.5, 0.4], 0.0),
    ];
    let e = EpochsToTarget::of(&runs, 1.0, 7);
    // Epochs 3, 2, never, 1: sorted 1, 2, 3, ∞; the lower median is 2.
    assert_eq!((e.reached, e.median), (3, Some(2)));
    let (lo, hi) = e.median_ci95.unwrap();
    assert!((1.0..=2.0).contains(&lo) && hi >= 2.0, "{lo} {hi}");
    // Half reach 0.45 (at epoch 3): the lower median is 3; nobody reaches 0.35: "never".
    assert_eq!(EpochsToTarget::of(&runs, 0.45, 7).median, Some(3));
    let none = EpochsToTarget::of(&runs, 0.35, 7);
    assert_eq!((none.reached, none.median), (0, None));
    assert_eq!(none.median_ci95, Some((f64::INFINITY, f64::INFINITY)));
    let s = final_test(&runs, Metric::SuccessRate);
    assert_eq!(s.mean, 0.5);
    assert_eq!(
        s.ci95,
        experiments::stats::wilson(2, 4, experiments::stats::Z95)
    );
    // Accuracy is a plain mean with ±1.96 s.e.
    assert_eq!(final_test(&runs, Metric::Accuracy).mean, 0.5);
}

/// Run `r`'s torch_default draw, from initsift-init directly.
fn torch_default_draw(task: &BoardTask, r: usize) -> Vec<f32> {
    let plan = InitPlan::torch_default(&task.spec);
    Stream::new(&task.spec, &plan, task.stream_seed("torch_default", r))
        .unwrap()
        .candidate(0)
}

#[test]
fn data_dependent_entries_equal_the_library_call_on_the_same_base_and_batch() {
    let isa = Isa::select(None).unwrap();
    for name in ["iris", "relu2"] {
        let task = BoardTask::from_name(name, 2025, isa).unwrap();
        let x = task.x_train.select(Axis(0), &task.batch_rows);
        let y = task.y_train.select(Axis(0), &task.batch_rows);
        let data = Data::new(x.view(), y.view(), task.loss);
        let runs = 3;
        let lsuv = make_inits(
            &task,
            &Method::DataDependent(DataDependent::Lsuv(LsuvConfig::default())),
            runs,
            None,
        )
        .unwrap();
        let nio = DataDependent::Nio(NioConfig::default());
        let nio_inits = make_inits(&task, &Method::DataDependent(nio.clone()), runs, None).unwrap();
        for r in 0..runs {
            let base = torch_default_draw(&task, r);
            let config = DataDependent::Lsuv(LsuvConfig {
                orthonormal_seed: Some(task.stream_seed("lsuv", r)),
                ..LsuvConfig::default()
            });
            let (want, trace) = initialize(&task.spec, &base, data, &config).unwrap();
            assert_eq!(lsuv[r].params, want, "{name} run {r}: LSUV");
            assert_eq!(lsuv[r].passes, Passes::of_trace(&trace));
            let (want, _) = initialize(&task.spec, &base, data, &nio).unwrap();
            assert_eq!(nio_inits[r].params, want, "{name} run {r}: NIO");
        }
        // Runs draw different LSUV pre-inits (the default's fixed seed would repeat one).
        assert_ne!(lsuv[0].params, lsuv[1].params);
    }
}

#[test]
fn combinations_build_on_the_entries_they_combine() {
    let isa = Isa::select(None).unwrap();
    let task = BoardTask::from_name("breast_cancer", 2025, isa).unwrap();
    let batch = task.batch();
    let data = task.data(&batch);
    let runs = 2;
    let plain = make_inits(&task, &Method::Scheme("torch_default"), runs, None).unwrap();
    let best = make_inits(&task, &Method::Select(Pick::BestOf(10)), runs, None).unwrap();
    let then_nio = make_inits(&task, &Method::BestOfThenNio(10), runs, None).unwrap();
    for r in 0..runs {
        assert_eq!(plain[r].params, torch_default_draw(&task, r));
        // best-of-10 then NIO is NIO on exactly the best_of_10 entry's pick.
        let nio = DataDependent::Nio(NioConfig::default());
        let (want, _) = initialize(&task.spec, &best[r].params, data, &nio).unwrap();
        assert_eq!(then_nio[r].params, want);
        assert_eq!(best[r].passes, Passes::scoring(10));
    }
    // The best of 10 includes the plain draw (candidate 0), so its initial loss is no higher.
    let scorer = task.scorer().unwrap();
    let loss = |p: &[f32]| {
        let mut out = [initsift_init::select::Score::NAN];
        scorer.score_params(p, false, &mut out).unwrap();
        out[0].loss
    };
    for r in 0..runs {
        assert!(loss(&best[r].params) <= loss(&plain[r].params));
    }
    // LSUV then best-of-K costs K forward passes on the training rows plus K LSUV runs.
    let lsuv_best = make_inits(&task, &Method::LsuvThenBestOf(4), 1, None).unwrap();
    assert_eq!(lsuv_best[0].passes, passes(4, 4 * 2, 0, 0));
}
