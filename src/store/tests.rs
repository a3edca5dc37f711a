//! Tests that need the ledger's insides; the public API is tested in tests/ledger.rs.

use std::os::unix::fs::PermissionsExt;

use super::*;

#[test]
fn default_path_follows_xdg_then_home() {
    let os = |s: &str| Some(OsString::from(s));
    assert_eq!(
        path_from(os("/data"), os("/home/sw")),
        Some(PathBuf::from("/data/clockoff/ledger.sqlite3"))
    );
    for ignored in [None, os(""), os("relative/data")] {
        assert_eq!(
            path_from(ignored, os("/home/sw")),
            Some(PathBuf::from(
                "/home/sw/.local/share/clockoff/ledger.sqlite3"
            ))
        );
    }
    assert_eq!(path_from(None, None), None);
    assert_eq!(path_from(None, os("")), None);
}

#[tokio::test]
async fn the_connection_is_wal_with_synchronous_full_in_a_private_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("a/b/ledger.sqlite3");
    let (ledger, recovery) = Ledger::open(&path).await.unwrap();
    assert_eq!(recovery, Recovery::default());

    let (reply, answer) = oneshot::channel();
    ledger
        .commands
        .send(Command::Pragmas { reply })
        .await
        .unwrap();
    let (journal_mode, synchronous) = answer.await.unwrap().unwrap();
    assert_eq!(journal_mode, "wal");
    assert_eq!(synchronous, 2, "synchronous=FULL is 2");

    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&tmp.path().join("a")), 0o700);
    assert_eq!(mode(&tmp.path().join("a/b")), 0o700);
    assert_eq!(mode(&path), 0o600);
    ledger.close().await.unwrap();
}

#[tokio::test]
async fn unknown_ids_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let (ledger, _) = Ledger::open(tmp.path().join("ledger.sqlite3"))
        .await
        .unwrap();
    let at = DateTime::from_timestamp_millis(1_777_000_000_000).unwrap();
    let err = ledger.checkpoint(IntervalId(42), at).await.unwrap_err();
    assert!(
        matches!(err, StoreError::NoSuchInterval(IntervalId(42))),
        "{err}"
    );
    assert_eq!(err.to_string(), "the ledger has no active interval #42");
    let err = ledger.close_interval(IntervalId(42), at).await.unwrap_err();
    assert!(matches!(err, StoreError::NoSuchInterval(_)), "{err}");
    let err = ledger.end_override(OverrideId(7), at).await.unwrap_err();
    assert!(
        matches!(err, StoreError::NoSuchOverride(OverrideId(7))),
        "{err}"
    );
    ledger.close().await.unwrap();
}
