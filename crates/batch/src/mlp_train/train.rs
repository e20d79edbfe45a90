//! The batched MLP trainer: validation, batches of runs spread over rayon, outcomes.

use initsift_data::Dataset;
use initsift_init::Stream;
use initsift_init::select::{Score, ScoreError, Scorer};
use initsift_nn::{Loss, ModelSpec, StopReason};
use ndarray::ArrayView2;
use rayon::prelude::*;

use super::batch::{Batch, RunRecord};
use super::config::{MinibatchOrder, MlpTrainConfig};
use super::data::{Gathered, Prepared, prepare, prepare_arrays};
use super::error::{MlpTrainError, MlpTrainResult};
use super::kernel::{Net, TILE_ROWS};
use super::outcome::{HeldOut, MlpRunOutcome, MlpTrainReport};
use crate::Isa;
use crate::mlp::MlpScorer;

/// Target size, in floats, of a batch's first-layer values on one tile; sets the runs per
/// batch (16 for digits 64-32-10: a batch's parameters and Adam moments then stay
/// in L2; 4 to 32 runs measured within 3 % of each other).
const STACKED_FLOATS: usize = 1 << 15;
/// Most runs per batch.
const MAX_BATCH: usize = 64;

/// Trains many runs of one MLP on one data set at once, with the engine Trainer's semantics
/// run by run (see the module docs).
#[derive(Debug, Clone)]
pub struct MlpTrainer {
    spec: ModelSpec,
    pub(super) net: Net,
    pub(super) config: MlpTrainConfig,
    pub(super) train: Prepared,
    /// Every training row in data order (full-batch epochs).
    pub(super) all_rows: Gathered,
    test: Option<Prepared>,
    train_scorer: MlpScorer,
    pub(super) test_scorer: Option<MlpScorer>,
    /// Minibatch rows, `None` for full batch.
    pub(super) batch_size: Option<usize>,
    pub(super) isa: Isa,
}

impl MlpTrainer {
    /// A trainer of `spec` on `train` under `config`, with held-out metrics on `test` when given
    /// (standardise both beforehand, with the training split's scaler). Class targets become
    /// one-hot rows for a multi-output model and the class index (0/1) for a one-output model;
    /// real targets need MSE and one output.
    pub fn new(
        spec: &ModelSpec,
        train: &Dataset,
        test: Option<&Dataset>,
        config: MlpTrainConfig,
    ) -> MlpTrainResult<Self> {
        let train = prepare(spec, config.loss, train, "training")?;
        let test = test
            .map(|t| prepare(spec, config.loss, t, "test"))
            .transpose()?;
        Self::from_prepared(spec, train, test, config)
    }

    /// A trainer on inputs and target matrices given as arrays, `(x, y)` with rows × features
    /// and rows × outputs, named `name` in errors: for targets a `Dataset` cannot hold, such
    /// as an autoencoder's (its inputs). Under MSE the held-out R² is 1 − MSE / Var(y), the
    /// variance over all outputs with one grand mean.
    pub fn from_arrays(
        spec: &ModelSpec,
        name: &str,
        train: (ArrayView2<'_, f32>, ArrayView2<'_, f32>),
        test: Option<(ArrayView2<'_, f32>, ArrayView2<'_, f32>)>,
        config: MlpTrainConfig,
    ) -> MlpTrainResult<Self> {
        let train = prepare_arrays(spec, config.loss, name, train.0, train.1, "training")?;
        let test = test
            .map(|(x, y)| prepare_arrays(spec, config.loss, name, x, y, "test"))
            .transpose()?;
        Self::from_prepared(spec, train, test, config)
    }

