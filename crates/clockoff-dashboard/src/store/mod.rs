//! The dashboard's storage, behind one trait so the service is written once and the backend is
//! chosen at startup. Handlers are generic over [`Store`].
//!
//! What is kept: tokens and device credentials (only their SHA-256), the issuing keys of
//! week tokens, which laptop had its token for which week (never the token), and one weekly
//! summary per (pseudonym, week) filed under the unit of the token that sent it. A resubmission (same pseudonym and week,
//! new report id) replaces the earlier summary; a retry of a report id already seen, the
//! current one or one since replaced, is acknowledged and changes nothing.

mod group_commit;
pub mod postgres;
pub mod sqlite;

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use chrono::{DateTime, Datelike, IsoWeek, NaiveDate, Utc, Weekday};

use super::rule::figures::Contribution;
use super::token::{Role, TokenHash};
use clockoff_core::summary::WeeklySummary;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

/// A stored token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub unit: String,
    pub role: Role,
    pub created: DateTime<Utc>,
}

/// A token as `clockoff-dashboard token list` shows it: revoked ones too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenEntry {
    pub hash: TokenHash,
    pub record: TokenRecord,
    pub revoked: Option<DateTime<Utc>>,
}

/// What storing a report did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    /// The first summary for its pseudonym and week.
    Stored,
    /// It replaced an earlier summary (another report id) for its pseudonym and week.
    Replaced,
    /// This report id was seen before for the same pseudonym and week (the current summary
    /// or one it replaced): nothing changed.
    Replay,
    /// The week is published already ([`super::rule::publication`]): refused, nothing changed.
    Closed,
}

/// An enrolled laptop, as stored: its unit and when it enrolled. Nothing ties it to a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    pub unit: String,
    pub enrolled: DateTime<Utc>,
}

/// A device as `clockoff-dashboard device list` shows it: revoked ones too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceEntry {
    pub hash: TokenHash,
    pub record: DeviceRecord,
    pub revoked: Option<DateTime<Utc>>,
}

/// What an enrolment did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enrolment {
    /// Enrolled; the unit now has this many laptops enrolled.
    Enrolled { devices: u32 },
    /// Refused: the unit has its `max_devices` enrolled already.
    Full { devices: u32 },
}

/// What asking for a week token did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Issuance {
    /// The laptop's first request for the week: answer it.
    First,
    /// The same request again (its answer was lost): answer it again, it gives the same token.
    Again,
    /// The laptop had its token for the week, for another request: refused.
    Taken,
}

/// A week-token issuing key as stored ([`clockoff_core::week_token::IssuerKey::to_bytes`]).
#[derive(Clone, PartialEq, Eq)]
pub struct StoredKey {
    pub secret: Vec<u8>,
    pub created: DateTime<Utc>,
    /// When a newer key replaced it; tokens it issued are still redeemed while their weeks
    /// are accepted.
    pub retired: Option<DateTime<Utc>>,
}

impl fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoredKey({}, retired {:?})", self.created, self.retired)
    }
}

/// One stored summary as the release rule reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredContribution {
    pub week: IsoWeek,
    pub unit: String,
    pub contribution: Contribution,
}

