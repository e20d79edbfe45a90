//! The write-up: the JSON outside checks read, the Markdown tables, the verdicts in plain
//! words, the per-init CSV and one figure of oriented ρ per quantity and task for each outcome.

use anyhow::Result;
use serde_json::{Value, json};

use super::TaskResult;
use super::correlate::{Pair, Prediction, finite_pairs};
use super::outcome::Outcome;
use super::quantity::Quantity;
use super::select::{OutcomeStat, Selected};
use crate::plot::{Interval, interval_chart};
use crate::report::md_table;
use crate::stats::spearman;

/// How to read the oriented ρ, in the report's words.
pub const SIGN_CONVENTION: &str = "ρ is Spearman's rank correlation of the raw quantity with the raw \
outcome. ρ⁺ orients it: ρ⁺ = ρ × (+1 if the quantity's method pushes it up, −1 if down) × (+1 if \
the outcome is better high, −1 if low). ρ⁺ > 0 means the inits the quantity rates better (in the \
direction its method pushes it) end with better outcomes (fewer epochs, lower final loss, higher \
test metric); ρ⁺ < 0 means they end worse. A pair 'predicts better' when ρ⁺'s 95 % bootstrap \
interval (1000 resamples of the inits) lies above 0, 'predicts worse' when below.";

fn f(v: f64) -> String {
    if v.is_finite() {
        if v != 0.0 && (v.abs() >= 1e4 || v.abs() < 1e-3) {
            format!("{v:.3e}")
        } else {
            format!("{v:.4}")
        }
    } else {
        "—".into()
    }
}

fn ci((lo, hi): (f64, f64)) -> String {
    format!("{}–{}", f(lo), f(hi))
}

fn pair(r: &TaskResult, q: Quantity, o: Outcome) -> &Pair {
    r.pairs
        .iter()
        .find(|p| p.quantity == q.name() && p.outcome == o.name())
        .expect("every pair was computed")
}

fn stat(s: &Selected, o: Outcome) -> &OutcomeStat {
    s.outcomes
        .iter()
        .find(|x| x.outcome == o.name())
        .expect("every outcome was summarised")
}

/// Spearman's ρ of quantity `q` with the initial loss over the inits where both are finite:
/// how much of `q`'s ranking is the initial loss's.
pub fn rho_with_initial_loss(r: &TaskResult, q: Quantity) -> f64 {
    let (xs, ys) = finite_pairs(r.measured.of(q), r.measured.of(Quantity::InitialLoss));
    spearman(&xs, &ys)
}

/// One task's JSON object.
pub fn task_json(r: &TaskResult) -> Value {
    let t = &r.task;
    let seconds: serde_json::Map<String, Value> = Quantity::ALL
        .iter()
        .map(|&q| (q.name().to_string(), json!(r.measured.seconds(q))))
        .collect();
    let non_finite: serde_json::Map<String, Value> = Quantity::ALL
        .iter()
        .map(|&q| {
            let n = r.measured.of(q).iter().filter(|v| !v.is_finite()).count();
            (q.name().to_string(), json!(n))
        })
        .collect();
    json!({
        "task": t.name(),
        "arch": t.arch(),
        "training": t.recipe(),
        "init": t.plan.name,
        "inits": r.outcomes.of(Outcome::FinalTrainLoss).len(),
        "target_train_loss": r.outcomes.target,
        "target_rule": r.outcomes.target_rule,
        "test_metric": r.outcomes.test_metric,
        "fixed_batch_rows": t.batch.rows,
        "quantity_seconds_per_init": seconds,
        "rho_with_initial_loss": Quantity::ALL
            .iter()
            .map(|&q| (q.name().to_string(), json!(rho_with_initial_loss(r, q))))
            .collect::<serde_json::Map<String, Value>>(),
        "non_finite_quantities": non_finite,
        "measuring_seconds": r.measuring_seconds,
        "training_seconds": r.outcomes.training_seconds,
        "correlations": r.pairs,
        "selection": r.selections.iter().map(|(k, sel)| json!({
            "k": k,
            "groups": r.outcomes.of(Outcome::FinalTrainLoss).len() / k,
            "selectors": sel,
            "winner_test_metric": winner(sel, Outcome::TestMetric).map(|s| s.selector.clone()),
            "winner_final_train_loss": winner(sel, Outcome::FinalTrainLoss).map(|s| s.selector.clone()),
        })).collect::<Vec<_>>(),
    })
}

