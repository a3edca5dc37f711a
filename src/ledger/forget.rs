//! Retention: forgetting every record about time before a cut-off, and the chain entries
//! that only vouched for them, without breaking `clockoff verify`.
//!
//! The chain is append-only, so forgetting cannot simply delete a prefix of it: the entry
//! after the cut must still link to something. A `forgotten` record (chained like any other)
//! keeps the hash of the last entry removed, and verification starts from it. Only entries
//! that vouch for nothing kept are removed: the cut stops at the first entry that is the
//! latest word on a record still there. Entries after the cut that name a forgotten record
//! stay, and verification accepts the missing record because the anchor's cut-off covers it.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::chain::sql as chain;
use super::chain::{GENESIS, Kind, Table};
use super::error::StoreError;
use super::records::{from_ms, to_ms};

/// Where a forgetting cuts: records about time before `before` go. `date` is the local day
/// that starts at `before` (TOIL is kept by the day it was taken, not by an instant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoff {
    pub before: DateTime<Utc>,
    pub date: NaiveDate,
}

/// Records before `before` (the start of the local day `date`) were forgotten at `at`; the
/// TOIL balance they left is carried.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Forgotten {
    pub before: DateTime<Utc>,
    pub date: NaiveDate,
    pub toil_carried_minutes: i64,
    pub at: DateTime<Utc>,
}

/// The latest forgetting, if records were ever forgotten (a file from before retention has
/// no `forgotten` table, and so none).
pub(super) fn latest(conn: &Connection) -> Result<Option<Forgotten>, StoreError> {
    if !chain::has_table(conn, "forgotten")? {
        return Ok(None);
    }
    let row: Option<(i64, String, i64, i64)> = conn
        .query_row(
            "SELECT before_ms, before_date, toil_carried_minutes, recorded_ms
             FROM forgotten ORDER BY id DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .optional()?;
    row.map(|(before, date, carried, at)| {
        Ok(Forgotten {
            before: from_ms(before)?,
            date: date.parse().map_err(|_| {
                StoreError::Corrupt(format!("forgotten has a date that is not one: {date:?}"))
            })?,
            toil_carried_minutes: carried,
            at: from_ms(at)?,
        })
    })
    .transpose()
}

/// What a forgetting removed (or, planned, would remove).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Forgot {
    pub intervals: usize,
    pub manual_entries: usize,
    /// Corrections and withdrawals of logged entries, gone with the entries.
    pub manual_corrections: usize,
    pub overrides: usize,
    pub transitions: usize,
    pub toil_taken: usize,
    pub held_notifications: usize,
    pub quiet_periods: usize,
    /// Times the worker finished for the day early.
    pub early_finishes: usize,
    /// Weeks paused or queued for reporting.
    pub report_weeks: usize,
    pub chain_entries: usize,
}

impl Forgot {
    fn count_of(&mut self, table: &str) -> &mut usize {
        match table {
            "intervals" => &mut self.intervals,
            "overrides" => &mut self.overrides,
            "transitions" => &mut self.transitions,
            "toil_taken" => &mut self.toil_taken,
            "held_notifications" => &mut self.held_notifications,
            "report_weeks" => &mut self.report_weeks,
            "early_finishes" => &mut self.early_finishes,
            // The one left of `forgettable`'s tables.
            _ => &mut self.quiet_periods,
        }
    }

    /// Records the worker would count: time, entries, overrides, TOIL, held notifications.
    pub fn records(&self) -> usize {
        self.intervals
            + self.manual_entries
            + self.manual_corrections
            + self.overrides
            + self.transitions
            + self.toil_taken
            + self.held_notifications
            + self.quiet_periods
            + self.early_finishes
            + self.report_weeks
    }
}

/// The conditions that pick each table's forgotten rows: a record goes when it ended before
/// the cut-off (an interval across it stays whole), TOIL when the day it was taken did. Open
/// intervals and quiet periods are never forgotten. Logged entries and their corrections are
/// picked by [`logged_to_forget`]. `?1` is the cut-off: in ms, or for TOIL its date.
fn forgettable(conn: &Connection) -> Result<Vec<(&'static str, &'static str)>, StoreError> {
    let mut tables = vec![
        ("intervals", "open = 0 AND end_ms < ?1"),
        ("overrides", "end_ms < ?1"),
        ("transitions", "at_ms < ?1"),
        ("toil_taken", "date < ?1"),
        ("held_notifications", "at_ms < ?1"),
        ("quiet_periods", "end_ms IS NOT NULL AND end_ms < ?1"),
    ];
    // What the worker paused or queued for reporting, by ISO week ("2024-W23" sorts as text).
    if chain::has_table(conn, "report_weeks")? {
        tables.push(("report_weeks", "week < ?1"));
    }
    if chain::has_table(conn, "early_finishes")? {
        tables.push(("early_finishes", "end_ms < ?1"));
    }
    Ok(tables)
}

