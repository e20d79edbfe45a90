//! `initsift init`: a data-dependent initializer (LSUV, GradInit, NIO, MetaInit) on the
//! training rows, from a scheme's candidate or a given safetensors file; writes
//! init.safetensors (the `nn.Sequential` keys `search` writes) and init.json (the full config,
//! a summary of the trace, the preprocessing and the rows used).
//!
//! The config is built as JSON — `{"method": M}`, then `--config`, then the flags — and read by
//! the library's serde type, so every field the library has is reachable and its defaults are
//! the library's.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use clap::{Args, ValueEnum};
use serde::Serialize;
use serde_json::{Map, Value};

use super::args::DataArgs;
use super::files::Staging;
use super::parse::{self, UsageError};
use super::problem::{self, Preprocessing, Problem};
use super::search::{ModelRecord, Versions, sequential};
use super::{progress, search};
use crate::datadep::{self, Data, DataDependent, Trace};
use crate::init::Stream;
use crate::nn::export;

/// The examples `initsift init --help` ends with.
pub const INIT_EXAMPLES: &str = "Examples:
  initsift init --method lsuv --dataset iris --arch 4-16-3 --out runs/lsuv
  initsift init --method nio --data my.csv --arch 20-64-3 --iters 50 --gamma 5 --out runs/nio
  # on top of a search's pick, GradInit with Adam's first step and a batch of 128 rows
  initsift search --dataset digits --arch 64-32-10 --out runs/digits
  initsift init --method gradinit --dataset digits --arch 64-32-10 \\
      --from runs/digits/init.safetensors --batch-size 128 \\
      --config '{\"optimizer\": \"adam\", \"eta\": 0.001}' --out runs/gradinit
  # any field of the method's config: NIO as released (D = 4, r = 0.2, gc_gn_sqrt)
  initsift init --method nio --dataset digits --arch 64-32-10 --out runs/nio_released \\
      --config '{\"sub_batches\": 4, \"overlap\": 0.2, \"gamma\": 10, \"lr\": 0.003, \"target\": \"gc_gn_sqrt\"}'

Config fields (JSON for --config; defaults from each method's official code):
  lsuv:     tol 0.02, max_iterations 20, orthonormal_seed 0 (null: keep the base weights), batch_size
  gradinit: optimizer sgd|adam, eta 0.1, gamma 1, normalize_grad true, lr 0.01, iterations 390,
            min_scale 0.01, max_scale, grad_clip 1, batch_size, batch_no_overlap false
  nio:      sub_batches 2, overlap 0, gamma 5, lr 0.05, iterations 100, min_scale 0.01,
            grad_clip 1, target gc|gc_gn|gc_gn_sqrt|gv|gv_gn|gv_gn_sqrt, gn_mul 1, batch_size
  metainit: lr 0.1, momentum 0.9, iterations 500, eps 1e-5, batch_size
batch_size absent = every training row; the rows are the training split's, in order.";

/// The four methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// Layer-sequential unit variance: rescale each layer until its output variance is 1.
    Lsuv,
    /// GradInit: per-tensor scales minimising the loss after one optimizer step, under a
    /// gradient-norm bound γ.
    #[value(alias = "grad_init")]
    Gradinit,
    /// NIO: per-tensor scales maximising GradCosine across sub-batches, under a gradient-norm
    /// bound γ.
    Nio,
    /// MetaInit: weight norms by sign descent on the gradient quotient.
    #[value(alias = "meta_init")]
    Metainit,
}

impl Method {
    /// The config's serde tag.
    fn tag(self) -> &'static str {
        match self {
            Method::Lsuv => "lsuv",
            Method::Gradinit => "grad_init",
            Method::Nio => "nio",
            Method::Metainit => "meta_init",
        }
    }

    /// The config field `--iters` sets.
    fn iterations_field(self) -> &'static str {
        match self {
            Method::Lsuv => "max_iterations",
            _ => "iterations",
        }
    }
}

