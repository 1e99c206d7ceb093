//! ROOT input through the pure-Rust reader `oxyroot`: TTrees of flat numeric branches.
//!
//! Branches of type `f32`, `f64`, `i8`..`i64`, `u8`..`u64` and `bool` are read and widened to
//! `f64` (exact except for 64-bit integers above 2^53). Other branches (vectors, strings,
//! objects) are listed but never default features; asking for one is an error.
//!
//! **Entry order.** oxyroot 0.1.25 returns the entries of a branch's basket embedded in the
//! TTree record (the last, unfinished basket ROOT writes there when a file is closed) before
//! those of its on-disk baskets. Branches whose values come in more than one basket are put
//! back in entry order from the file's basket records (see `layout`); when these cannot be
//! read or disagree with what the reader returned, the branch is a [`DataError::RootLayout`]
//! error instead of a column out of line with the others. Branches read in one piece (one
//! basket, as in `Higgs_data.root`) cost nothing extra.
//!
//! oxyroot panics on some inputs it cannot decode (legacy compression such as `CS`, newer
//! streamer versions, a key that is not a tree) instead of returning an error. A panic there is
//! about the file, not a bug of ours, so every call into the reader runs under
//! [`std::panic::catch_unwind`] and a panic becomes [`DataError::RootDecode`] naming the file and
//! tree. While the reader runs, a panic hook installed once by this module keeps the panic
//! message off stderr (it is kept for the error instead); panics anywhere else still reach the
//! previous hook unchanged.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::Once;

use oxyroot::{Branch, Named, ReaderTree, RootFile, UnmarshalerInto};

use super::error::DataError;
use super::source::choose_tree;
use super::table::{Column, Table};

mod layout;

use layout::{embedded_len, Chunks, DiskBaskets};

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
    static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Runs `f`, turning a panic into `Err(message)` without printing it.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) {
                let place = info.location().map(|l| format!("{}:{}", short(l.file()), l.line()));
                CAUGHT.with(|c| *c.borrow_mut() = place);
            } else {
                previous(info);
            }
        }));
    });
    QUIET.with(|q| q.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    result.map_err(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown failure".to_string());
        let place = CAUGHT.with(|c| c.borrow_mut().take()).unwrap_or_default();
        if place.is_empty() {
            format!("the ROOT reader failed: {msg}")
        } else {
            format!("the ROOT reader failed: {msg} (panic in {place})")
        }
    })
}

/// The last three components of a source path (`oxyroot-0.1.25/src/rcompress.rs`), so
/// messages do not carry the build machine's directories.
fn short(file: &str) -> String {
    let parts: Vec<&str> = file.split(['/', '\\']).collect();
    parts[parts.len().saturating_sub(3)..].join("/")
}

/// The names of the TTrees of a ROOT file, in key order, each once.
pub fn list_trees(path: &Path) -> Result<Vec<String>, DataError> {
    let origin = path.display().to_string();
    guarded(|| {
        let file = open(path)?;
        Ok(trees_of(&file))
    })
    .unwrap_or_else(|detail| Err(DataError::RootDecode { origin, detail }))
}

fn open(path: &Path) -> Result<RootFile, DataError> {
    if !path.is_file() {
        let cause = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        return Err(DataError::Io { path: path.to_path_buf(), cause });
    }
    // Check the signature first: the reader asserts on it, and its message names only bytes.
    let mut magic = [0u8; 4];
    let read = std::fs::File::open(path).and_then(|mut f| {
        use std::io::Read;
        f.read_exact(&mut magic)
    });
    if read.is_err() || &magic != b"root" {
        let detail = "not a ROOT file (it does not begin with the signature 'root'; \
                      empty, truncated, or another format?)"
            .to_string();
        return Err(DataError::RootOpen { path: path.to_path_buf(), detail });
    }
    RootFile::open(path)
        .map_err(|e| DataError::RootOpen { path: path.to_path_buf(), detail: e.to_string() })
}

fn trees_of(file: &RootFile) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for key in file.keys() {
        if key.class_name() == "TTree" && !out.iter().any(|n| n == key.name()) {
            out.push(key.name().to_string());
        }
    }
    out
}

/// Reads one tree. With `tree` unset the tree is chosen by [`choose_tree`] for `role`.
/// `wanted` limits which branches are read (`None`: all). Returns the table and the tree name.
pub(crate) fn read(
    path: &Path,
    tree: Option<&str>,
    role: &'static str,
    wanted: Option<&[&str]>,
) -> Result<(Table, String), DataError> {
    let mut origin = path.display().to_string();
    let mut name = tree.map(str::to_string);
    let result = guarded(|| -> Result<(Table, String), DataError> {
        let mut file = open(path)?;
        let trees = trees_of(&file);
        if trees.is_empty() {
            let have: Vec<String> =
                file.keys().iter().map(|k| format!("{} ({})", k.name(), k.class_name())).collect();
            return Err(DataError::NoTree { path: path.to_path_buf(), have: have.join(", ") });
        }
        let chosen = match tree {
            Some(t) if trees.iter().any(|n| n == t) => t.to_string(),
            Some(t) => {
                return Err(DataError::TreeNotFound {
                    path: path.to_path_buf(),
                    tree: t.to_string(),
                    have: trees.join(", "),
                })
            }
            None => choose_tree(path, role, &trees)?,
        };
        name = Some(chosen.clone());
        let origin = format!("{}:{chosen}", path.display());
        let t = file
            .get_tree(&chosen)
            .map_err(|e| DataError::RootDecode { origin: origin.clone(), detail: e.to_string() })?;
        let table = columns(&t, path, &chosen, origin, wanted)?;
        Ok((table, chosen))
    });
    if let Some(n) = &name {
        origin = format!("{origin}:{n}");
    }
    result.unwrap_or_else(|detail| Err(DataError::RootDecode { origin, detail }))
}

