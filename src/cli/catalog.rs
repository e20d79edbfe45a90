//! `initsift datasets` and `initsift schemes`: what is built in, one line each.

use anyhow::Result;

use super::parse::SCHEMES;
use crate::data::Builtin;

/// Prints the built-in data sets with their shapes, read from the embedded files.
pub fn datasets() -> Result<()> {
    for b in Builtin::ALL {
        let ds = b.load()?;
        let kind = match ds.n_classes() {
            Some(k) => format!("{k} classes"),
            None => "regression".to_string(),
        };
        println!(
            "{:<14} {:>5} rows × {:>2} features, {kind}",
            b.name(),
            ds.n_samples(),
            ds.n_features()
        );
    }
    Ok(())
}

/// Prints the init schemes `--init` accepts.
pub fn schemes() {
    for (name, what) in SCHEMES {
        println!("{name:<16} {what}");
    }
}
