//! The data a cut file records: which inputs it was trained on and how they were read and split.
//!
//! `cabin train` writes the files it read into `inputs` (role, path, tree, sha256) and its data
//! settings into `config` (`label`, `weight`, `drop_nonfinite`, `test_fraction`, `seed`, and
//! `test_rows` `{path, sha256, rows}` when the test rows were given as a file).
//! [`recorded`] turns those back into a [`Source`], [`LoadOptions`] and the split settings, so
//! every command that reloads "the training data" (`eval`, `quantize`, `plot`) reads it the
//! same way. A missing key takes the command-line default (label `label`, unit weights, no
//! dropping, test fraction 0.2, seed 42).
//!
//! Paths are used as recorded when they exist from the current folder (training ran there),
//! otherwise relative to the cut file's folder (the cut file was moved along with its data).
//! [`Recorded::changed`] compares the checksums of the files read with the recorded ones.

use std::path::{Path, PathBuf};

use cabin_infer::doc::{CutsFile, Input};
use serde_json::Value;

use super::{DataError, Dataset, LoadOptions, Source, SourceSpec};

/// The label column when the cut file records none (the command-line default).
pub const DEFAULT_LABEL: &str = "label";
/// The test fraction when the cut file records none (the command-line default).
pub const DEFAULT_TEST_FRACTION: f64 = 0.2;
/// The split seed when the cut file records none (the command-line default).
pub const DEFAULT_SEED: u64 = 42;

/// How to reload and split the events a cut file was trained on.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    /// The inputs, with resolved paths.
    pub source: Source,
    /// The cut file's features in its order, the weight column and the drop setting.
    pub options: LoadOptions,
    /// Fraction of each class in the test split.
    pub test_fraction: f64,
    /// Seed of the split.
    pub seed: u64,
    /// The recorded inputs, for checking what was read against them.
    pub inputs: Vec<Input>,
    /// The file of test rows (resolved like the inputs) and its recorded SHA-256, when the
    /// split was given as rows instead of a fraction and seed.
    pub test_rows: Option<(PathBuf, String)>,
}

impl Recorded {
    /// The split the cut file was trained with: the recorded test rows (checked against their
    /// checksum) or the fraction and seed.
    ///
    /// # Errors
    /// [`DataError`] when the rows file cannot be read, changed, or does not fit `ds`, or the
    /// fraction cannot split it.
    pub fn split(&self, ds: &Dataset) -> Result<super::Split, DataError> {
        match &self.test_rows {
            Some((path, recorded)) => {
                let now = super::sha256_file(path)?;
                if &now != recorded {
                    let recorded = recorded.clone();
                    return Err(DataError::TestRowsChanged { path: path.clone(), now, recorded });
                }
                super::split_rows(ds, &super::read_test_rows(path)?, path)
            }
            None => super::split(ds, self.test_fraction, self.seed),
        }
    }
}

/// A reloaded input whose checksum differs from the one recorded at training.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangedInput {
    /// `signal`, `background` or `data`.
    pub role: String,
    /// The file read.
    pub path: String,
    /// The checksum recorded in the cut file.
    pub recorded: String,
    /// The checksum of the file read now.
    pub now: String,
}

impl std::fmt::Display for ChangedInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} input '{}' has changed since training (sha256 {}, recorded {})",
            self.role, self.path, self.now, self.recorded
        )
    }
}

impl Recorded {
    /// The inputs of `ds` (loaded from [`Recorded::source`]) whose checksum differs from the
    /// recorded one; an input recorded without a checksum is not checked.
    pub fn changed(&self, ds: &Dataset) -> Vec<ChangedInput> {
        let mut out = Vec::new();
        for want in &self.inputs {
            let Some(got) = ds.inputs.iter().find(|i| i.role == want.role) else { continue };
            if !want.sha256.is_empty() && got.sha256 != want.sha256 {
                out.push(ChangedInput {
                    role: want.role.clone(),
                    path: got.path.clone(),
                    recorded: want.sha256.clone(),
                    now: got.sha256.clone(),
                });
            }
        }
        out
    }
}

/// The recorded data of `file`, read from `cut_path` (whose folder is the second place to
/// look for relative input paths).
///
/// # Errors
/// [`DataError::NothingRecorded`] when the file records no inputs,
/// [`DataError::NoRecordedInputs`] when none has the roles `signal` and `background`, or
/// `data`.
pub fn recorded(file: &CutsFile, cut_path: &Path) -> Result<Recorded, DataError> {
    let folder = cut_path.parent().unwrap_or(Path::new(""));
    let spec = |i: &Input| SourceSpec { path: resolve(&i.path, folder), tree: i.tree.clone() };
    let find = |role: &str| file.inputs.iter().find(|i| i.role == role);
    let text = |key: &str| file.config.get(key).and_then(Value::as_str).map(str::to_string);

    if file.inputs.is_empty() {
        return Err(DataError::NothingRecorded { path: cut_path.to_path_buf() });
    }
    let source = match (find("signal"), find("background"), find("data")) {
        (Some(s), Some(b), _) => Source::Separate { signal: spec(s), background: spec(b) },
        (_, _, Some(d)) => Source::Labelled {
            data: spec(d),
            label: text("label").unwrap_or_else(|| DEFAULT_LABEL.to_string()),
        },
        _ => {
            let roles: Vec<&str> = file.inputs.iter().map(|i| i.role.as_str()).collect();
            return Err(DataError::NoRecordedInputs {
                path: cut_path.to_path_buf(),
                roles: roles.join(", "),
            });
        }
    };
    let options = LoadOptions {
        features: Some(file.features.iter().map(|f| f.name.clone()).collect()),
        weight: text("weight"),
        drop_nonfinite: file.config.get("drop_nonfinite").and_then(Value::as_bool).unwrap_or(false),
    };
    Ok(Recorded {
        source,
        options,
        test_fraction: file
            .config
            .get("test_fraction")
            .and_then(Value::as_f64)
            .unwrap_or(DEFAULT_TEST_FRACTION),
        seed: file.config.get("seed").and_then(Value::as_u64).unwrap_or(DEFAULT_SEED),
        inputs: file.inputs.clone(),
        test_rows: file.config.get("test_rows").and_then(|t| {
            let path = t.get("path")?.as_str()?;
            Some((resolve(path, folder), t.get("sha256")?.as_str()?.to_string()))
        }),
    })
}

