//! From `--data`/`--dataset` and the model flags to training and test arrays, with a record of
//! every step (source fingerprint, split rows, fitted scaling) that PyTorch can replay.

use std::path::Path;

use anyhow::{Context, Result};
use ndarray::{Array2, Axis};
use serde::{Deserialize, Serialize};

use super::args::{DataArgs, DatasetName, Scale, Task};
use super::parse::{self, UsageError};
use crate::data::{Builtin, Dataset, Standardizer, Stratify, TargetKind, Targets};
use crate::nn::{Activation, Loss, ModelSpec};

/// Where the data came from, and a fingerprint that tells two inputs apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataSource {
    /// `builtin:digits` or the path as given.
    pub name: String,
    /// FNV-1a (64-bit) of the file's bytes, hex: the same bytes give the same value anywhere.
    pub fnv1a64: String,
    /// Rows in the file.
    pub rows: usize,
    /// Feature columns.
    pub features: usize,
}

/// The train/test split as applied.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitRecord {
    /// `stratified` (per class) or `random`.
    pub rule: String,
    /// The test fraction.
    pub test_size: f64,
    /// The split's seed.
    pub seed: u64,
    /// Training rows, 0-based data row indices (header excluded), ascending.
    pub train_rows: Vec<usize>,
    /// Test rows, likewise.
    pub test_rows: Vec<usize>,
}

/// Everything done to the data before the model sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preprocessing {
    /// The input.
    pub source: DataSource,
    /// The target column.
    pub target: String,
    /// Classification or regression.
    pub task: Task,
    /// Classes, for classification.
    pub classes: Option<usize>,
    /// The split.
    pub split: SplitRecord,
    /// `none` or `standardize`.
    pub scale: Scale,
    /// How features are transformed: `x' = (x - feature_mean) / feature_scale`, per feature,
    /// in f32, with the mean and scale fitted on the training rows (population std; 1 for
    /// constant features).
    pub formula: String,
    /// Per-feature means (standardize), else absent.
    pub feature_mean: Option<Vec<f32>>,
    /// Per-feature scales (standardize), else absent.
    pub feature_scale: Option<Vec<f32>>,
    /// Regression with standardize: the target is transformed the same way.
    pub target_mean: Option<f32>,
    /// Regression with standardize: the target's scale.
    pub target_scale: Option<f32>,
    /// How targets become the model's targets: `one_hot`, `label` (0/1 column, bce) or `value`.
    pub target_encoding: String,
}

/// Data and model, prepared.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The model.
    pub spec: ModelSpec,
    /// Its widths.
    pub arch: Vec<usize>,
    /// Its activation.
    pub act: Activation,
    /// The loss.
    pub loss: Loss,
    /// Training inputs and targets.
    pub train: (Array2<f32>, Array2<f32>),
    /// Test inputs and targets.
    pub test: (Array2<f32>, Array2<f32>),
    /// What was done.
    pub preprocessing: Preprocessing,
}

/// 64-bit FNV-1a of `bytes`.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn builtin(name: DatasetName) -> Builtin {
    match name {
        DatasetName::Digits => Builtin::Digits,
        DatasetName::BreastCancer => Builtin::BreastCancer,
        DatasetName::Iris => Builtin::Iris,
        DatasetName::Wine => Builtin::Wine,
        DatasetName::Diabetes => Builtin::Diabetes,
    }
}

/// Loads the data set the flags name, with its source record.
fn load(args: &DataArgs) -> Result<(Dataset, DataSource)> {
    let kind = match args.task {
        Some(Task::Classify) => Some(TargetKind::Classification),
        Some(Task::Regress) => Some(TargetKind::Regression),
        None => None,
    };
    let (dataset, bytes, name) = match (&args.data, args.dataset) {
        (Some(path), _) => {
            let bytes = std::fs::read(path)
                .with_context(|| format!("--data {}: cannot read the file", path.display()))?;
            let source = path.display().to_string();
            let ds = crate::data::parse_csv_with_target(
                &bytes,
                &source,
                kind.unwrap_or(TargetKind::Infer),
                &args.target,
            )
            .with_context(|| format!("--data {source}"))?;
            (ds, bytes, source)
        }
        (None, Some(name)) => {
            let b = builtin(name);
            if args.target != crate::data::TARGET_COLUMN {
                return Err(UsageError::new(
                    "--target",
                    &args.target,
                    format!("the built-in {} has its targets in `target`", b.name()),
                    "target (or use --data FILE)",
                )
                .into());
            }
            let source = format!("crates/data/data/{}.csv.gz (built in)", b.name());
            let ds = crate::data::parse_csv(b.csv_gz(), &source, kind.unwrap_or(b.target_kind()))
                .with_context(|| format!("--dataset {}", b.name()))?;
            (ds, b.csv_gz().to_vec(), format!("builtin:{}", b.name()))
        }
        (None, None) => {
            return Err(UsageError::new(
                "--data",
                "",
                "no data given",
                "--data FILE or --dataset NAME",
            )
            .into());
        }
    };
    let source = DataSource {
        name,
        fnv1a64: format!("{:016x}", fnv1a64(&bytes)),
        rows: dataset.n_samples(),
        features: dataset.n_features(),
    };
    Ok((dataset, source))
}

