//! xor_grid: the proposal's experimental design (seeds/000 §3) on the XOR presets — init
//! schemes × selection rules × optimizers (with an LR grid), total time to success counting
//! sampling, and the proposal's other selection variants at matched budgets.
//!
//! `cargo run --release -p experiments --bin xor_grid -- --runs 2000 --seed 2025`

use anyhow::Result;
use clap::{CommandFactory, FromArgMatches, Parser};
use experiments::cli::Common;
use experiments::driver::{JsonLayout, Session};
use experiments::grid::{AxesArgs, DEFAULT_RUNS, Grid, RunOptions, regenerating_flags, run_cells};
use experiments::grid_report::xor_grid_report;

/// Schemes × selections × optimizers on abs1, relu1 and relu2.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    axes: AxesArgs,
    /// Selection ids (default: the main grid and the variants).
    #[arg(long, value_delimiter = ',')]
    selections: Vec<String>,
}

fn main() -> Result<()> {
    let matches = Args::command()
        .mut_arg("runs", |a| a.default_value(DEFAULT_RUNS))
        .get_matches();
    let args = Args::from_arg_matches(&matches)?;
    let grid = Grid::parse(
        &args.axes.presets,
        &args.axes.schemes,
        &args.selections,
        &args.axes.optimizers,
    )?;
    let cells = grid.cells()?;
    let session = Session::start("xor_grid", &args.common)?;
    let results = run_cells(&cells, RunOptions::of(&session))?;
    let extra_args = regenerating_flags(&[
        ("presets", &args.axes.presets),
        ("schemes", &args.axes.schemes),
        ("selections", &args.selections),
        ("optimizers", &args.axes.optimizers),
    ]);
    let report = xor_grid_report(&session, &results, &extra_args)?;
    // Compact JSON: thousands of cells are megabytes when indented.
    session.write_with(&report, JsonLayout::Compact, &[])
}
