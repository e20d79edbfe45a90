//! The options every study binary takes.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;

/// `--runs N --seed S --out DIR`.
#[derive(Debug, Clone, Args)]
pub struct Common {
    /// Runs per arm.
    #[arg(long, default_value_t = 10_000)]
    pub runs: usize,
    /// Master seed: every stream and resample derives from it.
    #[arg(long, default_value_t = 2025)]
    pub seed: u64,
    /// Where the report files go.
    #[arg(long, default_value = "docs/results")]
    pub out: PathBuf,
}

impl Common {
    /// Rejects values no study can use.
    pub fn validate(&self) -> Result<()> {
        if self.runs == 0 {
            bail!("--runs 0: a study needs at least one run per arm");
        }
        Ok(())
    }
}
