//! real_tasks: does loss-based selection help on real data and deeper networks, and when does
//! it deceive? (issue 12; the proposal's RQ1, RQ3, RQ4, RQ5). This file is the study's
//! descriptor: its configurations, its arms and its report's words; the machinery is
//! `experiments::real`.
//!
//! `cargo run --release -p experiments --bin real_tasks -- --runs 1000 --other-runs 1000 --seed 2025`

use anyhow::{Result, bail};
use clap::Parser;
use experiments::cli::Common;
use experiments::driver::{Report, Session, with_progress};
use experiments::real::arm::{Arm, BOTTOM_10, Pick, ScoredOn, base_plan};
use experiments::real::base::{BASE_CONFIGS, BASE_EPOCHS};
use experiments::real::config::ConfigPlan;
use experiments::real::deceive::{COLLAPSE_TV, holm_flags, quantile_sweep};
use experiments::real::report::{
    bands_md, config_json, csv, effect_figure, head_start_figure, rho_figure,
};
use experiments::real::study::{ConfigResult, RANK_CANDIDATES, prepare_all, run_config};
use serde_json::json;

/// Loss-based init selection on real data sets, deeper networks and three optimizers.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Runs per arm of the digits_anchor configuration.
    #[arg(long, default_value_t = 1000)]
    runs: usize,
    /// Runs per arm of every other configuration but the tanh depth ladder.
    #[arg(long, default_value_t = 1000)]
    other_runs: usize,
    /// Runs per arm of the tanh depth ladder (its own flag so a quick look at the deep tanh
    /// rungs, the slowest to score and train, can run fewer).
    #[arg(long, default_value_t = 1000)]
    tanh_runs: usize,
    /// Random inits RQ5 relates to their outcomes on the configurations `--rq5-configs` names:
    /// their reference arm trains this many runs; elsewhere RQ5 uses the reference arm's runs.
    #[arg(long, default_value_t = 10_000)]
    rq5_inits: usize,
    /// Configurations whose reference arm trains `--rq5-inits` random inits (comma-separated
    /// ids, or `all`, the default); the others relate their reference arm's own runs. The
    /// default study took 13.5 minutes on 2 cores with AVX-512 (53 minutes on an AVX2-only
    /// machine of the same class, before the scorer and tanh got faster).
    #[arg(long, value_delimiter = ',', default_value = "all")]
    rq5_configs: Vec<String>,
    /// Candidates scored for the digits quantile sweep.
    #[arg(long, default_value_t = 50_000)]
    pool: usize,
    /// Candidates trained per band of the quantile sweep.
    #[arg(long, default_value_t = 50)]
    per_band: usize,
    /// A small configuration for tests: 24 anchor runs, 10 elsewhere, 40 RQ5 inits, a
    /// 2000-candidate pool, 4 per band (epochs and JSON keys as in the full run).
    #[arg(long)]
    quick: bool,
    /// Run only these configurations (comma-separated ids; default: all).
    #[arg(long, value_delimiter = ',')]
    configs: Vec<String>,
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

/// The sizes a run uses after `--quick`.
struct Sizes {
    anchor_runs: usize,
    other_runs: usize,
    tanh_runs: usize,
    rq5_inits: usize,
    rq5_configs: Rq5Configs,
    epochs: usize,
    pool: usize,
    per_band: usize,
}

/// The configurations whose reference arm trains `--rq5-inits` runs.
enum Rq5Configs {
    /// Every configuration.
    All,
    /// These ids.
    Ids(Vec<String>),
}

impl Rq5Configs {
    fn of(ids: &[String]) -> Rq5Configs {
        match ids {
            [all] if all == "all" => Rq5Configs::All,
            ids => Rq5Configs::Ids(ids.to_vec()),
        }
    }

    fn contains(&self, id: &str) -> bool {
        match self {
            Rq5Configs::All => true,
            Rq5Configs::Ids(ids) => ids.iter().any(|i| i == id),
        }
    }
}

impl Sizes {
    /// Runs of configuration `id`'s reference arm: `rq5_inits` where RQ5 asks for them, else
    /// none beyond the arm's own.
    fn reference_runs(&self, id: &str) -> usize {
        if self.rq5_configs.contains(id) {
            self.rq5_inits
        } else {
            0
        }
    }
}

