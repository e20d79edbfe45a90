//! The `initsift` command line, run as a separate process: the pick is the library's, shards
//! merge exactly, the recorded preprocessing is the applied one, outputs load back, and every
//! bad input is refused with a message naming the flag, file, line and column, with no files
//! left behind. Sizes are small (tens of candidates, iris) to keep CI fast.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use initsift::cli::args::Command as Sub;
use initsift::cli::parse::parse_select;
use initsift::cli::{Cli, problem, selection};
use initsift::init::Stream;
use initsift::nn::export;
use serde_json::Value;

fn initsift(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_initsift"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

fn search_args(args: &[&str]) -> initsift::cli::args::SearchArgs {
    let mut argv = vec!["initsift", "search"];
    argv.extend_from_slice(args);
    argv.extend_from_slice(&["--out", "unused"]);
    match clap::Parser::try_parse_from(argv).map(|c: Cli| c.command) {
        Ok(Sub::Search(a)) => a,
        other => panic!("not a search: {other:?}"),
    }
}

#[test]
fn search_picks_what_the_library_selection_picks() {
    let dir = tempfile::tempdir().unwrap();
    let base = [
        "--dataset",
        "iris",
        "--arch",
        "4-8-3",
        "--samples",
        "300",
        "--seed",
        "11",
    ];
    for select in [
        "best",
        "best_of:50",
        "percentile:10",
        "threshold:1.05",
        "adaptive:pilot=20",
    ] {
        let out = dir.path().join(select.replace([':', '='], "_"));
        let mut args = vec!["search", "--quiet", "--select", select, "--out", path(&out)];
        args.extend_from_slice(&base);
        let run = initsift(&args);
        assert!(
            run.status.success(),
            "{select}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let record = read_json(&out.join("search.json"));

        // The library, in this process, on the same rows and stream.
        let a = search_args(&base);
        let p = problem::prepare(&a.data).unwrap();
        let plan = initsift::cli::parse::parse_init("torch_default", &p.spec, p.act).unwrap();
        let stream = Stream::new(&p.spec, &plan, 11).unwrap();
        let scorer =
            selection::live_scorer(&p.spec, p.loss, p.train.0.view(), p.train.1.view()).unwrap();
        let spec = parse_select(select).unwrap();
        let picks = selection::select_live(
            spec,
            selection::pool_size(spec, 300),
            scorer.as_ref(),
            &stream,
        )
        .unwrap();
        assert_eq!(picks.len(), 1, "{select}");
        assert_eq!(
            record["picks"][0]["index"].as_u64().unwrap(),
            picks[0].0,
            "{select}"
        );
        assert_eq!(
            record["picks"][0]["loss"].as_f64().unwrap() as f32,
            picks[0].1,
            "{select}"
        );

        // The exported weights are that candidate's parameters, bit for bit.
        let bytes = std::fs::read(out.join("init.safetensors")).unwrap();
        let weights = export::from_safetensors(&p.spec, &bytes, "init").unwrap();
        assert_eq!(weights, stream.candidate(picks[0].0), "{select}");
    }
}

/// search.json without what legitimately differs between a merge and one process.
fn comparable(mut record: Value) -> Value {
    let object = record.as_object_mut().unwrap();
    object.remove("timings");
    object.remove("merged_shards");
    record
}

fn tensors(p: &Path) -> Vec<(String, Vec<usize>, Vec<u8>)> {
    let bytes = std::fs::read(p).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut all: Vec<_> = file
        .tensors()
        .into_iter()
        .map(|(k, v)| (k, v.shape().to_vec(), v.data().to_vec()))
        .collect();
    all.sort();
    all
}

fn shards_then_merge(base: &[&str], n: usize, root: &Path) -> (PathBuf, PathBuf) {
    let whole = root.join("whole");
    let mut args = vec!["search", "--quiet", "--out", path(&whole)];
    args.extend_from_slice(base);
    assert!(initsift(&args).status.success());

    // n separate processes, running at once, as a job array would.
    let children: Vec<_> = (0..n)
        .map(|k| {
            let out = root.join(format!("shard{k}"));
            let shard = format!("{k}/{n}");
            Command::new(env!("CARGO_BIN_EXE_initsift"))
                .args(["search", "--quiet", "--shard", &shard, "--out", path(&out)])
                .args(base)
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let merged = root.join("merged");
    let mut merge = vec![
        "merge".to_string(),
        "--quiet".into(),
        "--out".into(),
        path(&merged).into(),
    ];
    // Given out of order: merge sorts by shard.
    merge.extend(
        (0..n)
            .rev()
            .map(|k| path(&root.join(format!("shard{k}"))).to_string()),
    );
    let run = Command::new(env!("CARGO_BIN_EXE_initsift"))
        .args(&merge)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    (whole, merged)
}

#[test]
fn four_shard_processes_merge_into_the_unsharded_search() {
    let dir = tempfile::tempdir().unwrap();
    let base = [
        "--dataset",
        "wine",
        "--arch",
        "13-16-3",
        "--samples",
        "1001",
        "--seed",
        "3",
    ];
    let (whole, merged) = shards_then_merge(&base, 4, dir.path());
    let (a, b) = (
        read_json(&whole.join("search.json")),
        read_json(&merged.join("search.json")),
    );
    assert_eq!(read_json(&merged.join("search.json"))["merged_shards"], 4);
    assert_eq!(comparable(a), comparable(b));
    assert_eq!(
        tensors(&whole.join("init.safetensors")),
        tensors(&merged.join("init.safetensors"))
    );
    let shard = read_json(&dir.path().join("shard3/search.json"));
    assert_eq!(shard["shard"]["first"], 750);
    assert_eq!(shard["shard"]["end"], 1001);
    assert_eq!(shard["picks"].as_array().unwrap().len(), 0);
}

#[test]
fn shards_of_a_pilot_strategy_merge_exactly_too() {
    let dir = tempfile::tempdir().unwrap();
    let base = [
        "--dataset",
        "iris",
        "--arch",
        "4-5-3",
        "--samples",
        "400",
        "--seed",
        "5",
        "--select",
        "adaptive:pilot=30",
        "--subset",
        "60",
    ];
    let (whole, merged) = shards_then_merge(&base, 3, dir.path());
    let (a, b) = (
        read_json(&whole.join("search.json")),
        read_json(&merged.join("search.json")),
    );
    assert_eq!(comparable(a), comparable(b));
}

#[test]
fn recorded_preprocessing_is_the_applied_preprocessing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let base = [
        "--dataset",
        "breast_cancer",
        "--arch",
        "30-8-1",
        "--samples",
        "40",
        "--subset",
        "100",
    ];
    let mut args = vec!["search", "--quiet", "--out", path(&out)];
    args.extend_from_slice(&base);
    assert!(initsift(&args).status.success());
    let record = read_json(&out.join("search.json"));
    let pre = &record["preprocessing"];

    // Rebuild the scored inputs from the raw file and the record alone.
    let raw = initsift::data::builtin::breast_cancer().unwrap();
    let rows: Vec<usize> = serde_json::from_value(record["scored_rows"].clone()).unwrap();
    assert_eq!(rows.len(), 100);
    assert_eq!(record["rows_scored"], 100);
    let mean: Vec<f32> = serde_json::from_value(pre["feature_mean"].clone()).unwrap();
    let scale: Vec<f32> = serde_json::from_value(pre["feature_scale"].clone()).unwrap();
    let train: Vec<usize> = serde_json::from_value(pre["split"]["train_rows"].clone()).unwrap();
    let test: Vec<usize> = serde_json::from_value(pre["split"]["test_rows"].clone()).unwrap();
    assert_eq!(train.len() + test.len(), raw.n_samples());
    assert_eq!(test.len(), 114, "⌈0.2 · 569⌉ test rows");
    assert!(
        rows.iter().all(|r| train.binary_search(r).is_ok()),
        "scored rows are training rows"
    );
    // The recorded mean is the training rows' mean.
    let col0: f64 = train
        .iter()
        .map(|&r| f64::from(raw.features()[[r, 0]]))
        .sum::<f64>()
        / train.len() as f64;
    assert!((f64::from(mean[0]) - col0).abs() < 1e-4 * col0.abs());

    let mut x = raw.features().select(ndarray::Axis(0), &rows);
    for mut row in x.rows_mut() {
        for ((v, m), s) in row.iter_mut().zip(&mean).zip(&scale) {
            *v = (*v - m) / s;
        }
    }
    let y = raw.select(&rows).unwrap().target_column();
    let spec = initsift::nn::ModelSpec::mlp("30-8-1", initsift::nn::Activation::Relu).unwrap();
    let params = export::from_safetensors(
        &spec,
        &std::fs::read(out.join("init.safetensors")).unwrap(),
        "init",
    )
    .unwrap();
    let engine = initsift::init::select::EngineScorer::new(
        &spec,
        initsift::nn::Loss::BceWithLogits,
        x.view(),
        y.view(),
    )
    .unwrap();
    let mut score = [initsift::init::select::Score {
        loss: 0.0,
        grad_norm: 0.0,
        accuracy: 0.0,
    }];
    initsift::init::select::Scorer::score_params(&engine, &params, false, &mut score).unwrap();
    let recorded = record["picks"][0]["loss"].as_f64().unwrap();
    assert!(
        (f64::from(score[0].loss) - recorded).abs() <= 1e-5 * recorded.abs(),
        "engine on the replayed rows {} vs search.json {recorded}",
        score[0].loss
    );
}

#[test]
fn train_from_the_search_starts_at_its_loss() {
    let dir = tempfile::tempdir().unwrap();
    let (s, t) = (dir.path().join("s"), dir.path().join("t"));
    let data = ["--dataset", "iris", "--arch", "4-6-3", "--seed", "2"];
    let mut args = vec!["search", "--quiet", "--samples", "50", "--out", path(&s)];
    args.extend_from_slice(&data);
    assert!(initsift(&args).status.success());
    let init = s.join("init.safetensors");
    let mut args = vec![
        "train",
        "--quiet",
        "--init",
        path(&init),
        "--epochs",
        "3",
        "--out",
        path(&t),
    ];
    args.extend_from_slice(&data);
    let run = initsift(&args);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report = read_json(&t.join("train.json"));
    let searched = read_json(&s.join("search.json"))["picks"][0]["loss"]
        .as_f64()
        .unwrap();
    let initial = report["run"]["initial_loss"].as_f64().unwrap();
    assert!(
        (initial - searched).abs() <= 1e-5 * searched,
        "{initial} vs {searched}"
    );
    assert_eq!(report["run"]["curve"].as_array().unwrap().len(), 3);
    let spec = initsift::nn::ModelSpec::mlp("4-6-3", initsift::nn::Activation::Relu).unwrap();
    export::from_safetensors(
        &spec,
        &std::fs::read(t.join("model.safetensors")).unwrap(),
        "m",
    )
    .unwrap();
    assert!(t.join("train.svg").exists());
}

#[test]
fn compare_and_advise_report_intervals_and_a_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let data = [
        "--dataset",
        "iris",
        "--arch",
        "4-6-3",
        "--epochs",
        "3",
        "--quiet",
    ];
    let mut args = vec![
        "compare",
        "--runs",
        "3",
        "--samples",
        "20",
        "--out",
        path(dir.path()),
    ];
    args.extend_from_slice(&data);
    let run = initsift(&args);
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(text.contains("epoch    3:"), "{text}");
    assert!(text.contains("selection "), "{text}");
    let report = read_json(&dir.path().join("compare.json"));
    assert_eq!(report["pairs"].as_array().unwrap().len(), 3);
    assert_eq!(report["head_start_per_epoch"].as_array().unwrap().len(), 3);
    let verdict = report["verdict"].as_str().unwrap();
    assert!(text.contains(verdict));

    let mut args = vec!["advise", "--pilot-runs", "2", "--pilot-samples", "10"];
    args.extend_from_slice(&data);
    let run = initsift(&args);
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        text.contains("ms per candidate") && text.contains("advice: "),
        "{text}"
    );
}

#[test]
fn every_subcommand_has_help_with_examples() {
    for sub in ["search", "merge", "train", "compare", "advise"] {
        let run = initsift(&[sub, "--help"]);
        assert!(run.status.success(), "{sub}");
        assert!(
            String::from_utf8_lossy(&run.stdout).contains("Examples:"),
            "{sub}"
        );
    }
    for sub in ["datasets", "schemes"] {
        let run = initsift(&[sub]);
        assert!(run.status.success() && !run.stdout.is_empty(), "{sub}");
    }
}

#[test]
fn a_regression_search_records_its_target_scaling() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let run = initsift(&[
        "search",
        "--quiet",
        "--dataset",
        "diabetes",
        "--arch",
        "10-8-1",
        "--samples",
        "30",
        "--out",
        path(&out),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let record = read_json(&out.join("search.json"));
    assert_eq!(record["model"]["loss"], "mse");
    assert!(record["picks"][0]["accuracy"].is_null());
    let pre = &record["preprocessing"];
    assert_eq!(pre["task"], "regress");
    assert_eq!(pre["split"]["rule"], "random");
    let raw = initsift::data::builtin::diabetes().unwrap();
    let train: Vec<usize> = serde_json::from_value(pre["split"]["train_rows"].clone()).unwrap();
    let y = raw.target_column();
    let mean = train.iter().map(|&r| f64::from(y[[r, 0]])).sum::<f64>() / train.len() as f64;
    let recorded = pre["target_mean"].as_f64().unwrap();
    assert!(
        (recorded - mean).abs() < 1e-4 * mean,
        "{recorded} vs {mean}"
    );
}
