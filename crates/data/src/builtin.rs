//! The vendored real data sets, embedded in the library.
//!
//! The files live in this crate's `data/` folder (see `data/README.md` there for sources and
//! licences) and are compiled in with `include_bytes!`, so loading one needs no path and no
//! files at run time. Each is parsed on every call (a few milliseconds for digits); keep the
//! [`Dataset`] if you need it repeatedly.

use crate::csv::{TargetKind, parse_named};
use crate::dataset::Dataset;
use crate::error::{Error, Result};

/// One of the vendored data sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Builtin {
    /// UCI optical digits, 8×8 pixel counts 0–16: 1797 × 64, 10 classes.
    Digits,
    /// UCI breast cancer Wisconsin (diagnostic): 569 × 30, 2 classes (0 malignant, 1 benign).
    BreastCancer,
    /// Fisher's iris: 150 × 4, 3 classes.
    Iris,
    /// UCI wine: 178 × 13, 3 classes.
    Wine,
    /// Diabetes (Efron et al. 2004), unscaled: 442 × 10, regression.
    Diabetes,
}

impl Builtin {
    /// All vendored sets.
    pub const ALL: [Builtin; 5] = [
        Builtin::Digits,
        Builtin::BreastCancer,
        Builtin::Iris,
        Builtin::Wine,
        Builtin::Diabetes,
    ];

    /// The set's name, which is also its file stem in `data/`.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Digits => "digits",
            Builtin::BreastCancer => "breast_cancer",
            Builtin::Iris => "iris",
            Builtin::Wine => "wine",
            Builtin::Diabetes => "diabetes",
        }
    }

    /// The set with this name, if there is one.
    pub fn from_name(name: &str) -> Result<Builtin> {
        Builtin::ALL
            .into_iter()
            .find(|b| b.name() == name)
            .ok_or_else(|| Error::UnknownBuiltin {
                name: name.to_string(),
                known: Builtin::ALL.map(Builtin::name).join(", "),
            })
    }

    /// The embedded file, byte for byte the one in `data/` (gzip-compressed CSV).
    pub fn csv_gz(self) -> &'static [u8] {
        match self {
            Builtin::Digits => include_bytes!("../data/digits.csv.gz"),
            Builtin::BreastCancer => include_bytes!("../data/breast_cancer.csv.gz"),
            Builtin::Iris => include_bytes!("../data/iris.csv.gz"),
            Builtin::Wine => include_bytes!("../data/wine.csv.gz"),
            Builtin::Diabetes => include_bytes!("../data/diabetes.csv.gz"),
        }
    }

    /// How the `target` column is read: regression for diabetes, classification otherwise
    /// (fixed here rather than inferred, so the kind can never depend on the values).
    pub fn target_kind(self) -> TargetKind {
        match self {
            Builtin::Diabetes => TargetKind::Regression,
            _ => TargetKind::Classification,
        }
    }

    /// Parses the embedded file into a [`Dataset`] named [`Builtin::name`].
    ///
    /// The embedded bytes are tested to parse, so this fails only if the build embedded
    /// different files; it still returns a `Result` rather than panicking.
    pub fn load(self) -> Result<Dataset> {
        let source = format!("data/{}.csv.gz (built in)", self.name());
        parse_named(self.csv_gz(), &source, self.name(), self.target_kind())
    }
}

impl Dataset {
    /// A vendored data set by name: `"digits"`, `"breast_cancer"`, `"iris"`, `"wine"` or
    /// `"diabetes"`. An unknown name is an error listing the known ones.
    pub fn builtin(name: &str) -> Result<Dataset> {
        Builtin::from_name(name)?.load()
    }
}

/// UCI optical digits: 1797 × 64, pixel counts 0–16, 10 classes.
pub fn digits() -> Result<Dataset> {
    Builtin::Digits.load()
}

/// UCI breast cancer Wisconsin (diagnostic): 569 × 30, 2 classes.
pub fn breast_cancer() -> Result<Dataset> {
    Builtin::BreastCancer.load()
}

/// Fisher's iris: 150 × 4, 3 classes.
pub fn iris() -> Result<Dataset> {
    Builtin::Iris.load()
}

/// UCI wine: 178 × 13, 3 classes.
pub fn wine() -> Result<Dataset> {
    Builtin::Wine.load()
}

/// Diabetes: 442 × 10, real-valued targets.
pub fn diabetes() -> Result<Dataset> {
    Builtin::Diabetes.load()
}
