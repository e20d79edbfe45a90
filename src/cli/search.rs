//! `initsift search` and `initsift merge`: score a slice of the candidate stream, choose with
//! the library's strategy, and write init.safetensors, search.json and initial_loss.svg.
//!
//! A shard writes its scores (scores.safetensors) and a search.json with no picks; `merge`
//! checks that the shards come from one search and cover it, joins their scores and finishes
//! exactly as the unsharded search does (one code path: [`finish`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::args::{DataArgs, SearchArgs};
use super::files::Staging;
use super::parse::{self, Shard, UsageError};
use super::problem::{self, Preprocessing, Problem};
use super::selection::{self, Chosen, PickRecord, ScoreTable};
use super::{plot, progress};
use crate::init::{InitPlan, Stream};
use crate::nn::{Activation, ModelSpec, export};

/// The version of search.json's layout.
pub const FORMAT: u32 = 1;

/// What defines a search: two shards merge only if these agree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// `builtin:NAME` or the CSV path as given.
    pub data: String,
    /// The target column.
    pub target: String,
    /// `classify`, `regress`, or absent (inferred).
    pub task: Option<super::args::Task>,
    /// Widths, e.g. `64-32-10`.
    pub arch: String,
    /// The activation.
    pub act: String,
    /// `ce`, `bce` or `mse`.
    pub loss: String,
    /// The init scheme.
    pub init: String,
    /// `--samples`.
    pub samples: u64,
    /// `--select`.
    pub select: String,
    /// `--subset`.
    pub subset: Option<usize>,
    /// `--scale`.
    pub scale: super::args::Scale,
    /// `--test-size`.
    pub test_size: f64,
    /// `--seed`: split, subset and stream.
    pub seed: u64,
}

/// The candidate stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamRecord {
    /// Its seed.
    pub seed: u64,
    /// The init plan, as data.
    pub plan: InitPlan,
    /// Candidates in the pool: indices `0..candidates`.
    pub candidates: u64,
    /// Parameters per candidate.
    pub param_len: usize,
}

/// Which slice of the pool a shard scored.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ShardRecord {
    /// This shard.
    pub k: u64,
    /// Of how many.
    pub n: u64,
    /// First candidate index.
    pub first: u64,
    /// One past the last.
    pub end: u64,
}

/// The initial-loss distribution of the pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LossSummary {
    /// Finite losses.
    pub finite: usize,
    /// NaN or infinite losses (they never win).
    pub nonfinite: usize,
    /// Mean of the finite losses.
    pub mean: f64,
    /// Losses at the percentiles 0, 1, 5, 10, 25, 50, 75, 90, 95, 99 and 100 (numpy's
    /// linear rule), in that order; empty when no loss is finite.
    pub quantiles: Vec<Quantile>,
}

/// One point of the initial-loss distribution.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Quantile {
    /// The percentile, 0 to 100.
    pub percentile: f64,
    /// The loss there.
    pub loss: f64,
}

impl LossSummary {
    /// The loss at percentile `p` (one of those recorded), NaN when absent.
    pub fn at(&self, p: f64) -> f64 {
        self.quantiles
            .iter()
            .find(|q| q.percentile == p)
            .map_or(f64::NAN, |q| q.loss)
    }
}

/// The model, as PyTorch would build it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelRecord {
    /// Widths.
    pub arch: String,
    /// Activation.
    pub activation: String,
    /// The `nn.Sequential` children, in order.
    pub sequential: Vec<String>,
    /// The loss.
    pub loss: String,
}

/// Seconds spent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    /// Loading and preparing data.
    pub prepare_s: f64,
    /// Scoring candidates (this process; for a merge, the shards' sum).
    pub score_s: f64,
    /// Candidates scored per second.
    pub candidates_per_s: f64,
    /// The whole command.
    pub total_s: f64,
}

/// Versions of what wrote the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Versions {
    /// initsift's version.
    pub initsift: String,
    /// search.json's layout version.
    pub format: u32,
}

