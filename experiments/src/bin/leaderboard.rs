//! leaderboard: every family of initializer side by side on every task of the real-data study
//! at its base configuration and on relu1/relu2 XOR, under one training budget per task
//! (issue 15 item 5). This file is the study's descriptor: its entries and its words; the
//! machinery is `experiments::leaderboard`.
//!
//! `cargo run --release -p experiments --bin leaderboard -- --runs 200 --tune-runs 100 --seed 2025`

use anyhow::{Result, bail};
use clap::Parser;
use experiments::cli::Common;
use experiments::driver::{Report, Session, with_progress};
use experiments::leaderboard::board::{Budget, REFERENCE, TaskBoard, run_task};
use experiments::leaderboard::entry::{Entry, Method};
use experiments::leaderboard::report::{
    RANK_RULE, csv, overall_md, task_figure, task_json, task_md,
};
use experiments::leaderboard::task::{BATCH_ROWS, BoardTask, known_tasks};
use experiments::leaderboard::train::CHECKPOINTS;
use experiments::real::arm::{BOTTOM_10, Pick, SPARSITY};
use experiments::variance::default_grid;
use initsift_datadep::{DataDependent, GradInitConfig, LsuvConfig, MetaInitConfig, NioConfig};
use serde_json::json;

/// The initializer leaderboard.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Runs (seeds) per entry and task.
    #[arg(long, default_value_t = 200)]
    runs: usize,
    /// Tuning runs per grid point of the best-variance entry (seeds disjoint from the runs').
    #[arg(long, default_value_t = 100)]
    tune_runs: usize,
    /// A small run for tests: 12 runs per entry, 4 tuning runs per c (epochs, methods and JSON
    /// keys as in the full run).
    #[arg(long)]
    quick: bool,
    /// Run only these tasks (comma-separated; default: all).
    #[arg(long, value_delimiter = ',')]
    tasks: Vec<String>,
    /// Run only these entries (comma-separated; torch_default, the reference, always runs).
    #[arg(long, value_delimiter = ',')]
    methods: Vec<String>,
    /// Master seed.
    #[arg(long, default_value_t = 2025)]
    seed: u64,
    /// Where the report files go.
    #[arg(long, default_value = "docs/results")]
    out: std::path::PathBuf,
    /// Force an instruction set: avx512, avx2 or portable.
    #[arg(long)]
    isa: Option<String>,
}

/// Every entry, the reference first.
fn entries() -> Vec<Entry> {
    let e = Entry::new;
    vec![
        e(REFERENCE, Method::Scheme("torch_default")),
        e("xavier_uniform", Method::Scheme("xavier_uniform")),
        e("kaiming_normal", Method::Scheme("kaiming_normal")),
        e("lecun_normal", Method::Scheme("lecun_normal")),
        e("orthogonal", Method::Scheme("orthogonal")),
        e("sparse", Method::Scheme("sparse")),
        e("best_of_10", Method::Select(Pick::BestOf(10))),
        e("best_of_100", Method::Select(Pick::BestOf(100))),
        e("bottom_10pct_of_100", Method::Select(BOTTOM_10)),
        e(
            "lsuv",
            Method::DataDependent(DataDependent::Lsuv(LsuvConfig::default())),
        ),
        e(
            "gradinit",
            Method::DataDependent(DataDependent::GradInit(GradInitConfig::default())),
        ),
        e(
            "nio",
            Method::DataDependent(DataDependent::Nio(NioConfig::default())),
        ),
        e(
            "metainit",
            Method::DataDependent(DataDependent::MetaInit(MetaInitConfig::default())),
        ),
        e("best_variance_c", Method::BestVariance),
        e("lsuv_then_best_of_10", Method::LsuvThenBestOf(10)),
        e("best_of_100_then_nio", Method::BestOfThenNio(100)),
    ]
}

/// The names in `wanted` that are not in `known`, as an error naming them.
fn check_names(flag: &str, wanted: &[String], known: &[&str]) -> Result<()> {
    for w in wanted {
        if !known.contains(&w.as_str()) {
            bail!("{flag}: unknown name `{w}`; known: {}", known.join(", "));
        }
    }
    Ok(())
}

fn main() -> Result<()> {
    let args = Args::parse();
    let (runs, tune_runs) = if args.quick {
        (12, 4)
    } else {
        (args.runs, args.tune_runs)
    };
    if runs < 2 || tune_runs < 2 {
        bail!("--runs {runs} --tune-runs {tune_runs}: intervals need at least 2 runs each");
    }
    let all = entries();
    let entry_names: Vec<&str> = all.iter().map(|e| e.name.as_str()).collect();
    check_names("--methods", &args.methods, &entry_names)?;
    let task_names = known_tasks();
    check_names("--tasks", &args.tasks, &task_names)?;
    let common = Common {
        runs,
        seed: args.seed,
        out: args.out.clone(),
        isa: args.isa.clone(),
    };
    let session = Session::start("leaderboard", &common)?;
    let chosen: Vec<Entry> = all
        .into_iter()
        .filter(|e| {
            e.name == REFERENCE || args.methods.is_empty() || args.methods.contains(&e.name)
        })
        .collect();
    let tasks = task_names
        .iter()
        .filter(|t| args.tasks.is_empty() || args.tasks.iter().any(|w| w == *t))
        .map(|t| BoardTask::from_name(t, session.seed(), session.isa))
        .collect::<Result<Vec<_>>>()?;
    let budget = Budget {
        runs,
        tune_runs,
        grid: default_grid(),
    };
    let boards = with_progress(
        &tasks,
        "tasks",
        |t| t.name,
        |t| run_task(t.clone(), &chosen, &budget),
    )?;
    session.write(&report(&session, &args, &budget, &boards)?)
}

