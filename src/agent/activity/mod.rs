//! Activity sources: "is the person at the laptop?". Each source runs as its own task and
//! reports what it sees as [`Signal`]s, stamped with wall-clock time, to the agent's loop.
//! The loop combines them (see `core::presence`); sources never touch the ledger.

use chrono::{DateTime, Utc};

/// One observation from a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Input seen after an idle stretch (or at start): present since `since`, the first input.
    Active { since: DateTime<Utc> },
    /// No input for `idle_after`: the person left at `last_input`, not when idleness was noticed.
    Idle { last_input: DateTime<Utc> },
    /// The session was locked or unlocked at `at`.
    Locked { locked: bool, at: DateTime<Utc> },
    /// The machine is about to sleep (`sleeping: true`) or has just resumed.
    Sleeping { sleeping: bool, at: DateTime<Utc> },
}

pub type SignalSender = tokio::sync::mpsc::UnboundedSender<Signal>;
