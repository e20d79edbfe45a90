//! The study's plain-words summary: every number in it comes from the results (the README's
//! real-data paragraph quotes it).

use super::arm::Pick;
use super::metrics::{MeanCi, Sign, ToTarget, held_out_values};
use super::report::{flagged, fmt_ci, main_arms, main_head_start, persistence};
use super::study::ConfigResult;

/// The summary section: head starts, held-out differences, time to the test target, base
/// schemes, subset scoring and RQ5, each a bullet computed from `results`.
pub fn summary_md(results: &[ConfigResult]) -> String {
    let bullets = [
        head_start_bullet(results),
        held_out_bullet(results),
        test_target_bullet(results),
        schemes_bullet(results),
        subsets_bullet(results),
        rq5_bullet(results),
    ];
    let mut md = String::from("\n## Summary in plain words\n\n");
    for b in bullets.into_iter().flatten() {
        md.push_str(&format!("- {b}\n"));
    }
    md
}

/// `id (value)` items joined, or "none".
fn listing(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

fn find<'a>(results: &'a [ConfigResult], id: &str) -> Option<&'a ConfigResult> {
    results.iter().find(|c| c.prepared.plan.id == id)
}

/// Where the main selected arm's head start stands at epoch 1 and at the last epoch.
fn head_start_bullet(results: &[ConfigResult]) -> Option<String> {
    let heads: Vec<(&str, &Vec<MeanCi>)> = results
        .iter()
        .filter_map(|c| Some((c.prepared.plan.id.as_str(), &main_head_start(c)?.1)))
        .collect();
    let (_, anchor) = heads.first()?;
    let ahead = heads
        .iter()
        .filter(|(_, h)| h[0].sign() == Sign::Below)
        .count();
    let by = |what: &str| -> Vec<String> {
        heads
            .iter()
            .filter(|(_, h)| persistence(h) == what)
            .map(|(id, h)| format!("{id} ({:.4})", h.last().map_or(f64::NAN, |m| m.mean)))
            .collect()
    };
    let range = |e: fn(&Vec<MeanCi>) -> f64| {
        let v: Vec<(f64, &str)> = heads.iter().map(|(id, h)| (e(h), *id)).collect();
        let lo = v
            .iter()
            .copied()
            .fold((f64::INFINITY, ""), |a, b| if b.0 < a.0 { b } else { a });
        let hi = v.iter().copied().fold(
            (f64::NEG_INFINITY, ""),
            |a, b| if b.0 > a.0 { b } else { a },
        );
        format!("{:.4} ({}) to {:.4} ({})", lo.0, lo.1, hi.0, hi.1)
    };
    Some(format!(
        "**Head start** (the main selected arm, best of 100 on the full set, minus random): ahead \
         after epoch 1 on {ahead} of {n} configurations (epoch-1 Δ train loss from {first}; \
         {anchor_id} {a1}). At the last epoch it persists on {persist}; it vanishes (interval \
         covers 0) on {vanish}; selection ends behind on {reverse}.",
        n = heads.len(),
        first = range(|h| h[0].mean),
        anchor_id = heads[0].0,
        a1 = fmt_ci(&anchor[0]),
        persist = listing(&by("persists")),
        vanish = listing(&by("vanishes")),
        reverse = listing(&by("reverses")),
    ))
}

/// The main selected arm's held-out difference from random, per configuration.
fn held_out_bullet(results: &[ConfigResult]) -> Option<String> {
    let mut better = Vec::new();
    let mut worse = Vec::new();
    let mut same = 0;
    for c in results {
        let Some(m) = main_arms(c) else {
            continue;
        };
        let d = m.held_out;
        let higher_better = c.prepared.problem.is_classification();
        let item = format!(
            "{} ({} {})",
            c.prepared.plan.id,
            fmt_ci(&d),
            if higher_better { "accuracy" } else { "MSE" }
        );
        match (d.sign(), higher_better) {
            (Sign::Covers, _) => same += 1,
            (Sign::Above, true) | (Sign::Below, false) => better.push(item),
            _ => worse.push(item),
        }
    }
    let anchor = find(results, "digits_anchor").and_then(|c| {
        let m = main_arms(c)?;
        let (s, r) = (
            MeanCi::of(&held_out_values(&m.selected.outcomes)),
            MeanCi::of(&held_out_values(&m.random.outcomes)),
        );
        Some(format!(
            " Anchor test accuracy {:.4} selected vs {:.4} random.",
            s.mean, r.mean
        ))
    });
    Some(format!(
        "**Held-out** (selected − random at the end): selection better on {}; worse on {}; no \
         difference on the other {same}.{}",
        listing(&better),
        listing(&worse),
        anchor.unwrap_or_default()
    ))
}

