//! What quiet hours look like from outside: the `quiet` part of `clockoff status`.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tokio::sync::watch;

use super::slot::SlotStatus;
use crate::status::{self, time_in};

#[derive(Debug, Clone, Default)]
pub struct QuietStatus {
    /// When the quiet period in progress began; `None` when not quiet.
    pub quiet_since: Option<DateTime<Utc>>,
    /// When quiet hours begin, during the grace after working time.
    pub quiet_at: Option<DateTime<Utc>>,
    pub holders: Vec<watch::Receiver<SlotStatus>>,
}

impl QuietStatus {
    /// The same quiet period, times and holders (each holder's own status is watched
    /// through its receiver, so the channel, not its current value, is what matters here).
    pub fn same_as(&self, other: &QuietStatus) -> bool {
        self.quiet_since == other.quiet_since
            && self.quiet_at == other.quiet_at
            && self.holders.len() == other.holders.len()
            && self
                .holders
                .iter()
                .zip(&other.holders)
                .all(|(a, b)| a.same_channel(b))
    }

    /// `held` is the number of notifications held so far in this quiet period.
    pub fn to_status(&self, tz: Tz, held: u64) -> status::Quiet {
        let time = |t: Option<DateTime<Utc>>| t.map(|t| time_in(tz, t));
        let holders = self
            .holders
            .iter()
            .map(|h| {
                let h = h.borrow();
                status::Holder {
                    name: h.key.clone(),
                    holder: h.holder.clone(),
                    held: h.held,
                    held_by_worker: h.held_by_worker,
                    error: h.error.clone(),
                    retry_at: time(h.retry_at),
                }
            })
            .collect();
        status::Quiet {
            quiet: self.quiet_since.is_some(),
            since: time(self.quiet_since),
            from: time(self.quiet_at),
            held_notifications: held,
            holders,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot() -> watch::Receiver<SlotStatus> {
        watch::channel(SlotStatus {
            key: "notifications".into(),
            holder: None,
            held: false,
            held_by_worker: false,
            error: None,
            retry_at: None,
        })
        .1
    }

    #[test]
    fn the_same_period_times_and_holder_channels_are_the_same_status() {
        let at = DateTime::parse_from_rfc3339("2026-11-23T17:10:00Z")
            .unwrap()
            .to_utc();
        let notifications = slot();
        let status = QuietStatus {
            quiet_since: Some(at),
            holders: vec![notifications.clone()],
            ..QuietStatus::default()
        };
        let again = QuietStatus {
            quiet_since: Some(at),
            holders: vec![notifications],
            ..QuietStatus::default()
        };
        assert!(status.same_as(&again));
        let other_slot = slot();
        let replaced = QuietStatus {
            holders: vec![other_slot],
            ..again.clone()
        };
        assert!(!status.same_as(&replaced), "a new slot is a change");
        let later = QuietStatus {
            quiet_at: Some(at),
            ..again
        };
        assert!(!status.same_as(&later));
    }
}
