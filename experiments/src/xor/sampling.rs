//! The driver of the write-up's loss-sampling re-checks on an XOR preset: a [`SamplingStudy`]
//! descriptor (the write-up's study it re-checks, the init plan, the arms, what its JSON says
//! about the setting, the figures' titles and ranges) and one [`SamplingStudy::run`]: pilot of
//! initial losses, thresholds as true percentiles, every arm sampled and trained, summaries,
//! and the replay of the write-up's own runs. The report's JSON, figures and shared sections
//! come from here; a binary adds the sections only it has.

use anyhow::Result;
use initsift_init::InitPlan;
use initsift_init::select::Side;
use serde::Serialize;
use serde_json::{Value, json};

use super::Study;
use super::arm::{Arm, ArmRuns, InitRule, run_arms};
use super::csv::runs_csv;
use super::summary::{ArmSummary, EpochFigure};
use crate::cli::{Common, Sampling};
use crate::driver::{Report, Session};
use crate::plot;
use crate::stats::percentile;
use crate::writeup::{self, PublishedStudy, Replay, StudyId};
use crate::xor_report::{
    InitialLoss, arms_md, details_md, initial_loss, initial_loss_md, success_vs_threshold_svg,
};

/// A threshold measured on the pilot as a true percentile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PilotLevel {
    /// The median.
    P50,
    /// The 25th percentile.
    P25,
    /// The 1/101 quantile: "the 0th percentile of 100 draws" is the minimum of 100, which by
    /// exchangeability sits near it.
    P0_99,
}

impl PilotLevel {
    /// The percentile (0–100).
    pub fn q(self) -> f64 {
        match self {
            Self::P50 => 50.0,
            Self::P25 => 25.0,
            Self::P0_99 => 100.0 / 101.0,
        }
    }

    /// Decimals a report shows it with.
    fn digits(self) -> usize {
        match self {
            Self::P50 | Self::P25 => 3,
            Self::P0_99 => 4,
        }
    }
}

/// A loss level: one the write-up printed, or a true percentile of our pilot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Level {
    /// The write-up's value.
    Written(f64),
    /// Measured on the pilot.
    Pilot(PilotLevel),
}

/// The pilot's true-percentile thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    /// Median.
    pub p50: f64,
    /// 25th percentile.
    pub p25: f64,
    /// The 1/101 quantile.
    #[serde(rename = "p0.99")]
    pub p0_99: f64,
}

impl Thresholds {
    /// The value of `level`.
    pub fn at(&self, level: Level) -> f64 {
        match level {
            Level::Written(v) => v,
            Level::Pilot(PilotLevel::P50) => self.p50,
            Level::Pilot(PilotLevel::P25) => self.p25,
            Level::Pilot(PilotLevel::P0_99) => self.p0_99,
        }
    }

    /// `level` with a note, as a figure labels it: `0.468 (write-up p50)`, `0.4692 (true p0.99)`.
    pub fn label(&self, level: Level, note: &str) -> String {
        match level {
            Level::Written(v) => format!("{v} ({note})"),
            Level::Pilot(p) => format!("{:.d$} ({note})", self.at(level), d = p.digits()),
        }
    }
}

/// How an arm of a re-check chooses inits, before the pilot fixes its thresholds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RulePlan {
    /// [`InitRule::Control`].
    Control,
    /// Accept below the level.
    Below(Level),
    /// Accept above the level.
    Above(Level),
    /// Best of `k` per run.
    BestOf(u64),
    /// [`InitRule::Class1Alive`].
    Class1Alive,
}

/// One arm of a re-check: its name (in the JSON, `--arms` and its stream's label) and rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ArmPlan {
    /// The arm's name.
    pub name: &'static str,
    /// How it chooses inits.
    pub rule: RulePlan,
}

impl ArmPlan {
    /// The arm, its thresholds fixed and the write-up's figures attached by name.
    pub fn arm(&self, thresholds: &Thresholds, published: &PublishedStudy) -> Arm {
        let threshold = |side, level| InitRule::Threshold {
            side,
            value: thresholds.at(level),
        };
        Arm {
            name: self.name.into(),
            rule: match self.rule {
                RulePlan::Control => InitRule::Control,
                RulePlan::Below(l) => threshold(Side::Below, l),
                RulePlan::Above(l) => threshold(Side::Above, l),
                RulePlan::BestOf(k) => InitRule::BestOf { k },
                RulePlan::Class1Alive => InitRule::Class1Alive,
            },
            published: published.arm(self.name),
        }
    }
}

