//! The write-up's own tables, recomputed by initsift from the write-up's own inits
//! (fixtures/writeup_runs.json) under the reference's recipes: every printed figure must come
//! out exactly, every run must end as it does in PyTorch, and the 100-draw initial-loss scans
//! must round to the printed values and give the printed initial-accuracy shares.

use experiments::writeup::{self, StudyId};
use initsift_batch::Isa;

fn check(id: StudyId) {
    let study = id.name();
    let published = id.published().expect("printed figures");
    let p = published.scan;
    let scan = [p.mean, p.median, p.p25, p.min, p.max];
    let accuracy_pct = p.accuracy_pct.map(|a| a as f64);
    for isa in Isa::available() {
        let replay = writeup::replay(id, isa).unwrap();
        assert_eq!(replay.arms.len(), published.arms.len(), "{study}: arms");
        for arm in &replay.arms {
            assert!(
                arm.matches_published(),
                "{study} {} on {isa}: {arm:?}",
                arm.name
            );
            assert_eq!(
                arm.same_as_torch, arm.runs,
                "{study} {}: runs as in PyTorch",
                arm.name
            );
        }
        assert!(
            replay.control_is_scan_prefix,
            "{study}: control inits vs scan"
        );
        let replayed = replay.scan.expect("the study has a scan");
        let s = replayed.losses;
        assert_eq!(
            replayed.accuracy_pct.map(f64::round),
            accuracy_pct,
            "{study}: initial accuracy buckets"
        );
        // The write-up prints values below 1 to 3 decimals, larger ones to 2.
        for (ours, theirs) in [s.mean, s.median, s.p25, s.min, s.max]
            .into_iter()
            .zip(scan)
        {
            let digits = if theirs >= 1.0 { 2 } else { 3 };
            assert_eq!(
                format!("{ours:.digits$}"),
                format!("{theirs:.digits$}"),
                "{study}: scan statistic {ours} vs printed {theirs}"
            );
        }
    }
}

#[test]
fn relu1_tables_come_out_as_published() {
    check(StudyId::XorSingle);
}

#[test]
fn relu2_tables_come_out_as_published() {
    check(StudyId::XorTwoLayer);
}

/// The abs1 runs behind the convergence-time article: "3,445 epochs → 3,345 rows", mean trace
/// length 34.45, variance 9.11, epochs remaining 1–38, and a fit of its 18 features that can
/// reach its R² = 0.9666 (nested feature sets can only lose in-sample R²).
#[test]
fn abs1_trace_statistics_come_out_as_published() {
    for isa in Isa::available() {
        let r = writeup::replay_traces(isa).unwrap();
        assert_eq!(
            (r.runs, r.same_as_torch, r.converged),
            (100, 100, 100),
            "{isa}"
        );
        assert_eq!((r.total_epochs, r.dataset_rows), (3445, 3345), "{isa}");
        assert_eq!(format!("{:.2}", r.mean_epochs), "34.45");
        assert_eq!(format!("{:.2}", r.epochs_variance), "9.11");
        assert_eq!(r.max_epochs - 1, 38, "largest epochs remaining");
        // Least squares bounds any linear fit of the article's features from above.
        assert!(
            (0.9666..1.0).contains(&r.article_fit_r2),
            "article fit R² {}",
            r.article_fit_r2
        );
        assert!(r.without_logs_r2 <= r.article_fit_r2 && r.distance_only_r2 <= r.without_logs_r2);
    }
}

/// Every study id finds its runs in the fixture, each init has its recipe's preset's length,
/// and only the traced abs1 runs lack printed arm figures.
#[test]
fn every_study_has_runs_of_its_recipe() {
    for id in StudyId::ALL {
        let (runs, _) = writeup::load(id).unwrap();
        assert_eq!(runs.study, id.name());
        let n = writeup::recipe(id).preset.param_len();
        for arm in &runs.arms {
            assert!(arm.runs.iter().all(|r| r.init.len() == n), "{}", id.name());
        }
        assert_eq!(id.published().is_none(), id == StudyId::AbsDistance);
    }
    let err = writeup::replay(StudyId::AbsDistance, Isa::Portable)
        .unwrap_err()
        .to_string();
    assert!(err.contains("abs_distance"), "{err}");
}
