//! The PostgreSQL backend, for organisations that run more than one dashboard or already
//! run PostgreSQL: a pool of connections, every report in its own transaction.
//!
//! The rules are the SQLite backend's, tested against both (tests/dashboard_store.rs). What
//! differs is concurrency: several connections, and several dashboards, write at once, at
//! read committed. A report is stored by one call of a function the first migration
//! creates (`clockoff_put_report`), so it costs one round trip and one transaction; the
//! function first takes a lock on the pseudonym and week, so writers for the same worker's
//! week queue while everyone else's proceed. Two reports that share only a report id (a
//! conflict) meet at its unique key: the loser fails, is tried again, and is answered from
//! what the winner stored. Serializable isolation was tried first: with a hundred concurrent
//! reports its predicate locks failed most of them, again and again. The same rules as six
//! statements from here cost about 370 µs of CPU a report (dashboard and server together).

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, IsoWeek, Utc};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Executor, Row};

use super::{
    DeviceEntry, DeviceRecord, Enrolment, Issuance, Put, Store, StoreError, StoredContribution,
    StoredKey, TokenCache, TokenEntry, TokenRecord, device_entry, published_week,
    stored_contribution, stored_count, stored_key, token_entry, token_record, week_key,
};
use crate::token::{Role, TokenHash};
use clockoff_core::summary::WeeklySummary;

