//! basin_map's report: per slice the outcome shares, where low initial loss still fails, and how
//! fragmented the basins are, with the write-up's claim beside ours.

use serde::Serialize;
use serde_json::json;

use crate::basin::{BasinMap, Outcome};
use crate::driver::{Report, Session};
use crate::report::{md_table, pct};

/// Below one of the write-up's thresholds.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct LowLoss {
    /// The threshold.
    pub threshold: f64,
    /// Share of the slice with initial loss below it.
    pub share_below: f64,
    /// Share of those points that fail.
    pub failing_share: Option<f64>,
}

/// One slice's figures.
#[derive(Debug, Clone, Serialize)]
pub struct SliceReport {
    /// The preset.
    pub preset: String,
    /// `random` (orthonormal directions around a drawn init) or `pair` (the plane through a
    /// failing and a succeeding init).
    pub kind: String,
    /// Points per side.
    pub resolution: usize,
    /// Half the side, in parameter units.
    pub half_width: f64,
    /// The optimizer, as trained.
    pub optimizer: String,
    /// The stop rules, as trained.
    pub stop: String,
    /// Share of the slice per outcome.
    pub outcome_shares: serde_json::Value,
    /// Per threshold.
    pub low_loss: Vec<LowLoss>,
    /// Boundary length per unit area (staircase length).
    pub boundary_density: f64,
    /// Outcomes at the marked inits (the origin; or the failing and the succeeding init).
    pub marked: Vec<Outcome>,
    /// Seconds to train the slice.
    pub seconds: f64,
}

impl SliceReport {
    /// The figures of a trained slice.
    pub fn of(
        map: &BasinMap,
        kind: &str,
        thresholds: &[f64],
        marked: Vec<Outcome>,
        seconds: f64,
    ) -> Self {
        let shares = map.outcome_shares();
        let outcome_shares = serde_json::Value::Object(
            Outcome::ALL
                .iter()
                .zip(shares)
                .map(|(o, s)| (o.name().to_string(), json!(s)))
                .collect(),
        );
        Self {
            preset: map.config.preset.to_string(),
            kind: kind.to_string(),
            resolution: map.slice.resolution,
            half_width: map.slice.half_width,
            optimizer: map.config.optimizer.to_string(),
            stop: map.config.stop.to_string(),
            outcome_shares,
            low_loss: thresholds
                .iter()
                .map(|&t| {
                    let (share_below, failing_share) = map.low_loss_failing(t);
                    LowLoss {
                        threshold: t,
                        share_below,
                        failing_share,
                    }
                })
                .collect(),
            boundary_density: map.boundary_density(),
            marked,
            seconds,
        }
    }
}

/// basin_map's report: JSON, Markdown with the RQ5 verdict, a row per slice; `images` are the
/// PNG files the binary writes beside it (names without the study prefix).
pub fn basin_map_report(
    session: &Session,
    slices: &[SliceReport],
    images: &[String],
    extra_args: &str,
) -> Report {
    let failing: Vec<f64> = slices
        .iter()
        .flat_map(|s| s.low_loss.iter().filter_map(|l| l.failing_share))
        .collect();
    let any_fail = failing.iter().any(|&f| f > 0.0);
    let verdict = if any_fail {
        "low initial loss deceives here: parts of the slices below the write-up's thresholds still fail"
    } else {
        "on these slices every point below the write-up's thresholds succeeded"
    };
    let resolution = slices.first().map_or(0, |s| s.resolution);
    let json = json!({
        "experiment": session.name(),
        "seed": session.seed(),
        "resolution": resolution,
        "seconds": session.seconds(),
        "slices": slices,
        "verdict_rq5": verdict,
    });
    let mut recipes: Vec<String> = slices
        .iter()
        .map(|s| format!("{}: {}, MSE; {}", s.preset, s.optimizer, s.stop))
        .collect();
    recipes.dedup();
    let recipes = recipes.join("; ");
    let mut md = format!(
        "# Basin maps: how the initial condition decides the outcome\n\n{}\
         After Kolen & Pollack (1990), \"Back propagation is sensitive \
         to initial conditions\": each slice is `origin + a·u + b·v` on a {resolution} × \
         {resolution} grid, every point trained in lockstep with the write-up's recipe ({recipes}); \
         inits from the write-up's scheme (normal_0.5). `random`: two random orthonormal \
         directions around a drawn init (marked at the centre), half width ‖init‖. `pair`: the \
         plane through a failing and a succeeding init (marked at a quarter and three quarters \
         of the width), half width their distance.\n\n\
         Colours: outcome maps green = success, orange = stuck at 75 %, red = 50 %, purple = \
         ≤ 25 %, black = diverged; epoch maps dark blue (fast) to yellow (slow) on a log scale \
         where the run succeeded, greys where it failed. Contours: the write-up's initial-loss \
         thresholds (white, cyan, magenta in the order listed). Black crosses: the marked inits.\n\n\
         **The proposal's premise (§1.2): lower initial loss → closer to the solution → fewer \
         epochs. RQ5 verdict from these slices: {verdict}.**\n\n",
        session.generated_md(extra_args, true),
    );
    let rows: Vec<Vec<String>> = slices
        .iter()
        .map(|s| {
            let shares = |k: &str| {
                s.outcome_shares
                    .get(k)
                    .and_then(|v| v.as_f64())
                    .map_or("–".into(), pct)
            };
            vec![
                s.preset.clone(),
                s.kind.clone(),
                format!("{:.3}", s.half_width),
                shares("success"),
                shares("stuck at 75 %"),
                shares("stuck at 50 %"),
                shares("stuck at ≤ 25 %"),
                format!("{:.1}", s.boundary_density),
                s.marked
                    .iter()
                    .map(|o| o.name())
                    .collect::<Vec<_>>()
                    .join(", "),
                format!("{:.1}", s.seconds),
            ]
        })
        .collect();
    md.push_str(&md_table(
        &[
            "preset",
            "slice",
            "half width",
            "success",
            "75 %",
            "50 %",
            "≤ 25 %",
            "boundary per unit area",
            "marked inits",
            "seconds",
        ],
        &rows,
    ));
    md.push_str("\nWhere low initial loss still fails (share of the slice below each threshold, and the share of those points that fail):\n\n");
    let rows: Vec<Vec<String>> = slices
        .iter()
        .flat_map(|s| {
            s.low_loss.iter().map(move |l| {
                vec![
                    s.preset.clone(),
                    s.kind.clone(),
                    format!("{}", l.threshold),
                    pct(l.share_below),
                    l.failing_share.map_or("– (no point below)".into(), pct),
                ]
            })
        })
        .collect();
    md.push_str(&md_table(
        &[
            "preset",
            "slice",
            "threshold",
            "slice below it",
            "of those, failing",
        ],
        &rows,
    ));
    md.push_str("\n## Images\n\n");
    for f in images {
        md.push_str(&format!("![{f}]({}_{f})\n", session.name()));
    }
    let mut csv =
        String::from("preset,slice,threshold,share_below,failing_share,boundary_density\n");
    for s in slices {
        for l in &s.low_loss {
            csv.push_str(&format!(
                "{},{},{},{},{},{}\n",
                s.preset,
                s.kind,
                l.threshold,
                l.share_below,
                l.failing_share.map_or(String::new(), |f| f.to_string()),
                s.boundary_density
            ));
        }
    }
    Report {
        json,
        md,
        csv,
        figures: Vec::new(),
    }
}
