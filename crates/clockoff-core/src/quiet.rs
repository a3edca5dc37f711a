//! When the laptop should be quiet: a pure answer from the schedule state, when it began,
//! the grace, and whether the worker finished for the day early. The agent's quiet-hours task asks
//! this on every change and at the instant it names.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::schedule::State;
use super::timeline::Timeline;

/// Off, leave and holidays hold; working, on call (nothing is held during on-call: a call
/// must get through) and an override (the worker chose to work) release.
pub fn holds(state: State) -> bool {
    matches!(state, State::Off | State::Leave | State::Holiday)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wanted {
    Quiet,
    /// Not quiet now; quiet from the instant given, if this state holds after a grace.
    Open {
        quiet_at: Option<DateTime<Utc>>,
    },
}

/// What the laptop should be for a state entered at `since` (`None`: as far back as known).
/// `finished_early` says the worker finished for the day (the schedule already shows working
/// hours after it as off): quiet at once, with no grace. `quiet_now` says quiet hours are
/// already on: one holding state handing over to another (off to a bank holiday at
/// midnight) carries on, with no new grace.
pub fn wanted(
    state: State,
    since: Option<DateTime<Utc>>,
    grace: Duration,
    finished_early: bool,
    quiet_now: bool,
    now: DateTime<Utc>,
) -> Wanted {
    if !holds(state) {
        return Wanted::Open { quiet_at: None };
    }
    if quiet_now || finished_early {
        return Wanted::Quiet;
    }
    let Some(since) = since else {
        return Wanted::Quiet;
    };
    let quiet_at = TimeDelta::from_std(grace)
        .ok()
        .and_then(|g| since.checked_add_signed(g));
    let Some(quiet_at) = quiet_at else {
        return Wanted::Open { quiet_at: None };
    };
    if now >= quiet_at {
        Wanted::Quiet
    } else {
        Wanted::Open {
            quiet_at: Some(quiet_at),
        }
    }
}

/// When work next begins after the span that holds `t`: the start of the first later span
/// that releases (working, on call). Off handing over to a bank holiday at midnight is
/// skipped, so "back 09:00 Tue" is right after a long weekend. `None` beyond the horizon.
pub fn next_release(timeline: &Timeline, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    // A long leave is one span, so a few steps cover weekends, holidays and leave together.
    const MAX_STEPS: usize = 64;
    let mut at = timeline.state_at(t).until?;
    for _ in 0..MAX_STEPS {
        let span = timeline.state_at(at);
        if !holds(span.state) {
            return Some(at);
        }
        at = span.until?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::utc;

    const GRACE: Duration = Duration::from_secs(600);

    #[test]
    fn off_leave_and_holidays_hold_after_the_grace_and_the_rest_never_do() {
        let since = Some(utc("2026-11-23T17:00:00Z"));
        let before = utc("2026-11-23T17:09:59Z");
        let after = utc("2026-11-23T17:10:00Z");
        for state in [State::Off, State::Leave, State::Holiday] {
            assert_eq!(
                wanted(state, since, GRACE, false, false, before),
                Wanted::Open {
                    quiet_at: Some(after)
                },
                "{state}"
            );
            assert_eq!(
                wanted(state, since, GRACE, false, false, after),
                Wanted::Quiet
            );
        }
        for state in [State::Working, State::OnCall, State::Override] {
            assert_eq!(
                wanted(state, since, GRACE, false, false, after),
                Wanted::Open { quiet_at: None },
                "{state}"
            );
        }
    }

    #[test]
    fn starting_long_after_the_boundary_or_with_no_grace_holds_at_once() {
        let five = utc("2026-11-23T17:00:00Z");
        let late = utc("2026-11-23T23:00:00Z");
        assert_eq!(
            wanted(State::Off, Some(five), GRACE, false, false, late),
            Wanted::Quiet
        );
        assert_eq!(
            wanted(State::Off, Some(five), Duration::ZERO, false, false, five),
            Wanted::Quiet
        );
        // Off for as long as the schedule knows (no hours at all).
        assert_eq!(
            wanted(State::Off, None, GRACE, false, false, late),
            Wanted::Quiet
        );
    }

    #[test]
    fn finishing_early_skips_the_grace_and_an_override_still_releases() {
        let now = utc("2026-11-23T17:00:01Z");
        let off_since = Some(utc("2026-11-23T17:00:00Z"));
        // In the grace after hours, finishing for the day holds at once...
        assert_eq!(
            wanted(State::Off, off_since, GRACE, false, false, now),
            Wanted::Open {
                quiet_at: Some(utc("2026-11-23T17:10:00Z"))
            }
        );
        assert_eq!(
            wanted(State::Off, off_since, GRACE, true, false, now),
            Wanted::Quiet
        );
        // ...and choosing to work (an override) or on call still releases.
        for state in [State::Override, State::OnCall, State::Working] {
            assert_eq!(
                wanted(state, off_since, GRACE, true, true, now),
                Wanted::Open { quiet_at: None }
            );
        }
    }

    #[test]
    fn off_handing_over_to_a_holiday_or_leave_at_midnight_stays_quiet_with_no_new_grace() {
        let midnight = Some(utc("2026-12-25T00:00:00Z"));
        let just_after = utc("2026-12-25T00:00:01Z");
        for state in [State::Holiday, State::Leave, State::Off] {
            assert_eq!(
                wanted(state, midnight, GRACE, false, true, just_after),
                Wanted::Quiet,
                "{state}"
            );
        }
        // Work starting ends it whatever came before.
        assert_eq!(
            wanted(State::Working, midnight, GRACE, false, true, just_after),
            Wanted::Open { quiet_at: None }
        );
    }

    #[test]
    fn work_next_begins_after_the_weekend_and_a_bank_holiday() {
        let config = crate::config::from_text(
            "config.toml",
            "timezone = \"Europe/London\"\n[holidays]\nregion = \"england-and-wales\"\n",
        )
        .unwrap();
        let timeline = Timeline::new(config.schedule());
        // Thursday 24 December 2026, 17:30: Christmas and Boxing Day (a Saturday, so
        // Monday 28th is the substitute) and the weekend: back Tuesday 29th.
        assert_eq!(
            next_release(&timeline, utc("2026-12-24T17:30:00Z")),
            Some(utc("2026-12-29T09:00:00Z"))
        );
        // At 15:00 on a working day: the end of today's work is skipped too.
        assert_eq!(
            next_release(&timeline, utc("2026-11-23T15:00:00Z")),
            Some(utc("2026-11-24T09:00:00Z"))
        );
    }
}
