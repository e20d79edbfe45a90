//! basin_map: how the initial condition decides the outcome (Kolen & Pollack 1990). For relu1
//! and relu2, two 2-D slices of init space — random orthonormal directions around a drawn
//! init, and the plane through a failing and a succeeding init — every point trained in
//! lockstep under the preset's reference recipe; PNGs coloured by outcome and by epochs, with
//! the write-up's initial-loss thresholds as contours.
//!
//! `cargo run --release -p experiments --bin basin_map -- --resolution 1024 --seed 2025`

use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{CommandFactory, FromArgMatches, Parser};
use experiments::basin::{BasinMap, Mark, Outcome, Slice, render_epochs, render_outcomes};
use experiments::basin_report::{SliceReport, basin_map_report};
use experiments::cli::Common;
use experiments::driver::{JsonLayout, Session};
use experiments::grid::{OptimizerId, SchemeId, parse_preset, stop_rules};
use initsift_batch::Preset;
use initsift_batch::lockstep::{Lockstep, LockstepConfig};
use initsift_init::Stream;
use initsift_nn::Loss;

/// Basin maps of relu1 and relu2 on 2-D slices of init space.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// `--runs`: candidates trained to find the failing and the succeeding init.
    #[command(flatten)]
    common: Common,
    /// Points per side of each slice (1 to 4096).
    #[arg(long, default_value_t = 1024)]
    resolution: usize,
    /// Presets (comma-separated; default relu1, relu2).
    #[arg(long, value_delimiter = ',', default_value = "relu1,relu2")]
    presets: Vec<String>,
}

/// The write-up's initial-loss thresholds (its 50th, 25th and 0th percentiles of 100 draws).
fn thresholds(preset: Preset) -> Vec<f64> {
    match preset {
        Preset::Relu1 => vec![0.468, 0.325, 0.0724],
        Preset::Relu2 => vec![0.908, 0.644, 0.326],
        Preset::Abs1 => Vec::new(),
    }
}

/// The write-up's recipe: relu1 with Adam, relu2 with SGD.
fn recipe(preset: Preset) -> LockstepConfig {
    let o = if preset == Preset::Relu2 {
        OptimizerId::Sgd
    } else {
        OptimizerId::Adam
    };
    LockstepConfig {
        preset,
        optimizer: o.config(o.reference_lr()),
        loss: Loss::Mse,
        stop: stop_rules(preset),
    }
}

fn main() -> Result<()> {
    let matches = Args::command()
        .mut_arg("runs", |a| a.default_value("64"))
        .get_matches();
    let args = Args::from_arg_matches(&matches)?;
    let presets: Vec<Preset> = args
        .presets
        .iter()
        .map(|p| parse_preset(p))
        .collect::<Result<_, _>>()?;
    if presets.contains(&Preset::Abs1) {
        bail!(
            "--presets abs1: basin_map draws the write-up's thresholds, which exist for relu1 and relu2 only"
        );
    }
    // Resolution and directions are checked before any work (Slice::new), so fail here first.
    Slice::new(vec![0.0; 2], &[1.0, 0.0], &[0.0, 1.0], 1.0, args.resolution)?;
    let session = Session::start("basin_map", &args.common)?;
    let isa = session.isa;
    let mut slices = Vec::new();
    let mut images = Vec::new();
    for preset in presets {
        let config = recipe(preset);
        let plan = SchemeId::Normal05.plan(preset);
        let stream = Stream::new(
            &preset.spec(),
            &plan,
            session.derive_seed(&format!("basin/{preset}")),
        )?;
        let scan = Lockstep::new(config, isa)?.train_with(args.common.runs, |r, o| {
            stream.fill(r as u64, o).expect("stream and preset agree")
        })?;
        let first = |want: bool| scan.outcomes.iter().position(|o| o.success == want);
        let (Some(fail), Some(succ)) = (first(false), first(true)) else {
            bail!(
                "{preset}: the first {} draws had no failing or no succeeding run; raise --runs",
                args.common.runs
            );
        };
        let (fail, succ) = (stream.candidate(fail as u64), stream.candidate(succ as u64));
        let origin = stream.candidate(0);
        let half_width = origin
            .iter()
            .map(|x| f64::from(x * x))
            .sum::<f64>()
            .sqrt()
            .max(0.5);
        let random = Slice::random(
            origin,
            session.derive_seed(&format!("basin/{preset}/directions")),
            half_width,
            args.resolution,
        )?;
        let pair = Slice::through(
            &fail,
            &succ,
            session.derive_seed(&format!("basin/{preset}/pair")),
            args.resolution,
        )?;
        let d = pair.half_width;
        for (kind, slice, marks) in [
            ("random", random, vec![Mark { a: 0.0, b: 0.0 }]),
            (
                "pair",
                pair,
                vec![
                    Mark {
                        a: -d / 2.0,
                        b: 0.0,
                    },
                    Mark { a: d / 2.0, b: 0.0 },
                ],
            ),
        ] {
            let t = Instant::now();
            let map = BasinMap::compute(slice, config, isa)
                .with_context(|| format!("{preset} {kind} slice"))?;
            let seconds = t.elapsed().as_secs_f64();
            let th = thresholds(preset);
            images.push((
                format!("{preset}_{kind}_outcome.png"),
                render_outcomes(&map, &th, &marks),
            ));
            images.push((
                format!("{preset}_{kind}_epochs.png"),
                render_epochs(&map, &th, &marks),
            ));
            let marked: Vec<Outcome> = marks
                .iter()
                .map(|m| {
                    map.pixel(map.slice.index_of(m.a), map.slice.index_of(m.b))
                        .outcome
                })
                .collect();
            slices.push(SliceReport::of(&map, kind, &th, marked, seconds));
        }
    }
    let names: Vec<String> = images.iter().map(|(f, _)| f.clone()).collect();
    let extra = format!(
        " --resolution {} --presets {}",
        args.resolution,
        args.presets.join(",")
    );
    let report = basin_map_report(&session, &slices, &names, &extra);
    session.write_with(&report, JsonLayout::Pretty, &images)
}
