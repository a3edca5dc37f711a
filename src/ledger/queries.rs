//! The SQL. Each function runs inside whatever transaction the writer gives it; none commits.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::chain::{Kind, sql as chain};
use super::error::StoreError;
use super::forget;
use super::records::{
    CorrectionId, IntervalId, ManualId, OverrideId, OverrideRecord, ToilId, Totals, duration_ms,
    from_ms, to_ms,
};
use crate::core::activity::Class;
use crate::core::schedule::State;

/// Closes every interval a crash left open, at its stored end: its last checkpoint. Each close
/// is chained like any other: it is when the interval became final.
pub(super) fn close_open_intervals(conn: &Connection) -> Result<usize, StoreError> {
    let ids = conn
        .prepare("SELECT id FROM intervals WHERE open = 1 ORDER BY id")?
        .query_map([], |row| row.get::<_, i64>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for &id in &ids {
        conn.execute("UPDATE intervals SET open = 0 WHERE id = ?1", [id])?;
        chain::append(conn, Kind::IntervalClosed, id)?;
    }
    Ok(ids.len())
}

pub(super) fn open_interval(
    conn: &Connection,
    start: DateTime<Utc>,
    class: Class,
    state: State,
    source: &str,
) -> Result<IntervalId, StoreError> {
    let start = to_ms(start);
    conn.execute(
        "INSERT INTO intervals (start_ms, end_ms, class, state, source, open)
         VALUES (?1, ?1, ?2, ?3, ?4, 1)",
        params![start, class.name(), state.name(), source],
    )?;
    Ok(IntervalId(conn.last_insert_rowid()))
}

/// The interval's start, stored end (its last checkpoint while open) and whether it is open.
fn interval_span(conn: &Connection, id: IntervalId) -> Result<(i64, i64, bool), StoreError> {
    conn.query_row(
        "SELECT start_ms, end_ms, open FROM intervals WHERE id = ?1",
        [id.0],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )
    .optional()?
    .ok_or(StoreError::NoSuchInterval(id))
}

/// The interval's start and last checkpoint, if it is still open.
fn open_span(conn: &Connection, id: IntervalId) -> Result<(i64, i64), StoreError> {
    match interval_span(conn, id)? {
        (_, _, false) => Err(StoreError::IntervalClosed(id)),
        (start, end, true) => Ok((start, end)),
    }
}

pub(super) fn checkpoint(
    conn: &Connection,
    id: IntervalId,
    to: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (_, last) = open_span(conn, id)?;
    if to_ms(to) < last {
        return Err(StoreError::CheckpointBackwards {
            id,
            last: from_ms(last)?,
            to,
        });
    }
    conn.execute(
        "UPDATE intervals SET end_ms = ?2 WHERE id = ?1",
        params![id.0, to_ms(to)],
    )?;
    Ok(())
}

/// Closing may end an interval before its last checkpoint: idleness is only known afterwards.
pub(super) fn close_interval(
    conn: &Connection,
    id: IntervalId,
    end: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (start, stored_end, open) = interval_span(conn, id)?;
    // A closed interval may only be trimmed: leaving is noticed `idle_after` late, after a
    // schedule split may already have closed the interval the person left in.
    if !open && to_ms(end) > stored_end {
        return Err(StoreError::IntervalClosed(id));
    }
    if to_ms(end) < start {
        return Err(StoreError::BadRange {
            what: "an active interval",
            start: from_ms(start)?,
            end,
        });
    }
    conn.execute(
        "UPDATE intervals SET end_ms = ?2, open = 0 WHERE id = ?1",
        params![id.0, to_ms(end)],
    )?;
    // Every close is an entry, a trim-back too: the latest per interval is authoritative.
    chain::append(conn, Kind::IntervalClosed, id.0)
}

pub(super) fn record_transition(
    conn: &Connection,
    at: DateTime<Utc>,
    state: State,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO transitions (at_ms, state) VALUES (?1, ?2)",
        params![to_ms(at), state.name()],
    )?;
    chain::append(conn, Kind::Transition, conn.last_insert_rowid())
}

