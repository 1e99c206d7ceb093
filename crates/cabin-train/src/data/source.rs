//! What to read: input files, their trees, and how classes are told apart.

use std::path::{Path, PathBuf};

use super::error::DataError;

/// One input as written on the command line: `FILE` or `FILE:TREE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceSpec {
    /// The file.
    pub path: PathBuf,
    /// The TTree, for ROOT files; `None` lets the loader choose (see [`choose_tree`]).
    pub tree: Option<String>,
}

impl SourceSpec {
    /// Parses `FILE[:TREE]`.
    ///
    /// Paths may contain `:` themselves (`C:\data\x.root`, `run:3.csv`), so the text is split
    /// at its last `:` only when all of these hold: the whole text is not an existing file,
    /// what follows the `:` is non-empty and contains no path separator, and what precedes it
    /// is an existing file or ends in `.root`. A trailing `:` with nothing after it is dropped.
    pub fn parse(s: &str) -> SourceSpec {
        let whole = || SourceSpec { path: PathBuf::from(s), tree: None };
        if Path::new(s).is_file() {
            return whole();
        }
        let Some(at) = s.rfind(':') else {
            return whole();
        };
        let (file, tree) = (&s[..at], &s[at + 1..]);
        if tree.is_empty() {
            return SourceSpec { path: PathBuf::from(file), tree: None };
        }
        let separator = tree.contains('/') || tree.contains(std::path::MAIN_SEPARATOR);
        let file_like = Path::new(file).is_file() || file.to_ascii_lowercase().ends_with(".root");
        if separator || !file_like || file.is_empty() {
            return whole();
        }
        SourceSpec { path: PathBuf::from(file), tree: Some(tree.to_string()) }
    }

    /// The input as messages name it: `file` or `file:tree`.
    pub fn origin(&self) -> String {
        match &self.tree {
            Some(t) => format!("{}:{t}", self.path.display()),
            None => self.path.display().to_string(),
        }
    }
}

impl std::fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.origin())
    }
}

/// Where signal and background events come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// One input per class: every event of `signal` is signal, every event of `background`
    /// is background (both may be trees of the same ROOT file).
    Separate {
        /// The signal input.
        signal: SourceSpec,
        /// The background input.
        background: SourceSpec,
    },
    /// One input whose `label` column says the class: 1 signal, 0 background.
    Labelled {
        /// The input.
        data: SourceSpec,
        /// The label column.
        label: String,
    },
}

/// The file formats the loader reads, chosen by file name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// A ROOT file (`.root`) with flat TTrees.
    Root,
    /// A CSV file with a header line (`.csv`).
    Csv,
}

impl FileKind {
    /// Detects the format from the file name's ending, ignoring case.
    pub fn of(path: &Path) -> Result<FileKind, DataError> {
        let name = path.to_string_lossy().to_ascii_lowercase();
        if name.ends_with(".root") {
            Ok(FileKind::Root)
        } else if name.ends_with(".csv") {
            Ok(FileKind::Csv)
        } else {
            Err(DataError::UnsupportedFileType { path: path.to_path_buf() })
        }
    }
}

/// The class a tree name suggests: `Some(true)` signal, `Some(false)` background.
///
/// Signal-like: the lowercase name contains `sig`, or the name ends in `S` right after `Tree`
/// (TMVA's `TreeS`). Background-like: the lowercase name contains `bkg`, `back` or `bg`, or
/// the name ends in `B` right after `Tree` (`TreeB`). A name matching both or neither says
/// nothing.
pub fn tree_class(name: &str) -> Option<bool> {
    let lower = name.to_ascii_lowercase();
    let sig = lower.contains("sig") || name.ends_with("TreeS");
    let bkg = ["bkg", "back", "bg"].iter().any(|p| lower.contains(p)) || name.ends_with("TreeB");
    match (sig, bkg) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        _ => None,
    }
}