pub trait Store: Clone + Send + Sync + 'static {
    fn add_token(
        &self,
        hash: TokenHash,
        unit: String,
        role: Role,
        created: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The token with this hash, unless it was revoked.
    fn token(
        &self,
        hash: TokenHash,
    ) -> impl Future<Output = Result<Option<TokenRecord>, StoreError>> + Send;

    /// Every token made, revoked ones too, oldest first.
    fn tokens(&self) -> impl Future<Output = Result<Vec<TokenEntry>, StoreError>> + Send;

    /// Revokes the token at `at`: `false` if there is none with this hash or it already was.
    /// A dashboard serving from the same database (another process: `token revoke` is one)
    /// stops honouring it within [`TOKEN_CACHE_TTL`].
    fn revoke_token(
        &self,
        hash: TokenHash,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Enrols a laptop in `unit` unless the unit has `max` (its `max_devices`) enrolled and
    /// not revoked, atomically: two laptops enrolling at once cannot both take the last place.
    fn enrol_device(
        &self,
        hash: TokenHash,
        unit: String,
        at: DateTime<Utc>,
        max: Option<u32>,
    ) -> impl Future<Output = Result<Enrolment, StoreError>> + Send;

    /// The device with this credential hash, unless it was revoked.
    fn device(
        &self,
        hash: TokenHash,
    ) -> impl Future<Output = Result<Option<DeviceRecord>, StoreError>> + Send;

    /// Every device enrolled, revoked ones too, oldest first.
    fn devices(&self) -> impl Future<Output = Result<Vec<DeviceEntry>, StoreError>> + Send;

    /// Revokes the device at `at`: `false` if there is none with this hash or it already was.
    fn revoke_device(
        &self,
        hash: TokenHash,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// How many laptops are enrolled (not revoked) in `unit` itself.
    fn enrolled_devices(
        &self,
        unit: String,
    ) -> impl Future<Output = Result<u32, StoreError>> + Send;

    /// Records that `device` asked for `week`'s token with the request hashed to
    /// `request_hash`, unless it asked before ([`Issuance`]).
    fn record_issuance(
        &self,
        week: IsoWeek,
        device: TokenHash,
        request_hash: String,
    ) -> impl Future<Output = Result<Issuance, StoreError>> + Send;

    /// The issuing keys, newest first; `fresh` is stored as the first if there are none (the
    /// first dashboard to start on a database decides it for every dashboard).
    fn issuer_keys(
        &self,
        fresh: Vec<u8>,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<StoredKey>, StoreError>> + Send;

    /// Retires the current key at `at` and stores `fresh` as the new one.
    fn rotate_issuer_key(
        &self,
        fresh: Vec<u8>,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Stores `report` (already checked) under `unit`, in one transaction.
    fn put_report(
        &self,
        unit: String,
        report: WeeklySummary,
        received: DateTime<Utc>,
    ) -> impl Future<Output = Result<Put, StoreError>> + Send;

    /// Whether this report was received already, as the current summary of its pseudonym and
    /// week or one since replaced. Asked of a report for a week past the window: a retry of
    /// one that counted is acknowledged, not told it came too late.
    fn was_received(
        &self,
        report: &WeeklySummary,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Deletes every summary (and replaced report id) of the weeks before `first_kept`; how
    /// many summaries went.
    fn forget_before(
        &self,
        first_kept: IsoWeek,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Every stored summary of the weeks `from` to `to` inclusive, whatever its unit.
    fn contributions(
        &self,
        from: IsoWeek,
        to: IsoWeek,
    ) -> impl Future<Output = Result<Vec<StoredContribution>, StoreError>> + Send;

    /// The publications stored for the weeks `from` to `to` inclusive
    /// ([`super::rule::publication`]), oldest first.
    fn publications(
        &self,
        from: IsoWeek,
        to: IsoWeek,
    ) -> impl Future<Output = Result<Vec<(IsoWeek, String)>, StoreError>> + Send;

    /// Stores `release` as `week`'s publication unless one is stored already, and returns the
    /// one stored: the first dashboard to publish a week decides it for every dashboard.
    fn publish(
        &self,
        week: IsoWeek,
        release: String,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<String, StoreError>> + Send;
}

/// A stored publication's week key read back.
fn published_week(key: i64) -> Result<IsoWeek, StoreError> {
    week_from_key(key).ok_or_else(|| StoreError::Corrupt(format!("publication for week {key}")))
}

/// A week as stored: `year * 100 + week` (202648), so ranges are plain integer comparisons.
pub fn week_key(w: IsoWeek) -> i64 {
    i64::from(w.year()) * 100 + i64::from(w.week())
}

pub fn week_from_key(key: i64) -> Option<IsoWeek> {
    let year = i32::try_from(key.div_euclid(100)).ok()?;
    let week = u32::try_from(key.rem_euclid(100)).ok()?;
    NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).map(|d| d.iso_week())
}

/// How long a token looked up is trusted without asking the database again: a token
/// revoked by `token revoke` (another process) stops working within this.
pub const TOKEN_CACHE_TTL: Duration = Duration::from_secs(60);

/// Tokens looked up in the last [`TOKEN_CACHE_TTL`], so a burst of reports costs one lookup
/// per token. A revocation through the same store removes its token at once.
#[derive(Debug, Clone)]
pub(crate) struct TokenCache {
    map: Arc<Mutex<HashMap<String, (TokenRecord, Instant)>>>,
    ttl: Duration,
}

impl Default for TokenCache {
    fn default() -> Self {
        TokenCache::new(TOKEN_CACHE_TTL)
    }
}

impl TokenCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        TokenCache {
            map: Arc::default(),
            ttl,
        }
    }

    fn get(&self, hash: &TokenHash) -> Option<TokenRecord> {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(hash.as_str()) {
            Some((record, at)) if at.elapsed() < self.ttl => Some(record.clone()),
            Some(_) => {
                map.remove(hash.as_str());
                None
            }
            None => None,
        }
    }

    fn insert(&self, hash: &TokenHash, record: &TokenRecord) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.insert(hash.as_str().to_owned(), (record.clone(), Instant::now()));
    }

    fn remove(&self, hash: &TokenHash) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(hash.as_str());
    }
}

/// A token row with its revocation, as either backend stores it.
fn token_entry(
    hash: String,
    unit: String,
    role: &str,
    created_ms: i64,
    revoked_ms: Option<i64>,
) -> Result<TokenEntry, StoreError> {
    let revoked = revoked_ms
        .map(|ms| {
            DateTime::from_timestamp_millis(ms)
                .ok_or_else(|| StoreError::Corrupt(format!("revocation time {ms}")))
        })
        .transpose()?;
    Ok(TokenEntry {
        hash: TokenHash::from_stored(hash),
        record: token_record(unit, role, created_ms)?,
        revoked,
    })
}

/// A token row as either backend stores it.
fn token_record(unit: String, role: &str, created_ms: i64) -> Result<TokenRecord, StoreError> {
    let role = Role::from_name(role)
        .ok_or_else(|| StoreError::Corrupt(format!("token role \"{role}\"")))?;
    let created = DateTime::from_timestamp_millis(created_ms)
        .ok_or_else(|| StoreError::Corrupt(format!("token time {created_ms}")))?;
    Ok(TokenRecord {
        unit,
        role,
        created,
    })
}

/// A time stored as unix milliseconds, read back.
fn stored_time(ms: i64, what: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| StoreError::Corrupt(format!("{what} {ms}")))
}

/// A device row as either backend stores it.
fn device_entry(
    hash: String,
    unit: String,
    enrolled_ms: i64,
    revoked_ms: Option<i64>,
) -> Result<DeviceEntry, StoreError> {
    Ok(DeviceEntry {
        hash: TokenHash::from_stored(hash),
        record: DeviceRecord {
            unit,
            enrolled: stored_time(enrolled_ms, "enrolment time")?,
        },
        revoked: revoked_ms
            .map(|ms| stored_time(ms, "revocation time"))
            .transpose()?,
    })
}

/// An issuing key row as either backend stores it.
fn stored_key(
    secret: Vec<u8>,
    created_ms: i64,
    retired_ms: Option<i64>,
) -> Result<StoredKey, StoreError> {
    Ok(StoredKey {
        secret,
        created: stored_time(created_ms, "key time")?,
        retired: retired_ms
            .map(|ms| stored_time(ms, "key retirement time"))
            .transpose()?,
    })
}

/// A count read back from the database as a `u32`.
fn stored_count(n: i64) -> Result<u32, StoreError> {
    u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("count {n}")))
}

