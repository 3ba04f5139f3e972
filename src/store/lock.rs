//! Exclusive directory locks: one process at a time writes a run directory or a sweep cell.
//!
//! The lock is an OS advisory lock (`flock`) on `DIR/.lock`, held for the life of [`DirLock`]; the
//! kernel releases it when the process dies, so a killed run never leaves a stale lock behind. The
//! file records the holder's pid for the error message of whoever is refused.
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

pub const LOCK_FILE: &str = ".lock";

/// The refusal of [`DirLock::acquire`] when another process holds the lock (any other failure —
/// a read-only filesystem, a permission — is an ordinary I/O error), so callers can tell them apart
/// with `anyhow::Error::downcast_ref::<LockHeld>()`.
#[derive(Debug, thiserror::Error)]
#[error("{} is in use by another aerepro process ({holder}); wait for it to finish", dir.display())]
pub struct LockHeld {
    pub dir: PathBuf,
    pub holder: String,
}

/// Held lock on a directory; dropping it releases the lock.
#[derive(Debug)]
pub struct DirLock {
    _file: File,
    path: PathBuf,
}

impl DirLock {
    /// Creates `dir` if needed and takes its lock, or fails at once naming the holder.
    pub fn acquire(dir: &Path) -> anyhow::Result<DirLock> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join(LOCK_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| format!("opening the lock file {}", path.display()))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                return Err(LockHeld {
                    dir: dir.to_path_buf(),
                    holder: holder.trim().to_string(),
                }
                .into());
            }
            Err(TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("locking {}", path.display()))
            }
        }
        file.set_len(0)?;
        file.rewind()?;
        write!(file, "pid {}", std::process::id())?;
        Ok(DirLock { _file: file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether another process holds the lock of `dir`, without creating or writing anything (so it
    /// works on a read-only directory); `false` when there is no lock file.
    pub fn is_held(dir: &Path) -> std::io::Result<bool> {
        let path = dir.join(LOCK_FILE);
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e),
        };
        match file.try_lock_shared() {
            Ok(()) => Ok(false),
            Err(TryLockError::WouldBlock) => Ok(true),
            Err(TryLockError::Error(e)) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_directory_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let first = DirLock::acquire(dir.path()).unwrap();
        let refused = DirLock::acquire(dir.path()).unwrap_err().to_string();
        assert!(
            refused.contains("in use by another aerepro process"),
            "{refused}"
        );
        assert!(
            refused.contains(&format!("pid {}", std::process::id())),
            "{refused}"
        );
        assert!(DirLock::is_held(dir.path()).unwrap());
        drop(first);
        assert!(!DirLock::is_held(dir.path()).unwrap());
        DirLock::acquire(dir.path()).unwrap();
    }

    #[test]
    fn the_refusal_is_a_typed_lock_held_error() {
        let dir = tempfile::tempdir().unwrap();
        let _first = DirLock::acquire(dir.path()).unwrap();
        let refused = DirLock::acquire(dir.path()).unwrap_err();
        assert!(refused.downcast_ref::<LockHeld>().is_some(), "{refused:#}");
        assert!(!DirLock::is_held(&dir.path().join("absent")).unwrap());
    }
}
