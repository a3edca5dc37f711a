//! The worker's local SQLite ledger: active intervals, schedule transitions, overrides and
//! manual entries, and the totals `clockoff status` shows.
//!
//! [`Ledger`] is a cheap, cloneable handle. One writer thread owns the connection; every
//! method sends it one closure to run on the connection and returns only once the change is
//! committed, so what the agent has been told is recorded survives a kill -9 or a power cut.

pub mod chain;
mod error;
mod forget;
mod lock;
mod queries;
mod quiet;
mod reader;
mod records;
mod report;
mod schema;
mod writer;

// A scenario test reads top to bottom: length is not a smell there.
#[cfg(test)]
#[allow(clippy::too_many_lines)]
mod tests;

use std::ffi::OsString;
use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use tokio::sync::{mpsc, oneshot};

pub use error::StoreError;
pub use forget::{Cutoff, Forgot, Forgotten};
pub use lock::{LockError, lock};
pub use quiet::{APP_NAME_LIMIT, EarlyFinish, QuietPeriod, SavedHold, clean_app_name};
pub use reader::{ChainHead, Reader};
pub use records::{
    CorrectionId, IntervalId, ManualId, OverrideId, OverrideRecord, Recovery, ToilId, Totals,
};
pub use report::{Attempt, ERROR_LIMIT, QueuedWeek, ReportWeek, ToQueue, next_due};

use crate::core::activity::Class;
use crate::core::schedule::State;
use crate::core::summary::ReportId;
use records::{check_note, check_range};
use rusqlite::Connection;
use writer::{Command, Reply};

/// The ledger schema version this clockoff writes (`PRAGMA user_version`).
pub fn schema_version() -> i64 {
    i64::try_from(schema::MIGRATIONS.len()).unwrap_or(i64::MAX)
}

/// The most TOIL taken in one entry: a day; a longer absence is entered day by day.
pub const MAX_TOIL_MINUTES: i64 = 24 * 60;

/// Commands waiting for the writer; senders wait (asynchronously) beyond this.
const QUEUE: usize = 64;

/// `$XDG_DATA_HOME/clockoff/ledger.sqlite3`, else `$HOME/.local/share/clockoff/ledger.sqlite3`;
/// `None` with neither set.
pub fn default_path() -> Option<PathBuf> {
    path_from(std::env::var_os("XDG_DATA_HOME"), std::env::var_os("HOME"))
}

/// The XDG spec says a relative (or empty) `XDG_DATA_HOME` is invalid and must be ignored.
fn path_from(data_home: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    let absolute = |v: OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    let base = data_home
        .and_then(absolute)
        .or_else(|| home.and_then(absolute).map(|h| h.join(".local/share")))?;
    Some(base.join("clockoff").join("ledger.sqlite3"))
}

/// A handle on the ledger. Clones share one writer thread; when the last is dropped (or
/// [`Ledger::close`] is called) the thread closes the database and ends.
#[derive(Debug, Clone)]
pub struct Ledger {
    commands: mpsc::Sender<Command>,
}

impl Ledger {
    /// Opens (creating it, and its directory with mode 0700, if need be) and migrates the
    /// ledger, then closes any interval a crash left open at its last checkpoint.
    pub async fn open(path: impl Into<PathBuf>) -> Result<(Ledger, Recovery), StoreError> {
        let (commands, receiver) = mpsc::channel(QUEUE);
        let (ready, opened) = oneshot::channel();
        writer::spawn(path.into(), receiver, ready)?;
        let recovery = opened.await.map_err(|_| StoreError::Stopped)??;
        Ok((Ledger { commands }, recovery))
    }

    /// Starts an active interval; its end is `start` until the first checkpoint.
    pub async fn open_interval(
        &self,
        start: DateTime<Utc>,
        class: Class,
        state: State,
        source: &str,
    ) -> Result<IntervalId, StoreError> {
        let source = source.to_owned();
        self.write(move |tx| queries::open_interval(tx, start, class, state, &source))
            .await
    }