/// Epochs to the target test metric: where the selected arm's median comes sooner or later.
fn test_target_bullet(results: &[ConfigResult]) -> Option<String> {
    let mut sooner = Vec::new();
    let mut later = Vec::new();
    let mut same = 0;
    let mut anchor = None;
    for c in results {
        let Some(m) = main_arms(c) else {
            continue;
        };
        let t = |o| ToTarget::held_out(o, c.held_out_target, c.held_out_better());
        let (s, r) = (t(&m.selected.outcomes), t(&m.random.outcomes));
        let median = |t: &ToTarget| t.median_epochs.map_or("censored".into(), |e| e.to_string());
        let item = format!("{} ({} vs {})", c.prepared.plan.id, median(&s), median(&r));
        let key = |t: &ToTarget| t.median_epochs.unwrap_or(usize::MAX);
        match key(&s).cmp(&key(&r)) {
            std::cmp::Ordering::Less => sooner.push(item),
            std::cmp::Ordering::Greater => later.push(item),
            std::cmp::Ordering::Equal => same += 1,
        }
        if c.prepared.plan.id == "digits_anchor" {
            anchor = Some(format!(
                " Anchor: target test accuracy {:.4}, reached by {} of {} selected and {} of {} \
                 random runs within the epochs.",
                c.held_out_target, s.reached, s.runs, r.reached, r.runs
            ));
        }
    }
    Some(format!(
        "**Epochs to the target test metric** (the random arm's median final test accuracy, or \
         test MSE; median epochs selected vs random): sooner on {}; later on {}; the same on the \
         other {same}.{}",
        listing(&sooner),
        listing(&later),
        anchor.unwrap_or_default()
    ))
}

/// On digits_base: each base scheme's best-of-100 head start at epoch 1 and at the end.
fn schemes_bullet(results: &[ConfigResult]) -> Option<String> {
    let c = find(results, "digits_base")?;
    let items: Vec<String> = c
        .head_starts
        .iter()
        .filter(|(n, _)| n.ends_with("/best_of_100/full"))
        .map(|(n, h)| {
            format!(
                "{} {:.3} → {:.3}",
                n.split('/').next().unwrap_or(n),
                h[0].mean,
                h.last().map_or(f64::NAN, |m| m.mean)
            )
        })
        .collect();
    Some(format!(
        "**Base schemes** (digits_base, best of 100 − the same scheme's random, Δ train loss \
         epoch 1 → last epoch): {}.",
        items.join("; ")
    ))
}

/// On digits_base: subset-vs-full rank correlation and the subset picks' head starts.
fn subsets_bullet(results: &[ConfigResult]) -> Option<String> {
    let c = find(results, "digits_base")?;
    if c.subset_ranks.is_empty() {
        return None;
    }
    let ranks: Vec<String> = c
        .subset_ranks
        .iter()
        .map(|s| format!("{} rows ρ = {:.3}", s.rows, s.correlation.spearman_rho))
        .collect();
    let picks: Vec<String> = c
        .head_starts
        .iter()
        .zip(c.arms.iter().filter(|a| a.arm.pick != Pick::Random))
        .filter(|(_, a)| a.arm.scheme == c.arms[0].arm.scheme && a.arm.pick == Pick::BestOf(100))
        .map(|((_, h), a)| {
            format!(
                "{} {:.4} → {:.4}",
                a.arm.scored_on,
                h[0].mean,
                h.last().map_or(f64::NAN, |m| m.mean)
            )
        })
        .collect();
    Some(format!(
        "**Subset scoring** (digits_base): subsets rank candidates like the full set ({}); the \
         best-of-100 picks' head start, epoch 1 → last epoch: {}.",
        ranks.join(", "),
        picks.join("; ")
    ))
}

/// RQ5: the flagged deciles and the range of ρ with the final train loss and held-out score.
fn rq5_bullet(results: &[ConfigResult]) -> Option<String> {
    let total: usize = results.iter().map(|c| c.relations.len()).sum();
    if total == 0 {
        return None;
    }
    let flagged: Vec<String> = flagged(results, |r| r.decile_worse)
        .into_iter()
        .map(|(id, outcome)| format!("{id} {outcome}"))
        .collect();
    let rho = |outcome: &str| -> String {
        let v: Vec<(f64, &str, bool)> = results
            .iter()
            .filter_map(|c| {
                let r = c.relations.iter().find(|r| r.outcome == outcome)?;
                let excludes = r
                    .correlation
                    .spearman_ci95
                    .is_some_and(|(lo, hi)| lo > 0.0 || hi < 0.0);
                Some((
                    r.correlation.spearman_rho,
                    c.prepared.plan.id.as_str(),
                    excludes,
                ))
            })
            .collect();
        let lo = v.iter().fold(&v[0], |a, b| if b.0 < a.0 { b } else { a });
        let hi = v.iter().fold(&v[0], |a, b| if b.0 > a.0 { b } else { a });
        let sig = v.iter().filter(|x| x.2).count();
        format!(
            "from {:.3} ({}) to {:.3} ({}), interval excluding 0 on {sig} of {}",
            lo.0,
            lo.1,
            hi.0,
            hi.1,
            v.len()
        )
    };
    Some(format!(
        "**RQ5**: Spearman ρ(initial loss, final train loss) {}; ρ(initial loss, held-out score: \
         accuracy or R²) {}. The lowest-initial-loss decile does worse than the rest in {} of \
         {total} (configuration, outcome) cases: {}. {}",
        rho("final_train_loss"),
        rho("held_out_score"),
        flagged.len(),
        listing(&flagged),
        super::report::multiplicity_md(results)
    ))
}
