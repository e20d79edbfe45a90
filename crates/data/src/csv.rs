//! Reading data sets from CSV and gzip-compressed CSV.
//!
//! The format is described on [`load_csv`].

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;

use flate2::read::MultiGzDecoder;
use ndarray::{Array1, Array2};

use crate::dataset::{Dataset, MAX_CLASSES, Targets};
use crate::error::{Error, Location, Result};

/// The name of the column that holds the targets; it must be the last one.
pub const TARGET_COLUMN: &str = "target";

/// The most decompressed bytes a gzip input may expand to (1 GiB): far above any data set a
/// study here uses, and a bound on the memory a corrupt or malicious `.gz` (a "gzip bomb",
/// which can expand a thousandfold) can take. Larger inputs are an error naming the limit.
pub const MAX_DECOMPRESSED_BYTES: u64 = 1 << 30;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const UTF8_BOM: [u8; 3] = [0xef, 0xbb, 0xbf];

/// How to read the `target` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TargetKind {
    /// Decide from the values: classification when every target is a non-negative integer
    /// (written `3` or `3.0`) below [`MAX_CLASSES`] and every class from 0 up to the largest
    /// occurs at least once; regression otherwise. So digits (0–9) is classification and
    /// diabetes (25.0–346.0, no 0) is regression. Pass a kind explicitly when the data could
    /// be read either way, e.g. a small sample that misses a class.
    #[default]
    Infer,
    /// Class indices `0..k`, where k is one more than the largest label (classes may be
    /// missing); any other value is an error.
    Classification,
    /// Real-valued targets.
    Regression,
}

/// Loads a CSV or gzip-compressed CSV file.
///
/// The format is the one the vendored sets use: a header row naming the columns, then one row per
/// sample with the feature values and, in the last column, `target`. Details:
///
/// - gzip is recognised by its magic bytes (`1f 8b`), not by the file name, so a `.csv` that is
///   really compressed (or a `.csv.gz` that is not) still loads; it may expand to at most
///   [`MAX_DECOMPRESSED_BYTES`];
/// - lines end in LF or CRLF; a UTF-8 byte-order mark is skipped; blank lines are ignored;
/// - cells are separated by commas and trimmed of surrounding spaces; there is no quoting (header
///   names may be wrapped in double quotes, which are removed), so a comma is always a separator;
/// - every cell must be a finite number in f32 range: an empty cell, text, NaN, `inf` or `1e39`
///   is an error naming the file, line and column.
///
/// `kind` says how the `target` column is read (see [`TargetKind`] for the inference rule).
///
/// The data set is named after the file, without its directory and `.csv` / `.csv.gz`
/// extensions. Errors name the path as given and, for bad contents, the line (counting every
/// line of the decompressed text from 1, blank ones included) and the column (CSV field, from
/// 1): a ragged row, a non-numeric or non-finite cell, an empty file, a header without `target`
/// last, a header with no data rows, a class target that is not a non-negative integer.
pub fn load_csv(path: impl AsRef<Path>, kind: TargetKind) -> Result<Dataset> {
    load_csv_with_target(path, kind, TARGET_COLUMN)
}

/// [`load_csv`] with the targets in the column named `target` instead of a last column named
/// `target`. The column may stand anywhere; every other column is a feature, in file order.
/// Naming `target` (the default name) keeps [`load_csv`]'s rule that it be last. A header
/// without the column, or with it twice, is an error that lists the header's columns.
pub fn load_csv_with_target(
    path: impl AsRef<Path>,
    kind: TargetKind,
    target: &str,
) -> Result<Dataset> {
    let path = path.as_ref();
    let source = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source_error| Error::Io {
        path: source.clone(),
        source: source_error,
    })?;
    let name = path
        .file_name()
        .map(|file| dataset_name(&file.to_string_lossy()))
        .unwrap_or_else(|| source.clone());
    parse_named_with_target(&bytes, &source, &name, kind, target)
}

/// Parses CSV or gzip-compressed CSV bytes already in memory.
///
/// `source` is what error messages call the input (a path, or any label); the data set is named
/// after it as [`load_csv`] would name a file.
pub fn parse_csv(bytes: &[u8], source: &str, kind: TargetKind) -> Result<Dataset> {
    parse_csv_with_target(bytes, source, kind, TARGET_COLUMN)
}

