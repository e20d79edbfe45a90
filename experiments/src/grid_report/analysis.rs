//! What the grid's cells say about the proposal's questions: pooled unit costs, net benefit of
//! each rule against the plain draw, rules compared at matched budgets, and where low initial
//! loss deceives.

use std::collections::HashMap;

use initsift_batch::Preset;
use serde::Serialize;

use crate::cost::{ArmOutcomes, Estimate, UnitCosts, net_benefit};
use crate::grid::{CellResult, CellSummary, OptimizerId, SchemeId, SelectionId};
use crate::stats::{Z95, spearman};

/// Cells at each optimizer's reference rate, by (preset, scheme, optimizer, selection).
pub struct Index<'a> {
    cells: HashMap<(Preset, SchemeId, OptimizerId, SelectionId), &'a CellResult>,
    costs: HashMap<(Preset, SchemeId, OptimizerId), UnitCosts>,
}

impl<'a> Index<'a> {
    /// Indexes `results` at reference rates, and pools unit costs: seconds per candidate per
    /// (preset, scheme) over every selection, seconds per epoch per (preset, optimizer) over
    /// every cell — so comparisons differ only in draws, epochs and successes, not in timing
    /// noise.
    pub fn new(results: &'a [CellResult]) -> Self {
        let mut score: HashMap<(Preset, SchemeId), (f64, f64)> = HashMap::new();
        let mut seen = std::collections::HashSet::new();
        let mut train: HashMap<(Preset, OptimizerId), (f64, f64)> = HashMap::new();
        let mut cells = HashMap::new();
        for r in results {
            let c = r.cell;
            // Sampling is shared by the cells of one selection: count it once.
            if seen.insert((c.preset, c.scheme, c.selection)) {
                let e = score.entry((c.preset, c.scheme)).or_default();
                e.0 += r.summary.sampling_seconds;
                e.1 += r.summary.draws as f64;
            }
            let e = train.entry((c.preset, c.optimizer)).or_default();
            e.0 += r.summary.training_seconds;
            e.1 += r.summary.outcomes.mean_epochs * r.summary.runs as f64;
            if c.at_reference_lr() {
                cells.insert((c.preset, c.scheme, c.optimizer, c.selection), r);
            }
        }
        let mut costs = HashMap::new();
        for &(p, s, o, _) in cells.keys() {
            let (ss, d) = score[&(p, s)];
            let (ts, ep) = train[&(p, o)];
            costs.insert(
                (p, s, o),
                UnitCosts {
                    seconds_per_candidate: ss / d.max(1.0),
                    seconds_per_epoch: ts / ep.max(1.0),
                },
            );
        }
        Self { cells, costs }
    }

    /// A cell at the reference rate.
    pub fn get(
        &self,
        p: Preset,
        s: SchemeId,
        o: OptimizerId,
        sel: SelectionId,
    ) -> Option<&'a CellResult> {
        self.cells.get(&(p, s, o, sel)).copied()
    }

    /// Pooled unit costs of a configuration.
    pub fn costs(&self, p: Preset, s: SchemeId, o: OptimizerId) -> Option<UnitCosts> {
        self.costs.get(&(p, s, o)).copied()
    }

    /// The (preset, scheme, optimizer) configurations present, sorted.
    pub fn configurations(&self) -> Vec<(Preset, SchemeId, OptimizerId)> {
        let mut v: Vec<_> = self.costs.keys().copied().collect();
        v.sort_by_key(|&(p, s, o)| (p.name(), s, o));
        v
    }

    /// Net benefit (seconds to a success saved) of `sel` over the plain draw.
    pub fn net(
        &self,
        p: Preset,
        s: SchemeId,
        o: OptimizerId,
        sel: SelectionId,
    ) -> Option<Estimate> {
        let base = self.get(p, s, o, SelectionId::Random)?;
        let arm = self.get(p, s, o, sel)?;
        net_benefit(
            &base.summary.outcomes,
            &arm.summary.outcomes,
            self.costs(p, s, o)?,
        )
    }
}

/// A difference of two success rates with its normal 95 % interval.
pub fn rate_difference(a: &CellSummary, b: &CellSummary) -> (f64, (f64, f64)) {
    let (pa, pb) = (a.success_rate, b.success_rate);
    let se = (pa * (1.0 - pa) / a.runs as f64 + pb * (1.0 - pb) / b.runs as f64).sqrt();
    let d = pa - pb;
    (d, (d - Z95 * se, d + Z95 * se))
}

/// A difference of mean epochs (all runs) with its normal 95 % interval.
pub fn epoch_difference(a: &ArmOutcomes, b: &ArmOutcomes) -> (f64, (f64, f64)) {
    let se = (a.var_epochs / a.runs as f64 + b.var_epochs / b.runs as f64).sqrt();
    let d = a.mean_epochs - b.mean_epochs;
    (d, (d - Z95 * se, d + Z95 * se))
}

