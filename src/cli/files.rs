//! All-or-nothing output: files are written into a staging folder beside `--out` and moved
//! into place only when every one of them is complete, so a failure leaves no partial files.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// A staging folder for the files of one output folder.
#[derive(Debug)]
pub struct Staging {
    staging: PathBuf,
    out: PathBuf,
    names: Vec<String>,
    committed: bool,
}

impl Staging {
    /// Stages files for `out` (created on commit if missing).
    pub fn new(out: &Path) -> Result<Self> {
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).with_context(|| {
            format!(
                "--out {}: cannot create {}",
                out.display(),
                parent.display()
            )
        })?;
        if out.exists() && !out.is_dir() {
            return Err(super::parse::UsageError::new(
                "--out",
                out.display(),
                "exists and is not a folder",
                "a new or existing folder",
            )
            .into());
        }
        let staging = parent.join(format!(".{name}.initsift-{}.tmp", std::process::id()));
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir(&staging).with_context(|| {
            format!(
                "--out {}: cannot create {}",
                out.display(),
                staging.display()
            )
        })?;
        Ok(Self {
            staging,
            out: out.to_path_buf(),
            names: Vec::new(),
            committed: false,
        })
    }

    /// Stages one file.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.staging.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        self.names.push(name.to_string());
        Ok(())
    }

    /// Stages a JSON file.
    pub fn write_json(&mut self, name: &str, value: &impl serde::Serialize) -> Result<()> {
        let mut text = serde_json::to_string_pretty(value)?;
        text.push('\n');
        self.write(name, text.as_bytes())
    }

    /// Moves the staged files into the output folder; returns their paths.
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
        if !self.out.exists() {
            std::fs::rename(&self.staging, &self.out)
                .with_context(|| format!("moving results into {}", self.out.display()))?;
        } else {
            for name in &self.names {
                let to = self.out.join(name);
                std::fs::rename(self.staging.join(name), &to)
                    .with_context(|| format!("moving {name} into {}", self.out.display()))?;
            }
            let _ = std::fs::remove_dir(&self.staging);
        }
        self.committed = true;
        Ok(self.names.iter().map(|n| self.out.join(n)).collect())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}
