//! throughput: candidates scored per second by each path — the fused XOR kernels on every ISA
//! this CPU has, the generic batched MLP path, and the engine one candidate at a time — and the
//! digits MLP against matrixmultiply's measured sgemm rate; run-epochs trained per second by
//! the lockstep trainer and by the batched MLP trainer (digits, against the engine Trainer and
//! the sgemm bound of its FLOPs). Writes docs/results/throughput.json (and throughput.md).
//!
//! `cargo run --release -p experiments --bin throughput [-- --quick]`
//!
//! Every row scores fresh candidates of a stream (initial loss only, as a loss-based selection
//! does), on all of rayon's threads. Slow paths score fewer candidates; their rows say how many.
//! Each figure is the fastest of [`PASSES`] passes: on a shared 2-core machine single passes
//! of a fraction of a second varied by up to 25 %, and the fastest pass is the one least
//! disturbed by other work.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Parser;
use experiments::report::{OutputDir, md_table};
use initsift_batch::lockstep::{Lockstep, LockstepConfig};
use initsift_batch::mlp::MlpScorer;
use initsift_batch::mlp_train::{MlpTrainConfig, MlpTrainer};
use initsift_batch::score::FusedScorer;
use initsift_batch::{Isa, Preset};
use initsift_data::xor;
use initsift_init::select::{EngineScorer, Score, Scorer};
use initsift_init::{InitPlan, Scheme, Stream};
use initsift_nn::{
    Activation, Adam, Loss, ModelSpec, OptimizerConfig, StopRules, TrainConfig, Trainer,
};
use ndarray::Array2;
use ndarray::linalg::general_mat_mul;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{Value, json};

/// Measure candidate-scoring throughput per path and ISA.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Smaller candidate counts (about 16× fewer), for a quick look.
    #[arg(long)]
    quick: bool,
    /// Measure only this ISA's fused clone (avx512, avx2 or portable; default: every one this
    /// CPU has).
    #[arg(long)]
    isa: Option<String>,
    /// Where throughput.json goes.
    #[arg(long, default_value = "docs/results")]
    out: PathBuf,
}

const NAME: &str = "throughput";
/// Stream seed of every measurement (any seed does; fixed so reruns score the same candidates).
const SEED: u64 = 2025;
/// Losses are written to a reused buffer of this many candidates, so memory stays small.
const CHUNK: usize = 1 << 20;

/// One measured path (the keys outside checks read; keep them).
#[derive(Debug, Clone, Serialize)]
struct Row {
    model: String,
    path: String,
    candidates: u64,
    seconds: f64,
    candidates_per_s: f64,
}

impl Row {
    fn new(model: &str, path: &str, candidates: u64, seconds: f64) -> Self {
        Self {
            model: model.into(),
            path: path.into(),
            candidates,
            seconds,
            candidates_per_s: candidates as f64 / seconds,
        }
    }
}

/// Timed passes per measurement; the fastest counts.
const PASSES: usize = 5;

/// The fastest of [`PASSES`] timings of `pass` (seconds).
fn fastest(mut pass: impl FnMut() -> Result<f64>) -> Result<f64> {
    let mut best = f64::INFINITY;
    for _ in 0..PASSES {
        best = best.min(pass()?);
    }
    Ok(best)
}

/// Times `f(first, count)` over `n` candidates in chunks (the fastest of [`PASSES`] passes),
/// after one untimed warm-up chunk.
fn timed(n: u64, mut f: impl FnMut(u64, usize) -> Result<()>) -> Result<f64> {
    f(n, CHUNK.min(n as usize))?;
    fastest(|| {
        let start = Instant::now();
        let mut done = 0u64;
        while done < n {
            let len = CHUNK.min((n - done) as usize);
            f(done, len)?;
            done += len as u64;
        }
        Ok(start.elapsed().as_secs_f64())
    })
}

fn xor_data(model: Preset) -> (Array2<f32>, Array2<f32>) {
    let y = match model {
        Preset::Relu2 => xor::one_hot_targets(),
        _ => xor::scalar_targets(),
    };
    (xor::inputs_centered(), y)
}

