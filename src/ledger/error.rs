//! Everything the ledger can refuse or fail at, worded for the worker reading the log.

use std::fmt;
use std::io;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::records::{IntervalId, ManualId, OverrideId};

#[derive(Debug)]
pub enum StoreError {
    /// The ledger's directory or file could not be created.
    Create {
        path: PathBuf,
        source: io::Error,
    },
    /// The file could not be opened, set up, migrated or recovered.
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    /// The file's schema version is not one this clockoff writes; it was left untouched.
    UnsupportedVersion {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    /// SQLite would not switch the file to write-ahead logging.
    NotWal {
        path: PathBuf,
        mode: String,
    },
    /// The writer thread could not be started.
    Spawn(io::Error),
    /// The writer thread has stopped (closed, or failed); nothing more can be recorded.
    Stopped,
    /// A query or commit failed.
    Sqlite(rusqlite::Error),
    /// A stored value this clockoff cannot read.
    Corrupt(String),
    NoSuchInterval(IntervalId),
    IntervalClosed(IntervalId),
    /// A checkpoint earlier than the interval's last one.
    CheckpointBackwards {
        id: IntervalId,
        last: DateTime<Utc>,
        to: DateTime<Utc>,
    },
    NoSuchOverride(OverrideId),
    /// A span that ends before it starts, or (where that is not allowed) is empty.
    BadRange {
        what: &'static str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    /// A manual entry without a note.
    EmptyNote,
    /// TOIL taken must be a positive number of minutes, at most a day.
    BadToil(i64),
    /// Only records from the past can be forgotten.
    ForgetFuture(chrono::NaiveDate),
    /// The chain does not verify; forgetting would cut away where it breaks.
    ForgetBroken,
    /// Records before this day were forgotten: nothing can be added there.
    BeforeForgotten(chrono::NaiveDate),
    /// No manual entry has this id.
    NoSuchManual(ManualId),
    /// The entry was already corrected or withdrawn. `latest` is its newest version when it
    /// was corrected (perhaps more than once), `withdrawn` whether that version (or the entry
    /// itself) was withdrawn.
    Superseded {
        id: ManualId,
        latest: Option<ManualId>,
        withdrawn: bool,
    },
    /// A withdrawal must say why.
    NoReason,
}

impl fmt::Display for StoreError {
    #[expect(
        clippy::too_many_lines,
        reason = "one check or case after another; split when next touched"
    )]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Create { path, source } => {
                write!(
                    f,
                    "cannot create {} for the ledger: {source}",
                    path.display()
                )
            }
            StoreError::Open { path, source } => {
                write!(f, "cannot open the ledger {}: {source}", path.display())
            }
            StoreError::UnsupportedVersion {
                path,
                found,
                supported,
            } if found > supported => write!(
                f,
                "the ledger {} has schema version {found}, from a newer clockoff (this one knows \
                 up to {supported}); it was left untouched: upgrade clockoff to use it",
                path.display()
            ),
            StoreError::UnsupportedVersion { path, found, .. } => write!(
                f,
                "the ledger {} has schema version {found}, which no clockoff writes; it was left \
                 untouched",
                path.display()
            ),
            StoreError::NotWal { path, mode } => write!(
                f,
                "cannot switch the ledger {} to write-ahead logging (SQLite kept journal mode \
                 \"{mode}\"); is it on a network or read-only filesystem?",
                path.display()
            ),
            StoreError::Spawn(e) => write!(f, "cannot start the ledger's writer thread: {e}"),
            StoreError::Stopped => f.write_str(
                "the ledger's writer has stopped (closed or failed); nothing more can be recorded",
            ),
            StoreError::Sqlite(e) => write!(f, "ledger database error: {e}"),
            StoreError::Corrupt(what) => {
                write!(
                    f,
                    "the ledger holds a value this clockoff cannot read: {what}"
                )
            }
            StoreError::NoSuchInterval(id) => write!(f, "the ledger has no active interval {id}"),
            StoreError::IntervalClosed(id) => write!(f, "active interval {id} is already closed"),
            StoreError::CheckpointBackwards { id, last, to } => write!(
                f,
                "checkpoint of active interval {id} at {to} is before its last checkpoint at \
                 {last}; a checkpoint only moves the end forward"
            ),
            StoreError::NoSuchOverride(id) => write!(f, "the ledger has no override {id}"),
            StoreError::BadRange { what, start, end } if start == end => {
                write!(
                    f,
                    "{what} from {start} to {end} is empty: it must end after it starts"
                )
            }
            StoreError::BadRange { what, start, end } => {
                write!(f, "{what} ends ({end}) before it starts ({start})")
            }
            StoreError::EmptyNote => f.write_str(
                "a manual entry needs a note saying what the time was for, e.g. \"late visit\"",
            ),
            StoreError::BadToil(minutes) => write!(
                f,
                "time off in lieu is taken 1 minute to 24 hours at a time, not {minutes} minutes"
            ),
            StoreError::ForgetFuture(date) => write!(
                f,
                "cannot forget records before {date}: that day has not started yet"
            ),
            StoreError::BeforeForgotten(date) => write!(
                f,
                "your records from before {date} were forgotten (`[record] keep` or `clockoff forget`), \
                 so nothing can be added before then"
            ),
            StoreError::ForgetBroken => f.write_str(
                "the ledger does not verify (see `clockoff verify`), so nothing was forgotten: \
                 forgetting would cut away where it was changed",
            ),
            StoreError::NoSuchManual(id) => write!(f, "there is no logged entry {id}"),
            StoreError::Superseded {
                id, latest: None, ..
            } => write!(
                f,
                "logged entry {id} was already withdrawn and no longer counts; log the time \
                 again if it should"
            ),
            StoreError::Superseded {
                id,
                latest: Some(latest),
                withdrawn: false,
            } => write!(
                f,
                "logged entry {id} was already corrected: its current version is {latest}, \
                 so correct or withdraw {latest} instead"
            ),
            StoreError::Superseded {
                id,
                latest: Some(latest),
                withdrawn: true,
            } => write!(
                f,
                "logged entry {id} was already corrected by {latest}, which was withdrawn; \
                 log the time again if it should count"
            ),
            StoreError::NoReason => f.write_str(
                "withdrawing a logged entry needs a reason, e.g. --reason \"logged twice\"",
            ),
        }
    }
}

impl StoreError {
    /// The caller asked for something the record does not allow (a bad argument, not a
    /// failure of the ledger): the command line exits 2 and the bus answers InvalidArgs.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            StoreError::BadRange { .. }
                | StoreError::EmptyNote
                | StoreError::BadToil(_)
                | StoreError::NoSuchManual(_)
                | StoreError::Superseded { .. }
                | StoreError::ForgetFuture(_)
                | StoreError::BeforeForgotten(_)
                | StoreError::NoReason
        )
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Create { source, .. } => Some(source),
            StoreError::Open { source, .. } => Some(source),
            StoreError::Spawn(e) => Some(e),
            StoreError::Sqlite(e) => Some(e),
            _ => None,
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Sqlite(e)
    }
}