fn columns(
    t: &ReaderTree,
    path: &Path,
    tree: &str,
    origin: String,
    wanted: Option<&[&str]>,
) -> Result<Table, DataError> {
    let rows = usize::try_from(t.entries()).unwrap_or(0);
    let mut names = Vec::new();
    let mut columns = Vec::new();
    let mut disk: Option<DiskBaskets> = None;
    for b in t.branches() {
        let name = b.name().to_string();
        let asked = wanted.is_none_or(|w| w.contains(&name.as_str()));
        let ty = b.interpretation();
        let read = if !asked || b.branches().next().is_some() {
            None
        } else {
            match ty.as_str() {
                "f64" => Some(values::<f64>(b, &origin, |v| v)?),
                "f32" => Some(values::<f32>(b, &origin, f64::from)?),
                "i64" => Some(values::<i64>(b, &origin, |v| v as f64)?),
                "u64" => Some(values::<u64>(b, &origin, |v| v as f64)?),
                "i32" => Some(values::<i32>(b, &origin, f64::from)?),
                "u32" => Some(values::<u32>(b, &origin, f64::from)?),
                "i16" => Some(values::<i16>(b, &origin, f64::from)?),
                "u16" => Some(values::<u16>(b, &origin, f64::from)?),
                "i8" => Some(values::<i8>(b, &origin, f64::from)?),
                "u8" => Some(values::<u8>(b, &origin, f64::from)?),
                "bool" => Some(values::<bool>(b, &origin, f64::from)?),
                _ => None,
            }
        };
        let column = match read {
            Some((v, _)) if v.len() != rows => {
                return Err(DataError::EntriesMismatch {
                    column: name,
                    origin,
                    got: v.len(),
                    expected: rows,
                })
            }
            Some((mut values, chunks)) => {
                if !chunks.single() {
                    let failed = |detail| DataError::RootLayout {
                        origin: origin.clone(),
                        branch: name.clone(),
                        detail,
                    };
                    if disk.is_none() {
                        disk = Some(DiskBaskets::scan(path).map_err(failed)?);
                    }
                    let on_disk = disk.as_ref().map_or(&[][..], |d| d.of(tree, &name));
                    let embedded = embedded_len(&chunks.sizes(), on_disk).map_err(failed)?;
                    if embedded > 0 {
                        log::debug!(
                            "branch '{name}' of '{origin}': {embedded} entries of the basket \
                             embedded in the tree moved after the {} on disk",
                            rows as u64 - embedded
                        );
                    }
                    values.rotate_left(embedded as usize);
                }
                Column::Numeric { values, first_unparsed: None }
            }
            None if !asked => Column::Skipped,
            None => Column::Unsupported(ty),
        };
        names.push(name);
        columns.push(column);
    }
    log::debug!("read {rows} entries with {} branches from '{origin}'", names.len());
    Ok(Table { origin, rows, names, columns, lines: Vec::new() })
}

/// Decodes every value of a flat branch as `T`, widened to `f64`, in the order the reader
/// yields them, and notes where each of the reader's baskets starts.
fn values<T: UnmarshalerInto<Item = T>>(
    b: &Branch,
    origin: &str,
    widen: fn(T) -> f64,
) -> Result<(Vec<f64>, Chunks), DataError> {
    let mut chunks = Chunks::default();
    let mut failed: Option<String> = None;
    let values: Vec<f64> = b
        .get_basket(|r| {
            chunks.push(r.pos() == 0);
            match r.read_object_into::<T>() {
                Ok(v) => widen(v),
                Err(e) => {
                    failed.get_or_insert_with(|| e.to_string());
                    f64::NAN
                }
            }
        })
        .collect();
    match failed {
        Some(e) => Err(decode(origin, b.name(), e)),
        None => Ok((values, chunks)),
    }
}

fn decode(origin: &str, branch: &str, e: impl std::fmt::Display) -> DataError {
    DataError::RootDecode { origin: origin.to_string(), detail: format!("branch '{branch}': {e}") }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_file_that_is_not_root_says_so() {
        // Regression: a CSV renamed to .root gave the reader's byte-level assertion text.
        let dir = tempfile::tempdir().unwrap();
        for (name, body) in [("csv.root", &b"a,b\n1,2\n"[..]), ("empty.root", &b""[..])] {
            let p = dir.path().join(name);
            std::fs::write(&p, body).unwrap();
            let e = open(&p).err().expect("not a ROOT file").to_string();
            assert!(e.contains("not a ROOT file"), "{e}");
        }
    }
    use super::*;

    #[test]
    fn panics_become_errors_quietly() {
        let r: Result<(), String> = guarded(|| panic!("boom {}", 7));
        let e = r.unwrap_err();
        assert!(e.contains("boom 7"), "{e}");
        assert!(e.starts_with("the ROOT reader failed: boom 7 (panic in src/data/root.rs:"), "{e}");
        assert_eq!(guarded(|| 3).unwrap(), 3);
    }

    #[test]
    fn missing_file() {
        let e = read(Path::new("no/such.root"), None, "data", None).unwrap_err().to_string();
        assert!(e.starts_with("cannot read 'no/such.root'"), "{e}");
    }

    #[test]
    fn not_a_root_file() {
        let dir = std::env::temp_dir().join(format!("cabin-root-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("fake.root");
        std::fs::write(&p, b"this is not a ROOT file at all, just some text").unwrap();
        let e = read(&p, Some("t"), "data", None).unwrap_err().to_string();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(e.contains("fake.root"), "{e}");
    }
}
