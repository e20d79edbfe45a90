//! variance_sweep: seed 004 claims an optimal initialization variance that "always" beats
//! He-normal. Its closed form is not available (abstract only), so this measures the claim:
//! weights N(0, c·2/fan_in), biases 0, over a grid of c, final train loss and test accuracy with
//! intervals, the best c, and whether it beats c = 1 (He-normal) and in how many runs.
//!
//! `cargo run --release -p experiments --bin variance_sweep -- --runs 200 --seed 2025`

use anyhow::Result;
use clap::Parser;
use experiments::cli::Common;
use experiments::driver::{Report, Session, with_progress};
use experiments::plot::{self, Interval};
use experiments::report::md_table;
use experiments::stats::{bootstrap_ci, mean};
use experiments::variance::{RunResult, Task, default_grid, parse_grid, run_once, scaled_he_plan};
use initsift_init::Stream;
use initsift_nn::OptimizerConfig;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;

/// Sweep the initialization variance c·2/fan_in and compare each c with He-normal (c = 1).
#[derive(Debug, Parser)]
#[command(version, about, mut_arg("runs", |a| a.default_value("200")))]
struct Args {
    #[command(flatten)]
    common: Common,
    /// The scale factors c (comma-separated, positive, must include 1); default 2^k for
    /// k = −3, −2.25, …, 3.
    #[arg(long, allow_hyphen_values = true)]
    c_grid: Option<String>,
    /// Epochs per run.
    #[arg(long, default_value_t = 20)]
    epochs: usize,
}

/// Minibatch size of every run.
const BATCH: usize = 64;
/// Bootstrap resamples per interval.
const RESAMPLES: usize = 1000;

/// One task, model and optimizer.
struct Config {
    name: String,
    task: Task,
    arch: &'static str,
    optimizer: OptimizerConfig,
}

fn configs(session: &Session) -> Result<Vec<Config>> {
    let split = session.derive_seed("split");
    let (sgd, adam) = (OptimizerConfig::sgd(0.1), OptimizerConfig::adam(1e-3));
    let mut out = Vec::new();
    for (task, arch) in [
        (Task::digits("64-32-10", split)?, "64-32-10 relu"),
        (Task::breast_cancer("30-16-1", split)?, "30-16-1 relu"),
        // Deeper, where the variance compounds over layers.
        (
            Task::digits("64-64-64-64-64-10", split)?,
            "64-64-64-64-64-10 relu",
        ),
    ] {
        for optimizer in [sgd, adam] {
            out.push(Config {
                name: format!("{}/{}/{}", task.name, arch, optimizer.name()),
                task: task.clone(),
                arch,
                optimizer,
            });
        }
    }
    Ok(out)
}

/// A mean with its bootstrap 95 % interval.
#[derive(Debug, Clone, Copy, Serialize)]
struct Estimate {
    mean: f64,
    ci95: Option<(f64, f64)>,
}

impl Estimate {
    fn of(values: &[f64], seed: u64) -> Self {
        Self {
            mean: mean(values),
            ci95: bootstrap_ci(values, mean, RESAMPLES, seed),
        }
    }