/// The default loss for a task and output width.
fn default_loss(task: Task, outputs: usize) -> Loss {
    match (task, outputs) {
        (Task::Regress, _) => Loss::Mse,
        (Task::Classify, 1) => Loss::BceWithLogits,
        (Task::Classify, _) => Loss::CrossEntropy,
    }
}

/// Checks that the model fits the data and the loss fits the task.
fn check_fit(args: &DataArgs, ds: &Dataset, source: &DataSource, loss: Loss) -> Result<()> {
    let arch = &args.arch;
    let widths = &arch.0;
    let (input, output) = (widths[0], widths[widths.len() - 1]);
    if input != ds.n_features() {
        let mut fixed = widths.clone();
        fixed[0] = ds.n_features();
        return Err(UsageError::new(
            "--arch",
            arch,
            format!(
                "the input width {input} is not the {} features of {}",
                ds.n_features(),
                source.name
            ),
            format!(
                "an input width of {}, e.g. {}",
                ds.n_features(),
                parse::arch_string(&fixed)
            ),
        )
        .into());
    }
    let want = match (ds.n_classes(), loss) {
        (Some(2), Loss::BceWithLogits) => 1,
        (Some(_), Loss::BceWithLogits) => {
            return Err(UsageError::new(
                "--loss",
                "bce",
                format!(
                    "{} has {} classes; bce needs 2",
                    source.name,
                    ds.n_classes().unwrap_or(0)
                ),
                "ce (or mse) for more than two classes",
            )
            .into());
        }
        (Some(k), _) => k,
        (None, Loss::Mse) => 1,
        (None, other) => {
            return Err(UsageError::new(
                "--loss",
                parse::loss_name(other),
                format!("{} has real-valued targets", source.name),
                "mse for regression (or --task classify for integer classes)",
            )
            .into());
        }
    };
    if output != want {
        let what = match ds.n_classes() {
            Some(k) if loss == Loss::BceWithLogits => {
                format!("{k} classes under bce need 1 output")
            }
            Some(k) => format!("{} has {k} classes", source.name),
            None => "regression has 1 output".to_string(),
        };
        let mut fixed = widths.clone();
        *fixed.last_mut().unwrap_or(&mut 0) = want;
        return Err(UsageError::new(
            "--arch",
            arch,
            format!("the output width {output} does not fit: {what}"),
            format!(
                "an output width of {want}, e.g. {}",
                parse::arch_string(&fixed)
            ),
        )
        .into());
    }
    Ok(())
}

/// The model's targets for the rows of `ds`.
fn targets(ds: &Dataset, loss: Loss) -> Result<(Array2<f32>, &'static str)> {
    Ok(match (ds.targets(), loss) {
        (Targets::Classes { .. }, Loss::BceWithLogits) => (ds.target_column(), "label"),
        (Targets::Classes { .. }, _) => (ds.one_hot()?, "one_hot"),
        (Targets::Real(_), _) => (ds.target_column(), "value"),
    })
}

