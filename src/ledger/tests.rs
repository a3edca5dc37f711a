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

    let (journal_mode, synchronous) = ledger
        .run(|conn| {
            let mode: String = conn.pragma_query_value(None, "journal_mode", |row| row.get(0))?;
            let sync: i64 = conn.pragma_query_value(None, "synchronous", |row| row.get(0))?;
            Ok((mode, sync))
        })
        .await
        .unwrap();
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

/// A V5 file (before corrections) read before its agent migrates it: entries all count and
/// none is superseded; verify reads it as it is.
#[test]
fn a_v5_file_reads_its_entries_as_current_before_it_is_migrated() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("ledger.sqlite3");
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        schema::migrate(&mut conn, &schema::MIGRATIONS[..5]).unwrap();
        conn.execute(
            "INSERT INTO manual_entries (start_ms, end_ms, note, recorded_ms)
             VALUES (0, 3600000, 'visit', 3600000)",
            [],
        )
        .unwrap();
        chain::sql::append(&conn, chain::Kind::ManualAdded, 1).unwrap();
    }
    let reader = Reader::open(&path).unwrap().unwrap();
    let (from, to) = (ms(0), ms(86_400_000));
    let logged = reader.logged(from, to).unwrap();
    assert_eq!(logged.len(), 1);
    assert_eq!((logged[0].id, logged[0].corrects), (1, None));
    assert_eq!(reader.superseded(from, to).unwrap(), []);
    assert_eq!(reader.work(from, to).unwrap().len(), 1);
    assert_eq!(reader.first_record().unwrap(), Some(from));
    assert!(reader.verify().unwrap().intact());
}

fn ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap()
}

/// Hour `h` of Monday 23 November 2026, UTC.
fn h(hours: i64) -> DateTime<Utc> {
    ms(1_795_392_000_000 + hours * 3_600_000)
}

#[tokio::test]
async fn a_correction_adds_an_entry_and_only_the_current_version_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("ledger.sqlite3");
    let (ledger, _) = Ledger::open(&path).await.unwrap();
    let visit = ledger
        .add_manual(h(18), h(20), "late visit", h(21))
        .await
        .unwrap();
    let call = ledger
        .add_manual(h(22), h(23), "police call", h(23))
        .await
        .unwrap();
    let fixed = ledger
        .correct_manual(visit, h(18), h(19), "late visit (times fixed)", "", h(30))
        .await
        .unwrap();
    assert_eq!(fixed, ManualId(3));
    ledger
        .withdraw_manual(call, " logged twice ", h(31))
        .await
        .unwrap();
    // 2h + 1h logged, then the visit cut to 1h and the call withdrawn: 1h counts.
    let day = ledger.totals(h(0), h(24)).await.unwrap();
    assert_eq!(day.manual_minutes(), 60);
    ledger.close().await.unwrap();

    let reader = Reader::open(&path).unwrap().unwrap();
    let logged = reader.logged(h(0), h(24)).unwrap();
    assert_eq!(
        logged
            .iter()
            .map(|l| (l.id, l.note.as_str(), l.corrects))
            .collect::<Vec<_>>(),
        [(3, "late visit (times fixed)", Some(1))]
    );
    let work = reader.work(h(0), h(24)).unwrap();
    assert_eq!(work.len(), 1);
    assert_eq!((work[0].span.start, work[0].span.end), (h(18), h(19)));
    let gone = reader.superseded(h(0), h(24)).unwrap();
    assert_eq!(
        gone.iter()
            .map(|s| (
                s.entry.id,
                s.replaced_by,
                s.reason.as_str(),
                s.superseded_at
            ))
            .collect::<Vec<_>>(),
        [(1, Some(3), "", h(30)), (2, None, "logged twice", h(31))]
    );
    // The old rows are as they were written.
    assert_eq!(gone[0].entry.note, "late visit");
    assert_eq!((gone[0].entry.start, gone[0].entry.end), (h(18), h(20)));
    let report = reader.verify().unwrap();
    assert!(report.intact(), "{report:?}");
    assert_eq!(report.entries, 5, "three entries and two corrections");
}

