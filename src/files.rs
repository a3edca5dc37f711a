//! Files the program writes for the worker (their config, a token file, the enrolment),
//! written whole or not at all.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Where `configured` (a config's path: absolute, or `~/...`) points, with `home` for `~`.
pub fn resolve(configured: &str, home: Option<&Path>) -> Option<PathBuf> {
    match configured.strip_prefix("~/") {
        Some(rest) => home.map(|h| h.join(rest)),
        None => Some(PathBuf::from(configured)),
    }
}

/// [`resolve`] with this process's `HOME`.
pub fn resolve_in_home(configured: &str) -> Option<PathBuf> {
    resolve(
        configured,
        std::env::var_os("HOME").map(PathBuf::from).as_deref(),
    )
}

/// Writes `text` to `path` whole or not at all: a temporary file beside it, synced, then
/// renamed over it, with the folder made first and the old file's permissions kept. `mode`
/// is for a new file.
pub fn write_whole(path: &Path, text: &str, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).map_or(mode, |m| m.permissions().mode() & 0o7777);
    write_with_mode(path, text, mode)
}

/// As [`write_whole`], readable by the worker alone (0600) whatever the file was before:
/// a token, the enrolment.
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    write_with_mode(path, text, 0o600)
}

fn write_with_mode(path: &Path, text: &str, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let dir = path.parent().unwrap_or(Path::new("."));
    // Folders made for a private file are private too (0700, as the ledger's is); folders
    // that exist are left as they are.
    let folder_mode = if mode & 0o077 == 0 { 0o700 } else { 0o755 };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(folder_mode)
        .create(dir)?;
    let name = path
        .file_name()
        .map_or_else(Default::default, |n| n.to_string_lossy().into_owned());
    let temporary = dir.join(format!(".{name}.new-{}", std::process::id()));
    // One a crashed run with the same pid left behind.
    let _ = std::fs::remove_file(&temporary);
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&temporary)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}
