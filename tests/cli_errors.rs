//! Every bad input the command line can be given: refused with a message that names the flag,
//! the file, line and column where there is one, and the accepted values; exit status 2 for
//! usage errors, 1 for failures; no output files, finished or partial, left behind.

use std::path::Path;
use std::process::{Command, Output};

fn initsift(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_initsift"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 temp path")
}

/// Runs `args` with `--out ROOT/out` appended where `out` is true, and checks the status, the
/// message and that nothing was written.
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
    assert!(!out.exists(), "{args:?} left {}", out.display());
    let leftovers: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("initsift") || n == "out")
        .collect();
    assert!(leftovers.is_empty(), "{args:?} left {leftovers:?}");
}

fn write(root: &Path, name: &str, text: &str) -> String {
    let p = root.join(name);
    std::fs::write(&p, text).unwrap();
    path(&p).to_string()
}

#[test]
fn bad_csv_files_are_refused_at_their_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let arch = ["--arch", "2-3-2", "--samples", "5"];
    let cases: [(&str, &str, &[&str]); 5] = [
        (
            "ragged.csv",
            "a,b,target\n1,2,0\n3,4\n",
            &[
                "ragged.csv, line 3, column 3",
                "the row has 2 cells, but the header has 3",
            ],
        ),
        (
            "text.csv",
            "a,b,target\n1,2,0\n1,x,1\n",
            &["text.csv, line 3, column 2 (`b`): \"x\" is not a number"],
        ),
        (
            "nan.csv",
            "a,b,target\n1,NaN,0\n2,3,1\n",
            &["nan.csv, line 2, column 2 (`b`): \"NaN\" is not a finite f32"],
        ),
        (
            "empty.csv",
            "",
            &["empty.csv, line 1, column 1: the file is empty"],
        ),
        (
            "nolabel.csv",
            "a,b,target\n1,2,0\n3,4,1\n",
            &[
                "nolabel.csv, line 1, column 1: the header has 0 columns named `label`",
                "its columns are: a, b, target",
            ],
        ),
    ];
    for (name, text, needles) in cases {
        let file = write(root, name, text);
        let mut args = vec!["search", "--data", &file];
        args.extend_from_slice(&arch);
        if name == "nolabel.csv" {
            args.extend_from_slice(&["--target", "label"]);
        }
        let mut needles = needles.to_vec();
        needles.push("--data");
        refused(root, &args, 1, &needles);
        std::fs::remove_file(root.join(name)).unwrap();
    }
    refused(
        root,
        &["search", "--data", "/no/such/file.csv", "--arch", "2-2"],
        1,
        &["--data /no/such/file.csv: cannot read the file"],
    );
}

#[test]
fn bad_flags_are_usage_errors_naming_the_flag_and_the_accepted_values() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let digits = ["--dataset", "digits", "--samples", "4"];
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (
            vec!["search", "--arch", "63-32-10"],
            vec![
                "--arch `63-32-10`: the input width 63 is not the 64 features of builtin:digits",
                "accepted: an input width of 64, e.g. 64-32-10",
            ],
        ),
        (
            vec!["search", "--arch", "64-32-9"],
            vec![
                "--arch `64-32-9`: the output width 9 does not fit: builtin:digits has 10 classes",
                "e.g. 64-32-10",
            ],
        ),
        (
            vec!["search", "--arch", "64-32-10", "--loss", "bce"],
            vec!["--loss `bce`: builtin:digits has 10 classes; bce needs 2"],
        ),
        (
            vec!["search", "--arch", "64-x-10"],
            vec![
                "--arch",
                "`x` is not a positive whole number",
                "accepted: two or more positive widths",
            ],
        ),
        (
            vec!["search", "--arch", "64-32-10", "--init", "he_magic"],
            vec!["--init `he_magic`: unknown scheme; accepted: torch_default, xavier_uniform"],
        ),
        (
            vec!["search", "--arch", "64-32-10", "--loss", "hinge"],
            vec!["--loss", "`hinge`: unknown loss; accepted: ce"],
        ),
        (
            vec!["search", "--arch", "64-32-10", "--select", "top:3"],
            vec!["--select `top:3`: unknown selection; accepted: best, best_of:K"],
        ),
        (
            vec!["search", "--arch", "64-32-10", "--select", "percentile:150"],
            vec!["strictly between 0 and 100"],
        ),
        (
            vec!["search", "--arch", "64-32-10", "--shard", "5/4"],
            vec!["--shard `5/4`: shard 5 does not exist: shards of 4 are numbered 0 to 3"],
        ),
        (
            vec!["search", "--arch", "64-32-10", "--shard", "1/0"],
            vec!["--shard `1/0`: N must be at least 1"],
        ),
        (
            vec!["search", "--arch", "64-32-10", "--samples", "0"],
            vec!["--samples `0`: must be a whole number ≥ 1"],
        ),
        (
            vec!["search", "--arch", "64-32-10", "--act", "abs"],
            vec![
                "--act `abs`: has no torch.nn module",
                "accepted: relu, tanh",
            ],
        ),
        (
            vec!["search", "--arch", "64-32-10", "--subset", "5000"],
            vec!["--subset `5000`: the training split has only 1437 rows"],
        ),
        (
            vec!["search", "--arch", "64-32-10", "--test-size", "1.5"],
            vec!["--test-size", "strictly between 0 and 1"],
        ),
        (
            vec![
                "train", "--arch", "64-32-10", "--random", "--optim", "lbfgs",
            ],
            vec!["--optim `lbfgs`: unknown optimizer; accepted: adam|adamw|sgd|rmsprop"],
        ),
        (
            vec![
                "train",
                "--arch",
                "64-32-10",
                "--random",
                "--optim",
                "sgd:lr=0.1,beta1=0.9",
            ],
            vec!["`beta1` is not a setting of sgd"],
        ),
        (
            vec![
                "train",
                "--arch",
                "64-32-10",
                "--random",
                "--optim",
                "adam:lr=-1",
            ],
            vec!["--optim `adam:lr=-1`"],
        ),
        (
            vec!["search", "--arch", "64-32-10", "--dataset", "mnist"],
            vec!["--dataset", "mnist", "digits, breast_cancer"],
        ),
    ];
    for (args, needles) in cases {
        let mut all = args.clone();
        if !all.contains(&"--dataset") {
            all.extend_from_slice(&digits[..2]);
        }
        if !all.contains(&"--samples") && all[0] == "search" {
            all.extend_from_slice(&digits[2..]);
        }
        refused(root, &all, 2, &needles);
    }
}