/// Loss-only scoring through the `Scorer` trait (engine paths), `n` candidates.
fn scorer_row(
    model: &str,
    path: &str,
    scorer: &dyn Scorer,
    stream: &Stream,
    n: u64,
) -> Result<Row> {
    let mut buf = Vec::new();
    let seconds = timed(n, |first, len| {
        buf.resize(
            len,
            Score {
                loss: 0.0,
                grad_norm: 0.0,
                accuracy: 0.0,
            },
        );
        scorer.score_stream(stream, first, false, &mut buf)?;
        black_box(&buf);
        Ok(())
    })?;
    Ok(Row::new(model, path, n, seconds))
}

fn xor_rows(isas: &[Isa], quick: bool, rows: &mut Vec<Row>) -> Result<()> {
    let shift = if quick { 4 } else { 0 };
    for model in [Preset::Relu1, Preset::Abs1, Preset::Relu2] {
        let stream = Stream::new(&model.spec(), &model.plan(), SEED)?;
        for &isa in isas {
            let scorer = FusedScorer::new(model, Loss::Mse)?.with_isa(Some(isa))?;
            let n = 1u64 << (26 - shift);
            let mut buf = vec![0.0f32; CHUNK];
            let seconds = timed(n, |first, len| {
                scorer.losses(&stream, first, &mut buf[..len])?;
                black_box(&buf);
                Ok(())
            })?;
            rows.push(Row::new(model.name(), &format!("fused-{isa}"), n, seconds));
        }
        let (x, y) = xor_data(model);
        let generic = MlpScorer::new(&model.spec(), Loss::Mse, x.view(), y.view())?;
        let n = 1u64 << (21 - shift);
        rows.push(scorer_row(
            model.name(),
            "lanes-generic",
            &generic,
            &stream,
            n,
        )?);
        let engine = EngineScorer::new(&model.spec(), Loss::Mse, x.view(), y.view())?;
        let n = 1u64 << (19 - shift);
        rows.push(scorer_row(
            model.name(),
            "engine-scalar",
            &engine,
            &stream,
            n,
        )?);
    }
    Ok(())
}

/// The digits MLP (64-32-10 ReLU, cross-entropy) on all samples and on a 256-sample subset.
struct DigitsCase {
    model: String,
    scorer: MlpScorer,
    engine: EngineScorer,
}

fn digits_cases() -> Result<Vec<DigitsCase>> {
    let spec = ModelSpec::mlp("64-32-10", Activation::Relu)?;
    let full = initsift_data::builtin::digits()?;
    let sub = full.random_subset(256, SEED)?;
    let mut cases = Vec::new();
    for (model, data) in [("digits-64-32-10", full), ("digits-64-32-10-sub256", sub)] {
        let (x, y) = (data.features().clone(), data.one_hot()?);
        cases.push(DigitsCase {
            model: model.into(),
            scorer: MlpScorer::new(&spec, Loss::CrossEntropy, x.view(), y.view())?,
            engine: EngineScorer::new(&spec, Loss::CrossEntropy, x.view(), y.view())?,
        });
    }
    Ok(cases)
}

/// matrixmultiply's sgemm rate, FLOP/s over all of rayon's threads (each multiplying its own
/// matrices): `m×k · k×n` repeated for at least `seconds` per pass, the fastest of [`PASSES`]
/// passes (as every other figure here).
fn sgemm_rate(m: usize, k: usize, n: usize, seconds: f64) -> Result<f64> {
    let threads = rayon::current_num_threads();
    let a = Array2::from_shape_fn((m, k), |(i, j)| ((i * 7 + j * 3) % 11) as f32 * 0.1);
    let b = Array2::from_shape_fn((k, n), |(i, j)| ((i * 5 + j) % 13) as f32 * 0.1);
    let flops_per = 2.0 * (m * k * n) as f64;
    let pass = |reps: usize| {
        let start = Instant::now();
        (0..threads).into_par_iter().for_each(|_| {
            let mut c = Array2::<f32>::zeros((m, n));
            for _ in 0..reps {
                general_mat_mul(1.0, &a, &b, 0.0, &mut c);
            }
            black_box(&c);
        });
        start.elapsed().as_secs_f64()
    };
    let mut reps = 1usize;
    while pass(reps) <= seconds {
        reps *= 2;
    }
    let best = fastest(|| Ok(pass(reps)))?;
    Ok(flops_per * (reps * threads) as f64 / best)
}

