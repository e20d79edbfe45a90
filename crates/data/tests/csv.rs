//! The CSV / CSV.gz loader on small files written to a temporary directory.

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use initsift_data::{
    Error, Location, TargetKind, Targets, load_csv, parse_csv, parse_csv_with_target,
};
use tempfile::TempDir;

fn write(dir: &TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// Loads `text` from a file and returns the error, checking that its message names the file,
/// the line and the column.
fn error_at(text: &str, kind: TargetKind, line: usize, column: usize) -> Error {
    let dir = TempDir::new().unwrap();
    let path = write(&dir, "bad.csv", text.as_bytes());
    let error = load_csv(&path, kind).expect_err("bad input must be an error");
    assert_names(&error, &path, line, column);
    // The same input compressed fails at the same place.
    let gz_path = write(&dir, "bad.csv.gz", &gzip(text.as_bytes()));
    let gz_error = load_csv(&gz_path, kind).expect_err("bad input must be an error");
    assert_names(&gz_error, &gz_path, line, column);
    error
}

fn assert_names(error: &Error, path: &Path, line: usize, column: usize) {
    let message = error.to_string();
    let file = path.display().to_string();
    assert!(message.contains(&file), "no file in: {message}");
    assert!(
        message.contains(&format!("line {line},")),
        "no line {line} in: {message}"
    );
    assert!(
        message.contains(&format!("column {column}")),
        "no column {column} in: {message}"
    );
}

const GOOD: &str = "a,b,target\n1,2.5,0\n-3,4e2,1\n0.125,-0,2\n";

#[test]
fn reads_features_targets_and_names() {
    let data = parse_csv(GOOD.as_bytes(), "mem/good.csv", TargetKind::Infer).unwrap();
    assert_eq!(data.name(), "good");
    assert_eq!(data.feature_names(), ["a", "b"]);
    assert_eq!(data.features().dim(), (3, 2));
    assert_eq!(data.features().row(1).to_vec(), [-3.0, 400.0]);
    assert_eq!(data.features()[[2, 0]], 0.125);
    assert_eq!(data.labels(), Some(&[0, 1, 2][..]));
    assert_eq!(data.n_classes(), Some(3));
}

#[test]
fn gz_and_plain_give_equal_data() {
    let dir = TempDir::new().unwrap();
    let plain = load_csv(write(&dir, "t.csv", GOOD.as_bytes()), TargetKind::Infer).unwrap();
    let gz = load_csv(
        write(&dir, "t.csv.gz", &gzip(GOOD.as_bytes())),
        TargetKind::Infer,
    )
    .unwrap();
    assert_eq!(plain, gz);
    assert_eq!(gz.name(), "t");
    // Detection is by magic bytes, not by the name.
    let disguised = load_csv(
        write(&dir, "t2.csv", &gzip(GOOD.as_bytes())),
        TargetKind::Infer,
    );
    assert_eq!(disguised.unwrap().features(), plain.features());
}

#[test]
fn concatenated_gzip_members_are_all_read() {
    let mut bytes = gzip(b"a,target\n1,0\n");
    bytes.extend(gzip(b"2,1\n"));
    let data = parse_csv(&bytes, "multi.csv.gz", TargetKind::Infer).unwrap();
    assert_eq!(data.n_samples(), 2);
}

#[test]
fn crlf_bom_blank_lines_and_spaces_are_accepted() {
    let text = "\u{feff}a, \"b\" ,target\r\n\r\n 1 , 2.5,0\r\n-3,4e2 ,1\r\n\n0.125,-0,2";
    let data = parse_csv(text.as_bytes(), "x.csv", TargetKind::Infer).unwrap();
    let reference = parse_csv(GOOD.as_bytes(), "x.csv", TargetKind::Infer).unwrap();
    assert_eq!(data, reference);
}

#[test]
fn inference_rule() {
    let classes = |text: &str| {
        let data = parse_csv(text.as_bytes(), "i.csv", TargetKind::Infer).unwrap();
        data.n_classes()
    };
    assert_eq!(classes("a,target\n1,1\n2,0\n3,1\n"), Some(2));
    assert_eq!(
        classes("a,target\n1,1.0\n2,0.0\n"),
        Some(2),
        "whole numbers written as reals"
    );
    assert_eq!(
        classes("a,target\n1,0\n2,2\n"),
        None,
        "class 1 missing: regression"
    );
    assert_eq!(
        classes("a,target\n1,25\n2,26\n"),
        None,
        "does not start at 0"
    );
    assert_eq!(classes("a,target\n1,0.5\n2,0\n"), None);
    assert_eq!(classes("a,target\n1,-1\n2,0\n"), None);
    assert_eq!(classes("a,target\n1,0\n2,0\n"), Some(1));
}

#[test]
fn forced_kinds() {
    let text = "a,target\n1,0\n2,3\n";
    let data = parse_csv(text.as_bytes(), "f.csv", TargetKind::Classification).unwrap();
    assert_eq!(data.n_classes(), Some(4), "classes 0..=max, even with gaps");
    let data = parse_csv(text.as_bytes(), "f.csv", TargetKind::Regression).unwrap();
    match data.targets() {
        Targets::Real(values) => assert_eq!(values.to_vec(), [0.0, 3.0]),
        other => panic!("expected real targets, got {other:?}"),
    }
}

#[test]
fn ragged_rows_name_the_first_missing_or_extra_cell() {
    let short = error_at("a,b,target\n1,2,0\n1,2\n", TargetKind::Infer, 3, 3);
    assert!(
        matches!(
            short,
            Error::RaggedRow {
                expected: 3,
                found: 2,
                ..
            }
        ),
        "{short:?}"
    );
    let long = error_at("a,b,target\n1,2,0,9\n", TargetKind::Infer, 2, 4);
    assert!(
        matches!(
            long,
            Error::RaggedRow {
                expected: 3,
                found: 4,
                ..
            }
        ),
        "{long:?}"
    );
}

#[test]
fn non_numeric_and_empty_cells() {
    let error = error_at("a,b,target\n1,2,0\n1,abc,1\n", TargetKind::Infer, 3, 2);
    assert!(
        matches!(&error, Error::NotNumeric { value, column_name, .. }
        if value == "abc" && column_name == "b")
    );
    assert!(error.to_string().contains("\"abc\""));
    let empty = error_at("a,b,target\n1,,0\n", TargetKind::Infer, 2, 2);
    assert!(matches!(empty, Error::NotNumeric { .. }));
    let target = error_at("a,b,target\n1,2,yes\n", TargetKind::Regression, 2, 3);
    assert!(matches!(target, Error::NotNumeric { .. }));
}

#[test]
fn nan_and_infinite_cells() {
    for (text, line, column) in [
        ("a,b,target\nNaN,1,0\n", 2, 1),
        ("a,b,target\n1,2,0\n1,-inf,0\n", 3, 2),
        ("a,b,target\n1,2,inf\n", 2, 3),
        ("a,b,target\n1,1e39,0\n", 2, 2),
        ("a,b,target\n1,2,nan\n", 2, 3),
    ] {
        let error = error_at(text, TargetKind::Infer, line, column);
        assert!(
            matches!(error, Error::NonFinite { .. }),
            "{text:?}: {error:?}"
        );
    }
}

#[test]
fn empty_file() {
    for text in ["", "\n\n", " \r\n"] {
        let error = error_at(text, TargetKind::Infer, 1, 1);
        assert!(matches!(error, Error::Empty { .. }), "{text:?}: {error:?}");
    }
}

#[test]
fn header_without_target_or_with_target_not_last() {
    let missing = error_at("a,b,c\n1,2,3\n", TargetKind::Infer, 1, 3);
    assert!(matches!(&missing, Error::NoTargetColumn { last, .. } if last == "c"));
    let early = error_at("target,a,b\n0,1,2\n", TargetKind::Infer, 1, 1);
    assert!(matches!(early, Error::TargetNotLast { columns: 3, .. }));
    let twice = error_at("a,target,target\n1,0,0\n", TargetKind::Infer, 1, 2);
    assert!(matches!(twice, Error::TargetNotLast { .. }));
    let only = error_at("target\n0\n", TargetKind::Infer, 1, 1);
    assert!(matches!(only, Error::NoFeatures { .. }));
    let unnamed = error_at("a,,target\n1,2,0\n", TargetKind::Infer, 1, 2);
    assert!(matches!(unnamed, Error::EmptyColumnName { .. }));
}

#[test]
fn header_without_rows() {
    let error = error_at("a,b,target\n", TargetKind::Infer, 2, 1);
    assert!(matches!(error, Error::NoRows { .. }));
}

#[test]
fn class_targets_must_be_non_negative_integers() {
    for (value, line) in [("1.5", 3), ("-1", 3), ("70000", 3), ("0.0000001", 3)] {
        let text = format!("a,target\n1,0\n2,{value}\n");
        let error = error_at(&text, TargetKind::Classification, line, 2);
        assert!(
            matches!(&error, Error::BadClass { value: v, .. } if v == value),
            "{value}: {error:?}"
        );
    }
    // Whole numbers written with a decimal point are class indices.
    let data = parse_csv(b"a,target\n1,2.0\n", "w.csv", TargetKind::Classification).unwrap();
    assert_eq!(data.labels(), Some(&[2][..]));
}

#[test]
fn line_numbers_count_blank_lines() {
    let error = error_at("a,target\n\n1,0\n\r\nx,1\n", TargetKind::Infer, 5, 1);
    assert!(matches!(error, Error::NotNumeric { .. }));
}

#[test]
fn invalid_utf8_names_the_column() {
    let dir = TempDir::new().unwrap();
    let path = write(&dir, "latin1.csv", b"a,b,target\n1,\xe92,0\n");
    let error = load_csv(&path, TargetKind::Infer).unwrap_err();
    assert_names(&error, &path, 2, 2);
    assert!(matches!(error, Error::NotUtf8 { .. }));
}

#[test]
fn corrupt_gzip_and_missing_file_name_the_path() {
    let dir = TempDir::new().unwrap();
    let mut bytes = gzip(GOOD.as_bytes());
    bytes.truncate(bytes.len() / 2);
    let path = write(&dir, "cut.csv.gz", &bytes);
    let error = load_csv(&path, TargetKind::Infer).unwrap_err();
    assert!(matches!(error, Error::Gzip { .. }), "{error:?}");
    assert!(error.to_string().contains(&path.display().to_string()));

    let missing = dir.path().join("nope.csv");
    let error = load_csv(&missing, TargetKind::Infer).unwrap_err();
    assert!(matches!(error, Error::Io { .. }));
    assert!(error.to_string().contains("nope.csv"));
}

#[test]
fn location_display() {
    let at = Location {
        source: "f.csv".into(),
        line: 7,
        column: 3,
    };
    assert_eq!(at.to_string(), "f.csv, line 7, column 3");
}

/// No input makes the loader panic: mutate a valid file (and its gzip) byte by byte with a
/// fixed-seed generator and parse every mutant.
#[test]
fn mutated_inputs_never_panic() {
    let base = GOOD.as_bytes();
    let alphabet = b"0123456789,.-+eEnaNif \r\n\"target\xff\x1f\x8b";
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        // SplitMix64 step: a tiny deterministic generator, enough to vary the mutations.
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) as usize
    };
    let mut ok = 0;
    for _ in 0..3000 {
        let mut bytes = base.to_vec();
        for _ in 0..1 + next() % 4 {
            let i = next() % (bytes.len() + 1);
            match next() % 3 {
                0 if i < bytes.len() => bytes[i] = alphabet[next() % alphabet.len()],
                1 if i < bytes.len() => {
                    bytes.remove(i);
                }
                _ => bytes.insert(i, alphabet[next() % alphabet.len()]),
            }
        }
        let gz = gzip(&bytes);
        for kind in [
            TargetKind::Infer,
            TargetKind::Classification,
            TargetKind::Regression,
        ] {
            ok += usize::from(parse_csv(&bytes, "m.csv", kind).is_ok());
            let _ = parse_csv(&gz[..next() % (gz.len() + 1)], "m.csv.gz", kind);
        }
    }
    assert!(ok > 0, "some mutants stay valid");
}

