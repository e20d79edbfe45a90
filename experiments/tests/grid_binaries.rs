//! xor_grid, cost_benefit and basin_map on small runs: the JSON keys outside checks read, the
//! report files, and clean failures (nothing written) on bad input.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("initsift-gridbin-{name}-{}", std::process::id()));
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

#[test]
fn xor_grid_small_run_keeps_the_issue_keys() {
    let out = scratch("grid");
    let o = run(
        env!("CARGO_BIN_EXE_xor_grid"),
        &[
            "--runs",
            "24",
            "--seed",
            "3",
            "--presets",
            "relu1,relu2",
            "--schemes",
            "normal_0.5,zeros",
            "--selections",
            "random,best_of_10,percentile_25_of_100,refine_100",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc = json(&out, "xor_grid");
    assert_eq!(doc["experiment"], "xor_grid");
    let cells = doc["cells"].as_array().unwrap();
    // Main rules: 2 presets × 2 schemes × 3 optimizers × 3 rates × 3; the variant: 2 × 3.
    assert_eq!(cells.len(), 2 * 2 * 3 * 3 * 3 + 2 * 3);
    for c in cells {
        for key in [
            "preset",
            "scheme",
            "optimizer",
            "lr",
            "selection",
            "runs",
            "successes",
            "success_rate",
            "success_ci95",
            "epochs_all",
            "epochs_success",
            "sampling_seconds",
            "training_seconds",
            "time_to_success",
        ] {
            assert!(c.get(key).is_some(), "cell lacks {key}: {c}");
        }
        assert_eq!(c["runs"], 24);
        let k = c["successes"].as_u64().unwrap() as f64;
        assert!((c["success_rate"].as_f64().unwrap() - k / 24.0).abs() < 1e-12);
        for key in ["p10", "p25", "median", "p75", "median_ci95"] {
            assert!(c["epochs_all"].get(key).is_some(), "epochs_all.{key}");
        }
        if c["scheme"] == "zeros" {
            assert_eq!(c["successes"], 0);
        }
    }
    for key in [
        "rq1",
        "rq3",
        "rq5",
        "seed_003_lens",
        "variants_vs_best_of_n",
    ] {
        assert!(doc.get(key).is_some(), "{key}");
    }
    let md = std::fs::read_to_string(out.join("xor_grid.md")).unwrap();
    assert!(md.contains("Verdict") && md.contains("RQ3") && md.contains("RQ5"));
    for p in ["relu1", "relu2"] {
        for f in ["success", "epochs", "success_vs_n"] {
            assert!(
                out.join(format!("xor_grid_{f}_{p}.svg")).exists(),
                "{f} {p}"
            );
        }
    }
}

#[test]
fn cost_benefit_small_run_has_break_even_and_confusion() {
    let out = scratch("cost");
    let o = run(
        env!("CARGO_BIN_EXE_cost_benefit"),
        &[
            "--runs",
            "24",
            "--presets",
            "relu1",
            "--schemes",
            "normal_0.5,xavier_normal",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc = json(&out, "cost_benefit");
    assert_eq!(doc["experiment"], "cost_benefit");
    let configs = doc["configurations"].as_array().unwrap();
    assert_eq!(configs.len(), 2 * 3);
    for c in configs {
        for key in [
            "costs",
            "budgets",
            "break_even",
            "optimum_n_samples",
            "random_time_to_success",
        ] {
            assert!(c.get(key).is_some(), "{key}");
        }
        assert_eq!(c["budgets"].as_array().unwrap().len(), 5);
    }
    let m = &doc["heuristic_confusion"];
    let total: u64 = ["yes_worth", "yes_not_worth", "no_worth", "no_not_worth"]
        .iter()
        .map(|k| m[k].as_u64().unwrap())
        .sum();
    assert!(total > 0 && total <= 30);
    assert!(doc["bound_5_3"].is_array() && doc["extrapolation"].is_array());
}

#[test]
fn basin_map_small_run_writes_pngs() {
    let out = scratch("basin");
    let o = run(
        env!("CARGO_BIN_EXE_basin_map"),
        &["--resolution", "33", "--out", out.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc = json(&out, "basin_map");
    let slices = doc["slices"].as_array().unwrap();
    assert_eq!(slices.len(), 4);
    for s in slices {
        let shares: f64 = s["outcome_shares"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_f64().unwrap())
            .sum();
        assert!((shares - 1.0).abs() < 1e-9);
        assert!(s["boundary_density"].as_f64().unwrap() >= 0.0);
        assert_eq!(s["low_loss"].as_array().unwrap().len(), 3);
        // The pair slice's marks are a failing and a succeeding init.
        if s["kind"] == "pair" {
            let m = s["marked"].as_array().unwrap();
            assert_ne!(m[0], "success");
            assert_eq!(m[1], "success");
        }
    }
    let png = std::fs::read(out.join("basin_map_relu1_pair_outcome.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
}

#[test]
fn bad_input_fails_cleanly_and_writes_nothing() {
    let cases: [(&str, &[&str], &str); 8] = [
        (
            env!("CARGO_BIN_EXE_xor_grid"),
            &["--schemes", "glorot"],
            "known: normal_0.5",
        ),
        (
            env!("CARGO_BIN_EXE_xor_grid"),
            &["--selections", "best_of_0"],
            "K must be at least 1",
        ),
        (
            env!("CARGO_BIN_EXE_xor_grid"),
            &["--selections", "percentile_100_of_10"],
            "(0, 100)",
        ),
        (
            env!("CARGO_BIN_EXE_xor_grid"),
            &["--optimizers", "adagrad"],
            "known: adam",
        ),
        (
            env!("CARGO_BIN_EXE_xor_grid"),
            &["--presets", "abs1", "--selections", "refine_100"],
            "empty",
        ),
        (
            env!("CARGO_BIN_EXE_cost_benefit"),
            &["--schemes", "he"],
            "unknown scheme",
        ),
        (
            env!("CARGO_BIN_EXE_basin_map"),
            &["--resolution", "0"],
            "resolution 0",
        ),
        (
            env!("CARGO_BIN_EXE_basin_map"),
            &["--resolution", "5000"],
            "resolution 5000",
        ),
    ];
    for (k, (bin, args, want)) in cases.iter().enumerate() {
        let out = scratch(&format!("bad{k}"));
        let mut a: Vec<&str> = args.to_vec();
        let o_str = out.to_str().unwrap().to_string();
        a.extend(["--out", &o_str]);
        let o = run(bin, &a);
        assert!(!o.status.success(), "{args:?} succeeded");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(
            !out.exists() || std::fs::read_dir(&out).unwrap().count() == 0,
            "{args:?} wrote files"
        );
    }
}
