//! The leaderboard's report: the JSON (`tasks[].entries[]`), one Markdown table per task sorted
//! by rank with its verdict, the per-run CSV and one figure per task.

use anyhow::Result;
use serde_json::{Value, json};

use super::board::{REFERENCE, TaskBoard};
use super::entry::{Method, batch_text};
use super::summary::EntrySummary;
use super::task::{Metric, Training};
use super::train::CHECKPOINTS;
use crate::plot::intervals_by_row;
use crate::real::metrics::MeanCi;
use crate::report::md_table;

/// The rank rule in words (the JSON and the report state it).
pub const RANK_RULE: &str = "rank = 1 + the number of entries whose 95 % interval lies wholly on \
     the better side of this entry's interval; entries whose intervals overlap share a rank";

/// One task's JSON.
pub fn task_json(b: &TaskBoard) -> Value {
    let t = &b.task;
    let metric = t.metric();
    json!({
        "task": t.name,
        "arch": t.arch,
        "metric": metric.name(),
        "higher_is_better": metric.higher_is_better(),
        "training": training_text(b),
        "batch": batch_text(t),
        "batch_rows": t.batch_rows,
        "target_train_loss": b.summaries.first().map(|s| s.epochs_to_target.target),
        "tuning": b.tuning,
        "entries": b.summaries,
    })
}

/// How the task's runs train, in words.
pub fn training_text(b: &TaskBoard) -> String {
    match &b.task.training {
        Training::Real { problem, setup } => format!(
            "{}; {} ReLU; {}, minibatch {}, {} epochs, every run the same minibatch order",
            problem.task.describe(),
            b.task.arch,
            setup.optimizer,
            setup.batch_size,
            setup.epochs
        ),
        Training::Xor { config, .. } => format!(
            "the four centred XOR points, full batch; {}; {:?} loss; {}; {}",
            b.task.arch, config.loss, config.optimizer, config.stop
        ),
    }
}

fn ci(m: &MeanCi, digits: usize) -> String {
    if m.mean.is_finite() {
        format!(
            "{:.d$} [{:.d$}, {:.d$}]",
            m.mean,
            m.ci95.0,
            m.ci95.1,
            d = digits
        )
    } else {
        "not finite".to_string()
    }
}

fn metric_cell(s: &EntrySummary, metric: Metric) -> String {
    match metric {
        Metric::Accuracy | Metric::SuccessRate => format!(
            "{:.1} % [{:.1}, {:.1}]",
            100.0 * s.final_test.mean,
            100.0 * s.final_test.ci95.0,
            100.0 * s.final_test.ci95.1
        ),
        _ => ci(&s.final_test, 4),
    }
}

fn epochs_cell(s: &EntrySummary) -> String {
    let e = &s.epochs_to_target;
    let median = e.median.map_or("never".to_string(), |m| m.to_string());
    let interval = e.median_ci95.map_or(String::new(), |(lo, hi)| {
        let end = |v: f64| {
            if v.is_finite() {
                format!("{v:.0}")
            } else {
                "never".to_string()
            }
        };
        format!(" [{}, {}]", end(lo), end(hi))
    });
    format!(
        "{median}{interval}; {:.0} % reach",
        100.0 * e.reached as f64 / s.runs.max(1) as f64
    )
}

fn passes_cell(s: &EntrySummary) -> String {
    let p = &s.passes;
    let mut parts = Vec::new();
    if p.scoring_forward > 0.0 {
        parts.push(format!("{:.0} fwd on train", p.scoring_forward));
    }
    if p.batch_forward + p.batch_backward + p.batch_higher_order > 0.0 {
        parts.push(format!(
            "{:.0} fwd + {:.0} bwd + {:.0} higher on batch",
            p.batch_forward, p.batch_backward, p.batch_higher_order
        ));
    }
    if parts.is_empty() {
        "0".to_string()
    } else {
        parts.join("; ")
    }
}

/// Entry indices sorted by rank, then by the metric's mean (best first).
pub fn by_rank(b: &TaskBoard) -> Vec<usize> {
    let higher = b.task.metric().higher_is_better();
    let mut order: Vec<usize> = (0..b.summaries.len()).collect();
    let key = |i: usize| {
        let m = b.summaries[i].final_test.mean;
        if !m.is_finite() {
            f64::INFINITY
        } else if higher {
            -m
        } else {
            m
        }
    };
    order.sort_by(|&a, &c| {
        b.summaries[a]
            .rank
            .cmp(&b.summaries[c].rank)
            .then(key(a).total_cmp(&key(c)))
    });
    order
}