    fn md(&self, digits: usize) -> String {
        match self.ci95 {
            Some((lo, hi)) => format!("{:.digits$} ({lo:.digits$}–{hi:.digits$})", self.mean),
            None => format!("{:.digits$}", self.mean),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
struct Point {
    c: f64,
    runs: usize,
    /// Runs whose final train loss is not finite (left out of the loss estimate).
    diverged: usize,
    final_train_loss: Estimate,
    test_accuracy: Estimate,
}

/// The best c against He-normal, paired by run (both start from the same standard-normal draws,
/// scaled, and see the same minibatch order).
#[derive(Debug, Clone, Serialize)]
struct VersusHe {
    c: f64,
    /// best − He, per run.
    train_loss_diff: Estimate,
    /// best − He, per run.
    test_accuracy_diff: Estimate,
    runs: usize,
    runs_lower_loss: usize,
    runs_higher_accuracy: usize,
    runs_both: usize,
    /// Whether the intervals say the best c beats He-normal on both outcomes.
    beats: bool,
    /// Whether it did so in every single run, as the abstract's "always" would have it.
    always: bool,
    verdict: String,
}

#[derive(Debug, Clone, Serialize)]
struct ConfigResult {
    task: &'static str,
    arch: &'static str,
    preprocessing: &'static str,
    optimizer: OptimizerConfig,
    lr: f64,
    epochs: usize,
    batch: usize,
    points: Vec<Point>,
    /// The c with the highest mean test accuracy.
    best_c: f64,
    /// The c with the lowest mean final train loss.
    best_c_by_train_loss: f64,
    beats_he: VersusHe,
}

fn sweep(session: &Session, cfg: &Config, grid: &[f64], epochs: usize) -> Result<ConfigResult> {
    let task = &cfg.task;
    let init_seed = session.derive_seed(&format!("init/{}/{}", task.name, cfg.arch));
    let tester = task.tester()?;
    let runs = session.runs();
    let per_c: Vec<Vec<RunResult>> = grid
        .iter()
        .map(|&c| {
            let stream = Stream::new(&task.spec, &scaled_he_plan(&task.spec, c), init_seed)?;
            (0..runs)
                .into_par_iter()
                .map_init(
                    || tester.clone(),
                    |tester, r| {
                        let shuffle =
                            session.derive_seed(&format!("shuffle/{}/{}/{r}", task.name, cfg.arch));
                        let mut trainer = task.trainer(cfg.optimizer, epochs, BATCH, shuffle)?;
                        run_once(&mut trainer, tester, &stream.candidate(r as u64))
                    },
                )
                .collect()
        })
        .collect::<Result<_>>()?;
    let seed = |what: &str, c: f64| session.derive_seed(&format!("{}/{what}/{c}", cfg.name));
    let points: Vec<Point> = grid
        .iter()
        .zip(&per_c)
        .map(|(&c, rs)| {
            let loss: Vec<f64> = rs
                .iter()
                .map(|r| r.final_train_loss)
                .filter(|l| l.is_finite())
                .collect();
            let acc: Vec<f64> = rs.iter().map(|r| r.test_accuracy).collect();
            Point {
                c,
                runs: rs.len(),
                diverged: rs.len() - loss.len(),
                final_train_loss: Estimate::of(&loss, seed("loss", c)),
                test_accuracy: Estimate::of(&acc, seed("acc", c)),
            }
        })
        .collect();
    let argbest = |key: fn(&Point) -> f64| {
        (0..points.len())
            .max_by(|&a, &b| key(&points[a]).total_cmp(&key(&points[b])))
            .expect("a non-empty grid")
    };
    let best = argbest(|p| p.test_accuracy.mean);
    let best_loss = argbest(|p| -nan_high(p.final_train_loss.mean));
    let he = grid
        .iter()
        .position(|&c| c == 1.0)
        .expect("the grid holds 1");
    let beats_he = versus_he(
        grid[best],
        &per_c[best],
        &per_c[he],
        (seed("dloss", grid[best]), seed("dacc", grid[best])),
    );
    Ok(ConfigResult {
        task: task.name,
        arch: cfg.arch,
        preprocessing: task.preprocessing,
        optimizer: cfg.optimizer,
        lr: cfg.optimizer.lr(),
        epochs,
        batch: BATCH,
        points,
        best_c: grid[best],
        best_c_by_train_loss: grid[best_loss],
        beats_he,
    })
}

/// NaN ranks as the worst (highest) loss.
fn nan_high(x: f64) -> f64 {
    if x.is_nan() { f64::INFINITY } else { x }
}

fn versus_he(c: f64, best: &[RunResult], he: &[RunResult], seeds: (u64, u64)) -> VersusHe {
    let dloss: Vec<f64> = best
        .iter()
        .zip(he)
        .map(|(b, h)| b.final_train_loss - h.final_train_loss)
        .filter(|d| d.is_finite())
        .collect();
    let dacc: Vec<f64> = best
        .iter()
        .zip(he)
        .map(|(b, h)| b.test_accuracy - h.test_accuracy)
        .collect();
    let lower = |b: &RunResult, h: &RunResult| b.final_train_loss < h.final_train_loss;
    let higher = |b: &RunResult, h: &RunResult| b.test_accuracy > h.test_accuracy;
    let count = |f: &dyn Fn(&RunResult, &RunResult) -> bool| {
        best.iter().zip(he).filter(|(b, h)| f(b, h)).count()
    };
    let train_loss_diff = Estimate::of(&dloss, seeds.0);
    let test_accuracy_diff = Estimate::of(&dacc, seeds.1);
    let below = |e: &Estimate| e.ci95.is_some_and(|(_, hi)| hi < 0.0);
    let above = |e: &Estimate| e.ci95.is_some_and(|(lo, _)| lo > 0.0);
    let beats = below(&train_loss_diff) && above(&test_accuracy_diff);
    let runs_both = count(&|b, h| lower(b, h) && higher(b, h));
    let always = c != 1.0 && runs_both == best.len();
    let direction = |e: &Estimate, low: &str, high: &str| {
        if below(e) {
            low.to_string()
        } else if above(e) {
            high.to_string()
        } else {
            "indistinguishable".to_string()
        }
    };
    let verdict = if c == 1.0 {
        "no: He-normal (c = 1) itself has the highest mean test accuracy on the grid".to_string()
    } else {
        let answer = match (beats, always) {
            (true, true) => "yes, in every run",
            (true, false) => "yes on average, not always",
            (false, _) => "no",
        };
        format!(
            "{answer}: c = {c:.3} against He-normal has test accuracy {}, train loss {} (paired 95 % CIs); \
             better on both in {runs_both} of {} runs",
            direction(&test_accuracy_diff, "lower", "higher"),
            direction(&train_loss_diff, "lower", "higher"),
            best.len()
        )
    };
    VersusHe {
        c,
        train_loss_diff,
        test_accuracy_diff,
        runs: best.len(),
        runs_lower_loss: count(&lower),
        runs_higher_accuracy: count(&higher),
        runs_both,
        beats,
        always,
        verdict,
    }
}

fn main() -> Result<()> {
    let args = Args::parse();
    let grid = match &args.c_grid {
        Some(text) => parse_grid(text)?,
        None => default_grid(),
    };
    if args.epochs == 0 {
        anyhow::bail!("--epochs 0: every run needs at least one epoch");
    }
    let session = Session::start("variance_sweep", &args.common)?;
    let configs = configs(&session)?;
    let results = with_progress(
        &configs,
        "configs",
        |c| c.name.as_str(),
        |c| sweep(&session, c, &grid, args.epochs),
    )?;
    let json = json!({
        "experiment": session.name(),
        "seed": session.seed(),
        "grid": grid,
        "configs": results,
        "seconds": session.seconds(),
    });
    let csv = csv(&results);
    let figures = figures(&results)?;
    let extra = format!(
        "{}{}",
        args.c_grid
            .as_ref()
            .map_or(String::new(), |g| format!(" --c-grid {g}")),
        if args.epochs == 20 {
            String::new()
        } else {
            format!(" --epochs {}", args.epochs)
        }
    );
    let md = report_md(&session, &extra, &results);
    session.write(&Report {
        json,
        md,
        csv,
        figures,
    })
}

fn csv(results: &[ConfigResult]) -> String {
    results.iter().fold(
        String::from("task,arch,optimizer,c,runs,diverged,train_loss_mean,test_accuracy_mean\n"),
        |mut s, r| {
            for p in &r.points {
                s += &format!(
                    "{},{},{},{},{},{},{:.6},{:.6}\n",
                    r.task,
                    r.arch,
                    r.optimizer.name(),
                    p.c,
                    p.runs,
                    p.diverged,
                    p.final_train_loss.mean,
                    p.test_accuracy.mean
                );
            }
            s
        },
    )
}

fn figures(results: &[ConfigResult]) -> Result<Vec<(String, String)>> {
    let series = |f: fn(&Point) -> Estimate| -> Vec<(String, Vec<Interval>)> {
        results
            .iter()
            .map(|r| {
                let pts = r
                    .points
                    .iter()
                    .map(|p| {
                        let e = f(p);
                        let (lo, hi) = e.ci95.unwrap_or((e.mean, e.mean));
                        Interval {
                            x: p.c.log2(),
                            y: e.mean,
                            lo,
                            hi,
                        }
                    })
                    .collect();
                (format!("{} {} {}", r.task, r.arch, r.optimizer.name()), pts)
            })
            .collect()
    };
    let chart = |name: &str, title: &str, y: &str, s: Vec<(String, Vec<Interval>)>| {
        let finite = s.iter().flat_map(|(_, v)| v).flat_map(|i| [i.lo, i.hi]);
        let (lo, hi) = finite
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
        let pad = ((hi - lo) * 0.05).max(1e-6);
        let xs = s.iter().flat_map(|(_, v)| v).map(|i| i.x);
        let (x0, x1) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        plot::interval_chart(
            title,
            ("log2 c (weights N(0, c·2/fan_in); 0 = He-normal)", y),
            ((x0 - 0.25, x1 + 0.25), (lo - pad, hi + pad)),
            &s,
            &[],
        )
        .map(|svg| (name.to_string(), svg))
    };
    Ok(vec![
        chart(
            "test_accuracy",
            "test accuracy vs c (mean, bootstrap 95 % CI)",
            "test accuracy",
            series(|p| p.test_accuracy),
        )?,
        chart(
            "train_loss",
            "final train loss vs c (mean, bootstrap 95 % CI)",
            "final train loss",
            series(|p| p.final_train_loss),
        )?,
    ])
}

fn report_md(session: &Session, extra: &str, results: &[ConfigResult]) -> String {
    let mut md = format!(
        "# variance_sweep: is there a weight variance that always beats He-normal?\n\n{}\
         Seed 004 (Horii & Has, arXiv 2508.12834) derives an optimal initialization variance from a Fokker–Planck view of SGD \
         and reports that it \"always achieves lower final training loss and higher test accuracy than the conventional \
         He-normal initialization\". Only the abstract is available to us; the closed form of the optimal condition is not \
         available anywhere we could read, so this report does not evaluate it. It measures the claim's testable core instead: \
         weights N(0, c·2/fan_in), biases 0, for c on a log grid (c = 1 is He-normal), {} runs per point, minibatch {BATCH}, \
         a fixed epoch budget, stratified 75/25 splits. Run r at every c starts from the same standard-normal draws (scaled by \
         √c) and sees the same minibatch order, so differences against c = 1 are paired. Intervals: bootstrap 95 % ({RESAMPLES} \
         resamples) of the mean. The best c is picked on the same runs it is then compared on, which favours it slightly.\n\n",
        session.generated_md(extra, true),
        session.runs(),
    );
    md += "## Verdicts\n\n";
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|r| {
            let v = &r.beats_he;
            vec![
                format!("{} {} {:#}", r.task, r.arch, r.optimizer),
                format!("{:.3}", r.best_c),
                format!("{:.3}", r.best_c_by_train_loss),
                v.test_accuracy_diff.md(4),
                v.train_loss_diff.md(4),
                format!(
                    "{} / {} / {} of {}",
                    v.runs_higher_accuracy, v.runs_lower_loss, v.runs_both, v.runs
                ),
                v.verdict.clone(),
            ]
        })
        .collect();
    md += &md_table(
        &[
            "config",
            "best c (test acc.)",
            "best c (train loss)",
            "Δ test acc. vs He (95 % CI)",
            "Δ train loss vs He (95 % CI)",
            "runs better: acc. / loss / both",
            "beats He-normal?",
        ],
        &rows,
    );
    for r in results {
        md += &format!(
            "\n## {} {} — {:#}, {} epochs, batch {}, {}\n\n",
            r.task, r.arch, r.optimizer, r.epochs, r.batch, r.preprocessing
        );
        let rows: Vec<Vec<String>> = r
            .points
            .iter()
            .map(|p| {
                vec![
                    format!("{:.3}", p.c),
                    p.runs.to_string(),
                    p.diverged.to_string(),
                    p.final_train_loss.md(4),
                    p.test_accuracy.md(4),
                ]
            })
            .collect();
        md += &md_table(
            &[
                "c",
                "runs",
                "non-finite loss",
                "final train loss (95 % CI)",
                "test accuracy (95 % CI)",
            ],
            &rows,
        );
    }
    md += "\n## Figures\n\n![test accuracy vs c](variance_sweep_test_accuracy.svg)\n\n\
           ![final train loss vs c](variance_sweep_train_loss.svg)\n";
    md
}
