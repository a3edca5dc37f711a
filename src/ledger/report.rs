//! The ledger's reporting records, one row per ISO week at most: whether the worker paused
//! the week (it is never reported), and the report id it is sent under once queued. The id
//! is assigned once and never replaced, so every retry of a week carries the same one.
//!
//! The upload queue lives here too (migration V10): when a week was queued, how its tries
//! went, when the next is due and whether it was delivered, plus the cursor that says which
//! week is queued next.

use chrono::{DateTime, Datelike, IsoWeek, TimeDelta, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::chain::sql::has_table;
use super::error::StoreError;
use super::records::{from_ms, to_ms};
use crate::core::record::week;
use crate::core::summary::ReportId;

/// What the ledger holds about reporting a week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportWeek {
    pub week: IsoWeek,
    /// The worker said not to report it (`clockoff report pause`).
    pub paused: bool,
    /// Assigned when the week's report is queued; `None` before.
    pub report_id: Option<ReportId>,
}

impl ReportWeek {
    /// A week the ledger has nothing about: not paused, not queued.
    pub fn new(week: IsoWeek) -> Self {
        Self {
            week,
            paused: false,
            report_id: None,
        }
    }
}

/// A week in the upload queue, as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedWeek {
    pub week: IsoWeek,
    pub paused: bool,
    /// `None` only while the week was paused when queued (it gets one if resumed).
    pub report_id: Option<ReportId>,
    pub queued: DateTime<Utc>,
    /// Tries that failed.
    pub attempts: u32,
    /// When it is tried next; `None` once delivered.
    pub next_attempt: Option<DateTime<Utc>>,
    pub delivered: Option<DateTime<Utc>>,
    /// The last failure in a few words (never the token).
    pub last_error: Option<String>,
    /// The dashboard refused the last try (a 4xx): retried daily or when the config changes.
    pub refused: bool,
}

impl QueuedWeek {
    /// The dashboard said it no longer takes the week ([`Attempt::Closed`]): not delivered,
    /// no try to come (and not paused since: that says paused).
    pub fn is_closed(&self) -> bool {
        self.delivered.is_none() && !self.paused && self.refused && self.next_attempt.is_none()
    }
}

/// A week the queue may take: when it is first tried, and an id drawn for it in case it has
/// none yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToQueue {
    pub week: IsoWeek,
    pub first_try: DateTime<Utc>,
    pub fresh: ReportId,
}

/// How a try to send a week ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    Delivered,
    /// The dashboard no longer takes the week (published, or too old): final, never tried
    /// again, not even after a config change.
    Closed {
        error: String,
    },
    Failed {
        error: String,
        next: DateTime<Utc>,
        refused: bool,
    },
}

/// The longest `last_error` kept (the schema checks it too).
pub const ERROR_LIMIT: usize = 300;

/// The week to try next: the earliest due of those waiting.
pub fn next_due(queue: &[QueuedWeek]) -> Option<&QueuedWeek> {
    queue
        .iter()
        .filter(|q| q.delivered.is_none() && !q.paused)
        .filter_map(|q| q.next_attempt.map(|t| (t, q)))
        .min_by_key(|(t, q)| (*t, q.week))
        .map(|(_, q)| q)
}

pub(super) fn set_paused(
    tx: &Connection,
    week: IsoWeek,
    paused: bool,
    at: DateTime<Utc>,
) -> Result<ReportWeek, StoreError> {
    tx.execute(
        "INSERT INTO report_weeks (week, paused, changed_ms) VALUES (?1, ?2, ?3)
         ON CONFLICT (week) DO UPDATE
         SET paused = excluded.paused, changed_ms = excluded.changed_ms",
        params![week::name(week), paused, to_ms(at)],
    )?;
    stored_or_new(tx, week)
}

