//! The ledger's schema, as a list of migrations keyed by `PRAGMA user_version`: migration `i`
//! takes the file from version `i` to `i + 1`. Append to the list; never edit a shipped entry,
//! because files already on workers' laptops were built by it.

use rusqlite::{Connection, TransactionBehavior};

/// Times are UTC unix milliseconds. An interval's `end_ms` is its last checkpoint while it is
/// open, so a crash leaves a usable end behind. Classes and states are stored by name
/// (`Class::name()`, `State::name()`) so the file reads without the code.
const V1: &str = "
CREATE TABLE intervals (
    id       INTEGER PRIMARY KEY,
    start_ms INTEGER NOT NULL,
    end_ms   INTEGER NOT NULL,
    class    TEXT    NOT NULL,
    state    TEXT    NOT NULL,
    source   TEXT    NOT NULL,
    open     INTEGER NOT NULL DEFAULT 1 CHECK (open IN (0, 1)),
    CHECK (end_ms >= start_ms)
) STRICT;
-- Totals look for intervals ending after the start of a range.
CREATE INDEX intervals_by_end ON intervals (end_ms);
-- Recovery on open looks only at the (few) open ones.
CREATE INDEX intervals_open ON intervals (id) WHERE open = 1;

CREATE TABLE transitions (
    id    INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    state TEXT    NOT NULL
) STRICT;
CREATE INDEX transitions_by_time ON transitions (at_ms);

CREATE TABLE overrides (
    id       INTEGER PRIMARY KEY,
    start_ms INTEGER NOT NULL,
    end_ms   INTEGER NOT NULL,
    reason   TEXT,
    CHECK (end_ms >= start_ms)
) STRICT;
CREATE INDEX overrides_by_end ON overrides (end_ms);

CREATE TABLE manual_entries (
    id          INTEGER PRIMARY KEY,
    start_ms    INTEGER NOT NULL,
    end_ms      INTEGER NOT NULL,
    note        TEXT    NOT NULL CHECK (note <> ''),
    recorded_ms INTEGER NOT NULL,
    CHECK (end_ms > start_ms)
) STRICT;
CREATE INDEX manual_entries_by_end ON manual_entries (end_ms);
";

/// Quiet hours. A quiet period is open while notifications and sync are held. `holds` keeps,
/// per holder, what its hold changed (JSON the holder wrote), so a release after a crash
/// undoes exactly that. Held notifications are counted by app name and time, never content.
const V2: &str = "
CREATE TABLE quiet_periods (
    id       INTEGER PRIMARY KEY,
    start_ms INTEGER NOT NULL,
    end_ms   INTEGER,
    CHECK (end_ms IS NULL OR end_ms >= start_ms)
) STRICT;
CREATE UNIQUE INDEX quiet_periods_one_open ON quiet_periods ((end_ms IS NULL)) WHERE end_ms IS NULL;

