//! The device secret behind the per-week pseudonyms: 32 random bytes made once, kept beside
//! the ledger, readable by the worker alone, and never sent. Losing it only means later
//! weeks get pseudonyms unrelated to earlier ones, which is what the server sees anyway.

use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::{ReportError, random};
use crate::core::summary::DeviceSecret;

/// Where the secret lives for the ledger at `ledger`.
pub fn path_beside(ledger: &Path) -> PathBuf {
    ledger.with_file_name("device-secret")
}

/// Reads the secret at `path`, making it first if there is none. Two processes making it at
/// once agree: each writes its own file and links it into place, and only the first link
/// succeeds, so a half-written secret is never read.
pub fn load_or_create(path: &Path) -> Result<DeviceSecret, ReportError> {
    match read(path) {
        Err(ReportError::Secret { source, .. }) if source.kind() == io::ErrorKind::NotFound => {}
        other => return other,
    }
    let failed = |source| ReportError::Secret {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent() {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(failed)?;
    }
    let secret = DeviceSecret::from_bytes(random()?);
    let draft = path.with_extension(format!("new-{}", std::process::id()));
    let _ = fs::remove_file(&draft); // left by a crashed run with the same pid
    let written = write_new(&draft, &secret).and_then(|()| match fs::hard_link(&draft, path) {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(e),
        _ => Ok(()),
    });
    let _ = fs::remove_file(&draft);
    written.map_err(failed)?;
    if let Some(dir) = path.parent() {
        // The link is durable only once the directory is.
        fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(failed)?;
    }
    read(path)
}

fn read(path: &Path) -> Result<DeviceSecret, ReportError> {
    let text = fs::read_to_string(path).map_err(|source| ReportError::Secret {
        path: path.to_owned(),
        source,
    })?;
    DeviceSecret::from_text(&text).map_err(|why| ReportError::BadSecret {
        path: path.to_owned(),
        why,
    })
}

fn write_new(path: &Path, secret: &DeviceSecret) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    writeln!(file, "{}", secret.to_text())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn made_once_private_and_then_read_back() {
        let tmp = tempfile::tempdir().unwrap();
        let path = path_beside(&tmp.path().join("a/ledger.sqlite3"));
        assert_eq!(path, tmp.path().join("a/device-secret"));
        let first = load_or_create(&path).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&tmp.path().join("a")), 0o700);
        assert_eq!(load_or_create(&path).unwrap(), first);
        // Nothing else is left beside it.
        assert_eq!(fs::read_dir(tmp.path().join("a")).unwrap().count(), 1);
        // Two devices do not share a secret.
        let other = load_or_create(&tmp.path().join("b/device-secret")).unwrap();
        assert_ne!(other, first);
    }

    #[test]
    fn a_damaged_secret_is_an_error_not_a_new_secret() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("device-secret");
        fs::write(&path, "not hex\n").unwrap();
        let err = load_or_create(&path).unwrap_err().to_string();
        assert!(
            err.contains("device-secret") && err.contains("hex"),
            "{err}"
        );
        assert_eq!(fs::read_to_string(&path).unwrap(), "not hex\n");
    }
}
