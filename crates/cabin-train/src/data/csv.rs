//! CSV input: a header line of column names, then one event per record.
//!
//! Every field is trimmed and parsed as `f64` (so `nan`, `inf` and `-inf` are read as those
//! values). A column of which no value parses is a text column: never a default feature, and
//! an error when asked for. Unparsable values in a numeric column are stored as NaN so that
//! the row check reports (or, with `drop_nonfinite`, drops) them like NaN and infinities.
//! Every header column must have a name (after trimming), and names must be distinct.

use std::path::Path;

use super::error::DataError;
use super::table::{Column, Table};

/// Reads a CSV from its bytes. `wanted` limits which columns are parsed (`None`: all); the
/// others are [`Column::Skipped`].
pub(crate) fn read(path: &Path, bytes: &[u8], wanted: Option<&[&str]>) -> Result<Table, DataError> {
    let csv_err =
        |e: csv::Error| DataError::Csv { path: path.to_path_buf(), detail: e.to_string() };
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    if !reader.read_byte_record(&mut record).map_err(csv_err)? {
        return Err(DataError::EmptyCsv { path: path.to_path_buf() });
    }
    let names: Vec<String> =
        record.iter().map(|f| String::from_utf8_lossy(f).trim().to_string()).collect();
    let origin = path.display().to_string();
    // A nameless column (`a,,b`, or a trailing comma) could be neither chosen nor reported.
    if let Some(k) = names.iter().position(|n| n.is_empty()) {
        return Err(DataError::Csv {
            path: path.to_path_buf(),
            detail: format!(
                "column {} of the header has no name (header: {}); name every column",
                k + 1,
                names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
            ),
        });
    }
    for (k, n) in names.iter().enumerate() {
        if names[..k].contains(n) {
            return Err(DataError::DuplicateColumn { origin, column: n.clone() });
        }
    }
    let read_col: Vec<bool> =
        names.iter().map(|n| wanted.is_none_or(|w| w.contains(&n.as_str()))).collect();

    // Per column: values, how many parsed, first unparsable (row, text).
    let mut values: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    let mut parsed = vec![0usize; names.len()];
    let mut first_bad: Vec<Option<(usize, String)>> = vec![None; names.len()];
    let mut first_text: Vec<Option<String>> = vec![None; names.len()];
    let mut lines = Vec::new();
    let mut row = 0usize;
    while reader.read_byte_record(&mut record).map_err(csv_err)? {
        lines.push(record.position().map_or(row as u64 + 2, |p| p.line()));
        for (k, field) in record.iter().enumerate() {
            if !read_col[k] {
                continue;
            }
            let text = std::str::from_utf8(field).unwrap_or("").trim();
            match text.parse::<f64>() {
                Ok(v) => {
                    parsed[k] += 1;
                    values[k].push(v);
                }
                Err(_) => {
                    values[k].push(f64::NAN);
                    if first_bad[k].is_none() {
                        first_bad[k] = Some((row, String::from_utf8_lossy(field).into_owned()));
                    }
                }
            }
            if first_text[k].is_none() {
                first_text[k] = Some(String::from_utf8_lossy(field).into_owned());
            }
        }
        row += 1;
    }

    let columns = values
        .into_iter()
        .enumerate()
        .map(|(k, v)| {
            if !read_col[k] {
                Column::Skipped
            } else if parsed[k] == 0 && row > 0 {
                Column::Text(first_text[k].take().unwrap_or_default())
            } else {
                Column::Numeric { values: v, first_unparsed: first_bad[k].take() }
            }
        })
        .collect();
    log::debug!("read {row} CSV records with {} columns from '{origin}'", names.len());
    Ok(Table { origin, rows: row, names, columns, lines })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        read(Path::new("t.csv"), text.as_bytes(), None).unwrap()
    }

    #[test]
    fn numbers_text_and_lines() {
        let t = table("a, b ,c\n1,x,2.5\n-3e2,y,nan\n");
        assert_eq!(t.names, ["a", "b", "c"]);
        assert_eq!(t.rows, 2);
        assert_eq!(t.values(0).unwrap(), [1.0, -300.0]);
        assert!(matches!(&t.columns[1], Column::Text(s) if s == "x"));
        assert!(t.values(2).unwrap()[1].is_nan());
        assert_eq!(t.lines, [2, 3]);
    }

    #[test]
    fn unparsable_value_recorded() {
        let t = table("a\n1\noops\n3\n");
        assert!(t.values(0).unwrap()[1].is_nan());
        assert_eq!(t.sample(0, 1), "oops");
        assert_eq!(t.sample(0, 2), "3");
    }

    #[test]
    fn skipped_columns() {
        let t = read(Path::new("t.csv"), b"a,b\n1,2\n3,4\n", Some(&["b"])).unwrap();
        assert!(matches!(t.columns[0], Column::Skipped));
        assert_eq!(t.values(1).unwrap(), [2.0, 4.0]);
    }

    #[test]
    fn bad_files() {
        let e = read(Path::new("e.csv"), b"", None).unwrap_err().to_string();
        assert!(e.starts_with("empty CSV file 'e.csv'"), "{e}");
        let e = read(Path::new("r.csv"), b"a,b\n1,2\n3\n", None).unwrap_err().to_string();
        assert!(e.starts_with("cannot parse CSV 'r.csv'"), "{e}");
        let e = read(Path::new("d.csv"), b"a,a\n1,2\n", None).unwrap_err().to_string();
        assert_eq!(e, "column 'a' appears twice in 'd.csv'");
    }

    #[test]
    fn nameless_header_column_is_refused_by_position() {
        let e = read(Path::new("n.csv"), b"a,,b\n1,2,3\n", None).unwrap_err().to_string();
        assert_eq!(
            e,
            "cannot parse CSV 'n.csv': column 2 of the header has no name \
             (header: 'a', '', 'b'); name every column"
        );
        // A trailing comma leaves the last column nameless; blanks count as no name.
        let e = read(Path::new("t.csv"), b"a,b, \n1,2,3\n", None).unwrap_err().to_string();
        assert!(e.contains("column 3 of the header has no name"), "{e}");
    }
}
