//! Command-line options that select and split the input data, shared by the subcommands.
//!
//! `train`, `eval` and `compare` flatten [`DataArgs`] into their own options, so every command
//! reads, checks and splits the data the same way (through `cabin_train::data`).

use anyhow::{bail, Context, Result};
use cabin_train::data::{self, Dataset, FileKind, LoadOptions, Source, SourceSpec, Split};

/// Where the events come from, which columns to use, and how to split them.
///
/// Give exactly one input: a positional `FILE[:TREE]`, `--data FILE[:TREE]`, or both
/// `--signal` and `--background`. The positional file is a shortcut: a ROOT file without a
/// tree is split into its signal and background trees by their names; anything else means
/// `--data FILE[:TREE]`. A command with its own positional argument declares it before
/// flattening these options, so that `FILE[:TREE]` comes after it.
#[derive(clap::Args, Clone, Debug, PartialEq)]
#[command(next_help_heading = "Input data")]
pub struct DataArgs {
    /// Input file, a shortcut for --data or --signal/--background. A ROOT file with no tree given: the
    /// signal tree and the background tree are picked by name (`sig_tree`/`bkg_tree`,
    /// `TreeS`/`TreeB`, or one name containing `sig` and one containing `bkg`, `back` or `bg`;
    /// zero or several candidates is an error listing the trees); a ROOT file with a single
    /// tree, `FILE:TREE`, or a CSV file means `--data FILE[:TREE]` with `--label`.
    #[arg(value_name = "FILE[:TREE]")]
    pub input: Option<String>,

    /// Signal events: every event of this file (or tree) is signal. Needs --background.
    #[arg(long, value_name = "FILE[:TREE]")]
    pub signal: Option<String>,

    /// Background events: every event of this file (or tree) is background. Needs --signal.
    #[arg(long, value_name = "FILE[:TREE]")]
    pub background: Option<String>,

    /// One input holding both classes, told apart by the --label column.
    #[arg(long, value_name = "FILE[:TREE]")]
    pub data: Option<String>,

    /// Class column of --data (or the positional file): 1 = signal, 0 = background; any other
    /// value is an error [default: label]. With --signal/--background it only names a column
    /// to leave out of the default features.
    #[arg(long, value_name = "COL")]
    pub label: Option<String>,

    /// Features to cut on, in order [default: every numeric column except the label, the
    /// weight and any column that is constant within each class, i.e. a stored class flag].
    #[arg(long, value_name = "a,b,c", value_delimiter = ',')]
    pub features: Option<Vec<String>>,

    /// Per-event weight column (negative weights allowed) [default: every event weighs 1].
    #[arg(long, value_name = "COL")]
    pub weight: Option<String>,

    /// Skip events with a NaN, infinite or non-numeric feature or weight (and report how
    /// many) instead of failing.
    #[arg(long)]
    pub drop_nonfinite: bool,

    /// Fraction of each class held out as the test split (strictly between 0 and 1).
    #[arg(long, value_name = "F", default_value_t = 0.2, allow_negative_numbers = true)]
    pub test_fraction: f64,

    /// Seed of the train/test split (the same seed gives the same split on every machine).
    #[arg(long, value_name = "N", default_value_t = 42)]
    pub seed: u64,

    /// The test split as a file of row numbers (from 0, in the order the events are loaded;
    /// whitespace-separated, `#` comments), e.g. another framework's split; every other row is
    /// training. Replaces --test-fraction; the seed still seeds the training. Not with
    /// --drop-nonfinite (dropping events would renumber the rows).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["test_fraction", "drop_nonfinite"])]
    pub test_rows: Option<std::path::PathBuf>,
}

impl Default for DataArgs {
    /// No input, and the command-line defaults for everything else (test fraction 0.2,
    /// seed 42), so that `DataArgs { data: ..., ..DataArgs::default() }` behaves like the CLI.
    fn default() -> Self {
        DataArgs {
            input: None,
            signal: None,
            background: None,
            data: None,
            label: None,
            features: None,
            weight: None,
            drop_nonfinite: false,
            test_fraction: 0.2,
            seed: 42,
            test_rows: None,
        }
    }
}