/// [`parse_csv`] with the targets in the column named `target` (see [`load_csv_with_target`]).
pub fn parse_csv_with_target(
    bytes: &[u8],
    source: &str,
    kind: TargetKind,
    target: &str,
) -> Result<Dataset> {
    let file = source.rsplit(['/', '\\']).next().unwrap_or(source);
    parse_named_with_target(bytes, source, &dataset_name(file), kind, target)
}

/// `digits.csv.gz` → `digits`.
fn dataset_name(file: &str) -> String {
    let stem = file.strip_suffix(".gz").unwrap_or(file);
    stem.strip_suffix(".csv").unwrap_or(stem).to_string()
}

/// Parses `bytes` into a data set called `name`; errors call the input `source`.
pub(crate) fn parse_named(
    bytes: &[u8],
    source: &str,
    name: &str,
    kind: TargetKind,
) -> Result<Dataset> {
    parse_named_with_target(bytes, source, name, kind, TARGET_COLUMN)
}

/// [`parse_named`] with the targets in the column named `target`.
fn parse_named_with_target(
    bytes: &[u8],
    source: &str,
    name: &str,
    kind: TargetKind,
    target: &str,
) -> Result<Dataset> {
    let text = decompress(bytes, source)?;
    let table = Table::parse(&text, source, target)?;
    let targets = table.targets(source, kind)?;
    let (n, d) = (table.row_lines.len(), table.feature_names.len());
    let cells = table.features.len();
    let features = Array2::from_shape_vec((n, d), table.features).map_err(|_| {
        // Unreachable by construction (every row was checked to have d features), but a
        // library that promises no panics reports it instead of unwrapping.
        Error::ShapeMismatch {
            what: format!("{source}: parsed feature cells vs. rows × columns"),
            expected: n * d,
            found: cells,
        }
    })?;
    Dataset::new(name, table.feature_names, features, targets)
}

/// The raw text: decompressed when the bytes start with the gzip magic.
fn decompress<'a>(bytes: &'a [u8], source: &str) -> Result<Cow<'a, [u8]>> {
    decompress_limited(bytes, source, MAX_DECOMPRESSED_BYTES)
}

/// [`decompress`] with the size limit as a parameter (tests use a small one).
fn decompress_limited<'a>(bytes: &'a [u8], source: &str, limit: u64) -> Result<Cow<'a, [u8]>> {
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(Cow::Borrowed(bytes));
    }
    let mut text = Vec::new();
    // MultiGzDecoder, because a .gz may hold several concatenated members (as `cat a.gz b.gz`
    // makes) and gzip(1) reads them all. One byte past the limit tells "too large" apart from
    // "exactly the limit".
    MultiGzDecoder::new(bytes)
        .take(limit.saturating_add(1))
        .read_to_end(&mut text)
        .map_err(|source_error| Error::Gzip {
            path: source.to_string(),
            source: source_error,
        })?;
    if text.len() as u64 > limit {
        return Err(Error::TooLarge {
            path: source.to_string(),
            limit,
        });
    }
    Ok(Cow::Owned(text))
}

/// The parsed cells before the targets are interpreted.
struct Table {
    feature_names: Vec<String>,
    /// Row-major n × d feature values.
    features: Vec<f32>,
    /// Each row's target as f32, the value of a regression target.
    target_reals: Vec<f32>,
    /// Each row's target as f64, so that class indices can be checked exactly.
    target_values: Vec<f64>,
    /// Each row's target text, for error messages.
    target_texts: Vec<String>,
    /// Each row's line number in the text.
    row_lines: Vec<usize>,
    /// The target's column, from 0.
    target_index: usize,
    /// The target column's name.
    target_name: String,
}

