//! `initsift compare` (does selection help on my data?) and `initsift advise` (is it worth
//! its cost?): paired runs, random vs selected, under one recipe.

use std::time::Instant;

use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;

use super::args::{AdviseArgs, CompareArgs, RecipeArgs, Task};
use super::files::Staging;
use super::parse::{self, SelectSpec};
use super::problem::{self, Problem};
use super::progress;
use super::selection::{self, ScoreTable};
use super::stats::MeanCi;
use super::train::{RunResult, train_once};
use crate::init::Stream;

/// One pair: the random and the selected init of one stream, trained alike.
#[derive(Debug, Clone, Serialize)]
pub struct Pair {
    /// The stream seed.
    pub seed: u64,
    /// The selected candidate's index (the random one is index 0).
    pub selected_index: u64,
    /// The random run.
    pub random: RunResult,
    /// The selected run.
    pub selected: RunResult,
}

/// Runs `runs` pairs: stream `seed + r` gives the random init (candidate 0) and the best of
/// `samples` (which includes candidate 0); both train with shuffle seed `seed + r`.
fn pairs(
    problem: &Problem,
    init: &str,
    samples: u64,
    runs: usize,
    seed: u64,
    recipe: &RecipeArgs,
    quiet: bool,
) -> Result<Vec<Pair>> {
    let plan = parse::parse_init(init, &problem.spec, problem.act)?;
    let (x, y) = (&problem.train.0, &problem.train.1);
    let scorer = selection::live_scorer(&problem.spec, problem.loss, x.view(), y.view())?;
    let bar = progress::bar(runs as u64 * (samples + 2), "runs", quiet);
    let mut chosen = Vec::with_capacity(runs);
    for r in 0..runs as u64 {
        let stream = Stream::new(&problem.spec, &plan, seed.wrapping_add(r))?;
        let table = ScoreTable::score(scorer.as_ref(), &stream, (0, samples), |_| {})?;
        let pick = selection::choose(SelectSpec::Best, &table, &stream, None)?;
        let index = pick.picks.first().map_or(0, |p| p.index);
        chosen.push((stream, index));
        bar.inc(samples);
    }
    let out = chosen
        .par_iter()
        .enumerate()
        .map(|(r, (stream, index))| {
            let shuffle = seed.wrapping_add(r as u64);
            let random = train_once(problem, &stream.candidate(0), recipe, shuffle)?;
            bar.inc(1);
            let selected = train_once(problem, &stream.candidate(*index), recipe, shuffle)?;
            bar.inc(1);
            Ok(Pair {
                seed: stream.seed(),
                selected_index: *index,
                random,
                selected,
            })
        })
        .collect::<Result<Vec<_>>>();
    bar.finish_and_clear();
    out
}

/// The head start per epoch: random minus selected training loss, paired.
fn head_start(pairs: &[Pair], epochs: usize) -> Vec<MeanCi> {
    (0..epochs)
        .map(|e| {
            let d: Vec<f64> = pairs
                .iter()
                .filter_map(|p| Some(p.random.curve.get(e)? - p.selected.curve.get(e)?))
                .collect();
            MeanCi::of(&d)
        })
        .collect()
}

/// The paired gain in the test metric (positive: selection better).
fn test_gain(problem: &Problem, pairs: &[Pair]) -> Vec<f64> {
    pairs
        .iter()
        .map(|p| match problem.preprocessing.task {
            Task::Classify => p.selected.test_metric() - p.random.test_metric(),
            Task::Regress => p.random.test_metric() - p.selected.test_metric(),
        })
        .collect()
}

/// The one-line verdict from the paired gain's interval.
pub fn verdict(gain: &MeanCi) -> &'static str {
    if gain.lo > 0.0 {
        "selection helped"
    } else if gain.hi < 0.0 {
        "selection hurt"
    } else {
        "selection made no detectable difference"
    }
}

#[derive(Serialize)]
struct CompareReport<'a> {
    command: &'static str,
    runs: usize,
    samples: u64,
    metric: &'static str,
    head_start_per_epoch: Vec<MeanCi>,
    random_test: MeanCi,
    selected_test: MeanCi,
    gain: MeanCi,
    verdict: &'static str,
    pairs: &'a [Pair],
    seconds: f64,
}

/// `initsift compare`.
pub fn run(args: &CompareArgs, quiet: bool) -> Result<()> {
    let start = Instant::now();
    let problem = problem::prepare(&args.data)?;
    let pairs = pairs(
        &problem,
        &args.init,
        args.samples,
        args.runs,
        args.data.seed,
        &args.recipe,
        quiet,
    )?;
    let head = head_start(&pairs, args.recipe.epochs);
    let metric = match problem.preprocessing.task {
        Task::Classify => "test accuracy",
        Task::Regress => "test loss",
    };
    let random_test = MeanCi::of(
        &pairs
            .iter()
            .map(|p| p.random.test_metric())
            .collect::<Vec<_>>(),
    );
    let selected_test = MeanCi::of(
        &pairs
            .iter()
            .map(|p| p.selected.test_metric())
            .collect::<Vec<_>>(),
    );
    let gain = MeanCi::of(&test_gain(&problem, &pairs));
    let verdict = verdict(&gain);
    println!(
        "{} paired runs, best of {} vs candidate 0, {} epochs; training-loss head start \
         (random − selected, mean [95 % CI]):",
        args.runs, args.samples, args.recipe.epochs
    );
    for (e, h) in head.iter().enumerate() {
        println!("  epoch {:>4}: {}", e + 1, h.show(5));
    }
    println!(
        "{metric}: random {}, selected {}",
        random_test.show(4),
        selected_test.show(4)
    );
    println!("paired gain {}: {verdict}", gain.show(4));
    if let Some(dir) = &args.out {
        let report = CompareReport {
            command: "compare",
            runs: args.runs,
            samples: args.samples,
            metric,
            head_start_per_epoch: head,
            random_test,
            selected_test,
            gain,
            verdict,
            pairs: &pairs,
            seconds: start.elapsed().as_secs_f64(),
        };
        let mut out = Staging::new(dir)?;
        out.write_json("compare.json", &report)?;
        out.commit()?;
    }
    Ok(())
}