/// The label column when none is given.
pub const DEFAULT_LABEL: &str = "label";

impl DataArgs {
    /// The input, after checking that exactly one way of giving it was used.
    pub fn source(&self) -> Result<Source> {
        let mut given = Vec::new();
        if self.input.is_some() {
            given.push("FILE");
        }
        if self.data.is_some() {
            given.push("--data");
        }
        if self.signal.is_some() || self.background.is_some() {
            given.push("--signal/--background");
        }
        if given.len() > 1 {
            bail!("give the input one way only, not {}", given.join(" and "));
        }
        let label = || self.label.clone().unwrap_or_else(|| DEFAULT_LABEL.to_string());
        match (&self.input, &self.data, &self.signal, &self.background) {
            (None, None, None, None) => bail!(
                "no input data: give FILE, --data FILE[:TREE] or --signal FILE[:TREE] \
                 --background FILE[:TREE]"
            ),
            (_, _, Some(_), None) => bail!("--signal needs --background"),
            (_, _, None, Some(_)) => bail!("--background needs --signal"),
            (_, _, Some(s), Some(b)) => Ok(Source::Separate {
                signal: SourceSpec::parse(s),
                background: SourceSpec::parse(b),
            }),
            (_, Some(d), _, _) => {
                Ok(Source::Labelled { data: SourceSpec::parse(d), label: label() })
            }
            (Some(f), None, None, None) => positional(f, label()),
        }
    }

    /// The load options these flags ask for.
    pub fn options(&self) -> LoadOptions {
        LoadOptions {
            features: self.features.clone(),
            weight: self.weight.clone(),
            drop_nonfinite: self.drop_nonfinite,
        }
    }

    /// Records in a cut file's `config` how the data were read (`label` for a labelled input,
    /// `weight`, `drop_nonfinite`), so `eval`, `quantize` and `plot` can reload the same events.
    pub fn record(&self, config: &mut serde_json::Map<String, serde_json::Value>) -> Result<()> {
        if let Source::Labelled { label, .. } = self.source()? {
            config.insert("label".into(), label.into());
        }
        if let Some(w) = &self.weight {
            config.insert("weight".into(), w.clone().into());
        }
        config.insert("drop_nonfinite".into(), self.drop_nonfinite.into());
        if let Some(p) = &self.test_rows {
            let rows = data::read_test_rows(p)?.len();
            let sha256 = data::sha256_file(p)?;
            let path = p.to_string_lossy();
            config.insert(
                "test_rows".into(),
                serde_json::json!({ "path": path, "sha256": sha256, "rows": rows }),
            );
        }
        Ok(())
    }

    /// The train/test split of `ds`: the rows of --test-rows, else --test-fraction and --seed.
    pub fn split(&self, ds: &Dataset) -> Result<Split> {
        match &self.test_rows {
            Some(p) => {
                crate::output::note_input(p);
                let rows = data::read_test_rows(p).context("cannot read the --test-rows file")?;
                Ok(data::split_rows(ds, &rows, p)?)
            }
            None => data::split(ds, self.test_fraction, self.seed)
                .context("cannot split the data into train and test"),
        }
    }

    /// Loads the data and splits it into train and test rows.
    pub fn load(&self) -> Result<(Dataset, Split)> {
        let source = self.source()?;
        let exclude: Vec<&str> = match (&source, &self.label) {
            (Source::Separate { .. }, Some(l)) => vec![l.as_str()],
            _ => Vec::new(),
        };
        let ds = data::load_excluding(&source, &self.options(), &exclude)
            .with_context(|| format!("cannot load {}", describe(&source)))?;
        super::note_inputs(&ds);
        if ds.dropped_nonfinite > 0 {
            log::warn!(
                "dropped {} with non-finite values",
                super::count(ds.dropped_nonfinite, "event")
            );
        }
        let split = self.split(&ds)?;
        warn_small_split(&ds, &split);
        let (s, b) = ds.counts();
        log::info!(
            "{} ({s} signal, {b} background), {}; {} train, {} test",
            super::count(ds.len(), "event"),
            super::count(ds.features.len(), "feature"),
            split.train.len(),
            split.test.len()
        );
        Ok((ds, split))
    }
}

