//! Selection strategies on cases with known answers, with the engine as scorer.

use initsift_init::select::{
    Adaptive, BestOfN, Diversity, EngineScorer, GradientFilter, Informed, MultiObjective, Origin,
    Percentile, PercentilePick, Refine, Score, ScoreError, Scorer, SelectError, Side, Status,
    Strategy, Threshold, Transfer, select,
};
use initsift_init::{InitPlan, Stream};
use initsift_nn::{Loss, ModelSpec};
use ndarray::array;

fn relu1() -> (EngineScorer, Stream) {
    let spec = ModelSpec::relu1();
    let x = array![[-1.0f32, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]];
    let y = array![[0.0f32], [1.0], [1.0], [0.0]];
    let scorer = EngineScorer::new(&spec, Loss::Mse, x.view(), y.view()).unwrap();
    (scorer, Stream::new(&spec, &InitPlan::relu1(), 11).unwrap())
}

fn losses(scorer: &EngineScorer, stream: &Stream, n: usize) -> Vec<f32> {
    let mut out = vec![Score::NAN; n];
    scorer.score_stream(stream, 0, false, &mut out).unwrap();
    out.iter().map(|s| s.loss).collect()
}

fn index_of(o: &Origin) -> u64 {
    match o {
        Origin::Stream { candidate } => candidate.index,
        other => panic!("not a stream pick: {other:?}"),
    }
}

#[test]
fn engine_scores_equal_the_formula_on_relu1() {
    // relu1 with zero biases: output = relu(w0·x) + relu(w1·x); loss = mean (out − y)².
    let (scorer, stream) = relu1();
    for i in 0..50 {
        let p = stream.candidate(i);
        let xs = [[-1.0f32, -1.0], [1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]];
        let ys = [0.0f32, 1.0, 1.0, 0.0];
        let mut l = 0.0f64;
        for (x, y) in xs.iter().zip(ys) {
            let u0 = (p[0] * x[0] + p[1] * x[1] + p[4]).max(0.0);
            let u1 = (p[2] * x[0] + p[3] * x[1] + p[5]).max(0.0);
            l += f64::from(u0 + u1 - y).powi(2) / 4.0;
        }
        let got = losses(&scorer, &stream, 50)[i as usize];
        assert!((f64::from(got) - l).abs() < 1e-6, "{i}: {got} vs {l}");
    }
}

#[test]
fn best_of_n_is_the_group_minimum() {
    let (scorer, stream) = relu1();
    let all = losses(&scorer, &stream, 300);
    let sel = select(
        &Strategy::BestOfN(BestOfN { n: 100, count: 3 }),
        &scorer,
        &stream,
    )
    .unwrap();
    assert_eq!(sel.draws, 300);
    for (g, pick) in sel.picks.iter().enumerate() {
        let group = &all[g * 100..(g + 1) * 100];
        let (j, min) = group
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .unwrap();
        assert_eq!(index_of(&pick.origin), (g * 100 + j) as u64);
        assert_eq!(pick.score.loss, *min);
    }
}

#[test]
fn percentile_threshold_is_the_empirical_quantile() {
    let (scorer, stream) = relu1();
    let mut all: Vec<f64> = losses(&scorer, &stream, 10_000)
        .into_iter()
        .map(f64::from)
        .collect();
    all.sort_by(f64::total_cmp);
    // numpy.percentile(…, 10) with linear interpolation, written out independently.
    let h = (all.len() - 1) as f64 * 0.10;
    let q = all[h as usize] + h.fract() * (all[h as usize + 1] - all[h as usize]);
    let strategy = Strategy::Percentile(Percentile {
        n: 10_000,
        percentile: 10.0,
        pick: PercentilePick::Best,
        count: 5,
    });
    let sel = select(&strategy, &scorer, &stream).unwrap();
    assert!(
        (sel.threshold.unwrap() - q).abs() < 1e-7,
        "{:?} vs {q}",
        sel.threshold
    );
    assert_eq!(sel.picks[0].score.loss as f64, all[0]);
    let uniform = Strategy::Percentile(Percentile {
        n: 10_000,
        percentile: 10.0,
        pick: PercentilePick::Uniform,
        count: 50,
    });
    let sel = select(&uniform, &scorer, &stream).unwrap();
    assert_eq!(sel.picks.len(), 50);
    assert!(sel.picks.iter().all(|p| f64::from(p.score.loss) <= q));
    // Uniform picks spread over the good set rather than taking its best.
    let worst = sel
        .picks
        .iter()
        .map(|p| p.score.loss)
        .fold(0.0f32, f32::max);
    assert!(f64::from(worst) > all[200], "uniform picks hug the minimum");
}

