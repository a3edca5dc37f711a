//! The SQLite backend (the default): one connection behind a mutex, used only from tokio's
//! blocking pool, so a slow disk never stalls the async runtime. One connection serialises
//! writes, which SQLite does anyway; the dashboard's load is a few thousand reports a week.

use std::fs::{DirBuilder, OpenOptions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, IsoWeek, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::group_commit::Writer;
use super::{
    DeviceEntry, DeviceRecord, Enrolment, Issuance, Put, Store, StoreError, StoredContribution,
    StoredKey, TokenCache, TokenEntry, TokenRecord, device_entry, published_week,
    stored_contribution, stored_count, stored_key, token_entry, token_record, week_key,
};
use crate::token::{Role, TokenHash};
use clockoff_core::summary::WeeklySummary;

/// Migration `i` takes the file from `user_version` `i` to `i + 1`. Append; never edit a
/// shipped entry. Times are UTC unix milliseconds; weeks are [`week_key`]s.
const MIGRATIONS: &[&str] = &[
    "
CREATE TABLE tokens (
    hash       TEXT    PRIMARY KEY,
    unit       TEXT    NOT NULL,
    role       TEXT    NOT NULL CHECK (role IN ('reporter', 'viewer')),
    created_ms INTEGER NOT NULL
) STRICT;

-- One summary per pseudonym and week.
CREATE TABLE reports (
    pseudonym                          TEXT    NOT NULL,
    week                               INTEGER NOT NULL,
    report_id                          TEXT    NOT NULL UNIQUE,
    unit                               TEXT    NOT NULL,
    out_of_hours_minutes               INTEGER NOT NULL,
    self_reported_out_of_hours_minutes INTEGER NOT NULL,
    weekend_minutes                    INTEGER NOT NULL,
    late_evening_minutes               INTEGER NOT NULL,
    days_with_out_of_hours_work        INTEGER NOT NULL,
    notifications_held_out_of_hours    INTEGER NOT NULL,
    on_call_callout_minutes            INTEGER NOT NULL,
    received_ms                        INTEGER NOT NULL,
    PRIMARY KEY (pseudonym, week)
) STRICT;
CREATE INDEX reports_by_week ON reports (week);

-- Report ids a resubmission replaced: a late retry of one is acknowledged, never stored
-- over the newer summary.
CREATE TABLE replaced_reports (
    report_id TEXT    PRIMARY KEY,
    pseudonym TEXT    NOT NULL,
    week      INTEGER NOT NULL
) STRICT;
",
    "
-- Reports kept in (week, pseudonym) order, without a separate rowid: one b-tree for the
-- rows and the one-per-pseudonym-and-week rule, a week's reports side by side (they arrive
-- together, on the Monday after it, and are read together), and no index on week.
CREATE TABLE reports_v2 (
    week                               INTEGER NOT NULL,
    pseudonym                          TEXT    NOT NULL,
    report_id                          TEXT    NOT NULL UNIQUE,
    unit                               TEXT    NOT NULL,
    out_of_hours_minutes               INTEGER NOT NULL,
    self_reported_out_of_hours_minutes INTEGER NOT NULL,
    weekend_minutes                    INTEGER NOT NULL,
    late_evening_minutes               INTEGER NOT NULL,
    days_with_out_of_hours_work        INTEGER NOT NULL,
    notifications_held_out_of_hours    INTEGER NOT NULL,
    on_call_callout_minutes            INTEGER NOT NULL,
    received_ms                        INTEGER NOT NULL,
    PRIMARY KEY (week, pseudonym)
) STRICT, WITHOUT ROWID;
INSERT INTO reports_v2 (week, pseudonym, report_id, unit, out_of_hours_minutes,
        self_reported_out_of_hours_minutes, weekend_minutes, late_evening_minutes,
        days_with_out_of_hours_work, notifications_held_out_of_hours,
        on_call_callout_minutes, received_ms)
    SELECT week, pseudonym, report_id, unit, out_of_hours_minutes,
        self_reported_out_of_hours_minutes, weekend_minutes, late_evening_minutes,
        days_with_out_of_hours_work, notifications_held_out_of_hours,
        on_call_callout_minutes, received_ms
    FROM reports;
DROP TABLE reports;
ALTER TABLE reports_v2 RENAME TO reports;
",
    "
-- A revoked token is kept (who had access, and until when) but grants nothing.
ALTER TABLE tokens ADD COLUMN revoked_ms INTEGER;
",
    "
-- Each week's release as first published (super::publication), shown as it was from then on.
CREATE TABLE publications (
    week         INTEGER PRIMARY KEY,
    published_ms INTEGER NOT NULL,
    release      TEXT    NOT NULL
) STRICT;
",
    "
-- Report ids are looked up under their week and pseudonym (a retry carries both), so the
-- index of every report id, a random page written for each report, goes; so does the
-- refusal of an id reused for another week or pseudonym, which protected nothing.
CREATE TABLE reports_v3 (
    week                               INTEGER NOT NULL,
    pseudonym                          TEXT    NOT NULL,
    report_id                          TEXT    NOT NULL,
    unit                               TEXT    NOT NULL,
    out_of_hours_minutes               INTEGER NOT NULL,
    self_reported_out_of_hours_minutes INTEGER NOT NULL,
    weekend_minutes                    INTEGER NOT NULL,
    late_evening_minutes               INTEGER NOT NULL,
    days_with_out_of_hours_work        INTEGER NOT NULL,
    notifications_held_out_of_hours    INTEGER NOT NULL,
    on_call_callout_minutes            INTEGER NOT NULL,
    received_ms                        INTEGER NOT NULL,
    PRIMARY KEY (week, pseudonym)
) STRICT, WITHOUT ROWID;
INSERT INTO reports_v3 SELECT week, pseudonym, report_id, unit, out_of_hours_minutes,
        self_reported_out_of_hours_minutes, weekend_minutes, late_evening_minutes,
        days_with_out_of_hours_work, notifications_held_out_of_hours,
        on_call_callout_minutes, received_ms
    FROM reports;
DROP TABLE reports;
ALTER TABLE reports_v3 RENAME TO reports;
CREATE TABLE replaced_v2 (
    week      INTEGER NOT NULL,
    pseudonym TEXT    NOT NULL,
    report_id TEXT    NOT NULL,
    PRIMARY KEY (week, pseudonym, report_id)
) STRICT, WITHOUT ROWID;
INSERT INTO replaced_v2 SELECT week, pseudonym, report_id FROM replaced_reports;
DROP TABLE replaced_reports;
ALTER TABLE replaced_v2 RENAME TO replaced_reports;
",
    "
-- Enrolled laptops: a device credential's hash and its unit. Nothing ties one to a report.
CREATE TABLE devices (
    hash        TEXT    PRIMARY KEY,
    unit        TEXT    NOT NULL,
    enrolled_ms INTEGER NOT NULL,
    revoked_ms  INTEGER
) STRICT;
CREATE INDEX devices_by_unit ON devices (unit);
-- Which laptop had its week token for which week, and a hash of the blinded request (so a
-- lost answer can be given again); never the token, which the dashboard never sees. Kept in
-- key order, not arrival order, so the table says nothing about when each laptop asked.
CREATE TABLE issued (
    week         INTEGER NOT NULL,
    device       TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    PRIMARY KEY (week, device)
) STRICT, WITHOUT ROWID;
-- The week tokens' issuing keys: the current one (retired_ms NULL) and those it replaced.
CREATE TABLE issuer_keys (
    id         INTEGER PRIMARY KEY,
    secret     BLOB    NOT NULL,
    created_ms INTEGER NOT NULL,
    retired_ms INTEGER
) STRICT;
",
];

