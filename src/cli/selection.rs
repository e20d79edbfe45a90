//! The command line's one contact with the library's scorers and selection strategies.
//!
//! A search scores its slice of the candidate stream once into a [`ScoreTable`]; the library's
//! own [`select`] then runs on a [`ReplayScorer`] that answers from the table. So a sharded
//! search merges exactly (the tables of all shards are the table of the unsharded search), the
//! initial-loss distribution comes for free, and the pick is the library's pick (a test holds
//! it to `select` on the live scorer).

use anyhow::{Result, bail};
use ndarray::ArrayView2;

use super::parse::SelectSpec;
use crate::batch::score::scorer_for;
use crate::init::Stream;
use crate::nn::{Loss, ModelSpec};
use crate::select::{
    Adaptive, BestOfN, Origin, Percentile, PercentilePick, Score, ScoreError, Scorer, Selection,
    Side, Strategy, Threshold, select,
};

/// The fastest scorer for `spec` on `(x, y)` under `loss` (the library picks the path).
pub fn live_scorer(
    spec: &ModelSpec,
    loss: Loss,
    x: ArrayView2<'_, f32>,
    y: ArrayView2<'_, f32>,
) -> Result<Box<dyn Scorer + Send>> {
    Ok(scorer_for(spec, loss, x, y)?)
}

/// The number of stream candidates a selection spec covers (`best_of:K` overrides
/// `--samples`).
pub fn pool_size(spec: SelectSpec, samples: u64) -> u64 {
    match spec {
        SelectSpec::BestOf(k) => k,
        _ => samples,
    }
}

/// The library strategy of a selection spec over a pool of `pool` candidates.
pub fn strategy(spec: SelectSpec, pool: u64) -> Strategy {
    let below = |threshold| Adaptive {
        side: Side::Below,
        threshold,
        count: 1,
        budget: pool,
    };
    match spec {
        SelectSpec::Best | SelectSpec::BestOf(_) => BestOfN { n: pool, count: 1 }.into(),
        SelectSpec::Percentile(p) => Percentile {
            n: pool,
            percentile: p,
            pick: PercentilePick::Uniform,
            count: 1,
        }
        .into(),
        SelectSpec::Threshold(x) => below(Threshold::Given { value: x }).into(),
        SelectSpec::AdaptivePilot(k) => below(Threshold::BestOfPilot { pilot: k }).into(),
    }
}

/// Whether the strategy scores candidates outside the main stream (a pilot), which a replay
/// of the main stream's table cannot answer without the data.
pub fn needs_live_scorer(spec: SelectSpec) -> bool {
    matches!(spec, SelectSpec::AdaptivePilot(_))
}

/// Scores of candidates `first..first + len` of one stream.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreTable {
    /// The stream's seed.
    pub seed: u64,
    /// The first candidate's index.
    pub first: u64,
    /// Initial losses, by index.
    pub loss: Vec<f32>,
    /// Initial accuracies, by index.
    pub accuracy: Vec<f32>,
}

impl ScoreTable {
    /// Scores candidates `[first, end)` of `stream`, `chunk` at a time, calling `progress` with
    /// the count done after each chunk.
    pub fn score(
        scorer: &dyn Scorer,
        stream: &Stream,
        (first, end): (u64, u64),
        mut progress: impl FnMut(u64),
    ) -> Result<Self> {
        const CHUNK: u64 = 4096;
        let mut table = ScoreTable {
            seed: stream.seed(),
            first,
            loss: Vec::with_capacity((end - first) as usize),
            accuracy: Vec::with_capacity((end - first) as usize),
        };
        let mut buf = Vec::new();
        let mut at = first;
        while at < end {
            let len = CHUNK.min(end - at) as usize;
            buf.resize(len, Score::NAN);
            scorer.score_stream(stream, at, false, &mut buf)?;
            table.loss.extend(buf.iter().map(|s| s.loss));
            table.accuracy.extend(buf.iter().map(|s| s.accuracy));
            at += len as u64;
            progress(at - first);
        }
        Ok(table)
    }

    /// Concatenates tables of consecutive slices of one stream (shards in order).
    pub fn concat(parts: Vec<ScoreTable>) -> Result<Self> {
        let mut parts = parts.into_iter();
        let Some(mut whole) = parts.next() else {
            bail!("no score tables to merge");
        };
        for part in parts {
            let end = whole.first + whole.loss.len() as u64;
            if part.seed != whole.seed || part.first != end {
                bail!(
                    "score tables do not join: candidates {}.. of seed {} after {}..{end} of seed {}",
                    part.first,
                    part.seed,
                    whole.first,
                    whole.seed
                );
            }
            whole.loss.extend(part.loss);
            whole.accuracy.extend(part.accuracy);
        }
        Ok(whole)
    }
}

