//! The report tables and figures of the XOR loss-sampling re-checks: the initial-loss
//! distribution with the write-up's 100-draw scan beside it, the arms table, the details table
//! and the success-vs-threshold figure.

use anyhow::Result;
use serde::Serialize;

use crate::plot::{self, Interval};
use crate::report::{md_table, pct, pct_ci};
use crate::seed::derive_seed;
use crate::stats::{Verdict, Z95, mean, percentile, rate_verdict, stat_verdict, wilson};
use crate::writeup::{Published, PublishedScan};
use crate::xor::{
    ArmSummary, EpochFigure, InitRule, LossStats, Study, initial_scores, writeup_accuracy_buckets,
};

/// One statistic of the initial-loss distribution beside the write-up's.
#[derive(Debug, Clone, Serialize)]
pub struct LossFigure {
    /// Which statistic.
    pub statistic: String,
    /// The write-up's value (from 100 draws).
    pub paper: f64,
    /// Ours over the whole pilot.
    pub ours: f64,
    /// Ours from one independent 100-draw scan, as the write-up did it.
    pub ours_scan_100: f64,
    /// 2.5–97.5 % range of this statistic over 100-draw samples of our distribution.
    pub range_100: (f64, f64),
    /// Whether the write-up's value lies in that range.
    pub verdict: Verdict,
}

/// One initial-accuracy bucket beside the write-up's.
#[derive(Debug, Clone, Serialize)]
pub struct AccuracyFigure {
    /// The bucket.
    pub bucket: String,
    /// The write-up's share (of 100 draws).
    pub paper: f64,
    /// Our share.
    pub ours: f64,
    /// Wilson 95 % interval of the write-up's share.
    pub paper_ci95: (f64, f64),
    /// Whether ours lies in it.
    pub verdict: Verdict,
}

/// The initial-loss part of a study's report.
#[derive(Debug, Clone, Serialize)]
pub struct InitialLoss {
    /// Statistics over the pilot (the JSON's `initial_loss`: draws, mean, median, p25, p1, min).
    #[serde(flatten)]
    pub stats: LossStats,
    /// 75th percentile.
    pub p75: f64,
    /// One 100-draw scan, as the write-up made.
    pub scan_100: LossStats,
    /// The write-up's figures beside ours.
    pub figures: Vec<LossFigure>,
    /// Initial accuracy buckets beside the write-up's.
    pub accuracy: Vec<AccuracyFigure>,
    /// The pilot's losses (for thresholds and the histogram; not serialized).
    #[serde(skip)]
    pub losses: Vec<f64>,
}

/// Scores the pilot and the 100-draw scan and compares them with the write-up's scan.
pub fn initial_loss(study: &Study, pilot: usize, paper: &PublishedScan) -> Result<InitialLoss> {
    let scorer = study.scorer()?;
    let scores = initial_scores(scorer.as_ref(), &study.stream("initial-loss")?, pilot)?;
    let losses: Vec<f64> = scores.iter().map(|s| f64::from(s.loss)).collect();
    let scan: Vec<f64> = initial_scores(scorer.as_ref(), &study.stream("scan-100")?, 100)?
        .iter()
        .map(|s| f64::from(s.loss))
        .collect();
    let stats = LossStats::of(&losses);
    let scan_100 = LossStats::of(&scan);
    type Stat = fn(&[f64]) -> f64;
    let min: Stat = |v| v.iter().copied().fold(f64::INFINITY, f64::min);
    let max: Stat = |v| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let median: Stat = |v| percentile(v, 50.0);
    let p25: Stat = |v| percentile(v, 25.0);
    let rows: [(&str, f64, f64, f64, Stat); 5] = [
        ("mean", paper.mean, stats.mean, scan_100.mean, mean),
        (
            "median",
            paper.median,
            stats.median,
            scan_100.median,
            median,
        ),
        ("p25", paper.p25, stats.p25, scan_100.p25, p25),
        ("min", paper.min, stats.min, scan_100.min, min),
        ("max", paper.max, stats.max, scan_100.max, max),
    ];
    let figures = rows
        .iter()
        .map(|&(name, p, ours, ours_scan, f)| {
            let (verdict, range_100) =
                stat_verdict(p, 100, &losses, f, derive_seed(study.seed, name))
                    .expect("non-empty pilot");
            LossFigure {
                statistic: name.into(),
                paper: p,
                ours,
                ours_scan_100: ours_scan,
                range_100,
                verdict,
            }
        })
        .collect();
    let ours = writeup_accuracy_buckets(&scores);
    let accuracy = ["100 %", "75 %", "50 %", "≤ 25 %"]
        .iter()
        .zip(paper.accuracy_pct.iter().zip(ours))
        .map(|(name, (&k, o))| {
            let (verdict, ci) = rate_verdict(k, 100, o);
            AccuracyFigure {
                bucket: (*name).into(),
                paper: k as f64 / 100.0,
                ours: o,
                paper_ci95: ci,
                verdict,
            }
        })
        .collect();
    let p75 = percentile(&losses, 75.0);
    Ok(InitialLoss {
        stats,
        p75,
        scan_100,
        figures,
        accuracy,
        losses,
    })
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or("–".into(), |v| format!("{v:.digits$}"))
}

