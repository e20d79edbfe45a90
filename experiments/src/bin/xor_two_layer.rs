//! xor_two_layer: the write-up's relu2 loss-sampling study (20 % → 38 %), re-checked at 10⁴ runs
//! per arm, and the loss plateaus where failed runs end.
//!
//! `cargo run --release -p experiments --bin xor_two_layer -- --runs 10000 --seed 2025`

use std::collections::BTreeMap;

use anyhow::Result;
use clap::Parser;
use experiments::cli::{Common, Sampling};
use experiments::report::{md_table, pct};
use experiments::writeup::{Replay, ReplayArm, StudyId};
use experiments::xor::sampling::{
    ArmPlan, Histogram, Level, PilotLevel, RulePlan, SamplingStudy, Setting,
};
use experiments::xor::{ArmRuns, EpochFigure};
use initsift_batch::Preset;
use initsift_data::xor::LABELS;
use initsift_init::InitPlan;
use initsift_nn::StopReason;
use serde::Serialize;
use serde_json::json;

/// Re-check the relu2 loss-sampling claim and explain where failed runs end.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    #[command(flatten)]
    common: Common,
    #[command(flatten)]
    sampling: Sampling,
}

const fn arm(name: &'static str, rule: RulePlan) -> ArmPlan {
    ArmPlan { name, rule }
}

use Level::{Pilot, Written};
use RulePlan::{Below, BestOf};

/// Every arm, in report order (`--arms` picks among these).
const ARMS: &[ArmPlan] = &[
    arm("control", RulePlan::Control),
    arm("below_0.326", Below(Written(0.326))),
    arm("below_p50", Below(Pilot(PilotLevel::P50))),
    arm("below_p25", Below(Pilot(PilotLevel::P25))),
    arm("below_p0.99", Below(Pilot(PilotLevel::P0_99))),
    arm("best_of_10", BestOf(10)),
    arm("best_of_100", BestOf(100)),
    arm("best_of_1000", BestOf(1000)),
];

fn study() -> SamplingStudy {
    SamplingStudy {
        id: StudyId::XorTwoLayer,
        plan: InitPlan::relu2(),
        setting: Setting {
            model: "relu2: Linear(2,2) -> ReLU -> Linear(2,2) (12 parameters)",
            loss: "mse (mean over 4x2 outputs)",
            data: "XOR, inputs ±1, one-hot targets",
            success: "final accuracy 4/4 (argmax)",
        },
        arms: ARMS,
        epoch_figure: EpochFigure::P10,
        histogram: Histogram {
            title: "relu2 initial loss: W1 kaiming normal, W2 xavier normal, zero biases",
            x_range: (0.0, 4.0),
            lines: &[
                (Written(0.326), "write-up min of 100"),
                (Pilot(PilotLevel::P0_99), "true p0.99"),
                (Written(0.25), "zero-bias floor"),
            ],
        },
        rates_x_range: (0.0, 1.2),
    }
}

fn main() -> Result<()> {
    let args = Args::parse();
    let study = study();
    let session = study.start(&args.common, &args.sampling)?;
    let run = study.run(&session, &args.sampling)?;
    let config = run.study.config;
    let plateaus: Vec<(&str, Vec<Plateau>)> = run
        .arms
        .iter()
        .map(|r| Ok((r.arm.name.as_str(), plateaus(r)?)))
        .collect::<Result<_>>()?;
    let md = format!(
        "# xor_two_layer: relu2 loss-based sampling, re-checked\n\n{}\
         ## Configuration\n\n\
         relu2 (Linear(2,2) → ReLU → Linear(2,2), 12 parameters; the write-up says 10) on centred XOR with one-hot \
         targets; init {}; {}; MSE over the 8 outputs; {}; **no plateau stop**, so failed runs run all {} epochs. \
         Success = argmax correct on all four points. {} runs per arm, each arm from its own stream.\n\n{}\
         \nWith zero biases, x and −x get complementary hidden codes, so 100 % initial accuracy is impossible, as \
         the write-up saw.\n\n{}{}{}{}",
        session.generated_md(&format!(" --pilot {}", run.pilot), false),
        run.study.plan,
        config.optimizer,
        config.stop,
        config.stop.max_epochs,
        run.study.runs,
        study.replay_and_pilot_md(&run, &replay_claims_md(&run.replay)),
        study.arms_md(
            &run,
            &format!(
                "The write-up reports the 10th percentile of epochs over all runs (failures sit at {}). Verdict: \
                 our success rate in the Wilson 95 % interval of its k/50, and its p10 in the 95 % range of a 50-run \
                 p10 under our distribution.",
                config.stop.max_epochs
            )
        ),
        study.details_md(&run, "Epochs and stops"),
        plateaus_md(&plateaus),
        study.figures_md(),
    );
    let extra = json!(
        plateaus
            .iter()
            .map(|(n, p)| json!({"arm": n, "levels": p}))
            .collect::<Vec<_>>()
    );
    session.write(&study.report(&session, &run, md, vec![("plateaus", extra)])?)
}

