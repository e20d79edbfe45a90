//! The proposal's experimental design on the XOR presets (seeds/000 §3): init schemes ×
//! selection rules × optimizers (with a small LR grid), enumerated as cells with stable ids.
//!
//! ```
//! use experiments::grid::{Grid, SelectionId};
//! let grid = Grid::parse(&["relu1"], &["zeros", "xavier_normal"], &["random", "best_of_100"], &["sgd"])?;
//! let cells = grid.cells()?;
//! assert_eq!(cells.len(), 2 * 2 * 3); // schemes × selections × the 3 rates of the LR grid
//! assert_eq!(cells[0].id(), "relu1/zeros/sgd@0.03/random");
//! assert!("percentile_0_of_100".parse::<SelectionId>().is_err());
//! # Ok::<(), experiments::grid::GridError>(())
//! ```

mod choose;
mod optimizer;
mod run;
mod scheme;
mod selection;
mod summary;

pub use choose::{Chosen, Source, choose, xor_scorer};
pub use optimizer::{LR_FACTORS, OptimizerId};
pub use run::{CellResult, RunOptions, RunRecord, run_cells};
pub use scheme::SchemeId;
pub use selection::{
    BEST_OF_K, MIN_VARIANT_BUDGET, PERCENTILES, POOLS, SelectionId, VARIANT_BUDGETS, Weighting,
};
pub use summary::{CellSummary, Epochs, TimeToSuccess, exact_bootstrap_median_ci, summarize};

use initsift_batch::Preset;
use initsift_batch::lockstep::LockstepConfig;
use initsift_nn::{Loss, StopRules};
use serde::Serialize;
use thiserror::Error;

/// Runs per cell by default: the whole xor_grid then fits in 10 minutes on 2 cores (104 s idle).
pub const DEFAULT_RUNS: &str = "2000";

/// The grid axes that `xor_grid` and `cost_benefit` both take on the command line (comma-separated
/// ids; empty means every default); [`Grid::parse`] checks them.
#[derive(Debug, Clone, clap::Args)]
pub struct AxesArgs {
    /// Presets (comma-separated; default: relu1, relu2, abs1).
    #[arg(long, value_delimiter = ',')]
    pub presets: Vec<String>,
    /// Scheme ids (default: all).
    #[arg(long, value_delimiter = ',')]
    pub schemes: Vec<String>,
    /// Optimizer ids (default: adam, sgd, rmsprop).
    #[arg(long, value_delimiter = ',')]
    pub optimizers: Vec<String>,
}

/// Bad grid input: each names the value and what was expected.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum GridError {
    /// A scheme id that is not one of the grid's.
    #[error("unknown scheme `{given}`; known: {known}")]
    UnknownScheme {
        /// What was given.
        given: String,
        /// The known ids.
        known: String,
    },
    /// A selection id that does not parse.
    #[error("unknown selection `{given}`; known: {grammar}")]
    UnknownSelection {
        /// What was given.
        given: String,
        /// The id grammar.
        grammar: &'static str,
    },
    /// An optimizer id that is not one of the grid's.
    #[error("unknown optimizer `{given}`; known: {known}")]
    UnknownOptimizer {
        /// What was given.
        given: String,
        /// The known ids.
        known: String,
    },
    /// A preset name that is not abs1, relu1 or relu2.
    #[error("unknown preset `{given}`; known: abs1, relu1, relu2")]
    UnknownPreset {
        /// What was given.
        given: String,
    },
    /// K or N of 0.
    #[error("selection `{id}`: {what} must be at least 1")]
    ZeroCount {
        /// The selection id.
        id: String,
        /// Which count (K or N).
        what: &'static str,
    },
    /// A percentile outside (0, 100), or not a whole number.
    #[error("selection `{id}`: the percentile {p} must be a whole number in (0, 100)")]
    Percentile {
        /// The selection id.
        id: String,
        /// The percentile given.
        p: f64,
    },
    /// A variant's budget too small for its pilots and rounds.
    #[error("selection `{id}`: budget {n} is below the variants' minimum of {min}")]
    SmallBudget {
        /// The selection id.
        id: String,
        /// The budget given.
        n: u64,
        /// The minimum.
        min: u64,
    },
    /// A grid with no cells.
    #[error("the grid is empty: {why}")]
    Empty {
        /// Which axis (or combination) left no cell.
        why: String,
    },
}

/// The command-line flags that regenerate a report, ` --flag a,b` for each non-empty list.
pub fn regenerating_flags(flags: &[(&str, &[String])]) -> String {
    flags
        .iter()
        .filter(|(_, values)| !values.is_empty())
        .map(|(flag, values)| format!(" --{flag} {}", values.join(",")))
        .collect()
}

/// Parses a preset name.
pub fn parse_preset(s: &str) -> Result<Preset, GridError> {
    Preset::ALL
        .into_iter()
        .find(|p| p.name() == s)
        .ok_or_else(|| GridError::UnknownPreset {
            given: s.to_string(),
        })
}

