//! The leaderboard's entries: how each run's initialization is made, and the config the
//! report prints for it.

use initsift_datadep::{DataDependent, LsuvConfig, NioConfig};
use serde_json::{Value, json};

use crate::real::arm::Pick;

use super::task::{BoardTask, TORCH_DEFAULT};

/// How an entry makes each run's initialization.
#[derive(Debug, Clone, PartialEq)]
pub enum Method {
    /// A base scheme's plain draw (see `real::arm::base_plan`).
    Scheme(&'static str),
    /// Loss-based selection among torch_default candidates, scored on every training row.
    Select(Pick),
    /// A data-dependent method from the run's torch_default draw, on the task's fixed batch.
    /// LSUV's orthonormal pre-init is drawn per run (seed: the run's `lsuv` stream).
    DataDependent(DataDependent),
    /// Weights N(0, c·2/fan_in), biases 0, with c tuned on separate seeds.
    BestVariance,
    /// LSUV on each of K torch_default candidates, then the lowest initial training loss.
    LsuvThenBestOf(u64),
    /// The best of K torch_default candidates by initial loss, then NIO on it.
    BestOfThenNio(u64),
}

/// One row of the leaderboard.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Its name in the JSON and the report.
    pub name: String,
    /// How it initializes.
    pub method: Method,
}

impl Entry {
    /// An entry named `name`.
    pub fn new(name: &str, method: Method) -> Self {
        Self {
            name: name.to_string(),
            method,
        }
    }

    /// The config the report prints: base scheme, pick, method hyper-parameters and the
    /// rows they ran on (`best_c`: the tuned scale, when known).
    pub fn config(&self, task: &BoardTask, best_c: Option<f64>) -> Value {
        let scored = format!("initial loss on all {} training rows", task.n_train());
        let batch = batch_text(task);
        match &self.method {
            Method::Scheme(s) => json!({ "scheme": s }),
            Method::Select(p) => {
                json!({ "base": TORCH_DEFAULT, "pick": p.to_string(), "scored_on": scored })
            }
            Method::DataDependent(d) => {
                json!({ "base": TORCH_DEFAULT, "method": d, "batch": batch })
            }
            Method::BestVariance => json!({
                "weights": "N(0, c·2/fan_in)", "biases": 0.0, "c": best_c,
                "chosen_by": "lowest mean final training loss over the tuning seeds",
            }),
            Method::LsuvThenBestOf(k) => json!({
                "base": TORCH_DEFAULT, "method": DataDependent::Lsuv(LsuvConfig::default()),
                "batch": batch, "then": format!("best_of_{k}"), "scored_on": scored,
            }),
            Method::BestOfThenNio(k) => json!({
                "base": TORCH_DEFAULT, "pick": format!("best_of_{k}"), "scored_on": scored,
                "then": DataDependent::Nio(NioConfig::default()), "batch": batch,
            }),
        }
    }
}

/// The fixed batch in words.
pub fn batch_text(task: &BoardTask) -> String {
    if task.batch_rows.len() == task.n_train() {
        format!("all {} training rows", task.n_train())
    } else {
        format!(
            "{} training rows drawn once without replacement (seeded), the same for every run",
            task.batch_rows.len()
        )
    }
}