impl Table {
    fn parse(text: &[u8], source: &str, target: &str) -> Result<Self> {
        let text = text.strip_prefix(&UTF8_BOM).unwrap_or(text);
        let at = |line: usize, column: usize| Location {
            source: source.to_string(),
            line,
            column,
        };
        let mut lines = text
            .split(|&b| b == b'\n')
            .enumerate()
            .map(|(i, raw)| (i + 1, raw.strip_suffix(b"\r").unwrap_or(raw)))
            .filter(|(_, raw)| !raw.iter().all(u8::is_ascii_whitespace));
        let Some((header_line, header)) = lines.next() else {
            return Err(Error::Empty { at: at(1, 1) });
        };
        let header = as_utf8(header, at(header_line, 1))?;
        let columns: Vec<String> = header
            .split(',')
            .map(|cell| {
                let cell = cell.trim();
                let unquoted = cell
                    .strip_prefix('"')
                    .and_then(|c| c.strip_suffix('"'))
                    .unwrap_or(cell);
                unquoted.to_string()
            })
            .collect();
        let target_index = if target == TARGET_COLUMN {
            check_header(&columns, |column| at(header_line, column))?;
            columns.len() - 1
        } else {
            find_target(&columns, target, |column| at(header_line, column))?
        };
        let width = columns.len();
        let mut feature_names = columns;
        feature_names.remove(target_index);

        let mut table = Table {
            feature_names,
            features: Vec::new(),
            target_reals: Vec::new(),
            target_values: Vec::new(),
            target_texts: Vec::new(),
            row_lines: Vec::new(),
            target_index,
            target_name: target.to_string(),
        };
        let mut last_line = header_line;
        for (line_number, raw) in lines {
            last_line = line_number;
            let line = as_utf8(raw, at(line_number, 1))?;
            table.push_row(line, width, |column| at(line_number, column))?;
            table.row_lines.push(line_number);
        }
        if table.row_lines.is_empty() {
            return Err(Error::NoRows {
                at: at(last_line + 1, 1),
            });
        }
        Ok(table)
    }

    /// Parses one data row of `width` cells (features, then target); `at(column)` locates a
    /// cell of this row.
    fn push_row(&mut self, line: &str, width: usize, at: impl Fn(usize) -> Location) -> Result<()> {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        if cells.len() != width {
            // Point at the first cell that is missing, or the first that is extra.
            return Err(Error::RaggedRow {
                at: at(cells.len().min(width) + 1),
                expected: width,
                found: cells.len(),
            });
        }
        // The header check guarantees width ≥ 2, so there is a target and at least one feature.
        let t = self.target_index;
        let target_text = cells[t];
        for (c, cell) in cells.iter().enumerate().filter(|&(c, _)| c != t) {
            let j = if c < t { c } else { c - 1 };
            let value = parse_cell::<f32>(cell, &self.feature_names[j], || at(c + 1))?;
            self.features.push(value);
        }
        // f32 for a regression target (parsed directly, so rounded once), f64 to check a class
        // index exactly ("1.0000001" must not pass as class 1).
        let real = parse_cell::<f32>(target_text, &self.target_name, || at(t + 1))?;
        let exact = parse_cell::<f64>(target_text, &self.target_name, || at(t + 1))?;
        self.target_reals.push(real);
        self.target_values.push(exact);
        self.target_texts.push((*target_text).to_string());
        Ok(())
    }

    /// The targets, read as `kind` asks.
    fn targets(&self, source: &str, kind: TargetKind) -> Result<Targets> {
        let as_class = |value: f64| -> Option<usize> {
            let is_index = value >= 0.0 && value.fract() == 0.0 && value < MAX_CLASSES as f64;
            // Exact: the value is a whole number below 2^16.
            is_index.then_some(value as usize)
        };
        let classification = match kind {
            TargetKind::Classification => true,
            TargetKind::Regression => false,
            TargetKind::Infer => {
                let classes: Option<BTreeSet<usize>> =
                    self.target_values.iter().map(|&v| as_class(v)).collect();
                // Every class 0..=max present: the set {0, 1, …, max} has max + 1 members.
                classes.is_some_and(|set| set.last().is_some_and(|&max| set.len() == max + 1))
            }
        };
        if !classification {
            return Ok(Targets::Real(Array1::from(self.target_reals.clone())));
        }
        let mut labels = Vec::with_capacity(self.target_values.len());
        for (row, &value) in self.target_values.iter().enumerate() {
            let Some(label) = as_class(value) else {
                return Err(Error::BadClass {
                    at: Location {
                        source: source.to_string(),
                        line: self.row_lines[row],
                        column: self.target_index + 1,
                    },
                    value: self.target_texts[row].clone(),
                });
            };
            labels.push(label);
        }
        let n_classes = labels.iter().max().map_or(0, |&max| max + 1);
        Ok(Targets::Classes { labels, n_classes })
    }
}