/// Digits rows, and their time against the sgemm bound (the forward FLOPs at the sgemm rate).
fn digits_rows(quick: bool, rows: &mut Vec<Row>) -> Result<Value> {
    let shift = if quick { 3 } else { 0 };
    let sgemm_shapes = [
        // The generic path's first-layer sgemm: a 128-row tile × 64 inputs × 16·32 stacked units.
        (
            "tile 128x64 · 64x512 (the digits first layer)",
            128,
            64,
            512,
        ),
        ("square 512x512 · 512x512", 512, 512, 512),
    ];
    let rates: Vec<(String, f64)> = sgemm_shapes
        .iter()
        .map(|&(name, m, k, n)| Ok((name.to_string(), sgemm_rate(m, k, n, 0.25)?)))
        .collect::<Result<_>>()?;
    let best_rate = rates.iter().map(|r| r.1).fold(0.0, f64::max);
    let mut bounds = Vec::new();
    for case in digits_cases()? {
        let full = case.model == "digits-64-32-10";
        let stream = Stream::new(
            case.scorer.spec(),
            &InitPlan::torch_default(case.scorer.spec()),
            SEED,
        )?;
        let n = if full { 1u64 << 13 } else { 1u64 << 16 } >> shift;
        let mut buf = vec![0.0f32; CHUNK];
        let seconds = timed(n, |first, len| {
            case.scorer.losses(&stream, first, &mut buf[..len])?;
            black_box(&buf);
            Ok(())
        })?;
        let row = Row::new(&case.model, "lanes-generic", n, seconds);
        let bound = n as f64 * case.scorer.forward_flops() / best_rate;
        bounds.push(json!({
            "model": case.model,
            "forward_flops_per_candidate": case.scorer.forward_flops(),
            "sgemm_bound_seconds": bound,
            "measured_seconds": seconds,
            "ratio_to_sgemm_bound": seconds / bound,
            "target_ratio": 3.0,
        }));
        rows.push(row);
        let n_engine = if full { 1u64 << 9 } else { 1u64 << 12 } >> shift;
        rows.push(scorer_row(
            &case.model,
            "engine-scalar",
            &case.engine,
            &stream,
            n_engine,
        )?);
    }
    Ok(json!({
        "sgemm_flops_per_s": rates
            .iter()
            .map(|(name, r)| json!({"shape": name, "flops_per_s": r}))
            .collect::<Vec<_>>(),
        "rate_used": best_rate,
        "digits": bounds,
    }))
}

/// One lockstep-training row: run-epochs per second for a preset × optimizer × path.
#[derive(Debug, Clone, Serialize)]
struct TrainRow {
    model: String,
    path: String,
    runs: usize,
    epochs: usize,
    seconds: f64,
    run_epochs_per_s: f64,
}

