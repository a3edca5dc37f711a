//! Activity sources: "is the person at the laptop?". Each source runs as its own task and
//! reports what it sees as [`Signal`]s, stamped with wall-clock time, to the agent's loop.
//! The loop combines them (see `core::presence`); sources never touch the ledger.

use std::sync::Arc;
use std::time::Duration;

use crate::config::SourceChoice;
use crate::core::clock::Clock;
pub use crate::core::presence::Signal;

pub type SignalSender = tokio::sync::mpsc::UnboundedSender<Signal>;

// TEMPORARY until the activity branch lands: no source runs.
pub struct Started;
impl Started {
    pub fn describe(&self) -> String {
        "none".into()
    }
}
pub async fn start(
    _choice: SourceChoice,
    _idle_after: Duration,
    _clock: Arc<dyn Clock>,
    _session: &zbus::Connection,
    _tx: SignalSender,
) -> Started {
    Started
}