CREATE TABLE holds (
    holder   TEXT    PRIMARY KEY,
    undo     TEXT    NOT NULL,
    since_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE held_notifications (
    id    INTEGER PRIMARY KEY,
    at_ms INTEGER NOT NULL,
    app   TEXT    NOT NULL
) STRICT;
CREATE INDEX held_notifications_by_time ON held_notifications (at_ms);
";

/// An override the worker started "until I stop" ends when they are away from the laptop
/// (idle, locked or asleep), not at a time they had to choose in advance.
const V3: &str = "
ALTER TABLE overrides ADD COLUMN until_away INTEGER NOT NULL DEFAULT 0 CHECK (until_away IN (0, 1));
";

/// Tamper evidence (see `ledger::chain`): every record that becomes final or changes meaning
/// appends an entry whose hash covers the previous entry's, so an edit to the chain shows as a
/// broken link. The triggers make the chain append-only through SQLite itself: changing it
/// takes dropping them first, which is deliberate tampering, not an accident.
///
/// `chain_start` notes, once, the highest row id of each chained table when the chain began:
/// a final row above it with no chain entry was written (or had its entry cut off the end of
/// the chain) behind the chain's back, while one at or below it simply predates the chain.
const V4: &str = "
CREATE TABLE chain (
    seq     INTEGER PRIMARY KEY,
    at_ms   INTEGER NOT NULL,
    kind    TEXT    NOT NULL,
    ref_id  INTEGER NOT NULL,
    payload TEXT    NOT NULL,
    prev    TEXT    NOT NULL,
    hash    TEXT    NOT NULL
) STRICT;
-- Verification finds each record's latest entry.
CREATE INDEX chain_by_ref ON chain (kind, ref_id);
CREATE TRIGGER chain_no_update BEFORE UPDATE ON chain
BEGIN SELECT RAISE(ABORT, 'the ledger chain is append-only: its entries cannot be changed'); END;
CREATE TRIGGER chain_no_delete BEFORE DELETE ON chain
BEGIN SELECT RAISE(ABORT, 'the ledger chain is append-only: its entries cannot be deleted'); END;

CREATE TABLE chain_start (
    intervals      INTEGER NOT NULL,
    manual_entries INTEGER NOT NULL,
    overrides      INTEGER NOT NULL,
    transitions    INTEGER NOT NULL
) STRICT;
INSERT INTO chain_start SELECT
    (SELECT coalesce(max(id), 0) FROM intervals),
    (SELECT coalesce(max(id), 0) FROM manual_entries),
    (SELECT coalesce(max(id), 0) FROM overrides),
    (SELECT coalesce(max(id), 0) FROM transitions);
CREATE TRIGGER chain_start_no_insert BEFORE INSERT ON chain_start
BEGIN SELECT RAISE(ABORT, 'the ledger chain began once: its start cannot be added to'); END;
CREATE TRIGGER chain_start_no_update BEFORE UPDATE ON chain_start
BEGIN SELECT RAISE(ABORT, 'the ledger chain began once: its start cannot be changed'); END;
CREATE TRIGGER chain_start_no_delete BEFORE DELETE ON chain_start
BEGIN SELECT RAISE(ABORT, 'the ledger chain began once: its start cannot be deleted'); END;
";

/// Time off in lieu the worker took: a local date (YYYY-MM-DD, the day they were off) and
/// minutes, chained as `toil_taken` like a manual entry. The table is new and empty here, so
/// the chain's start mark for it is 0: every row is written after the chain began and must be
/// chained. (ALTER TABLE does not fire chain_start's triggers; it is the one change allowed.)
const V5: &str = "
CREATE TABLE toil_taken (
    id          INTEGER PRIMARY KEY,
    date        TEXT    NOT NULL,
    minutes     INTEGER NOT NULL CHECK (minutes > 0),
    note        TEXT    NOT NULL,
    recorded_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX toil_taken_by_date ON toil_taken (date);
ALTER TABLE chain_start ADD COLUMN toil_taken INTEGER NOT NULL DEFAULT 0;
";

/// Ids are never reused: a row id names a record in the chain, in exports and on the command
/// line (`--corrects 12`), so once retention forgets the newest rows of a table, a new row
/// must not take a forgotten one's id. Only AUTOINCREMENT promises that, and SQLite adds it
/// by rebuilding the table: each chained table is copied, ids and all, into its new form.
const V6: &str = "
CREATE TABLE intervals_v6 (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    start_ms INTEGER NOT NULL,
    end_ms   INTEGER NOT NULL,
    class    TEXT    NOT NULL,
    state    TEXT    NOT NULL,
    source   TEXT    NOT NULL,
    open     INTEGER NOT NULL DEFAULT 1 CHECK (open IN (0, 1)),
    CHECK (end_ms >= start_ms)
) STRICT;
INSERT INTO intervals_v6 SELECT id, start_ms, end_ms, class, state, source, open FROM intervals;
DROP TABLE intervals;
ALTER TABLE intervals_v6 RENAME TO intervals;
CREATE INDEX intervals_by_end ON intervals (end_ms);
CREATE INDEX intervals_open ON intervals (id) WHERE open = 1;

CREATE TABLE transitions_v6 (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms INTEGER NOT NULL,
    state TEXT    NOT NULL
) STRICT;
INSERT INTO transitions_v6 SELECT id, at_ms, state FROM transitions;
DROP TABLE transitions;
ALTER TABLE transitions_v6 RENAME TO transitions;
CREATE INDEX transitions_by_time ON transitions (at_ms);

CREATE TABLE overrides_v6 (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    start_ms   INTEGER NOT NULL,
    end_ms     INTEGER NOT NULL,
    reason     TEXT,
    until_away INTEGER NOT NULL DEFAULT 0 CHECK (until_away IN (0, 1)),
    CHECK (end_ms >= start_ms)
) STRICT;
INSERT INTO overrides_v6 SELECT id, start_ms, end_ms, reason, until_away FROM overrides;
DROP TABLE overrides;
ALTER TABLE overrides_v6 RENAME TO overrides;
CREATE INDEX overrides_by_end ON overrides (end_ms);

CREATE TABLE manual_entries_v6 (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    start_ms    INTEGER NOT NULL,
    end_ms      INTEGER NOT NULL,
    note        TEXT    NOT NULL CHECK (note <> ''),
    recorded_ms INTEGER NOT NULL,
    CHECK (end_ms > start_ms)
) STRICT;
INSERT INTO manual_entries_v6 SELECT id, start_ms, end_ms, note, recorded_ms FROM manual_entries;
DROP TABLE manual_entries;
ALTER TABLE manual_entries_v6 RENAME TO manual_entries;
CREATE INDEX manual_entries_by_end ON manual_entries (end_ms);

CREATE TABLE toil_taken_v6 (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    date        TEXT    NOT NULL,
    minutes     INTEGER NOT NULL CHECK (minutes > 0),
    note        TEXT    NOT NULL,
    recorded_ms INTEGER NOT NULL
) STRICT;
INSERT INTO toil_taken_v6 SELECT id, date, minutes, note, recorded_ms FROM toil_taken;
DROP TABLE toil_taken;
ALTER TABLE toil_taken_v6 RENAME TO toil_taken;
CREATE INDEX toil_taken_by_date ON toil_taken (date);
";

/// Retention (see `ledger::retention`): one row per forgetting, chained as `forgotten`. The
/// latest says where the record and its chain now start, and the TOIL balance carried from
/// the weeks that went. Forgetting deletes, so SQLite is asked to overwrite what it deletes.
const V7: &str = "
CREATE TABLE forgotten (
    id                   INTEGER PRIMARY KEY,
    before_ms            INTEGER NOT NULL,
    before_date          TEXT    NOT NULL,
    through_seq          INTEGER NOT NULL,
    through_hash         TEXT    NOT NULL,
    toil_carried_minutes INTEGER NOT NULL,
    recorded_ms          INTEGER NOT NULL
) STRICT;
";

/// Corrections never rewrite history: a manual entry is corrected by a new entry, or
/// withdrawn, and the old row stays as it was. Each row here says that entry `corrects` no
/// longer counts: `replacement` (a newer manual entry) stands in its place, or, when it is
/// NULL, the entry is withdrawn and `reason` must say why. An entry is superseded at most once
/// (UNIQUE), and a replacement replaces one entry. Chained as `manual_correction`; the table
/// is new and empty, so, as for `toil_taken` in V5, the chain's start mark for it is 0. Ids are
/// never reused (see V6).
const V8: &str = "
CREATE TABLE manual_corrections (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    corrects    INTEGER NOT NULL UNIQUE REFERENCES manual_entries (id),
    replacement INTEGER UNIQUE REFERENCES manual_entries (id),
    reason      TEXT    NOT NULL,
    recorded_ms INTEGER NOT NULL,
    CHECK (replacement IS NULL OR replacement <> corrects),
    CHECK (replacement IS NOT NULL OR reason <> '')
) STRICT;
ALTER TABLE chain_start ADD COLUMN manual_corrections INTEGER NOT NULL DEFAULT 0;
";

/// Weekly reporting (see `ledger::report`), one row per ISO week ("2026-W47") at most: a week
/// the worker paused is never reported, and a queued week keeps the random report id it was
/// first given, so a retry is the same report.
const V9: &str = "
CREATE TABLE report_weeks (
    week       TEXT    PRIMARY KEY CHECK (week GLOB '[0-9][0-9][0-9][0-9]-W[0-9][0-9]'),
    paused     INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
    report_id  TEXT    CHECK (report_id IS NULL OR (length(report_id) = 32 AND report_id NOT GLOB '*[^0-9a-f]*')),
    changed_ms INTEGER NOT NULL
) STRICT;
";

/// The upload queue (see `ledger::report` and `upload`). A week is queued once (`queued_ms`)
/// and is then tried at `next_attempt_ms` until `delivered_ms` is set, which is final: a
/// delivered week is never sent again. `attempts` counts the tries that failed (the backoff
/// grows with it); `last_error` is the last failure in a few words, never a secret;
/// `refused` says the dashboard refused it (a 4xx), retried daily or on a config change
/// rather than backed off. `report_queue` is the cursor: the next week to queue, so each
/// week is queued once even across restarts, and a first enable queues only the last week
/// that has ended. It is deleted when reporting is found off, so turning it on again does
/// not backfill the weeks it was off.
const V10: &str = "
ALTER TABLE report_weeks ADD COLUMN queued_ms INTEGER;
ALTER TABLE report_weeks ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0);
ALTER TABLE report_weeks ADD COLUMN next_attempt_ms INTEGER;
ALTER TABLE report_weeks ADD COLUMN delivered_ms INTEGER;
ALTER TABLE report_weeks ADD COLUMN last_error TEXT CHECK (last_error IS NULL OR length(last_error) <= 300);
ALTER TABLE report_weeks ADD COLUMN refused INTEGER NOT NULL DEFAULT 0 CHECK (refused IN (0, 1));
CREATE TABLE report_queue (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    next_week TEXT    NOT NULL CHECK (next_week GLOB '[0-9][0-9][0-9][0-9]-W[0-9][0-9]'),
    since_ms  INTEGER NOT NULL
) STRICT;
";

/// "Finish for the day": the worker stopped early, from `start` until work next begins
/// (`end`, moved back to the moment they resumed if they did). Kept so a restart still knows
/// it; what it changes in the schedule is chained as transitions.
const V11: &str = "
CREATE TABLE early_finishes (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    start_ms INTEGER NOT NULL,
    end_ms   INTEGER NOT NULL,
    CHECK (end_ms >= start_ms)
) STRICT;
CREATE INDEX early_finishes_by_end ON early_finishes (end_ms);
";

pub(super) const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6, V7, V8, V9, V10, V11];