/// Migration `i` takes the database from version `i` to `i + 1` (kept in
/// `clockoff_schema`). Append; never edit a shipped entry. Times are UTC unix milliseconds;
/// weeks are [`week_key`]s; every figure is checked and small, but stored as BIGINT so a
/// u32 always fits.
const MIGRATIONS: &[&str] = &[
    "
CREATE TABLE tokens (
    hash       TEXT   PRIMARY KEY,
    unit       TEXT   NOT NULL,
    role       TEXT   NOT NULL CHECK (role IN ('reporter', 'viewer')),
    created_ms BIGINT NOT NULL,
    -- A revoked token is kept (who had access, and until when) but grants nothing.
    revoked_ms BIGINT
);

-- One summary per pseudonym and week; the key, week first, also serves reads by week.
CREATE TABLE reports (
    week                               BIGINT NOT NULL,
    pseudonym                          TEXT   NOT NULL,
    report_id                          TEXT   NOT NULL UNIQUE,
    unit                               TEXT   NOT NULL,
    out_of_hours_minutes               BIGINT NOT NULL,
    self_reported_out_of_hours_minutes BIGINT NOT NULL,
    weekend_minutes                    BIGINT NOT NULL,
    late_evening_minutes               BIGINT NOT NULL,
    days_with_out_of_hours_work        BIGINT NOT NULL,
    notifications_held_out_of_hours    BIGINT NOT NULL,
    on_call_callout_minutes            BIGINT NOT NULL,
    received_ms                        BIGINT NOT NULL,
    PRIMARY KEY (week, pseudonym)
);

-- Report ids a resubmission replaced: a late retry of one is acknowledged, never stored
-- over the newer summary.
CREATE TABLE replaced_reports (
    report_id TEXT   PRIMARY KEY,
    pseudonym TEXT   NOT NULL,
    week      BIGINT NOT NULL
);

-- Stores one report, in one round trip: 'stored', 'replaced', 'replay' or 'conflict'. The
-- rules of the SQLite backend's put_report. Called on its own (its own transaction), at
-- read committed, where each statement below sees what was committed before it began.
CREATE FUNCTION clockoff_put_report(
    p_week BIGINT, p_pseudonym TEXT, p_report_id TEXT, p_unit TEXT,
    p_out_of_hours BIGINT, p_self_reported BIGINT, p_weekend BIGINT, p_late_evening BIGINT,
    p_days BIGINT, p_held BIGINT, p_callout BIGINT, p_received_ms BIGINT
) RETURNS TEXT LANGUAGE plpgsql AS $$
DECLARE
    seen_pseudonym TEXT;
    seen_week      BIGINT;
    earlier        TEXT;
BEGIN
    -- Writers for one worker's week queue here. Without it a retry racing its own first
    -- attempt could miss it in the first query, see it in the second, and replace the
    -- report with itself (tests/dashboard_store.rs caught exactly that).
    PERFORM pg_advisory_xact_lock(hashtextextended(p_pseudonym || '/' || p_week, 0));
    SELECT s.pseudonym, s.week INTO seen_pseudonym, seen_week FROM (
        SELECT pseudonym, week FROM reports WHERE report_id = p_report_id
        UNION ALL
        SELECT pseudonym, week FROM replaced_reports WHERE report_id = p_report_id
    ) s LIMIT 1;
    IF FOUND THEN
        IF seen_pseudonym = p_pseudonym AND seen_week = p_week THEN
            RETURN 'replay';
        END IF;
        RETURN 'conflict';
    END IF;
    SELECT report_id INTO earlier FROM reports
        WHERE week = p_week AND pseudonym = p_pseudonym;
    IF earlier IS NOT NULL THEN
        INSERT INTO replaced_reports (report_id, pseudonym, week)
            VALUES (earlier, p_pseudonym, p_week);
        DELETE FROM reports WHERE week = p_week AND pseudonym = p_pseudonym;
    END IF;
    INSERT INTO reports (week, pseudonym, report_id, unit, out_of_hours_minutes,
            self_reported_out_of_hours_minutes, weekend_minutes, late_evening_minutes,
            days_with_out_of_hours_work, notifications_held_out_of_hours,
            on_call_callout_minutes, received_ms)
        VALUES (p_week, p_pseudonym, p_report_id, p_unit, p_out_of_hours, p_self_reported,
            p_weekend, p_late_evening, p_days, p_held, p_callout, p_received_ms);
    IF earlier IS NULL THEN
        RETURN 'stored';
    END IF;
    RETURN 'replaced';
END
$$;
",
    "
-- Each week's release as first published (super::publication), shown as it was from then on.
CREATE TABLE publications (
    week         BIGINT PRIMARY KEY,
    published_ms BIGINT NOT NULL,
    release      TEXT   NOT NULL
);
-- Report ids are looked up under their week and pseudonym (a retry carries both), so the
-- index of every report id goes, and with it the refusal of an id reused for another week
-- or pseudonym, which protected nothing. Replaced ids are kept under their week too.
ALTER TABLE reports DROP CONSTRAINT reports_report_id_key;
CREATE TABLE replaced_v2 (
    week      BIGINT NOT NULL,
    pseudonym TEXT   NOT NULL,
    report_id TEXT   NOT NULL,
    PRIMARY KEY (week, pseudonym, report_id)
);
INSERT INTO replaced_v2 SELECT week, pseudonym, report_id FROM replaced_reports;
DROP TABLE replaced_reports;
ALTER TABLE replaced_v2 RENAME TO replaced_reports;

-- Stores one report: 'stored', 'replaced', 'replay', or 'closed' for a week published
-- already. The rules of the SQLite backend's put_report.
CREATE OR REPLACE FUNCTION clockoff_put_report(
    p_week BIGINT, p_pseudonym TEXT, p_report_id TEXT, p_unit TEXT,
    p_out_of_hours BIGINT, p_self_reported BIGINT, p_weekend BIGINT, p_late_evening BIGINT,
    p_days BIGINT, p_held BIGINT, p_callout BIGINT, p_received_ms BIGINT
) RETURNS TEXT LANGUAGE plpgsql AS $$
DECLARE
    current_id TEXT;
BEGIN
    -- Writers for one worker's week queue here. Without it a retry racing its own first
    -- attempt could miss it in the first query and replace the report with itself.
    PERFORM pg_advisory_xact_lock(hashtextextended(p_pseudonym || '/' || p_week, 0));
    SELECT report_id INTO current_id FROM reports
        WHERE week = p_week AND pseudonym = p_pseudonym;
    IF current_id = p_report_id THEN
        RETURN 'replay';
    END IF;
    IF current_id IS NOT NULL THEN
        PERFORM 1 FROM replaced_reports
            WHERE week = p_week AND pseudonym = p_pseudonym AND report_id = p_report_id;
        IF FOUND THEN
            RETURN 'replay';
        END IF;
    END IF;
    -- A week published already takes no more reports (another dashboard, or one whose
    -- weeks_accepted was raised since, might still send one here).
    PERFORM 1 FROM publications WHERE week = p_week;
    IF FOUND THEN
        RETURN 'closed';
    END IF;
    IF current_id IS NOT NULL THEN
        INSERT INTO replaced_reports (week, pseudonym, report_id)
            VALUES (p_week, p_pseudonym, current_id);
        UPDATE reports SET report_id = p_report_id, unit = p_unit,
                out_of_hours_minutes = p_out_of_hours,
                self_reported_out_of_hours_minutes = p_self_reported,
                weekend_minutes = p_weekend, late_evening_minutes = p_late_evening,
                days_with_out_of_hours_work = p_days,
                notifications_held_out_of_hours = p_held,
                on_call_callout_minutes = p_callout, received_ms = p_received_ms
            WHERE week = p_week AND pseudonym = p_pseudonym;
        RETURN 'replaced';
    END IF;
    INSERT INTO reports (week, pseudonym, report_id, unit, out_of_hours_minutes,
            self_reported_out_of_hours_minutes, weekend_minutes, late_evening_minutes,
            days_with_out_of_hours_work, notifications_held_out_of_hours,
            on_call_callout_minutes, received_ms)
        VALUES (p_week, p_pseudonym, p_report_id, p_unit, p_out_of_hours, p_self_reported,
            p_weekend, p_late_evening, p_days, p_held, p_callout, p_received_ms);
    RETURN 'stored';
END
$$;
",
    "
-- Enrolled laptops: a device credential's hash and its unit. Nothing ties one to a report.
CREATE TABLE devices (
    hash        TEXT   PRIMARY KEY,
    unit        TEXT   NOT NULL,
    enrolled_ms BIGINT NOT NULL,
    revoked_ms  BIGINT
);
CREATE INDEX devices_by_unit ON devices (unit);
-- Which laptop had its week token for which week, and a hash of the blinded request (so a
-- lost answer can be given again); never the token, which the dashboard never sees.
CREATE TABLE issued (
    week         BIGINT NOT NULL,
    device       TEXT   NOT NULL,
    request_hash TEXT   NOT NULL,
    PRIMARY KEY (week, device)
);
-- The week tokens' issuing keys: the current one (retired_ms NULL) and those it replaced.
CREATE TABLE issuer_keys (
    id         BIGSERIAL PRIMARY KEY,
    secret     BYTEA  NOT NULL,
    created_ms BIGINT NOT NULL,
    retired_ms BIGINT
);
",
];