impl Args {
    fn sizes(&self) -> Sizes {
        if self.quick {
            Sizes {
                anchor_runs: 24,
                other_runs: 10,
                tanh_runs: 10,
                rq5_inits: 40,
                rq5_configs: Rq5Configs::of(&self.rq5_configs),
                epochs: BASE_EPOCHS,
                pool: 2000,
                per_band: 4,
            }
        } else {
            Sizes {
                anchor_runs: self.runs,
                other_runs: self.other_runs,
                tanh_runs: self.tanh_runs,
                rq5_inits: self.rq5_inits,
                rq5_configs: Rq5Configs::of(&self.rq5_configs),
                epochs: BASE_EPOCHS,
                pool: self.pool,
                per_band: self.per_band,
            }
        }
    }
}

const fn arm(scheme: &'static str, pick: Pick, scored_on: ScoredOn) -> Arm {
    Arm {
        scheme,
        pick,
        scored_on,
    }
}

const TD: &str = "torch_default";
use Pick::{BestOf, Random};
use ScoredOn::{Full, Subset};

/// Every configuration, in report order.
fn plans(s: &Sizes) -> Vec<ConfigPlan> {
    let epochs = s.epochs;
    let plan =
        |id: &str, task, arch: &str, activation, optimizer, lr, batch_size, arms: Vec<Arm>| {
            ConfigPlan {
                id: id.to_string(),
                task,
                arch: arch.to_string(),
                activation,
                optimizer,
                lr,
                batch_size,
                epochs,
                arms,
                runs: s.other_runs,
                reference_runs: s.reference_runs(id),
            }
        };
    let select = |scheme| {
        vec![
            arm(scheme, Random, Full),
            arm(scheme, BestOf(10), Full),
            arm(scheme, BestOf(100), Full),
            arm(scheme, BOTTOM_10, Full),
        ]
    };
    let mut v = vec![ConfigPlan {
        runs: s.anchor_runs,
        ..plan(
            "digits_anchor",
            "digits_div16",
            "64-32-10",
            "relu",
            "adam",
            1e-3,
            64,
            vec![arm(TD, Random, Full), arm(TD, BestOf(100), Full)],
        )
    }];
    // Base architectures, every task, Adam; all four base schemes on digits, with subset scoring.
    let mut digits_arms = select(TD);
    digits_arms.extend([
        arm(TD, BestOf(100), Subset(128)),
        arm(TD, BestOf(100), Subset(256)),
    ]);
    for scheme in ["kaiming_normal", "xavier_normal", "orthogonal"] {
        digits_arms.extend([arm(scheme, Random, Full), arm(scheme, BestOf(100), Full)]);
    }
    let mut small = select(TD);
    small.push(arm(TD, BestOf(1000), Full));
    for b in &BASE_CONFIGS {
        let arms = match b.task {
            "digits" => digits_arms.clone(),
            "breast_cancer" | "iris" | "wine" => small.clone(),
            _ => select(TD),
        };
        v.push(ConfigPlan {
            reference_runs: s.reference_runs(b.id),
            ..b.plan(arms, s.other_runs, epochs)
        });
    }
    // Wide, and the optimizers (RQ3).
    let pair = || vec![arm(TD, Random, Full), arm(TD, BestOf(100), Full)];
    v.push(plan(
        "digits_wide",
        "digits",
        "64-256-10",
        "relu",
        "adam",
        1e-3,
        64,
        pair(),
    ));
    v.push(plan(
        "digits_sgd_momentum",
        "digits",
        "64-32-10",
        "relu",
        "sgd_momentum",
        1e-2,
        64,
        pair(),
    ));
    v.push(plan(
        "digits_rmsprop",
        "digits",
        "64-32-10",
        "relu",
        "rmsprop",
        1e-3,
        64,
        pair(),
    ));
    // The depth ladder (RQ4): 2, 4, 8 hidden layers of 32, ReLU and tanh (the tanh rungs at
    // their own run count: see `--tanh-runs`).
    for activation in ["relu", "tanh"] {
        let runs = if activation == "tanh" {
            s.tanh_runs
        } else {
            s.other_runs
        };
        for depth in [2usize, 4, 8] {
            let arch = format!("64-{}-10", vec!["32"; depth].join("-"));
            v.push(ConfigPlan {
                runs,
                ..plan(
                    &format!("digits_depth{depth}_{activation}"),
                    "digits",
                    &arch,
                    activation,
                    "adam",
                    1e-3,
                    64,
                    pair(),
                )
            });
        }
    }
    v
}