/// What [`migrate`] found wrong.
#[derive(Debug)]
pub(super) enum MigrateError {
    /// Not a version this clockoff can write: a newer clockoff's (above `supported`), or
    /// nonsense (negative).
    Unsupported {
        found: i64,
        supported: i64,
    },
    Sqlite(rusqlite::Error),
}

impl MigrateError {
    /// The error the ledger reports for the file at `path`.
    pub(super) fn at(self, path: &std::path::Path) -> super::StoreError {
        match self {
            MigrateError::Unsupported { found, supported } => {
                super::StoreError::UnsupportedVersion {
                    path: path.to_owned(),
                    found,
                    supported,
                }
            }
            MigrateError::Sqlite(source) => super::StoreError::Open {
                path: path.to_owned(),
                source,
            },
        }
    }
}

impl From<rusqlite::Error> for MigrateError {
    fn from(e: rusqlite::Error) -> Self {
        MigrateError::Sqlite(e)
    }
}

pub(super) fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// Refuses a file from a newer clockoff before anything writes to it (the caller must call this
/// before setting the journal mode, which rewrites the header). Returns the file's version.
pub(super) fn check_supported(
    conn: &Connection,
    migrations: &[&str],
) -> Result<usize, MigrateError> {
    let found = user_version(conn)?;
    let supported = migrations.len();
    usize::try_from(found)
        .ok()
        .filter(|v| *v <= supported)
        .ok_or(MigrateError::Unsupported {
            found,
            supported: i64::try_from(supported).unwrap_or(i64::MAX),
        })
}

