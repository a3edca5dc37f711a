//! What can wake the agent's loop, besides its own timer and the activity sources' signals
//! (which have their own channel, the one the sources were built with): one [`Event`] enum
//! on one channel. D-Bus methods only send a [`Request`] and wait for the loop's reply.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot};

pub type EventSender = mpsc::UnboundedSender<Event>;

#[derive(Debug)]
pub enum Event {
    /// The wall clock was set, or the machine resumed: re-evaluate now.
    WallClockChanged,
    /// A config file changed on disk.
    ConfigChanged,
    Request(Request),
}

/// A reply: the JSON or text the caller shows, or why the request was refused.
pub type Reply = oneshot::Sender<Result<String, Refusal>>;

/// The reply to [`Request::Status`]: the status itself; the D-Bus edge makes it JSON.
pub type StatusReply = oneshot::Sender<Result<crate::status::Status, Refusal>>;

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
impl From<crate::store::StoreError> for Refusal {
    fn from(e: crate::store::StoreError) -> Self {
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
    Status(StatusReply),
    Override {
        length: Length,
        reason: Option<String>,
        reply: Reply,
    },
    EndOverride(Reply),
    LogManual {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        note: String,
        reply: Reply,
    },
    /// A new manual entry standing in for `old`; the reply is the new entry's id.
    CorrectManual {
        old: crate::store::ManualId,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        note: String,
        reason: String,
        reply: Reply,
    },
    /// Manual entry `old` no longer counts, for `reason`; the reply is the correction's id.
    WithdrawManual {
        old: crate::store::ManualId,
        reason: String,
        reply: Reply,
    },
    /// Time off in lieu taken on a local day; the reply is the new row's id.
    TakeToil {
        date: chrono::NaiveDate,
        minutes: i64,
        note: String,
        reply: Reply,
    },
    /// Forget records before the week `before` falls in; `None`: those older than
    /// `[record] keep` (the agent's own retention, which logs instead of replying).
    Forget {
        before: Option<chrono::NaiveDate>,
        reply: Reply,
    },
    /// Pause (or resume) reporting an ISO week; the reply is [`crate::store::ReportWeek`]
    /// as JSON (`paused`, `queued`).
    PauseReport {
        week: chrono::IsoWeek,
        paused: bool,
        reply: Reply,
    },
    Reload(Reply),
}
