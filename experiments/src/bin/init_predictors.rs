//! init_predictors: which quantity at initialization predicts the outcome of training (issue 15
//! item 4)? Seed 002 makes GradCosine an upper-bound indicator of training and generalisation
//! error; seed 000 selects by the initial loss. This measures both, and the gradient norm,
//! GradInit's one-step loss and MetaInit's gradient quotient, at ≥ 10⁴ random inits per task,
//! trains every init, and asks which quantity ranks the outcomes and which best-of-K selector
//! wins at what cost. The machinery is `experiments::predictors`.
//!
//! `cargo run --release -p experiments --bin init_predictors -- --runs 10000 --seed 2025`

use anyhow::{Result, bail};
use clap::Parser;
use experiments::cli::Common;
use experiments::driver::{Report, Session, with_progress};
use experiments::leaderboard::task::BATCH_ROWS;
use experiments::predictors::report::{
    SIGN_CONVENTION, csv, figures, outcomes_json, quantities_json, task_json, task_md, verdicts,
};
use experiments::predictors::select::check_k;
use experiments::predictors::task::{KNOWN_TASKS, PredictorTask};
use experiments::predictors::{TaskResult, run_task};
use serde_json::json;

/// Which quantity at init predicts the outcome, and best-of-K by each.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    #[command(flatten)]
    common: Common,
    /// Tasks (comma-separated; default: all).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "digits,breast_cancer,relu1,relu2"
    )]
    tasks: Vec<String>,
    /// K of best-of-K (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "10,100")]
    ks: Vec<usize>,
    /// A small run for tests: 200 inits per task (K and JSON keys as in the full run).
    #[arg(long)]
    quick: bool,
}

/// Inits per task under `--quick`.
const QUICK_RUNS: usize = 200;

fn main() -> Result<()> {
    let mut args = Args::parse();
    if args.quick {
        args.common.runs = QUICK_RUNS;
    }
    let session = Session::start("init_predictors", &args.common)?;
    let n = session.runs();
    if args.ks.is_empty() {
        bail!("--ks is empty: give at least one K, e.g. 10,100");
    }
    for &k in &args.ks {
        check_k(k, n).map_err(|e| e.context(format!("--ks {k} with --runs {n}")))?;
    }
    // Every task is loaded (and every name checked) before any work.
    let tasks = args
        .tasks
        .iter()
        .map(|t| PredictorTask::from_name(t, session.seed(), session.isa))
        .collect::<Result<Vec<_>>>()?;
    if tasks.is_empty() {
        bail!("--tasks is empty; known: {}", KNOWN_TASKS.join(", "));
    }
    let results: Vec<TaskResult> = with_progress(
        &tasks,
        "tasks",
        |t| t.name(),
        |t| run_task(t.clone(), n, &args.ks, session.seed()),
    )?;
    let verdicts = verdicts(&results);
    let extra = format!(
        "{}{}",
        if args.quick { " --quick" } else { "" },
        if args.tasks.len() < 4 {
            format!(" --tasks {}", args.tasks.join(","))
        } else {
            String::new()
        }
    );
    let json = json!({
        "experiment": session.name(),
        "generated_by": format!("cargo run --release -p experiments --bin init_predictors -- --runs {n} --seed {}{extra}", session.seed()),
        "seed": session.seed(),
        "runs": n,
        "ks": args.ks,
        "seconds": session.seconds(),
        "threads": rayon::current_num_threads(),
        "sign_convention": SIGN_CONVENTION,
        "quantities": quantities_json(),
        "outcomes": outcomes_json(),
        "tasks": results.iter().map(task_json).collect::<Vec<_>>(),
        "verdicts": verdicts,
    });
    let mut md = format!(
        "# Which quantity at initialization predicts the outcome?\n\n{}",
        session.generated_md(&extra, true)
    );
    md.push_str(&intro(n, &args.ks));
    md.push_str("## Verdicts\n\n");
    for v in &verdicts {
        md.push_str(&format!("- {v}\n"));
    }
    md.push('\n');
    for r in &results {
        md.push_str(&task_md(r));
    }
    session.write(&Report {
        json,
        md,
        csv: csv(&results),
        figures: figures(&results)?,
    })
}

/// What the study does and how to read it.
fn intro(n: usize, ks: &[usize]) -> String {
    let ks = ks
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(" and ");
    format!(
        "Seed 002 (NIO) proves GradCosine an upper-bound indicator of training and \
         generalisation error; seed 000 selects inits by their initial loss; GradInit bounds the \
         gradient norm and minimises the loss one step later; MetaInit minimises the gradient \
         quotient. Here each is measured at {n} random inits per task (torch_default on the \
         real tasks, the preset's own init on XOR), every init is trained, and each quantity is \
         correlated with each outcome. Then best-of-K by each quantity (K = {ks}) is replayed \
         from the same pool: the {n} inits are cut into disjoint groups of K, a selector picks \
         its group's extreme, the random arm takes the group's first init, and their outcomes \
         are compared pair by pair. No extra training is needed, so every selector sees the \
         same inits. Costs are single-thread seconds per init (wall clock on a shared 2-core \
         machine), × K per pick.\n\n\
         The data-dependent quantities use one fixed batch per task: {BATCH_ROWS} training rows \
         drawn with a seeded generator on the real tasks, the four points on XOR. On XOR the \
         test metric is success (all four points right when training stops) and epochs to \
         target counts epochs to the recipe's convergence threshold (runs that never converge \
         count one epoch more than the budget).\n\n\
         **Sign convention.** {SIGN_CONVENTION}\n\n"
    )
}