/// What the report's JSON says about the setting beside the recipe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// The model.
    pub model: &'static str,
    /// The loss and how it is averaged.
    pub loss: &'static str,
    /// The data.
    pub data: &'static str,
    /// What counts as success.
    pub success: &'static str,
}

/// The initial-loss histogram: title, x range and the levels marked on it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Histogram {
    /// The title.
    pub title: &'static str,
    /// The x range.
    pub x_range: (f64, f64),
    /// Vertical lines at these levels, with notes.
    pub lines: &'static [(Level, &'static str)],
}

/// A re-check of one of the write-up's loss-sampling studies.
#[derive(Debug, Clone)]
pub struct SamplingStudy {
    /// The write-up's study (its recipe, printed figures and own runs).
    pub id: StudyId,
    /// The init plan.
    pub plan: InitPlan,
    /// What the JSON says about the setting.
    pub setting: Setting,
    /// Every arm, in report order.
    pub arms: &'static [ArmPlan],
    /// The epoch statistic the write-up prints.
    pub epoch_figure: EpochFigure,
    /// The initial-loss histogram (x label: initial MSE, 100 bins).
    pub histogram: Histogram,
    /// The threshold axis of the success-rate-vs-threshold figure.
    pub rates_x_range: (f64, f64),
}

/// A re-check's results.
#[derive(Debug, Clone)]
pub struct SamplingRun {
    /// The training settings.
    pub study: Study,
    /// Draws of the pilot.
    pub pilot: usize,
    /// The initial-loss distribution beside the write-up's scan.
    pub initial_loss: InitialLoss,
    /// The pilot's thresholds.
    pub thresholds: Thresholds,
    /// Each arm's runs.
    pub arms: Vec<ArmRuns>,
    /// Each arm's summary.
    pub summaries: Vec<ArmSummary>,
    /// The write-up's own runs, replayed.
    pub replay: Replay,
}

