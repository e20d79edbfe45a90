//! cost_benefit: RQ2 of the proposal (seeds/000 §3.4, §4.2, §5.3) on the XOR presets — measured
//! costs of scoring and training, net benefit and break-even of best-of-n, the proposal's
//! "should I use it" heuristic against measurement, §5.3's bound, and an on-paper
//! extrapolation to larger models.
//!
//! `cargo run --release -p experiments --bin cost_benefit -- --runs 2000 --seed 2025`

use anyhow::Result;
use clap::{CommandFactory, FromArgMatches, Parser};
use experiments::cli::Common;
use experiments::cost_report::cost_benefit_report;
use experiments::driver::Session;
use experiments::grid::{
    AxesArgs, BEST_OF_K, DEFAULT_RUNS, Grid, RunOptions, SelectionId, regenerating_flags, run_cells,
};

/// Cost–benefit of best-of-n per preset × optimizer × scheme.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    axes: AxesArgs,
}

fn main() -> Result<()> {
    let matches = Args::command()
        .mut_arg("runs", |a| a.default_value(DEFAULT_RUNS))
        .get_matches();
    let args = Args::from_arg_matches(&matches)?;
    let selections: Vec<String> = std::iter::once(SelectionId::Random)
        .chain(BEST_OF_K.map(|k| SelectionId::BestOf { k }))
        .map(|s| s.to_string())
        .collect();
    let mut grid = Grid::parse(
        &args.axes.presets,
        &args.axes.schemes,
        &selections,
        &args.axes.optimizers,
    )?;
    grid.lr_factors = vec![1.0];
    let cells = grid.cells()?;
    let session = Session::start("cost_benefit", &args.common)?;
    let results = run_cells(&cells, RunOptions::of(&session))?;
    let extra = regenerating_flags(&[
        ("presets", &args.axes.presets),
        ("schemes", &args.axes.schemes),
        ("optimizers", &args.axes.optimizers),
    ]);
    session.write(&cost_benefit_report(&session, &results, &extra)?)
}