/// One task's section: how it trains, its table, the tuning, the figure and the verdict.
pub fn task_md(b: &TaskBoard) -> String {
    let t = &b.task;
    let metric = t.metric();
    let mut md = format!(
        "\n## {} ({})\n\n{}. Data-dependent methods' batch: {}. Target training loss for epochs to \
         target: {}.\n\n",
        t.name,
        t.arch,
        training_text(b),
        batch_text(t),
        match &t.training {
            Training::Real { .. } => format!(
                "{:.4} (torch_default's median final-epoch loss)",
                b.summaries[0].epochs_to_target.target
            ),
            Training::Xor { .. } => format!(
                "the recipe's convergence, loss < {:e}",
                b.summaries[0].epochs_to_target.target
            ),
        }
    );
    let loss_heads: Vec<String> = CHECKPOINTS.iter().map(|e| format!("loss ep {e}")).collect();
    let mut headers = vec![
        "rank",
        "entry",
        metric.name(),
        "rank (train)",
        "final train loss",
        "initial loss",
    ];
    headers.extend(loss_heads.iter().map(String::as_str));
    headers.extend(["epochs to target", "init s", "passes per init"]);
    let rows: Vec<Vec<String>> = by_rank(b)
        .into_iter()
        .map(|i| {
            let s = &b.summaries[i];
            let mut row = vec![
                s.rank.to_string(),
                s.method.clone(),
                metric_cell(s, metric),
                s.rank_train_loss.to_string(),
                ci(&s.train_loss.last, 4),
                ci(&s.train_loss.initial, 3),
            ];
            row.extend(s.train_loss.after_epoch.iter().map(|a| ci(&a.loss, 4)));
            row.extend([
                epochs_cell(s),
                format!("{:.2e}", s.init_seconds),
                passes_cell(s),
            ]);
            row
        })
        .collect();
    md.push_str(&md_table(&headers, &rows));
    let stopped: Vec<String> = b
        .summaries
        .iter()
        .filter(|s| s.diverged_inits > 0)
        .map(|s| format!("{} {} of {}", s.method, s.diverged_inits, s.runs))
        .collect();
    if !stopped.is_empty() {
        md.push_str(&format!(
            "\nData-dependent runs that stopped on a non-finite value (the method keeps its last \
             finite parameters, which were trained): {}.\n",
            stopped.join(", ")
        ));
    }
    if let Some(tu) = &b.tuning {
        md.push_str(&format!(
            "\nBest variance: c = {:.3} of the grid {} (lowest mean final training loss over {} tuning \
             runs per c, seeds no leaderboard run uses). Tuning cost, paid once for the task: {:.1} s \
             wall, {} run-epochs.\n",
            tu.best_c,
            tu.grid
                .iter()
                .map(|p| format!("{:.3}", p.c))
                .collect::<Vec<_>>()
                .join(", "),
            tu.runs,
            tu.seconds,
            tu.run_epochs
        ));
        let edge = |c: Option<f64>| c == Some(tu.best_c);
        if edge(tu.grid.first().map(|p| p.c)) || edge(tu.grid.last().map(|p| p.c)) {
            md.push_str(
                "The chosen c is at an end of the grid: the best variance for this budget may lie \
                 beyond it.\n",
            );
        }
    }
    md.push_str(&format!(
        "\n![{0}](leaderboard_{0}.svg)\n\n{1}\n",
        t.name,
        verdict(b)
    ));
    md
}

/// The task's verdict in plain words: who shares rank 1, who is better or worse than
/// torch_default (intervals apart), and what the cheapest of the leaders costs.
pub fn verdict(b: &TaskBoard) -> String {
    let metric = b.task.metric();
    let higher = metric.higher_is_better();
    let reference = &b.summaries[0];
    debug_assert_eq!(reference.method, REFERENCE);
    let names = |f: &dyn Fn(&EntrySummary) -> bool| -> Vec<String> {
        b.summaries
            .iter()
            .filter(|s| f(s))
            .map(|s| s.method.clone())
            .collect()
    };
    let better = names(&|s| against(s, reference, higher) == Some(true));
    let worse = names(&|s| against(s, reference, higher) == Some(false));
    let leaders = names(&|s| s.rank == 1);
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    let cheapest = b
        .summaries
        .iter()
        .zip(&b.runs)
        .filter(|(s, _)| s.rank == 1)
        .min_by(|(a, _), (c, _)| a.passes.row_passes.total_cmp(&c.passes.row_passes))
        .map(|(s, r)| {
            if r.entry.method == Method::BestVariance {
                format!(
                    "{} (per init; its c cost a tuning run once, above)",
                    s.method
                )
            } else {
                s.method.clone()
            }
        })
        .unwrap_or_default();
    format!(
        "**Verdict ({}, {}).** Rank 1 (intervals overlapping the leader's): {}; the cheapest of \
         them in passes is {}. Better than torch_default's plain draw, intervals apart: {}. \
         Worse: {}. The other entries cannot be told apart from torch_default at {} seeds.",
        b.task.name,
        metric.name(),
        list(&leaders),
        cheapest,
        list(&better),
        list(&worse),
        reference.runs
    )
}