pub(super) fn assign_id(
    tx: &Connection,
    week: IsoWeek,
    fresh: ReportId,
    at: DateTime<Utc>,
) -> Result<ReportWeek, StoreError> {
    // A paused week gets no id; a queued one keeps the id it has.
    tx.execute(
        "INSERT INTO report_weeks (week, report_id, changed_ms) VALUES (?1, ?2, ?3)
         ON CONFLICT (week) DO UPDATE
         SET report_id = excluded.report_id, changed_ms = excluded.changed_ms
         WHERE report_id IS NULL AND paused = 0",
        params![week::name(week), fresh.to_string(), to_ms(at)],
    )?;
    stored_or_new(tx, week)
}

pub(super) fn stop_queueing(tx: &Connection) -> Result<bool, StoreError> {
    Ok(tx.execute("DELETE FROM report_queue", [])? > 0)
}

/// What the ledger holds about `week`: not paused, not queued if nothing.
pub(super) fn stored_or_new(conn: &Connection, week: IsoWeek) -> Result<ReportWeek, StoreError> {
    stored(conn, week).map(|w| w.unwrap_or(ReportWeek::new(week)))
}

pub(super) fn retry_failed(tx: &Connection, at: DateTime<Utc>) -> Result<usize, StoreError> {
    Ok(tx.execute(
        "UPDATE report_weeks SET next_attempt_ms = ?1
         WHERE attempts > 0 AND delivered_ms IS NULL AND queued_ms IS NOT NULL
           AND next_attempt_ms > ?1",
        [to_ms(at)],
    )?)
}

/// Which of `candidates` (consecutive weeks, oldest first, ending with the last week that
/// has ended) to queue, given the cursor (the next week to queue, "2026-W48"). No cursor:
/// reporting has just been turned on, and only the last week that ended is queued, never the
/// history before. Week names sort as text.
pub(crate) fn to_queue<'a>(cursor: Option<&str>, candidates: &'a [ToQueue]) -> &'a [ToQueue] {
    match cursor {
        None => &candidates[candidates.len().saturating_sub(1)..],
        Some(next) => {
            let first = candidates
                .iter()
                .position(|c| week::name(c.week).as_str() >= next)
                .unwrap_or(candidates.len());
            &candidates[first..]
        }
    }
}

