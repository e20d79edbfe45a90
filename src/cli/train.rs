//! `initsift train`: one run from given weights (or a random candidate), with the test metric.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use serde::Serialize;

use super::args::{RecipeArgs, Task, TrainArgs};
use super::files::Staging;
use super::parse::{self, UsageError};
use super::problem::{self, Problem};
use super::{plot, progress};
use crate::init::Stream;
use crate::nn::{StopRules, TrainConfig, Trainer, export};

/// What one training run gives.
#[derive(Debug, Clone, Serialize)]
pub struct RunResult {
    /// Training loss per epoch (mean over the epoch's minibatches, at pre-step parameters).
    pub curve: Vec<f64>,
    /// Loss on the training rows at the initial parameters.
    pub initial_loss: f64,
    /// Loss on the training rows at the end.
    pub final_train_loss: f64,
    /// Accuracy there (classification).
    pub final_train_accuracy: Option<f64>,
    /// Loss on the test rows at the end.
    pub test_loss: f64,
    /// Accuracy there (classification).
    pub test_accuracy: Option<f64>,
    /// The trained parameters.
    #[serde(skip)]
    pub params: Vec<f32>,
}

impl RunResult {
    /// The test metric: accuracy for classification (higher is better), loss otherwise
    /// (lower is better).
    pub fn test_metric(&self) -> f64 {
        self.test_accuracy.unwrap_or(self.test_loss)
    }
}

/// The engine trainer's configuration for a recipe.
fn config(problem: &Problem, recipe: &RecipeArgs, shuffle_seed: u64) -> TrainConfig {
    TrainConfig {
        batch_size: Some(recipe.batch),
        shuffle_seed,
        record_curve: true,
        ..TrainConfig::full_batch(
            recipe.optim,
            problem.loss,
            StopRules {
                max_epochs: recipe.epochs,
                loss_below: None,
                plateau: None,
            },
        )
    }
}

/// Trains `init` on the problem's training rows under `recipe`, then scores the test rows.
pub fn train_once(
    problem: &Problem,
    init: &[f32],
    recipe: &RecipeArgs,
    shuffle_seed: u64,
) -> Result<RunResult> {
    let (x, y) = (&problem.train.0, &problem.train.1);
    let mut trainer = Trainer::new(
        &problem.spec,
        x.view(),
        y.view(),
        config(problem, recipe, shuffle_seed),
    )?;
    let outcome = trainer.train(init)?;
    let (tx, ty) = (&problem.test.0, &problem.test.1);
    let mut tester = Trainer::new(
        &problem.spec,
        tx.view(),
        ty.view(),
        config(problem, recipe, shuffle_seed),
    )?;
    let (test_loss, test_accuracy) = tester.evaluate(&outcome.params)?;
    let classify = problem.preprocessing.task == Task::Classify;
    Ok(RunResult {
        curve: outcome.curve,
        initial_loss: outcome.initial_loss,
        final_train_loss: outcome.final_loss,
        final_train_accuracy: classify.then_some(outcome.final_accuracy),
        test_loss,
        test_accuracy: classify.then_some(test_accuracy),
        params: outcome.params,
    })
}

/// Candidate `index` of the `scheme` stream with `seed`.
pub fn random_init(problem: &Problem, scheme: &str, seed: u64, index: u64) -> Result<Vec<f32>> {
    let plan = parse::parse_init(scheme, &problem.spec, problem.act).map_err(|e| UsageError {
        flag: "--scheme".into(),
        ..e
    })?;
    Ok(Stream::new(&problem.spec, &plan, seed)?.candidate(index))
}

#[derive(Serialize)]
struct TrainReport<'a> {
    command: &'static str,
    init: String,
    optimizer: crate::nn::OptimizerConfig,
    epochs: usize,
    batch: usize,
    seed: u64,
    loss: &'static str,
    run: &'a RunResult,
    preprocessing: &'a problem::Preprocessing,
    seconds: f64,
}

/// `initsift train`.
pub fn run(args: &TrainArgs, quiet: bool) -> Result<()> {
    let start = std::time::Instant::now();
    let problem = problem::prepare(&args.data)?;
    let (init, described) = match &args.init {
        Some(path) => {
            let (params, _) = problem::read_params("--init", path, &problem, &args.data.arch)?;
            (params, path.display().to_string())
        }
        None => (
            random_init(&problem, &args.scheme, args.data.seed, 0)?,
            format!("random: {} candidate {}:0", args.scheme, args.data.seed),
        ),
    };
    let bar = progress::spinner("training", quiet);
    let result = train_once(&problem, &init, &args.recipe, args.data.seed)?;
    bar.finish_and_clear();
    let meta = BTreeMap::from([
        ("initsift_arch".to_string(), args.data.arch.to_string()),
        ("initsift_act".to_string(), args.data.act.to_string()),
    ]);
    let weights = export::to_safetensors(&problem.spec, &result.params, &meta)?;
    let svg = plot::curves(
        &format!("training loss ({})", parse::loss_name(problem.loss)),
        "training loss",
        &[("this run".to_string(), result.curve.clone())],
    )?;
    let report = TrainReport {
        command: "train",
        init: described,
        optimizer: args.recipe.optim,
        epochs: args.recipe.epochs,
        batch: args.recipe.batch,
        seed: args.data.seed,
        loss: parse::loss_name(problem.loss),
        run: &result,
        preprocessing: &problem.preprocessing,
        seconds: start.elapsed().as_secs_f64(),
    };
    let mut out = Staging::new(&args.out)?;
    out.write("model.safetensors", &weights)?;
    out.write_json("train.json", &report)?;
    out.write("train.svg", svg.as_bytes())?;
    let written = out.commit().context("writing the training outputs")?;
    println!(
        "initial loss {:.4} → final training loss {:.4}; test loss {:.4}{}",
        result.initial_loss,
        result.final_train_loss,
        result.test_loss,
        result
            .test_accuracy
            .map(|a| format!(", test accuracy {:.2} %", 100.0 * a))
            .unwrap_or_default()
    );
    if !quiet {
        for p in written {
            eprintln!("wrote {}", p.display());
        }
    }
    Ok(())
}
