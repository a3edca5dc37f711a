//! One writer per ledger file: an exclusive lock beside it (`ledger.lock`), held by the agent
//! for as long as it runs, or by a command that writes the ledger itself while no agent does.

use std::fmt;
use std::fs::File;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub enum LockError {
    /// A clockoff agent (in this session or another) holds the ledger at this path.
    InUse(PathBuf),
    /// The lock file at this path could not be made or locked.
    Io(PathBuf, std::io::Error),
}

impl fmt::Display for LockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockError::InUse(path) => write!(
                f,
                "a clockoff agent is already keeping the ledger at {}",
                path.display()
            ),
            LockError::Io(path, e) => write!(f, "cannot lock {}: {e}", path.display()),
        }
    }
}

impl std::error::Error for LockError {}

/// Takes the lock beside `ledger` without waiting; it is held until the file is dropped.
pub fn lock(ledger: &Path) -> Result<File, LockError> {
    let path = ledger.with_extension("lock");
    let failed = |e: std::io::Error| LockError::Io(path.clone(), e);
    if let Some(dir) = ledger.parent() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(failed)?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&path)
        .map_err(failed)?;
    match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Ok(file),
        Err(rustix::io::Errno::WOULDBLOCK) => Err(LockError::InUse(ledger.to_path_buf())),
        Err(e) => Err(failed(e.into())),
    }
}