/// An error naming the first of `ids` (given with `flag`) that no plan has, and the known ones
/// (after `also`, the flag's other accepted words).
fn known_ids(flag: &str, ids: &[String], plans: &[ConfigPlan], also: &str) -> Result<()> {
    if let Some(id) = ids.iter().find(|id| !plans.iter().any(|p| &&p.id == id)) {
        let known: Vec<&str> = plans.iter().map(|p| p.id.as_str()).collect();
        bail!(
            "{flag}: unknown configuration `{id}`; known: {also}{}",
            known.join(", ")
        );
    }
    Ok(())
}

fn main() -> Result<()> {
    let args = Args::parse();
    let sizes = args.sizes();
    let common = Common {
        runs: sizes.anchor_runs,
        seed: args.seed,
        out: args.out.clone(),
        isa: args.isa.clone(),
    };
    for (flag, runs) in [
        ("--other-runs", sizes.other_runs),
        ("--tanh-runs", sizes.tanh_runs),
    ] {
        if runs < 10 {
            bail!("{flag} {runs}: need at least 10 runs per arm (the lowest-loss decile)");
        }
    }
    if sizes.per_band == 0 || sizes.pool < 1000 {
        bail!(
            "--pool {} --per-band {}: the sweep needs a pool of at least 1000 and one run per band",
            sizes.pool,
            sizes.per_band
        );
    }
    let mut plans = plans(&sizes);
    known_ids("--configs", &args.configs, &plans, "")?;
    if let Rq5Configs::Ids(ids) = &sizes.rq5_configs {
        known_ids("--rq5-configs", ids, &plans, "all, ")?;
    }
    if !args.configs.is_empty() {
        plans.retain(|p| args.configs.contains(&p.id));
    }
    let session = Session::start("real_tasks", &common)?;
    let prepared = prepare_all(&plans, session.seed())?;
    let mut results = with_progress(
        &prepared,
        "configs",
        |p| &p.plan.id,
        |p| run_config(p.clone(), session.seed()),
    )?;
    // One family for the decile flags: every configuration and outcome of this run.
    holm_flags(results.iter_mut().flat_map(|c| c.relations.iter_mut()));
    let sweep = match results
        .iter()
        .find(|c| c.prepared.plan.id == "digits_anchor")
    {
        Some(anchor) => {
            let p = &anchor.prepared;
            let plan = base_plan(TD, &p.spec, p.activation)?;
            Some(quantile_sweep(
                p,
                &plan,
                sizes.pool,
                sizes.per_band,
                session.seed(),
            )?)
        }
        None => None,
    };
    let report = report(&session, &args, &sizes, &results, sweep.as_ref())?;
    session.write(&report)
}

type Sweep = (Vec<experiments::real::deceive::Band>, usize, usize);

