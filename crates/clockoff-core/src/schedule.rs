//! For any instant: is this person meant to be working? Layers of time, highest precedence
//! first: override > on_call > leave > holiday > working > off. An early finish (the worker
//! chose to stop for the day) turns working hours it covers into off, and nothing else.
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    Working,
    Off,
    OnCall,
    Leave,
    Holiday,
    Override,
}

impl State {
    pub const ALL: [State; 6] = [
        State::Working,
        State::Off,
        State::OnCall,
        State::Leave,
        State::Holiday,
        State::Override,
    ];

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

impl Serialize for State {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for State {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

impl std::str::FromStr for State {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        State::ALL
            .into_iter()
            .find(|state| state.name() == s)
            .ok_or_else(|| format!("unknown state \"{s}\""))
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
    /// Part-day leave (from a calendar: "Annual leave (pm)").
    leave_times: SpanSet,
    on_call: SpanSet,
    overrides: SpanSet,
    /// Where the worker finished early: working hours here are off.
    finished: SpanSet,
}

/// Everything a schedule is built from; all dates are local to `tz`.
#[derive(Debug, Clone)]
pub struct ScheduleSpec {
    pub tz: Tz,
    pub hours: WeeklyHours,
    pub holidays: Vec<NaiveDate>,
    /// Inclusive date ranges.
    pub leave: Vec<(NaiveDate, NaiveDate)>,
    pub leave_times: Vec<Span>,
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
            leave_times: SpanSet::new(spec.leave_times),
            on_call: SpanSet::new(spec.on_call),
            overrides: SpanSet::new(spec.overrides),
            finished: SpanSet::default(),
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

    /// The same schedule with the worker's early finishes in place of the current ones.
    pub fn with_early_finishes(&self, finished: impl IntoIterator<Item = Span>) -> Self {
        Self {
            finished: SpanSet::new(finished),
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
        } else if self.leave.contains(tz, t) || self.leave_times.contains(t) {
            State::Leave
        } else if self.holidays.contains(tz, t) {
            State::Holiday
        } else if self.hours.contains(tz, t) && !self.finished.contains(t) {
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

    /// Every transition in `[from, to)` within the horizon, in order, computed lazily.
    pub fn transitions(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Transitions<'_> {
        let before = from - TICK;
        Transitions {
            schedule: self,
            cursor: before,
            state: self.state(before),
            end: to.min(horizon().end),
        }
    }

    fn changes_after(&self, t: DateTime<Utc>, state: State) -> Option<Transition> {
        Transitions {
            schedule: self,
            cursor: t,
            state,
            end: horizon().end,
        }
        .next()
    }

    /// When the current run of `state` (which holds at `t`) began.
    fn began(&self, t: DateTime<Utc>, state: State) -> Option<DateTime<Utc>> {
        let start = horizon().start;
        let mut cursor = t;
        loop {
            let b = self.prev_boundary_at_or_before(cursor, state)?;
            debug_assert!(b <= cursor, "boundary {b} is after {cursor}");
            if b < start || b > cursor {
                return None;
            }
            if self.state(b - TICK) != state {
                return Some(b);
            }
            cursor = b - TICK;
        }
    }

    /// The earliest boundary after `t` that could end `state`: one of the layer deciding it
    /// or of a layer above. (During leave, working hours come and go unseen.)
    fn next_boundary_after(&self, t: DateTime<Utc>, state: State) -> Option<DateTime<Utc>> {
        let tz = self.tz;
        let rank = deciding_layer(state);
        let mut best = self.overrides.next_boundary_after(t);
        let mut consider = |layer: usize, find: &dyn Fn() -> Option<DateTime<Utc>>| {
            if layer <= rank {
                best = match (best, find()) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
        };
        consider(1, &|| self.on_call.next_boundary_after(t));
        consider(2, &|| self.leave.next_boundary_after(tz, t));
        consider(2, &|| self.leave_times.next_boundary_after(t));
        consider(3, &|| self.holidays.next_boundary_after(tz, t));
        consider(4, &|| self.hours.next_boundary_after(tz, t));
        consider(4, &|| self.finished.next_boundary_after(t));
        best
    }

    /// The latest boundary at or before `t` where `state` (holding at `t`) could have begun.
    fn prev_boundary_at_or_before(&self, t: DateTime<Utc>, state: State) -> Option<DateTime<Utc>> {
        let tz = self.tz;
        let rank = deciding_layer(state);
        let mut best = self.overrides.prev_boundary_at_or_before(t);
        let mut consider = |layer: usize, find: &dyn Fn() -> Option<DateTime<Utc>>| {
            if layer <= rank {
                best = best.max(find());
            }
        };
        consider(1, &|| self.on_call.prev_boundary_at_or_before(t));
        consider(2, &|| self.leave.prev_boundary_at_or_before(tz, t));
        consider(2, &|| self.leave_times.prev_boundary_at_or_before(t));
        consider(3, &|| self.holidays.prev_boundary_at_or_before(tz, t));
        consider(4, &|| self.hours.prev_boundary_at_or_before(tz, t));
        consider(4, &|| self.finished.prev_boundary_at_or_before(t));
        best
    }
}

/// Which layer decides a state, by precedence: overrides 0, on-call 1, leave 2, holidays 3;
/// working and off are decided by all of them and the hours (4).
fn deciding_layer(state: State) -> usize {
    match state {
        State::Override => 0,
        State::OnCall => 1,
        State::Leave => 2,
        State::Holiday => 3,
        State::Working | State::Off => 4,
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
            let b = self.schedule.next_boundary_after(self.cursor, self.state)?;
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
                // Nothing before the horizon is reported, as `state_at` reports no `since`
                // there: a change just before it is taken in silently.
                if b < horizon().start {
                    continue;
                }
                return Some(Transition { at: b, state });
            }
        }
    }
}
