//! The report of real_tasks: the JSON (the keys), the Markdown tables with verdicts,
//! the per-run CSV and the figures.

use std::fmt::Write as _;

use anyhow::Result;
use serde_json::{Value, json};

use super::config::ArmRuns;
use super::deceive::{Band, FAMILY_ALPHA, Relation};
use super::metrics::{
    MeanCi, Sign, ToTarget, final_loss, held_out_values, initial, loss_at, r2_values,
};
use super::study::ConfigResult;
use crate::plot::{Interval, interval_chart};
use crate::report::md_table;

/// The epochs whose train loss the JSON reports (those within the run's epochs).
pub const CHECKPOINTS: [usize; 3] = [1, 5, 20];

fn mean_ci(values: &[f64]) -> Value {
    json!(MeanCi::of(values))
}

/// One arm's JSON object.
pub fn arm_json(c: &ConfigResult, a: &ArmRuns) -> Value {
    let o = &a.outcomes;
    let epochs = c.prepared.plan.epochs;
    let mut train_loss = serde_json::Map::new();
    for e in CHECKPOINTS.into_iter().filter(|&e| e <= epochs) {
        train_loss.insert(e.to_string(), mean_ci(&loss_at(o, e)));
    }
    train_loss.insert("final".into(), mean_ci(&final_loss(o)));
    let mut v = json!({
        "scheme": a.arm.scheme,
        "selection": a.arm.pick.to_string(),
        "scored_on": a.arm.scored_on.to_string(),
        "runs": o.len(),
        "initial_loss": mean_ci(&initial(o)),
        "train_loss": train_loss,
        "epochs_to_target": {
            "train_loss": ToTarget::of(o, c.target),
            held_out_key(c): ToTarget::held_out(o, c.held_out_target, c.held_out_better()),
        },
        "sampling_seconds": a.sampling_seconds,
        "training_seconds": a.training_seconds,
    });
    let held = mean_ci(&held_out_values(o));
    match r2_values(o) {
        None => v["test_accuracy"] = held,
        Some(r2) => {
            v["test_mse"] = held;
            v["test_r2"] = mean_ci(&r2);
        }
    }
    if !a.pick_scores.is_empty() {
        let s: Vec<f64> = a.pick_scores.iter().map(|&s| f64::from(s)).collect();
        v["pick_score_on_scoring_rows"] = mean_ci(&s);
    }
    v
}

/// The held-out metric's JSON key: `test_accuracy` (classification) or `test_mse`.
pub fn held_out_key(c: &ConfigResult) -> &'static str {
    if c.prepared.problem.is_classification() {
        "test_accuracy"
    } else {
        "test_mse"
    }
}

