//! Loading events for training and evaluation: ROOT trees or CSV files, into one [`Dataset`].
//!
//! An event is a row of feature values in physical units, a class (signal or background) and
//! a weight. Classes come either from separate inputs ([`Source::Separate`]: a signal tree and
//! a background tree, or two files) or from a 0/1 label column of one input
//! ([`Source::Labelled`]). Files are recognised by their ending: `.root` (read with `oxyroot`,
//! see [`root`]) and `.csv` (a header line, then one event per record; see [`csv`]).
//! Compressed CSV is not read: unpack it first.
//!
//! **Default features.** Without an explicit feature list, the features are the numeric
//! columns of the (first) input, in file order, minus
//! - the label column and the weight column;
//! - any column named in the `exclude` list of [`load_excluding`];
//! - with separate inputs, columns missing from (or not numeric in) the background input;
//! - every column that *encodes the class*: finite and constant over all signal events and
//!   constant over all background events, with different values (and at least two events of
//!   each class, so that a tiny input does not lose every column). This removes a stored class flag such as
//!   the `Type` branch of `Higgs_data.root` (1 in `sig_tree`, 0 in `bkg_tree`) by what it is
//!   rather than by its name. A column constant over both classes with one value is kept, and
//!   fitting the [`Scaler`] then reports it as [`DataError::ConstantFeature`].
//!
//! Excluded columns are logged at `info` level. An explicit list is used as given: each
//! feature must exist and be numeric in every input.
//!
//! **Row checks.** Every used value (features and weight) must be a finite number. A row that
//! is not is an error naming the column, the number of rows and the first one
//! ([`DataError::NonFinite`]) unless [`LoadOptions::drop_nonfinite`] is set, which skips the row
//! and counts it in [`Dataset::dropped_nonfinite`]. Labels must be exactly 0 or 1, always.
//! Each class must keep at least one event and, when weighted, a positive total weight.
//! Negative individual weights are allowed. With separate inputs the weight column may be
//! missing from one of them, whose events then weigh 1 (with a warning).

pub mod csv;
mod error;
mod recorded;
pub mod root;
mod scale;
mod source;
mod split;
mod table;

use std::io::Read;
use std::path::Path;

use cabin_infer::doc::Input;
use sha2::{Digest, Sha256};

pub use error::{DataError, RowRef};
pub use recorded::{
    recorded, ChangedInput, Recorded, DEFAULT_LABEL, DEFAULT_SEED, DEFAULT_TEST_FRACTION,
};
pub use scale::{auto_directions, Scaler};
pub use source::{choose_tree, tree_class, FileKind, Source, SourceSpec};
pub use split::{read_test_rows, split, split_rows, Split, SplitMix64};

use table::{Column, Table};

/// How to read the inputs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// The features, in order; `None` for the default rule (see the module doc).
    pub features: Option<Vec<String>>,
    /// The per-event weight column; `None` gives every event weight 1.
    pub weight: Option<String>,
    /// Skip rows with a non-finite or non-numeric used value instead of failing.
    pub drop_nonfinite: bool,
}

/// Events in memory, column-major, in physical units.
///
/// With separate inputs the signal rows come first, then the background rows, each in file
/// order; with a labelled input the rows keep file order.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Selected feature names, in order.
    pub features: Vec<String>,
    /// `columns[k][i]`: feature `k` of event `i`.
    pub columns: Vec<Vec<f64>>,
    /// Class of each event.
    pub is_signal: Vec<bool>,
    /// Weight of each event; 1.0 without a weight column; may be negative.
    pub weights: Vec<f64>,
    /// The files read, with their checksums and entry counts (before dropping rows).
    pub inputs: Vec<Input>,
    /// Rows skipped because of a non-finite value (only with `drop_nonfinite`).
    pub dropped_nonfinite: usize,
}

impl Dataset {
    /// Number of events.
    pub fn len(&self) -> usize {
        self.is_signal.len()
    }

    /// True when there are no events.
    pub fn is_empty(&self) -> bool {
        self.is_signal.is_empty()
    }

    /// The feature values of event `i`, in feature order.
    ///
    /// # Panics
    /// If `i >= self.len()`.
    pub fn row(&self, i: usize) -> Vec<f64> {
        self.columns.iter().map(|c| c[i]).collect()
    }

    /// Writes the feature values of event `i` into `out` (its first `features.len()` slots).
    ///
    /// # Panics
    /// If `i >= self.len()` or `out` is shorter than the feature count.
    pub fn fill_row(&self, i: usize, out: &mut [f64]) {
        for (o, c) in out.iter_mut().zip(&self.columns) {
            *o = c[i];
        }
    }

