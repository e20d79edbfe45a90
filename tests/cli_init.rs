//! `initsift init` as a separate process: the weights it writes are the library's
//! `initialize` on the same rows, bit for bit; init.json records the config, the trace and the
//! rows; a search's pick is a valid starting point; bad input is refused naming the flag and
//! the value, with no files left behind. Small sizes (iris, LSUV, a few NIO steps) keep CI fast.

use std::path::Path;
use std::process::{Command, Output};

use initsift::cli::args::Command as Sub;
use initsift::cli::{Cli, problem};
use initsift::datadep::{Data, DataDependent, LsuvConfig, NioConfig, initialize};
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

fn init_args(args: &[&str]) -> initsift::cli::init::InitArgs {
    let mut argv = vec!["initsift", "init"];
    argv.extend_from_slice(args);
    argv.extend_from_slice(&["--out", "unused"]);
    match clap::Parser::try_parse_from(argv).map(|c: Cli| c.command) {
        Ok(Sub::Init(a)) => a,
        other => panic!("not an init: {other:?}"),
    }
}

fn ok(args: &[&str]) {
    let run = initsift(args);
    assert!(
        run.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
}

const IRIS: [&str; 8] = [
    "--dataset",
    "iris",
    "--arch",
    "4-16-3",
    "--seed",
    "5",
    "--method",
    "lsuv",
];

#[test]
fn lsuv_writes_the_library_result_and_its_record() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lsuv");
    let mut args = vec!["init", "--quiet", "--out", path(&out)];
    args.extend_from_slice(&IRIS);
    ok(&args);

    // The library, in this process, on the same rows from the same base.
    let a = init_args(&IRIS);
    let p = problem::prepare(&a.data).unwrap();
    let plan = initsift::cli::parse::parse_init("torch_default", &p.spec, p.act).unwrap();
    let base = Stream::new(&p.spec, &plan, 5).unwrap().candidate(0);
    let config = DataDependent::Lsuv(LsuvConfig::default());
    let data = Data::new(p.train.0.view(), p.train.1.view(), p.loss);
    let (want, trace) = initialize(&p.spec, &base, data, &config).unwrap();

    let bytes = std::fs::read(out.join("init.safetensors")).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut shapes: Vec<(String, Vec<usize>)> = st
        .tensors()
        .into_iter()
        .map(|(k, v)| (k, v.shape().to_vec()))
        .collect();
    shapes.sort();
    assert_eq!(
        shapes,
        [
            ("0.bias".to_string(), vec![16]),
            ("0.weight".to_string(), vec![16, 4]),
            ("2.bias".to_string(), vec![3]),
            ("2.weight".to_string(), vec![3, 16]),
        ]
    );
    let got = export::from_safetensors(&p.spec, &bytes, "init.safetensors").unwrap();
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&got), bits(&want));
    assert_ne!(bits(&got), bits(&base), "LSUV changed nothing");

    let record: Value =
        serde_json::from_slice(&std::fs::read(out.join("init.json")).unwrap()).unwrap();
    for key in [
        "command",
        "config",
        "base",
        "trace",
        "preprocessing",
        "rows_used",
        "model",
        "versions",
    ] {
        assert!(record.get(key).is_some(), "init.json lacks {key}");
    }
    let back: DataDependent = serde_json::from_value(record["config"].clone()).unwrap();
    assert_eq!(back, config);
    let t = &record["trace"];
    assert_eq!(t["iterations"], trace.steps.len());
    assert_eq!(
        t["final_scales"].as_array().unwrap().len(),
        p.spec.param_layout().len()
    );
    // serde_json's default float parser is not correctly rounded (it may land one ulp off
    // the value written), so the objective read back is compared to a few ulps.
    let (read, want) = (
        t["final_objective"].as_f64().unwrap(),
        trace.steps.last().unwrap().objective.unwrap(),
    );
    assert!(
        (read - want).abs() <= 4.0 * f64::EPSILON * want.abs(),
        "{read} vs {want}"
    );
    assert!(t["diverged"].is_null());
    assert_eq!(record["base"]["scheme"], "torch_default");
    assert_eq!(record["base"]["seed"], 5);
    let rows: Vec<usize> = serde_json::from_value(record["rows_used"].clone()).unwrap();
    assert_eq!(rows, p.preprocessing.split.train_rows);
    assert_eq!(rows.len(), p.train.0.nrows());
}

