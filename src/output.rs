//! Writing results without ever leaving a partial file behind.
//!
//! Every output is first written next to its destination under a temporary name and then
//! renamed over it, so a crash or an error leaves either the old file or the new one.

use std::fs;
use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

/// Writes `bytes` to `path` atomically (temp file in the same folder, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        anyhow::bail!("output folder '{}' does not exist", dir.display());
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".cabin-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in '{}'", dir.display()))?;
    tmp.write_all(bytes).with_context(|| format!("cannot write '{}'", path.display()))?;
    tmp.as_file().sync_all().ok();
    tmp.persist(path).with_context(|| format!("cannot write '{}'", path.display()))?;
    Ok(())
}

/// Fills a new folder with `fill` and moves it to `dest` in one rename; an existing `dest` is
/// replaced only after the new content is complete.
pub fn write_dir_atomic(dest: &Path, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        anyhow::bail!("output folder '{}' does not exist", parent.display());
    }
    let staging = tempfile::Builder::new()
        .prefix(".cabin-")
        .tempdir_in(parent)
        .with_context(|| format!("cannot create a temporary folder in '{}'", parent.display()))?;
    fill(staging.path())?;
    let staged = staging.keep();
    if dest.exists() {
        if !dest.is_dir() {
            fs::remove_dir_all(&staged).ok();
            anyhow::bail!("'{}' exists and is not a folder", dest.display());
        }
        let old = parent.join(format!(
            ".cabin-old-{}",
            dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
        ));
        fs::remove_dir_all(&old).ok();
        fs::rename(dest, &old)
            .with_context(|| format!("cannot move the old '{}' aside", dest.display()))?;
        if let Err(e) = fs::rename(&staged, dest) {
            fs::rename(&old, dest).ok();
            fs::remove_dir_all(&staged).ok();
            return Err(e).with_context(|| format!("cannot write '{}'", dest.display()));
        }
        fs::remove_dir_all(&old).ok();
    } else {
        fs::rename(&staged, dest).with_context(|| format!("cannot write '{}'", dest.display()))?;
    }
    Ok(())
}