/// Taken while enrolling, so two dashboards cannot both give a unit's last place.
const ENROLMENT_LOCK: &str = "clockoff enrolment/";
/// Taken while the first issuing key is made, so two dashboards starting together agree.
const ISSUER_KEY_LOCK: i64 = 0x636f_6b65_7973_0001;

/// Taken for the migration's transaction, so two dashboards starting together migrate once.
const MIGRATION_LOCK: i64 = 0x636c_6f63_6b6f_6666; // "clockoff"

/// How often a report's transaction is tried when it conflicts with another writer's.
const ATTEMPTS: u32 = 10;

#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    known: TokenCache,
}

/// `url` with any password left out, to say which database is in use.
pub fn describe(url: &str) -> String {
    match PgConnectOptions::from_str(url) {
        Ok(o) => {
            let place = o.get_socket().map_or_else(
                || format!("{}:{}", o.get_host(), o.get_port()),
                |s| s.display().to_string(),
            );
            format!(
                "postgres://{}@{place}/{}",
                o.get_username(),
                o.get_database().unwrap_or(o.get_username())
            )
        }
        Err(_) => "postgres://(unreadable address)".into(),
    }
}

/// Checks `url` is a PostgreSQL address sqlx can use, without connecting.
pub fn check_url(url: &str) -> Result<(), String> {
    PgConnectOptions::from_str(url)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

impl PostgresStore {
    /// Trusts a looked-up token for `ttl` instead of [`super::TOKEN_CACHE_TTL`] (tests of
    /// revocation by another process).
    pub fn with_token_ttl(mut self, ttl: std::time::Duration) -> Self {
        self.known = TokenCache::new(ttl);
        self
    }

    /// Connects and migrates. Fails at once (after 10 s at most) if the server cannot be
    /// reached, so a wrong address is reported at start rather than at the first report.
    pub async fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        migrate(&pool).await?;
        Ok(PostgresStore {
            pool,
            known: TokenCache::default(),
        })
    }
}