/// Brings the file up to the newest version in one transaction: a failure (or a crash) part way
/// leaves it at the version it had, never half-migrated.
pub(super) fn migrate(conn: &mut Connection, migrations: &[&str]) -> Result<(), MigrateError> {
    // IMMEDIATE takes the write lock first, so the version read below cannot be overtaken by
    // another process migrating the same file.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = check_supported(&tx, migrations)?;
    for (version, sql) in (1_i64..).zip(migrations).skip(found) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables(conn: &Connection) -> Vec<String> {
        let mut stmt = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
            .unwrap();
        stmt.query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    #[test]
    fn a_v0_file_migrates_to_the_latest_version_and_keeps_its_data() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE unrelated (x); INSERT INTO unrelated VALUES (7);")
            .unwrap();
        assert_eq!(user_version(&conn).unwrap(), 0);
        migrate(&mut conn, MIGRATIONS).unwrap();
        assert_eq!(user_version(&conn).unwrap(), latest());
        assert_eq!(
            tables(&conn),
            [
                "chain",
                "chain_start",
                "early_finishes",
                "forgotten",
                "held_notifications",
                "holds",
                "intervals",
                "manual_corrections",
                "manual_entries",
                "overrides",
                "quiet_periods",
                "report_queue",
                "report_weeks",
                "sqlite_sequence",
                "toil_taken",
                "transitions",
                "unrelated"
            ]
        );
        // Migrating again is a no-op.
        migrate(&mut conn, MIGRATIONS).unwrap();
        assert_eq!(user_version(&conn).unwrap(), latest());
    }

    #[test]
    fn ids_are_not_reused_after_the_newest_rows_are_deleted() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, &MIGRATIONS[..5]).unwrap();
        conn.execute_batch(
            "INSERT INTO manual_entries (id, start_ms, end_ms, note, recorded_ms)
             VALUES (7, 0, 60000, 'visit', 0);",
        )
        .unwrap();
        migrate(&mut conn, MIGRATIONS).unwrap();
        // The row survives the rebuild with its id; after it goes, its id is not handed out.
        let kept: i64 = conn
            .query_row("SELECT id FROM manual_entries", [], |r| r.get(0))
            .unwrap();
        assert_eq!(kept, 7);
        conn.execute_batch(
            "DELETE FROM manual_entries;
             INSERT INTO manual_entries (start_ms, end_ms, note, recorded_ms) VALUES (0, 1, 'x', 0);",
        )
        .unwrap();
        let next: i64 = conn
            .query_row("SELECT id FROM manual_entries", [], |r| r.get(0))
            .unwrap();
        assert_eq!(next, 8);
    }

    #[test]
    fn only_the_missing_migrations_run() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, &["CREATE TABLE a (x);"]).unwrap();
        migrate(&mut conn, &["CREATE TABLE a (x);", "CREATE TABLE b (x);"]).unwrap();
        assert_eq!(user_version(&conn).unwrap(), 2);
        assert_eq!(tables(&conn), ["a", "b"]);
    }

    #[test]
    fn a_failing_migration_leaves_the_file_at_its_old_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        let err = migrate(&mut conn, &["CREATE TABLE a (x);", "NOT SQL;"]).unwrap_err();
        assert!(matches!(err, MigrateError::Sqlite(_)), "{err:?}");
        assert_eq!(user_version(&conn).unwrap(), 0);
        assert!(tables(&conn).is_empty());
    }

    #[test]
    fn newer_and_negative_versions_are_refused_untouched() {
        for found in [latest() + 1, 99, -1] {
            let mut conn = Connection::open_in_memory().unwrap();
            conn.pragma_update(None, "user_version", found).unwrap();
            let err = migrate(&mut conn, MIGRATIONS).unwrap_err();
            assert!(
                matches!(err, MigrateError::Unsupported { found: f, supported } if f == found && supported == latest()),
                "{err:?}"
            );
            assert_eq!(user_version(&conn).unwrap(), found);
            assert!(tables(&conn).is_empty());
        }
    }

    fn latest() -> i64 {
        MIGRATIONS.len() as i64
    }
}
