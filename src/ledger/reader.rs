//! Reading the ledger from another process (`clockoff week`) while the agent writes it: a
//! read-only connection. WAL gives the reader a consistent snapshot without blocking the
//! writer; an interval still open reads up to its last checkpoint.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, IsoWeek, NaiveDate, Utc};
use rusqlite::{Connection, OpenFlags, params};

use super::chain::sql as chain;
use super::chain::verify::Report;
use super::error::StoreError;
use super::forget::{self, Cutoff, Forgot, Forgotten};
use super::records::{from_ms, to_ms};
use super::report::ReportWeek;
use super::schema::{self, MIGRATIONS};
use crate::core::activity::Class;
use crate::core::record::toil::Taken;
use crate::core::record::{Logged, Source, Superseded, Work};
use crate::core::spans::Span;

pub struct Reader {
    conn: Connection,
}

/// The chain's last entry: what an export cites so the record shown can be checked later.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChainHead {
    pub seq: i64,
    /// 64 lowercase hex digits.
    pub hash: String,
    /// The time the entry is about.
    pub at: DateTime<Utc>,
}

/// A manual entry's columns as the queries above select them: id, start, end, note, recorded,
/// and the entry it corrects.
fn logged_row(row: &rusqlite::Row<'_>) -> Result<Logged, StoreError> {
    Ok(Logged {
        id: row.get(0)?,
        start: from_ms(row.get(1)?)?,
        end: from_ms(row.get(2)?)?,
        note: row.get(3)?,
        recorded_at: from_ms(row.get(4)?)?,
        corrects: row.get(5)?,
    })
}

impl Reader {
    /// `Ok(None)` when there is no ledger yet (the agent has never run).
    pub fn open(path: &Path) -> Result<Option<Reader>, StoreError> {
        if !path.exists() {
            return Ok(None);
        }
        let at = |source| StoreError::Open {
            path: PathBuf::from(path),
            source,
        };
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(at)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(at)?;
        // A newer clockoff's file may hold what this one cannot read.
        schema::check_supported(&conn, MIGRATIONS).map_err(|e| e.at(path))?;
        Ok(Some(Reader { conn }))
    }

    /// Measured intervals and manual entries with time in `[from, to)`, whole (not clipped).
    pub fn work(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Work>, StoreError> {
        let mut work = Vec::new();
        let mut stmt = self.conn.prepare(
            "SELECT start_ms, end_ms, class FROM intervals
             WHERE start_ms < ?2 AND end_ms > ?1 ORDER BY start_ms",
        )?;
        let mut rows = stmt.query(params![to_ms(from), to_ms(to)])?;
        while let Some(row) = rows.next()? {
            let class: String = row.get(2)?;
            let class = class.parse::<Class>().map_err(StoreError::Corrupt)?;
            work.push(Work {
                span: Span::new(from_ms(row.get(0)?)?, from_ms(row.get(1)?)?),
                source: Source::Measured(class),
            });
        }
        // Only the current version of each entry counts.
        let mut stmt = self.conn.prepare(&format!(
            "SELECT start_ms, end_ms FROM manual_entries
             WHERE start_ms < ?2 AND end_ms > ?1
               AND id NOT IN (SELECT corrects FROM {})
             ORDER BY start_ms",
            self.corrections()?
        ))?;
        let mut rows = stmt.query(params![to_ms(from), to_ms(to)])?;
        while let Some(row) = rows.next()? {
            work.push(Work {
                span: Span::new(from_ms(row.get(0)?)?, from_ms(row.get(1)?)?),
                source: Source::Manual,
            });
        }
        Ok(work)
    }

    /// The worker's own entries that count, with time in `[from, to)` and their notes,
    /// earliest first; a correction says which entry it corrects.
    pub fn logged(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Logged>, StoreError> {
        let corrections = self.corrections()?;
        let mut stmt = self.conn.prepare(&format!(
            "SELECT m.id, m.start_ms, m.end_ms, m.note, m.recorded_ms, c.corrects
             FROM manual_entries m LEFT JOIN {corrections} c ON c.replacement = m.id
             WHERE m.start_ms < ?2 AND m.end_ms > ?1
               AND m.id NOT IN (SELECT corrects FROM {corrections})
             ORDER BY m.start_ms, m.id"
        ))?;
        let mut rows = stmt.query(params![to_ms(from), to_ms(to)])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(logged_row(row)?);
        }
        Ok(out)
    }

    /// Entries with time in `[from, to)` that no longer count (corrected or withdrawn), with
    /// what became of each, earliest first.
    pub fn superseded(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Superseded>, StoreError> {
        let corrections = self.corrections()?;
        let mut stmt = self.conn.prepare(&format!(
            "SELECT m.id, m.start_ms, m.end_ms, m.note, m.recorded_ms, c.corrects,
                    s.replacement, s.reason, s.recorded_ms
             FROM manual_entries m
             JOIN {corrections} s ON s.corrects = m.id
             LEFT JOIN {corrections} c ON c.replacement = m.id
             WHERE m.start_ms < ?2 AND m.end_ms > ?1
             ORDER BY m.start_ms, m.id"
        ))?;
        let mut rows = stmt.query(params![to_ms(from), to_ms(to)])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(Superseded {
                entry: logged_row(row)?,
                replaced_by: row.get(6)?,
                reason: row.get(7)?,
                superseded_at: from_ms(row.get(8)?)?,
            });
        }
        Ok(out)
    }

    /// The corrections table, or, in a file not yet migrated to hold it, an empty stand-in
    /// with its columns, so one query serves both.
    fn corrections(&self) -> Result<&'static str, StoreError> {
        Ok(if chain::has_table(&self.conn, "manual_corrections")? {
            "manual_corrections"
        } else {
            "(SELECT NULL AS corrects, NULL AS replacement, '' AS reason, 0 AS recorded_ms \
             WHERE 0)"
        })
    }