async fn migrate(pool: &PgPool) -> Result<(), StoreError> {
    let supported = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
    let mut tx = pool.begin().await?;
    // The tables go in the first schema of the search_path that exists (`public` unless the
    // address says `options=-c search_path=...`); none would fail below, less clearly.
    let schema: Option<String> = sqlx::query_scalar("SELECT current_schema()::text")
        .fetch_one(&mut *tx)
        .await?;
    if schema.is_none() {
        let search_path = sqlx::query_scalar("SELECT current_setting('search_path')")
            .fetch_one(&mut *tx)
            .await?;
        return Err(StoreError::NoSchema { search_path });
    }
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *tx)
        .await?;
    tx.execute("CREATE TABLE IF NOT EXISTS clockoff_schema (version BIGINT NOT NULL)")
        .await?;
    let found: Option<i64> = sqlx::query_scalar("SELECT version FROM clockoff_schema")
        .fetch_optional(&mut *tx)
        .await?;
    let found = found.unwrap_or(0);
    if found > supported {
        return Err(StoreError::UnsupportedVersion { found, supported });
    }
    for sql in MIGRATIONS.iter().skip(found.max(0) as usize) {
        sqlx::raw_sql(*sql).execute(&mut *tx).await?;
    }
    tx.execute("DELETE FROM clockoff_schema").await?;
    sqlx::query("INSERT INTO clockoff_schema (version) VALUES ($1)")
        .bind(supported.max(found))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

impl Store for PostgresStore {
    async fn add_token(
        &self,
        hash: TokenHash,
        unit: String,
        role: Role,
        created: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO tokens (hash, unit, role, created_ms) VALUES ($1, $2, $3, $4)")
            .bind(hash.as_str())
            .bind(unit)
            .bind(role.name())
            .bind(created.timestamp_millis())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn token(&self, hash: TokenHash) -> Result<Option<TokenRecord>, StoreError> {
        if let Some(record) = self.known.get(&hash) {
            return Ok(Some(record));
        }
        let row: Option<(String, String, i64)> = sqlx::query_as(
            "SELECT unit, role, created_ms FROM tokens WHERE hash = $1 AND revoked_ms IS NULL",
        )
        .bind(hash.as_str())
        .fetch_optional(&self.pool)
        .await?;
        let Some((unit, role, created_ms)) = row else {
            return Ok(None);
        };
        let record = token_record(unit, &role, created_ms)?;
        self.known.insert(&hash, &record);
        Ok(Some(record))
    }

    async fn tokens(&self) -> Result<Vec<TokenEntry>, StoreError> {
        let rows: Vec<(String, String, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT hash, unit, role, created_ms, revoked_ms FROM tokens
             ORDER BY created_ms, hash",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(hash, unit, role, created, revoked)| {
                token_entry(hash, unit, &role, created, revoked)
            })
            .collect()
    }

    async fn revoke_token(&self, hash: TokenHash, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE tokens SET revoked_ms = $2 WHERE hash = $1 AND revoked_ms IS NULL")
                .bind(hash.as_str())
                .bind(at.timestamp_millis())
                .execute(&self.pool)
                .await?;
        self.known.remove(&hash);
        Ok(done.rows_affected() == 1)
    }