fn ci(v: Option<(f64, f64)>) -> String {
    v.map_or("–".into(), |(a, b)| format!("{a:.0}–{b:.0}"))
}

/// The initial-loss tables.
pub fn initial_loss_md(il: &InitialLoss, pilot: usize) -> String {
    let rows: Vec<Vec<String>> = il
        .figures
        .iter()
        .map(|f| {
            vec![
                f.statistic.clone(),
                format!("{:.3}", f.paper),
                format!("{:.4}", f.ours),
                format!("{:.3}", f.ours_scan_100),
                format!("{:.3}–{:.3}", f.range_100.0, f.range_100.1),
                f.verdict.as_str().into(),
            ]
        })
        .collect();
    let mut s = md_table(
        &[
            "statistic",
            "write-up (100 draws)",
            &format!("ours ({pilot} draws)"),
            "ours (one 100-draw scan)",
            "95 % range of a 100-draw value",
            "verdict",
        ],
        &rows,
    );
    s.push_str(&format!(
        "\nOurs also: p1 = {:.4}, p75 = {:.4}.\n\n",
        il.stats.p1, il.p75
    ));
    let rows: Vec<Vec<String>> = il
        .accuracy
        .iter()
        .map(|a| {
            vec![
                a.bucket.clone(),
                pct(a.paper),
                pct(a.ours),
                pct_ci(a.paper_ci95),
                a.verdict.as_str().into(),
            ]
        })
        .collect();
    s.push_str("Initial accuracy:\n\n");
    s.push_str(&md_table(
        &[
            "initial accuracy",
            "write-up",
            "ours",
            "write-up's 95 % interval",
            "verdict",
        ],
        &rows,
    ));
    s
}

/// The arms table: the write-up's figures beside ours.
pub fn arms_md(summaries: &[ArmSummary], epoch_figure: EpochFigure) -> String {
    let rows: Vec<Vec<String>> = summaries
        .iter()
        .map(|a| {
            let paper_epochs = a
                .paper
                .and_then(|p| epoch_figure.published(&p))
                .map(|e| e as f64);
            let ours_epochs = a.epochs_all.map(|s| epoch_figure.of(&s));
            vec![
                a.name.clone(),
                opt(a.threshold, 4),
                a.runs.to_string(),
                a.paper.map_or("–".into(), |p| pct(p.success_rate())),
                pct(a.success_rate),
                pct_ci(a.success_ci95),
                opt(paper_epochs, 0),
                opt(ours_epochs, 0),
                a.verdict.clone(),
                format!("{:.1}", a.draws_per_accept),
            ]
        })
        .collect();
    let epochs = epoch_figure.label();
    md_table(
        &[
            "arm",
            "threshold",
            "runs",
            "success (write-up)",
            "success (ours)",
            "95 % interval",
            &format!("{epochs} (write-up)"),
            &format!("{epochs} (ours, all runs)"),
            "verdict",
            "draws per init",
        ],
        &rows,
    )
}