/// Epochs the selected run saves: how much earlier it reaches the random run's final loss
/// (negative when the random run reaches the selected run's final loss earlier).
pub fn epochs_saved(random: &[f64], selected: &[f64]) -> f64 {
    let reach = |curve: &[f64], target: f64| {
        curve
            .iter()
            .position(|&l| l <= target)
            .map_or(curve.len(), |e| e + 1)
    };
    let (Some(&r_end), Some(&s_end)) = (random.last(), selected.last()) else {
        return 0.0;
    };
    let e = random.len() as f64;
    if s_end <= r_end {
        e - reach(selected, r_end) as f64
    } else {
        -(e - reach(random, s_end) as f64)
    }
}

/// `initsift advise`.
pub fn advise(args: &AdviseArgs, quiet: bool) -> Result<()> {
    let problem = problem::prepare(&args.data)?;
    let (x, y) = (&problem.train.0, &problem.train.1);
    let plan = parse::parse_init(&args.init, &problem.spec, problem.act)?;
    let scorer = selection::live_scorer(&problem.spec, problem.loss, x.view(), y.view())?;
    let stream = Stream::new(&problem.spec, &plan, args.data.seed)?;
    let probe = 256;
    let bar = progress::spinner("timing a forward pass and an epoch", quiet);
    let t0 = Instant::now();
    ScoreTable::score(scorer.as_ref(), &stream, (0, probe), |_| {})?;
    let forward = t0.elapsed().as_secs_f64() / probe as f64;
    let probe_recipe = RecipeArgs {
        epochs: args.recipe.epochs.min(3),
        ..args.recipe.clone()
    };
    let t1 = Instant::now();
    train_once(
        &problem,
        &stream.candidate(0),
        &probe_recipe,
        args.data.seed,
    )?;
    let epoch = t1.elapsed().as_secs_f64() / probe_recipe.epochs as f64;
    bar.finish_and_clear();
    let pairs = pairs(
        &problem,
        &args.init,
        args.pilot_samples,
        args.pilot_runs,
        args.data.seed,
        &args.recipe,
        quiet,
    )?;
    let saved = MeanCi::of(
        &pairs
            .iter()
            .map(|p| epochs_saved(&p.random.curve, &p.selected.curve))
            .collect::<Vec<_>>(),
    );
    let cost = args.pilot_samples as f64 * forward;
    println!(
        "forward pass: {:.3} ms per candidate on {} rows",
        1e3 * forward,
        x.nrows()
    );
    println!(
        "training: {:.3} s per epoch ({} rows, batch {})",
        epoch,
        x.nrows(),
        args.recipe.batch
    );
    println!(
        "pilot: {} pairs, best of {} vs random, {} epochs: epochs saved {}",
        args.pilot_runs,
        args.pilot_samples,
        args.recipe.epochs,
        saved.show(2)
    );
    println!(
        "sampling {} candidates costs {:.3} s; the pilot's lower bound saves {:.3} s",
        args.pilot_samples,
        cost,
        saved.lo.max(0.0) * epoch
    );
    if saved.lo <= 0.0 {
        println!(
            "advice: not worth it — the pilot detected no head start (the interval includes 0 or less)"
        );
    } else if saved.lo * epoch <= cost {
        println!("advice: not worth it — the head start saves less time than sampling costs");
    } else {
        let break_even = (saved.lo * epoch / forward).floor();
        println!(
            "advice: use --samples {} (sampling pays for itself up to about {} candidates at this head start)",
            args.pilot_samples, break_even
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_saved_counts_how_much_earlier_a_loss_is_reached() {
        let random = [1.0, 0.8, 0.6, 0.5, 0.4];
        // Selected reaches 0.4 (random's final loss) at epoch 3: 2 epochs saved.
        assert_eq!(epochs_saved(&random, &[0.7, 0.5, 0.4, 0.3, 0.2]), 2.0);
        // Selected ends worse (0.6), which random reached at epoch 3: −2.
        assert_eq!(epochs_saved(&random, &[1.2, 1.0, 0.9, 0.7, 0.6]), -2.0);
        assert_eq!(epochs_saved(&random, &random), 0.0);
    }

    #[test]
    fn verdict_follows_the_interval() {
        let ci = |lo, hi| MeanCi {
            mean: (lo + hi) / 2.0,
            lo,
            hi,
        };
        assert_eq!(verdict(&ci(0.01, 0.02)), "selection helped");
        assert_eq!(verdict(&ci(-0.02, -0.01)), "selection hurt");
        assert_eq!(
            verdict(&ci(-0.01, 0.02)),
            "selection made no detectable difference"
        );
    }
}