    async fn enrol_device(
        &self,
        hash: TokenHash,
        unit: String,
        at: DateTime<Utc>,
        max: Option<u32>,
    ) -> Result<Enrolment, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(format!("{ENROLMENT_LOCK}{unit}"))
            .execute(&mut *tx)
            .await?;
        let devices: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM devices WHERE unit = $1 AND revoked_ms IS NULL",
        )
        .bind(&unit)
        .fetch_one(&mut *tx)
        .await?;
        let devices = stored_count(devices)?;
        if max.is_some_and(|max| devices >= max) {
            return Ok(Enrolment::Full { devices });
        }
        sqlx::query("INSERT INTO devices (hash, unit, enrolled_ms) VALUES ($1, $2, $3)")
            .bind(hash.as_str())
            .bind(&unit)
            .bind(at.timestamp_millis())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Enrolment::Enrolled {
            devices: devices + 1,
        })
    }

    async fn device(&self, hash: TokenHash) -> Result<Option<DeviceRecord>, StoreError> {
        let row: Option<(String, i64)> = sqlx::query_as(
            "SELECT unit, enrolled_ms FROM devices WHERE hash = $1 AND revoked_ms IS NULL",
        )
        .bind(hash.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(unit, enrolled)| {
            device_entry(hash.as_str().to_owned(), unit, enrolled, None).map(|e| e.record)
        })
        .transpose()
    }

    async fn devices(&self) -> Result<Vec<DeviceEntry>, StoreError> {
        let rows: Vec<(String, String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT hash, unit, enrolled_ms, revoked_ms FROM devices ORDER BY enrolled_ms, hash",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(hash, unit, enrolled, revoked)| device_entry(hash, unit, enrolled, revoked))
            .collect()
    }

    async fn revoke_device(&self, hash: TokenHash, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE devices SET revoked_ms = $2 WHERE hash = $1 AND revoked_ms IS NULL",
        )
        .bind(hash.as_str())
        .bind(at.timestamp_millis())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn enrolled_devices(&self, unit: String) -> Result<u32, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM devices WHERE unit = $1 AND revoked_ms IS NULL",
        )
        .bind(unit)
        .fetch_one(&self.pool)
        .await?;
        stored_count(n)
    }

    async fn record_issuance(
        &self,
        week: IsoWeek,
        device: TokenHash,
        request_hash: String,
    ) -> Result<Issuance, StoreError> {
        // The insert waits for a concurrent one of the same key and then does nothing; the
        // select after it (its own snapshot) sees whichever request won.
        let inserted = sqlx::query(
            "INSERT INTO issued (week, device, request_hash) VALUES ($1, $2, $3)
             ON CONFLICT (week, device) DO NOTHING",
        )
        .bind(week_key(week))
        .bind(device.as_str())
        .bind(&request_hash)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if inserted == 1 {
            return Ok(Issuance::First);
        }
        let stored: String =
            sqlx::query_scalar("SELECT request_hash FROM issued WHERE week = $1 AND device = $2")
                .bind(week_key(week))
                .bind(device.as_str())
                .fetch_one(&self.pool)
                .await?;
        Ok(if stored == request_hash {
            Issuance::Again
        } else {
            Issuance::Taken
        })
    }

    async fn issuer_keys(
        &self,
        fresh: Vec<u8>,
        at: DateTime<Utc>,
    ) -> Result<Vec<StoredKey>, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(ISSUER_KEY_LOCK)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO issuer_keys (secret, created_ms)
             SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM issuer_keys)",
        )
        .bind(fresh)
        .bind(at.timestamp_millis())
        .execute(&mut *tx)
        .await?;
        let rows: Vec<(Vec<u8>, i64, Option<i64>)> = sqlx::query_as(
            "SELECT secret, created_ms, retired_ms FROM issuer_keys ORDER BY id DESC",
        )
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        rows.into_iter()
            .map(|(secret, created, retired)| stored_key(secret, created, retired))
            .collect()
    }

    async fn rotate_issuer_key(&self, fresh: Vec<u8>, at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(ISSUER_KEY_LOCK)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE issuer_keys SET retired_ms = $1 WHERE retired_ms IS NULL")
            .bind(at.timestamp_millis())
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO issuer_keys (secret, created_ms) VALUES ($1, $2)")
            .bind(fresh)
            .bind(at.timestamp_millis())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn put_report(
        &self,
        unit: String,
        report: WeeklySummary,
        received: DateTime<Utc>,
    ) -> Result<Put, StoreError> {
        let mut attempt = 1;
        loop {
            match put_report(&self.pool, &unit, &report, received).await {
                Err(e) if attempt < ATTEMPTS && conflicts_with_another_writer(&e) => attempt += 1,
                other => return other,
            }
        }
    }

    async fn was_received(&self, report: &WeeklySummary) -> Result<bool, StoreError> {
        let found: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM reports
                 WHERE week = $1 AND pseudonym = $2 AND report_id = $3)
             OR EXISTS (SELECT 1 FROM replaced_reports
                 WHERE week = $1 AND pseudonym = $2 AND report_id = $3)",
        )
        .bind(week_key(report.week))
        .bind(report.pseudonym.to_string())
        .bind(report.report_id.to_string())
        .fetch_one(&self.pool)
        .await?;
        Ok(found)
    }

    async fn forget_before(&self, first_kept: IsoWeek) -> Result<u64, StoreError> {
        let week = week_key(first_kept);
        let mut tx = self.pool.begin().await?;
        let gone = sqlx::query("DELETE FROM reports WHERE week < $1")
            .bind(week)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM replaced_reports WHERE week < $1")
            .bind(week)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM publications WHERE week < $1")
            .bind(week)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM issued WHERE week < $1")
            .bind(week)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(gone)
    }

    async fn contributions(
        &self,
        from: IsoWeek,
        to: IsoWeek,
    ) -> Result<Vec<StoredContribution>, StoreError> {
        let rows = sqlx::query(
            "SELECT week, unit, out_of_hours_minutes, self_reported_out_of_hours_minutes,
                    weekend_minutes, late_evening_minutes, days_with_out_of_hours_work,
                    notifications_held_out_of_hours, on_call_callout_minutes
             FROM reports WHERE week BETWEEN $1 AND $2 ORDER BY week",
        )
        .bind(week_key(from))
        .bind(week_key(to))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let mut figures = [0i64; 7];
                for (i, figure) in figures.iter_mut().enumerate() {
                    *figure = r.try_get(i + 2)?;
                }
                stored_contribution(r.try_get(0)?, r.try_get(1)?, figures)
            })
            .collect()
    }

    async fn publications(
        &self,
        from: IsoWeek,
        to: IsoWeek,
    ) -> Result<Vec<(IsoWeek, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT week, release FROM publications WHERE week BETWEEN $1 AND $2 ORDER BY week",
        )
        .bind(week_key(from))
        .bind(week_key(to))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((published_week(r.try_get(0)?)?, r.try_get(1)?)))
            .collect()
    }

    async fn publish(
        &self,
        week: IsoWeek,
        release: String,
        at: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        // Two statements, each with its own snapshot: an insert that found another
        // dashboard's row (waiting for it to commit) does nothing, and the select after it
        // sees that row. (One statement's snapshot would predate it.)
        sqlx::query(
            "INSERT INTO publications (week, published_ms, release) VALUES ($1, $2, $3)
             ON CONFLICT (week) DO NOTHING",
        )
        .bind(week_key(week))
        .bind(at.timestamp_millis())
        .bind(release)
        .execute(&self.pool)
        .await?;
        let stored: String = sqlx::query_scalar("SELECT release FROM publications WHERE week = $1")
            .bind(week_key(week))
            .fetch_one(&self.pool)
            .await?;
        Ok(stored)
    }
}

