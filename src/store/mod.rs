//! The worker's local SQLite ledger: active intervals, schedule transitions, overrides and
//! manual entries, and the totals `clockoff status` shows.
//!
//! [`Ledger`] is a cheap, cloneable handle. One writer thread owns the connection; every
//! method sends it a command and returns only once the change is committed, so what the agent
//! has been told is recorded survives a kill -9 or a power cut.

pub mod chain;
mod error;
mod queries;
mod quiet;
mod reader;
mod records;
mod report;
mod retention;
mod schema;
mod writer;

#[cfg(test)]
mod tests;

use std::ffi::OsString;
use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};
use tokio::sync::{mpsc, oneshot};

pub use error::StoreError;
pub use quiet::{APP_NAME_LIMIT, QuietPeriod, SavedHold, clean_app_name};
pub use reader::{ChainHead, Reader};
pub use records::{
    CorrectionId, IntervalId, ManualId, OverrideId, OverrideRecord, Recovery, ToilId, Totals,
};
pub use report::{Attempt, ERROR_LIMIT, QueuedWeek, ReportWeek, ToQueue};
pub use retention::{Cutoff, Forgot, Forgotten};

use crate::core::activity::Class;
use crate::core::schedule::State;
use crate::core::summary::ReportId;
use quiet::QuietCommand;
use records::{check_note, check_range};
use report::ReportCommand;
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
        self.call(|reply| Command::OpenInterval {
            start,
            class,
            state,
            source,
            reply,
        })
        .await
    }

    /// Moves an open interval's end forward to `to` (never back). If the agent dies, the
    /// interval is closed here on the next open.
    pub async fn checkpoint(&self, id: IntervalId, to: DateTime<Utc>) -> Result<(), StoreError> {
        self.call(|reply| Command::Checkpoint { id, to, reply })
            .await
    }

    /// Ends an interval at `end`, which may be before its last checkpoint (idleness is
    /// noticed after the fact) but not before its start. A closed interval can be trimmed
    /// back this way, never lengthened.
    pub async fn close_interval(
        &self,
        id: IntervalId,
        end: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.call(|reply| Command::CloseInterval { id, end, reply })
            .await
    }

    /// Notes that the schedule entered `state` at `at`.
    pub async fn record_transition(
        &self,
        at: DateTime<Utc>,
        state: State,
    ) -> Result<(), StoreError> {
        self.call(|reply| Command::RecordTransition { at, state, reply })
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
        self.call(|reply| Command::AddOverride {
            start,
            end,
            reason,
            until_away,
            reply,
        })
        .await
    }

    /// Ends an override at `at` if that is earlier than its end (no later than its start: an
    /// override ended before it began is cancelled). Returns it as it now stands.
    pub async fn end_override(
        &self,
        id: OverrideId,
        at: DateTime<Utc>,
    ) -> Result<OverrideRecord, StoreError> {
        self.call(|reply| Command::EndOverride { id, at, reply })
            .await
    }

    /// Overrides with time in `[from, to)`, earliest first; cancelled ones are left out.
    pub async fn overrides_overlapping(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<OverrideRecord>, StoreError> {
        self.call(|reply| Command::OverridesOverlapping { from, to, reply })
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
        self.call(|reply| Command::AddManual {
            start,
            end,
            note,
            recorded_at,
            reply,
        })
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
        self.call(|reply| Command::CorrectManual {
            old,
            start,
            end,
            note,
            reason,
            recorded_at,
            reply,
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
        self.call(|reply| Command::WithdrawManual {
            old,
            reason,
            recorded_at,
            reply,
        })
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
        self.call(|reply| Command::TakeToil {
            date,
            minutes,
            note,
            recorded_at,
            reply,
        })
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
        self.call(|reply| Command::Forget {
            cut,
            toil_carried_minutes,
            now,
            reply,
        })
        .await
    }

    /// Active time per class and manual time within `[from, to)`, each record clipped to it.
    pub async fn totals(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Totals, StoreError> {
        self.call(|reply| Command::Totals { from, to, reply }).await
    }

    /// Opens a quiet period at `at`, or returns the one already open.
    pub async fn begin_quiet(&self, at: DateTime<Utc>) -> Result<QuietPeriod, StoreError> {
        self.quiet(|reply| QuietCommand::Begin { at, reply }).await
    }

    /// Ends the open quiet period at `at`; `None` when none was open.
    pub async fn end_quiet(&self, at: DateTime<Utc>) -> Result<Option<QuietPeriod>, StoreError> {
        self.quiet(|reply| QuietCommand::End { at, reply }).await
    }

    /// The quiet period still open (after a crash, the one the last run left).
    pub async fn current_quiet(&self) -> Result<Option<QuietPeriod>, StoreError> {
        self.quiet(|reply| QuietCommand::Current { reply }).await
    }

    /// Remembers what a holder's hold changed, replacing what was saved for it before.
    pub async fn save_hold(&self, hold: SavedHold) -> Result<(), StoreError> {
        self.quiet(|reply| QuietCommand::SaveHold { hold, reply })
            .await
    }

    /// Forgets a holder's hold once it has been released.
    pub async fn forget_hold(&self, holder: &str) -> Result<(), StoreError> {
        let holder = holder.to_owned();
        self.quiet(|reply| QuietCommand::ForgetHold { holder, reply })
            .await
    }

    /// Every hold not yet released, by holder name.
    pub async fn holds(&self) -> Result<Vec<SavedHold>, StoreError> {
        self.quiet(|reply| QuietCommand::Holds { reply }).await
    }

    /// Counts one notification held at `at` from `app` (the name is cleaned and cut short;
    /// nothing else about the notification is ever stored).
    pub async fn count_held(&self, at: DateTime<Utc>, app: &str) -> Result<(), StoreError> {
        let app = app.to_owned();
        self.quiet(|reply| QuietCommand::CountHeld { at, app, reply })
            .await
    }

    /// Held notifications per app within `[from, to)`, most first.
    pub async fn held_counts(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(String, u64)>, StoreError> {
        self.quiet(|reply| QuietCommand::HeldCounts { from, to, reply })
            .await
    }

    /// Pauses (`true`) or resumes reporting `week`; returns the week as it now stands.
    pub async fn set_report_paused(
        &self,
        week: chrono::IsoWeek,
        paused: bool,
        at: DateTime<Utc>,
    ) -> Result<ReportWeek, StoreError> {
        self.call(|reply| {
            Command::Report(ReportCommand::SetPaused {
                week,
                paused,
                at,
                reply,
            })
        })
        .await
    }

    /// What the ledger holds about reporting `week` (not paused, not queued if nothing).
    pub async fn report_week(&self, week: chrono::IsoWeek) -> Result<ReportWeek, StoreError> {
        self.call(|reply| Command::Report(ReportCommand::Stored { week, reply }))
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
        self.call(|reply| {
            Command::Report(ReportCommand::AssignId {
                week,
                fresh,
                at,
                reply,
            })
        })
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
        self.call(|reply| {
            Command::Report(ReportCommand::Queue {
                candidates,
                at,
                reply,
            })
        })
        .await
    }

    /// Reporting is off: forget the cursor, so turning it on again queues only the last week
    /// that has ended by then. Weeks already queued stay queued. `true` if there was one.
    pub async fn stop_queueing_reports(&self) -> Result<bool, StoreError> {
        self.call(|reply| Command::Report(ReportCommand::StopQueueing { reply }))
            .await
    }

    /// Every queued week, oldest first, delivered or not.
    pub async fn queued_reports(&self) -> Result<Vec<QueuedWeek>, StoreError> {
        self.call(|reply| Command::Report(ReportCommand::List { reply }))
            .await
    }

    /// Records how a try to send `week` ended. A delivered week is never changed again.
    pub async fn record_report_attempt(
        &self,
        week: chrono::IsoWeek,
        attempt: Attempt,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.call(|reply| {
            Command::Report(ReportCommand::Record {
                week,
                attempt,
                at,
                reply,
            })
        })
        .await
    }

    /// Weeks whose last try failed are due again at `at` (the config changed: perhaps the
    /// token or the address was fixed). Returns how many.
    pub async fn retry_failed_reports(&self, at: DateTime<Utc>) -> Result<usize, StoreError> {
        self.call(|reply| Command::Report(ReportCommand::RetryFailed { at, reply }))
            .await
    }

    async fn quiet<T>(
        &self,
        command: impl FnOnce(Reply<T>) -> QuietCommand,
    ) -> Result<T, StoreError> {
        self.call(|reply| Command::Quiet(command(reply))).await
    }

    /// Closes the database now and waits for it. Other clones get [`StoreError::Stopped`].
    pub async fn close(self) -> Result<(), StoreError> {
        self.call(|reply| Command::Close { reply }).await
    }

    /// Sends a command and waits for the writer's answer, which comes after commit. A stopped
    /// writer (closed, or gone) drops the channel ends, which reads as `Stopped`, never a panic.
    async fn call<T>(&self, command: impl FnOnce(Reply<T>) -> Command) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(command(reply))
            .await
            .map_err(|_| StoreError::Stopped)?;
        answer.await.map_err(|_| StoreError::Stopped)?
    }
}