/// search.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchRecord {
    /// Always `search`.
    pub command: String,
    /// The picks: `(seed, index)` addresses and their scores (empty for a shard).
    pub picks: Vec<PickRecord>,
    /// What defines the search.
    pub request: Request,
    /// The stream and plan.
    pub stream: StreamRecord,
    /// Present for a shard's output.
    pub shard: Option<ShardRecord>,
    /// For a merge: how many shards were joined.
    pub merged_shards: Option<u64>,
    /// The library's selection record (strategy, draws, threshold, status).
    pub selection: Option<Value>,
    /// The initial-loss distribution of the scored candidates.
    pub initial_loss: LossSummary,
    /// Data handling, replayable.
    pub preprocessing: Preprocessing,
    /// The data rows (0-based, into the file) the candidates were scored on.
    pub scored_rows: Vec<usize>,
    /// How many rows that is.
    pub rows_scored: usize,
    /// The model.
    pub model: ModelRecord,
    /// Versions.
    pub versions: Versions,
    /// Timings (the only part that differs between identical runs).
    pub timings: Timings,
}

/// numpy's linear-interpolation percentile of sorted values.
fn percentile(sorted: &[f32], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q / 100.0;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let (a, b) = (f64::from(sorted[lo]), f64::from(sorted[hi]));
    a + (h - lo as f64) * (b - a)
}

/// The distribution of `losses`.
pub fn summarize(losses: &[f32]) -> LossSummary {
    let mut finite: Vec<f32> = losses.iter().copied().filter(|v| v.is_finite()).collect();
    finite.sort_by(f32::total_cmp);
    let quantiles = if finite.is_empty() {
        Vec::new()
    } else {
        [
            0.0, 1.0, 5.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 100.0,
        ]
        .into_iter()
        .map(|q| Quantile {
            percentile: q,
            loss: percentile(&finite, q),
        })
        .collect()
    };
    LossSummary {
        finite: finite.len(),
        nonfinite: losses.len() - finite.len(),
        mean: finite.iter().map(|&v| f64::from(v)).sum::<f64>() / finite.len().max(1) as f64,
        quantiles,
    }
}

/// The `nn.Sequential` children of an MLP.
pub fn sequential(arch: &[usize], act: Activation) -> Vec<String> {
    let module = match act {
        Activation::Relu => "ReLU()".to_string(),
        Activation::Tanh => "Tanh()".to_string(),
        Activation::Sigmoid => "Sigmoid()".to_string(),
        Activation::Identity => "Identity()".to_string(),
        Activation::LeakyRelu { slope } => format!("LeakyReLU({slope})"),
        Activation::Elu { alpha } => format!("ELU({alpha})"),
        Activation::Abs => "abs".to_string(),
    };
    let mut out = Vec::new();
    for (i, pair) in arch.windows(2).enumerate() {
        if i > 0 {
            out.push(module.clone());
        }
        out.push(format!("Linear({}, {})", pair[0], pair[1]));
    }
    out
}

/// The request of a search's flags.
fn request(args: &SearchArgs, problem: &Problem) -> Request {
    Request {
        data: problem.preprocessing.source.name.clone(),
        target: args.data.target.clone(),
        task: args.data.task,
        arch: args.data.arch.to_string(),
        act: args.data.act.to_string(),
        loss: parse::loss_name(problem.loss).into(),
        init: args.init.clone(),
        samples: args.samples,
        select: args.select.to_string(),
        subset: args.subset,
        scale: args.data.scale,
        test_size: args.data.test_size,
        seed: args.data.seed,
    }
}

/// The data flags a request was made with (merge rebuilds the problem from them).
fn data_args(r: &Request) -> Result<DataArgs> {
    let (data, dataset) = match r.data.strip_prefix("builtin:") {
        Some(name) => (
            None,
            Some(
                <super::args::DatasetName as clap::ValueEnum>::from_str(name, false).map_err(
                    |e| anyhow::anyhow!("search.json names an unknown built-in data set: {e}"),
                )?,
            ),
        ),
        None => (Some(PathBuf::from(&r.data)), None),
    };
    Ok(DataArgs {
        data,
        dataset,
        target: r.target.clone(),
        task: r.task,
        arch: parse::parse_arch(&r.arch)?,
        act: parse::parse_act(&r.act)?,
        loss: Some(parse::parse_loss(&r.loss)?),
        scale: r.scale,
        test_size: r.test_size,
        seed: r.seed,
    })
}

/// The model and stream a record describes.
fn model_and_stream(r: &SearchRecord) -> Result<(ModelSpec, Stream)> {
    let arch = parse::parse_arch(&r.request.arch)?;
    let spec = parse::model(&arch.0, parse::parse_act(&r.request.act)?)?;
    let stream = Stream::new(&spec, &r.stream.plan, r.stream.seed)?;
    Ok((spec, stream))
}