impl SamplingStudy {
    /// The write-up's printed figures for this study.
    pub fn published(&self) -> &'static PublishedStudy {
        self.id
            .published()
            .expect("a loss-sampling study of the write-up has printed figures")
    }

    /// Checks the sampling options against this study's arms, then the common ones, before any
    /// work.
    pub fn start(&self, common: &Common, sampling: &Sampling) -> Result<Session> {
        let names: Vec<&str> = self.arms.iter().map(|a| a.name).collect();
        sampling.validate(&names)?;
        Session::start(self.id.name(), common)
    }

    /// Scores the pilot, fixes the thresholds, runs the arms `sampling` asks for and replays the
    /// write-up's runs.
    pub fn run(&self, session: &Session, sampling: &Sampling) -> Result<SamplingRun> {
        let study = Study::new(writeup::recipe(self.id), self.plan.clone(), session);
        let published = self.published();
        let il = initial_loss(&study, sampling.pilot, &published.scan)?;
        let q = |p: PilotLevel| percentile(&il.losses, p.q());
        let thresholds = Thresholds {
            p50: q(PilotLevel::P50),
            p25: q(PilotLevel::P25),
            p0_99: q(PilotLevel::P0_99),
        };
        let arms: Vec<Arm> = self
            .arms
            .iter()
            .filter(|a| sampling.wants(a.name))
            .map(|a| a.arm(&thresholds, published))
            .collect();
        let (arms, summaries) = run_arms(&study, &arms)?.into_iter().unzip();
        Ok(SamplingRun {
            replay: writeup::replay(self.id, study.isa)?,
            study,
            pilot: sampling.pilot,
            initial_loss: il,
            thresholds,
            arms,
            summaries,
        })
    }

    /// The report's JSON: experiment, seed, config, initial_loss, arms, writeup_replay,
    /// seconds, and `extra` (a binary's own sections).
    pub fn json(&self, session: &Session, run: &SamplingRun, extra: Vec<(&str, Value)>) -> Value {
        let config = run.study.config;
        let mut doc = json!({
            "experiment": self.id.name(),
            "seed": run.study.seed,
            "config": {
                "model": self.setting.model,
                "init": run.study.plan.to_string(),
                "optimizer": config.optimizer,
                "loss": self.setting.loss,
                "stop": config.stop,
                "data": self.setting.data,
                "success": self.setting.success,
                "runs_per_arm": run.study.runs,
                "pilot_draws": run.pilot,
                "isa": run.study.isa.name(),
                "true_percentile_thresholds": run.thresholds,
            },
            "initial_loss": run.initial_loss,
            "arms": run.summaries,
            "writeup_replay": run.replay,
            "seconds": session.seconds(),
        });
        for (key, value) in extra {
            doc[key] = value;
        }
        doc
    }

    /// The sections every re-check has after its configuration: the replay of the write-up's
    /// runs (with `claims`, the binary's checks of the write-up's statements) and the
    /// initial-loss distribution.
    pub fn replay_and_pilot_md(&self, run: &SamplingRun, claims: &str) -> String {
        format!(
            "## The write-up's own runs, replayed\n\n{}{claims}\n## Initial-loss distribution\n\n{}",
            writeup::replay_md(self.id, &run.replay),
            initial_loss_md(&run.initial_loss, run.pilot),
        )
    }

    /// The arms section: `## Arms`, how to read the verdicts (`prose`), and the table.
    pub fn arms_md(&self, run: &SamplingRun, prose: &str) -> String {
        format!(
            "## Arms\n\n{prose}\n\n{}",
            arms_md(&run.summaries, self.epoch_figure)
        )
    }

    /// The details section under `heading`: epochs, stops, mirror pairs and dead data.
    pub fn details_md(&self, run: &SamplingRun, heading: &str) -> String {
        format!("\n## {heading}\n\n{}", details_md(&run.summaries))
    }

    /// The figures section.
    pub fn figures_md(&self) -> String {
        let name = self.id.name();
        format!(
            "## Figures\n\n![initial loss]({name}_initial_loss.svg)\n\n\
             ![success vs threshold]({name}_success_vs_threshold.svg)\n\n![epochs]({name}_epochs.svg)\n"
        )
    }

    /// The three figures: initial-loss histogram, success vs threshold, epochs per arm.
    pub fn figures(&self, run: &SamplingRun) -> Result<Vec<(String, String)>> {
        let lines: Vec<(f64, String)> = self
            .histogram
            .lines
            .iter()
            .map(|&(level, note)| (run.thresholds.at(level), run.thresholds.label(level, note)))
            .collect();
        let hist = plot::histogram(
            self.histogram.title,
            "initial MSE",
            &run.initial_loss.losses,
            self.histogram.x_range,
            100,
            &lines,
        )?;
        let epochs: Vec<(String, _)> = run
            .summaries
            .iter()
            .filter_map(|s| s.epochs_all.map(|e| (s.name.clone(), e)))
            .collect();
        let preset = run.study.preset().name();
        let max_epochs = run.study.config.stop.max_epochs as f64;
        let title = format!("{preset}: epochs completed per arm (all runs)");
        let epochs = plot::epochs_per_arm(&title, &epochs, max_epochs)?;
        let published_control = self
            .published()
            .arm("control")
            .map_or(f64::NAN, |p| p.success_rate());
        let rates = success_vs_threshold_svg(
            &format!("{preset}: success rate vs initial-loss threshold"),
            &run.summaries,
            published_control,
            self.rates_x_range,
        )?;
        Ok(vec![
            ("initial_loss".into(), hist),
            ("epochs".into(), epochs),
            ("success_vs_threshold".into(), rates),
        ])
    }

    /// The report: the JSON with `extra`, the binary's Markdown, the runs CSV and the figures.
    pub fn report(
        &self,
        session: &Session,
        run: &SamplingRun,
        md: String,
        extra: Vec<(&str, Value)>,
    ) -> Result<Report> {
        Ok(Report {
            json: self.json(session, run, extra),
            md,
            csv: runs_csv(&run.arms),
            figures: self.figures(run)?,
        })
    }
}