/// Loads, checks, splits and scales.
pub fn prepare(args: &DataArgs) -> Result<Problem> {
    let (ds, source) = load(args)?;
    let task = if ds.n_classes().is_some() {
        Task::Classify
    } else {
        Task::Regress
    };
    let outputs = args.arch.0[args.arch.0.len() - 1];
    let loss = args.loss.unwrap_or_else(|| default_loss(task, outputs));
    check_fit(args, &ds, &source, loss)?;
    let spec = parse::model(&args.arch.0, args.act)?;

    let stratify = match task {
        Task::Classify => Stratify::ByClass,
        Task::Regress => Stratify::No,
    };
    let split = crate::data::split_indices(&ds, args.test_size, args.seed, stratify)
        .map_err(|e| UsageError::new("--test-size", args.test_size, e.to_string(), "e.g. 0.2"))?;
    let (train, test) = (ds.select(&split.train)?, ds.select(&split.test)?);
    let (mut train_y, encoding) = targets(&train, loss)?;
    let (mut test_y, _) = targets(&test, loss)?;
    let mut record = Preprocessing {
        source,
        target: args.target.clone(),
        task,
        classes: ds.n_classes(),
        split: SplitRecord {
            rule: match stratify {
                Stratify::ByClass => "stratified".into(),
                Stratify::No => "random".into(),
            },
            test_size: args.test_size,
            seed: args.seed,
            train_rows: split.train.clone(),
            test_rows: split.test.clone(),
        },
        scale: args.scale,
        formula: "none".into(),
        feature_mean: None,
        feature_scale: None,
        target_mean: None,
        target_scale: None,
        target_encoding: encoding.into(),
    };
    let (mut train_x, mut test_x) = (train.features().clone(), test.features().clone());
    if args.scale == Scale::Standardize {
        let scaler = Standardizer::fit(&train_x)?;
        scaler.transform_in_place(&mut train_x)?;
        scaler.transform_in_place(&mut test_x)?;
        record.formula = "x' = (x - feature_mean) / feature_scale per feature, in f32; \
            fitted on the training rows (population std, 1 for a constant feature)"
            .into();
        record.feature_mean = Some(scaler.mean().to_vec());
        record.feature_scale = Some(scaler.std().to_vec());
        if task == Task::Regress {
            let t = Standardizer::fit(&train_y)?;
            t.transform_in_place(&mut train_y)?;
            t.transform_in_place(&mut test_y)?;
            record.target_mean = Some(t.mean()[0]);
            record.target_scale = Some(t.std()[0]);
        }
    }
    Ok(Problem {
        spec,
        arch: args.arch.0.clone(),
        act: args.act,
        loss,
        train: (train_x, train_y),
        test: (test_x, test_y),
        preprocessing: record,
    })
}

/// The rows a search scores.
#[derive(Debug, Clone)]
pub struct Scored {
    /// Inputs.
    pub x: Array2<f32>,
    /// Targets.
    pub y: Array2<f32>,
    /// Their positions within the training rows, when a subset.
    pub subset: Option<Vec<usize>>,
}

impl Problem {
    /// The training rows a search scores: all of them, or a seeded subset of `rows` (its
    /// positions within the training rows, ascending).
    pub fn scored(&self, rows: Option<usize>, seed: u64) -> Result<Scored> {
        let n = self.train.0.nrows();
        match rows {
            None => Ok(Scored {
                x: self.train.0.clone(),
                y: self.train.1.clone(),
                subset: None,
            }),
            Some(k) if k > n => Err(UsageError::new(
                "--subset",
                k,
                format!("the training split has only {n} rows"),
                format!("1 to {n}"),
            )
            .into()),
            Some(k) => {
                let picked = crate::data::random_subset_indices(n, k, seed)?;
                Ok(Scored {
                    x: self.train.0.select(Axis(0), &picked),
                    y: self.train.1.select(Axis(0), &picked),
                    subset: Some(picked),
                })
            }
        }
    }
}

/// The data row indices (into the file) of the rows a search scored.
pub fn scored_file_rows(split: &SplitRecord, subset: Option<&[usize]>) -> Vec<usize> {
    match subset {
        None => split.train_rows.clone(),
        Some(positions) => positions.iter().map(|&p| split.train_rows[p]).collect(),
    }
}

/// The parameters of `problem`'s model from the safetensors file that `flag` names (a search's or
/// `init`'s output, or any file with the `nn.Sequential` keys of `arch`), and the file's bytes.
pub fn read_params(
    flag: &str,
    path: &Path,
    problem: &Problem,
    arch: &impl std::fmt::Display,
) -> Result<(Vec<f32>, Vec<u8>)> {
    let bytes = read_file(flag, path)?;
    let params =
        crate::nn::export::from_safetensors(&problem.spec, &bytes, &path.display().to_string())
            .map_err(|e| {
                UsageError::new(
                    flag,
                    path.display(),
                    e.to_string(),
                    format!("a safetensors file with the nn.Sequential keys of --arch {arch}"),
                )
            })?;
    Ok((params, bytes))
}

/// Reads a file for `flag`, naming both in the error.
pub fn read_file(flag: &str, path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("{flag} {}: cannot read the file", path.display()))
}