/// The selectors that beat random on `o` (their paired interval excludes 0 on the good side),
/// best mean first, the cheaper first on equal means; empty when none does.
pub fn beating_random(sel: &[Selected], o: Outcome) -> Vec<&Selected> {
    let good = o.better().sign();
    let mut v: Vec<&Selected> = sel
        .iter()
        .filter(|s| stat(s, o).versus_random == Some("better"))
        .collect();
    v.sort_by(|a, b| {
        (good * stat(b, o).mean)
            .total_cmp(&(good * stat(a, o).mean))
            .then(a.cost_seconds.total_cmp(&b.cost_seconds))
    });
    v
}

/// The first of [`beating_random`]: the best selector that beats random on `o`, if any.
pub fn winner(sel: &[Selected], o: Outcome) -> Option<&Selected> {
    beating_random(sel, o).first().copied()
}

/// The plain-words verdicts: per task, what predicts, and which selector wins at each K and
/// at what cost.
pub fn verdicts(results: &[TaskResult]) -> Vec<String> {
    let mut v = Vec::new();
    for r in results {
        let name = r.task.name();
        for o in [Outcome::TestMetric, Outcome::FinalTrainLoss] {
            // The quantities whose prediction is `which`, with their ρ⁺, or "none".
            let list = |which: Prediction| {
                let l: Vec<String> = Quantity::ALL
                    .iter()
                    .map(|&q| pair(r, q, o))
                    .filter(|p| p.prediction == which)
                    .map(|p| format!("{} (ρ⁺ = {})", p.quantity, f(p.rho_oriented)))
                    .collect();
                if l.is_empty() {
                    "none".to_string()
                } else {
                    l.join(", ")
                }
            };
            v.push(format!(
                "{name}, {}: used as its method intends, these predict better outcomes: {}; \
                 these predict worse: {}.",
                o.name(),
                list(Prediction::Better),
                list(Prediction::Worse)
            ));
        }
        for (k, sel) in &r.selections {
            for o in [Outcome::TestMetric, Outcome::FinalTrainLoss] {
                let random = stat(&sel[0], o);
                let beats = beating_random(sel, o);
                v.push(match beats.first() {
                    Some(w) => {
                        let s = stat(w, o);
                        let others: Vec<String> = beats[1..]
                            .iter()
                            .map(|x| {
                                format!(
                                    "{} ({}, {} s)",
                                    x.selector,
                                    f(stat(x, o).mean),
                                    f(x.cost_seconds)
                                )
                            })
                            .collect();
                        format!(
                            "{name}, best of {k}, {}: {} wins ({} vs random's {}, paired \
                             difference {} with 95 % interval {}), at {} s of measuring per \
                             pick; {}.",
                            o.name(),
                            w.selector,
                            f(s.mean),
                            f(random.mean),
                            f(s.minus_random.as_ref().map_or(f64::NAN, |d| d.mean)),
                            s.minus_random.as_ref().map_or("—".into(), |d| ci(d.ci95)),
                            f(w.cost_seconds),
                            if others.is_empty() {
                                "no other selector beats random".to_string()
                            } else {
                                format!("also beating random: {}", others.join(", "))
                            }
                        )
                    }
                    None => format!(
                        "{name}, best of {k}, {}: no selector beats random ({}).",
                        o.name(),
                        f(random.mean)
                    ),
                });
            }
        }
    }
    v.extend(tally(results));
    v
}

