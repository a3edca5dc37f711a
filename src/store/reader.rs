//! Reading the ledger from another process (`clockoff week`) while the agent writes it: a
//! read-only connection. WAL gives the reader a consistent snapshot without blocking the
//! writer; an interval still open reads up to its last checkpoint.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, params};

use super::error::StoreError;
use super::records::{from_ms, to_ms};
use super::schema::{self, MIGRATIONS};
use crate::core::activity::Class;
use crate::core::record::{Logged, Source, Work};
use crate::core::spans::Span;

pub struct Reader {
    conn: Connection,
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
}
