//! The columns of one input as read, before features are chosen and rows are checked.

use super::error::RowRef;

/// One column of an input.
#[derive(Debug)]
pub(crate) enum Column {
    /// Numbers; values that could not be parsed are NaN and counted in `unparsed`.
    Numeric {
        /// One value per row.
        values: Vec<f64>,
        /// The first unparsable text and its row index, if any.
        first_unparsed: Option<(usize, String)>,
    },
    /// A CSV column of which no value parses as a number; holds its first value.
    Text(String),
    /// A ROOT branch that is not a flat number; holds its type name.
    Unsupported(String),
    /// Not read because nothing asked for it.
    Skipped,
}

/// One input file (or tree) read into columns.
#[derive(Debug)]
pub(crate) struct Table {
    /// `file` or `file:tree`.
    pub origin: String,
    /// Rows (CSV records or tree entries).
    pub rows: usize,
    /// Column names in file order.
    pub names: Vec<String>,
    /// One per name.
    pub columns: Vec<Column>,
    /// CSV: the line of each record; empty for ROOT (rows are entries).
    pub lines: Vec<u64>,
}

impl Table {
    /// Index of a column by name.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The names, comma-separated, for "have: ..." lists.
    pub fn have(&self) -> String {
        self.names.join(", ")
    }

    /// Where row `i` is in the file.
    pub fn row_ref(&self, i: usize) -> RowRef {
        match self.lines.get(i) {
            Some(&l) => RowRef::Line(l),
            None => RowRef::Entry(i as u64),
        }
    }

    /// The numeric values of column `k`, if it is numeric.
    pub fn values(&self, k: usize) -> Option<&[f64]> {
        match self.columns.get(k) {
            Some(Column::Numeric { values, .. }) => Some(values),
            _ => None,
        }
    }

    /// The original text of row `i` of column `k` when it did not parse, else its value.
    pub fn sample(&self, k: usize, i: usize) -> String {
        match self.columns.get(k) {
            Some(Column::Numeric { values, first_unparsed }) => match first_unparsed {
                Some((row, text)) if *row == i => text.clone(),
                _ => values.get(i).map(|v| v.to_string()).unwrap_or_default(),
            },
            _ => String::new(),
        }
    }
}