#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// Reads and tokens.
    conn: Arc<Mutex<Connection>>,
    /// Reports, committed in groups (see `group_commit`).
    writer: Writer,
    /// Tokens already looked up.
    known: TokenCache,
}

impl SqliteStore {
    /// Trusts a looked-up token for `ttl` instead of [`super::TOKEN_CACHE_TTL`] (tests of
    /// revocation by another process).
    pub fn with_token_ttl(mut self, ttl: std::time::Duration) -> Self {
        self.known = TokenCache::new(ttl);
        self
    }

    /// Opens (creating it, in a 0700 directory, if need be) and migrates the database.
    /// Blocking: call it before serving, or from the blocking pool.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        create_private(path)?;
        let open = || -> Result<Connection, StoreError> {
            let conn = Connection::open(path)?;
            // `clockoff-dashboard token create` writes from another process while serving.
            conn.busy_timeout(Duration::from_secs(5))?;
            // An acknowledged report must survive a crash or power cut: WAL makes a commit
            // one append, synchronous=FULL fsyncs it before we answer 201.
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))?;
            conn.pragma_update(None, "synchronous", "FULL")?;
            // Each report lands on a random page of its week's reports (pseudonyms are
            // random): with SQLite's default 2 MB cache many of those pages were read
            // again from the file. 64 MB holds the recent weeks of a large organisation.
            conn.pragma_update(None, "cache_size", -65536)?;
            // Checkpoint every 16 MB of log rather than 4: a week's pages, written again
            // and again as its reports arrive, are copied into the database once.
            conn.pragma_update(None, "wal_autocheckpoint", 4096)?;
            Ok(conn)
        };
        let mut conn = open()?;
        migrate(&mut conn)?;
        Ok(SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            writer: Writer::start(open()?, put_report)?,
            known: TokenCache::default(),
        })
    }

    /// Runs `f` on the connection in the blocking pool.
    async fn call<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock leaves SQLite consistent (transactions roll
            // back on drop), so a poisoned lock is safe to keep using.
            let mut conn = conn.lock().unwrap_or_else(|e| e.into_inner());
            f(&mut conn)
        })
        .await
        .map_err(|_| StoreError::Stopped)?
    }
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let supported = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > supported {
        return Err(StoreError::UnsupportedVersion { found, supported });
    }
    for (version, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version as i64 + 1)?;
    }
    tx.commit()?;
    Ok(())
}

