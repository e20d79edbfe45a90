//! The grid's selection rules (seeds/000 §2, §3.3, §6): ids, parsing and the draws each costs.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::GridError;

/// A multi-objective weighting `w_loss·loss + w_grad·‖∇L‖ + w_param·‖θ‖` (seeds/000 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Weighting {
    /// Loss plus 0.1 × gradient norm.
    LossGrad,
    /// Loss plus 0.1 × parameter norm.
    LossParam,
    /// Loss plus 0.1 × each.
    LossGradParam,
}

impl Weighting {
    /// Every weighting.
    pub const ALL: [Weighting; 3] = [
        Weighting::LossGrad,
        Weighting::LossParam,
        Weighting::LossGradParam,
    ];

    /// Its tag in the selection id.
    pub fn tag(self) -> &'static str {
        match self {
            Weighting::LossGrad => "lg",
            Weighting::LossParam => "lp",
            Weighting::LossGradParam => "lgp",
        }
    }

    /// `(w_loss, w_grad, w_param)`.
    pub fn weights(self) -> (f64, f64, f64) {
        match self {
            Weighting::LossGrad => (1.0, 0.1, 0.0),
            Weighting::LossParam => (1.0, 0.0, 0.1),
            Weighting::LossGradParam => (1.0, 0.1, 0.1),
        }
    }
}

/// How a cell chooses each run's initialization. Every rule scores a budget of fresh
/// candidates per run; [`SelectionId::draws`] says how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub enum SelectionId {
    /// The scheme's draw as it comes.
    Random,
    /// The minimum of `k` fresh draws.
    BestOf {
        /// Draws per run.
        k: u64,
    },
    /// Uniformly one of the bottom `p` % of `n` fresh draws (the proposal's stated rule; its
    /// own code returns the minimum of that set, i.e. best-of-n).
    Percentile {
        /// Percent, in (0, 100).
        p: u32,
        /// Draws per run.
        n: u64,
    },
    /// Lowest loss among `n` draws whose gradient norm lies in the pilot's 10–90 % range.
    GradFilter {
        /// Draws per run.
        n: u64,
    },
    /// Lowest weighted score of `n` draws.
    MultiObjective {
        /// The weighting.
        weighting: Weighting,
        /// Draws per run.
        n: u64,
    },
    /// Five diverse picks of the bottom 10 % of `n` draws, one of them drawn.
    Diversity {
        /// Draws per run.
        n: u64,
    },
    /// The best of an `n/2` pilot as threshold, then up to `n/2` draws until one beats it (the
    /// best seen when none does).
    Adaptive {
        /// Draws per run, pilot and search together.
        n: u64,
    },
    /// Best of `n/2`, then 5 rounds of `n/10` perturbations with a shrinking radius.
    Refine {
        /// Draws per run.
        n: u64,
    },
    /// The cross-entropy method: 5 rounds of `n/5` draws, refitting a Gaussian to the elite.
    Informed {
        /// Draws per run.
        n: u64,
    },
    /// Best of `n` fresh draws and the picks of another stream (the "related task").
    Transfer {
        /// Fresh draws per run.
        n: u64,
    },
}

/// The sampling budgets of the grid's best-of-K rule.
pub const BEST_OF_K: [u64; 5] = [10, 100, 500, 1000, 5000];
/// The percentiles of the grid's percentile rule.
pub const PERCENTILES: [u32; 4] = [1, 5, 10, 25];
/// The pool sizes of the grid's percentile rule.
pub const POOLS: [u64; 4] = [100, 500, 1000, 5000];
/// The matched budgets at which the proposal's other variants are compared with best-of-N.
pub const VARIANT_BUDGETS: [u64; 2] = [100, 1000];
/// The smallest budget a variant accepts (its rounds and pilots need room).
pub const MIN_VARIANT_BUDGET: u64 = 20;

impl SelectionId {
    /// The grid's main rules: random, best-of-K, percentile-P-of-N.
    pub fn main_grid() -> Vec<SelectionId> {
        let mut v = vec![SelectionId::Random];
        v.extend(BEST_OF_K.map(|k| SelectionId::BestOf { k }));
        for n in POOLS {
            v.extend(PERCENTILES.map(|p| SelectionId::Percentile { p, n }));
        }
        v
    }

    /// The proposal's other variants at the matched budgets, each beside its best-of-N.
    pub fn variants() -> Vec<SelectionId> {
        let mut v = Vec::new();
        for n in VARIANT_BUDGETS {
            v.push(SelectionId::GradFilter { n });
            v.extend(Weighting::ALL.map(|weighting| SelectionId::MultiObjective { weighting, n }));
            v.push(SelectionId::Diversity { n });
            v.push(SelectionId::Adaptive { n });
            v.push(SelectionId::Refine { n });
            v.push(SelectionId::Informed { n });
            v.push(SelectionId::Transfer { n });
        }
        v
    }

