//! The ledger's hash chain end to end: a week written through the ledger's own API, checked by
//! the real `clockoff verify`, then the file tampered with directly (as someone holding it
//! could) and each tampering named. Also: a crash recovery close is chained, and a file from
//! before the chain migrates with its old rows counted, not failed.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::CleanEnv;

use chrono::TimeDelta;
use clockoff::core::activity::Class;
use clockoff::core::schedule::State;
use clockoff::core::testing::utc;
use clockoff::ledger::{Ledger, Reader};
use rusqlite::Connection;
use serde_json::Value;
use support::tmp::{TempDir, temp_dir};

fn ms(s: &str) -> i64 {
    utc(s).timestamp_millis()
}

fn ledger_path(dir: &Path) -> PathBuf {
    dir.join("data/clockoff/ledger.sqlite3")
}

fn clockoff(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clockoff"))
        .clean_env()
        .env("HOME", dir.join("home"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("CLOCKOFF_POLICY", dir.join("no-policy.toml"))
        .args(args)
        .output()
        .expect("run clockoff")
}

/// `clockoff verify --json`: its exit code and report.
fn verify_json(dir: &Path) -> (Option<i32>, Value) {
    let out = clockoff(dir, &["verify", "--json"]);
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "verify --json printed no JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), report)
}

/// Entries the week below writes.
const WEEK_ENTRIES: u64 = 9;

/// Monday 23 to Thursday 26 November 2026. Interval ids: 1 the morning, 2 the afternoon
/// (closed late, then trimmed back), 3 a late case note. One manual entry, one override
/// (ended early, then "ended" again later, which changes nothing), two transitions.
async fn write_week(path: &Path) {
    let (ledger, _) = Ledger::open(path).await.unwrap();
    ledger
        .record_transition(utc("2026-11-23T09:00:00Z"), State::Working)
        .await
        .unwrap();
    let morning = ledger
        .open_interval(
            utc("2026-11-23T09:00:00Z"),
            Class::Working,
            State::Working,
            "x11",
        )
        .await
        .unwrap();
    ledger
        .checkpoint(morning, utc("2026-11-23T10:00:00Z"))
        .await
        .unwrap();
    ledger
        .close_interval(morning, utc("2026-11-23T12:30:00Z"))
        .await
        .unwrap();
    let afternoon = ledger
        .open_interval(
            utc("2026-11-23T13:00:00Z"),
            Class::Working,
            State::Working,
            "x11",
        )
        .await
        .unwrap();
    ledger
        .close_interval(afternoon, utc("2026-11-23T17:10:00Z"))
        .await
        .unwrap();
    // Leaving is noticed after the fact: the close is trimmed back to the last activity.
    ledger
        .close_interval(afternoon, utc("2026-11-23T17:00:00Z"))
        .await
        .unwrap();
    ledger
        .record_transition(utc("2026-11-23T17:00:00Z"), State::Off)
        .await
        .unwrap();
    let late = ledger
        .open_interval(
            utc("2026-11-23T22:30:00Z"),
            Class::OutOfHours,
            State::Off,
            "x11",
        )
        .await
        .unwrap();
    ledger
        .close_interval(late, utc("2026-11-23T23:45:00Z"))
        .await
        .unwrap();
    ledger
        .add_manual(
            utc("2026-11-24T18:00:00Z"),
            utc("2026-11-24T19:30:00Z"),
            "late visit",
            utc("2026-11-24T20:00:00Z"),
        )
        .await
        .unwrap();
    let o = ledger
        .add_override(
            utc("2026-11-26T17:00:00Z"),
            utc("2026-11-26T19:00:00Z"),
            Some("court report".into()),
            false,
        )
        .await
        .unwrap();
    ledger
        .end_override(o, utc("2026-11-26T18:00:00Z"))
        .await
        .unwrap();
    ledger
        .end_override(o, utc("2026-11-26T20:00:00Z"))
        .await
        .unwrap();
    ledger.close().await.unwrap();
}

async fn written_week(label: &str) -> TempDir {
    let dir = temp_dir(label);
    write_week(&ledger_path(dir.path())).await;
    dir
}

/// Opens the file as an attacker would, with the chain's guards dropped.
fn tamper(dir: &Path, sql: &str) {
    let conn = Connection::open(ledger_path(dir)).unwrap();
    conn.execute_batch("DROP TRIGGER chain_no_update; DROP TRIGGER chain_no_delete;")
        .unwrap();
    conn.execute_batch(sql).unwrap();
}

#[tokio::test]
async fn an_untouched_week_verifies_with_every_entry_and_its_head() {
    let dir = written_week("chain-intact").await;
    let out = clockoff(dir.path(), &["verify"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reader = Reader::open(&ledger_path(dir.path())).unwrap().unwrap();
    let head = reader.chain_head().unwrap().unwrap();
    assert_eq!(head.seq, WEEK_ENTRIES as i64);
    assert_eq!(
        head.at,
        utc("2026-11-26T18:00:00Z"),
        "the override's new end"
    );
    assert_eq!(
        text,
        format!(
            "Ledger intact: 9 entries from 2026-11-23 to 2026-11-26; head {}…\n",
            &head.hash[..16]
        )
    );

    let (code, r) = verify_json(dir.path());
    assert_eq!(code, Some(0));
    assert_eq!(r["intact"], true);
    assert_eq!(r["entries"], WEEK_ENTRIES);
    assert_eq!(r["head"], head.hash.as_str());
    assert_eq!(r["first_at"], "2026-11-23T09:00:00Z");
    assert_eq!(r["last_at"], "2026-11-26T18:00:00Z");
    assert_eq!(r["broken"], Value::Null);
    assert_eq!(r["edited"], serde_json::json!([]));
    assert_eq!(r["unchained"], 0);

    // What was chained, in order; the trim-back and the early end are entries of their own.
    let conn = Connection::open(ledger_path(dir.path())).unwrap();
    let kinds: Vec<(String, i64)> = conn
        .prepare("SELECT kind, ref_id FROM chain ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let expected = [
        ("transition", 1),
        ("interval_closed", 1),
        ("interval_closed", 2),
        ("interval_closed", 2),
        ("transition", 2),
        ("interval_closed", 3),
        ("manual_added", 1),
        ("override_added", 1),
        ("override_ended", 1),
    ];
    let expected: Vec<(String, i64)> = expected.iter().map(|(k, i)| (k.to_string(), *i)).collect();
    assert_eq!(kinds, expected);
    let payload: String = conn
        .query_row("SELECT payload FROM chain WHERE seq = 4", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        payload,
        format!(
            r#"{{"start_ms":{},"end_ms":{},"class":"working","state":"working","source":"x11"}}"#,
            ms("2026-11-23T13:00:00Z"),
            ms("2026-11-23T17:00:00Z")
        )
    );
}

#[tokio::test]
async fn the_chain_refuses_updates_and_deletes_through_sqlite() {
    let dir = written_week("chain-triggers").await;
    let conn = Connection::open(ledger_path(dir.path())).unwrap();
    let update = conn
        .execute("UPDATE chain SET payload = '{}' WHERE seq = 1", [])
        .unwrap_err();
    assert!(update.to_string().contains("append-only"), "{update}");
    let delete = conn.execute("DELETE FROM chain", []).unwrap_err();
    assert!(delete.to_string().contains("append-only"), "{delete}");
    let start = conn
        .execute("UPDATE chain_start SET intervals = 99", [])
        .unwrap_err();
    assert!(start.to_string().contains("began once"), "{start}");
}

#[tokio::test]
async fn a_lengthened_interval_is_named() {
    let dir = written_week("chain-edit-row").await;
    let conn = Connection::open(ledger_path(dir.path())).unwrap();
    // No trigger stands in the way of editing a record: the chain is what catches it.
    conn.execute(
        "UPDATE intervals SET end_ms = ?1 WHERE id = 2",
        [ms("2026-11-23T17:30:00Z")],
    )
    .unwrap();
    drop(conn);
    let out = clockoff(dir.path(), &["verify"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("Ledger NOT intact"), "{text}");
    assert!(
        text.contains("intervals row #2 differs from what the chain recorded"),
        "{text}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("does not verify"), "{stderr}");

    let (code, r) = verify_json(dir.path());
    assert_eq!(code, Some(1));
    assert_eq!(r["intact"], false);
    assert_eq!(r["broken"], Value::Null, "the chain itself is whole");
    assert_eq!(
        r["edited"],
        serde_json::json!([{"table": "intervals", "id": 2, "problem": "differs from what the chain recorded"}])
    );
}

#[tokio::test]
async fn a_changed_chain_payload_breaks_at_its_seq() {
    let dir = written_week("chain-edit-payload").await;
    // Make the chain agree with a lengthened afternoon: the entry's hash no longer matches.
    tamper(
        dir.path(),
        &format!(
            "UPDATE chain SET payload = replace(payload, '{}', '{}') WHERE seq = 4;",
            ms("2026-11-23T17:00:00Z"),
            ms("2026-11-23T17:30:00Z")
        ),
    );
    let (code, r) = verify_json(dir.path());
    assert_eq!(code, Some(1));
    let broken = &r["broken"];
    assert_eq!(broken["seq"], 4, "{r}");
    assert_eq!(broken["kind"], "interval_closed");
    assert_eq!(broken["ref_id"], 2);
    assert_eq!(broken["at"], "2026-11-23T17:00:00Z");
    assert!(
        broken["problem"].as_str().unwrap().contains("was changed"),
        "{r}"
    );
    let out = clockoff(dir.path(), &["verify"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("the chain breaks at entry 4 (interval_closed of record #2"),
        "{text}"
    );
}

#[tokio::test]
async fn a_deleted_chain_entry_is_a_broken_link() {
    let dir = written_week("chain-delete").await;
    tamper(dir.path(), "DELETE FROM chain WHERE seq = 6;");
    let (code, r) = verify_json(dir.path());
    assert_eq!(code, Some(1));
    assert_eq!(r["broken"]["seq"], 7, "the entry after the gap: {r}");
    assert_eq!(r["broken"]["kind"], "manual_added");
    assert!(
        r["broken"]["problem"]
            .as_str()
            .unwrap()
            .contains("does not follow"),
        "{r}"
    );
}

#[tokio::test]
async fn cutting_the_last_entry_off_leaves_its_record_unvouched_for() {
    // A truncated tail leaves no broken link; the record it covered is caught instead.
    let dir = written_week("chain-truncate").await;
    tamper(dir.path(), "DELETE FROM chain WHERE seq >= 8;");
    let (code, r) = verify_json(dir.path());
    assert_eq!(code, Some(1));
    assert_eq!(r["broken"], Value::Null);
    assert_eq!(r["edited"][0]["table"], "overrides", "{r}");
    assert_eq!(r["edited"][0]["id"], 1);
    assert_eq!(
        r["edited"][0]["problem"],
        "was written after the chain began but is not in it"
    );
}

#[tokio::test]
async fn a_crash_recovery_close_is_chained() {
    let dir = temp_dir("chain-crash");
    let path = ledger_path(dir.path());
    let start = utc("2026-11-23T21:00:00Z");
    {
        let (ledger, _) = Ledger::open(&path).await.unwrap();
        let id = ledger
            .open_interval(start, Class::OutOfHours, State::Off, "x11")
            .await
            .unwrap();
        ledger
            .checkpoint(id, start + TimeDelta::minutes(7))
            .await
            .unwrap();
        // Dropped without closing the interval, as a crash would leave it.
    }
    // An open interval is not chained yet: its end still moves.
    let (code, r) = verify_json(dir.path());
    assert_eq!((code, r["entries"].as_u64()), (Some(0), Some(0)), "{r}");

    let (ledger, recovery) = Ledger::open(&path).await.unwrap();
    assert_eq!(recovery.closed_intervals, 1);
    ledger.close().await.unwrap();
    let (code, r) = verify_json(dir.path());
    assert_eq!(code, Some(0), "{r}");
    assert_eq!(r["entries"], 1);
    assert_eq!(
        r["last_at"], "2026-11-23T21:07:00Z",
        "closed at its checkpoint"
    );
    let conn = Connection::open(&path).unwrap();
    let (kind, ref_id): (String, i64) = conn
        .query_row("SELECT kind, ref_id FROM chain", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((kind.as_str(), ref_id), ("interval_closed", 1));
}

#[test]
fn with_no_ledger_verify_says_so() {
    let dir = temp_dir("chain-none");
    let out = clockoff(dir.path(), &["verify"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("No ledger yet at "), "{text}");
    assert!(!ledger_path(dir.path()).exists(), "verifying created it");
}

/// The schema as clockoff shipped it at version 3, frozen here: the file a worker upgrading to
/// the chain already has.
const V3_SCHEMA: &str = "
CREATE TABLE intervals (
    id INTEGER PRIMARY KEY, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,
    class TEXT NOT NULL, state TEXT NOT NULL, source TEXT NOT NULL,
    open INTEGER NOT NULL DEFAULT 1 CHECK (open IN (0, 1)), CHECK (end_ms >= start_ms)
) STRICT;
CREATE INDEX intervals_by_end ON intervals (end_ms);
CREATE INDEX intervals_open ON intervals (id) WHERE open = 1;
CREATE TABLE transitions (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, state TEXT NOT NULL) STRICT;
CREATE INDEX transitions_by_time ON transitions (at_ms);
CREATE TABLE overrides (
    id INTEGER PRIMARY KEY, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, reason TEXT,
    CHECK (end_ms >= start_ms)
) STRICT;
CREATE INDEX overrides_by_end ON overrides (end_ms);
CREATE TABLE manual_entries (
    id INTEGER PRIMARY KEY, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,
    note TEXT NOT NULL CHECK (note <> ''), recorded_ms INTEGER NOT NULL, CHECK (end_ms > start_ms)
) STRICT;
CREATE INDEX manual_entries_by_end ON manual_entries (end_ms);
CREATE TABLE quiet_periods (
    id INTEGER PRIMARY KEY, start_ms INTEGER NOT NULL, end_ms INTEGER,
    CHECK (end_ms IS NULL OR end_ms >= start_ms)
) STRICT;
CREATE UNIQUE INDEX quiet_periods_one_open ON quiet_periods ((end_ms IS NULL)) WHERE end_ms IS NULL;
CREATE TABLE holds (holder TEXT PRIMARY KEY, undo TEXT NOT NULL, since_ms INTEGER NOT NULL) STRICT;
CREATE TABLE held_notifications (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, app TEXT NOT NULL) STRICT;
CREATE INDEX held_notifications_by_time ON held_notifications (at_ms);
ALTER TABLE overrides ADD COLUMN until_away INTEGER NOT NULL DEFAULT 0 CHECK (until_away IN (0, 1));
PRAGMA user_version = 3;
";

#[tokio::test]
async fn a_v3_file_migrates_and_its_old_rows_are_unchained_not_broken() {
    let dir = temp_dir("chain-v3");
    let path = ledger_path(dir.path());
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(V3_SCHEMA).unwrap();
        // Two closed intervals, one still open (a crash before the upgrade), a manual entry,
        // an override and a transition.
        conn.execute_batch(&format!(
            "INSERT INTO intervals (start_ms, end_ms, class, state, source, open) VALUES
                 ({a}, {b}, 'working', 'working', 'x11', 0),
                 ({b}, {c}, 'working', 'working', 'x11', 0),
                 ({c}, {d}, 'working', 'working', 'x11', 1);
             INSERT INTO manual_entries (start_ms, end_ms, note, recorded_ms) VALUES ({a}, {b}, 'visit', {d});
             INSERT INTO overrides (start_ms, end_ms, reason) VALUES ({c}, {d}, NULL);
             INSERT INTO transitions (at_ms, state) VALUES ({a}, 'working');",
            a = ms("2026-11-16T09:00:00Z"),
            b = ms("2026-11-16T10:00:00Z"),
            c = ms("2026-11-16T11:00:00Z"),
            d = ms("2026-11-16T12:00:00Z"),
        ))
        .unwrap();
    }
    // Before the agent has migrated it, verify reads the V3 file as it is: nothing chained.
    let (code, r) = verify_json(dir.path());
    assert_eq!(code, Some(0), "{r}");
    assert_eq!(
        (r["entries"].as_u64(), r["unchained"].as_u64()),
        (Some(0), Some(5))
    );

    write_week(&path).await;
    let conn = Connection::open(&path).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, clockoff::ledger::schema_version());
    drop(conn);
    let (code, r) = verify_json(dir.path());
    assert_eq!(code, Some(0), "{r}");
    assert_eq!(r["intact"], true);
    // The week, plus the open interval that recovery closed after the upgrade.
    assert_eq!(r["entries"], WEEK_ENTRIES + 1);
    assert_eq!(
        r["unchained"], 5,
        "2 closed intervals, manual, override, transition"
    );
    assert_eq!(r["first_at"], "2026-11-16T12:00:00Z");
    let out = clockoff(dir.path(), &["verify"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("5 records were recorded before the chain began"),
        "{text}"
    );

    // An old row is still not a failure, but editing it now is not caught either: the chain
    // only vouches for what it recorded. A new row edited is.
    let conn = Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE intervals SET end_ms = end_ms + 60000 WHERE id = 5",
        [],
    )
    .unwrap();
    drop(conn);
    let (code, r) = verify_json(dir.path());
    assert_eq!(code, Some(1));
    assert_eq!(r["edited"][0]["table"], "intervals");
    assert_eq!(r["edited"][0]["id"], 5);
}

/// The week, with its manual entry (#1) corrected by #2 and #2 then withdrawn.
async fn corrected_week(label: &str) -> TempDir {
    let dir = written_week(label).await;
    let (ledger, _) = Ledger::open(ledger_path(dir.path())).await.unwrap();
    let old = clockoff::ledger::ManualId::new(1);
    let new = ledger
        .correct_manual(
            old,
            utc("2026-11-24T18:30:00Z"),
            utc("2026-11-24T19:30:00Z"),
            "late visit (times fixed)",
            "",
            utc("2026-11-25T09:00:00Z"),
        )
        .await
        .unwrap();
    ledger
        .withdraw_manual(new, "it was a phone call", utc("2026-11-25T10:00:00Z"))
        .await
        .unwrap();
    ledger.close().await.unwrap();
    dir
}

#[tokio::test]
async fn corrections_are_chained_and_an_edited_correction_is_named() {
    let dir = corrected_week("chain-corrections").await;
    let (code, r) = verify_json(dir.path());
    assert_eq!(code, Some(0), "{r}");
    // The new entry, its link, and the withdrawal: three entries after the week's nine.
    assert_eq!(r["entries"], WEEK_ENTRIES + 3);
    let conn = Connection::open(ledger_path(dir.path())).unwrap();
    let last: Vec<(String, i64, String)> = conn
        .prepare("SELECT kind, ref_id, payload FROM chain WHERE seq > 9 ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(last[0].0, "manual_added");
    assert_eq!(last[0].1, 2);
    assert_eq!(
        (last[1].0.as_str(), last[1].1, last[1].2.clone()),
        (
            "manual_correction",
            1,
            format!(
                r#"{{"corrects":1,"replacement":2,"reason":"","recorded_ms":{}}}"#,
                ms("2026-11-25T09:00:00Z")
            )
        )
    );
    assert_eq!(last[2].0, "manual_correction");
    // The old entry is still there, as it was written.
    let note: String = conn
        .query_row("SELECT note FROM manual_entries WHERE id = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(note, "late visit");

    // Rewriting why the entry was withdrawn.
    conn.execute(
        "UPDATE manual_corrections SET reason = 'logged twice' WHERE id = 2",
        [],
    )
    .unwrap();
    drop(conn);
    let (code, r) = verify_json(dir.path());
    assert_eq!(code, Some(1));
    assert_eq!(r["broken"], Value::Null, "the chain itself is whole");
    assert_eq!(
        r["edited"],
        serde_json::json!([{"table": "manual_corrections", "id": 2, "problem": "differs from what the chain recorded"}])
    );
}

#[tokio::test]
async fn a_deleted_correction_or_one_slipped_in_is_named() {
    let dir = corrected_week("chain-correction-deleted").await;
    // Deleting the withdrawal would make #2 count again: the chain remembers it.
    Connection::open(ledger_path(dir.path()))
        .unwrap()
        .execute("DELETE FROM manual_corrections WHERE id = 2", [])
        .unwrap();
    let (code, r) = verify_json(dir.path());
    assert_eq!(code, Some(1));
    assert_eq!(
        r["edited"],
        serde_json::json!([{"table": "manual_corrections", "id": 2, "problem": "was deleted after the chain recorded it"}])
    );

    // A withdrawal written behind the chain's back (to hide an entry) is not chained.
    let dir = written_week("chain-correction-slipped").await;
    Connection::open(ledger_path(dir.path()))
        .unwrap()
        .execute(
            "INSERT INTO manual_corrections (corrects, replacement, reason, recorded_ms)
             VALUES (1, NULL, 'never happened', 0)",
            [],
        )
        .unwrap();
    let (code, r) = verify_json(dir.path());
    assert_eq!(code, Some(1));
    assert_eq!(r["edited"][0]["table"], "manual_corrections", "{r}");
    assert_eq!(r["edited"][0]["id"], 1);
    assert_eq!(
        r["edited"][0]["problem"],
        "was written after the chain began but is not in it"
    );
}