/// Reports are pseudonymous but still about people: the directory is 0700, the file 0600.
fn create_private(path: &Path) -> Result<(), StoreError> {
    let failed = |p: &Path| {
        let path = p.to_owned();
        move |source| StoreError::Create { path, source }
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(failed(dir))?;
    }
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Err(e) if e.kind() != io::ErrorKind::AlreadyExists => Err(failed(path)(e)),
        _ => Ok(()),
    }
}

impl Store for SqliteStore {
    async fn add_token(
        &self,
        hash: TokenHash,
        unit: String,
        role: Role,
        created: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.call(move |conn| {
            conn.execute(
                "INSERT INTO tokens (hash, unit, role, created_ms) VALUES (?1, ?2, ?3, ?4)",
                params![hash.as_str(), unit, role.name(), created.timestamp_millis()],
            )?;
            Ok(())
        })
        .await
    }

    async fn token(&self, hash: TokenHash) -> Result<Option<TokenRecord>, StoreError> {
        if let Some(record) = self.known.get(&hash) {
            return Ok(Some(record));
        }
        let key = hash.clone();
        let found = self
            .call(move |conn| {
                conn.query_row(
                    "SELECT unit, role, created_ms FROM tokens
                     WHERE hash = ?1 AND revoked_ms IS NULL",
                    [key.as_str()],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?)),
                )
                .optional()?
                .map(|(unit, role, created_ms)| token_record(unit, &role, created_ms))
                .transpose()
            })
            .await?;
        if let Some(record) = &found {
            self.known.insert(&hash, record);
        }
        Ok(found)
    }

    async fn tokens(&self) -> Result<Vec<TokenEntry>, StoreError> {
        self.call(|conn| {
            let mut stmt = conn.prepare(
                "SELECT hash, unit, role, created_ms, revoked_ms FROM tokens
                 ORDER BY created_ms, hash",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get::<_, String>(2)?,
                    r.get(3)?,
                    r.get(4)?,
                ))
            })?;
            rows.map(|row| {
                let (hash, unit, role, created, revoked) = row?;
                token_entry(hash, unit, &role, created, revoked)
            })
            .collect()
        })
        .await
    }

    async fn revoke_token(&self, hash: TokenHash, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let key = hash.clone();
        let changed = self
            .call(move |conn| {
                Ok(conn.execute(
                    "UPDATE tokens SET revoked_ms = ?2 WHERE hash = ?1 AND revoked_ms IS NULL",
                    params![key.as_str(), at.timestamp_millis()],
                )?)
            })
            .await?;
        self.known.remove(&hash);
        Ok(changed == 1)
    }

    async fn enrol_device(
        &self,
        hash: TokenHash,
        unit: String,
        at: DateTime<Utc>,
        max: Option<u32>,
    ) -> Result<Enrolment, StoreError> {
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let devices = stored_count(enrolled_in(&tx, &unit)?)?;
            if max.is_some_and(|max| devices >= max) {
                return Ok(Enrolment::Full { devices });
            }
            tx.execute(
                "INSERT INTO devices (hash, unit, enrolled_ms) VALUES (?1, ?2, ?3)",
                params![hash.as_str(), unit, at.timestamp_millis()],
            )?;
            tx.commit()?;
            Ok(Enrolment::Enrolled {
                devices: devices + 1,
            })
        })
        .await
    }

    async fn device(&self, hash: TokenHash) -> Result<Option<DeviceRecord>, StoreError> {
        self.call(move |conn| {
            conn.query_row(
                "SELECT unit, enrolled_ms FROM devices WHERE hash = ?1 AND revoked_ms IS NULL",
                [hash.as_str()],
                |r| Ok((r.get::<_, String>(0)?, r.get(1)?)),
            )
            .optional()?
            .map(|(unit, enrolled)| {
                device_entry(hash.as_str().to_owned(), unit, enrolled, None).map(|e| e.record)
            })
            .transpose()
        })
        .await
    }

    async fn devices(&self) -> Result<Vec<DeviceEntry>, StoreError> {
        self.call(|conn| {
            let mut stmt = conn.prepare(
                "SELECT hash, unit, enrolled_ms, revoked_ms FROM devices
                 ORDER BY enrolled_ms, hash",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            rows.map(|row| {
                let (hash, unit, enrolled, revoked) = row?;
                device_entry(hash, unit, enrolled, revoked)
            })
            .collect()
        })
        .await
    }

    async fn revoke_device(&self, hash: TokenHash, at: DateTime<Utc>) -> Result<bool, StoreError> {
        self.call(move |conn| {
            Ok(conn.execute(
                "UPDATE devices SET revoked_ms = ?2 WHERE hash = ?1 AND revoked_ms IS NULL",
                params![hash.as_str(), at.timestamp_millis()],
            )? == 1)
        })
        .await
    }

    async fn enrolled_devices(&self, unit: String) -> Result<u32, StoreError> {
        self.call(move |conn| stored_count(enrolled_in(conn, &unit)?))
            .await
    }

    async fn record_issuance(
        &self,
        week: IsoWeek,
        device: TokenHash,
        request_hash: String,
    ) -> Result<Issuance, StoreError> {
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let earlier: Option<String> = tx
                .query_row(
                    "SELECT request_hash FROM issued WHERE week = ?1 AND device = ?2",
                    params![week_key(week), device.as_str()],
                    |r| r.get(0),
                )
                .optional()?;
            let outcome = match earlier {
                Some(h) if h == request_hash => Issuance::Again,
                Some(_) => Issuance::Taken,
                None => {
                    tx.execute(
                        "INSERT INTO issued (week, device, request_hash) VALUES (?1, ?2, ?3)",
                        params![week_key(week), device.as_str(), request_hash],
                    )?;
                    Issuance::First
                }
            };
            tx.commit()?;
            Ok(outcome)
        })
        .await
    }

    async fn issuer_keys(
        &self,
        fresh: Vec<u8>,
        at: DateTime<Utc>,
    ) -> Result<Vec<StoredKey>, StoreError> {
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let none: bool =
                tx.query_row("SELECT NOT EXISTS (SELECT 1 FROM issuer_keys)", [], |r| {
                    r.get(0)
                })?;
            if none {
                tx.execute(
                    "INSERT INTO issuer_keys (secret, created_ms) VALUES (?1, ?2)",
                    params![fresh, at.timestamp_millis()],
                )?;
            }
            let keys = {
                let mut stmt = tx.prepare(
                    "SELECT secret, created_ms, retired_ms FROM issuer_keys ORDER BY id DESC",
                )?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                rows.map(|row| {
                    let (secret, created, retired) = row?;
                    stored_key(secret, created, retired)
                })
                .collect::<Result<Vec<_>, StoreError>>()?
            };
            tx.commit()?;
            Ok(keys)
        })
        .await
    }

    async fn rotate_issuer_key(&self, fresh: Vec<u8>, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "UPDATE issuer_keys SET retired_ms = ?1 WHERE retired_ms IS NULL",
                [at.timestamp_millis()],
            )?;
            tx.execute(
                "INSERT INTO issuer_keys (secret, created_ms) VALUES (?1, ?2)",
                params![fresh, at.timestamp_millis()],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn put_report(
        &self,
        unit: String,
        report: WeeklySummary,
        received: DateTime<Utc>,
    ) -> Result<Put, StoreError> {
        self.writer.put(unit, report, received).await
    }

    async fn was_received(&self, report: &WeeklySummary) -> Result<bool, StoreError> {
        let key = ReportKey::of(report);
        self.call(move |conn| {
            let current = key.current_id(conn)?;
            key.is_replay(conn, current.as_deref())
        })
        .await
    }

    async fn forget_before(&self, first_kept: IsoWeek) -> Result<u64, StoreError> {
        let week = week_key(first_kept);
        // A week a transaction: a first run over years of reports must not hold the write
        // lock past the report writer's busy timeout.
        self.call(move |conn| {
            let mut gone = 0;
            loop {
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let oldest: Option<i64> =
                    tx.query_row("SELECT min(week) FROM reports", [], |r| r.get(0))?;
                let Some(oldest) = oldest.filter(|w| *w < week) else {
                    tx.execute("DELETE FROM replaced_reports WHERE week < ?1", [week])?;
                    tx.execute("DELETE FROM publications WHERE week < ?1", [week])?;
                    tx.execute("DELETE FROM issued WHERE week < ?1", [week])?;
                    tx.commit()?;
                    return Ok(gone);
                };
                gone += tx.execute("DELETE FROM reports WHERE week = ?1", [oldest])? as u64;
                tx.execute("DELETE FROM publications WHERE week = ?1", [oldest])?;
                tx.execute("DELETE FROM replaced_reports WHERE week = ?1", [oldest])?;
                tx.commit()?;
            }
        })
        .await
    }

    async fn contributions(
        &self,
        from: IsoWeek,
        to: IsoWeek,
    ) -> Result<Vec<StoredContribution>, StoreError> {
        self.call(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT week, unit, out_of_hours_minutes, self_reported_out_of_hours_minutes,
                        weekend_minutes, late_evening_minutes, days_with_out_of_hours_work,
                        notifications_held_out_of_hours, on_call_callout_minutes
                 FROM reports WHERE week BETWEEN ?1 AND ?2 ORDER BY week",
            )?;
            let rows = stmt.query_map([week_key(from), week_key(to)], |r| {
                let mut figures = [0i64; 7];
                for (i, figure) in figures.iter_mut().enumerate() {
                    *figure = r.get(i + 2)?;
                }
                Ok((r.get(0)?, r.get(1)?, figures))
            })?;
            rows.map(|row| {
                let (week, unit, figures) = row?;
                stored_contribution(week, unit, figures)
            })
            .collect()
        })
        .await
    }

    async fn publications(
        &self,
        from: IsoWeek,
        to: IsoWeek,
    ) -> Result<Vec<(IsoWeek, String)>, StoreError> {
        self.call(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT week, release FROM publications WHERE week BETWEEN ?1 AND ?2
                 ORDER BY week",
            )?;
            let rows = stmt.query_map([week_key(from), week_key(to)], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
            rows.map(|row| {
                let (week, release) = row?;
                Ok((published_week(week)?, release))
            })
            .collect()
        })
        .await
    }

    async fn publish(
        &self,
        week: IsoWeek,
        release: String,
        at: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        self.call(move |conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "INSERT INTO publications (week, published_ms, release) VALUES (?1, ?2, ?3)
                 ON CONFLICT (week) DO NOTHING",
                params![week_key(week), at.timestamp_millis(), release],
            )?;
            let stored = tx.query_row(
                "SELECT release FROM publications WHERE week = ?1",
                [week_key(week)],
                |r| r.get(0),
            )?;
            tx.commit()?;
            Ok(stored)
        })
        .await
    }
}