/// Per selector, across every (task, K, outcome) cell of the verdicts: cells won, cells where
/// it beats random, cells where it is worse than random.
fn tally(results: &[TaskResult]) -> Vec<String> {
    let cells: Vec<(&[Selected], Outcome)> = results
        .iter()
        .flat_map(|r| r.selections.iter())
        .flat_map(|(_, sel)| {
            [Outcome::TestMetric, Outcome::FinalTrainLoss].map(|o| (sel.as_slice(), o))
        })
        .collect();
    let Some((first, _)) = cells.first() else {
        return Vec::new();
    };
    let mut v = Vec::new();
    for name in first[1..].iter().map(|s| &s.selector) {
        let (mut wins, mut better, mut worse) = (0, 0, 0);
        for (sel, o) in &cells {
            let x = sel
                .iter()
                .find(|s| &s.selector == name)
                .expect("same selectors");
            match stat(x, *o).versus_random {
                Some("better") => better += 1,
                Some("worse") => worse += 1,
                _ => {}
            }
            if winner(sel, *o).is_some_and(|w| &w.selector == name) {
                wins += 1;
            }
        }
        v.push(format!(
            "Overall, {name}: wins {wins}, beats random in {better} and is worse than random in \
             {worse} of {} (task, K, outcome) cells (outcomes: test metric and final train loss).",
            cells.len()
        ));
    }
    let none = cells
        .iter()
        .filter(|(sel, o)| winner(sel, *o).is_none())
        .count();
    v.push(format!(
        "Overall, no selector beats random in {none} of {} cells.",
        cells.len()
    ));
    v
}

/// The Markdown sections of one task.
pub fn task_md(r: &TaskResult) -> String {
    let t = &r.task;
    let mut s = format!(
        "## {}\n\n{} · model {} · init {} · {} inits · target train loss {}: {} · test metric: {}\n\n\
         Fixed batch of the data-dependent quantities: {} training rows (indices in the JSON, \
         `fixed_batch_rows`). Measuring took {:.1} s, training {:.1} s (wall clock).\n\n",
        t.name(),
        t.recipe(),
        t.arch(),
        t.plan.name,
        r.outcomes.of(Outcome::FinalTrainLoss).len(),
        f(r.outcomes.target),
        r.outcomes.target_rule,
        r.outcomes.test_metric,
        t.batch.rows.len(),
        r.measuring_seconds,
        r.outcomes.training_seconds,
    );
    let non_finite: Vec<String> = Quantity::ALL
        .iter()
        .filter_map(|&q| {
            let n = r.measured.of(q).iter().filter(|v| !v.is_finite()).count();
            (n > 0).then(|| format!("{} {n}", q.name()))
        })
        .collect();
    if !non_finite.is_empty() {
        s.push_str(&format!(
            "Inits whose quantity is not finite (left out of ρ, never picked): {}. GradCosine \
             is 0/0 when a sub-batch gradient vanishes (every unit dead on it).\n\n",
            non_finite.join(", ")
        ));
    }
    s.push_str("### Spearman ρ (95 % bootstrap interval) and oriented ρ⁺\n\n");
    let rows: Vec<Vec<String>> = Quantity::ALL
        .iter()
        .map(|&q| {
            let mut row = vec![
                format!("{} ({})", q.name(), q.intended().as_str()),
                f(r.measured.seconds(q)),
                f(rho_with_initial_loss(r, q)),
            ];
            for o in Outcome::ALL {
                let p = pair(r, q, o);
                let c = p
                    .correlation
                    .spearman_ci95
                    .map_or("—".into(), |x| format!(" ({})", ci(x)));
                let verdict = match p.prediction {
                    Prediction::Better => "predicts better",
                    Prediction::Worse => "predicts worse",
                    Prediction::NoRelation => "no relation",
                };
                row.push(format!(
                    "{}{c} · ρ⁺ {} · {verdict}",
                    f(p.correlation.spearman_rho),
                    f(p.rho_oriented)
                ));
            }
            row
        })
        .collect();
    let mut headers = vec!["quantity (intended)", "s per init", "ρ with initial loss"];
    headers.extend(Outcome::ALL.iter().map(|o| o.name()));
    s.push_str(&md_table(&headers, &rows));
    for (k, sel) in &r.selections {
        s.push_str(&format!(
            "\n### Best of {k} ({} disjoint groups; the random arm is each group's first init)\n\n",
            r.outcomes.of(Outcome::FinalTrainLoss).len() / k
        ));
        let rows: Vec<Vec<String>> = sel
            .iter()
            .map(|x| {
                let mut row = vec![x.selector.clone(), f(x.cost_seconds)];
                for o in Outcome::ALL {
                    let st = stat(x, o);
                    let d = st.minus_random.as_ref().map_or(String::new(), |d| {
                        format!(
                            "; Δ {} ({}) {}",
                            f(d.mean),
                            ci(d.ci95),
                            st.versus_random.unwrap_or("")
                        )
                    });
                    row.push(format!("{} ({}){d}", f(st.mean), ci(st.ci95)));
                }
                row
            })
            .collect();
        let mut headers = vec!["selector", "cost s per pick"];
        headers.extend(Outcome::ALL.iter().map(|o| o.name()));
        s.push_str(&md_table(&headers, &rows));
    }
    s.push('\n');
    s
}