/// The logged entries and corrections that go: entries linked by corrections (an entry, its
/// replacement, that one's replacement...) go together or not at all, and only when every
/// one of them ended before the cut, so the record never keeps half a correction.
fn logged_to_forget(conn: &Connection, cut: Cutoff) -> Result<(Vec<i64>, Vec<i64>), StoreError> {
    let before = to_ms(cut.before);
    let mut ended = HashMap::new();
    let mut stmt = conn.prepare("SELECT id, end_ms FROM manual_entries")?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))? {
        let (id, end) = row?;
        ended.insert(id, end < before);
    }
    // A file from before corrections (read by a newer `clockoff forget`) has none.
    let mut links = Vec::new();
    if chain::has_table(conn, "manual_corrections")? {
        let mut stmt = conn.prepare("SELECT id, corrects, replacement FROM manual_corrections")?;
        for row in stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))? {
            links.push(row?);
        }
    }
    let mut groups = Groups::default();
    for &(_, corrects, replacement) in &links {
        if let Some(replacement) = replacement {
            groups.join(corrects, replacement);
        }
    }
    // A group goes only if all of it ended before the cut.
    let mut whole: HashMap<i64, bool> = HashMap::new();
    for (&id, &done) in &ended {
        *whole.entry(groups.root(id)).or_insert(true) &= done;
    }
    let goes = |id: i64, groups: &mut Groups| whole.get(&groups.root(id)).copied().unwrap_or(false);
    let mut entries: Vec<i64> = ended.keys().copied().collect();
    entries.retain(|&id| goes(id, &mut groups));
    entries.sort_unstable();
    let corrections = links
        .iter()
        .filter(|&&(_, corrects, _)| goes(corrects, &mut groups))
        .map(|&(id, _, _)| id)
        .collect();
    Ok((entries, corrections))
}

/// Entries joined by corrections (union-find with path halving).
#[derive(Default)]
struct Groups(HashMap<i64, i64>);

impl Groups {
    fn root(&mut self, mut id: i64) -> i64 {
        while let Some(&parent) = self.0.get(&id) {
            if parent == id {
                break;
            }
            let grand = self.0.get(&parent).copied().unwrap_or(parent);
            self.0.insert(id, grand);
            id = parent;
        }
        id
    }

    fn join(&mut self, a: i64, b: i64) {
        let (ra, rb) = (self.root(a), self.root(b));
        if ra != rb {
            self.0.insert(ra, rb);
        }
    }
}

/// The value `?1` stands for in a table's [`forgettable`] condition.
fn cut_value(table: &str, cut: Cutoff) -> rusqlite::types::Value {
    match table {
        "toil_taken" => cut.date.to_string().into(),
        "report_weeks" => crate::core::record::week::name(cut.date.iso_week()).into(),
        _ => to_ms(cut.before).into(),
    }
}

/// The same trigger the V4 migration made: lifted only inside a forgetting's transaction.
const CHAIN_NO_DELETE: &str = "CREATE TRIGGER chain_no_delete BEFORE DELETE ON chain
BEGIN SELECT RAISE(ABORT, 'the ledger chain is append-only: its entries cannot be deleted'); END;";

/// Counts what [`forget`] would remove, without changing anything.
pub(super) fn plan(conn: &Connection, cut: Cutoff) -> Result<Forgot, StoreError> {
    let (entries, corrections) = logged_to_forget(conn, cut)?;
    let mut forgot = Forgot {
        manual_entries: entries.len(),
        manual_corrections: corrections.len(),
        ..Forgot::default()
    };
    for (table, which) in forgettable(conn)? {
        let n: i64 = conn.query_row(
            &format!("SELECT count(*) FROM {table} WHERE {which}"),
            [cut_value(table, cut)],
            |row| row.get(0),
        )?;
        *forgot.count_of(table) = usize::try_from(n).unwrap_or(0);
    }
    Ok(forgot)
}

