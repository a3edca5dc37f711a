//! What quiet hours look like from outside: the `quiet` part of `clockoff status`.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};
use tokio::sync::watch;

use super::slot::SlotStatus;
use crate::core::civil::rfc3339_in;

#[derive(Debug, Clone, Default)]
pub struct QuietStatus {
    /// When the quiet period in progress began; `None` when not quiet.
    pub quiet_since: Option<DateTime<Utc>>,
    /// When quiet hours begin, during the grace after working time.
    pub quiet_at: Option<DateTime<Utc>>,
    /// When the worker chose "Clock off", while that lasts.
    pub clocked_off: Option<DateTime<Utc>>,
    pub holders: Vec<watch::Receiver<SlotStatus>>,
}

impl QuietStatus {
    /// `held` is the number of notifications held so far in this quiet period.
    pub fn to_json(&self, tz: Tz, held: u64) -> Value {
        let time = |t: Option<DateTime<Utc>>| t.map(|t| rfc3339_in(tz, t));
        let holders: Vec<Value> = self
            .holders
            .iter()
            .map(|h| {
                let h = h.borrow();
                json!({
                    "name": h.key,
                    "holder": h.holder,
                    "held": h.held,
                    "held_by_worker": h.held_by_worker,
                    "error": h.error,
                    "retry_at": time(h.retry_at),
                })
            })
            .collect();
        json!({
            "quiet": self.quiet_since.is_some(),
            "since": time(self.quiet_since),
            "from": time(self.quiet_at),
            "clocked_off": time(self.clocked_off),
            "held_notifications": held,
            "holders": holders,
        })
    }
}