/// Whether `s`'s held-out interval lies wholly on the better (`Some(true)`) or worse
/// (`Some(false)`) side of `reference`'s, or overlaps it (`None`).
fn against(s: &EntrySummary, reference: &EntrySummary, higher: bool) -> Option<bool> {
    let ((lo, hi), (rlo, rhi)) = (s.final_test.ci95, reference.final_test.ci95);
    let (above, below) = (lo > rhi, hi < rlo);
    match (above || below, above == higher) {
        (false, _) => None,
        (true, better) => Some(better),
    }
}

/// Across tasks: every entry's rank per task (`+`/`−`: held-out interval wholly better / worse
/// than torch_default's) and the counts, then the verdict in plain words.
pub fn overall_md(boards: &[TaskBoard]) -> String {
    let Some(first) = boards.first() else {
        return String::new();
    };
    let mut headers = vec!["entry".to_string()];
    headers.extend(boards.iter().map(|b| b.task.name.to_string()));
    headers.extend([
        "rank 1 on".to_string(),
        "better / worse than torch_default".to_string(),
    ]);
    let mut always_first = Vec::new();
    let mut never_worse_some_better = Vec::new();
    let rows: Vec<Vec<String>> = first
        .summaries
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut row = vec![s.method.clone()];
            let (mut firsts, mut better, mut worse) = (0, 0, 0);
            for b in boards {
                let e = &b.summaries[i];
                let sign = match against(e, &b.summaries[0], b.task.metric().higher_is_better()) {
                    Some(true) => {
                        better += 1;
                        "+"
                    }
                    Some(false) => {
                        worse += 1;
                        "−"
                    }
                    None => "",
                };
                firsts += usize::from(e.rank == 1);
                row.push(format!("{}{sign}", e.rank));
            }
            if firsts == boards.len() {
                always_first.push(s.method.clone());
            }
            if better > 0 && worse == 0 {
                never_worse_some_better.push(s.method.clone());
            }
            row.push(format!("{firsts} of {}", boards.len()));
            row.push(format!("{better} / {worse}"));
            row
        })
        .collect();
    let heads: Vec<&str> = headers.iter().map(String::as_str).collect();
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    format!(
        "\n## Across tasks\n\nRank by the held-out metric per task; + / −: the entry's interval lies \
         wholly on the better / the worse side of torch_default's.\n\n{}\n\
         Rank 1 on every task: {}. Better than torch_default on at least one task and worse on \
         none: {}.\n",
        md_table(&heads, &rows),
        list(&always_first),
        list(&never_worse_some_better)
    )
}

/// One figure per task: every entry's held-out metric with its interval, in rank order, and
/// torch_default's mean as a line.
pub fn task_figure(b: &TaskBoard) -> Result<String> {
    let metric = b.task.metric();
    let rows: Vec<(String, f64, (f64, f64))> = by_rank(b)
        .into_iter()
        .map(|i| {
            let s = &b.summaries[i];
            (
                format!("{} (rank {})", s.method, s.rank),
                s.final_test.mean,
                s.final_test.ci95,
            )
        })
        .collect();
    intervals_by_row(
        &format!("{} ({}): {}", b.task.name, b.task.arch, metric.name()),
        &format!(
            "{}, mean and 95 % interval over {} seeds ({} is better)",
            metric.name(),
            b.summaries[0].runs,
            if metric.higher_is_better() {
                "higher"
            } else {
                "lower"
            }
        ),
        &rows,
        Some((REFERENCE, b.summaries[0].final_test.mean)),
    )
}

/// One CSV row per run.
pub fn csv(boards: &[TaskBoard]) -> String {
    let mut out = String::from("task,method,run,initial_loss");
    for e in CHECKPOINTS {
        out.push_str(&format!(",loss_epoch_{e}"));
    }
    out.push_str(",final_loss,final_test,epochs_to_target,init_diverged\n");
    for b in boards {
        let target = b.summaries[0].epochs_to_target.target;
        for r in &b.runs {
            for (k, (rec, init)) in r.records.iter().zip(&r.inits).enumerate() {
                out.push_str(&format!(
                    "{},{},{k},{}",
                    b.task.name, r.entry.name, rec.initial_loss
                ));
                for l in &rec.checkpoints {
                    out.push_str(&format!(",{l}"));
                }
                out.push_str(&format!(
                    ",{},{},{},{}\n",
                    rec.final_loss,
                    rec.final_test,
                    rec.epochs_to(target)
                        .map_or(String::new(), |e| e.to_string()),
                    init.diverged
                ));
            }
        }
    }
    out
}