/// Forgets every record before `cut` in the caller's transaction, and records the forgetting
/// with the TOIL balance those weeks left (`toil_carried_minutes`, worked out by the caller
/// with the worker's policy). Refuses a chain that does not verify: cutting it would hide
/// where it was broken. A cut-off no later than the last forgetting's changes nothing.
pub(super) fn forget(
    conn: &Connection,
    cut: Cutoff,
    toil_carried_minutes: i64,
    now: DateTime<Utc>,
) -> Result<Option<Forgot>, StoreError> {
    if cut.before > now {
        return Err(StoreError::ForgetFuture(cut.date));
    }
    // Checked before verifying, which reads every record: the agent asks daily, and the cut
    // moves only once a week.
    let previous = latest(conn)?;
    if previous.as_ref().is_some_and(|f| f.before >= cut.before) {
        return Ok(None);
    }
    if !chain::report(conn)?.intact() {
        return Err(StoreError::ForgetBroken);
    }
    let (entries, corrections) = logged_to_forget(conn, cut)?;
    let mut forgot = Forgot {
        manual_entries: entries.len(),
        manual_corrections: corrections.len(),
        ..Forgot::default()
    };
    // Corrections first: they refer to the entries.
    for (table, ids) in [
        ("manual_corrections", &corrections),
        ("manual_entries", &entries),
    ] {
        let mut delete = conn.prepare(&format!("DELETE FROM {table} WHERE id = ?1"))?;
        for id in ids {
            delete.execute([id])?;
        }
    }
    for (table, which) in forgettable(conn)? {
        *forgot.count_of(table) = conn.execute(
            &format!("DELETE FROM {table} WHERE {which}"),
            [cut_value(table, cut)],
        )?;
    }
    // The anchor this one replaces goes too; its entry is cut below or stays, vouched for.
    conn.execute("DELETE FROM forgotten", [])?;

    let (through_seq, through_hash) = cut_point(conn)?;
    conn.execute_batch("DROP TRIGGER chain_no_delete;")?;
    forgot.chain_entries = conn.execute("DELETE FROM chain WHERE seq <= ?1", [through_seq])?;
    conn.execute_batch(CHAIN_NO_DELETE)?;
    // A record that began after the cut-off has lost nothing: no anchor, so an export or
    // `clockoff verify` does not say records were deleted (to a manager or a union rep that
    // would read as tampering). The daily check then verifies again until something goes.
    if previous.is_none() && forgot.records() == 0 && forgot.chain_entries == 0 {
        return Ok(Some(forgot));
    }

    conn.execute(
        "INSERT INTO forgotten (before_ms, before_date, through_seq, through_hash,
                                toil_carried_minutes, recorded_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            to_ms(cut.before),
            cut.date.to_string(),
            through_seq,
            through_hash,
            toil_carried_minutes,
            to_ms(now)
        ],
    )?;
    chain::append(conn, Kind::Forgotten, conn.last_insert_rowid())?;
    Ok(Some(forgot))
}

/// The last entry that can go, and its hash: every entry before the first one that is the
/// latest word on a record still in the file. Any record kept has its latest entry at or
/// after that point, so nothing kept loses what vouches for it.
fn cut_point(conn: &Connection) -> Result<(i64, String), StoreError> {
    let entries = chain::entries(conn)?;
    let mut latest: HashMap<(Table, i64), i64> = HashMap::new();
    for e in &entries {
        if let Some(kind) = Kind::parse(&e.kind) {
            latest.insert((kind.table(), e.ref_id), e.seq);
        }
    }
    let kept = kept_rows(conn)?;
    let first_needed = entries.iter().position(|e| {
        Kind::parse(&e.kind).is_some_and(|kind| {
            let key = (kind.table(), e.ref_id);
            latest.get(&key) == Some(&e.seq) && kept.contains(&key)
        })
    });
    // With nothing left to vouch for, the whole chain goes: the anchor appended next takes
    // the `seq` after the last one cut and links to it (see `chain::sql::next_link`).
    let keep_from = first_needed.unwrap_or(entries.len());
    match keep_from.checked_sub(1).map(|i| &entries[i]) {
        Some(last_cut) => Ok((last_cut.seq, last_cut.hash.clone())),
        // Nothing new to cut: the chain starts where it did.
        None => Ok(entries
            .first()
            .map(|e| (e.seq - 1, e.prev.clone()))
            .unwrap_or((0, GENESIS.to_owned()))),
    }
}

/// Every row of every chained table still in the file.
fn kept_rows(conn: &Connection) -> Result<HashSet<(Table, i64)>, StoreError> {
    let mut kept = HashSet::new();
    for table in Table::ALL {
        let mut stmt = conn.prepare(&format!("SELECT id FROM {}", table.name()))?;
        for id in stmt.query_map([], |row| row.get::<_, i64>(0))? {
            kept.insert((table, id?));
        }
    }
    Ok(kept)
}

#[cfg(test)]
mod tests;