#[test]
fn adaptive_accepts_only_below_or_above_and_counts_draws() {
    let (scorer, stream) = relu1();
    let all = losses(&scorer, &stream, 5000);
    let below = Strategy::Adaptive(Adaptive {
        side: Side::Below,
        threshold: Threshold::Given { value: 0.325 },
        count: 20,
        budget: 5000,
    });
    let sel = select(&below, &scorer, &stream).unwrap();
    assert_eq!(sel.status, Status::Found);
    let accepted: Vec<u64> = all
        .iter()
        .enumerate()
        .filter(|(_, l)| f64::from(**l) < 0.325)
        .map(|(i, _)| i as u64)
        .take(20)
        .collect();
    assert_eq!(
        sel.picks
            .iter()
            .map(|p| index_of(&p.origin))
            .collect::<Vec<_>>(),
        accepted
    );
    assert_eq!(sel.draws, accepted[19] + 1);
    let above = Strategy::Adaptive(Adaptive {
        side: Side::Above,
        threshold: Threshold::Given { value: 0.468 },
        count: 20,
        budget: 5000,
    });
    let sel = select(&above, &scorer, &stream).unwrap();
    assert!(sel.picks.iter().all(|p| p.score.loss > 0.468));
    // An impossible target exhausts the budget and reports the best seen.
    let never = Strategy::Adaptive(Adaptive {
        side: Side::Below,
        threshold: Threshold::Given { value: -1.0 },
        count: 1,
        budget: 5000,
    });
    let sel = select(&never, &scorer, &stream).unwrap();
    assert_eq!(
        (sel.status, sel.draws, sel.picks.len()),
        (Status::BudgetExhausted, 5000, 0)
    );
    assert_eq!(
        sel.best.unwrap().score.loss,
        all.iter().copied().fold(f32::INFINITY, f32::min)
    );
}

#[test]
fn pilot_thresholds_come_from_an_independent_stream() {
    let (scorer, stream) = relu1();
    let best = Strategy::Adaptive(Adaptive {
        side: Side::Below,
        threshold: Threshold::BestOfPilot { pilot: 100 },
        count: 3,
        budget: 100_000,
    });
    let sel = select(&best, &scorer, &stream).unwrap();
    let thr = sel.threshold.unwrap();
    assert!(sel.picks.iter().all(|p| f64::from(p.score.loss) < thr));
    // Beating the best of 100 costs about 100 draws per acceptance (1/101 by exchangeability).
    assert!(sel.draws > 30, "{} draws", sel.draws);
    let pct = Strategy::Adaptive(Adaptive {
        side: Side::Below,
        threshold: Threshold::PilotPercentile {
            pilot: 20_000,
            percentile: 50.0,
        },
        count: 1,
        budget: 100,
    });
    let median = select(&pct, &scorer, &stream).unwrap().threshold.unwrap();
    // The median initial loss of relu1 under N(0, 0.5²) is 0.4924 (tr_xor_configs.md §7);
    // the pilot median's standard error at n = 20000 is about 0.003.
    assert!((median - 0.4924).abs() < 0.015, "{median}");
}

#[test]
fn gradient_filter_keeps_the_band() {
    let (scorer, stream) = relu1();
    let s = Strategy::GradientFilter(GradientFilter {
        n: 2000,
        min: 0.2,
        max: 0.6,
        count: 10,
    });
    let sel = select(&s, &scorer, &stream).unwrap();
    assert_eq!(sel.picks.len(), 10);
    assert!(
        sel.picks
            .iter()
            .all(|p| (0.2..=0.6).contains(&p.score.grad_norm))
    );
    assert!(
        sel.picks
            .windows(2)
            .all(|w| w[0].score.loss <= w[1].score.loss)
    );
}

