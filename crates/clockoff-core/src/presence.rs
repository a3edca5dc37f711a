//! Folds what activity sources report into one answer: is the person at the laptop? Present
//! means input within `idle_after`, not locked and not asleep. Each change is an [`Edge`]
//! stamped with when it really happened: an idle stretch ends at the last input, a lock at
//! the lock.

use chrono::{DateTime, Utc};

/// One observation from an activity source, stamped with wall-clock time.
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

/// A change in presence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    Arrived(DateTime<Utc>),
    Left(DateTime<Utc>),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Presence {
    /// `None` until an input source has said anything: no source, no recorded activity.
    input_active: Option<bool>,
    locked: bool,
    asleep: bool,
}

impl Presence {
    pub fn is_present(&self) -> bool {
        self.input_active == Some(true) && !self.locked && !self.asleep
    }

    pub fn apply(&mut self, signal: Signal) -> Option<Edge> {
        let was_present = self.is_present();
        let at = match signal {
            Signal::Active { since } => {
                self.input_active = Some(true);
                since
            }
            Signal::Idle { last_input } => {
                self.input_active = Some(false);
                last_input
            }
            Signal::Locked { locked, at } => {
                self.locked = locked;
                at
            }
            Signal::Sleeping { sleeping, at } => {
                self.asleep = sleeping;
                at
            }
        };
        match (was_present, self.is_present()) {
            (false, true) => Some(Edge::Arrived(at)),
            (true, false) => Some(Edge::Left(at)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(minute: u32) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("2026-11-23T18:{minute:02}:00Z"))
            .unwrap()
            .to_utc()
    }

    #[test]
    fn input_alone_decides_until_locked_or_asleep() {
        let mut p = Presence::default();
        assert!(!p.is_present());
        assert_eq!(
            p.apply(Signal::Active { since: t(1) }),
            Some(Edge::Arrived(t(1)))
        );
        assert_eq!(p.apply(Signal::Active { since: t(2) }), None);
        assert_eq!(
            p.apply(Signal::Idle { last_input: t(3) }),
            Some(Edge::Left(t(3)))
        );
        assert_eq!(p.apply(Signal::Idle { last_input: t(4) }), None);
    }

    #[test]
    fn locked_or_asleep_time_is_never_present() {
        let mut p = Presence::default();
        p.apply(Signal::Active { since: t(0) });
        let lock = Signal::Locked {
            locked: true,
            at: t(5),
        };
        assert_eq!(p.apply(lock), Some(Edge::Left(t(5))));
        // Input while locked (typing the password) is not presence.
        assert_eq!(p.apply(Signal::Active { since: t(6) }), None);
        let unlock = Signal::Locked {
            locked: false,
            at: t(7),
        };
        assert_eq!(p.apply(unlock), Some(Edge::Arrived(t(7))));
        let sleep = Signal::Sleeping {
            sleeping: true,
            at: t(8),
        };
        assert_eq!(p.apply(sleep), Some(Edge::Left(t(8))));
        // Unlocking while asleep changes nothing; resuming with recent input is presence.
        let resume = Signal::Sleeping {
            sleeping: false,
            at: t(20),
        };
        assert_eq!(p.apply(resume), Some(Edge::Arrived(t(20))));
    }

    #[test]
    fn nothing_is_present_before_an_input_source_speaks() {
        let mut p = Presence::default();
        assert_eq!(
            p.apply(Signal::Locked {
                locked: false,
                at: t(1)
            }),
            None
        );
        assert_eq!(
            p.apply(Signal::Sleeping {
                sleeping: false,
                at: t(1)
            }),
            None
        );
        assert!(!p.is_present());
    }
}
