//! What the loop publishes after every change: read by the D-Bus properties, and the seam
//! that holders of notifications and sync subscribe to (a `watch` of this).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::config::QuietSettings;
use crate::core::civil::rfc3339_in;
use crate::core::schedule::State;

#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub state: State,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// When the worker finished for the day, while that lasts: quiet at once, no grace.
    pub finished_early: Option<DateTime<Utc>>,
    pub timezone: Tz,
    /// Whether the person is at the laptop now.
    pub present: bool,
    /// Which activity sources run, e.g. "x11 + logind", or "none".
    pub activity_source: String,
    /// Quiet hours as configured now (the config can be reloaded).
    pub quiet: QuietSettings,
    /// Whether the config wants the tray icon.
    pub tray: bool,
    /// Bumped when the wall clock jumped or the machine resumed, with or without a change
    /// of state: whoever waits on a monotonic timer (the end of the grace) looks again.
    pub wall_clock_changes: u64,
}

impl Snapshot {
    pub fn since_text(&self) -> String {
        self.since
            .map(|t| rfc3339_in(self.timezone, t))
            .unwrap_or_default()
    }

    pub fn until_text(&self) -> String {
        self.until
            .map(|t| rfc3339_in(self.timezone, t))
            .unwrap_or_default()
    }
}