fn mean_pairwise(points: &[Vec<f32>]) -> f64 {
    let mut total = 0.0;
    let mut count = 0;
    for i in 0..points.len() {
        for j in i + 1..points.len() {
            total += points[i]
                .iter()
                .zip(&points[j])
                .map(|(a, b)| f64::from(a - b).powi(2))
                .sum::<f64>()
                .sqrt();
            count += 1;
        }
    }
    total / count as f64
}

#[test]
fn diversity_picks_lie_farther_apart_than_random_good_picks() {
    let (scorer, stream) = relu1();
    let div = select(
        &Strategy::Diversity(Diversity {
            n: 5000,
            percentile: 20.0,
            count: 8,
        }),
        &scorer,
        &stream,
    )
    .unwrap();
    let spread = mean_pairwise(
        &div.picks
            .iter()
            .map(|p| p.params(&stream).unwrap())
            .collect::<Vec<_>>(),
    );
    let uniform = Strategy::Percentile(Percentile {
        n: 5000,
        percentile: 20.0,
        pick: PercentilePick::Uniform,
        count: 8,
    });
    let rand = select(&uniform, &scorer, &stream).unwrap();
    let random_spread = mean_pairwise(
        &rand
            .picks
            .iter()
            .map(|p| p.params(&stream).unwrap())
            .collect::<Vec<_>>(),
    );
    assert!(spread > 1.3 * random_spread, "{spread} vs {random_spread}");
    assert!(
        div.picks
            .iter()
            .all(|p| f64::from(p.score.loss) <= div.threshold.unwrap())
    );
}

#[test]
fn multi_objective_with_only_param_norm_takes_the_smallest_norm() {
    let (scorer, stream) = relu1();
    let s = Strategy::MultiObjective(MultiObjective {
        n: 1000,
        w_loss: 0.0,
        w_grad: 0.0,
        w_param: 1.0,
        count: 1,
    });
    let sel = select(&s, &scorer, &stream).unwrap();
    let norm = |i: u64| stream.candidate(i).iter().map(|v| v * v).sum::<f32>();
    let brute = (0..1000)
        .min_by(|a, b| norm(*a).total_cmp(&norm(*b)))
        .unwrap();
    assert_eq!(index_of(&sel.picks[0].origin), brute);
}

#[test]
fn refinement_and_informed_sampling_improve_and_regenerate() {
    let (scorer, stream) = relu1();
    let base = select(
        &Strategy::BestOfN(BestOfN { n: 200, count: 1 }),
        &scorer,
        &stream,
    )
    .unwrap()
    .picks[0]
        .score
        .loss;
    for s in [
        Strategy::Refine(Refine {
            n: 200,
            rounds: 6,
            per_round: 200,
            radius: 0.2,
            shrink: 0.5,
        }),
        Strategy::Informed(Informed {
            rounds: 5,
            per_round: 200,
            elite: 0.1,
        }),
    ] {
        let sel = select(&s, &scorer, &stream).unwrap();
        let pick = &sel.picks[0];
        assert!(
            pick.score.loss <= base,
            "{}: {} vs {base}",
            s.name(),
            pick.score.loss
        );
        assert!(
            pick.score.loss < base * 0.5,
            "{} did not improve much: {} vs {base}",
            s.name(),
            pick.score.loss
        );
        let params = pick.params(&stream).unwrap();
        let mut again = [Score::NAN];
        scorer.score_params(&params, false, &mut again).unwrap();
        assert_eq!(
            again[0].loss,
            pick.score.loss,
            "{}: regenerated params rescore differently",
            s.name()
        );
    }
}

#[test]
fn transfer_prefers_a_better_prior() {
    let (scorer, stream) = relu1();
    let solved = vec![0.5f32, -0.5, -0.5, 0.5, 0.0, 0.0];
    let s = Strategy::Transfer(Transfer {
        n: 100,
        priors: vec![vec![0.0; 6], solved.clone()],
    });
    let sel = select(&s, &scorer, &stream).unwrap();
    assert_eq!(
        sel.picks[0].origin,
        Origin::Prior {
            i: 1,
            params: solved.clone()
        }
    );
    assert_eq!(sel.picks[0].score.loss, 0.0);
    assert_eq!(sel.picks[0].params(&stream).unwrap(), solved);
    let bad = Strategy::Transfer(Transfer {
        n: 10,
        priors: vec![vec![0.0; 5]],
    });
    assert!(
        select(&bad, &scorer, &stream)
            .unwrap_err()
            .to_string()
            .contains("prior 0 has 5")
    );
}