/// The optimizers of the studies: SGD(0.1) as relu2/abs1, Adam(0.01, β₂ 0.99) as relu1,
/// RMSprop with PyTorch's defaults.
fn train_optimizers() -> [(&'static str, OptimizerConfig); 3] {
    [
        ("sgd", OptimizerConfig::sgd(0.1)),
        (
            "adam",
            OptimizerConfig::Adam(Adam {
                lr: 0.01,
                beta2: 0.99,
                ..Adam::default()
            }),
        ),
        ("rmsprop", OptimizerConfig::rmsprop(0.01)),
    ]
}

/// `runs` initial parameter vectors of `preset` (run-major) for the training rows: N(0, 0.5²)
/// weights and zero biases on every layer (relu1's and abs1's reference plan), candidates
/// `0..runs` of stream [`SEED`].
fn train_inits(preset: Preset, runs: usize) -> Result<Vec<f32>> {
    let spec = preset.spec();
    let weights = Scheme::Normal {
        mean: 0.0,
        std: 0.5,
    };
    let plan = InitPlan::same_for_all("normal_0.5", &spec, weights, Scheme::Zeros);
    let mut init = vec![0.0; runs * preset.param_len()];
    Stream::new(&spec, &plan, SEED)?.par_fill_batch(0, &mut init)?;
    Ok(init)
}

/// Seconds to train `runs` runs of `preset` from `init` for `epochs` epochs with `optimizer`
/// and MSE on `isa` (run-epochs/s = runs·epochs / seconds). Only the epoch budget stops a run
/// (no loss threshold, no plateau rule), so every run does all `epochs` unless it diverges.
/// The time includes the per-run work around training (initial and final evaluation, the
/// analyses, collecting outcomes). Uses the current rayon pool.
fn time_lockstep(
    preset: Preset,
    optimizer: OptimizerConfig,
    isa: Isa,
    init: &[f32],
    epochs: usize,
) -> Result<f64> {
    let config = LockstepConfig {
        preset,
        optimizer,
        loss: Loss::Mse,
        stop: StopRules {
            max_epochs: epochs,
            loss_below: None,
            plateau: None,
        },
    };
    let trainer = Lockstep::new(config, isa)?;
    let runs = init.len() / preset.param_len();
    let start = Instant::now();
    let report = trainer.train(runs, init)?;
    let seconds = start.elapsed().as_secs_f64();
    black_box(&report);
    Ok(seconds)
}

/// Lockstep training throughput for every preset × optimizer × ISA, and the engine's Trainer
/// (one run at a time, one thread) for scale. Only the epoch budget stops runs here, so
/// run-epochs = runs × epochs exactly.
fn train_rows(isas: &[Isa], quick: bool) -> Result<Vec<TrainRow>> {
    let (runs, epochs) = if quick {
        (1 << 14, 100)
    } else {
        (1 << 17, 200)
    };
    let mut rows = Vec::new();
    for preset in Preset::ALL {
        let init = train_inits(preset, runs)?;
        for (name, optimizer) in train_optimizers() {
            for &isa in isas {
                let seconds = fastest(|| time_lockstep(preset, optimizer, isa, &init, epochs))?;
                rows.push(TrainRow {
                    model: preset.name().into(),
                    path: format!("train-{name}-{}", isa.name()),
                    runs,
                    epochs,
                    seconds,
                    run_epochs_per_s: (runs * epochs) as f64 / seconds,
                });
            }
            let engine_runs = if quick { 64 } else { 512 };
            let stop = StopRules {
                max_epochs: epochs,
                loss_below: None,
                plateau: None,
            };
            let config = TrainConfig::full_batch(optimizer, Loss::Mse, stop);
            let y = Array2::from_shape_vec((4, preset.output_len()), preset.targets())?;
            let mut trainer = Trainer::new(
                &preset.spec(),
                xor::inputs_centered().view(),
                y.view(),
                config,
            )?;
            let seconds = fastest(|| {
                let start = Instant::now();
                for init in
                    init[..engine_runs * preset.param_len()].chunks_exact(preset.param_len())
                {
                    black_box(trainer.train(init)?);
                }
                Ok(start.elapsed().as_secs_f64())
            })?;
            rows.push(TrainRow {
                model: preset.name().into(),
                path: format!("train-{name}-engine-scalar"),
                runs: engine_runs,
                epochs,
                seconds,
                run_epochs_per_s: (engine_runs * epochs) as f64 / seconds,
            });
        }
    }
    Ok(rows)
}

/// One batched-MLP-training row (the keys outside checks read; keep them).
#[derive(Debug, Clone, Serialize)]
struct MlpTrainRow {
    model: String,
    path: String,
    optimizer: String,
    batch_size: usize,
    runs: usize,
    epochs: usize,
    run_epochs_per_s: f64,
}

/// The digits training problem of the issue: 1400 standardized rows, 64-32-10 ReLU,
/// cross-entropy, Adam(1e-3); only the epoch budget stops runs, so run-epochs = runs × epochs.
fn digits_training() -> Result<(ModelSpec, initsift_data::Dataset)> {
    let spec = ModelSpec::mlp("64-32-10", Activation::Relu)?;
    let data = initsift_data::builtin::digits()?.random_subset(1400, SEED)?;
    let scaler = initsift_data::Standardizer::fit_dataset(&data)?;
    Ok((spec, scaler.transform_dataset(&data)?))
}

/// Batched MLP training (every ISA) and the engine Trainer (one run per task on all of
/// rayon's threads) on digits, minibatch 64 and full batch, and each figure against the
/// sgemm bound: the run-epochs per second matrixmultiply's `rate` allows for the trainer's
/// sgemm FLOPs.
fn mlp_train_rows(isas: &[Isa], quick: bool, rate: f64) -> Result<(Vec<MlpTrainRow>, Value)> {
    let (spec, data) = digits_training()?;
    let model = "digits-64-32-10";
    let n = data.n_samples();
    // Ten epochs, so the initial and final evaluations (two forward passes per run, in both
    // trainers) weigh as they would in a study.
    let (runs, epochs, engine_runs) = if quick { (128, 3, 8) } else { (512, 10, 32) };
    let stream = Stream::new(&spec, &InitPlan::torch_default(&spec), SEED)?;
    let mut rows = Vec::new();
    let mut bounds = Vec::new();
    for batch in [64, n] {
        let stop = StopRules {
            max_epochs: epochs,
            loss_below: None,
            plateau: None,
        };
        let config =
            MlpTrainConfig::full_batch(OptimizerConfig::adam(1e-3), Loss::CrossEntropy, stop)
                .minibatch(batch, SEED);
        let mut flops = 0.0;
        let mut best = 0.0f64;
        for &isa in isas {
            let trainer =
                MlpTrainer::new(&spec, &data, None, config.clone())?.with_isa(Some(isa))?;
            flops = trainer.epoch_flops();
            let seconds = fastest(|| {
                let start = Instant::now();
                black_box(trainer.train_stream(&stream, 0, runs)?);
                Ok(start.elapsed().as_secs_f64())
            })?;
            let rate = (runs * epochs) as f64 / seconds;
            best = best.max(rate);
            rows.push(MlpTrainRow {
                model: model.into(),
                path: format!("train-mlp-{isa}"),
                optimizer: "adam".into(),
                batch_size: batch,
                runs,
                epochs,
                run_epochs_per_s: rate,
            });
        }
        let engine = config.engine_config(0).expect("a shared order");
        let (x, y) = (data.features().view(), data.one_hot()?);
        let inits: Vec<Vec<f32>> = (0..engine_runs as u64)
            .map(|i| stream.candidate(i))
            .collect();
        let seconds = fastest(|| {
            let start = Instant::now();
            inits.par_iter().try_for_each(|init| -> Result<()> {
                let mut trainer = Trainer::new(&spec, x, y.view(), engine)?;
                black_box(trainer.train(init)?);
                Ok(())
            })?;
            Ok(start.elapsed().as_secs_f64())
        })?;
        let engine_rate = (engine_runs * epochs) as f64 / seconds;
        rows.push(MlpTrainRow {
            model: model.into(),
            path: "train-engine-scalar".into(),
            optimizer: "adam".into(),
            batch_size: batch,
            runs: engine_runs,
            epochs,
            run_epochs_per_s: engine_rate,
        });
        let bound = rate / flops;
        let run_epochs = (runs * epochs) as f64;
        bounds.push(json!({
            "model": model,
            "batch_size": batch,
            "runs": runs,
            "epochs": epochs,
            "flops_per_run_epoch": flops,
            "sgemm_bound_seconds": run_epochs / bound,
            "measured_seconds": run_epochs / best,
            "sgemm_bound_run_epochs_per_s": bound,
            "best_run_epochs_per_s": best,
            "ratio_to_sgemm_bound": best / bound,
            "ratio_to_engine": best / engine_rate,
            "target_run_epochs_per_s": 8e3,
        }));
    }
    Ok((rows, Value::Array(bounds)))
}

fn main() -> Result<()> {
    let args = Args::parse();
    let isas = match &args.isa {
        Some(name) => vec![Isa::select(Some(name.parse()?))?],
        None => Isa::available(),
    };
    let out = OutputDir::prepare(&args.out)?;
    let cores = rayon::current_num_threads();
    let start = Instant::now();
    let mut rows = Vec::new();
    xor_rows(&isas, args.quick, &mut rows).context("XOR presets")?;
    let mut sgemm = digits_rows(args.quick, &mut rows).context("digits MLP")?;
    let rate = sgemm["rate_used"].as_f64().unwrap_or(f64::NAN);
    let (mlp_train, mlp_bounds) =
        mlp_train_rows(&isas, args.quick, rate).context("batched MLP training")?;
    sgemm["train_mlp"] = mlp_bounds;
    let mut values: Vec<Value> = rows
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<_, _>>()?;
    let train = train_rows(&isas, args.quick).context("lockstep training")?;
    values.extend(
        train
            .iter()
            .map(serde_json::to_value)
            .collect::<Result<Vec<_>, _>>()?,
    );
    values.extend(
        mlp_train
            .iter()
            .map(serde_json::to_value)
            .collect::<Result<Vec<_>, _>>()?,
    );
    let mlp_table: Vec<Vec<String>> = mlp_train
        .iter()
        .map(|r| {
            vec![
                r.model.clone(),
                r.path.clone(),
                r.batch_size.to_string(),
                format!("{} × {}", r.runs, r.epochs),
                format!("{:.3e}", r.run_epochs_per_s),
            ]
        })
        .collect();

    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.model.clone(),
                r.path.clone(),
                r.candidates.to_string(),
                format!("{:.3}", r.seconds),
                format!("{:.3e}", r.candidates_per_s),
            ]
        })
        .collect();
    let train_table: Vec<Vec<String>> = train
        .iter()
        .map(|r| {
            vec![
                r.model.clone(),
                r.path.clone(),
                format!("{} × {}", r.runs, r.epochs),
                format!("{:.3}", r.seconds),
                format!("{:.3e}", r.run_epochs_per_s),
            ]
        })
        .collect();
    let md = format!(
        "{}\n## Lockstep training\n\n{}\n## Batched MLP training (digits, Adam 1e-3; the engine \
         row trains one run per task on all threads)\n\n{}",
        md_table(
            &["model", "path", "candidates", "seconds", "candidates/s"],
            &table
        ),
        md_table(
            &["model", "path", "runs × epochs", "seconds", "run-epochs/s"],
            &train_table
        ),
        md_table(
            &[
                "model",
                "path",
                "batch size",
                "runs × epochs",
                "run-epochs/s"
            ],
            &mlp_table
        )
    );
    println!("{md}");
    for d in sgemm["digits"].as_array().into_iter().flatten() {
        println!(
            "{}: {:.2}× the sgemm bound (forward FLOPs at {:.1} GFLOP/s; target ≤ 3×)",
            d["model"].as_str().unwrap_or("?"),
            d["ratio_to_sgemm_bound"].as_f64().unwrap_or(f64::NAN),
            sgemm["rate_used"].as_f64().unwrap_or(f64::NAN) * 1e-9,
        );
    }
    for d in sgemm["train_mlp"].as_array().into_iter().flatten() {
        println!(
            "train digits batch {}: {:.3e} run-epochs/s = {:.2}× the sgemm bound, {:.1}× the engine",
            d["batch_size"],
            d["best_run_epochs_per_s"].as_f64().unwrap_or(f64::NAN),
            d["ratio_to_sgemm_bound"].as_f64().unwrap_or(f64::NAN),
            d["ratio_to_engine"].as_f64().unwrap_or(f64::NAN),
        );
    }
    let isa_names: Vec<&str> = Isa::available().iter().map(|i| i.name()).collect();
    let report = json!({
        "generated_by": format!("cargo run --release -p experiments --bin {NAME}"),
        "cores": cores,
        "rows": values,
        "isas_available": isa_names,
        "quick": args.quick,
        "passes": PASSES,
        "sgemm": sgemm,
    });
    let mut stage = out.stage();
    stage.write(
        &format!("{NAME}.json"),
        serde_json::to_string_pretty(&report)?.as_bytes(),
    )?;
    stage.write(
        &format!("{NAME}.md"),
        format!(
            "# Candidate-scoring throughput\n\nWritten by `cargo run --release -p experiments \
             --bin {NAME}`{}; {cores} cores; ISAs available: {}. Seconds are the fastest of \
             {PASSES} passes.\n\n{md}",
            if args.quick { " -- --quick" } else { "" },
            isa_names.join(", ")
        )
        .as_bytes(),
    )?;
    for path in stage.commit()? {
        println!("wrote {}", path.display());
    }
    println!("total {:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}
