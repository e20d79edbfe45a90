//! xor_grid: the proposal's experimental design (seeds/000 §3) on the XOR presets — init
//! schemes × selection rules × optimizers (with an LR grid), total time to success counting
//! sampling, and the proposal's other selection variants at matched budgets.
//!
//! `cargo run --release -p experiments --bin xor_grid -- --runs 2000 --seed 2025`

use std::time::Instant;

use anyhow::Result;
use clap::{CommandFactory, FromArgMatches, Parser};
use experiments::cli::Common;
use experiments::grid::{Grid, RunOptions, run_cells};
use experiments::grid_report;

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
    let (out, isa) = args.common.prepare()?;
    let started = Instant::now();
    let opts = RunOptions {
        runs: args.common.runs,
        seed: args.common.seed,
        isa,
    };
    let results = run_cells(&cells, opts)?;
    grid_report::write_xor_grid(&out, &results, opts, started.elapsed().as_secs_f64())
}