    /// Moves an open interval's end forward to `to` (never back). If the agent dies, the
    /// interval is closed here on the next open.
    pub async fn checkpoint(&self, id: IntervalId, to: DateTime<Utc>) -> Result<(), StoreError> {
        self.write(move |tx| queries::checkpoint(tx, id, to)).await
    }

    /// Ends an interval at `end`, which may be before its last checkpoint (idleness is
    /// noticed after the fact) but not before its start. A closed interval can be trimmed
    /// back this way, never lengthened.
    pub async fn close_interval(
        &self,
        id: IntervalId,
        end: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(move |tx| queries::close_interval(tx, id, end))
            .await
    }

    /// Notes that the schedule entered `state` at `at`.
    pub async fn record_transition(
        &self,
        at: DateTime<Utc>,
        state: State,
    ) -> Result<(), StoreError> {
        self.write(move |tx| queries::record_transition(tx, at, state))
            .await
    }

    pub async fn add_override(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        reason: Option<String>,
        until_away: bool,
    ) -> Result<OverrideId, StoreError> {
        check_range("an override", start, end, false)?;
        self.write(move |tx| queries::add_override(tx, start, end, reason.as_deref(), until_away))
            .await
    }

    /// Ends an override at `at` if that is earlier than its end (no later than its start: an
    /// override ended before it began is cancelled). Returns it as it now stands.
    pub async fn end_override(
        &self,
        id: OverrideId,
        at: DateTime<Utc>,
    ) -> Result<OverrideRecord, StoreError> {
        self.write(move |tx| queries::end_override(tx, id, at))
            .await
    }