#[test]
fn a_search_pick_is_a_starting_point_and_flags_reach_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let (s, out) = (dir.path().join("s"), dir.path().join("nio"));
    ok(&[
        "search",
        "--quiet",
        "--dataset",
        "iris",
        "--arch",
        "4-8-3",
        "--samples",
        "20",
        "--out",
        path(&s),
    ]);
    let pick = s.join("init.safetensors");
    let flags = [
        "--dataset",
        "iris",
        "--arch",
        "4-8-3",
        "--method",
        "nio",
        "--iters",
        "4",
        "--gamma",
        "3",
        "--batch-size",
        "64",
        "--lr",
        "0.01",
    ];
    let mut args = vec![
        "init",
        "--quiet",
        "--from",
        path(&pick),
        "--config",
        r#"{"sub_batches": 4, "overlap": 0.2}"#,
        "--out",
        path(&out),
    ];
    args.extend_from_slice(&flags);
    ok(&args);

    let a = init_args(&flags);
    let p = problem::prepare(&a.data).unwrap();
    let base = export::from_safetensors(&p.spec, &std::fs::read(&pick).unwrap(), "pick").unwrap();
    let config = DataDependent::Nio(NioConfig {
        iterations: 4,
        gamma: 3.0,
        batch_size: Some(64),
        lr: 0.01,
        sub_batches: 4,
        overlap: 0.2,
        ..NioConfig::default()
    });
    let data = Data::new(p.train.0.view(), p.train.1.view(), p.loss);
    let (want, _) = initialize(&p.spec, &base, data, &config).unwrap();
    let bytes = std::fs::read(out.join("init.safetensors")).unwrap();
    let got = export::from_safetensors(&p.spec, &bytes, "init.safetensors").unwrap();
    assert_eq!(
        got.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
        want.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
    );
    let record: Value =
        serde_json::from_slice(&std::fs::read(out.join("init.json")).unwrap()).unwrap();
    let back: DataDependent = serde_json::from_value(record["config"].clone()).unwrap();
    assert_eq!(back, config);
    assert_eq!(record["base"]["kind"], "file");
    assert_eq!(record["trace"]["iterations"], 4);
}

/// Runs `args` with `--out ROOT/out`, and checks the status, the message and that nothing
/// was written.
fn refused(root: &Path, args: &[&str], code: i32, needles: &[&str]) {
    let out = root.join("out");
    let mut all: Vec<&str> = args.to_vec();
    all.extend_from_slice(&["--out", path(&out)]);
    let run = initsift(&all);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(code), "{args:?}: {stderr}");
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "{args:?}: `{needle}` not in: {stderr}"
        );
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    let leftovers: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("initsift") || n == "out")
        .collect();
    assert!(leftovers.is_empty(), "{args:?} left {leftovers:?}");
}

#[test]
fn bad_input_is_refused_naming_the_flag_and_leaves_no_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    std::fs::create_dir(&root).unwrap();
    let iris = ["--dataset", "iris", "--arch", "4-8-3"];
    let with = |extra: &[&'static str]| {
        let mut v = vec!["init"];
        v.extend_from_slice(&iris);
        v.extend_from_slice(extra);
        v
    };
    refused(
        &root,
        &with(&["--method", "gradcos"]),
        2,
        &["--method", "gradcos", "lsuv, gradinit, nio, metainit"],
    );
    for (flag, gamma) in [("--gamma=0", "0"), ("--gamma=-1", "-1")] {
        let args = with(&["--method", "nio", flag]);
        refused(&root, &args, 2, &["--gamma", &format!("`{gamma}`"), "> 0"]);
    }
    refused(
        &root,
        &with(&["--method", "gradinit", "--config", r#"{"gamma": -2}"#]),
        2,
        &["--config", "gamma = -2", "must be > 0"],
    );
    refused(
        &root,
        &with(&["--method", "nio", "--batch-size", "1000"]),
        2,
        &[
            "--batch-size",
            "1000",
            "larger than the number of data rows",
        ],
    );
    refused(
        &root,
        &with(&["--method", "lsuv", "--gamma", "2"]),
        2,
        &["--gamma", "lsuv has no gamma"],
    );
    refused(
        &root,
        &with(&["--method", "nio", "--config", r#"{"sub_batch": 4}"#]),
        2,
        &["--config", "unknown field `sub_batch`"],
    );

    // A --from file for another architecture.
    let s = dir.path().join("s");
    ok(&[
        "search",
        "--quiet",
        "--dataset",
        "iris",
        "--arch",
        "4-5-3",
        "--samples",
        "4",
        "--out",
        path(&s),
    ]);
    let pick = s.join("init.safetensors");
    let args = with(&["--method", "lsuv", "--from"]);
    let mut args: Vec<&str> = args;
    args.push(path(&pick));
    refused(
        &root,
        &args,
        2,
        &[
            "--from",
            "init.safetensors",
            "`0.weight` has shape [5, 4], model mlp-4-8-3-relu needs [8, 4]",
        ],
    );
}