/// `initsift init`.
#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// Data and model.
    #[command(flatten)]
    pub data: DataArgs,
    /// The data-dependent method.
    #[arg(long, value_enum)]
    pub method: Method,
    /// Start from this safetensors file (a search's init.safetensors, or any file with the
    /// nn.Sequential keys of --arch) instead of a scheme's candidate.
    #[arg(long, value_name = "FILE", conflicts_with = "init")]
    pub from: Option<PathBuf>,
    /// The scheme of the starting point: candidate 0 of its stream with --seed, the same
    /// weights `initsift train --random --scheme SCHEME` starts from (see `initsift schemes`).
    #[arg(long, value_name = "SCHEME", default_value = "torch_default")]
    pub init: String,
    /// Iterations (LSUV: rescales per layer at most).
    #[arg(long, value_name = "T", value_parser = parse::positive("--iters"))]
    pub iters: Option<usize>,
    /// Rows per iteration, the first of the training rows (default: all of them).
    #[arg(long, value_name = "B", value_parser = parse::positive("--batch-size"))]
    pub batch_size: Option<usize>,
    /// The method's learning rate (GradInit and NIO: τ on the scales; MetaInit: the norm step).
    #[arg(long, value_name = "LR", value_parser = positive_real("--lr"))]
    pub lr: Option<f64>,
    /// γ, the gradient-norm bound of GradInit and NIO (`inf`: no bound).
    #[arg(long, value_name = "GAMMA", value_parser = positive_real("--gamma"))]
    pub gamma: Option<f64>,
    /// Any config field as JSON, e.g. '{"target": "gc_gn_sqrt", "gn_mul": 0.5}' (the flags
    /// above win over it).
    #[arg(long, value_name = "JSON")]
    pub config: Option<String>,
    /// The output folder (created; files are written whole or not at all).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// A real number > 0 (`inf` allowed) for `flag`.
fn positive_real(flag: &'static str) -> impl Fn(&str) -> parse::Parsed<f64> + Clone {
    move |text: &str| match text.trim().parse::<f64>() {
        Ok(v) if v > 0.0 => Ok(v),
        _ => Err(UsageError::new(
            flag,
            text,
            "must be a number > 0",
            "e.g. 0.05, 1, 10",
        )),
    }
}

/// The flags that set config fields: (flag, field, value), for the methods that have the field.
fn flag_fields(args: &InitArgs) -> Vec<(&'static str, &'static str, Value)> {
    let mut out = Vec::new();
    if let Some(t) = args.iters {
        out.push(("--iters", args.method.iterations_field(), Value::from(t)));
    }
    if let Some(b) = args.batch_size {
        out.push(("--batch-size", "batch_size", Value::from(b)));
    }
    if let Some(lr) = args.lr {
        out.push(("--lr", "lr", Value::from(lr)));
    }
    if let Some(g) = args.gamma {
        // JSON has no infinity; f64::MAX bounds nothing a gradient norm reaches.
        let v = if g.is_infinite() {
            Value::from(f64::MAX)
        } else {
            Value::from(g)
        };
        out.push(("--gamma", "gamma", v));
    }
    out
}

