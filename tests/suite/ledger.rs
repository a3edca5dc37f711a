//! The ledger through its public API, against real files: round trips, totals, recovery after
//! a crash (simulated, and a real SIGKILL of a child process), migrations and refusals.

use crate::support;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use chrono::TimeDelta;
use clockoff::core::activity::Class;
use clockoff::core::schedule::State;
use clockoff::core::testing::utc;
use clockoff::ledger::{APP_NAME_LIMIT, Ledger, Recovery, SavedHold, StoreError};
use rusqlite::Connection;
use tempfile::TempDir;

fn minutes(n: u64) -> Duration {
    Duration::from_secs(n * 60)
}

/// A fresh directory (removed with its -wal and -shm files on drop) and the ledger path in it.
fn scratch() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("clockoff").join("ledger.sqlite3");
    (dir, path)
}

async fn open(path: &Path) -> (Ledger, Recovery) {
    Ledger::open(path).await.unwrap()
}

#[tokio::test]
async fn open_checkpoint_close_round_trip() {
    let (_dir, path) = scratch();
    let (ledger, recovery) = open(&path).await;
    assert_eq!(recovery.closed_intervals, 0);

    let start = utc("2026-05-04T09:00:00Z");
    let id = ledger
        .open_interval(start, Class::Working, State::Working, "x11")
        .await
        .unwrap();
    let day = (utc("2026-05-04T00:00:00Z"), utc("2026-05-05T00:00:00Z"));
    ledger
        .checkpoint(id, start + TimeDelta::minutes(1))
        .await
        .unwrap();
    ledger
        .checkpoint(id, start + TimeDelta::minutes(2))
        .await
        .unwrap();
    // An open interval counts up to its last checkpoint.
    let totals = ledger.totals(day.0, day.1).await.unwrap();
    assert_eq!(totals.active(Class::Working), minutes(2));

    let back = ledger
        .checkpoint(id, start + TimeDelta::seconds(90))
        .await
        .unwrap_err();
    assert!(
        matches!(back, StoreError::CheckpointBackwards { .. }),
        "{back}"
    );
    let early = ledger
        .close_interval(id, start - TimeDelta::seconds(1))
        .await
        .unwrap_err();
    assert!(matches!(early, StoreError::BadRange { .. }), "{early}");

    // Closing may trim back to when activity really stopped.
    ledger
        .close_interval(id, start + TimeDelta::seconds(100))
        .await
        .unwrap();
    let closed = ledger
        .checkpoint(id, start + TimeDelta::minutes(3))
        .await
        .unwrap_err();
    assert!(
        matches!(closed, StoreError::IntervalClosed(i) if i == id),
        "{closed}"
    );
    assert!(closed.to_string().contains("already closed"), "{closed}");
    // A closed interval can be trimmed further back, but never lengthened.
    let longer = ledger
        .close_interval(id, start + TimeDelta::seconds(101))
        .await
        .unwrap_err();
    assert!(matches!(longer, StoreError::IntervalClosed(_)), "{longer}");
    ledger
        .close_interval(id, start + TimeDelta::seconds(100))
        .await
        .unwrap();
    let totals = ledger.totals(day.0, day.1).await.unwrap();
    assert_eq!(totals.active(Class::Working), Duration::from_secs(100));
    assert_eq!(totals.minutes(Class::Working), 1);
    ledger.close().await.unwrap();

    // Everything acknowledged is there after a reopen; nothing needed recovering.
    let (ledger, recovery) = open(&path).await;
    assert_eq!(recovery.closed_intervals, 0);
    let totals = ledger.totals(day.0, day.1).await.unwrap();
    assert_eq!(totals.active(Class::Working), Duration::from_secs(100));
    ledger.close().await.unwrap();
}