/// A recorded path as given when it exists (or is absolute), else next to the cut file when
/// it exists there, else as given (so that the error names the recorded path).
fn resolve(path: &str, folder: &Path) -> PathBuf {
    let p = PathBuf::from(path);
    if p.is_absolute() || p.exists() {
        return p;
    }
    let near = folder.join(&p);
    if near.exists() {
        near
    } else {
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(inputs: &str, config: &str) -> CutsFile {
        let text = format!(
            r#"{{"schema": "cabin.cuts/1", "generator": "test",
                "features": [{{"name": "a", "direction": ">", "mean": 0, "scale": 1}}],
                "working_points": [{{"target": 0.5,
                    "cuts": [{{"feature": "a", "op": ">", "value": 1}}],
                    "train": {{"eff_sig": 0.5, "eff_bkg": 0.1}},
                    "test": {{"eff_sig": 0.5, "eff_bkg": 0.1}}}}],
                "config": {config}, "inputs": {inputs}}}"#
        );
        CutsFile::from_json(&text).unwrap()
    }

    #[test]
    fn settings_come_from_config_with_cli_defaults() {
        let f = file(
            r#"[{"role": "data", "path": "x.csv", "entries": 1, "sha256": ""}]"#,
            r#"{"label": "y", "weight": "w", "drop_nonfinite": true, "test_fraction": 0.3,
                "seed": 7}"#,
        );
        let r = recorded(&f, Path::new("cuts.json")).unwrap();
        assert_eq!(
            r.source,
            Source::Labelled { data: SourceSpec::parse("x.csv"), label: "y".into() }
        );
        assert_eq!(r.options.features, Some(vec!["a".to_string()]));
        assert_eq!(r.options.weight.as_deref(), Some("w"));
        assert!(r.options.drop_nonfinite);
        assert_eq!((r.test_fraction, r.seed), (0.3, 7));

        let f = file(
            r#"[{"role": "signal", "path": "s.root", "tree": "t", "entries": 1, "sha256": ""},
                {"role": "background", "path": "b.root", "entries": 1, "sha256": ""}]"#,
            "{}",
        );
        let r = recorded(&f, Path::new("cuts.json")).unwrap();
        let Source::Separate { signal, background } = &r.source else { panic!("{r:?}") };
        assert_eq!((signal.tree.as_deref(), background.tree.as_deref()), (Some("t"), None));
        assert_eq!((r.test_fraction, r.seed), (DEFAULT_TEST_FRACTION, DEFAULT_SEED));
        assert_eq!((r.options.weight.clone(), r.options.drop_nonfinite), (None, false));
    }

    #[test]
    fn relative_paths_fall_back_to_the_cut_files_folder() {
        let dir = std::env::temp_dir().join(format!("cabin-recorded-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("only-here.csv"), "a,label\n").unwrap();
        let f = file(
            r#"[{"role": "data", "path": "only-here.csv", "entries": 1, "sha256": ""}]"#,
            "{}",
        );
        let r = recorded(&f, &dir.join("cuts.json")).unwrap();
        let Source::Labelled { data, .. } = &r.source else { panic!("{r:?}") };
        assert_eq!(data.path, dir.join("only-here.csv"));
        // Found nowhere: kept as recorded, so the load error names it.
        let f = file(r#"[{"role": "data", "path": "gone.csv", "entries": 1, "sha256": ""}]"#, "{}");
        let r = recorded(&f, &dir.join("cuts.json")).unwrap();
        let Source::Labelled { data, .. } = &r.source else { panic!("{r:?}") };
        assert_eq!(data.path, PathBuf::from("gone.csv"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unusable_inputs_are_an_error_naming_the_roles() {
        let f = file(r#"[{"role": "signal", "path": "s.csv", "entries": 1, "sha256": ""}]"#, "{}");
        let e = recorded(&f, Path::new("c.json")).unwrap_err().to_string();
        assert_eq!(
            e,
            "'c.json' records no usable inputs (roles: signal; expected signal and background, \
             or data): give the data options"
        );
        let mut none = f.clone();
        none.inputs.clear();
        let e = recorded(&none, Path::new("c.json")).unwrap_err().to_string();
        assert_eq!(e, "'c.json' records no inputs; give the data to evaluate on");
    }

    #[test]
    fn changed_checksums_are_listed() {
        let f = file(r#"[{"role": "data", "path": "x.csv", "entries": 1, "sha256": "aa"}]"#, "{}");
        let r = recorded(&f, Path::new("c.json")).unwrap();
        let mut input = f.inputs[0].clone();
        let mut ds = |sha: &str| {
            input.sha256 = sha.to_string();
            Dataset {
                features: vec!["a".into()],
                columns: vec![vec![1.0]],
                is_signal: vec![true],
                weights: vec![1.0],
                inputs: vec![input.clone()],
                dropped_nonfinite: 0,
            }
        };
        assert!(r.changed(&ds("aa")).is_empty());
        let c = r.changed(&ds("bb"));
        assert_eq!(
            c[0].to_string(),
            "data input 'x.csv' has changed since training (sha256 bb, recorded aa)"
        );
    }
}
