//! The command line's flags (clap derive). Values are parsed by [`super::parse`], so a bad
//! value is a usage error naming the flag and the accepted values (exit status 2).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use super::parse::{self, Arch, SelectSpec, Shard};
use crate::nn::{Activation, Loss, OptimizerConfig};

/// Choose neural-network initializations by their initial loss, on your own data, and hand
/// them to PyTorch.
#[derive(Debug, Parser)]
#[command(name = "initsift", version, about, long_about = None)]
pub struct Cli {
    /// No progress bars (they are also off when stderr is not a terminal).
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Score many random inits on your data and keep the best: writes init.safetensors
    /// (nn.Sequential state_dict), search.json and initial_loss.svg.
    #[command(after_help = SEARCH_EXAMPLES)]
    Search(SearchArgs),
    /// Merge the outputs of `search --shard K/N` runs into the result of one unsharded search.
    #[command(after_help = MERGE_EXAMPLES)]
    Merge(MergeArgs),
    /// Train from a chosen init (or a random one): trained weights, a JSON report, an SVG.
    #[command(after_help = TRAIN_EXAMPLES)]
    Train(TrainArgs),
    /// Train R random and R selected inits under one recipe and say whether selection helped.
    #[command(after_help = COMPARE_EXAMPLES)]
    Compare(CompareArgs),
    /// Measure the costs and a pilot of the benefit on your data, and recommend a number of
    /// samples (or "not worth it").
    #[command(after_help = ADVISE_EXAMPLES)]
    Advise(AdviseArgs),
    /// Run a data-dependent initializer (LSUV, GradInit, NIO, MetaInit) on your data: writes
    /// init.safetensors (nn.Sequential state_dict) and init.json.
    #[command(after_help = super::init::INIT_EXAMPLES)]
    Init(super::init::InitArgs),
    /// List the built-in data sets.
    Datasets,
    /// List the init schemes `--init` accepts.
    Schemes,
}

const SEARCH_EXAMPLES: &str = "Examples:
  initsift search --dataset digits --arch 64-32-10 --out runs/digits
  initsift search --data my.csv --target label --arch 20-64-3 --samples 10000 --out runs/mine
  initsift search --data my.csv.gz --task regress --arch 8-32-1 --init kaiming_normal \\
      --select percentile:1 --out runs/reg
  # on a cluster: four shards, then one merge
  for k in 0 1 2 3; do initsift search --dataset digits --arch 64-32-10 --shard $k/4 --out s$k; done
  initsift merge s0 s1 s2 s3 --out runs/digits";

