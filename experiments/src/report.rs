//! Writing a study's outputs all-or-nothing, and the small formatting helpers reports share.
//!
//! Every file of a report is first written to a hidden temporary file in the output folder,
//! then all are renamed into place together. A study that fails half-way (or is interrupted)
//! leaves no partial report behind; the temporaries are removed when the stage is dropped.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// An output folder known to be writable.
#[derive(Debug, Clone)]
pub struct OutputDir {
    dir: PathBuf,
}

impl OutputDir {
    /// Creates the folder if needed and proves it writable by writing and removing a probe,
    /// so a bad `--out` fails before any work is done.
    pub fn prepare(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref().to_path_buf();
        if dir.exists() && !dir.is_dir() {
            bail!("--out {}: exists and is not a folder", dir.display());
        }
        fs::create_dir_all(&dir)
            .with_context(|| format!("--out {}: cannot create the folder", dir.display()))?;
        let probe = dir.join(format!(".initsift-probe-{}", std::process::id()));
        fs::write(&probe, b"")
            .with_context(|| format!("--out {}: the folder is not writable", dir.display()))?;
        fs::remove_file(&probe).ok();
        Ok(Self { dir })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Starts a set of files to be published together.
    pub fn stage(&self) -> Staged {
        Staged {
            dir: self.dir.clone(),
            files: Vec::new(),
        }
    }
}

/// Files written to temporaries, published together by [`Staged::commit`].
#[derive(Debug)]
pub struct Staged {
    dir: PathBuf,
    files: Vec<(PathBuf, PathBuf)>,
}

impl Staged {
    /// Writes `name`'s content to a temporary beside its final place.
    pub fn write(&mut self, name: &str, content: &[u8]) -> Result<()> {
        if name.contains('/') || name.contains('\\') || name.starts_with('.') {
            bail!("report file name `{name}` must be a plain file name");
        }
        let tmp = self.dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let mut f = fs::File::create(&tmp).with_context(|| format!("writing {}", tmp.display()))?;
        f.write_all(content)
            .and_then(|()| f.sync_all())
            .with_context(|| format!("writing {}", tmp.display()))?;
        self.files.push((tmp, self.dir.join(name)));
        Ok(())
    }

    /// Renames every temporary into place; returns the final paths.
    pub fn commit(mut self) -> Result<Vec<PathBuf>> {
        let files = std::mem::take(&mut self.files);
        let mut done = Vec::new();
        for (tmp, fin) in files {
            fs::rename(&tmp, &fin).with_context(|| format!("publishing {}", fin.display()))?;
            done.push(fin);
        }
        Ok(done)
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        for (tmp, _) in &self.files {
            fs::remove_file(tmp).ok();
        }
    }
}

/// A Markdown table.
pub fn md_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut s = format!(
        "| {} |\n|{}\n",
        headers.join(" | "),
        "---|".repeat(headers.len())
    );
    for r in rows {
        s.push_str(&format!("| {} |\n", r.join(" | ")));
    }
    s
}

/// A rate as a percentage with one decimal.
pub fn pct(p: f64) -> String {
    format!("{:.1} %", 100.0 * p)
}

/// An interval of rates as percentages.
pub fn pct_ci((lo, hi): (f64, f64)) -> String {
    let one = format!("{:.1}–{:.1} %", 100.0 * lo, 100.0 * hi);
    // An interval that one decimal would show as a point (e.g. 99.96–100) gets two.
    if lo < hi && format!("{:.1}", 100.0 * lo) == format!("{:.1}", 100.0 * hi) {
        format!("{:.2}–{:.2} %", 100.0 * lo, 100.0 * hi)
    } else {
        one
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("initsift-report-{name}-{}", std::process::id()));
        fs::remove_dir_all(&d).ok();
        d
    }

    #[test]
    fn staged_files_appear_only_on_commit() {
        let d = scratch("commit");
        let out = OutputDir::prepare(&d).unwrap();
        let mut st = out.stage();
        st.write("a.json", b"{}").unwrap();
        st.write("a.md", b"# a").unwrap();
        assert!(!d.join("a.json").exists());
        let paths = st.commit().unwrap();
        assert_eq!(paths.len(), 2);
        assert_eq!(fs::read(d.join("a.md")).unwrap(), b"# a");
        assert_eq!(fs::read_dir(&d).unwrap().count(), 2, "no temporaries left");
        fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn a_dropped_stage_leaves_nothing() {
        let d = scratch("drop");
        let out = OutputDir::prepare(&d).unwrap();
        {
            let mut st = out.stage();
            st.write("b.json", b"{}").unwrap();
        }
        assert_eq!(fs::read_dir(&d).unwrap().count(), 0);
        fs::remove_dir_all(&d).ok();
    }

    #[test]
    fn unusable_out_dirs_are_named() {
        let d = scratch("file");
        fs::create_dir_all(d.parent().unwrap()).unwrap();
        fs::write(&d, b"x").unwrap();
        let err = OutputDir::prepare(&d).unwrap_err().to_string();
        assert!(
            err.contains("not a folder") && err.contains(&d.display().to_string()),
            "{err}"
        );
        fs::remove_file(&d).ok();
        let out = OutputDir::prepare(scratch("names")).unwrap();
        assert!(out.stage().write("../x", b"").is_err());
    }

    #[test]
    fn tables_and_percentages() {
        let t = md_table(&["a", "b"], &[vec!["1".into(), "2".into()]]);
        assert_eq!(t, "| a | b |\n|---|---|\n| 1 | 2 |\n");
        assert_eq!(pct(0.58), "58.0 %");
        assert_eq!(pct_ci((0.4423, 0.7062)), "44.2–70.6 %");
        assert_eq!(pct_ci((0.9996, 1.0)), "99.96–100.00 %");
    }
}