/// A scorer that poisons every 7th candidate with NaN and every 11th with +inf.
struct Poisoned(EngineScorer);

impl Scorer for Poisoned {
    fn param_len(&self) -> usize {
        self.0.param_len()
    }
    fn model_name(&self) -> &str {
        self.0.model_name()
    }
    fn score_params(
        &self,
        params: &[f32],
        want_grad: bool,
        out: &mut [Score],
    ) -> Result<(), ScoreError> {
        self.0.score_params(params, want_grad, out)
    }
    fn score_stream(
        &self,
        stream: &Stream,
        first: u64,
        want_grad: bool,
        out: &mut [Score],
    ) -> Result<(), ScoreError> {
        self.0.score_stream(stream, first, want_grad, out)?;
        for (k, s) in out.iter_mut().enumerate() {
            let i = first + k as u64;
            if i.is_multiple_of(7) {
                s.loss = f32::NAN;
            } else if i.is_multiple_of(11) {
                s.loss = f32::INFINITY;
            }
        }
        Ok(())
    }
}

#[test]
fn nan_and_inf_never_win_and_are_counted() {
    let (scorer, stream) = relu1();
    let poisoned = Poisoned(scorer);
    let sel = select(
        &Strategy::BestOfN(BestOfN { n: 770, count: 1 }),
        &poisoned,
        &stream,
    )
    .unwrap();
    let expected_bad = (0..770u64)
        .filter(|i| i.is_multiple_of(7) || i.is_multiple_of(11))
        .count() as u64;
    assert_eq!(sel.nonfinite, expected_bad);
    let i = index_of(&sel.picks[0].origin);
    assert!(!i.is_multiple_of(7) && !i.is_multiple_of(11) && sel.picks[0].score.loss.is_finite());
    let sel = select(
        &Strategy::Percentile(Percentile {
            n: 770,
            percentile: 50.0,
            pick: PercentilePick::Best,
            count: 3,
        }),
        &poisoned,
        &stream,
    )
    .unwrap();
    assert!(sel.threshold.unwrap().is_finite());
}

#[test]
fn selections_do_not_depend_on_thread_count() {
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                let (scorer, stream) = relu1();
                let a = select(
                    &Strategy::Percentile(Percentile {
                        n: 70_000,
                        percentile: 1.0,
                        pick: PercentilePick::Uniform,
                        count: 20,
                    }),
                    &scorer,
                    &stream,
                )
                .unwrap();
                let b = select(
                    &Strategy::Adaptive(Adaptive {
                        side: Side::Below,
                        threshold: Threshold::Given { value: 0.0724 },
                        count: 30,
                        budget: 1_000_000,
                    }),
                    &scorer,
                    &stream,
                )
                .unwrap();
                (a, b)
            })
    };
    // Debug text compares bit patterns, NaN (an unrequested gradient norm) included.
    let one = format!("{:?}", run(1));
    assert_eq!(one, format!("{:?}", run(2)));
    assert_eq!(one, format!("{:?}", run(8)));
}

#[test]
fn bad_parameters_are_named() {
    let (scorer, stream) = relu1();
    let cases: Vec<(Strategy, &str)> = vec![
        (
            Strategy::BestOfN(BestOfN { n: 0, count: 1 }),
            "zero candidates",
        ),
        (
            Strategy::Percentile(Percentile {
                n: 10,
                percentile: 100.0,
                pick: PercentilePick::Best,
                count: 1,
            }),
            "(0, 100)",
        ),
        (
            Strategy::Percentile(Percentile {
                n: 10,
                percentile: 0.0,
                pick: PercentilePick::Best,
                count: 1,
            }),
            "(0, 100)",
        ),
        (
            Strategy::Diversity(Diversity {
                n: 100,
                percentile: 10.0,
                count: 50,
            }),
            "larger than the pool",
        ),
        (
            Strategy::MultiObjective(MultiObjective {
                n: 10,
                w_loss: 0.0,
                w_grad: 0.0,
                w_param: 0.0,
                count: 1,
            }),
            "all zero",
        ),
        (
            Strategy::Refine(Refine {
                n: 10,
                rounds: 1,
                per_round: 10,
                radius: 0.1,
                shrink: 1.5,
            }),
            "shrink",
        ),
        (
            Strategy::GradientFilter(GradientFilter {
                n: 10,
                min: 2.0,
                max: 1.0,
                count: 1,
            }),
            "ordered band",
        ),
    ];
    for (s, needle) in cases {
        let err = select(&s, &scorer, &stream).unwrap_err().to_string();
        assert!(err.contains(needle) && err.contains(s.name()), "{err}");
    }
    let other = Stream::new(&ModelSpec::relu2(), &InitPlan::relu2(), 1).unwrap();
    let err = select(
        &Strategy::BestOfN(BestOfN { n: 10, count: 1 }),
        &scorer,
        &other,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            SelectError::Score(ScoreError::ParamLength {
                expected: 6,
                actual: 12,
                ..
            })
        ) && err.to_string().contains("12"),
        "{err}"
    );
    let wide = ndarray::Array2::<f32>::zeros((4, 3));
    let y = ndarray::Array2::<f32>::zeros((4, 1));
    let err = EngineScorer::new(&ModelSpec::relu1(), Loss::Mse, wide.view(), y.view())
        .unwrap_err()
        .to_string();
    assert!(err.contains("takes 2") && err.contains("has 3"), "{err}");
}