    /// TOIL taken on days up to `up_to` (all of it with `None`), earliest first. A file not
    /// yet migrated to hold TOIL has none.
    pub fn toil_taken(&self, up_to: Option<NaiveDate>) -> Result<Vec<Taken>, StoreError> {
        if !chain::has_table(&self.conn, "toil_taken")? {
            return Ok(Vec::new());
        }
        // Dates are stored as YYYY-MM-DD, so text order is date order.
        let up_to = up_to.map_or_else(|| "9999-12-31".to_owned(), |d| d.to_string());
        let mut stmt = self.conn.prepare(
            "SELECT date, minutes, note, recorded_ms FROM toil_taken
             WHERE date <= ?1 ORDER BY date, id",
        )?;
        let mut rows = stmt.query(params![up_to])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let date: String = row.get(0)?;
            out.push(Taken {
                date: date.parse().map_err(|_| {
                    StoreError::Corrupt(format!("toil_taken has a date that is not one: {date:?}"))
                })?,
                minutes: row.get(1)?,
                note: row.get(2)?,
                recorded_at: from_ms(row.get(3)?)?,
            });
        }
        Ok(out)
    }

    /// How many notifications were held (while quiet) in `[from, to)`.
    pub fn held_notifications(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM held_notifications WHERE at_ms >= ?1 AND at_ms < ?2",
            params![to_ms(from), to_ms(to)],
            |row| row.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Whether `week` is paused and the id it is queued under; a week the ledger has nothing
    /// about (or a file from before reporting) is neither.
    pub fn report_week(&self, week: IsoWeek) -> Result<ReportWeek, StoreError> {
        Ok(super::report::stored(&self.conn, week)?.unwrap_or(ReportWeek::new(week)))
    }

    /// Every week queued for reporting, oldest first (none in a file from before the queue).
    pub fn queued_reports(&self) -> Result<Vec<super::QueuedWeek>, StoreError> {
        super::report::queued(&self.conn)
    }

    /// When the record begins: its earliest interval or manual entry that counts, or where the
    /// last forgetting cut (a record across the cut is kept whole, but the weeks before it
    /// are gone and must not count as weeks without work).
    pub fn first_record(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let first: Option<i64> = self.conn.query_row(
            &format!(
                "SELECT min(m) FROM (SELECT min(start_ms) AS m FROM intervals
                                     UNION ALL SELECT min(start_ms) FROM manual_entries
                                     WHERE id NOT IN (SELECT corrects FROM {}))",
                self.corrections()?
            ),
            [],
            |row| row.get(0),
        )?;
        let first = first.map(from_ms).transpose()?;
        let cut = self.forgotten()?.map(|f| f.before);
        Ok(first.map(|t| cut.map_or(t, |cut| t.max(cut))))
    }

    /// The chain's last entry; `None` while it is empty, or in a file the agent has not yet
    /// migrated to the chain.
    pub fn chain_head(&self) -> Result<Option<ChainHead>, StoreError> {
        if !self.has_chain()? {
            return Ok(None);
        }
        chain::head(&self.conn)?
            .map(|(seq, hash, at)| {
                Ok(ChainHead {
                    seq,
                    hash,
                    at: from_ms(at)?,
                })
            })
            .transpose()
    }

    /// Checks the chain link by link and every record against it (see `ledger::chain`). Read in
    /// one transaction, so a writer appending meanwhile cannot make chain and tables disagree.
    pub fn verify(&self) -> Result<Report, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let report = chain::report(&tx)?;
        tx.finish()?;
        Ok(report)
    }

    /// What forgetting records before `cut` would remove (see `clockoff forget`).
    pub fn forget_plan(&self, cut: Cutoff) -> Result<Forgot, StoreError> {
        if !chain::has_table(&self.conn, "forgotten")? {
            // Not migrated yet: nothing has been forgotten, and the plan reads the same tables.
            return Ok(Forgot::default());
        }
        forget::plan(&self.conn, cut)
    }

    /// The latest forgetting, if records were ever forgotten.
    pub fn forgotten(&self) -> Result<Option<Forgotten>, StoreError> {
        forget::latest(&self.conn)
    }

    fn has_chain(&self) -> Result<bool, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'chain'",
            [],
            |row| row.get::<_, i64>(0),
        )? > 0)
    }
}
