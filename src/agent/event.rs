//! What can wake the agent's loop, besides its own timer: one [`Event`] enum on one channel.
//! D-Bus methods, the tray and the notices only send a [`Request`] and wait for the loop's
//! reply; activity sources, watchers and the bus send what they saw.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot};

use crate::core::schedule::State;
use crate::ledger::{CorrectionId, ManualId, ReportWeek, ToilId};
use crate::status::{Status, Time};

pub type EventSender = mpsc::UnboundedSender<Event>;

#[derive(Debug)]
pub enum Event {
    Request(Request),
    /// Input, idleness, a lock or a sleep, seen by an activity source.
    Activity(crate::core::presence::Signal),
    /// The activity sources of start number `generation` finished starting in the
    /// background; an older start's news is stale.
    SourcesStarted {
        generation: u64,
        started: super::activity::Started,
    },
    /// A source of start number `generation` died (its compositor crashed, say).
    SourceStopped {
        generation: u64,
        stopped: super::activity::Skipped,
    },
    /// The wall clock was set, or the machine resumed: re-evaluate now.
    WallClockChanged,
    /// A config file changed on disk.
    ConfigChanged,
    /// A calendar file the config names changed on disk.
    CalendarFileChanged,
    /// `clockoff calendar refresh` finished: read the calendars' copies again.
    CalendarsRefreshed,
    /// "Quit" in the tray.
    Quit,
    /// The session bus went away (the session ended), or our name was taken from us: nobody
    /// can reach this agent, and it must not linger after logout.
    BusLost,
}

/// A reply: what the request did, typed (the D-Bus edge turns it into text or JSON), or why
/// it was refused.
pub type Reply<T> = oneshot::Sender<Result<T, Refusal>>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The caller asked for something that cannot be (bad argument).
    InvalidArgs(String),
    /// It could not be done now (no override to end, a broken config, a ledger error).
    Failed(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (Refusal::InvalidArgs(why) | Refusal::Failed(why)) = self;
        f.write_str(why)
    }
}

/// A ledger error is the agent's failure, not the caller's, unless the ledger refused what
/// the caller asked (an entry that does not exist, or was already corrected).
impl From<crate::ledger::StoreError> for Refusal {
    fn from(e: crate::ledger::StoreError) -> Self {
        if e.is_refusal() {
            Refusal::InvalidArgs(e.to_string())
        } else {
            Refusal::Failed(e.to_string())
        }
    }
}

/// How long an override lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Length {
    For(Duration),
    /// "Until I stop": until the worker is away from the laptop (idle, locked or asleep),
    /// and never longer than [`UNTIL_AWAY_AT_MOST`], so a forgotten one still ends.
    UntilAway,
}

pub const UNTIL_AWAY_AT_MOST: Duration = Duration::from_secs(12 * 3600);

#[derive(Debug)]
pub enum Request {
    Status(Reply<Status>),
    /// Work now; the reply is when the override ends, in the worker's zone.
    Override {
        length: Length,
        reason: Option<String>,
        reply: Reply<Time>,
    },
    /// End the running override; the reply is the state now.
    EndOverride(Reply<State>),
    /// "Finish for the day": off (and quiet) at once until work next begins, ending any
    /// override first. The reply is when work next begins, if known.
    FinishEarly(Reply<Option<Time>>),
    /// Undo an early finish: back to what the schedule says; the reply is the state now.
    Resume(Reply<State>),
    /// A change to the worker's record alone ([`RecordRequest`]).
    Record(RecordRequest),
    /// Read the config files again; the reply says which were read.
    Reload(Reply<String>),
}

/// What changes the worker's record and nothing else: the schedule, the state and the
/// activity being recorded stay as they are. Handled apart from the engine
/// (`agent::record_requests`).
#[derive(Debug)]
pub enum RecordRequest {
    /// Self-reported time; the reply is the new entry's id.
    LogManual {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        note: String,
        reply: Reply<ManualId>,
    },
    /// A new manual entry standing in for `old`; the reply is the new entry's id.
    CorrectManual {
        old: ManualId,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        note: String,
        reason: String,
        reply: Reply<ManualId>,
    },
    /// Manual entry `old` no longer counts, for `reason`; the reply is the correction's id.
    WithdrawManual {
        old: ManualId,
        reason: String,
        reply: Reply<CorrectionId>,
    },
    /// Time off in lieu taken on a local day; the reply is the new row's id.
    TakeToil {
        date: chrono::NaiveDate,
        minutes: i64,
        note: String,
        reply: Reply<ToilId>,
    },
    /// Forget records before the week `before` falls in; `None`: those older than
    /// `[record] keep` (the agent's own retention, which logs instead of replying). The reply
    /// says what was forgotten.
    Forget {
        before: Option<chrono::NaiveDate>,
        reply: Reply<String>,
    },
    /// Pause (or resume) reporting an ISO week; the reply is where the week now stands.
    PauseReport {
        week: chrono::IsoWeek,
        paused: bool,
        reply: Reply<ReportWeek>,
    },
}