/// One figure per outcome: ρ⁺ with its interval for each quantity (x) and task (series).
pub fn figures(results: &[TaskResult]) -> Result<Vec<(String, String)>> {
    Outcome::ALL
        .iter()
        .map(|&o| {
            let series: Vec<(String, Vec<Interval>)> = results
                .iter()
                .map(|r| {
                    let pts = Quantity::ALL
                        .iter()
                        .enumerate()
                        .filter_map(|(i, &q)| {
                            let p = pair(r, q, o);
                            let (lo, hi) = p.rho_oriented_ci95?;
                            Some(Interval {
                                x: (i + 1) as f64,
                                y: p.rho_oriented,
                                lo,
                                hi,
                            })
                        })
                        .collect();
                    (r.task.name().to_string(), pts)
                })
                .collect();
            let x_desc = Quantity::ALL
                .iter()
                .enumerate()
                .map(|(i, q)| format!("{} {}", i + 1, q.name()))
                .collect::<Vec<_>>()
                .join(" · ");
            let svg = interval_chart(
                &format!(
                    "Oriented Spearman ρ⁺ with {} (> 0: the intended direction predicts better)",
                    o.name()
                ),
                (&x_desc, "ρ⁺, 95 % bootstrap interval"),
                ((0.5, Quantity::ALL.len() as f64 + 0.5), (-0.2, 0.2)),
                &series,
                &[("no relation".into(), 0.0)],
            )?;
            Ok((format!("rho_{}", o.name()), svg))
        })
        .collect()
}

/// One row per init: task, init index, every quantity, every outcome.
pub fn csv(results: &[TaskResult]) -> String {
    let mut s = String::from("task,init");
    for q in Quantity::ALL {
        s.push_str(&format!(",{}", q.name()));
    }
    for o in Outcome::ALL {
        s.push_str(&format!(",{}", o.name()));
    }
    s.push('\n');
    for r in results {
        let n = r.outcomes.of(Outcome::FinalTrainLoss).len();
        for i in 0..n {
            s.push_str(&format!("{},{i}", r.task.name()));
            for q in Quantity::ALL {
                s.push_str(&format!(",{}", r.measured.of(q)[i]));
            }
            for o in Outcome::ALL {
                s.push_str(&format!(",{}", r.outcomes.of(o)[i]));
            }
            s.push('\n');
        }
    }
    s
}

/// The quantities' definitions as a JSON list.
pub fn quantities_json() -> Value {
    json!(
        Quantity::ALL
            .iter()
            .map(|q| json!({
                "name": q.name(),
                "intended": q.intended(),
                "definition": q.definition(),
            }))
            .collect::<Vec<_>>()
    )
}

/// The outcomes and their good directions as a JSON list.
pub fn outcomes_json() -> Value {
    json!(
        Outcome::ALL
            .iter()
            .map(|o| json!({"name": o.name(), "better": o.better()}))
            .collect::<Vec<_>>()
    )
}