/// `better`, `worse` or `no measurable difference` from a difference's interval (`higher_is_better`
/// says which sign is good).
pub fn judge(ci: (f64, f64), higher_is_better: bool) -> &'static str {
    let (good, bad) = if higher_is_better {
        (ci.0 > 0.0, ci.1 < 0.0)
    } else {
        (ci.1 < 0.0, ci.0 > 0.0)
    };
    if good {
        "better"
    } else if bad {
        "worse"
    } else {
        "no measurable difference"
    }
}

/// A variant beside best-of-N at the same budget.
#[derive(Debug, Clone, Serialize)]
pub struct VariantComparison {
    /// Preset.
    pub preset: String,
    /// Optimizer.
    pub optimizer: String,
    /// The variant's id.
    pub selection: String,
    /// Its budget.
    pub budget: u64,
    /// The variant's success rate and interval.
    pub success_rate: f64,
    /// Wilson 95 %.
    pub success_ci95: (f64, f64),
    /// best-of-N's success rate.
    pub best_of_n_success_rate: f64,
    /// Variant − best-of-N, with its 95 % interval.
    pub success_difference: (f64, (f64, f64)),
    /// Mean epochs (all runs), variant − best-of-N, with its 95 % interval.
    pub epoch_difference: (f64, (f64, f64)),
    /// Draws per run actually scored (the adaptive rule may stop early).
    pub draws_per_run: f64,
    /// better / worse / no measurable difference, on success first, then epochs.
    pub verdict: String,
}

/// Every variant beside best-of-N at its budget.
pub fn variant_comparisons(index: &Index<'_>) -> Vec<VariantComparison> {
    let mut out = Vec::new();
    for (p, s, o) in index.configurations() {
        for sel in SelectionId::variants() {
            let (Some(v), Some(b)) = (
                index.get(p, s, o, sel),
                index.get(p, s, o, SelectionId::BestOf { k: sel.draws() }),
            ) else {
                continue;
            };
            let sd = rate_difference(&v.summary, &b.summary);
            let ed = epoch_difference(&v.summary.outcomes, &b.summary.outcomes);
            let verdict = match judge(sd.1, true) {
                "no measurable difference" => match judge(ed.1, false) {
                    "no measurable difference" => "no measurable difference".to_string(),
                    e => format!("{e} (same success, {e} on epochs)"),
                },
                j => j.to_string(),
            };
            out.push(VariantComparison {
                preset: p.to_string(),
                optimizer: o.to_string(),
                selection: sel.to_string(),
                budget: sel.draws(),
                success_rate: v.summary.success_rate,
                success_ci95: v.summary.success_ci95,
                best_of_n_success_rate: b.summary.success_rate,
                success_difference: sd,
                epoch_difference: ed,
                draws_per_run: v.summary.draws_per_run,
                verdict,
            });
        }
    }
    out
}

/// Where low initial loss deceives, for one configuration's plain draws.
#[derive(Debug, Clone, Serialize)]
pub struct Deception {
    /// Preset.
    pub preset: String,
    /// Scheme.
    pub scheme: String,
    /// Optimizer.
    pub optimizer: String,
    /// Success rate of the quarter of runs with the lowest initial loss.
    pub success_lowest_quarter: f64,
    /// Success rate of all runs.
    pub success_all: f64,
    /// Share of the lowest-loss quarter that fails.
    pub failing_lowest_quarter: f64,
    /// Spearman correlation of initial loss and epochs among successful runs (the premise
    /// "lower loss → fewer epochs" wants it positive).
    pub spearman_loss_epochs_success: Option<f64>,
    /// Success of the lowest-loss rule (best of 5000) minus the plain draw's.
    pub best_of_5000_minus_random: Option<f64>,
}

/// The deception measures of every configuration with plain-draw runs (zeros excluded: its
/// draws are all one point).
pub fn deceptions(index: &Index<'_>) -> Vec<Deception> {
    let mut out = Vec::new();
    for (p, s, o) in index.configurations() {
        if s == SchemeId::Zeros {
            continue;
        }
        let Some(r) = index.get(p, s, o, SelectionId::Random) else {
            continue;
        };
        let mut recs = r.records.clone();
        if recs.len() < 8 {
            continue;
        }
        recs.sort_by(|a, b| a.initial_loss.total_cmp(&b.initial_loss));
        let q = &recs[..recs.len() / 4];
        let success_lowest_quarter = q.iter().filter(|r| r.success).count() as f64 / q.len() as f64;
        let succ: Vec<_> = recs.iter().filter(|r| r.success).collect();
        let spearman_loss_epochs_success = (succ.len() > 2).then(|| {
            let x: Vec<f64> = succ.iter().map(|r| r.initial_loss).collect();
            let y: Vec<f64> = succ.iter().map(|r| r.epochs as f64).collect();
            spearman(&x, &y)
        });
        let best = index.get(p, s, o, SelectionId::BestOf { k: 5000 });
        out.push(Deception {
            preset: p.to_string(),
            scheme: s.to_string(),
            optimizer: o.to_string(),
            success_lowest_quarter,
            success_all: r.summary.success_rate,
            failing_lowest_quarter: 1.0 - success_lowest_quarter,
            spearman_loss_epochs_success,
            best_of_5000_minus_random: best
                .map(|b| b.summary.success_rate - r.summary.success_rate),
        });
    }
    out
}