#[test]
fn a_named_target_column_may_stand_anywhere() {
    let text = b"a,label,b\n1,0,2\n3,1,4\n";
    let ds = parse_csv_with_target(text, "t.csv", TargetKind::Infer, "label").unwrap();
    assert_eq!(ds.feature_names(), ["a", "b"]);
    assert_eq!(ds.features().as_slice().unwrap(), &[1.0, 2.0, 3.0, 4.0]);
    assert_eq!(ds.labels(), Some(&[0usize, 1][..]));

    // A bad cell keeps its file column, the target's included.
    let bad = parse_csv_with_target(
        b"a,label,b\n1,0,2\n3,x,4\n",
        "t.csv",
        TargetKind::Infer,
        "label",
    )
    .unwrap_err();
    assert_eq!(
        bad.to_string(),
        "t.csv, line 3, column 2 (`label`): \"x\" is not a number"
    );
    let bad = parse_csv_with_target(b"a,label,b\n1,0,nan\n", "t.csv", TargetKind::Infer, "label")
        .unwrap_err();
    assert!(
        bad.to_string().starts_with("t.csv, line 2, column 3 (`b`)"),
        "{bad}"
    );

    let missing = parse_csv_with_target(text, "t.csv", TargetKind::Infer, "y")
        .unwrap_err()
        .to_string();
    assert_eq!(
        missing,
        "t.csv, line 1, column 1: the header has 0 columns named `y` (need exactly one); \
         its columns are: a, label, b"
    );
    let twice =
        parse_csv_with_target(b"y,a,y\n1,2,3\n", "t.csv", TargetKind::Infer, "y").unwrap_err();
    assert!(
        matches!(twice, Error::TargetColumn { found: 2, .. }),
        "{twice}"
    );
}