/// A scorer that answers the main stream from a [`ScoreTable`] and anything else (a pilot
/// stream) from a live scorer, if it has one.
pub struct ReplayScorer<'a> {
    table: &'a ScoreTable,
    param_len: usize,
    live: Option<&'a dyn Scorer>,
}

/// The error of a replay asked for what it did not record.
fn not_recorded(reason: String) -> ScoreError {
    ScoreError::UnsupportedModel {
        model: "(replay of recorded scores)".into(),
        reason,
    }
}

impl<'a> ReplayScorer<'a> {
    /// A replay of `table` for candidates of `param_len` parameters.
    pub fn new(table: &'a ScoreTable, param_len: usize, live: Option<&'a dyn Scorer>) -> Self {
        Self {
            table,
            param_len,
            live,
        }
    }
}

impl Scorer for ReplayScorer<'_> {
    fn param_len(&self) -> usize {
        self.param_len
    }

    fn model_name(&self) -> &str {
        "(replay of recorded scores)"
    }

    fn score_params(
        &self,
        params: &[f32],
        want_grad: bool,
        out: &mut [Score],
    ) -> Result<(), ScoreError> {
        match self.live {
            Some(live) => live.score_params(params, want_grad, out),
            None => Err(not_recorded(
                "a replay of recorded scores cannot score new parameters".into(),
            )),
        }
    }

    fn score_stream(
        &self,
        stream: &Stream,
        first: u64,
        want_grad: bool,
        out: &mut [Score],
    ) -> Result<(), ScoreError> {
        let t = self.table;
        if stream.seed() != t.seed {
            return match self.live {
                Some(live) => live.score_stream(stream, first, want_grad, out),
                None => Err(not_recorded(format!(
                    "stream {} was not recorded (only {})",
                    stream.seed(),
                    t.seed
                ))),
            };
        }
        let end = t.first + t.loss.len() as u64;
        let last = first.saturating_add(out.len() as u64);
        if want_grad || first < t.first || last > end {
            return Err(not_recorded(format!(
                "candidates {first}..{last} asked, {}..{end} recorded (without gradients)",
                t.first
            )));
        }
        let at = (first - t.first) as usize;
        for (k, s) in out.iter_mut().enumerate() {
            *s = Score {
                loss: t.loss[at + k],
                grad_norm: f32::NAN,
                accuracy: t.accuracy[at + k],
            };
        }
        Ok(())
    }
}

/// A pick as the command line records it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PickRecord {
    /// The stream seed.
    pub seed: u64,
    /// The candidate's index.
    pub index: u64,
    /// Its initial loss on the scored rows.
    pub loss: f32,
    /// Its initial accuracy there (null for regression).
    pub accuracy: Option<f32>,
}

/// What a selection found, in the command line's terms.
#[derive(Debug, Clone, PartialEq)]
pub struct Chosen {
    /// The picks (one, or none when a threshold was never met).
    pub picks: Vec<PickRecord>,
    /// The library's selection record, serialized.
    pub selection: serde_json::Value,
}

/// Runs the library's selection for `spec` on the table (a full pool from index 0).
pub fn choose(
    spec: SelectSpec,
    table: &ScoreTable,
    stream: &Stream,
    live: Option<&dyn Scorer>,
) -> Result<Chosen> {
    let pool = table.loss.len() as u64;
    if table.first != 0 || table.seed != stream.seed() {
        bail!("the scores must cover the stream from candidate 0");
    }
    let replay = ReplayScorer::new(table, stream.param_len(), live);
    let sel: Selection = select(&strategy(spec, pool), &replay, stream)?;
    let picks = sel
        .picks
        .iter()
        .map(|p| match &p.origin {
            Origin::Stream { candidate } => Ok(PickRecord {
                seed: candidate.seed,
                index: candidate.index,
                loss: p.score.loss,
                accuracy: Some(p.score.accuracy),
            }),
            other => bail!("selection returned a non-stream pick {other:?}"),
        })
        .collect::<Result<_>>()?;
    Ok(Chosen {
        picks,
        selection: serde_json::to_value(&sel)?,
    })
}

/// The parameters of a pick.
pub fn pick_params(stream: &Stream, pick: &PickRecord) -> Vec<f32> {
    stream.candidate(pick.index)
}

/// The library's selection on the live scorer, for tests that hold [`choose`] to it.
pub fn select_live(
    spec: SelectSpec,
    pool: u64,
    scorer: &dyn Scorer,
    stream: &Stream,
) -> Result<Vec<(u64, f32)>> {
    let sel = select(&strategy(spec, pool), scorer, stream)?;
    Ok(sel
        .picks
        .iter()
        .filter_map(|p| match &p.origin {
            Origin::Stream { candidate } => Some((candidate.index, p.score.loss)),
            _ => None,
        })
        .collect())
}