/// Epoch percentiles per arm, over all runs and over successes, with bootstrap intervals of
/// the medians; stop reasons; mirror and dead-data rates.
pub fn details_md(summaries: &[ArmSummary]) -> String {
    let spread = |s: Option<crate::stats::Spread>| {
        s.map_or("–".into(), |s| {
            format!(
                "{:.0} / {:.0} / {:.0} / {:.0} / {:.0}",
                s.p10, s.p25, s.median, s.p75, s.max
            )
        })
    };
    let rows: Vec<Vec<String>> = summaries
        .iter()
        .map(|a| {
            vec![
                a.name.clone(),
                spread(a.epochs_all),
                ci(a.epochs_all_median_ci95),
                spread(a.epochs_success),
                ci(a.epochs_success_median_ci95),
                format!(
                    "{} / {} / {} / {}",
                    a.stop_reasons.converged,
                    a.stop_reasons.plateau,
                    a.stop_reasons.max_epochs,
                    a.stop_reasons.diverged
                ),
            ]
        })
        .collect();
    let mut s = md_table(
        &[
            "arm",
            "epochs, all runs (p10/p25/median/p75/max)",
            "median 95 % CI",
            "epochs, successes",
            "median 95 % CI",
            "stops: converged / plateau / max / diverged",
        ],
        &rows,
    );
    s.push('\n');
    let rows: Vec<Vec<String>> = summaries
        .iter()
        .map(|a| {
            let p = |v: Option<f64>| v.map_or("–".into(), pct);
            vec![
                a.name.clone(),
                format!("{:.4}", a.mean_initial_loss),
                p(a.mirror_rate_all),
                p(a.mirror_rate_success),
                p(a.perfect_mirror_rate_success),
                p(a.dead_point_init_rate),
                p(a.dead_class1_init_rate),
                format!("{:.2} s / {:.2} s", a.sampling_seconds, a.training_seconds),
            ]
        })
        .collect();
    s.push_str(&md_table(
        &[
            "arm",
            "mean initial loss",
            "mirror pairs, all runs",
            "mirror pairs, successes",
            "perfect mirrors, successes",
            "init with a dead point",
            "init with a dead class-1 point",
            "sampling / training time",
        ],
        &rows,
    ));
    s
}

/// relu1/relu2's success rate against the loss threshold (the arms that accept below one),
/// ours and the write-up's, each with its 95 % interval, and both controls as lines.
pub fn success_vs_threshold_svg(
    title: &str,
    summaries: &[ArmSummary],
    paper_control: f64,
    x_range: (f64, f64),
) -> Result<String> {
    let below = |s: &&ArmSummary| s.rule.is_below();
    let ours: Vec<Interval> = summaries
        .iter()
        .filter(below)
        .filter_map(|s| {
            s.threshold.map(|x| Interval {
                x,
                y: s.success_rate,
                lo: s.success_ci95.0,
                hi: s.success_ci95.1,
            })
        })
        .collect();
    let theirs: Vec<Interval> = summaries
        .iter()
        .filter(below)
        .filter_map(|s| {
            let p = s.paper?;
            let (lo, hi) = wilson(p.successes, Published::RUNS, Z95);
            Some(Interval {
                x: s.threshold?,
                y: p.success_rate(),
                lo,
                hi,
            })
        })
        .collect();
    let control = summaries
        .iter()
        .find(|s| s.rule == InitRule::Control)
        .map_or(f64::NAN, |s| s.success_rate);
    plot::rates_vs_threshold(
        title,
        &[("ours".into(), ours), ("write-up (n = 50)".into(), theirs)],
        &[
            ("ours, control".into(), control),
            ("write-up, control".into(), paper_control),
        ],
        x_range,
    )
}