/// How a point's two outputs sit at the end of a failed run.
fn point_state(out: [f32; 2], class: usize) -> &'static str {
    let target = if class == 0 { [1.0, 0.0] } else { [0.0, 1.0] };
    let near = |a: [f32; 2], b: [f32; 2]| (a[0] - b[0]).abs() < 0.05 && (a[1] - b[1]).abs() < 0.05;
    if near(out, target) {
        "fit"
    } else if near(out, [0.5, 0.5]) {
        "[0.5,0.5]"
    } else {
        "other"
    }
}

/// A loss level where failed runs end, and what their outputs look like there.
#[derive(Debug, Clone, Serialize)]
struct Plateau {
    /// The final loss, rounded to 3 decimals.
    loss: f64,
    /// Failed runs that end there.
    runs: usize,
    /// Per-point output patterns (e.g. "2 fit, 2 [0.5,0.5]") and how many runs show each.
    patterns: BTreeMap<String, usize>,
    /// The final accuracies seen there.
    accuracies: BTreeMap<String, usize>,
}

fn plateaus(arm: &ArmRuns) -> Result<Vec<Plateau>> {
    let p = Preset::Relu2.param_len();
    let mut levels: BTreeMap<i64, Plateau> = BTreeMap::new();
    let failed = arm
        .report
        .outcomes
        .iter()
        .enumerate()
        .filter(|(_, o)| !o.success);
    for (r, o) in failed {
        let key = (o.final_loss * 1000.0).round() as i64;
        let level = levels.entry(key).or_insert_with(|| Plateau {
            loss: key as f64 / 1000.0,
            runs: 0,
            patterns: BTreeMap::new(),
            accuracies: BTreeMap::new(),
        });
        level.runs += 1;
        let outs = Preset::Relu2.outputs(&arm.report.final_params[r * p..(r + 1) * p])?;
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for (out, &class) in outs.chunks_exact(2).zip(&LABELS) {
            *counts
                .entry(point_state([out[0], out[1]], class))
                .or_default() += 1;
        }
        let pattern = counts
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect::<Vec<_>>()
            .join(", ");
        *level.patterns.entry(pattern).or_default() += 1;
        *level.accuracies.entry(pct(o.final_accuracy)).or_default() += 1;
    }
    let mut v: Vec<Plateau> = levels.into_values().collect();
    v.sort_by_key(|p| std::cmp::Reverse(p.runs));
    Ok(v)
}

/// Where failed runs end, for the control and the write-up's threshold arm.
fn plateaus_md(plateaus: &[(&str, Vec<Plateau>)]) -> String {
    let mut md = String::from(
        "\n## Where failed runs end\n\nThe write-up says most failures sit at loss ≈ 0.125, \"outputting [0.5, 0.5] for all inputs\". \
         Outputs of [0.5, 0.5] on every point give an MSE of 0.25, not 0.125. Below, each failed run's final loss (rounded to 3 \
         decimals) and the state of its four points (\"fit\": both outputs within 0.05 of the one-hot target; \"[0.5,0.5]\": both \
         within 0.05 of 0.5).\n\n",
    );
    let counts = |m: &BTreeMap<String, usize>| {
        m.iter()
            .map(|(k, v)| format!("{k} ×{v}"))
            .collect::<Vec<_>>()
            .join("; ")
    };
    for (name, levels) in plateaus
        .iter()
        .filter(|(n, _)| *n == "control" || *n == "below_0.326")
    {
        md.push_str(&format!("**{name}**\n\n"));
        let rows: Vec<Vec<String>> = levels
            .iter()
            .take(6)
            .map(|l| {
                let (pats, accs) = (counts(&l.patterns), counts(&l.accuracies));
                vec![format!("{:.3}", l.loss), l.runs.to_string(), pats, accs]
            })
            .collect();
        let headers = [
            "final loss",
            "failed runs",
            "point states",
            "final accuracy",
        ];
        md.push_str(&md_table(&headers, &rows));
        md.push('\n');
    }
    md
}

/// The write-up's statements about these runs, checked on them.
fn replay_claims_md(replay: &Replay) -> String {
    let arm = |name: &str| replay.arms.iter().find(|a| a.name == name);
    let (Some(control), Some(best)) = (arm("control"), arm("below_0.326")) else {
        return String::new();
    };
    let max_epochs_at_75 = control
        .outcomes
        .iter()
        .filter(|o| o.stop == StopReason::MaxEpochs && o.final_accuracy == 0.75)
        .count();
    // "≈ 0.125": within 0.005 (the next plateau the reports find sits near 0.167).
    let near_0125 = |a: &ReplayArm| {
        a.outcomes
            .iter()
            .filter(|o| (o.final_loss - 0.125).abs() < 0.005)
            .count()
    };
    let no_perfect_init = replay
        .scan
        .map_or("–".into(), |s| format!("{:.0} %", s.accuracy_pct[0]));
    format!(
        "The write-up's statements about these runs, checked on them:\n\n\
         - \"No random initializations achieved 100% accuracy before training\" — of the 100 scanned inits, {no_perfect_init} do.\n\
         - \"Most runs hit 600 epoch limit at 75% accuracy\" — control: {max_epochs_at_75} of {} runs.\n\
         - \"The majority of runs still converge to a local minimum at loss ≈ 0.125\" — runs ending within 0.005 of 0.125: \
         below_0.326 {} of {}, control {} of {}.\n",
        control.runs,
        near_0125(best),
        best.runs,
        near_0125(control),
        control.runs,
    )
}