/// A unique key another transaction took first (or a deadlock, or a serialization failure
/// should the server default to serializable): trying again sees what the other wrote and
/// answers from it.
fn conflicts_with_another_writer(e: &StoreError) -> bool {
    match e {
        StoreError::Postgres(sqlx::Error::Database(db)) => {
            matches!(db.code().as_deref(), Some("40001" | "40P01" | "23505"))
        }
        _ => false,
    }
}

/// One call of `clockoff_put_report` (the first migration): one round trip, one
/// transaction.
async fn put_report(
    pool: &PgPool,
    unit: &str,
    r: &WeeklySummary,
    received: DateTime<Utc>,
) -> Result<Put, StoreError> {
    let outcome: String = sqlx::query_scalar(
        "SELECT clockoff_put_report($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(week_key(r.week))
    .bind(r.pseudonym.to_string())
    .bind(r.report_id.to_string())
    .bind(unit)
    .bind(i64::from(r.figures.out_of_hours_minutes))
    .bind(i64::from(r.figures.self_reported_out_of_hours_minutes))
    .bind(i64::from(r.figures.weekend_minutes))
    .bind(i64::from(r.figures.late_evening_minutes))
    .bind(i64::from(r.figures.days_with_out_of_hours_work))
    .bind(i64::from(r.figures.notifications_held_out_of_hours))
    .bind(i64::from(r.figures.on_call_callout_minutes))
    .bind(received.timestamp_millis())
    .fetch_one(pool)
    .await?;
    match outcome.as_str() {
        "stored" => Ok(Put::Stored),
        "replaced" => Ok(Put::Replaced),
        "replay" => Ok(Put::Replay),
        "closed" => Ok(Put::Closed),
        other => Err(StoreError::Corrupt(format!(
            "clockoff_put_report said {other:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_is_named_without_its_password() {
        let url = "postgres://dash:s3cret-pw@db.internal:5433/clockoff?sslmode=require";
        let named = describe(url);
        assert_eq!(named, "postgres://dash@db.internal:5433/clockoff");
        assert!(!named.contains("s3cret"));
        assert_eq!(
            describe("postgres://clockoff@localhost/postgres?host=/run/pg"),
            "postgres://clockoff@/run/pg/postgres"
        );
    }

    #[test]
    fn addresses_are_checked_without_connecting() {
        assert!(check_url("postgresql://u@h/db").is_ok());
        assert!(check_url("postgres://u@h:port/db").is_err());
        assert!(check_url("postgres://u@h/db?sslmode=sometimes").is_err());
    }
}