    /// Candidates scored per run (the nominal budget; adaptive may stop earlier).
    pub fn draws(self) -> u64 {
        match self {
            SelectionId::Random => 1,
            SelectionId::BestOf { k } => k,
            SelectionId::Percentile { n, .. }
            | SelectionId::GradFilter { n }
            | SelectionId::MultiObjective { n, .. }
            | SelectionId::Diversity { n }
            | SelectionId::Adaptive { n }
            | SelectionId::Refine { n }
            | SelectionId::Informed { n }
            | SelectionId::Transfer { n } => n,
        }
    }

    /// Whether this is one of the proposal's other variants (not random/best-of/percentile).
    pub fn is_variant(self) -> bool {
        !matches!(
            self,
            SelectionId::Random | SelectionId::BestOf { .. } | SelectionId::Percentile { .. }
        )
    }

    /// The grammar, for error messages.
    pub const GRAMMAR: &'static str = "random, best_of_K, percentile_P_of_N, grad_filter_N, \
        multi_objective_{lg,lp,lgp}_N, diversity_N, adaptive_N, refine_N, informed_N, transfer_N";
}

impl fmt::Display for SelectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            SelectionId::Random => write!(f, "random"),
            SelectionId::BestOf { k } => write!(f, "best_of_{k}"),
            SelectionId::Percentile { p, n } => write!(f, "percentile_{p}_of_{n}"),
            SelectionId::GradFilter { n } => write!(f, "grad_filter_{n}"),
            SelectionId::MultiObjective { weighting, n } => {
                write!(f, "multi_objective_{}_{n}", weighting.tag())
            }
            SelectionId::Diversity { n } => write!(f, "diversity_{n}"),
            SelectionId::Adaptive { n } => write!(f, "adaptive_{n}"),
            SelectionId::Refine { n } => write!(f, "refine_{n}"),
            SelectionId::Informed { n } => write!(f, "informed_{n}"),
            SelectionId::Transfer { n } => write!(f, "transfer_{n}"),
        }
    }
}

impl From<SelectionId> for String {
    fn from(s: SelectionId) -> String {
        s.to_string()
    }
}

fn count(id: &str, what: &'static str, text: &str) -> Result<u64, GridError> {
    let value: u64 = text.parse().map_err(|_| GridError::UnknownSelection {
        given: id.to_string(),
        grammar: SelectionId::GRAMMAR,
    })?;
    if value == 0 {
        return Err(GridError::ZeroCount {
            id: id.to_string(),
            what,
        });
    }
    Ok(value)
}

impl FromStr for SelectionId {
    type Err = GridError;

    fn from_str(s: &str) -> Result<Self, GridError> {
        if s == "random" {
            return Ok(SelectionId::Random);
        }
        if let Some(k) = s.strip_prefix("best_of_") {
            return Ok(SelectionId::BestOf {
                k: count(s, "K", k)?,
            });
        }
        if let Some(rest) = s.strip_prefix("percentile_") {
            let unknown = || GridError::UnknownSelection {
                given: s.to_string(),
                grammar: SelectionId::GRAMMAR,
            };
            let (p, n) = rest.split_once("_of_").ok_or_else(unknown)?;
            let p: f64 = p.parse().map_err(|_| unknown())?;
            if !(p > 0.0 && p < 100.0 && p.fract() == 0.0) {
                return Err(GridError::Percentile {
                    id: s.to_string(),
                    p,
                });
            }
            return Ok(SelectionId::Percentile {
                p: p as u32,
                n: count(s, "N", n)?,
            });
        }
        let variant = |n: u64| -> Result<u64, GridError> {
            if n < MIN_VARIANT_BUDGET {
                return Err(GridError::SmallBudget {
                    id: s.to_string(),
                    n,
                    min: MIN_VARIANT_BUDGET,
                });
            }
            Ok(n)
        };
        for weighting in Weighting::ALL {
            let prefix = format!("multi_objective_{}_", weighting.tag());
            if let Some(n) = s.strip_prefix(&prefix) {
                let n = variant(count(s, "N", n)?)?;
                return Ok(SelectionId::MultiObjective { weighting, n });
            }
        }
        type Make = fn(u64) -> SelectionId;
        let simple: [(&str, Make); 6] = [
            ("grad_filter_", |n| SelectionId::GradFilter { n }),
            ("diversity_", |n| SelectionId::Diversity { n }),
            ("adaptive_", |n| SelectionId::Adaptive { n }),
            ("refine_", |n| SelectionId::Refine { n }),
            ("informed_", |n| SelectionId::Informed { n }),
            ("transfer_", |n| SelectionId::Transfer { n }),
        ];
        for (prefix, make) in simple {
            if let Some(n) = s.strip_prefix(prefix) {
                return Ok(make(variant(count(s, "N", n)?)?));
            }
        }
        Err(GridError::UnknownSelection {
            given: s.to_string(),
            grammar: SelectionId::GRAMMAR,
        })
    }
}
