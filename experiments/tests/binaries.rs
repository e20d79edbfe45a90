//! Each study binary on a small run: valid JSON with every arm and the keys outside checks
//! read, the other report files, and clean failures on bad input.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("initsift-bin-{name}-{}", std::process::id()));
    std::fs::remove_dir_all(&d).ok();
    d
}

fn run(bin: &str, args: &[&str]) -> std::process::Output {
    Command::new(bin)
        .args(args)
        .output()
        .expect("the binary runs")
}

fn json(dir: &Path, name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap())
        .unwrap()
}

/// Each `(args, needle)` run of `bin` fails, says `needle` on stderr and leaves `out` empty.
fn fails_cleanly(bin: &str, out: &Path, cases: &[(Vec<&str>, &str)]) {
    for (args, needle) in cases {
        let mut a = args.clone();
        a.extend(["--out", out.to_str().unwrap()]);
        let o = run(bin, &a);
        assert!(!o.status.success(), "{args:?} succeeded");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
        let files = std::fs::read_dir(out).map(|d| d.count()).unwrap_or(0);
        assert_eq!(files, 0, "{args:?} left files behind");
    }
}

fn check_arm_keys(arm: &Value) {
    for key in [
        "name",
        "threshold",
        "runs",
        "successes",
        "success_rate",
        "success_ci95",
        "epochs_all",
        "epochs_success",
        "draws_per_accept",
        "mirror_rate_success",
        "paper",
        "verdict",
    ] {
        assert!(arm.get(key).is_some(), "arm {} lacks {key}", arm["name"]);
    }
    for key in ["p10", "p25", "median", "p75", "max"] {
        assert!(arm["epochs_all"][key].is_number(), "{key}");
    }
    let (k, n) = (
        arm["successes"].as_u64().unwrap(),
        arm["runs"].as_u64().unwrap(),
    );
    assert!((arm["success_rate"].as_f64().unwrap() - k as f64 / n as f64).abs() < 1e-12);
    let ci = arm["success_ci95"].as_array().unwrap();
    assert!(ci[0].as_f64().unwrap() <= arm["success_rate"].as_f64().unwrap());
}

