//! The tasks: a vendored data set, how it is split and scaled, its targets and loss.

use std::fmt;

use anyhow::{Result, bail};
use initsift_data::{Builtin, Standardizer, Stratify};
use initsift_nn::{Loss, ModelSpec};
use ndarray::{Array2, Axis};

/// The task names `--configs`/descriptors accept.
pub const KNOWN_TASKS: &str =
    "digits, digits_div16, breast_cancer, iris, wine, diabetes, digits_autoencoder";

/// What the network is asked to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Class labels: softmax cross-entropy on one-hot rows (BCE-with-logits for two classes).
    Classes,
    /// A real value: MSE, reported as test MSE and R².
    Regression,
    /// The inputs themselves: reconstruction MSE (an autoencoder; not a generative model).
    Reconstruction,
}

/// How the features are scaled before training.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scaling {
    /// Zero mean, unit variance per feature, fitted on the training split only.
    Standardize,
    /// Every feature divided by this constant, nothing else (digits' pixels are 0–16).
    Divide(f32),
}

/// A task: a data set, a split, a scaling and a target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Task {
    /// Its name in reports.
    pub name: &'static str,
    /// The vendored data set.
    pub data: Builtin,
    /// Rows held out for testing, as a fraction of all rows.
    pub test_fraction: f64,
    /// Feature scaling.
    pub scaling: Scaling,
    /// What is predicted.
    pub target: Target,
}

impl Task {
    /// The task called `name` (see [`KNOWN_TASKS`]).
    pub fn from_name(name: &str) -> Result<Task> {
        let t = |name, data, scaling, target| Task {
            name,
            data,
            test_fraction: 0.25,
            scaling,
            target,
        };
        use Scaling::{Divide, Standardize};
        Ok(match name {
            "digits" => t("digits", Builtin::Digits, Standardize, Target::Classes),
            // The anchor's split: 1400 training and 397 test rows of 1797.
            "digits_div16" => Task {
                test_fraction: 397.0 / 1797.0,
                ..t(
                    "digits_div16",
                    Builtin::Digits,
                    Divide(16.0),
                    Target::Classes,
                )
            },
            "breast_cancer" => t(
                "breast_cancer",
                Builtin::BreastCancer,
                Standardize,
                Target::Classes,
            ),
            "iris" => t("iris", Builtin::Iris, Standardize, Target::Classes),
            "wine" => t("wine", Builtin::Wine, Standardize, Target::Classes),
            "diabetes" => t(
                "diabetes",
                Builtin::Diabetes,
                Standardize,
                Target::Regression,
            ),
            "digits_autoencoder" => t(
                "digits_autoencoder",
                Builtin::Digits,
                Divide(16.0),
                Target::Reconstruction,
            ),
            other => bail!("unknown task `{other}`; known: {KNOWN_TASKS}"),
        })
    }

    /// Loads, splits (seeded; stratified by class where there are classes) and scales the
    /// data, and builds the targets.
    pub fn load(&self, split_seed: u64) -> Result<Problem> {
        let data = self.data.load()?;
        let stratify = if data.n_classes().is_some() {
            Stratify::ByClass
        } else {
            Stratify::No
        };
        let (train, test) = data.train_test_split(self.test_fraction, split_seed, stratify)?;
        let (x_train, x_test) = match self.scaling {
            Scaling::Standardize => {
                let s = Standardizer::fit_dataset(&train)?;
                (
                    s.transform(train.features())?,
                    s.transform(test.features())?,
                )
            }
            Scaling::Divide(d) => (train.features() / d, test.features() / d),
        };
        let (y_train, y_test, loss) = match self.target {
            Target::Classes => match data.n_classes() {
                Some(2) => (
                    train.target_column(),
                    test.target_column(),
                    Loss::BceWithLogits,
                ),
                _ => (train.one_hot()?, test.one_hot()?, Loss::CrossEntropy),
            },
            Target::Regression => {
                // The target is standardized with the training split's mean and std, so the
                // losses are in units of its spread (a model predicting the mean scores 1).
                let (yt, ye) = (train.target_column(), test.target_column());
                let s = Standardizer::fit(&yt)?;
                (s.transform(&yt)?, s.transform(&ye)?, Loss::Mse)
            }
            Target::Reconstruction => (x_train.clone(), x_test.clone(), Loss::Mse),
        };
        Ok(Problem {
            task: *self,
            x_train,
            y_train,
            x_test,
            y_test,
            loss,
            labels_train: train.labels().map(<[usize]>::to_vec),
        })
    }

    /// How the data are prepared, for the report.
    pub fn describe(&self) -> String {
        let scaling = match self.scaling {
            Scaling::Standardize => "features standardized (train-split mean/std)".to_string(),
            Scaling::Divide(d) => format!("features divided by {d}, no other scaling"),
        };
        let target = match self.target {
            Target::Classes => "class labels",
            Target::Regression => "real target, standardized on the train split",
            Target::Reconstruction => {
                "the inputs themselves (reconstruction, not a generative model)"
            }
        };
        format!(
            "{} ({}), seeded split with {:.1} % held out{}; {scaling}; targets: {target}",
            self.name,
            self.data.name(),
            100.0 * self.test_fraction,
            if self.target == Target::Regression {
                ""
            } else {
                ", stratified by class"
            },
        )
    }
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// A task's prepared data.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The task.
    pub task: Task,
    /// Training inputs.
    pub x_train: Array2<f32>,
    /// Training targets (one-hot, 0/1 column, standardized value or the inputs).
    pub y_train: Array2<f32>,
    /// Test inputs.
    pub x_test: Array2<f32>,
    /// Test targets.
    pub y_test: Array2<f32>,
    /// The training loss.
    pub loss: Loss,
    /// Training labels (class tasks), for the collapse check.
    pub labels_train: Option<Vec<usize>>,
}

impl Problem {
    /// Checks that `spec` takes this task's inputs and makes its outputs.
    pub fn check_spec(&self, spec: &ModelSpec) -> Result<()> {
        let (i, o) = (self.x_train.ncols(), self.y_train.ncols());
        if spec.input_dim() != i || spec.output_dim() != o {
            bail!(
                "architecture {} has {} inputs and {} outputs; task {} needs {i} and {o}",
                spec.name(),
                spec.input_dim(),
                spec.output_dim(),
                self.task
            );
        }
        Ok(())
    }

    /// Training rows.
    pub fn n_train(&self) -> usize {
        self.x_train.nrows()
    }

    /// `(x, y)` of `k` training rows drawn without replacement with `seed` (subset scoring).
    pub fn subset(&self, k: usize, seed: u64) -> Result<(Array2<f32>, Array2<f32>)> {
        let n = self.n_train();
        if k == 0 || k > n {
            bail!(
                "a scoring subset of {k} rows: task {} has {n} training rows",
                self.task
            );
        }
        let rows = initsift_data::random_subset_indices(n, k, seed)?;
        Ok((
            self.x_train.select(Axis(0), &rows),
            self.y_train.select(Axis(0), &rows),
        ))
    }

    /// Whether outcomes are accuracies (classes) or MSE/R² (regression, reconstruction).
    pub fn is_classification(&self) -> bool {
        self.task.target == Target::Classes
    }
}