    /// Number of (signal, background) events.
    pub fn counts(&self) -> (usize, usize) {
        let s = self.is_signal.iter().filter(|&&b| b).count();
        (s, self.len() - s)
    }
}

/// Reads `source` into a [`Dataset`]; see the module doc for the rules.
pub fn load(source: &Source, opts: &LoadOptions) -> Result<Dataset, DataError> {
    load_excluding(source, opts, &[])
}

/// Like [`load`], but also leaves the columns named in `exclude` out of the default features
/// (for instance a label column given with separate inputs). Ignored with explicit features.
pub fn load_excluding(
    source: &Source,
    opts: &LoadOptions,
    exclude: &[&str],
) -> Result<Dataset, DataError> {
    let (specs, label): (Vec<(&'static str, &SourceSpec)>, Option<&str>) = match source {
        Source::Separate { signal, background } => {
            (vec![("signal", signal), ("background", background)], None)
        }
        Source::Labelled { data, label } => (vec![("data", data)], Some(label.as_str())),
    };
    let weight = opts.weight.as_deref();

    if let Some(f) = &opts.features {
        for (k, name) in f.iter().enumerate() {
            if f[..k].contains(name) {
                return Err(DataError::DuplicateFeature { feature: name.clone() });
            }
            if Some(name.as_str()) == label {
                return Err(DataError::LabelAsFeature { column: name.clone() });
            }
        }
    }
    let wanted: Option<Vec<&str>> = opts
        .features
        .as_ref()
        .map(|f| f.iter().map(String::as_str).chain(weight).chain(label).collect::<Vec<&str>>());

    let mut tables = Vec::new();
    let mut inputs = Vec::new();
    for (role, spec) in &specs {
        let (table, input) = read_input(role, spec, wanted.as_deref())?;
        tables.push(table);
        inputs.push(input);
    }

    if let [a, b] = inputs.as_slice() {
        let same_file = match (spec_path(specs[0].1), spec_path(specs[1].1)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        };
        if same_file && a.tree == b.tree {
            return Err(DataError::SameInput { origin: tables[0].origin.clone() });
        }
    }

    // The class of every row of every table.
    let classes: Vec<Vec<bool>> = match label {
        Some(l) => vec![labels(&tables[0], l)?],
        None => vec![vec![true; tables[0].rows], vec![false; tables[1].rows]],
    };

    let features = match &opts.features {
        Some(f) => {
            for t in &tables {
                for name in f {
                    numeric_column(t, name)?;
                }
            }
            f.clone()
        }
        None => default_features(&tables, &classes, label, weight, exclude)?,
    };
    let weight_cols = match weight {
        Some(w) => weight_columns(&tables, w)?,
        None => vec![None; tables.len()],
    };

    let mut ds = Dataset {
        columns: vec![Vec::new(); features.len()],
        features,
        is_signal: Vec::new(),
        weights: Vec::new(),
        inputs,
        dropped_nonfinite: 0,
    };
    for ((t, class), kw) in tables.iter().zip(&classes).zip(&weight_cols) {
        append_rows(&mut ds, t, class, *kw, opts.drop_nonfinite)?;
    }
    check_classes(&ds, &tables, label, weight)?;
    log::info!(
        "loaded {} events ({} signal, {} background) with {} features; dropped {}",
        ds.len(),
        ds.counts().0,
        ds.counts().1,
        ds.features.len(),
        ds.dropped_nonfinite
    );
    Ok(ds)
}

/// Reads one input and describes it for the cut file.
fn read_input(
    role: &'static str,
    spec: &SourceSpec,
    wanted: Option<&[&str]>,
) -> Result<(Table, Input), DataError> {
    let kind = FileKind::of(&spec.path)?;
    let path_text = spec.path.display().to_string();
    let (table, tree, sha256) = match kind {
        FileKind::Csv => {
            if let Some(tree) = &spec.tree {
                return Err(DataError::TreeForCsv { path: spec.path.clone(), tree: tree.clone() });
            }
            let bytes = std::fs::read(&spec.path)
                .map_err(|cause| DataError::Io { path: spec.path.clone(), cause })?;
            let table = csv::read(&spec.path, &bytes, wanted)?;
            (table, None, hex(&Sha256::digest(&bytes)))
        }
        FileKind::Root => {
            let (table, tree) = root::read(&spec.path, spec.tree.as_deref(), role, wanted)?;
            (table, Some(tree), sha256_file(&spec.path)?)
        }
    };
    let input =
        Input { role: role.to_string(), path: path_text, tree, entries: table.rows as u64, sha256 };
    Ok((table, input))
}

/// The canonical path of an input, when it resolves.
fn spec_path(spec: &SourceSpec) -> Option<std::path::PathBuf> {
    std::fs::canonicalize(&spec.path).ok()
}

/// SHA-256 of a file, lowercase hex, read in blocks.
pub fn sha256_file(path: &Path) -> Result<String, DataError> {
    let io = |cause| DataError::Io { path: path.to_path_buf(), cause };
    let mut f = std::fs::File::open(path).map_err(io)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The index of a numeric column, or the error saying why it cannot be used.
fn numeric_column(t: &Table, name: &str) -> Result<usize, DataError> {
    let k = t.find(name).ok_or_else(|| DataError::ColumnNotFound {
        column: name.to_string(),
        origin: t.origin.clone(),
        have: t.have(),
    })?;
    match &t.columns[k] {
        Column::Numeric { .. } => Ok(k),
        Column::Text(sample) => Err(DataError::NotNumeric {
            column: name.to_string(),
            origin: t.origin.clone(),
            sample: sample.clone(),
        }),
        Column::Unsupported(ty) => Err(DataError::UnsupportedColumnType {
            column: name.to_string(),
            origin: t.origin.clone(),
            type_name: ty.clone(),
        }),
        // Only columns nobody asked for are skipped, and this one was asked for.
        Column::Skipped => Err(DataError::ColumnNotFound {
            column: name.to_string(),
            origin: t.origin.clone(),
            have: t.have(),
        }),
    }
}

/// The weight column of each table. With separate inputs, an input without the column gets
/// weight 1 for all its events (TMVA's example stores a weight only for the background), with
/// a warning; the column must exist in at least one input.
fn weight_columns(tables: &[Table], w: &str) -> Result<Vec<Option<usize>>, DataError> {
    let mut out = Vec::with_capacity(tables.len());
    for t in tables {
        if tables.len() > 1 && t.find(w).is_none() {
            out.push(None);
        } else {
            out.push(Some(numeric_column(t, w)?));
        }
    }
    if out.iter().all(Option::is_none) {
        return Err(DataError::ColumnNotFound {
            column: w.to_string(),
            origin: tables.iter().map(|t| t.origin.as_str()).collect::<Vec<_>>().join("' or '"),
            have: tables[0].have(),
        });
    }
    for (t, k) in tables.iter().zip(&out) {
        if k.is_none() {
            log::warn!("weight column '{w}' is not in '{}': its events get weight 1", t.origin);
        }
    }
    Ok(out)
}

/// The class of each row from a 0/1 label column.
fn labels(t: &Table, label: &str) -> Result<Vec<bool>, DataError> {
    let k = numeric_column(t, label)?;
    let values = t.values(k).unwrap_or(&[]);
    let mut out = Vec::with_capacity(values.len());
    let (mut bad, mut first, mut found) = (0usize, None, Vec::<String>::new());
    for (i, &v) in values.iter().enumerate() {
        if v == 1.0 || v == 0.0 {
            out.push(v == 1.0);
            continue;
        }
        bad += 1;
        first.get_or_insert(i);
        let s = t.sample(k, i);
        if found.len() < 5 && !found.contains(&s) {
            found.push(s);
        }
    }
    match first {
        None => Ok(out),
        Some(i) => Err(DataError::BadLabel {
            column: label.to_string(),
            origin: t.origin.clone(),
            rows: bad,
            first: t.row_ref(i),
            values: found.join(", "),
        }),
    }
}

/// The default feature rule of the module doc.
fn default_features(
    tables: &[Table],
    classes: &[Vec<bool>],
    label: Option<&str>,
    weight: Option<&str>,
    exclude: &[&str],
) -> Result<Vec<String>, DataError> {
    let first = &tables[0];
    let mut out = Vec::new();
    for (k, name) in first.names.iter().enumerate() {
        let n = name.as_str();
        if first.values(k).is_none() {
            log::info!("column '{n}' of '{}' is not numeric: not a feature", first.origin);
            continue;
        }
        if Some(n) == label || Some(n) == weight || exclude.contains(&n) {
            continue;
        }
        let cols: Vec<Option<&[f64]>> =
            tables.iter().map(|t| t.find(n).and_then(|j| t.values(j))).collect();
        if let Some(t) = tables.iter().zip(&cols).find(|(_, c)| c.is_none()).map(|(t, _)| t) {
            log::info!("column '{n}' is missing or not numeric in '{}': not a feature", t.origin);
            continue;
        }
        let cols: Vec<&[f64]> = cols.into_iter().flatten().collect();
        if let Some((s, b)) = class_code(&cols, classes) {
            log::info!(
                "column '{n}' is {s} for every signal and {b} for every background event, so it \
                 encodes the class: not a feature"
            );
            continue;
        }
        out.push(name.clone());
    }
    if out.is_empty() {
        return Err(DataError::NoFeatures { origin: first.origin.clone(), have: first.have() });
    }
    Ok(out)
}

/// `Some((signal value, background value))` when the column is finite and constant within
/// each class, with different values and at least two events per class.
fn class_code(cols: &[&[f64]], classes: &[Vec<bool>]) -> Option<(f64, f64)> {
    let mut seen: [Option<f64>; 2] = [None, None];
    let mut count = [0usize; 2];
    for (col, class) in cols.iter().zip(classes) {
        for (&v, &sig) in col.iter().zip(class) {
            let c = usize::from(sig);
            if !v.is_finite() || seen[c].is_some_and(|x| x != v) {
                return None;
            }
            seen[c] = Some(v);
            count[c] += 1;
        }
    }
    match seen {
        [Some(b), Some(s)] if s != b && count[0] >= 2 && count[1] >= 2 => Some((s, b)),
        _ => None,
    }
}

/// Appends the rows of one table, checking (or dropping) non-finite used values.
fn append_rows(
    ds: &mut Dataset,
    t: &Table,
    class: &[bool],
    weight: Option<usize>,
    drop: bool,
) -> Result<(), DataError> {
    let ks: Vec<usize> = ds.features.iter().filter_map(|f| t.find(f)).collect();
    let used: Vec<&[f64]> = ks.iter().chain(weight.as_ref()).filter_map(|&k| t.values(k)).collect();
    let w = weight.and_then(|k| t.values(k));
    let n = ds.features.len();
    for i in 0..t.rows {
        if !used.iter().all(|c| c[i].is_finite()) {
            if drop {
                ds.dropped_nonfinite += 1;
                continue;
            }
            return Err(non_finite(t, &ks, weight, i));
        }
        for (out, col) in ds.columns.iter_mut().zip(&used[..n]) {
            out.push(col[i]);
        }
        ds.is_signal.push(class[i]);
        ds.weights.push(w.map_or(1.0, |w| w[i]));
    }
    Ok(())
}

/// The error for a table whose row `i` has a non-finite used value.
fn non_finite(t: &Table, ks: &[usize], weight: Option<usize>, i: usize) -> DataError {
    let k = ks
        .iter()
        .chain(weight.as_ref())
        .copied()
        .find(|&k| t.values(k).is_some_and(|c| !c[i].is_finite()))
        .unwrap_or(0);
    let col = t.values(k).unwrap_or(&[]);
    DataError::NonFinite {
        column: t.names[k].clone(),
        origin: t.origin.clone(),
        rows: col.iter().filter(|v| !v.is_finite()).count(),
        first: t.row_ref(i),
        sample: t.sample(k, i),
    }
}

/// Each class must have events and, when weighted, a positive total weight.
fn check_classes(
    ds: &Dataset,
    tables: &[Table],
    label: Option<&str>,
    weight: Option<&str>,
) -> Result<(), DataError> {
    let dropped = if ds.dropped_nonfinite > 0 {
        format!(" after dropping {} rows with non-finite values", ds.dropped_nonfinite)
    } else {
        String::new()
    };
    for (class, sig) in [("signal", true), ("background", false)] {
        let count = ds.is_signal.iter().filter(|&&s| s == sig).count();
        if count == 0 {
            let origin = match label {
                Some(l) => {
                    format!("'{}' (no row has {l} = {}){dropped}", tables[0].origin, u8::from(sig))
                }
                None => format!("'{}'{dropped}", tables[usize::from(!sig)].origin),
            };
            return Err(DataError::NoEvents { class, origin });
        }
        if let Some(column) = weight {
            let sum: f64 = ds
                .weights
                .iter()
                .zip(&ds.is_signal)
                .filter(|(_, &s)| s == sig)
                .map(|(w, _)| w)
                .sum();
            if !(sum > 0.0 && sum.is_finite()) {
                return Err(DataError::WeightSum { class, column: column.to_string(), sum });
            }
        }
    }
    Ok(())
}