/// `initsift search`.
pub fn run(args: &SearchArgs, quiet: bool) -> Result<()> {
    let start = Instant::now();
    let problem = problem::prepare(&args.data)?;
    let plan = parse::parse_init(&args.init, &problem.spec, problem.act)?;
    let seed = args.data.seed;
    let stream = Stream::new(&problem.spec, &plan, seed)?;
    let problem::Scored { x, y, subset } = problem.scored(args.subset, seed)?;
    let scored_rows = problem::scored_file_rows(&problem.preprocessing.split, subset.as_deref());
    let scorer = selection::live_scorer(&problem.spec, problem.loss, x.view(), y.view())?;
    let pool = selection::pool_size(args.select, args.samples);
    let shard = args.shard.unwrap_or(Shard::WHOLE);
    let range = shard.range(pool);
    let prepare_s = start.elapsed().as_secs_f64();

    let bar = progress::bar(range.1 - range.0, "scoring", quiet);
    let scoring = Instant::now();
    let table = ScoreTable::score(scorer.as_ref(), &stream, range, |done| {
        bar.set_position(done)
    })?;
    bar.finish_and_clear();
    let score_s = scoring.elapsed().as_secs_f64();

    let mut record = SearchRecord {
        command: "search".into(),
        picks: Vec::new(),
        request: request(args, &problem),
        stream: StreamRecord {
            seed,
            plan,
            candidates: pool,
            param_len: stream.param_len(),
        },
        shard: args.shard.map(|s| ShardRecord {
            k: s.k,
            n: s.n,
            first: range.0,
            end: range.1,
        }),
        merged_shards: None,
        selection: None,
        initial_loss: summarize(&table.loss),
        preprocessing: problem.preprocessing.clone(),
        rows_scored: scored_rows.len(),
        scored_rows,
        model: ModelRecord {
            arch: args.data.arch.to_string(),
            activation: problem.act.to_string(),
            sequential: sequential(&problem.arch, problem.act),
            loss: parse::loss_name(problem.loss).into(),
        },
        versions: Versions {
            initsift: env!("CARGO_PKG_VERSION").into(),
            format: FORMAT,
        },
        timings: Timings {
            prepare_s,
            score_s,
            candidates_per_s: table.loss.len() as f64 / score_s.max(1e-9),
            total_s: 0.0,
        },
    };
    if args.shard.is_some_and(|s| s.n > 1) {
        record.timings.total_s = start.elapsed().as_secs_f64();
        let mut out = Staging::new(&args.out)?;
        out.write("scores.safetensors", &scores_to_bytes(&table)?)?;
        out.write_json("search.json", &record)?;
        report_written(&out.commit()?, quiet);
        return Ok(());
    }
    finish(
        record,
        &table,
        &stream,
        &problem.spec,
        Some(scorer.as_ref()),
        &args.out,
        start,
        quiet,
    )
}

/// Chooses, then writes the three outputs of a complete search.
#[allow(clippy::too_many_arguments)]
fn finish(
    mut record: SearchRecord,
    table: &ScoreTable,
    stream: &Stream,
    spec: &ModelSpec,
    live: Option<&dyn crate::init::select::Scorer>,
    out_dir: &Path,
    start: Instant,
    quiet: bool,
) -> Result<()> {
    let spec_kind = parse::parse_select(&record.request.select)?;
    let Chosen { picks, selection } = selection::choose(spec_kind, table, stream, live)?;
    let Some(best) = picks.first().cloned() else {
        bail!(
            "--select {}: no candidate met the rule within {} draws (best initial loss {}); \
             raise --samples or the threshold",
            record.request.select,
            table.loss.len(),
            record.initial_loss.at(0.0)
        );
    };
    record.picks = picks;
    if record.preprocessing.task == super::args::Task::Regress {
        // The scorers' accuracy rule (a 0.5 threshold) means nothing for real targets: null.
        record.picks.iter_mut().for_each(|p| p.accuracy = None);
    }
    record.selection = Some(selection);
    record.shard = None;
    record.timings.total_s = start.elapsed().as_secs_f64();
    let params = selection::pick_params(stream, &best);
    let meta = BTreeMap::from([
        ("initsift_arch".to_string(), record.request.arch.clone()),
        ("initsift_act".to_string(), record.request.act.clone()),
        (
            "initsift_candidate".to_string(),
            format!("{}:{}", best.seed, best.index),
        ),
    ]);
    let weights = export::to_safetensors(spec, &params, &meta)?;
    let svg = plot::histogram(
        &format!("initial loss of {} candidates", table.loss.len()),
        &format!("initial {} loss", record.model.loss),
        &table.loss,
        &[(
            best.loss,
            format!("pick {}:{} ({:.4})", best.seed, best.index, best.loss),
        )],
    )?;
    let mut out = Staging::new(out_dir)?;
    out.write("init.safetensors", &weights)?;
    out.write_json("search.json", &record)?;
    out.write("initial_loss.svg", svg.as_bytes())?;
    let written = out.commit()?;
    if !quiet {
        eprintln!(
            "picked candidate {}:{} with initial loss {} (pool median {:.4}, {} candidates)",
            best.seed,
            best.index,
            best.loss,
            record.initial_loss.at(50.0),
            table.loss.len()
        );
    }
    report_written(&written, quiet);
    Ok(())
}

