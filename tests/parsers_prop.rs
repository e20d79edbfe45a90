//! Property tests: arbitrary bytes into the CSV loader and arbitrary strings into the command
//! line's parsers give values or errors, never panics; valid specs survive a print-and-parse
//! round trip. (The stable-toolchain fuzz loop, examples/fuzz_inputs.rs, mutates the same
//! entry points for as long as it is given.)

use initsift::cli::parse::{
    SelectSpec, parse_act, parse_arch, parse_init, parse_loss, parse_optim, parse_select,
    parse_shard,
};
use initsift::data::{TargetKind, parse_csv, parse_csv_with_target};
use initsift::nn::{Activation, ModelSpec};
use proptest::prelude::*;

/// Text that looks like CSV often enough to reach past the header checks.
fn csvish() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop::sample::select(vec![
            b"0".as_slice(),
            b"1",
            b"-2.5",
            b"1e39",
            b"nan",
            b"inf",
            b",",
            b",",
            b"\n",
            b"\r\n",
            b"target",
            b"a",
            b"\"",
            b" ",
            b"x",
            b"\xef\xbb\xbf",
            b"\xff",
            b"\x1f\x8b",
        ]),
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn csv_loader_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        for kind in [TargetKind::Infer, TargetKind::Classification, TargetKind::Regression] {
            let _ = parse_csv(&bytes, "fuzz.csv", kind);
            let _ = parse_csv_with_target(&bytes, "fuzz.csv", kind, "a");
        }
    }

    #[test]
    fn csv_loader_never_panics_on_csvish_text(bytes in csvish()) {
        for kind in [TargetKind::Infer, TargetKind::Classification, TargetKind::Regression] {
            if let Ok(ds) = parse_csv(&bytes, "fuzz.csv", kind) {
                // What loads is consistent: every cell finite, one target per row.
                prop_assert!(ds.features().iter().all(|v| v.is_finite()));
                prop_assert_eq!(ds.targets().len(), ds.n_samples());
            }
            let _ = parse_csv_with_target(&bytes, "fuzz.csv", kind, "a");
        }
    }

    #[test]
    fn spec_parsers_never_panic(text in ".{0,40}") {
        let _ = parse_arch(&text);
        let _ = parse_select(&text);
        let _ = parse_optim(&text);
        let _ = parse_shard(&text);
        let _ = parse_loss(&text);
        let _ = parse_act(&text);
        let spec = ModelSpec::mlp("3-2", Activation::Relu).unwrap();
        let _ = parse_init(&text, &spec, Activation::Relu);
    }

    #[test]
    fn spec_parsers_never_panic_on_near_misses(
        head in prop::sample::select(vec!["best", "best_of:", "percentile:", "threshold:", "adaptive:pilot=", "adam:lr=", "sgd:lr=0.1,momentum=", "rmsprop:alpha=", "", "64-", "normal:"]),
        tail in "[-0-9.e:=,/a-z]{0,16}",
    ) {
        let text = format!("{head}{tail}");
        let _ = parse_arch(&text);
        let _ = parse_select(&text);
        let _ = parse_optim(&text);
        let _ = parse_shard(&text);
        let spec = ModelSpec::mlp("3-2", Activation::Relu).unwrap();
        let _ = parse_init(&text, &spec, Activation::Relu);
    }

    #[test]
    fn select_specs_round_trip(k in 1u64..1_000_000, p in 0.001f64..99.999, x in -1e6f64..1e6) {
        for spec in [SelectSpec::Best, SelectSpec::BestOf(k), SelectSpec::Percentile(p), SelectSpec::Threshold(x), SelectSpec::AdaptivePilot(k)] {
            prop_assert_eq!(parse_select(&spec.to_string()).unwrap(), spec);
        }
    }

    #[test]
    fn arch_round_trips_and_shards_parse(widths in prop::collection::vec(1usize..2000, 2..6), n in 1u64..10_000, k in 0u64..10_000) {
        let text = widths.iter().map(usize::to_string).collect::<Vec<_>>().join("-");
        prop_assert_eq!(parse_arch(&text).unwrap().0, widths);
        let shard = parse_shard(&format!("{k}/{n}"));
        prop_assert_eq!(shard.is_ok(), k < n);
    }
}