#[tokio::test]
async fn totals_are_clipped_to_the_range_per_class_across_midnight() {
    let (_dir, path) = scratch();
    let (ledger, _) = open(&path).await;
    // Late working on Monday night, into Tuesday.
    support::record::closed_interval(
        &ledger,
        "2026-05-04T22:30:00Z",
        "2026-05-05T00:45:00Z",
        Class::OutOfHours,
        State::Off,
    )
    .await;
    support::record::closed_interval(
        &ledger,
        "2026-05-05T09:00:00Z",
        "2026-05-05T10:00:00Z",
        Class::Working,
        State::Working,
    )
    .await;
    support::record::closed_interval(
        &ledger,
        "2026-05-05T23:50:00Z",
        "2026-05-06T00:20:00Z",
        Class::OnCall,
        State::OnCall,
    )
    .await;
    support::record::closed_interval(
        &ledger,
        "2026-05-05T19:00:00Z",
        "2026-05-05T19:05:00Z",
        Class::Override,
        State::Override,
    )
    .await;
    // Still open: counts to its checkpoint.
    let open_id = ledger
        .open_interval(
            utc("2026-05-05T20:00:00Z"),
            Class::OutOfHours,
            State::Off,
            "x11",
        )
        .await
        .unwrap();
    ledger
        .checkpoint(open_id, utc("2026-05-05T20:10:00Z"))
        .await
        .unwrap();
    ledger
        .add_manual(
            utc("2026-05-04T23:30:00Z"),
            utc("2026-05-05T00:30:00Z"),
            "late visit",
            utc("2026-05-05T08:00:00Z"),
        )
        .await
        .unwrap();

    let monday = ledger
        .totals(utc("2026-05-04T00:00:00Z"), utc("2026-05-05T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(monday.active(Class::OutOfHours), minutes(90));
    assert_eq!(monday.active(Class::Working), Duration::ZERO);
    assert_eq!(monday.manual, minutes(30));

    let tuesday = ledger
        .totals(utc("2026-05-05T00:00:00Z"), utc("2026-05-06T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(
        tuesday.minutes_by_class(),
        [
            (Class::Working, 60),
            (Class::OutOfHours, 45 + 10),
            (Class::OnCall, 10),
            (Class::Override, 5)
        ]
    );
    assert_eq!(tuesday.manual_minutes(), 30);
    assert_eq!(tuesday.active_total(), minutes(130));

    // The whole week sees everything once; an empty or backwards range sees nothing.
    let week = ledger
        .totals(utc("2026-05-04T00:00:00Z"), utc("2026-05-11T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(week.minutes(Class::OutOfHours), 135 + 10);
    assert_eq!(week.minutes(Class::OnCall), 30);
    assert_eq!(week.manual, minutes(60));
    let nothing = ledger
        .totals(utc("2026-05-06T00:00:00Z"), utc("2026-05-05T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(nothing.active_total() + nothing.manual, Duration::ZERO);
    ledger.close().await.unwrap();
}

#[tokio::test]
async fn an_interval_left_open_is_closed_at_its_last_checkpoint_on_reopen() {
    let (_dir, path) = scratch();
    let start = utc("2026-05-04T21:00:00Z");
    {
        let (ledger, _) = open(&path).await;
        let id = ledger
            .open_interval(start, Class::OutOfHours, State::Off, "x11")
            .await
            .unwrap();
        ledger
            .checkpoint(id, start + TimeDelta::minutes(7))
            .await
            .unwrap();
        ledger
            .record_transition(start + TimeDelta::minutes(5), State::Off)
            .await
            .unwrap();
        // Dropped without closing the interval, as a crash would leave it.
    }
    let (ledger, recovery) = open(&path).await;
    assert_eq!(
        recovery,
        Recovery {
            closed_intervals: 1
        }
    );
    let totals = ledger
        .totals(start, start + TimeDelta::hours(1))
        .await
        .unwrap();
    assert_eq!(totals.active(Class::OutOfHours), minutes(7));
    ledger.close().await.unwrap();

    let (ledger, recovery) = open(&path).await;
    assert_eq!(recovery.closed_intervals, 0, "closed once, for good");
    ledger.close().await.unwrap();
    let conn = Connection::open(&path).unwrap();
    let transitions: i64 = conn
        .query_row(
            "SELECT count(*) FROM transitions WHERE state = 'off'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(transitions, 1);
}

#[tokio::test]
async fn an_override_can_be_ended_earlier_but_never_later() {
    let (_dir, path) = scratch();
    let (ledger, _) = open(&path).await;
    let (start, end) = (utc("2026-05-04T18:00:00Z"), utc("2026-05-04T20:00:00Z"));
    let id = ledger
        .add_override(start, end, Some("court report".into()), false)
        .await
        .unwrap();
    let later = ledger
        .end_override(id, end + TimeDelta::hours(1))
        .await
        .unwrap();
    assert_eq!((later.start, later.end), (start, end), "never extended");
    let earlier = ledger
        .end_override(id, utc("2026-05-04T19:15:00Z"))
        .await
        .unwrap();
    assert_eq!(earlier.end, utc("2026-05-04T19:15:00Z"));
    assert_eq!(earlier.reason.as_deref(), Some("court report"));

    let other = ledger
        .add_override(
            utc("2026-05-04T17:00:00Z"),
            utc("2026-05-04T17:30:00Z"),
            None,
            true,
        )
        .await
        .unwrap();
    let found = ledger
        .overrides_overlapping(utc("2026-05-04T00:00:00Z"), utc("2026-05-05T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(found.iter().map(|o| o.id).collect::<Vec<_>>(), [other, id]);
    assert_eq!(found[1], earlier);
    assert!(!found[1].until_away && found[0].until_away, "{found:?}");
    // Half-open: an override ending at `from` is not in [from, to).
    let after = ledger
        .overrides_overlapping(utc("2026-05-04T19:15:00Z"), utc("2026-05-05T00:00:00Z"))
        .await
        .unwrap();
    assert!(after.is_empty(), "{after:?}");

    // Ended before it began: cancelled, and no longer reported.
    let cancelled = ledger
        .end_override(other, utc("2026-05-04T12:00:00Z"))
        .await
        .unwrap();
    assert_eq!(cancelled.end, cancelled.start);
    let found = ledger
        .overrides_overlapping(utc("2026-05-04T00:00:00Z"), utc("2026-05-05T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(found, [earlier]);

    let empty = ledger
        .add_override(end, start, None, false)
        .await
        .unwrap_err();
    assert!(matches!(empty, StoreError::BadRange { .. }), "{empty}");
    ledger.close().await.unwrap();
}

#[tokio::test]
async fn manual_entries_need_a_note_and_must_end_after_they_start() {
    let (_dir, path) = scratch();
    let (ledger, _) = open(&path).await;
    let (start, end) = (utc("2026-05-04T17:00:00Z"), utc("2026-05-04T18:30:00Z"));
    let recorded = utc("2026-05-05T08:00:00Z");

    let err = ledger
        .add_manual(start, end, "  ", recorded)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::EmptyNote), "{err}");
    assert!(err.to_string().contains("needs a note"), "{err}");
    let err = ledger
        .add_manual(start, start, "visit", recorded)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("is empty"), "{err}");
    let err = ledger
        .add_manual(end, start, "visit", recorded)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("ends"), "{err}");
    assert!(err.to_string().contains("before it starts"), "{err}");

    let first = ledger
        .add_manual(start, end, " late visit ", recorded)
        .await
        .unwrap();
    let second = ledger
        .add_manual(end, end + TimeDelta::minutes(10), "notes", recorded)
        .await
        .unwrap();
    assert_ne!(first, second);
    let totals = ledger
        .totals(start, end + TimeDelta::hours(1))
        .await
        .unwrap();
    assert_eq!(totals.manual_minutes(), 100);
    ledger.close().await.unwrap();

    let conn = Connection::open(&path).unwrap();
    let note: String = conn
        .query_row(
            "SELECT note FROM manual_entries ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(note, "late visit");
}

#[tokio::test]
async fn a_v0_file_is_migrated_and_a_newer_one_is_refused_untouched() {
    let (dir, _) = scratch();
    let old = dir.path().join("v0.sqlite3");
    {
        let conn = Connection::open(&old).unwrap();
        conn.execute_batch("CREATE TABLE notes (x); INSERT INTO notes VALUES ('kept');")
            .unwrap();
    }
    let (ledger, _) = open(&old).await;
    ledger.close().await.unwrap();
    let conn = Connection::open(&old).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert!(version >= 1);
    let kept: String = conn
        .query_row("SELECT x FROM notes", [], |r| r.get(0))
        .unwrap();
    assert_eq!(kept, "kept");
    drop(conn);

    let newer = dir.path().join("newer.sqlite3");
    {
        let conn = Connection::open(&newer).unwrap();
        conn.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 999;")
            .unwrap();
    }
    let before = std::fs::read(&newer).unwrap();
    let err = Ledger::open(&newer).await.unwrap_err();
    assert!(
        matches!(err, StoreError::UnsupportedVersion { found: 999, .. }),
        "{err}"
    );
    let message = err.to_string();
    assert!(message.contains(&newer.display().to_string()), "{message}");
    assert!(message.contains("newer clockoff"), "{message}");
    assert!(message.contains("left untouched"), "{message}");
    assert_eq!(std::fs::read(&newer).unwrap(), before, "file changed");
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_an_open_error_naming_it() {
    let (dir, _) = scratch();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "Dear diary, this is not SQLite. ".repeat(50)).unwrap();
    let err = Ledger::open(&path).await.unwrap_err();
    assert!(matches!(err, StoreError::Open { .. }), "{err}");
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );

    let blocked = dir.path().join("file");
    std::fs::write(&blocked, "").unwrap();
    let err = Ledger::open(blocked.join("ledger.sqlite3"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Create { .. }), "{err}");
    assert!(
        err.to_string().contains(&blocked.display().to_string()),
        "{err}"
    );
}

#[tokio::test]
async fn handles_in_many_tasks_share_one_writer() {
    let (_dir, path) = scratch();
    let (ledger, _) = open(&path).await;
    let base = utc("2026-05-04T09:00:00Z");
    let tasks: Vec<_> = (0..8)
        .map(|task| {
            let ledger = ledger.clone();
            tokio::spawn(async move {
                for n in 0..10 {
                    let start = base + TimeDelta::hours(task) + TimeDelta::minutes(n * 5);
                    let id = ledger
                        .open_interval(start, Class::Working, State::Working, "x11")
                        .await
                        .unwrap();
                    ledger
                        .checkpoint(id, start + TimeDelta::minutes(1))
                        .await
                        .unwrap();
                    ledger
                        .close_interval(id, start + TimeDelta::minutes(2))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let totals = ledger
        .totals(base, base + TimeDelta::days(1))
        .await
        .unwrap();
    assert_eq!(totals.minutes(Class::Working), 8 * 10 * 2);
    ledger.close().await.unwrap();
}

#[tokio::test]
async fn a_closed_ledger_answers_stopped_to_every_handle() {
    let (_dir, path) = scratch();
    let (ledger, _) = open(&path).await;
    let other = ledger.clone();
    ledger.close().await.unwrap();
    let at = utc("2026-05-04T09:00:00Z");
    let err = other
        .open_interval(at, Class::Working, State::Working, "x11")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Stopped), "{err}");
    let err = other.totals(at, at).await.unwrap_err();
    assert!(err.to_string().contains("stopped"), "{err}");
    assert!(matches!(other.close().await, Err(StoreError::Stopped)));
}

/// Set for the child process of the crash test: the ledger path it should write to.
const CRASH_CHILD: &str = "CLOCKOFF_LEDGER_CRASH_CHILD";
const CRASH_START: &str = "2026-05-04T08:00:00Z";

/// Not a test on its own: with `CLOCKOFF_LEDGER_CRASH_CHILD` set, this is the process the crash
/// test kills. It checkpoints an interval every simulated second, printing `ACK n` after each
/// acknowledged checkpoint `n`.
#[test]
fn crash_child_process() {
    let Some(path) = std::env::var_os(CRASH_CHILD) else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (ledger, _) = Ledger::open(PathBuf::from(path)).await.unwrap();
        let start = utc(CRASH_START);
        let id = ledger
            .open_interval(start, Class::Working, State::Working, "crash-test")
            .await
            .unwrap();
        let mut out = std::io::stdout();
        // Bounded, so an orphan cannot run for ever; the parent kills it long before.
        for n in 1..=200_000 {
            ledger
                .checkpoint(id, start + TimeDelta::seconds(n))
                .await
                .unwrap();
            writeln!(out, "ACK {n}").unwrap();
            out.flush().unwrap();
        }
    });
}

/// Randomness without a crate: std seeds each `RandomState` from the OS.
fn random() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::hash::RandomState::new().build_hasher().finish()
}

#[tokio::test]
async fn kill_9_mid_checkpoints_loses_no_acknowledged_checkpoint() {
    const KILL_AFTER: i64 = 40;
    let (_dir, path) = scratch();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            // The test's name in the suite binary: its module, then its own.
            "ledger::crash_child_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CRASH_CHILD, &path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut last_ack = 0;
    let mut killed = false;
    // Read to EOF: after the kill, whatever the child printed (all acknowledged) still arrives.
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        // libtest may print "test crash_child_process ... " on the same line.
        if let Some((_, n)) = line.rsplit_once("ACK ") {
            last_ack = n.trim().parse().unwrap();
        }
        if last_ack >= KILL_AFTER && !killed {
            // A random delay of up to 2 ms lands the kill at a different point of the next
            // commit (before, during or after its fsync, or before its ACK is printed) per run.
            std::thread::sleep(Duration::from_micros(random() % 2000));
            child.kill().unwrap(); // SIGKILL: no destructors, no clean close
            killed = true;
        }
    }
    let status = child.wait().unwrap();
    assert!(
        killed,
        "child ended before the kill ({status}) after ACK {last_ack}"
    );
    assert!(!status.success(), "{status}");

    // SQLite's own recovery (rolling back a torn log tail) happens on this first open.
    let conn = Connection::open(&path).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let (start_ms, end_ms, still_open): (i64, i64, bool) = conn
        .query_row("SELECT start_ms, end_ms, open FROM intervals", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    drop(conn);
    assert!(still_open, "the killed agent never closed it");
    let elapsed = end_ms - start_ms;
    assert_eq!(elapsed % 1000, 0, "the end is a checkpoint: {elapsed} ms");
    let stored = elapsed / 1000;
    // The child can commit one checkpoint more than it lived to print, never fewer.
    assert!(
        stored == last_ack || stored == last_ack + 1,
        "stored checkpoint {stored}, last acknowledged {last_ack}"
    );

    let (ledger, recovery) = open(&path).await;
    assert_eq!(recovery.closed_intervals, 1);
    let start = utc(CRASH_START);
    let totals = ledger
        .totals(start, start + TimeDelta::days(1))
        .await
        .unwrap();
    assert_eq!(
        totals.active(Class::Working),
        Duration::from_secs(stored.unsigned_abs())
    );
    ledger.close().await.unwrap();
}

#[tokio::test]
async fn a_quiet_period_stays_open_across_a_restart_and_only_one_is_open_at_a_time() {
    let (_dir, path) = scratch();
    let (ledger, _) = open(&path).await;
    assert_eq!(ledger.current_quiet().await.unwrap(), None);
    let first = ledger
        .begin_quiet(utc("2026-05-04T17:10:00Z"))
        .await
        .unwrap();
    // Beginning again (a restart while quiet) returns the period already open.
    let again = ledger
        .begin_quiet(utc("2026-05-04T19:00:00Z"))
        .await
        .unwrap();
    assert_eq!(again, first);
    ledger.close().await.unwrap();

    let (ledger, _) = open(&path).await;
    assert_eq!(ledger.current_quiet().await.unwrap(), Some(first.clone()));
    let ended = ledger
        .end_quiet(utc("2026-05-05T09:00:00Z"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ended.start, first.start);
    assert_eq!(ended.end, Some(utc("2026-05-05T09:00:00Z")));
    assert_eq!(ledger.current_quiet().await.unwrap(), None);
    assert_eq!(
        ledger.end_quiet(utc("2026-05-05T10:00:00Z")).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn saved_holds_survive_a_restart_until_forgotten() {
    let (_dir, path) = scratch();
    let (ledger, _) = open(&path).await;
    let hold = |holder: &str, undo: &str, at: &str| SavedHold {
        holder: holder.into(),
        undo: undo.into(),
        since: utc(at),
    };
    ledger
        .save_hold(hold("dunst", r#"{"paused":true}"#, "2026-05-04T17:10:00Z"))
        .await
        .unwrap();
    ledger
        .save_hold(hold("systemd a.service", "null", "2026-05-04T17:10:00Z"))
        .await
        .unwrap();
    // Saving again replaces (a re-hold after the server restarted).
    ledger
        .save_hold(hold("dunst", r#"{"paused":true}"#, "2026-05-04T18:00:00Z"))
        .await
        .unwrap();
    ledger.close().await.unwrap();

    let (ledger, _) = open(&path).await;
    assert_eq!(
        ledger.holds().await.unwrap(),
        [
            hold("dunst", r#"{"paused":true}"#, "2026-05-04T18:00:00Z"),
            hold("systemd a.service", "null", "2026-05-04T17:10:00Z"),
        ]
    );
    ledger.forget_hold("dunst").await.unwrap();
    ledger.forget_hold("never held").await.unwrap();
    assert_eq!(
        ledger.holds().await.unwrap(),
        [hold("systemd a.service", "null", "2026-05-04T17:10:00Z")]
    );
}

#[tokio::test]
async fn held_notifications_are_counted_per_app_within_a_range_by_name_only() {
    let (_dir, path) = scratch();
    let (ledger, _) = open(&path).await;
    let at = |m: i64| utc("2026-05-04T18:00:00Z") + TimeDelta::minutes(m);
    for (m, app) in [
        (0, "Outlook"),
        (1, "Teams"),
        (2, "Teams"),
        (3, "  Outlook \u{7}"),
        (4, "Teams"),
        (5, ""),
        (60, "Teams"),
    ] {
        ledger.count_held(at(m), app).await.unwrap();
    }
    let long = "x".repeat(500);
    ledger.count_held(at(6), &long).await.unwrap();
    // Both ends included, to the millisecond: what is counted as a status is read is in it.
    assert_eq!(
        ledger
            .held_counts(at(0), at(60) - TimeDelta::milliseconds(1))
            .await
            .unwrap(),
        [
            ("Teams".to_string(), 3),
            ("Outlook".to_string(), 2),
            ("unknown".to_string(), 1),
            ("x".repeat(APP_NAME_LIMIT), 1),
        ]
    );
    // The end is in the range: at(5) counted the app that sent no name.
    assert_eq!(
        ledger.held_counts(at(4), at(5)).await.unwrap(),
        [("Teams".to_string(), 1), ("unknown".to_string(), 1)]
    );
    // Only the app name and the time are stored: the table has no other columns.
    ledger.close().await.unwrap();
    let conn = Connection::open(&path).unwrap();
    let mut stmt = conn
        .prepare("SELECT name FROM pragma_table_info('held_notifications') ORDER BY cid")
        .unwrap();
    let columns: Vec<String> = stmt
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(columns, ["id", "at_ms", "app"]);
}