/// Checks the header: no empty names, at least one feature, `target` last and only there.
fn check_header(columns: &[String], at: impl Fn(usize) -> Location) -> Result<()> {
    if let Some(j) = columns.iter().position(String::is_empty) {
        return Err(Error::EmptyColumnName { at: at(j + 1) });
    }
    if let Some(j) = columns.iter().position(|c| c == TARGET_COLUMN)
        && j + 1 != columns.len()
    {
        return Err(Error::TargetNotLast {
            at: at(j + 1),
            columns: columns.len(),
        });
    }
    let last = columns.last().map_or("", String::as_str);
    if last != TARGET_COLUMN {
        return Err(Error::NoTargetColumn {
            at: at(columns.len()),
            last: last.to_string(),
        });
    }
    if columns.len() < 2 {
        return Err(Error::NoFeatures { at: at(1) });
    }
    Ok(())
}

/// The index of the column named `target` (not the default name): present exactly once, with
/// at least one other column and no empty names.
fn find_target(columns: &[String], target: &str, at: impl Fn(usize) -> Location) -> Result<usize> {
    if let Some(j) = columns.iter().position(String::is_empty) {
        return Err(Error::EmptyColumnName { at: at(j + 1) });
    }
    let found: Vec<usize> = (0..columns.len())
        .filter(|&j| columns[j] == target)
        .collect();
    match found[..] {
        [j] if columns.len() >= 2 => Ok(j),
        [_] => Err(Error::NoFeatures { at: at(1) }),
        [] | [_, _, ..] => Err(Error::TargetColumn {
            at: at(found.get(1).map_or(1, |j| j + 1)),
            name: target.to_string(),
            found: found.len(),
            columns: columns.join(", "),
        }),
    }
}

/// The line as text, or an error at the CSV column that holds the first invalid byte.
fn as_utf8(raw: &[u8], line_start: Location) -> Result<&str> {
    std::str::from_utf8(raw).map_err(|e| {
        let before = &raw[..e.valid_up_to()];
        let column = 1 + before.iter().filter(|&&b| b == b',').count();
        Error::NotUtf8 {
            at: Location {
                column,
                ..line_start
            },
        }
    })
}

/// A finite number parsed from a trimmed cell, or the error for that cell.
fn parse_cell<T: std::str::FromStr + Finite>(
    cell: &str,
    column_name: &str,
    at: impl Fn() -> Location,
) -> Result<T> {
    match cell.parse::<T>() {
        Ok(value) if value.is_finite_value() => Ok(value),
        // Rust's float parser accepts "nan", "inf" and "infinity", and turns literals beyond the
        // type's range into infinity: all of these are non-finite, not non-numeric.
        Ok(_) => Err(Error::NonFinite {
            at: at(),
            column_name: column_name.to_string(),
            value: cell.to_string(),
        }),
        Err(_) => Err(Error::NotNumeric {
            at: at(),
            column_name: column_name.to_string(),
            value: cell.to_string(),
        }),
    }
}

/// Finiteness for the two float types the parser reads.
trait Finite {
    fn is_finite_value(&self) -> bool;
}

impl Finite for f32 {
    fn is_finite_value(&self) -> bool {
        self.is_finite()
    }
}

impl Finite for f64 {
    fn is_finite_value(&self) -> bool {
        self.is_finite()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::GzEncoder;

    use super::*;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn decompression_stops_at_the_limit_and_names_it() {
        let text = vec![b'0'; 1000];
        let packed = gzip(&text);
        let at_limit = decompress_limited(&packed, "f.csv.gz", 1000).unwrap();
        assert_eq!(at_limit.len(), 1000);
        let error = decompress_limited(&packed, "f.csv.gz", 999).unwrap_err();
        assert!(
            matches!(error, Error::TooLarge { limit: 999, .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("f.csv.gz"), "{error}");
        assert!(error.to_string().contains("999"), "{error}");
    }
}