    fn from_prepared(
        spec: &ModelSpec,
        train: Prepared,
        test: Option<Prepared>,
        config: MlpTrainConfig,
    ) -> MlpTrainResult<Self> {
        config.optimizer.validate()?;
        let net = Net::new(spec).ok_or_else(|| MlpTrainError::UnsupportedModel {
            model: spec.name().to_string(),
            reason: "the batched trainer needs a Linear first layer".into(),
        })?;
        if test.is_none() && config.targets.held_out_at_least.is_some() {
            return Err(MlpTrainError::NoTestSplit {
                what: "the held-out target (targets.held_out_at_least)",
            });
        }
        let n = train.x.nrows();
        let batch_size = match config.batch_size {
            None => None,
            Some(b) if b == 0 || b > n => {
                return Err(MlpTrainError::BatchSize {
                    batch_size: b,
                    rows: n,
                    data: train.name.clone(),
                });
            }
            Some(b) if b == n => None,
            Some(b) => Some(b),
        };
        if let (Some(_), MinibatchOrder::Given(orders)) = (batch_size, &config.order) {
            check_given(orders, n, config.stop.max_epochs)?;
        }
        let scorer = |p: &Prepared| MlpScorer::new(spec, config.loss, p.x.view(), p.y.view());
        let train_scorer = scorer(&train)?;
        let test_scorer = test.as_ref().map(scorer).transpose()?;
        let all: Vec<usize> = (0..n).collect();
        Ok(Self {
            spec: spec.clone(),
            net,
            all_rows: Gathered::new(&train, config.loss, &all),
            config,
            train,
            test,
            train_scorer,
            test_scorer,
            batch_size,
            isa: Isa::select(None)?,
        })
    }

    /// The same trainer with its elementwise loops (loss, optimizer) on a forced ISA (`None`:
    /// the best, or `INITSIFT_ISA`). Results are the same bits on every ISA.
    pub fn with_isa(mut self, isa: Option<Isa>) -> MlpTrainResult<Self> {
        self.isa = Isa::select(isa)?;
        self.train_scorer = self.train_scorer.with_isa(Some(self.isa))?;
        if let Some(s) = self.test_scorer.take() {
            self.test_scorer = Some(s.with_isa(Some(self.isa))?);
        }
        Ok(self)
    }

    /// The ISA of the elementwise loops.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// The model.
    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    /// The configuration.
    pub fn config(&self) -> &MlpTrainConfig {
        &self.config
    }

    /// Runs per batch (per rayon task); results do not depend on it.
    pub fn runs_per_batch(&self) -> usize {
        let rows = self
            .batch_size
            .unwrap_or(self.train.x.nrows())
            .min(TILE_ROWS);
        (STACKED_FLOATS / (rows * self.net.hidden)).clamp(1, MAX_BATCH)
    }

    /// The sgemm FLOPs of one run-epoch: forward `2·n·Σ in·out` over the Linear layers, and
    /// backward twice that but for the first layer's input gradient, which is never formed.
    pub fn epoch_flops(&self) -> f64 {
        let forward = self.train_scorer.forward_flops();
        let first = 2.0 * (self.train.x.nrows() * self.net.first_len()) as f64;
        3.0 * forward - first
    }

    /// Trains `runs` runs from `init`, run-major (`runs × param_len` values in the model's
    /// flat layout).
    pub fn train(&self, runs: usize, init: &[f32]) -> MlpTrainResult<MlpTrainReport> {
        let per_run = self.spec.param_len();
        if runs > 0 && init.len() != runs.saturating_mul(per_run) {
            return Err(MlpTrainError::InitLength {
                model: self.spec.name().to_string(),
                runs,
                per_run,
                expected: runs.saturating_mul(per_run),
                actual: init.len(),
            });
        }
        self.train_with(runs, |r, out| {
            out.copy_from_slice(&init[r * per_run..(r + 1) * per_run])
        })
    }

    /// Trains candidates `first, first + 1, …, first + runs − 1` of `stream`.
    pub fn train_stream(
        &self,
        stream: &Stream,
        first: u64,
        runs: usize,
    ) -> MlpTrainResult<MlpTrainReport> {
        let per_run = self.spec.param_len();
        if stream.param_len() != per_run {
            return Err(MlpTrainError::InitLength {
                model: self.spec.name().to_string(),
                runs,
                per_run,
                expected: runs.saturating_mul(per_run),
                actual: runs.saturating_mul(stream.param_len()),
            });
        }
        ScoreError::check_range(first, runs)?;
        self.train_with(runs, |r, out| {
            stream
                .fill(first + r as u64, out)
                .expect("the stream's parameter length was checked")
        })
    }

