//! The options the study binaries share.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;
use initsift_batch::Isa;

use crate::report::OutputDir;

/// `--runs N --seed S --out DIR --isa ISA`, which every study takes.
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
    /// Force an instruction set: avx512, avx2 or portable (default: the best available).
    #[arg(long)]
    pub isa: Option<String>,
}

impl Common {
    /// Rejects values no study can use, proves the output folder writable and picks the ISA —
    /// all before any work, so bad input fails at once and leaves nothing behind.
    pub fn prepare(&self) -> Result<(OutputDir, Isa)> {
        if self.runs == 0 {
            bail!("--runs 0: a study needs at least one run per arm");
        }
        let isa = Isa::select(self.isa.as_deref().map(str::parse).transpose()?)?;
        Ok((OutputDir::prepare(&self.out)?, isa))
    }
}

/// `--pilot N --arms a,b`, which the XOR loss-sampling studies take.
#[derive(Debug, Clone, Args)]
pub struct Sampling {
    /// Draws of the initial-loss pilot (thresholds as true percentiles come from it).
    #[arg(long, default_value_t = 1_000_000)]
    pub pilot: usize,
    /// Run only these arms (comma-separated names; default: all).
    #[arg(long, value_delimiter = ',')]
    pub arms: Vec<String>,
}

impl Sampling {
    /// Checks the pilot size and that every named arm is one of `known`.
    pub fn validate(&self, known: &[&str]) -> Result<()> {
        if self.pilot < 100 {
            bail!("--pilot {}: the pilot needs at least 100 draws", self.pilot);
        }
        for w in &self.arms {
            if !known.contains(&w.as_str()) {
                bail!("--arms: unknown arm `{w}`; known: {}", known.join(", "));
            }
        }
        Ok(())
    }

    /// Whether `--arms` asks for the arm `name` (all arms when it names none).
    pub fn wants(&self, name: &str) -> bool {
        self.arms.is_empty() || self.arms.iter().any(|a| a == name)
    }
}
