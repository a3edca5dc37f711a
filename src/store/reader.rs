//! Reading the ledger from another process (`clockoff week`) while the agent writes it: a
//! read-only connection. WAL gives the reader a consistent snapshot without blocking the
//! writer; an interval still open reads up to its last checkpoint.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, IsoWeek, NaiveDate, Utc};
use rusqlite::{Connection, OpenFlags, params};

use super::chain::sql as chain;
use super::chain::verify::{self, Report, Start};
use super::error::StoreError;
use super::records::{from_ms, to_ms};
use super::report::ReportWeek;
use super::schema::{self, MIGRATIONS};
use crate::core::activity::Class;
use crate::core::record::toil::Taken;
use crate::core::record::{Logged, Source, Work};
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
        let mut stmt = self.conn.prepare(
            "SELECT start_ms, end_ms FROM manual_entries
             WHERE start_ms < ?2 AND end_ms > ?1 ORDER BY start_ms",
        )?;
        let mut rows = stmt.query(params![to_ms(from), to_ms(to)])?;
        while let Some(row) = rows.next()? {
            work.push(Work {
                span: Span::new(from_ms(row.get(0)?)?, from_ms(row.get(1)?)?),
                source: Source::Manual,
            });
        }
        Ok(work)
    }

    /// The worker's own entries with time in `[from, to)`, with their notes, earliest first.
    pub fn logged(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Logged>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT start_ms, end_ms, note, recorded_ms FROM manual_entries
             WHERE start_ms < ?2 AND end_ms > ?1 ORDER BY start_ms, id",
        )?;
        let mut rows = stmt.query(params![to_ms(from), to_ms(to)])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(Logged {
                start: from_ms(row.get(0)?)?,
                end: from_ms(row.get(1)?)?,
                note: row.get(2)?,
                recorded_at: from_ms(row.get(3)?)?,
            });
        }
        Ok(out)
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

    /// When the record begins: its earliest interval or manual entry.
    pub fn first_record(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let first: Option<i64> = self.conn.query_row(
            "SELECT min(m) FROM (SELECT min(start_ms) AS m FROM intervals
                                 UNION ALL SELECT min(start_ms) FROM manual_entries)",
            [],
            |row| row.get(0),
        )?;
        first.map(from_ms).transpose()
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

    /// Checks the chain link by link and every record against it (see `store::chain`). Read in
    /// one transaction, so a writer appending meanwhile cannot make chain and tables disagree.
    pub fn verify(&self) -> Result<Report, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let report = if self.has_chain()? {
            verify::verify(
                &chain::entries(&tx)?,
                &chain::records(&tx)?,
                chain::start(&tx)?,
            )
        } else {
            // Not yet migrated by a clockoff that chains: everything predates the chain.
            let before_all = Start {
                intervals: i64::MAX,
                manual_entries: i64::MAX,
                overrides: i64::MAX,
                transitions: i64::MAX,
                toil_taken: i64::MAX,
            };
            verify::verify(&[], &chain::records(&tx)?, before_all)
        };
        tx.finish()?;
        Ok(report)
    }

    fn has_chain(&self) -> Result<bool, StoreError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'chain'",
            [],
            |row| row.get::<_, i64>(0),
        )? > 0)
    }
}