/// A report row as either backend stores it: the week key, the unit, and the seven figures
/// in [`Contribution`]'s order.
fn stored_contribution(
    week: i64,
    unit: String,
    figures: [i64; 7],
) -> Result<StoredContribution, StoreError> {
    let week = week_from_key(week).ok_or_else(|| StoreError::Corrupt(format!("week {week}")))?;
    let f =
        figures.map(|v| u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("figure {v}"))));
    let [a, b, c, d, e, g, h] = f;
    Ok(StoredContribution {
        week,
        unit,
        contribution: Contribution {
            out_of_hours_minutes: a?,
            self_reported_out_of_hours_minutes: b?,
            weekend_minutes: c?,
            late_evening_minutes: d?,
            days_with_out_of_hours_work: e?,
            notifications_held_out_of_hours: g?,
            on_call_callout_minutes: h?,
        },
    })
}

#[derive(Debug)]
pub enum StoreError {
    /// The database's directory or file could not be created.
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The database was made by a newer clockoff-dashboard; it was left untouched.
    UnsupportedVersion {
        found: i64,
        supported: i64,
    },
    /// PostgreSQL's `search_path` names no schema that exists: nowhere to create the tables.
    NoSchema {
        search_path: String,
    },
    /// The blocking worker went away (a bug or shutdown).
    Stopped,
    /// A stored value this version cannot read.
    Corrupt(String),
    Sqlite(rusqlite::Error),
    Postgres(sqlx::Error),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Create { path, source } => {
                write!(f, "cannot create {}: {source}", path.display())
            }
            StoreError::UnsupportedVersion { found, supported } => write!(
                f,
                "the database is schema version {found}, newer than this clockoff-dashboard \
                 ({supported}); it was left untouched"
            ),
            StoreError::NoSchema { search_path } => write!(
                f,
                "PostgreSQL: the search_path ({search_path}) names no schema that exists; \
                 create the schema first (CREATE SCHEMA ...), or leave search_path out to use \
                 public"
            ),
            StoreError::Stopped => f.write_str("the database worker stopped"),
            StoreError::Corrupt(what) => write!(f, "unreadable stored value: {what}"),
            StoreError::Sqlite(e) => write!(f, "SQLite: {e}"),
            StoreError::Postgres(e) => write!(f, "PostgreSQL: {e}"),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e)
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Postgres(e)
    }
}