/// Picks the tree for `role` (`signal`, `background` or `data`) among `trees`.
///
/// A file with a single tree uses it for any role. Otherwise the signal (background) role
/// takes the one tree whose name is signal-like (background-like) by [`tree_class`]; zero or
/// several candidates, or the `data` role with several trees, are an error listing the trees.
pub fn choose_tree(path: &Path, role: &'static str, trees: &[String]) -> Result<String, DataError> {
    let have = || trees.join(", ");
    let fail = |reason: String| DataError::TreeChoice {
        path: path.to_path_buf(),
        role,
        reason,
        have: have(),
    };
    if let [only] = trees {
        return Ok(only.clone());
    }
    let want = match role {
        "signal" => true,
        "background" => false,
        _ => return Err(fail("the file has several trees".to_string())),
    };
    let found: Vec<&String> = trees.iter().filter(|t| tree_class(t) == Some(want)).collect();
    match found.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(fail(format!("no tree name looks like {role}"))),
        many => Err(fail(format!(
            "several tree names look like {role}: {}",
            many.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_plain_and_tree() {
        let s = SourceSpec::parse("x.csv");
        assert_eq!(s, SourceSpec { path: "x.csv".into(), tree: None });
        let s = SourceSpec::parse("dir/h.root:sig_tree");
        assert_eq!(s, SourceSpec { path: "dir/h.root".into(), tree: Some("sig_tree".into()) });
        let s = SourceSpec::parse("h.ROOT:TreeB");
        assert_eq!(s.tree.as_deref(), Some("TreeB"));
    }

    #[test]
    fn parse_colons_in_paths() {
        // A Windows drive letter: what follows the colon is a path.
        let s = SourceSpec::parse("C:/data/h.root");
        assert_eq!(s, SourceSpec { path: "C:/data/h.root".into(), tree: None });
        // Colon in a CSV name whose prefix is neither an existing file nor a .root.
        let s = SourceSpec::parse("run:3.csv");
        assert_eq!(s, SourceSpec { path: "run:3.csv".into(), tree: None });
        // Trailing colon.
        let s = SourceSpec::parse("h.root:");
        assert_eq!(s, SourceSpec { path: "h.root".into(), tree: None });
    }

    #[test]
    fn parse_existing_file_with_colon_wins() {
        let dir = std::env::temp_dir().join(format!("cabin-source-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("a.root:b");
        std::fs::write(&f, b"x").unwrap();
        let s = SourceSpec::parse(f.to_str().unwrap());
        assert_eq!(s.path, f);
        assert_eq!(s.tree, None);
        // Prefix exists (without .root ending): split.
        let g = dir.join("plain");
        std::fs::write(&g, b"x").unwrap();
        let s = SourceSpec::parse(&format!("{}:t", g.display()));
        assert_eq!((s.path, s.tree), (g, Some("t".to_string())));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn file_kinds() {
        assert_eq!(FileKind::of(Path::new("a.ROOT")).unwrap(), FileKind::Root);
        assert_eq!(FileKind::of(Path::new("a.csv")).unwrap(), FileKind::Csv);
        let e = FileKind::of(Path::new("a.csv.gz")).unwrap_err().to_string();
        assert!(e.contains("(expected a .root or .csv file)"), "{e}");
        let e = FileKind::of(Path::new("a.parquet")).unwrap_err().to_string();
        assert!(e.contains("unsupported file type 'a.parquet'"), "{e}");
    }

    #[test]
    fn tree_names() {
        for (n, c) in [
            ("sig_tree", Some(true)),
            ("bkg_tree", Some(false)),
            ("TreeS", Some(true)),
            ("TreeB", Some(false)),
            ("sig_filtered", Some(true)),
            ("bg_filtered", Some(false)),
            ("background", Some(false)),
            ("events", None),
            ("sig_vs_bkg", None),
        ] {
            assert_eq!(tree_class(n), c, "{n}");
        }
    }

    #[test]
    fn choosing_trees() {
        let p = Path::new("f.root");
        let t: Vec<String> = ["TreeS", "TreeB"].map(String::from).to_vec();
        assert_eq!(choose_tree(p, "signal", &t).unwrap(), "TreeS");
        assert_eq!(choose_tree(p, "background", &t).unwrap(), "TreeB");
        let e = choose_tree(p, "data", &t).unwrap_err().to_string();
        assert!(e.contains("trees: TreeS, TreeB"), "{e}");
        let one = vec!["events".to_string()];
        assert_eq!(choose_tree(p, "signal", &one).unwrap(), "events");
        let two: Vec<String> = ["sig_a", "sig_b", "bkg"].map(String::from).to_vec();
        let e = choose_tree(p, "signal", &two).unwrap_err().to_string();
        assert!(e.contains("several tree names look like signal: sig_a, sig_b"), "{e}");
        let none: Vec<String> = ["a", "b"].map(String::from).to_vec();
        let e = choose_tree(p, "background", &none).unwrap_err().to_string();
        assert!(e.contains("no tree name looks like background (trees: a, b)"), "{e}");
    }
}