/// The method's config from `--method`, `--config` and the flags.
pub fn config(args: &InitArgs) -> Result<DataDependent, UsageError> {
    let tag = args.method.tag();
    let mut fields = match &args.config {
        None => Map::new(),
        Some(text) => match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(m)) => m,
            Ok(_) => {
                return Err(UsageError::new(
                    "--config",
                    text,
                    "is not a JSON object",
                    "e.g. '{\"gamma\": 5}'",
                ));
            }
            Err(e) => {
                return Err(UsageError::new(
                    "--config",
                    text,
                    format!("is not JSON: {e}"),
                    "e.g. '{\"gamma\": 5}'",
                ));
            }
        },
    };
    if let Some(m) = fields.remove("method").filter(|m| m != tag) {
        return Err(UsageError::new(
            "--config",
            args.config.as_deref().unwrap_or_default(),
            format!("names method {m}, but --method is {tag}"),
            format!("no \"method\" key, or \"{tag}\""),
        ));
    }
    for (flag, field, value) in flag_fields(args) {
        let applies = !matches!(
            (args.method, field),
            (Method::Lsuv, "lr" | "gamma") | (Method::Metainit, "gamma")
        );
        if !applies {
            return Err(UsageError::new(
                flag,
                &value,
                format!("{tag} has no {field}"),
                "--iters and --batch-size for lsuv; --lr too for metainit; all for gradinit and nio",
            ));
        }
        fields.insert(field.to_string(), value);
    }
    fields.insert("method".into(), Value::from(tag));
    serde_json::from_value(Value::Object(fields)).map_err(|e| {
        UsageError::new(
            "--config",
            args.config.as_deref().unwrap_or_default(),
            format!("not a {tag} config: {e}"),
            "the fields listed in `initsift init --help`",
        )
    })
}

/// The flag that set config field `name`, else `--config`.
fn flag_of(args: &InitArgs, name: &str) -> &'static str {
    flag_fields(args)
        .into_iter()
        .find(|(_, field, _)| *field == name)
        .map_or("--config", |(flag, _, _)| flag)
}

/// The starting parameters and how they were chosen.
fn base(args: &InitArgs, problem: &Problem) -> Result<(Vec<f32>, BaseRecord)> {
    match &args.from {
        Some(path) => {
            let (params, bytes) = problem::read_params("--from", path, problem, &args.data.arch)?;
            let record = BaseRecord::File {
                path: path.display().to_string(),
                fnv1a64: format!("{:016x}", problem::fnv1a64(&bytes)),
            };
            Ok((params, record))
        }
        None => {
            let plan = parse::parse_init(&args.init, &problem.spec, problem.act)?;
            let seed = args.data.seed;
            let params = Stream::new(&problem.spec, &plan, seed)?.candidate(0);
            let record = BaseRecord::Scheme {
                scheme: args.init.clone(),
                seed,
                index: 0,
            };
            Ok((params, record))
        }
    }
}

/// Where the starting parameters came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BaseRecord {
    /// Candidate `index` of the scheme's stream with `seed`.
    Scheme {
        /// The scheme.
        scheme: String,
        /// The stream's seed.
        seed: u64,
        /// The candidate.
        index: u64,
    },
    /// A safetensors file.
    File {
        /// The path as given.
        path: String,
        /// FNV-1a (64-bit) of its bytes, hex.
        fnv1a64: String,
    },
}

/// What the method did, in brief (the trace's last values).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceSummary {
    /// Iterations completed.
    pub iterations: usize,
    /// The first objective recorded (at the base parameters).
    pub first_objective: Option<f64>,
    /// The last objective recorded (at the start of the last iteration).
    pub final_objective: Option<f64>,
    /// The last constraint value recorded (GradInit, NIO).
    pub final_constraint: Option<f64>,
    /// Per parameter tensor (state_dict order), the final scale relative to the start.
    pub final_scales: Vec<f64>,
    /// Iterations that were constraint steps (GradInit, NIO).
    pub constraint_steps: usize,
    /// Set when a non-finite value stopped the run (the weights are the last finite ones).
    pub diverged: Option<datadep::Divergence>,
    /// Wall time of the method, seconds.
    pub seconds: f64,
}

impl TraceSummary {
    /// The summary of `trace`.
    pub fn of(trace: &Trace) -> Self {
        let last = |f: fn(&datadep::TraceStep) -> Option<f64>| trace.steps.iter().rev().find_map(f);
        Self {
            iterations: trace.steps.len(),
            first_objective: trace.steps.iter().find_map(|s| s.objective),
            final_objective: last(|s| s.objective),
            final_constraint: last(|s| s.constraint),
            final_scales: trace
                .steps
                .last()
                .map(|s| s.scales.clone())
                .unwrap_or_default(),
            constraint_steps: trace
                .steps
                .iter()
                .filter(|s| s.kind == datadep::StepKind::Constraint)
                .count(),
            diverged: trace.diverged.clone(),
            seconds: trace.seconds,
        }
    }
}