pub(super) fn add_override(
    conn: &Connection,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    reason: Option<&str>,
    until_away: bool,
) -> Result<OverrideId, StoreError> {
    conn.execute(
        "INSERT INTO overrides (start_ms, end_ms, reason, until_away) VALUES (?1, ?2, ?3, ?4)",
        params![to_ms(start), to_ms(end), reason, until_away],
    )?;
    let id = conn.last_insert_rowid();
    chain::append(conn, Kind::OverrideAdded, id)?;
    Ok(OverrideId(id))
}

/// Moves the end to `at`, clamped into [start, current end]: an override can be cut short (or
/// cancelled before it starts) but never extended this way.
pub(super) fn end_override(
    conn: &Connection,
    id: OverrideId,
    at: DateTime<Utc>,
) -> Result<OverrideRecord, StoreError> {
    let select = |conn: &Connection| {
        conn.query_row(
            "SELECT id, start_ms, end_ms, reason, until_away FROM overrides WHERE id = ?1",
            [id.0],
            override_row,
        )
        .optional()?
        .ok_or(StoreError::NoSuchOverride(id))
    };
    let before = select(conn)?;
    conn.execute(
        "UPDATE overrides SET end_ms = max(start_ms, min(end_ms, ?2)) WHERE id = ?1",
        params![id.0, to_ms(at)],
    )?;
    let after = select(conn)?;
    // Ending it at or after its end changes nothing, so there is nothing new to vouch for.
    if after.2 != before.2 {
        chain::append(conn, Kind::OverrideEnded, id.0)?;
    }
    override_record(after)
}

/// Overrides with some time in [from, to), earliest first; cancelled (empty) ones are left out.
pub(super) fn overrides_overlapping(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<OverrideRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, start_ms, end_ms, reason, until_away FROM overrides
         WHERE start_ms < ?2 AND end_ms > ?1 AND end_ms > start_ms
         ORDER BY start_ms, id",
    )?;
    stmt.query_map(params![to_ms(from), to_ms(to)], override_row)?
        .map(|row| override_record(row?))
        .collect()
}

type OverrideRow = (i64, i64, i64, Option<String>, bool);

fn override_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<OverrideRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    ))
}

fn override_record(
    (id, start, end, reason, until_away): OverrideRow,
) -> Result<OverrideRecord, StoreError> {
    Ok(OverrideRecord {
        id: OverrideId(id),
        start: from_ms(start)?,
        end: from_ms(end)?,
        reason,
        until_away,
    })
}

pub(super) fn add_manual(
    conn: &Connection,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    note: &str,
    recorded_at: DateTime<Utc>,
) -> Result<ManualId, StoreError> {
    // Nothing may be added before the last cut: it would be gone at once, or worse, could be
    // deleted later unnoticed.
    if let Some(cut) = forget::latest(conn)?
        && end < cut.before
    {
        return Err(StoreError::BeforeForgotten(cut.date));
    }
    conn.execute(
        "INSERT INTO manual_entries (start_ms, end_ms, note, recorded_ms)
         VALUES (?1, ?2, ?3, ?4)",
        params![to_ms(start), to_ms(end), note, to_ms(recorded_at)],
    )?;
    let id = conn.last_insert_rowid();
    chain::append(conn, Kind::ManualAdded, id)?;
    Ok(ManualId(id))
}

/// Adds `start`..`end` as a new entry that stands in for `old`, and records the link. `old` is
/// left as it was: the chain keeps both, and every total reads only the current version.
pub(super) fn correct_manual(
    conn: &Connection,
    old: ManualId,
    new: (DateTime<Utc>, DateTime<Utc>, &str),
    reason: &str,
    recorded_at: DateTime<Utc>,
) -> Result<ManualId, StoreError> {
    check_current(conn, old)?;
    let (start, end, note) = new;
    let id = add_manual(conn, start, end, note, recorded_at)?;
    supersede(conn, old, Some(id), reason, recorded_at)?;
    Ok(id)
}

/// Records that `old` no longer counts, and why; the entry itself stays.
pub(super) fn withdraw_manual(
    conn: &Connection,
    old: ManualId,
    reason: &str,
    recorded_at: DateTime<Utc>,
) -> Result<CorrectionId, StoreError> {
    check_current(conn, old)?;
    supersede(conn, old, None, reason, recorded_at)
}