/// One configuration's JSON object.
pub fn config_json(c: &ConfigResult) -> Value {
    let p = &c.prepared.plan;
    json!({
        "id": p.id,
        "task": p.task,
        "arch": p.arch,
        "activation": p.activation,
        "optimizer": p.optimizer,
        "lr": p.lr,
        "batch_size": p.batch_size,
        "epochs": p.epochs,
        "data": c.prepared.problem.task.describe(),
        "loss": c.prepared.problem.loss.to_string(),
        "target_train_loss": c.target,
        format!("target_{}", held_out_key(c)): c.held_out_target,
        "arms": c.arms.iter().map(|a| arm_json(c, a)).collect::<Vec<_>>(),
        "head_start": c.head_starts.iter().map(|(arm, h)| json!({
            "arm": arm,
            "selected_minus_random_train_loss": h.iter().enumerate().map(|(e, m)| json!({
                "epoch": e + 1, "mean": m.mean, "ci95": m.ci95,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "subset_rank_correlation": c.subset_ranks,
        "rq5_random_inits": c.relations,
    })
}

/// `a ± b` style: a mean and its interval.
pub fn fmt_ci(m: &MeanCi) -> String {
    let digits = if m.mean.abs() >= 10.0 { 2 } else { 4 };
    format!(
        "{:.d$} ({:.d$} to {:.d$})",
        m.mean,
        m.ci95.0,
        m.ci95.1,
        d = digits
    )
}

/// A verdict on a head start's interval (selected − random train loss; negative helps).
pub fn loss_verdict(m: &MeanCi) -> &'static str {
    match m.sign() {
        Sign::Below => "selected lower",
        Sign::Covers => "no difference",
        Sign::Above => "selected higher",
    }
}

/// The table of arms of a configuration (initial loss, train loss at the checkpoints, final,
/// test metric, time).
pub fn arms_table(c: &ConfigResult) -> String {
    let epochs = c.prepared.plan.epochs;
    let cps: Vec<usize> = CHECKPOINTS.into_iter().filter(|&e| e <= epochs).collect();
    let test = if c.prepared.problem.is_classification() {
        "test accuracy"
    } else {
        "test MSE"
    };
    let mut headers = vec!["arm".to_string(), "runs".into(), "initial loss".into()];
    headers.extend(cps.iter().map(|e| format!("train loss ep {e}")));
    headers.extend([
        test.to_string(),
        "reached target".into(),
        "median epochs to target".into(),
        format!("reached {test} target"),
        format!("median epochs to {test} target"),
        "sampling s".into(),
        "training s".into(),
    ]);
    let rows: Vec<Vec<String>> = c
        .arms
        .iter()
        .map(|a| {
            let o = &a.outcomes;
            let t = ToTarget::of(o, c.target);
            let h = ToTarget::held_out(o, c.held_out_target, c.held_out_better());
            let median =
                |t: &ToTarget| t.median_epochs.map_or("censored".into(), |e| e.to_string());
            let mut r = vec![
                a.arm.name(),
                o.len().to_string(),
                fmt_ci(&MeanCi::of(&initial(o))),
            ];
            r.extend(cps.iter().map(|&e| fmt_ci(&MeanCi::of(&loss_at(o, e)))));
            r.extend([
                fmt_ci(&MeanCi::of(&held_out_values(o))),
                format!("{} / {}", t.reached, t.runs),
                median(&t),
                format!("{} / {}", h.reached, h.runs),
                median(&h),
                format!("{:.1}", a.sampling_seconds),
                format!("{:.1}", a.training_seconds),
            ]);
            r
        })
        .collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    md_table(&headers, &rows)
}

/// The head start of each selected arm at the checkpoints and at the last epoch, with verdicts,
/// and the held-out difference.
pub fn head_start_table(c: &ConfigResult) -> String {
    let epochs = c.prepared.plan.epochs;
    let mut cps: Vec<usize> = CHECKPOINTS.into_iter().filter(|&e| e <= epochs).collect();
    if cps.last() != Some(&epochs) {
        cps.push(epochs);
    }
    let better_high = c.prepared.problem.is_classification();
    let rows: Vec<Vec<String>> = c
        .head_starts
        .iter()
        .zip(
            c.arms
                .iter()
                .filter(|a| a.arm.pick != super::arm::Pick::Random),
        )
        .map(|((name, h), a)| {
            let mut r = vec![name.clone()];
            r.extend(
                cps.iter()
                    .map(|&e| format!("{} — {}", fmt_ci(&h[e - 1]), loss_verdict(&h[e - 1]))),
            );
            let random = c.random_of(a.arm.scheme);
            let d = MeanCi::difference(
                &held_out_values(&a.outcomes),
                &held_out_values(&random.outcomes),
            );
            let verdict = match (d.sign(), better_high) {
                (Sign::Covers, _) => "no difference",
                (Sign::Above, true) | (Sign::Below, false) => "selected better",
                _ => "selected worse",
            };
            r.push(format!("{} — {verdict}", fmt_ci(&d)));
            r
        })
        .collect();
    let mut headers: Vec<String> = vec!["selected arm".into()];
    headers.extend(cps.iter().map(|e| format!("Δ train loss ep {e}")));
    headers.push(if better_high {
        "Δ test accuracy".into()
    } else {
        "Δ test MSE".into()
    });
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    md_table(&headers, &rows)
}

/// The figure of every selected arm's head start over epochs, with bands.
pub fn head_start_figure(c: &ConfigResult) -> Result<String> {
    let series: Vec<(String, Vec<Interval>)> = c
        .head_starts
        .iter()
        .map(|(name, h)| {
            let pts = h
                .iter()
                .enumerate()
                .map(|(e, m)| Interval {
                    x: (e + 1) as f64,
                    y: m.mean,
                    lo: m.ci95.0,
                    hi: m.ci95.1,
                })
                .collect();
            (name.clone(), pts)
        })
        .collect();
    interval_chart(
        &format!(
            "{}: selected − random train loss per epoch",
            c.prepared.plan.id
        ),
        ("epoch", "Δ train loss, 95 % interval"),
        ((0.5, c.prepared.plan.epochs as f64 + 0.5), (0.0, 0.0)),
        &series,
        &[("no difference".into(), 0.0)],
    )
}

/// The RQ5 table: one row per outcome.
pub fn relations_md(c: &ConfigResult) -> String {
    let rows: Vec<Vec<String>> = c
        .relations
        .iter()
        .map(|r| {
            let ci = r
                .correlation
                .spearman_ci95
                .map_or("–".into(), |(a, b)| format!("{a:.3} to {b:.3}"));
            vec![
                c.prepared.plan.id.clone(),
                r.outcome.to_string(),
                r.correlation.n.to_string(),
                format!("{:.3} ({ci})", r.correlation.spearman_rho),
                fmt_ci(&r.decile_minus_rest),
                format!("{:.2e}", r.decile_p_worse),
                match (r.decile_worse_holm, r.decile_worse) {
                    (true, _) => "**yes — deceives** (survives Holm)",
                    (false, true) => "yes at 95 %, not after Holm",
                    (false, false) => "no",
                }
                .to_string(),
            ]
        })
        .collect();
    md_table(
        &[
            "config",
            "outcome",
            "inits",
            "Spearman ρ (95 %)",
            "lowest decile − rest",
            "p (decile worse, one-sided)",
            "decile worse?",
        ],
        &rows,
    )
}

/// The quantile sweep's table.
pub fn bands_md(bands: &[Band]) -> String {
    let rows: Vec<Vec<String>> = bands
        .iter()
        .map(|b| {
            vec![
                b.band.to_string(),
                b.runs.to_string(),
                fmt_ci(&b.initial_loss),
                fmt_ci(&b.train_loss_1),
                fmt_ci(&b.final_train_loss),
                fmt_ci(&b.test_accuracy),
                b.collapsed.to_string(),
            ]
        })
        .collect();
    md_table(
        &[
            "band",
            "trained",
            "initial loss",
            "train loss ep 1",
            "final train loss",
            "test accuracy",
            "collapsed at init",
        ],
        &rows,
    )
}

/// One CSV row per run: config, arm, run, initial loss, epoch losses, final loss, held-out.
pub fn csv(results: &[ConfigResult]) -> String {
    let mut s = String::from(
        "config,arm,run,initial_loss,final_train_loss,held_out,epoch_losses,held_out_curve\n",
    );
    for c in results {
        for a in &c.arms {
            for (r, o) in a.outcomes.iter().enumerate() {
                let join = |v: &[f64]| {
                    v.iter()
                        .map(|l| format!("{l:.6}"))
                        .collect::<Vec<_>>()
                        .join(";")
                };
                let _ = writeln!(
                    s,
                    "{},{},{r},{:.6},{:.6},{:.6},{},{}",
                    c.prepared.plan.id,
                    a.arm.name(),
                    o.initial_loss,
                    o.final_loss,
                    super::metrics::held_out_score(o),
                    join(&o.epoch_loss),
                    join(&o.held_out_curve),
                );
            }
        }
    }
    s
}

/// How the study was run, for the report's opening.
pub fn method_md(epochs: usize, rank_candidates: usize, rq5_inits: &str) -> String {
    format!(
        "## Method\n\n\
         Each configuration trains every arm's runs for {epochs} epochs of minibatch training (no early \
         stop) with the minibatch order shared by all runs, so arms differ only in their inits. Run *r* of \
         an arm draws from its own seeded stream: `random` takes the stream's first candidate; `best_of_K` \
         the lowest initial loss of K; `bottom_10pct_of_100` a uniform pick among the best 10 % of 100. \
         Candidates are scored by the batched MLP scorer (`scorer_for`) on the whole training set \
         (`full`) or on a seeded 128- or 256-row subset of it. Training runs on the batched MLP \
         trainer (`initsift_batch::mlp_train`, whose slow twin is the engine `Trainer`) through one seam \
         (`experiments::real::train::train_runs`).\n\n\
         - **Train loss after epoch e** is the epoch training loss both trainers record: the \
         size-weighted mean of the minibatch losses during epoch e at their pre-step parameters. \
         \"final\" is the loss on the whole training set at the final parameters.\n\
         - **Target train loss**: the random arm's median final-epoch loss, so random runs reach it about \
         half the time by the end; runs that never reach it are censored (counted as never), not errors. \
         **Target test accuracy** (test MSE for regression and reconstruction): the random arm's median \
         final value, reached when the test metric measured after an epoch is first at or above it (at or \
         below, for MSE); censored alike.\n\
         - **Intervals**: means ±1.96 standard errors; differences of independent arms ±1.96·√(se₁² + se₂²); \
         shares Wilson; Spearman ρ by a 1000-resample pairs bootstrap.\n\
         - **Head start**: selected − random train loss at every epoch (negative: selection ahead). \
         \"Persists\" when the interval excludes 0 on the helpful side at epoch 1 and at the last epoch, \
         \"vanishes\" when it does at epoch 1 and covers 0 at the end, \"reverses\" when selection ends \
         higher.\n\
         - **Subset scoring**: {rank_candidates} candidates scored on the full set and on the subset; the \
         Spearman ρ says how well the subset ranks them.\n\
         - **Optimizer rates** are conventional defaults, not tuned: Adam 1e-3 (1e-2 on iris and wine, \
         whose ~120 training rows give only 7–9 steps per epoch), RMSprop 1e-3, SGD with momentum 0.9 at \
         1e-2.\n\
         - **RQ5** relates the initial loss of the reference (random) arm's inits to their outcomes: \
         {rq5_inits}.\n\n"
    )
}

/// A configuration's section: setup, arms, head starts, subset ranks, RQ5.
pub fn config_md(c: &ConfigResult) -> String {
    let p = &c.prepared.plan;
    let mut md = format!(
        "## {}\n\n{} · {} · {} · {} lr {} · minibatch {} · {} epochs · loss {} · target train loss {:.4} · \
         target {} {:.4}\n\n{}\n",
        p.id,
        c.prepared.problem.task.describe(),
        p.arch,
        p.activation,
        p.optimizer,
        p.lr,
        p.batch_size,
        p.epochs,
        c.prepared.problem.loss,
        c.target,
        held_out_key(c).replace('_', " "),
        c.held_out_target,
        arms_table(c),
    );
    if !c.head_starts.is_empty() {
        md.push_str(&format!(
            "\nHead start (selected − random, 95 % interval) and the held-out difference:\n\n{}\n\
             ![head start](real_tasks_head_start_{}.svg)\n",
            head_start_table(c),
            p.id
        ));
    }
    if !c.subset_ranks.is_empty() {
        md.push_str("\nSubset vs full scores:\n\n");
        for s in &c.subset_ranks {
            let ci = s
                .correlation
                .spearman_ci95
                .map_or("–".into(), |(a, b)| format!("{a:.3} to {b:.3}"));
            md.push_str(&format!(
                "- {} rows: Spearman ρ = {:.3} ({ci}) over {} candidates.\n",
                s.rows, s.correlation.spearman_rho, s.correlation.n
            ));
        }
    }
    md.push_str(&format!(
        "\nRQ5 (initial loss vs outcomes over the random arm's inits):\n\n{}\n",
        relations_md(c)
    ));
    md
}

/// What became of a head start: persists, vanishes, reverses, or none.
pub fn persistence(h: &[MeanCi]) -> &'static str {
    match (h.first().map(MeanCi::sign), h.last().map(MeanCi::sign)) {
        (_, Some(Sign::Above)) => "reverses",
        (Some(Sign::Below), Some(Sign::Below)) => "persists",
        (Some(Sign::Below), Some(Sign::Covers)) => "vanishes",
        (Some(Sign::Above), _) => "starts behind",
        _ => "no head start",
    }
}

/// The verdict tables: per configuration, the main selected arm (best_of_100 on the full set,
/// else the first selected arm) against random.
pub fn verdicts_md(results: &[ConfigResult]) -> String {
    let rows: Vec<Vec<String>> = results
        .iter()
        .filter_map(|c| {
            let m = main_arms(c)?;
            let (h, d) = (m.head_start, m.held_out);
            Some(vec![
                c.prepared.plan.id.clone(),
                m.selected.arm.name(),
                fmt_ci(&h[0]),
                fmt_ci(h.last()?),
                persistence(h).to_string(),
                format!(
                    "{} {}",
                    fmt_ci(&d),
                    if c.prepared.problem.is_classification() {
                        "(accuracy)"
                    } else {
                        "(MSE)"
                    }
                ),
            ])
        })
        .collect();
    let flagged: Vec<String> = flagged(results, |r| r.decile_worse)
        .into_iter()
        .map(|(id, outcome)| format!("{id} ({outcome})"))
        .collect();
    format!(
        "\n## Verdicts\n\nRQ1 (real data), RQ3 (optimizers: digits_base, digits_sgd_momentum, digits_rmsprop) and \
         RQ4 (width and depth: digits_wide, digits_depth*): the head start of the main selected arm over \
         random, at epoch 1 and at the last epoch, and the held-out difference (selected − random).\n\n{}\n\
         RQ5: the lowest-initial-loss decile of random inits does worse than the rest, with an interval \
         excluding 0, in {} of {} (configuration, outcome) cases{}. {} Configurations as numbered in the \
         ρ figure: {}.\n\n![rho](real_tasks_rho.svg)\n",
        md_table(
            &[
                "config",
                "selected arm",
                "Δ train loss ep 1",
                "Δ train loss last epoch",
                "head start",
                "Δ held-out"
            ],
            &rows
        ),
        flagged.len(),
        results.iter().map(|c| c.relations.len()).sum::<usize>(),
        if flagged.is_empty() {
            String::new()
        } else {
            format!(": {}", flagged.join(", "))
        },
        multiplicity_md(results),
        results
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{} {}", i + 1, c.prepared.plan.id))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// The sweep's plain verdict: do the lowest-loss bands fit faster but generalise worse than
/// the median band?
pub fn sweep_verdict_md(bands: &[Band], pool_collapsed: usize, pool_sample: usize) -> String {
    let Some(median) = bands.iter().find(|b| b.band == "median_10pct") else {
        return String::new();
    };
    let share = |k: usize, n: usize| 100.0 * k as f64 / n.max(1) as f64;
    let mut md = format!(
        "\nLow loss by collapse: {:.1} % of the pool sample is collapsed; in the bands: {}.\n\n",
        share(pool_collapsed, pool_sample),
        bands
            .iter()
            .map(|b| format!(
                "{} {:.1} % ({} of {})",
                b.band,
                share(b.collapsed, b.runs),
                b.collapsed,
                b.runs
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for b in bands.iter().filter(|b| b.band.starts_with("best")) {
        let fit = b.train_loss_1.ci95.1 < median.train_loss_1.ci95.0;
        let worse = b.test_accuracy.ci95.1 < median.test_accuracy.ci95.0;
        let better = b.test_accuracy.ci95.0 > median.test_accuracy.ci95.1;
        md.push_str(&format!(
            "- {} vs the median band: epoch-1 loss {} ({:.4} vs {:.4}); final test accuracy {} ({:.4} vs {:.4}).\n",
            b.band,
            if fit { "lower (intervals apart)" } else { "not clearly lower" },
            b.train_loss_1.mean,
            median.train_loss_1.mean,
            if worse {
                "**worse** (intervals apart): fits faster, generalises worse"
            } else if better {
                "better (intervals apart)"
            } else {
                "no clear difference"
            },
            b.test_accuracy.mean,
            median.test_accuracy.mean,
        ));
    }
    md
}

/// The head start of each configuration's main selected arm at its first and last epoch, as
/// points `(x, interval)` of the given series (e.g. depth per activation).
pub fn effect_figure(
    title: &str,
    x_desc: &str,
    series: &[(String, Vec<(f64, &ConfigResult)>)],
) -> Result<String> {
    let mut lines = Vec::new();
    for (name, points) in series {
        for (label, last) in [("epoch 1", false), ("last epoch", true)] {
            let pts: Vec<Interval> = points
                .iter()
                .filter_map(|(x, c)| {
                    let h = &main_head_start(c)?.1;
                    let m = if last { h.last()? } else { h.first()? };
                    Some(Interval {
                        x: *x,
                        y: m.mean,
                        lo: m.ci95.0,
                        hi: m.ci95.1,
                    })
                })
                .collect();
            lines.push((format!("{name}, {label}"), pts));
        }
    }
    let xs = series.iter().flat_map(|(_, p)| p.iter().map(|(x, _)| *x));
    let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    interval_chart(
        title,
        (x_desc, "Δ train loss (selected − random), 95 %"),
        ((lo - 0.5, hi + 0.5), (0.0, 0.0)),
        &lines,
        &[("no difference".into(), 0.0)],
    )
}

/// Spearman ρ of the initial loss with the final train loss and with the held-out score, per
/// configuration (x = the configuration's position in `results`, from 1).
pub fn rho_figure(results: &[ConfigResult]) -> Result<String> {
    let series: Vec<(String, Vec<Interval>)> = ["final_train_loss", "held_out_score"]
        .into_iter()
        .map(|outcome| {
            let pts = results
                .iter()
                .enumerate()
                .filter_map(|(i, c)| {
                    let r = c.relations.iter().find(|r| r.outcome == outcome)?;
                    let (lo, hi) = r.correlation.spearman_ci95?;
                    Some(Interval {
                        x: (i + 1) as f64,
                        y: r.correlation.spearman_rho,
                        lo,
                        hi,
                    })
                })
                .collect();
            (format!("ρ(initial loss, {outcome})"), pts)
        })
        .collect();
    interval_chart(
        "Spearman ρ of initial loss with outcomes, per configuration",
        (
            "configuration (numbered as in the RQ5 list)",
            "Spearman ρ, 95 %",
        ),
        ((0.5, results.len() as f64 + 0.5), (-1.0, 1.0)),
        &series,
        &[("no relation".into(), 0.0)],
    )
}

/// The main selected arm's head start: best_of_100 on the full set, else the first.
pub fn main_head_start(c: &ConfigResult) -> Option<&(String, Vec<MeanCi>)> {
    c.head_starts
        .iter()
        .find(|(n, _)| n.ends_with("/best_of_100/full"))
        .or(c.head_starts.first())
}

/// The main selected arm (see [`main_head_start`]), the random arm it is compared with, its
/// head start and its held-out difference from that random arm (selected − random).
pub struct MainArms<'a> {
    /// The selected arm.
    pub selected: &'a ArmRuns,
    /// The random arm of its scheme.
    pub random: &'a ArmRuns,
    /// Selected − random train loss at every epoch.
    pub head_start: &'a [MeanCi],
    /// Selected − random held-out value (test accuracy, or test MSE).
    pub held_out: MeanCi,
}

/// The main selected arm of `c` and its comparison with random (`None` without one).
pub fn main_arms(c: &ConfigResult) -> Option<MainArms<'_>> {
    let (name, h) = main_head_start(c)?;
    let selected = c.arms.iter().find(|a| &a.arm.name() == name)?;
    let random = c.random_of(selected.arm.scheme);
    Some(MainArms {
        selected,
        random,
        head_start: h,
        held_out: MeanCi::difference(
            &held_out_values(&selected.outcomes),
            &held_out_values(&random.outcomes),
        ),
    })
}

/// What the decile flags mean beside chance: how many the study's one-sided 2.5 % tests give
/// with no effect anywhere, and how many survive Holm's correction over all of them.
pub fn multiplicity_md(results: &[ConfigResult]) -> String {
    let tests: usize = results.iter().map(|c| c.relations.len()).sum();
    let holm: Vec<String> = flagged(results, |r| r.decile_worse_holm)
        .into_iter()
        .map(|(id, outcome)| format!("{id} ({outcome})"))
        .collect();
    format!(
        "With no effect anywhere, {tests} one-sided 2.5 % tests flag about {:.1} cases by chance; \
         {} of the flags survive Holm's correction over all {tests} (family-wise error {:.1} %, \
         one-sided){}.",
        0.025 * tests as f64,
        holm.len(),
        100.0 * FAMILY_ALPHA,
        if holm.is_empty() {
            String::new()
        } else {
            format!(": {}", holm.join(", "))
        }
    )
}

/// The (configuration id, outcome) pairs whose RQ5 relation `flag` marks (e.g. the decile
/// doing worse, with or without Holm's correction).
pub fn flagged(
    results: &[ConfigResult],
    flag: impl Fn(&Relation) -> bool + Copy,
) -> Vec<(&str, &str)> {
    results
        .iter()
        .flat_map(|c| {
            c.relations
                .iter()
                .filter(move |r| flag(r))
                .map(move |r| (c.prepared.plan.id.as_str(), r.outcome))
        })
        .collect()
}
