//! For any instant: is this person meant to be working? Layers of time, highest precedence
//! first: override > on_call > leave > holiday > working > off.
//!
//! Each layer knows whether it contains an instant and where its nearest boundaries are. A
//! state can only change at some layer's boundary, so transitions are found by walking the
//! merged boundaries and keeping those where the state actually changes. Nothing is
//! precomputed per day, so any instant from 1970 to 2100 costs the same.

use std::fmt;

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::hours::WeeklyHours;
use super::spans::{DaySet, Span, SpanSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Working,
    Off,
    OnCall,
    Leave,
    Holiday,
    Override,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Working => "working",
            State::Off => "off",
            State::OnCall => "on_call",
            State::Leave => "leave",
            State::Holiday => "holiday",
            State::Override => "override",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The state at an instant and the transitions around it (`None`: none within the horizon).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateSpan {
    pub state: State,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// A change of state: from `at` on, the state is `state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub at: DateTime<Utc>,
    pub state: State,
}

/// Transitions are searched for within 1970-01-01 to 2100-12-31 inclusive (UTC).
pub fn horizon() -> Span {
    Span::new(
        Utc.with_ymd_and_hms(1970, 1, 1, 0, 0, 0)
            .single()
            .expect("valid"),
        Utc.with_ymd_and_hms(2101, 1, 1, 0, 0, 0)
            .single()
            .expect("valid"),
    )
}

/// The smallest step chrono can take: the instant "just before" a boundary.
const TICK: TimeDelta = TimeDelta::nanoseconds(1);

#[derive(Debug, Clone)]
pub struct Schedule {
    tz: Tz,
    hours: WeeklyHours,
    holidays: DaySet,
    leave: DaySet,
    on_call: SpanSet,
    overrides: SpanSet,
    horizon: Span,
}

/// Everything a schedule is built from; all dates are local to `tz`.
#[derive(Debug, Clone)]
pub struct ScheduleSpec {
    pub tz: Tz,
    pub hours: WeeklyHours,
    pub holidays: Vec<NaiveDate>,
    /// Inclusive date ranges.
    pub leave: Vec<(NaiveDate, NaiveDate)>,
    pub on_call: Vec<Span>,
    pub overrides: Vec<Span>,
}

impl Schedule {
    pub fn new(spec: ScheduleSpec) -> Self {
        Self {
            tz: spec.tz,
            hours: spec.hours,
            holidays: DaySet::from_days(spec.holidays),
            leave: DaySet::from_inclusive_ranges(spec.leave),
            on_call: SpanSet::new(spec.on_call),
            overrides: SpanSet::new(spec.overrides),
            horizon: horizon(),
        }
    }

    pub fn timezone(&self) -> Tz {
        self.tz
    }

    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.holidays.contains_date(date)
    }

    /// The same schedule with `overrides` in place of the current ones.
    pub fn with_overrides(&self, overrides: impl IntoIterator<Item = Span>) -> Self {
        Self {
            overrides: SpanSet::new(overrides),
            ..self.clone()
        }
    }

    /// The state at `t`, by precedence.
    pub fn state(&self, t: DateTime<Utc>) -> State {
        let tz = self.tz;
        if self.overrides.contains(t) {
            State::Override
        } else if self.on_call.contains(t) {
            State::OnCall
        } else if self.leave.contains(tz, t) {
            State::Leave
        } else if self.holidays.contains(tz, t) {
            State::Holiday
        } else if self.hours.contains(tz, t) {
            State::Working
        } else {
            State::Off
        }
    }

    /// The state at `t` with the transitions that began it and will end it.
    pub fn state_at(&self, t: DateTime<Utc>) -> StateSpan {
        let state = self.state(t);
        StateSpan {
            state,
            since: self.began(t, state),
            until: self.changes_after(t, state).map(|tr| tr.at),
        }
    }

    /// The first transition strictly after `t`.
    pub fn next_transition(&self, t: DateTime<Utc>) -> Option<Transition> {
        self.changes_after(t, self.state(t))
    }

    /// Every transition in `[from, to)`, in order, computed lazily.
    pub fn transitions(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Transitions<'_> {
        let before = from - TICK;
        Transitions {
            schedule: self,
            cursor: before,
            state: self.state(before),
            end: to.min(self.horizon.end),
        }
    }

    fn changes_after(&self, t: DateTime<Utc>, state: State) -> Option<Transition> {
        Transitions {
            schedule: self,
            cursor: t,
            state,
            end: self.horizon.end,
        }
        .next()
    }

    /// When the current run of `state` (which holds at `t`) began.
    fn began(&self, t: DateTime<Utc>, state: State) -> Option<DateTime<Utc>> {
        let mut cursor = t;
        loop {
            let b = self.prev_boundary_at_or_before(cursor)?;
            debug_assert!(b <= cursor, "boundary {b} is after {cursor}");
            if b < self.horizon.start || b > cursor {
                return None;
            }
            if self.state(b - TICK) != state {
                return Some(b);
            }
            cursor = b - TICK;
        }
    }

    fn next_boundary_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let tz = self.tz;
        [
            self.overrides.next_boundary_after(t),
            self.on_call.next_boundary_after(t),
            self.leave.next_boundary_after(tz, t),
            self.holidays.next_boundary_after(tz, t),
            self.hours.next_boundary_after(tz, t),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn prev_boundary_at_or_before(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let tz = self.tz;
        [
            self.overrides.prev_boundary_at_or_before(t),
            self.on_call.prev_boundary_at_or_before(t),
            self.leave.prev_boundary_at_or_before(tz, t),
            self.holidays.prev_boundary_at_or_before(tz, t),
            self.hours.prev_boundary_at_or_before(tz, t),
        ]
        .into_iter()
        .flatten()
        .max()
    }
}

/// Lazy walk over a schedule's transitions; see [`Schedule::transitions`].
pub struct Transitions<'a> {
    schedule: &'a Schedule,
    /// Boundaries strictly after this are still to be looked at.
    cursor: DateTime<Utc>,
    /// The state just after `cursor`.
    state: State,
    end: DateTime<Utc>,
}

impl Iterator for Transitions<'_> {
    type Item = Transition;

    fn next(&mut self) -> Option<Transition> {
        loop {
            let b = self.schedule.next_boundary_after(self.cursor)?;
            // Every layer returns boundaries strictly after the cursor; if one ever did not,
            // stop rather than spin.
            debug_assert!(
                b > self.cursor,
                "boundary {b} does not advance past {}",
                self.cursor
            );
            if b >= self.end || b <= self.cursor {
                self.cursor = self.end;
                return None;
            }
            self.cursor = b;
            let state = self.schedule.state(b);
            if state != self.state {
                self.state = state;
                return Some(Transition { at: b, state });
            }
        }
    }
}
