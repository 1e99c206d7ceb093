//! Writing results without ever leaving a partial file behind.
//!
//! Every output is first written next to its destination under a temporary name and then
//! renamed over it, so a crash or an error leaves either the old file or the new one.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};

/// Files this run has read, canonicalised: no output may replace one of them.
static INPUTS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Records `path` as an input of this run (a file that does not resolve is ignored).
pub fn note_input(path: &Path) {
    if let (Ok(p), Ok(mut inputs)) = (fs::canonicalize(path), INPUTS.lock()) {
        if !inputs.contains(&p) {
            inputs.push(p);
        }
    }
}

/// Refuses `dest` when it is an input of this run or, for a folder, holds one.
fn refuse_inputs(dest: &Path) -> Result<()> {
    let Ok(dest_c) = fs::canonicalize(dest) else { return Ok(()) };
    let inputs = INPUTS.lock().map(|i| i.clone()).unwrap_or_default();
    if let Some(input) = inputs.iter().find(|i| i.starts_with(&dest_c)) {
        if *input == dest_c {
            anyhow::bail!(
                "output '{}' is an input of this run; write the output somewhere else",
                dest.display()
            );
        }
        anyhow::bail!(
            "output folder '{}' holds '{}', an input of this run; write the output somewhere else",
            dest.display(),
            input.display()
        );
    }
    Ok(())
}

/// Checks, before any work, that `path` can take a file: its folder exists and it is not
/// itself a folder. Returns the folder.
pub fn check_file_destination(path: &Path) -> Result<&Path> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        anyhow::bail!("output folder '{}' does not exist", dir.display());
    }
    if path.is_dir() {
        anyhow::bail!("output '{}' is a folder, expected a file name", path.display());
    }
    Ok(dir)
}