/// Queues the weeks [`to_queue`] picks and moves the cursor past the last candidate (never
/// back: a clock set backwards queues nothing again). A week already queued keeps its
/// queue time, its next try and its id.
pub(super) fn queue(
    tx: &Connection,
    candidates: &[ToQueue],
    at: DateTime<Utc>,
) -> Result<Vec<IsoWeek>, StoreError> {
    let Some(last) = candidates.last() else {
        return Ok(Vec::new());
    };
    let cursor: Option<String> = tx
        .query_row("SELECT next_week FROM report_queue WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    let mut queued = Vec::new();
    for c in to_queue(cursor.as_deref(), candidates) {
        tx.execute(
            "INSERT INTO report_weeks (week, report_id, changed_ms, queued_ms, next_attempt_ms)
             VALUES (?1, ?2, ?3, ?3, ?4)
             ON CONFLICT (week) DO UPDATE SET
               queued_ms = coalesce(queued_ms, excluded.queued_ms),
               next_attempt_ms = CASE WHEN queued_ms IS NULL
                                      THEN excluded.next_attempt_ms ELSE next_attempt_ms END,
               report_id = CASE WHEN report_id IS NULL AND paused = 0
                                THEN excluded.report_id ELSE report_id END,
               changed_ms = excluded.changed_ms",
            params![
                week::name(c.week),
                c.fresh.to_string(),
                to_ms(at),
                to_ms(c.first_try)
            ],
        )?;
        queued.push(c.week);
    }
    let next = (week::monday(last.week) + TimeDelta::days(7)).iso_week();
    tx.execute(
        "INSERT INTO report_queue (id, next_week, since_ms) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET next_week = max(next_week, excluded.next_week)",
        params![week::name(next), to_ms(at)],
    )?;
    Ok(queued)
}

pub(super) fn record(
    tx: &Connection,
    week: IsoWeek,
    attempt: &Attempt,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    // A delivered week stays delivered, whatever a late answer says.
    match attempt {
        Attempt::Delivered => tx.execute(
            "UPDATE report_weeks SET delivered_ms = ?2, next_attempt_ms = NULL,
                 last_error = NULL, refused = 0, changed_ms = ?2
             WHERE week = ?1 AND delivered_ms IS NULL",
            params![week::name(week), to_ms(at)],
        )?,
        Attempt::Closed { error } => tx.execute(
            "UPDATE report_weeks SET attempts = attempts + 1, next_attempt_ms = NULL,
                 last_error = ?2, refused = 1, changed_ms = ?3
             WHERE week = ?1 AND delivered_ms IS NULL",
            params![week::name(week), clip(error), to_ms(at)],
        )?,
        Attempt::Failed {
            error,
            next,
            refused,
        } => tx.execute(
            "UPDATE report_weeks SET attempts = attempts + 1, next_attempt_ms = ?2,
                 last_error = ?3, refused = ?4, changed_ms = ?5
             WHERE week = ?1 AND delivered_ms IS NULL",
            params![
                week::name(week),
                to_ms(*next),
                clip(error),
                refused,
                to_ms(at)
            ],
        )?,
    };
    Ok(())
}

/// At most [`ERROR_LIMIT`] characters.
fn clip(text: &str) -> String {
    text.chars().take(ERROR_LIMIT).collect()
}

/// Every queued week, oldest first; none in a file from before the queue.
pub(super) fn queued(conn: &Connection) -> Result<Vec<QueuedWeek>, StoreError> {
    if !has_table(conn, "report_queue")? {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare(
        "SELECT week, paused, report_id, queued_ms, attempts, next_attempt_ms, delivered_ms,
                last_error, refused
         FROM report_weeks WHERE queued_ms IS NOT NULL ORDER BY week",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let name: String = row.get(0)?;
        let id: Option<String> = row.get(2)?;
        let attempts: i64 = row.get(4)?;
        let time = |ms: Option<i64>| ms.map(from_ms).transpose();
        out.push(QueuedWeek {
            week: week::parse(&name).map_err(StoreError::Corrupt)?,
            paused: row.get(1)?,
            report_id: id
                .map(|id| id.parse::<ReportId>())
                .transpose()
                .map_err(StoreError::Corrupt)?,
            queued: from_ms(row.get(3)?)?,
            attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
            next_attempt: time(row.get(5)?)?,
            delivered: time(row.get(6)?)?,
            last_error: row.get(7)?,
            refused: row.get(8)?,
        });
    }
    Ok(out)
}

/// The week's row; `None` when there is none, or the file predates the table.
pub(super) fn stored(conn: &Connection, week: IsoWeek) -> Result<Option<ReportWeek>, StoreError> {
    if !has_table(conn, "report_weeks")? {
        return Ok(None);
    }
    let row: Option<(bool, Option<String>)> = conn
        .query_row(
            "SELECT paused, report_id FROM report_weeks WHERE week = ?1",
            [week::name(week)],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    row.map(|(paused, id)| {
        Ok(ReportWeek {
            week,
            paused,
            report_id: id
                .map(|id| id.parse::<ReportId>())
                .transpose()
                .map_err(StoreError::Corrupt)?,
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::testing::utc;
    use crate::ledger::Ledger;

    fn w(name: &str) -> IsoWeek {
        week::parse(name).unwrap()
    }
    fn id(n: u8) -> ReportId {
        ReportId::from_bytes([n; 16])
    }
    /// The `n` weeks up to `last`, oldest first, with ids `n`, `n-1`, ... 1 (the last is 1).
    fn candidates(last: &str, n: u8) -> Vec<ToQueue> {
        let last = week::monday(w(last));
        (0..n)
            .rev()
            .map(|back| {
                let week = (last - TimeDelta::weeks(i64::from(back))).iso_week();
                ToQueue {
                    week,
                    first_try: week::monday(week).and_hms_opt(12, 0, 0).unwrap().and_utc()
                        + TimeDelta::days(7),
                    fresh: id(back + 1),
                }
            })
            .collect()
    }
    fn names(weeks: &[IsoWeek]) -> Vec<String> {
        weeks.iter().map(|w| week::name(*w)).collect()
    }

    #[test]
    fn a_first_enable_takes_the_last_week_and_a_cursor_takes_the_rest() {
        let c = candidates("2026-W47", 8);
        let picked = |cursor| {
            names(
                &to_queue(cursor, &c)
                    .iter()
                    .map(|c| c.week)
                    .collect::<Vec<_>>(),
            )
        };
        assert_eq!(picked(None), ["2026-W47"]);
        assert_eq!(
            picked(Some("2026-W45")),
            ["2026-W45", "2026-W46", "2026-W47"]
        );
        assert_eq!(picked(Some("2026-W48")), Vec::<String>::new());
        assert_eq!(picked(Some("2020-W01")).len(), 8, "at most the candidates");
        assert!(to_queue(None, &[]).is_empty());
    }

    #[tokio::test]
    async fn weeks_are_queued_once_with_one_id_across_restarts() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("ledger.sqlite3");
        let (ledger, _) = Ledger::open(&path).await.unwrap();
        let monday = utc("2026-11-23T09:00:00Z");
        // Reporting just turned on: only the last week that has ended, not the history.
        let queued = ledger
            .queue_reports(candidates("2026-W47", 8), monday)
            .await
            .unwrap();
        assert_eq!(names(&queued), ["2026-W47"]);
        // Asked again (the next pass, or after a restart): nothing new, the id kept.
        ledger.close().await.unwrap();
        let (ledger, _) = Ledger::open(&path).await.unwrap();
        let mut again = candidates("2026-W47", 8);
        for c in &mut again {
            c.fresh = id(99);
        }
        assert!(
            ledger
                .queue_reports(again, monday)
                .await
                .unwrap()
                .is_empty()
        );
        let list = ledger.queued_reports().await.unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].report_id, Some(id(1)));
        assert_eq!(list[0].queued, monday);
        assert_eq!(list[0].next_attempt, Some(utc("2026-11-23T12:00:00Z")));

        // Three weeks on, with one of them paused beforehand: all three queued, the paused
        // one without an id (and never due).
        ledger
            .set_report_paused(w("2026-W49"), true, monday)
            .await
            .unwrap();
        // Read back before it is queued (the agent's status does), and a week never touched.
        let stored = ledger.report_week(w("2026-W49")).await.unwrap();
        assert_eq!((stored.paused, stored.report_id), (true, None));
        assert_eq!(
            ledger.report_week(w("2026-W48")).await.unwrap(),
            ReportWeek::new(w("2026-W48"))
        );
        let later = utc("2026-12-15T08:00:00Z");
        let queued = ledger
            .queue_reports(candidates("2026-W50", 8), later)
            .await
            .unwrap();
        assert_eq!(names(&queued), ["2026-W48", "2026-W49", "2026-W50"]);
        let list = ledger.queued_reports().await.unwrap();
        let paused = list.iter().find(|q| q.week == w("2026-W49")).unwrap();
        assert_eq!((paused.paused, paused.report_id), (true, None));
        // The clock set back a month queues nothing again and keeps the cursor.
        let back = ledger
            .queue_reports(candidates("2026-W45", 8), later)
            .await
            .unwrap();
        assert!(back.is_empty());
        let queued = ledger
            .queue_reports(candidates("2026-W51", 8), later)
            .await
            .unwrap();
        assert_eq!(names(&queued), ["2026-W51"]);

        // Off, then on again: no backfill of the weeks it was off.
        assert!(ledger.stop_queueing_reports().await.unwrap());
        let queued = ledger
            .queue_reports(candidates("2027-W05", 8), utc("2027-02-01T09:00:00Z"))
            .await
            .unwrap();
        assert_eq!(names(&queued), ["2027-W05"]);
        ledger.close().await.unwrap();
    }

    #[tokio::test]
    async fn a_delivered_week_is_final_and_failures_keep_their_next_try() {
        let tmp = tempfile::tempdir().unwrap();
        let (ledger, _) = Ledger::open(tmp.path().join("ledger.sqlite3"))
            .await
            .unwrap();
        let now = utc("2026-11-23T13:00:00Z");
        ledger
            .queue_reports(candidates("2026-W47", 1), now)
            .await
            .unwrap();
        let week = w("2026-W47");
        let retry_at = utc("2026-11-23T13:01:00Z");
        let failed = Attempt::Failed {
            error: format!("HTTP 503: {}", "busy ".repeat(100)),
            next: retry_at,
            refused: false,
        };
        ledger
            .record_report_attempt(week, failed.clone(), now)
            .await
            .unwrap();
        let q = &ledger.queued_reports().await.unwrap()[0];
        assert_eq!(
            (q.attempts, q.next_attempt, q.refused),
            (1, Some(retry_at), false)
        );
        assert_eq!(q.last_error.as_ref().unwrap().chars().count(), ERROR_LIMIT);

        // A config change brings a failed week forward, never back.
        assert_eq!(ledger.retry_failed_reports(now).await.unwrap(), 1);
        assert_eq!(
            ledger.queued_reports().await.unwrap()[0].next_attempt,
            Some(now)
        );

        ledger
            .record_report_attempt(week, Attempt::Delivered, retry_at)
            .await
            .unwrap();
        // A late failure (a second agent, a stale answer) cannot undo the delivery.
        ledger
            .record_report_attempt(week, failed, now)
            .await
            .unwrap();
        assert_eq!(ledger.retry_failed_reports(now).await.unwrap(), 0);
        let q = &ledger.queued_reports().await.unwrap()[0];
        assert_eq!(q.delivered, Some(retry_at));
        assert_eq!(
            (q.next_attempt, q.attempts, q.last_error.as_deref()),
            (None, 1, None)
        );
        assert_eq!(next_due(std::slice::from_ref(q)), None);
        // Nor can queueing it again.
        ledger
            .queue_reports(candidates("2026-W47", 1), now)
            .await
            .unwrap();
        assert_eq!(
            ledger.queued_reports().await.unwrap()[0].delivered,
            Some(retry_at)
        );
        ledger.close().await.unwrap();
    }

    #[tokio::test]
    async fn a_week_the_dashboard_closed_is_never_due_again() {
        let tmp = tempfile::tempdir().unwrap();
        let (ledger, _) = Ledger::open(tmp.path().join("ledger.sqlite3"))
            .await
            .unwrap();
        let now = utc("2026-11-23T13:00:00Z");
        for last in ["2026-W46", "2026-W47"] {
            ledger
                .queue_reports(candidates(last, 1), now)
                .await
                .unwrap();
        }
        let closed = Attempt::Closed {
            error: "HTTP 410: 2026-W46: the week's figures are published".into(),
        };
        ledger
            .record_report_attempt(w("2026-W46"), closed, now)
            .await
            .unwrap();
        let queue = ledger.queued_reports().await.unwrap();
        let q = &queue[0];
        assert_eq!(week::name(q.week), "2026-W46");
        assert!(q.is_closed());
        assert_eq!((q.attempts, q.next_attempt, q.delivered), (1, None, None));
        assert!(!queue[1].is_closed());
        // Only the other week is due.
        let due = next_due(&queue).unwrap();
        assert_eq!(week::name(due.week), "2026-W47");
        // Not even a config change brings it back.
        assert_eq!(ledger.retry_failed_reports(now).await.unwrap(), 0);
        assert!(ledger.queued_reports().await.unwrap()[0].is_closed());
        ledger.close().await.unwrap();
    }
}