/// Laptops enrolled and not revoked in `unit`.
fn enrolled_in(conn: &Connection, unit: &str) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT count(*) FROM devices WHERE unit = ?1 AND revoked_ms IS NULL",
        [unit],
        |r| r.get(0),
    )?)
}

/// A report's place in the store: its week and pseudonym, and the id that names this
/// version of it.
struct ReportKey {
    week: i64,
    pseudonym: String,
    id: String,
}

impl ReportKey {
    fn of(r: &WeeklySummary) -> ReportKey {
        ReportKey {
            week: week_key(r.week),
            pseudonym: r.pseudonym.to_string(),
            id: r.report_id.to_string(),
        }
    }

    /// The id of the summary stored for this pseudonym and week, if any.
    fn current_id(&self, conn: &Connection) -> Result<Option<String>, StoreError> {
        // Cached statements: preparing each one anew cost more than running it.
        Ok(conn
            .prepare_cached("SELECT report_id FROM reports WHERE week = ?1 AND pseudonym = ?2")?
            .query_row(params![self.week, self.pseudonym], |row| row.get(0))
            .optional()?)
    }

    /// Whether this id was received before: it is `current`, or one `current` replaced (a
    /// retry of a resubmitted report is acknowledged, never stored over the newer one).
    fn is_replay(&self, conn: &Connection, current: Option<&str>) -> Result<bool, StoreError> {
        match current {
            None => Ok(false),
            Some(current) if current == self.id => Ok(true),
            Some(_) => Ok(conn
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM replaced_reports
                     WHERE week = ?1 AND pseudonym = ?2 AND report_id = ?3)",
                )?
                .query_row(params![self.week, self.pseudonym, self.id], |row| {
                    row.get(0)
                })?),
        }
    }
}