/// A class with fewer events than this in the training or the test split gets a warning: with
/// `n` events an efficiency near 0.5 has a binomial error of `sqrt(0.25 / n)`, 0.05 at 100
/// events, which is already larger than the differences between working points or methods
/// that the tables print with four decimals.
pub const FEW_EVENTS: usize = 100;

/// One warning per class and split with fewer than [`FEW_EVENTS`] events (unweighted), naming
/// the count and the binomial error of an efficiency of 0.5 on it.
pub fn small_split_warnings(ds: &Dataset, split: &Split) -> Vec<String> {
    let mut out = Vec::new();
    for (which, rows) in [("training", &split.train), ("test", &split.test)] {
        let sig = rows.iter().filter(|&&i| ds.is_signal[i]).count();
        for (class, n) in [("signal", sig), ("background", rows.len() - sig)] {
            if n < FEW_EVENTS {
                let error = if n == 0 { 0.5 } else { (0.25 / n as f64).sqrt() };
                out.push(format!(
                    "the {which} split has only {n} {class} event{}: its {class} efficiencies \
                     have large statistical errors (binomial error {error:.3} at efficiency \
                     0.5); {FEW_EVENTS} or more events per class and split are advised",
                    if n == 1 { "" } else { "s" }
                ));
            }
        }
    }
    out
}

/// Prints [`small_split_warnings`] on stderr.
pub fn warn_small_split(ds: &Dataset, split: &Split) {
    for w in small_split_warnings(ds, split) {
        errln!("warning: {w}");
    }
}

/// Refuses a per-feature option list (`--directions met:>,met:<`, `--format`, `--window`)
/// that names a feature twice: one entry would silently override the other.
pub fn refuse_duplicates<'a>(option: &str, names: impl IntoIterator<Item = &'a str>) -> Result<()> {
    let mut seen: Vec<&str> = Vec::new();
    for n in names {
        if seen.contains(&n) {
            bail!("{option} names feature '{n}' twice; give each feature once");
        }
        seen.push(n);
    }
    Ok(())
}

/// What the positional `FILE[:TREE]` means (see [`DataArgs::input`]).
fn positional(text: &str, label: String) -> Result<Source> {
    let spec = SourceSpec::parse(text);
    let is_root = FileKind::of(&spec.path)? == FileKind::Root;
    if !is_root || spec.tree.is_some() {
        return Ok(Source::Labelled { data: spec, label });
    }
    let trees = data::root::list_trees(&spec.path)?;
    if let [only] = trees.as_slice() {
        let data = SourceSpec { path: spec.path.clone(), tree: Some(only.clone()) };
        return Ok(Source::Labelled { data, label });
    }
    let pick = |role| -> Result<SourceSpec> {
        let tree = data::choose_tree(&spec.path, role, &trees)?;
        Ok(SourceSpec { path: spec.path.clone(), tree: Some(tree) })
    };
    Ok(Source::Separate { signal: pick("signal")?, background: pick("background")? })
}