#[test]
fn xor_single_small_run_writes_every_arm() {
    let out = scratch("single");
    let o = run(
        env!("CARGO_BIN_EXE_xor_single"),
        &[
            "--runs",
            "200",
            "--pilot",
            "20000",
            "--seed",
            "5",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc = json(&out, "xor_single");
    assert_eq!(doc["experiment"], "xor_single");
    assert_eq!(doc["seed"], 5);
    for key in ["draws", "mean", "median", "p25", "p1", "min"] {
        assert!(doc["initial_loss"][key].is_number(), "initial_loss.{key}");
    }
    let arms = doc["arms"].as_array().unwrap();
    let names: Vec<&str> = arms.iter().map(|a| a["name"].as_str().unwrap()).collect();
    for want in [
        "control",
        "below_0.468",
        "below_0.325",
        "below_0.0724",
        "above_0.468",
        "best_of_10",
        "best_of_100",
        "best_of_1000",
    ] {
        assert!(names.contains(&want), "missing arm {want}: {names:?}");
    }
    for arm in arms {
        check_arm_keys(arm);
        assert_eq!(arm["runs"], 200);
    }
    let control = &arms[0];
    assert_eq!(control["paper"]["success_rate"], 0.58);
    assert_eq!(control["paper"]["median_epochs"], 123.0);
    // A threshold arm's inits all lie below it.
    let below = arms.iter().find(|a| a["name"] == "below_0.325").unwrap();
    assert!(below["mean_initial_loss"].as_f64().unwrap() < 0.325);
    let csv = std::fs::read_to_string(out.join("xor_single.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 200 * arms.len());
    for f in [
        "xor_single.md",
        "xor_single_initial_loss.svg",
        "xor_single_epochs.svg",
        "xor_single_success_vs_threshold.svg",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    // Same seed, same report (timings aside).
    let again = scratch("single-again");
    let o = run(
        env!("CARGO_BIN_EXE_xor_single"),
        &[
            "--runs",
            "200",
            "--pilot",
            "20000",
            "--seed",
            "5",
            "--out",
            again.to_str().unwrap(),
        ],
    );
    assert!(o.status.success());
    assert_eq!(
        std::fs::read(out.join("xor_single.csv")).unwrap(),
        std::fs::read(again.join("xor_single.csv")).unwrap()
    );
    std::fs::remove_dir_all(&out).ok();
    std::fs::remove_dir_all(&again).ok();
}

#[test]
fn arms_option_runs_only_the_named_arms() {
    let out = scratch("arms");
    let o = run(
        env!("CARGO_BIN_EXE_xor_single"),
        &[
            "--runs",
            "50",
            "--pilot",
            "1000",
            "--arms",
            "best_of_10,control",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let names: Vec<String> = json(&out, "xor_single")["arms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        ["control", "best_of_10"],
        "report order, only the named arms"
    );
    let o = run(
        env!("CARGO_BIN_EXE_xor_two_layer"),
        &[
            "--runs",
            "10",
            "--arms",
            "nope",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("nope") && err.contains("below_0.326"),
        "{err}"
    );
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn xor_two_layer_small_run_writes_every_arm_and_plateaus() {
    let out = scratch("two");
    let o = run(
        env!("CARGO_BIN_EXE_xor_two_layer"),
        &[
            "--runs",
            "200",
            "--pilot",
            "20000",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc = json(&out, "xor_two_layer");
    assert_eq!(doc["experiment"], "xor_two_layer");
    let arms = doc["arms"].as_array().unwrap();
    assert_eq!(arms[0]["name"], "control");
    assert!(arms.iter().any(|a| a["name"] == "below_0.326"));
    for arm in arms {
        check_arm_keys(arm);
    }
    assert!(
        doc["plateaus"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["arm"] == "control")
    );
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn abs_distance_small_run_reports_correlations() {
    let out = scratch("abs");
    let o = run(
        env!("CARGO_BIN_EXE_abs_distance"),
        &["--runs", "200", "--out", out.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc = json(&out, "abs_distance");
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 3);
    for c in cases {
        for r in c["relations"].as_array().unwrap() {
            let rho = r["spearman_rho"].as_f64().unwrap();
            assert!((-1.0..=1.0).contains(&rho));
            assert!(
                (r["r2"].as_f64().unwrap() - r["pearson_r"].as_f64().unwrap().powi(2)).abs()
                    < 1e-12
            );
        }
    }
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn bad_input_fails_cleanly_and_writes_nothing() {
    let out = scratch("bad");
    for (args, needle) in [
        (vec!["--runs", "0"], "--runs 0"),
        (vec!["--runs", "10", "--frobnicate"], "--frobnicate"),
        (vec!["--runs", "10", "--isa", "sse9"], "sse9"),
        (vec!["--runs", "10", "--pilot", "5"], "--pilot 5"),
        (vec!["--runs", "10", "--arms", "control,below_9"], "below_9"),
    ] {
        let mut a = args.clone();
        a.extend(["--out", out.to_str().unwrap()]);
        let o = run(env!("CARGO_BIN_EXE_xor_single"), &a);
        assert!(!o.status.success(), "{args:?} succeeded");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
        let files = std::fs::read_dir(&out).map(|d| d.count()).unwrap_or(0);
        assert_eq!(files, 0, "{args:?} left files behind");
    }
    // An --out that is a file, not a folder.
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let file = scratch("bad-file");
    std::fs::write(&file, b"x").unwrap();
    let o = run(
        env!("CARGO_BIN_EXE_xor_two_layer"),
        &["--runs", "10", "--out", file.to_str().unwrap()],
    );
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a folder"));
    std::fs::remove_file(&file).ok();
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn real_tasks_quick_run_has_the_issues_keys() {
    let out = scratch("real");
    let o = run(
        env!("CARGO_BIN_EXE_real_tasks"),
        &[
            "--quick",
            "--configs",
            "digits_anchor,iris_base,diabetes_base",
            "--seed",
            "3",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc = json(&out, "real_tasks");
    assert_eq!(doc["experiment"], "real_tasks");
    let configs = doc["configs"].as_array().unwrap();
    let ids: Vec<&str> = configs.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["digits_anchor", "iris_base", "diabetes_base"]);
    for c in configs {
        for key in [
            "task",
            "arch",
            "activation",
            "optimizer",
            "lr",
            "batch_size",
            "epochs",
            "arms",
        ] {
            assert!(c.get(key).is_some(), "{} lacks {key}", c["id"]);
        }
        for arm in c["arms"].as_array().unwrap() {
            for key in [
                "scheme",
                "selection",
                "scored_on",
                "runs",
                "initial_loss",
                "train_loss",
                "epochs_to_target",
                "sampling_seconds",
                "training_seconds",
            ] {
                assert!(arm.get(key).is_some(), "{} arm lacks {key}", c["id"]);
            }
            for e in ["1", "5", "20", "final"] {
                let m = &arm["train_loss"][e];
                let (lo, hi) = (
                    m["ci95"][0].as_f64().unwrap(),
                    m["ci95"][1].as_f64().unwrap(),
                );
                assert!(lo <= m["mean"].as_f64().unwrap() && m["mean"].as_f64().unwrap() <= hi);
            }
            let test = if c["id"] == "diabetes_base" {
                "test_mse"
            } else {
                "test_accuracy"
            };
            assert!(arm[test]["mean"].is_number(), "{} lacks {test}", c["id"]);
            for key in ["train_loss", test] {
                let t = &arm["epochs_to_target"][key];
                let (reached, runs) = (t["reached"].as_u64(), t["runs"].as_u64());
                assert!(
                    reached.zip(runs).is_some_and(|(k, n)| k <= n && n >= 10),
                    "{} epochs_to_target.{key}: {t}",
                    c["id"]
                );
            }
        }
    }
    // RQ5's decile flags: a one-sided p-value each, and Holm's flags a subset of the 2.5 % ones.
    for c in configs {
        for r in c["rq5_random_inits"].as_array().unwrap() {
            let p = &r["decile_p_worse"];
            assert!(
                p.is_null() || p.as_f64().is_some_and(|p| (0.0..=1.0).contains(&p)),
                "{}: p = {p}",
                c["id"]
            );
            if r["decile_worse_holm"].as_bool().unwrap() {
                assert!(r["decile_worse"].as_bool().unwrap(), "{}", c["id"]);
            }
        }
    }
    let anchor = &configs[0];
    assert_eq!(
        (
            anchor["task"].as_str(),
            anchor["arch"].as_str(),
            anchor["optimizer"].as_str()
        ),
        (Some("digits_div16"), Some("64-32-10"), Some("adam"))
    );
    assert_eq!(
        (anchor["lr"].as_f64(), anchor["batch_size"].as_u64()),
        (Some(1e-3), Some(64))
    );
    let arms: Vec<(&str, &str, u64)> = anchor["arms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["selection"].as_str().unwrap(),
                a["scored_on"].as_str().unwrap(),
                a["runs"].as_u64().unwrap(),
            )
        })
        .collect();
    // The reference arm trains --quick's 40 RQ5 inits; the selected arm the 24 anchor runs.
    assert_eq!(arms, [("random", "full", 40), ("best_of_100", "full", 24)]);
    let rq5 = anchor["rq5_random_inits"].as_array().unwrap();
    assert!(rq5.iter().all(|r| r["correlation"]["n"] == 40), "{rq5:?}");
    // The best-of-100 arm starts lower than random on average: its picks are minima.
    let init = |i: usize| anchor["arms"][i]["initial_loss"]["mean"].as_f64().unwrap();
    assert!(init(1) < init(0));
    for f in [
        "real_tasks.md",
        "real_tasks.csv",
        "real_tasks_rho.svg",
        "real_tasks_head_start_digits_anchor.svg",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn rq5_configs_choose_which_reference_arms_train_the_rq5_inits() {
    // In --quick, RQ5's configurations train 40 random inits and the others 10 per arm.
    let reference_runs = |rq5: &[&str]| {
        let out = scratch(&format!("real-rq5-{}", rq5.len()));
        let mut args = vec![
            "--quick",
            "--configs",
            "iris_base,wine_base,digits_sgd_momentum",
        ];
        args.extend_from_slice(rq5);
        args.extend_from_slice(&["--out", out.to_str().unwrap()]);
        let o = run(env!("CARGO_BIN_EXE_real_tasks"), &args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let doc = json(&out, "real_tasks");
        std::fs::remove_dir_all(&out).ok();
        doc["configs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["arms"][0]["runs"].as_u64().unwrap())
            .collect::<Vec<_>>()
    };
    // Default: all of them.
    assert_eq!(reference_runs(&[]), [40, 40, 40]);
    assert_eq!(
        reference_runs(&["--rq5-configs", "digits_sgd_momentum"]),
        [10, 10, 40]
    );
    assert_eq!(
        reference_runs(&["--rq5-configs", "iris_base,digits_sgd_momentum"]),
        [40, 10, 40]
    );
}

#[test]
fn real_tasks_bad_input_fails_cleanly_and_writes_nothing() {
    let out = scratch("real-bad");
    fails_cleanly(
        env!("CARGO_BIN_EXE_real_tasks"),
        &out,
        &[
            (vec!["--configs", "digits_anchor,mnist_base"], "mnist_base"),
            (vec!["--other-runs", "5"], "--other-runs 5"),
            (vec!["--tanh-runs", "3"], "--tanh-runs 3"),
            (vec!["--runs", "0", "--configs", "iris_base"], "--runs 0"),
            (vec!["--pool", "10"], "--pool 10"),
            (vec!["--rq5-configs", "iris_base,iris_wide"], "iris_wide"),
        ],
    );
    std::fs::remove_dir_all(&out).ok();
}

/// The CSV `bin` writes with `args` on `threads` rayon threads.
fn csv_on_threads(bin: &str, args: &[&str], csv: &str, threads: &str) -> Vec<u8> {
    let out = scratch(&format!("{csv}-threads-{threads}"));
    let o = Command::new(bin)
        .args(args)
        .arg("--out")
        .arg(&out)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .expect("the binary runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = std::fs::read(out.join(csv)).unwrap();
    std::fs::remove_dir_all(&out).ok();
    s
}

#[test]
fn real_tasks_gives_the_same_bits_on_one_and_two_threads() {
    let csv = |threads| {
        csv_on_threads(
            env!("CARGO_BIN_EXE_real_tasks"),
            &["--quick", "--configs", "iris_base,diabetes_base"],
            "real_tasks.csv",
            threads,
        )
    };
    assert_eq!(csv("1"), csv("2"));
}

#[test]
fn variance_sweep_small_run_writes_every_config() {
    let out = scratch("variance");
    let o = run(
        env!("CARGO_BIN_EXE_variance_sweep"),
        &[
            "--runs",
            "3",
            "--epochs",
            "2",
            "--c-grid",
            "0.5,1,2",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j = json(&out, "variance_sweep");
    assert_eq!(j["experiment"], "variance_sweep");
    let configs = j["configs"].as_array().unwrap();
    assert!(configs.len() >= 2);
    for cfg in configs {
        for key in [
            "task",
            "arch",
            "optimizer",
            "lr",
            "epochs",
            "points",
            "best_c",
            "beats_he",
        ] {
            assert!(cfg.get(key).is_some(), "config lacks {key}");
        }
        let points = cfg["points"].as_array().unwrap();
        let cs: Vec<f64> = points.iter().map(|p| p["c"].as_f64().unwrap()).collect();
        assert_eq!(cs, [0.5, 1.0, 2.0]);
        for p in points {
            assert_eq!(p["runs"], 3);
            for key in ["final_train_loss", "test_accuracy"] {
                let (m, ci) = (
                    p[key]["mean"].as_f64().unwrap(),
                    p[key]["ci95"].as_array().unwrap(),
                );
                let (lo, hi) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
                assert!(lo <= m && m <= hi, "{key}: {m} outside {lo}–{hi}");
            }
            assert!((0.0..=1.0).contains(&p["test_accuracy"]["mean"].as_f64().unwrap()));
        }
        assert!(cs.contains(&cfg["best_c"].as_f64().unwrap()));
        assert!(cfg["beats_he"]["verdict"].is_string());
    }
    for f in [
        "variance_sweep.md",
        "variance_sweep_test_accuracy.svg",
        "variance_sweep_train_loss.svg",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn variance_sweep_bad_input_fails_cleanly_and_writes_nothing() {
    let out = scratch("variance-bad");
    fails_cleanly(
        env!("CARGO_BIN_EXE_variance_sweep"),
        &out,
        &[
            (vec!["--runs", "0"], "--runs 0"),
            (vec!["--runs", "2", "--c-grid", ""], "empty"),
            (vec!["--runs", "2", "--c-grid", "0,1"], "c = 0"),
            (vec!["--runs", "2", "--c-grid", "-0.5,1"], "c = -0.5"),
            (vec!["--runs", "2", "--c-grid", "0.5,2"], "lacks c = 1"),
            (vec!["--runs", "2", "--epochs", "0"], "--epochs 0"),
        ],
    );
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn leaderboard_quick_run_has_the_issues_keys() {
    let out = scratch("leaderboard");
    let o = run(
        env!("CARGO_BIN_EXE_leaderboard"),
        &[
            "--quick",
            "--tasks",
            "iris,diabetes,relu1",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j = json(&out, "leaderboard");
    assert_eq!(j["experiment"], "leaderboard");
    let tasks = j["tasks"].as_array().unwrap();
    let names: Vec<&str> = tasks.iter().map(|t| t["task"].as_str().unwrap()).collect();
    assert_eq!(names, ["iris", "diabetes", "relu1"]);
    for t in tasks {
        assert!(t["arch"].is_string());
        let entries = t["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 16, "{}", t["task"]);
        assert_eq!(entries[0]["method"], "torch_default");
        for e in entries {
            for k in [
                "method",
                "config",
                "init_seconds",
                "runs",
                "final_test",
                "epochs_to_target",
                "train_loss",
            ] {
                assert!(!e[k].is_null(), "{} {}: {k}", t["task"], e["method"]);
            }
            assert_eq!(e["runs"], 12);
            assert!(e["final_test"]["mean"].is_number(), "{}", e["method"]);
            assert_eq!(e["final_test"]["ci95"].as_array().unwrap().len(), 2);
            for k in ["target", "reached", "reached_ci95", "median"] {
                assert!(e["epochs_to_target"].get(k).is_some(), "{k}");
            }
            let loss = &e["train_loss"];
            assert!(loss["initial"]["mean"].is_number() && loss["final"]["mean"].is_number());
            let epochs: Vec<u64> = loss["after_epoch"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["epoch"].as_u64().unwrap())
                .collect();
            assert_eq!(epochs, [1, 5, 20]);
            assert!(e["rank"].as_u64().unwrap() >= 1);
            assert!(e["passes"]["row_passes"].is_number());
        }
        assert!(t["tuning"]["best_c"].is_number());
        let svg = out.join(format!("leaderboard_{}.svg", t["task"].as_str().unwrap()));
        assert!(svg.exists(), "{}", svg.display());
    }
    // Metrics: accuracy (higher), test MSE (lower), XOR success rate (higher).
    let metric: Vec<&str> = tasks
        .iter()
        .map(|t| t["metric"].as_str().unwrap())
        .collect();
    assert_eq!(metric, ["test_accuracy", "test_mse", "success_rate"]);
    let md = std::fs::read_to_string(out.join("leaderboard.md")).unwrap();
    assert_eq!(md.matches("**Verdict").count(), 3);
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn leaderboard_bad_input_fails_cleanly_and_writes_nothing() {
    let out = scratch("leaderboard-bad");
    fails_cleanly(
        env!("CARGO_BIN_EXE_leaderboard"),
        &out,
        &[
            (vec!["--tasks", "iris,mnist"], "unknown name `mnist`"),
            (
                vec!["--methods", "lsuv,glorot_magic"],
                "unknown name `glorot_magic`",
            ),
            (vec!["--runs", "1", "--tasks", "iris"], "--runs 1"),
            (vec!["--runs", "0", "--tasks", "iris"], "--runs 0"),
        ],
    );
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn leaderboard_gives_the_same_bits_on_one_and_two_threads() {
    let csv = |threads| {
        csv_on_threads(
            env!("CARGO_BIN_EXE_leaderboard"),
            &["--quick", "--tasks", "wine,relu2"],
            "leaderboard.csv",
            threads,
        )
    };
    assert_eq!(csv("1"), csv("2"));
}

#[test]
fn init_predictors_quick_run_has_every_pair_and_selector() {
    let out = scratch("predictors");
    let o = run(
        env!("CARGO_BIN_EXE_init_predictors"),
        &["--quick", "--out", out.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j = json(&out, "init_predictors");
    assert_eq!(j["experiment"], "init_predictors");
    for key in [
        "runs",
        "seed",
        "ks",
        "sign_convention",
        "quantities",
        "outcomes",
        "verdicts",
    ] {
        assert!(j.get(key).is_some(), "no {key}");
    }
    let quantities = [
        "initial_loss",
        "gradient_norm",
        "grad_cosine",
        "nio_gc_gn_sqrt",
        "gradinit_one_step_loss",
        "metainit_gradient_quotient",
    ];
    let outcomes = ["epochs_to_target", "final_train_loss", "test_metric"];
    let tasks = j["tasks"].as_array().unwrap();
    let names: Vec<&str> = tasks.iter().map(|t| t["task"].as_str().unwrap()).collect();
    assert_eq!(names, ["digits", "breast_cancer", "relu1", "relu2"]);
    for t in tasks {
        assert_eq!(t["inits"], 200);
        for q in quantities {
            assert!(
                t["quantity_seconds_per_init"][q].as_f64().unwrap() > 0.0,
                "{q}"
            );
            let rho = t["rho_with_initial_loss"][q].as_f64().unwrap();
            assert!((-1.0..=1.0).contains(&rho), "{q}: {rho}");
        }
        let own = t["rho_with_initial_loss"]["initial_loss"].as_f64().unwrap();
        assert!((own - 1.0).abs() < 1e-12, "{own}");
        let pairs = t["correlations"].as_array().unwrap();
        assert_eq!(pairs.len(), quantities.len() * outcomes.len());
        for p in pairs {
            for key in ["quantity", "outcome", "rho_oriented", "prediction"] {
                assert!(p.get(key).is_some(), "pair lacks {key}");
            }
            for key in ["n", "spearman_rho", "spearman_ci95", "pearson_r"] {
                assert!(p["correlation"].get(key).is_some(), "pair lacks {key}");
            }
        }
        let ks: Vec<u64> = t["selection"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["k"].as_u64().unwrap())
            .collect();
        assert_eq!(ks, [10, 100]);
        for s in t["selection"].as_array().unwrap() {
            let selectors = s["selectors"].as_array().unwrap();
            assert_eq!(selectors[0]["selector"], "random");
            assert_eq!(selectors.len(), 1 + quantities.len() + 1);
            for sel in selectors {
                assert!(sel["cost_seconds"].is_number());
                assert_eq!(sel["outcomes"].as_array().unwrap().len(), outcomes.len());
            }
        }
    }
    // The JSON's best-of-10 by low initial loss is the CSV's per-init values picked per group.
    let csv = std::fs::read_to_string(out.join("init_predictors.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .filter(|r: &Vec<&str>| r[0] == "breast_cancer")
        .collect();
    let (loss, final_loss) = (2, 2 + quantities.len() + 1);
    let picked: Vec<f64> = rows
        .chunks(10)
        .map(|g| {
            let best = g
                .iter()
                .min_by(|a, b| {
                    let (x, y): (f64, f64) = (a[loss].parse().unwrap(), b[loss].parse().unwrap());
                    x.total_cmp(&y)
                })
                .unwrap();
            best[final_loss].parse().unwrap()
        })
        .collect();
    let mean = picked.iter().sum::<f64>() / picked.len() as f64;
    let bc = &tasks[1]["selection"][0]["selectors"][1];
    assert_eq!(bc["selector"], "low initial_loss");
    let json_mean = bc["outcomes"][1]["mean"].as_f64().unwrap();
    assert!(
        (mean - json_mean).abs() < 1e-9 * mean.abs().max(1.0),
        "{mean} vs {json_mean}"
    );
    for o in outcomes {
        assert!(
            out.join(format!("init_predictors_rho_{o}.svg")).exists(),
            "{o}"
        );
    }
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn init_predictors_bad_input_fails_cleanly_and_writes_nothing() {
    let out = scratch("predictors-bad");
    fails_cleanly(
        env!("CARGO_BIN_EXE_init_predictors"),
        &out,
        &[
            (vec!["--runs", "0"], "--runs 0"),
            (
                vec!["--quick", "--tasks", "digits,mnist"],
                "unknown task `mnist`",
            ),
            (vec!["--quick", "--ks", "0"], "K = 0"),
            (
                vec!["--quick", "--ks", "10,300"],
                "K = 300 exceeds the pool of 200",
            ),
            (
                vec!["--runs", "50", "--ks", "100"],
                "K = 100 exceeds the pool of 50",
            ),
        ],
    );
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn init_predictors_gives_the_same_bits_on_one_and_two_threads() {
    let csv = |threads| {
        csv_on_threads(
            env!("CARGO_BIN_EXE_init_predictors"),
            &["--quick", "--tasks", "breast_cancer,relu1"],
            "init_predictors.csv",
            threads,
        )
    };
    assert_eq!(csv("1"), csv("2"));
}