const MERGE_EXAMPLES: &str = "Examples:
  initsift merge shards/0 shards/1 shards/2 shards/3 --out runs/digits
  initsift merge shards/* --out runs/digits";

const TRAIN_EXAMPLES: &str = "Examples:
  initsift train --dataset digits --arch 64-32-10 --init runs/digits/init.safetensors --out runs/t
  initsift train --data my.csv --arch 20-64-3 --random --seed 3 --optim sgd:lr=0.1,momentum=0.9 \\
      --epochs 50 --batch 64 --out runs/t_random";

const COMPARE_EXAMPLES: &str = "Examples:
  initsift compare --dataset breast_cancer --arch 30-16-1 --runs 20 --samples 1000
  initsift compare --data my.csv --arch 20-64-3 --runs 10 --epochs 30 --optim adam:lr=1e-3";

const ADVISE_EXAMPLES: &str = "Examples:
  initsift advise --dataset digits --arch 64-32-10
  initsift advise --data my.csv --arch 20-64-3 --epochs 100";

/// Where the data come from and how they are prepared: shared by every data subcommand.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// A CSV or CSV.gz file: a header row, numeric cells, the target in `--target`.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "dataset",
        conflicts_with = "dataset"
    )]
    pub data: Option<PathBuf>,
    /// A built-in data set instead of a file (see `initsift datasets`).
    #[arg(long, value_enum)]
    pub dataset: Option<DatasetName>,
    /// The target column's name in the CSV header.
    #[arg(long, value_name = "COL", default_value = "target")]
    pub target: String,
    /// Classification (integer class targets 0..k) or regression; inferred when not given.
    #[arg(long, value_enum)]
    pub task: Option<Task>,
    /// Layer widths, input first: `64-32-10`.
    #[arg(long, value_name = "WIDTHS", value_parser = parse::parse_arch)]
    pub arch: Arch,
    /// The activation between layers.
    #[arg(long, default_value = "relu", value_parser = parse::parse_act)]
    pub act: Activation,
    /// The loss: ce, bce or mse; default: ce for classes (bce with one output), mse for regression.
    #[arg(long, value_parser = parse::parse_loss)]
    pub loss: Option<Loss>,
    /// Feature scaling, fitted on the training rows only.
    #[arg(long, value_enum, default_value = "standardize")]
    pub scale: Scale,
    /// The fraction of rows held out for testing (stratified by class when classifying).
    #[arg(long, value_name = "F", default_value = "0.2", value_parser = parse::parse_fraction)]
    pub test_size: f64,
    /// The seed of the split, the subset and the candidate stream.
    #[arg(long, default_value = "0")]
    pub seed: u64,
}

/// The built-in data sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
pub enum DatasetName {
    /// UCI optical digits, 1797 × 64, 10 classes.
    Digits,
    /// Breast cancer Wisconsin, 569 × 30, 2 classes.
    BreastCancer,
    /// Iris, 150 × 4, 3 classes.
    Iris,
    /// Wine, 178 × 13, 3 classes.
    Wine,
    /// Diabetes, 442 × 10, regression.
    Diabetes,
}

/// Classification or regression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Integer class targets.
    Classify,
    /// Real targets.
    Regress,
}

/// Feature scaling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// Leave the features as they are.
    None,
    /// (x − mean) / std per feature, fitted on the training rows (and the target for regression).
    Standardize,
}

/// `initsift search`.
#[derive(Debug, Clone, Args)]
pub struct SearchArgs {
    /// Data and model.
    #[command(flatten)]
    pub data: DataArgs,
    /// The scheme the candidates are drawn from (see `initsift schemes`).
    #[arg(long, default_value = "torch_default")]
    pub init: String,
    /// How many candidates to score.
    #[arg(long, short = 'n', default_value = "1000", value_parser = parse::parse_samples)]
    pub samples: u64,
    /// How to choose: best, best_of:K, percentile:P, threshold:X, adaptive:pilot=K.
    #[arg(long, default_value = "best", value_parser = parse::parse_select)]
    pub select: SelectSpec,
    /// Score on a random subset of this many training rows (default: all of them).
    #[arg(long, value_name = "ROWS", value_parser = parse::positive("--subset"))]
    pub subset: Option<usize>,
    /// Score only slice K of N of the candidates (merge the N outputs with `initsift merge`).
    #[arg(long, value_name = "K/N", value_parser = parse::parse_shard)]
    pub shard: Option<Shard>,
    /// The output folder (created; files are written whole or not at all).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// `initsift merge`.
#[derive(Debug, Clone, Args)]
pub struct MergeArgs {
    /// The shard folders (each written by `search --shard K/N`).
    #[arg(required = true, value_name = "DIR")]
    pub shards: Vec<PathBuf>,
    /// The output folder.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// The training recipe: shared by train, compare and advise.
#[derive(Debug, Clone, Args)]
pub struct RecipeArgs {
    /// The optimizer, with torch.optim's defaults for keys not given.
    #[arg(long, default_value = "adam:lr=1e-3", value_parser = parse::parse_optim)]
    pub optim: OptimizerConfig,
    /// Epochs of training.
    #[arg(long, default_value = "20", value_parser = parse::positive("--epochs"))]
    pub epochs: usize,
    /// Minibatch size (rows are reshuffled every epoch with the seed).
    #[arg(long, default_value = "32", value_parser = parse::positive("--batch"))]
    pub batch: usize,
}

/// `initsift train`.
#[derive(Debug, Clone, Args)]
pub struct TrainArgs {
    /// Data and model.
    #[command(flatten)]
    pub data: DataArgs,
    /// Start from these weights (init.safetensors from `search`, or any file with the
    /// nn.Sequential keys of `--arch`).
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "random",
        conflicts_with = "random"
    )]
    pub init: Option<PathBuf>,
    /// Start from candidate 0 of the `--scheme` stream with `--seed` instead.
    #[arg(long)]
    pub random: bool,
    /// The scheme of `--random`.
    #[arg(long, default_value = "torch_default")]
    pub scheme: String,
    /// The recipe.
    #[command(flatten)]
    pub recipe: RecipeArgs,
    /// The output folder.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// `initsift compare`.
#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    /// Data and model.
    #[command(flatten)]
    pub data: DataArgs,
    /// The scheme both arms draw from.
    #[arg(long, default_value = "torch_default")]
    pub init: String,
    /// Runs per arm (paired: run r of both arms shares its stream and its minibatch order).
    #[arg(long, default_value = "10", value_parser = parse::positive("--runs"))]
    pub runs: usize,
    /// Candidates the selected arm scores per run (best of N).
    #[arg(long, short = 'n', default_value = "1000", value_parser = parse::parse_samples)]
    pub samples: u64,
    /// The recipe.
    #[command(flatten)]
    pub recipe: RecipeArgs,
    /// Also write compare.json here.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// `initsift advise`.
#[derive(Debug, Clone, Args)]
pub struct AdviseArgs {
    /// Data and model.
    #[command(flatten)]
    pub data: DataArgs,
    /// The scheme to draw from.
    #[arg(long, default_value = "torch_default")]
    pub init: String,
    /// Paired pilot runs that measure the head start.
    #[arg(long, default_value = "4", value_parser = parse::positive("--pilot-runs"))]
    pub pilot_runs: usize,
    /// Candidates per selected pilot run.
    #[arg(long, default_value = "100", value_parser = parse::parse_samples)]
    pub pilot_samples: u64,
    /// The recipe you plan to train with (its epochs set the pilot's horizon).
    #[command(flatten)]
    pub recipe: RecipeArgs,
}
