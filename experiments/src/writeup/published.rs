//! The write-up's printed figures, typed once: per arm ([`Published`]), for the 100-draw
//! initial-loss scan ([`PublishedScan`]), and per study ([`PublishedStudy`]). The replay holds
//! its own runs to them exactly; the 10⁴-run reports set them beside ours with intervals.

use serde::Serialize;

/// An arm's figures as the write-up prints them (epochs are `int(np.percentile(...))` over all
/// [`Published::RUNS`] runs, failures included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Published {
    /// Successful runs of 50.
    pub successes: u64,
    /// Median epochs, if printed.
    pub median_epochs: Option<u64>,
    /// Fewest and most epochs, if printed.
    pub range: Option<(u64, u64)>,
    /// 10th-percentile epochs, if printed.
    pub p10_epochs: Option<u64>,
    /// Runs with a mirror pair, if printed (the reference counts runs with final accuracy
    /// ≥ 0.75 whose first-layer weight rows have cosine < −0.95).
    pub mirror_pairs: Option<u64>,
}

impl Published {
    /// Runs behind every arm the write-up prints.
    pub const RUNS: u64 = 50;

    /// Its success rate.
    pub fn success_rate(&self) -> f64 {
        self.successes as f64 / Self::RUNS as f64
    }
}

/// The write-up's statistics of its 100-draw initial-loss scan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PublishedScan {
    /// Mean.
    pub mean: f64,
    /// Median.
    pub median: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Minimum ("0th percentile").
    pub min: f64,
    /// Maximum.
    pub max: f64,
    /// Shares of initial accuracy 100 %, 75 %, 50 %, ≤ 25 % (in percent of 100 draws).
    pub accuracy_pct: [u64; 4],
}

/// One study's printed figures: its arms by our arm names, and its scan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PublishedStudy {
    /// Each printed arm, by our name for it.
    pub arms: &'static [(&'static str, Published)],
    /// The 100-draw scan its thresholds came from.
    pub scan: PublishedScan,
}

impl PublishedStudy {
    /// The printed figures of the arm `name`, if the write-up has that arm.
    pub fn arm(&self, name: &str) -> Option<Published> {
        self.arms.iter().find(|(n, _)| *n == name).map(|&(_, p)| p)
    }
}

/// The relu1 study (ideas/loss_sampling_initialization_results.md §3.2: success, and median and
/// range of epochs over all 50 runs; mirror pairs from its "Mirror weight symmetry" lines).
pub const XOR_SINGLE: PublishedStudy = PublishedStudy {
    arms: &[
        ("control", printed(29, 123, (33, 275), Some(29))),
        ("below_0.468", printed(35, 101, (29, 176), None)),
        ("below_0.325", printed(43, 105, (20, 160), None)),
        ("below_0.0724", printed(50, 49, (25, 99), Some(50))),
        ("above_0.468", printed(14, 105, (32, 259), None)),
    ],
    scan: PublishedScan {
        mean: 0.581,
        median: 0.468,
        p25: 0.325,
        min: 0.072,
        max: 1.85,
        accuracy_pct: [3, 23, 51, 23],
    },
};

/// The relu2 study (success and 10th-percentile epochs over all 50 runs).
pub const XOR_TWO_LAYER: PublishedStudy = PublishedStudy {
    arms: &[("control", p10(10, 410)), ("below_0.326", p10(19, 379))],
    scan: PublishedScan {
        mean: 1.36,
        median: 0.908,
        p25: 0.644,
        min: 0.326,
        max: 5.63,
        accuracy_pct: [0, 11, 74, 15],
    },
};

const fn printed(
    successes: u64,
    median: u64,
    range: (u64, u64),
    mirror_pairs: Option<u64>,
) -> Published {
    Published {
        successes,
        median_epochs: Some(median),
        range: Some(range),
        p10_epochs: None,
        mirror_pairs,
    }
}

const fn p10(successes: u64, p10_epochs: u64) -> Published {
    Published {
        successes,
        median_epochs: None,
        range: None,
        p10_epochs: Some(p10_epochs),
        mirror_pairs: None,
    }
}