fn report_written(paths: &[PathBuf], quiet: bool) {
    if !quiet {
        for p in paths {
            eprintln!("wrote {}", p.display());
        }
    }
}

/// A shard's scores as safetensors (`loss`, `accuracy`; metadata `seed`, `first`).
fn scores_to_bytes(table: &ScoreTable) -> Result<Vec<u8>> {
    use safetensors::tensor::{Dtype, TensorView};
    let bytes = |v: &[f32]| -> Vec<u8> { v.iter().flat_map(|x| x.to_le_bytes()).collect() };
    let (loss, acc) = (bytes(&table.loss), bytes(&table.accuracy));
    let n = table.loss.len();
    let views = vec![
        ("accuracy", TensorView::new(Dtype::F32, vec![n], &acc)?),
        ("loss", TensorView::new(Dtype::F32, vec![n], &loss)?),
    ];
    let meta = std::collections::HashMap::from([
        ("seed".to_string(), table.seed.to_string()),
        ("first".to_string(), table.first.to_string()),
    ]);
    Ok(safetensors::serialize(views, Some(meta))?)
}

/// Reads a shard's scores.
fn scores_from_file(path: &Path) -> Result<ScoreTable> {
    use safetensors::SafeTensors;
    let name = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| format!("{name}: cannot read"))?;
    let file =
        SafeTensors::deserialize(&bytes).with_context(|| format!("{name}: not a scores file"))?;
    let meta = export::safetensors_metadata(&bytes, &name)?;
    let number = |key: &str| -> Result<u64> {
        meta.get(key)
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("{name}: metadata `{key}` missing or not a number"))
    };
    let column = |key: &str| -> Result<Vec<f32>> {
        let view = file
            .tensor(key)
            .with_context(|| format!("{name}: no `{key}` tensor"))?;
        Ok(view
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    };
    let table = ScoreTable {
        seed: number("seed")?,
        first: number("first")?,
        loss: column("loss")?,
        accuracy: column("accuracy")?,
    };
    if table.loss.len() != table.accuracy.len() {
        bail!("{name}: `loss` and `accuracy` differ in length");
    }
    Ok(table)
}

/// The first JSON path at which `a` and `b` differ, with both values.
fn first_difference(a: &Value, b: &Value, path: &str) -> Option<(String, String, String)> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter().find_map(|k| {
                first_difference(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    &format!("{path}.{k}"),
                )
            })
        }
        _ if a == b => None,
        _ => Some((path.to_string(), a.to_string(), b.to_string())),
    }
}

/// What must agree between shards of one search.
fn identity(r: &SearchRecord) -> Result<Value> {
    Ok(serde_json::json!({
        "request": r.request,
        "stream": r.stream,
        "data_fnv1a64": r.preprocessing.source.fnv1a64,
        "scored_rows": r.scored_rows,
        "shards": r.shard.map(|s| s.n),
    }))
}