fn report(
    session: &Session,
    args: &Args,
    sizes: &Sizes,
    results: &[ConfigResult],
    sweep: Option<&Sweep>,
) -> Result<Report> {
    let json = json!({
        "experiment": "real_tasks",
        "seed": session.seed(),
        "quick": args.quick,
        "seconds": session.seconds(),
        "configs": results.iter().map(config_json).collect::<Vec<_>>(),
        "quantile_sweep": sweep.map(|(bands, collapsed, sample)| json!({
            "config": "digits_anchor",
            "pool": sizes.pool,
            "per_band": sizes.per_band,
            "bands": bands,
            "collapsed_in_pool_sample": collapsed,
            "pool_sample": sample,
            "collapse_rule": format!("mean total-variation distance of the predicted distributions from their average < {COLLAPSE_TV}"),
        })),
    });
    let mut figures = vec![("rho".to_string(), rho_figure(results)?)];
    let depth = |activation: &str| -> Vec<(f64, &ConfigResult)> {
        results
            .iter()
            .filter_map(|c| {
                let id = &c.prepared.plan.id;
                let d = if activation == "relu" && id == "digits_base" {
                    1
                } else {
                    id.strip_prefix("digits_depth")?
                        .strip_suffix(&format!("_{activation}"))?
                        .parse()
                        .ok()?
                };
                Some((f64::from(d), c))
            })
            .collect()
    };
    let ladder: Vec<(String, Vec<(f64, &ConfigResult)>)> = ["relu", "tanh"]
        .into_iter()
        .map(|a| (a.to_string(), depth(a)))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    if !ladder.is_empty() {
        figures.push((
            "effect_vs_depth".to_string(),
            effect_figure(
                "digits: head start of best-of-100 vs depth",
                "hidden layers of 32",
                &ladder,
            )?,
        ));
    }
    for c in results {
        figures.push((
            format!("head_start_{}", c.prepared.plan.id),
            head_start_figure(c)?,
        ));
    }
    let md = experiments_md(session, args, sizes, results, sweep);
    Ok(Report {
        json,
        md,
        csv: csv(results),
        figures,
    })
}

fn experiments_md(
    session: &Session,
    args: &Args,
    sizes: &Sizes,
    results: &[ConfigResult],
    sweep: Option<&Sweep>,
) -> String {
    let extra = format!(
        " --other-runs {} --tanh-runs {} --rq5-inits {} --rq5-configs {} --pool {} --per-band {}{}",
        sizes.other_runs,
        sizes.tanh_runs,
        sizes.rq5_inits,
        args.rq5_configs.join(","),
        sizes.pool,
        sizes.per_band,
        if args.quick { " --quick" } else { "" }
    );
    let mut md = format!(
        "# real_tasks: loss-based init selection beyond XOR\n\n{}",
        session.generated_md(&extra, true)
    );
    let rq5_full: Vec<&str> = results
        .iter()
        .map(|c| c.prepared.plan.id.as_str())
        .filter(|id| sizes.rq5_configs.contains(id))
        .collect();
    md.push_str(&experiments::real::report::method_md(
        sizes.epochs,
        RANK_CANDIDATES,
        &format!(
            "{} random inits on {} (their reference arm trains that many runs); on the others, \
             the reference arm's runs",
            sizes.rq5_inits.max(sizes.other_runs),
            if rq5_full.is_empty() {
                "none".to_string()
            } else {
                rq5_full.join(", ")
            }
        ),
    ));
    for c in results {
        md.push_str(&experiments::real::report::config_md(c));
    }
    md.push_str(&experiments::real::report::verdicts_md(results));
    md.push_str(&experiments::real::summary::summary_md(results));
    if results
        .iter()
        .any(|c| c.prepared.plan.id.starts_with("digits_depth"))
    {
        md.push_str(
            "\nEffect vs depth (digits, 1 = digits_base; ReLU and tanh; the head start at epoch 1 and at \
             the last epoch):\n\n![effect vs depth](real_tasks_effect_vs_depth.svg)\n",
        );
    }
    if let Some((bands, collapsed, sample)) = sweep {
        md.push_str(&format!(
            "\n## RQ5 on digits: initial-loss quantile sweep\n\n{} candidates of digits_anchor's torch_default \
             init scored on the full training set; {} trained from each band (evenly spaced in its ranks). \
             \"Collapsed\": the predicted class distributions are nearly the same on every training row (mean \
             total-variation distance from their average < {COLLAPSE_TV}); in a systematic sample of {sample} \
             candidates of the pool, {collapsed} are collapsed.\n\n{}",
            sizes.pool,
            sizes.per_band,
            bands_md(bands)
        ));
        md.push_str(&experiments::real::report::sweep_verdict_md(
            bands, *collapsed, *sample,
        ));
    }
    md.push_str(
        "\nOne row per run (config, arm, run, losses, per-epoch losses) is in real_tasks.csv beside \
         this report; it is not committed (it is large), and the command above regenerates it.\n",
    );
    md
}