fn put_report(
    tx: &Connection,
    unit: &str,
    r: &WeeklySummary,
    received: DateTime<Utc>,
) -> Result<Put, StoreError> {
    let key = ReportKey::of(r);
    let current = key.current_id(tx)?;
    if key.is_replay(tx, current.as_deref())? {
        return Ok(Put::Replay);
    }
    let ReportKey {
        week,
        pseudonym,
        id,
    } = key;
    // A week published already takes no more reports (another dashboard, or one whose
    // weeks_accepted was raised since, might still send one here).
    let published: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM publications WHERE week = ?1)")?
        .query_row([week], |row| row.get(0))?;
    if published {
        return Ok(Put::Closed);
    }
    let figures = params![
        week,
        pseudonym,
        id,
        unit,
        r.figures.out_of_hours_minutes,
        r.figures.self_reported_out_of_hours_minutes,
        r.figures.weekend_minutes,
        r.figures.late_evening_minutes,
        r.figures.days_with_out_of_hours_work,
        r.figures.notifications_held_out_of_hours,
        r.figures.on_call_callout_minutes,
        received.timestamp_millis(),
    ];
    if let Some(earlier) = &current {
        tx.prepare_cached(
            "INSERT INTO replaced_reports (week, pseudonym, report_id) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![week, pseudonym, earlier])?;
        tx.prepare_cached(
            "UPDATE reports SET report_id = ?3, unit = ?4, out_of_hours_minutes = ?5,
                 self_reported_out_of_hours_minutes = ?6, weekend_minutes = ?7,
                 late_evening_minutes = ?8, days_with_out_of_hours_work = ?9,
                 notifications_held_out_of_hours = ?10, on_call_callout_minutes = ?11,
                 received_ms = ?12
             WHERE week = ?1 AND pseudonym = ?2",
        )?
        .execute(figures)?;
        return Ok(Put::Replaced);
    }
    tx.prepare_cached(
        "INSERT INTO reports (week, pseudonym, report_id, unit, out_of_hours_minutes,
             self_reported_out_of_hours_minutes, weekend_minutes, late_evening_minutes,
             days_with_out_of_hours_work, notifications_held_out_of_hours,
             on_call_callout_minutes, received_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(figures)?;
    Ok(Put::Stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_reopened_file_keeps_its_tokens_and_only_its_owner_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        let now = DateTime::from_timestamp_millis(1_780_000_000_000).unwrap();
        SqliteStore::open(&path)
            .unwrap()
            .add_token(TokenHash::of("t"), "team".into(), Role::Viewer, now)
            .await
            .unwrap();
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(
            store.token(TokenHash::of("t")).await.unwrap(),
            Some(TokenRecord {
                unit: "team".into(),
                role: Role::Viewer,
                created: now
            })
        );
        assert_eq!(store.token(TokenHash::of("u")).await.unwrap(), None);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[tokio::test]
    async fn a_first_version_database_keeps_its_reports_through_the_migrations() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO reports VALUES (?1, 202648, ?2, 'team', 30, 0, 15, 0, 1, 3, 0, 0)",
            [format!("{:064x}", 7), format!("{:032x}", 9)],
        )
        .unwrap();
        // And one it replaced.
        conn.execute(
            "INSERT INTO replaced_reports VALUES (?1, ?2, 202648)",
            [format!("{:032x}", 8), format!("{:064x}", 7)],
        )
        .unwrap();
        drop(conn);
        let store = SqliteStore::open(&path).unwrap();
        let w48 = clockoff_core::record::week::parse("2026-W48").unwrap();
        let stored = store.contributions(w48, w48).await.unwrap();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].contribution.out_of_hours_minutes, 30);
        // Its report id is still known: sent again, it is a replay.
        let again = WeeklySummary {
            schema: clockoff_core::summary::Schema,
            week: w48,
            report_id: format!("{:032x}", 9).parse().unwrap(),
            pseudonym: format!("{:064x}", 7).parse().unwrap(),
            figures: clockoff_core::summary::WeekFigures {
                out_of_hours_minutes: 30,
                self_reported_out_of_hours_minutes: 0,
                weekend_minutes: 15,
                late_evening_minutes: 0,
                days_with_out_of_hours_work: 1,
                notifications_held_out_of_hours: 3,
                on_call_callout_minutes: 0,
            },
        };
        let now = DateTime::from_timestamp_millis(1_780_000_000_000).unwrap();
        let put = store.put_report("team".into(), again.clone(), now);
        assert_eq!(put.await.unwrap(), Put::Replay);
        // So is the one it replaced.
        let replaced = WeeklySummary {
            report_id: format!("{:032x}", 8).parse().unwrap(),
            ..again
        };
        let put = store.put_report("team".into(), replaced, now);
        assert_eq!(put.await.unwrap(), Put::Replay);
        assert_eq!(store.contributions(w48, w48).await.unwrap().len(), 1);
    }

    #[test]
    fn a_newer_schema_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite3");
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        assert!(matches!(
            SqliteStore::open(&path),
            Err(StoreError::UnsupportedVersion { found: 99, .. })
        ));
    }
}