    /// Trains `runs` runs whose initial parameters `init(run, out)` writes into `out` (length
    /// `param_len`), e.g. from a candidate stream. `init` is called once per run, from any
    /// thread.
    pub fn train_with<F>(&self, runs: usize, init: F) -> MlpTrainResult<MlpTrainReport>
    where
        F: Fn(usize, &mut [f32]) + Sync,
    {
        if runs == 0 {
            return Err(MlpTrainError::NoRuns);
        }
        let p = self.spec.param_len();
        let mut initial = vec![0.0f32; runs * p];
        initial
            .par_chunks_mut(p)
            .enumerate()
            .for_each(|(r, out)| init(r, out));
        let mut final_params = vec![0.0f32; runs * p];
        let mut records = vec![RunRecord::default(); runs];
        let b = self.runs_per_batch();
        records
            .par_chunks_mut(b)
            .zip(final_params.par_chunks_mut(b * p))
            .zip(initial.par_chunks(b * p))
            .enumerate()
            .for_each(|(index, ((records, finals), init))| {
                Batch::new(self, index * b, init).train(records, finals);
            });
        let train_at = |params: &[f32]| -> MlpTrainResult<Vec<Score>> {
            let mut scores = vec![Score::NAN; runs];
            self.train_scorer.score_params(params, false, &mut scores)?;
            Ok(scores)
        };
        let (start, end) = (train_at(&initial)?, train_at(&final_params)?);
        let held_out = match &self.test_scorer {
            Some(scorer) => {
                let mut scores = vec![Score::NAN; runs];
                scorer.score_params(&final_params, false, &mut scores)?;
                scores.iter().map(|s| Some(self.held_out(s))).collect()
            }
            None => vec![None; runs],
        };
        let outcomes = records
            .into_iter()
            .zip(start.iter().zip(&end))
            .zip(held_out)
            .map(|((rec, (s, e)), held_out)| MlpRunOutcome {
                epochs: rec.epochs,
                stop: rec.stop.unwrap_or(StopReason::MaxEpochs),
                initial_loss: f64::from(s.loss),
                initial_accuracy: f64::from(s.accuracy),
                final_loss: f64::from(e.loss),
                final_accuracy: f64::from(e.accuracy),
                held_out,
                epochs_to_target: rec.to_target,
                curves: rec.curves,
            })
            .collect();
        Ok(MlpTrainReport {
            outcomes,
            final_params,
        })
    }

    /// The held-out metrics from a test-split score.
    pub(super) fn held_out(&self, s: &Score) -> HeldOut {
        let test = self.test.as_ref().expect("a test scorer has test data");
        match test.total_squares {
            Some(total) if self.config.loss == Loss::Mse => {
                let mse = f64::from(s.loss);
                let n = test.y.nrows() as f64;
                HeldOut::Regression {
                    mse,
                    r2: 1.0 - mse * n / total,
                }
            }
            _ => HeldOut::Classification {
                loss: f64::from(s.loss),
                accuracy: f64::from(s.accuracy),
            },
        }
    }
}

/// Given orders: at least `epochs` permutations of `0..rows`.
fn check_given(orders: &[Vec<usize>], rows: usize, epochs: usize) -> MlpTrainResult<()> {
    if orders.len() < epochs {
        return Err(MlpTrainError::GivenOrder(format!(
            "{} orders for max_epochs = {epochs}",
            orders.len()
        )));
    }
    for (e, order) in orders.iter().enumerate() {
        let mut seen = vec![false; rows];
        let ok = order.len() == rows
            && order
                .iter()
                .all(|&i| i < rows && !std::mem::replace(&mut seen[i], true));
        if !ok {
            return Err(MlpTrainError::GivenOrder(format!(
                "epoch {e}'s order is not a permutation of the {rows} training rows"
            )));
        }
    }
    Ok(())
}