#[tokio::test]
async fn refused_corrections_write_nothing_and_name_the_newer_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("ledger.sqlite3");
    let (ledger, _) = Ledger::open(&path).await.unwrap();
    let first = ledger
        .add_manual(h(18), h(20), "visit", h(21))
        .await
        .unwrap();
    let second = ledger
        .correct_manual(first, h(18), h(19), "visit", "", h(22))
        .await
        .unwrap();
    let third = ledger
        .correct_manual(second, h(17), h(19), "visit", "started earlier", h(23))
        .await
        .unwrap();
    let other = ledger.add_manual(h(8), h(9), "call", h(9)).await.unwrap();
    ledger
        .withdraw_manual(other, "not work", h(10))
        .await
        .unwrap();
    let head = || {
        Reader::open(&path)
            .unwrap()
            .unwrap()
            .chain_head()
            .unwrap()
            .unwrap()
            .seq
    };
    let before = head();

    let err = ledger
        .correct_manual(ManualId(99), h(1), h(2), "x", "", h(24))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::NoSuchManual(ManualId(99))),
        "{err}"
    );
    assert_eq!(err.to_string(), "there is no logged entry #99");
    let err = ledger
        .correct_manual(first, h(18), h(19), "visit", "", h(24))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "logged entry #1 was already corrected: its current version is #3, so correct or \
         withdraw #3 instead"
    );
    let err = ledger
        .withdraw_manual(second, "oops", h(24))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("current version is #3"), "{err}");
    let err = ledger
        .withdraw_manual(other, "again", h(24))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Superseded {
                latest: None,
                withdrawn: true,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("already withdrawn"), "{err}");
    let err = ledger
        .correct_manual(other, h(8), h(9), "call", "", h(24))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already withdrawn"), "{err}");
    assert!(err.is_refusal());
    ledger
        .withdraw_manual(third, "not work", h(24))
        .await
        .unwrap();
    let err = ledger.withdraw_manual(first, "x", h(25)).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "logged entry #1 was already corrected by #3, which was withdrawn; log the time again \
         if it should count"
    );
    // A withdrawal must say why; a correction's new version is checked like any entry.
    assert!(matches!(
        ledger.withdraw_manual(ManualId(99), "  ", h(25)).await,
        Err(StoreError::NoReason)
    ));
    assert!(matches!(
        ledger
            .correct_manual(ManualId(99), h(2), h(1), "x", "", h(25))
            .await,
        Err(StoreError::BadRange { .. })
    ));
    ledger.close().await.unwrap();
    assert_eq!(
        head(),
        before + 1,
        "only the one withdrawal of #3 was written"
    );
    let reader = Reader::open(&path).unwrap().unwrap();
    assert_eq!(reader.logged(h(0), h(48)).unwrap(), []);
    assert!(reader.verify().unwrap().intact());
}

#[tokio::test]
async fn one_early_finish_at_a_time_and_resuming_ends_it_there() {
    let tmp = tempfile::tempdir().unwrap();
    let (ledger, _) = Ledger::open(tmp.path().join("ledger.sqlite3"))
        .await
        .unwrap();
    let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    let in_force_at = async |s: &str| ledger.early_finish_at(t(s)).await.unwrap();
    let first = ledger
        .finish_early(t("2026-11-23T15:30:00Z"), t("2026-11-24T09:00:00Z"))
        .await
        .unwrap();
    assert_eq!(in_force_at("2026-11-23T16:00:00Z").await, Some(first));
    // A second finish ends the first where it starts.
    let second = ledger
        .finish_early(t("2026-11-23T16:00:00Z"), t("2026-11-24T09:00:00Z"))
        .await
        .unwrap();
    assert_eq!(
        in_force_at("2026-11-23T15:45:00Z").await,
        Some(EarlyFinish {
            end: t("2026-11-23T16:00:00Z"),
            ..first
        })
    );
    assert_eq!(in_force_at("2026-11-23T16:30:00Z").await, Some(second));
    let resumed = ledger.resume(t("2026-11-23T16:40:00Z")).await.unwrap();
    assert_eq!(resumed.map(|f| f.end), Some(t("2026-11-23T16:40:00Z")));
    assert_eq!(in_force_at("2026-11-23T16:50:00Z").await, None);
    assert_eq!(
        ledger.resume(t("2026-11-23T16:50:00Z")).await.unwrap(),
        None
    );
    ledger.close().await.unwrap();
}