/// The backend the configuration chose. The service is generic over [`Store`]; this is the
/// one type the binary runs it with.
#[derive(Debug, Clone)]
pub enum AnyStore {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Store for AnyStore {
    async fn add_token(
        &self,
        hash: TokenHash,
        unit: String,
        role: Role,
        created: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.add_token(hash, unit, role, created).await,
            AnyStore::Postgres(s) => s.add_token(hash, unit, role, created).await,
        }
    }

    async fn token(&self, hash: TokenHash) -> Result<Option<TokenRecord>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.token(hash).await,
            AnyStore::Postgres(s) => s.token(hash).await,
        }
    }

    async fn enrol_device(
        &self,
        hash: TokenHash,
        unit: String,
        at: DateTime<Utc>,
        max: Option<u32>,
    ) -> Result<Enrolment, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.enrol_device(hash, unit, at, max).await,
            AnyStore::Postgres(s) => s.enrol_device(hash, unit, at, max).await,
        }
    }

    async fn device(&self, hash: TokenHash) -> Result<Option<DeviceRecord>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.device(hash).await,
            AnyStore::Postgres(s) => s.device(hash).await,
        }
    }

    async fn devices(&self) -> Result<Vec<DeviceEntry>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.devices().await,
            AnyStore::Postgres(s) => s.devices().await,
        }
    }

    async fn revoke_device(&self, hash: TokenHash, at: DateTime<Utc>) -> Result<bool, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.revoke_device(hash, at).await,
            AnyStore::Postgres(s) => s.revoke_device(hash, at).await,
        }
    }

    async fn enrolled_devices(&self, unit: String) -> Result<u32, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.enrolled_devices(unit).await,
            AnyStore::Postgres(s) => s.enrolled_devices(unit).await,
        }
    }

    async fn record_issuance(
        &self,
        week: IsoWeek,
        device: TokenHash,
        request_hash: String,
    ) -> Result<Issuance, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.record_issuance(week, device, request_hash).await,
            AnyStore::Postgres(s) => s.record_issuance(week, device, request_hash).await,
        }
    }

    async fn issuer_keys(
        &self,
        fresh: Vec<u8>,
        at: DateTime<Utc>,
    ) -> Result<Vec<StoredKey>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.issuer_keys(fresh, at).await,
            AnyStore::Postgres(s) => s.issuer_keys(fresh, at).await,
        }
    }

    async fn rotate_issuer_key(&self, fresh: Vec<u8>, at: DateTime<Utc>) -> Result<(), StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.rotate_issuer_key(fresh, at).await,
            AnyStore::Postgres(s) => s.rotate_issuer_key(fresh, at).await,
        }
    }

    async fn put_report(
        &self,
        unit: String,
        report: WeeklySummary,
        received: DateTime<Utc>,
    ) -> Result<Put, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.put_report(unit, report, received).await,
            AnyStore::Postgres(s) => s.put_report(unit, report, received).await,
        }
    }

    async fn was_received(&self, report: &WeeklySummary) -> Result<bool, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.was_received(report).await,
            AnyStore::Postgres(s) => s.was_received(report).await,
        }
    }

    async fn tokens(&self) -> Result<Vec<TokenEntry>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.tokens().await,
            AnyStore::Postgres(s) => s.tokens().await,
        }
    }

    async fn revoke_token(&self, hash: TokenHash, at: DateTime<Utc>) -> Result<bool, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.revoke_token(hash, at).await,
            AnyStore::Postgres(s) => s.revoke_token(hash, at).await,
        }
    }

    async fn forget_before(&self, first_kept: IsoWeek) -> Result<u64, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.forget_before(first_kept).await,
            AnyStore::Postgres(s) => s.forget_before(first_kept).await,
        }
    }

    async fn contributions(
        &self,
        from: IsoWeek,
        to: IsoWeek,
    ) -> Result<Vec<StoredContribution>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.contributions(from, to).await,
            AnyStore::Postgres(s) => s.contributions(from, to).await,
        }
    }

    async fn publications(
        &self,
        from: IsoWeek,
        to: IsoWeek,
    ) -> Result<Vec<(IsoWeek, String)>, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.publications(from, to).await,
            AnyStore::Postgres(s) => s.publications(from, to).await,
        }
    }

    async fn publish(
        &self,
        week: IsoWeek,
        release: String,
        at: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.publish(week, release, at).await,
            AnyStore::Postgres(s) => s.publish(week, release, at).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clockoff_core::record::week;

    #[tokio::test(start_paused = true)]
    async fn a_cached_token_is_asked_for_again_after_a_minute() {
        let cache = TokenCache::default();
        let record = TokenRecord {
            unit: "team".into(),
            role: Role::Viewer,
            created: DateTime::from_timestamp_millis(0).unwrap(),
        };
        let hash = TokenHash::of("t");
        cache.insert(&hash, &record);
        tokio::time::advance(TOKEN_CACHE_TTL - Duration::from_secs(1)).await;
        assert_eq!(cache.get(&hash), Some(record.clone()));
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(
            cache.get(&hash),
            None,
            "another process may have revoked it"
        );
        cache.insert(&hash, &record);
        cache.remove(&hash);
        assert_eq!(cache.get(&hash), None);
    }

    #[test]
    fn week_keys_order_weeks_and_read_back() {
        for name in ["2026-W01", "2026-W48", "2026-W53", "2027-W01"] {
            let w = week::parse(name).unwrap();
            assert_eq!(week_from_key(week_key(w)), Some(w));
        }
        assert!(
            week_key(week::parse("2026-W53").unwrap()) < week_key(week::parse("2027-W01").unwrap())
        );
        assert_eq!(week_from_key(202554), None);
    }
}
