//! The arms: which init each run starts from — a base scheme's draw at random, the best of K
//! by initial loss, or a uniform pick from the bottom percentile of a pool — scored on the
//! whole training set or on a row subset.

use std::fmt;

use anyhow::{Context, Result, bail};
use initsift_batch::score::scorer_for;
use initsift_init::select::{BestOfN, Percentile, PercentilePick, Scorer, Strategy, select};
use initsift_init::{FanMode, InitPlan, Nonlinearity, Scheme, Stream};
use initsift_nn::{Activation, ModelSpec};
use ndarray::Array2;
use rayon::prelude::*;

use super::task::Problem;

/// The base scheme names.
pub const KNOWN_SCHEMES: &str = "torch_default, kaiming_normal, xavier_normal, xavier_uniform, \
     lecun_normal, orthogonal, sparse";

/// The sparsity of the `sparse` scheme: PyTorch's documented example, `sparse_(w, sparsity=0.1)`
/// (its std keeps `sparse_`'s default, 0.01).
pub const SPARSITY: f64 = 0.1;

/// The init plan of base scheme `name` on `spec` (biases: PyTorch's default, U(±1/√fan_in),
/// for torch_default; zeros otherwise). Kaiming's gain follows the activation.
pub fn base_plan(name: &str, spec: &ModelSpec, activation: Activation) -> Result<InitPlan> {
    let nonlinearity = match activation {
        Activation::Tanh => Nonlinearity::Tanh,
        _ => Nonlinearity::Relu,
    };
    let weight = match name {
        "torch_default" => return Ok(InitPlan::torch_default(spec)),
        "kaiming_normal" => Scheme::KaimingNormal {
            a: 0.0,
            mode: FanMode::FanIn,
            nonlinearity,
        },
        "xavier_normal" => Scheme::XavierNormal { gain: 1.0 },
        "xavier_uniform" => Scheme::XavierUniform { gain: 1.0 },
        "lecun_normal" => Scheme::LecunNormal,
        "orthogonal" => Scheme::Orthogonal { gain: 1.0 },
        "sparse" => Scheme::Sparse {
            sparsity: SPARSITY,
            std: 0.01,
        },
        other => bail!("unknown scheme `{other}`; known: {KNOWN_SCHEMES}"),
    };
    Ok(InitPlan::same_for_all(name, spec, weight, Scheme::Zeros))
}

/// How an arm picks each run's init.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pick {
    /// The first candidate of the run's stream (no selection).
    Random,
    /// The lowest initial loss of K candidates.
    BestOf(u64),
    /// Uniformly from the bottom `percent` % of `pool` candidates.
    Bottom {
        /// Candidates scored.
        pool: u64,
        /// The percentile (in (0, 100)).
        percent: f64,
    },
}

impl Pick {
    /// Candidates scored per run.
    pub fn draws(self) -> u64 {
        match self {
            Pick::Random => 1,
            Pick::BestOf(k) => k,
            Pick::Bottom { pool, .. } => pool,
        }
    }

    fn strategy(self) -> Result<Option<Strategy>> {
        Ok(match self {
            Pick::Random => None,
            Pick::BestOf(0) => bail!("best_of_0: K must be at least 1"),
            Pick::BestOf(n) => Some(BestOfN { n, count: 1 }.into()),
            Pick::Bottom { pool, percent } => Some(
                Percentile {
                    n: pool,
                    percentile: percent,
                    pick: PercentilePick::Uniform,
                    count: 1,
                }
                .into(),
            ),
        })
    }
}

impl fmt::Display for Pick {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pick::Random => f.write_str("random"),
            Pick::BestOf(k) => write!(f, "best_of_{k}"),
            Pick::Bottom { pool, percent } => write!(f, "bottom_{percent}pct_of_{pool}"),
        }
    }
}

/// The bottom-percentile variant the studies use: uniformly from the best 10 % of 100
/// candidates.
pub const BOTTOM_10: Pick = Pick::Bottom {
    pool: 100,
    percent: 10.0,
};

/// The rows candidates are scored on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoredOn {
    /// The whole training set.
    Full,
    /// A seeded subset of this many training rows.
    Subset(usize),
}

impl fmt::Display for ScoredOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScoredOn::Full => f.write_str("full"),
            ScoredOn::Subset(k) => write!(f, "subset_{k}"),
        }
    }
}

/// One arm: a base scheme, a pick rule and the rows it scores on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arm {
    /// Base scheme name (see [`KNOWN_SCHEMES`]).
    pub scheme: &'static str,
    /// The pick rule.
    pub pick: Pick,
    /// Where candidates are scored.
    pub scored_on: ScoredOn,
}

impl Arm {
    /// The arm's name in reports: `scheme/pick/scored_on`.
    pub fn name(&self) -> String {
        format!("{}/{}/{}", self.scheme, self.pick, self.scored_on)
    }
}

/// The scorer for `scored_on` rows of `problem` (the subset drawn with `subset_seed`).
pub fn scorer(
    problem: &Problem,
    spec: &ModelSpec,
    scored_on: ScoredOn,
    subset_seed: u64,
) -> Result<Box<dyn Scorer + Send>> {
    let (x, y): (Array2<f32>, Array2<f32>) = match scored_on {
        ScoredOn::Full => (problem.x_train.clone(), problem.y_train.clone()),
        ScoredOn::Subset(k) => problem.subset(k, subset_seed)?,
    };
    Ok(scorer_for(spec, problem.loss, x.view(), y.view())?)
}

/// The inits of `runs` runs of `arm`: run `r` draws from its own stream (seed
/// `stream_seed(r)`), so runs and arms are independent. Returns the parameters and the score
/// each pick was chosen by (`None` for random picks).
pub fn pick_inits(
    arm: &Arm,
    plan: &InitPlan,
    spec: &ModelSpec,
    scorer: &(dyn Scorer + Send),
    runs: usize,
    stream_seed: impl Fn(usize) -> u64 + Sync,
) -> Result<Vec<(Vec<f32>, Option<f32>)>> {
    let strategy = arm.pick.strategy()?;
    if let Some(s) = &strategy {
        s.validate()
            .with_context(|| format!("arm {}", arm.name()))?;
    }
    let pick_one = |r: usize| -> Result<(Vec<f32>, Option<f32>)> {
        let stream = Stream::new(spec, plan, stream_seed(r))?;
        match &strategy {
            None => Ok((stream.candidate(0), None)),
            Some(s) => {
                let sel = select(s, scorer, &stream)?;
                let p = sel
                    .picks
                    .first()
                    .with_context(|| format!("arm {}: run {r} picked nothing", arm.name()))?;
                Ok((p.params(&stream)?, Some(p.score.loss)))
            }
        }
    };
    // Selection is parallel inside the scorer; small pools are spread over runs instead.
    if arm.pick.draws() >= 256 {
        (0..runs).map(pick_one).collect()
    } else {
        (0..runs).into_par_iter().map(pick_one).collect()
    }
}