/// `initsift merge`.
pub fn merge(dirs: &[PathBuf], out: &Path, quiet: bool) -> Result<()> {
    let start = Instant::now();
    let mut shards = Vec::new();
    for dir in dirs {
        let path = dir.join("search.json");
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "{}: cannot read (is {} a shard folder?)",
                path.display(),
                dir.display()
            )
        })?;
        let record: SearchRecord = serde_json::from_str(&text).with_context(|| {
            format!(
                "{}: not a search.json written by initsift search",
                path.display()
            )
        })?;
        let Some(shard) = record.shard else {
            return Err(UsageError::new(
                "DIR",
                dir.display(),
                "holds a complete search, not a shard (written without --shard)",
                "folders written by `initsift search --shard K/N`",
            )
            .into());
        };
        shards.push((dir.clone(), record, shard));
    }
    let (first_dir, first, _) = &shards[0];
    let reference = identity(first)?;
    for (dir, record, _) in &shards[1..] {
        if let Some((key, a, b)) = first_difference(&reference, &identity(record)?, "") {
            return Err(UsageError::new(
                "DIR",
                dir.display(),
                format!(
                    "comes from a different search than {}: `{}` is {b} there but {a} in {}",
                    dir.display(),
                    key.trim_start_matches('.'),
                    first_dir.display()
                ),
                "shards of one search (same data, arch, init, samples, select and seed)",
            )
            .into());
        }
    }
    let n = shards[0].2.n;
    shards.sort_by_key(|(_, _, s)| s.k);
    let ks: Vec<u64> = shards.iter().map(|(_, _, s)| s.k).collect();
    if ks != (0..n).collect::<Vec<_>>() {
        let missing: Vec<String> = (0..n)
            .filter(|k| !ks.contains(k))
            .map(|k| k.to_string())
            .collect();
        let mut seen = std::collections::BTreeSet::new();
        let twice: Vec<String> = ks
            .iter()
            .filter(|k| !seen.insert(**k))
            .map(|k| k.to_string())
            .collect();
        return Err(UsageError::new(
            "DIR...",
            dirs.iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>()
                .join(" "),
            format!(
                "the shards must be 0 to {} of {n}, each once; missing: [{}], repeated: [{}]",
                n - 1,
                missing.join(", "),
                twice.join(", ")
            ),
            format!("all {n} shard folders of one search"),
        )
        .into());
    }
    let mut tables = Vec::new();
    let mut score_s = 0.0;
    for (dir, record, shard) in &shards {
        let table = scores_from_file(&dir.join("scores.safetensors"))?;
        if table.first != shard.first || table.loss.len() as u64 != shard.end - shard.first {
            bail!(
                "{}: the scores do not match the shard's range {}..{}",
                dir.display(),
                shard.first,
                shard.end
            );
        }
        score_s += record.timings.score_s;
        tables.push(table);
    }
    let table = ScoreTable::concat(tables)?;
    let mut record = shards[0].1.clone();
    let (spec, stream) = model_and_stream(&record)?;
    let select = parse::parse_select(&record.request.select)?;
    let live_problem = if selection::needs_live_scorer(select) {
        let problem = problem::prepare(&data_args(&record.request)?)?;
        if problem.preprocessing.source.fnv1a64 != record.preprocessing.source.fnv1a64 {
            bail!(
                "{}: the data changed since the shards were scored",
                record.request.data
            );
        }
        let problem::Scored { x, y, .. } =
            problem.scored(record.request.subset, record.request.seed)?;
        Some(selection::live_scorer(
            &problem.spec,
            problem.loss,
            x.view(),
            y.view(),
        )?)
    } else {
        None
    };
    record.initial_loss = summarize(&table.loss);
    record.merged_shards = Some(n);
    record.timings = Timings {
        prepare_s: 0.0,
        score_s,
        candidates_per_s: table.loss.len() as f64 / score_s.max(1e-9),
        total_s: 0.0,
    };
    finish(
        record,
        &table,
        &stream,
        &spec,
        live_problem.as_deref().map(|s| s as _),
        out,
        start,
        quiet,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_follow_numpy_and_skip_nonfinite() {
        // numpy.percentile([1, 2, 3, 4, 5], [0, 25, 90, 100]) = [1, 2, 4.6, 5].
        let s = summarize(&[5.0, f32::NAN, 1.0, 3.0, f32::INFINITY, 2.0, 4.0]);
        assert_eq!((s.finite, s.nonfinite, s.mean), (5, 2, 3.0));
        assert_eq!(s.at(0.0), 1.0);
        assert_eq!(s.at(25.0), 2.0);
        assert!((s.at(90.0) - 4.6).abs() < 1e-12);
        assert_eq!(s.at(100.0), 5.0);
        assert!(s.at(33.0).is_nan());
    }

    #[test]
    fn sequential_names_torch_modules_in_order() {
        assert_eq!(
            sequential(&[4, 3, 2], Activation::LeakyRelu { slope: 0.2 }),
            ["Linear(4, 3)", "LeakyReLU(0.2)", "Linear(3, 2)"]
        );
    }
}
