//! The crate's error type.
//!
//! Every error about a file's contents names the file (or the embedded set), the line and the
//! column, counted from 1 as an editor does, so a user can go straight to the bad cell.

use std::fmt;

/// A place in a CSV source: which file, which line, which column (all counted from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file path as given, or the name of an embedded data set.
    pub source: String,
    /// Line number, from 1, in the decompressed text.
    pub line: usize,
    /// Column number (CSV field), from 1.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, line {}, column {}",
            self.source, self.line, self.column
        )
    }
}

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened or read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The path as given.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file starts with the gzip magic bytes but does not decompress.
    #[error("{path}: not a valid gzip stream: {source}")]
    Gzip {
        /// The path as given.
        path: String,
        /// The decompressor's error.
        source: std::io::Error,
    },
    /// A gzip input expands past [`crate::MAX_DECOMPRESSED_BYTES`].
    #[error("{path}: decompresses to more than {limit} bytes, the limit for gzip input")]
    TooLarge {
        /// The path as given.
        path: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// A line is not valid UTF-8.
    #[error("{at}: the text is not valid UTF-8")]
    NotUtf8 {
        /// Where the first invalid byte is.
        at: Location,
    },
    /// The file has no header row (nothing but blank lines, or nothing at all).
    #[error("{at}: the file is empty; expected a header row ending in `target`")]
    Empty {
        /// Line 1, column 1 of the file.
        at: Location,
    },
    /// The header row has no column named `target`.
    #[error("{at}: the header has no `target` column (its last column is `{last}`)")]
    NoTargetColumn {
        /// The header's last column.
        at: Location,
        /// The name found in the last column.
        last: String,
    },
    /// The column named as the target is missing from the header, or is there twice.
    #[error(
        "{at}: the header has {found} columns named `{name}` (need exactly one); its columns are: {columns}"
    )]
    TargetColumn {
        /// The header (at the second occurrence, if any).
        at: Location,
        /// The target column's name.
        name: String,
        /// How often it occurs.
        found: usize,
        /// The header's columns, comma-separated.
        columns: String,
    },
    /// The header has a `target` column that is not the last one.
    #[error("{at}: `target` must be the last column, but the header has {columns} columns")]
    TargetNotLast {
        /// Where `target` stands in the header.
        at: Location,
        /// How many columns the header has.
        columns: usize,
    },
    /// The header has `target` and nothing else.
    #[error("{at}: the header has no feature columns before `target`")]
    NoFeatures {
        /// The header's first column.
        at: Location,
    },
    /// A header cell is empty.
    #[error("{at}: empty column name in the header")]
    EmptyColumnName {
        /// The empty header cell.
        at: Location,
    },
    /// The header is followed by no data rows.
    #[error("{at}: the header is followed by no data rows")]
    NoRows {
        /// The line after the header.
        at: Location,
    },
    /// A row has more or fewer cells than the header.
    #[error("{at}: the row has {found} cells, but the header has {expected}")]
    RaggedRow {
        /// The first missing or extra cell.
        at: Location,
        /// Cells in the header.
        expected: usize,
        /// Cells in this row.
        found: usize,
    },
    /// A cell does not parse as a number.
    #[error("{at} (`{column_name}`): {value:?} is not a number")]
    NotNumeric {
        /// The cell.
        at: Location,
        /// The header name of its column.
        column_name: String,
        /// The cell's text.
        value: String,
    },
    /// A cell is NaN or infinite (also: a finite literal beyond the f32 range).
    #[error("{at} (`{column_name}`): {value:?} is not a finite f32")]
    NonFinite {
        /// The cell.
        at: Location,
        /// The header name of its column.
        column_name: String,
        /// The cell's text.
        value: String,
    },
    /// A target that must be a class index is not a non-negative integer (or is too large).
    #[error(
        "{at} (`target`): {value:?} is not a class index (an integer from 0 to {})",
        crate::MAX_CLASSES - 1
    )]
    BadClass {
        /// The cell.
        at: Location,
        /// The cell's text.
        value: String,
    },
    /// A name given to [`crate::Dataset::builtin`] that is not a vendored set.
    #[error("no built-in data set named {name:?}; the built-in sets are {known}")]
    UnknownBuiltin {
        /// The name asked for.
        name: String,
        /// The names that exist, comma-separated.
        known: String,
    },
    /// Arrays handed to a constructor or a transform whose shapes do not fit together.
    #[error("shape mismatch: {what}: expected {expected}, found {found}")]
    ShapeMismatch {
        /// What was being matched.
        what: String,
        /// The size required.
        expected: usize,
        /// The size given.
        found: usize,
    },
    /// An argument outside its allowed range (a split fraction, a subset size, an index).
    #[error("invalid argument `{name}`: {reason}")]
    InvalidArgument {
        /// The argument's name.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// An operation that needs class targets was given a regression data set.
    #[error("{operation} needs class targets, but data set `{dataset}` has real-valued targets")]
    NotClassification {
        /// What was asked for.
        operation: &'static str,
        /// The data set's name.
        dataset: String,
    },
    /// A NaN or infinite value where finite data are needed (fitting a standardizer).
    #[error("non-finite value {value} at row {row}, column {column} (counted from 0)")]
    NonFiniteValue {
        /// Row index, from 0.
        row: usize,
        /// Column index, from 0.
        column: usize,
        /// The value.
        value: f32,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