fn supersede(
    conn: &Connection,
    old: ManualId,
    replacement: Option<ManualId>,
    reason: &str,
    recorded_at: DateTime<Utc>,
) -> Result<CorrectionId, StoreError> {
    conn.execute(
        "INSERT INTO manual_corrections (corrects, replacement, reason, recorded_ms)
         VALUES (?1, ?2, ?3, ?4)",
        params![old.0, replacement.map(|r| r.0), reason, to_ms(recorded_at)],
    )?;
    let id = conn.last_insert_rowid();
    chain::append(conn, Kind::ManualCorrection, id)?;
    Ok(CorrectionId(id))
}

/// Refuses an entry that does not exist or no longer counts, naming its current version.
fn check_current(conn: &Connection, id: ManualId) -> Result<(), StoreError> {
    let exists: bool = conn.query_row(
        "SELECT count(*) > 0 FROM manual_entries WHERE id = ?1",
        [id.0],
        |row| row.get(0),
    )?;
    if !exists {
        return Err(StoreError::NoSuchManual(id));
    }
    let mut at = id;
    let mut latest = None;
    loop {
        let next: Option<Option<i64>> = conn
            .query_row(
                "SELECT replacement FROM manual_corrections WHERE corrects = ?1",
                [at.0],
                |row| row.get(0),
            )
            .optional()?;
        match next {
            None if latest.is_none() => return Ok(()),
            None => {
                return Err(StoreError::Superseded {
                    id,
                    latest,
                    withdrawn: false,
                });
            }
            Some(None) => {
                return Err(StoreError::Superseded {
                    id,
                    latest,
                    withdrawn: true,
                });
            }
            // A replacement is always written after what it replaces, so ids only grow; a file
            // where they do not (edited by hand) would otherwise loop here.
            Some(Some(newer)) if newer > at.0 => {
                at = ManualId(newer);
                latest = Some(at);
            }
            Some(Some(newer)) => {
                return Err(StoreError::Corrupt(format!(
                    "manual entry #{} is corrected by an older entry, #{newer}",
                    at.0
                )));
            }
        }
    }
}

pub(super) fn take_toil(
    conn: &Connection,
    date: NaiveDate,
    minutes: i64,
    note: &str,
    recorded_at: DateTime<Utc>,
) -> Result<ToilId, StoreError> {
    if let Some(cut) = forget::latest(conn)?
        && date < cut.date
    {
        return Err(StoreError::BeforeForgotten(cut.date));
    }
    conn.execute(
        "INSERT INTO toil_taken (date, minutes, note, recorded_ms) VALUES (?1, ?2, ?3, ?4)",
        params![date.to_string(), minutes, note, to_ms(recorded_at)],
    )?;
    let id = conn.last_insert_rowid();
    chain::append(conn, Kind::ToilTaken, id)?;
    Ok(ToilId(id))
}

/// Time in [from, to), each record clipped to the range. Open intervals count up to their last
/// checkpoint, which is their stored end.
pub(super) fn totals(
    conn: &Connection,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Totals, StoreError> {
    let mut totals = Totals::default();
    let (from, to) = (to_ms(from), to_ms(to));
    if to <= from {
        return Ok(totals);
    }
    let mut stmt = conn.prepare_cached(
        "SELECT class, sum(min(end_ms, ?2) - max(start_ms, ?1)) FROM intervals
         WHERE start_ms < ?2 AND end_ms > ?1
         GROUP BY class",
    )?;
    let mut rows = stmt.query(params![from, to])?;
    while let Some(row) = rows.next()? {
        let name: String = row.get(0)?;
        let class = name.parse::<Class>().map_err(StoreError::Corrupt)?;
        totals.add_active(class, duration_ms(row.get(1)?)?);
    }
    // Only the current version of each entry counts: one corrected or withdrawn does not.
    let manual: Option<i64> = conn.query_row(
        "SELECT sum(min(end_ms, ?2) - max(start_ms, ?1)) FROM manual_entries
         WHERE start_ms < ?2 AND end_ms > ?1
           AND id NOT IN (SELECT corrects FROM manual_corrections)",
        params![from, to],
        |row| row.get(0),
    )?;
    totals.manual = duration_ms(manual.unwrap_or(0))?;
    Ok(totals)
}
