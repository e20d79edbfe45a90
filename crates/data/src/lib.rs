//! initsift-data: the data sets of initsift.
//!
//! - [`mod@xor`]: the four-point XOR family exactly as the reference code defines it.
//! - [`Builtin`] / [`builtin`]: real data sets (digits, breast cancer, iris, wine, diabetes)
//!   vendored in the repository's `data/` folder and embedded in the library.
//! - [`load_csv`] / [`parse_csv`]: CSV or gzip-compressed CSV with a header row and `target` last;
//!   every bad cell is an error naming the file, line and column.
//! - [`Standardizer`], [`Dataset::train_test_split`], [`Dataset::random_subset`], [`one_hot`]:
//!   what a study does to data before training, all seeded and deterministic.
//!
//! ```
//! use initsift_data::{Standardizer, Stratify, builtin};
//!
//! let digits = builtin::digits()?;
//! assert_eq!((digits.n_samples(), digits.n_features()), (1797, 64));
//! let (train, test) = digits.train_test_split(0.25, 7, Stratify::ByClass)?;
//! let scaler = Standardizer::fit_dataset(&train)?;
//! let (train, test) = (scaler.transform_dataset(&train)?, scaler.transform_dataset(&test)?);
//! let targets = train.one_hot()?; // n × 10
//! # assert_eq!(targets.ncols(), 10);
//! # assert_eq!(train.n_samples() + test.n_samples(), 1797);
//! # Ok::<(), initsift_data::Error>(())
//! ```

#![warn(missing_docs)]

pub mod builtin;
mod csv;
mod dataset;
mod encode;
mod error;
mod rng;
mod split;
mod standardize;
pub mod xor;

pub use builtin::Builtin;
pub use csv::{
    MAX_DECOMPRESSED_BYTES, TARGET_COLUMN, TargetKind, load_csv, load_csv_with_target, parse_csv,
    parse_csv_with_target,
};
pub use dataset::{Dataset, MAX_CLASSES, Targets};
pub use encode::one_hot;
pub use error::{Error, Location, Result};
pub use split::{SplitIndices, Stratify, random_subset_indices, split_indices, test_size};
pub use standardize::Standardizer;
pub use xor::{xor, xor_binary};
