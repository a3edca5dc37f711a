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

/// A V4 file (chained, but from before TOIL) read by this clockoff before its agent has
/// migrated it: `verify` and the TOIL list must read it as it is, not fail on the new table.
#[test]
fn a_v4_file_reads_as_intact_with_no_toil_before_it_is_migrated() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("ledger.sqlite3");
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        schema::migrate(&mut conn, &schema::MIGRATIONS[..4]).unwrap();
        conn.execute(
            "INSERT INTO transitions (at_ms, state) VALUES (0, 'off')",
            [],
        )
        .unwrap();
        chain::sql::append(&conn, chain::Kind::Transition, 1).unwrap();
    }
    let reader = Reader::open(&path).unwrap().unwrap();
    let report = reader.verify().unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.entries, 1);
    assert_eq!(reader.toil_taken(None).unwrap(), []);
}

#[tokio::test]
async fn toil_taken_is_stored_chained_and_read_back_by_date() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("ledger.sqlite3");
    let (ledger, _) = Ledger::open(&path).await.unwrap();
    let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
    let date = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
    for bad in [0, -5, MAX_TOIL_MINUTES + 1] {
        assert!(matches!(
            ledger.take_toil(date("2026-11-27"), bad, "", at).await,
            Err(StoreError::BadToil(m)) if m == bad
        ));
    }
    ledger
        .take_toil(date("2026-12-04"), 60, "  dentist ", at)
        .await
        .unwrap();
    ledger
        .take_toil(date("2026-11-27"), 120, "", at)
        .await
        .unwrap();
    ledger.close().await.unwrap();
    let reader = Reader::open(&path).unwrap().unwrap();
    let all = reader.toil_taken(None).unwrap();
    assert_eq!(
        all.iter()
            .map(|t| (t.date.to_string(), t.minutes, t.note.as_str()))
            .collect::<Vec<_>>(),
        [
            ("2026-11-27".to_string(), 120, ""),
            ("2026-12-04".to_string(), 60, "dentist")
        ]
    );
    assert_eq!(
        reader.toil_taken(Some(date("2026-11-30"))).unwrap().len(),
        1
    );
    let report = reader.verify().unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.entries, 2);
}
