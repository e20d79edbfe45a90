//! xor_grid: the proposal's experimental design (seeds/000 §3) on the XOR presets — init
//! schemes × selection rules × optimizers (with an LR grid), total time to success counting
//! sampling, and the proposal's other selection variants at matched budgets.
//!
//! `cargo run --release -p experiments --bin xor_grid -- --runs 2000 --seed 2025`

use anyhow::Result;
use clap::{CommandFactory, FromArgMatches, Parser};
use experiments::cli::Common;
use experiments::driver::{JsonLayout, Session};
use experiments::grid::{Grid, RunOptions, regenerating_flags, run_cells};
use experiments::grid_report::xor_grid_report;

/// Schemes × selections × optimizers on abs1, relu1 and relu2.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    #[command(flatten)]
    common: Common,
    /// Presets (comma-separated; default: relu1, relu2, abs1).
    #[arg(long, value_delimiter = ',')]
    presets: Vec<String>,
    /// Scheme ids (default: all).
    #[arg(long, value_delimiter = ',')]
    schemes: Vec<String>,
    /// Selection ids (default: the main grid and the variants).
    #[arg(long, value_delimiter = ',')]
    selections: Vec<String>,
    /// Optimizer ids (default: adam, sgd, rmsprop).
    #[arg(long, value_delimiter = ',')]
    optimizers: Vec<String>,
}

/// Runs per cell by default: the whole grid then fits in 10 minutes on 2 cores.
const DEFAULT_RUNS: &str = "2000";

fn main() -> Result<()> {
    let matches = Args::command()
        .mut_arg("runs", |a| a.default_value(DEFAULT_RUNS))
        .get_matches();
    let args = Args::from_arg_matches(&matches)?;
    let grid = Grid::parse(
        &args.presets,
        &args.schemes,
        &args.selections,
        &args.optimizers,
    )?;
    let cells = grid.cells()?;
    let session = Session::start("xor_grid", &args.common)?;
    let opts = RunOptions {
        runs: session.runs(),
        seed: session.seed(),
        isa: session.isa,
    };
    let results = run_cells(&cells, opts)?;
    let extra_args = regenerating_flags(&[
        ("presets", &args.presets),
        ("schemes", &args.schemes),
        ("selections", &args.selections),
        ("optimizers", &args.optimizers),
    ]);
    let report = xor_grid_report(&session, &results, &extra_args)?;
    // Compact JSON: thousands of cells are megabytes when indented.
    session.write_with(&report, JsonLayout::Compact, &[])
}