#[test]
fn an_init_file_for_another_arch_is_refused_by_key_and_shape() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let s = root.join("s");
    let ok = initsift(&[
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
    assert!(ok.status.success());
    let init = s.join("init.safetensors");
    refused(
        root,
        &[
            "train",
            "--dataset",
            "iris",
            "--arch",
            "4-6-3",
            "--init",
            path(&init),
        ],
        2,
        &[
            "--init",
            "init.safetensors",
            "`0.weight` has shape [5, 4], model mlp-4-6-3-relu needs [6, 4]",
        ],
    );
    refused(
        root,
        &[
            "train",
            "--dataset",
            "iris",
            "--arch",
            "4-5-5-3",
            "--init",
            path(&init),
        ],
        2,
        &["missing key `4.weight`"],
    );
    let junk = write(root, "junk.safetensors", "not safetensors");
    refused(
        root,
        &[
            "train",
            "--dataset",
            "iris",
            "--arch",
            "4-5-3",
            "--init",
            &junk,
        ],
        2,
        &["junk.safetensors: not a safetensors file"],
    );
    std::fs::remove_file(root.join("junk.safetensors")).unwrap();
    std::fs::remove_dir_all(&s).unwrap();
}

#[test]
fn shards_of_different_searches_do_not_merge() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let shards = root.join("shards");
    std::fs::create_dir(&shards).unwrap();
    let shard = |name: &str, extra: &[&str]| {
        let out = shards.join(name);
        let mut args = vec!["search", "--quiet", "--samples", "20", "--out", path(&out)];
        args.extend_from_slice(extra);
        let run = initsift(&args);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        path(&out).to_string()
    };
    let iris = ["--dataset", "iris", "--arch", "4-5-3"];
    let with = |more: &[&'static str]| -> Vec<&'static str> {
        let mut v = iris.to_vec();
        v.extend_from_slice(more);
        v
    };
    let a0 = shard("a0", &with(&["--shard", "0/2", "--seed", "1"]));
    let a1 = shard("a1", &with(&["--shard", "1/2", "--seed", "1"]));
    let seed2 = shard("seed2", &with(&["--shard", "1/2", "--seed", "2"]));
    let wider = shard(
        "wider",
        &[
            "--dataset",
            "iris",
            "--arch",
            "4-6-3",
            "--shard",
            "1/2",
            "--seed",
            "1",
        ],
    );
    let of3 = shard("of3", &with(&["--shard", "1/3", "--seed", "1"]));
    let whole = shard("whole", &with(&["--seed", "1"]));

    let csv = root.join("d.csv");
    std::fs::write(&csv, "a,b,target\n0,1,0\n1,0,1\n1,1,0\n0,0,1\n2,1,0\n").unwrap();
    let data = [
        "--data",
        path(&csv),
        "--arch",
        "2-3-2",
        "--test-size",
        "0.4",
    ];
    let mut d0 = data.to_vec();
    d0.extend_from_slice(&["--shard", "0/2"]);
    let d0 = shard("d0", &d0);
    std::fs::write(&csv, "a,b,target\n0,1,0\n1,0,1\n1,1,0\n0,0,1\n2,2,0\n").unwrap();
    let mut d1 = data.to_vec();
    d1.extend_from_slice(&["--shard", "1/2"]);
    let d1 = shard("d1", &d1);

    let cases: [(&[&str], &[&str]); 7] = [
        (
            &[&a0, &seed2],
            &[
                "comes from a different search",
                "`request.seed` is 2 there but 1",
            ],
        ),
        (
            &[&a0, &wider],
            &["`request.arch` is \"4-6-3\" there but \"4-5-3\""],
        ),
        (&[&a0, &of3], &["`shards` is 3 there but 2"]),
        (&[&d0, &d1], &["`data_fnv1a64`"]),
        (
            &[&a0],
            &["the shards must be 0 to 1 of 2, each once; missing: [1]"],
        ),
        (&[&a0, &a0, &a1], &["repeated: [0]"]),
        (&[&a0, &whole], &["holds a complete search, not a shard"]),
    ];
    for (dirs, needles) in cases {
        let mut args = vec!["merge"];
        args.extend_from_slice(dirs);
        refused(root, &args, 2, needles);
    }
    // The good pair merges.
    let merged = root.join("merged");
    assert!(
        initsift(&["merge", "--quiet", &a0, &a1, "--out", path(&merged)])
            .status
            .success()
    );
}
