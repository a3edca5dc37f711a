//! Temporary directories for peers, removed when dropped (the `tempfile` crate's).

use std::path::{Path, PathBuf};

pub use tempfile::TempDir;

/// A fresh directory named after what it is for, so a leftover one says whose it was.
pub fn temp_dir(label: &str) -> TempDir {
    tempfile::Builder::new()
        .prefix(&format!("clockoff-{label}-"))
        .tempdir()
        .unwrap_or_else(|e| panic!("creating a temporary directory for {label}: {e}"))
}

/// A subdirectory of `dir`, created with mode 0700 (as XDG_RUNTIME_DIR must be).
pub fn subdir(dir: &Path, name: &str) -> PathBuf {
    use std::os::unix::fs::DirBuilderExt;
    let path = dir.join(name);
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&path)
        .unwrap_or_else(|e| panic!("creating {}: {e}", path.display()));
    path
}