/// init.json.
#[derive(Debug, Clone, Serialize)]
pub struct InitRecord {
    /// Always `init`.
    pub command: String,
    /// The method's complete config (every default filled in): `initialize` reads it back.
    pub config: DataDependent,
    /// The starting parameters.
    pub base: BaseRecord,
    /// What the method did.
    pub trace: TraceSummary,
    /// Data handling, replayable.
    pub preprocessing: Preprocessing,
    /// The data rows (0-based, into the file) the method was given, in the order it saw
    /// them (it takes the first `batch_size` when the config has one).
    pub rows_used: Vec<usize>,
    /// The model.
    pub model: ModelRecord,
    /// Versions.
    pub versions: Versions,
    /// The whole command, seconds.
    pub total_s: f64,
}

/// `initsift init`.
pub fn run(args: &InitArgs, quiet: bool) -> Result<()> {
    let start = Instant::now();
    let config = config(args)?;
    let problem = problem::prepare(&args.data)?;
    let (base, base_record) = base(args, &problem)?;
    let (x, y) = (&problem.train.0, &problem.train.1);
    let bar = progress::spinner(config.name(), quiet);
    let data = Data::new(x.view(), y.view(), problem.loss);
    let result = datadep::initialize(&problem.spec, &base, data, &config);
    bar.finish_and_clear();
    let (params, trace) = result.map_err(|e| match e {
        datadep::Error::BadConfig { name, value, .. } => anyhow::Error::new(UsageError::new(
            flag_of(args, name),
            value,
            e.to_string(),
            "",
        )),
        other => {
            anyhow::Error::new(other).context(format!("initsift init --method {}", config.name()))
        }
    })?;
    let record = InitRecord {
        command: "init".into(),
        trace: TraceSummary::of(&trace),
        config,
        base: base_record,
        rows_used: problem.preprocessing.split.train_rows.clone(),
        preprocessing: problem.preprocessing.clone(),
        model: ModelRecord {
            arch: args.data.arch.to_string(),
            activation: problem.act.to_string(),
            sequential: sequential(&problem.arch, problem.act),
            loss: parse::loss_name(problem.loss).into(),
        },
        versions: Versions {
            initsift: env!("CARGO_PKG_VERSION").into(),
            format: search::FORMAT,
        },
        total_s: start.elapsed().as_secs_f64(),
    };
    let meta = BTreeMap::from([
        ("initsift_arch".to_string(), args.data.arch.to_string()),
        ("initsift_act".to_string(), args.data.act.to_string()),
        (
            "initsift_method".to_string(),
            record.config.name().to_string(),
        ),
    ]);
    let weights = export::to_safetensors(&problem.spec, &params, &meta)?;
    let mut out = Staging::new(&args.out)?;
    out.write("init.safetensors", &weights)?;
    out.write_json("init.json", &record)?;
    let written = out.commit()?;
    if !quiet {
        let t = &record.trace;
        eprintln!(
            "{}: {} iterations ({} constraint steps), objective {} → {}{}",
            record.config.name(),
            t.iterations,
            t.constraint_steps,
            t.first_objective
                .map_or("none".into(), |v| format!("{v:.4}")),
            t.final_objective
                .map_or("none".into(), |v| format!("{v:.4}")),
            t.diverged
                .as_ref()
                .map(|d| format!(
                    " (stopped: {} not finite at iteration {})",
                    d.quantity, d.iteration
                ))
                .unwrap_or_default()
        );
        for p in written {
            eprintln!("wrote {}", p.display());
        }
    }
    Ok(())
}