/// Writes `bytes` to `path` atomically (temp file in the same folder, then rename).
///
/// On unix the result has the permissions of the file it replaces, or for a new file 0644
/// minus the umask, like a file any other tool writes (the temporary file alone would be
/// 0600, readable by its owner only).
///
/// A destination that exists and is not a regular file (`/dev/null`, a named pipe) is written
/// into directly: renaming onto it would replace the device or pipe itself. A folder is an
/// error.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = check_file_destination(path)?;
    refuse_inputs(path)?;
    if fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        let mut f = fs::OpenOptions::new()
            .write(true)
            .open(path)
            .with_context(|| format!("cannot write '{}'", path.display()))?;
        return f.write_all(bytes).with_context(|| format!("cannot write '{}'", path.display()));
    }
    let mut builder = tempfile::Builder::new();
    builder.prefix(".cabin-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // The mode passed at creation goes through the umask, as for any new file.
        builder.permissions(fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in '{}'", dir.display()))?;
    #[cfg(unix)]
    if let Ok(old) = fs::metadata(path) {
        // Keep what the user chose for the file being replaced (set directly: no umask).
        fs::set_permissions(tmp.path(), old.permissions())
            .with_context(|| format!("cannot copy the permissions of '{}'", path.display()))?;
    }
    tmp.write_all(bytes).with_context(|| format!("cannot write '{}'", path.display()))?;
    tmp.as_file().sync_all().ok();
    tmp.persist(path).with_context(|| format!("cannot write '{}'", path.display()))?;
    Ok(())
}

/// Name of the marker file cabin leaves in every folder it writes.
pub const MARKER: &str = ".cabin-output";

/// Fills a new folder with `fill` and moves it to `dest` in one rename.
///
/// `dest` may be missing, an empty folder, or a folder an earlier cabin run wrote (it holds
/// [`MARKER`]); such a folder is replaced as a whole, and only after the new content is
/// complete. Any other existing folder is refused before anything is written, so a user's files
/// are never deleted. On any error the staging folder is removed.
pub fn write_dir_atomic(dest: &Path, fill: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let (parent, name) = match (dest.parent(), dest.file_name()) {
        (Some(p), Some(n)) => (if p.as_os_str().is_empty() { Path::new(".") } else { p }, n),
        _ => anyhow::bail!(
            "output folder '{}' must name a folder to create or replace, not '.', '..' or a root",
            dest.display()
        ),
    };
    if !parent.is_dir() {
        anyhow::bail!("output folder '{}' does not exist", parent.display());
    }
    refuse_inputs(dest)?;
    let replace = match fs::symlink_metadata(dest) {
        Err(_) => false,
        Ok(meta) if !meta.is_dir() => {
            anyhow::bail!("'{}' exists and is not a folder", dest.display())
        }
        Ok(_) => {
            let mut entries = fs::read_dir(dest)
                .with_context(|| format!("cannot read output folder '{}'", dest.display()))?;
            if entries.next().is_some() && !dest.join(MARKER).is_file() {
                anyhow::bail!(
                    "output folder '{}' exists and holds files cabin did not write; \
                     give a new folder or empty this one",
                    dest.display()
                );
            }
            true
        }
    };

    let staging = tempfile::Builder::new()
        .prefix(".cabin-")
        .tempdir_in(parent)
        .with_context(|| format!("cannot create a temporary folder in '{}'", parent.display()))?;
    fill(staging.path())?;
    fs::write(
        staging.path().join(MARKER),
        format!(
            "Written by cabin {}. The next cabin run that writes here replaces this folder.\n",
            env!("CARGO_PKG_VERSION")
        ),
    )
    .with_context(|| format!("cannot write '{}'", dest.display()))?;

    if !replace {
        let staged = staging.keep();
        return fs::rename(&staged, dest).map_err(|e| {
            fs::remove_dir_all(&staged).ok();
            anyhow::Error::new(e).context(format!("cannot write '{}'", dest.display()))
        });
    }
    let old = parent.join(format!(".cabin-old-{}", name.to_string_lossy()));
    fs::remove_dir_all(&old).ok();
    fs::rename(dest, &old)
        .with_context(|| format!("cannot move the old '{}' aside", dest.display()))?;
    let staged = staging.keep();
    if let Err(e) = fs::rename(&staged, dest) {
        fs::rename(&old, dest).ok();
        fs::remove_dir_all(&staged).ok();
        return Err(e).with_context(|| format!("cannot write '{}'", dest.display()));
    }
    fs::remove_dir_all(&old).ok();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_pipe_or_device_is_written_into_not_replaced_and_a_folder_is_refused() {
        use std::io::Read;
        use std::os::unix::fs::FileTypeExt;
        let tmp = tempfile::tempdir().unwrap();
        let fifo = tmp.path().join("pipe");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path and mode.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                let mut got = String::new();
                fs::File::open(&fifo).unwrap().read_to_string(&mut got).unwrap();
                got
            })
        };
        write_atomic(&fifo, b"through the pipe").unwrap();
        assert_eq!(reader.join().unwrap(), "through the pipe");
        assert!(fs::metadata(&fifo).unwrap().file_type().is_fifo(), "still a pipe");
        let e = write_atomic(tmp.path(), b"x").unwrap_err().to_string();
        assert!(e.contains("is a folder, expected a file name"), "{e}");
    }

    fn fill_one(dir: &Path) -> Result<()> {
        fs::write(dir.join("a.txt"), "new")?;
        Ok(())
    }

    #[test]
    fn a_folder_of_user_files_is_refused_and_left_alone() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("mine");
        fs::create_dir(&dest).unwrap();
        fs::write(dest.join("important.txt"), "precious").unwrap();
        let err = write_dir_atomic(&dest, fill_one).unwrap_err().to_string();
        assert!(err.contains("holds files cabin did not write"), "{err}");
        assert_eq!(fs::read_to_string(dest.join("important.txt")).unwrap(), "precious");
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1, "no staging folder left");
    }

    #[test]
    fn new_empty_and_cabin_made_folders_are_written() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("out");
        write_dir_atomic(&dest, fill_one).unwrap();
        assert!(dest.join(MARKER).is_file());
        fs::write(dest.join("stale.txt"), "old run").unwrap();
        write_dir_atomic(&dest, fill_one).unwrap();
        assert!(!dest.join("stale.txt").exists(), "a cabin folder is replaced as a whole");
        let empty = tmp.path().join("empty");
        fs::create_dir(&empty).unwrap();
        write_dir_atomic(&empty, fill_one).unwrap();
        assert_eq!(fs::read_to_string(empty.join("a.txt")).unwrap(), "new");
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 2, "no staging folder left");
    }

    #[test]
    fn dot_and_failed_fills_leave_nothing_behind() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(write_dir_atomic(Path::new("."), fill_one).is_err());
        assert!(write_dir_atomic(&tmp.path().join(".."), fill_one).is_err());
        let dest = tmp.path().join("out");
        let err = write_dir_atomic(&dest, |_| anyhow::bail!("boom")).unwrap_err();
        assert_eq!(err.to_string(), "boom");
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
    }

    #[test]
    fn an_input_of_the_run_is_never_an_output() {
        // Regression: `cabin train good.csv -o good.csv` replaced the data with JSON, and
        // `cabin export dir/q.json -o dir` deleted the cut file it was reading.
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("good.csv");
        fs::write(&data, "a,label\n1,0\n").unwrap();
        let folder = tmp.path().join("run");
        fs::create_dir(&folder).unwrap();
        fs::write(folder.join(MARKER), "").unwrap();
        let cuts = folder.join("q.json");
        fs::write(&cuts, "{}").unwrap();
        note_input(&data);
        note_input(&cuts);
        let e = write_atomic(&data, b"{}").unwrap_err().to_string();
        assert!(e.contains("is an input of this run"), "{e}");
        let e = write_dir_atomic(&folder, fill_one).unwrap_err().to_string();
        assert!(e.contains("holds"), "{e}");
        assert_eq!(fs::read_to_string(&data).unwrap(), "a,label\n1,0\n");
        assert_eq!(fs::read_to_string(&cuts).unwrap(), "{}");
        write_atomic(&tmp.path().join("other.json"), b"{}").unwrap();
    }
}