/// The reference code's stop rules for a preset (tr_xor_configs.md §2): relu1 at most 800
/// epochs with the plateau rule; relu2 600 and abs1 1000, without it; all stop at loss < 1e-7.
pub fn stop_rules(preset: Preset) -> StopRules {
    let no_plateau = |max_epochs| StopRules {
        max_epochs,
        loss_below: Some(1e-7),
        plateau: None,
    };
    match preset {
        Preset::Relu1 => StopRules::reference(800),
        Preset::Relu2 => no_plateau(600),
        Preset::Abs1 => no_plateau(1000),
    }
}

/// One cell of the grid: a preset trained by one optimizer at one rate from inits of one
/// scheme, chosen by one rule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Cell {
    /// The model.
    pub preset: Preset,
    /// The init scheme.
    pub scheme: SchemeId,
    /// The optimizer.
    pub optimizer: OptimizerId,
    /// Its learning rate.
    pub lr: f64,
    /// How each run's init is chosen.
    pub selection: SelectionId,
}

impl Cell {
    /// `preset/scheme/optimizer@lr/selection`.
    pub fn id(&self) -> String {
        format!(
            "{}/{}/{}@{}/{}",
            self.preset, self.scheme, self.optimizer, self.lr, self.selection
        )
    }

    /// Whether the optimizer runs at its reference rate.
    pub fn at_reference_lr(&self) -> bool {
        self.lr == self.optimizer.reference_lr()
    }

    /// How its runs train: the preset's reference loss (MSE) and stop rules, this optimizer.
    pub fn training(&self) -> LockstepConfig {
        LockstepConfig {
            preset: self.preset,
            optimizer: self.optimizer.config(self.lr),
            loss: Loss::Mse,
            stop: stop_rules(self.preset),
        }
    }
}

/// The axes of a grid. The main rules (random, best-of-K, percentile) run on every preset,
/// scheme, optimizer and rate; the proposal's other variants run on relu1 and relu2, from the
/// write-up's scheme, at each optimizer's reference rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    /// Presets.
    pub presets: Vec<Preset>,
    /// Schemes.
    pub schemes: Vec<SchemeId>,
    /// Selection rules.
    pub selections: Vec<SelectionId>,
    /// Optimizers.
    pub optimizers: Vec<OptimizerId>,
    /// Factors of the LR grid.
    pub lr_factors: Vec<f64>,
}

impl Grid {
    /// The whole design: abs1, relu1, relu2 × every scheme × the main rules and the variants ×
    /// every optimizer × the LR grid.
    pub fn full() -> Self {
        let mut selections = SelectionId::main_grid();
        selections.extend(SelectionId::variants());
        Self {
            presets: vec![Preset::Relu1, Preset::Relu2, Preset::Abs1],
            schemes: SchemeId::ALL.to_vec(),
            selections,
            optimizers: OptimizerId::ALL.to_vec(),
            lr_factors: LR_FACTORS.to_vec(),
        }
    }

    /// A grid from ids; an empty list means the whole axis of [`Grid::full`].
    pub fn parse<S: AsRef<str>>(
        presets: &[S],
        schemes: &[S],
        selections: &[S],
        optimizers: &[S],
    ) -> Result<Self, GridError> {
        fn axis<S: AsRef<str>, T: Clone>(
            given: &[S],
            all: &[T],
            parse: impl Fn(&str) -> Result<T, GridError>,
        ) -> Result<Vec<T>, GridError> {
            if given.is_empty() {
                return Ok(all.to_vec());
            }
            given.iter().map(|s| parse(s.as_ref().trim())).collect()
        }
        let full = Self::full();
        Ok(Self {
            presets: axis(presets, &full.presets, parse_preset)?,
            schemes: axis(schemes, &full.schemes, str::parse)?,
            selections: axis(selections, &full.selections, str::parse)?,
            optimizers: axis(optimizers, &full.optimizers, str::parse)?,
            lr_factors: full.lr_factors,
        })
    }

    /// Every cell, presets outermost, then schemes, optimizers, rates, selections; an error when
    /// none is left.
    pub fn cells(&self) -> Result<Vec<Cell>, GridError> {
        let empty = [
            ("presets", self.presets.is_empty()),
            ("schemes", self.schemes.is_empty()),
            ("selections", self.selections.is_empty()),
            ("optimizers", self.optimizers.is_empty()),
            ("learning rates", self.lr_factors.is_empty()),
        ];
        if let Some((axis, _)) = empty.iter().find(|(_, e)| *e) {
            return Err(GridError::Empty {
                why: format!("no {axis}"),
            });
        }
        let mut cells = Vec::new();
        for &preset in &self.presets {
            for &scheme in &self.schemes {
                for &optimizer in &self.optimizers {
                    for &factor in &self.lr_factors {
                        let lr = optimizer.lr_at(factor);
                        for &selection in &self.selections {
                            let cell = Cell {
                                preset,
                                scheme,
                                optimizer,
                                lr,
                                selection,
                            };
                            if !selection.is_variant() || variant_runs_on(&cell) {
                                cells.push(cell);
                            }
                        }
                    }
                }
            }
        }
        if cells.is_empty() {
            return Err(GridError::Empty {
                why: "the variants run only on relu1 and relu2 with normal_0.5 at the reference \
                      rate, and nothing else was asked for"
                    .into(),
            });
        }
        Ok(cells)
    }
}

fn variant_runs_on(cell: &Cell) -> bool {
    cell.preset != Preset::Abs1 && cell.scheme == SchemeId::Normal05 && cell.at_reference_lr()
}
