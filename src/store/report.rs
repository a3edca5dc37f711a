//! The ledger's reporting records, one row per ISO week at most: whether the worker paused
//! the week (it is never reported), and the report id it is sent under once queued. The id
//! is assigned once and never replaced, so every retry of a week carries the same one.

use chrono::{DateTime, IsoWeek, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::chain::sql::has_table;
use super::error::StoreError;
use super::records::to_ms;
use super::writer::{Reply, answer, write};
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

pub(super) enum ReportCommand {
    SetPaused {
        week: IsoWeek,
        paused: bool,
        at: DateTime<Utc>,
        reply: Reply<ReportWeek>,
    },
    AssignId {
        week: IsoWeek,
        fresh: ReportId,
        at: DateTime<Utc>,
        reply: Reply<ReportWeek>,
    },
}

/// Runs one command; writes commit before they are answered.
pub(super) fn handle(conn: &mut Connection, command: ReportCommand) {
    match command {
        ReportCommand::SetPaused {
            week,
            paused,
            at,
            reply,
        } => answer(
            reply,
            write(conn, |tx| {
                tx.execute(
                    "INSERT INTO report_weeks (week, paused, changed_ms) VALUES (?1, ?2, ?3)
                     ON CONFLICT (week) DO UPDATE
                     SET paused = excluded.paused, changed_ms = excluded.changed_ms",
                    params![week::name(week), paused, to_ms(at)],
                )?;
                Ok(stored(tx, week)?.unwrap_or(ReportWeek::new(week)))
            }),
        ),
        ReportCommand::AssignId {
            week,
            fresh,
            at,
            reply,
        } => answer(
            reply,
            write(conn, |tx| {
                // A paused week gets no id; a queued one keeps the id it has.
                tx.execute(
                    "INSERT INTO report_weeks (week, report_id, changed_ms) VALUES (?1, ?2, ?3)
                     ON CONFLICT (week) DO UPDATE
                     SET report_id = excluded.report_id, changed_ms = excluded.changed_ms
                     WHERE report_id IS NULL AND paused = 0",
                    params![week::name(week), fresh.to_string(), to_ms(at)],
                )?;
                Ok(stored(tx, week)?.unwrap_or(ReportWeek::new(week)))
            }),
        ),
    }
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