/// The input as the user gave it, for error context.
fn describe(source: &Source) -> String {
    match source {
        Source::Separate { signal, background } => {
            format!("signal '{signal}' and background '{background}'")
        }
        Source::Labelled { data, label } => format!("'{data}' (label column '{label}')"),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        data: DataArgs,
    }

    fn args(argv: &[&str]) -> DataArgs {
        let mut full = vec!["cabin"];
        full.extend_from_slice(argv);
        Cli::try_parse_from(full).unwrap().data
    }

    fn higgs() -> String {
        format!("{}/data/Higgs_data.root", env!("CARGO_MANIFEST_DIR"))
    }

    #[test]
    fn flags_parse() {
        let a = args(&[
            "--data",
            "x.csv",
            "--features",
            "a,b",
            "--weight",
            "w",
            "--drop-nonfinite",
            "--test-fraction",
            "0.3",
            "--seed",
            "7",
        ]);
        assert_eq!(a.features, Some(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(a.options().weight.as_deref(), Some("w"));
        assert!(a.options().drop_nonfinite);
        assert_eq!((a.test_fraction, a.seed), (0.3, 7));
        let d = args(&["x.csv"]);
        assert_eq!((d.test_fraction, d.seed), (0.2, 42));
        assert_eq!(DataArgs { input: Some("x.csv".into()), ..DataArgs::default() }, d);
    }

    #[test]
    fn combinations_are_checked() {
        let e = args(&[]).source().unwrap_err().to_string();
        assert!(e.starts_with("no input data: give FILE, --data"), "{e}");
        let e = args(&["--signal", "s.root:t"]).source().unwrap_err().to_string();
        assert_eq!(e, "--signal needs --background");
        let e = args(&["--background", "b.csv"]).source().unwrap_err().to_string();
        assert_eq!(e, "--background needs --signal");
        let e = args(&["--data", "d.csv", "--signal", "s.csv", "--background", "b.csv"])
            .source()
            .unwrap_err()
            .to_string();
        assert_eq!(e, "give the input one way only, not --data and --signal/--background");
        let e = args(&["x.csv", "--data", "d.csv"]).source().unwrap_err().to_string();
        assert_eq!(e, "give the input one way only, not FILE and --data");
    }

    #[test]
    fn sources() {
        let s = args(&["--signal", "f.root:sig", "--background", "f.root:bkg"]).source().unwrap();
        assert_eq!(
            s,
            Source::Separate {
                signal: SourceSpec { path: "f.root".into(), tree: Some("sig".into()) },
                background: SourceSpec { path: "f.root".into(), tree: Some("bkg".into()) },
            }
        );
        let s = args(&["--data", "d.csv", "--label", "y"]).source().unwrap();
        assert_eq!(s, Source::Labelled { data: SourceSpec::parse("d.csv"), label: "y".into() });
        let s = args(&["d.csv"]).source().unwrap();
        assert_eq!(s, Source::Labelled { data: SourceSpec::parse("d.csv"), label: "label".into() });
        let s = args(&["f.root:events"]).source().unwrap();
        assert!(
            matches!(s, Source::Labelled { data, .. } if data.tree.as_deref() == Some("events"))
        );
        let e = args(&["f.txt"]).source().unwrap_err().to_string();
        assert!(e.starts_with("unsupported file type 'f.txt'"), "{e}");
    }

    #[test]
    fn positional_root_finds_both_trees() {
        let h = higgs();
        let s = args(&[h.as_str()]).source().unwrap();
        let Source::Separate { signal, background } = s else { panic!("{s:?}") };
        assert_eq!(signal.tree.as_deref(), Some("sig_tree"));
        assert_eq!(background.tree.as_deref(), Some("bkg_tree"));
        let (ds, split) = args(&[h.as_str(), "--features", "m_wwbb,m_bb"]).load().unwrap();
        assert_eq!(ds.counts(), (10_000, 10_000));
        assert_eq!((split.train.len(), split.test.len()), (16_000, 4_000));
    }

    #[test]
    fn duplicate_features_in_a_list_are_named() {
        assert!(refuse_duplicates("--format", ["a", "b"]).is_ok());
        let e = refuse_duplicates("--directions", ["met", "ht", "met"]).unwrap_err().to_string();
        assert_eq!(e, "--directions names feature 'met' twice; give each feature once");
    }

    #[test]
    fn load_errors_carry_context() {
        let h = higgs();
        let e = args(&[h.as_str(), "--features", "met"]).load().unwrap_err();
        let m = format!("{e:#}");
        assert!(m.starts_with("cannot load signal '"), "{m}");
        assert!(m.contains(": column 'met' not found in '"), "{m}");
        let e = args(&[h.as_str(), "--test-fraction", "1"]).load().unwrap_err();
        let m = format!("{e:#}");
        assert!(m.starts_with("cannot split the data into train and test: test fraction 1"), "{m}");
    }
}