#[test]
fn strategies_serialize_as_a_tag_beside_their_parameters() {
    // The JSON shape studies write and read: a "strategy" tag next to the parameters.
    let cases: Vec<(Strategy, &str)> = vec![
        (
            BestOfN { n: 100, count: 2 }.into(),
            r#"{"strategy":"best_of_n","n":100,"count":2}"#,
        ),
        (
            Adaptive {
                side: Side::Above,
                threshold: Threshold::PilotPercentile {
                    pilot: 50,
                    percentile: 10.0,
                },
                count: 3,
                budget: 1000,
            }
            .into(),
            r#"{"strategy":"adaptive","side":"above","threshold":{"kind":"pilot_percentile","pilot":50,"percentile":10.0},"count":3,"budget":1000}"#,
        ),
        (
            Percentile {
                n: 10,
                percentile: 5.0,
                pick: PercentilePick::Uniform,
                count: 1,
            }
            .into(),
            r#"{"strategy":"percentile","n":10,"percentile":5.0,"pick":"uniform","count":1}"#,
        ),
        (
            Transfer {
                n: 0,
                priors: vec![vec![1.0]],
            }
            .into(),
            r#"{"strategy":"transfer","n":0,"priors":[[1.0]]}"#,
        ),
    ];
    for (s, json) in cases {
        assert_eq!(serde_json::to_string(&s).unwrap(), json);
        assert_eq!(serde_json::from_str::<Strategy>(json).unwrap(), s);
        assert_eq!(json.split('"').nth(3), Some(s.name()));
    }
    // Diversity's picks were called `k`: older JSON still reads.
    let old = r#"{"strategy":"diversity","n":100,"percentile":10.0,"k":4}"#;
    let s: Strategy = serde_json::from_str(old).unwrap();
    assert_eq!(
        s,
        Strategy::Diversity(Diversity {
            n: 100,
            percentile: 10.0,
            count: 4
        })
    );
}

#[test]
fn zero_candidates_are_nothing_to_do() {
    let (scorer, stream) = relu1();
    scorer.score_stream(&stream, 0, true, &mut []).unwrap();
    scorer.score_params(&[], true, &mut []).unwrap();
    scorer.losses(&stream, u64::MAX, &mut []).unwrap();
}

#[test]
fn every_strategy_reports_the_best_it_scored() {
    // `best` is the lowest finite loss the strategy scored, picked or not.
    let (scorer, stream) = relu1();
    let all = losses(&scorer, &stream, 400);
    let lowest = all.iter().copied().fold(f32::INFINITY, f32::min);
    let uniform: Strategy = Percentile {
        n: 400,
        percentile: 50.0,
        pick: PercentilePick::Uniform,
        count: 3,
    }
    .into();
    let filter: Strategy = GradientFilter {
        n: 400,
        min: 0.0,
        max: f64::INFINITY,
        count: 2,
    }
    .into();
    for s in [uniform, filter, BestOfN { n: 100, count: 4 }.into()] {
        let sel = select(&s, &scorer, &stream).unwrap();
        assert_eq!(sel.best.unwrap().score.loss, lowest, "{}", s.name());
    }
}
