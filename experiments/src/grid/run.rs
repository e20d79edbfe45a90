//! Runs a list of cells: per (preset, scheme) one scorer, one gradient-norm pilot and one set of
//! transfer priors; per selection one choice of inits, shared by every optimizer and rate (so
//! optimizers are compared on the same inits); per cell one lockstep training.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use initsift_batch::Isa;
use initsift_batch::lockstep::Lockstep;

use super::{Cell, CellSummary, SelectionId, Source, choose, summarize, xor_scorer};

/// What every cell of a run shares.
#[derive(Debug, Clone, Copy)]
pub struct RunOptions {
    /// Runs per cell.
    pub runs: usize,
    /// The master seed.
    pub seed: u64,
    /// The ISA the kernels run on.
    pub isa: Isa,
}

impl RunOptions {
    /// The runs, seed and ISA `session` was started with.
    pub fn of(session: &crate::driver::Session) -> RunOptions {
        RunOptions {
            runs: session.runs(),
            seed: session.seed(),
            isa: session.isa,
        }
    }
}

/// One run, kept for per-run analyses (initial loss against outcome, the distance fit).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunRecord {
    /// Initial loss.
    pub initial_loss: f64,
    /// Epochs completed.
    pub epochs: usize,
    /// All four points correct.
    pub success: bool,
    /// ‖θ_final − θ_init‖.
    pub distance: f64,
}

/// A cell's summary, and its runs when it is a plain-draw cell (the others keep no runs, to
/// bound memory).
#[derive(Debug, Clone)]
pub struct CellResult {
    /// The cell.
    pub cell: Cell,
    /// Its summary.
    pub summary: CellSummary,
    /// Its runs (random selection only).
    pub records: Vec<RunRecord>,
}

/// Runs `cells` (any order; results come back in the same order).
pub fn run_cells(cells: &[Cell], opts: RunOptions) -> Result<Vec<CellResult>> {
    // Group: (preset, scheme) → selection → cell positions.
    type Groups = BTreeMap<(String, super::SchemeId), BTreeMap<SelectionId, Vec<usize>>>;
    let mut groups: Groups = BTreeMap::new();
    for (k, c) in cells.iter().enumerate() {
        groups
            .entry((c.preset.to_string(), c.scheme))
            .or_default()
            .entry(c.selection)
            .or_default()
            .push(k);
    }
    let bar = ProgressBar::new(cells.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} cells {msg} [{elapsed}/{eta}]")
            .expect("valid template"),
    );
    let mut out: Vec<Option<CellResult>> = vec![None; cells.len()];
    for selections in groups.values() {
        let first = &cells[*selections
            .values()
            .next()
            .expect("non-empty")
            .first()
            .expect("non-empty")];
        let scorer = xor_scorer(first.preset, opts.isa)?;
        let src = Source::new(first.preset, first.scheme, scorer.as_ref(), opts.seed)?;
        for (&selection, members) in selections {
            bar.set_message(format!("{}/{}/{selection}", first.preset, first.scheme));
            let chosen = choose(&src, selection, opts.runs).with_context(|| {
                format!(
                    "choosing inits for {}/{}/{selection}",
                    first.preset, first.scheme
                )
            })?;
            for &k in members {
                let cell = cells[k];
                let trainer = Lockstep::new(cell.training(), opts.isa)?;
                let start = Instant::now();
                let report = trainer.train(opts.runs, &chosen.inits)?;
                let training_seconds = start.elapsed().as_secs_f64();
                let summary = summarize(
                    &cell,
                    &report,
                    chosen.draws,
                    chosen.sampling_seconds,
                    training_seconds,
                );
                let records = if selection == SelectionId::Random {
                    report
                        .outcomes
                        .iter()
                        .map(|o| RunRecord {
                            initial_loss: o.initial_loss,
                            epochs: o.epochs,
                            success: o.success,
                            distance: o.distance,
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                out[k] = Some(CellResult {
                    cell,
                    summary,
                    records,
                });
                bar.inc(1);
            }
        }
    }
    bar.finish_and_clear();
    Ok(out
        .into_iter()
        .map(|r| r.expect("every cell ran"))
        .collect())
}