fn report(session: &Session, args: &Args, budget: &Budget, boards: &[TaskBoard]) -> Result<Report> {
    let json = json!({
        "experiment": "leaderboard",
        "seed": session.seed(),
        "quick": args.quick,
        "runs": budget.runs,
        "tune_runs": budget.tune_runs,
        "seconds": session.seconds(),
        "threads": rayon::current_num_threads(),
        "rank_rule": RANK_RULE,
        "tasks": boards.iter().map(task_json).collect::<Vec<_>>(),
    });
    let mut figures = Vec::new();
    for b in boards {
        figures.push((b.task.name.to_string(), task_figure(b)?));
    }
    let mut md = format!(
        "# leaderboard: every initializer family side by side\n\n{}",
        session.generated_md(
            &format!(
                " --tune-runs {}{}",
                budget.tune_runs,
                if args.quick { " --quick" } else { "" }
            ),
            true
        )
    );
    md.push_str(&method_md(budget));
    md.push_str(&overall_md(boards));
    for b in boards {
        md.push_str(&task_md(b));
    }
    md.push_str(
        "\nOne row per run (task, entry, run, losses, held-out metric, epochs to target) is in \
         leaderboard.csv beside this report; it is not committed, and the command above \
         regenerates it.\n",
    );
    Ok(Report {
        json,
        md,
        csv: csv(boards),
        figures,
    })
}

fn method_md(budget: &Budget) -> String {
    let checkpoints: Vec<String> = CHECKPOINTS.iter().map(usize::to_string).collect();
    format!(
        "Every entry of a task trains under the same budget: real tasks at real_tasks' base \
         configuration (Adam, its learning rate and minibatch, 20 epochs, the same minibatch \
         order for every run), XOR presets with the write-up's recipe (relu1: Adam, relu2: SGD; \
         MSE; their stop rules). Each entry has {runs} runs; run r of every entry that starts from \
         torch_default starts from the same torch_default draw (the run's stream), so entries are \
         paired with the plain draw.\n\n\
         Entries:\n\
         - **Standard schemes**, weights as named, biases 0 (torch_default: `nn.Linear`'s own \
         U(±1/√fan_in) for both): torch_default, xavier_uniform (Glorot uniform, gain 1), \
         kaiming_normal (He normal, fan_in, ReLU gain), lecun_normal (Keras: truncated normal, \
         std √(1/fan_in)), orthogonal (gain 1), sparse (PyTorch `sparse_`, sparsity {SPARSITY}, \
         std 0.01).\n\
         - **Loss-based selection** among torch_default candidates by their initial loss on all \
         training rows: best_of_10, best_of_100, and bottom_10pct_of_100 (uniformly one of the \
         best 10 % of 100).\n\
         - **Data-dependent**, each from the run's torch_default draw with initsift-datadep's \
         defaults (the official code's): LSUV (orthonormal pre-init drawn per run, tol 0.02 on \
         the variance, at most 20 rescales per layer), GradInit (SGD, η 0.1, γ 1, 390 \
         iterations), NIO (GradCosine, D 2, γ 5, 100 iterations), MetaInit (lr 0.1, momentum \
         0.9, 500 steps), on a fixed batch: {BATCH_ROWS} training rows drawn once per task \
         (seeded; the JSON lists them), all four points on XOR.\n\
         - **best_variance_c**: weights N(0, c·2/fan_in), biases 0, c from the variance sweep's \
         grid (1/8 to 8), chosen per task by the lowest mean final training loss over \
         {tune} tuning runs per c on seeds no leaderboard run uses; its tuning cost is given \
         apart, per task.\n\
         - **Combinations**: lsuv_then_best_of_10 (LSUV on each of 10 torch_default candidates, \
         then the lowest initial training loss: LSUV fixes every layer's scale, so the pick \
         can only choose among directions, which is what selection is for) and \
         best_of_100_then_nio (the best_of_100 pick, then NIO: selection chooses the \
         direction, NIO only rescales tensors, so the two act on different things).\n\n\
         Per entry: init cost as mean wall seconds per init (inits made in parallel over runs, on \
         a machine shared with other jobs) and passes counted from what the method does \
         (forward passes over the training rows for each candidate scored; on the batch, \
         forward, backward and higher-order reverse sweeps per iteration from the method's \
         trace); the training loss at the init, after epochs {cp} and at the end; epochs to \
         the target training loss (real tasks: torch_default's median final-epoch loss; XOR: \
         convergence, loss < 1e-7), a median with runs that never reach it counted as later \
         than any, with a bootstrap interval; and the held-out metric (test accuracy, test MSE \
         of the standardized target, reconstruction MSE, or the XOR success rate). Means carry \
         ±1.96 standard errors, rates Wilson intervals. The rank: {RANK_RULE}; \"rank (train)\" \
         applies it to the final training loss.\n",
        runs = budget.runs,
        tune = budget.tune_runs,
        cp = checkpoints.join("/"),
    )
}
