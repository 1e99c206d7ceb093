//! The one error type of data loading, splitting and scaling.

use std::fmt;
use std::path::PathBuf;

/// Where a row sits in its input file, for error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowRef {
    /// A CSV record, by its 1-based line in the file (the header is line 1).
    Line(u64),
    /// A ROOT TTree entry, 0-based as ROOT counts them.
    Entry(u64),
}

impl fmt::Display for RowRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowRef::Line(n) => write!(f, "line {n}"),
            RowRef::Entry(n) => write!(f, "entry {n}"),
        }
    }
}

/// Everything that can go wrong while loading, splitting or standardising a data set.
///
/// `origin` fields name an input the way the command line does: `file.csv` or
/// `file.root:tree`. `have` fields list what exists, comma-separated.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be opened or read.
    ///
    /// The message already says why, so the operating-system error is not also returned as
    /// [`std::error::Error::source`] (a chain printer would repeat it).
    #[error("cannot read '{}': {cause}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        cause: std::io::Error,
    },
    /// The file name ends in neither `.root` nor `.csv` (compressed CSV is not read).
    #[error("unsupported file type '{}' (expected a .root or .csv file)", path.display())]
    UnsupportedFileType {
        /// The file.
        path: PathBuf,
    },
    /// A tree name was given for a CSV file.
    #[error("'{}' is a CSV file but a tree '{tree}' was given (trees exist only in ROOT files)", path.display())]
    TreeForCsv {
        /// The file.
        path: PathBuf,
        /// The tree that was given.
        tree: String,
    },
    /// The CSV reader failed (bad UTF-8, a record with the wrong number of fields, ...).
    #[error("cannot parse CSV '{}': {detail}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// What the CSV reader said.
        detail: String,
    },
    /// The CSV file has no header line.
    #[error("empty CSV file '{}' (expected a header line with column names)", path.display())]
    EmptyCsv {
        /// The file.
        path: PathBuf,
    },
    /// Two columns of one file have the same name.
    #[error("column '{column}' appears twice in '{origin}'")]
    DuplicateColumn {
        /// The input.
        origin: String,
        /// The repeated name.
        column: String,
    },
    /// The ROOT file could not be opened.
    #[error("cannot open ROOT file '{}': {detail}", path.display())]
    RootOpen {
        /// The file.
        path: PathBuf,
        /// What the reader said.
        detail: String,
    },
    /// The ROOT file has no TTree at all.
    #[error("no TTree in ROOT file '{}' (keys: {have})", path.display())]
    NoTree {
        /// The file.
        path: PathBuf,
        /// The keys it has, with their classes.
        have: String,
    },
    /// The named tree is not in the ROOT file.
    #[error("tree '{tree}' not found in '{}' (have: {have})", path.display())]
    TreeNotFound {
        /// The file.
        path: PathBuf,
        /// The tree asked for.
        tree: String,
        /// The trees the file has.
        have: String,
    },
    /// No tree was named and the file's trees do not say which one to use.
    #[error(
        "cannot choose the {role} tree of '{}': {reason} (trees: {have}); name it as FILE:TREE",
        path.display()
    )]
    TreeChoice {
        /// The file.
        path: PathBuf,
        /// `signal`, `background` or `data`.
        role: &'static str,
        /// Why no single tree fits.
        reason: String,
        /// The trees the file has.
        have: String,
    },
    /// The ROOT reader failed (or panicked) while decoding a tree.
    #[error(
        "cannot decode '{origin}': {detail} (the file may use a compression or a class version \
         this reader does not support; rewriting it with zlib compression usually helps)"
    )]
    RootDecode {
        /// The input, `file.root:tree`.
        origin: String,
        /// What the reader said.
        detail: String,
    },
    /// A ROOT branch's values could not be put in entry order (see `data::root`).
    #[error(
        "cannot read branch '{branch}' of '{origin}' in entry order: {detail} (its rows would \
         not line up with the other branches'; rewriting the file with ROOT or uproot may help)"
    )]
    RootLayout {
        /// The input, `file.root:tree`.
        origin: String,
        /// The branch.
        branch: String,
        /// What disagrees.
        detail: String,
    },
    /// Signal and background resolve to the same file and tree.
    #[error("signal and background are both '{origin}' (expected two different inputs)")]
    SameInput {
        /// The input.
        origin: String,
    },
    /// A column asked for (feature, weight or label) does not exist.
    #[error("column '{column}' not found in '{origin}' (have: {have})")]
    ColumnNotFound {
        /// The column.
        column: String,
        /// The input.
        origin: String,
        /// The columns the input has.
        have: String,
    },
    /// A ROOT branch that is not a flat number (a vector, a string, an object).
    #[error(
        "column '{column}' in '{origin}' has type '{type_name}' (expected a flat number: \
         f32, f64, integers or bool)"
    )]
    UnsupportedColumnType {
        /// The column.
        column: String,
        /// The input.
        origin: String,
        /// The type the reader reports.
        type_name: String,
    },
    /// A CSV column of which no value is a number.
    #[error("column '{column}' in '{origin}' is not numeric (first value: '{sample}')")]
    NotNumeric {
        /// The column.
        column: String,
        /// The input.
        origin: String,
        /// Its first value.
        sample: String,
    },
    /// Branches of one tree with different entry counts.
    #[error("column '{column}' in '{origin}' has {got} entries, expected {expected}")]
    EntriesMismatch {
        /// The column.
        column: String,
        /// The input.
        origin: String,
        /// Values read.
        got: usize,
        /// Entries of the tree.
        expected: usize,
    },
    /// Values that are not finite numbers in a column that is used.
    #[error(
        "column '{column}' in '{origin}' has {rows} rows with a non-numeric, NaN or infinite \
         value (first at {first}: '{sample}'); pass --drop-nonfinite to skip such rows"
    )]
    NonFinite {
        /// The column.
        column: String,
        /// The input.
        origin: String,
        /// How many rows are affected in this column.
        rows: usize,
        /// The first affected row.
        first: RowRef,
        /// The text (CSV) or value (ROOT) found there.
        sample: String,
    },
    /// Label values other than 0 and 1.
    #[error(
        "label column '{column}' in '{origin}' must be 0 or 1, but {rows} rows have other values \
         (first at {first}; values found: {values})"
    )]
    BadLabel {
        /// The label column.
        column: String,
        /// The input.
        origin: String,
        /// How many rows are affected.
        rows: usize,
        /// The first affected row.
        first: RowRef,
        /// Up to a few distinct offending values.
        values: String,
    },
    /// The label column was also asked for as a feature.
    #[error("column '{column}' is the label and cannot also be a feature")]
    LabelAsFeature {
        /// The column.
        column: String,
    },
    /// A feature named twice in the feature list.
    #[error("feature '{feature}' is listed twice")]
    DuplicateFeature {
        /// The feature.
        feature: String,
    },
    /// No feature is left to learn cuts on.
    #[error("no numeric feature columns in '{origin}' (columns: {have})")]
    NoFeatures {
        /// The input.
        origin: String,
        /// Its columns.
        have: String,
    },
    /// One class has no events (after dropping rows).
    #[error("no {class} events in {origin}")]
    NoEvents {
        /// `signal` or `background`.
        class: &'static str,
        /// The input(s) the class came from.
        origin: String,
    },
    /// The weights of one class do not sum to a positive number.
    #[error("{class} weights in '{column}' sum to {sum} (expected a positive total)")]
    WeightSum {
        /// `signal` or `background`.
        class: &'static str,
        /// The weight column.
        column: String,
        /// The total.
        sum: f64,
    },
    /// The test fraction is not strictly between 0 and 1.
    #[error("test fraction {value} is out of range (expected a number strictly between 0 and 1)")]
    TestFraction {
        /// The value given.
        value: f64,
    },
    /// A test-rows file holds something other than row numbers.
    #[error("{}:{line}: '{token}' is not a row number (expected whitespace-separated row numbers from 0, '#' starts a comment)", path.display())]
    TestRowsSyntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The offending word.
        token: String,
    },
    /// A test-rows file without a single row number.
    #[error("{}: holds no row numbers (expected whitespace-separated row numbers from 0)", path.display())]
    TestRowsEmpty {
        /// The file.
        path: PathBuf,
    },
    /// A test row past the end of the data, or given twice.
    #[error("{}: test row {row} {problem}", path.display())]
    TestRow {
        /// The file.
        path: PathBuf,
        /// The row number.
        row: usize,
        /// What is wrong with it, e.g. "is past the last row (the data have 100 events)".
        problem: String,
    },
    /// Given test rows leave a split without events of a class.
    #[error("{}: the {which} split would hold no {class} events (every split needs both classes)", path.display())]
    TestRowsClass {
        /// The file.
        path: PathBuf,
        /// `training` or `test`.
        which: &'static str,
        /// `signal` or `background`.
        class: &'static str,
    },
    /// The test-rows file recorded at training changed since.
    #[error("the test rows '{}' changed since training (SHA-256 {now}, recorded {recorded}); the test split would not be the held-out one", path.display())]
    TestRowsChanged {
        /// The file.
        path: PathBuf,
        /// Its checksum now.
        now: String,
        /// The checksum recorded in the cut file.
        recorded: String,
    },
    /// A class too small to put events in both splits.
    #[error("only {events} {class} events: at least 2 are needed to fill both train and test")]
    ClassTooSmall {
        /// `signal` or `background`.
        class: &'static str,
        /// Its event count.
        events: usize,
    },
    /// A scaler fitted on no rows.
    #[error("cannot standardise on an empty set of rows")]
    NoRows,
    /// A row index beyond the data set.
    #[error("row {row} is out of range (the data set has {len} rows)")]
    RowOutOfRange {
        /// The index.
        row: usize,
        /// Rows in the data set.
        len: usize,
    },
    /// A cut file records no inputs at all (it was not written by `cabin train`).
    #[error("'{}' records no inputs; give the data to evaluate on", path.display())]
    NothingRecorded {
        /// The cut file.
        path: PathBuf,
    },
    /// A cut file records no inputs that say where both classes come from.
    #[error(
        "'{}' records no usable inputs (roles: {roles}; expected signal and background, or \
         data): give the data options",
        path.display()
    )]
    NoRecordedInputs {
        /// The cut file.
        path: PathBuf,
        /// The roles it records, comma-separated.
        roles: String,
    },
    /// A feature whose values do not vary on the rows it is standardised on.
    #[error(
        "feature '{feature}' is constant ({value}) on the training rows and cannot be \
         standardised; drop it with --features"
    )]
    ConstantFeature {
        /// The feature.
        feature: String,
        /// Its value (or the non-finite spread).
        value: f64,
    },
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    #[test]
    fn io_error_message_is_not_repeated_by_its_source() {
        // `{:#}` printed "cannot read 'nope.root': no such file: no such file" when the cause
        // was both in the message and the source.
        let cause = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let e = DataError::Io { path: "nope.root".into(), cause };
        assert!(e.source().is_none());
        assert_eq!(e.to_string(), "cannot read 'nope.root': no such file");
    }
}