    /// Overrides with time in `[from, to)`, earliest first; cancelled ones are left out.
    pub async fn overrides_overlapping(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<OverrideRecord>, StoreError> {
        self.run(move |conn| queries::overrides_overlapping(conn, from, to))
            .await
    }

    /// Records self-reported time, e.g. 18:00–19:30 "late visit". It must end after it
    /// starts and say what it was for; the note is stored trimmed.
    pub async fn add_manual(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        note: &str,
        recorded_at: DateTime<Utc>,
    ) -> Result<ManualId, StoreError> {
        check_range("a manual entry", start, end, false)?;
        let note = check_note(note)?;
        self.write(move |tx| queries::add_manual(tx, start, end, &note, recorded_at))
            .await
    }

    /// Corrects manual entry `old`: adds `start`..`end` with `note` as a new entry that takes
    /// its place, and records the link (with an optional `reason`). The old row is never
    /// changed; it stops counting. Refused, with nothing written, when `old` does not exist
    /// or was already corrected or withdrawn.
    pub async fn correct_manual(
        &self,
        old: ManualId,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        note: &str,
        reason: &str,
        recorded_at: DateTime<Utc>,
    ) -> Result<ManualId, StoreError> {
        check_range("a manual entry", start, end, false)?;
        let note = check_note(note)?;
        let reason = reason.trim().to_owned();
        self.write(move |tx| {
            queries::correct_manual(tx, old, (start, end, &note), &reason, recorded_at)
        })
        .await
    }

    /// Withdraws manual entry `old`: it stays in the record but no longer counts. The reason
    /// is required. Refused like [`Ledger::correct_manual`].
    pub async fn withdraw_manual(
        &self,
        old: ManualId,
        reason: &str,
        recorded_at: DateTime<Utc>,
    ) -> Result<CorrectionId, StoreError> {
        let reason = reason.trim().to_owned();
        if reason.is_empty() {
            return Err(StoreError::NoReason);
        }
        self.write(move |tx| queries::withdraw_manual(tx, old, &reason, recorded_at))
            .await
    }

    /// Records time off in lieu taken on the local day `date`: 1 minute to 24 hours, with an
    /// optional note (stored trimmed; empty when none).
    pub async fn take_toil(
        &self,
        date: NaiveDate,
        minutes: i64,
        note: &str,
        recorded_at: DateTime<Utc>,
    ) -> Result<ToilId, StoreError> {
        if !(1..=MAX_TOIL_MINUTES).contains(&minutes) {
            return Err(StoreError::BadToil(minutes));
        }
        let note = note.trim().to_owned();
        self.write(move |tx| queries::take_toil(tx, date, minutes, &note, recorded_at))
            .await
    }

    /// Forgets every record before `cut` (see [`retention`]), carrying `toil_carried_minutes`
    /// of TOIL balance from the weeks that go. `None` when an earlier forgetting already cut
    /// there or later.
    pub async fn forget(
        &self,
        cut: Cutoff,
        toil_carried_minutes: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<Forgot>, StoreError> {
        self.run(move |conn| {
            let forgot = writer::write(conn, |tx| {
                forget::forget(tx, cut, toil_carried_minutes, now)
            });
            if matches!(forgot, Ok(Some(_))) {
                // What was overwritten in the database may still sit in the log: fold the log
                // in and empty it. A reader holding an old snapshot can stop it emptying; the
                // next checkpoint then finishes the job.
                let _ = conn.pragma_update(None, "wal_checkpoint", "TRUNCATE");
            }
            forgot
        })
        .await
    }

    /// Active time per class and manual time within `[from, to)`, each record clipped to it.
    pub async fn totals(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Totals, StoreError> {
        self.run(move |conn| queries::totals(conn, from, to)).await
    }

    /// Opens a quiet period at `at`, or returns the one already open.
    pub async fn begin_quiet(&self, at: DateTime<Utc>) -> Result<QuietPeriod, StoreError> {
        self.write(move |tx| quiet::begin(tx, at)).await
    }

    /// Ends the open quiet period at `at`; `None` when none was open.
    pub async fn end_quiet(&self, at: DateTime<Utc>) -> Result<Option<QuietPeriod>, StoreError> {
        self.write(move |tx| quiet::end(tx, at)).await
    }

    /// The worker finished for the day at `start`, until work next begins at `end`. One at a
    /// time: one already in force ends at `start`.
    pub async fn finish_early(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<EarlyFinish, StoreError> {
        check_range("an early finish", start, end, false)?;
        self.write(move |tx| quiet::finish_early(tx, start, end))
            .await
    }

    /// Ends the early finish in force at `at` there; `None` when none was.
    pub async fn resume(&self, at: DateTime<Utc>) -> Result<Option<EarlyFinish>, StoreError> {
        self.write(move |tx| quiet::resume(tx, at)).await
    }

    /// The early finish in force at `at`, if any.
    pub async fn early_finish_at(
        &self,
        at: DateTime<Utc>,
    ) -> Result<Option<EarlyFinish>, StoreError> {
        self.run(move |conn| quiet::early_finish_at(conn, at)).await
    }

    /// The quiet period still open (after a crash, the one the last run left).
    pub async fn current_quiet(&self) -> Result<Option<QuietPeriod>, StoreError> {
        self.run(|conn| quiet::current(conn)).await
    }

    /// Remembers what a holder's hold changed, replacing what was saved for it before.
    pub async fn save_hold(&self, hold: SavedHold) -> Result<(), StoreError> {
        self.write(move |tx| quiet::save_hold(tx, &hold)).await
    }

    /// Forgets a holder's hold once it has been released.
    pub async fn forget_hold(&self, holder: &str) -> Result<(), StoreError> {
        let holder = holder.to_owned();
        self.write(move |tx| quiet::forget_hold(tx, &holder)).await
    }

    /// Every hold not yet released, by holder name.
    pub async fn holds(&self) -> Result<Vec<SavedHold>, StoreError> {
        self.run(|conn| quiet::holds(conn)).await
    }

    /// Counts one notification held at `at` from `app` (the name is cleaned and cut short;
    /// nothing else about the notification is ever stored).
    pub async fn count_held(&self, at: DateTime<Utc>, app: &str) -> Result<(), StoreError> {
        let app = app.to_owned();
        self.write(move |tx| quiet::count_held(tx, at, &app)).await
    }

    /// Held notifications per app from `from` to `to` (inclusive, to the millisecond), most
    /// first.
    pub async fn held_counts(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        self.run(move |conn| quiet::held_counts(conn, from, to))
            .await
    }

    /// Pauses (`true`) or resumes reporting `week`; returns the week as it now stands.
    pub async fn set_report_paused(
        &self,
        week: chrono::IsoWeek,
        paused: bool,
        at: DateTime<Utc>,
    ) -> Result<ReportWeek, StoreError> {
        self.write(move |tx| report::set_paused(tx, week, paused, at))
            .await
    }

    /// What the ledger holds about reporting `week` (not paused, not queued if nothing).
    pub async fn report_week(&self, week: chrono::IsoWeek) -> Result<ReportWeek, StoreError> {
        self.run(move |conn| report::stored_or_new(conn, week))
            .await
    }

    /// The id `week` is reported under: the one it already has, else `fresh` (drawn at random
    /// by the caller), kept from now on. A paused week gets none (`report_id` stays `None`):
    /// the upload queue calls this once, when it queues the week, and resends under that id.
    pub async fn assign_report_id(
        &self,
        week: chrono::IsoWeek,
        fresh: ReportId,
        at: DateTime<Utc>,
    ) -> Result<ReportWeek, StoreError> {
        self.write(move |tx| report::assign_id(tx, week, fresh, at))
            .await
    }

    /// Queues weeks for reporting: of `candidates` (consecutive weeks, oldest first, ending
    /// with the last that has ended), those from the queue's cursor on, or only the last when
    /// reporting has just been turned on. Returns the weeks queued by this call or before.
    pub async fn queue_reports(
        &self,
        candidates: Vec<ToQueue>,
        at: DateTime<Utc>,
    ) -> Result<Vec<chrono::IsoWeek>, StoreError> {
        self.write(move |tx| report::queue(tx, &candidates, at))
            .await
    }

    /// Reporting is off: forget the cursor, so turning it on again queues only the last week
    /// that has ended by then. Weeks already queued stay queued. `true` if there was one.
    pub async fn stop_queueing_reports(&self) -> Result<bool, StoreError> {
        self.write(report::stop_queueing).await
    }

    /// Every queued week, oldest first, delivered or not.
    pub async fn queued_reports(&self) -> Result<Vec<QueuedWeek>, StoreError> {
        self.run(|conn| report::queued(conn)).await
    }

    /// Records how a try to send `week` ended. A delivered week is never changed again.
    pub async fn record_report_attempt(
        &self,
        week: chrono::IsoWeek,
        attempt: Attempt,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write(move |tx| report::record(tx, week, &attempt, at))
            .await
    }

    /// Weeks whose last try failed are due again at `at` (the config changed: perhaps the
    /// token or the address was fixed). Returns how many.
    pub async fn retry_failed_reports(&self, at: DateTime<Utc>) -> Result<usize, StoreError> {
        self.write(move |tx| report::retry_failed(tx, at)).await
    }

    /// Closes the database now and waits for it. Other clones get [`StoreError::Stopped`].
    pub async fn close(self) -> Result<(), StoreError> {
        self.send(|reply| Command::Close { reply }).await
    }

    /// Runs `job` on the writer thread, which owns the connection, and waits for its answer.
    /// A read, or a write that manages its own transaction; most writes go through
    /// [`Ledger::write`].
    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.send(|reply| Command::Run(Box::new(move |conn| writer::answer(reply, job(conn)))))
            .await
    }

    /// Runs `job` in its own transaction on the writer thread, answered after the commit:
    /// what the caller hears was recorded is on disk.
    async fn write<T: Send + 'static>(
        &self,
        job: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.run(move |conn| writer::write(conn, job)).await
    }

    /// Sends a command and waits for the writer's answer. A stopped writer (closed, or gone)
    /// drops the channel ends, which reads as `Stopped`, never a panic.
    async fn send<T>(&self, command: impl FnOnce(Reply<T>) -> Command) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(command(reply))
            .await
            .map_err(|_| StoreError::Stopped)?;
        answer.await.map_err(|_| StoreError::Stopped)?
    }
}
