//! The ledger's quiet-hours records: quiet periods, what each holder changed, and the count
//! of notifications held (app name and time only).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::error::StoreError;
use super::records::{from_ms, to_ms};

/// A stretch of quiet hours; `end` is `None` while it lasts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuietPeriod {
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
}

/// What one holder's hold changed, as the holder wrote it (JSON), and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedHold {
    pub holder: String,
    pub undo: String,
    pub since: DateTime<Utc>,
}

/// The worker finished for the day at `start`; it lasts until `end` (when work next begins,
/// or when they resumed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EarlyFinish {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// App names are cut to this many characters: enough to name an app, too few to carry text.
pub const APP_NAME_LIMIT: usize = 64;

pub(super) fn forget_hold(tx: &Connection, holder: &str) -> Result<(), StoreError> {
    tx.execute("DELETE FROM holds WHERE holder = ?1", [holder])?;
    Ok(())
}

pub(super) fn count_held(tx: &Connection, at: DateTime<Utc>, app: &str) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO held_notifications (at_ms, app) VALUES (?1, ?2)",
        params![to_ms(at), clean_app_name(app)],
    )?;
    Ok(())
}

fn period(start: i64, end: Option<i64>) -> Result<QuietPeriod, StoreError> {
    Ok(QuietPeriod {
        start: from_ms(start)?,
        end: end.map(from_ms).transpose()?,
    })
}

pub(super) fn current(conn: &Connection) -> Result<Option<QuietPeriod>, StoreError> {
    let row: Option<i64> = conn
        .query_row(
            "SELECT start_ms FROM quiet_periods WHERE end_ms IS NULL",
            [],
            |row| row.get(0),
        )
        .optional()?;
    row.map(|start| period(start, None)).transpose()
}

/// Opens a quiet period at `at`, or returns the one already open.
pub(super) fn begin(conn: &Connection, at: DateTime<Utc>) -> Result<QuietPeriod, StoreError> {
    if let Some(open) = current(conn)? {
        return Ok(open);
    }
    conn.execute(
        "INSERT INTO quiet_periods (start_ms) VALUES (?1)",
        [to_ms(at)],
    )?;
    period(to_ms(at), None)
}

/// Ends the open quiet period at `at` (never before its start); `None` if none was open.
pub(super) fn end(conn: &Connection, at: DateTime<Utc>) -> Result<Option<QuietPeriod>, StoreError> {
    let Some(open) = current(conn)? else {
        return Ok(None);
    };
    let end_ms = to_ms(at).max(to_ms(open.start));
    conn.execute(
        "UPDATE quiet_periods SET end_ms = ?1 WHERE end_ms IS NULL",
        [end_ms],
    )?;
    period(to_ms(open.start), Some(end_ms)).map(Some)
}

pub(super) fn save_hold(conn: &Connection, hold: &SavedHold) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO holds (holder, undo, since_ms) VALUES (?1, ?2, ?3)
         ON CONFLICT (holder) DO UPDATE SET undo = excluded.undo, since_ms = excluded.since_ms",
        params![hold.holder, hold.undo, to_ms(hold.since)],
    )?;
    Ok(())
}

pub(super) fn holds(conn: &Connection) -> Result<Vec<SavedHold>, StoreError> {
    let mut stmt = conn.prepare("SELECT holder, undo, since_ms FROM holds ORDER BY holder")?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, i64>(2)?,
        ))
    })?;
    rows.map(|row| {
        let (holder, undo, since) = row?;
        Ok(SavedHold {
            holder,
            undo,
            since: from_ms(since)?,
        })
    })
    .collect()
}

/// Held notifications per app from `from` to `to` inclusive, most first, then by name.
/// Inclusive, as times are stored to the millisecond: a count made in the millisecond a
/// status is read (the tray asks the moment one is counted) is in it.
pub(super) fn held_counts(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(String, u64)>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT app, COUNT(*) AS n FROM held_notifications
         WHERE at_ms >= ?1 AND at_ms <= ?2 GROUP BY app ORDER BY n DESC, app",
    )?;
    let rows = stmt.query_map([to_ms(from), to_ms(to)], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
    })?;
    rows.map(|row| {
        let (app, n) = row?;
        Ok((app, u64::try_from(n).unwrap_or(0)))
    })
    .collect()
}

/// An app name as stored: trimmed, control characters dropped, cut to [`APP_NAME_LIMIT`].
pub fn clean_app_name(app: &str) -> String {
    let cleaned: String = app
        .chars()
        .filter(|c| !c.is_control())
        .take(APP_NAME_LIMIT)
        .collect();
    match cleaned.trim() {
        "" => "unknown".to_string(),
        name => name.to_string(),
    }
}

/// Records an early finish from `start` to `end`, ending any in force at `start` there first:
/// one at a time.
pub(super) fn finish_early(
    conn: &Connection,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<EarlyFinish, StoreError> {
    resume(conn, start)?;
    conn.execute(
        "INSERT INTO early_finishes (start_ms, end_ms) VALUES (?1, ?2)",
        params![to_ms(start), to_ms(end)],
    )?;
    Ok(EarlyFinish { start, end })
}

/// Ends the early finish in force at `at` there; `None` when none was.
pub(super) fn resume(
    conn: &Connection,
    at: DateTime<Utc>,
) -> Result<Option<EarlyFinish>, StoreError> {
    let Some(finish) = early_finish_at(conn, at)? else {
        return Ok(None);
    };
    conn.execute(
        "UPDATE early_finishes SET end_ms = ?1 WHERE start_ms <= ?1 AND end_ms > ?1",
        [to_ms(at)],
    )?;
    Ok(Some(EarlyFinish { end: at, ..finish }))
}

/// The early finish in force at `at` (one at a time: see [`finish_early`]).
pub(super) fn early_finish_at(
    conn: &Connection,
    at: DateTime<Utc>,
) -> Result<Option<EarlyFinish>, StoreError> {
    let row: Option<(i64, i64)> = conn
        .query_row(
            "SELECT start_ms, end_ms FROM early_finishes WHERE start_ms <= ?1 AND end_ms > ?1
             ORDER BY start_ms DESC, id DESC LIMIT 1",
            [to_ms(at)],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    row.map(|(start, end)| {
        Ok(EarlyFinish {
            start: from_ms(start)?,
            end: from_ms(end)?,
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_names_are_printable_capped_and_never_empty() {
        assert_eq!(clean_app_name(""), "unknown");
        assert_eq!(clean_app_name(" \n\t"), "unknown");
        assert_eq!(clean_app_name("Out\nlook\u{7}"), "Outlook");
        let long = "é".repeat(200);
        assert_eq!(clean_app_name(&long).chars().count(), APP_NAME_LIMIT);
    }

    #[test]
    fn a_count_made_in_the_millisecond_a_status_is_read_is_in_it() {
        // Issue 19: the tray asked the moment a notification was counted and saw "0 held".
        let mut conn = Connection::open_in_memory().unwrap();
        crate::ledger::schema::migrate(&mut conn, crate::ledger::schema::MIGRATIONS).unwrap();
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        count_held(&conn, t("2026-11-23T19:00:00.500400Z"), "Teams").unwrap();
        let from = t("2026-11-23T17:10:00Z");
        let read_at = t("2026-11-23T19:00:00.500900Z");
        assert_eq!(
            held_counts(&conn, from, read_at).unwrap(),
            [("Teams".into(), 1)]
        );
        let before = t("2026-11-23T19:00:00.499Z");
        assert_eq!(held_counts(&conn, from, before).unwrap(), []);
    }
}
